"""Section 14 视频号与公众号协同, the words: findings, narrative and data notes."""

from __future__ import annotations

import math
from dataclasses import replace

from wxnb.io.channels import CARDS_FILE, LIVES_FILE, OVERLAP_FILE, VIDEOS_FILE
from wxnb.io.codes import USER_SOURCE
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s14_channels.compute import (
    RECENT_DAYS,
    SECTION,
    SOURCE_CHANNELS,
    SOURCE_LIVE,
    ChannelsSection,
    KeyRow,
    p_text,
    row,
)

__all__ = ["data_notes", "findings", "narrative"]


_p = p_text


def _ci(ci: tuple[float, float], pct: bool = True, digits: int = 1) -> str:
    if any(math.isnan(x) for x in ci):
        return "—"
    f = (lambda x: fmt.fmt_pct(x, digits)) if pct else (lambda x: fmt.fmt_num(x, digits))
    return f"{f(ci[0])}–{f(ci[1])}"


def _mom(r: KeyRow) -> str:
    return f"环比 {r.mom_text}" if r.mom is not None else ""


def _target_clause(r: KeyRow) -> str:
    if r.status == "未设目标":
        return "，未设目标"
    if r.status == "未配置" or not r.target_text:
        return ""
    if r.uncertain:
        return (f"，低于参考值 {r.target_text.removeprefix('参考值 ')}，但视频条数少、差距尚不能确定")
    word = {"达标": "达到", "预警": "接近", "未达标": "低于"}.get(r.status, "对照")
    return f"，{word}{'参考值' if r.key == 'channels_card_lift' else '目标'} " \
           f"{r.target_text.removeprefix('参考值 ').removeprefix('≥ ')}"


def _finding(key: str, name: str, status: str, evidence: str, value: float | None,
             value_text: str, r: KeyRow | None = None, **extra: object) -> Finding:
    return Finding(
        section=SECTION[0], section_title=SECTION[1], metric=key, name=name, status=status,
        evidence=evidence, value=value, value_text=value_text,
        target=r.target if r else None, target_text=r.target_text if r else "",
        gap=r.gap if r else None, mom=r.mom if r else None,
        mom_text=r.mom_text if r else "", kind="kpi", extra=dict(extra),
    )


# --------------------------------------------------------------------------- findings


def _conversion_finding(sec: ChannelsSection) -> Finding | None:
    c, r = sec.now.conversion, row(sec, "channels_follow_conversion")
    if c.per_k is None:
        return None
    stats = [_mom(r)] if r.mom is not None else []
    if sec.mom_test is not None:
        rr, ci, p = sec.mom_test
        stats.append(f"率比 {fmt.fmt_num(rr, 2)}，95% 置信区间 {_ci(ci, False, 2)}，{_p(p)}")
    tail = f"（{'，'.join(stats)}）" if stats else ""
    text = (f"视频号带来公众号新关注 {fmt.fmt_int(c.follows)} 人，本月视频播放 "
            f"{fmt.fmt_int(c.plays)} 次，每千次播放 {fmt.fmt_num(c.per_k, 1)} 个新关注"
            f"{_target_clause(r)}{tail}")
    return _finding(r.key, "视频号→公众号关注转化", r.status, text, c.per_k,
                    f"每千次播放 {fmt.fmt_num(c.per_k, 1)} 个", r,
                    follows=c.follows, plays=c.plays)


def _live_follow_finding(sec: ChannelsSection) -> Finding | None:
    c = sec.now.conversion
    if c.live_rate is None or sec.now.attendance is None:
        return None
    n = len(sec.now.attendance.per_live)
    if c.live_follows == 0:
        text = (f"{n} 场直播观看 {fmt.fmt_int(c.viewers)} 人，直播没有带来公众号新关注"
                f"（用户增减数据中来源为{USER_SOURCE[SOURCE_LIVE]}的新关注为 0）")
        status = "提示"
    else:
        text = (f"{n} 场直播观看 {fmt.fmt_int(c.viewers)} 人，带来公众号新关注 "
                f"{fmt.fmt_int(c.live_follows)} 人，占观看人数的 {fmt.fmt_pct(c.live_rate, 2)}"
                f"（95% 置信区间 {_ci(c.live_ci, True, 2)}）")
        status = "未设目标"
    return _finding("channels_live_follow", "直播→公众号关注", status, text, c.live_rate,
                    fmt.fmt_pct(c.live_rate, 2), live_follows=c.live_follows, viewers=c.viewers)


