"""The hand-made input files: what an analyst keeps beside WeChat's own data, one registry.

WeChat's exports and API answers cover the account; the content plan, the orders, the
competitors' figures, the incidents and the service samples are kept by hand (a spreadsheet
saved as CSV), and so are the 专题's campaign sheets, ad placements and orders, the WeCom pilot
design, touch costs, notices and title tests, mini program orders, article cards and content
audiences (sections 09–15). Each is optional: a month without one skips what needs it and says
so. Every file's columns are those its loader reads (the loaders' own constants where they have
them); ``wxnb init`` writes a header-only template of each with a README (:func:`readme`).
"""

from __future__ import annotations

from dataclasses import dataclass

from wxnb.io import (
    ads,
    channels,
    companions,
    competitors,
    fission,
    miniprogram,
    portrait,
    risk,
    tech,
    touch,
    wecom,
)

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
        companions.CONTENT_PLAN_FILE, "内容计划（内容形式、成本）",
        companions.CONTENT_PLAN_COLUMNS, 0,
        "03 内容传播效能",
        "每篇文章的内容形式、成本与作者（msgid，或 date + title 指明文章；content_type 与 cost 必填）",
        ("2247483647_1", "2026-11-03", "双十一预售攻略", "促销资讯", "1200", "小王")),
    HandMade(
        companions.ORDERS_FILE, "订单与转化", companions.ORDER_COLUMNS, 4,
        "01 核心绩效 / 03 内容传播效能",
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
    # ---- the 专题 (sections 09–15): only the files an analyst keeps or exports by hand
    HandMade(
        fission.CAMPAIGNS_FILE, "裂变活动（机制与成本）",
        (*fission.CAMPAIGN_COLUMNS, *fission.CAMPAIGN_OPTIONAL), len(fission.CAMPAIGN_COLUMNS),
        "09 裂变活动",
        "当月进行的每个裂变活动：类型、起止日期、成本（元）、目标渠道与活动机制（是/否），"
        "data_until 为导出数据的截止日",
        (*fission.EXAMPLES[fission.CAMPAIGNS_FILE], "2026-11-15", "1860", "1240")),
    HandMade(
        fission.PARTICIPANTS_FILE, "裂变参与者与邀请关系",
        (*fission.PARTICIPANT_COLUMNS, *fission.PARTICIPANT_OPTIONAL),
        len(fission.PARTICIPANT_COLUMNS), "09 裂变活动",
        "活动工具导出的参与者：所属活动、邀请人（种子用户留空）、加入时间、是否转化；"
        "left_at 为取关或删除时间，仍关注留空",
        (*fission.EXAMPLES[fission.PARTICIPANTS_FILE], "2026-11-03 20:00")),
    HandMade(
        # name: optional, read by ads._load_placements (no constant in wxnb.io.ads)
        ads.PLACEMENTS_FILE, "广告组与版位对照（手工）", (*ads.PLACEMENTS_COLUMNS, "name"),
        len(ads.PLACEMENTS_COLUMNS), "10 广告投放",
        "每个广告组购买的版位（朋友圈、公众号底部、小程序激励式、其他或自定义名称），"
        "每个广告组一行",
        ("41000101", "朋友圈", "朋友圈-新品")),
    HandMade(
        # click_id: optional, read by ads._load_orders (no constant in wxnb.io.ads)
        ads.ORDERS_FILE, "广告归因订单（手工/广告后台导出）", (*ads.ORDERS_COLUMNS, "click_id"),
        len(ads.ORDERS_COLUMNS), "10 广告投放",
        "广告带来的订单：金额（元）与广告后台转化归因的广告组（adgroup_id 留空 = 未归因），"
        "time 为北京时间",
        ("B20001", "2026-11-03 20:15:00", "299.00", "41000101", "clk_8a1f2c")),
    HandMade(
        wecom.PILOT_FILE, "企业微信试点名单（试点/对照门店或员工，手工）",
        (*wecom.PILOT_COLUMNS, *wecom.PILOT_OPTIONAL), len(wecom.PILOT_COLUMNS),
        "11 企业微信试点",
        "试点与对照的门店或员工，每个单位一行，至少一个试点和一个对照；试点单位填同一个开始日期，"
        "员工行在 store 写所属门店",
        ("S01", "门店", "试点", "2026-11-10", "", "杭州西湖店")),
    HandMade(
        wecom.ORDERS_FILE, "试点评估订单（门店/员工，手工/系统导出）", wecom.ORDER_COLUMNS,
        len(wecom.ORDER_COLUMNS), "11 企业微信试点",
        "试点与对照单位的订单（含上月，放在上月目录）：客户匿名 id、所属门店或员工、金额（元），"
        "time 为北京时间",
        ("W30001", "2026-11-12 19:40:00", "c_88231", "S01", "168.00")),
    HandMade(
        # note: optional, read by touch._load_costs (no constant in wxnb.io.touch)
        touch.COSTS_FILE, "触达渠道成本", (*touch.COST_COLUMNS, "note"), len(touch.COST_COLUMNS),
        "12 触达渠道",
        "各触达渠道当月的成本合计（元），每个渠道一行：模板消息、服务号推送、社群通知",
        ("服务号推送", "1500", "推文撰写与排版外包")),
    HandMade(
        # planned_share, sent: optional, read by touch._load_ab (no constant in wxnb.io.touch)
        touch.AB_FILE, "标题 A/B 测试", (*touch.AB_COLUMNS, "planned_share", "sent"),
        len(touch.AB_COLUMNS), "12 触达渠道",
        "标题测试的每一组一行，每个测试至少两组：标题风格、送达人数与固定读数时刻的打开人数",
        ("T1", "A", "双十一预售攻略：3 步省 200 元", "数字式", "5000", "420", "0.5", "5050")),
    HandMade(
        # notice, cost, topic: optional, read by touch._load_community (no constant there)
        touch.COMMUNITY_FILE, "社群全员通知记录",
        (*touch.COMMUNITY_COLUMNS, "notice", "cost", "topic"), len(touch.COMMUNITY_COLUMNS),
        "12 触达渠道",
        "社群全员通知，每条通知每个群一行：触达人数与点击或阅读人数；同一通知发到多个群时 notice "
        "填同一编号",
        ("2026-11-11 20:00", "会员 1 群", "480", "96", "N1111", "30", "限时抢购")),
    HandMade(
        # scene: optional, read by miniprogram._load_orders (no constant in wxnb.io.miniprogram)
        miniprogram.ORDERS_FILE, "小程序订单（手工/订单系统导出）",
        (*miniprogram.ORDER_COLUMNS, "scene"), len(miniprogram.ORDER_COLUMNS), "13 小程序经营",
        "小程序的已支付订单：买家 openid、实付金额（元，扣除退款）与下单访问的场景值（4 位数字，"
        "可留空），time 为北京时间",
        ("M50001", "2026-11-11 10:05:00", "oMp_4f2a9c", "299.00", "1035")),
    HandMade(
        # the header labels of channels.CARD_COLUMNS (read by channels._cards, matched by label:
        # other accepted names and an Excel workbook work too)
        channels.CARDS_FILE, "公众号文章嵌入的视频号卡片",
        ("文章标题", "发表日期", "msgid", "视频ID", "视频标题"), 0, "14 视频号与公众号协同",
        "嵌入了视频号卡片的公众号文章，每篇文章每个视频一行（视频ID 与 视频标题 至少填一个）",
        ("双十一预售攻略", "2026-11-03", "2247483647_1", "export/UzFf0a1b2c3d4e5f", "预售开箱")),
    HandMade(
        portrait.AUDIENCE_FILE, "内容形式的目标人群（性别、年龄段、地域、终端）",
        portrait.AUDIENCE_COLUMNS, 1, "15 用户画像",
        "content_plan.csv 中每种内容形式的目标人群，每种一行；多个类别用 、 分隔，留空表示不限，"
        "至少填一个维度",
        ("促销资讯", "女", "25-34岁", "广东、浙江", "广州、杭州", "iPhone")),
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
