"""Section 15 用户画像: shares, shifts, coverage and the match hand-computed, bad input, the
missing optional inputs, hostile text, the sample's planted effects and the charts."""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import dump, make_month

from wxnb.exceptions import DataValidationError
from wxnb.io import portrait as pio
from wxnb.kit import brief, charts, fmt
from wxnb.params import ReportParams
from wxnb.samples import portrait as sample
from wxnb.sections.s15_portrait import SPEC, compute, show, words

OCT = """性别分布
性别,用户数,占比
男,300,30%
女,600,60%
未知,100,10%

年龄分布
年龄,用户数,占比
18-24岁,200,20%
25-29岁,300,30%
30-39岁,400,40%
未知,100,10%

省份分布
省份,用户数
广东省,500
浙江省,300
未知,200

终端分布
终端,用户数
iPhone,400
Android,600
"""
SEP = """性别,用户数
男,350
女,550
未知,100

年龄,用户数
18-24岁,300
25-29岁,250
30-39岁,350
未知,100

省份,用户数
广东,550
浙江,250
未知,200

终端,用户数
iPhone,400
Android,600
"""
AUDIENCE = """content_type,gender,age
品牌故事,,25-34岁
促销资讯,女性,
产品评测,男,18-24岁
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def month(tmp_path: Path) -> Path:
    folder = tmp_path / "acct" / "2026-10"
    write(folder, "用户属性.csv", OCT)
    return folder


def with_previous(month: Path, text: str = SEP) -> Path:
    write(month.parent / "2026-09", "用户属性.csv", text)
    return month


def params(folder: Path, **kw: object) -> ReportParams:
    return ReportParams(month=folder.name, account="acct", data_dir=str(folder), **kw)


def shares(sec: compute.PortraitSection, key: str) -> dict[str, float]:
    f = sec.dims[key].frame()
    return dict(zip(f["category"], f["share"], strict=True))


def api_part(scale: int = 1) -> dict:
    return {
        "province": [{"id": 1, "name": "广东", "value": 50 * scale},
                     {"id": 2, "name": "浙江", "value": 30 * scale},
                     {"id": 0, "name": "未知", "value": 20 * scale}],
        "city": [{"id": 1, "name": "广州", "value": 30 * scale},
                 {"id": 2, "name": "杭州", "value": 20 * scale}],
        "genders": [{"id": 1, "name": "男", "value": 40 * scale},
                    {"id": 2, "name": "女", "value": 55 * scale},
                    {"id": 0, "name": "未知", "value": 5 * scale}],
        "platforms": [{"id": 1, "name": "iPhone", "value": 45 * scale},
                      {"id": 2, "name": "Android", "value": 55 * scale}],
        "devices": [{"name": "iPhone 15", "value": 20 * scale}],
        "ages": [{"id": 1, "name": "17岁以下", "value": 5 * scale},
                 {"id": 2, "name": "18-24岁", "value": 25 * scale},
                 {"id": 3, "name": "25-29岁", "value": 30 * scale},
                 {"id": 4, "name": "30-39岁", "value": 30 * scale},
                 {"id": 0, "name": "未知", "value": 10 * scale}],
    }


def write_api(folder: Path, ref: str = "20261002-20261031", **extra: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = {"ref_date": ref, "visit_uv_new": api_part(1), "visit_uv": api_part(10), **extra}
    return dump(folder / f"getuserportrait_{ref.replace('-', '_')}.json", body)


def expect_problems(folder: Path, n: int, month: str = "2026-10") -> str:
    with pytest.raises(DataValidationError) as exc:
        pio.load(folder, month)
    assert len(exc.value.problems) == n, str(exc.value)
    return str(exc.value)


# --------------------------------------------------------------------------- shares


def test_shares_from_the_export_hand_computed(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert shares(sec, "gender") == {"男": 0.3, "女": 0.6, "未知": 0.1}
    assert shares(sec, "age") == pytest.approx({"18-24岁": 0.2, "25-29岁": 0.3, "30-39岁": 0.4,
                                                "未知": 0.1})
    assert shares(sec, "province") == {"广东省": 0.5, "浙江省": 0.3, "未知": 0.2}
    assert shares(sec, "platform") == {"iPhone": 0.4, "Android": 0.6}
    assert "city" not in sec.dims
    assert sec.dims["gender"].main == ("女", 0.6)
    assert sec.dims["province"].main == ("广东省", 0.5)  # 未知 never the main group


def test_top_n_list_gets_the_unlisted_rest(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    write(folder, "用户属性.csv", "城市,人数,占比\n杭州,30,30%\n广州,20,20.0%\n")
    city = pio.load(folder, "2026-10").portrait.dims["city"]  # type: ignore[union-attr]
    assert city.counts == {"杭州": 30, "广州": 20, pio.LISTED_REST: 50}  # 50 ÷ 0.5 = 100


def test_share_scale_is_the_columns_not_each_cells(tmp_path: Path) -> None:
    # percent written without %: 0.85 beside 7.53 is 0.85 %, so Σ占比 = 14.45 % (not 98.6 %)
    folder = tmp_path / "2026-10"
    write(folder, "用户属性.csv", "城市,人数,占比\n上海,7530,7.53\n杭州,6070,6.07\n拉萨,850,0.85\n")
    city = pio.load(folder, "2026-10").portrait.dims["city"]  # type: ignore[union-attr]
    assert city.listed_share == pytest.approx(0.1445)
    assert city.counts[pio.LISTED_REST] == round(14_450 / 0.1445) - 14_450  # 85,550


def test_stacked_html_xls_with_titles(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    html = ("<table><tr><th>用户属性</th></tr><tr><th>性别分布</th></tr>"
            "<tr><th>性别</th><th>用户数</th><th>占比</th></tr>"
            "<tr><td>男</td><td>1,200</td><td>40%</td></tr>"
            "<tr><td>女</td><td>1,800</td><td>60%</td></tr>"
            "<tr><td>合计</td><td>3,000</td><td>100%</td></tr>"
            "<tr><th>用户年龄</th></tr><tr><th>年龄段</th><th>人数</th></tr>"
            "<tr><td>25-29岁</td><td>10</td></tr><tr><td>30-39岁</td><td>30</td></tr></table>")
    write(folder, "用户属性.xls", html)
    dims = pio.load(folder, "2026-10").portrait.dims  # type: ignore[union-attr]
    assert dims["gender"].counts == {"男": 1200, "女": 1800}  # 合计 skipped
    assert dims["age"].counts == {"25-29岁": 10, "30-39岁": 30}


def test_side_by_side_blocks_and_one_file_per_dimension(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    write(folder, "用户属性_人口.csv",
          "性别,用户数,,终端分布,用户数\n男,10,,iPhone,7\n女,30,,Android,33\n未知,0,,,\n")
    write(folder, "用户属性_地域.csv", "省份/直辖市,关注人数,占比\n广东,8,80%\n浙江,2,20%\n")
    dims = pio.load(folder, "2026-10").portrait.dims  # type: ignore[union-attr]
    assert dims["gender"].counts == {"男": 10, "女": 30, "未知": 0}
    assert dims["platform"].counts == {"iPhone": 7, "Android": 33}
    assert dims["province"].counts == {"广东": 8, "浙江": 2}


def test_xlsx_workbook_with_a_sheet_per_dimension(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    folder = tmp_path / "2026-10"
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.active.title = "性别"
    for row in (["性别分布"], ["性别", "用户数", "占比"], ["男", 4, 0.4], ["女", 6, 0.6]):
        book.active.append(row)
    sheet = book.create_sheet("年龄")
    for row in (["年龄", "用户数"], ["18-24岁", 5.0], ["25-29岁", 15]):
        sheet.append(row)
    book.save(folder / "用户属性.xlsx")
    dims = pio.load(folder, "2026-10").portrait.dims  # type: ignore[union-attr]
    assert dims["gender"].counts == {"男": 4, "女": 6}
    assert dims["age"].counts == {"18-24岁": 5, "25-29岁": 15}


def test_api_answer_visit_uv_or_new(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    write_api(folder)
    p = pio.load(folder, "2026-10").portrait
    assert p is not None and p.kind == "api" and "visit_uv" in p.base
    assert p.dims["gender"].counts == {"男": 400, "女": 550, "未知": 50}
    assert p.window is not None and f"{p.window[0]:%m-%d}" == "10-02"
    new = pio.load(folder, "2026-10", base="visit_uv_new").portrait
    assert new is not None and new.dims["age"].counts["25-29岁"] == 30
    sec = compute.prepare(params(folder, portrait_api_base="visit_uv_new"))
    assert shares(sec, "platform") == {"iPhone": 0.45, "Android": 0.55}
    assert set(sec.dims) == {"province", "city", "gender", "age", "platform"}  # devices unused


def test_api_answer_as_wxnb_fetch_archives_it(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    folder.mkdir(parents=True)
    dump(folder / "wxa_getweanalysisappiduserportrait_20261002_20261031.json",
         {"ref_date": "20261002-20261031", "visit_uv": api_part(3), "visit_uv_new": api_part()})
    dump(folder / "getuserportrait_20261025_20261031.json",
         {"ref_date": "20261025-20261031", "visit_uv": api_part(1), "visit_uv_new": api_part()})
    loaded = pio.load(folder, "2026-10")
    p = loaded.portrait
    assert p is not None and p.files == ["wxa_getweanalysisappiduserportrait_20261002_20261031.json"]
    assert p.dims["gender"].total == 300  # ending as late, the 30-day window wins over 7 days
    assert any("未用：getuserportrait_20261025_20261031.json" in n for n in loaded.warnings)


def test_api_camel_case_and_export_preferred(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    folder.mkdir(parents=True)
    dump(folder / "getuserportrait_x.json", {"refDate": "20261031", "visitUv": api_part(2),
                                             "visitUvNew": api_part(1)})
    p = pio.load(folder, "2026-10").portrait
    assert p is not None and p.dims["gender"].total == 200
    write(folder, "用户属性.csv", OCT)
    loaded = pio.load(folder, "2026-10")
    assert loaded.portrait.kind == "export"  # type: ignore[union-attr]
    assert any("使用公众号后台的用户属性" in n for n in loaded.warnings)


# --------------------------------------------------------------------------- shift


def test_shift_hand_computed() -> None:
    s = compute.compare("gender", {"女": 60, "男": 40}, {"女": 50, "男": 50}, category_pp=1.0)
    assert s is not None
    t = s.table.set_index("category")
    assert t.at["女", "delta_pp"] == pytest.approx(10.0)
    assert t.at["男", "delta_pp"] == pytest.approx(-10.0)
    assert s.tv_pp == pytest.approx(10.0)
    # 2×2: N(ad − bc)² ÷ (row and column totals) = 200 · 1000² ÷ (100·100·110·90)
    assert s.chi2 == pytest.approx(200 * 1000**2 / (100 * 100 * 110 * 90))
    assert s.dof == 1 and s.p == pytest.approx(0.15518, abs=1e-4)
    assert t.at["女", "p"] == pytest.approx(s.p)  # z² = chi-square for two categories


def test_shift_of_the_export_months(month: Path) -> None:
    sec = compute.prepare(params(with_previous(month), portrait_shift_pp=0))
    age = sec.dims["age"].frame().set_index("category")
    assert age.at["18-24岁", "delta_pp"] == pytest.approx(-10.0)
    assert age.at["25-29岁", "delta_pp"] == pytest.approx(5.0)
    assert age.at["30-39岁", "delta_pp"] == pytest.approx(5.0)
    assert sec.dims["age"].shift.tv_pp == pytest.approx(10.0)  # type: ignore[union-attr]
    prov = sec.dims["province"].frame().set_index("category")  # 广东省 = 广东
    assert prov.at["广东省", "delta_pp"] == pytest.approx(-5.0)
    assert prov.at["广东省", "share_before"] == pytest.approx(0.55)
    assert sec.dims["platform"].shift.tv_pp == 0  # type: ignore[union-attr]
    assert not sec.dims["platform"].shift.moved  # type: ignore[union-attr]


def test_holm_across_dimensions(month: Path) -> None:
    sec = compute.prepare(params(with_previous(month)))
    shifts = [v.shift for v in sec.dims.values() if v.shift is not None]
    raw = sorted(s.p for s in shifts)
    k = len(raw)
    adjusted = [min(1.0, max((k - j) * raw[j] for j in range(i + 1))) for i in range(k)]
    assert sorted(s.p_holm for s in shifts) == pytest.approx(adjusted)
    from wxnb.kit import stats

    got = stats.holm([0.01, math.nan, 0.04, 0.03])  # 3 tests: 3·0.01, max(2·0.03, ·), 1·0.04
    assert got[0] == pytest.approx(0.03) and math.isnan(got[1])
    assert got[2:] == pytest.approx([0.06, 0.06])


def draw(rng: np.random.Generator, n: int, p: list[float]) -> dict[str, int]:
    return dict(zip("abcdefg"[:len(p)], (int(x) for x in rng.multinomial(n, p)), strict=True))


def _moved(now: dict[str, int], before: dict[str, int], **kw: float) -> compute.Shift:
    s = compute.compare("age", now, before, category_pp=kw.get("category_pp", 1.0))
    assert s is not None
    s.moved = s.p < compute.ALPHA and s.tv_pp >= kw.get("shift_pp", 0.0)
    return s


def test_shift_test_fires_on_a_planted_shift_not_on_a_resample() -> None:
    p = [0.10, 0.25, 0.30, 0.20, 0.15]
    planted = [0.10, 0.20, 0.35, 0.20, 0.15]  # 5 points from b to c
    false, found = 0, 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        before = draw(rng, 3000, p)
        false += _moved(draw(rng, 3000, p), before).moved
        s = _moved(draw(rng, 3000, planted), before)
        found += s.moved
    assert false <= 8  # about 5 % of 60 by chance; a broken test would fire far more often
    assert found == 60


def test_materiality_guard_and_named_categories() -> None:
    big = {"a": 505_000, "b": 495_000}
    s = _moved(big, {"a": 500_000, "b": 500_000}, shift_pp=2.0)
    assert s.p < 1e-6 and s.tv_pp == pytest.approx(0.5) and not s.moved  # significant, small
    s = compute.compare("age", {"a": 330, "b": 300, "c": 370}, {"a": 300, "b": 300, "c": 400},
                        category_pp=1.0)
    assert s is not None
    assert not s.table["named"].any()  # 3-point changes on 1,000 users: not significant


def test_planted_movers_are_named(month: Path) -> None:
    rng = np.random.default_rng(7)
    before = draw(rng, 20_000, [0.2, 0.3, 0.3, 0.2])
    now = draw(rng, 20_000, [0.2, 0.24, 0.36, 0.2])
    s = compute.compare("age", now, before, category_pp=1.0)
    assert s is not None
    assert set(s.movers["category"]) == {"b", "c"}


def test_city_top_n_and_other_cities(tmp_path: Path) -> None:
    folder = tmp_path / "acct" / "2026-10"
    write(folder, "用户属性.csv", "城市,用户数\n杭州,50\n广州,30\n成都,15\n未知,5\n")
    write(folder.parent / "2026-09", "用户属性.csv",
          "城市,用户数\n广州,40\n成都,35\n杭州,20\n未知,5\n")
    sec = compute.prepare(params(folder, portrait_top_cities=1))
    v = sec.dims["city"]
    assert v.counts == {"杭州": 50, "广州": 30, "其他城市": 20}  # top 1 of each month: 杭州, 广州
    assert v.before == {"广州": 40, "杭州": 20, "其他城市": 40}


def test_a_city_left_out_of_a_top_n_list_is_not_zero(tmp_path: Path) -> None:
    # September lists its top 3 (62 % of 1,000); 杭州 is not among them, but it is not 0 users
    # (it may hold up to 12 %): 杭州 and 深圳 are merged into 其他城市 in both months.
    folder = tmp_path / "acct" / "2026-10"
    write(folder, "用户属性.csv", "城市,人数,占比\n上海,300,30%\n北京,200,20%\n杭州,100,10%\n")
    write(folder.parent / "2026-09", "用户属性.csv",
          "城市,人数,占比\n上海,300,30%\n北京,200,20%\n深圳,120,12%\n")
    v = compute.prepare(params(folder, portrait_top_cities=3)).dims["city"]
    assert v.counts == {"上海": 300, "北京": 200, "其他城市": 500}
    assert v.before == {"上海": 300, "北京": 200, "其他城市": 500}
    assert v.shift is not None and v.shift.tv_pp == pytest.approx(0.0)
    assert not v.shift.table["named"].any()
    assert v.note.startswith("杭州、深圳只在一个月的城市列表中")


def test_months_of_different_sources_or_buckets_are_not_compared(month: Path) -> None:
    write_api(month.parent / "2026-09", "20260902-20261001".replace("20261001", "20260930"))
    sec = compute.prepare(params(month))
    assert not sec.compared and "人群不同" in sec.compare_note
    (month.parent / "2026-09" / "getuserportrait_20260902_20260930.json").unlink()
    with_previous(month, "年龄,用户数\n18-25岁,300\n26-35岁,600\n未知,100\n")
    sec = compute.prepare(params(month))
    assert sec.dims["age"].shift is None and "分组口径不同" in sec.dims["age"].note
    assert "上月没有性别分布" in sec.dims["gender"].note


# --------------------------------------------------------------------------- coverage, match


def test_age_intervals() -> None:
    assert pio.age_interval("25-34岁") == (25, 34)
    assert pio.age_interval("25~34") == (25, 34)
    assert pio.age_interval("18岁以下") == (0, 17)
    assert pio.age_interval("17岁以下", ["18-24岁"]) == (0, 17)
    assert pio.age_interval("60岁以上", ["46-60岁"]) == (61, pio.AGE_CAP)
    assert pio.age_interval("50岁以上", ["40-49岁"]) == (50, pio.AGE_CAP)
    assert pio.age_interval("未知") is None


def test_coverage_hand_computed(month: Path) -> None:
    dims = pio.load(month, "2026-10").portrait.dims  # type: ignore[union-attr]
    cov, missing = compute.coverage(dims["gender"], ["女性"])
    assert cov == pytest.approx(600 / 900) and missing == []  # 未知 not in the base
    cov, _ = compute.coverage(dims["age"], ["25-34岁"])  # 25-29 whole + 30-39 half (5 of 10 years)
    assert cov == pytest.approx((300 + 400 * 0.5) / 900)
    cov, _ = compute.coverage(dims["age"], ["18-24岁", "30-39岁"])  # exact bucket names
    assert cov == pytest.approx(600 / 900)
    cov, missing = compute.coverage(dims["province"], ["浙江", "西藏"])
    assert cov == pytest.approx(300 / 800) and missing == ["西藏"]


def matrix(rows: dict[str, tuple[int, float, float]]) -> "object":
    import pandas as pd

    return pd.DataFrame([{"content_type": k, "articles": a, "reads_median": r, "share_rate": s}
                         for k, (a, r, s) in rows.items()]).set_index("content_type")


def test_content_match_hand_computed(month: Path) -> None:
    write(month, pio.AUDIENCE_FILE, AUDIENCE)
    inputs = pio.load(month, "2026-10")
    m = matrix({"品牌故事": (3, 900.0, 0.05), "促销资讯": (2, 1500.0, 0.02),
                "产品评测": (4, 1200.0, 0.03), "其他": (1, 100.0, 0.01)})
    sec = compute.compute(params(month), inputs, None, "", m)
    t = sec.match.table.set_index("content_type")  # type: ignore[union-attr]
    assert t.at["品牌故事", "coverage"] == pytest.approx(500 / 900)
    assert t.at["促销资讯", "coverage"] == pytest.approx(600 / 900)
    assert t.at["产品评测", "coverage"] == pytest.approx(300 / 900 * 200 / 900)  # multiplied
    assert sec.match.best_fit == "促销资讯" and sec.match.fit_rank == 1  # type: ignore[union-attr]
    assert sec.match.matched  # type: ignore[union-attr]
    # coverage ranks 2, 1, 3 against reads ranks 3, 1, 2: Spearman 1 − 6·Σd² ÷ (n(n²−1)) = 0.5
    assert sec.match.rho == pytest.approx(0.5)  # type: ignore[union-attr]
    assert any("其他" in n for n in sec.match.notes)  # type: ignore[union-attr]
    f = {x.metric: x for x in words.findings(sec)}["portrait_content_match"]
    assert f.status == "未设目标"  # a match is good news, not a target met
    m.loc["品牌故事", "reads_median"] = 3000.0  # now the best fit (促销资讯) reads second
    sec = compute.compute(params(month), inputs, None, "", m)
    f = {x.metric: x for x in words.findings(sec)}["portrait_content_match"]
    assert f.status == "提示" and f.value == 2
    assert "受众覆盖最高的促销资讯阅读中位数只排第 2/3" in f.evidence
    assert "阅读最好的是品牌故事" in f.evidence


def test_content_match_uses_section_03_figures(month: Path) -> None:
    from wxnb.io.companions import load_content_plan
    from wxnb.io.datacube import load_month
    from wxnb.sections.s03_content import compute as content

    make_month(month)
    write(month, "content_plan.csv", "msgid,content_type,cost\n2247483600_1,品牌故事,100\n"
                                     "2247483610_1,促销资讯,200\n")
    write(month, pio.AUDIENCE_FILE, AUDIENCE)
    sec = compute.prepare(params(month))
    data = load_month(month, "2026-10", endpoints=content.ENDPOINTS)
    art, _ = content.article_table(data)
    plan = load_content_plan(month, "2026-10")
    ref = content.type_matrix(content.match_plan(art, plan).articles, None, 31)
    t = sec.match.table.set_index("content_type")  # type: ignore[union-attr]
    for kind in ("品牌故事", "促销资讯"):
        assert t.at[kind, "reads_median"] == ref.at[kind, "reads_median"]
        assert t.at[kind, "share_rate"] == ref.at[kind, "share_rate"]
        assert t.at[kind, "articles"] == 1
    assert t.at["产品评测", "articles"] == 0
    assert any("本月没有发布：产品评测" in n for n in words.data_notes(sec))


def test_missing_optional_inputs_degrade(month: Path) -> None:
    sec = compute.prepare(params(month))
    assert sec.match is None and "content_audience.csv" in sec.match_note
    assert "未提供 content_audience.csv" in str(show.match_html(sec))
    assert "未提供 content_audience.csv" in str(show.match_chart(sec))
    assert not sec.compared and "无上月数据" in " ".join(words.data_notes(sec))
    assert "—" in str(show.key_html(sec))
    assert "无上月数据" in str(show.movers_chart(sec))
    assert {f.metric for f in words.findings(sec)} == {"portrait_profile"}
    write(month, pio.AUDIENCE_FILE, AUDIENCE)
    sec = compute.prepare(params(month))  # no content plan: coverage alone
    assert sec.match is not None and sec.match.best_fit is None
    assert any("content_plan.csv" in n for n in words.data_notes(sec))
    assert "不足 2 种" in words.narrative(sec)[-1]


def test_section_without_portrait_is_skipped_and_says_which_file(tmp_path: Path) -> None:
    from wxnb.build.runner import Section

    folder = tmp_path / "2026-10"
    make_month(folder)
    section = Section(SPEC.key, SPEC.title, tmp_path / "x.ipynb", 1, SPEC.inputs)
    assert section.missing(folder) == [
        "用户属性* 或 getuserportrait* 或 wxa_getweanalysisappiduserportrait_*"]
    write(folder, "用户属性.csv", OCT)
    assert section.missing(folder) == []
    (folder / "用户属性.csv").unlink()  # the API's answer alone enables it too
    write(folder, "wxa_getweanalysisappiduserportrait_20261001_20261031.json", "{}")
    assert section.missing(folder) == []


# --------------------------------------------------------------------------- bad input


def test_bad_export_values(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    write(folder, "用户属性.csv", "性别,用户数\n男,十\n女,\n女性,5\n\n年龄,人数\n18-24岁,0\n"
                                 "\n性别,用户数\n男,1\n")
    msg = expect_problems(folder, 4)
    assert "用户属性.csv 第 2 行 字段 用户数: 应为 非负整数（人数），实际为 '十'" in msg
    assert "第 3 行 字段 用户数: 应为 非负整数（人数），实际为 缺失" in msg
    assert "第 4 行 字段 性别: 应为 每个类别一行（女性 已在第 3 行）" not in msg  # 女 had no count
    assert "第 6 行 字段 年龄段: 应为 人数合计大于 0" in msg
    assert "第 9 行 字段 性别: 应为 每个维度一张表（已在 用户属性.csv 第 1 行）" in msg


def test_export_duplicate_category_and_no_table(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    write(folder, "用户属性.csv", "性别,用户数\n女,5\n女性,6\n")
    write(folder, "用户属性_备注.csv", "说明\n这是备注\n")
    msg = expect_problems(folder, 2)
    assert "第 3 行 字段 性别: 应为 每个类别一行（女性 已在第 2 行）" in msg
    assert "用户属性_备注.csv: 应为 公众号后台" in msg and "没有找到分布表" in msg


def test_bad_api_answers(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    folder.mkdir()
    dump(folder / "getuserportrait_a.json", {"errcode": 61500, "errmsg": "date format error"})
    dump(folder / "getuserportrait_b.json", {"ref_date": "20260901-20260930",
                                             "visit_uv": api_part()})
    bad = api_part()
    bad["genders"][1]["value"] = -3
    bad["ages"][0] = {"id": 1, "value": 5}
    dump(folder / "getuserportrait_c.json", {"ref_date": "20261031", "visit_uv": bad})
    dump(folder / "getuserportrait_d.json", {"ref_date": "2026-10", "visit_uv": {}})
    dump(folder / "getuserportrait_e.json", {"ref_date": "20261031", "visit_uv": []})
    msg = expect_problems(folder, 6)
    assert "getuserportrait_a.json 字段 errcode: 应为 0（成功的回包），实际为 61500 " in msg
    assert "getuserportrait_b.json 字段 ref_date: 应为 结束日期在 2026-10 内" in msg
    assert "getuserportrait_c.json visit_uv.genders[1] 字段 value: 应为 非负整数（人数），实际为 -3" in msg
    assert "getuserportrait_c.json visit_uv.ages[0] 字段 name: 应为 类别名称" in msg
    assert "getuserportrait_d.json 字段 ref_date" in msg
    assert "getuserportrait_e.json 字段 visit_uv: 应为 对象" in msg


def test_bad_audience_file(month: Path) -> None:
    write(month, pio.AUDIENCE_FILE, "内容形式,年龄段,性别\n品牌故事,二十多岁,\n品牌故事,25-34岁,\n"
                                    ",25-34岁,\n促销资讯,,\n")
    msg = expect_problems(month, 4)
    assert "content_audience.csv 第 2 行 字段 age: 应为 年龄段，如 25-34岁" in msg
    assert "第 3 行 字段 content_type: 应为 每个内容形式一行（品牌故事 已在第 2 行）" in msg
    assert "第 4 行 字段 content_type: 应为 内容形式" in msg
    assert "第 5 行 字段 gender/age: 应为 至少一个维度的目标人群，实际为 全部为空" in msg
    write(month, pio.AUDIENCE_FILE, "content_type,note\n品牌故事,x\n")
    assert "字段 gender: 应为 至少一列目标人群" in expect_problems(month, 1)


def test_previous_month_problems_never_raise(month: Path) -> None:
    write(month.parent / "2026-09", "用户属性.csv", "性别,用户数\n男,x\n")
    sec = compute.prepare(params(month))
    assert "上月画像数据校验未通过" in sec.prev_note and not sec.compared


def test_inputs_are_not_modified(month: Path) -> None:
    write(month, pio.AUDIENCE_FILE, AUDIENCE)
    before = {p.name: p.read_bytes() for p in month.iterdir()}
    compute.prepare(params(with_previous(month)))
    assert {p.name: p.read_bytes() for p in month.iterdir()} == before


# --------------------------------------------------------------------------- words, layers


def test_findings_and_narrative(month: Path) -> None:
    sec = compute.prepare(params(with_previous(month)))
    found = {f.metric: f for f in words.findings(sec)}
    assert found["portrait_profile"].status == "未设目标"
    age = found["portrait_shift:age"]
    assert age.status == "提示" and age.kind == "event" and age.value == pytest.approx(10.0)
    assert age.extra["movers"] == pytest.approx({"18-24岁": -10.0, "25-29岁": 5.0, "30-39岁": 5.0})
    assert age.evidence.startswith("年龄段结构较上月明显变化，总变化 10.0 个百分点：18-24岁 −10.0 个百分点")
    assert "portrait_shift:platform" not in found  # stable: said in the narrative only
    assert "终端结构与上月基本一致" in "".join(words.narrative(sec))
    assert all(f.section == "15_portrait" for f in found.values())
    text = "".join(words.narrative(sec))
    assert "性别 女 60.0%、男 30.0%" in text and "年龄段结构较上月明显变化" in text
    assert words.findings(sec)[1].metric == "portrait_shift:age"  # the largest shift first


def test_management_layer_has_no_field_names_or_tests(month: Path) -> None:
    write(month, pio.AUDIENCE_FILE, AUDIENCE)
    sec = compute.prepare(params(with_previous(month)))
    items = words.findings(sec)
    html = "".join(str(b) for b in (brief.headline_html(items), show.key_html(sec),
                                     brief.brief_html(items, sec.params, n=2, max_actions=1)))
    text = re.sub(r"<[^>]+>", "", html)
    assert not [f for f in pio.API_FIELDS if "_" in f and f in text]
    assert not re.search(r"\bp\s*[<=>]|置信区间|检验|Wilson|卡方|\bn\s*=", text)
    assert "年龄段结构较上月明显变化" in text
    rows = re.findall(r"<tr>(.*?)</tr>", str(show.key_html(sec)))
    assert len(rows) == 5 and all(r.count("<t") == 4 for r in rows)  # header + 4 rows, 4 cols
    assert "核对本月新增关注的渠道" in html  # the rule's action


def test_notebook_cells_shape() -> None:
    cells = SPEC.notebook_cells
    assert cells[0][1].startswith("# 15 用户画像") and SPEC.topic
    assert [k for k, _ in cells[1:3]] == ["params", "setup"]
    assert cells[3] == ("code", "brief.headline_html(words.findings(sec))")
    record = 'findings.record(words.findings(sec), sec.params, "15_portrait")'
    assert cells[-1] == ("hidden", record)
    assert compute.SECTION == ("15_portrait", "15 用户画像")
    assert SPEC.function(SPEC.check) is pio.load


# --------------------------------------------------------------------------- sample, hostile


def sample_months(tmp_path: Path, hostile: bool = False) -> Path:
    root = tmp_path / ("h" if hostile else "n")
    for m in ("2026-09", "2026-10"):
        sample.write_sample(root / m, m, hostile=hostile)
    return root / "2026-10"


def test_write_sample_is_deterministic_and_plants_its_shifts(tmp_path: Path) -> None:
    folder = sample_months(tmp_path)
    again = sample.write_sample(tmp_path / "again", "2026-10")
    assert [p.name for p in again] == [sample.EXPORT_FILE, pio.AUDIENCE_FILE]
    assert all(p.read_bytes() == (folder / p.name).read_bytes() for p in again)
    sec = compute.prepare(params(folder))
    moved = {v.key for v in sec.moved}
    assert {"age", "province"} <= moved and not {"gender", "platform"} & moved
    age = sec.dims["age"].shift.movers  # type: ignore[union-attr]
    assert "25-29岁" in set(age["category"])
    province = sec.dims["province"].shift
    assert province is not None and list(province.movers["category"])[0] == "浙江"
    a = sec.dims["age"].frame().set_index("category")
    up = a.loc["25-29岁", "delta_pp"] + a.loc["30-39岁", "delta_pp"] / 2  # 25-34岁
    assert 2.5 < up < 5.5
    assert sec.dims["city"].now.counts[pio.LISTED_REST] > 0  # a top-15 list
    assert sec.match is not None
    best = sec.match.table.sort_values("coverage").iloc[-1]
    assert best["content_type"] == "品牌故事" and 0.55 < best["coverage"] < 0.65
    assert any("语言分布未使用" in n for n in words.data_notes(sec))


def test_hostile_sample_is_shown_literally(tmp_path: Path) -> None:
    plain = compute.prepare(params(sample_months(tmp_path)))
    sec = compute.prepare(params(sample_months(tmp_path, hostile=True)))
    def tvs(s: compute.PortraitSection) -> list[float]:
        return sorted(v.shift.tv_pp for v in s.dims.values() if v.shift is not None)

    assert len(tvs(sec)) == 5 and tvs(sec) == pytest.approx(tvs(plain))
    blocks = [show.match_html(sec), show.shift_html(sec), show.key_html(sec),
              fmt.narrative(words.narrative(sec)), fmt.notes(words.data_notes(sec))]
    blocks += [show.distribution_html(sec, k) for k in ("province", "city", "age")]
    html = "".join(str(b) for b in blocks)
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[U+202E]" in html and "\u202e" not in html


def render(fig: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")  # type: ignore[attr-defined]


def test_charts_render_without_missing_glyphs(tmp_path: Path) -> None:
    charts.apply_theme()
    sec = compute.prepare(params(sample_months(tmp_path, hostile=True)))
    figs = [show.distribution_chart(sec, "age"), show.distribution_chart(sec, "province"),
            show.distribution_chart(sec, "city"), show.movers_chart(sec)]
    for fig in figs:
        assert type(fig).__name__ == "Figure"
        render(fig)
    m = {"品牌故事": (3, 900.0, 0.05), "促销资讯": (2, 1500.0, 0.02)}
    inputs = sec.inputs
    hostile_names = list(inputs.audience["content_type"].unique())[:2]  # type: ignore[index]
    mat = matrix({hostile_names[0]: m["品牌故事"], hostile_names[1]: m["促销资讯"]})
    fig = show.match_chart(compute.compute(sec.params, inputs, sec.previous, "", mat))
    assert type(fig).__name__ == "Figure"
    render(fig)
    assert math.isfinite(sec.dims["age"].shift.tv_pp)  # type: ignore[union-attr]
