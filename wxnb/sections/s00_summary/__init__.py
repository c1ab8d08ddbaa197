"""Section 00 执行摘要: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='00_summary',
    title='00 执行摘要',
    intro='',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import findings, fmt
from wxnb.sections.s00_summary import show, words
from wxnb.params import from_namespace

items = findings.collect(from_namespace(globals()))"""),
        ('md', '## 核心指标'),
        ('code', 'show.cards_html(items)'),
        ('md', '## 本月总结'),
        ('code', 'fmt.narrative(words.paragraph(items))'),
        ('md', '## 重点发现'),
        ('code', 'show.top_html(items)'),
    ),
    phase=2,
    reads=(),
)