def _attendance_finding(sec: ChannelsSection) -> Finding | None:
    a, r = sec.now.attendance, row(sec, "channels_live_attendance")
    if a is None or a.rate is None:
        return None
    stats = f"95% 置信区间 {_ci(a.ci)}" + (f"，{_mom(r)}" if r.mom is not None else "")
    text = (f"{len(a.per_live)} 场直播预约 {fmt.fmt_int(a.reservations)} 人，其中 "
            f"{fmt.fmt_int(a.attended)} 人到场观看，预约到场率 {fmt.fmt_pct(a.rate)}"
            f"{_target_clause(r)}（{stats}）")
    return _finding(r.key, "直播预约到场率", r.status, text, a.rate, fmt.fmt_pct(a.rate), r,
                    reservations=a.reservations, attended=a.attended)


def _lift_finding(sec: ChannelsSection) -> Finding | None:
    lift, r = sec.now.lift, row(sec, "channels_card_lift")
    if not lift.available or lift.ratio is None:
        return None
    matched = (f"；与同周发表的视频逐条对比为 {fmt.fmt_num(lift.matched_ratio, 1)} 倍"
               if lift.matched_ratio else "")
    text = (f"公众号文章嵌入卡片的 {lift.n_embedded} 条视频播放量中位数 "
            f"{fmt.fmt_int(lift.median_embedded)} 次，是其余 {lift.n_other} 条的 "
            f"{fmt.fmt_num(lift.ratio, 1)} 倍{_target_clause(r)}"
            f"（95% 置信区间 {_ci(lift.ci, False)}，Mann–Whitney {_p(lift.p)}{matched}；"
            "观察性对比，不代表因果）")
    return _finding(r.key, "公众号卡片带动视频播放", r.status, text, lift.ratio,
                    f"{fmt.fmt_num(lift.ratio, 1)} 倍", r, n_embedded=lift.n_embedded,
                    n_other=lift.n_other)


def _promotion_finding(sec: ChannelsSection) -> Finding | None:
    pr = sec.now.promotion
    if not pr.available or pr.value is None:
        return None
    a, b = pr.groups.iloc[0], pr.groups.iloc[1]
    if pr.rate_ratio is not None:
        text = (f"公众号预热的 {int(a['lives'])} 场直播预约到场率 {fmt.fmt_pct(a['rate'])}，"
                f"未预热的 {int(b['lives'])} 场 {fmt.fmt_pct(b['rate'])}，为 "
                f"{fmt.fmt_num(pr.rate_ratio, 1)} 倍（按场次的置换检验 {_p(pr.p_rate)}；场次少，仅供参考）")
    else:
        text = (f"公众号预热的 {int(a['lives'])} 场直播观看人数中位数 "
                f"{fmt.fmt_int(a['median_viewers'])}，未预热的 {int(b['lives'])} 场 "
                f"{fmt.fmt_int(b['median_viewers'])}，为 {fmt.fmt_num(pr.viewer_ratio, 1)} 倍"
                f"（Mann–Whitney 检验 {_p(pr.p_viewers)}；场次少，仅供参考）")
    return _finding("channels_live_promotion", "公众号预热直播的效果", "提示", text, pr.value,
                    f"{fmt.fmt_num(pr.value, 1)} 倍")


def _overlap_finding(sec: ChannelsSection) -> Finding | None:
    ov, r = sec.now.overlap, row(sec, "channels_overlap")
    if ov is None:
        return None
    mom = f"，{_mom(r)}" if r.mom is not None else ""
    text = (f"视频号受众中 {fmt.fmt_pct(ov.share_of_channels)} 已关注公众号"
            f"（{fmt.fmt_int(ov.raw.both)} / {fmt.fmt_int(ov.raw.channels_users)} 人，"
            f"95% 置信区间 {_ci(ov.ci)}{mom}），占公众号用户的 {fmt.fmt_pct(ov.share_of_oa, 2)}")
    return _finding(r.key, "公众号与视频号用户重合度", "提示", text, ov.share_of_channels,
                    fmt.fmt_pct(ov.share_of_channels), r, both=ov.raw.both,
                    channels_users=ov.raw.channels_users, oa_users=ov.raw.oa_users)


