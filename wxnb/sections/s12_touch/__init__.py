"""Section 12 触达渠道效果对比: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='12_touch',
    title='12 触达渠道效果对比',
    intro='模板消息、服务号推送与社群通知各自打开了多少、一次打开花多少钱；哪个时段、哪个活跃层级、'
          '哪种标题写法更好。',
    cells=(
        ('params', ''),
        standard_setup('s12_touch'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 三种触达方式对比'),
        ('code', 'show.key_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n'
               '三种触达方式按各自能观测到的“打开”比较：模板消息 = 自有落地页记录的点击 ÷ 送达成功'
               '（TEMPLATESENDJOBFINISH 回调 success），服务号推送 = 从公众号消息阅读头条的人数 ÷ 送达人数'
               '（与第 01 节头条打开率同一口径），社群通知 = 点击或阅读人数 ÷ 触达成员。模板消息逐条送达，'
               '打开率用 Wilson 95% 区间；推送与社群通知按每次发送聚类（比率估计的聚类稳健区间，t 分布），'
               '避免把同一次发送的上万人当成独立样本。单次触达成本 = 本月成本 ÷ 送达，单次打开成本 = '
               '本月成本 ÷ 打开。推送时段按发送时刻分为通勤时段、周末晚间与其他时段，每个时段与其他时段比较'
               '（按发送聚类的 Welch 检验），多个比较做 Holm 校正。标签分组按分层月份的互动次数把模板消息'
               '接收者分为高、中、低活跃与沉睡，比较各层级的打开率（卡方检验）。标题 A/B 测试：每组打开率'
               '与 Wilson 区间，组间两比例 z 检验，本月全部比较一起做 Holm 校正；每组送达须达到按最小可检出'
               '提升与统计功效算出的最小样本，否则不判胜负；分流比例用卡方检查。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 渠道对比'),
        ('code', 'show.channels_html(sec)'),
        ('code', 'show.channel_chart(sec)'),
        ('md', '## 模板消息送达状态'),
        ('code', 'show.statuses_html(sec)'),
        ('code', 'show.templates_html(sec)'),
        ('md', '## 推送时段对比'),
        ('code', 'show.slots_html(sec)'),
        ('code', 'show.slot_chart(sec)'),
        ('md', '## 标签分组：活跃层级'),
        ('code', 'show.tiers_html(sec)'),
        ('md', '## 标题 A/B 测试'),
        ('code', 'show.ab_html(sec)'),
        ('code', 'show.ab_comparisons_html(sec)'),
        ('code', 'show.ab_chart(sec)'),
        ('md', '## 社群通知明细'),
        ('code', 'show.groups_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "12_touch")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('touch_*',),  # any of the section's own files (templates, community, costs, A/B)
    own=('touch_templates.csv', 'touch_templates.jsonl', 'touch_template_clicks.csv',
         'touch_community.csv', 'touch_costs.csv', 'touch_ab_tests.csv'),
    check='wxnb.io.touch:load',
    sample='wxnb.samples.touch:write_sample',
    topic=True,  # a 专题: the report shows the headline line and folds the rest
)
