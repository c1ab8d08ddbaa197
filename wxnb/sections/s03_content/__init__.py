"""Section 03 内容传播效能对比分析: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='03_content',
    title='03 内容传播效能对比分析',
    intro='按内容形式对比发布频次、阅读、分享、转化、成本与 ROI（内容计划与订单数据），拆解爆款文章的阅读来源，比较头条与次条打开率，并分析阅读时段、推送时刻与标题特征。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import charts, findings, fmt
from wxnb.sections.s03_content import core as s03_content
from wxnb.params import from_namespace

charts.apply_theme()
sec = s03_content.prepare(from_namespace(globals()))"""),
        ('md', '## 内容类型-传播效果矩阵'),
        ('code', 's03_content.matrix_html(sec)'),
        ('code', 's03_content.engagement_html(sec)'),
        ('md', '## 结论'),
        ('code', 'fmt.narrative(s03_content.narrative(sec))'),
        ('md', '## 头部文章与爆款拆解'),
        ('code', 's03_content.top_html(sec)'),
        ('code', 's03_content.sources_chart(sec)'),
        ('md', '## 头条打开率'),
        ('code', 's03_content.open_rate_chart(sec)'),
        ('code', 's03_content.pushes_html(sec)'),
        ('md', '## 阅读时段与推送时刻'),
        ('code', 's03_content.heatmap_chart(sec)'),
        ('code', 's03_content.hours_html(sec)'),
        ('code', 's03_content.push_hours_html(sec)'),
        ('md', '## 标题特征与打开率'),
        ('code', 's03_content.titles_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(s03_content.data_notes(sec))'),
        ('hidden', 'findings.record(s03_content.findings(sec), sec.params, "03_content")'),
    ),
    inputs=('getarticletotal*',),
)
