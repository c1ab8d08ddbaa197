"""Section 07's own sample inputs, opposite their reader ``wxnb.io.risk.load``."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from wxnb.kit import metrics
from wxnb.exceptions import DataValidationError
from wxnb.io.datacube import load_month, month_days
from wxnb.io.risk import (
    INCIDENTS_FILE,
    INCIDENT_COLUMNS,
    LABELS,
    TEXTS_FILE,
)

__all__ = ["write_sample"]

# (day, type, severity, description, action, resolved (days after, "HH:MM") or None)
_BUSY = (
    (3, "诱导分享违规", "中", "抽奖推文文案出现“转发朋友圈截图领取”", "删除诱导话术，改为评论区抽奖",
     (0, "18:30")),
    (9, "数据泄露隐患", "高", "第三方表单插件把用户手机号明文回传到插件服务器",
     "已停用该插件，改用自建表单并加密传输，正在排查历史数据", None),
    (13, "诱导分享违规", "中", "抽奖推文中写“分享给3位好友可提高中奖率”", "修改文案并在评论区置顶更正说明",
     (1, "11:00")),
    (15, "负面舆情", "高", "清仓推送后评论区集中质疑“最后3天”和原价，取关激增",
     "专项公关小组逐条回复评论，发布价格说明", (2, "20:00")),
    (15, "虚假宣传", "中", "清仓推文“全场5折起”，部分商品实际折扣不足标称", "更正文案，促销用语交法务复核",
     (1, "15:00")),
    (16, "负面舆情", "中", "微博转帖称我们“先涨后降”，转发约300次", "官方账号澄清并公布近90天价格记录",
     (2, "10:30")),
    (20, "负面舆情", "低", "护手霜促销推送下多条评论反映发货慢", "客服逐条回复并同步物流进度", (1, "17:00")),
    (22, "其他", "低", "小程序上新推文的链接跳转失败（与接口故障同期）", "修复跳转链接", (0, "23:00")),
    (24, "诱导分享违规", "低", "门店扫码活动海报写“关注并转发才能领券”", "撤换海报，改为关注即领",
     (2, "16:00")),
    (28, "负面舆情", "中", "用户私信投诉福袋商品与描述不符", "退款处理中，核查福袋选品", None),
)
_QUIET = (
    (4, "诱导分享违规", "中", "集赞活动推文要求“集满20个赞领取”", "活动改为评论抽奖", (1, "12:00")),
    (11, "负面舆情", "低", "评论区反映四件套起球", "客服回复并提供退换货通道", (1, "09:30")),
    (17, "违规内容", "中", "转载文章未注明来源被投诉", "补充来源并与原作者沟通授权", (2, "14:00")),
    (19, "数据泄露隐患", "中", "运营同事用个人网盘保存粉丝导出表", "删除文件，收回导出权限", (3, "10:00")),
    (23, "负面舆情", "中", "门店活动排队过久，留言集中吐槽", "致歉并发放补偿券", (1, "21:00")),
    (27, "诱导分享违规", "低", "裂变海报使用“不转不是中国人”类话术", "撤下海报并培训文案规范", (0, "16:30")),
)
_SPIKES = {"2026-10": {"2026-10-15": 24, "2026-10-16": 17}}
_PRODUCTS = ("护手霜", "真丝眼罩", "挂耳咖啡", "帆布包", "羊毛毯", "保温杯", "桌面加湿器", "四件套", "毛巾")
_POOLS: dict[str, tuple[str, ...]] = {
    "正面": ("干货满满，已经收藏了，谢谢小编", "买过{p}，质量很不错，会回购", "支持青禾，期待上新！",
           "写得真好，学到了", "{p}真的好用，推荐给朋友了", "包装很用心，细节满意", "一直在用，靠谱",
           "这期排版好看，内容也实用", "终于等到{p}，开心", "冲冲冲"),
    "中性": ("请问{p}什么时候补货？", "门店周末几点开门", "{p}可以机洗吗", "有没有大一点的尺寸",
           "已转发", "打卡", "怎么参加抽奖", "求链接", "问题：{p}能放洗碗机吗", "第几篇讲过这个？"),
    "负面": ("{p}发货太慢了，等了一周", "客服一直不回复，很失望", "质量一般，不值这个价",
           "退款申请三天了还没人理", "用了两次就起球，差评", "收到的{p}有破损", "价格太贵了",
           "谢谢，已取关"),
}
_MESSAGES: dict[str, tuple[str, ...]] = {
    "正面": ("谢谢客服，问题解决了", "收到货了，很满意", "你们家的{p}很好用"),
    "中性": ("怎么修改收货地址", "发票怎么开", "会员积分在哪里查", "{p}还有货吗", "人工客服"),
    "负面": ("推送太多了，有点骚扰", "怎么取消订阅，每天都推", "订单一直没发货，投诉", "{p}有异味，要退货"),
}
_PROMO_NEGATIVE = (
    "又是最后3天？上个月也这么说，虚假宣传", "先涨价再打5折，套路太深", "上周刚原价买的，现在5折，感觉被割韭菜",
    "推送太频繁了，取关了", "对比过价格，根本不是5折，骗人", "福袋全是库存货，失望", "清仓清了一年了吧，呵呵",
    "天天促销，太刷屏了", "真是好一个最后3天", "谢谢，已取关",
)
_MIX = {"comment": (0.45, 0.42, 0.13), "message": (0.25, 0.55, 0.20)}


def _hostile(i: int) -> str:
    from wxnb.samples.hostile import HOSTILE_TEXTS

    return HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _incident_rows(month: str, hostile: bool) -> list[list[str]]:
    days = month_days(month)
    rows = []
    for i, (day, kind, sev, desc, action, done) in enumerate(_BUSY if month == "2026-10"
                                                              else _QUIET):
        d = days[min(day, len(days)) - 1]
        resolved = "" if done is None else \
            f"{date.fromordinal(d.toordinal() + done[0]).isoformat()} {done[1]}"
        if hostile:
            desc, action = desc + _hostile(i), action + _hostile(i + 1)
        rows.append([d.isoformat(), kind, sev, desc, action, resolved,
                     "处理中" if done is None else "已关闭"])
    return rows


def _sample_articles(folder: Path, month: str) -> list[tuple[date, str, str, int]]:
    """(push date, msgid, title, readers) of the month's articles (kit.metrics.article_final)."""
    try:
        a = metrics.article_final(load_month(folder, month, endpoints=metrics.ARTICLE_ENDPOINTS),
                                  delivered=False)
    except DataValidationError:
        days = month_days(month)
        return [(days[min(d, len(days)) - 1], "", f"{p}的{n}个用法", 1500)
                for d, p, n in ((3, "帆布包", 5), (10, "护手霜", 7), (15, "保温杯", 3),
                                (24, "羊毛毯", 6))]
    return [(r["ref_date"].date(), str(r["msgid"]), str(r["title"]), int(r["int_page_read_user"]))
            for _, r in a.iterrows()]