def _plays_finding(sec: ChannelsSection) -> Finding | None:
    v = sec.now.videos
    if not v.n:
        return None
    mom, mom_text = None, "无上月数据"
    if sec.before is not None and sec.before.videos.median_plays:
        mom = (v.median_plays or 0) / sec.before.videos.median_plays - 1
        mom_text = fmt.fmt_signed_pct(mom)
    text = (f"本月发表视频 {v.n} 条，播放 {fmt.fmt_int(v.plays)} 次，每条播放量中位数 "
            f"{fmt.fmt_int(v.median_plays)} 次" + (f"（环比 {mom_text}）" if mom is not None else "")
            + f"，点赞率 {fmt.fmt_pct(v.like_rate)}、分享率 {fmt.fmt_pct(v.share_rate)}")
    f = _finding("channels_video_plays", "视频号视频播放", "未设目标", text, v.median_plays,
                 f"{fmt.fmt_int(v.median_plays)} 次", videos=v.n, plays=v.plays)
    return replace(f, mom=mom, mom_text=mom_text)


def findings(sec: ChannelsSection) -> list[Finding]:
    """One finding per measured link between the accounts (none for an input not provided)."""
    makers = (_lift_finding, _conversion_finding, _attendance_finding, _live_follow_finding,
              _promotion_finding, _overlap_finding, _plays_finding)
    return [f for f in (m(sec) for m in makers) if f is not None]


# --------------------------------------------------------------------------- narrative


def _videos_paragraph(sec: ChannelsSection) -> str:
    v = sec.now.videos
    if not v.n:
        return f"本月没有发表视频（{VIDEOS_FILE} 中没有本月的行）。"
    parts = [f"本月视频号发表视频 {v.n} 条，播放 {fmt.fmt_int(v.plays)} 次，每条中位数 "
             f"{fmt.fmt_int(v.median_plays)} 次、点赞 {fmt.fmt_int(v.median_likes)}、分享 "
             f"{fmt.fmt_int(v.median_shares)}；点赞率 {fmt.fmt_pct(v.like_rate)}、分享率 "
             f"{fmt.fmt_pct(v.share_rate)}（点赞或分享次数 ÷ 播放次数）"]
    if sec.before is not None and sec.before.videos.n:
        b = sec.before.videos
        parts.append(f"上月 {b.n} 条、中位数 {fmt.fmt_int(b.median_plays)} 次")
    if v.linked is not None:
        parts.append(f"{v.linked} 条挂了公众号文章链接")
    if v.oa_msg_plays is not None and v.plays:
        parts.append(f"来自订阅号消息的播放 {fmt.fmt_int(v.oa_msg_plays)} 次，占 "
                     f"{fmt.fmt_pct(v.oa_msg_plays / v.plays)}")
    return "，".join(parts) + "。"


def _conversion_paragraph(sec: ChannelsSection) -> str:
    c, f = sec.now.conversion, sec.now.follows
    if not f.available:
        return f.note + "。"
    text = (f"用户增减数据中来源为{USER_SOURCE[SOURCE_CHANNELS]}（{SOURCE_CHANNELS}）的新关注 "
            f"{fmt.fmt_int(c.follows)} 人（同来源取消关注 {fmt.fmt_int(f.video_cancel)} 人），"
            f"折合每千次播放 {fmt.fmt_num(c.per_k, 2)} 个")
    if sec.mom_test is not None and sec.before is not None:
        b = sec.before.conversion
        rr, ci, p = sec.mom_test
        word = "变化不显著" if p >= 0.05 else ("显著下降" if rr < 1 else "显著上升")
        text += (f"；上月 {fmt.fmt_int(b.follows)} 人、每千次播放 {fmt.fmt_num(b.per_k, 2)} 个，"
                 f"率比 {fmt.fmt_num(rr, 2)}（95% 置信区间 {_ci(ci, False, 2)}，泊松率比检验 "
                 f"{_p(p)}，{word}）")
    wk = sec.weekly.dropna(subset=["per_k"])
    if len(wk) >= 2:
        best, worst = wk.loc[wk["per_k"].idxmax()], wk.loc[wk["per_k"].idxmin()]
        text += (f"；按周看，{best['start']:%m-%d} 那周最高（每千次 {fmt.fmt_num(best['per_k'], 1)}"
                 f" 个），{worst['start']:%m-%d} 那周最低（{fmt.fmt_num(worst['per_k'], 1)} 个）")
    return text + "。"


