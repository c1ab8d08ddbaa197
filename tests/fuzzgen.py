"""Malformed input for every loader: tiny valid files, mutated (shared by the fuzz test and
``tools/fuzz_inputs.py``).

A *target* is one loader with the small valid month folder it reads (``base(rng)``: file name
→ bytes) and the files a case may damage (``kinds``; every file when empty). :func:`make_case`
draws a case from a
``random.Random`` (plain, seeded, in the script; Hypothesis' ``st.randoms()`` in the test): it
picks one or two victims and applies structural mutations (a hostile value in a field or cell,
header whitespace, a duplicate column, rows too wide or short, deep nesting, a JSON scalar
instead of the document, …) and byte mutations (truncation, byte flips, NUL bytes, a BOM,
another encoding, CR-only or CRLF line ends, random Unicode such as U+202E, empty files).
:func:`run_case` writes the case into a folder and calls the loader: it either succeeds
(``"accepted"``) or raises :class:`~wxnb.exceptions.DataValidationError` (``"clean"``);
anything else escapes to the caller as an internal error. Input files must be unchanged after
the call, nothing may be left in the temporary directory, and accepted text must be writable as
UTF-8.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.io import eventlog as events
from wxnb.io import companions
from wxnb.io import competitors as s05_competitors
from wxnb.io import tech as s06_tech
from wxnb.io import risk as s07_risk
from wxnb.exceptions import DataValidationError, Problem
from wxnb.io.datacube import ENDPOINTS, load_month

__all__ = ["TARGETS", "Case", "Target", "make_case", "run_case"]

MONTH = "2026-10"

# --------------------------------------------------------------------------- valid base files


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


_READ = ("int_page_read_user", "int_page_read_count", "ori_page_read_user", "ori_page_read_count",
         "share_user", "share_count", "add_to_fav_user", "add_to_fav_count")


def _read_fields(k: int) -> dict[str, int]:
    return {f: k * (i + 1) for i, f in enumerate(_READ)}


def _datacube_rows(ep: str, days: list[str]) -> list[dict[str, Any]]:
    """Valid API ``list`` items of one endpoint for ``days``."""
    rows: list[dict[str, Any]] = []
    for n, d in enumerate(days):
        k = n + 1
        if ep == "getusersummary":
            rows += [{"ref_date": d, "user_source": s, "new_user": 5 * k, "cancel_user": k}
                     for s in (0, 30)]
        elif ep == "getusercumulate":
            rows.append({"ref_date": d, "user_source": 0, "cumulate_user": 1000 + 10 * k})
        elif ep == "getuserread":
            rows += [{"ref_date": d, "user_source": s, **_read_fields(k)} for s in (99999999, 0)]
        elif ep == "getuserreadhour":
            rows += [{"ref_date": d, "ref_hour": h, "user_source": 99999999, **_read_fields(k)}
                     for h in (0, 800, 2300)]
        elif ep == "getusershare":
            rows += [{"ref_date": d, "share_scene": s, "share_count": 3 * k, "share_user": k}
                     for s in (1, 2)]
        elif ep == "getupstreammsg":
            rows.append({"ref_date": d, "msg_type": 1, "msg_user": k, "msg_count": 2 * k})
        elif ep == "getinterfacesummary":
            rows.append({"ref_date": d, "callback_count": 100 * k, "fail_count": k,
                         "total_time_cost": 2000 * k, "max_time_cost": 900})
        elif ep == "getarticlesummary":
            rows.append({"ref_date": d, "msgid": f"22474836{d[-2:]}_1", "title": f"双十一攻略{n}",
                         **_read_fields(k)})
        elif ep == "getarticletotal":
            details = []
            for j in range(2):
                details.append({"stat_date": f"2026-10-{int(d[-2:]) + j:02d}", "target_user": 900,
                                **_read_fields(k * (j + 1)),
                                "int_page_from_session_read_user": 10 * (j + 1),
                                "int_page_from_session_read_count": 12 * (j + 1),
                                "feed_share_from_session_user": j,
                                "feed_share_from_session_cnt": j})
            rows.append({"ref_date": d, "msgid": f"22474836{d[-2:]}_1", "title": f"“520”特辑{n}",
                         "details": details})
        elif ep == "getarticletotaldetail":
            detail_list = [{"stat_date": f"2026-10-{int(d[-2:]) + j:02d}",
                            "read_user": 50 * (j + 1), "share_user": j + 1, "zaikan_user": j, "like_user": 2 * j,
                            "comment_count": j} for j in range(2)]
            rows.append({"ref_date": d, "msgid": f"22474836{d[-2:]}_1",
                         "detail_list": detail_list})
        elif ep == "getarticleread":
            rows.append({"ref_date": d, "msgid": f"22474836{d[-2:]}_1", "detail": {
                "read_user": 5 * k, "read_user_source": _sources(5 * k, 3 * k)}})
        elif ep == "getarticleshare":
            rows.append({"ref_date": d, "msgid": f"22474836{d[-2:]}_1",
                         "detail": {"share_user": k}})
        elif ep == "getbizsummary":
            rows.append({"ref_date": d, "detail": {
                "read_user": 50 * k, "share_user": 3 * k, "zaikan_user": k, "like_user": k,
                "comment_count": 0, "read_user_source": _sources(50 * k, 30 * k)}})
        else:
            raise AssertionError(ep)
    return rows


def _sources(total: int, push: int) -> list[dict[str, Any]]:
    return [{"scene_desc": "全部", "user_count": total},
            {"scene_desc": "公众号消息", "user_count": push}]


def _flat(ep: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = ENDPOINTS[ep].merged
    if merged:  # a CSV holds the detail's fields as columns, read_user_source as scene_* ones
        out = []
        for r in rows:
            detail = dict(r[merged])
            scenes = detail.pop("read_user_source", [])
            names = {"全部": "scene_all", "公众号消息": "scene_msg"}
            out.append({**{k: v for k, v in r.items() if k != merged}, **detail,
                        **{names[x["scene_desc"]]: x["user_count"] for x in scenes}})
        return out
    nested = ENDPOINTS[ep].nested
    if not nested:
        return rows
    out = []
    for r in rows:
        head = {k: v for k, v in r.items() if k != nested}
        out += [{**head, **d} for d in r[nested]]
    return out


def _datacube_csv(ep: str, rows: list[dict[str, Any]]) -> bytes:
    flat = _flat(ep, rows)
    header = list(dict.fromkeys(k for r in flat for k in r))
    return _csv(header, [[r.get(k, "") for k in header] for r in flat])


_DAYS_A, _DAYS_B = ["2026-10-01", "2026-10-02"], ["2026-10-05"]


@functools.cache
def _datacube_base(ep: str, fmt: str) -> dict[str, bytes]:
    out = {}
    for tag, days in (("a", _DAYS_A), ("b", _DAYS_B)):
        rows = _datacube_rows(ep, days)
        name = f"{ep}_{tag}.{fmt}"
        out[name] = _json({"list": rows}) if fmt == "json" else _datacube_csv(ep, rows)
    return out


_EVENT_HEADER = ["time", "follower_id", "event", "key", "value", "via"]
_EVENT_ROWS = [
    ["2026-10-01 08:00:00", "u1", "subscribe", "qrscene_双11", "", ""],
    ["2026-10-01 09:30:00", "u2", "article_read", "2247483600_1", "朋友圈", "u1"],
    ["2026-10-02 10:00:00", "u1", "CLICK", "V1001", "", ""],
    ["2026-10-02 21:00:00", "system", "MASSSENDJOBFINISH", "1000001",
     ('{"Status": "send success", "TotalCount": 10, "FilterCount": 9, "SentCount": 9, '
      '"ErrorCount": 0}'), ""],
    ["2026-10-03 12:00:00", "u3", "text", "", "你好，请问", ""],
    ["2026-10-31 23:59:59", "u2", "order", "o-1", "99.50", ""],
]


@functools.cache
def _events_base(fmt: str) -> dict[str, bytes]:
    if fmt == "csv":
        return {"events.csv": _csv(_EVENT_HEADER, _EVENT_ROWS)}
    if fmt == "jsonl":
        lines = [json.dumps(dict(zip(_EVENT_HEADER, r, strict=True)), ensure_ascii=False)
                 for r in _EVENT_ROWS]
        return {"events.jsonl": ("\n".join(lines) + "\n").encode("utf-8")}
    return {"events.parquet": _parquet(_parquet_table())}


def _parquet_table(variant: str = "", rng: random.Random | None = None) -> Any:
    """The base event rows as a pyarrow table, or a variant with other column types/values."""
    import pyarrow as pa

    cols: dict[str, Any] = {h: [r[i] for r in _EVENT_ROWS] for i, h in enumerate(_EVENT_HEADER)}
    n = len(_EVENT_ROWS)
    arrays: dict[str, Any] = {c: pa.array(v, pa.string()) for c, v in cols.items()}
    arrays["time"] = pa.array(
        [dt.datetime.fromisoformat(t) for t in cols["time"]],
        pa.timestamp("us"))
    if variant == "time_text":
        arrays["time"] = pa.array(cols["time"], pa.string())
    elif variant == "time_unix":
        arrays["time"] = pa.array([1790000000 + 3600 * i for i in range(n)], pa.int64())
    elif variant == "time_tz":
        arrays["time"] = arrays["time"].cast(pa.timestamp("us", tz="UTC"))
    elif variant == "time_ms_extreme":
        arrays["time"] = pa.array([-62135596800000, 253402300799000] * (n // 2),
                                  pa.timestamp("ms"))  # years 1 and 9999
    elif variant == "time_float":
        arrays["time"] = pa.array([float("nan"), 1.79e9, float("inf"), -1.0, 1e300, 0.5][:n],
                                  pa.float64())
    elif variant == "time_bool":
        arrays["time"] = pa.array([True] * n, pa.bool_())
    elif variant == "time_date":
        arrays["time"] = pa.array([dt.date(2026, 10, 1)] * n, pa.date32())
    elif variant == "time_list":
        arrays["time"] = pa.array([[1, 2]] * n, pa.list_(pa.int64()))
    elif variant == "time_null":
        arrays["time"] = pa.array([None] * n, pa.timestamp("us"))
    elif variant == "fid_int":
        arrays["follower_id"] = pa.array(list(range(n)), pa.int64())
    elif variant == "fid_null":
        arrays["follower_id"] = pa.array([None] * n, pa.string())
    elif variant == "fid_binary":
        arrays["follower_id"] = pa.array([b"\xff\x00"] * n, pa.binary())
    elif variant == "event_int":
        arrays["event"] = pa.array(list(range(n)), pa.int32())
    elif variant == "event_null":
        arrays["event"] = pa.array([None] * n, pa.string())
    elif variant == "event_dict":
        arrays["event"] = pa.array(cols["event"]).dictionary_encode()
    elif variant == "event_struct":
        arrays["event"] = pa.array([{"a": 1}] * n)
    elif variant == "key_list":
        arrays["key"] = pa.array([["x"]] * n)
    elif variant == "drop_column" and rng is not None:
        arrays.pop(rng.choice(_EVENT_HEADER))
    elif variant == "hostile_text" and rng is not None:
        c = rng.choice(["follower_id", "event", "key", "value", "via"])
        vals = [v.encode("utf-8") for v in cols[c]]
        # surrogatepass: a lone surrogate becomes the invalid UTF-8 bytes it would be on disk
        vals[rng.randrange(n)] = _hostile_text(rng).encode("utf-8", "surrogatepass")
        arrays[c] = pa.array(vals, pa.binary()).view(pa.string())  # written unchecked
    elif variant == "empty":
        arrays = {c: a.slice(0, 0) for c, a in arrays.items()}
    elif variant == "extra_column":
        arrays["extra"] = pa.array([1.5] * n)
    return pa.table(arrays)


def _parquet(table: Any) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


MENU = {"is_menu_open": 1, "selfmenu_info": {"button": [
    {"type": "click", "name": "今日歌曲", "key": "V1001"},
    {"name": "菜单", "sub_button": {"list": [
        {"type": "view", "name": "搜索", "url": "http://www.soso.com/"},
        {"type": "miniprogram", "name": "商城", "appid": "wx286b93c14bbf93aa",
         "pagepath": "pages/index"},
        {"type": "text", "name": "联系我们", "value": "电话 123"}]}},
    {"name": "会员", "sub_button": [{"type": "view", "name": "积分", "url": "http://x/p"}]},
]}}


def _base_menu() -> dict[str, bytes]:
    return {"menu.json": _json(MENU)}


def _base_plan() -> dict[str, bytes]:
    return {"content_plan.csv": _csv(
        ["msgid", "date", "title", "content_type", "cost", "author"],
        [["2247483600_1", "2026-10-01", "双十一攻略", "促销资讯", "1,200.5", "小王"],
         ["", "2026-10-02", "520", "品牌故事", "300", ""],
         ["2247483610_2", "", "", "互动问答", "0", "小李"]])}


def _base_orders() -> dict[str, bytes]:
    return {"orders.csv": _csv(
        ["order_id", "follower_id", "time", "amount", "msgid", "channel"],
        [["o-1", "u1", "2026-10-01 08:00:00", "99.50", "2247483600_1", "article"],
         ["o-2", "u2", "2026-10-02T09:00:00", "0", "", "menu"],
         ["o-3", "u3", "2026-10-31 23:59:59", "1,299", "", "qrscene_双11"]])}


def _base_s05() -> dict[str, bytes]:
    return {
        s05_competitors.ARTICLES_FILE: _csv(
            ["account", "publish_date", "title", "is_headline", "reads", "zaikan", "likes",
             "shares"],
            [["竞品甲", "2026-10-01", "520", "1", "10万+", "120", "300", "45"],
             ["竞品甲", "2026-10-03", "秋季上新", "0", "12,345", "10", "20", ""],
             ["竞品乙", "2026-10-02", "双十一预告", "是", "8000", "5", "9", "3"]]),
        s05_competitors.SCORES_FILE: _csv(
            ["account", "activity_innovation", "service_response_min"],
            [["竞品甲", "4", "12"], ["本账号", "3.5", ""], ["竞品乙", "", "30"]]),
    }


def _base_s06() -> dict[str, bytes]:
    return {
        "getinterfacesummary_2026-10-01_2026-10-30.json":
            _json({"list": _datacube_rows("getinterfacesummary", _DAYS_A)}),
        s06_tech.PERF_FILE: _csv(["date", "startup_ms", "samples", "page"],
                                 [["2026-10-01", "1200.5", "30", "首页"],
                                  ["2026-10-02", "1,350", "12", "商城"]]),
        s06_tech.AUTOREPLY_FILE: _csv(["time", "user", "message", "rule", "correct"],
                                      [["2026-10-01 08:00", "u1", "退货怎么办", "退货", "是"],
                                       ["2026-10-02 21:15", "u2", "520", "", "否"],
                                       ["2026-10-03 09:00", "u3", "人工", "人工客服", "1"]]),
    }


def _base_s07() -> dict[str, bytes]:
    return {
        s07_risk.INCIDENTS_FILE: _csv(
            ["date", "type", "severity", "description", "action", "resolved_at", "status"],
            [["2026-10-03", "负面舆情", "高", "评论区集中投诉发货慢", "客服统一回复", "2026-10-04 10:00",
              "已结案"],
             ["2026-10-12", "诱导分享违规", "中", "活动文案含“转发领取”", "", "", "处理中"]]),
        s07_risk.TEXTS_FILE: _csv(
            ["time", "text", "article", "label"],
            [["2026-10-03 08:00", "发货太慢了，差评", "2247483600_1", "负面"],
             ["2026-10-03 09:00", "很喜欢这个活动", "", ""],
             ["2026-10-04 10:00", "520", "秋季上新", "正面"]]),
    }


# --------------------------------------------------------------------------- hostile values


class Raw:
    """A JSON token written as is (``1e400``, ``NaN``, a 5000-digit integer, deep nesting)."""

    def __init__(self, token: str) -> None:
        self.token = token


_SPECIAL_CHARS = ["\u202e", "\u202d", "\ufeff", "\u200b", "\u3000", "\x00", "\x1f", "\x7f",
                  "\ud800", "\U0001f600", "\u0301", "\uffff", "\r", "\n", "\t", '"', ",", "'",
                  "\\", "１", "٣", "²", "〇", "\u2028", "é", "中"]


def _unicode(rng: random.Random, n: int | None = None) -> str:
    n = rng.randrange(1, 12) if n is None else n
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(rng.choice(_SPECIAL_CHARS))
        elif r < 0.7:
            out.append(chr(rng.randrange(0x20, 0x7F)))
        else:
            out.append(chr(rng.randrange(0x80, 0x110000)))
    return "".join(out)


def _deep(rng: random.Random) -> str:
    depth = rng.choice([50, 500, 990, 1200, 5000, 100_000])
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _hostile_json(rng: random.Random) -> Any:
    """A value for any JSON field: wrong types, extremes, tricky text."""
    pool: list[Callable[[], Any]] = [
        lambda: Raw("9" * rng.choice([19, 20, 31, 4301, 5000])),
        lambda: Raw("-" + "9" * rng.choice([19, 4301, 5000])),
        lambda: Raw(rng.choice(["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "-0",
                                "1E5", "1.0", "0.5", "1e-400", "10000000000000000000000.0"])),
        lambda: Raw(_deep(rng)),
        lambda: rng.choice([2**31, 2**53, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**12,
                            10**12 + 1, -1, 0, 1, 130, 2400]),
        lambda: rng.choice([True, False, None, 1.5, -0.0, 3.0]),
        lambda: rng.choice(["", " ", "520", "0520", "2247483647", "2247483647_1", "abc", "_1",
                            "1_", "12_3_4", "null", "true", "2026-10-01", "2026-10-1",
                            "2026-02-30",
                            "0001-01-01", "9999-12-31", "2026-09-30", "2026-10-01T00:00:00",
                            "20261001", "２０２６-10-01", "10万+", "-5", "1e3"]),
        lambda: _unicode(rng),
        lambda: "\u202e" + rng.choice(["520", "标题", "2247483647_1"]),
        lambda: "x" * rng.choice([1000, 70_000]),
        lambda: rng.choice([[], {}, [1, "x"], {"list": []}, {"a": {"b": [None]}}, [[[]]]]),
    ]
    return rng.choice(pool)()


def _hostile_text(rng: random.Random) -> str:
    """A value for a CSV cell."""
    pool: list[Callable[[], str]] = [
        lambda: rng.choice(["", " ", "520", "0520", "-1", "-0", "1.5", "1e400", "NaN", "nan",
                            "inf", "-inf", "Infinity", "1,234", "1,23", "1_000", "１２３", "٣",
                            "²", "10万+", "10w+", "是", "否", "2", "TRUE", "null", "None",
                            "2247483647", "2247483647_1", "_1", "12_3_4"]),
        lambda: "9" * rng.choice([13, 19, 20, 31, 4301, 5000]),
        lambda: "-" + "9" * rng.choice([19, 5000]),
        lambda: str(rng.choice([2**63, 2**64, 2**63 - 1, 10**12, 10**12 + 1])),
        lambda: rng.choice(["2026-10-01", "2026-10-1", "2026-13-01", "2026-02-30", "0001-01-01",
                            "9999-12-31", "2026-W41-1", "２０２６-１０-０１", "2026/10/01",
                            "2026-10-01 08:00", "2026-10-1 8:00", "9999-12-31 23:59",
                            "0001-01-01 00:00", "2263-01-01 00:00", "2026-10-01 08:00:00",
                            "2026-10-01T08:00:00+08:00", "2026-10-01 24:00", "1790000000",
                            "179000000000000", "٢٠٢٦-١٠-٠١ ٠٨:٠٠", "2026-10-01 ０８:００"]),
        lambda: _unicode(rng),
        lambda: "\u202e" + rng.choice(["520", "负面舆情", "高"]),
        lambda: "a\nb" if rng.random() < 0.5 else 'quote " inside',
        lambda: "x" * rng.choice([1000, 140_000]),
        lambda: rng.choice(["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "\t1"]),
    ]
    return rng.choice(pool)()


# --------------------------------------------------------------------------- structural mutations


def _dump_json(rng: random.Random, doc: Any) -> bytes:
    raws: list[str] = []

    def walk(v: Any) -> Any:
        if isinstance(v, Raw):
            raws.append(v.token)
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    text = json.dumps(walk(doc), ensure_ascii=rng.random() < 0.3,
                      indent=rng.choice([None, None, 1]))
    for i, token in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', token)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: write it as the invalid bytes it would be
        return text.encode("utf-8", "surrogatepass")


def _containers(doc: Any) -> list[Any]:
    out, stack = [], [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict | list) and len(out) < 5000:
            out.append(v)
            stack.extend(v.values() if isinstance(v, dict) else v)
    return out


def _rename(rng: random.Random, key: str) -> str:
    return rng.choice([f" {key}", f"{key} ", key.upper(), key + "_x", "", "\ufeff" + key,
                       key.replace("_", ""), "max_time_count" if key == "max_time_cost" else key,
                       "max_time_cost", "_row", "_file"])


def _mutate_json_doc(rng: random.Random, doc: Any) -> tuple[Any, str]:
    op = rng.choice(["set", "set", "set", "set", "del", "rename", "dup", "empty_list", "wrap",
                     "replace", "errcode"])
    if op == "wrap":
        return rng.choice([[doc, doc], [doc], [], {"list": doc}, [doc, 1]]), op
    if op == "replace":
        return rng.choice([Raw(_deep(rng)), 42, "text", None, True, [1, 2], [[]], {},
                           Raw("9" * 5000), Raw("NaN"), {"list": None}, {"list": "x"}]), op
    if op == "errcode":
        return {"errcode": rng.choice([61501, "0", 1.5, None, [1]]),
                "errmsg": _hostile_json(rng)}, op
    conts = _containers(doc)
    if not conts:
        return _hostile_json(rng), "replace"
    c = rng.choice(conts)
    if isinstance(c, dict) and c:
        key = rng.choice(list(c))
        if op == "del":
            del c[key]
        elif op == "rename":
            c[_rename(rng, key)] = c.pop(key)
        elif op in ("dup", "empty_list"):
            c[key + "_copy"] = c[key]
        else:
            c[key] = _hostile_json(rng)
    elif isinstance(c, list) and c:
        i = rng.randrange(len(c))
        if op == "del":
            del c[i]
        elif op == "dup":
            c.insert(i, copy.deepcopy(c[i]))
        elif op == "empty_list":
            c.clear()
        else:
            c[i] = _hostile_json(rng)
    return doc, f"json_{op}"


def _json_struct(rng: random.Random, data: bytes) -> tuple[bytes, str] | None:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    ops = []
    try:
        for _ in range(rng.choice([1, 1, 2, 3])):
            doc, op = _mutate_json_doc(rng, doc)
            ops.append(op)
        return _dump_json(rng, doc), "+".join(ops)
    except RecursionError:  # a document nested deeply by an earlier mutation
        return None


def _jsonl_struct(rng: random.Random, data: bytes) -> tuple[bytes, str] | None:
    lines = data.splitlines()
    if not lines:
        return None
    i = rng.randrange(len(lines))
    op = rng.choice(["obj", "obj", "obj", "garbage", "blank", "dup"])
    if op == "garbage":
        lines[i] = rng.choice(["[1, 2]", "42", "{", "null", '"x"', _deep(rng), "{}", "{]",
                               '{"time": 1}{"time": 2}', _unicode(rng).replace("\n", " ")]
                              ).encode("utf-8", "surrogatepass")
    elif op == "blank":
        lines.insert(i, rng.choice([b"", b"   ", b"\t"]))
    elif op == "dup":
        lines.insert(i, lines[i])
    else:
        try:
            doc = json.loads(lines[i].decode("utf-8"))
        except (ValueError, RecursionError):
            return None
        try:
            doc, sub = _mutate_json_doc(rng, doc)
            lines[i] = _dump_json(rng, doc).replace(b"\n", b" ")
        except RecursionError:
            return None
        op = sub
    return b"\n".join(lines) + (b"\n" if rng.random() < 0.8 else b""), f"jsonl_{op}"


def _csv_struct(rng: random.Random, data: bytes) -> tuple[bytes, str] | None:
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None
    header, body = rows[0], rows[1:]
    ops = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        op = rng.choice(["cell", "cell", "cell", "cell", "header_ws", "header_case", "header_dup",
                         "drop_col", "rename_col", "wide_row", "short_row", "blank_rows",
                         "dup_rows", "header_only", "many_rows", "swap_cols", "empty_header"])
        ops.append(op)
        if not header and op not in ("blank_rows", "dup_rows", "header_only", "many_rows"):
            continue
        if op == "cell" and body:
            r = rng.choice(body)
            if r:
                r[rng.randrange(len(r))] = _hostile_text(rng)
        elif op == "header_ws":
            for j in rng.sample(range(len(header)), k=rng.randrange(1, len(header) + 1)):
                header[j] = rng.choice([" ", "  ", "\t", "\u3000", "\ufeff"]) + header[j] + \
                    rng.choice(["", " ", "\t "])
        elif op == "header_case":
            j = rng.randrange(len(header))
            header[j] = header[j].upper()
        elif op == "header_dup" and len(header) > 1:
            a, b = rng.sample(range(len(header)), 2)
            header[a] = header[b]
        elif op == "drop_col" and len(header) > 1:
            j = rng.randrange(len(header))
            header.pop(j)
            for r in body:
                if j < len(r):
                    r.pop(j)
        elif op == "rename_col":
            j = rng.randrange(len(header))
            header[j] = _rename(rng, header[j])
        elif op == "wide_row" and body:
            rng.choice(body).extend(rng.choice([[""], ["x"], ["1", "2"]]))
        elif op == "short_row" and body:
            r = rng.choice(body)
            del r[rng.randrange(len(r) + 1):]
        elif op == "blank_rows":
            body.insert(rng.randrange(len(body) + 1), rng.choice([[], [""] * len(header), [" "]]))
        elif op == "dup_rows" and body:
            body.append(list(rng.choice(body)))
        elif op == "header_only":
            body = []
        elif op == "many_rows" and body:
            body = [list(r) for r in body * rng.choice([10, 60])]
        elif op == "swap_cols" and len(header) > 1:
            a, b = rng.sample(range(len(header)), 2)
            header[a], header[b] = header[b], header[a]
        elif op == "empty_header":
            header = [""] * len(header) if rng.random() < 0.5 else []
    buf = io.StringIO()
    delim = rng.choices([",", ";", "\t"], weights=[8, 1, 1])[0]
    w = csv.writer(buf, delimiter=delim, lineterminator=rng.choice(["\n", "\r\n", "\r"]))
    w.writerow(header)
    w.writerows(body)
    return buf.getvalue().encode("utf-8", "surrogatepass"), "csv_" + "+".join(ops)


_PARQUET_VARIANTS = ["time_text", "time_unix", "time_tz", "time_ms_extreme", "time_float",
                     "time_bool", "time_date", "time_list", "time_null", "fid_int", "fid_null",
                     "fid_binary", "event_int", "event_null", "event_dict", "event_struct",
                     "key_list", "drop_column", "hostile_text", "hostile_text", "empty",
                     "extra_column"]


def _parquet_struct(rng: random.Random, data: bytes) -> tuple[bytes, str] | None:
    variant = rng.choice(_PARQUET_VARIANTS)
    return _parquet(_parquet_table(variant, rng)), f"parquet_{variant}"


_STRUCT = {"json": _json_struct, "jsonl": _jsonl_struct, "csv": _csv_struct,
           "parquet": _parquet_struct}

# --------------------------------------------------------------------------- byte mutations

_ENCODINGS = ["gb18030", "gbk", "gb2312", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "big5",
              "shift_jis", "latin-1", "cp1252", "utf-8-sig"]


def _b_truncate(rng: random.Random, b: bytes) -> bytes:
    return b[: rng.randrange(len(b) + 1)]


def _b_flip(rng: random.Random, b: bytes) -> bytes:
    if not b:
        return b
    a = bytearray(b)
    for _ in range(rng.randrange(1, 8)):
        a[rng.randrange(len(a))] = rng.randrange(256)
    return bytes(a)


def _b_insert(rng: random.Random, b: bytes) -> bytes:
    chunk = rng.choice([b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"\n", b'"', b",", b"{",
                        b"[", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe4\xb8", b"\x1a",
                        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))])
    i = rng.randrange(len(b) + 1)
    return b[:i] + chunk + b[i:]


def _b_delete(rng: random.Random, b: bytes) -> bytes:
    if not b:
        return b
    i = rng.randrange(len(b))
    return b[:i] + b[i + rng.randrange(1, 64):]


def _b_dup(rng: random.Random, b: bytes) -> bytes:
    if not b:
        return b
    i = rng.randrange(len(b))
    j = min(len(b), i + rng.randrange(1, 200))
    return b[:j] + b[i:j] + b[j:]


def _b_nul(rng: random.Random, b: bytes) -> bytes:
    a = bytearray(b)
    for _ in range(rng.randrange(1, 4)):
        a.insert(rng.randrange(len(a) + 1), 0)
    return bytes(a)


def _b_empty(rng: random.Random, b: bytes) -> bytes:
    return rng.choice([b"", b" ", b"\n", b"\r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\t \n"])


def _b_bom(rng: random.Random, b: bytes) -> bytes:
    return rng.choice([b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + b


def _b_encode(rng: random.Random, b: bytes) -> bytes:
    text = b.decode("utf-8", "replace")
    return text.encode(rng.choice(_ENCODINGS), "replace")


def _b_line_ends(rng: random.Random, b: bytes) -> bytes:
    b = b.replace(b"\r\n", b"\n")
    mode = rng.choice(["crlf", "cr", "mixed", "lfcr"])
    if mode == "crlf":
        return b.replace(b"\n", b"\r\n")
    if mode == "cr":
        return b.replace(b"\n", b"\r")
    if mode == "lfcr":
        return b.replace(b"\n", b"\n\r")
    parts = b.split(b"\n")
    return b"".join(p + rng.choice([b"\n", b"\r\n", b"\r"]) for p in parts[:-1]) + parts[-1]


def _b_unicode(rng: random.Random, b: bytes) -> bytes:
    i = rng.randrange(len(b) + 1)
    return b[:i] + _unicode(rng).encode("utf-8", "surrogatepass") + b[i:]


def _b_append(rng: random.Random, b: bytes) -> bytes:
    return b + rng.choice([b"\n", b"garbage", b"\x00\x00", b"}", b",,,\n", b"\xff",
                           b'{"list": []}', b"\n\n\n"])


_BYTES: list[tuple[str, Callable[[random.Random, bytes], bytes], int]] = [
    ("truncate", _b_truncate, 3), ("flip", _b_flip, 3), ("insert", _b_insert, 3),
    ("delete", _b_delete, 2), ("dup", _b_dup, 1), ("nul", _b_nul, 2), ("empty", _b_empty, 1),
    ("bom", _b_bom, 2), ("encode", _b_encode, 3), ("line_ends", _b_line_ends, 3),
    ("unicode", _b_unicode, 3), ("append", _b_append, 1),
]

# --------------------------------------------------------------------------- targets and cases


@dataclass(frozen=True)
class Target:
    """One loader, its valid folder and how to call it."""

    name: str
    base: Callable[[random.Random], dict[str, bytes]]
    kinds: dict[str, str]  # victim file name → json | csv | jsonl | parquet
    call: Callable[[Path], Any]


@dataclass
class Case:
    """A folder to write (file name → bytes) and the mutations that made it."""

    target: str
    files: dict[str, bytes]
    ops: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.target}: {'; '.join(self.ops) or 'no mutation'}"


def _kind(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1]
    return suffix if suffix in ("json", "csv", "jsonl", "parquet") else "csv"


def make_case(rng: random.Random, target: Target) -> Case:
    """Draw one malformed variant of the target's valid folder."""
    files = dict(target.base(rng))
    victims = [n for n in files if n in target.kinds or not target.kinds]
    chosen = rng.sample(victims, k=1 if len(victims) == 1 or rng.random() < 0.8 else 2)
    ops = []
    for name in chosen:
        data, kind = files[name], _kind(name)
        n_struct = rng.choice([0, 1, 1, 1, 2]) if kind != "parquet" else rng.choice([0, 1, 1])
        n_bytes = rng.choice([0, 0, 1, 1, 2]) if kind != "parquet" else rng.choice([0, 1])
        if n_struct + n_bytes == 0:
            n_struct = 1
        for _ in range(n_struct):
            done = _STRUCT[kind](rng, data)
            if done is not None:
                data, op = done
                ops.append(f"{name}:{op}")
        names = [b[0] for b in _BYTES]
        weights = [b[2] for b in _BYTES]
        for _ in range(n_bytes):
            op = rng.choices(names, weights=weights)[0]
            fn = next(b[1] for b in _BYTES if b[0] == op)
            data = fn(rng, data)
            ops.append(f"{name}:{op}")
        files[name] = data
    return Case(target.name, files, ops)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def run_case(target: Target, case: Case, folder: Path) -> str:
    """Write ``case`` into the empty ``folder`` and run the loader on it.

    Returns ``"accepted"`` or ``"clean"`` (a DataValidationError whose problems each name a
    file). Anything else raises: another exception, a modified input file, a file left in the
    temporary directory, or accepted text that cannot be written as UTF-8.
    """
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    before = _digest(folder)
    # The event log's spill directory (and any transcoded copy) goes to a private temporary
    # directory, which must be empty again afterwards.
    with tempfile.TemporaryDirectory(prefix="wxnb-fuzz-tmp-") as private:
        saved, tempfile.tempdir = tempfile.tempdir, private
        try:
            target.call(folder)
            outcome = "accepted"
        except DataValidationError as exc:
            if not exc.problems or not all(isinstance(p, Problem) and p.file
                                           for p in exc.problems):
                raise AssertionError(f"DataValidationError without a file: {exc!r}") from exc
            str(exc).encode("utf-8")  # the message renders and can be printed or written
            outcome = "clean"
        finally:
            tempfile.tempdir = saved
        left = sorted(p.name for p in Path(private).iterdir())
    if left:
        raise AssertionError(f"temporary files left behind: {left}")
    if _digest(folder) != before:
        raise AssertionError("an input file was modified")
    return outcome


