"""wxnb.samples.eventlog: the sample event log, menu, content plan and orders, against the datacube.

Every expectation is computed here independently: datacube numbers from the JSON files with
``json``, log numbers with DuckDB SQL over the Parquet file (never with the generator's code).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from wxnb.io import eventlog as events
from wxnb.io import companions
from wxnb.samples import eventlog as sample_events
from wxnb.cli import cli
from wxnb.exceptions import ParameterError
from wxnb.samples.datacube import CONTENT_TYPES
from wxnb.samples.hostile import HOSTILE_TEXTS
from wxnb.samples.month import generate_sample

MONTH, PREV = "2026-10", "2026-09"
INTERACTIONS = tuple(events.INTERACTIONS)
SCENE = {"session": "公众号消息", "friends": "聊天会话", "feed": "朋友圈", "hist_msg": "公众号主页",
         "other": "其他", "kanyikan": "推荐", "souyisou": "搜一搜"}
MENU_EVENTS = ("CLICK", "VIEW", "view_miniprogram")


def rows(folder: Path, endpoint: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob(f"{endpoint}_*.json")):
        out += json.loads(path.read_text(encoding="utf-8"))["list"]
    return out


def month_days(month: str) -> list[str]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [(first + timedelta(days=i)).isoformat() for i in range((nxt - first).days)]


def con_for(*folders: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with VIEW ev over the folders' events.parquet (+ a day column)."""
    files = ", ".join(f"'{f / 'events.parquet'}'" for f in folders)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW ev AS SELECT *, CAST(time AS DATE) AS day "
                f"FROM read_parquet([{files}])")
    return con


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.sql(sql).fetchall()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def increments(root: Path, month: str) -> dict[str, list[dict[str, Any]]]:
    """msgid -> the in-month daily increments of every getarticletotal detail counter."""
    out: dict[str, list[dict[str, Any]]] = {}
    for folder in root.iterdir():
        for a in rows(folder, "getarticletotal"):
            before: dict[str, Any] = defaultdict(int)
            days = []
            for d in a["details"]:
                if d["stat_date"][:7] == month:
                    days.append({k: (v - before[k] if k != "stat_date" else v)
                                 for k, v in d.items()})
                before = defaultdict(int, d)
            if days:
                out[a["msgid"]] = days
    return out


@pytest.fixture(scope="module")
def root(generated_legacy_sample: Path) -> Path:
    # The generator's facts are checked on the legacy shape (every 图文分析 endpoint); the
    # 2025 shape carries the same simulation (tests/test_published.py compares the two).
    return generated_legacy_sample


@pytest.fixture(scope="module")
def cur(root: Path) -> Path:
    return root / MONTH


@pytest.fixture(scope="module")
def prev(root: Path) -> Path:
    return root / PREV


@pytest.fixture(scope="module")
def con(cur: Path) -> duckdb.DuckDBPyConnection:
    return con_for(cur)


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    generate_sample(out, hostile=True, shape="legacy")
    return out / "sample"


# --------------------------------------------------------------------------- files and format


def test_files_schema_order_and_size(root: Path) -> None:
    for month in (PREV, MONTH):
        folder = root / month
        for name in ("events.parquet", "menu.json", "content_plan.csv", "orders.csv"):
            assert (folder / name).is_file(), (month, name)
        pf = pq.ParquetFile(folder / "events.parquet")
        schema = pf.schema_arrow
        assert schema.names == ["time", "follower_id", "event", "key", "value", "via"]
        assert schema.field("time").type == pa.timestamp("us")
        assert all(schema.field(c).type == pa.string() for c in schema.names[1:])
        assert all(pf.metadata.row_group(i).num_rows <= 1_000_000
                   for i in range(pf.metadata.num_row_groups))
        assert (folder / "events.parquet").stat().st_size < 4_000_000
        c = con_for(folder)
        (unsorted,) = q(c, "SELECT count(*) FROM (SELECT time < lag(time) OVER () AS back "
                           "FROM ev) WHERE back")[0]
        assert unsorted == 0
        bad_ids = q(c, "SELECT count(*) FROM ev WHERE NOT regexp_full_match(follower_id, "
                       "'[fn][0-9a-f]{7}|system') OR strlen(follower_id) > 12")[0][0]
        assert bad_ids == 0
        assert q(c, "SELECT count(*) FROM ev WHERE via <> '' AND NOT regexp_full_match(via, "
                    "'[fn][0-9a-f]{7}')")[0][0] == 0
        names = {r[0] for r in q(c, "SELECT DISTINCT event FROM ev")}
        assert names <= set(events.EVENT_TYPES) and "LOCATION" not in names
        assert q(c, "SELECT min(day), max(day) FROM ev")[0] == (
            date.fromisoformat(f"{month}-01"), date.fromisoformat(month_days(month)[-1]))


