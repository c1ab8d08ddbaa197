"""Section 01 核心绩效指标达成分析: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='01_kpi',
    title='01 核心绩效指标达成分析',
    intro='核心指标对照月度目标、行业均值与上月。',
    cells=(
        ('params', ''),
        standard_setup('s01_kpi'),
        ('md', '## 关键指标达成'),
        ('code', 'show.kpi_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n三阶对比：月度目标、行业均值、上月（环比）。数据来自公众号数据统计接口：用户增减、累计用户，以及文章数据（2025-11 起为发表内容接口，之前为图文群发总数据与图文阅读概况）。'),
        ('md', '## 详细结论'),
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
    param_files=('rules_file',),  # 行动 come from the rules file
)
