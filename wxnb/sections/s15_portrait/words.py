"""Section 15 用户画像, the words: narrative, data notes and findings."""

from __future__ import annotations

import math

from wxnb.io.portrait import AUDIENCE_FILE, DIMENSIONS
from wxnb.kit import fmt
from wxnb.kit.findings import Finding
from wxnb.sections.s15_portrait.compute import (
    AGE_CAP,
    ALPHA,
    SECTION,
    SOURCES_TEXT,
    DimView,
    PortraitSection,
    Shift,
    _is_other,
)

__all__ = ["data_notes", "findings", "narrative"]


# --------------------------------------------------------------------------- pieces


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _pp(v: float, digits: int = 1) -> str:
    return fmt.fmt_pp(v, digits)


def _share_list(v: DimView, n: int = 3, *, others: bool = False) -> str:
    f = v.frame().sort_values(["count", "category"], ascending=[False, True])
    if not others:
        f = f[~f["category"].map(_is_other)]
    return "、".join(f"{c} {fmt.fmt_pct(s)}" for c, s in zip(f["category"].head(n),
                                                             f["share"].head(n), strict=True))


def _movers_text(s: Shift, n: int = 3) -> str:
    m = s.movers.head(n)
    return "、".join(f"{c} {_pp(d)}" for c, d in zip(m["category"], m["delta_pp"], strict=True))


def _moved_sentence(v: DimView) -> str:
    s = v.shift
    assert s is not None
    movers = _movers_text(s)
    what = f"：{movers}" if movers else \
        f"，变化最大的是 {s.largest['category']} {_pp(s.largest['delta_pp'])}"
    return (f"{v.label}结构较上月明显变化，总变化 {fmt.fmt_num(s.tv_pp, 1)} 个百分点{what}"
            f"（总变异距离；卡方检验 Holm 校正后 {_p(s.p_holm)}，本月 {fmt.fmt_int(s.n_now)} 人、"
            f"上月 {fmt.fmt_int(s.n_before)} 人）")


# --------------------------------------------------------------------------- narrative


def _profile(sec: PortraitSection) -> str:
    p = sec.portrait
    if p is None:
        return f"本月没有画像数据（需 {SOURCES_TEXT}）。"
    parts = []
    for key in ("gender", "age", "province", "city", "platform"):
        v = sec.dims.get(key)
        if v is None:
            parts.append(f"{DIMENSIONS[key]}未提供")
            continue
        parts.append(f"{v.label} {_share_list(v, 4 if key == 'age' else 3)}")
    n = max((v.now.total for v in sec.dims.values()), default=0)
    return (f"本月画像取自{p.base}，约 {fmt.fmt_int(n)} 人。" + "；".join(parts) + "。")


def _shift_paragraph(sec: PortraitSection) -> str:
    if sec.portrait is None:
        return ""
    if not sec.compared:
        why = sec.compare_note or sec.prev_note or "上月没有可比的画像"
        return f"环比：{why}。"
    moved = sec.moved
    stable = [v for v in sec.dims.values() if v.shift is not None and not v.shift.moved]
    out = [_moved_sentence(v) for v in moved]
    if stable:
        tvs = "、".join(fmt.fmt_num(v.shift.tv_pp, 1) for v in stable if v.shift is not None)
        out.append("、".join(v.label for v in stable) + f"结构与上月基本一致（总变化分别为 {tvs} "
                   "个百分点）")
    return "；".join(out) + "。"


def _match_paragraph(sec: PortraitSection) -> str:
    m = sec.match
    if m is None:
        return f"{sec.match_note}。" if sec.match_note else ""
    t = m.table
    parts = [f"{r.content_type} {fmt.fmt_pct(r.coverage)}" for r in t.itertuples()
             if r.coverage == r.coverage]
    head = "各内容形式的目标人群占粉丝：" + "、".join(parts) + "。" if parts else ""
    if m.best_fit is None:
        return head + "本月有阅读数据且可计算覆盖率的内容形式不足 2 种，无法对照表现。"
    return head + _match_sentence(sec) + "。"


