"""Difference-in-differences with cluster-level permutation inference (pilot against control).

Generic: nothing here knows about WeChat. The unit of inference is the cluster (a store, a
staff member): every unit contributes one number, and the pilot/control labels are re-assigned
among the units (randomisation inference, Fisher 1935; for DiD with few clusters see Conley &
Taber 2011 and the method notes of the report). With 5–20 units per arm, cluster-robust
standard errors are unreliable; a permutation test is exact whatever the distribution.

* :func:`permutation_test`: the difference in means of one value per unit between the treated
  and the control units, with the two-sided permutation p-value of its Welch-studentized form
  (honest for unequal groups of unequal spread; exact over every assignment when there are
  at most ``exact_max`` of them, otherwise ``draws`` random assignments with a fixed seed, the
  observed one counted in) and the interval obtained by inverting the test under a constant
  additive effect (the set of effects τ₀ the test does not reject at
  ``alpha`` after subtracting τ₀ from the treated units' values). With too few units the
  interval is unbounded: the design cannot reject any effect, and it says so (``bounded``).
* :func:`did`: the 2×2 estimate on unit-period means, ``(treated post − treated pre) − (control
  post − control pre)`` = the permutation test on each unit's change, plus the treated units'
  counterfactual (their post mean minus the effect) and the relative uplift against it.
* :func:`pretrend`: parallel pre-trends: each unit's OLS slope over the pre-period's time bins,
  treated minus control, tested the same way (a placebo DiD when there are two bins).
  Holm's adjustment across the metrics of one evaluation is ``kit.stats.holm``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DidResult",
    "PermutationResult",
    "did",
    "mean_difference",
    "permutation_test",
    "pretrend",
    "unit_slopes",
]

EXACT_MAX = 100_000  # enumerate every assignment up to this many
DRAWS = 5_000  # random assignments beyond it
SEED = 20261001  # the draws' seed: the same data always gives the same p-value
_TOL = 1e-9


@dataclass(frozen=True)
class PermutationResult:
    """A difference in unit means (treated − control) with its permutation inference.

    ``ci`` may hold ``-inf``/``inf`` (the test cannot bound the effect with these units);
    ``min_p`` is the smallest p-value the design can give (``2 / assignments`` for an exact
    test of equal groups, whose mirrored split is as extreme, ``1 / assignments`` otherwise).
    """

    estimate: float
    p_value: float
    ci: tuple[float, float]
    alpha: float
    n_treated: int
    n_control: int
    assignments: int
    exact: bool
    min_p: float
    studentized: bool = True  # the permuted statistic is Welch's t (False: one-unit group)

    @property
    def bounded(self) -> bool:
        return all(math.isfinite(v) for v in self.ci)

    @property
    def significant(self) -> bool:
        """True when the interval excludes 0 (the same as ``p_value <= alpha``)."""
        return self.p_value <= self.alpha

    @property
    def can_reject(self) -> bool:
        """False when even the most extreme assignment could not reach ``alpha``."""
        return self.min_p <= self.alpha


def _as_arrays(values: Sequence[float] | np.ndarray, treated: Sequence[bool] | np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=float)
    z = np.asarray(treated, dtype=bool)
    if v.shape != z.shape or v.ndim != 1:
        raise ValueError("values and treated must be 1-D and of the same length")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite (drop the units without a value first)")
    if z.sum() == 0 or (~z).sum() == 0:
        raise ValueError("need at least one treated and one control unit")
    return v, z


def mean_difference(values: Sequence[float] | np.ndarray,
                    treated: Sequence[bool] | np.ndarray) -> float:
    """Mean of the treated units' values minus the mean of the control units'."""
    v, z = _as_arrays(values, treated)
    return float(v[z].mean() - v[~z].mean())


def _assignments(n: int, k: int, *, draws: int, seed: int, exact_max: int
                 ) -> tuple[np.ndarray, bool]:
    """Boolean matrix (assignments × units) of treated sets of size ``k`` among ``n`` units."""
    total = math.comb(n, k)
    if total <= exact_max:
        out = np.zeros((total, n), dtype=bool)
        for row, combo in enumerate(itertools.combinations(range(n), k)):
            out[row, list(combo)] = True
        return out, True
    rng = np.random.default_rng(seed)
    keys = rng.random((draws, n))
    idx = np.argpartition(keys, k - 1, axis=1)[:, :k]
    out = np.zeros((draws, n), dtype=bool)
    np.put_along_axis(out, idx, True, axis=1)
    return out, False


def _statistic(pf: np.ndarray, v: np.ndarray, studentize: bool) -> np.ndarray:
    """Each assignment's (row of ``pf``, 1.0 = treated) treated − control difference in
    means, divided by its Welch standard error when ``studentize`` (0/0 → 0, d/0 → ±inf)."""
    v = v - v.mean()  # the statistic is shift-invariant; centring keeps the sums accurate
    nt = pf.sum(axis=1)
    nc = pf.shape[1] - nt
    st = pf @ v
    sc = v.sum() - st
    diff = st / nt - sc / nc
    if not studentize:
        return diff
    qt = pf @ (v * v)
    qc = float((v * v).sum()) - qt
    vt = np.maximum(qt - st * st / nt, 0.0) / (nt - 1)
    vc = np.maximum(qc - sc * sc / nc, 0.0) / (nc - 1)
    se = np.sqrt(vt / nt + vc / nc)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / se
    return np.where(se > 0, t, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)))


def _p_value(pf: np.ndarray, v: np.ndarray, z: np.ndarray, studentize: bool) -> float:
    """Share of the assignments whose |statistic| is at least the observed one's."""
    stats = np.abs(_statistic(pf, v, studentize))
    obs = abs(float(_statistic(z[None, :].astype(float), v, studentize)[0]))
    return float((stats >= obs * (1 - 1e-9) - 1e-12).sum() / len(pf))


