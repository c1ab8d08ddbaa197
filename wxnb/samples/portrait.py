"""Section 15's own sample inputs, opposite their reader ``wxnb.io.portrait.load``.

Each month gets the backend's 用户属性 download as analysts hold it, ``用户属性.xls``: an HTML
table saved with a .xls extension (like ``user_analysis.xls``), the distributions stacked one
under the other, each under a title row (性别分布, 年龄分布, 省份分布, 城市分布, 终端分布,
语言分布) with its header ``维度 | 用户数 | 占比``; the city block lists the top 15 only (its
占比 add up to less than 100 %). Beside it ``content_audience.csv`` gives the five 内容形式 of
the sample's content plan their intended audience.

Planted (every count drawn as a multinomial sample of the month's follower total from the
shares below, so both months carry sampling noise):

* 年龄段: from 2026-09 to 2026-10 the 25-29岁 share rises 3.2 points and 30-39岁 1.8 points
  (18-24岁 −1.5, 40-49岁 −2.0, 50岁以上 −1.5): total variation 5.0 points, a structure shift;
  25-34岁 (25-29岁 and half of 30-39岁) up about 4.1 points.
* 地域: 浙江 rises 2.8 points (广东 −1.2, 北京 −0.8, 四川 −0.8): total variation 2.8 points, a
  shift naming 浙江 (and 广东); the cities follow (杭州 +1.5, 宁波 +0.7, 温州 +0.4; 广州, 深圳
  −0.6; 北京, 成都 −0.8).
* 性别 and 终端 do not change (the same shares both months: noise only, no shift).
* 内容形式: 品牌故事's audience (25-39岁) covers the most followers (about 60 %).

``hostile=True`` changes texts only (city and province names, the 内容形式 names the same way as
the sample content plan's), never a number.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import numpy as np

from wxnb.io.portrait import AUDIENCE_FILE
from wxnb.samples.datacube import CONTENT_TYPES
from wxnb.samples.hostile import HOSTILE_TEXTS

__all__ = ["EXPORT_FILE", "write_sample"]

EXPORT_FILE = "用户属性.xls"
TOTALS = {"2026-09": 121_300, "2026-10": 123_800}  # followers at the month's end
CITY_ROWS = 15  # the city block lists the top 15 only

GENDER = {"男": 0.405, "女": 0.575, "未知": 0.020}
AGE = {
    "2026-09": {"17岁以下": 0.020, "18-24岁": 0.150, "25-29岁": 0.220, "30-39岁": 0.310,
                "40-49岁": 0.170, "50岁以上": 0.090, "未知": 0.040},
    "2026-10": {"17岁以下": 0.020, "18-24岁": 0.135, "25-29岁": 0.252, "30-39岁": 0.328,
                "40-49岁": 0.150, "50岁以上": 0.075, "未知": 0.040},
}
_PROVINCES = {
    "广东": 0.160, "浙江": 0.095, "江苏": 0.085, "上海": 0.075, "北京": 0.065, "四川": 0.050,
    "山东": 0.045, "福建": 0.040, "湖北": 0.035, "河南": 0.033, "湖南": 0.030, "安徽": 0.028,
    "陕西": 0.022, "重庆": 0.022, "天津": 0.018, "辽宁": 0.017, "河北": 0.017, "江西": 0.015,
    "广西": 0.014, "云南": 0.013, "山西": 0.011, "贵州": 0.010, "黑龙江": 0.009, "吉林": 0.008,
    "内蒙古": 0.007, "新疆": 0.006, "海南": 0.006, "甘肃": 0.005, "宁夏": 0.003, "青海": 0.002,
    "西藏": 0.001, "香港": 0.003, "澳门": 0.001, "台湾": 0.001, "海外": 0.008, "未知": 0.040,
}
_PROVINCE_SHIFT = {"浙江": 0.028, "广东": -0.012, "北京": -0.008, "四川": -0.008}
_CITIES = {  # city → (province, share of all followers in 2026-09)
    "上海": ("上海", 0.075), "北京": ("北京", 0.065), "深圳": ("广东", 0.060),
    "广州": ("广东", 0.055), "杭州": ("浙江", 0.045), "成都": ("四川", 0.035),
    "南京": ("江苏", 0.030), "苏州": ("江苏", 0.028), "武汉": ("湖北", 0.025),
    "重庆": ("重庆", 0.022), "宁波": ("浙江", 0.020), "西安": ("陕西", 0.018),
    "长沙": ("湖南", 0.017), "天津": ("天津", 0.018), "东莞": ("广东", 0.016),
    "佛山": ("广东", 0.014), "温州": ("浙江", 0.012), "厦门": ("福建", 0.012),
    "郑州": ("河南", 0.012), "青岛": ("山东", 0.011), "合肥": ("安徽", 0.010),
}
_CITY_SHIFT = {"杭州": 0.015, "宁波": 0.007, "温州": 0.004, "广州": -0.006, "深圳": -0.006,
               "北京": -0.008, "成都": -0.008}
PLATFORM = {"iPhone": 0.440, "Android": 0.540, "其他": 0.020}
LANGUAGE = {"简体中文": 0.970, "繁体中文": 0.015, "英文": 0.010, "未知": 0.005}
#: The sample content plan's 内容形式 → intended audience (gender, age).
AUDIENCE: dict[str, tuple[str, str]] = {
    "品牌故事": ("", "25-39岁"),
    "促销资讯": ("女", "25-34岁"),
    "产品评测": ("男", "25-44岁"),
    "互动问答": ("", "18-29岁"),
    "会员福利": ("", "30-49岁"),
}


def _rng(seed: int, month: str) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 150])


def _shifted(base: dict[str, float], shift: dict[str, float], on: bool) -> dict[str, float]:
    return {k: v + (shift.get(k, 0.0) if on else 0.0) for k, v in base.items()}


def _cities(month: str) -> dict[str, float]:
    out = {c: s for c, (_, s) in _CITIES.items()}
    out = _shifted(out, _CITY_SHIFT, month >= "2026-10")
    out["其他"] = 1.0 - sum(out.values())
    return out


def _draw(rng: np.random.Generator, total: int, shares: dict[str, float]) -> dict[str, int]:
    p = np.array(list(shares.values()), dtype=float)
    counts = rng.multinomial(total, p / p.sum())
    return dict(zip(shares, (int(c) for c in counts), strict=True))


def _hostile_name(name: str, i: int) -> str:
    return f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{name}"


def _hostile_type(ctype: str) -> str:
    # the same renaming as the sample content plan (wxnb.samples.eventlog._hostile_type)
    return HOSTILE_TEXTS[CONTENT_TYPES.index(ctype) % len(HOSTILE_TEXTS)] + ctype


def _blocks(month: str, seed: int, hostile: bool
            ) -> tuple[list[tuple[str, str, dict[str, int], int]], int]:
    """(title, dimension label, counts, rows to list) per block, drawn for ``month``."""
    rng = _rng(seed, month)
    total = TOTALS.get(month, 120_000)
    later = month >= "2026-10"
    provinces = _draw(rng, total, _shifted(_PROVINCES, _PROVINCE_SHIFT, later))
    cities = _draw(rng, total, _cities(month))
    cities.pop("其他")
    if hostile:  # texts only: the same counts under hostile names
        provinces = {(_hostile_name(k, i) if k in ("西藏", "青海") else k): v
                     for i, (k, v) in enumerate(provinces.items())}
        cities = {(_hostile_name(k, i) if i >= 8 else k): v
                  for i, (k, v) in enumerate(cities.items())}
    top = dict(sorted(cities.items(), key=lambda kv: (-kv[1], kv[0]))[:CITY_ROWS])
    return [
        ("性别分布", "性别", _draw(rng, total, GENDER), len(GENDER)),
        ("年龄分布", "年龄", _draw(rng, total, AGE.get(month, AGE["2026-09"])), len(AGE["2026-09"])),
        ("省份分布", "省份", provinces, len(provinces)),
        ("城市分布", "城市", top, CITY_ROWS),
        ("终端分布", "终端", _draw(rng, total, PLATFORM), len(PLATFORM)),
        ("语言分布", "语言", _draw(rng, total, LANGUAGE), len(LANGUAGE)),
    ], total


def _export_html(month: str, seed: int, hostile: bool) -> str:
    blocks, total = _blocks(month, seed, hostile)
    out = ["<html><head><meta charset=\"utf-8\"></head><body><table>"]
    for title, label, counts, _ in blocks:
        out.append(f"<tr><th>{title}</th></tr>")
        out.append(f"<tr><th>{label}</th><th>用户数</th><th>占比</th></tr>")
        rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if label != "年龄" \
            else list(counts.items())
        for name, n in rows:
            out.append(f"<tr><td>{html.escape(name)}</td><td>{n}</td>"
                       f"<td>{n / total * 100:.2f}%</td></tr>")
        out.append("<tr><td></td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


def _audience_csv(hostile: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["content_type", "gender", "age"])
    for ctype, (gender, age) in AUDIENCE.items():
        w.writerow([_hostile_type(ctype) if hostile else ctype, gender, age])
    return buf.getvalue()


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``用户属性.xls`` and ``content_audience.csv`` for ``month``.

    Deterministic per seed and month; ``hostile`` only changes texts (city, province and
    内容形式 names), never a number.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / EXPORT_FILE
    export.write_bytes(_export_html(month, seed, hostile).encode("utf-8"))
    audience = folder / AUDIENCE_FILE
    audience.write_bytes(_audience_csv(hostile).encode("utf-8"))
    return [export, audience]
