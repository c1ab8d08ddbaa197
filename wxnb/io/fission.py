"""Reading and validating section 09's inputs: the fission campaigns and their participants.

Analysts do not get fission data from a WeChat API: they hold the export of the campaign tool
(a 任务宝 / 拼团 / 抽奖 SaaS, the WeCom 客户联系 export for a 体验官 recruitment) and a sheet
describing each campaign's mechanics. Two files of the month folder (read only):

``fission_campaigns.csv`` (required)
    One row per campaign that ran during the month (its period overlaps the month):
    ``campaign_id`` (unique), ``campaign_name``, ``campaign_type`` (任务宝 / 拼团 / 抽奖 / 体验官 /
    其他; ``任务宝裂变`` etc. accepted), ``start_date`` and ``end_date`` (YYYY-MM-DD),
    ``cost_yuan`` (the campaign's whole cost in 元: prizes, tool fee, paid promotion; ≥ 0,
    ``1,200.5`` accepted), ``target_channel`` (公众号 = a conversion is a follow of the official
    account; 企业微信 = an added WeCom friend), ``reward_desc`` (free text), the mechanics the
    compliance rules read, each 是/否 (or 1/0): ``requires_follow`` (关注或加好友后才能参与或领奖),
    ``requires_share`` (分享到朋友圈/群后才能参与或领奖), ``reward_for_follow`` (关注或加好友即得
    奖励、红包或抽奖资格), ``is_lottery`` (奖励随机抽取), ``rules_published`` (奖品、数量、概率与
    时间在活动页公示), and ``share_threshold`` (邀请 N 位好友参与/关注才得奖; empty or 0 = no such
    task). Optional columns: ``data_until`` (the last whole day the export covers, YYYY-MM-DD,
    a day of the report month, not before the start; empty = the month's last day; a later
    day is a problem, not clamped: it would let next month's joins count toward this month),
    ``participant_count`` and ``new_user_count`` (the tool's own totals, used only when the
    participants file is absent).
``fission_participants.csv`` (optional; a header-only file counts as absent)
    One row per participant: ``campaign_id``, ``user_id`` (the tool's user id, unique within its
    campaign), ``inviter_id`` (the ``user_id`` of the participant whose poster or link brought
    this one, in the same campaign; empty = a seed user, reached by the campaign's own push or
    poster), ``joined_at`` (YYYY-MM-DD HH:MM[:SS], ``T`` accepted, or a date), ``is_converted``
    (是/否: followed the account / added the WeCom contact through the campaign) and, optional,
    ``left_at`` (when a converted user unfollowed or deleted the contact, same formats; empty =
    still there at the end of the data). Without ``left_at`` the day-1 retention is not shown.

Errors (each naming file, field, row, expected, found; all reported together): a missing
column, an empty or repeated id, an unknown campaign type or channel, a date or time that does
not parse, an end before the start, a campaign that does not overlap the month, a
``data_until`` outside the month or before the start, a cost that is not a number ≥ 0, a flag
other than 是/否/1/0, a participant of an unknown campaign, the same user twice in a campaign,
an inviter who is not a participant of the same campaign, an inviter who joined after the user,
an inviter chain that loops (a cycle, including inviting oneself), a join before the campaign's
start or after the end of its data, ``left_at`` for a user who did not convert or before the
join. Joins after the campaign's end (posters keep circulating) are kept
and counted in a note; a ``left_at`` after the end of the data is read as "still there".

CSV encodings, line ends and shapes as ``wxnb.io.csvin``; a file not read as UTF-8 is named in
the notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from wxnb.exceptions import DataValidationError, Problem
from wxnb.io import csvin

__all__ = [
    "API_FIELDS",
    "CAMPAIGNS_FILE",
    "CAMPAIGN_COLUMNS",
    "CAMPAIGN_OPTIONAL",
    "EXAMPLES",
    "FLAGS",
    "PARTICIPANTS_FILE",
    "PARTICIPANT_COLUMNS",
    "PARTICIPANT_OPTIONAL",
    "TARGETS",
    "TYPES",
    "FissionInputs",
    "load",
    "tree_depths",
]

CAMPAIGNS_FILE = "fission_campaigns.csv"
PARTICIPANTS_FILE = "fission_participants.csv"

TYPES = ("任务宝", "拼团", "抽奖", "体验官", "其他")
TARGETS = ("公众号", "企业微信")
FLAGS = ("requires_follow", "requires_share", "reward_for_follow", "is_lottery",
         "rules_published")
CAMPAIGN_COLUMNS = ("campaign_id", "campaign_name", "campaign_type", "start_date", "end_date",
                    "cost_yuan", "target_channel", "reward_desc", *FLAGS, "share_threshold")
CAMPAIGN_OPTIONAL = ("data_until", "participant_count", "new_user_count")
PARTICIPANT_COLUMNS = ("campaign_id", "user_id", "inviter_id", "joined_at", "is_converted")
PARTICIPANT_OPTIONAL = ("left_at",)

#: The raw column names of the two files: the analyst layer may name them, the management
#: layer never does.
API_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    (*CAMPAIGN_COLUMNS, *CAMPAIGN_OPTIONAL, *PARTICIPANT_COLUMNS, *PARTICIPANT_OPTIONAL)))

#: One example row per file (for a template's README): columns in the order above.
EXAMPLES: dict[str, tuple[str, ...]] = {
    CAMPAIGNS_FILE: ("T2611", "双11护肤资料包", "任务宝", "2026-11-01", "2026-11-10", "4800",
                     "公众号", "邀请3位好友关注得电子资料包", "是", "否", "否", "否", "是", "3"),
    PARTICIPANTS_FILE: ("T2611", "u0001", "", "2026-11-01 09:12", "是"),
}

_TRUE, _FALSE = {"是", "1"}, {"否", "0"}
_CYCLE_SHOWN = 6  # users of a looping inviter chain named in the problem


@dataclass
class FissionInputs:
    """One month's validated inputs.

    ``campaigns``: one row per campaign (typed: dates as ``datetime.date``, ``cost_yuan`` float,
    flags bool, ``share_threshold`` int, ``data_until`` date, the optional totals Int64 or
    missing, ``_row`` the CSV line). ``participants``: one row per participant (``joined_at`` /
    ``left_at`` Timestamps, ``joined_day`` the calendar day, ``is_converted`` bool, ``_row``) or
    None when the file is absent. ``has_left_at``: the participants file has ``left_at``.
    ``notes``: encodings and kept oddities, for the data notes.
    """

    month: str
    campaigns: pd.DataFrame
    participants: pd.DataFrame | None
    has_left_at: bool = False
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- parsing


_DAY_RX = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_TIME_RX = re.compile(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[ T]([0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)")


def _day(text: str) -> date | None:
    if not _DAY_RX.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _moment(text: str) -> tuple[datetime, bool] | None:
    """``(time, has_clock)`` of ``YYYY-MM-DD[ HH:MM[:SS]]`` (``T`` accepted), or None."""
    d = _day(text)
    if d is not None:
        return datetime(d.year, d.month, d.day), False
    m = _TIME_RX.fullmatch(text)
    if m is None:
        return None
    fmt_ = "%Y-%m-%d %H:%M:%S" if m.group(3) else "%Y-%m-%d %H:%M"
    try:
        return datetime.strptime(f"{m.group(1)} {m.group(2)}", fmt_), True
    except ValueError:
        return None


def _flag(text: str) -> bool | None:
    return True if text in _TRUE else False if text in _FALSE else None


def _type(text: str) -> str | None:
    t = text[:-2] if text.endswith("裂变") and len(text) > 2 else text
    return t if t in TYPES else None


def _month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _shown(v: str) -> str:
    return csvin.brief(v, 80) if v else "缺失"


# --------------------------------------------------------------------------- campaigns


def _campaign_row(r: Mapping[str, str], where: str, month: str,
                  out: list[Problem]) -> dict[str, Any]:
    """Check one campaign row; the typed values (None where a value is bad)."""
    def bad(col: str, expected: str) -> None:
        out.append(Problem(CAMPAIGNS_FILE, col, where, expected, _shown(r.get(col, ""))))

    first, last = _month_bounds(month)
    v: dict[str, Any] = {"campaign_id": r["campaign_id"], "campaign_name": r["campaign_name"],
                         "reward_desc": r["reward_desc"]}
    if not r["campaign_id"]:
        bad("campaign_id", "活动编号（非空）")
    if not r["campaign_name"]:
        bad("campaign_name", "活动名称（非空）")
    v["campaign_type"] = _type(r["campaign_type"])
    if v["campaign_type"] is None:
        bad("campaign_type", "以下类型之一：" + "、".join(TYPES))
    v["start_date"], v["end_date"] = _day(r["start_date"]), _day(r["end_date"])
    for col in ("start_date", "end_date"):
        if v[col] is None:
            bad(col, "日期 YYYY-MM-DD")
    start, end = v["start_date"], v["end_date"]
    if start and end:
        if end < start:
            bad("end_date", f"不早于开始日期 {start}")
        elif start > last or end < first:
            bad("end_date" if end < first else "start_date",
                f"活动期与 {month} 有交集（{first} 至 {last}）")
    v["cost_yuan"] = csvin.number(r["cost_yuan"])
    if v["cost_yuan"] is None or v["cost_yuan"] < 0:
        bad("cost_yuan", "成本（元），≥ 0 的数")
    v["target_channel"] = r["target_channel"] if r["target_channel"] in TARGETS else None
    if v["target_channel"] is None:
        bad("target_channel", "公众号 或 企业微信")
    for col in FLAGS:
        v[col] = _flag(r[col])
        if v[col] is None:
            bad(col, "是/否 或 1/0")
    v["share_threshold"] = csvin.count(r["share_threshold"]) if r["share_threshold"] else 0
    if v["share_threshold"] is None:
        bad("share_threshold", "邀请门槛人数（非负整数，留空或 0 表示没有）")
    until = r.get("data_until", "")
    v["data_until"] = _day(until) if until else last
    if v["data_until"] is None:
        bad("data_until", "日期 YYYY-MM-DD（留空表示月末）")
    elif not first <= v["data_until"] <= last:  # next month's joins must not count here
        bad("data_until", f"报告月 {month} 内的一天（{first} 至 {last}；留空表示月末）")
    elif start and v["data_until"] < start:
        bad("data_until", f"不早于开始日期 {start}")
    for col in ("participant_count", "new_user_count"):
        text = r.get(col, "")
        v[col] = csvin.count(text) if text else None
        if text and v[col] is None:
            bad(col, f"非负整数（不超过 {csvin.COUNT_MAX:,}），未知留空")
    if v["participant_count"] is not None and v["new_user_count"] is not None \
            and v["new_user_count"] > v["participant_count"]:
        bad("new_user_count", f"不超过参与人数 {v['participant_count']}")
    return v


def _read(path: Path, required: tuple[str, ...], optional: tuple[str, ...],
          notes: list[str], *, allow_empty: bool = False
          ) -> tuple[list[dict[str, str]], set[str], list[Problem]]:
    """Rows (cells stripped; an absent optional column is all empty), the optional columns the
    file has, and its problems (reading, missing columns, no data row unless ``allow_empty``)."""
    header, rows, problems, note = csvin.read_table(path, expected="CSV，首行为字段名")
    if note:
        notes.append(note)
    if problems:
        return [], set(), problems
    if not header:
        return [], set(), [Problem(path.name, None, None, "CSV，首行为字段名", "空文件")]
    have = csvin.columns_text(header)
    missing = [Problem(path.name, c, "表头", f"有列 {c}", f"列缺失（现有列：{have}）")
               for c in required if c not in header]
    if missing:
        return [], set(), missing
    if not rows and not allow_empty:
        return [], set(), [Problem(path.name, None, None, "至少一行数据", "没有数据行")]
    cols = (*required, *optional)
    clean = [{c: r.get(c, "").strip() for c in cols} for r in rows]
    return clean, {c for c in optional if c in header}, []


def _campaigns(path: Path, month: str, notes: list[str]
               ) -> tuple[pd.DataFrame | None, list[Problem]]:
    rows, _, problems = _read(path, CAMPAIGN_COLUMNS, CAMPAIGN_OPTIONAL, notes)
    if problems:
        return None, problems
    typed, seen = [], {}
    for i, r in enumerate(rows):
        where = csvin.row_label(i)
        v = _campaign_row(r, where, month, problems)
        cid = r["campaign_id"]
        if cid and cid in seen:
            problems.append(Problem(CAMPAIGNS_FILE, "campaign_id", where, "每个活动编号只出现一次",
                                    f"{csvin.brief(cid, 60)} 与{seen[cid]}重复"))
        seen.setdefault(cid, where)
        v["_row"] = i + 2
        typed.append(v)
    if problems:
        return None, problems
    df = pd.DataFrame(typed)
    for col in ("participant_count", "new_user_count"):
        df[col] = df[col].astype("Int64")
    df["share_threshold"] = df["share_threshold"].astype("int64")
    df["cost_yuan"] = df["cost_yuan"].astype(float)
    return df.reset_index(drop=True), []


# --------------------------------------------------------------------------- participants


def tree_depths(parent: Mapping[str, str]) -> tuple[dict[str, int], list[list[str]]]:
    """Depth of every user in the inviter forest of one campaign, and the loops.

    ``parent`` maps each user to its inviter ("" for a seed user). A seed user has depth 0, a
    user invited by a seed depth 1, and so on. An inviter that is not a user of ``parent`` is
    treated as no inviter (the loader reports it). Users on a loop, or whose chain runs into
    one, get depth −1; each loop is returned once, as its users in chain order.
    """
    depth: dict[str, int] = {}
    cycles: list[list[str]] = []
    for start in parent:
        path: list[str] = []
        pos: dict[str, int] = {}
        v = start
        while v not in depth and v not in pos:
            inviter = parent[v]
            if not inviter or inviter not in parent:
                depth[v] = 0
                break
            pos[v] = len(path)
            path.append(v)
            v = inviter
        if v in pos:  # a loop: v … end of path
            cycles.append(path[pos[v]:])
            for w in path:
                depth[w] = -1
            continue
        d = depth[v]
        for w in reversed(path):
            d = d + 1 if d >= 0 else -1
            depth[w] = d
    return depth, cycles


def _participant_row(r: Mapping[str, str], where: str, camp: Mapping[str, Any] | None,
                     has_left: bool, out: list[Problem]) -> dict[str, Any]:
    name = PARTICIPANTS_FILE

    def bad(col: str, expected: str, found: str | None = None) -> None:
        out.append(Problem(name, col, where, expected,
                           found if found is not None else _shown(r.get(col, ""))))

    v: dict[str, Any] = {"campaign_id": r["campaign_id"], "user_id": r["user_id"],
                         "inviter_id": r["inviter_id"]}
    if camp is None:
        bad("campaign_id", f"{CAMPAIGNS_FILE} 中的活动编号")
    if not r["user_id"]:
        bad("user_id", "用户标识（非空）")
    joined = _moment(r["joined_at"])
    v["joined_at"], v["_clock"] = (joined if joined else (None, False))
    if joined is None:
        bad("joined_at", "时间 YYYY-MM-DD HH:MM[:SS] 或日期 YYYY-MM-DD")
    elif camp is not None:
        if joined[0].date() < camp["start_date"]:
            bad("joined_at", f"不早于活动开始日期 {camp['start_date']}")
        elif joined[0].date() > camp["data_until"]:
            bad("joined_at", f"不晚于数据截止日 {camp['data_until']}（data_until，留空为月末）")
    v["is_converted"] = _flag(r["is_converted"])
    if v["is_converted"] is None:
        bad("is_converted", "是/否 或 1/0")
    v["left_at"] = None
    text = r.get("left_at", "") if has_left else ""
    if text:
        left = _moment(text)
        if left is None:
            bad("left_at", "时间 YYYY-MM-DD HH:MM[:SS] 或日期（仍关注留空）")
        elif v["is_converted"] is False:
            bad("left_at", "留空（未转化的用户没有取关/删除时间）")
        elif joined is not None and (left[0] < joined[0] if left[1] and joined[1]
                                     else left[0].date() < joined[0].date()):
            bad("left_at", f"不早于加入时间 {r['joined_at']}")
        else:
            v["left_at"] = left[0]
    return v


def _tree_problems(df: pd.DataFrame) -> list[Problem]:
    """Unknown inviters, inviters who joined later, and loops, per campaign."""
    out: list[Problem] = []
    name = PARTICIPANTS_FILE
    for _, g in df.groupby("campaign_id", sort=False):
        rows = {u: r for u, r in zip(g["user_id"], g.to_dict("records"), strict=True)}
        for u, r in rows.items():
            inv = r["inviter_id"]
            where = csvin.row_label(r["_row"] - 2)
            if not inv or inv == u:
                continue
            if inv not in rows:
                out.append(Problem(name, "inviter_id", where,
                                   "同一活动中的参与者 user_id（种子用户留空）",
                                   f"未知邀请人 {csvin.brief(inv, 60)}"))
                continue
            p = rows[inv]
            both = r["_clock"] and p["_clock"]
            later = p["joined_at"] > r["joined_at"] if both else \
                p["joined_at"].date() > r["joined_at"].date()
            if later:
                out.append(Problem(name, "inviter_id", where,
                                   f"邀请人 {csvin.brief(inv, 40)}（第 {p['_row']} 行）加入不晚于本行",
                                   f"邀请人加入于 {p['joined_at']:%Y-%m-%d %H:%M}，本行 "
                                   f"{r['joined_at']:%Y-%m-%d %H:%M}"))
        parent = {u: (r["inviter_id"] if r["inviter_id"] in rows else "")
                  for u, r in rows.items()}
        for loop in tree_depths(parent)[1]:
            lines = sorted(rows[u]["_row"] for u in loop)
            shown = [csvin.brief(u, 30) for u in loop[:_CYCLE_SHOWN]]
            chain = " → ".join(shown + ([] if len(loop) > _CYCLE_SHOWN else [shown[0]]))
            more = f" …（共 {len(loop)} 人）" if len(loop) > _CYCLE_SHOWN else ""
            out.append(Problem(name, "inviter_id", f"第 {lines[0]} 行",
                               "邀请关系无环（沿邀请人回溯应到达种子用户）",
                               f"邀请链成环：{chain}{more}（第 {'、'.join(map(str, lines[:10]))} 行）"))
    return out


def _participants(path: Path, camps: pd.DataFrame | None, notes: list[str]
                  ) -> tuple[pd.DataFrame | None, bool, list[Problem]]:
    rows, optional, problems = _read(path, PARTICIPANT_COLUMNS, PARTICIPANT_OPTIONAL, notes,
                                     allow_empty=True)
    if problems:
        return None, False, problems
    if not rows:
        notes.append(f"{PARTICIPANTS_FILE} 只有表头，没有数据行，按未提供处理")
        return None, False, []
    has_left = "left_at" in optional
    by_id = {} if camps is None else {c["campaign_id"]: c for c in camps.to_dict("records")}
    typed, seen = [], {}
    for i, r in enumerate(rows):
        where = csvin.row_label(i)
        camp = by_id.get(r["campaign_id"]) if camps is not None else {
            "start_date": date.min, "data_until": date.max}  # campaigns invalid: check the rest
        v = _participant_row(r, where, camp, has_left, problems)
        key = (r["campaign_id"], r["user_id"])
        if r["user_id"] and key in seen:
            problems.append(Problem(PARTICIPANTS_FILE, "user_id", where,
                                    "同一活动中每位用户只出现一次",
                                    f"{csvin.brief(r['user_id'], 60)} 与{seen[key]}重复"))
        seen.setdefault(key, where)
        v["_row"] = i + 2
        typed.append(v)
    if problems:
        return None, has_left, problems
    df = pd.DataFrame(typed)
    problems = _tree_problems(df)
    if problems:
        return None, has_left, problems
    df["joined_at"] = pd.to_datetime(df["joined_at"])
    df["joined_day"] = df["joined_at"].dt.normalize()
    df["left_at"] = pd.to_datetime(df["left_at"])
    df["is_converted"] = df["is_converted"].astype(bool)
    return df.drop(columns="_clock").reset_index(drop=True), has_left, []


def _participant_notes(parts: pd.DataFrame, camps: pd.DataFrame) -> list[str]:
    notes = []
    ids = camps["campaign_id"]
    end = dict(zip(ids, pd.to_datetime(camps["end_date"]), strict=True))
    until = dict(zip(ids, pd.to_datetime(camps["data_until"]), strict=True))
    late = parts[parts["joined_day"] > parts["campaign_id"].map(end)]
    if len(late):
        notes.append(f"{len(late):,} 位参与者在活动结束日之后加入（海报或链接仍在传播），已计入所属活动")
    left_late = parts["left_at"].notna() & (
        parts["left_at"].dt.normalize() > parts["campaign_id"].map(until))
    if left_late.any():
        notes.append(f"{int(left_late.sum()):,} 位用户的取关/删除时间晚于数据截止日，按截止日仍关注计")
        parts.loc[left_late, "left_at"] = pd.NaT
    return notes


def load(folder: Path, month: str) -> FissionInputs:
    """Read and validate the month's fission files (read-only).

    A month's files are parsed once (``wxnb.io.loadcache``: the build's check, then the
    section, both months, until a file or the input layer's code changes).

    Raises
    ------
    DataValidationError
        Every problem of both files (file, field, row, expected, found), reported together.
    """
    from wxnb.io import loadcache

    folder = Path(folder)
    files = [folder / CAMPAIGNS_FILE, folder / PARTICIPANTS_FILE]
    return loadcache.cached("fission.load", (month,), files, lambda: _load(folder, month))


def _load(folder: Path, month: str) -> FissionInputs:
    path = folder / CAMPAIGNS_FILE
    if not path.is_file():
        raise DataValidationError([Problem(str(folder), None, None,
                                           f"裂变活动文件 {CAMPAIGNS_FILE}", "没有找到")])
    notes: list[str] = []
    camps, problems = _campaigns(path, month, notes)
    parts, has_left = None, False
    ppath = folder / PARTICIPANTS_FILE
    if ppath.is_file():
        parts, has_left, found = _participants(ppath, camps, notes)
        problems += found
    if problems:
        raise DataValidationError(problems)
    assert camps is not None
    if parts is not None:
        notes += _participant_notes(parts, camps)
    return FissionInputs(month, camps, parts, has_left, notes)
