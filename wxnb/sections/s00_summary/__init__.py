"""Section 00 执行摘要: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='00_summary',
    title='00 执行摘要',
    intro='汇总各章节记录的结论：核心指标红绿灯、最需要关注的发现（按严重程度与差距排序）和一段话总结。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.kit import findings, fmt
from wxnb.sections.s00_summary import show, words
from wxnb.params import from_namespace

items = findings.collect(from_namespace(globals()))"""),
        ('md', '## 核心指标'),
        ('code', 'show.cards_html(items)'),
        ('md', '## 一段话总结'),
        ('code', 'fmt.narrative(words.paragraph(items))'),
        ('md', '## 重点发现'),
        ('code', 'show.top_html(items)'),
    ),
    phase=2,
    reads=(),
)
