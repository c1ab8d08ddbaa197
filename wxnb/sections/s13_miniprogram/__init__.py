"""Section 13 小程序经营分析 (a 专题): its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='13_miniprogram',
    title='13 小程序经营分析',
    intro='小程序从首页到支付的转化、新用户留存、人均收入、入口渠道与启动速度。',
    cells=(
        ('params', ''),
        standard_setup('s13_miniprogram'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 小程序关键指标'),
        ('code', 'show.key_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', ('## 本节方法\n\n数据来自小程序数据分析接口（访问趋势、访问页面、日留存与月留存、访问分布、'
               '性能数据）与小程序订单。漏斗按“首页 → 商品详情页 → 支付”三步计人数（每日去重人数之和，'
               '人·日），各步转化给出 Wilson 95% 区间，与上月的差异用两比例 z 检验，连同首页点击率与'
               '详情页停留（按日比较，Welch t 检验）一起做 Holm 多重比较校正，显著且变化达到阈值才点名。'
               '首页点击率 = 1 − 首页退出次数 ÷ 首页访问次数；详情页停留 = 按访问次数加权的次均停留时长。'
               '七日留存按新用户首访日分组（队列），只计到本月最后一天已满 7 天的队列（右删失）；'
               '次月活跃用月留存，本月新用户的次月活跃要到下月结束后才可观察。ARPU = 本月收入 ÷ 本月活跃用户'
               '（月内去重），ARPPU = 本月收入 ÷ 付费用户。启动各阶段耗时取每日值的月均值，与上月按日比较'
               '（Welch t 检验，Holm 校正）。')),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 转化漏斗'),
        ('code', 'show.funnel_chart(sec)'),
        ('code', 'show.funnel_html(sec)'),
        ('code', 'show.daily_chart(sec)'),
        ('md', '### 主要页面'),
        ('code', 'show.pages_html(sec)'),
        ('md', '## 留存'),
        ('code', 'show.retention_chart(sec)'),
        ('code', 'show.retention_html(sec)'),
        ('code', 'show.next_month_html(sec)'),
        ('md', '## 收入与 ARPU'),
        ('code', 'show.money_html(sec)'),
        ('md', '## 入口渠道'),
        ('code', 'show.channels_chart(sec)'),
        ('code', 'show.channels_html(sec)'),
        ('md', '## 启动性能'),
        ('code', 'show.launch_chart(sec)'),
        ('code', 'show.launch_html(sec)'),
        ('md', '## 用户画像（最近 30 天）'),
        ('code', 'show.portrait_html(sec)'),
        ('md', '## 小程序类型参考值'),
        ('code', 'show.benchmarks_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "13_miniprogram")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('wxa_getweanalysisappidvisitpage_*.json',),
    own=('wxa_*', 'mp_orders.csv'),  # read by no other section
    check='wxnb.io.miniprogram:load',
    sample='wxnb.samples.miniprogram:write_sample',
    topic=True,
)
