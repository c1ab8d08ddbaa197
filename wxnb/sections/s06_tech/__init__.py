"""Section 06 技术支撑能力专项评估: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='06_tech',
    title='06 技术支撑能力专项评估',
    intro='重点监测微信生态技术指标：被动回复接口的成功率与耗时（接口分析数据）、小程序加载速度和自动回复准确率（人工标注抽样），对照行业标准与上月。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import charts, findings, fmt
from wxnb.sections.s06_tech import core as s06_tech
from wxnb.params import from_namespace

charts.apply_theme()
sec = s06_tech.prepare(from_namespace(globals()))"""),
        ('md', '## 技术模块运行指标'),
        ('code', 's06_tech.modules_html(sec)'),
        ('md', '## 结论'),
        ('code', 'fmt.narrative(s06_tech.narrative(sec))'),
        ('md', '## 每日接口成功率'),
        ('code', 's06_tech.api_chart(sec)'),
        ('md', '### 最差的日子'),
        ('code', 's06_tech.worst_days_html(sec)'),
        ('md', '## 小程序加载速度'),
        ('code', 's06_tech.load_chart(sec)'),
        ('md', '## 自动回复准确率'),
        ('code', 's06_tech.rules_chart(sec)'),
        ('code', 's06_tech.autoreply_html(sec)'),
        ('md', '### 错误回复示例'),
        ('code', 's06_tech.autoreply_errors_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(s06_tech.data_notes(sec))'),
        ('hidden', 'findings.record(s06_tech.findings(sec), sec.params, "06_tech")'),
    ),
    inputs=('getinterfacesummary*',),
    check='wxnb.sections.s06_tech.core:load',
    sample='wxnb.samples.tech:write_sample',
)
