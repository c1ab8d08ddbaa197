"""Section 03 内容传播效能对比分析: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='03_content',
    title='03 内容传播效能对比分析',
    intro='哪类内容带来阅读、分享和收入。',
    cells=(
        ('params', ''),
        standard_setup('s03_content'),
        ('md', '## 内容形式对比'),
        ('code', 'show.matrix_brief_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n按内容形式对比发布频次、阅读、分享、转化、成本与 ROI（内容计划与订单数据），拆解爆款文章的阅读来源，比较头条与次条打开率，并分析阅读时段、推送时刻与标题特征。'),
        ('md', '## 内容类型-传播效果矩阵'),
        ('code', 'show.matrix_html(sec)'),
        ('code', 'show.engagement_html(sec)'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 头部文章与爆款拆解'),
        ('code', 'show.top_html(sec)'),
        ('code', 'show.sources_chart(sec)'),
        ('md', '## 头条打开率'),
        ('code', 'show.open_rate_chart(sec)'),
        ('code', 'show.pushes_html(sec)'),
        ('md', '## 阅读时段与推送时刻'),
        ('code', 'show.heatmap_chart(sec)'),
        ('code', 'show.hours_html(sec)'),
        ('code', 'show.push_hours_html(sec)'),
        ('md', '## 标题特征与打开率'),
        ('code', 'show.titles_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "03_content")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('getarticletotal*',),
)
