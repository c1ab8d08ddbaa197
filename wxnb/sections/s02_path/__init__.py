"""Section 02 用户行为路径深度解析: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='02_path',
    title='02 用户行为路径深度解析',
    intro='粉丝从收到推送到下单，在哪一步流失最多。',
    cells=(
        ('params', ''),
        standard_setup('s02_path'),
        ('md', '## 转化漏斗'),
        ('code', 'show.funnel_chart(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n按粉丝（人数口径）追踪推送的转化路径：送达 → 打开 → 菜单/阅读原文 → 表单提交/下单，找出流失最多的环节；并评估菜单使用率、表单放弃率、群发到达率与模板消息送达情况。数据来自企业自有的粉丝事件日志与微信事件推送。'),
        ('md', '## 行为阶段总览'),
        ('code', 'show.summary_html(sec)'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 环节转化率'),
        ('code', 'show.rates_chart(sec)'),
        ('code', 'show.funnel_html(sec)'),
        ('md', '## 菜单使用率'),
        ('code', 'show.menu_chart(sec)'),
        ('code', 'show.menu_html(sec)'),
        ('md', '## 表单放弃率'),
        ('code', 'show.forms_html(sec)'),
        ('md', '## 群发到达与模板消息'),
        ('code', 'show.push_chart(sec)'),
        ('code', 'show.pushes_html(sec)'),
        ('code', 'show.templates_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "02_path")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('events*',),
)