def _writable(*values: Any) -> None:
    """Raise when an accepted value holds text no UTF-8 writer (pandas, pyarrow, the report)
    takes, such as a lone surrogate: accepted input must be usable downstream."""
    for v in values:
        if v is None:
            continue
        if isinstance(v, pd.DataFrame):
            for col in v.columns:
                _writable(str(col), *(x for x in v[col] if isinstance(x, str)))
        elif isinstance(v, list | tuple):
            _writable(*v)
        elif isinstance(v, str):
            v.encode("utf-8")


def _call_load_month(folder: Path) -> None:
    eps = sorted({p.name.split("_", 1)[0] for p in folder.iterdir()})
    data = load_month(folder, MONTH, endpoints=eps)
    _writable(list(data.frames.values()), data.warnings, data.coverage()[0]["状态"])


def _call_open_month(folder: Path) -> None:
    log = events.open_month(folder, MONTH, memory_limit="256MB", threads=1)
    if log is None:
        return
    with log:
        log.con.execute("SELECT count(*), count(DISTINCT follower_id), min(time), max(day), "
                        "max(length(key)), max(length(value)), max(length(via)) FROM ev"
                        ).fetchall()
        log.con.execute("SELECT event, count(*) FROM ev GROUP BY event").fetchall()
        log.notes()