def _product(rng: np.random.Generator, title: str) -> str:
    named = [p for p in _PRODUCTS if p in title]
    return named[0] if named else str(rng.choice(_PRODUCTS))


def _text_row(rng: np.random.Generator, day: date, hour: int, article: tuple[Any, ...] | None,
              mood: str, pool: tuple[str, ...]) -> list[str]:
    title = article[2] if article else ""
    text = str(rng.choice(pool)).format(p=_product(rng, title))
    ref = "" if article is None else (article[1] if article[1] and rng.random() < 0.8 else title)
    label = mood if rng.random() < 0.5 else ""
    return [f"{day.isoformat()} {hour:02d}:{int(rng.integers(60)):02d}", ref, text, label]


def _comments(rng: np.random.Generator, month: str,
              articles: list[tuple[date, str, str, int]]) -> list[list[str]]:
    days = set(month_days(month))
    median = float(np.median([a[3] for a in articles])) or 1.0
    rows = []
    for a in articles:
        for _ in range(int(rng.poisson(7 * np.sqrt(a[3] / median)))):
            lag = int(rng.choice(4, p=(0.55, 0.25, 0.12, 0.08)))
            day = date.fromordinal(a[0].toordinal() + lag)
            mood = LABELS[int(rng.choice(3, p=_MIX["comment"]))]
            row = _text_row(rng, day, int(rng.integers(8, 24)), a, mood, _POOLS[mood])
            if day in days:
                rows.append(row)
    for day in sorted(days):
        for _ in range(int(rng.poisson(2.5))):
            mood = LABELS[int(rng.choice(3, p=_MIX["message"]))]
            rows.append(_text_row(rng, day, int(rng.integers(8, 24)), None, mood, _MESSAGES[mood]))
    return rows


def _spike_rows(rng: np.random.Generator, month: str,
                articles: list[tuple[date, str, str, int]]) -> list[list[str]]:
    spikes = _SPIKES.get(month, {})
    first = date.fromisoformat(min(spikes)) if spikes else None
    last_push = max((a[0] for a in articles if first and a[0] <= first), default=None)
    push = [a for a in articles if a[0] == last_push]
    rows = []
    for day_text, n in spikes.items():
        day = date.fromisoformat(day_text)
        for _ in range(n):
            pick = rng.choice(3, p=(0.7, 0.15, 0.15))
            art = None if pick == 2 or not push else push[min(int(pick), len(push) - 1)]
            hour = int(rng.integers(20, 24)) if day == first else int(rng.integers(7, 24))
            rows.append(_text_row(rng, day, hour, art, "负面", _PROMO_NEGATIVE))
    return rows


def _text_rows(folder: Path, month: str, seed: int, hostile: bool) -> list[list[str]]:
    year, mon = (int(x) for x in month.split("-"))
    rng = np.random.default_rng([seed, year * 100 + mon, 7007])
    articles = _sample_articles(folder, month)
    rows = sorted(_comments(rng, month, articles) + _spike_rows(rng, month, articles),
                  key=lambda r: r[0])
    if hostile:
        for i, r in enumerate(rows):
            r[2] += _hostile(i)
            if r[1] and not r[1][:1].isdigit():
                r[1] = _hostile(i + 3) + r[1]
    return rows


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``incidents.csv`` and ``user_texts.csv`` for one month into ``folder``.

    2026-10 has 10 incidents (诱导分享违规 3, 负面舆情 4, 数据泄露隐患 1 still open and 高,
    虚假宣传 1, 其他 1; 2 open) and a negative-comment spike on 10-15/16 on the 10-15 清仓 push
    (the sample's unfollow spike); any other month has 6 incidents, all closed, and no spike.
    Comments refer to the month's articles in the folder's getarticletotal files (msgid, or the
    title for one in five); about half the texts carry a hand label. ``hostile`` appends hostile
    strings to every free text without changing any random draw.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(folder / INCIDENTS_FILE, (*INCIDENT_COLUMNS, "status"),
                   _incident_rows(month, hostile)),
        _write_csv(folder / TEXTS_FILE, ("time", "article", "text", "label"),
                   _text_rows(folder, month, seed, hostile)),
    ]
