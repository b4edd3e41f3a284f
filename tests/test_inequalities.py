"""Tests of klutils.inequalities: total variation and Pinsker, merging, smoothing, and the
accuracy comparison of the textbook formula, scipy.stats.entropy and klutils against mpmath."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klutils import kl_bernoulli, kl_divergence
from klutils.inequalities import (
    METHODS,
    AccuracyCurves,
    merge_outcomes,
    nearly_identical_pair,
    pinsker_bound,
    reference_kl,
    relative_error_curve,
    smooth,
    textbook_kl,
    total_variation,
)


def random_pairs(seed, n_pairs, n_outcomes, concentration=1.0):
    rng = np.random.default_rng(seed)
    alpha = np.full(n_outcomes, concentration)
    return rng.dirichlet(alpha, size=n_pairs), rng.dirichlet(alpha, size=n_pairs)


# --- total variation and Pinsker ------------------------------------------------------------------

def test_total_variation_by_hand_and_in_batches():
    assert total_variation([0.2, 0.3, 0.5], [0.6, 0.3, 0.1]) == pytest.approx(0.4, abs=1e-15)
    assert total_variation([1.0, 0.0], [0.0, 1.0]) == 1.0
    p, q = random_pairs(0, 50, 6)
    expected = [0.5 * sum(abs(a - b) for a, b in zip(x, y, strict=True)) for x, y in zip(p, q,
                                                                                      strict=True)]
    np.testing.assert_allclose(total_variation(p, q), expected, rtol=1e-13)
    np.testing.assert_allclose(total_variation(p.T, q.T, axis=0), expected, rtol=1e-13)


def test_total_variation_is_the_largest_event_difference():
    p, q = np.array([0.1, 0.4, 0.2, 0.3]), np.array([0.3, 0.1, 0.4, 0.2])
    events = [np.array([(k >> i) & 1 for i in range(4)], bool) for k in range(16)]
    assert total_variation(p, q) == pytest.approx(max(abs(p[e].sum() - q[e].sum())
                                                      for e in events), abs=1e-15)


@pytest.mark.parametrize("seed", range(3))
def test_pinsker_holds_on_random_pairs(seed):
    for n_outcomes, concentration in [(2, 1.0), (5, 0.3), (20, 5.0)]:
        p, q = random_pairs(seed, 2000, n_outcomes, concentration)
        assert np.all(total_variation(p, q) <= pinsker_bound(kl_divergence(p, q)) + 1e-15)


def test_pinsker_is_tight_for_close_fair_coins():
    for delta in [1e-2, 1e-3, 1e-4]:
        tv = total_variation([0.5, 0.5], [0.5 + delta, 0.5 - delta])
        bound = pinsker_bound(kl_bernoulli(0.5, 0.5 + delta))
        assert tv <= bound and bound / tv == pytest.approx(1.0, abs=2 * delta ** 2)


def test_pinsker_bound_values_and_errors():
    assert pinsker_bound(0.5) == 0.5 and pinsker_bound(0) == 0.0
    assert pinsker_bound([2.0, math.inf]).tolist() == [1.0, math.inf]
    with pytest.raises(ValueError, match="non-negative"):
        pinsker_bound(-0.1)
    with pytest.raises(ValueError, match="NaN"):
        pinsker_bound([0.1, math.nan])
    with pytest.raises(ValueError, match="real"):
        pinsker_bound("0.1")


# --- merging outcomes ---------------------------------------------------------------------------

def test_merge_outcomes_adds_the_probabilities_of_each_group():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(merge_outcomes(p, [2, 0, 2, 0]), [0.6, 0.0, 0.4])
    batch = np.stack([p, p[::-1]])
    np.testing.assert_allclose(merge_outcomes(batch, [0, 0, 1, 1]), [[0.3, 0.7], [0.7, 0.3]])


@pytest.mark.parametrize("seed", range(3))
def test_merging_never_increases_kl(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pairs(seed + 100, 500, 8, 0.5)
    for _ in range(20):
        groups = rng.integers(0, rng.integers(1, 8), size=8)
        before = kl_divergence(p, q)
        after = kl_divergence(merge_outcomes(p, groups), merge_outcomes(q, groups))
        assert np.all(after <= before * (1 + 1e-12) + 1e-15)


def test_merging_outcomes_with_equal_ratios_keeps_kl():
    """Equality holds when p_i / q_i is constant within each group (a sufficient statistic)."""
    p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.2, 0.4, 0.15, 0.25])
    groups = [0, 0, 1, 2]
    assert kl_divergence(merge_outcomes(p, groups), merge_outcomes(q, groups)) == pytest.approx(
        kl_divergence(p, q), rel=1e-13)


@pytest.mark.parametrize(("groups", "message"), [
    ([0, 1], "one label per outcome"), ([0.0, 1.0, 1.0], "integer"), ([0, -1, 1], "non-negative"),
    ([True, False, True], "integer"),
])
def test_merge_outcomes_rejects_bad_groups(groups, message):
    with pytest.raises(ValueError, match=message):
        merge_outcomes([0.2, 0.3, 0.5], groups)


def test_merge_outcomes_rejects_a_non_distribution():
    with pytest.raises(ValueError, match="sum to 1"):
        merge_outcomes([0.2, 0.3, 0.6], [0, 0, 1])


# --- smoothing ----------------------------------------------------------------------------------

def test_smoothing_is_adding_pseudo_counts():
    counts = np.array([11, 6, 3, 0])
    n, alpha = counts.sum(), 1.0
    laplace = (counts + alpha) / (n + len(counts) * alpha)
    np.testing.assert_allclose(smooth(counts / n, alpha / n), laplace, rtol=1e-14)
    np.testing.assert_array_equal(smooth(counts / n, 0.0), counts / n)
    np.testing.assert_allclose(smooth([[1.0, 0.0], [0.5, 0.5]], 1.0), [[2 / 3, 1 / 3],
                                                                        [0.5, 0.5]])


def test_smoothing_makes_an_infinite_kl_finite_and_tends_to_it():
    p, q = [0.5, 0.3, 0.15, 0.05], [0.55, 0.3, 0.15, 0.0]
    assert kl_divergence(p, q) == math.inf
    values = [kl_divergence(p, smooth(q, eps)) for eps in [1e-2, 1e-4, 1e-8, 1e-12]]
    assert all(math.isfinite(v) for v in values)
    assert values == sorted(values)  # grows without bound as epsilon -> 0 ...
    # ... like 0.05 log(1 / epsilon), 0.05 being the probability Q missed
    assert values[-1] - values[-2] == pytest.approx(0.05 * math.log(1e4), rel=1e-3)


@pytest.mark.parametrize("epsilon", [-0.1, math.nan, math.inf, "0.1", True])
def test_smooth_rejects_bad_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        smooth([0.5, 0.5], epsilon)


# --- the textbook formula and the accuracy comparison ---------------------------------------------

def test_textbook_formula_agrees_on_ordinary_pairs():
    p, q = random_pairs(3, 20, 5)
    for x, y in zip(p, q, strict=True):
        assert float(textbook_kl(x, y)) == pytest.approx(kl_divergence(x, y), rel=1e-12)


def test_textbook_formula_fails_on_a_nearly_identical_pair_where_klutils_does_not():
    p, q = [0.5, 0.5], [0.5 + 2e-9, 0.5 - 2e-9]
    exact = reference_kl(p, q)
    assert exact == pytest.approx(8e-18, rel=1e-7)  # ~ 2 delta^2 with delta = 2e-9
    assert textbook_kl(p, q) < 0  # negative: a "divergence" below zero
    assert kl_divergence(p, q) == pytest.approx(exact, rel=1e-13)


def test_textbook_formula_in_float32_keeps_float32_and_loses_digits():
    p, q = nearly_identical_pair(1e-3, n=50, seed=1, dtype=np.float32)
    assert p.dtype == np.float32 and textbook_kl(p, q).dtype == np.float32
    exact = reference_kl(p, q)
    assert abs(float(textbook_kl(p, q)) - exact) / exact > 1e-3
    assert kl_divergence(p, q) == pytest.approx(exact, rel=1e-13)


def test_textbook_formula_gives_nan_for_a_zero_probability_and_checks_shapes():
    assert math.isnan(textbook_kl([1.0, 0.0], [0.5, 0.5]))
    with pytest.raises(ValueError, match="same shape"):
        textbook_kl([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="real numbers"):
        textbook_kl(["a"], ["b"])


def test_reference_kl_against_exact_values():
    assert reference_kl([0.5, 0.5], [0.75, 0.25]) == pytest.approx(math.log(2 / math.sqrt(3)),
                                                                    rel=1e-15)
    # unnormalised inputs are normalised exactly
    assert reference_kl([1, 1], [3, 1]) == reference_kl([0.5, 0.5], [0.75, 0.25])
    # one ulp apart: KL = -log(1 - 4 u^2) / 2 = 2 u^2 (1 + O(u^2)) with u = 2^-53
    u = 2.0 ** -53
    assert reference_kl([0.5, 0.5], [0.5 + u, 0.5 - u]) == pytest.approx(2 * u * u, rel=1e-14)
    with pytest.raises(ValueError, match="infinite"):
        reference_kl([0.5, 0.5], [1.0, 0.0])
    with pytest.raises(ValueError, match="digits"):
        reference_kl([0.5, 0.5], [0.5, 0.5], digits=10)


def test_nearly_identical_pair_is_seeded_and_has_the_expected_divergence():
    p, q = nearly_identical_pair(1e-4, n=50, seed=7)
    p2, q2 = nearly_identical_pair(1e-4, n=50, seed=7)
    np.testing.assert_array_equal(p, p2)
    np.testing.assert_array_equal(q, q2)
    rng = np.random.default_rng(7)
    p_again = rng.dirichlet(np.ones(50))
    z = rng.standard_normal(50)
    np.testing.assert_array_equal(p, p_again)
    variance = np.dot(p, z ** 2) - np.dot(p, z) ** 2
    assert reference_kl(p, q) == pytest.approx(1e-8 * variance / 2, rel=1e-3)
    with pytest.raises(ValueError, match="closeness"):
        nearly_identical_pair(0.0)
    with pytest.raises(ValueError, match="dtype"):
        nearly_identical_pair(1e-3, dtype=np.float16)
    with pytest.raises(ValueError, match="n must"):
        nearly_identical_pair(1e-3, n=1)


def test_relative_error_curve_in_float64():
    levels = np.logspace(-12, -2, 6)
    curves = relative_error_curve(levels, n=30, seed=2)
    assert isinstance(curves, AccuracyCurves) and set(curves.errors) == set(METHODS)
    textbook, scipy_entropy, ours = (curves.errors[name] for name in METHODS)
    assert np.all(ours < 1e-13)  # klutils: full precision at every closeness
    assert textbook[0] > 1 and scipy_entropy[0] > 1  # at delta = 1e-12: no digit left
    assert textbook[-1] < 1e-10 and scipy_entropy[-1] < 1e-10  # far apart: both fine
    np.testing.assert_allclose(curves.values["klutils.kl_divergence"], curves.reference,
                               rtol=1e-13)
    # the reference is the mpmath value of the very same vectors
    p, q = nearly_identical_pair(levels[2], n=30, seed=2)
    assert curves.reference[2] == reference_kl(p, q)


def test_relative_error_curve_in_float32():
    curves = relative_error_curve([1e-4, 1e-2], n=30, seed=2, dtype=np.float32)
    assert np.all(curves.errors["textbook sum(p*log(p/q))"] > 1e-6)
    assert np.all(curves.errors["klutils.kl_divergence"] < 1e-13)
