"""Section 10 广告投放与ROI: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='10_ads',
    title='10 广告投放与ROI',
    intro='朋友圈、公众号底部与小程序激励式广告花了多少、带来什么，哪个时段最值得投。',
    cells=(
        ('params', ''),
        standard_setup('s10_ads'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 各版位投放效果'),
        ('code', 'show.key_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n'
               '腾讯广告日报表与小时报表（广告组层级，花费以分为单位换算为元）按版位汇总：'
               '点击率 = 点击 ÷ 曝光（Wilson 95% 区间），点击成本 = 花费 ÷ 点击，'
               '千次曝光成本 = 花费 ÷ 曝光 × 1000，转化成本 = 花费 ÷ 转化（转化次数按泊松分布'
               '给出 95% 区间），ROI = 归因收入 ÷ 花费。最佳时段：按时段比较点击率，以天为单位'
               '检验点击率最高的时段是否突出：每天把它与同一天其余时段按版位对比，再对各天的差做'
               '符号翻转检验（至少 7 天），并按参与比较的时段数做 Bonferroni 校正；每天点击率的起伏'
               '不会被当成时段差异。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 版位明细'),
        ('code', 'show.placements_html(sec)'),
        ('code', 'show.placement_chart(sec)'),
        ('md', '## 投放时段'),
        ('code', 'show.slot_chart(sec)'),
        ('code', 'show.slots_html(sec)'),
        ('code', 'show.weekend_html(sec)'),
        ('md', '## 花费与归因订单'),
        ('code', 'show.daily_chart(sec)'),
        ('md', '## 广告组明细'),
        ('code', 'show.adgroups_html(sec)'),
        ('md', '## 行业参考值'),
        ('code', 'show.benchmarks_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "10_ads")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('ads_daily_reports_*.json',),
    own=('ads_daily_reports_*', 'ads_hourly_reports_*', 'ads_placements.csv',
         'ads_orders.csv'),  # read by no other section
    check='wxnb.io.ads:load',
    sample='wxnb.samples.ads:write_sample',
    topic=True,
)