def _call_menu(folder: Path) -> None:
    menu = companions.load_menu(folder)
    if menu is not None:
        menu.label("CLICK", "V1001")
        _writable(menu.items, menu.notes)


def _call_frame(load: Callable[[Path, str], Any]) -> Callable[[Path], None]:
    def call(folder: Path) -> None:
        df = load(folder, MONTH)
        if df is not None:
            _writable(df, list(df.attrs.get("notes", [])))
    return call


def _call_s05(folder: Path) -> None:
    got = s05_competitors.load(folder, MONTH)
    _writable(got.articles, got.scores.reset_index() if got.scores is not None else None,
              got.notes)


def _call_s06(folder: Path) -> None:
    got = s06_tech.load(folder, MONTH)
    _writable(got.interface, got.performance, got.autoreply, got.warnings)


def _call_s07(folder: Path) -> None:
    got = s07_risk.load(folder, MONTH)
    _writable(got.incidents, got.texts, got.notes)


def _datacube_target(fmt: str) -> Target:
    eps = sorted(ENDPOINTS)

    def base(rng: random.Random) -> dict[str, bytes]:
        return _datacube_base(rng.choice(eps), fmt)

    return Target(f"load_month ({fmt})", base, {}, _call_load_month)


def _events_target(fmt: str) -> Target:
    def base(rng: random.Random) -> dict[str, bytes]:
        files = dict(_events_base(fmt))
        if rng.random() < 0.15:  # a second, valid file of another format
            other = rng.choice([f for f in ("csv", "jsonl", "parquet") if f != fmt])
            files.update({f"events_z.{other}": data
                          for data in _events_base(other).values()})
        return files

    return Target(f"open_month ({fmt})", base, {f"events.{fmt}": fmt}, _call_open_month)


def _fixed(files: Callable[[], dict[str, bytes]]) -> Callable[[random.Random], dict[str, bytes]]:
    cached = functools.cache(files)
    return lambda rng: cached()


TARGETS: dict[str, Target] = {t.name: t for t in (
    _datacube_target("json"),
    _datacube_target("csv"),
    _events_target("csv"),
    _events_target("jsonl"),
    _events_target("parquet"),
    Target("load_menu", _fixed(_base_menu), {}, _call_menu),
    Target("load_content_plan", _fixed(_base_plan), {}, _call_frame(companions.load_content_plan)),
    Target("load_orders", _fixed(_base_orders), {}, _call_frame(companions.load_orders)),
    Target("s05_competitors.load", _fixed(_base_s05), {}, _call_s05),
    Target("s06_tech.load", _fixed(_base_s06), {}, _call_s06),
    Target("s07_risk.load", _fixed(_base_s07), {}, _call_s07),
)}
