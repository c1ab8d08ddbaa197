"""Section 05 竞品运营策略对标研究: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='05_competitors',
    title='05 竞品运营策略对标研究',
    intro='本账号与主要竞品在更新频率、阅读、在看、分享、活动与客服上的对标，以及按清博 WCI V14.2 公式计算的传播指数排名。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import charts, findings, fmt
from wxnb.sections.s05_competitors import core as s05_competitors
from wxnb.params import from_namespace

charts.apply_theme()
sec = s05_competitors.prepare(from_namespace(globals()))"""),
        ('md', '## 对标总览'),
        ('code', 's05_competitors.comparison_html(sec)'),
        ('md', '## WCI 传播指数排名'),
        ('code', 's05_competitors.ranking_html(sec)'),
        ('md', '## 多维对比雷达图'),
        ('code', 's05_competitors.radar_chart(sec)'),
        ('md', '## 结论'),
        ('code', 'fmt.narrative(s05_competitors.narrative(sec))'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(s05_competitors.data_notes(sec))'),
        ('hidden', 'findings.record(s05_competitors.findings(sec), sec.params, "05_competitors")'),
    ),
    inputs=('competitor_articles.csv',),
    check='wxnb.sections.s05_competitors.core:load',
    sample='wxnb.samples.competitors:write_sample',
)
