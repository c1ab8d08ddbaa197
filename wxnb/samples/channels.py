"""Section 14's own sample inputs, opposite their reader ``wxnb.io.channels.load``.

The bundled account (青禾生活) runs a Channels account beside its official account. Its
getusersummary sample (``wxnb.samples.datacube``) has about 208 new followers a month from
user_source 200 (视频号), 4–8 a day, and none from 201 (直播); the videos here are sized so that
this is about 2.5–3.5 new followers per 1,000 plays, week by week. What is planted:

* Card lift: the videos whose card an official-account article embedded (listed in
  ``oa_channel_cards.csv``) get about 2× the plays of the other videos published in the same
  week in 2026-10 (2.4× in 2026-09); the benchmark of the parameters is 2.3×.
* Reservations → attendance: about 38 % of the reservers attend a live announced in the official
  account, about 22 % of the others (2026-10); 2026-09 is a little better.
* Plays grow for 7 days after publishing: the videos of the month's last days have fewer.
* The measured audience overlap (counts) exists for 2026-10 only: 1,506 of 3,860 Channels
  viewers (39 %) follow the official account.
* One card row names a video of the previous month (matched to no video of the month: a note).

``hostile=True`` puts ``HOSTILE_TEXTS`` into the video, live and article titles (the cards file
matches videos by id, so every number stays the same).
"""

from __future__ import annotations

import csv
import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.channels import CARDS_FILE, LIVES_FILE, OVERLAP_FILE, VIDEOS_FILE
from wxnb.io.datacube import month_days
from wxnb.paths import prev_month

__all__ = ["write_sample"]

# Per month: median plays of a video without a card, the card multiplier, reservers' attendance
# (announced in the official account, not), the lives' days and which were announced.
_LEVEL: dict[str, dict[str, Any]] = {
    "2026-09": {"plays": 3300, "lift": 2.4, "attend": (0.42, 0.25),
                "lives": ((11, True), (18, False), (25, True))},
    "2026-10": {"plays": 3000, "lift": 2.0, "attend": (0.38, 0.22),
                "lives": ((9, False), (16, True), (23, False), (30, True))},
}
_DEFAULT = {"plays": 3000, "lift": 2.0, "attend": (0.35, 0.22), "lives": ((10, True), (24, False))}
_TOPICS = ("秋季穿搭三件套", "一周早餐不重样", "收纳小技巧", "门店探访", "新品开箱", "会员日福利",
           "家居香氛怎么选", "上班族护肤", "周末露营清单", "厨房好物测评", "旅行收纳", "茶饮新品试喝",
           "宠物用品推荐", "床品换季", "小户型改造", "健身餐", "绿植养护", "手作课程")
_LIVE_TOPICS = ("会员日直播", "新品发布直播", "店长带逛", "秋冬好物直播", "粉丝答疑")
_ARTICLES = ("本周好物清单", "新品上架｜", "门店活动预告", "会员专享", "生活方式指南")


def _rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 140 + stream])


def _video_id(seed: int, month: str, i: int) -> str:
    digest = hashlib.sha256(f"{seed}-{month}-{i}".encode()).hexdigest()[:24]
    return f"export/UzFf{digest}"


def _hostile(text: str, i: int, hostile: bool) -> str:
    if not hostile:
        return text
    from wxnb.samples.hostile import HOSTILE_TEXTS

    return f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{text}"


def _publish_days(month: str, rng: np.random.Generator) -> list[date]:
    """About 0.6 videos a day, spread over each week of the month."""
    days = month_days(month)
    weeks: list[list[date]] = []
    for d in days:
        if not weeks or d.weekday() == 0:
            weeks.append([])
        weeks[-1].append(d)
    out: list[date] = []
    for week in weeks:
        k = max(1, round(len(week) * 0.6))
        out += sorted(rng.choice(np.array(week, dtype=object), size=min(k, len(week)),
                                 replace=False).tolist())
    return out


def _embedded(days: list[date], rng: np.random.Generator) -> set[int]:
    """About a third of the videos: one a week (two in the busiest), never a week's only
    video, so each has videos of its own week to be compared with."""
    by_week: dict[int, list[int]] = {}
    for i, d in enumerate(days):
        by_week.setdefault(d.isocalendar()[1], []).append(i)
    busiest = max(by_week, key=lambda w: (len(by_week[w]), w))
    out: set[int] = set()
    for week, idx in by_week.items():
        if len(idx) >= 2:
            k = 2 if week == busiest and len(idx) >= 4 else 1
            out |= set(rng.choice(idx, size=k, replace=False).tolist())
    return out


