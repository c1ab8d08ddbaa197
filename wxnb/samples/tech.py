"""Section 06's own sample inputs, opposite their reader ``wxnb.io.tech.load``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wxnb.io.datacube import month_days
from wxnb.io.tech import (
    PERF_COLUMNS,
    REPLY_COLUMNS,
    AUTOREPLY_FILE,
    PERF_FILE,
)

__all__ = ["write_sample"]

# Rule, share of messages, chance the reply is right (2026-10 level), message templates.
_RULES: tuple[tuple[str, float, float, tuple[str, ...]], ...] = (
    ("关键词-优惠券", 0.24, 0.80, ("优惠券怎么领", "领券", "优惠券在哪里看", "满减券还能用吗")),
    ("关键词-客服", 0.20, 0.86, ("人工客服", "转人工", "客服电话多少", "怎么联系客服")),
    ("关键词-物流", 0.14, 0.78, ("我的快递到哪了", "查物流", "几天能发货", "订单还没发货")),
    ("关键词-会员", 0.10, 0.82, ("会员积分怎么用", "怎么升级会员", "积分兑换", "会员生日礼")),
    ("默认回复", 0.20, 0.62, ("你好", "在吗", "新品什么时候上", "门店几点关门", "可以开发票吗")),
    ("", 0.12, 0.70, ("[图片]", "[表情]", "谢谢", "好的", "1")),
)
_MONTH_SHIFT = {"2026-09": 0.02, "2026-10": 0.0}  # auto-reply accuracy better in September
_LOAD_LEVEL = {"2026-09": 1.95, "2026-10": 2.25}  # mini program start-up, seconds


def _sample_rng(seed: int, month: str, stream: int) -> np.random.Generator:
    year, mon = (int(x) for x in month.split("-"))
    return np.random.default_rng([seed, year * 100 + mon, 60 + stream])


def _perf_rows(month: str, seed: int) -> list[list[Any]]:
    rng = _sample_rng(seed, month, 1)
    days = month_days(month)
    slow = set(rng.choice(len(days), size=3, replace=False).tolist())
    level = _LOAD_LEVEL.get(month, 2.1)
    rows = []
    for i, d in enumerate(days):
        s = level + rng.normal(0, 0.12) + (0.45 if i in slow else 0.0)
        s = float(np.clip(s, level - 0.35, level + 0.58))
        rows.append([d.isoformat(), round(s * 1000), int(rng.integers(2600, 6200))])
    return rows


def _reply_rows(month: str, seed: int, hostile: bool) -> list[list[Any]]:
    rng = _sample_rng(seed, month, 2)
    days = month_days(month)
    n = int(rng.integers(280, 330))
    users = [f"u{int(x):06x}" for x in rng.integers(0, 16**6, size=int(n * 0.6))]
    shift = _MONTH_SHIFT.get(month, 0.02)
    pick = rng.choice(len(_RULES), size=n, p=[r[1] for r in _RULES])
    rows = []
    for i, k in enumerate(pick):
        rule, _, p_ok, texts = _RULES[k]
        stamp = pd.Timestamp(days[int(rng.integers(len(days)))]) + pd.Timedelta(
            minutes=int(rng.integers(7 * 60, 23 * 60 + 59)))
        text = texts[int(rng.integers(len(texts)))]
        ok = rng.random() < min(1.0, p_ok + shift)
        user = users[int(rng.integers(len(users)))]
        if hostile:
            from wxnb.samples.hostile import HOSTILE_TEXTS

            text = f"{HOSTILE_TEXTS[i % len(HOSTILE_TEXTS)]}{text}"
            rule = f"{rule}{HOSTILE_TEXTS[k % len(HOSTILE_TEXTS)]}" if rule else rule
        rows.append([f"{stamp:%Y-%m-%d %H:%M}", user, text, rule, "是" if ok else "否"])
    return sorted(rows)


def _write_csv(path: Path, header: tuple[str, ...], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_sample(folder: Path, month: str, *, seed: int = 2026,
                 hostile: bool = False) -> list[Path]:
    """Write ``miniprogram_performance.csv`` and ``autoreply_samples.csv`` for ``month``.

    Deterministic per seed and month; ``hostile`` only changes the texts (messages and rule
    names), never a number. The getinterfacesummary files are left as they are.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(folder / PERF_FILE, PERF_COLUMNS, _perf_rows(month, seed)),
        _write_csv(folder / AUTOREPLY_FILE, REPLY_COLUMNS, _reply_rows(month, seed, hostile)),
    ]
