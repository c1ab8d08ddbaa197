"""Section 04 粉丝质量多维评估: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='04_fans',
    title='04 粉丝质量多维评估',
    intro='粉丝的活跃度、影响力与忠诚度，新粉留存。',
    cells=(
        ('params', ''),
        standard_setup('s04_fans'),
        ('md', '## FAN-IDM 粉丝价值模型'),
        ('code', 'show.tier_brief_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\nFAN-IDM 粉丝价值模型：从自有事件日志按粉丝计算活跃度（周均互动）、影响力（分享带来的阅读与关注）和忠诚度（最长连续活跃天数），识别核心粉丝及其 UGC 贡献，并按关注周跟踪新粉留存。阈值为可调的业务规则。'),
        ('md', '## 评估维度与标准'),
        ('code', 'show.tier_html(sec)'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('code', 'show.tier_chart(sec)'),
        ('md', '### 维度组合与核心粉丝'),
        ('code', 'show.combos_html(sec)'),
        ('md', '## 活跃度：互动次数分布'),
        ('code', 'show.interactions_chart(sec)'),
        ('md', '## 影响力：分享触达'),
        ('code', 'show.influence_html(sec)'),
        ('md', '## 忠诚度：连续活跃天数'),
        ('code', 'show.streak_chart(sec)'),
        ('md', '## 新关注粉丝留存（按关注周）'),
        ('code', 'show.cohort_html(sec)'),
        ('code', 'show.retention_chart(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "04_fans")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('events*',),
)
