"""Shared fixtures: a tiny but complete month written in the data contract's format."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

# Month datasets (wxnb.io.dataset) of the tests' temporary folders go to a temporary cache, not
# to outputs/ (the builds the tests start inherit it).
os.environ.setdefault("WXNB_CACHE_DIR", tempfile.mkdtemp(prefix="wxnb-test-cache-"))


def days_of(month: str) -> list[str]:
    first = date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [(first + timedelta(days=i)).isoformat() for i in range((nxt - first).days)]


def dump(path: Path, body: Any) -> Path:
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def detail(stat_date: str, target: int, read_user: int, session_user: int, k: int = 1) -> dict:
    return {
        "stat_date": stat_date, "target_user": target,
        "int_page_read_user": read_user * k, "int_page_read_count": read_user * k + 5,
        "ori_page_read_user": 2 * k, "ori_page_read_count": 3 * k,
        "share_user": 4 * k, "share_count": 5 * k,
        "add_to_fav_user": 1 * k, "add_to_fav_count": 1 * k,
        "int_page_from_session_read_user": session_user * k,
        "int_page_from_session_read_count": session_user * k + 2,
    }


def read_row(day: str, source: int, users: int, count: int, shares: int = 0) -> dict:
    return {
        "ref_date": day, "user_source": source,
        "int_page_read_user": users, "int_page_read_count": count,
        "ori_page_read_user": 0, "ori_page_read_count": 0,
        "share_user": shares, "share_count": shares,
        "add_to_fav_user": 0, "add_to_fav_count": 0,
    }


def make_month(folder: Path, month: str = "2026-10", start: int = 1000) -> Path:
    """Write a small valid month: 10 new and 4 cancelled a day (source 30 and 0), two pushes."""
    folder.mkdir(parents=True, exist_ok=True)
    days = days_of(month)
    summary, cumulate, reads = [], [], []
    total = start
    for d in days:
        summary += [
            {"ref_date": d, "user_source": 30, "new_user": 6, "cancel_user": 1},
            {"ref_date": d, "user_source": 0, "new_user": 4, "cancel_user": 3},
        ]
        total += 10 - 4
        cumulate.append({"ref_date": d, "user_source": 0, "cumulate_user": total})
        reads += [read_row(d, 99999999, 50, 80, 3), read_row(d, 0, 30, 40), read_row(d, 1, 25, 30)]
    for i in range(0, len(days), 7):
        chunk = days[i : i + 7]
        dump(folder / f"getusersummary_{chunk[0]}_{chunk[-1]}.json",
             {"list": [r for r in summary if r["ref_date"] in chunk]})
        dump(folder / f"getusercumulate_{chunk[0]}_{chunk[-1]}.json",
             {"list": [r for r in cumulate if r["ref_date"] in chunk]})
    for i in range(0, len(days), 3):
        chunk = days[i : i + 3]
        dump(folder / f"getuserread_{chunk[0]}_{chunk[-1]}.json",
             {"list": [r for r in reads if r["ref_date"] in chunk]})
    for n, d in enumerate((days[2], days[9])):
        stats = [days[min(days.index(d) + j, len(days) - 1)] for j in range(2)]
        item = {"ref_date": d, "msgid": f"22474836{n}0_1", "title": f"第{n + 1}篇",
                "details": [detail(stats[0], 1000, 40, 20), detail(stats[1], 1000, 40, 20, 2)]}
        dump(folder / f"getarticletotal_{d}_{d}.json", {"list": [item]})
    return folder


@pytest.fixture
def month_dir(tmp_path: Path) -> Path:
    return make_month(tmp_path / "acct" / "2026-10")


@pytest.fixture(scope="session")
def generated_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``generate_sample`` with its defaults, once per test session (read only: do not write
    into it); the root of the account folder ``sample``."""
    from wxnb.samples.month import generate_sample

    out = tmp_path_factory.mktemp("data")
    generate_sample(out)
    return out / "sample"


@pytest.fixture(scope="session")
def generated_legacy_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same sample with the legacy 图文分析 endpoints (``shape="legacy"``: what WeChat gave
    before 2025-11, and what archives hold), once per test session (read only)."""
    from wxnb.samples.month import generate_sample

    out = tmp_path_factory.mktemp("legacy")
    generate_sample(out, shape="legacy")
    return out / "sample"
