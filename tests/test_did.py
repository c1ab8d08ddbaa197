"""wxnb.kit.did: the 2×2 difference-in-differences, its permutation inference over the units,
the test-inverted interval, the pre-trend check and Holm's adjustment, each against a value
computed here independently."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from wxnb.kit import did


def _welch(a: np.ndarray, b: np.ndarray) -> float:
    diff = a.mean() - b.mean()
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))


def brute_p(values: list[float], treated: list[bool], *, studentize: bool = True) -> float:
    """Two-sided permutation p-value by enumerating every assignment (independent of the kit):
    the statistic is Welch's t (the difference in means ÷ its Welch standard error), or the
    raw difference in means with ``studentize=False``."""
    v = np.asarray(values, float)
    k, n = sum(treated), len(values)

    def stat(mask: np.ndarray) -> float:
        if studentize:
            return _welch(v[mask], v[~mask])
        return float(v[mask].mean() - v[~mask].mean())

    obs = stat(np.asarray(treated))
    hits = total = 0
    for combo in itertools.combinations(range(n), k):
        mask = np.zeros(n, bool)
        mask[list(combo)] = True
        hits += abs(stat(mask)) >= abs(obs) * (1 - 1e-9)
        total += 1
    return hits / total


# --------------------------------------------------------------------------- 2×2


def test_hand_made_two_by_two() -> None:
    # pilot units 10→15 and 12→19 (+5, +7), control 20→21 and 22→25 (+1, +3)
    r = did.did([10, 12, 20, 22], [15, 19, 21, 25], [True, True, False, False])
    assert r.estimate == pytest.approx(4.0)  # (6) − (2)
    assert (r.treated_pre, r.treated_post, r.control_pre, r.control_post) == (11, 17, 21, 23)
    assert r.treated_change == 6 and r.control_change == 2
    assert r.counterfactual == pytest.approx(13.0)  # 11 + 2
    assert r.relative == pytest.approx(4 / 13)
    assert r.naive_difference == -6  # the pilot looks WORSE in a plain post comparison
    assert r.pre_gap == -10
    assert r.naive_ratio == pytest.approx(-6 / 23)


def test_did_is_the_mean_difference_of_changes() -> None:
    rng = np.random.default_rng(5)
    pre, post = rng.normal(50, 5, 10), rng.normal(55, 5, 10)
    z = np.arange(10) < 4
    r = did.did(pre, post, z)
    assert r.estimate == pytest.approx((post - pre)[z].mean() - (post - pre)[~z].mean())
    assert r.estimate == pytest.approx(did.mean_difference(post - pre, z))


# --------------------------------------------------------------------------- permutation


def test_exact_p_value_on_a_tiny_design() -> None:
    # 3 vs 3 perfectly separated: only the observed split and its mirror are as extreme → 2/20
    t = did.permutation_test([1, 2, 3, 10, 11, 12], [False] * 3 + [True] * 3)
    assert t.exact and t.assignments == 20
    assert t.estimate == pytest.approx(9.0)
    assert t.p_value == pytest.approx(2 / 20)
    assert t.min_p == pytest.approx(0.1) and not t.can_reject
    # unequal groups (2 of 5): no mirror, checked against full enumeration. By hand, Welch's
    # t of {4, 10} against {1, 2, 3} is 5 / √(18/2 + 1/3) = 1.64, and the split {1, 2}
    # against {3, 4, 10} gives −4.17 / √(0.5/2 + 14.33/3) = −1.86: 2 of 10 as extreme (the
    # raw difference in means would call the observed split the only extreme one, p = 0.1)
    values, treated = [1.0, 2.0, 3.0, 4.0, 10.0], [False, False, False, True, True]
    t = did.permutation_test(values, treated)
    assert t.assignments == 10 and t.min_p == pytest.approx(0.1) and t.studentized
    assert t.p_value == pytest.approx(brute_p(values, treated)) == pytest.approx(0.2)
    assert brute_p(values, treated, studentize=False) == pytest.approx(0.1)
    values = [0.3, -1.2, 2.2, 0.1, 1.7, 0.9, -0.4, 1.1]
    treated = [True, False, True, False, True, False, True, False]
    assert did.permutation_test(values, treated).p_value == pytest.approx(
        brute_p(values, treated))


def test_interval_is_the_inverted_test() -> None:
    rng = np.random.default_rng(11)
    z = np.arange(16) < 8
    v = rng.normal(0, 1, 16) + 2.0 * z
    t = did.permutation_test(v, z)
    lo, hi = t.ci
    assert lo < t.estimate < hi
    eps = 1e-6 * (hi - lo)
    for tau, inside in ((lo + eps, True), (lo - eps, False), (hi - eps, True), (hi + eps, False)):
        p = did.permutation_test(v - tau * z, z).p_value  # H0: the effect is tau
        assert (p > 0.05) is inside, (tau, p)
    assert t.significant == (not lo <= 0 <= hi)


def test_too_few_units_give_an_unbounded_interval() -> None:
    t = did.permutation_test([0.0, 0.1, 5.0, 5.2], [False, False, True, True])
    assert t.ci == (-math.inf, math.inf) and not t.bounded
    assert t.min_p == pytest.approx(2 / 6) and not t.can_reject and not t.significant


def test_unequal_groups_of_unequal_spread_keep_the_level() -> None:
    # 4 pilot units three times as variable as 12 controls, no average effect: permuting the
    # raw difference in means rejects about a quarter of such nulls at 5 %; the studentized
    # statistic stays near the level (the small-sample excess of 4 units aside)
    rng = np.random.default_rng(2026)
    z = np.arange(16) < 4
    rejected = raw = 0
    for _ in range(200):
        v = np.r_[rng.normal(0, 3, 4), rng.normal(0, 1, 12)]
        rejected += did.permutation_test(v, z).p_value <= 0.05
        raw += brute_p(list(v), list(z), studentize=False) <= 0.05 if _ < 40 else 0
    assert rejected / 200 <= 0.15
    assert raw / 40 >= 0.15  # the unstudentized test on the same data does over-reject


def test_one_unit_groups_fall_back_to_the_difference_in_means() -> None:
    values, treated = [1.0, 2.0, 3.0, 9.0], [False, False, False, True]
    t = did.permutation_test(values, treated)
    assert not t.studentized and t.p_value == pytest.approx(0.25)  # 9 is the largest of 4


def test_random_draws_when_assignments_are_many() -> None:
    rng = np.random.default_rng(3)
    z = np.arange(30) < 15  # C(30, 15) = 155 million: drawn, not enumerated
    v = rng.normal(0, 1, 30) + 0.8 * z
    a = did.permutation_test(v, z, draws=2000, seed=7)
    b = did.permutation_test(v, z, draws=2000, seed=7)
    assert not a.exact and a.assignments == 2001  # the observed assignment counts
    assert (a.p_value, a.ci) == (b.p_value, b.ci)  # fixed seed: the same answer every time
    assert a.min_p == pytest.approx(1 / 2001)
    assert a.p_value * 2001 == pytest.approx(round(a.p_value * 2001))


def test_planted_effect_is_covered_and_a_null_covers_zero() -> None:
    rng = np.random.default_rng(2026)
    z = np.arange(12) < 6
    unit = rng.normal(100, 20, 12)  # fixed effects cancel in the changes
    pre = unit + rng.normal(0, 2, 12)
    post = unit + 3 + rng.normal(0, 2, 12)  # a common trend of +3
    r = did.did(pre, post + 10 * z, z)  # planted effect +10
    assert r.ci[0] <= 10 <= r.ci[1] and r.test.significant
    null = did.did(pre, post, z)
    assert null.ci[0] <= 0 <= null.ci[1] and not null.test.significant


def test_relative_interval_maps_through_the_counterfactual() -> None:
    r = did.did([10, 11, 12, 10, 11, 12, 9, 13], [15, 17, 17, 11, 11, 13, 9, 14],
                [True] * 4 + [False] * 4)
    lo, hi = r.ci
    post = r.treated_post
    assert r.relative_ci == pytest.approx((lo / (post - lo), hi / (post - hi)))
    assert r.relative == pytest.approx(r.estimate / (post - r.estimate))


def test_bad_designs_are_refused() -> None:
    with pytest.raises(ValueError):
        did.permutation_test([1.0, 2.0], [True, True])
    with pytest.raises(ValueError):
        did.permutation_test([1.0, math.nan, 2.0], [True, False, False])
    with pytest.raises(ValueError):
        did.permutation_test([1.0, 2.0], [True])


# --------------------------------------------------------------------------- pre-trends


def test_unit_slopes_by_hand() -> None:
    panel = pd.DataFrame({"unit": ["a"] * 3 + ["b"] * 2 + ["c"],
                          "time": [-3, -2, -1, -2, -1, -1],
                          "value": [1.0, 3.0, 5.0, 4.0, 3.0, 7.0]})
    s = did.unit_slopes(panel)
    assert s.to_dict() == pytest.approx({"a": 2.0, "b": -1.0})  # c: one point, no slope


def _panel(slope_t: float, seed: int) -> tuple[pd.DataFrame, dict[str, bool]]:
    rng = np.random.default_rng(seed)
    rows, treated = [], {}
    for i in range(12):
        u = f"u{i}"
        treated[u] = i < 6
        for week in range(-4, 0):
            slope = slope_t if treated[u] else 0.0
            rows.append({"unit": u, "time": week,
                         "value": 50 + 5 * i + slope * week + rng.normal(0, 0.5)})
    return pd.DataFrame(rows), treated


def test_pretrend_flags_diverging_trends_only() -> None:
    panel, treated = _panel(2.0, 1)
    r = did.pretrend(panel, treated)
    assert r.periods == 4 and r.diverging
    assert r.test is not None and r.test.ci[0] <= 2.0 <= r.test.ci[1]
    parallel, treated = _panel(0.0, 1)
    assert not did.pretrend(parallel, treated).diverging


def test_pretrend_needs_two_periods_and_units() -> None:
    panel, treated = _panel(0.0, 2)
    one = panel[panel["time"] == -1]
    r = did.pretrend(one, treated)
    assert r.test is None and r.periods == 1 and "两个" in r.reason
    few = panel[panel["unit"].isin(["u0", "u6", "u7"])]
    r = did.pretrend(few, treated)
    assert r.test is None and "太少" in r.reason
