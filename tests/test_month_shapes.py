"""Every month a real account can have builds (property-based, real ``wxnb build``).

Hypothesis draws month shapes the bundled sample never has: the first month of an account (no
previous month), a month without articles, a previous month without pushes, days missing at the
start, middle or end, February 28 and 29, only the datacube or only some section inputs. Each
must build with exit code 0, and the report must say in words what the gap costs: never nan,
inf, None or a 0 standing for "missing".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wxnb.paths import PROJECT_ROOT, prev_month

pytestmark = pytest.mark.e2e

#: Months to draw from: a leap February (29 days), a month after a 28-day February, January
#: (its previous month is in another year).
MONTHS = ("2028-02", "2027-03", "2027-01")
#: Section input files beyond the datacube, and the sections they enable.
SECTION_INPUTS = ("events.parquet", "menu.json", "content_plan.csv", "orders.csv",
                  "competitor_articles.csv", "competitor_scores.csv", "incidents.csv",
                  "user_texts.csv", "miniprogram_performance.csv", "autoreply_samples.csv")
#: Daily datacube endpoints whose rows are dropped for the "missing days" shapes.
DAILY = ("getusersummary", "getusercumulate", "getuserread", "getuserreadhour",
         "getusershare", "getupstreammsg", "getinterfacesummary", "getbizsummary")
# Words that must never stand in the report's text for a missing value.
BAD_TOKENS = re.compile(r"(?<![A-Za-z_])(nan|NaN|inf|Infinity|None|NaT|null)(?![A-Za-z_])"
                        r"|[−-]0(?:\.0+)?(?![.\d])|Traceback")


@dataclass(frozen=True)
class Shape:
    month: str
    first_month: bool = False  # no previous month folder
    no_articles: bool = False  # every article chunk {"list": []}
    prev_no_pushes: bool = False  # the previous month published nothing
    broken_prev: bool = False  # the previous month's files fail validation
    missing: tuple[str, ...] = ()  # "start", "middle", "end": days dropped from the datacube
    keep_inputs: tuple[str, ...] = SECTION_INPUTS  # section input files kept


_CACHE: dict[str, Path] = {}


def _generated(month: str) -> Path:
    """A generated account (10,000 events a month) for ``month`` and the month before, once per
    session: the root holding both month folders."""
    if month not in _CACHE:
        from wxnb.samples.month import generate_sample

        root = Path(tempfile.mkdtemp(prefix="wxnb-shapes-"))
        generate_sample(root, account="shape", month=month, events=10_000)
        _CACHE[month] = root / "shape"
    return _CACHE[month]


def _days(month: str, where: tuple[str, ...]) -> set[str]:
    from wxnb.io.datacube import month_days

    days = [d.isoformat() for d in month_days(month)]
    picked: set[str] = set()
    if "start" in where:
        picked |= set(days[:3])
    if "middle" in where:
        picked |= set(days[12:15])
    if "end" in where:
        picked |= set(days[-4:])
    return picked


def _drop_days(folder: Path, days: set[str]) -> None:
    for name in DAILY:
        for path in folder.glob(f"{name}_*.json"):
            body = json.loads(path.read_text(encoding="utf-8"))
            body["list"] = [r for r in body["list"] if r.get("ref_date") not in days]
            path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def _no_articles(folder: Path) -> None:
    for pattern in ("getarticletotal_*.json", "getarticlesummary_*.json",
                    "getarticletotaldetail_*.json", "getarticleread_*.json",
                    "getarticleshare_*.json"):
        for path in folder.glob(pattern):
            path.write_text('{"list": []}', encoding="utf-8")
    for name in ("content_plan.csv",):  # a plan of articles that were never pushed
        (folder / name).unlink(missing_ok=True)


def _break(folder: Path) -> None:
    """One broken file of every kind in the previous month (a previous month never fails)."""
    sorted(folder.glob("getusersummary_*.json"))[0].write_text('{"list": [', encoding="utf-8")
    (folder / "events.parquet").write_bytes(b"PAR1 not a parquet file")
    (folder / "incidents.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "competitor_articles.csv").write_bytes(b"\xff\xfe\x00garbage")


def make(shape: Shape, root: Path) -> Path:
    """Write ``shape`` under ``root/<account>/`` and return this month's folder."""
    src = _generated(shape.month)
    prev = prev_month(shape.month)
    account = root / "shape"
    shutil.copytree(src / shape.month, account / shape.month)
    if not shape.first_month:
        shutil.copytree(src / prev, account / prev)
        if shape.prev_no_pushes:
            _no_articles(account / prev)
        if shape.broken_prev:
            _break(account / prev)
    folder = account / shape.month
    if shape.no_articles:
        _no_articles(folder)
    if shape.missing:
        _drop_days(folder, _days(shape.month, shape.missing))
    for name in SECTION_INPUTS:
        if name not in shape.keep_inputs:
            (folder / name).unlink(missing_ok=True)
    return folder