def test_constants_agree_with_the_event_module() -> None:
    assert sample_events.MENU_FILE == companions.MENU_FILE
    assert sample_events.CONTENT_PLAN_FILE == companions.CONTENT_PLAN_FILE
    assert sample_events.ORDERS_FILE == companions.ORDERS_FILE
    assert any(Path(sample_events.EVENTS_FILE).match(g) for g in events.EVENT_GLOBS)
    option = next(p for p in cli.commands["sample"].params if p.name == "n_events")
    assert (option.type.min, option.type.max) == (sample_events.MIN_EVENTS,
                                                  sample_events.MAX_EVENTS)


def test_the_month_validates_cleanly_with_wxnb_events(cur: Path, prev: Path) -> None:
    """The integration check: the contract's own loaders accept every file without a note."""
    for folder, month in ((prev, PREV), (cur, MONTH)):
        with events.open_month(folder, month) as log:
            assert log.rows_total == log.rows_used > 100_000
            assert log.unknown == {} and log.outside_month == 0
            assert log.files == [folder / "events.parquet"]
        menu = companions.load_menu(folder)
        assert menu is not None and menu.is_open and menu.notes == []
        plan = companions.load_content_plan(folder, month)
        orders = companions.load_orders(folder, month)
        assert plan is not None and plan.attrs["notes"] == []
        assert orders is not None and orders.attrs["notes"] == [] and len(orders) > 100


def test_generation_is_deterministic_and_seeded(tmp_path: Path) -> None:
    generate_sample(tmp_path / "a", events=20_000)
    generate_sample(tmp_path / "b", events=20_000)
    generate_sample(tmp_path / "c", events=20_000, seed=7)
    for month in (PREV, MONTH):
        for name in ("events.parquet", "menu.json", "content_plan.csv", "orders.csv"):
            a, b = (tmp_path / x / "sample" / month / name for x in "ab")
            assert a.read_bytes() == b.read_bytes(), (month, name)
        other = tmp_path / "c" / "sample" / month / "events.parquet"
        assert other.read_bytes() != (tmp_path / "a" / "sample" / month / "events.parquet"
                                      ).read_bytes()


# --------------------------------------------------------------------------- followers


def test_follows_and_unfollows_match_getusersummary(cur: Path, prev: Path) -> None:
    for folder, month in ((prev, PREV), (cur, MONTH)):
        c = con_for(folder)
        summary = rows(folder, "getusersummary")
        new, cancel, qr = defaultdict(int), defaultdict(int), defaultdict(int)
        for r in summary:
            new[r["ref_date"]] += r["new_user"]
            cancel[r["ref_date"]] += r["cancel_user"]
            qr[r["ref_date"]] += r["new_user"] if r["user_source"] == 30 else 0
        got = {str(d): (s, u, k) for d, s, u, k in q(c, """
            SELECT day, count(*) FILTER (WHERE event = 'subscribe'),
                   count(*) FILTER (WHERE event = 'unsubscribe'),
                   count(*) FILTER (WHERE event = 'subscribe' AND key LIKE 'qrscene_%')
            FROM ev GROUP BY day""")}
        for day in month_days(month):
            assert got[day] == (new[day], cancel[day], qr[day]), (month, day)
        # every follow and unfollow is a different follower
        assert q(c, "SELECT count(*) = count(DISTINCT follower_id) FROM ev "
                    "WHERE event = 'subscribe'")[0][0]
        assert q(c, "SELECT count(*) = count(DISTINCT follower_id) FROM ev "
                    "WHERE event = 'unsubscribe'")[0][0]


def test_nobody_acts_after_unfollowing_or_before_following(con: duckdb.DuckDBPyConnection
                                                           ) -> None:
    after = q(con, f"""
        WITH u AS (SELECT follower_id, time FROM ev WHERE event = 'unsubscribe')
        SELECT count(*) FROM ev JOIN u USING (follower_id)
        WHERE ev.time > u.time AND ev.event IN {INTERACTIONS}
          AND ev.event NOT IN ('order', 'mp_visit')""")[0][0]
    assert after == 0  # only orders already under way (and their confirm page) may follow
    before = q(con, """
        WITH s AS (SELECT follower_id, time FROM ev WHERE event = 'subscribe')
        SELECT ev.event, ev.via <> '' AS via, count(*) FROM ev JOIN s USING (follower_id)
        WHERE ev.time < s.time GROUP BY ALL""")
    # the only thing a new follower did before following: read the article a friend shared
    assert [(e, v) for e, v, _ in before] in ([], [("article_read", True)])