def _match_sentence(sec: PortraitSection) -> str:
    m = sec.match
    assert m is not None and m.best_fit is not None
    t = m.table.set_index("content_type")
    fit, best = t.loc[m.best_fit], t.loc[m.best_reads]
    rho = (f"，覆盖率与阅读中位数的等级相关 {fmt.fmt_num(m.rho, 2)}" if m.rho is not None
           else "")
    tail = f"（{m.published} 种本月发布的内容形式{rho}，样本少，仅供参考）"
    if m.matched:
        return (f"受众覆盖最高的{m.best_fit}也是阅读最好的内容形式，目标人群占粉丝 "
                f"{fmt.fmt_pct(fit['coverage'])}、阅读中位数 {fmt.fmt_int(fit['reads_median'])}"
                f"{tail}")
    return (f"受众覆盖最高的{m.best_fit}阅读中位数只排第 {m.fit_rank}/{m.published}，目标人群占粉丝 "
            f"{fmt.fmt_pct(fit['coverage'])}、阅读中位数 {fmt.fmt_int(fit['reads_median'])}；"
            f"阅读最好的是{m.best_reads}，阅读中位数 {fmt.fmt_int(best['reads_median'])}、覆盖 "
            f"{fmt.fmt_pct(best['coverage'])}{tail}")


def narrative(sec: PortraitSection) -> list[str]:
    """The paragraphs, every figure computed from ``sec``."""
    parts = [_profile(sec), _shift_paragraph(sec), _match_paragraph(sec)]
    return [p for p in parts if p]


# --------------------------------------------------------------------------- notes


def data_notes(sec: PortraitSection) -> list[str]:
    """Caveats: sources, missing files, the previous month, the methods' assumptions."""
    notes = list(sec.notes)
    p = sec.portrait
    if p is None:
        notes.append(f"本月没有画像数据：需 {SOURCES_TEXT}")
    elif p.kind == "export":
        notes.append(f"画像取自 {'、'.join(p.files)}：公众号后台“用户分析 → 用户属性”为下载前一天的"
                     "关注用户快照，文件中没有日期，请在月末下载；各维度的基数为该维度列出的人数之和")
    else:
        notes.append(f"画像取自 {'、'.join(p.files)}：{p.base}；接口只能查询最近的日期，"
                     "30 天窗口与自然月不完全一致")
    for key in DIMENSIONS:
        if p is not None and key not in sec.dims:
            notes.append(f"本月画像没有{DIMENSIONS[key]}分布")
    if sec.prev_note:
        notes.append(sec.prev_note)
    if sec.compare_note:
        notes.append(sec.compare_note)
    notes.extend(v.note for v in sec.dims.values() if v.note)
    if sec.compared:
        merged = [f"{v.label} {v.shift.merged} 个" for v in sec.dims.values()
                  if v.shift is not None and v.shift.merged > 1]
        notes.append(
            f"结构变化的判定：卡方齐性检验（按比较的 {sum(v.shift is not None for v in sec.dims.values())} "
            f"个维度做 Holm 校正，显著性水平 {ALPHA:g}）且总变异距离 ≥ "
            f"{fmt.fmt_num(sec.params.portrait_shift_pp, 1)} 个百分点；点名的类别另需两比例 z 检验"
            f"（维度内 Holm 校正）显著且变化 ≥ {fmt.fmt_num(sec.params.portrait_category_pp, 1)} 个百分点"
            + (f"；期望人数不足 5 的类别合并后检验（{'、'.join(merged)}）" if merged else ""))
    if sec.match_note:
        notes.append(sec.match_note)
    if sec.match is not None:
        notes.extend(sec.match.notes)
        notes.append(f"覆盖率 = 粉丝中目标人群的占比（{AUDIENCE_FILE}；未知类别不计入基数）；多个维度"
                     "相乘，假定维度间相互独立（后台不提供交叉表）；年龄区间与分组只部分重叠时按岁数"
                     f"均匀分布折算，开口分组（如 50岁以上）按至 {AGE_CAP} 岁计；内容表现为第 03 章口径的"
                     "阅读中位数与分享率；覆盖面越宽的目标人群覆盖率越高")
    if p is not None and sec.dims:
        totals = {v.label: v.now.total for v in sec.dims.values()}
        lo, hi = min(totals.values()), max(totals.values())
        if lo and hi / lo > 1.02:
            notes.append("各维度的人数合计不同（" + "、".join(
                f"{k} {fmt.fmt_int(n)}" for k, n in totals.items()) + "），占比按各自的合计计算")
    return list(dict.fromkeys(n for n in notes if n))


