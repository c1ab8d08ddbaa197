"""Section 05's own sample inputs, opposite their reader ``wxnb.io.competitors.load``."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.io.competitors import (
    ART_COLUMNS,
    SCORE_COLUMNS,
    ARTICLES_FILE,
    OWN,
    SCORES_FILE,
)
from wxnb.io.datacube import month_days

__all__ = ["write_sample"]

@dataclass(frozen=True)
class _Rival:
    """A sample competitor: push rhythm, reach and engagement rates, manual scores."""

    name: str
    hostile_name: str
    push_p: tuple[float, ...]  # probability of a push on Mon … Sun
    per_push: tuple[float, ...]  # probability of 1, 2, … articles in a push
    head_reads: float  # median headline reads at level 1.0
    rates: tuple[float, float, float]  # 在看, likes, shares per read
    share_unknown: float  # share of rows whose share count was not collected
    viral: bool  # one 10万+ headline a month
    topics: tuple[str, ...]
    hooks: tuple[str, ...]
    scores: tuple[float, float]  # 活动创新度, 客服响应分钟


_RIVALS = (
    _Rival("竞品A", "竞品A<script>alert(1)</script>🔥", (0.97,) * 7, (0.7, 0.3), 2600,
           (0.006, 0.009, 0.014), 0.0, False,
           ("秋冬好物清单", "居家收纳小技巧", "一周穿搭灵感", "平价护肤推荐", "周末去哪儿",
            "厨房神器测评", "早餐快手做法", "租房改造计划", "通勤包里有什么"),
           ("今日推荐", "亲测好用", "建议收藏", "上新速递", "好物分享", "生活提案"), (4.5, 8.0)),
    _Rival("竞品B", '竞品B"><svg onload=alert(1)>', (0, 0.95, 0, 0.95, 0, 0.9, 0), (1.0,), 10000,
           (0.014, 0.02, 0.04), 0.0, True,
           ("一文读懂秋冬换季护肤", "买家电前必看的 5 个参数", "我们测了 12 款保温杯",
            "家庭收纳的底层逻辑", "为什么你的早餐总是不健康", "一张表算清年货预算",
            "睡眠质量差？先检查这 4 件事", "给父母挑按摩仪的避坑指南"),
           ("深度", "实测", "长文", "指南"), (2.8, 15.0)),
    _Rival("竞品C", "竞品C\u202e[点我](javascript:alert(1))<img src=x onerror=alert(1)>",
           (0.7, 0.7, 0.7, 0.7, 0.7, 0.3, 0.3), (0.75, 0.25), 4200, (0.009, 0.013, 0.022),
           0.25, False,
           ("会员日福利", "新品预告", "门店活动回顾", "用户故事", "品牌日记", "配方升级说明",
            "秋季限定上市", "直播预告"),
           ("本周", "福利", "速看", "活动"), (3.6, 10.0)),
)
_OWN_SCORES = (3.2, 12.0)


def _rng(seed: int, month: str) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 505])


def _level(month: str) -> float:
    year, mon = (int(x) for x in month.split("-"))
    return 1.03 ** ((year - 2026) * 12 + mon - 10)  # reach grows 3 % a month


def _title(rng: np.random.Generator, rival: _Rival, day: date, used: set[str]) -> str:
    title = f"{rng.choice(rival.hooks)}｜{rng.choice(rival.topics)}"
    if title in used:
        title += f"（{day.month}月{day.day}日）"
    while title in used:
        title += "·续"
    used.add(title)
    return title


def _reads_text(reads: int) -> str:
    return "10万+" if reads > 100_000 else str(reads)


def _rival_rows(rng: np.random.Generator, rival: _Rival, month: str,
                hostile: bool) -> list[dict[str, Any]]:
    level, used, rows = _level(month) * rng.lognormal(0, 0.04), set(), []
    for day in month_days(month):
        if rng.random() >= rival.push_p[day.weekday()]:
            continue
        for index in range(int(rng.choice(len(rival.per_push), p=rival.per_push)) + 1):
            factor = 1.0 if index == 0 else rng.uniform(0.25, 0.45)
            reads = int(rival.head_reads * level * factor * rng.lognormal(0, 0.35))
            z, lk, sh = (int(rng.poisson(reads * r * rng.lognormal(0, 0.25))) for r in rival.rates)
            unknown = rng.random() < rival.share_unknown
            title = _title(rng, rival, day, used)
            if hostile:
                from wxnb.samples.hostile import HOSTILE_TEXTS

                title = HOSTILE_TEXTS[len(rows) % len(HOSTILE_TEXTS)] + title
            rows.append({"account": rival.hostile_name if hostile else rival.name,
                         "publish_date": day.isoformat(), "title": title,
                         "is_headline": "1" if index == 0 else "0", "reads": reads,
                         "zaikan": z, "likes": lk, "shares": "" if unknown else sh})
    if rival.viral and rows:
        heads = [r for r in rows if r["is_headline"] == "1"]
        pick = heads[int(rng.integers(len(heads)))]
        pick["reads"] = int(rng.lognormal(np.log(125_000), 0.15))
        for k, rate in zip(("zaikan", "likes", "shares"), rival.rates, strict=True):
            pick[k] = int(pick["reads"] * rate)
    for r in rows:
        r["reads"] = _reads_text(r["reads"])
    return rows


def _write_csv(path: Path, header: Sequence[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(header))
        w.writeheader()
        w.writerows(rows)
    return path


def _score_rows(rng: np.random.Generator, hostile: bool) -> list[dict[str, Any]]:
    base = [(OWN, _OWN_SCORES)] + [(r.hostile_name if hostile else r.name, r.scores)
                                   for r in _RIVALS]
    return [{"account": name,
             "activity_innovation": f"{float(np.clip(act + rng.normal(0, 0.15), 0, 5)):.1f}",
             "service_response_min": f"{mins * rng.lognormal(0, 0.08):.0f}"}
            for name, (act, mins) in base]


def _detail_item(rng: np.random.Generator, item: dict[str, Any]) -> dict[str, Any]:
    zaikan, likes = rng.uniform(0.007, 0.013), rng.uniform(0.011, 0.019)
    comments = rng.uniform(0.001, 0.003)
    return {
        "ref_date": item["ref_date"], "msgid": item["msgid"], "title": item.get("title", ""),
        "publish_type": 0,
        "detail_list": [{
            "stat_date": d["stat_date"], "read_user": d["int_page_read_user"],
            "share_user": d["share_user"], "zaikan_user": round(d["int_page_read_user"] * zaikan),
            "like_user": round(d["int_page_read_user"] * likes),
            "comment_count": round(d["int_page_read_user"] * comments),
            "collection_user": d.get("add_to_fav_user", 0),
        } for d in item["details"]],
    }


def _detail_files(folder: Path, rng: np.random.Generator) -> list[Path]:
    out = []
    for src in sorted(folder.glob("getarticletotal_*.json")):
        body = json.loads(src.read_text(encoding="utf-8"))
        envelopes = body if isinstance(body, list) else [body]
        items = [_detail_item(rng, it) for env in envelopes for it in env.get("list", [])]
        path = folder / src.name.replace("getarticletotal_", "getarticletotaldetail_", 1)
        path.write_text(json.dumps({"list": items}, ensure_ascii=False), encoding="utf-8")
        out.append(path)
    return out


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write section 05's sample inputs into ``folder`` (which holds the month's datacube files).

    Writes ``getarticletotaldetail_<d>_<d>.json`` for our own account (one per
    ``getarticletotal`` file: read_user and share_user copied per stat_date, 在看 ≈ 1 and likes ≈
    1.5 per 100 readers, cumulative), ``competitor_articles.csv`` for 竞品A (daily, ~9 articles a
    week, lower per-article reads), 竞品B (three a week, high per-article reads, one 10万+) and
    竞品C (in between, a quarter of the share counts not collected), and
    ``competitor_scores.csv`` (本账号 included). ``hostile`` puts hostile strings into the
    competitor names and titles (every count stays the same).
    """
    folder = Path(folder)
    rng = _rng(seed, month)
    paths = _detail_files(folder, rng)
    rows = [r for rival in _RIVALS for r in _rival_rows(rng, rival, month, hostile)]
    paths.append(_write_csv(folder / ARTICLES_FILE, ART_COLUMNS, rows))
    paths.append(_write_csv(folder / SCORES_FILE, SCORE_COLUMNS, _score_rows(rng, hostile)))
    return paths
