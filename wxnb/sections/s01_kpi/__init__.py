"""Section 01 核心绩效指标达成分析: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='01_kpi',
    title='01 核心绩效指标达成分析',
    intro='三阶对比：月度目标、行业均值、上月（环比）。数据来自公众号数据统计接口（用户增减、累计用户、图文群发总数据、图文阅读概况）。',
    cells=(
        ('params', ''),
        standard_setup('s01_kpi'),
        ('md', '## 关键指标达成'),
        ('code', 'show.kpi_html(sec)'),
        ('md', '## 结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 每日粉丝变化'),
        ('code', 'charts.follower_trend(sec.daily, sec.anomalies)'),
        ('md', '### 异常日'),
        ('code', 'show.anomaly_html(sec)'),
        ('md', '## 新关注来源'),
        ('code', 'charts.follower_sources_bar(sec.sources)'),
        ('code', 'show.sources_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'show.definitions_html(sec)'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "01_kpi")'),
    ),
)
