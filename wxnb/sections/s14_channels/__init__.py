"""Section 14 视频号与公众号协同: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='14_channels',
    title='14 视频号与公众号协同',
    intro='视频号为公众号带来多少关注，公众号为视频号带来多少播放与直播观众，两边的受众重合多少。',
    cells=(
        ('params', ''),
        standard_setup('s14_channels'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 联动效果'),
        ('code', 'show.key_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n'
               '视频号→公众号：用户增减数据中来源为视频号（200）与直播（201）的新关注，除以本月视频的'
               '播放次数与直播观看人数，按周列出。直播：每场的预约观看人数 ÷ 预约人数（Wilson 95% '
               '区间）。公众号→视频号：被公众号文章嵌入卡片的视频与其他视频的播放量中位数之比（自助法'
               '区间、Mann–Whitney 检验，并与同周发表的视频逐条对比），公众号预热与未预热直播的到场率。'
               '这些对比是观察性的（视频与直播不是随机分组），不代表因果。用户重合度只报告 unionid 实测值。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 联动方式对照'),
        ('code', 'show.linkage_html(sec)'),
        ('md', '## 视频号→公众号：每周关注转化'),
        ('code', 'show.weekly_html(sec)'),
        ('code', 'show.weekly_chart(sec)'),
        ('md', '## 视频表现'),
        ('code', 'show.video_summary_html(sec)'),
        ('code', 'show.plays_chart(sec)'),
        ('code', 'show.videos_html(sec)'),
        ('md', '## 公众号嵌入视频号卡片：播放量对比'),
        ('code', 'show.lift_html(sec)'),
        ('md', '## 直播：预约→观看'),
        ('code', 'show.lives_html(sec)'),
        ('code', 'show.lives_chart(sec)'),
        ('md', '### 公众号预热与未预热的直播'),
        ('code', 'show.promotion_html(sec)'),
        ('md', '## 用户重合度'),
        ('code', 'show.overlap_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "14_channels")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('channels_videos*',),
    own=('channels_videos*', 'channels_lives*', 'oa_channel_cards*',
         'channels_audience_overlap*'),  # read by no other section
    check='wxnb.io.channels:load',
    sample='wxnb.samples.channels:write_sample',
    topic=True,  # a 专题: the report shows the headline line, the rest folded
)
