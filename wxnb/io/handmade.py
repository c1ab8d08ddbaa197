"""The hand-made input files: what an analyst keeps beside WeChat's own data, one registry.

WeChat's exports and API answers cover the account; the content plan, the orders, the
competitors' figures, the incidents and the service samples are kept by hand (a spreadsheet
saved as CSV). Each is optional: a month without one skips what needs it and says so. Every
file's columns are those its loader reads (the loaders' own constants where they have them);
``wxnb init`` writes a header-only template of each with a README (:func:`readme`).
"""

from __future__ import annotations

from dataclasses import dataclass

from wxnb.io import competitors, risk, tech
from wxnb.io import eventlog as events

__all__ = ["HANDMADE", "HandMade", "readme"]


@dataclass(frozen=True)
class HandMade:
    """One hand-made CSV file: its name, its columns (required first), the section that reads
    it, what it holds, and one example row (shown in the README, never written as data)."""

    name: str
    label: str  # what the file is, in a few words (the appendix's list of input files)
    columns: tuple[str, ...]
    required: int  # the first ``required`` columns must be there
    section: str
    what: str
    example: tuple[str, ...]


HANDMADE: tuple[HandMade, ...] = (
    HandMade(
        events.CONTENT_PLAN_FILE, "内容计划（内容形式、成本）", events.CONTENT_PLAN_COLUMNS, 0,
        "03 内容传播效能",
        "每篇文章的内容形式、成本与作者（msgid，或 date + title 指明文章；content_type 与 cost 必填）",
        ("2247483647_1", "2026-11-03", "双十一预售攻略", "促销资讯", "1200", "小王")),
    HandMade(
        events.ORDERS_FILE, "订单与转化", events.ORDER_COLUMNS, 4, "01 核心绩效 / 03 内容传播效能",
        "订单或转化，末次触点归因到文章（msgid）或渠道（channel）；time 为北京时间",
        ("A10001", "oXyz123", "2026-11-03 20:15:00", "199.00", "2247483647_1", "article")),
    HandMade(
        competitors.ARTICLES_FILE, "竞品数据（文章）", competitors.ART_COLUMNS,
        len(competitors.ART_COLUMNS), "05 竞品对标",
        "竞品账号与本账号（account 写 本账号）当月发表的文章；reads 可写 10万+",
        ("竞品甲", "2026-11-03", "秋冬新品上市", "1", "10万+", "812", "1650", "")),
    HandMade(
        competitors.SCORES_FILE, "竞品数据（评分）", competitors.SCORE_COLUMNS,
        len(competitors.SCORE_COLUMNS), "05 竞品对标",
        "各账号的活动创新度评分（0–5）与客服平均响应时间（分钟）",
        ("本账号", "3.5", "12")),
    HandMade(
        tech.PERF_FILE, "小程序性能", tech.PERF_COLUMNS, len(tech.PERF_COLUMNS), "06 技术支撑",
        "小程序每日启动耗时（毫秒）与样本数，来自 getPerformanceData 或自有监控",
        ("2026-11-01", "1320", "5400")),
    HandMade(
        tech.AUTOREPLY_FILE, "自动回复标注抽样", tech.REPLY_COLUMNS, len(tech.REPLY_COLUMNS),
        "06 技术支撑", "抽检的自动回复样本：触发的规则（空 = 未触发）与是否答对（是/否）",
        ("2026-11-02 10:31", "oXyz123", "怎么退货", "售后-退货", "是")),
    HandMade(
        risk.INCIDENTS_FILE, "风险事件台账", risk.INCIDENT_COLUMNS, len(risk.INCIDENT_COLUMNS),
        "07 合规风险与舆情", "当月的合规与舆情事件，resolved_at 为空表示未解决",
        ("2026-11-05", "负面舆情", "中", "物流延迟引发投诉", "客服逐一回复并补偿优惠券",
         "2026-11-06 18:00")),
    HandMade(
        risk.TEXTS_FILE, "评论与留言", risk.TEXT_COLUMNS, len(risk.TEXT_COLUMNS),
        "07 合规风险与舆情", "用户留言与评论原文（可加 article、label 列）",
        ("2026-11-03 21:02", "发货太慢了，等了一周")),
)


def readme(account: str) -> str:
    """The templates folder's README (Markdown, Chinese): each file, its columns, an example."""
    lines = [
        f"# {account} 的手工数据模板",
        "",
        "这些 CSV 只有表头。需要哪一项，就复制到当月数据目录（data/<账号>/<YYYY-MM>/），用 Excel "
        "或 WPS 填好后另存为 CSV（UTF-8 或 GBK 均可）。都不是必需的：缺少某个文件时，报告跳过"
        "依赖它的内容，并写明缺了哪个文件。字段的完整说明见 docs/data-contract.md。",
        "",
    ]
    for f in HANDMADE:
        req = "、".join(f.columns[:f.required]) if f.required else "见说明"
        lines += [
            f"## {f.name}（{f.section}）",
            "",
            f.what + "。",
            "",
            f"- 列：{', '.join(f.columns)}",
            f"- 必填列：{req}",
            f"- 示例行：{', '.join(f.example)}",
            "",
        ]
    return "\n".join(lines)
