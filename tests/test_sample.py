"""wxnb.samples.datacube: deterministic, contract-shaped sample months with the documented anomalies."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from wxnb.io.datacube import load_month
from wxnb.samples.datacube import (
    ANOMALIES,
    DEFAULT_START_FOLLOWERS,
    ENDPOINT_SPANS,
    generate_month,
)
from wxnb.samples.hostile import HOSTILE_TEXTS, HOSTILE_URL
from wxnb.samples.month import generate_sample

PROJECT = Path(__file__).resolve().parent.parent
MONTH, PREV = "2026-10", "2026-09"
READ_TOTAL = 99999999
FILE_RX = re.compile(r"^([a-z]+)_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.json$")
DAILY = ("getusersummary", "getusercumulate", "getuserread", "getuserreadhour", "getusershare",
         "getupstreammsg", "getinterfacesummary")
COUNT_FIELDS = ("int_page_read_count", "ori_page_read_count", "share_count", "add_to_fav_count")
API_CAPS = {"getusersummary": 7, "getusercumulate": 7, "getarticletotal": 1, "getuserread": 3,
            "getarticlesummary": 1, "getuserreadhour": 1, "getusershare": 7, "getupstreammsg": 7,
            "getinterfacesummary": 30}  # docs/data-contract.md, days per call
# The 2025 发表内容 endpoints: one day a call (getarticletotaldetail: one publish day).
NEW_CAPS = {"getarticletotaldetail": 1, "getarticleread": 1, "getarticleshare": 1,
            "getbizsummary": 1}


def own_files(folder: Path) -> list[Path]:
    """The datacube files wxnb.samples.datacube itself writes (sections add their own inputs beside them;
    those are tested with their sections)."""
    return [p for p in sorted(folder.rglob("*.json"))
            if (m := FILE_RX.match(p.name)) and m.group(1) in API_CAPS]


def days_of(month: str) -> list[str]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [(first + timedelta(days=i)).isoformat() for i in range((nxt - first).days)]


def rows(folder: Path, endpoint: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob(f"{endpoint}_*.json")):
        out += json.loads(path.read_text(encoding="utf-8"))["list"]
    return out


def by_day(items: list[dict[str, Any]], field: str, **where: int) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in items:
        if all(r[k] == v for k, v in where.items()):
            out[r["ref_date"]] += r[field]
    return dict(out)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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


# --------------------------------------------------------------------------- files


def test_generate_sample_is_deterministic_and_returns_its_files(tmp_path: Path) -> None:
    a = generate_sample(tmp_path / "a")
    b = generate_sample(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert a == sorted(a)
    assert set(a) == {p for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    assert {p.parent.name for p in a} == {PREV, MONTH}
    assert generate_sample(tmp_path / "a") == a  # regenerating in place: same files
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_seed_changes_the_data(tmp_path: Path) -> None:
    generate_month(tmp_path / "x", MONTH, seed=1)
    generate_month(tmp_path / "y", MONTH, seed=2)
    assert snapshot(tmp_path / "x") != snapshot(tmp_path / "y")


def test_committed_sample_equals_the_generator(tmp_path: Path) -> None:
    generate_sample(tmp_path)
    for month in (PREV, MONTH):
        committed = PROJECT / "data" / "sample" / month
        assert committed.is_dir(), f"{committed} missing: run generate_sample(Path('data'))"
        assert snapshot(committed) == snapshot(tmp_path / "sample" / month), month


def _without_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_texts(v) for k, v in value.items() if k not in ("title", "url")}
    if isinstance(value, list):
        return [_without_texts(v) for v in value]
    return value


def test_hostile_option_changes_titles_and_urls_only(root: Path, tmp_path: Path) -> None:
    generate_sample(tmp_path, hostile=True, shape="legacy")
    hostile = tmp_path / "sample"
    files = own_files(hostile)
    assert [p.relative_to(hostile) for p in files] == [
        p.relative_to(root) for p in own_files(root)]
    changed = 0
    for path in files:
        plain = json.loads((root / path.relative_to(hostile)).read_text(encoding="utf-8"))
        body = json.loads(path.read_text(encoding="utf-8"))
        assert _without_texts(body) == _without_texts(plain), path.name  # same numbers
        changed += body != plain
    assert changed == len([p for p in files if p.name.startswith("getarticle")])
    for month in (PREV, MONTH):
        items = rows(hostile / month, "getarticletotal") + rows(hostile / month,
                                                                  "getarticlesummary")
        assert all(any(a["title"].startswith(t) for t in HOSTILE_TEXTS) for a in items)
        assert {a["url"] for a in rows(hostile / month, "getarticletotal")} == {HOSTILE_URL}
        assert load_month(hostile / month, month).warnings == []
    used = {t for a in rows(hostile / MONTH, "getarticletotal") for t in HOSTILE_TEXTS
            if a["title"].startswith(t)}
    assert used == set(HOSTILE_TEXTS)
    # The push before the unfollow spike (quoted by the report) carries every hostile text.
    first_day = ANOMALIES[MONTH]["unfollow_spike"][0]
    spike = [a for a in rows(hostile / MONTH, "getarticletotal")
             if a["ref_date"] == first_day and a["msgid"].endswith("_1")]
    assert len(spike) == 1 and spike[0]["title"].startswith("".join(HOSTILE_TEXTS))
    assert spike[0]["title"].endswith("清仓｜全场5折起，最后3天！错过再等一年")
    for needle in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                   '"><svg onload=alert(1)>', 'href="javascript:alert(1)"',
                   "[点我](javascript:alert(1))", "\u202e", "🔥"):
        assert needle in spike[0]["title"], needle
    assert max(len(w) for t in HOSTILE_TEXTS for w in t.split()) >= 300


def test_generate_month_clears_stale_chunks_only(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    stale = ["getuserread_2026-10-30_2026-11-01.json", "getusersummary.csv",
             "getuserreadhour_2026-10-99.json"]
    kept = ["notes.txt", "readme.json", "getuserreadx_2026-10-01.json"]
    for name in stale + kept:
        (folder / name).write_text("{}", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "getusersummary_old.json").write_text("{}", encoding="utf-8")
    written = generate_month(folder, MONTH, start_followers=50_000)
    names = {p.name for p in folder.iterdir()}
    assert not names & set(stale)
    assert set(kept) <= names and (folder / "sub" / "getusersummary_old.json").exists()
    assert {p.name for p in written} == names - set(kept) - {"sub"}
    first = rows(folder, "getusercumulate")[0]
    net = sum(r["new_user"] - r["cancel_user"] for r in rows(folder, "getusersummary")
              if r["ref_date"] == first["ref_date"])
    assert first["cumulate_user"] == 50_000 + net


def test_every_file_is_an_api_envelope_of_int_counts(cur: Path, prev: Path) -> None:
    for folder in (cur, prev):
        for path in own_files(folder):
            body = json.loads(path.read_text(encoding="utf-8"))
            assert isinstance(body, dict) and list(body) == ["list"], path.name
            assert isinstance(body["list"], list) and body["list"], path.name
            for row in body["list"]:
                for item in [row, *row.get("details", [])]:
                    for key, value in item.items():
                        if key.endswith("date"):
                            assert date.fromisoformat(value).isoformat() == value
                        elif key not in ("msgid", "title", "url", "details"):
                            assert type(value) is int and value >= 0, (path.name, key, value)


def test_chunk_spans_respect_the_api_caps(cur: Path, prev: Path) -> None:
    assert ENDPOINT_SPANS == API_CAPS | NEW_CAPS
    for folder, month in ((cur, MONTH), (prev, PREV)):
        covered: dict[str, list[str]] = defaultdict(list)
        for path in own_files(folder):
            m = FILE_RX.match(path.name)
            assert m and m.group(1) in API_CAPS, path.name
            name, begin, end = m.group(1), date.fromisoformat(m.group(2)), m.group(3)
            span = (date.fromisoformat(end) - begin).days + 1
            assert 1 <= span <= API_CAPS[name], path.name
            days = [(begin + timedelta(days=i)).isoformat() for i in range(span)]
            covered[name] += days
            listed = json.loads(path.read_text(encoding="utf-8"))["list"]
            assert {r["ref_date"] for r in listed} <= set(days), path.name
        for name in DAILY:
            assert covered[name] == days_of(month), (month, name)  # no gaps, no overlaps
    assert len(list(cur.glob("getinterfacesummary_*"))) == 2  # 31 days, 30 per call
    assert len(list(prev.glob("getinterfacesummary_*"))) == 1
    assert len(list(cur.glob("getuserread_*"))) == 11
    assert len(list(cur.glob("getusersummary_*"))) == 5


# --------------------------------------------------------------------------- followers


def test_cumulate_is_consistent_every_day_and_across_months(cur: Path, prev: Path) -> None:
    level = DEFAULT_START_FOLLOWERS
    for folder, month in ((prev, PREV), (cur, MONTH)):
        summary = rows(folder, "getusersummary")
        new, cancel = by_day(summary, "new_user"), by_day(summary, "cancel_user")
        cumulate = rows(folder, "getusercumulate")
        assert [r["ref_date"] for r in cumulate] == days_of(month)
        for r in cumulate:
            level += new[r["ref_date"]] - cancel[r["ref_date"]]
            assert r["cumulate_user"] == level and r["user_source"] == 0, r
        assert all(r["new_user"] or r["cancel_user"] for r in summary)
    assert 125_000 < level < 130_000


def test_follower_sources_and_daily_levels_are_plausible(cur: Path, prev: Path) -> None:
    anomaly_days = {d for days in ANOMALIES[MONTH].values() for d in days}
    for folder in (cur, prev):
        summary = rows(folder, "getusersummary")
        assert {r["user_source"] for r in summary} == {0, 1, 17, 30, 57, 100, 149, 161, 200}
        per_source = by_day(summary, "new_user", user_source=30)
        totals = defaultdict(int)
        for r in summary:
            totals[r["user_source"]] += r["new_user"]
        assert max(totals, key=totals.get) in (1, 30) and totals[0] > totals[17]
        assert len(per_source) == len({r["ref_date"] for r in summary})
        new, cancel = by_day(summary, "new_user"), by_day(summary, "cancel_user")
        for day in new:
            assert 150 <= new[day] <= 450, day
            assert 50 <= cancel[day] <= 180 or day in anomaly_days, day
    summary = rows(cur, "getusersummary")
    push_days = {r["ref_date"] for r in rows(cur, "getarticletotal")}
    from_articles = by_day(summary, "new_user", user_source=57)
    on_push = statistics.mean(v for d, v in from_articles.items() if d in push_days)
    off_push = statistics.mean(v for d, v in from_articles.items() if d not in push_days)
    assert on_push > 2.5 * off_push


# --------------------------------------------------------------------------- articles


def test_article_totals_are_cumulative_per_stat_date(cur: Path, prev: Path) -> None:
    for folder, month in ((cur, MONTH), (prev, PREV)):
        items = rows(folder, "getarticletotal")
        assert 10 <= len({a["ref_date"] for a in items}) <= 20
        for a in items:
            assert a["ref_date"][:7] == month and re.fullmatch(r"\d{10}_[123]", a["msgid"])
            assert a["url"].startswith("https://mp.weixin.qq.com/s/") and a["user_source"] == 0
            push = date.fromisoformat(a["ref_date"])
            details = a["details"]
            assert [d["stat_date"] for d in details] == [
                (push + timedelta(days=k)).isoformat() for k in range(7)]
            assert len({d["target_user"] for d in details}) == 1
            for before, after in zip(details, details[1:], strict=False):
                assert all(after[k] >= before[k] for k in after if k != "stat_date"), a["msgid"]
            last = details[-1]
            assert all(last[k] >= last[k.replace("_count", "_user")]
                       for k in last if k.endswith("_count"))
            sources = [k for k in last if k.startswith("int_page_from_")]
            readers = sum(last[k] for k in sources if k.endswith("_user"))
            assert readers > last["int_page_read_user"]  # readers overlap channels
            assert all(last[k] <= last["int_page_read_count"] for k in sources)
    assert any(a["details"][-1]["stat_date"] > "2026-10-31" for a in rows(cur, "getarticletotal"))


def test_headline_open_rates_and_a_viral_article(cur: Path) -> None:
    items = rows(cur, "getarticletotal")
    heads = [a["details"][-1] for a in items if a["msgid"].endswith("_1")]
    rates = [d["int_page_from_session_read_user"] / d["target_user"] for d in heads]
    assert all(0.015 <= r <= 0.045 for r in rates)
    assert 0.02 <= statistics.median(rates) <= 0.035
    seconds = [a["details"][-1] for a in items if a["msgid"].endswith("_2")]
    assert max(d["int_page_from_session_read_user"] / d["target_user"] for d in seconds) < 0.02
    viral = [d for d in heads
             if d["int_page_from_friends_read_user"] > d["int_page_from_session_read_user"]]
    assert 1 <= len(viral) <= 2
    ordinary = statistics.median(d["int_page_read_user"] for d in heads)
    assert all(d["int_page_read_user"] > 2 * ordinary for d in viral)
    first = [a["details"] for a in items]
    assert all(d[1]["int_page_read_user"] > 0.6 * d[-1]["int_page_read_user"] for d in first)


def test_article_summary_holds_the_daily_increments(cur: Path, prev: Path) -> None:
    totals = {a["msgid"]: a for f in (cur, prev) for a in rows(f, "getarticletotal")}
    summary = rows(cur, "getarticlesummary")
    assert {r["ref_date"][:7] for r in summary} == {MONTH}
    carried = {r["msgid"] for r in summary if totals[r["msgid"]]["ref_date"] < "2026-10-01"}
    assert carried  # last month's articles keep being read in the first days
    for r in summary:
        details = {d["stat_date"]: d for d in totals[r["msgid"]]["details"]}
        today = details[r["ref_date"]]
        before = details.get((date.fromisoformat(r["ref_date"]) - timedelta(days=1)).isoformat())
        for field in ("int_page_read_user", "int_page_read_count", "share_count",
                      "add_to_fav_count", "ori_page_read_count"):
            assert r[field] == today[field] - (before[field] if before else 0), (r, field)


# --------------------------------------------------------------------------- account reads


def test_userread_sources_overlap_and_include_the_articles(cur: Path, prev: Path) -> None:
    for folder, month in ((cur, MONTH), (prev, PREV)):
        reads = rows(folder, "getuserread")
        articles = by_day(rows(folder, "getarticlesummary"), "int_page_read_count")
        total = {r["ref_date"]: r for r in reads if r["user_source"] == READ_TOTAL}
        assert list(total) == days_of(month)
        sources = by_day([r for r in reads if r["user_source"] != READ_TOTAL],
                         "int_page_read_user")
        for day, t in total.items():
            assert sources[day] > t["int_page_read_user"] > 0, day
            assert t["int_page_read_count"] >= articles.get(day, 0), day
            assert t["ori_page_read_count"] > 0 and t["add_to_fav_count"] > 0
        assert {r["user_source"] for r in reads} == {READ_TOTAL, 0, 1, 2, 4, 5, 6, 7}
        others = [r for r in reads if r["user_source"] != READ_TOTAL]
        assert all(r[k] == 0 for r in others for k in (
            "ori_page_read_user", "ori_page_read_count", "add_to_fav_user", "add_to_fav_count"))
        push_days = {a["ref_date"] for a in rows(folder, "getarticletotal")}
        quiet = [t["int_page_read_user"] for d, t in total.items() if d not in push_days]
        assert quiet and min(quiet) > 200  # old articles and search keep reads going


def test_readhour_adds_up_to_the_day_and_follows_the_clock(cur: Path) -> None:
    hours = rows(cur, "getuserreadhour")
    assert {r["ref_hour"] for r in hours} <= set(range(0, 2400, 100))
    assert all(type(r["ref_hour"]) is int for r in hours)
    daily = {(r["ref_date"], r["user_source"]): r for r in rows(cur, "getuserread")}
    summed: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in hours:
        for field in COUNT_FIELDS:
            summed[(r["ref_date"], r["user_source"])][field] += r[field]
        assert r["int_page_read_user"] <= r["int_page_read_count"]
    for key, day in daily.items():
        assert {f: summed[key][f] for f in COUNT_FIELDS} == {f: day[f] for f in COUNT_FIELDS}
    clock = by_day([{**r, "ref_date": r["ref_hour"]} for r in hours], "int_page_read_count",
                   user_source=READ_TOTAL)
    night = sum(clock.get(h, 0) for h in (200, 300, 400))
    assert clock[800] > 10 * night and clock[1200] > clock[1500] and clock[2100] > clock[1600]


def test_shares_messages_and_interface_rows(cur: Path) -> None:
    shares = rows(cur, "getusershare")
    assert {r["share_scene"] for r in shares} == {1, 2, 255, 5}
    assert all(r["share_count"] >= r["share_user"] > 0 for r in shares)
    total = by_day(rows(cur, "getuserread"), "share_count", user_source=READ_TOTAL)
    assert by_day(shares, "share_count") == total
    msgs = rows(cur, "getupstreammsg")
    assert {r["msg_type"] for r in msgs} == {1, 2, 3, 4, 6}
    assert all(r["msg_count"] >= r["msg_user"] > 0 for r in msgs)
    text = by_day(msgs, "msg_user", msg_type=1)
    assert all(text[d] > by_day(msgs, "msg_user", msg_type=2).get(d, 0) for d in text)
    for r in rows(cur, "getinterfacesummary"):
        assert 1500 <= r["callback_count"] <= 6000 and r["fail_count"] <= r["callback_count"]
        assert 200 <= r["total_time_cost"] / r["callback_count"] <= 1500
        assert 1000 <= r["max_time_cost"] <= 10_000


# --------------------------------------------------------------------------- anomalies


def test_the_three_anomalies_are_present(cur: Path) -> None:
    assert ANOMALIES[MONTH] == {
        "unfollow_spike": ("2026-10-15", "2026-10-16"),
        "api_failure_burst": ("2026-10-21", "2026-10-22"),
        "qr_campaign": ("2026-10-24", "2026-10-25"),
    }
    summary = rows(cur, "getusersummary")
    cancel = by_day(summary, "cancel_user")
    usual = statistics.median(cancel.values())
    for day in ANOMALIES[MONTH]["unfollow_spike"]:
        assert 3.5 * usual <= cancel[day] <= 6.5 * usual, (day, cancel[day], usual)
    assert "2026-10-15" in {a["ref_date"] for a in rows(cur, "getarticletotal")}
    api = {r["ref_date"]: r for r in rows(cur, "getinterfacesummary")}
    for day, r in api.items():
        rate = r["fail_count"] / r["callback_count"]
        if day in ANOMALIES[MONTH]["api_failure_burst"]:
            assert 0.04 <= rate <= 0.08 and r["max_time_cost"] > 5000, (day, rate)
        else:
            assert rate < 0.006 and r["max_time_cost"] < 5000, (day, rate)
    qr = by_day(summary, "new_user", user_source=30)
    usual_qr = statistics.median(qr.values())
    for day in ANOMALIES[MONTH]["qr_campaign"]:
        assert qr[day] >= 2.5 * usual_qr, (day, qr[day], usual_qr)


def test_previous_month_is_free_of_anomalies_and_a_little_lower(cur: Path, prev: Path) -> None:
    summary = rows(prev, "getusersummary")
    cancel = by_day(summary, "cancel_user")
    assert max(cancel.values()) < 2 * statistics.median(cancel.values())
    qr = by_day(summary, "new_user", user_source=30)
    assert max(qr.values()) < 2 * statistics.median(qr.values())
    for r in rows(prev, "getinterfacesummary"):
        assert r["fail_count"] / r["callback_count"] < 0.006 and r["max_time_cost"] < 5000
    assert PREV not in ANOMALIES

    def reads(folder: Path) -> int:
        return sum(by_day(rows(folder, "getuserread"), "int_page_read_count",
                          user_source=READ_TOTAL).values())

    assert 0.75 < reads(prev) / reads(cur) < 0.97
    pushes = [len({a["ref_date"] for a in rows(f, "getarticletotal")}) for f in (prev, cur)]
    assert pushes[0] != pushes[1]


# --------------------------------------------------------------------------- contract


def test_months_load_under_the_data_contract_without_notes(cur: Path, prev: Path) -> None:
    for folder, month in ((cur, MONTH), (prev, PREV)):
        data = load_month(folder, month)
        assert data.warnings == []
        assert all(row["状态"] == "完整" for row in data.coverage())


def test_sample_size_stays_modest(root: Path) -> None:
    from wxnb.io.datacube import ENDPOINTS

    files = [p for p in root.rglob("*") if p.is_file()]
    datacube = sum(p.stat().st_size for p in files if p.suffix == ".json"
                   and p.name.split("_", 1)[0] in ENDPOINTS)
    assert 1_000_000 < datacube < 3_000_000
    # every section's files with the event log: the bundled two months stay a small download
    assert sum(p.stat().st_size for p in files) < 14_000_000


def test_the_module_docstring_states_the_generated_facts(cur: Path, prev: Path) -> None:
    """The numbers wxnb.samples.datacube's docstring promises other tests and the analyst are the data's."""
    summary = rows(cur, "getusersummary")
    cancel, qr = by_day(summary, "cancel_user"), by_day(summary, "new_user", user_source=30)
    assert (cancel["2026-10-15"], cancel["2026-10-16"], statistics.median(cancel.values())) == (
        455, 439, 108)
    assert (qr["2026-10-24"], qr["2026-10-25"], statistics.median(qr.values())) == (205, 222, 65)
    api = {r["ref_date"]: r for r in rows(cur, "getinterfacesummary")}
    assert [(api[d]["fail_count"], api[d]["callback_count"], api[d]["max_time_cost"])
            for d in ("2026-10-21", "2026-10-22")] == [(178, 2917, 8255), (159, 3018, 6511)]
    facts = {PREV: (6782, 3220, 123_562, 12, 25, 110_103),
             MONTH: (7539, 4002, 127_099, 15, 32, 133_452)}
    for folder, month in ((prev, PREV), (cur, MONTH)):
        summary, items = rows(folder, "getusersummary"), rows(folder, "getarticletotal")
        reads = by_day(rows(folder, "getuserread"), "int_page_read_count", user_source=READ_TOTAL)
        assert (sum(r["new_user"] for r in summary), sum(r["cancel_user"] for r in summary),
                rows(folder, "getusercumulate")[-1]["cumulate_user"],
                len({a["ref_date"] for a in items}), len(items), sum(reads.values())) == facts[month]
