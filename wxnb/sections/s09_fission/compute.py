"""Section 09 裂变活动复盘, the numbers: per campaign participants, new followers or WeCom
friends, 平均获客成本, 次日留存 (right-censored), the share tree, the compliance level, each
against the benchmark of its type; the month's totals and their 环比.

The inputs are read and validated by ``wxnb.io.fission``. Definitions (methods §4.11, §4.3):

* 平均获客成本 (CAC) = the campaign's whole cost ÷ its new followers (new WeCom friends for a
  WeCom campaign), 元/人; 净增获客成本 = cost ÷ (new − those who left by the end of the data).
* 次日留存 = of the converted users whose next calendar day has ended within the data, the share
  still following (not unfollowed / not deleted) at the end of that day. Users who joined on the
  last day of the data are right-censored: left out of the denominator, counted in a note
  (methods §4.3). Wilson 95 % interval.
* Share tree: a seed user (no inviter) is level 0, a user invited by a level-k user is level k+1.
  K 值 = invited ÷ the participants above the deepest level (the mean number of invitees per
  participant whose invitees the data can show: a Galton–Watson generation estimate; invited ÷
  all participants would be below 1 for every finite tree, even one doubling at each level);
  邀请者人均邀请 = invited ÷ participants who invited anyone; 裂变倍数 = participants ÷ seeds.
* 合规风险等级: the rules of ``compliance_rules.yaml`` beside this module (what each checks and
  the WeChat rule it rests on are written there); the highest level among the rules that fire,
  低 when none does.
* Benchmarks: ``fission_benchmarks`` (the seed's table, with ``fission_benchmark_source``).
  CAC: 达标 at or below the type's upper bound, 预警 when upper ÷ CAC ≥ ``status_warn_ratio``,
  else 未达标. 次日留存: 达标 at or above the benchmark; 未达标 when the interval's upper end is
  below it and the rate is under ``status_warn_ratio`` × benchmark; otherwise 预警; fewer than
  ``fission_min_users`` observable users are not judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wxnb.exceptions import DataValidationError
from wxnb.io.fission import (
    CAMPAIGNS_FILE,
    FLAGS,
    PARTICIPANTS_FILE,
    TYPES,
    FissionInputs,
    load,
    tree_depths,
)
from wxnb.kit import compare, fmt
from wxnb.kit.stats import wilson
from wxnb.params import ReportParams
from wxnb.paths import prev_month
from wxnb.sections.s09_fission import SPEC

__all__ = [
    "INPUTS",
    "LEVELS",
    "RULES_FILE",
    "SECTION",
    "Benchmark",
    "Campaign",
    "ComplianceRule",
    "FissionSection",
    "Retention",
    "RuleBook",
    "Totals",
    "Tree",
    "benchmarks",
    "cac_status",
    "campaigns",
    "change_text",
    "compliance",
    "daily_new",
    "day1_retention",
    "kind_label",
    "load_rules",
    "prepare",
    "retention_status",
    "retention_text",
    "short",
    "totals",
    "tree_stats",
    "yuan",
]

SECTION = (SPEC.key, SPEC.title)
INPUTS: tuple[str, ...] = SPEC.inputs
RULES_FILE = Path(__file__).with_name("compliance_rules.yaml")
LEVELS = ("高", "中", "低")
_RANK = {"高": 2, "中": 1, "低": 0}
_DAY = pd.Timedelta(days=1)


# --------------------------------------------------------------------------- compliance rules


class _Case(BaseModel):
    """One situation of a rule: every condition given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requires_follow: bool | None = None
    requires_share: bool | None = None
    reward_for_follow: bool | None = None
    is_lottery: bool | None = None
    rules_published: bool | None = None
    share_threshold_at_least: int | None = Field(None, ge=1)
    campaign_type: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _some_condition(self) -> _Case:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("情形至少要有一个条件")
        bad = set(self.campaign_type or ()) - set(TYPES)
        if bad:
            raise ValueError(f"未知活动类型 {sorted(bad)}，可用：{'、'.join(TYPES)}")
        return self

    def holds(self, c: Mapping[str, Any]) -> bool:
        for flag in FLAGS:
            want = getattr(self, flag)
            if want is not None and bool(c[flag]) != want:
                return False
        if self.share_threshold_at_least is not None and \
                int(c["share_threshold"]) < self.share_threshold_at_least:
            return False
        return self.campaign_type is None or c["campaign_type"] in self.campaign_type