def _lives_paragraph(sec: ChannelsSection) -> str:
    a, c = sec.now.attendance, sec.now.conversion
    if a is None:
        return f"本月没有直播数据（{LIVES_FILE}），直播的预约、到场与带来的关注无法评估。"
    text = (f"本月直播 {len(a.per_live)} 场，预约 {fmt.fmt_int(a.reservations)} 人，观看 "
            f"{fmt.fmt_int(a.viewers)} 人（观看为预约的 {fmt.fmt_num(a.multiple, 1)} 倍，观看含未预约的人）")
    if a.rate is not None:
        low = a.per_live.loc[a.per_live["rate"].idxmin()]
        text += (f"；预约用户中 {fmt.fmt_int(a.attended)} 人到场，预约到场率 {fmt.fmt_pct(a.rate)}"
                 f"（95% 置信区间 {_ci(a.ci)}），最低一场为 {low['started']:%m-%d}"
                 f"（{fmt.fmt_pct(low['rate'])}）")
    else:
        text += "；导出没有预约观看人数，预约到场率无法计算"
    if c.live_follows is not None:
        text += (f"；来源为{USER_SOURCE[SOURCE_LIVE]}的公众号新关注 {fmt.fmt_int(c.live_follows)} 人"
                 + (f"，占观看人数的 {fmt.fmt_pct(c.live_rate, 2)}" if c.live_follows else ""))
    pr = sec.now.promotion
    if pr.available:
        a_, b_ = pr.groups.iloc[0], pr.groups.iloc[1]
        if pr.rate_ratio is not None:
            text += (f"；公众号预热的 {int(a_['lives'])} 场到场率 {fmt.fmt_pct(a_['rate'])}，未预热的 "
                     f"{int(b_['lives'])} 场 {fmt.fmt_pct(b_['rate'])}（按场次的置换检验 {_p(pr.p_rate)}）")
        text += (f"，观看人数中位数 {fmt.fmt_int(a_['median_viewers'])} 对 "
                 f"{fmt.fmt_int(b_['median_viewers'])}（Mann–Whitney {_p(pr.p_viewers)}；每组场次少，"
                 "仅供参考）")
    else:
        text += f"；{pr.reason}"
    return text + "。"


def _lift_paragraph(sec: ChannelsSection) -> str:
    lift = sec.now.lift
    if not lift.available:
        return f"公众号嵌入视频号卡片的效果：{lift.reason}。"
    bench = sec.params.channels_card_lift_benchmark
    text = (f"被公众号文章嵌入卡片的 {lift.n_embedded} 条视频播放量中位数 "
            f"{fmt.fmt_int(lift.median_embedded)} 次，其余 {lift.n_other} 条 "
            f"{fmt.fmt_int(lift.median_other)} 次，为 {fmt.fmt_num(lift.ratio, 2)} 倍（自助法 95% "
            f"置信区间 {_ci(lift.ci, False, 2)}；Mann–Whitney {_p(lift.p)}，嵌入卡片的视频播放量高于"
            f"一条未嵌入视频的概率为 {fmt.fmt_pct(lift.cles, 0)}）")
    if lift.matched_ratio is not None:
        text += (f"；与同周发表、未嵌入卡片的视频逐条对比（{lift.matched_n} 条，控制发表时间与"
                 f"播放累积天数），为 {fmt.fmt_num(lift.matched_ratio, 2)} 倍（95% 置信区间 "
                 f"{_ci(lift.matched_ci, False, 2)}）")
    if bench:
        text += f"；参考值 {fmt.fmt_num(bench, 1)} 倍（种子资料，未注明来源）"
    return text + "。这是观察性对比：被选去嵌入的视频可能本来就更好，倍数不等于卡片带来的增量。"


