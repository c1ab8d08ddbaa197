"""Section 08 下阶段战略部署建议: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='08_strategy',
    title='08 下阶段战略部署建议',
    intro='下月做什么、谁负责、目标多少。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import findings, fmt, rules
from wxnb.sections.s08_strategy import compute, show, words
from wxnb.params import from_namespace

p = from_namespace(globals())
recs = rules.recommendations(findings.collect(p), rules.load_rules(p.resolved_rules_file()), p)
plan = compute.pdca(compute.trend(p), p)"""),
        ('md', '## 行动计划'),
        ('code', 'show.plan_html(recs)'),
        ('md', '## 下月目标'),
        ('code', 'show.targets_html(plan)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 其余建议'),
        ('code', 'show.recommendations_html(recs, show.planned(recs))'),
        ('md', '## 下月目标（PDCA）'),
        ('code', 'show.pdca_html(plan, p, recs)'),
        ('md', '## 跨部门协作'),
        ('code', 'fmt.narrative(words.collaboration(recs, p))'),
        ('md', '## 规则'),
        ('code', 'fmt.notes(words.method(p))'),
    ),
    phase=2,
    param_files=('rules_file',),
)
