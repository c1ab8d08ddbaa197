"""The 2025 发表内容 endpoints as the month's article data (getarticletotaldetail, getarticleread,
getarticleshare, getbizsummary), 送达人数 from the push results, and the break with the legacy
图文分析 endpoints (issue #12)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import days_of, dump, make_month
from wxnb.exceptions import DataValidationError
from wxnb.io import delivery
from wxnb.io.datacube import article_api, load_month
from wxnb.io.folder import unrecognised
from wxnb.kit import metrics

MONTH = "2026-10"


def scenes(total: int, **by: int) -> list[dict]:
    names = {"msg": "公众号消息", "chat": "聊天会话", "moments": "朋友圈", "home": "公众号主页",
             "recommend": "推荐", "search": "搜一搜", "other": "其他"}
    return [{"scene_desc": "全部", "user_count": total}] + [
        {"scene_desc": names[k], "user_count": v} for k, v in by.items()]


def push_event(day: str, time: str, key: str, sent: int) -> dict:
    body = {"Status": "send success", "TotalCount": sent + 10, "FilterCount": sent + 5,
            "SentCount": sent, "ErrorCount": 5}
    return {"time": f"{day} {time}", "follower_id": "", "event": "MASSSENDJOBFINISH",
            "key": key, "value": json.dumps(body)}


def published_month(folder: Path, *, events: list[dict] | None = None,
                    publish_types: tuple[int, int, int] = (0, 0, 1)) -> Path:
    """make_month's followers, with the 2025 endpoints instead of getarticletotal/getuserread:

    push 300 on day 3 (two articles), push 301 on day 10 (one article), and a publication 302
    on day 12 without notification (publish_types[2] = 1); getbizsummary 50 readers and 3
    sharers a day."""
    make_month(folder, MONTH)
    for p in list(folder.glob("getarticletotal_*")) + list(folder.glob("getuserread_*")):
        p.unlink()
    days = days_of(MONTH)

    def article(day: str, msgid: str, ptype: int, title: str, readers: int, msg: int,
                share: int) -> dict:
        i = days.index(day)
        return {"ref_date": day, "msgid": msgid, "publish_type": ptype, "title": title,
                "detail_list": [
                    {"stat_date": days[i], "read_user": readers // 2,
                     "read_user_source": scenes(readers // 2, msg=msg // 2, chat=5),
                     "share_user": share // 2, "zaikan_user": 1, "like_user": 2,
                     "comment_count": 0},
                    {"stat_date": days[i + 1], "read_user": readers,
                     "read_user_source": scenes(readers, msg=msg, chat=9, moments=4),
                     "share_user": share, "zaikan_user": 3, "like_user": 4,
                     "comment_count": 1}]}

    arts = [article(days[2], "300_1", publish_types[0], "头条一", 400, 300, 20),
            article(days[2], "300_2", publish_types[0], "次条一", 100, 60, 4),
            article(days[9], "301_1", publish_types[1], "头条二", 500, 350, 30),
            article(days[11], "302_1", publish_types[2], "未通知的发表", 80, 0, 2)]
    for a in arts:
        d = a["ref_date"]
        chunk = [x for x in arts if x["ref_date"] == d]
        dump(folder / f"getarticletotaldetail_{d}_{d}.json", {"list": chunk, "is_delay": False})
    for d in days:
        dump(folder / f"getbizsummary_{d}_{d}.json", {"list": [{"ref_date": d, "detail": {
            "read_user": 50, "read_user_source": scenes(50, msg=30, chat=12),
            "share_user": 3, "zaikan_user": 1, "like_user": 1, "comment_count": 0}}],
            "is_delay": False})
        dump(folder / f"getarticleread_{d}_{d}.json", {"list": [{"ref_date": d, "msgid": "300_1",
             "detail": {"read_user": 7, "read_user_source": scenes(7, msg=4)}}],
            "is_delay": False})
        dump(folder / f"getarticleshare_{d}_{d}.json",
             {"list": [{"ref_date": d, "msgid": "300_1", "detail": {"share_user": 1}}],
              "is_delay": False})
    if events is None:
        events = [push_event(days[2], "20:01:00", "300", 1000),
                  push_event(days[9], "20:02:00", "301", 1100)]
    if events:
        pd.DataFrame(events).to_csv(folder / "events.csv", index=False)
    return folder


# --------------------------------------------------------------------------- the loader


def test_new_endpoints_parse_official_shapes(tmp_path: Path) -> None:
    data = load_month(published_month(tmp_path / "m"), MONTH)
    assert data.article_api == "2025"
    read = data.frames["getarticleread"]
    assert len(read) == 31 and set(read["read_user"]) == {7}
    assert set(read["scene_msg"]) == {4}
    assert set(data.frames["getarticleshare"]["share_user"]) == {1}
    biz = data.frames["getbizsummary"]
    assert int(biz["read_user"].sum()) == 50 * 31
    assert set(biz["scene_chat"]) == {12} and set(biz["scene_all"]) == {50}
    detail = data.frames["getarticletotaldetail"]
    assert set(detail["publish_type"]) == {0, 1}
    last = detail[detail["msgid"] == "300_1"].sort_values("stat_date").iloc[-1]
    assert (last["scene_msg"], last["scene_moments"]) == (300, 4)


def test_read_user_source_other_spelling_and_unknown_scene(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    d = days_of(MONTH)[0]
    dump(folder / f"getbizsummary_{d}_{d}.json", {"list": [{"ref_date": d, "detail": {
        "read_user": 50, "share_user": 3,
        "read_user_source": [{"source_name": "全部", "read_user": 50},
                             {"source_name": "公众号消息", "read_user": 31},
                             {"source_name": "看一看精选", "read_user": 2}]}}]})
    biz = load_month(folder, MONTH).frames["getbizsummary"]
    row = biz[biz["ref_date"] == pd.Timestamp(d)].iloc[0]
    assert row["scene_msg"] == 31 and row["scene_all"] == 50


def test_bad_read_user_source_names_file_field_row(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    d = days_of(MONTH)[4]
    dump(folder / f"getarticleread_{d}_{d}.json", {"list": [{"ref_date": d, "msgid": "300_1",
         "detail": {"read_user": 7, "read_user_source": [{"scene_desc": "全部",
                                                         "user_count": "七"}]}}]})
    with pytest.raises(DataValidationError) as exc:
        load_month(folder, MONTH)
    text = str(exc.value)
    assert f"getarticleread_{d}_{d}.json" in text and "read_user_source[0]" in text
    assert "list[0]" in text


def test_missing_detail_object_is_a_problem(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    d = days_of(MONTH)[5]
    dump(folder / f"getarticleshare_{d}_{d}.json",
         {"list": [{"ref_date": d, "msgid": "300_1", "share_user": 1}]})
    with pytest.raises(DataValidationError) as exc:
        load_month(folder, MONTH)
    assert "detail" in str(exc.value) and f"getarticleshare_{d}_{d}.json" in str(exc.value)


def test_article_api_by_month_and_files() -> None:
    detail = {"getarticletotaldetail": [Path("x")]}
    new = detail | {"getbizsummary": [Path("b")]}
    legacy = {"getarticletotal": [Path("y")], "getuserread": [Path("z")]}
    assert article_api("2026-10", new) == "2025"
    assert article_api("2026-10", detail) == "2025"
    assert article_api("2026-10", new | legacy) == "2025"  # the 2025 endpoints are primary
    assert article_api("2025-10", new | legacy) == "legacy"  # before their data starts
    assert article_api("2026-10", legacy) == "legacy"
    # 在看 and likes from getarticletotaldetail beside a legacy month's getarticletotal
    assert article_api("2026-10", legacy | detail) == "legacy"
    assert article_api("2026-10", {}) == "none"


def test_new_endpoint_files_are_read_not_listed_as_unknown(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    assert unrecognised(folder) == []


def test_coverage_lists_the_months_own_family(tmp_path: Path) -> None:
    data = load_month(published_month(tmp_path / "m"), MONTH)
    names = {r["数据"] for r in data.coverage()}
    assert any("getbizsummary" in n for n in names)
    assert not any("getuserread" in n or "getarticletotal）" in n for n in names)


# --------------------------------------------------------------------------- 送达人数


def test_match_pushes_by_id_then_by_day() -> None:
    pushes = pd.DataFrame({"push": ["2247483700", "2247483702", "2247483703", "2247483704"],
                           "ref_date": pd.to_datetime(["2026-10-03", "2026-10-05",
                                                       "2026-10-07", "2026-10-07"])})
    results = pd.DataFrame({
        "msgid": ["1000000001", "2247483702", "1000000003", "1000000004"],
        "time": pd.to_datetime(["2026-10-03 21:00", "2026-10-05 20:00", "2026-10-07 09:02",
                                "2026-10-07 09:35"]),
        "sent": [900, 700, 5_000, 1_000_000]})
    sent, notes = delivery.match_pushes(pushes, results)
    # 02 by id; 10-03 one push and one result; 10-07 two of each: which finished first says
    # nothing about which was sent first (a small push may finish first), so neither is used
    assert sent.to_dict() == pytest.approx({"2247483700": 900.0, "2247483702": 700.0,
                                            "2247483703": float("nan"),
                                            "2247483704": float("nan")}, nan_ok=True)
    assert len(notes) == 1 and "10-07（2 次通知发表，2 条群发结果）" in notes[0]


def test_match_pushes_leaves_an_ambiguous_day_unknown() -> None:
    pushes = pd.DataFrame({"push": ["10", "11"],
                           "ref_date": pd.to_datetime(["2026-10-03", "2026-10-03"])})
    results = pd.DataFrame({"msgid": ["x"], "time": pd.to_datetime(["2026-10-03 20:00"]),
                            "sent": [500]})
    sent, notes = delivery.match_pushes(pushes, results)
    assert sent.isna().all()
    assert len(notes) == 1 and "10-03（2 次通知发表，1 条群发结果）" in notes[0]


def test_match_pushes_without_results_says_why() -> None:
    pushes = pd.DataFrame({"push": ["10"], "ref_date": pd.to_datetime(["2026-10-03"])})
    sent, notes = delivery.match_pushes(pushes, None)
    assert sent.isna().all() and "没有事件日志" in notes[0] and "送达人数" in notes[0]


# --------------------------------------------------------------------------- the figures


def test_published_totals_by_hand(tmp_path: Path) -> None:
    data = load_month(published_month(tmp_path / "m"), MONTH)
    t = metrics.month_totals(data)
    assert t.article_api == "2025"
    assert (t.read_count, t.share_count) == (None, None)  # people only
    assert t.read_user == 50 * 31 and t.share_rate == pytest.approx(3 / 50)
    # notified content only: 302_1 (publish_type 1) is never delivered
    assert (t.pushes, t.articles, t.undelivered_pushes) == (2, 3, 0)
    # each article carries its push's 送达人数 (as getarticletotal's target_user does)
    assert t.delivered == 1000 + 1000 + 1100
    assert t.open_rate == pytest.approx((300 + 60 + 350) / 3100)
    assert t.headline_open_rate == pytest.approx((300 + 350) / 2100)
    # the follower figures are the legacy ones
    assert (t.new_user, t.cancel_user) == (310, 124)


def test_published_articles_frame(tmp_path: Path) -> None:
    data = load_month(published_month(tmp_path / "m"), MONTH)
    a = metrics.article_final(data).set_index("msgid")
    assert list(a.index) == ["300_1", "300_2", "301_1", "302_1"]
    assert a.at["300_1", "int_page_read_user"] == 400  # the last stat_date, not a sum
    assert a.at["300_1", "int_page_from_session_read_user"] == 300
    assert a.at["300_1", "int_page_from_friends_read_user"] == 9
    assert a.at["300_1", "title"] == "头条一"
    assert a.at["300_2", "target_user"] == 1000 and pd.isna(a.at["302_1", "target_user"])
    assert pd.isna(a.at["300_1", "int_page_read_count"])  # no 次数 in the 2025 data
    assert a.at["301_1", "open_rate"] == pytest.approx(350 / 1100)


def test_open_rate_unknown_without_push_results(tmp_path: Path) -> None:
    data = load_month(published_month(tmp_path / "m", events=[]), MONTH)
    t = metrics.month_totals(data)
    assert t.open_rate is None and t.undelivered_pushes == 2
    assert any("没有事件日志" in n for n in metrics.article_notes(data))


def test_an_unmatched_push_is_left_out_of_the_open_rate(tmp_path: Path) -> None:
    days = days_of(MONTH)
    only_first = [push_event(days[2], "20:01:00", "300", 1000)]
    data = load_month(published_month(tmp_path / "m", events=only_first), MONTH)
    t = metrics.month_totals(data)
    assert t.undelivered_pushes == 1
    assert t.open_rate == pytest.approx((300 + 60) / 2000)  # push 301 neither side


def test_titles_come_from_the_content_plan_when_missing(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    path = sorted(folder.glob("getarticletotaldetail_*"))[0]
    body = json.loads(path.read_text(encoding="utf-8"))
    for item in body["list"]:
        item.pop("title")
    dump(path, body)
    (folder / "content_plan.csv").write_text(
        "msgid,date,title,content_type,cost\n300_1,,计划里的标题,品牌故事,100\n", encoding="utf-8")
    a = metrics.article_final(load_month(folder, MONTH)).set_index("msgid")
    assert a.at["300_1", "title"] == "计划里的标题"
    assert a.at["300_2", "title"] == "msgid 300_2"


# --------------------------------------------------------------------------- across the break


def test_kpi_mom_across_the_break_compares_only_shared_definitions(tmp_path: Path) -> None:
    now = load_month(published_month(tmp_path / "new"), MONTH)
    before = load_month(make_month(tmp_path / "old", "2026-09"), "2026-09")
    assert before.article_api == "legacy"
    table = metrics.kpi_table(metrics.month_totals(now, before), metrics.month_totals(before),
                              {"benchmark_share_rate": 0.03, "benchmark_open_rate": 0.1})
    table = table.set_index("key")
    assert table.at["open_rate", "mom_mode"] == "pp"  # the same definition in both
    assert table.at["read_user", "mom_mode"] == "rel"
    assert table.at["share_rate", "mom_mode"] == "na"  # sharers/readers vs shares/reads
    assert not table.at["share_rate", "comparable"]
    assert pd.isna(table.at["share_rate", "行业均值"])  # a 次数 benchmark does not apply
    assert table.at["open_rate", "行业均值"] == 0.1
    assert "人数" in table.at["share_rate", "口径"]


def test_both_shapes_of_the_sample_give_the_same_shared_figures(
        generated_sample: Path, generated_legacy_sample: Path) -> None:
    """One simulation written both ways: every figure both families define is equal (the 2025
    送达人数 come from the event log's push results, the legacy ones from getarticletotal)."""
    for month in (MONTH, "2026-09"):
        new = load_month(generated_sample / month, month)
        old = load_month(generated_legacy_sample / month, month)
        assert (new.article_api, old.article_api) == ("2025", "legacy")
        a, b = metrics.month_totals(new), metrics.month_totals(old)
        for field in ("net_followers", "cumulate_followers", "read_user", "read_days", "pushes",
                      "articles", "delivered", "open_rate", "headline_open_rate"):
            assert getattr(a, field) == getattr(b, field), (month, field)
        assert a.undelivered_pushes == 0 and metrics.article_notes(new) == []
        assert a.read_count is None and b.read_count > b.read_user
        art_new = metrics.article_final(new).set_index("msgid")
        art_old = metrics.article_final(old).set_index("msgid")
        assert list(art_new.index) == list(art_old.index)
        for col in ("title", "int_page_read_user", "share_user", "target_user",
                    "int_page_from_session_read_user", "int_page_from_feed_read_user"):
            assert (art_new[col] == art_old[col]).all(), (month, col)


def test_section_01_across_the_break_says_what_it_compares(tmp_path: Path) -> None:
    from wxnb.params import load_params
    from wxnb.sections.s01_kpi import compute as section01
    from wxnb.sections.s01_kpi import show as section01_show
    from wxnb.sections.s01_kpi import words as section01_words

    folder = published_month(tmp_path / "acct" / MONTH)
    make_month(tmp_path / "acct" / "2026-09", "2026-09")  # a legacy month before
    sec = section01.prepare(load_params(account="acct", overrides={"data_dir": str(folder)}))
    notes = " ".join(section01_words.data_notes(sec))
    assert "上月数据来自旧版图文分析接口" in notes and "分享率口径不同" in notes
    assert "阅读与分享只有人数，没有次数" in notes
    html = section01_show.kpi_html(sec).markup
    assert "口径不同" in html and "新接口不提供次数" in html
    table = sec.table.set_index("key")
    assert not table.at["share_rate", "benchmark_redefined"]  # no benchmark set here
    sec.table["benchmark_redefined"] = sec.table["key"] == "share_rate"
    row = next(tr for tr in section01_show.kpi_html(sec).markup.split("<tr>")
               if tr.startswith("<td>分享率"))
    assert row.count("口径不同") == 2  # the benchmark column and the 环比 column
    text = " ".join(section01_words.narrative(sec))
    assert "本月通知粉丝的发表 2 次共 3 篇" in text and "不提供阅读次数" in text
    assert "与按次数计算的行业均值不可直接比较" in text


NOTIFIED_CSV = ("内容标题,发表时间,总阅读人数,总阅读次数,总分享人数,总分享次数,阅读后关注人数,送达人数,"
                "公众号消息阅读次数,送达阅读率,内容url\n"
                "头条一,{d} 20:00:00,400,500,20,25,3,1000,320,32%,http://mp.weixin.qq.com/s/a\n"
                " 次条 一,{d} 20:00:00,100,130,4,5,0,\"1,000\",70,7%,http://mp.weixin.qq.com/s/b\n"
                "别月的文章,2026-09-30 20:00:00,10,10,0,0,0,900,5,0.5%,http://mp.weixin.qq.com/s/c\n")


def test_delivered_from_the_notified_content_download(tmp_path: Path) -> None:
    """No event log, but the backend's 已通知内容 download (GBK, as Excel on Chinese Windows
    saves it): push 300's 送达人数 come from it (day and title; spaces and full-width
    differences ignored), push 301 has none and is left out of the open rate."""
    folder = published_month(tmp_path / "m", events=[])
    day = days_of(MONTH)[2]
    (folder / "已通知内容.csv").write_bytes(NOTIFIED_CSV.format(d=day).encode("gb18030"))
    data = load_month(folder, MONTH)
    assert unrecognised(folder) == []
    assert any("2 篇已通知内容的送达人数取自后台下载的 已通知内容.csv" in w for w in data.warnings)
    t = metrics.month_totals(data)
    assert t.undelivered_pushes == 1
    assert t.open_rate == pytest.approx((300 + 60) / 2000)
    notes = " ".join(metrics.article_notes(data))
    assert "没有事件日志" in notes and "1 次通知发表" in notes


def test_a_broken_notified_download_names_file_column_row(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    day = days_of(MONTH)[2]
    text = NOTIFIED_CSV.format(d=day).replace(",1000,320", ",一千,320")
    (folder / "已通知内容.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_month(folder, MONTH)
    assert "已通知内容.csv" in str(exc.value) and "送达人数" in str(exc.value)
    assert "第 2 行" in str(exc.value)


def test_reading_hours_from_the_event_log() -> None:
    """No hourly reads in the 2025 data: section 03 reads the hours from the log's article
    reads (events, 次), every day of the log counting, a day without reads as 0."""
    from wxnb.io import eventsummary
    from wxnb.sections.s03_content import compute as content

    df = pd.DataFrame({
        "time": ["2026-10-05 20:10:00", "2026-10-05 20:40:00", "2026-10-05 08:00:00",
                 "2026-10-06 20:05:00", "2026-10-12 20:30:00"],
        "follower_id": ["a", "b", "a", "c", "d"],
        "event": ["article_read", "article_read", "article_read", "subscribe", "article_read"],
        "key": ["1_1"] * 5, "value": ["公众号消息"] * 5})
    with eventsummary.from_frame(df, MONTH) as log:
        h = content.log_read_hours(log.con)
        assert log.days == 3
    assert (h.what, h.unit) == ("阅读次数", "次") and h.n_days == 3
    assert h.hourly[20] == pytest.approx((2 + 0 + 1) / 3)
    assert h.hourly[8] == pytest.approx(1 / 3)
    assert h.grid.at[0, 20] == pytest.approx(1.5)  # Mondays 10-05 and 10-12: 2 and 1 reads
    assert h.days[0] == 2 and h.days[1] == 1
    empty = df.assign(event="subscribe")
    with eventsummary.from_frame(empty, MONTH) as log:
        assert content.log_read_hours(log.con) is None


def test_check_says_which_parameters_a_2025_month_cannot_answer(tmp_path: Path) -> None:
    from wxnb.cli import _family_parameters
    from wxnb.params import load_params

    folder = published_month(tmp_path / "acct" / MONTH)
    params = load_params(account="acct", overrides={
        "data_dir": str(folder), "target_read_count": 90000, "benchmark_share_rate": 0.03})
    notes = _family_parameters(params, load_month(folder, MONTH))
    assert len(notes) == 2
    assert "target_read_count" in notes[0] and "不提供阅读次数" in notes[0]
    assert "benchmark_share_rate" in notes[1] and "不与之比较" in notes[1]
    legacy = load_month(make_month(tmp_path / "old" / MONTH, MONTH), MONTH)
    assert _family_parameters(params, legacy) == []
    plain = load_params(account="acct", overrides={"data_dir": str(folder)})
    assert _family_parameters(plain, load_month(folder, MONTH)) == []


DETAIL_CSV = """数据概况
阅读次数,平均停留时长(s),完读率,阅读后关注人数,分享次数,在看次数,点赞次数,赞赏(分),评论(条),互动率
520,35,41%,3,25,3,4,0,1,5.2%

阅读转化
送达人数,公众号消息阅读次数,首次分享次数,总分享次数,分享产生的阅读次数
"1,100",380,20,30,66

数据趋势明细
日期,传播渠道,阅读人数,阅读次数,分享人数,分享次数
2026-10-10,公众号消息,350,380,20,25
"""


def test_delivered_from_an_article_detail_download(tmp_path: Path) -> None:
    """An article's 详情 → 下载数据明细, saved under the article's title: its 阅读转化 table
    gives that article's 送达人数 (no event log here); a file whose name names no article of
    the month is said so and not used."""
    folder = published_month(tmp_path / "m", events=[])
    (folder / "头条二.csv").write_text(DETAIL_CSV, encoding="utf-8")
    (folder / "别的文章_详情.csv").write_text(DETAIL_CSV, encoding="utf-8")
    data = load_month(folder, MONTH)
    assert unrecognised(folder) == []
    a = metrics.article_final(data).set_index("msgid")
    assert a.at["301_1", "target_user"] == 1100 and pd.isna(a.at["300_1", "target_user"])
    t = metrics.month_totals(data)
    assert t.open_rate == pytest.approx(350 / 1100) and t.undelivered_pushes == 1
    notes = " ".join(data.warnings)
    assert "1 篇的送达人数取自单篇文章详情下载（头条二.csv" in notes
    assert "别的文章_详情.csv的文件名对应不到唯一一篇" in notes


def test_a_broken_article_detail_names_the_file(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    (folder / "头条二.csv").write_text(DETAIL_CSV.replace('"1,100"', "约一千"), encoding="utf-8")
    with pytest.raises(DataValidationError) as exc:
        load_month(folder, MONTH)
    assert "头条二.csv 第 7 行 字段 送达人数" in str(exc.value)


def _edit_detail(folder: Path, msgid: str, edit) -> None:  # type: ignore[no-untyped-def]
    for path in sorted(folder.glob("getarticletotaldetail_*")):
        body = json.loads(path.read_text(encoding="utf-8"))
        for item in body["list"]:
            if item["msgid"] == msgid:
                edit(item)
        dump(path, body)


def test_an_article_without_push_readers_counts_on_neither_side(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")

    def drop_push_scene(item: dict) -> None:
        for d in item["detail_list"]:
            d["read_user_source"] = [s for s in d["read_user_source"]
                                     if s["scene_desc"] != "公众号消息"]

    _edit_detail(folder, "301_1", drop_push_scene)
    data = load_month(folder, MONTH)
    t = metrics.month_totals(data)
    assert t.open_rate == pytest.approx((300 + 60) / 2000)  # not (300 + 60) / 3100
    assert t.headline_open_rate == pytest.approx(300 / 1000)
    assert any("没有 read_user_source 的“公众号消息”项" in n for n in metrics.article_notes(data))


def test_an_unreadable_scene_list_is_an_error_in_a_2025_month(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")

    def break_scenes(item: dict) -> None:
        item["detail_list"][-1]["read_user_source"][1]["user_count"] = "三百五十"

    _edit_detail(folder, "301_1", break_scenes)
    with pytest.raises(DataValidationError) as exc:
        load_month(folder, MONTH)
    day = days_of(MONTH)[9]
    assert f"getarticletotaldetail_{day}_{day}.json list[0].detail_list[1] 字段 read_user_source" \
        in str(exc.value)


def test_a_push_partly_listed_in_the_download_gets_its_delivered_for_every_article(
        tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m", events=[])
    day = days_of(MONTH)[2]
    only_head = "\n".join(ln for ln in NOTIFIED_CSV.format(d=day).splitlines()
                          if "次条" not in ln) + "\n"
    (folder / "已通知内容.csv").write_text(only_head, encoding="utf-8")
    a = metrics.article_final(load_month(folder, MONTH)).set_index("msgid")
    assert a.at["300_2", "target_user"] == 1000  # the push's 送达人数, as 300_1's
    assert metrics.month_totals(load_month(folder, MONTH)).open_rate == pytest.approx(
        (300 + 60) / 2000)


def test_a_download_without_rows_of_the_month_is_a_note(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    header = NOTIFIED_CSV.splitlines()[0]
    (folder / "已通知内容.csv").write_text(
        header + "\n别月的文章,2026-09-30 20:00:00,10,10,0,0,0,900,5,0.5%,http://x\n",
        encoding="utf-8")
    data = load_month(folder, MONTH)
    assert any("已通知内容.csv（已通知内容）中没有本月发表的内容" in w for w in data.warnings)
    assert metrics.month_totals(data).open_rate == pytest.approx((300 + 60 + 350) / 3100)


def test_a_detail_file_named_after_a_longer_title_is_not_used(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m", events=[])
    (folder / "头条二十周年特辑.csv").write_text(DETAIL_CSV, encoding="utf-8")
    (folder / "详情_头条一.csv").write_text(DETAIL_CSV.replace('"1,100"', "1000"),
                                        encoding="utf-8")
    data = load_month(folder, MONTH)
    a = metrics.article_final(data).set_index("msgid")
    assert pd.isna(a.at["301_1", "target_user"])
    assert a.at["300_1", "target_user"] == 1000 == a.at["300_2", "target_user"]
    assert any("头条二十周年特辑.csv的文件名对应不到唯一一篇" in w for w in data.warnings)


def test_a_push_read_more_than_delivered_is_not_used(tmp_path: Path) -> None:
    days = days_of(MONTH)
    events = [push_event(days[2], "20:01:00", "300", 1000),
              push_event(days[9], "20:02:00", "301", 200)]  # 350 read from a 200-follower push
    data = load_month(published_month(tmp_path / "m", events=events), MONTH)
    t = metrics.month_totals(data)
    assert t.undelivered_pushes == 1 and t.open_rate == pytest.approx((300 + 60) / 2000)
    assert any("超过其送达人数" in n for n in metrics.article_notes(data))


def test_api_getuserread_serves_a_2025_month_without_getbizsummary(tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    for p in folder.glob("getbizsummary_*"):
        p.unlink()
    make_month(tmp_path / "legacy", MONTH)
    for p in (tmp_path / "legacy").glob("getuserread_*"):
        shutil.copy(p, folder / p.name)
    data = load_month(folder, MONTH)
    assert data.article_api == "2025"
    t = metrics.month_totals(data)
    assert t.read_user == 50 * 31 and t.share_rate == pytest.approx(3 / 50)


def test_a_share_rate_target_at_the_break_asks_which_definition(tmp_path: Path) -> None:
    from wxnb.cli import _family_parameters
    from wxnb.params import load_params

    folder = published_month(tmp_path / "acct" / MONTH)
    params = load_params(account="acct", overrides={"data_dir": str(folder),
                                                    "target_share_rate": 0.04})
    assert _family_parameters(params, load_month(folder, MONTH)) == []  # no month before
    make_month(tmp_path / "acct" / "2026-09", "2026-09")  # a legacy month before: the break
    [note] = _family_parameters(params, load_month(folder, MONTH))
    assert "target_share_rate" in note and "第一个月" in note


def test_section_05_compares_no_own_wci_across_the_break(
        generated_sample: Path, generated_legacy_sample: Path, tmp_path: Path) -> None:
    from wxnb.io.competitors import OWN
    from wxnb.params import load_params
    from wxnb.sections.s05_competitors import compute as s05
    from wxnb.sections.s05_competitors import show as s05_show
    from wxnb.sections.s05_competitors import words as s05_words

    shutil.copytree(generated_sample / MONTH, tmp_path / "acct" / MONTH)
    shutil.copytree(generated_legacy_sample / "2026-09", tmp_path / "acct" / "2026-09")
    sec = s05.prepare(load_params(account="acct", overrides={
        "data_dir": str(tmp_path / "acct" / MONTH)}))
    assert not sec.own_comparable
    wci = next(f for f in s05_words.findings(sec) if f.metric == "wci_rank")
    assert wci.mom is None and wci.mom_text == "口径不同"
    assert s05_show._mom_cells(sec, OWN)[1] == "口径不同"
    rival = next(a for a in sec.stats.index if a != OWN)
    assert s05_show._mom_cells(sec, rival)[1].endswith("%")  # the competitors' still compare
    assert any("本账号 WCI 口径不同" in n for n in s05_words.data_notes(sec))


def test_section_03_keeps_unnotified_publications_in_the_content_analysis(tmp_path: Path) -> None:
    """A service account publishes most content without notification: those articles count
    in the reads, shares and forms of section 03, never in its push and open-rate analyses."""
    from wxnb.params import load_params
    from wxnb.sections.s03_content import compute as s03
    from wxnb.sections.s03_content import words as s03_words

    folder = published_month(tmp_path / "acct" / MONTH)
    sec = s03.prepare(load_params(account="acct", overrides={"data_dir": str(folder)}))
    a = sec.articles.set_index("msgid")
    assert list(a.index) == ["300_1", "300_2", "301_1", "302_1"]
    assert not a.at["302_1", "notified"] and a.at["302_1", "reads"] == 80
    assert sec.opens.head_articles == 2 and sec.opens.secondary_articles == 1
    assert "302" not in set(sec.pushes["push"])
    text = " ".join(s03_words.narrative(sec))
    assert "本月发表 4 篇（通知粉丝 3 篇）" in text
    assert any("其中 1 篇未通知粉丝" in n for n in s03_words.data_notes(sec))


def test_empty_legacy_files_beside_published_articles_do_not_make_a_legacy_month(
        tmp_path: Path) -> None:
    folder = published_month(tmp_path / "m")
    for p in folder.glob("getbizsummary_*"):
        p.unlink()
    d = days_of(MONTH)[0]
    dump(folder / f"getarticletotal_{d}_{d}.json", {"list": []})  # asked, nothing answered
    assert article_api(MONTH, {"getarticletotaldetail": sorted(
        folder.glob("getarticletotaldetail_*")), "getarticletotal": [
        folder / f"getarticletotal_{d}_{d}.json"]}) == "2025"
    data = load_month(folder, MONTH)
    assert data.article_api == "2025" and metrics.month_totals(data).articles == 3


def test_the_sample_month_matched_by_day_as_real_logs_are(
        generated_sample: Path, generated_legacy_sample: Path, tmp_path: Path) -> None:
    """A real event log keys MASSSENDJOBFINISH by the send job's msg_id, not the msg_data_id
    of the datacube's msgid: the sample's pushes (one a day) then match by day, and give the
    same 送达人数 and 打开率 as the legacy data of the same simulation."""
    folder = shutil.copytree(generated_sample / MONTH, tmp_path / "sample" / MONTH)
    log = pd.read_parquet(folder / "events.parquet")
    pushes = log["event"].astype(str) == "MASSSENDJOBFINISH"
    assert pushes.sum() > 10
    keys = log["key"].astype(str)
    log["key"] = keys.where(~pushes, "1000" + pd.Series(range(len(log)), index=log.index)
                            .astype(str))
    log.to_parquet(folder / "events.parquet", index=False)
    data = load_month(folder, MONTH)
    new, old = metrics.month_totals(data), metrics.month_totals(
        load_month(generated_legacy_sample / MONTH, MONTH))
    assert new.undelivered_pushes == 0 and metrics.article_notes(data) == []
    assert (new.delivered, new.open_rate, new.headline_open_rate) == (
        old.delivered, old.open_rate, old.headline_open_rate)
