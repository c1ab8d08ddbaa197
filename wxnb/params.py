"""Report parameters: the validated model and the layered YAML files that fill it.

Layers, later wins: ``parameters/defaults.yaml`` → ``parameters/accounts/<account>.yaml`` →
``parameters/months/<account>/<YYYY-MM>.yaml`` → command-line overrides. Everything is validated
before any kernel starts; papermill itself only warns about unknown names and never checks types.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wxnb import paths
from wxnb.exceptions import ParameterError

__all__ = [
    "IDENTITY",
    "ReportParams",
    "check_identity",
    "from_namespace",
    "load_params",
    "parse_override",
    "read_layer",
]

# ASCII digits only: Python's and pydantic's \d also match full-width and other Unicode digits.
MONTH_PATTERN = r"^(19[7-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])$"
MONTH_RULE = "YYYY-MM，年份 1970–2099（半角数字）"
ACCOUNT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
ACCOUNT_MAX = 64  # a folder name under data/ and outputs/: far below any file system's limit
ACCOUNT_RULE = f"字母或数字开头，只含字母、数字、_ 和 -，最长 {ACCOUNT_MAX} 个字符"
# Chosen with --account / --month (the folders and the YAML layers depend on them), never --set.
IDENTITY = ("account", "month")


#: Section 12's channels (``wxnb.io.touch.CHANNELS`` is this tuple; the parameters validate
#: ``touch_benchmarks`` against it without importing a reader: base comes before io).
TOUCH_CHANNELS: tuple[str, ...] = ("模板消息", "服务号推送", "社群通知")


class ReportParams(BaseModel):
    """Every parameter a section notebook may receive. Names equal the notebooks' parameters."""

    # allow_inf_nan=False: .inf or .nan (YAML) is never a target, a benchmark or a threshold.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    month: str = Field(pattern=MONTH_PATTERN, description="报告月份 YYYY-MM")
    account: str = Field(pattern=ACCOUNT_PATTERN, max_length=ACCOUNT_MAX, description="账号标识")
    account_name: str = Field("", description="账号显示名称，留空时用 account")
    data_dir: str = Field("", description="本月数据目录，留空时为 data/<account>/<month>")
    prev_data_dir: str = Field("", description="上月数据目录，留空时为本月目录的同级上月目录")
    # Monthly targets (月度目标); None = 未设目标.
    target_net_followers: int | None = None
    target_cumulate_followers: int | None = None
    target_read_count: int | None = None
    target_read_user: int | None = None
    target_open_rate: float | None = Field(None, ge=0, le=1)
    target_headline_open_rate: float | None = Field(None, ge=0, le=1)
    target_share_rate: float | None = Field(None, ge=0, le=1)
    target_conversion_rate: float | None = Field(None, ge=0, le=1)
    # Industry benchmarks (行业均值) with their source; None = 未配置, never invented.
    benchmark_source: str = ""
    benchmark_net_followers: int | None = None
    benchmark_net_growth_rate: float | None = Field(None, ge=-1, le=1)
    benchmark_read_count: int | None = None
    benchmark_read_user: int | None = None
    benchmark_open_rate: float | None = Field(None, ge=0, le=1)
    benchmark_headline_open_rate: float | None = Field(None, ge=0, le=1)
    benchmark_share_rate: float | None = Field(None, ge=0, le=1)
    benchmark_conversion_rate: float | None = Field(None, ge=0, le=1)
    # Thresholds.
    status_warn_ratio: float = Field(0.9, gt=0, le=1, description="达成率 ≥ 此值为预警，低于为未达标")
    anomaly_z: float = Field(3.5, gt=0, description="稳健 z 分数超过此值判为异常")
    anomaly_window: int = Field(7, ge=3, le=31, description="异常检测的滚动中位数窗口（天）")
    # Section 05–07 standards and methods.
    wci_weights: Literal["gsdata-v14.2", "v14.2-2021-no-shares"] = Field(
        "gsdata-v14.2", description="WCI 权重版本（清博 V14.2 当前 / 2021 无转发版）")
    api_success_standard: float = Field(0.995, ge=0, le=1, description="接口成功率标准")
    miniprogram_load_standard: float = Field(1.5, gt=0, description="小程序加载时间标准（秒）")
    autoreply_accuracy_standard: float = Field(0.85, ge=0, le=1, description="自动回复准确率标准")
    negative_spike_z: float = Field(3.0, gt=0, description="负面舆情日峰值的稳健 z 阈值")
    # Sections 02-04 (event log) rules: business rules, not standards; printed next to each number.
    fan_active_weekly: float = Field(3.0, gt=0, description="活跃粉丝：周均互动次数 ≥ 此值")
    fan_loyal_days: int = Field(7, ge=2, le=31, description="忠诚粉丝：最长连续活跃天数 ≥ 此值")
    fan_influence_reach: int = Field(
        10, ge=1, description="有影响力粉丝：其分享带来的阅读人数 ≥ 此值（好友数不可观测）")
    fan_core_min_dims: int = Field(2, ge=1, le=3, description="核心粉丝：满足的维度数 ≥ 此值")
    viral_read_multiple: float = Field(3.0, gt=1, description="爆款：阅读人数 ≥ 本月中位数 × 此倍数")
    funnel_material_pp: float = Field(
        0.01, ge=0, le=1, description="漏斗环比：显著且变化 ≥ 此值（百分点）才点名")
    event_memory_limit: str = Field(
        "1GB", pattern=r"^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$",
        description="DuckDB 处理事件日志的内存上限（超出部分写临时文件），由同时运行的章节均分")
    event_workers: int = Field(
        1, ge=1, le=64,
        description="同时处理事件日志的章节数（wxnb build 按并行进程数设置）：内存上限与 CPU 线程由它们均分")
    # Where the sections write and read their findings; empty = outputs/<account>/<month>.
    output_dir: str = Field("", description="章节结论 JSON 的目录，留空时为 outputs/<account>/<month>")
    # Next month's plan (section 08).
    rules_file: str = Field("", description="建议规则文件，留空时为 parameters/rules.yaml")
    commentary_file: str = Field(
        "", description="分析师点评文件，留空时为 parameters/months/<account>/<month>.commentary.yaml")
    pdca_band: float = Field(0.1, ge=0, le=0.5, description="下月目标的弹性区间（±比例）")
    owner_tech: str = "技术部"
    owner_marketing: str = "市场部"
    owner_service: str = "客服中心"
    manual_recommendations: list[dict[str, str]] = Field(
        default_factory=list, description="人工补充的建议：text、owner、priority")
    # >>> 09 裂变活动 (section 09_fission): its parameters only, between these markers
    # Industry experience values per campaign type (the seed's table: 平均获客成本, 次日留存率,
    # 合规风险等级) as {类型: {cac_low, cac_high (元/人), day1_retention (fraction, optional),
    # risk (高/中/低, optional)}}, and where they come from. A type not listed is 未配置.
    fission_benchmarks: dict[str, dict[str, float | str]] = Field(
        default_factory=dict,
        description="裂变行业经验值：类型（任务宝/拼团/抽奖/体验官/其他）→ cac_low/cac_high（元/人）、"
                    "day1_retention（小数）、risk（高/中/低）；未列出的类型为未配置")
    fission_benchmark_source: str = Field(
        "", description="fission_benchmarks 的出处（报告中与数字并列）")
    fission_min_users: int = Field(
        30, ge=1, description="次日留存：可观察的新增用户少于此数时只列出、不与经验值比较")

    @field_validator("fission_benchmarks", mode="before")
    @classmethod
    def _fission_benchmarks(cls, v: Any) -> Any:
        # Each entry: cac_low ≤ cac_high (元, ≥ 0), day1_retention in [0, 1], risk 高/中/低;
        # YAML ints become floats (strict mode refuses int for float).
        if not isinstance(v, dict):
            return v  # the type check says what is wrong
        types = ("任务宝", "拼团", "抽奖", "体验官", "其他")  # wxnb.io.fission.TYPES (tested equal)
        out: dict[str, dict[str, float | str]] = {}
        for kind, entry in v.items():
            where = f"fission_benchmarks.{kind}"
            if kind not in types:
                raise ValueError(f"{where}: 类型应为 {'、'.join(types)} 之一")
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: 应为 {{cac_low, cac_high, day1_retention, risk}}")
            unknown = set(entry) - {"cac_low", "cac_high", "day1_retention", "risk"}
            if unknown:
                raise ValueError(f"{where}: 未知字段 {sorted(unknown)}")
            row: dict[str, float | str] = {}
            for key in ("cac_low", "cac_high", "day1_retention"):
                x = entry.get(key)
                if x is None:
                    if key != "day1_retention":
                        raise ValueError(f"{where}.{key}: 必填（元/人）")
                    continue
                if isinstance(x, bool) or not isinstance(x, int | float) or x != x \
                        or x in (float("inf"), float("-inf")) or x < 0:
                    raise ValueError(f"{where}.{key}: 应为 ≥ 0 的数，实际为 {x!r}")
                row[key] = float(x)
            if row["cac_low"] > row["cac_high"]:
                raise ValueError(f"{where}: cac_low 不能大于 cac_high")
            if row.get("day1_retention", 0.0) > 1:  # type: ignore[operator]
                raise ValueError(f"{where}.day1_retention: 应为 0–1 的小数（41% 写 0.41）")
            if entry.get("risk") is not None:
                if entry["risk"] not in ("高", "中", "低"):
                    raise ValueError(f"{where}.risk: 应为 高、中、低 之一")
                row["risk"] = entry["risk"]
            out[str(kind)] = row
        return out
    # <<< 09 裂变活动
    # >>> 10 广告投放 (section 10_ads): its parameters only, between these markers
    # Industry reference values (the seed's table: 平均CTR, 转化成本, 投放最佳时段) as
    # {行业: {ctr_low, ctr_high (fractions), cpa_low, cpa_high (元), best_slot (text)}}, the row
    # to compare with (ads_industry, "" = 未配置) and where the figures come from.
    ads_benchmarks: dict[str, dict[str, float | str]] = Field(
        default_factory=dict,
        description="广告行业参考值：行业 → ctr_low/ctr_high（小数）、cpa_low/cpa_high（元）、best_slot")
    ads_industry: str = Field("", description="对照 ads_benchmarks 的哪个行业，留空 = 未配置")
    ads_benchmark_source: str = Field("", description="ads_benchmarks 的出处（报告中与数字并列）")
    target_ads_ctr: float | None = Field(None, ge=0, le=1, description="广告点击率目标（小数）")
    target_ads_cpa: float | None = Field(None, gt=0, description="广告转化成本目标（元，≤ 为达标）")
    target_ads_roi: float | None = Field(None, ge=0, description="广告 ROI 目标（归因收入 ÷ 花费）")
    ads_min_conversions: int = Field(
        30, ge=1, description="转化次数少于此值的版位：转化成本标注“转化少”，以区间判断是否超出目标")
    ads_slot_hours: int = Field(2, description="投放时段宽度（小时，可整除 24：1、2、3、4、6、8、12）")
    ads_min_slot_views: int = Field(
        2000, ge=0, description="时段曝光少于此值不参与最佳时段比较（样本不足）")
    ads_attribution: str = Field(
        "", description="ads_orders.csv 的归因口径（如 广告后台转化归因：末次点击、点击后 7 天）")

    @field_validator("target_ads_ctr", "target_ads_cpa", "target_ads_roi", mode="before")
    @classmethod
    def _ads_int_is_a_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("ads_slot_hours")
    @classmethod
    def _ads_slot_divides_the_day(cls, v: int) -> int:
        if v not in (1, 2, 3, 4, 6, 8, 12):
            raise ValueError("应为可整除 24 的小时数：1、2、3、4、6、8、12")
        return v

    @field_validator("ads_benchmarks")
    @classmethod
    def _ads_benchmark_rows(cls, v: dict[str, dict[str, float | str]]
                            ) -> dict[str, dict[str, float | str]]:
        for industry, row in v.items():
            unknown = set(row) - {"ctr_low", "ctr_high", "cpa_low", "cpa_high", "best_slot"}
            if unknown:
                raise ValueError(f"{industry}: 未知键 {sorted(unknown)}（可用 ctr_low、ctr_high、"
                                 "cpa_low、cpa_high、best_slot）")
            for key in ("ctr_low", "ctr_high", "cpa_low", "cpa_high"):
                x = row.get(key)
                if x is not None and (isinstance(x, str) or not 0 <= x < float("inf")
                                      or key.startswith("ctr") and x > 1):
                    raise ValueError(f"{industry}.{key} = {x!r}: 应为非负数"
                                     + ("（点击率写小数，≤ 1）" if key.startswith("ctr") else "（元）"))
            for lo, hi in (("ctr_low", "ctr_high"), ("cpa_low", "cpa_high")):
                a, b = row.get(lo), row.get(hi)
                if isinstance(a, float | int) and isinstance(b, float | int) and a > b:
                    raise ValueError(f"{industry}: {lo} 不能大于 {hi}")
            if not isinstance(row.get("best_slot", ""), str):
                raise ValueError(f"{industry}.best_slot 应为文字")
        return v

    @field_validator("ads_industry")
    @classmethod
    def _ads_industry_known(cls, v: str, info: Any) -> str:
        table = info.data.get("ads_benchmarks")
        if v and table is not None and v not in table:
            raise ValueError(f"ads_benchmarks 中没有行业 {v!r}（现有：{'、'.join(table) or '无'}）")
        return v
    # <<< 10 广告投放
    # >>> 11 企业微信试点 (section 11_wecom): its parameters only, between these markers
    # The pilot is judged by difference-in-differences with permutation inference over the
    # stores / staff (wxnb.kit.did): these are the method's settings, not targets.
    wecom_min_pre_days: int = Field(
        14, ge=7, le=120, description="试点前至少需要的天数（不足则不估计净提升）")
    wecom_repurchase_days: int = Field(
        14, ge=1, le=60, description="复购窗口：首单后多少天内（不含首单当天）再次下单算复购")
    wecom_min_units: int = Field(
        4, ge=2, le=100, description="试点与对照各至少多少家门店（名员工）才判断效果是否可信")
    wecom_alpha: float = Field(
        0.05, gt=0, lt=0.5, description="净提升的显著性水平（Holm 校正后，区间为 1 − 此值）")
    wecom_pretrend_alpha: float = Field(
        0.10, gt=0, lt=0.5, description="前期趋势检验的水平（p 低于此值判为前期走势不同）")
    wecom_permutations: int = Field(
        5000, ge=500, le=200_000, description="置换检验的随机分组次数（分组方式更少时逐一枚举）")

    @field_validator("wecom_alpha", "wecom_pretrend_alpha", mode="before")
    @classmethod
    def _wecom_int_is_a_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    # <<< 11 企业微信试点
    # >>> 12 触达渠道 (section 12): its parameters only, between these markers
    # The seed's touch-channel table (平均打开率, 转化成本, 适用场景) as {渠道: {open_low,
    # open_high (fractions), cost_low, cost_high (元), scene (text)}} and where it comes from;
    # a channel not listed is 未配置. The send slots, activity tiers and A/B settings are
    # business rules and method settings, printed next to each number.
    touch_benchmarks: dict[str, dict[str, float | str]] = Field(
        default_factory=dict,
        description="触达渠道行业经验值：渠道（模板消息/服务号推送/社群通知）→ open_low/open_high"
                    "（小数）、cost_low/cost_high（元）、scene（适用场景）")
    touch_benchmark_source: str = Field("", description="touch_benchmarks 的出处（报告中与数字并列）")
    touch_block_rate_warn: float = Field(
        0.05, ge=0, le=1, description="模板消息拒收率（用户拒收 ÷ 全部回调）高于此值为预警")
    touch_commute_hours: list[list[int]] = Field(
        default_factory=lambda: [[7, 9], [17, 19]],
        description="通勤时段：工作日发送时刻落在这些 [开始, 结束) 小时区间内")
    touch_evening_hours: list[list[int]] = Field(
        default_factory=lambda: [[19, 22]],
        description="周末晚间：休息日发送时刻落在这些 [开始, 结束) 小时区间内")
    touch_calendar: dict[str, str] = Field(
        default_factory=dict,
        description="节假日与调休：日期 YYYY-MM-DD → 工作日/休息日；未列出的日期按周一至周五为工作日")
    touch_slot_min_sends: int = Field(
        3, ge=2, le=100, description="时段比较：每个时段至少这么多次发送（推送或通知）才参与检验")
    touch_tier_high: int = Field(
        10, ge=2, le=10_000, description="高活跃：分层月份的互动次数 ≥ 此值")
    touch_tier_mid: int = Field(
        3, ge=1, le=10_000, description="中活跃：互动次数 ≥ 此值（且低于高活跃）；1 次起为低活跃，0 次为沉睡")
    touch_alpha: float = Field(
        0.05, gt=0, lt=0.5, description="时段、分层与 A/B 检验的显著性水平（Holm 校正后）")
    touch_ab_mde: float = Field(
        0.2, gt=0, le=5, description="A/B 测试要能检出的最小相对提升（0.2 = 打开率高 20%），据此算每组最小样本")
    touch_ab_power: float = Field(
        0.8, gt=0, lt=1, description="A/B 测试最小样本的统计功效")
    touch_ab_srm_alpha: float = Field(
        0.001, gt=0, lt=0.5, description="分流比例检查（卡方）p 低于此值判为分流异常")

    @field_validator("touch_block_rate_warn", "touch_alpha", "touch_ab_mde", "touch_ab_power",
                     "touch_ab_srm_alpha", mode="before")
    @classmethod
    def _touch_int_is_a_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("touch_benchmarks", mode="before")
    @classmethod
    def _touch_benchmarks(cls, v: Any) -> Any:
        # Each entry: open_low ≤ open_high in [0, 1], cost_low ≤ cost_high ≥ 0 (元), scene text;
        # YAML ints become floats (strict mode refuses int for float).
        if not isinstance(v, dict):
            return v  # the type check says what is wrong
        out: dict[str, dict[str, float | str]] = {}
        for channel, entry in v.items():
            where = f"touch_benchmarks.{channel}"
            if channel not in TOUCH_CHANNELS:
                raise ValueError(f"{where}: 渠道应为 {'、'.join(TOUCH_CHANNELS)} 之一")
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: 应为 {{open_low, open_high, cost_low, cost_high, scene}}")
            unknown = set(entry) - {"open_low", "open_high", "cost_low", "cost_high", "scene"}
            if unknown:
                raise ValueError(f"{where}: 未知字段 {sorted(unknown)}")
            row: dict[str, float | str] = {}
            for key in ("open_low", "open_high", "cost_low", "cost_high"):
                x = entry.get(key)
                if x is None:
                    continue
                if isinstance(x, bool) or not isinstance(x, int | float) or x != x \
                        or x in (float("inf"), float("-inf")) or x < 0 \
                        or key.startswith("open") and x > 1:
                    raise ValueError(f"{where}.{key}: 应为 ≥ 0 的数"
                                     + ("（打开率写小数，12% 写 0.12）" if key.startswith("open")
                                        else "（元）") + f"，实际为 {x!r}")
                row[key] = float(x)
            for lo, hi in (("open_low", "open_high"), ("cost_low", "cost_high")):
                if (lo in row) != (hi in row):
                    raise ValueError(f"{where}: {lo} 与 {hi} 同时填写")
                if lo in row and row[lo] > row[hi]:  # type: ignore[operator]
                    raise ValueError(f"{where}: {lo} 不能大于 {hi}")
            scene = entry.get("scene", "")
            if not isinstance(scene, str):
                raise ValueError(f"{where}.scene: 应为文字")
            row["scene"] = scene
            out[str(channel)] = row
        return out

    @field_validator("touch_commute_hours", "touch_evening_hours")
    @classmethod
    def _touch_hours(cls, v: list[list[int]]) -> list[list[int]]:
        for pair in v:
            if len(pair) != 2 or not 0 <= pair[0] < pair[1] <= 24:
                raise ValueError(f"{pair}: 每个区间应为 [开始, 结束)，0 ≤ 开始 < 结束 ≤ 24")
        return v

    @field_validator("touch_calendar")
    @classmethod
    def _touch_calendar(cls, v: dict[str, str]) -> dict[str, str]:
        from datetime import date

        for day, kind in v.items():
            try:
                ok = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day) is not None \
                    and date.fromisoformat(day) is not None
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{day!r}: 日期应为 YYYY-MM-DD")
            if kind not in ("工作日", "休息日"):
                raise ValueError(f"{day}: 应为 工作日 或 休息日，实际为 {kind!r}")
        return v

    @field_validator("touch_tier_mid")
    @classmethod
    def _touch_tiers_ordered(cls, v: int, info: Any) -> int:
        high = info.data.get("touch_tier_high")
        if high is not None and v >= high:
            raise ValueError(f"应小于 touch_tier_high（{high}）")
        return v
    # <<< 12 触达渠道
    # >>> 13 小程序 (section 13): its parameters only, between these markers
    # Which pages are the funnel's 首页 and 商品详情页: shell-style patterns (* and ?) matched
    # against getVisitPage's page_path (no query string).
    mp_home_pages: list[str] = Field(
        default_factory=lambda: ["pages/index/index"],
        description="小程序漏斗的首页：页面路径模式（可用 * 与 ?，与访问页面数据的页面路径匹配）")
    mp_detail_pages: list[str] = Field(
        default_factory=lambda: ["pages/goods/detail*"],
        description="小程序漏斗的商品详情页：页面路径模式（可用 * 与 ?）")
    target_mp_pay_conversion: float | None = Field(
        None, ge=0, le=1, description="小程序支付转化率目标（支付人数 ÷ 详情页访问人数，小数）")
    target_mp_retention_d7: float | None = Field(
        None, ge=0, le=1, description="小程序新用户七日留存率目标（小数）")
    target_mp_arpu: float | None = Field(
        None, ge=0, description="小程序 ARPU 目标（元，当月收入 ÷ 当月活跃用户）")
    # Reference values per 小程序类型 (the seed's table: 七日留存率, ARPU值, 次月活跃率) as
    # {类型: {retention_d7_low, retention_d7_high, next_month_active (fractions), arpu_low,
    # arpu_high (元)}}, the row to compare with (mp_type, "" = 未配置) and their source.
    mp_benchmarks: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="小程序类型参考值：类型 → retention_d7_low/high、next_month_active（小数）、"
                    "arpu_low/high（元）")
    mp_type: str = Field("", description="对照 mp_benchmarks 的哪个小程序类型，留空 = 未配置")
    mp_benchmark_source: str = Field("", description="mp_benchmarks 的出处（报告中与数字并列）")
    mp_stage_standards_ms: dict[str, float] = Field(
        default_factory=dict,
        description="启动各阶段耗时标准（毫秒）：阶段中文名（如 代码包下载耗时）→ 上限；"
                    "启动总耗时的标准是 miniprogram_load_standard")
    mp_stage_material: float = Field(
        0.1, ge=0, le=10, description="启动阶段变慢：显著且比上月慢 ≥ 此比例才点名")

    @field_validator("mp_home_pages", "mp_detail_pages")
    @classmethod
    def _mp_patterns(cls, v: list[str]) -> list[str]:
        if not v or any(not p.strip() for p in v):
            raise ValueError("至少一个非空的页面路径模式，如 pages/goods/detail*")
        return [p.strip() for p in v]

    @field_validator("mp_benchmarks")
    @classmethod
    def _mp_benchmark_rows(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        keys = ("retention_d7_low", "retention_d7_high", "next_month_active", "arpu_low",
                "arpu_high")
        for kind, row in v.items():
            unknown = set(row) - set(keys)
            if unknown:
                raise ValueError(f"{kind}: 未知键 {sorted(unknown)}（可用 {'、'.join(keys)}）")
            for key, x in row.items():
                if not 0 <= x < float("inf") or (not key.startswith("arpu") and x > 1):
                    raise ValueError(f"{kind}.{key} = {x!r}: 应为非负数"
                                     + ("（元）" if key.startswith("arpu") else "（小数，≤ 1）"))
            for lo, hi in (("retention_d7_low", "retention_d7_high"),
                           ("arpu_low", "arpu_high")):
                if lo in row and hi in row and row[lo] > row[hi]:
                    raise ValueError(f"{kind}: {lo} 不能大于 {hi}")
        return v

    @field_validator("mp_type")
    @classmethod
    def _mp_type_known(cls, v: str, info: Any) -> str:
        table = info.data.get("mp_benchmarks")
        if v and table is not None and v not in table:
            raise ValueError(f"mp_benchmarks 中没有类型 {v!r}（现有：{'、'.join(table) or '无'}）")
        return v

    @field_validator("mp_stage_standards_ms")
    @classmethod
    def _mp_stage_standards(cls, v: dict[str, float]) -> dict[str, float]:
        for stage, ms in v.items():
            if not 0 < ms < float("inf"):
                raise ValueError(f"{stage} = {ms!r}: 应为正数（毫秒）")
        return v

    @field_validator("target_mp_pay_conversion", "target_mp_retention_d7", "target_mp_arpu",
                     "mp_stage_material", mode="before")
    @classmethod
    def _mp_int_is_a_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    # <<< 13 小程序
    # >>> 14 视频号与生态协同 (section 14): its parameters only, between these markers
    channels_follow_conversion_target: float | None = Field(
        None, gt=0, description="视频号→公众号：每千次视频播放带来的公众号新关注（来源视频号）目标")
    channels_attendance_target: float | None = Field(
        None, ge=0, le=1, description="直播预约到场率目标（预约观看人数 ÷ 预约人数）")
    channels_card_lift_benchmark: float | None = Field(
        2.3, gt=0, description="公众号嵌入视频号卡片：视频播放量为未嵌入的倍数的参考值"
                               "（种子资料 §五“播放量提升2.3倍”，原文未注明来源与口径）")
    channels_min_videos: int = Field(
        3, ge=2, le=100, description="卡片对比：嵌入与未嵌入卡片的视频每组至少几条才计算倍数")

    @field_validator("channels_follow_conversion_target", "channels_attendance_target",
                     "channels_card_lift_benchmark", mode="before")
    @classmethod
    def _channels_int_is_a_float(cls, v: Any) -> Any:
        # YAML writes 3 for 3.0; strict mode would refuse it. bool is not a number here.
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    # <<< 14 视频号与生态协同
    # >>> 15 用户画像 (section 15): its parameters only, between these markers
    portrait_api_base: Literal["visit_uv", "visit_uv_new"] = Field(
        "visit_uv", description="用户画像接口文件读取哪部分：visit_uv（活跃访问用户）或 "
                                "visit_uv_new（新访问用户）")
    portrait_top_cities: int = Field(10, ge=1, le=50, description="城市分布列出前几名，其余合为其他城市")
    portrait_shift_pp: float = Field(
        2.0, ge=0, le=100,
        description="维度结构变化：总变异距离 ≥ 此值（百分点）且卡方检验显著才判为结构变化")
    portrait_category_pp: float = Field(
        1.0, ge=0, le=100, description="类别点名：占比变化 ≥ 此值（百分点）且检验显著")

    @field_validator("portrait_shift_pp", "portrait_category_pp", mode="before")
    @classmethod
    def _portrait_int_is_a_float(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    # <<< 15 用户画像

    @field_validator(
        "target_open_rate",
        "target_headline_open_rate",
        "target_share_rate",
        "target_conversion_rate",
        "benchmark_net_growth_rate",
        "benchmark_open_rate",
        "benchmark_headline_open_rate",
        "benchmark_share_rate",
        "benchmark_conversion_rate",
        "status_warn_ratio",
        "anomaly_z",
        "pdca_band",
        "api_success_standard",
        "miniprogram_load_standard",
        "autoreply_accuracy_standard",
        "negative_spike_z",
        "fan_active_weekly",
        "viral_read_multiple",
        "funnel_material_pp",
        mode="before",
    )
    @classmethod
    def _int_is_a_float(cls, v: Any) -> Any:
        # YAML writes 1 for 1.0; strict mode would refuse it. bool is not a number here.
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("event_memory_limit")
    @classmethod
    def _enough_memory(cls, v: str) -> str:
        if _mib(v) < MIN_EVENT_MEMORY_MIB:
            raise ValueError(f"至少 {MIN_EVENT_MEMORY_MIB} MiB（DuckDB 处理事件日志所需），"
                             "例如 256MB 或 1GB")
        return v

    def display_name(self) -> str:
        """Return the account's display name (its id when no name is configured)."""
        return self.account_name or self.account

    def resolved_rules_file(self) -> Path:
        """Return the recommendation rules file (absolute)."""
        return _resolve(self.rules_file) or (paths.PARAMETERS / "rules.yaml")

    def resolved_commentary_file(self) -> Path:
        """Return the analyst's commentary file of the month (absolute; it may not exist)."""
        return _resolve(self.commentary_file) or (
            paths.PARAMETERS / "months" / self.account / f"{self.month}.commentary.yaml")

    def event_engine(self, workers: int | None = None) -> dict[str, Any]:
        """``memory_limit`` and ``threads`` for ``wxnb.io.eventsummary.open_summary``: one
        share of ``event_memory_limit`` and of the CPU cores when ``workers`` (default
        ``event_workers``) use the log at once, so the whole build stays within the limit
        however large the log."""
        n = workers or self.event_workers
        share = max(64, int(_mib(self.event_memory_limit) / n))
        return {"memory_limit": f"{share}MiB", "threads": max(1, (os.cpu_count() or 1) // n)}

    def resolved_data_dir(self) -> Path:
        """Return the month's data folder (absolute)."""
        return _resolve(self.data_dir) or paths.default_data_dir(self.account, self.month)

    def resolved_prev_data_dir(self) -> Path:
        """Return the previous month's data folder (absolute; it may not exist)."""
        own = _resolve(self.prev_data_dir)
        if own:
            return own
        return self.resolved_data_dir().parent / paths.prev_month(self.month)

    def masked(self) -> dict[str, Any]:
        """Return the parameters as a dict with anything secret-looking masked, at any depth
        (``wxnb.secrets.mask_secrets``)."""
        from wxnb.secrets import mask_secrets

        return mask_secrets(self.model_dump())


MIN_EVENT_MEMORY_MIB = 128


def _mib(limit: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(MB|GB|MiB|GiB)", limit)
    assert m is not None  # the field's pattern
    return float(m.group(1)) * {"MB": 1e6 / 2**20, "GB": 1e9 / 2**20, "MiB": 1.0,
                                "GiB": 1024.0}[m.group(2)]


def _resolve(value: str) -> Path | None:
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (paths.PROJECT_ROOT / p)


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps 2026-10-01 a string (papermill's NoDatesSafeLoader does the same)."""


_NoDatesLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def read_layer(path: Path) -> dict[str, Any]:
    """Read one YAML layer; a missing file is an empty layer, a broken one a ParameterError."""
    if not path.exists():
        return {}
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(
            f"{_rel(path)}: 应为 UTF-8 编码的 YAML，第 {line} 行有无法按 UTF-8 解码的字节"
            f"（{raw[exc.start:exc.start + 4]!r}）；请用 UTF-8 另存该文件") from None
    try:
        data = yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506
    except RecursionError:
        raise ParameterError(f"{_rel(path)}: YAML 嵌套过深") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{_rel(path)}: 不是合法的 YAML：{exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"{_rel(path)}: 应为“参数名: 值”的映射，实际为 {type(data).__name__}")
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line.

    A text parameter (``account_name``, ``owner_tech``, ``benchmark_source`` …) takes the value
    literally: ``account_name=ACME #1 品牌`` is that whole name (read as YAML, ``#`` would start a
    comment). Every other value is read as YAML without dates (numbers, null, lists).
    """
    if "=" not in text:
        raise ParameterError(f"命令行参数 {text!r}: 应为 key=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if key in _TEXT_FIELDS:
        return key, raw
    try:
        value = yaml.load(raw, Loader=_NoDatesLoader) if raw else ""  # noqa: S506
    except (yaml.YAMLError, RecursionError):
        value = raw
    return key, value


_TEXT_FIELDS = frozenset(
    name for name, f in ReportParams.model_fields.items() if f.annotation is str)


def load_params(
    *,
    account: str = paths.SAMPLE_ACCOUNT,
    month: str = paths.SAMPLE_MONTH,
    overrides: dict[str, Any] | None = None,
    root: Path | None = None,
) -> ReportParams:
    """Layer the YAML files and the overrides, then validate; raise ParameterError on any fault."""
    base = root or paths.PARAMETERS
    check_identity(account, month)
    layers = [
        (base / "defaults.yaml", read_layer(base / "defaults.yaml")),
        (base / "accounts" / f"{account}.yaml", read_layer(base / "accounts" / f"{account}.yaml")),
        (
            base / "months" / account / f"{month}.yaml",
            read_layer(base / "months" / account / f"{month}.yaml"),
        ),
    ]
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    fields = set(ReportParams.model_fields)
    problems: list[str] = []
    for path, layer in [*layers, (Path("<命令行>"), overrides or {})]:
        for key, value in layer.items():
            if key in IDENTITY:
                if value != {"account": account, "month": month}[key]:
                    problems.append(f"{_rel(path)}: 参数 {key} 不能在此设置（用 --{key} 指定，"
                                    f"它决定数据目录与参数层）")
                continue
            if key not in fields:
                hint = difflib.get_close_matches(str(key), fields, n=1)
                tip = f"（是否想写 {hint[0]}？）" if hint else ""
                problems.append(f"{_rel(path)}: 未知参数 {key!r}{tip}")
                continue
            merged[key] = value
            origin[key] = _rel(path)
    merged.setdefault("account", account)
    merged.setdefault("month", month)
    merged["account"], merged["month"] = account, month
    if problems:
        raise ParameterError("参数校验失败：\n" + "\n".join(f"  - {p}" for p in problems))
    try:
        return ReportParams(**merged)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else "?"
            where = origin.get(key, "默认值")
            lines.append(f"  - {where}: 参数 {key} = {err.get('input')!r}: {err['msg']}")
        raise ParameterError("参数校验失败：\n" + "\n".join(lines)) from None


def check_identity(account: Any, month: Any) -> None:
    """Raise ParameterError unless ``account`` and ``month`` name a folder wxnb can use."""
    problems = []
    if not isinstance(account, str) or not re.fullmatch(ACCOUNT_PATTERN, account) \
            or len(account) > ACCOUNT_MAX:
        problems.append(f"account={_short(account)}: 应为账号标识（{ACCOUNT_RULE}）")
    if not isinstance(month, str) or not re.fullmatch(MONTH_PATTERN, month):
        problems.append(f"month={_short(month)}: 应为报告月份 {MONTH_RULE}，例如 2026-10")
    if problems:
        raise ParameterError("参数校验失败：\n" + "\n".join(f"  - {p}" for p in problems))


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(str(value))} 个字符）"


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(paths.PROJECT_ROOT))
    except ValueError:
        return str(path)


#: The notebooks' parameters cell: who and when, plus overrides; everything else comes from the
#: YAML layers, exactly as ``wxnb build`` resolves it.
NOTEBOOK_PARAMETERS = ("account", "month", "overrides")


def from_namespace(namespace: dict[str, Any]) -> ReportParams:
    """The parameters a notebook runs with, resolved like ``wxnb build`` resolves them.

    The parameters cell holds ``account``, ``month`` and ``overrides`` (a dict, like
    ``--set``); the layers ``defaults → accounts/<account> → months/<account>/<month>`` are read
    for that account and month, then ``overrides``, then any parameter set by name in the
    notebook's namespace (``papermill -p target_open_rate 0.03``). ``wxnb build`` passes its
    overrides (with ``output_dir``) the same way, so a notebook run by hand (JupyterLab,
    nbconvert, papermill) sees the same parameters as the build.

    Raises ParameterError for a name papermill injected that is not a parameter (papermill
    itself only logs a warning and the value would be ignored), and for invalid values.
    """
    unknown = [n for n in injected_names(namespace)
               if n not in ReportParams.model_fields and n not in NOTEBOOK_PARAMETERS]
    if unknown:
        fields = set(ReportParams.model_fields) | {"overrides"}
        tips = []
        for name in unknown:
            hint = difflib.get_close_matches(name, fields, n=1)
            tips.append(f"  - 未知参数 {name!r}" + (f"（是否想写 {hint[0]}？）" if hint else ""))
        raise ParameterError("参数校验失败：\n" + "\n".join(tips))
    overrides = namespace.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ParameterError(f"参数 overrides 应为 {{参数名: 值}} 的字典，实际为 "
                             f"{type(overrides).__name__}")
    merged = dict(overrides)
    for name in ReportParams.model_fields:
        if name not in IDENTITY and name in namespace:
            merged[name] = namespace[name]
    account = namespace.get("account", paths.SAMPLE_ACCOUNT)
    month = namespace.get("month", paths.SAMPLE_MONTH)
    check_identity(account, month)
    return load_params(account=account, month=month, overrides=merged)


def injected_names(namespace: dict[str, Any]) -> list[str]:
    """Names assigned by papermill's injected-parameters cells in this kernel session.

    papermill writes them as a cell starting ``# Parameters``; IPython keeps every executed
    cell's source in ``In``. Outside a kernel (no ``In``) there are none.
    """
    import ast

    names: list[str] = []
    for src in namespace.get("In") or ():
        if not isinstance(src, str) or not src.startswith("# Parameters\n"):
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for stmt in tree.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names
