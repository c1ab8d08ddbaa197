"""Section 14 视频号与公众号协同, what shows it: the key table, the seed's 联动方式 table with
this month's measurements, the weekly conversion, the videos, the card comparison, the lives
and the overlap, and their charts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure

from wxnb.io.channels import CARDS_FILE, LIVES_FILE, OVERLAP_FILE
from wxnb.kit import charts, fmt
from wxnb.sections.s14_channels.compute import (
    GROUPS,
    SOURCE_CHANNELS,
    SOURCE_LIVE,
    ChannelsSection,
    VideoStats,
    _week_start,
    p_text,
    row,
)

__all__ = [
    "key_html",
    "lift_html",
    "linkage_html",
    "lives_chart",
    "lives_html",
    "overlap_html",
    "plays_chart",
    "promotion_html",
    "video_summary_html",
    "videos_html",
    "weekly_chart",
    "weekly_html",
]

_STATUS_CSS = {"达标": "ok", "预警": "warn", "未达标": "bad"}


def _flag(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "—"
    return "是" if bool(v) else "否"


# --------------------------------------------------------------------------- management layer


def key_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    """联动方式 | 本月 | 环比 | 状态: four rows, short cells (a phone's width), plain words."""
    rows, css = [], []
    for r in sec.rows:
        value = r.short if r.value is not None else \
            ("样本不足" if r.status == "样本不足" else "未提供")
        rows.append([r.label, value, r.mom_text, r.status])
        css.append(["", "", "", _STATUS_CSS.get(r.status, "")])
    missing = [f"{r.label}需 {_file_of(r.key)}" for r in sec.rows
               if r.value is None and r.status != "样本不足" and _file_of(r.key)]
    cap = "卡片倍数为嵌入公众号卡片的视频与其他视频的播放量之比（观察性对比）"
    if missing:
        cap += "；" + "，".join(missing)
    return fmt.table(rows, ["联动方式", "本月", "环比", "状态"], numeric=(2,), wrap=(1,), css=css,
                     caption=cap)


def _file_of(key: str) -> str:
    return {"channels_live_attendance": LIVES_FILE, "channels_card_lift": CARDS_FILE,
            "channels_overlap": OVERLAP_FILE}.get(key, "")


# --------------------------------------------------------------------------- analyst layer


def linkage_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    """The seed's 联动方式 table, this month's measurements beside what the seed says."""
    c, lift, ov, v = sec.now.conversion, sec.now.lift, sec.now.overlap, sec.now.videos
    link = (f"{v.linked}/{v.n} 条视频挂公众号链接；" if v.linked is not None else "") + (
        f"来源视频号的新关注 {fmt.fmt_int(c.follows)} 人，每千次播放 {fmt.fmt_num(c.per_k, 1)} 个"
        if c.per_k is not None else row(sec, "channels_follow_conversion").missing)
    card = (f"播放量中位数为未嵌入的 {fmt.fmt_num(lift.ratio, 2)} 倍（{lift.n_embedded} 对 "
            f"{lift.n_other} 条）" if lift.available else lift.reason)
    overlap = (f"视频号受众中 {fmt.fmt_pct(ov.share_of_channels)} 已关注公众号" if ov
               else f"未测量（需 {OVERLAP_FILE}）")
    rows = [
        ["视频号插入公众号链接（引流效率）", link, "转化率 3%–7%",
         "资料未说明分子分母（像是链接点击率）；本报告为公众号新关注 ÷ 视频播放次数，不可直接比较"],
        ["公众号嵌入视频号卡片（引流效率）", card, "播放量提升 2.3 倍", "观察性对比，被嵌入的视频可能本来更好"],
        ["用户重合度", overlap, "32%–45%（链接）/ 51%–67%（卡片）",
         "资料未说明口径；本报告只报告 unionid 实测值，不分联动方式"],
        ["内容复用成本", "未测量", "降低 40%（链接）/ 增加 15%（卡片）", "需要制作工时记录"],
    ]
    return fmt.table(rows, ["联动方式", "本月实测", "种子资料所述", "口径说明"], wrap=(1, 2, 3),
                     cards=True, caption="种子资料（§五）的数字未注明来源，只作对照，不作目标")


def weekly_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    w = sec.weekly
    rows = []
    for _, r in w.iterrows():
        rows.append([
            f"{r['start']:%m-%d} 至 {r['end']:%m-%d}", fmt.fmt_int(r["videos"]),
            fmt.fmt_int(r["linked"]) if r["linked"] is not None and not pd.isna(r["linked"])
            else "—",
            fmt.fmt_int(r["plays"]), fmt.fmt_int(r["follows"]),
            fmt.fmt_num(r["per_k"], 2) if r["per_k"] is not None else "—",
            fmt.fmt_int(r["lives"]), fmt.fmt_int(r["viewers"]), fmt.fmt_int(r["live_follows"]),
        ])
    return fmt.table(rows, ["周", "发表视频", "挂公众号链接", "播放量", "视频号来源新关注",
                            "每千次播放新关注", "直播场次", "观看人数", "直播来源新关注"],
                     numeric=range(1, 9),
                     caption=f"新关注为 getusersummary 中 user_source {SOURCE_CHANNELS}/"
                             f"{SOURCE_LIVE} 的 new_user（按关注日）；播放量为当周发表视频到导出时的"
                             "累计播放")


def weekly_chart(sec: ChannelsSection) -> Figure | fmt.HtmlBlock:
    w = sec.weekly
    if w["per_k"].isna().all() or not w["plays"].sum():
        return fmt.notes([sec.now.follows.note or "本月没有播放或没有按来源的新关注"],
                         title="每周关注转化")
    fig, ax = charts._figure()
    x = np.arange(len(w))
    labels = [f"{r['start']:%m-%d}" for _, r in w.iterrows()]
    bars = ax.twinx()
    bars.bar(x, w["plays"], color=charts.PALETTE["muted"], width=0.6, alpha=0.6, label="播放量")
    bars.set_ylabel("播放量")
    bars.grid(False)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(x, w["per_k"].astype(float), color=charts.PALETTE["new"], marker="o", lw=1.8,
            label="每千次播放新关注")
    ax.set_ylabel("每千次播放新关注")
    ax.set_xticks(x, labels)
    ax.set_xlabel("周（起始日）")
    ax.set_title("视频号→公众号：每周播放量与每千次播放带来的新关注")
    ax.legend(loc="upper left")
    return fig


def _stat_rows(now: VideoStats, before: VideoStats | None) -> list[list[str]]:
    def rel(a: float | None, b: float | None) -> str:
        return fmt.fmt_signed_pct(a / b - 1) if a is not None and b else "—"

    def pp(a: float | None, b: float | None) -> str:
        return fmt.fmt_pp((a - b) * 100) if a is not None and b is not None else "—"

    b = before
    items: list[tuple[str, Any, Any, str, str]] = [
        ("发表视频数", now.n, b.n if b else None, "int", "rel"),
        ("播放量合计", now.plays, b.plays if b else None, "int", "rel"),
        ("每条播放量中位数", now.median_plays, b.median_plays if b else None, "int", "rel"),
        ("每条点赞中位数", now.median_likes, b.median_likes if b else None, "int", "rel"),
        ("每条分享中位数", now.median_shares, b.median_shares if b else None, "int", "rel"),
        ("每条评论中位数", now.median_comments, b.median_comments if b else None, "int", "rel"),
        ("点赞率（点赞 ÷ 播放）", now.like_rate, b.like_rate if b else None, "pct", "pp"),
        ("分享率（分享 ÷ 播放）", now.share_rate, b.share_rate if b else None, "pct", "pp"),
        ("完播率中位数", now.median_completion, b.median_completion if b else None, "pct", "pp"),
        ("视频号新增关注（视频号自己的）", now.channel_follows, b.channel_follows if b else None,
         "int", "rel"),
        ("挂公众号链接的视频", now.linked, b.linked if b else None, "int", "rel"),
        ("来自订阅号消息的播放", now.oa_msg_plays, b.oa_msg_plays if b else None, "int", "rel"),
    ]
    out = []
    for name, a, prev, kind, mode in items:
        if a is None and prev is None:
            continue
        show = (lambda x: fmt.fmt_int(x)) if kind == "int" else (lambda x: fmt.fmt_pct(x))
        mom = (rel if mode == "rel" else pp)(a, prev) if b is not None else "无上月数据"
        out.append([name, show(a), show(prev) if b is not None else "—", mom])
    return out


def video_summary_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    if not sec.now.videos.n:
        return fmt.notes(["本月没有发表视频"], title="视频表现")
    before = sec.before.videos if sec.before is not None else None
    return fmt.table(_stat_rows(sec.now.videos, before), ["指标", "本月", "上月", "环比"],
                     numeric=(1, 2, 3),
                     caption="点赞为爱心（喜欢）；比率为合计之比，中位数为每条视频的中位数")


def videos_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    v = sec.inputs.videos
    if v is None or v.empty:
        return fmt.notes(["本月没有发表视频"], title="视频明细")
    rows = []
    for _, r in v.iterrows():
        rows.append([f"{r['published']:%m-%d %H:%M}", r["title"] or "（无标题）",
                     fmt.fmt_int(r["plays"]), fmt.fmt_int(r["likes"]), fmt.fmt_int(r["shares"]),
                     fmt.fmt_int(r["comments"]), fmt.fmt_pct(r["completion"]),
                     fmt.fmt_int(r["follows"]), _flag(r["has_oa_link"]), _flag(r["embedded"])])
    return fmt.table(rows, ["发表时间", "标题", "播放量", "点赞", "分享", "评论", "完播率",
                            "视频号新增关注", "挂公众号链接", "公众号卡片"],
                     numeric=(2, 3, 4, 5, 6, 7), wrap=(1,),
                     caption=f"共 {len(rows)} 条；播放量为导出时的累计，最近发表的视频仍在增长")


def plays_chart(sec: ChannelsSection) -> Figure | fmt.HtmlBlock:
    v = sec.inputs.videos
    if v is None or v.empty:
        return fmt.notes(["本月没有发表视频"], title="视频播放量")
    fig, ax = charts._figure()
    if v["embedded"].notna().all() and sec.inputs.cards is not None:
        groups = [("公众号卡片嵌入", v[v["embedded"].astype(bool)], charts.PALETTE["new"]),
                  ("未嵌入", v[~v["embedded"].astype(bool)], charts.PALETTE["muted"])]
    else:
        groups = [("视频", v, charts.PALETTE["net"])]
    for label, part, color in groups:
        if part.empty:
            continue
        plays = part["plays"].clip(lower=1)  # a log axis: a video with no play at the bottom
        ax.scatter(part["published"], plays, s=46, color=color, label=label, zorder=3)
        ax.axhline(float(plays.median()), color=color, ls="--", lw=1.1)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda y, _: fmt.fmt_int(y)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylabel("播放量（对数刻度）")
    ax.set_title("每条视频的播放量（虚线为各组中位数）")
    ax.legend(loc="upper left")
    return fig


def lift_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    lift, v = sec.now.lift, sec.inputs.videos
    if not lift.available or v is None:
        return fmt.notes([lift.reason], title="卡片对比")
    e, o = v[v["embedded"].astype(bool)], v[~v["embedded"].astype(bool)]
    rows = []
    for name, part in (("公众号卡片嵌入", e), ("未嵌入", o)):
        q1, q3 = part["plays"].quantile([0.25, 0.75])
        rows.append([name, fmt.fmt_int(len(part)), fmt.fmt_int(part["plays"].median()),
                     f"{fmt.fmt_int(q1)}–{fmt.fmt_int(q3)}"])
    lo, hi = lift.ci
    summary = fmt.table(
        rows, ["组", "视频数", "播放量中位数", "四分位区间"], numeric=(1, 2, 3),
        caption=(f"中位数之比 {fmt.fmt_num(lift.ratio, 2)} 倍，自助法 95% 置信区间 "
                 f"{fmt.fmt_num(lo, 2)}–{fmt.fmt_num(hi, 2)}；Mann–Whitney U 双侧 "
                 f"{p_text(lift.p)}，嵌入视频播放量高于未嵌入视频的概率 {fmt.fmt_pct(lift.cles, 0)}"))
    weeks = o.assign(week=_week_start(o["published"])).groupby("week")["plays"].median()
    detail = []
    for _, r in e.iterrows():
        base = weeks.get(_week_start(pd.Series([r["published"]])).iloc[0])
        detail.append([f"{r['published']:%m-%d}", r["title"] or "（无标题）", fmt.fmt_int(r["plays"]),
                       fmt.fmt_int(base) if base is not None else "同周无对照",
                       fmt.fmt_num(r["plays"] / base, 2) if base else "—"])
    mcap = (f"同周对比：{lift.matched_n} 条有同周对照，几何平均 {fmt.fmt_num(lift.matched_ratio, 2)} 倍"
            f"（自助法 95% 置信区间 {fmt.fmt_num(lift.matched_ci[0], 2)}–"
            f"{fmt.fmt_num(lift.matched_ci[1], 2)}）" if lift.matched_ratio is not None
            else "同周对照不足 2 条，未计算同周对比")
    matched = fmt.table(detail, ["发表", "嵌入卡片的视频", "播放量", "同周未嵌入中位数", "倍数"],
                        numeric=(2, 3, 4), wrap=(1,), caption=mcap)
    return fmt.HtmlBlock(str(summary) + str(matched))


def lives_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    a = sec.now.attendance
    if a is None:
        return fmt.notes([f"未提供直播数据（{LIVES_FILE}）"], title="直播")
    lv = sec.inputs.lives
    assert lv is not None
    rows = []
    for (_, r), (_, t) in zip(lv.iterrows(), a.per_live.iterrows(), strict=True):
        rate = fmt.fmt_pct(t["rate"]) if not math.isnan(t["rate"]) else "—"
        ci = (f"{fmt.fmt_pct(t['lo'])}–{fmt.fmt_pct(t['hi'])}"
              if not math.isnan(t["lo"]) else "—")
        rows.append([f"{r['started']:%m-%d %H:%M}", r["title"] or "（无标题）", _flag(r["promoted"]),
                     fmt.fmt_int(r["reservations"]), fmt.fmt_int(r["reserved_viewers"]), rate, ci,
                     fmt.fmt_int(r["viewers"]), fmt.fmt_num(t["multiple"], 2),
                     fmt.fmt_int(r["peak"]), fmt.fmt_int(r["duration"], " 分钟")
                     if r["duration"] is not None and not pd.isna(r["duration"]) else "—",
                     fmt.fmt_int(r["follows"])])
    cap = "到场率 = 预约观看人数 ÷ 预约人数，区间为 Wilson 95% 置信区间；观看人数含未预约的观众"
    if a.rate is not None:
        cap += (f"；合计 {fmt.fmt_int(a.attended)} / {fmt.fmt_int(a.reservations)} = "
                f"{fmt.fmt_pct(a.rate)}")
    return fmt.table(rows, ["开播", "直播", "公众号预热", "预约", "预约观看", "到场率", "95% 区间",
                            "观看人数", "观看 ÷ 预约", "最高在线", "时长", "视频号新增关注"],
                     numeric=(3, 4, 5, 7, 8, 9, 10, 11), wrap=(1,), caption=cap)


def lives_chart(sec: ChannelsSection) -> Figure | fmt.HtmlBlock:
    a = sec.now.attendance
    if a is None:
        return fmt.notes([f"未提供直播数据（{LIVES_FILE}）"], title="直播到场率")
    t = a.per_live
    fig, ax = charts._figure(8.0, 0.55 * len(t) + 1.6)
    y = np.arange(len(t))
    labels = [f"{r['started']:%m-%d} {charts.safe_label(r['title'], 14)}" for _, r in t.iterrows()]
    promoted = t["promoted"].fillna(False).astype(bool) if t["promoted"].notna().any() \
        else pd.Series(False, index=t.index)
    colors = [charts.PALETTE["new"] if p else charts.PALETTE["muted"] for p in promoted]
    if a.measured:
        vals = t["rate"] * 100
        err = np.vstack([(t["rate"] - t["lo"]) * 100, (t["hi"] - t["rate"]) * 100])
        ax.barh(y, vals, color=colors, xerr=err, capsize=3)
        ax.set_xlabel("预约到场率（%，横线为 95% 区间）")
        ax.set_title("各场直播的预约到场率（绿色为公众号预热）")
    else:
        ax.barh(y, t["multiple"], color=colors)
        ax.set_xlabel("观看人数 ÷ 预约人数")
        ax.set_title("各场直播的观看与预约之比（绿色为公众号预热）")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    return fig


def promotion_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    pr = sec.now.promotion
    if not pr.available:
        return fmt.notes([pr.reason], title="公众号预热的直播")
    rows = []
    for name in GROUPS:
        g = pr.groups.loc[name]
        rows.append([name, fmt.fmt_int(g["lives"]), fmt.fmt_int(g["reservations"]),
                     fmt.fmt_int(g["attended"]) if g["attended"] is not None else "—",
                     fmt.fmt_pct(g["rate"]) if g["rate"] is not None else "—",
                     fmt.fmt_int(g["viewers"]), fmt.fmt_int(g["median_viewers"])])
    cap = [f"观看人数中位数之比 {fmt.fmt_num(pr.viewer_ratio, 2)}（Mann–Whitney "
           f"{p_text(pr.p_viewers)}）"]
    if pr.rate_ratio is not None:
        cap.append(f"到场率之比 {fmt.fmt_num(pr.rate_ratio, 2)}（按场次的置换检验 {p_text(pr.p_rate)}）")
    cap.append("每组场次少，观察性对比")
    return fmt.table(rows, ["直播", "场次", "预约", "预约观看", "到场率", "观看人数", "观看人数中位数"],
                     numeric=range(1, 7), caption="；".join(c for c in cap if c))


def overlap_html(sec: ChannelsSection) -> fmt.HtmlBlock:
    ov = sec.now.overlap
    if ov is None:
        return fmt.notes([f"未测量（需 {OVERLAP_FILE}：unionid 级别的对照，每人一行或一行计数）；"
                          "本报告不假设重合度"], title="用户重合度")
    lo, hi = ov.ci
    rows = [["视频号受众", fmt.fmt_int(ov.raw.channels_users), "—"],
            ["公众号用户", fmt.fmt_int(ov.raw.oa_users), "—"],
            ["两边都有", fmt.fmt_int(ov.raw.both), ""],
            ["占视频号受众", fmt.fmt_pct(ov.share_of_channels), f"{fmt.fmt_pct(lo)}–{fmt.fmt_pct(hi)}"],
            ["占公众号用户", fmt.fmt_pct(ov.share_of_oa, 2), "—"],
            ["Jaccard 指数", fmt.fmt_num(ov.jaccard, 3), "—"]]
    how = "逐人对照" if ov.raw.shape == "ids" else "计数"
    method = f"；口径：{ov.raw.method}" if ov.raw.method else ""
    return fmt.table(rows, ["", "人数 / 比例", "95% 置信区间（Wilson）"], numeric=(1, 2),
                     caption=f"来自 {ov.raw.file}（{how}{method}）")