def _videos(month: str, seed: int, hostile: bool) -> tuple[list[list[Any]], list[str],
                                                            set[int], list[str]]:
    rng = _rng(seed, month, 1)
    level = _LEVEL.get(month, _DEFAULT)
    days = _publish_days(month, rng)
    embedded = _embedded(days, rng)
    export = month_days(month)[-1] + timedelta(days=2)  # the download, two days after the month
    rows, ids, titles = [], [], []
    for i, d in enumerate(days):
        stamp = datetime(d.year, d.month, d.day, int(rng.choice([12, 18, 19, 20, 21])),
                         int(rng.choice([0, 15, 30])))
        age = (export - d).days
        grown = min(1.0, (age / 7) ** 0.5)  # plays still growing in the first week
        base = level["plays"] * rng.lognormal(0, 0.3)
        plays = round(base * (level["lift"] if i in embedded else 1.0) * grown)
        likes = round(plays * rng.uniform(0.018, 0.032))
        shares = round(plays * rng.uniform(0.008, 0.016))
        comments = round(plays * rng.uniform(0.002, 0.006))
        follows = round(plays * rng.uniform(0.004, 0.009))
        completion = rng.uniform(0.16, 0.34)
        from_oa = round(plays * (rng.uniform(0.28, 0.4) if i in embedded else
                                 rng.uniform(0.02, 0.06)))
        linked = i in embedded or rng.random() < 0.5
        title = _hostile(f"{_TOPICS[i % len(_TOPICS)]}｜青禾生活", i, hostile)
        vid = _video_id(seed, month, i)
        ids.append(vid)
        titles.append(title)
        rows.append([f"{stamp:%Y-%m-%d %H:%M}", title, vid, plays, likes, comments, shares,
                     follows, f"{completion * 100:.1f}%", from_oa, "是" if linked else "否"])
    return rows, ids, embedded, titles


_VIDEO_HEADER = ("发表时间", "视频描述", "视频ID", "播放量", "点赞", "评论", "分享", "关注", "完播率",
                 "订阅号消息播放量", "是否挂公众号文章链接")
_LIVE_HEADER = ("开播时间", "直播标题", "直播ID", "预约人数", "预约观看人数", "观看人数", "最高在线",
                "直播时长", "新增关注", "是否公众号预热")
_CARD_HEADER = ("文章标题", "发表日期", "视频ID", "视频标题")


def _lives(month: str, seed: int, hostile: bool) -> list[list[Any]]:
    rng = _rng(seed, month, 2)
    level = _LEVEL.get(month, _DEFAULT)
    y, m = (int(x) for x in month.split("-"))
    rows = []
    for k, (day, promoted) in enumerate(level["lives"]):
        reservations = int(rng.integers(1100, 1600) if promoted else rng.integers(550, 900))
        p = level["attend"][0 if promoted else 1]
        attended = int(rng.binomial(reservations, p))
        viewers = attended + int(attended * rng.uniform(1.1, 1.6))
        peak = round(viewers * rng.uniform(0.14, 0.22))
        minutes = int(rng.choice([75, 90, 105, 120]))
        follows = round(viewers * rng.uniform(0.02, 0.04))
        title = _hostile(f"{_LIVE_TOPICS[k % len(_LIVE_TOPICS)]}：{m}月{day}日", k + 3, hostile)
        rows.append([f"{y:04d}-{m:02d}-{day:02d} 20:00", title, f"live-{y}{m:02d}{day:02d}",
                     reservations, attended, viewers, peak,
                     f"{minutes // 60}:{minutes % 60:02d}:00", follows, "是" if promoted else "否"])
    return rows


def _cards(month: str, seed: int, hostile: bool, days: list[str], ids: list[str],
           embedded: set[int], titles: list[str]) -> list[list[Any]]:
    rows = []
    for n, i in enumerate(sorted(embedded)):
        day = date.fromisoformat(days[i][:10]) + timedelta(days=n % 2)
        article = _hostile(f"{_ARTICLES[n % len(_ARTICLES)]}{titles[i].split('｜')[-1]}", n,
                           hostile)
        rows.append([article, day.isoformat(), ids[i], titles[i]])
    # An article of the month that embedded a video of the month before.
    old = _video_id(seed, prev_month(month), 0)
    rows.append([_hostile("往期精选回顾", 5, hostile), f"{month}-02", old, "往期视频"])
    return rows


def _write(path: Path, header: tuple[str, ...], rows: list[list[Any]],
           title: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow(title)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``channels_videos.csv``, ``channels_lives.csv``, ``oa_channel_cards.csv`` and (for
    2026-10) ``channels_audience_overlap.csv`` for ``month``.

    Deterministic per seed and month; ``hostile`` only changes texts (titles), never a number.
    The datacube files are left as they are.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    videos, ids, embedded, titles = _videos(month, seed, hostile)
    first, last = month_days(month)[0], month_days(month)[-1]
    paths = [
        _write(folder / VIDEOS_FILE, _VIDEO_HEADER, videos,
               ["单篇视频数据", f"统计时间：{first} 至 {last}"]),
        _write(folder / LIVES_FILE, _LIVE_HEADER, _lives(month, seed, hostile)),
        _write(folder / CARDS_FILE, _CARD_HEADER,
               _cards(month, seed, hostile, [r[0] for r in videos], ids, embedded, titles)),
    ]
    if month == "2026-10":
        paths.append(_write(folder / OVERLAP_FILE, ("公众号用户数", "视频号用户数", "重合用户数", "口径"),
                            [[127099, 3860, 1506,
                              "直播预约名单与视频号小店订单的 unionid 对照 10-31 的公众号关注者列表"]]))
    return paths
