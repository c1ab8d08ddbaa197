"""Section 15 用户画像: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='15_portrait',
    title='15 用户画像',
    intro='粉丝是谁（地域、性别、年龄段、终端），本月结构有没有变化，内容形式是否对准了人群。',
    cells=(
        ('params', ''),
        standard_setup('s15_portrait'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 粉丝画像概览'),
        ('code', 'show.key_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n'
               '画像取自公众号后台“用户分析 → 用户属性”的下载（或小程序用户画像接口），按地域、'
               '城市、性别、年龄段与终端列出各类人群的人数与占比，并与上月逐类比较（百分点）。'
               '结构是否变化：每个维度对两个月的人数做卡方齐性检验（期望数不足 5 的类别合并），'
               '按维度数做 Holm 校正，且总变异距离（各类占比变化绝对值之和的一半）达到设定的'
               '百分点才判为结构变化；变化最大的类别按两比例 z 检验、维度内 Holm 校正后点名。'
               '内容匹配：按 content_audience.csv 为每种内容形式标注的目标人群，计算粉丝中目标'
               '人群的占比（覆盖率，多个维度相乘，假定维度间独立），再与第 03 章口径的各内容形式'
               '阅读中位数、分享率对照，看受众最匹配的内容是否表现最好。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 结构变化'),
        ('code', 'show.shift_html(sec)'),
        ('code', 'show.movers_chart(sec)'),
        ('md', '## 年龄段'),
        ('code', 'show.distribution_chart(sec, "age")'),
        ('code', 'show.distribution_html(sec, "age")'),
        ('md', '## 性别'),
        ('code', 'show.distribution_html(sec, "gender")'),
        ('md', '## 地域'),
        ('code', 'show.distribution_chart(sec, "province")'),
        ('code', 'show.distribution_html(sec, "province")'),
        ('code', 'show.distribution_html(sec, "city")'),
        ('md', '## 终端'),
        ('code', 'show.distribution_html(sec, "platform")'),
        ('md', '## 人群与内容匹配'),
        ('code', 'show.match_html(sec)'),
        ('code', 'show.match_chart(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "15_portrait")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    # The backend download (what analysts hold: getUserPortrait answers only for recent end
    # dates) or the API's answer, archived by hand or by the mini program fetch (wxnb.io.portrait).
    inputs=('用户属性*|getuserportrait*|wxa_getweanalysisappiduserportrait_*',),
    # its own files, and the mini program fetch's portrait, which section 13 reads too (beside
    # them it reads the article data and the content plan, as every section may)
    own=('用户属性*', 'getuserportrait*', 'content_audience.csv',
         'wxa_getweanalysisappiduserportrait_*'),
    topic=True,
    check='wxnb.io.portrait:load',
    sample='wxnb.samples.portrait:write_sample',
)