class ComplianceRule(BaseModel):
    """One documented rule: what it checks, on which WeChat rule it rests, when it fires."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    level: Literal["高", "中"]
    checks: str
    basis: tuple[str, ...]
    when: tuple[_Case, ...] = Field(min_length=1)

    def fires(self, campaign: Mapping[str, Any]) -> bool:
        return any(case.holds(campaign) for case in self.when)


@dataclass(frozen=True)
class RuleBook:
    """The compliance rules and the documents they cite (short name → description)."""

    rules: tuple[ComplianceRule, ...]
    sources: dict[str, str]


@cache
def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """Read and check the compliance rules (format at the top of the file)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    sources = {str(k): " ".join(str(v).split()) for k, v in (raw.get("sources") or {}).items()}
    try:
        rules = tuple(ComplianceRule(**r) for r in raw.get("rules") or [])
    except (ValidationError, TypeError) as exc:
        raise ValueError(f"{Path(path).name}: 合规规则格式错误：{exc}") from None
    for r in rules:
        unknown = set(r.basis) - set(sources)
        if unknown:
            raise ValueError(f"{Path(path).name}: 规则 {r.id} 的依据 {sorted(unknown)} 不在 sources 中")
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{Path(path).name}: 规则编号重复")
    return RuleBook(rules, sources)


def compliance(campaign: Mapping[str, Any], book: RuleBook) -> tuple[str, list[ComplianceRule]]:
    """The campaign's level (高/中/低) and the rules that fire, worst first."""
    fired = sorted((r for r in book.rules if r.fires(campaign)), key=lambda r: -_RANK[r.level])
    return (fired[0].level if fired else "低"), fired


# --------------------------------------------------------------------------- benchmarks


@dataclass(frozen=True)
class Benchmark:
    """One type's industry experience values (元/人, fraction, level)."""

    kind: str
    cac_low: float
    cac_high: float
    day1_retention: float | None
    risk: str | None


def benchmarks(params: ReportParams) -> dict[str, Benchmark]:
    """The configured benchmarks by campaign type (a type not listed has none)."""
    out = {}
    for kind, b in params.fission_benchmarks.items():
        d1 = b.get("day1_retention")
        risk = b.get("risk")
        out[kind] = Benchmark(kind, float(b["cac_low"]), float(b["cac_high"]),
                              None if d1 is None else float(d1),
                              None if risk is None else str(risk))
    return out


# --------------------------------------------------------------------------- per campaign


@dataclass(frozen=True)
class Retention:
    """Day-1 retention of one campaign's (or the month's) converted users."""

    eligible: int  # converted users whose next day ended within the data
    retained: int  # of them, still following at the end of that day
    censored: int  # converted users who joined on the data's last day (next day not observed)

    @property
    def rate(self) -> float | None:
        return self.retained / self.eligible if self.eligible else None

    @property
    def ci(self) -> tuple[float, float]:
        return wilson(self.retained, self.eligible)

    def __add__(self, other: Retention) -> Retention:
        return Retention(self.eligible + other.eligible, self.retained + other.retained,
                         self.censored + other.censored)


def day1_retention(users: pd.DataFrame, data_until: date) -> Retention:
    """次日留存 of one campaign's participants (``joined_day``, ``is_converted``, ``left_at``):
    a converted user who joined on day d is observable when d + 1 ≤ ``data_until`` and retained
    when she had not left by the end of d + 1."""
    conv = users[users["is_converted"]]
    next_day = conv["joined_day"] + _DAY
    observable = next_day <= pd.Timestamp(data_until)
    obs = conv[observable]
    left = obs["left_at"]
    kept = left.isna() | (left.dt.normalize() > obs["joined_day"] + _DAY)
    return Retention(int(observable.sum()), int(kept.sum()), int((~observable).sum()))


