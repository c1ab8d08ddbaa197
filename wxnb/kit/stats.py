"""The statistics every section shares: one Wilson interval, one two-proportion test, one
Holm correction (all from statsmodels)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, overload

__all__ = ["holm", "two_proportion", "wilson"]


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95 % interval of k / n (statsmodels); (nan, nan) when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return (max(0.0, float(lo)), min(1.0, float(hi)))


def two_proportion(k1: int, n1: int, k0: int, n0: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z test of k1/n1 against k0/n0.

    None when either base is 0; 1.0 when both proportions are 0 or both are 1 (no variance, no
    difference).
    """
    if n1 <= 0 or n0 <= 0:
        return None
    pooled = (k1 + k0) / (n1 + n0)
    if pooled in (0.0, 1.0):
        return 1.0
    import numpy as np
    from statsmodels.stats.proportion import proportions_ztest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, p = proportions_ztest(np.array([k1, k0]), np.array([n1, n0]))
    return float(p)


@overload
def holm(pvalues: Sequence[float | None]) -> list[float]: ...
@overload
def holm(pvalues: Any) -> Any: ...
def holm(pvalues: Any) -> Any:
    """Holm-adjusted p-values (statsmodels ``multipletests``), in the given order. A missing
    p-value (None or NaN: a comparison not tested) stays NaN and does not count among the tests.
    A pandas Series comes back as a Series on the same index; anything else as a list."""
    import numpy as np

    values = np.array([math.nan if v is None else float(v) for v in pvalues], dtype=float)
    out = np.full(len(values), math.nan)
    tested = ~np.isnan(values)
    if tested.any():
        from statsmodels.stats.multitest import multipletests

        out[tested] = multipletests(values[tested], method="holm")[1]
    if hasattr(pvalues, "index") and hasattr(pvalues, "to_numpy"):
        import pandas as pd

        return pd.Series(out, index=pvalues.index, name=getattr(pvalues, "name", None))
    return [float(x) for x in out]
