"""WeChat's enum codes and endpoint names in Chinese (wechat-data-schemas.md §1.3–1.7)."""

from __future__ import annotations

__all__ = [
    "ENDPOINT_LABELS",
    "MSG_TYPE",
    "READ_SCENE_COLUMNS",
    "READ_SOURCE",
    "READ_TOTAL",
    "SHARE_SCENE",
    "USER_SOURCE",
    "label",
]

# getusersummary.user_source. 0 is 其他合计: every source not listed, NOT a grand total.
USER_SOURCE: dict[int, str] = {
    0: "其他合计",
    1: "公众号搜索",
    17: "名片分享",
    30: "扫描二维码",
    51: "支付后关注",
    57: "文章内账号名称",
    100: "微信广告",
    149: "小程序关注",
    161: "他人转载",
    200: "视频号",
    201: "直播",
}

# getuserread / getuserreadhour.user_source. 99999999 is 全部; the others never sum to it.
READ_TOTAL = 99999999
READ_SOURCE: dict[int, str] = {
    READ_TOTAL: "全部",
    0: "公众号会话",
    1: "好友转发",
    2: "朋友圈",
    3: "腾讯微博",
    4: "历史消息页",
    5: "其他",
    6: "看一看",
    7: "搜一搜",
}

#: ``read_user_source``'s ``scene_desc`` in the 2025 发表内容 endpoints (getarticleread,
#: getbizsummary, getarticletotaldetail) → the column of readers the loader gives each scene.
#: 全部 is the total (equal to ``read_user``); the other scenes never sum to it.
READ_SCENE_COLUMNS: dict[str, str] = {
    "全部": "scene_all",
    "公众号消息": "scene_msg",
    "聊天会话": "scene_chat",
    "朋友圈": "scene_moments",
    "公众号主页": "scene_home",
    "推荐": "scene_recommend",
    "搜一搜": "scene_search",
    "其他": "scene_other",
}

SHARE_SCENE: dict[int, str] = {1: "好友转发", 2: "朋友圈", 3: "腾讯微博", 255: "其他"}

MSG_TYPE: dict[int, str] = {0: "全部类型（后台下载的合计）", 1: "文字", 2: "图片", 3: "语音",
                            4: "视频", 6: "第三方应用消息"}

ENDPOINT_LABELS: dict[str, str] = {
    "getusersummary": "用户增减数据",
    "getusercumulate": "累计用户数据",
    "getarticletotal": "图文群发总数据",
    "getarticletotaldetail": "发表内容详细数据",
    "getarticleread": "发表内容每日阅读数据",
    "getarticleshare": "发表内容每日分享数据",
    "getbizsummary": "发表内容概况数据",
    "getuserread": "图文阅读概况",
    "getarticlesummary": "图文群发每日数据",
    "getuserreadhour": "图文阅读分时数据",
    "getusershare": "图文转发概况",
    "getupstreammsg": "消息发送概况",
    "getinterfacesummary": "接口分析数据",
}


def label(codes: dict[int, str], code: int, unknown: str = "未知") -> str:
    """Return the Chinese name of ``code``; unknown codes are kept visibly, never dropped."""
    return codes.get(int(code), f"{unknown}({int(code)})")
