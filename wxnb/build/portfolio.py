"""The portfolio overview of a month: every account's report in one page, worst first.

``wxnb batch`` builds each account's report and then writes
``<out>/_portfolio/<month>/report.html`` from what the builds left in their folders: each
section's findings (``*.findings.json``, the same the account's summary reads) and ``run.json``
(the account's display name). Nothing is computed twice: a figure in the overview is the figure
in the account's report.

The page is for the same reader as an account's report (a manager on a phone, or on paper): the
month in one sentence, the accounts that need attention first with their worst findings, then
the league table (one card per account on a phone) with a link to each report; how attainment
and the order are decided sits in a closed 方法与口径 block. Every text from data (account names,
evidence) is escaped; the page loads nothing from outside (its fonts are embedded).
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wxnb import __version__
from wxnb.kit import findings as kit_findings
from wxnb.kit import fmt
from wxnb.kit.findings import Finding

__all__ = ["AccountRow", "PORTFOLIO", "collect", "order", "render", "write"]

PORTFOLIO = "_portfolio"  # <out>/_portfolio/<month>/report.html
_CSS = Path(__file__).parent / "templates" / "wxreport" / "static" / "wxreport.css"
#: Statuses of a headline metric with a target (kit.findings' words).
_TARGETED = ("达标", "预警", "未达标")


@dataclass
class AccountRow:
    """One account of the month: how its build went and its headline figures."""

    account: str
    name: str
    ok: bool
    message: str = ""  # why its report is missing (a failed build)
    met: int = 0  # KPIs with a target that are 达标
    targeted: int = 0  # KPIs with a target
    missed: int = 0  # 未达标 (KPIs and events)
    warned: int = 0  # 预警
    net_followers: float | None = None
    open_rate: float | None = None
    wci: float | None = None
    incidents: float | None = None
    open_incidents: float | None = None
    worst: list[Finding] = field(default_factory=list)  # the findings that matter most
    link: str = ""  # the account's report, relative to the overview

    @property
    def attention(self) -> tuple[int, int, int, float]:
        """The order key, most urgent first: a missing report, then the count of 未达标, then
        of 预警, then the largest shortfall against a target."""
        gap = max((f.gap or 0.0 for f in self.worst), default=0.0)
        return (0 if not self.ok else 1, -self.missed, -self.warned, -gap)


def _value(items: list[Finding], metric: str) -> float | None:
    return next((f.value for f in items if f.metric == metric), None)


def collect(outcomes: Sequence[Any], month: str, out_root: Path) -> list[AccountRow]:
    """One row per account outcome (``wxnb.build.batch.AccountOutcome``), from the findings its
    build wrote in ``out_root/<account>/<month>/``."""
    rows = []
    for o in outcomes:
        folder = Path(out_root) / o.account / month
        name = _display_name(folder) or o.account
        if not o.ok or not (folder / "report.html").is_file():
            rows.append(AccountRow(o.account, name, False, o.message or "报告未生成"))
            continue
        items = kit_findings.read_folder(folder)
        kpis = [f for f in items if f.kind == "kpi" and f.status in _TARGETED]
        rows.append(AccountRow(
            account=o.account, name=name, ok=True,
            met=sum(f.status == "达标" for f in kpis), targeted=len(kpis),
            missed=sum(f.status == "未达标" for f in items),
            warned=sum(f.status == "预警" for f in items),
            net_followers=_value(items, "net_followers"), open_rate=_value(items, "open_rate"),
            wci=_value(items, "wci_rank"), incidents=_value(items, "risk_incidents"),
            open_incidents=_value(items, "risk_open_incidents"),
            worst=[f for f in kit_findings.rank(items, 2) if f.severity >= 2],
            link=f"../../{quote(o.account)}/{quote(month)}/report.html"))
    return rows


def _display_name(folder: Path) -> str:
    try:
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    params = run.get("parameters", {})
    return str(params.get("account_name") or "")


def order(rows: list[AccountRow]) -> list[AccountRow]:
    """Most urgent first (:attr:`AccountRow.attention`), then by account id."""
    return sorted(rows, key=lambda r: (r.attention, r.account))


def _esc(value: Any) -> str:
    """Escaped text from data, its bidi controls (U+202E …) shown as codes (kit.fmt.esc), so
    an account name cannot reverse the rest of the line."""
    return fmt.esc(value)


def _needs_attention(r: AccountRow) -> bool:
    """The rule of the 优先关注 list (and of the verdict's names): a missing report, or a
    finding at 预警 or worse."""
    return not r.ok or bool(r.missed or r.warned or r.worst)


def _verdict(rows: list[AccountRow]) -> str:
    failed = [r for r in rows if not r.ok]
    urgent = [r for r in rows if r.ok and r.missed]
    parts = [f"{len(rows)} 个账号"]
    if urgent:
        names = "、".join(r.name for r in urgent[:3]) + (" 等" if len(urgent) > 3 else "")
        parts.append(f"{len(urgent)} 个有未达标项，优先关注{names}")
    else:
        parts.append("均无未达标项")
    if failed:
        parts.append(f"{len(failed)} 个报告未生成")
    return "，".join(parts) + "。"


def _attention_html(rows: list[AccountRow]) -> str:
    items = []
    for r in rows:
        if not _needs_attention(r):
            continue
        if not r.ok:
            body = "报告未生成（原因见下方“未生成报告的原因”）"
        elif r.worst:
            body = "；".join(f"{_esc(f.status)}｜{_esc(fmt.plain(f.evidence))}" for f in r.worst)
        else:
            body = _esc(f"未达标 {r.missed} 项、预警 {r.warned} 项")
        link = f'<a href="{_esc(r.link)}">查看报告</a>' if r.ok else ""
        items.append(f"<li><strong><bdi>{_esc(r.name)}</bdi></strong>：{body} {link}</li>")
    if not items:
        return "<p>本月没有需要优先关注的账号。</p>"
    return f'<ol class="wx-attention">{"".join(items)}</ol>'


def _league_html(rows: list[AccountRow]) -> str:
    body = []
    for r in rows:
        if r.ok:
            kpi = f"{r.met}/{r.targeted} 项达标" if r.targeted else "未设目标"
            cells = [kpi, fmt.fmt_signed_int(r.net_followers) if r.net_followers is not None
                     else "未提供", fmt.fmt_pct(r.open_rate, 2) if r.open_rate is not None
                     else "未提供", fmt.fmt_num(r.wci, 1) if r.wci is not None else "未提供",
                     "未提供" if r.incidents is None else
                     f"{fmt.fmt_int(r.incidents)}（未关闭 {fmt.fmt_int(r.open_incidents or 0)}）"]
            link = f'<a href="{_esc(r.link)}">报告</a>'
        else:
            cells = ["报告未生成", "—", "—", "—", "—"]
            link = "—"
        labels = ("KPI 达成", "粉丝净增长", "打开率", "WCI", "风险事件")
        tds = "".join(f'<td class="num" data-label="{lab}">{_esc(c)}</td>'
                      for lab, c in zip(labels, cells, strict=True))
        body.append(f'<tr><td data-label="账号"><bdi>{_esc(r.name)}</bdi></td>{tds}'
                    f'<td data-label="报告">{link}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("账号", "KPI 达成", "粉丝净增长", "打开率", "WCI",
                                             "风险事件", "报告"))
    return (f'<div class="wx-scroll"><table class="wx-table wx-cardable"><thead><tr>{head}'
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _failures_html(rows: list[AccountRow]) -> str:
    """Why each missing report is missing: the build's own message (file, field, row), for the
    analyst, in a closed block."""
    failed = [r for r in rows if not r.ok]
    if not failed:
        return ""
    items = "".join(f"<li><strong><bdi>{_esc(r.name)}</bdi></strong><pre>{_esc(r.message)}</pre></li>"
                    for r in failed)
    return (f'<details class="wx-fold"><summary>未生成报告的原因（{len(failed)} 个账号）</summary>'
            f"<ul>{items}</ul><p>修正数据后重新运行 wxnb batch：已生成且输入未变的账号沿用上次结果。"
            "</p></details>")


def _method_html(rows: list[AccountRow]) -> str:
    notes = [
        "各项数字取自各账号本月报告的结论（与账号报告一致），不重新计算。",
        "KPI 达成 = 设有目标的核心指标中“达标”的项数 ÷ 设有目标的项数；未设目标的指标不计入。",
        "优先关注的顺序：报告未生成的账号在前，其后按“未达标”项数、“预警”项数、与目标的最大差距"
        "依次排列；每个账号列出最重要的两条结论。",
        "WCI 为清博 V14.2 公式的传播指数（05 章）；风险事件为 07 章的事件数与未关闭数；打开率的口径见"
        "各账号报告（2025-11 起只计已通知粉丝的发表）。",
    ]
    items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
    return (f'<details class="wx-fold"><summary>方法与口径</summary><ul>{items}</ul>'
            "</details>")


def _month_cn(month: str) -> str:
    y, m = month.split("-")
    return f"{y}年{int(m)}月"


def render(rows: list[AccountRow], month: str, generated: str | None = None) -> str:
    """The overview page (self-contained, offline)."""
    from wxnb.build import webfont

    rows = order(rows)
    stamp = generated or time.strftime("%Y-%m-%d %H:%M")
    title = f"{_month_cn(month)} 微信营销月度复盘 · 账号总览"
    main = (f'<header class="wx-cover"><h1>{_esc(title)}</h1>'
            f'<p class="wx-verdict">{_esc(_verdict(rows))}</p></header>'
            f'<section class="wx-section" id="wx-attention"><h2>优先关注</h2>'
            f"{_attention_html(rows)}</section>"
            f'<section class="wx-section" id="wx-league"><h2>各账号本月表现</h2>'
            f"{_league_html(rows)}{_failures_html(rows)}{_method_html(rows)}</section>"
            f'<footer class="wx-footer"><p>生成于 {_esc(stamp)} · wxnb {_esc(__version__)}'
            "</p></footer>")
    chars = webfont.cjk_chars(html.unescape(main))
    fonts = webfont.font_css(chars)
    css = _CSS.read_text(encoding="utf-8")
    return ("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_esc(title)}</title><style>{fonts}</style><style>{css}</style>"
            f'</head><body class="wx-report wx-portfolio"><main>{main}</main></body></html>\n')


def write(rows: list[AccountRow], month: str, out_root: Path) -> Path:
    """Write the overview atomically (a temporary file renamed into place)."""
    target = Path(out_root) / PORTFOLIO / month / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render(rows, month)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".report-", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