@dataclass(frozen=True)
class Tree:
    """The share (inviter) tree of one campaign."""

    participants: int
    seeds: int
    inviters: int  # participants who brought at least one other
    levels: dict[int, int]  # level → participants

    @property
    def invited(self) -> int:
        return self.participants - self.seeds

    @property
    def max_depth(self) -> int:
        return max(self.levels) if self.levels else 0

    @property
    def mean_depth(self) -> float | None:
        if not self.participants:
            return None
        return sum(k * n for k, n in self.levels.items()) / self.participants

    @property
    def deep_share(self) -> float | None:
        """Share of participants at level 2 or deeper (brought by someone who was invited)."""
        if not self.participants:
            return None
        return sum(n for k, n in self.levels.items() if k >= 2) / self.participants

    @property
    def k_factor(self) -> float | None:
        """Invitees per participant who could be seen inviting: invited ÷ the participants
        above the deepest level (whose own invitees would lie beyond the data). Above 1 when
        each level outgrows the one before; 0 when nobody invited anyone."""
        if not self.participants:
            return None
        if not self.invited:
            return 0.0
        return self.invited / (self.participants - self.levels.get(self.max_depth, 0))

    @property
    def per_inviter(self) -> float | None:
        return self.invited / self.inviters if self.inviters else None

    @property
    def multiple(self) -> float | None:
        return self.participants / self.seeds if self.seeds else None


def tree_stats(users: pd.DataFrame) -> Tree:
    """Levels of one campaign's participants (``user_id``, ``inviter_id``; validated: no loop)."""
    parent = dict(zip(users["user_id"], users["inviter_id"], strict=True))
    depth, _ = tree_depths(parent)
    levels: dict[int, int] = {}
    for d in depth.values():
        levels[d] = levels.get(d, 0) + 1
    inviters = users.loc[users["inviter_id"] != "", "inviter_id"].nunique()
    return Tree(len(users), levels.get(0, 0), int(inviters), dict(sorted(levels.items())))


@dataclass
class Campaign:
    """One campaign: its row, its counts and metrics, its benchmark and its compliance."""

    id: str
    name: str
    kind: str
    target: str
    start: date
    end: date
    until: date
    cost: float
    reward: str
    row: dict[str, Any]
    source: str  # 明细 (participants file), 汇总 (the tool's totals), "" (none)
    participants: int | None = None
    new_users: int | None = None
    left: int | None = None  # converted users who left by the end of the data (明细 with left_at)
    retention: Retention | None = None
    tree: Tree | None = None
    bench: Benchmark | None = None
    risk: str = "低"
    fired: list[ComplianceRule] = field(default_factory=list)
    cac_status: str = "未提供"
    cac_gap: float | None = None
    ret_status: str = "未提供"
    ret_gap: float | None = None

    @property
    def unit(self) -> str:
        return "好友" if self.target == "企业微信" else "关注"

    @property
    def cac(self) -> float | None:
        return self.cost / self.new_users if self.new_users else None

    @property
    def net_users(self) -> int | None:
        return None if self.new_users is None or self.left is None else self.new_users - self.left

    @property
    def net_cac(self) -> float | None:
        n = self.net_users
        return self.cost / n if n else None

    @property
    def conversion(self) -> float | None:
        if self.new_users is None or not self.participants:
            return None
        return self.new_users / self.participants


def cac_status(c: Campaign, warn_ratio: float) -> tuple[str, float | None]:
    """CAC against the type's upper bound: (status, relative excess over it)."""
    if c.new_users is None:
        return "未提供", None
    if c.bench is None:
        return "未设目标", None
    high = c.bench.cac_high
    if c.new_users == 0:  # money spent, nobody gained
        return ("未达标", 1.0) if c.cost > 0 else ("未提供", None)
    cac = c.cost / c.new_users
    if cac <= high:
        return "达标", 0.0
    gap = cac / high - 1 if high else 1.0
    return ("预警" if high and high / cac >= warn_ratio else "未达标"), gap


def retention_status(c: Campaign, warn_ratio: float, min_users: int
                     ) -> tuple[str, float | None]:
    """Day-1 retention against the type's benchmark: (status, relative shortfall)."""
    r = c.retention
    if r is None or r.rate is None:
        return "未提供", None
    if r.eligible < min_users:
        return "样本不足", None
    if c.bench is None or c.bench.day1_retention is None:
        return "未设目标", None
    b = c.bench.day1_retention
    if r.rate >= b:
        return "达标", 0.0
    gap = (b - r.rate) / b if b else None
    clearly = r.ci[1] < b and r.rate < warn_ratio * b
    return ("未达标" if clearly else "预警"), gap


