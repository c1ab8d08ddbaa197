"""Section 09 裂变活动复盘: its declaration (the code is in the modules beside it)."""

from wxnb.sections.spec import Spec, standard_setup

SPEC = Spec(
    key='09_fission',
    title='09 裂变活动复盘',
    intro='本月各裂变活动（任务宝、拼团、抽奖、体验官等）带来多少新用户、每人花了多少钱、第二天还留下多少，'
          '以及活动机制的合规风险。',
    cells=(
        ('params', ''),
        standard_setup('s09_fission'),
        ('code', 'brief.headline_html(words.findings(sec))'),
        ('md', '## 各活动获客与合规'),
        ('code', 'show.key_table_html(sec)'),
        ('code', 'brief.brief_html(words.findings(sec), sec.params, n=2, max_actions=1)'),
        ('fold', '分析明细与方法口径'),
        ('md', '## 本节方法\n\n'
               '数据来自活动工具的导出（任务宝、拼团、抽奖工具或企业微信客户联系）与分析师填写的活动机制表。'
               '平均获客成本 = 活动总成本 ÷ 新增关注（企业微信活动为新增好友）；次日留存 = 新增用户中到加入次日'
               '结束时仍未取关（未删除好友）的比例，数据截止日当天加入的用户次日尚未结束，不计入分母（右删失），'
               '并给出 Wilson 95% 置信区间；分享层级由邀请关系还原（种子用户为第 0 层）。合规风险等级按本节的'
               '规则文件逐条检查活动机制（诱导分享、利诱关注、抽奖与拼团规则），取命中规则的最高等级。'
               '各类型的行业经验值来自种子文章，未注明样本与口径，仅作方向参考。'),
        ('md', '## 详细结论'),
        ('code', 'fmt.narrative(words.narrative(sec))'),
        ('md', '## 活动明细'),
        ('code', 'show.campaigns_html(sec)'),
        ('md', '## 对照行业经验值'),
        ('code', 'show.cac_chart(sec)'),
        ('code', 'show.benchmark_html(sec)'),
        ('md', '## 次日留存'),
        ('code', 'show.retention_html(sec)'),
        ('md', '## 每日新增'),
        ('code', 'show.daily_chart(sec)'),
        ('md', '## 分享裂变层级'),
        ('code', 'show.depth_chart(sec)'),
        ('code', 'show.tree_html(sec)'),
        ('md', '## 合规风险'),
        ('code', 'show.compliance_html(sec)'),
        ('md', '### 合规规则'),
        ('code', 'show.rules_html(sec)'),
        ('md', '## 环比'),
        ('code', 'show.mom_html(sec)'),
        ('md', '## 口径与数据说明'),
        ('code', 'fmt.notes(words.data_notes(sec))'),
        ('hidden', 'findings.record(words.findings(sec), sec.params, "09_fission")'),
    ),
    param_files=('rules_file',),  # 行动 come from the rules file
    inputs=('fission_campaigns.csv',),
    reads=('fission_campaigns.csv', 'fission_participants.csv'),  # nothing of the datacube
    own=('fission_campaigns.csv', 'fission_participants.csv'),  # read by no other section
    check='wxnb.io.fission:load',
    sample='wxnb.samples.fission:write_sample',
    topic=True,
)