def _bound(p_at: Any, start: float, step: float, direction: float, alpha: float) -> float:
    """Walking from ``start`` (not rejected) in ``direction``: the last effect not rejected
    before the first one the test rejects (doubling steps, then bisection); ±inf if none."""
    inside, outside = start, None
    for i in range(80):
        tau = start + direction * step * 2.0 ** i
        if p_at(tau) <= alpha:
            outside = tau
            break
        inside = tau
    if outside is None:
        return direction * math.inf
    tol = step * 1e-8
    while abs(outside - inside) > tol:
        mid = (inside + outside) / 2
        if p_at(mid) <= alpha:
            outside = mid
        else:
            inside = mid
    return inside


def _interval(pf: np.ndarray, v: np.ndarray, z: np.ndarray, estimate: float, se: float,
              alpha: float, always: int, studentize: bool) -> tuple[float, float]:
    """The effects τ₀ the test does not reject (p > alpha) around the estimate, each tested
    by subtracting τ₀ from the treated units' values. Assignments equal to the observed one
    (or its mirror) are as extreme under every τ₀: when they alone exceed alpha the set is
    every τ₀."""
    if always / len(pf) > alpha:
        return (-math.inf, math.inf)
    zf = z.astype(float)

    def p_at(tau: float) -> float:
        return _p_value(pf, v - tau * zf, z, studentize)

    step = se if se > 0 else max(1.0, float(np.abs(v).max())) * 1e-3
    return (_bound(p_at, estimate, step, -1.0, alpha), _bound(p_at, estimate, step, 1.0, alpha))


def permutation_test(values: Sequence[float] | np.ndarray,
                     treated: Sequence[bool] | np.ndarray, *, alpha: float = 0.05,
                     draws: int = DRAWS, seed: int = SEED,
                     exact_max: int = EXACT_MAX) -> PermutationResult:
    """Difference in means (treated − control) of one value per unit, its two-sided
    permutation p-value and its test-inversion interval at level ``1 − alpha``.

    The permuted statistic is the difference divided by its Welch standard error (when both
    groups have at least two units): exact under the sharp null like any statistic, and it
    stays honest for an average effect of zero when the groups differ in size and spread (the
    raw difference in means over-rejects then; Janssen 1997, Chung & Romano 2013, MacKinnon &
    Webb 2020 for few treated clusters). Exact (every assignment of the same number of
    treated units) when there are at most ``exact_max`` assignments; otherwise ``draws``
    random assignments with ``seed``, the observed one included (p = (1 + #as extreme) /
    (1 + draws)).
    """
    v, z = _as_arrays(values, treated)
    n, k = len(v), int(z.sum())
    perms, exact = _assignments(n, k, draws=draws, seed=seed, exact_max=exact_max)
    if not exact:
        perms = np.vstack([z[None, :], perms])
    nt, nc = k, n - k
    studentize = nt >= 2 and nc >= 2
    a_obs = float(v[z].mean() - v[~z].mean())
    se = math.sqrt(float(v[z].var(ddof=1)) / nt + float(v[~z].var(ddof=1)) / nc) \
        if studentize else 0.0
    total = len(perms)
    pf = perms.astype(float)
    p = _p_value(pf, v, z, studentize)
    mirror = nt == nc  # swapping the groups gives the same |statistic|
    always = int((perms == z).all(axis=1).sum() + (mirror and (perms == ~z).all(axis=1).sum()))
    min_p = (2 if mirror and exact else 1) / total
    ci = _interval(pf, v, z, a_obs, se, alpha, always, studentize)
    return PermutationResult(a_obs, p, ci, alpha, nt, nc, total, exact, min_p, studentize)


# --------------------------------------------------------------------------- DiD


