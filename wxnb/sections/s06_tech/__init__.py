"""Section 06 技术支撑能力专项评估: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='06_tech',
    title='06 技术支撑能力专项评估',
    intro='接口、小程序与自动回复是否稳定、够快、够准。',
    cells=(
        ('params', ''),
        standard_setup('s06_tech'),
        ('md', '## 技术模块运行指标'),
        ('code', 'show.modules_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n重点监测微信生态技术指标：被动回复接口的成功率与耗时（接口分析数据）、小程序加载速度和自动回复准确率（人工标注抽样），对照行业标准与上月。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 每日接口成功率'),
        ('code', 'show.api_chart(sec)'),
        ('md', '### 最差的日子'),
        ('code', 'show.worst_days_html(sec)'),
        ('md', '## 小程序加载速度'),
        ('code', 'show.load_chart(sec)'),
        ('md', '## 自动回复准确率'),
        ('code', 'show.rules_chart(sec)'),
        ('code', 'show.autoreply_html(sec)'),
        ('md', '### 错误回复示例'),
        ('code', 'show.autoreply_errors_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "06_tech")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('getinterfacesummary*',),
    own=('miniprogram_performance.csv', 'autoreply_samples.csv'),  # read by no other section
    check='wxnb.io.tech:load',
    sample='wxnb.samples.tech:write_sample',
)
