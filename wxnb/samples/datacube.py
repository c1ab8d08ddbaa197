"""Deterministic sample data: a realistic month of datacube API responses (docs/data-contract.md).

The generated account is 青禾生活, a fictional mid-size lifestyle brand with about 120,000
followers on 2026-09-01. Every file is one API call's response, ``{"list": [...]}``, named
``<endpoint>_<begin>_<end>.json`` and cut to the endpoint's maximum span per call
(``ENDPOINT_SPANS``). Output depends only on the arguments: the same call writes the same bytes.

What the data looks like
------------------------
* Followers: new and cancelled per day and ``user_source`` (0, 1, 17, 30, 57, 100, 149, 161,
  200; rows where both are 0 are left out, as the API does), weekday rhythm, push days lift
  sources 57 and 161. ``getusercumulate`` follows ``cumulate(d) = cumulate(d-1) + new - cancel``
  on every day, across the month boundary too.
* Pushes (群发): mostly Tue/Thu/Sat plus occasional extras, 1–3 articles each, ``msgid`` is
  ``"<msg_data_id>_<index>"``. One or two 爆款 articles a month spread through 好友/朋友圈.
  ``getarticletotal`` is cumulative over 7 ``stat_date`` rows (which may run into the next month);
  ``getarticlesummary`` holds the daily increments, including the previous month's last articles.
* Every article has the client's 内容形式 (``client_type``: 品牌故事, 促销资讯, 互动问答, 产品评测,
  会员福利, from its category and title); the type scales how much its readers share it
  (品牌故事 most, 促销资讯 least).
* Account reads (``getuserread``/``getuserreadhour``) = the articles' daily reads plus a long tail
  of older articles; hourly counts add up to the day's counts for every source.
* The previous month (2026-09) has about 6 % lower reach and new-follower levels. As generated
  by ``generate_sample`` with seed 2026 (reads = Σ int_page_read_count of the 99999999 rows):

  - 2026-09: new 6,782, cancel 3,220, net +3,562, cumulate 123,562 on 09-30, 12 pushes /
    25 articles, reads 110,103.
  - 2026-10: new 7,539, cancel 4,002, net +3,537, cumulate 127,099 on 10-31, 15 pushes /
    32 articles, reads 133,452.

Anomalies of the sample month 2026-10 (``ANOMALIES``; seed 2026 as generated)
----------------------------------------------------------------------------
1. Unfollow spike after the push of 2026-10-15 (headline 「清仓｜全场5折起，最后3天！错过再等一年」):
   Σ cancel_user over all sources is 455 on 2026-10-15 and 439 on 2026-10-16, against a month
   median of 108 a day (4.2× and 4.1×; no other day of the month is above 163).
2. API failure burst on 2026-10-21 and 2026-10-22 (getinterfacesummary): fail_count /
   callback_count is 178 / 2,917 = 6.1 % and 159 / 3,018 = 5.3 % (every other day ≤ 0.4 %);
   max_time_cost is 8,255 and 6,511 ms (every other day < 4,300 ms); average latency about 3×
   the usual.
3. QR-code campaign on 2026-10-24 and 2026-10-25: new_user from user_source 30 (扫描二维码) is
   205 and 222, against a month median of 65 for that source (3.2× and 3.4×).

Any other month, 2026-09 included, has none of these.

Hostile texts (``hostile=True``)
--------------------------------
For testing that the report shows data only as text, ``hostile=True`` prefixes every article
title with one of ``HOSTILE_TEXTS`` (HTML and SVG with event handlers, a ``javascript:`` link, a
markdown link, emoji, a right-to-left override U+202E, a title of 300+ characters without spaces)
and sets every article URL to ``HOSTILE_URL``. The headline of the push before the unfollow spike
(2026-10-15), which the report quotes in its anomaly table and narrative, carries all of them.
No random draw changes: every number is the same as without ``hostile``, and the default output
is byte-identical to a generator without the option.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.datacube import ARTICLE_API_START
from wxnb.paths import prev_month
from wxnb.samples.hostile import HOSTILE_TEXTS, HOSTILE_URL

__all__ = [
    "ANOMALIES",
    "CONTENT_TYPES",
    "DEFAULT_START_FOLLOWERS",
    "ENDPOINT_SPANS",
    "HOSTILE_TEXTS",
    "HOSTILE_URL",
    "SHAPES",
    "client_type",
    "default_shape",
    "generate_month",
    "write_month_files",
]

ENDPOINT_SPANS: dict[str, int] = {
    "getusersummary": 7,
    "getusercumulate": 7,
    "getarticletotal": 1,
    "getuserread": 3,
    "getarticlesummary": 1,
    "getuserreadhour": 1,
    "getusershare": 7,
    "getupstreammsg": 7,
    "getinterfacesummary": 30,
    "getarticletotaldetail": 1,
    "getarticleread": 1,
    "getarticleshare": 1,
    "getbizsummary": 1,
}
DEFAULT_START_FOLLOWERS = 120_000
#: Which endpoints each shape of month holds: the legacy 图文分析 family, or the 2025 发表内容
#: family (WeChat's article data from 2025-11 on; it has no hourly reads and no share scenes).
SHAPES: dict[str, tuple[str, ...]] = {
    "legacy": ("getusersummary", "getusercumulate", "getarticletotal", "getuserread",
               "getarticlesummary", "getuserreadhour", "getusershare", "getupstreammsg",
               "getinterfacesummary"),
    "2025": ("getusersummary", "getusercumulate", "getarticletotaldetail", "getarticleread",
             "getarticleshare", "getbizsummary", "getupstreammsg", "getinterfacesummary"),
}
#: The 2025 endpoints' envelope says whether the day's figures are final; a sample's are.
_DELAY_ENVELOPE = ("getarticletotaldetail", "getarticleread", "getarticleshare", "getbizsummary")

ANOMALIES: dict[str, dict[str, tuple[str, ...]]] = {
    "2026-10": {
        "unfollow_spike": ("2026-10-15", "2026-10-16"),
        "api_failure_burst": ("2026-10-21", "2026-10-22"),
        "qr_campaign": ("2026-10-24", "2026-10-25"),
    },
}
# What each anomaly day does: cancel / qr add (x - 1) times the usual weekday unfollows (all
# sources) / source-30 follows; fail_rate / max_ms set the interface's failure share and worst
# latency.
_EFFECTS: dict[str, dict[str, float]] = {
    "2026-10-15": {"cancel": 4.8},
    "2026-10-16": {"cancel": 4.4},
    "2026-10-21": {"fail_rate": 0.058, "max_ms": 8300},
    "2026-10-22": {"fail_rate": 0.047, "max_ms": 6500},
    "2026-10-24": {"qr": 3.4},
    "2026-10-25": {"qr": 3.4},
}
_FORCED_PUSH: dict[str, tuple[int, str]] = {
    "2026-10-15": (20, "清仓｜全场5折起，最后3天！错过再等一年"),
}


_LEVEL_MONTH = "2026-10"  # reach and follow levels are 1.0 here and grow 6 % a month
_EPOCH = date(2026, 9, 1)
_MSG_ID_BASE = 2247483600
_READ_TOTAL = 99999999

# getusersummary: weekday means at level 1.0, and the lift a push gives each source.
_USER_SOURCES = (0, 1, 17, 30, 57, 100, 149, 161, 200)
_NEW_MEAN = np.array([40, 62, 11, 72, 7, 24, 3, 2, 8], dtype=float)
_CANCEL_MEAN = np.array([24, 19, 4, 27, 3, 11, 1, 0.7, 2.5])
_PUSH_LIFT = np.array([1.1, 1.15, 1.2, 1.0, 4.0, 1.0, 1.0, 4.0, 1.0])
_WEEK_NEW = np.array([1.04, 1.0, 1.0, 0.98, 0.95, 0.8, 0.78])
_WEEK_CANCEL = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.92, 0.9])

# Article read sources: detail field name, and the getuserread user_source it feeds.
_ART_SOURCES = ("session", "friends", "feed", "hist_msg", "other", "kanyikan", "souyisou")
_READ_CODES = (0, 1, 2, 4, 5, 6, 7)
_DECAY = np.array([1.3, 0.9, 0.9, 0.35, 0.5, 0.6, 0.25])  # per-day decay rate per source
_BACKGROUND = np.array([25, 45, 20, 60, 40, 18, 85], dtype=float)  # older articles, users/day
_READ_FIELDS = (
    "int_page_read_user", "int_page_read_count", "ori_page_read_user", "ori_page_read_count",
    "share_user", "share_count", "add_to_fav_user", "add_to_fav_count",
)
_SOURCE_FIELDS = tuple(
    f"int_page_from_{s}_read_{k}" for s in _ART_SOURCES for k in ("user", "count")
)
_FEED_SHARE_FIELDS = tuple(
    f"feed_share_from_{s}_{k}" for s in ("session", "feed", "other") for k in ("user", "cnt")
)
_DETAIL_FIELDS = ("target_user", *_READ_FIELDS, *_SOURCE_FIELDS, *_FEED_SHARE_FIELDS)

_PUSH_HOURS = (8, 12, 18, 20, 21)
_PUSH_HOUR_P = (0.1, 0.15, 0.15, 0.4, 0.2)
_HOUR_CURVE = np.array([
    0.5, 0.25, 0.12, 0.08, 0.07, 0.15, 0.5, 1.8, 3.6, 3.4, 2.4, 2.6,
    3.6, 3.3, 2.2, 2.0, 2.0, 2.1, 2.4, 2.8, 3.6, 4.0, 3.6, 2.0,
])
_URL_CHARS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
_NAME_RX = re.compile(r"^([a-z]+)(?:[_.].*)?$")
# Stream ids are arbitrary labels; this set gives the default seed a typical month pair.
_STREAMS = {"pushes": 40, "reads": 41, "hours": 42, "shares": 43, "messages": 44,
            "interface": 45, "followers": 46, "published": 47}

# Titles: (category, template); slots are filled from _SLOTS.
_HEADLINES = (
    ("新品", "新品首发｜{product}来了，{adj}"),
    ("新品", "{season}上新：{n}款{product}一次看全"),
    ("促销", "🔥限时{n}小时！{product}第二件半价"),
    ("促销", "{m}月会员日｜全场满{a}减{b}，今晚8点开抢"),
    ("促销", "{product}低至{d}折，库存不多了"),
    ("品牌故事", "我们为什么花{n}年，只做好一件{product}？"),
    ("品牌故事", "走进青禾工厂：一件{product}的{k}道工序"),
    ("品牌故事", "从一间小作坊开始：青禾和{product}的故事"),
    ("品牌故事", "设计师手记｜这款{product}，我们改了{n}版"),
    ("互动问答", "你家的{product}多久换一次？留言聊聊"),
    ("互动问答", "{topic}这件事，你踩过哪些坑？"),
    ("互动问答", "本周问答｜{n}个关于{topic}的高频问题"),
    ("干货", "{n}个{topic}小技巧，第{k}个最实用"),
    ("干货", "干货｜{topic}全攻略，建议收藏"),
    ("干货", "{topic}指南：从入门到上手只要{n}分钟"),
    ("干货", "为什么你的{product}总是用不久？"),
    ("新品", "等了{n}个月，{product}终于到货"),
    ("促销", "周末福利｜{product}买一送一，仅限{k}天"),
    ("互动问答", "投票｜下一款{product}，你来定颜色"),
    ("干货", "换季必看：{k}步搞定{topic}"),
)
_SECONDARY = (
    ("干货", "{product}怎么选？看这{k}点就够了"),
    ("品牌故事", "用户说｜{quote}"),
    ("互动问答", "抽奖｜评论区抽{k}位送{product}"),
    ("促销", "门店活动｜本周末{city}店见"),
    ("干货", "{topic}清单：{n}件小物提升幸福感"),
    ("品牌故事", "读者来稿：我的{topic}日常"),
    ("干货", "一张图看懂{product}的{k}种用法"),
    ("互动问答", "招募｜青禾体验官第{n}期，等你来"),
    ("干货", "{product}保养，{k}个误区别再犯了"),
    ("干货", "青禾小课堂｜{topic}的{k}个冷知识"),
    ("新品", "预告：下周上新的{product}，先睹为快"),
    ("促销", "🎁{product}福袋，限量{a}份"),
    ("品牌故事", "幕后｜一张{product}海报是怎么拍出来的"),
    ("互动问答", "上期留言精选：你们的{topic}神器"),
    ("干货", "{a}元以内的{topic}好物，闭眼入"),
    ("新品", "小程序上新｜{product}{season}季限定款"),
    ("互动问答", "你问我答｜{product}怎么清洁最省心？"),
    ("干货", "想搞定{topic}？这{k}个习惯比买什么都重要"),
)
_SLOTS: dict[str, tuple[str, ...]] = {
    "product": ("竹纤维毛巾", "四件套", "香薰蜡烛", "保温杯", "收纳盒", "乳胶枕", "陶瓷餐具",
                "桌面加湿器", "真丝眼罩", "帆布包", "挂耳咖啡", "护手霜", "羊毛毯"),
    "topic": ("收纳", "换季", "睡眠", "厨房", "通勤", "露营", "除螨", "香氛", "送礼",
              "租房改造", "宿舍", "办公桌"),
    "adj": ("柔软到不想起床", "轻到忘记它的存在", "颜值和实用都在线", "这次真的不一样",
            "老用户都在等"),
    "quote": ("用了三年还像新的一样", "终于找到适合敏感肌的毛巾", "收纳盒让我的小屋大了一倍",
              "每晚点一支，睡得早多了"),
    "city": ("上海静安", "杭州湖滨", "成都太古里", "北京三里屯", "广州天河"),
}

#: The client's own content taxonomy (内容形式) used by content_plan.csv and section 03.
CONTENT_TYPES: tuple[str, ...] = ("品牌故事", "促销资讯", "互动问答", "产品评测", "会员福利")
# How much more (or less) readers of each type share it than the drawn base rate.
_SHARE_BY_TYPE = {"品牌故事": 1.6, "促销资讯": 0.75, "互动问答": 1.0, "产品评测": 1.1,
                  "会员福利": 0.9}


def client_type(category: str, title: str) -> str:
    """The client's 内容形式 of an article, from the generator's category and its title.

    新品 and 促销 posts are 促销资讯, or 会员福利 when the title offers a member perk or gift;
    readers' letters (读者来稿, 用户说) count as 互动问答; 干货 (how-to, buying guides) as 产品评测.
    """
    if category in ("新品", "促销"):
        perk = any(w in title for w in ("会员", "福利", "福袋"))
        return "会员福利" if perk else "促销资讯"
    if category == "品牌故事":
        return "互动问答" if title.startswith(("读者来稿", "用户说")) else "品牌故事"
    if category == "互动问答":
        return "互动问答"
    return "产品评测"


# --------------------------------------------------------------------------- the plan


@dataclass
class _Article:
    """One article of a push and the shape of its 7-day reads (scaled by target_user later)."""

    msgid: str
    title: str
    url: str
    category: str
    push: date
    ctype: str  # the client's 内容形式 (CONTENT_TYPES), from category and title
    reach: np.ndarray  # (7,) 7-day readers per source as a share of target_user
    per_user: np.ndarray  # (7,) reads per reader per source (≥ 1)
    curve: np.ndarray  # (7 sources, 7 days) cumulative share of the 7-day readers
    overlap: float  # Σ per-source readers / all readers
    rates: dict[str, float]


@dataclass
class _Push:
    day: date
    hour: int
    unreachable: float  # share of followers not reached (blocked, inactive)
    articles: list[_Article]


@dataclass
class _Plan:
    """Everything about a month that does not depend on the follower level."""

    month: str
    days: list[date]
    new: np.ndarray  # (days, sources)
    cancel: np.ndarray  # (days, sources)
    pushes: list[_Push]
    scale: float = 1.0  # account size relative to the bundled one (follows, messages, tails)


def _rng(seed: int, month: str, stream: str) -> np.random.Generator:
    """One independent random stream per month and purpose (tuning one leaves the rest alone)."""
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, _STREAMS[stream]])


def _days(month: str) -> list[date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def _level(month: str) -> float:
    """Reach and follow level: 1.0 in 2026-10, 6 % lower for each month before."""
    (y, m), (ly, lm) = (map(int, s.split("-")) for s in (month, _LEVEL_MONTH))
    return float(1.06 ** ((y - ly) * 12 + m - lm))


def _round(x: np.ndarray | float) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def _plan_month(month: str, seed: int, hostile: bool = False, scale: float = 1.0) -> _Plan:
    """Draw the pushes, their articles and the follower flows of ``month``."""
    rng = _rng(seed, month, "pushes")
    days = _days(month)
    hours = _push_schedule(rng, days)
    new, cancel = _follower_flows(_rng(seed, month, "followers"), days, set(hours), _level(month),
                                  scale)
    used: set[str] = set()
    pushes = [_plan_push(rng, d, h, month, used) for d, h in hours.items()]
    _make_viral(rng, pushes, days)
    if hostile:
        _make_hostile(pushes)
    return _Plan(month, days, new, cancel, pushes, scale)


def _make_hostile(pushes: list[_Push]) -> None:
    """Prefix every title with a hostile text (all of them for a forced headline); no draws."""
    articles = [a for p in pushes for a in p.articles]
    for i, a in enumerate(articles):
        forced = a.msgid.endswith("_1") and a.push.isoformat() in _FORCED_PUSH
        a.title = ("".join(HOSTILE_TEXTS) if forced else HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]) \
            + a.title
        a.url = HOSTILE_URL


def _push_schedule(rng: np.random.Generator, days: list[date]) -> dict[date, int]:
    """Tue/Thu/Sat pushes (rarely skipped), at most one extra a week; push day -> push hour."""
    out: dict[date, int] = {}
    extra_weeks: set[int] = set()
    for d in days:
        regular = d.weekday() in (1, 3, 5)
        chance = 0.96 if regular else (0.03 if d.weekday() == 6 else 0.08)
        draw, hour = rng.random(), int(rng.choice(_PUSH_HOURS, p=_PUSH_HOUR_P))
        week = d.isocalendar()[1]
        forced = _FORCED_PUSH.get(d.isoformat())
        if forced:
            out[d] = forced[0]
        elif draw < chance and (regular or week not in extra_weeks):
            out[d] = hour
            extra_weeks.update(() if regular else (week,))
    return out


def _follower_flows(
    rng: np.random.Generator, days: list[date], pushes: set[date], level: float,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (new, cancel) as (days, sources) int arrays, anomalies included.

    ``scale`` multiplies both means (a bigger account gains and loses more followers a day).
    """
    weekday = np.array([d.weekday() for d in days])
    push = np.array([d in pushes for d in days])
    after = np.concatenate([[False], push[:-1]])
    new_day = _WEEK_NEW[weekday] * rng.lognormal(0, 0.12, len(days))
    cancel_day = _WEEK_CANCEL[weekday] * rng.lognormal(0, 0.1, len(days))
    cancel_day *= np.where(push, 1.3, np.where(after, 1.1, 1.0))
    new_mean = level * _NEW_MEAN * new_day[:, None] * np.where(push[:, None], _PUSH_LIFT, 1.0)
    cancel_mean = _CANCEL_MEAN * cancel_day[:, None]
    qr = _USER_SOURCES.index(30)
    for i, d in enumerate(days):  # anomalies add (x - 1) times the usual weekday level
        effect = _EFFECTS.get(d.isoformat(), {})
        cancel_mean[i] += (effect.get("cancel", 1.0) - 1) * _CANCEL_MEAN
        new_mean[i, qr] += (effect.get("qr", 1.0) - 1) * _NEW_MEAN[qr] * level
    return rng.poisson(new_mean * scale), rng.poisson(cancel_mean * scale)


