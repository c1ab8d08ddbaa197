"""Section 11 企业微信试点评估: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='11_wecom',
    title='11 企业微信试点评估',
    intro='企业微信试点门店（员工）与对照的复购率、客单价和服务响应，扣除对照同期变化后的净提升。',
    cells=(
        ('params', ''),
        standard_setup('s11_wecom'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 试点效果：扣除对照同期变化后的净提升'),
        ('code', 'show.summary_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', ('## 本节方法\n\n'
                '试点效果用双重差分估计：每家试点门店（或每名员工）试点前后的变化，减去对照门店同期的变化，'
                '即 (试点后期 − 试点前期) − (对照后期 − 对照前期)，每个单位权重相同。'
                '推断在门店（员工）层面进行：把“试点 / 对照”标签在单位间重新分配（置换检验，统计量为净提升除以其 Welch 标准误，'
                '分组方式不多时逐一枚举，否则固定种子随机抽取），得到 p 值；区间为置换检验反推的置信区间（默认 95%）'
                '（假定各单位效果相同）。多个指标用 Holm 方法校正。前期趋势检验比较试点与对照各单位在试点前'
                '各周的斜率，斜率差异显著说明对照组不是合适的参照。试点与对照本月的直接对比（种子表的“提升幅度”）'
                '混入了试点前就存在的差异，只作对照展示。')),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 双重差分估计'),
        ('code', 'show.did_html(sec)'),
        ('code', 'show.effects_chart(sec)'),
        ('md', '## 与简单对比的区别'),
        ('code', 'show.naive_html(sec)'),
        ('md', '## 前期趋势检验'),
        ('code', 'show.pretrend_html(sec)'),
        ('code', 'show.trend_chart(sec)'),
        ('md', '## 各单位明细'),
        ('code', 'show.units_html(sec)'),
        ('md', '## 客户群概况'),
        ('code', 'show.groupchat_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "11_wecom")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('wecom_pilot.csv',),
    own=('wecom_pilot.csv', 'wecom_orders.csv', 'wecom_behavior_*.json',
         'wecom_groupchat_*.json'),  # read by no other section
    check='wxnb.io.wecom:load',
    sample='wxnb.samples.wecom:write_sample',
    topic=True,
)
