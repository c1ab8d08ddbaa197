"""Section 99 附录: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec

SPEC = Spec(
    key='99_appendix',
    title='99 附录',
    intro='供分析师核对：指标字典、数据来源、参数与版本。',
    cells=(
        ('params', ''),
        ('setup', """\
from wxnb.sections.s99_appendix import show
from wxnb.params import from_namespace

p = from_namespace(globals())"""),
        ('fold', '指标字典、数据来源、参数与版本'),
        ('md', '## 指标字典'),
        ('code', 'show.dictionary_html()'),
        ('md', '## 数据来源'),
        ('code', 'show.provenance_html(p.resolved_data_dir(), p.month, prev_dir=p.resolved_prev_data_dir())'),
        ('md', '## 本次使用的参数'),
        ('code', 'show.parameters_html(p)'),
        ('md', '## 软件版本'),
        ('code', 'show.versions_html()'),
    ),
    reads_others=True,  # its provenance lists every input file with its checksum
)