def _title(rng: np.random.Generator, templates: tuple[tuple[str, str], ...], month: str,
           used: set[str]) -> tuple[str, str]:
    """Draw a new (category, title), preferring templates not yet used this month."""
    mon = int(month[5:])
    season = "春夏秋冬"[((mon % 12) // 3 - 1) % 4]
    fresh = [t for t in templates if t[1] not in used] or list(templates)
    category, template = fresh[int(rng.integers(len(fresh)))]
    title = template  # every template has slots, so a formatted title differs from it
    while title in used or title == template:
        slots = {k: str(rng.choice(v)) for k, v in _SLOTS.items()}
        a = int(rng.choice([199, 299, 399]))
        title = template.format(
            **slots, n=int(rng.integers(3, 13)), k=int(rng.integers(3, 8)), a=a,
            b=a // 100 * 30, d=int(rng.choice([5, 6, 7, 8])), m=mon, season=season,
        )
    used.update((template, title))
    return category, title


def _plan_push(rng: np.random.Generator, day: date, hour: int, month: str,
               used: set[str]) -> _Push:
    """Draw a push of 1–3 articles; index 1 (头条) reaches the most followers."""
    n = int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
    msg_data_id = _MSG_ID_BASE + 2 * (day - _EPOCH).days
    head_rate = float(np.clip(rng.lognormal(np.log(0.026), 0.22), 0.016, 0.042))
    articles = []
    for index in range(1, n + 1):
        category, title = _title(rng, _HEADLINES if index == 1 else _SECONDARY, month, used)
        if index == 1 and day.isoformat() in _FORCED_PUSH:
            category, title = "促销", _FORCED_PUSH[day.isoformat()][1]
        factor = 1.0 if index == 1 else float(rng.uniform(0.25, 0.45) / (index - 1) ** 0.6)
        open_rate = head_rate * factor * _level(month)
        url = "https://mp.weixin.qq.com/s/" + "".join(rng.choice(_URL_CHARS, 22))
        msgid = f"{msg_data_id}_{index}"
        articles.append(_profile(rng, msgid, title, url, category, day, hour, open_rate,
                                 client_type(category, title)))
    return _Push(day, hour, float(rng.uniform(0.01, 0.03)), articles)


def _profile(rng: np.random.Generator, msgid: str, title: str, url: str, category: str,
             day: date, hour: int, open_rate: float, ctype: str) -> _Article:
    """Draw one article's reach per source, reads per reader, decay and action rates.

    The content type scales the share rate (``_SHARE_BY_TYPE``) after the draw, so the random
    stream is the same for every type.
    """
    howto = category == "干货"
    ratio = np.array([
        1.0, rng.lognormal(np.log(0.18), 0.5), rng.lognormal(np.log(0.06), 0.5),
        rng.uniform(0.04, 0.09), rng.uniform(0.02, 0.05), rng.lognormal(np.log(0.02), 0.6),
        rng.uniform(0.01, 0.04) * (2.0 if howto else 1.0),
    ])
    per_user = np.concatenate([[rng.uniform(1.12, 1.3)], rng.uniform(1.05, 1.25, 6)])
    rates = {
        "ori": rng.uniform(0.04, 0.09) if category == "促销" else
        (rng.uniform(0.01, 0.05) if rng.random() < 0.55 else 0.0),
        "share": rng.uniform(0.015, 0.04) * _SHARE_BY_TYPE[ctype],
        "share_per": rng.uniform(1.2, 1.6),
        "fav": rng.uniform(0.005, 0.02) * (2.5 if howto else 1.0), "fav_per": rng.uniform(1, 1.08),
        "fs_session": rng.uniform(0.2, 0.35), "fs_feed": rng.uniform(0.03, 0.08),
        "fs_other": rng.uniform(0.02, 0.05), "fs_per": rng.uniform(1.0, 1.15),
    }
    return _Article(msgid, title, url, category, day, ctype, open_rate * ratio, per_user,
                    _decay_curve(_DECAY, hour), float(rng.uniform(1.04, 1.1)),
                    {k: float(v) for k, v in rates.items()})


def _decay_curve(decay: np.ndarray, hour: int) -> np.ndarray:
    """Cumulative share of 7-day readers by stat day; an evening push leaves day 0 shorter."""
    weights = np.exp(-np.outer(decay, np.arange(7)))
    weights[:, 0] *= 0.6 if hour >= 20 else (0.85 if hour >= 18 else 1.0)
    cum = weights.cumsum(axis=1)
    return cum / cum[:, -1:]


def _make_viral(rng: np.random.Generator, pushes: list[_Push], days: list[date]) -> None:
    """Turn one or two headlines into 爆款: 好友/朋友圈/看一看 readers outnumber 会话 readers."""
    late = days[-4]  # a 爆款 pushed in the last days would play out next month
    pool = [p.articles[0] for p in pushes
            if p.day < late and p.day.isoformat() not in _FORCED_PUSH]
    if not pool:
        return
    k = min(len(pool), int(rng.choice([1, 2])))
    for i in rng.choice(len(pool), k, replace=False):
        a = pool[int(i)]
        session = a.reach[0]
        a.reach = a.reach * np.array([1, 1, 1, 1.5, 2, 3, 1.5])
        a.reach[1:3] = session * rng.uniform([1.5, 0.5], [3.0, 1.0])
        a.curve = _decay_curve(_DECAY * np.array([1, 0.5, 0.5, 1, 1, 0.7, 1]), 12)
        a.rates["share"] = float(rng.uniform(0.07, 0.11))
        a.rates["fs_feed"] = float(rng.uniform(0.15, 0.25))


# --------------------------------------------------------------------------- the month


@dataclass
class _Stats:
    """An article's cumulative counters per stat day, for a concrete target_user."""

    article: _Article
    cum: dict[str, np.ndarray]  # detail field -> (7,) cumulative ints

    @property
    def stat_dates(self) -> list[date]:
        return [self.article.push + timedelta(days=k) for k in range(7)]

    def daily(self) -> dict[str, np.ndarray]:
        return {f: np.diff(v, prepend=0) for f, v in self.cum.items() if f != "target_user"}


@dataclass
class _Month:
    plan: _Plan
    cumulate: np.ndarray  # followers at the end of each day
    stats: list[_Stats]  # this month's articles
    carried: list[_Stats]  # last month's articles still read in this month


def _cumulative(a: _Article, target: int) -> dict[str, np.ndarray]:
    """Every details counter of ``a`` for 7 stat days: cumulative, non-decreasing, count ≥ user."""
    users = _round(target * a.reach[:, None] * a.curve)
    counts = _round(users * a.per_user[:, None])
    readers = np.maximum(users.max(axis=0), np.floor(users.sum(axis=0) / a.overlap)).astype(int)
    r = a.rates
    cum: dict[str, np.ndarray] = {"target_user": np.full(7, target, dtype=np.int64)}
    cum["int_page_read_user"], cum["int_page_read_count"] = readers, counts.sum(axis=0)
    actions = (("ori_page_read", r["ori"], 1.1), ("share", r["share"], r["share_per"]),
               ("add_to_fav", r["fav"], r["fav_per"]))
    for name, share, per in actions:
        cum[f"{name}_user"] = _round(readers * share)
        cum[f"{name}_count"] = _round(cum[f"{name}_user"] * per)
    for i, source in enumerate(_ART_SOURCES):
        cum[f"int_page_from_{source}_read_user"] = users[i]
        cum[f"int_page_from_{source}_read_count"] = counts[i]
    for source in ("session", "feed", "other"):
        cum[f"feed_share_from_{source}_user"] = _round(cum["share_user"] * r[f"fs_{source}"])
        cum[f"feed_share_from_{source}_cnt"] = _round(
            cum[f"feed_share_from_{source}_user"] * r["fs_per"])
    return {f: cum[f] for f in _DETAIL_FIELDS}


def _simulate(plan: _Plan, start: int) -> tuple[np.ndarray, list[_Stats]]:
    """Return the end-of-day followers and every article's counters, given the starting level."""
    net = plan.new.sum(axis=1) - plan.cancel.sum(axis=1)
    cumulate = start + np.cumsum(net)
    before = dict(zip(plan.days, np.concatenate([[start], cumulate[:-1]]), strict=True))
    stats = []
    for p in plan.pushes:
        target = round(before[p.day] * (1 - p.unreachable))
        stats += [_Stats(a, _cumulative(a, target)) for a in p.articles]
    return cumulate, stats


def _build_month(month: str, seed: int, start: int, hostile: bool = False,
                 scale: float = 1.0) -> _Month:
    """Simulate ``month`` and last month's articles whose 7 days reach into it."""
    plan = _plan_month(month, seed, hostile, scale)
    cumulate, stats = _simulate(plan, start)
    before = _plan_month(prev_month(month), seed, hostile, scale)
    before_start = start - int(before.new.sum() - before.cancel.sum())
    _, old = _simulate(before, before_start)
    carried = [s for s in old if s.stat_dates[-1] >= plan.days[0]]
    return _Month(plan, cumulate, stats, carried)


# --------------------------------------------------------------------------- user endpoints


def _summary_rows(m: _Month) -> list[dict[str, Any]]:
    rows = []
    for i, d in enumerate(m.plan.days):
        for j, source in enumerate(_USER_SOURCES):
            new, cancel = int(m.plan.new[i, j]), int(m.plan.cancel[i, j])
            if new or cancel:
                rows.append({"ref_date": d.isoformat(), "user_source": source,
                             "new_user": new, "cancel_user": cancel})
    return rows


def _cumulate_rows(m: _Month) -> list[dict[str, Any]]:
    return [{"ref_date": d.isoformat(), "user_source": 0, "cumulate_user": int(c)}
            for d, c in zip(m.plan.days, m.cumulate, strict=True)]


# --------------------------------------------------------------------------- article endpoints


def _articletotal_rows(m: _Month) -> list[dict[str, Any]]:
    rows = []
    for s in m.stats:
        a = s.article
        details = [{"stat_date": d.isoformat(), **{f: int(v[k]) for f, v in s.cum.items()}}
                   for k, d in enumerate(s.stat_dates)]
        rows.append({"ref_date": a.push.isoformat(), "msgid": a.msgid, "title": a.title,
                     "url": a.url, "user_source": 0, "details": details})
    return rows


def _articlesummary_rows(m: _Month) -> list[dict[str, Any]]:
    """Daily increments per article and day of the month; the API skips activity below 3."""
    month_days = set(m.plan.days)
    rows = []
    for s in m.carried + m.stats:
        inc = s.daily()
        for k, d in enumerate(s.stat_dates):
            values = {f: int(inc[f][k]) for f in _READ_FIELDS}
            activity = sum(values[f] for f in ("int_page_read_user", "ori_page_read_user",
                                               "share_user", "share_count", "add_to_fav_count"))
            if d in month_days and activity >= 3:
                rows.append({"ref_date": d.isoformat(), "msgid": s.article.msgid,
                             "title": s.article.title, **values})
    return sorted(rows, key=lambda r: (r["ref_date"], r["msgid"]))


# --------------------------------------------------------------------------- account reads

# A day's reads are an (8 sources × 8 fields) matrix: rows 全部 then _READ_CODES, cols _READ_FIELDS.
_ROW_CODES = (_READ_TOTAL, *_READ_CODES)
_USER_COLS = (0, 2, 4, 6)  # each user column is followed by its count column


def _article_reads(m: _Month) -> tuple[np.ndarray, np.ndarray]:
    """Sum the articles' daily increments per day: (days, 7 sources, user/count) and extras.

    Returns ``(sources, extras)``: sources[d, s] = [users, counts, push-hour counts] and
    extras[d] = [ori_u, ori_c, share_u, share_c, fav_u, fav_c].
    """
    index = {d: i for i, d in enumerate(m.plan.days)}
    sources = np.zeros((len(index), len(_ART_SOURCES), 3), dtype=np.int64)
    extras = np.zeros((len(index), 6), dtype=np.int64)
    extra_fields = _READ_FIELDS[2:]
    for s in m.carried + m.stats:
        inc = s.daily()
        for k, d in enumerate(s.stat_dates):
            if d not in index:
                continue
            for j, source in enumerate(_ART_SOURCES):
                u, c = (int(inc[f"int_page_from_{source}_read_{x}"][k]) for x in ("user", "count"))
                sources[index[d], j] += (u, c, c if k == 0 else 0)
            extras[index[d]] += [int(inc[f][k]) for f in extra_fields]
    return sources, extras


def _day_matrix(rng: np.random.Generator, art: np.ndarray, extras: np.ndarray,
                weekday: int, level: float, scale: float = 1.0) -> np.ndarray:
    """One day's getuserread matrix: article reads + a long tail of older articles and search."""
    week = 0.85 if weekday >= 5 else 1.0
    tail_users = rng.poisson(_BACKGROUND * week * level * scale)
    tail_counts = tail_users + rng.poisson(tail_users * rng.uniform(0.1, 0.3, len(tail_users)))
    users, counts = art[:, 0] + tail_users, art[:, 1] + tail_counts
    out = np.zeros((len(_ROW_CODES), len(_READ_FIELDS)), dtype=np.int64)
    out[1:, 0], out[1:, 1] = users, counts
    overlap = rng.uniform(1.05, 1.12)
    out[0, 0] = min(max(users.max(), int(np.ceil(users.sum() / overlap))), users.sum() - 1)
    out[0, 1] = counts.sum()
    tail = rng.poisson(np.array([3, 1, 8, 3, 5, 0.5]) * scale)  # ori_u, +ori_c, share_u, …
    ori_u, share_u, fav_u = (extras[i] + tail[i] for i in (0, 2, 4))
    ori_c, share_c, fav_c = (extras[i + 1] + tail[i] + tail[i + 1] for i in (0, 2, 4))
    out[0, 2:] = (ori_u, ori_c, share_u, share_c, fav_u, fav_c)
    weights = users * np.array([1.4, 1.6, 1.0, 0.6, 0.6, 0.8, 0.5])
    split = rng.multinomial(share_c, weights / weights.sum()) if weights.sum() else 0
    out[1:, 5] = split
    out[1:, 4] = np.minimum(split, _round(split * share_u / max(share_c, 1) * 1.05))
    return out


def _read_matrices(m: _Month, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (days, 8, 8) daily matrices and the (days, 7) push-hour counts per source."""
    rng = _rng(seed, m.plan.month, "reads")
    art, extras = _article_reads(m)
    level = _level(m.plan.month)
    days = [_day_matrix(rng, art[i, :, :2], extras[i], d.weekday(), level, m.plan.scale)
            for i, d in enumerate(m.plan.days)]
    return np.stack(days), art[:, :, 2]


def _read_row(day: date, code: int, values: np.ndarray, hour: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"ref_date": day.isoformat()}
    if hour is not None:
        row["ref_hour"] = hour * 100
    row["user_source"] = code
    row.update({f: int(v) for f, v in zip(_READ_FIELDS, values, strict=True)})
    return row


def _userread_rows(m: _Month, matrices: np.ndarray) -> list[dict[str, Any]]:
    return [_read_row(d, code, matrices[i, j]) for i, d in enumerate(m.plan.days)
            for j, code in enumerate(_ROW_CODES)]


def _hour_shape(push_hour: int | None) -> np.ndarray:
    """Share of a push's day-0 reads per hour: the push hour and a fast decay after it."""
    if push_hour is None:
        return _HOUR_CURVE / _HOUR_CURVE.sum()
    shape = np.zeros(24)
    shape[push_hour:] = 0.5 ** np.arange(24 - push_hour)
    return shape / shape.sum()


def _hour_tensor(rng: np.random.Generator, day: np.ndarray, push_counts: np.ndarray,
                 push_hour: int | None) -> np.ndarray:
    """Split a day's matrix into 24 hours; every count column adds up to the day exactly."""
    base, post = _hour_shape(None), _hour_shape(push_hour)
    hours = np.zeros((24, *day.shape), dtype=np.int64)
    for j in range(1, len(_ROW_CODES)):
        count, pushed = day[j, 1], push_counts[j - 1] if push_hour is not None else 0
        p = (pushed * post + (count - pushed) * base) / count if count else base
        hours[:, j, 1] = rng.multinomial(count, p)
        hours[:, j, 5] = rng.multinomial(day[j, 5], _shares_of(hours[:, j, 1], base))
    hours[:, 0, 1], hours[:, 0, 5] = hours[:, 1:, 1].sum(axis=1), hours[:, 1:, 5].sum(axis=1)
    p_all = _shares_of(hours[:, 0, 1], base)
    for col in (3, 7):  # 原文页 and 收藏 exist on the 全部 row only
        hours[:, 0, col] = rng.multinomial(day[0, col], p_all)
    for col in _USER_COLS:
        per = day[:, col] / np.maximum(day[:, col + 1], 1)
        hours[:, :, col] = np.minimum(hours[:, :, col + 1], np.ceil(hours[:, :, col + 1] * per))
    return hours


def _shares_of(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    total = values.sum()
    return values / total if total else fallback


def _readhour_rows(m: _Month, matrices: np.ndarray, push_counts: np.ndarray,
                   seed: int) -> list[dict[str, Any]]:
    rng = _rng(seed, m.plan.month, "hours")
    push_hours = {p.day: p.hour for p in m.plan.pushes}
    rows = []
    for i, d in enumerate(m.plan.days):
        hours = _hour_tensor(rng, matrices[i], push_counts[i], push_hours.get(d))
        rows += [_read_row(d, code, hours[h, j], h) for h in range(24)
                 for j, code in enumerate(_ROW_CODES) if hours[h, j, 1::2].any()]
    return rows


# --------------------------------------------------------------------------- other endpoints


def _lift(day: date, push_days: set[date], on_push: float) -> float:
    """Activity factor of a day: higher on push days, lower at weekends."""
    return (on_push if day in push_days else 1.0) * (0.85 if day.weekday() >= 5 else 1.0)


def _share_rows(m: _Month, matrices: np.ndarray, seed: int) -> list[dict[str, Any]]:
    """getusershare: the day's shares split over scenes 1, 2, 255 and now and then 5."""
    rng = _rng(seed, m.plan.month, "shares")
    rows = []
    for i, d in enumerate(m.plan.days):
        share_u, share_c = matrices[i, 0, 4], matrices[i, 0, 5]
        p = np.array([0.6, 0.3, 0.1, 0.01 if rng.random() < 0.2 else 0.0])
        p *= rng.uniform(0.85, 1.15, 4)
        counts = rng.multinomial(share_c, p / p.sum())
        users = np.minimum(counts, np.ceil(counts * share_u / max(share_c, 1) * 1.03))
        rows += [{"ref_date": d.isoformat(), "share_scene": scene, "share_count": int(c),
                  "share_user": int(u)}
                 for scene, c, u in zip((1, 2, 255, 5), counts, users, strict=True) if c]
    return rows


def _upstream_rows(m: _Month, seed: int) -> list[dict[str, Any]]:
    """getupstreammsg: text most, then images and voice; video and links now and then."""
    rng = _rng(seed, m.plan.month, "messages")
    push_days = {p.day for p in m.plan.pushes}
    rows = []
    for d in m.plan.days:
        lift = _lift(d, push_days, 1.6)
        users = rng.poisson(np.array([55, 8, 3, 0.6, 0.5]) * lift * m.plan.scale)
        counts = users + rng.poisson(users * np.array([0.45, 0.3, 0.6, 0.1, 0.1]))
        rows += [{"ref_date": d.isoformat(), "msg_type": t, "msg_user": int(u),
                  "msg_count": int(c)}
                 for t, u, c in zip((1, 2, 3, 4, 6), users, counts, strict=True) if u]
    return rows


def _interface_rows(m: _Month, seed: int) -> list[dict[str, Any]]:
    """getinterfacesummary: passive-reply callbacks, failures and latency per day."""
    rng = _rng(seed, m.plan.month, "interface")
    push_days = {p.day for p in m.plan.pushes}
    rows = []
    for d in m.plan.days:
        calls = round(2800 * _lift(d, push_days, 1.3) * rng.lognormal(0, 0.08) * m.plan.scale)
        rate, avg_ms = rng.uniform(0.001, 0.003), rng.uniform(220, 420)
        max_ms = rng.uniform(1800, 4300)
        effect = _EFFECTS.get(d.isoformat(), {})
        if "fail_rate" in effect:
            rate, avg_ms = effect["fail_rate"] * rng.uniform(0.97, 1.03), avg_ms * 3
            max_ms = effect["max_ms"] + rng.uniform(-50, 50)
        rows.append({"ref_date": d.isoformat(), "callback_count": calls,
                     "fail_count": int(rng.binomial(calls, rate)),
                     "total_time_cost": round(calls * avg_ms),
                     "max_time_cost": round(max_ms)})
    return rows


# --------------------------------------------------------------------------- writing


# --------------------------------------------------------------------------- 2025 发表内容

#: getarticletotal's read sources as read_user_source scenes (the same correspondence the loader
#: reads back: wxnb.kit.metrics.SCENE_FIELDS).
_SCENE_OF_SOURCE = {"session": "公众号消息", "friends": "聊天会话", "feed": "朋友圈",
                    "hist_msg": "公众号主页", "other": "其他", "kanyikan": "推荐",
                    "souyisou": "搜一搜"}
#: getuserread's user_source codes as scenes (wxnb.io.backend.CHANNELS, reversed).
_SCENE_OF_CODE = {0: "公众号消息", 1: "聊天会话", 2: "朋友圈", 4: "公众号主页", 5: "其他",
                  6: "推荐", 7: "搜一搜"}


def _scenes(total: int, by_scene: dict[str, int]) -> list[dict[str, Any]]:
    return [{"scene_desc": "全部", "user_count": int(total)}] + [
        {"scene_desc": k, "user_count": int(v)} for k, v in by_scene.items()]


def _reactions(rng: np.random.Generator, stats: list[_Stats]) -> dict[str, tuple[float, ...]]:
    """在看, 点赞 and 留言 per reader for each article (about 1, 1.5 and 0.2 per 100)."""
    return {s.article.msgid: (rng.uniform(0.007, 0.013), rng.uniform(0.011, 0.019),
                              rng.uniform(0.001, 0.003)) for s in stats}


def _totaldetail_rows(m: _Month, rates: dict[str, tuple[float, ...]]) -> list[dict[str, Any]]:
    """getarticletotaldetail: each article published in the month, cumulative per stat_date."""
    rows = []
    for s in m.stats:
        a, c = s.article, s.cum
        z, lk, cm = rates[a.msgid]
        details = []
        for k, d in enumerate(s.stat_dates):
            readers = int(c["int_page_read_user"][k])
            details.append({
                "stat_date": d.isoformat(), "read_user": readers,
                "read_user_source": _scenes(readers, {
                    scene: int(c[f"int_page_from_{src}_read_user"][k])
                    for src, scene in _SCENE_OF_SOURCE.items()}),
                "share_user": int(c["share_user"][k]), "zaikan_user": round(readers * z),
                "like_user": round(readers * lk), "comment_count": round(readers * cm),
                "collection_user": int(c["add_to_fav_user"][k]),
            })
        rows.append({"ref_date": a.push.isoformat(), "msgid": a.msgid, "publish_type": 0,
                     "title": a.title, "content_url": a.url, "detail_list": details})
    return rows


def _articleread_rows(m: _Month) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """getarticleread and getarticleshare: each article's new readers and sharers per day of
    the month (last month's articles too), rows without any left out as the API does."""
    month_days = set(m.plan.days)
    reads, shares = [], []
    for s in m.carried + m.stats:
        inc = s.daily()
        for k, d in enumerate(s.stat_dates):
            if d not in month_days:
                continue
            head = {"ref_date": d.isoformat(), "msgid": s.article.msgid}
            readers = int(inc["int_page_read_user"][k])
            if readers:
                reads.append({**head, "detail": {"read_user": readers, "read_user_source": _scenes(
                    readers, {scene: int(inc[f"int_page_from_{src}_read_user"][k])
                              for src, scene in _SCENE_OF_SOURCE.items()})}})
            if int(inc["share_user"][k]):
                shares.append({**head, "detail": {"share_user": int(inc["share_user"][k])}})
    key = lambda r: (r["ref_date"], r["msgid"])  # noqa: E731
    return sorted(reads, key=key), sorted(shares, key=key)


def _bizsummary_rows(m: _Month, matrices: np.ndarray,
                     rng: np.random.Generator) -> list[dict[str, Any]]:
    """getbizsummary: the account's readers per day (getuserread's 全部 and per-source people),
    sharers, 在看/点赞/留言, collections, 阅读原文 and the articles published that day."""
    published = {d: 0 for d in m.plan.days}
    for s in m.stats:
        published[s.article.push] += 1
    col = {f: i for i, f in enumerate(_READ_FIELDS)}
    rows = []
    for i, d in enumerate(m.plan.days):
        total = matrices[i, 0]
        readers = int(total[col["int_page_read_user"]])
        by_scene = {_SCENE_OF_CODE[code]: int(matrices[i, j][col["int_page_read_user"]])
                    for j, code in enumerate(_ROW_CODES) if code in _SCENE_OF_CODE}
        rows.append({"ref_date": d.isoformat(), "detail": {
            "read_user": readers, "read_user_source": _scenes(readers, by_scene),
            "share_user": int(total[col["share_user"]]),
            "zaikan_user": round(readers * rng.uniform(0.007, 0.013)),
            "like_user": round(readers * rng.uniform(0.011, 0.019)),
            "comment_count": round(readers * rng.uniform(0.001, 0.003)),
            "collection_user": int(total[col["add_to_fav_user"]]),
            "redirect_ori_page_user": int(total[col["ori_page_read_user"]]),
            "send_page_count": published[d]}})
    return rows


def _responses(month: str, seed: int, start: int, hostile: bool = False,
               scale: float = 1.0) -> tuple[dict[str, list[dict[str, Any]]], _Month]:
    """Return every endpoint's rows for the month and the simulated month behind them."""
    m = _build_month(month, seed, start, hostile, scale)
    matrices, push_counts = _read_matrices(m, seed)
    rng = _rng(seed, month, "published")
    reads, shares = _articleread_rows(m)
    rows = {
        "getarticletotaldetail": _totaldetail_rows(m, _reactions(rng, m.stats)),
        "getarticleread": reads,
        "getarticleshare": shares,
        "getbizsummary": _bizsummary_rows(m, matrices, rng),
        "getusersummary": _summary_rows(m),
        "getusercumulate": _cumulate_rows(m),
        "getarticletotal": _articletotal_rows(m),
        "getuserread": _userread_rows(m, matrices),
        "getarticlesummary": _articlesummary_rows(m),
        "getuserreadhour": _readhour_rows(m, matrices, push_counts, seed),
        "getusershare": _share_rows(m, matrices, seed),
        "getupstreammsg": _upstream_rows(m, seed),
        "getinterfacesummary": _interface_rows(m, seed),
    }
    return rows, m


def _clear(out_dir: Path) -> None:
    """Remove the known endpoints' old .json/.csv chunk files directly inside ``out_dir``."""
    for path in out_dir.iterdir():
        match = _NAME_RX.match(path.name)
        if (path.is_file() and path.suffix.lower() in (".json", ".csv") and match
                and match.group(1) in ENDPOINT_SPANS):
            path.unlink()


def _write_chunks(out_dir: Path, endpoint: str, rows: list[dict[str, Any]],
                  days: list[date]) -> list[Path]:
    """Write one file per API call of at most the endpoint's span; skip calls without rows."""
    span = ENDPOINT_SPANS[endpoint]
    written = []
    for i in range(0, len(days), span):
        chunk = {d.isoformat() for d in days[i:i + span]}
        part = [r for r in rows if r["ref_date"] in chunk]
        if not part:
            continue
        begin, end = min(chunk), max(chunk)
        path = out_dir / f"{endpoint}_{begin}_{end}.json"
        body: dict[str, Any] = {"list": part}
        if endpoint in _DELAY_ENVELOPE:
            body["is_delay"] = False
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def default_shape(month: str) -> str:
    """The shape WeChat's API gives a month: the 2025 发表内容 endpoints from 2025-11 on."""
    return "2025" if month >= ARTICLE_API_START else "legacy"


def write_month_files(out_dir: Path, month: str, seed: int, start: int, hostile: bool = False,
                      scale: float = 1.0, shape: str | None = None,
                      ) -> tuple[list[Path], _Month, dict[str, list[dict[str, Any]]]]:
    """Write the month's datacube files in ``shape`` (:data:`SHAPES`; default
    :func:`default_shape`); return them, the simulated month and its rows (every endpoint's,
    whichever were written: the numbers behind both shapes are the same simulation)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    rows, m = _responses(month, seed, start, hostile, scale)
    days = _days(month)
    files = [p for name in SHAPES[shape or default_shape(month)]
             for p in _write_chunks(out_dir, name, rows[name], days)]
    return sorted(files), m, rows


def generate_month(
    out_dir: Path, month: str, *, seed: int = 2026, start_followers: int | None = None,
    hostile: bool = False, shape: str | None = None,
) -> list[Path]:
    """Write one month (YYYY-MM) of datacube responses into out_dir (created if needed).

    Parameters
    ----------
    out_dir : Path
        Folder to write into. Old chunk files of the known endpoints in it (``*.json``/``*.csv``)
        are removed first; nothing else is touched.
    month : str
        The month, ``YYYY-MM``.
    seed : int, optional
        Seed of the ``numpy.random.default_rng`` streams; the same arguments write the same bytes.
    start_followers : int or None, optional
        Followers at the end of the day before the month starts; ``DEFAULT_START_FOLLOWERS``
        (120,000) when None.
    hostile : bool, optional
        Put ``HOSTILE_TEXTS`` into every article title and ``HOSTILE_URL`` into every URL (see
        the module docstring); the numbers stay the same.
    shape : str or None, optional
        ``"2025"`` (the 发表内容 endpoints) or ``"legacy"`` (图文分析); None: what WeChat gives
        the month (:func:`default_shape`).

    Returns
    -------
    list of Path
        The files written, sorted.
    """
    start = DEFAULT_START_FOLLOWERS if start_followers is None else int(start_followers)
    return write_month_files(out_dir, month, seed, start, hostile, shape=shape)[0]