def _counts(c: Campaign, users: pd.DataFrame | None, has_left: bool) -> None:
    if users is not None and len(users):
        c.source = "明细"
        c.participants = len(users)
        conv = users[users["is_converted"]]
        c.new_users = len(conv)
        c.tree = tree_stats(users)
        if has_left:
            c.left = int(conv["left_at"].notna().sum())
            c.retention = day1_retention(users, c.until)
        return
    p, n = c.row.get("participant_count"), c.row.get("new_user_count")
    p = None if p is None or pd.isna(p) else int(p)
    n = None if n is None or pd.isna(n) else int(n)
    if p is not None or n is not None:
        c.source, c.participants, c.new_users = "汇总", p, n


def campaigns(inputs: FissionInputs, params: ReportParams, book: RuleBook) -> list[Campaign]:
    """Every campaign of the month with its figures, most new users first."""
    bench = benchmarks(params)
    parts = inputs.participants
    groups = dict(tuple(parts.groupby("campaign_id", sort=False))) if parts is not None else {}
    out = []
    for row in inputs.campaigns.to_dict("records"):
        c = Campaign(id=row["campaign_id"], name=row["campaign_name"], kind=row["campaign_type"],
                     target=row["target_channel"], start=row["start_date"], end=row["end_date"],
                     until=row["data_until"], cost=float(row["cost_yuan"]),
                     reward=row["reward_desc"], row=row, source="",
                     bench=bench.get(row["campaign_type"]))
        _counts(c, groups.get(c.id), inputs.has_left_at)
        c.risk, c.fired = compliance(row, book)
        c.cac_status, c.cac_gap = cac_status(c, params.status_warn_ratio)
        c.ret_status, c.ret_gap = retention_status(c, params.status_warn_ratio,
                                                   params.fission_min_users)
        out.append(c)
    out.sort(key=lambda c: (c.new_users is None, -(c.new_users or 0), c.id))
    return out


def daily_new(inputs: FissionInputs) -> pd.DataFrame:
    """New users (converted) per day of the month (rows) and campaign id (columns)."""
    parts = inputs.participants
    if parts is None or parts.empty:
        return pd.DataFrame()
    conv = parts[parts["is_converted"]]
    first = pd.Timestamp(f"{inputs.month}-01")
    days = pd.date_range(first, first + pd.offsets.MonthEnd(0), freq="D")
    table = conv.groupby(["joined_day", "campaign_id"]).size().unstack(fill_value=0)
    return table.reindex(days, fill_value=0)


# --------------------------------------------------------------------------- the month


@dataclass(frozen=True)
class Totals:
    """The month over every campaign."""

    campaigns: int
    participants: int | None
    new_users: int | None
    new_follow: int
    new_wecom: int
    cost: float
    cost_counted: float  # the cost of the campaigns whose new users are known
    retention: Retention | None
    high: int
    medium: int

    @property
    def cac(self) -> float | None:
        return self.cost_counted / self.new_users if self.new_users else None


def totals(items: list[Campaign]) -> Totals:
    """Sum the campaigns (counts only over campaigns that have them)."""
    known = [c for c in items if c.new_users is not None]
    parts = [c.participants for c in items if c.participants is not None]
    rets = [c.retention for c in items if c.retention is not None]
    ret = None
    for r in rets:
        ret = r if ret is None else ret + r
    return Totals(
        campaigns=len(items), participants=sum(parts) if parts else None,
        new_users=sum(c.new_users or 0 for c in known) if known else None,
        new_follow=sum(c.new_users or 0 for c in known if c.target == "公众号"),
        new_wecom=sum(c.new_users or 0 for c in known if c.target == "企业微信"),
        cost=sum(c.cost for c in items), cost_counted=sum(c.cost for c in known),
        retention=ret, high=sum(c.risk == "高" for c in items),
        medium=sum(c.risk == "中" for c in items))


@dataclass(frozen=True)
class Mom:
    """环比 of the month's totals (None where either month lacks the figure)."""

    new_users: compare.Change
    cost: compare.Change
    cac: float | None  # relative change of a cost per user (a measure: always relative)
    retention: compare.Change


def month_on_month(now: Totals, before: Totals | None) -> Mom | None:
    if before is None:
        return None
    cac = now.cac / before.cac - 1 if now.cac is not None and before.cac else None
    r_now = now.retention.rate if now.retention else None
    r_before = before.retention.rate if before.retention else None
    return Mom(compare.change("count", now.new_users, before.new_users),
               compare.change("count", now.cost, before.cost), cac,
               compare.change("rate", r_now, r_before))


# --------------------------------------------------------------------------- the section