def test_followers_carry_over_between_months(cur: Path, prev: Path) -> None:
    c = con_for(prev, cur)
    left_in_sept = q(c, f"""
        WITH gone AS (SELECT follower_id FROM ev WHERE event = 'unsubscribe'
                      AND day < DATE '{MONTH}-01')
        SELECT count(*) FROM ev JOIN gone USING (follower_id)
        WHERE day >= DATE '{MONTH}-01' AND event IN {INTERACTIONS}
          AND event NOT IN ('order', 'mp_visit')""")[0][0]
    assert left_in_sept == 0
    sept_newcomers_active_in_oct = q(c, f"""
        WITH new AS (SELECT follower_id FROM ev WHERE event = 'subscribe'
                     AND day < DATE '{MONTH}-01')
        SELECT count(DISTINCT follower_id) FROM ev JOIN new USING (follower_id)
        WHERE day >= DATE '{MONTH}-01'""")[0][0]
    assert sept_newcomers_active_in_oct > 500
    oct_new_in_sept = q(c, f"""
        WITH new AS (SELECT follower_id FROM ev WHERE event = 'subscribe'
                     AND day >= DATE '{MONTH}-01')
        SELECT count(*) FROM ev JOIN new USING (follower_id)
        WHERE day < DATE '{MONTH}-01'""")[0][0]
    assert oct_new_in_sept == 0