# --------------------------------------------------------------------------- findings


def _base(metric: str, name: str, status: str, evidence: str, **kw: object) -> Finding:
    return Finding(section=SECTION[0], section_title=SECTION[1], metric=metric, name=name,
                   status=status, evidence=evidence, **kw)  # type: ignore[arg-type]


def _profile_finding(sec: PortraitSection) -> Finding | None:
    parts = []
    for key in ("gender", "age", "province", "platform"):
        v = sec.dims.get(key)
        main = v.main if v is not None else None
        if main is not None:
            parts.append(f"{main[0]} {fmt.fmt_pct(main[1])}")
    if not parts:
        return None
    text = "、".join(parts)
    return _base("portrait_profile", "粉丝主要人群", "未设目标",
                 f"粉丝主要人群为 {text}（各维度占比最高的类别，{sec.portrait.base}）",  # type: ignore[union-attr]
                 value_text=text, kind="kpi")


def _shift_finding(v: DimView) -> Finding:
    s = v.shift
    assert s is not None and s.moved
    top = s.movers.iloc[0] if len(s.movers) else s.largest
    extra = {"tv_pp": s.tv_pp, "chi2": s.chi2, "dof": s.dof, "p_holm": s.p_holm,
             "n_now": s.n_now, "n_before": s.n_before, "category": str(top["category"]),
             "movers": {str(c): float(d) for c, d in zip(s.movers["category"],
                                                        s.movers["delta_pp"], strict=True)}}
    return _base(f"portrait_shift:{v.key}", f"{v.label}结构变化", "提示", _moved_sentence(v),
                 value=s.tv_pp, value_text=f"{fmt.fmt_num(s.tv_pp, 1)} 个百分点",
                 mom=float(top["delta_pp"]), mom_text=f"{top['category']} {_pp(top['delta_pp'])}",
                 kind="event", extra=extra)


def _match_finding(sec: PortraitSection) -> Finding | None:
    m = sec.match
    if m is None or m.best_fit is None or m.fit_rank is None:
        return None
    fit = m.table.set_index("content_type").loc[m.best_fit]
    return _base("portrait_content_match", "人群与内容匹配", "未设目标" if m.matched else "提示",
                 _match_sentence(sec), value=float(m.fit_rank),
                 value_text=f"{m.best_fit} 阅读排第 {m.fit_rank}/{m.published}",
                 kind="kpi",
                 extra={"best_fit": m.best_fit, "best_reads": m.best_reads,
                        "coverage": float(fit["coverage"]),
                        "rho": None if m.rho is None or math.isnan(m.rho) else m.rho})


def findings(sec: PortraitSection) -> list[Finding]:
    """The main groups (未设目标: a portrait has no target), one 提示 event per dimension
    whose structure moved (largest first; a stable dimension is said in the narrative only),
    the content match (未设目标 when the best-fitting 内容形式 also reads best: there is no
    target to meet, and nothing to act on; else 提示)."""
    out = []
    profile = _profile_finding(sec)
    if profile is not None:
        out.append(profile)
    out.extend(_shift_finding(v) for v in sec.moved)
    match = _match_finding(sec)
    if match is not None:
        out.append(match)
    return out