def build(folder: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wxnb", "build", "--account", "shape", "--month", folder.name,
         "--data", str(folder), "--out", str(out), "--set", "target_open_rate=0.02",
         "--set", "target_net_followers=500", "--set", "target_read_count=20000"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)


shapes = st.builds(
    Shape,
    month=st.sampled_from(MONTHS),
    first_month=st.booleans(),
    no_articles=st.booleans(),
    prev_no_pushes=st.booleans(),
    broken_prev=st.booleans(),
    missing=st.lists(st.sampled_from(("start", "middle", "end")), unique=True,
                     max_size=3).map(tuple),
    keep_inputs=st.sets(st.sampled_from(SECTION_INPUTS)).map(
        lambda s: tuple(n for n in SECTION_INPUTS if n in s)),
)


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(shape=shapes)
@example(shape=Shape("2028-02", first_month=True))
@example(shape=Shape("2027-03", no_articles=True))
@example(shape=Shape("2027-01", prev_no_pushes=True))
@example(shape=Shape("2027-03", broken_prev=True))
@example(shape=Shape("2028-02", missing=("start", "middle", "end")))
@example(shape=Shape("2027-03", missing=("start",), keep_inputs=()))
@example(shape=Shape("2027-01", missing=("end",),
                     keep_inputs=("events.parquet", "incidents.csv")))
def test_every_month_shape_builds_and_says_why(shape: Shape) -> None:
    with tempfile.TemporaryDirectory(prefix="wxnb-shape-") as tmp:
        folder = make(shape, Path(tmp) / "data")
        before = {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()}
        res = build(folder, Path(tmp) / "out")
        out = res.stdout + res.stderr
        assert res.returncode == 0, f"{shape}\n{out[-3000:]}"
        assert "内部错误" not in out and "Traceback" not in out
        report = Path(tmp) / "out" / "shape" / shape.month / "report.html"
        text = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        # The appendix shows the folders used; a random temp name (wxnb-shape-0xbh…) must not
        # read as a bad token ("-0").
        text = text.replace(tmp, "<tmp>")
        bad = [text[max(0, m.start() - 60):m.end() + 20] for m in BAD_TOKENS.finditer(text)]
        assert not bad, f"{shape}: {bad[:5]}"
        _says_why(shape, text)
        assert {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()} == before


def _says_why(shape: Shape, text: str) -> None:
    """Each gap of the shape is named in words where it matters."""
    if shape.first_month:
        assert "无上月数据" in text, shape
    if shape.broken_prev and not shape.first_month:
        assert "上月数据校验未通过" in text, shape
        if "events.parquet" in shape.keep_inputs:
            assert "上月事件日志校验未通过" in text, shape
    if shape.no_articles:
        # these months come in the 2025 shape (发表内容): nothing was published with a push
        assert "本月没有通知粉丝的发表" in text and "本月无群发" in text, shape
    for day in sorted(_days(shape.month, shape.missing)):
        assert f"{day[5:]}" in text, (shape, day)  # the data notes name the missing days
    if shape.missing:
        assert "缺少" in text, shape
    if "events.parquet" not in shape.keep_inputs:
        assert "未生成：数据目录中没有 events*" in text, shape
        assert "转化率需要事件日志" in text, shape
    if "competitor_articles.csv" not in shape.keep_inputs:
        assert "未生成：数据目录中没有 competitor_articles.csv" in text, shape
    if "incidents.csv" not in shape.keep_inputs:
        assert "未生成：数据目录中没有 incidents.csv" in text, shape
