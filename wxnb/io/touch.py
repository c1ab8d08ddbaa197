"""Reading and validating section 12's inputs: template-message callbacks and clicks, the
community-notice log, channel costs and title A/B tests.

Inputs of one month folder (every file optional; the section runs when one ``touch_*`` file is
there):

* ``touch_templates.csv`` or ``touch_templates.jsonl``: one row per ``TEMPLATESENDJOBFINISH``
  callback as the company's server logged it. CSV columns ``time``, ``follower_id``, ``msgid``,
  ``status`` (WeChat's Status verbatim: ``success``, ``failed:user block``, ``failed: system
  failed``, ``failed:freq limit``; compared without spaces and case), optional ``template``
  (template id or name) and ``clicked`` (是/否/1/0/true/false; blank = no click logged). JSON
  Lines may use these names or the callback's own: ``CreateTime`` (Unix seconds),
  ``FromUserName`` (the recipient's OpenID), ``MsgID``, ``Status``, ``Event`` (a line whose
  Event is another event is skipped and counted), ``template_id``. ``time`` is Beijing time
  ``YYYY-MM-DD HH:MM[:SS]`` (or with ``T``) or Unix seconds. Callbacks outside the month are
  left out and counted; WeChat retries a callback that got no answer within 5 s, so a MsgID
  logged twice is kept once (the last). Without this file the section reads the same callbacks
  from the event log (``TEMPLATESENDJOBFINISH`` rows, data contract v2).
* ``touch_template_clicks.csv``: the company's landing page log of clicks on template messages:
  ``msgid`` (of the template message, passed in the link), ``time``, optional ``follower_id``.
  WeChat reports no opens or clicks of template messages; a message is 打开 when it has a click
  at or after its callback. Replaces the ``clicked`` column when both are given.
* ``touch_community.csv``: the 社群全员通知 log, one row per notice and group: ``time``
  (YYYY-MM-DD HH:MM[:SS]), ``group``, ``members`` (members the notice reached), ``clicks``
  (members who clicked or read it, as the group tool logs it; ≤ members), optional ``notice``
  (the id of one 全员通知 posted to several groups: the rows of a notice are one send in the
  statistics; without it every row is a send of its own), ``cost`` (元) and ``topic``.
* ``touch_costs.csv``: ``channel`` (模板消息 / 服务号推送 / 社群通知; 公众号模板消息, 服务号主动推送,
  群发, 社群全员通知 accepted), ``cost`` (元, the channel's cost of the month), optional ``note``.
* ``touch_ab_tests.csv``: one row per arm of a title test: ``test``, ``arm``, ``title``,
  ``style`` (疑问式 / 数字式 / 悬念式 / 其他), ``delivered`` (送达人数 of the arm's tag-group push),
  ``opened`` (readers from the push, 公众号消息, at the test's fixed readout time), optional
  ``planned_share`` (the arm's intended share of the test, for the sample-ratio check; equal
  shares when absent) and ``sent``.

CSV files may be UTF-8 (with or without BOM), UTF-16 with a BOM or GB18030/GBK
(``wxnb.io.csvin``). Every problem names file, field, row, expected and found; a file's
problems of one kind are listed for the first rows and counted for the rest. Files are only read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin
from wxnb.params import TOUCH_CHANNELS

__all__ = [
    "AB_COLUMNS",
    "AB_FILE",
    "API_FIELDS",
    "CHANNELS",
    "CLICKS_FILE",
    "COMMUNITY_COLUMNS",
    "COMMUNITY_FILE",
    "COSTS_FILE",
    "INPUTS",
    "INPUT_GLOB",
    "STATUS_LABELS",
    "STYLES",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_CSV",
    "TEMPLATE_EVENT",
    "TEMPLATE_JSONL",
    "TouchInputs",
    "load",
    "status_label",
    "status_labels",
]

INPUT_GLOB = "touch_*"  # the section's SPEC.inputs: any of its files enables it
TEMPLATE_CSV = "touch_templates.csv"
TEMPLATE_JSONL = "touch_templates.jsonl"
CLICKS_FILE = "touch_template_clicks.csv"
COMMUNITY_FILE = "touch_community.csv"
COSTS_FILE = "touch_costs.csv"
AB_FILE = "touch_ab_tests.csv"
TEMPLATE_EVENT = "TEMPLATESENDJOBFINISH"

TEMPLATE_COLUMNS = ("time", "follower_id", "msgid", "status")
CLICK_COLUMNS = ("msgid", "time")
COMMUNITY_COLUMNS = ("time", "group", "members", "clicks")
COST_COLUMNS = ("channel", "cost")
AB_COLUMNS = ("test", "arm", "title", "style", "delivered", "opened")

#: The three touch channels of the seed's table, in its order.
CHANNELS: tuple[str, ...] = TOUCH_CHANNELS  # the parameters' copy: one list
_CHANNEL_ALIASES = {
    "模板消息": "模板消息", "公众号模板消息": "模板消息",
    "服务号推送": "服务号推送", "服务号主动推送": "服务号推送", "群发": "服务号推送",
    "公众号推送": "服务号推送",
    "社群通知": "社群通知", "社群全员通知": "社群通知",
}
STYLES: tuple[str, ...] = ("疑问式", "数字式", "悬念式", "其他")

#: TEMPLATESENDJOBFINISH statuses (compared without spaces and case) → the report's words.
STATUS_LABELS: dict[str, str] = {
    "success": "送达成功",
    "failed:userblock": "用户拒收",
    "failed:systemfailed": "系统失败",
    "failed:freqlimit": "频率限制",
}

#: Field names of WeChat's callback and of these files: analyst-layer words only (the browser
#: test checks that none reaches the management layer).
API_FIELDS: tuple[str, ...] = (
    TEMPLATE_EVENT, "FromUserName", "ToUserName", "CreateTime", "MsgID", "MsgType", "Status",
    "follower_id", "template_id", "planned_share", "touch_templates", "touch_template_clicks",
    "touch_community", "touch_costs", "touch_ab_tests",
)

#: Glob pattern → what the file is (for the appendix's list of inputs).
INPUTS: tuple[tuple[str, str], ...] = (
    (TEMPLATE_CSV, "模板消息送达回调（TEMPLATESENDJOBFINISH）"),
    (TEMPLATE_JSONL, "模板消息送达回调（TEMPLATESENDJOBFINISH）"),
    (CLICKS_FILE, "模板消息点击（自有落地页）"),
    (COMMUNITY_FILE, "社群全员通知记录"),
    (COSTS_FILE, "触达渠道成本"),
    (AB_FILE, "标题 A/B 测试"),
)

_TRUE = {"是", "1", "true", "yes", "y"}
_FALSE = {"否", "0", "false", "no", "n", ""}
_EXAMPLES = 20  # problems listed per file and kind; the rest are counted in one more
_UNIX_MIN, _UNIX_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01
_TIME_EXPECTED = "北京时间 YYYY-MM-DD HH:MM[:SS] 或 Unix 秒（CreateTime）"
_MINUTE_EXPECTED = "北京时间 YYYY-MM-DD HH:MM[:SS]"


def status_label(raw: str) -> str:
    """A callback Status in the report's words (``failed: system failed`` → 系统失败); an
    unknown one as ``其他（…）``."""
    key = re.sub(r"\s+", "", str(raw)).lower()
    return STATUS_LABELS.get(key, f"其他（{raw}）")


def status_labels(status: pd.Series) -> pd.Series:
    """:func:`status_label` of a column, computed once per distinct Status (a month's callbacks
    are few statuses over up to millions of rows)."""
    return status.map({s: status_label(s) for s in status.unique()})


@dataclass
class TouchInputs:
    """One month's validated inputs; ``None`` for a file that is not there."""

    month: str
    templates: pd.DataFrame | None  # time, follower_id, msgid, status, label, template, clicked
    template_file: str | None
    clicks: pd.DataFrame | None  # msgid, time, follower_id
    community: pd.DataFrame | None  # time, group, members, clicks, cost, topic, notice
    costs: pd.DataFrame | None  # channel, cost, note
    ab: pd.DataFrame | None  # test, arm, title, style, delivered, opened, planned_share, sent
    warnings: list[str] = field(default_factory=list)

    @property
    def has_clicks_column(self) -> bool:
        return self.templates is not None and self.templates["clicked"].notna().any()


