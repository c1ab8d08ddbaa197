"""Section 05 竞品运营策略对标研究: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='05_competitors',
    title='05 竞品运营策略对标研究',
    intro='与主要竞品的传播力（WCI）排名与差距。',
    cells=(
        ('params', ''),
        standard_setup('s05_competitors'),
        ('md', '## WCI 传播指数排名'),
        ('code', 'show.ranking_brief_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n本账号与主要竞品在更新频率、阅读、在看、分享、活动与客服上的对标，以及按清博 WCI V14.2 公式计算的传播指数排名。'),
        ('md', '## WCI 指数与分项'),
        ('code', 'show.ranking_html(sec)'),
        ('md', '## 对标总览'),
        ('code', 'show.comparison_html(sec)'),
        ('md', '## 多维对比雷达图'),
        ('code', 'show.radar_chart(sec)'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "05_competitors")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('competitor_articles.csv',),
    own=('competitor_articles.csv', 'competitor_scores.csv'),  # read by no other section
    check='wxnb.io.competitors:load',
    sample='wxnb.samples.competitors:write_sample',
)
