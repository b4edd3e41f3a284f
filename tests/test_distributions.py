"""Tests of klutils.distributions: merging outcomes (data processing) and mixing
with the uniform (label smoothing and additive smoothing). Total variation and Pinsker's bound
are tested in tests/test_f_divergences.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klutils import kl_divergence
from klutils.distributions import merge_outcomes, mix_with_uniform


def random_pairs(seed, n_pairs, n_outcomes, concentration=1.0):
    rng = np.random.default_rng(seed)
    alpha = np.full(n_outcomes, concentration)
    return rng.dirichlet(alpha, size=n_pairs), rng.dirichlet(alpha, size=n_pairs)


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
    ([0, 1], "one label per outcome"), ([0.0, 1.0, 1.0], "integer"),
    ([0, -1, 1], r"groups must lie in \[0, inf\]"), ([True, False, True], "integer"),
])
def test_merge_outcomes_rejects_bad_groups(groups, message):
    with pytest.raises(ValueError, match=message):
        merge_outcomes([0.2, 0.3, 0.5], groups)


def test_merge_outcomes_rejects_a_non_distribution():
    with pytest.raises(ValueError, match="sum to 1"):
        merge_outcomes([0.2, 0.3, 0.6], [0, 0, 1])


# --- mixing with the uniform: label smoothing and additive smoothing ---------------------------

def test_mixing_with_the_uniform_is_adding_pseudo_counts():
    counts = np.array([11, 6, 3, 0])
    n, alpha, k = counts.sum(), 1.0, len(counts)
    laplace = (counts + alpha) / (n + k * alpha)
    epsilon = alpha / n  # add epsilon to every probability and renormalise
    weight = k * epsilon / (1 + k * epsilon)
    np.testing.assert_allclose(mix_with_uniform(counts / n, weight), laplace, rtol=1e-14)
    np.testing.assert_array_equal(mix_with_uniform(counts / n, 0.0), counts / n)
    np.testing.assert_allclose(mix_with_uniform([[1.0, 0.0], [0.5, 0.5]], 0.5),
                               [[0.75, 0.25], [0.5, 0.5]])


def test_mixing_makes_an_infinite_kl_finite_and_tends_to_it():
    p, q = [0.5, 0.3, 0.15, 0.05], [0.55, 0.3, 0.15, 0.0]
    assert kl_divergence(p, q) == math.inf
    values = [kl_divergence(p, mix_with_uniform(q, w)) for w in [1e-2, 1e-4, 1e-8, 1e-12]]
    assert all(math.isfinite(v) for v in values)
    assert values == sorted(values)  # grows without bound as the weight -> 0 ...
    # ... like 0.05 log(1 / weight), 0.05 being the probability Q missed
    assert values[-1] - values[-2] == pytest.approx(0.05 * math.log(1e4), rel=1e-3)


@pytest.mark.parametrize("weight", [-0.1, 1.1, math.nan, math.inf, "0.1", True])
def test_mixing_rejects_a_bad_weight(weight):
    with pytest.raises(ValueError, match="weight"):
        mix_with_uniform([0.5, 0.5], weight)