def _overlap_paragraph(sec: ChannelsSection) -> str:
    ov = sec.now.overlap
    if ov is None:
        return (f"用户重合度未测量（需 {OVERLAP_FILE}：unionid 级别的对照），本报告不假设重合度。")
    how = "逐人对照" if ov.raw.shape == "ids" else "计数"
    method = f"，口径：{ov.raw.method}" if ov.raw.method else ""
    return (f"用户重合度（{ov.raw.file}，{how}{method}）：视频号受众 {fmt.fmt_int(ov.raw.channels_users)} 人中 "
            f"{fmt.fmt_int(ov.raw.both)} 人已关注公众号，占 {fmt.fmt_pct(ov.share_of_channels)}（95% "
            f"置信区间 {_ci(ov.ci)}）；占公众号用户 {fmt.fmt_int(ov.raw.oa_users)} 人的 "
            f"{fmt.fmt_pct(ov.share_of_oa, 2)}，Jaccard 指数 {fmt.fmt_num(ov.jaccard, 3)}。")


def narrative(sec: ChannelsSection) -> list[str]:
    """The paragraphs of 详细结论, every figure computed from ``sec``."""
    parts = [_videos_paragraph(sec), _conversion_paragraph(sec), _lift_paragraph(sec),
             _lives_paragraph(sec), _overlap_paragraph(sec)]
    return [p for p in parts if p]


# --------------------------------------------------------------------------- notes


def data_notes(sec: ChannelsSection) -> list[str]:
    """Caveats: missing files, the previous month, the definitions (口径)."""
    notes = list(sec.inputs.warnings)
    if sec.prev_note:
        notes.append(sec.prev_note)
    if sec.now.follows.note:
        notes.append(sec.now.follows.note)
    for r in sec.rows:
        if r.missing:
            notes.append(f"{r.label}：{r.missing}")
    notes.append(f"视频号→公众号关注：用户增减数据（getusersummary）中 user_source {SOURCE_CHANNELS}"
                 f"（{USER_SOURCE[SOURCE_CHANNELS]}）与 {SOURCE_LIVE}（{USER_SOURCE[SOURCE_LIVE]}）"
                 "的 new_user，按关注当天计；只能按最后一次关注场景归因（单触点）。分母是本月发表视频的"
                 "播放次数（次数，不是人数），而新关注也可能来自更早的视频与视频号主页，所以它是账号层面"
                 "的效率，不是某条视频的转化率。")
    if sec.now.videos.recent:
        notes.append(f"{sec.now.videos.recent} 条视频发表于本月最后 {RECENT_DAYS} 天，导出时播放量仍在增长；"
                     "按周的转化与卡片对比中的“同周对比”已把发表时间相近的视频放在一起比较。")
    notes.append("视频号助手的“关注”是视频号自己的关注者，不是公众号的关注；“点赞”是爱心（喜欢），"
                 "“朋友♡/推荐”是另一个数，未读取。")
    notes.append("卡片对比与公众号预热对比是观察性的（没有随机分组），区间为自助法（4,000 次重抽样）"
                 "的 95% 百分位区间，检验为双侧 Mann–Whitney U 与以场次为单位的置换检验"
                 "（同一场直播的预约用户不是相互独立的样本）。")
    notes.append("种子资料的联动方式表（转化率 3%–7%、播放量提升 2.3 倍、用户重合度 32%–67%、内容"
                 "复用成本）未注明来源与口径，只作对照；内容复用成本需要制作工时记录，本报告不估计。")
    if sec.inputs.cards is None:
        notes.append(f"未提供 {CARDS_FILE}：无法对比被公众号嵌入卡片的视频与其他视频。")
    return list(dict.fromkeys(notes))