# --------------------------------------------------------------------------- helpers


def _flag(out: list[Problem], name: str, column: str, bad: pd.Series, expected: str,
          found: Callable[[int], str], rows: pd.Series | None = None) -> None:
    """Problems for the rows where ``bad`` holds: the first :data:`_EXAMPLES` named one by one,
    the rest counted in one more problem. ``rows`` gives each row's label (default: the CSV
    line of the frame's position)."""
    idx = np.flatnonzero(bad.to_numpy(dtype=bool))
    for i in idx[:_EXAMPLES]:
        where = rows.iloc[i] if rows is not None else csvin.row_label(int(i))
        out.append(Problem(name, column, where, expected, found(int(i))))
    if len(idx) > _EXAMPLES:
        out.append(Problem(name, column, f"另有 {len(idx) - _EXAMPLES} 行", expected,
                           "同类问题（只列出前 20 行）"))


def _shown(values: pd.Series) -> Callable[[int], str]:
    def found(i: int) -> str:
        v = values.iloc[i]
        return csvin.brief(v, 80) if str(v).strip() else "缺失"
    return found


def _times(text: pd.Series, *, unix: bool) -> pd.Series:
    """Beijing wall-clock times of ``YYYY-MM-DD HH:MM[:SS]`` (``T`` too) text, or of Unix
    seconds (``unix``); NaT where the text is neither."""
    s = text.astype(str).str.strip().str.replace("T", " ", n=1, regex=False)
    ok = s.str.fullmatch(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?")
    seconds = s.where(ok & (s.str.count(":") == 2))
    minutes = s.where(ok & (s.str.count(":") == 1))
    out = pd.to_datetime(seconds, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    out = out.fillna(pd.to_datetime(minutes, format="%Y-%m-%d %H:%M", errors="coerce"))
    if unix:
        digits = s.str.fullmatch(r"[0-9]{9,10}")
        n = pd.to_numeric(s.where(digits), errors="coerce")
        n = n.where((n >= _UNIX_MIN) & (n < _UNIX_MAX))
        stamp = pd.to_datetime(n, unit="s", utc=True).dt.tz_convert("Asia/Shanghai") \
            .dt.tz_localize(None)
        out = out.fillna(stamp)
    return out


def _counts(text: pd.Series) -> pd.Series:
    """Non-negative integers (thousands separators allowed) as float, NaN where not one."""
    return text.map(lambda v: csvin.count(str(v).strip())).astype("float64")


def _numbers(text: pd.Series) -> pd.Series:
    return text.map(lambda v: csvin.number(str(v).strip()) if str(v).strip() else None) \
        .astype("float64")


def _in_month(t: pd.Series, month: str) -> pd.Series:
    first = pd.Timestamp(f"{month}-01")
    return (t >= first) & (t < first + pd.offsets.MonthBegin(1))


# --------------------------------------------------------------------------- templates


def _template_jsonl(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The JSON Lines callbacks as the CSV's text columns (``_row`` = the line label)."""
    text, problems = csvin.read_text(path, "JSON Lines，每行一个回调对象")
    if text is None:
        return None, problems
    note = csvin.encoding_note(path.name, text.encoding)
    if note:
        notes.append(note)
    rows, other = [], 0
    names = {"time": ("time", "CreateTime"), "follower_id": ("follower_id", "FromUserName",
                                                             "openid"),
             "msgid": ("msgid", "MsgID", "MsgId"), "status": ("status", "Status"),
             "template": ("template", "template_id", "TemplateId"), "clicked": ("clicked",)}
    for n, line in enumerate(text.text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = csvin.parse_json(line)
        except (ValueError, RecursionError):
            obj = None
        if not isinstance(obj, dict):
            problems.append(Problem(path.name, None, f"第 {n} 行", "一个 JSON 对象",
                                    csvin.brief(line, 80)))
            if len(problems) > _EXAMPLES:
                break
            continue
        event = obj.get("Event", obj.get("event"))
        if event is not None and str(event).strip().upper() != TEMPLATE_EVENT:
            other += 1
            continue
        row = {"_row": f"第 {n} 行"}
        for col, keys in names.items():
            v = next((obj[k] for k in keys if k in obj and obj[k] is not None), "")
            row[col] = "" if isinstance(v, dict | list) else str(v)
        rows.append(row)
    if problems:
        return None, problems
    if other:
        notes.append(f"{path.name} 中有 {other} 行不是 {TEMPLATE_EVENT} 回调，已跳过")
    cols = ["_row", *TEMPLATE_COLUMNS, "template", "clicked"]
    return pd.DataFrame(rows, columns=cols).fillna(""), []


def _clicked(values: pd.Series, name: str, rows: pd.Series,
             problems: list[Problem]) -> pd.Series:
    v = values.astype(str).str.strip().str.lower()
    bad = ~v.isin(_TRUE | _FALSE)
    _flag(problems, name, "clicked", bad, "是/否、1/0 或 true/false（空 = 没有点击记录）",
          _shown(values), rows)
    return v.isin(_TRUE)


def _load_templates(folder: Path, month: str, notes: list[str]
                    ) -> tuple[pd.DataFrame | None, str | None, list[Problem]]:
    csv_path, jsonl_path = folder / TEMPLATE_CSV, folder / TEMPLATE_JSONL
    if csv_path.is_file() and jsonl_path.is_file():
        return None, None, [Problem(TEMPLATE_JSONL, None, None,
                                    f"{TEMPLATE_CSV} 与 {TEMPLATE_JSONL} 只提供一个",
                                    "两个文件都存在")]
    if jsonl_path.is_file():
        path = jsonl_path
        df, problems = _template_jsonl(path, notes)
    elif csv_path.is_file():
        path = csv_path
        df, problems = csvin.read_csv(path, TEMPLATE_COLUMNS, notes=notes, allow_empty=True)
        if df is not None:
            df.insert(0, "_row", [csvin.row_label(i) for i in range(len(df))])
    else:
        return None, None, []
    if df is None:
        return None, None, problems
    name = path.name
    rows = df["_row"]
    t = _times(df["time"], unix=True)
    _flag(problems, name, "time", t.isna(), _TIME_EXPECTED, _shown(df["time"]), rows)
    for col, what in (("follower_id", "接收者的粉丝 ID（OpenID 或其匿名 id）"),
                      ("msgid", "消息 MsgID"), ("status", "回调的 Status")):
        _flag(problems, name, col, df[col].astype(str).str.strip() == "", what,
              lambda _i: "缺失", rows)
    has_clicked = "clicked" in df and df["clicked"].astype(str).str.strip().ne("").any()
    clicked = _clicked(df["clicked"], name, rows, problems) if "clicked" in df else None
    if problems:
        return None, None, problems
    out = pd.DataFrame({
        "time": t, "follower_id": df["follower_id"].astype(str).str.strip(),
        "msgid": df["msgid"].astype(str).str.strip(),
        "status": df["status"].astype(str).str.strip(),
        "template": df["template"].astype(str).str.strip() if "template" in df else "",
    })
    out["label"] = status_labels(out["status"])
    out["clicked"] = clicked.astype(object) if has_clicked and clicked is not None else None
    inside = _in_month(out["time"], month)
    if (~inside).any():
        notes.append(f"{name} 有 {int((~inside).sum())} 条回调不在 {month} 内，未计入")
        out = out[inside]
    dup = out["msgid"].duplicated(keep="last")
    if dup.any():
        notes.append(f"{name} 有 {int(dup.sum())} 条重复的回调（同一 MsgID，微信未收到应答时会重试），"
                     "按最后一条计")
        out = out.sort_values("time", kind="stable").drop_duplicates("msgid", keep="last")
    return out.sort_values("time", kind="stable").reset_index(drop=True), name, []


def _load_clicks(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, CLICK_COLUMNS, notes=notes, allow_empty=True)
    if df is None:
        return None, problems
    t = _times(df["time"], unix=True)
    _flag(problems, path.name, "time", t.isna(), _TIME_EXPECTED, _shown(df["time"]))
    _flag(problems, path.name, "msgid", df["msgid"] == "", "被点击的模板消息 MsgID",
          lambda _i: "缺失")
    if problems:
        return None, problems
    fid = df["follower_id"] if "follower_id" in df else pd.Series("", index=df.index)
    return pd.DataFrame({"msgid": df["msgid"], "time": t, "follower_id": fid}), []


# --------------------------------------------------------------------------- community


def _load_community(path: Path, month: str, notes: list[str]
                    ) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, COMMUNITY_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    name = path.name
    t = _times(df["time"], unix=False)
    _flag(problems, name, "time", t.isna(), _MINUTE_EXPECTED, _shown(df["time"]))
    _flag(problems, name, "time", t.notna() & ~_in_month(t, month), f"{month} 月内的时间",
          _shown(df["time"]))
    _flag(problems, name, "group", df["group"] == "", "社群名称", lambda _i: "缺失")
    members, clicks = _counts(df["members"]), _counts(df["clicks"])
    _flag(problems, name, "members", members.isna(), "非负整数（触达人数）", _shown(df["members"]))
    _flag(problems, name, "members", members == 0, "大于 0（一条没有触达任何人的通知不是发送记录）",
          _shown(df["members"]))
    _flag(problems, name, "clicks", clicks.isna(), "非负整数（点击或阅读人数）", _shown(df["clicks"]))
    _flag(problems, name, "clicks", clicks > members, "不超过 members",
          lambda i: f"{df['clicks'].iloc[i]}（members {df['members'].iloc[i]}）")
    cost = _numbers(df["cost"]) if "cost" in df else pd.Series(np.nan, index=df.index)
    if "cost" in df:
        given = df["cost"] != ""
        _flag(problems, name, "cost", given & (cost.isna() | (cost < 0)), "非负数（元）",
              _shown(df["cost"]))
    if problems:
        return None, problems
    topic = df["topic"] if "topic" in df else pd.Series("", index=df.index)
    notice = df["notice"] if "notice" in df else pd.Series("", index=df.index)
    return pd.DataFrame({"time": t, "group": df["group"], "members": members.astype("int64"),
                         "clicks": clicks.astype("int64"), "cost": cost, "topic": topic,
                         "notice": notice}), []


# --------------------------------------------------------------------------- costs


def _load_costs(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, COST_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    name = path.name
    channel = df["channel"].map(lambda c: _CHANNEL_ALIASES.get(str(c).replace(" ", "")))
    _flag(problems, name, "channel", channel.isna(), f"{'、'.join(CHANNELS)} 之一",
          _shown(df["channel"]))
    _flag(problems, name, "channel", channel.notna() & channel.duplicated(),
          "每个渠道一行（本月合计）", _shown(df["channel"]))
    cost = _numbers(df["cost"])
    _flag(problems, name, "cost", cost.isna() | (cost < 0), "非负数（元，本月合计）",
          _shown(df["cost"]))
    if problems:
        return None, problems
    note = df["note"] if "note" in df else pd.Series("", index=df.index)
    return pd.DataFrame({"channel": channel, "cost": cost, "note": note}), []


# --------------------------------------------------------------------------- A/B tests


def _load_ab(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    df, problems = csvin.read_csv(path, AB_COLUMNS, notes=notes)
    if df is None:
        return None, problems
    name = path.name
    for col, what in (("test", "测试编号"), ("arm", "组别（A、B …）")):
        _flag(problems, name, col, df[col] == "", what, lambda _i: "缺失")
    _flag(problems, name, "arm", (df["test"] != "") & (df["arm"] != "")
          & df.duplicated(["test", "arm"]), "同一测试内组别不重复", _shown(df["arm"]))
    _flag(problems, name, "style", ~df["style"].isin(STYLES), f"{'、'.join(STYLES)} 之一",
          _shown(df["style"]))
    delivered, opened = _counts(df["delivered"]), _counts(df["opened"])
    _flag(problems, name, "delivered", delivered.isna() | (delivered == 0),
          "正整数（该组送达人数）", _shown(df["delivered"]))
    _flag(problems, name, "opened", opened.isna(), "非负整数（从推送打开的人数）",
          _shown(df["opened"]))
    _flag(problems, name, "opened", opened > delivered, "不超过 delivered",
          lambda i: f"{df['opened'].iloc[i]}（delivered {df['delivered'].iloc[i]}）")
    sent = _counts(df["sent"]) if "sent" in df else pd.Series(np.nan, index=df.index)
    if "sent" in df:
        given = df["sent"] != ""
        _flag(problems, name, "sent", given & sent.isna(), "非负整数（计划发送人数）",
              _shown(df["sent"]))
        _flag(problems, name, "sent", given & (sent < delivered), "不小于 delivered",
              _shown(df["sent"]))
    share = _numbers(df["planned_share"]) if "planned_share" in df else \
        pd.Series(np.nan, index=df.index)
    if "planned_share" in df:
        given = df["planned_share"] != ""
        _flag(problems, name, "planned_share", given & (share.isna() | (share <= 0) | (share > 1)),
              "0–1 之间的小数（该组计划占比）", _shown(df["planned_share"]))
        by_test = pd.DataFrame({"test": df["test"], "given": given, "share": share})
        for test, g in by_test.groupby("test", sort=False):
            if g["given"].any() and not g["given"].all():
                _flag(problems, name, "planned_share", df["test"].eq(test) & ~given,
                      "同一测试的各组都填写或都不填写", lambda _i: "缺失")
            elif g["given"].all() and abs(g["share"].sum() - 1) > 0.01:
                first = int(np.flatnonzero(df["test"].eq(test))[0])
                problems.append(Problem(name, "planned_share", csvin.row_label(first),
                                        f"测试 {csvin.brief(test, 40)} 各组合计为 1",
                                        f"合计 {g['share'].sum():g}"))
    arms = df.groupby("test")["arm"].transform("size")
    _flag(problems, name, "test", (df["test"] != "") & (arms < 2), "每个测试至少两组",
          _shown(df["test"]))
    if problems:
        return None, problems
    return pd.DataFrame({
        "test": df["test"], "arm": df["arm"], "title": df["title"], "style": df["style"],
        "delivered": delivered.astype("int64"), "opened": opened.astype("int64"),
        "planned_share": share, "sent": sent,
    }), []


# --------------------------------------------------------------------------- load


def load(folder: Path, month: str) -> TouchInputs:
    """Read and validate this section's files of one month (read-only); a month's files are
    parsed once (``wxnb.io.loadcache``: the build's validation, then the section, both months).

    Raises
    ------
    DataValidationError
        Listing every problem of every file (file, field, row, expected, found).
    """
    from wxnb.io import loadcache

    folder = Path(folder)
    files = [folder / n for n in (TEMPLATE_CSV, TEMPLATE_JSONL, CLICKS_FILE, COMMUNITY_FILE,
                                  COSTS_FILE, AB_FILE)]
    return loadcache.cached("touch.load", (month,), files, lambda: _load(folder, month))


def _load(folder: Path, month: str) -> TouchInputs:
    notes: list[str] = []
    problems: list[Problem] = []
    templates, source, found = _load_templates(folder, month, notes)
    problems += found
    frames: dict[str, pd.DataFrame | None] = {}
    readers: dict[str, Any] = {
        CLICKS_FILE: lambda p: _load_clicks(p, notes),
        COMMUNITY_FILE: lambda p: _load_community(p, month, notes),
        COSTS_FILE: lambda p: _load_costs(p, notes),
        AB_FILE: lambda p: _load_ab(p, notes),
    }
    for name, reader in readers.items():
        path = folder / name
        frames[name] = None
        if path.is_file():
            frames[name], found = reader(path)
            problems += found
            if frames[name] is not None and frames[name].empty:
                notes.append(f"{name} 只有表头，没有数据行")
                frames[name] = None
    if problems:
        raise DataValidationError(problems)
    if templates is not None and templates.empty:
        notes.append(f"{source} 没有 {month} 的回调")
        templates = None
    return TouchInputs(month, templates, source, frames[CLICKS_FILE], frames[COMMUNITY_FILE],
                       frames[COSTS_FILE], frames[AB_FILE], notes)