@dataclass(frozen=True)
class DidResult:
    """The 2×2 difference-in-differences on unit-period means and its inference."""

    test: PermutationResult
    treated_pre: float
    treated_post: float
    control_pre: float
    control_post: float

    @property
    def estimate(self) -> float:
        return self.test.estimate

    @property
    def ci(self) -> tuple[float, float]:
        return self.test.ci

    @property
    def p_value(self) -> float:
        return self.test.p_value

    @property
    def treated_change(self) -> float:
        return self.treated_post - self.treated_pre

    @property
    def control_change(self) -> float:
        return self.control_post - self.control_pre

    @property
    def counterfactual(self) -> float:
        """The treated units' post mean had they changed like the control units."""
        return self.treated_pre + self.control_change

    def _relative(self, tau: float) -> float:
        # counterfactual under τ: treated_post − τ; monotone in τ below treated_post
        base = self.treated_post - tau
        if base <= 0:
            return math.inf if tau > 0 else -math.inf
        return tau / base

    @property
    def relative(self) -> float | None:
        """Effect ÷ counterfactual (None when the counterfactual is not positive)."""
        if self.counterfactual <= 0:
            return None
        return self.estimate / self.counterfactual

    @property
    def relative_ci(self) -> tuple[float, float] | None:
        """The interval mapped through τ ↦ τ / (treated post − τ) (exact under the same
        constant-effect model); None when the counterfactual is not positive."""
        if self.relative is None:
            return None
        lo, hi = self.ci
        return (self._relative(lo) if math.isfinite(lo) else -1.0,
                self._relative(hi) if math.isfinite(hi) else math.inf)

    @property
    def naive_difference(self) -> float:
        """Treated post mean − control post mean: the comparison DiD replaces."""
        return self.treated_post - self.control_post

    @property
    def naive_ratio(self) -> float | None:
        """(Treated post − control post) ÷ control post: the seed's "提升幅度"."""
        return self.naive_difference / self.control_post if self.control_post else None

    @property
    def pre_gap(self) -> float:
        """Treated pre mean − control pre mean: what the naive comparison wrongly credits."""
        return self.treated_pre - self.control_pre


def did(pre: Sequence[float] | np.ndarray, post: Sequence[float] | np.ndarray,
        treated: Sequence[bool] | np.ndarray, **kw: object) -> DidResult:
    """``(treated post − treated pre) − (control post − control pre)`` on one value per unit
    and period, every unit weighted equally; inference by :func:`permutation_test` on the
    units' changes (keywords go to it)."""
    pre_a = np.asarray(pre, dtype=float)
    post_a = np.asarray(post, dtype=float)
    _, z = _as_arrays(post_a - pre_a, treated)
    test = permutation_test(post_a - pre_a, z, **kw)  # type: ignore[arg-type]
    return DidResult(test, float(pre_a[z].mean()), float(post_a[z].mean()),
                     float(pre_a[~z].mean()), float(post_a[~z].mean()))


# --------------------------------------------------------------------------- pre-trends


def unit_slopes(panel: pd.DataFrame, *, unit: str = "unit", time: str = "time",
                value: str = "value", min_points: int = 2) -> pd.Series:
    """Each unit's OLS slope of ``value`` on ``time`` (value units per time unit), from the
    rows with a finite value; units with fewer than ``min_points`` distinct times are left
    out."""
    out = {}
    for u, g in panel[np.isfinite(panel[value].astype(float))].groupby(unit, sort=True):
        t = g[time].astype(float).to_numpy()
        y = g[value].astype(float).to_numpy()
        if len(np.unique(t)) < min_points:
            continue
        tc = t - t.mean()
        out[u] = float((tc * (y - y.mean())).sum() / (tc * tc).sum())
    return pd.Series(out, dtype=float)


@dataclass(frozen=True)
class PretrendResult:
    """Treated − control difference of the units' pre-period slopes, with its test."""

    test: PermutationResult | None
    periods: int  # distinct pre-period time bins
    reason: str = ""  # why there is no test

    @property
    def diverging(self) -> bool:
        return self.test is not None and self.test.significant


def pretrend(panel: pd.DataFrame, treated: Mapping[Any, bool], *, unit: str = "unit",
             time: str = "time", value: str = "value", alpha: float = 0.10,
             min_units: int = 2, **kw: object) -> PretrendResult:
    """Parallel pre-trends: the units' slopes over the pre-period bins of ``panel``, treated
    mean minus control mean, permutation-tested at ``alpha`` (a flag, so more lenient than the
    effect's level by default). No test when fewer than two bins or fewer than ``min_units``
    units per group have a slope."""
    periods = int(panel.loc[np.isfinite(panel[value].astype(float)), time].nunique())
    if periods < 2:
        return PretrendResult(None, periods, "前期不足两个时间段")
    slopes = unit_slopes(panel, unit=unit, time=time, value=value)
    z = np.array([bool(treated.get(u, False)) for u in slopes.index])
    known = np.array([u in treated for u in slopes.index])
    slopes, z = slopes[known], z[known]
    if z.sum() < min_units or (~z).sum() < min_units:
        return PretrendResult(None, periods, "有前期走势的单位太少")
    test = permutation_test(slopes.to_numpy(), z, alpha=alpha, **kw)  # type: ignore[arg-type]
    return PretrendResult(test, periods)