@dataclass
class FissionSection:
    """Everything section 09 shows, computed once."""

    params: ReportParams
    inputs: FissionInputs
    previous: FissionInputs | None
    prev_note: str
    book: RuleBook
    campaigns: list[Campaign]
    totals: Totals
    prev_campaigns: list[Campaign] | None
    prev_totals: Totals | None
    mom: Mom | None
    notes: list[str]


def _previous(params: ReportParams) -> tuple[FissionInputs | None, str]:
    folder = params.resolved_prev_data_dir()
    if not folder.is_dir():
        return None, f"无上月数据（未找到 {folder.name} 目录），环比不可用"
    if not (folder / CAMPAIGNS_FILE).is_file():
        return None, f"上月目录没有 {CAMPAIGNS_FILE}，环比不可用"
    try:
        return load(folder, prev_month(params.month)), ""
    except DataValidationError as exc:
        return None, (f"上月裂变数据校验未通过（{len(exc.problems)} 个问题，如 {exc.problems[0]}），"
                      "环比不可用")


def _notes(inputs: FissionInputs, items: list[Campaign], previous: FissionInputs | None
           ) -> list[str]:
    out = []
    if inputs.participants is None:
        out.append(f"未提供 {PARTICIPANTS_FILE}：参与人数与新增来自活动表的汇总列（如有），"
                   "次日留存与分享层级不可用")
    elif not inputs.has_left_at:
        out.append(f"{PARTICIPANTS_FILE} 没有 left_at（取关/删除好友时间）列：次日留存与净增不可用")
    for c in items:
        if inputs.participants is not None and c.source != "明细":
            how = "按活动表的汇总列计" if c.source == "汇总" else "参与与新增未提供"
            out.append(f"活动“{c.name}”在 {PARTICIPANTS_FILE} 中没有记录，{how}")
        if c.start < date.fromisoformat(f"{inputs.month}-01"):
            out.append(f"活动“{c.name}”始于 {c.start}（上月），成本与人数按整个活动计")
    if previous is not None:
        both = set(inputs.campaigns["campaign_id"]) & set(previous.campaigns["campaign_id"])
        if both:
            out.append(f"{len(both)} 个活动编号在上月文件中也出现（跨月活动），环比按两个月各自的文件计，"
                       "可能重复计入")
    censored = sum(c.retention.censored for c in items if c.retention)
    if censored:
        out.append(f"{censored:,} 位新增用户在数据截止日当天加入，次日尚未结束，未计入次日留存的分母（右删失）")
    return out


def prepare(params: ReportParams) -> FissionSection:
    """Load this month (and the previous one for 环比) and compute section 09."""
    inputs = load(params.resolved_data_dir(), params.month)
    previous, note = _previous(params)
    book = load_rules()
    items = campaigns(inputs, params, book)
    prev_items = campaigns(previous, params, book) if previous else None
    now = totals(items)
    before = totals(prev_items) if prev_items is not None else None
    return FissionSection(params, inputs, previous, note, book, items, now, prev_items, before,
                          month_on_month(now, before), _notes(inputs, items, previous))


def retention_text(r: Retention | None) -> str:
    """``43.2%`` or ``—``."""
    return "—" if r is None or r.rate is None else fmt.fmt_pct(r.rate)


def yuan(v: float | None) -> str:
    """A money figure in 元 with at most two decimals: 1.8 → '1.8', 4 → '4', 2.456 → '2.46'."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    text = fmt.fmt_num(v, 2)
    return text.rstrip("0").rstrip(".") if "." in text else text


def short(text: str, limit: int = 12) -> str:
    """A campaign name cut to ``limit`` characters (with …) for the phone-sized table and the
    findings; the analyst tables show it whole."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_label(kind: str) -> str:
    """``任务宝裂变`` for the seed table's three types, ``体验官活动`` otherwise."""
    return f"{kind}裂变" if kind in ("任务宝", "拼团", "抽奖") else f"{kind}活动"


def change_text(ch: compare.Change | None) -> str:
    """A 环比 as a table shows it: ``+12.3%``, ``+1.20 个百分点``, ``+12`` (small base), ``—``."""
    if ch is None or ch.value is None or ch.mode == "na":
        return "—"
    if ch.mode == "pp":
        return fmt.fmt_pp(ch.value)
    if ch.mode == "abs":
        return fmt.fmt_signed_int(ch.value)
    return fmt.fmt_signed_pct(ch.value)