def test_most_followers_are_silent_and_activity_is_heavy_tailed(
        cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    followers = rows(cur, "getusercumulate")[-1]["cumulate_user"]
    active = q(con, f"SELECT count(DISTINCT follower_id) FROM ev WHERE event IN {INTERACTIONS} "
                    "AND follower_id LIKE 'f%'")[0][0]
    assert 0.15 < active / followers < 0.5
    top = q(con, f"""
        WITH u AS (SELECT follower_id, count(*) AS n FROM ev WHERE event IN {INTERACTIONS}
                   GROUP BY 1),
             r AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS rk, count(*) OVER () AS k,
                          sum(n) OVER () AS total FROM u)
        SELECT sum(n) / any_value(total) FROM r WHERE rk <= k / 10""")[0][0]
    assert top > 0.5  # a tenth of the ids makes most of the interactions


# --------------------------------------------------------------------------- reads


def test_reads_per_article_and_source_match_the_datacube(root: Path, cur: Path,
                                                         con: duckdb.DuckDBPyConnection) -> None:
    inc = increments(root, MONTH)
    got = {(k, v): (u, n) for k, v, u, n in q(con, """
        SELECT key, value, count(DISTINCT follower_id), count(*) FROM ev
        WHERE event = 'article_read' GROUP BY ALL""")}
    assert {k for k, _ in got} == set(inc)
    total_users = total_count = got_count = 0
    for msgid, days in inc.items():
        for src, scene in SCENE.items():
            users = sum(d[f"int_page_from_{src}_read_user"] for d in days)
            count = sum(d[f"int_page_from_{src}_read_count"] for d in days)
            have_u, have_c = got.get((msgid, scene), (0, 0))
            assert have_u == users, (msgid, scene, have_u, users)
            assert abs(have_c - count) <= max(2, 0.02 * count), (msgid, scene, have_c, count)
            total_users, total_count, got_count = total_users + users, total_count + count, \
                got_count + have_c
    assert abs(got_count - total_count) <= 0.001 * total_count
    # the month's reads by day: Σ sources per day within a few of the datacube
    by_day = defaultdict(int)
    for days in inc.values():
        for d in days:
            by_day[d["stat_date"]] += sum(d[f"int_page_from_{s}_read_count"] for s in SCENE)
    have = {str(d): n for d, n in q(con, "SELECT day, count(*) FROM ev "
                                         "WHERE event = 'article_read' GROUP BY 1")}
    assert all(abs(have.get(d, 0) - n) <= 3 for d, n in by_day.items())


def test_all_source_readers_are_close_to_int_page_read_user(
        cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Readers overlap sources in both; the log's total readers are within 12 %."""
    readers = dict(q(con, "SELECT key, count(DISTINCT follower_id) FROM ev "
                          "WHERE event = 'article_read' GROUP BY 1"))
    done = [a for a in rows(cur, "getarticletotal") if a["details"][-1]["stat_date"] <= "2026-10-31"]
    assert len(done) > 20
    for a in done:
        expected = a["details"][-1]["int_page_read_user"]
        assert 0.9 < readers[a["msgid"]] / expected < 1.12, (a["msgid"], readers[a["msgid"]])


def test_session_readers_got_the_push(cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    """公众号消息 readers of a push followed before it (new followers read it elsewhere)."""
    late = q(con, """
        WITH s AS (SELECT follower_id, day AS joined FROM ev WHERE event = 'subscribe')
        SELECT count(*) FROM ev JOIN s USING (follower_id)
        WHERE event = 'article_read' AND value = '公众号消息'
          AND CAST(split_part(key, '_', 1) AS BIGINT) IN
              (SELECT CAST(key AS BIGINT) FROM ev WHERE event = 'MASSSENDJOBFINISH'
               AND day < joined)""")[0][0]
    assert late == 0
    assert q(con, "SELECT count(*) FROM ev WHERE event = 'article_read' AND value = '公众号消息' "
                  "AND follower_id LIKE 'n%'")[0][0] == 0


def test_shares_originals_and_reactions(root: Path, con: duckdb.DuckDBPyConnection) -> None:
    inc = increments(root, MONTH)
    got = {k: v for k, *v in q(con, """
        SELECT key,
               count(DISTINCT follower_id) FILTER (WHERE event = 'article_share'),
               count(*) FILTER (WHERE event = 'article_share'),
               count(DISTINCT follower_id) FILTER (WHERE event = 'read_original'),
               count(*) FILTER (WHERE event = 'read_original')
        FROM ev WHERE event IN ('article_share', 'read_original') GROUP BY 1""")}
    sums = [0, 0, 0, 0]
    have = [0, 0, 0, 0]
    for msgid, days in inc.items():
        expect = [sum(d[f] for d in days) for f in ("share_user", "share_count",
                                                    "ori_page_read_user", "ori_page_read_count")]
        values = got.get(msgid, [0, 0, 0, 0])
        assert values[0] <= expect[0] and values[2] <= expect[2], msgid  # never more people
        sums = [a + b for a, b in zip(sums, expect, strict=True)]
        have = [a + b for a, b in zip(have, values, strict=True)]
    for h, e in zip(have, sums, strict=True):
        assert 0.97 * e <= h <= e + 5, (have, sums)
    assert q(con, "SELECT count(*) FROM ev WHERE event = 'article_share' "
                  "AND (follower_id NOT LIKE 'f%' OR value NOT IN ('好友', '朋友圈'))")[0][0] == 0
    readers = q(con, "SELECT count(*) FROM (SELECT DISTINCT key, follower_id FROM ev "
                     "WHERE event = 'article_read')")[0][0]
    likes, zaikan, comments = q(con, """SELECT count(*) FILTER (WHERE event = 'article_like'),
        count(*) FILTER (WHERE event = 'article_zaikan'),
        count(*) FILTER (WHERE event = 'article_comment') FROM ev""")[0]
    assert 0.011 < likes / readers < 0.019 and 0.007 < zaikan / readers < 0.013
    assert 0.001 < comments / readers < 0.01
    # likes and 在看 once per reader and article; reactions only from readers of the article
    assert q(con, """SELECT count(*) FROM (SELECT key, follower_id, event FROM ev
        WHERE event IN ('article_like', 'article_zaikan') GROUP BY ALL HAVING count(*) > 1)"""
             )[0][0] == 0
    assert q(con, """SELECT count(*) FROM ev e WHERE event IN ('article_like', 'article_zaikan',
        'article_comment', 'article_share', 'read_original') AND NOT EXISTS (SELECT 1 FROM ev r
        WHERE r.event = 'article_read' AND r.key = e.key AND r.follower_id = e.follower_id
        AND r.time <= e.time)""")[0][0] < 0.02 * (likes + zaikan + comments)


def test_via_names_an_earlier_share_of_the_same_article(con: duckdb.DuckDBPyConnection) -> None:
    reads = q(con, "SELECT count(*) FROM ev WHERE event = 'article_read' AND via <> ''")[0][0]
    assert reads > 5_000
    orphans = q(con, """
        SELECT count(*) FROM ev r WHERE r.event = 'article_read' AND r.via <> ''
        AND NOT EXISTS (SELECT 1 FROM ev s WHERE s.event = 'article_share' AND s.key = r.key
            AND s.follower_id = r.via AND s.time <= r.time
            AND s.value = CASE r.value WHEN '聊天会话' THEN '好友' ELSE '朋友圈' END)""")[0][0]
    assert orphans == 0
    assert q(con, "SELECT DISTINCT value FROM ev WHERE event = 'article_read' AND via <> '' "
                  "ORDER BY 1") == [("朋友圈",), ("聊天会话",)]
    assert q(con, "SELECT count(*) FROM ev WHERE via = follower_id")[0][0] == 0
    subs = q(con, "SELECT count(*), count(*) FILTER (WHERE via LIKE 'f%') FROM ev "
                  "WHERE event = 'subscribe' AND via <> ''")[0]
    assert subs[0] > 100 and subs[0] == subs[1]
    # reach is heavy-tailed: some sharers bring 10+ people, most bring one or two
    reach = q(con, """SELECT count(*), count(*) FILTER (WHERE n >= 10) FROM
        (SELECT via, count(DISTINCT follower_id) AS n FROM ev WHERE via <> '' GROUP BY 1)""")[0]
    assert 0.1 < reach[1] / reach[0] < 0.5


# --------------------------------------------------------------------------- pushes, messages


def test_mass_send_results_match_target_user(cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    pushes = {}
    for a in rows(cur, "getarticletotal"):
        pushes[a["msgid"].split("_")[0]] = (a["ref_date"], a["details"][0]["target_user"])
    got = q(con, "SELECT key, day, follower_id, value FROM ev "
                 "WHERE event = 'MASSSENDJOBFINISH' ORDER BY time")
    assert len(got) == len(pushes) == len({k for k, *_ in got})
    for key, day, fid, value in got:
        body = json.loads(value)
        ref_date, target = pushes[key]
        assert str(day) == ref_date and fid == "system" and body["Status"] == "send success"
        assert body["SentCount"] == target
        assert body["FilterCount"] == body["SentCount"] + body["ErrorCount"]
        assert body["TotalCount"] >= body["FilterCount"]
        assert 0.005 < 1 - body["SentCount"] / body["TotalCount"] < 0.05


def test_template_results(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(q(con, "SELECT value, count(*) FROM ev WHERE event = 'TEMPLATESENDJOBFINISH' "
                      "GROUP BY 1"))
    assert set(got) == {"success", "failed:user block", "failed: system failed"}
    total = sum(got.values())
    assert got["success"] / total > 0.93 and got["failed:user block"] > got["failed: system failed"]
    assert q(con, "SELECT count(*) = count(DISTINCT key) FROM ev "
                  "WHERE event = 'TEMPLATESENDJOBFINISH'")[0][0]


def test_messages_match_getupstreammsg(cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    kinds = {1: "text", 2: "image", 3: "voice", 4: "video", 6: "link"}
    expect = {(r["ref_date"], kinds[r["msg_type"]]): (r["msg_user"], r["msg_count"])
              for r in rows(cur, "getupstreammsg")}
    got = {(str(d), k): (u, n) for d, k, u, n in q(con, """
        SELECT day, key, count(DISTINCT follower_id), count(*) FROM ev WHERE event = 'message'
        GROUP BY ALL""")}
    assert got == expect


# --------------------------------------------------------------------------- orders, plan, menu


def test_orders_csv_equals_order_events_with_last_touch(cur: Path, prev: Path) -> None:
    orders = read_csv(cur / "orders.csv")
    c = con_for(prev, cur)
    log = q(c, f"SELECT key, follower_id, strftime(time, '%Y-%m-%d %H:%M:%S'), value FROM ev "
               f"WHERE event = 'order' AND day >= DATE '{MONTH}-01' ORDER BY time, key")
    assert [(o["order_id"], o["follower_id"], o["time"], o["amount"]) for o in orders] == log
    assert all(re.fullmatch(r"\d+\.\d{2}", o["amount"]) and float(o["amount"]) > 0
               for o in orders)
    # last touch, recomputed: the buyer's last article read in the 7 days before the order
    # (the previous month's log included)
    touch = dict(q(c, f"""
        WITH o AS (SELECT key AS order_id, follower_id, time FROM ev WHERE event = 'order'
                   AND day >= DATE '{MONTH}-01'),
             r AS (SELECT follower_id, time, key AS msgid FROM ev WHERE event = 'article_read')
        SELECT o.order_id, arg_max(r.msgid, r.time) FROM o JOIN r
          ON r.follower_id = o.follower_id AND r.time < o.time
         AND r.time >= o.time - INTERVAL 7 DAY
        GROUP BY 1"""))
    assert {o["order_id"]: o["msgid"] for o in orders} == {
        o["order_id"]: touch.get(o["order_id"], "") for o in orders}
    channels = {o["channel"] for o in orders}
    assert {"article", "menu", "direct", "qrscene_store_poster"} <= channels
    assert channels <= {"article", "menu", "direct", "qrscene_store_poster",
                        "qrscene_parcel_card", "qrscene_autumn_fair"}
    assert all(o["msgid"] for o in orders if o["channel"] == "article")
    assert 0.4 < sum(bool(o["msgid"]) for o in orders) / len(orders) < 0.9


def test_content_plan_has_every_article_and_one_unpublished(cur: Path, prev: Path) -> None:
    for folder, month in ((prev, PREV), (cur, MONTH)):
        plan = read_csv(folder / "content_plan.csv")
        articles = {a["msgid"]: a for a in rows(folder, "getarticletotal")}
        listed = [p for p in plan if p["msgid"]]
        assert [p["msgid"] for p in listed] == list(articles)
        for p in listed:
            a = articles[p["msgid"]]
            assert (p["date"], p["title"]) == (a["ref_date"], a["title"])
        unpublished = [p for p in plan if not p["msgid"]]
        assert len(unpublished) == 1 and unpublished[0]["date"][:7] == month
        assert unpublished[0]["title"] not in {a["title"] for a in articles.values()}
        assert {p["content_type"] for p in plan} <= set(CONTENT_TYPES)
        assert all(float(p["cost"]) > 0 and p["author"] for p in plan)
        kinds = defaultdict(list)
        for p in listed:
            kinds[p["content_type"]].append(float(p["cost"]))
        assert len(kinds["品牌故事"]) < len(kinds["促销资讯"]) + len(kinds["会员福利"]) + len(
            kinds["产品评测"])
        assert min(kinds["品牌故事"]) > max(kinds["互动问答"])


def test_menu_tree_and_menu_events(cur: Path, con: duckdb.DuckDBPyConnection) -> None:
    doc = json.loads((cur / "menu.json").read_text(encoding="utf-8"))
    buttons = doc["selfmenu_info"]["button"]
    assert doc["is_menu_open"] == 1 and len(buttons) == 3
    assert all(3 <= len(b["sub_button"]["list"]) <= 5 for b in buttons)
    kinds = {s["type"] for b in buttons for s in b["sub_button"]["list"]}
    assert kinds == {"click", "view", "miniprogram"}
    menu = companions.load_menu(cur)
    assert menu is not None
    used = q(con, "SELECT event, key, count(*), count(DISTINCT follower_id) FROM ev "
                  f"WHERE event IN {MENU_EVENTS} GROUP BY ALL")
    assert all(menu.label(e, k) for e, k, *_ in used)  # every click names a menu item
    assert len(used) == len(menu.items)  # and every item is used at least once
    clicks = {menu.label(e, k): n for e, k, n, _ in used}
    weakest = min(clicks, key=clicks.get)
    assert weakest == "服务 / 往期精选" and clicks[weakest] < 0.002 * sum(clicks.values())
    # miniprogram items land on their page
    landed = q(con, """SELECT count(*) FROM ev m WHERE m.event = 'view_miniprogram'
        AND NOT EXISTS (SELECT 1 FROM ev p WHERE p.event = 'mp_visit' AND p.key = m.key
        AND p.follower_id = m.follower_id AND p.time >= m.time)""")[0][0]
    assert landed == 0


def test_forms_follow_their_view(con: duckdb.DuckDBPyConnection) -> None:
    orphan = q(con, """SELECT count(*) FROM ev s WHERE s.event = 'form_submit' AND NOT EXISTS
        (SELECT 1 FROM ev v WHERE v.event = 'form_view' AND v.key = s.key
         AND v.follower_id = s.follower_id AND v.time <= s.time)""")[0][0]
    assert orphan == 0
    assert {r[0] for r in q(con, "SELECT DISTINCT key FROM ev WHERE event LIKE 'form_%'")} == \
        set(sample_events.FORMS)


# --------------------------------------------------------------------------- planted facts


def _facts(folder: Path, month: str) -> dict[str, Any]:
    """The docstring's planted facts, computed with SQL of the sections' documented rules."""
    c = con_for(folder)
    days = len(month_days(month))
    out: dict[str, Any] = {"rows": q(c, "SELECT count(*) FROM ev")[0][0]}
    pop, core, ugc, comments = q(c, f"""
        WITH u AS (SELECT follower_id AS f, count(*) AS n,
                          count(*) FILTER (WHERE event = 'article_comment') AS c
                   FROM ev WHERE event IN {INTERACTIONS} GROUP BY 1),
             d AS (SELECT DISTINCT follower_id AS f, day FROM ev WHERE event IN {INTERACTIONS}),
             g AS (SELECT f, day - CAST(row_number() OVER (PARTITION BY f ORDER BY day)
                                        AS INTEGER) AS grp FROM d),
             s AS (SELECT f, max(k) AS streak FROM (SELECT f, grp, count(*) AS k FROM g
                   GROUP BY ALL) GROUP BY f),
             r AS (SELECT via AS f, count(DISTINCT follower_id) AS reach FROM ev
                   WHERE via <> '' AND via <> follower_id GROUP BY 1),
             t AS (SELECT u.f, c, (n / ({days} / 7.0) >= 3)::INT + (coalesce(reach, 0) >= 10)::INT
                              + (streak >= 7)::INT AS dims
                   FROM u JOIN s USING (f) LEFT JOIN r USING (f))
        SELECT count(*), count(*) FILTER (WHERE dims >= 2),
               sum(c) FILTER (WHERE dims >= 2), sum(c) FROM t""")[0]
    out["core_share"], out["core_ugc"] = round(core / pop, 3), round(ugc / comments, 3)
    menu_users = q(c, f"SELECT count(DISTINCT follower_id) FROM ev WHERE event IN {MENU_EVENTS}")
    out["menu_usage"] = round(menu_users[0][0] / pop, 3)
    out["abandon"] = dict(q(c, """
        WITH v AS (SELECT key, follower_id, bool_or(event = 'form_submit') AS s FROM ev
                   WHERE event IN ('form_view', 'form_submit') GROUP BY ALL)
        SELECT key, round(1 - avg(s::INT), 3) FROM v GROUP BY key"""))
    out["funnel"] = q(c, """
        WITH o AS (SELECT follower_id, min(time) AS t FROM ev
                   WHERE event = 'article_read' AND value = '公众号消息' GROUP BY 1),
             d AS (SELECT o.follower_id, min(e.time) AS t FROM o JOIN ev e
                   ON e.follower_id = o.follower_id AND e.time >= o.t
                   AND e.event IN ('CLICK', 'VIEW', 'view_miniprogram', 'read_original')
                   GROUP BY 1),
             k AS (SELECT DISTINCT d.follower_id FROM d JOIN ev e
                   ON e.follower_id = d.follower_id AND e.time >= d.t
                   AND e.event IN ('form_submit', 'order'))
        SELECT (SELECT max(CAST(json_extract(value, '$.SentCount') AS BIGINT)) FROM ev
                WHERE event = 'MASSSENDJOBFINISH'),
               (SELECT count(*) FROM o), (SELECT count(*) FROM d), (SELECT count(*) FROM k)
        """)[0]
    out["week1_unfollow"] = dict(q(c, f"""
        WITH s AS (SELECT follower_id, time, key FROM ev WHERE event = 'subscribe'
                   AND day + 7 <= DATE '{month_days(month)[-1]}'),
             u AS (SELECT follower_id, time FROM ev WHERE event = 'unsubscribe')
        SELECT s.key = 'qrscene_autumn_fair',
               round(avg((u.time IS NOT NULL AND CAST(u.time AS DATE) <= CAST(s.time AS DATE) + 7
                         )::INT), 3)
        FROM s LEFT JOIN u USING (follower_id) GROUP BY 1"""))
    plan = {p["msgid"]: p for p in read_csv(folder / "content_plan.csv") if p["msgid"]}
    revenue: dict[str, float] = defaultdict(float)
    orders: dict[str, int] = defaultdict(int)
    for o in read_csv(folder / "orders.csv"):
        if o["msgid"] in plan:
            revenue[plan[o["msgid"]]["content_type"]] += float(o["amount"])
            orders[plan[o["msgid"]]["content_type"]] += 1
    cost: dict[str, float] = defaultdict(float)
    for p in plan.values():
        cost[p["content_type"]] += float(p["cost"])
    out["roi"] = {k: round((revenue[k] - cost[k]) / cost[k], 1) for k in cost}
    out["orders"] = dict(orders)
    return out


def test_the_module_docstring_states_the_planted_facts(cur: Path, prev: Path) -> None:
    """The numbers wxnb.samples.eventlog' docstring promises are the data's (seed 2026)."""
    doc = sample_events.__doc__ or ""
    facts = {m: _facts(f, m) for f, m in ((prev, PREV), (cur, MONTH))}
    for month, f in facts.items():
        print(month, f)
    oct_, sep = facts[MONTH], facts[PREV]
    # every number below is quoted in the docstring
    for text in (f"{oct_['rows']:,}", f"{sep['rows']:,}",
                 f"{oct_['core_share']:.1%}", f"{oct_['core_ugc']:.1%}",
                 f"{sep['core_share']:.1%}", f"{sep['core_ugc']:.1%}",
                 f"{oct_['menu_usage']:.1%}", f"{oct_['abandon']['member_signup']:.1%}",
                 f"{oct_['abandon']['trial_apply']:.1%}",
                 f"{oct_['week1_unfollow'][True]:.1%}", f"{oct_['week1_unfollow'][False]:.1%}",
                 *(f"{n:,}" for n in oct_["funnel"]),
                 f"品牌故事 {oct_['roi']['品牌故事']}", f"促销资讯 {oct_['roi']['促销资讯']}"):
        assert text in doc, text
    # and they say what the docstring says they say
    assert 0.5 < oct_["abandon"]["member_signup"] < 0.68 < 0.4 + 0.3
    assert oct_["abandon"]["trial_apply"] < 0.35
    assert 0.02 < oct_["core_share"] < 0.08 and 0.55 < oct_["core_ugc"] < 0.8
    assert 0.1 < oct_["menu_usage"] < 0.25
    assert oct_["week1_unfollow"][True] > 1.5 * oct_["week1_unfollow"][False]
    sent, opened, deep, converted = oct_["funnel"]
    assert sent - opened > max(opened - deep, deep - converted)  # biggest loss: not opening
    for f in (oct_, sep):
        assert f["roi"]["品牌故事"] > f["roi"]["促销资讯"] > f["roi"]["互动问答"] - 2
        assert f["orders"]["促销资讯"] >= 0.8 * f["orders"]["品牌故事"]
    assert sep["rows"] < oct_["rows"]


# --------------------------------------------------------------------------- scale, hostile


def test_events_n_scales_the_account_consistently(tmp_path: Path) -> None:
    target = 40_000
    generate_sample(tmp_path, events=target)
    folder = tmp_path / "sample" / MONTH
    rows_main = pq.ParquetFile(folder / "events.parquet").metadata.num_rows
    rows_prev = pq.ParquetFile(tmp_path / "sample" / PREV / "events.parquet").metadata.num_rows
    assert abs(rows_main - target) <= 0.1 * target
    assert rows_prev < rows_main
    followers = rows(folder, "getusercumulate")[-1]["cumulate_user"]
    assert 15_000 < followers < 30_000  # about a sixth of the bundled 127,000
    c = con_for(folder)
    new = sum(r["new_user"] for r in rows(folder, "getusersummary"))
    assert q(c, "SELECT count(*) FROM ev WHERE event = 'subscribe'")[0][0] == new
    with events.open_month(folder, MONTH) as log:
        assert log.rows_used == rows_main and log.unknown == {}


@pytest.mark.parametrize("bad", [5, 0, -1, 10**9, 1.5e6, True, "100000"])
def test_events_n_outside_the_range_is_a_clear_error(tmp_path: Path, bad: Any) -> None:
    with pytest.raises(ParameterError, match="events"):
        generate_sample(tmp_path, events=bad)
    assert not (tmp_path / "sample").exists()


def test_cli_sample_events_option(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["sample", "--out", str(tmp_path), "--events", "20000"])
    assert res.exit_code == 0, res.output
    assert "2026-10 事件日志" in res.output and "2026-09 事件日志" in res.output
    rows_main = pq.ParquetFile(tmp_path / "sample" / MONTH / "events.parquet").metadata.num_rows
    assert f"{rows_main:,}" in res.output
    bad = runner.invoke(cli, ["sample", "--out", str(tmp_path / "x"), "--events", "50"])
    assert bad.exit_code == 2 and "--events" in bad.output
    assert "事件日志" in runner.invoke(cli, ["sample", "--help"]).output


def test_hostile_texts_everywhere_numbers_unchanged(root: Path, hostile_root: Path) -> None:
    cur, hcur = root / MONTH, hostile_root / MONTH
    with events.open_month(hcur, MONTH) as log:
        assert log.outside_month > 0 and len(log.unknown) >= 2
        assert any(k in HOSTILE_TEXTS for k in log.unknown)
        assert log.rows_used == q(con_for(cur), "SELECT count(*) FROM ev")[0][0]
        forms = {r[0] for r in log.con.sql("SELECT DISTINCT key FROM ev "
                                           "WHERE event LIKE 'form_%'").fetchall()}
    assert all(any(f.startswith(t) for t in HOSTILE_TEXTS) for f in forms)
    menu = companions.load_menu(hcur)
    assert menu is not None
    assert all(any(t in n for t in HOSTILE_TEXTS) for n in menu.items["level2"])
    plan = read_csv(hcur / "content_plan.csv")
    for col in ("title", "content_type", "author"):
        assert all(any(t in p[col] for t in HOSTILE_TEXTS) for p in plan), col
    orders, plain = read_csv(hcur / "orders.csv"), read_csv(cur / "orders.csv")
    assert all(any(o["channel"].startswith(t) for t in HOSTILE_TEXTS) for o in orders)
    assert [{k: v for k, v in o.items() if k != "channel"} for o in orders] == [
        {k: v for k, v in o.items() if k != "channel"} for o in plain]
    # apart from the texts and the few extra rows, the same log
    same = """SELECT event, count(*), count(DISTINCT follower_id), sum(hash(time)) FROM ev
              WHERE event NOT LIKE 'form%' AND day BETWEEN DATE '2026-10-01' AND
              DATE '2026-10-31' AND event NOT IN ('user_get_card', 'poi_check_notify')
              AND event NOT LIKE '<%' GROUP BY 1 ORDER BY 1"""
    assert q(con_for(hcur), same) == q(con_for(cur), same)
