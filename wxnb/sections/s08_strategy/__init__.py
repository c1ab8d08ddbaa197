"""Section 08 下阶段战略部署建议: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='08_strategy',
    title='08 下阶段战略部署建议',
    intro='基于 PDCA 循环：行动建议由 `parameters/rules.yaml` 中的规则从各章节结论生成（未触发的规则不产生建议），下月目标按趋势预测并保留弹性空间。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import findings, fmt
from wxnb.sections.s08_strategy import compute, show, words
from wxnb.params import from_namespace

p = from_namespace(globals())
recs = compute.recommendations(findings.collect(p), compute.load_rules(p.resolved_rules_file()), p)
plan = compute.pdca(compute.trend(p), p)"""),
        ('md', '## 行动建议'),
        ('code', 'show.recommendations_html(recs)'),
        ('md', '## 下月目标（PDCA）'),
        ('code', 'show.pdca_html(plan, p, recs)'),
        ('md', '## 跨部门协作'),
        ('code', 'fmt.narrative(words.collaboration(recs, p))'),
    ),
    phase=2,
    param_files=('rules_file',),
)
