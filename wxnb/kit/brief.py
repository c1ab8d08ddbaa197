"""A section's management layer in one block: its conclusion in at most three plain sentences
and the actions its findings trigger.

The sentences are the section's own findings (what it records for the summary and section
08), the ones that matter first (:func:`wxnb.kit.findings.rank`: target misses, then
warnings; within each, the events before the metrics, then the largest gap), filled up with
what went well; each without the analyst's statistics
(:func:`wxnb.kit.fmt.cite`: the first clause, without parentheses; the full sentences
and their statistics stay in the section's 分析明细与方法口径 block). The actions
are the month's rules applied to the same findings (:func:`wxnb.kit.rules.actions`), so they
are the ones section 08 lists, in the same words.
"""

from __future__ import annotations

from typing import Any

from wxnb.kit import fmt
from wxnb.kit.findings import Finding, rank
from wxnb.kit.rules import actions
from wxnb.params import ReportParams

__all__ = [
    "MAX_ACTIONS", "MAX_POINTS", "action_line", "brief_html", "headline_html", "points",
    "status_tag",
]

MAX_POINTS = 3
MAX_ACTIONS = 2

# The tag shown before a point, by status (CSS classes of the report's stylesheet).
_TAG = {"未达标": "bad", "预警": "warn", "提示": "info", "达标": "ok"}


def status_tag(status: str) -> str:
    """A finding's status as the coloured tag the report shows before its sentence."""
    return (f'<span class="wx-tag wx-tag-{_TAG.get(status, "none")}">'
            f"{fmt.esc(status)}</span>")


def action_line(r: dict[str, Any]) -> str:
    """One recommendation (:func:`wxnb.kit.rules.recommendations`) as the report shows it:
    priority, action, owner; escaped."""
    return (f'<span class="wx-priority">{fmt.esc(r["priority"])}</span>'
            f'{fmt.esc(r["text"])}<span class="wx-owner">（{fmt.esc(r["owner"])}）</span>')


def points(items: list[Finding], n: int = MAX_POINTS) -> list[Finding]:
    """The findings the conclusion states: the ``n`` that matter most, then (when fewer
    matter) the section's headline metrics that met their target, then the rest, in the order
    the section recorded them."""
    chosen = rank(items, n)
    rest = [f for f in items if f not in chosen]
    rest.sort(key=lambda f: (f.status != "达标", f.kind != "kpi"))
    return (chosen + rest)[:n]


def _sentence(f: Finding) -> str:
    text = fmt.cite(f.evidence) or fmt.plain(f.evidence).rstrip("。；，、 ")
    return f"{text}。" if text else ""


def brief_html(items: list[Finding], params: ReportParams, *, n: int = MAX_POINTS,
               max_actions: int = MAX_ACTIONS) -> fmt.HtmlBlock:
    """本月要点 (at most ``n`` sentences) and 行动 (at most ``max_actions``, highest priority
    first, each with its owner); every text escaped."""
    chosen = [(f, _sentence(f)) for f in points(items, n)]
    chosen = [(f, s) for f, s in chosen if s]
    if chosen:
        lis = "".join(f"<li>{status_tag(f.status)}{fmt.esc(s)}</li>" for f, s in chosen)
        head = f'<ol class="wx-points">{lis}</ol>'
    else:
        head = '<p class="wx-points-none">本节本月没有记录结论。</p>'
    todo = actions(items, params)
    if todo:
        acts = "".join(f"<li>{action_line(r)}</li>" for r in todo[:max_actions])
        more = len(todo) - max_actions
        tail = f'<ul class="wx-actions">{acts}</ul>'
        if more > 0:
            tail += f'<p class="wx-actions-more">另有 {more} 项，见「08 下阶段战略部署建议」。</p>'
    elif any(f.severity > 0 for f, _ in chosen):
        tail = ('<p class="wx-actions-none">本节需要关注的结论暂无对应的行动规则，'
                "请分析师评估是否需要行动（规则可在建议规则文件中添加）。</p>")
    else:
        tail = '<p class="wx-actions-none">本节结论未触发行动规则，保持现有做法。</p>'
    return fmt.HtmlBlock(
        '<div class="wx-brief"><p class="wx-brief-title">本月要点</p>'
        f'{head}<p class="wx-brief-title">行动</p>{tail}</div>')



def headline_html(items: list[Finding]) -> fmt.HtmlBlock:
    """A 专题's management layer (:attr:`wxnb.sections.spec.Spec.topic`): its one finding that
    matters most (:func:`points`), with its status tag, in one plain sentence, and how many
    more the folded block holds; escaped."""
    chosen = [(f, s) for f in points(items, len(items)) if (s := _sentence(f))]
    if not chosen:
        return fmt.HtmlBlock('<p class="wx-headline">本专题本月没有记录结论。</p>')
    f, text = chosen[0]
    bad = sum(1 for g, _ in chosen[1:] if g.severity > 0)
    more = f"另有 {bad} 项需关注。" if bad else ""
    return fmt.HtmlBlock(f'<p class="wx-headline">{status_tag(f.status)}{fmt.esc(text)}'
                         f'<span class="wx-headline-more">{more}</span></p>')
