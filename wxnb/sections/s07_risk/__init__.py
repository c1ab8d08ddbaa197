"""Section 07 合规风险与舆情管控: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='07_risk',
    title='07 合规风险与舆情管控',
    intro='合规风险事件、处置进度与负面舆情。',
    cells=(
        ('params', ''),
        standard_setup('s07_risk'),
        ('md', '## 未关闭事项清单'),
        ('code', 'show.open_items_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n风险事件台账（incidents.csv）按类型统计频次、应对措施与处置效果，并从评论与留言（user_texts.csv）中监测负面舆情的日峰值及其关联文章。'),
        ('md', '## 风险事件汇总'),
        ('code', 'show.risk_table_html(sec)'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 每日负面评论趋势'),
        ('code', 'show.negative_trend_chart(sec)'),
        ('md', '### 负面峰值与关联文章'),
        ('code', 'show.spikes_html(sec)'),
        ('md', '## 评论情感概况'),
        ('code', 'show.sentiment_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.method_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "07_risk")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('incidents.csv',),
    own=('incidents.csv', 'user_texts.csv'),  # read by no other section
    check='wxnb.io.risk:load',
    sample='wxnb.samples.risk:write_sample',
)
