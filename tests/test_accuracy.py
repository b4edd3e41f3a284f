"""Tests of klutils.accuracy: the textbook formula fails where klutils does not, against a
60-digit mpmath reference of the very same floating-point vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from klutils import kl_divergence
from klutils.accuracy import nearly_identical_pair, reference_kl, textbook_kl


def random_pairs(seed, n_pairs, n_outcomes, concentration=1.0):
    rng = np.random.default_rng(seed)
    alpha = np.full(n_outcomes, concentration)
    return rng.dirichlet(alpha, size=n_pairs), rng.dirichlet(alpha, size=n_pairs)


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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_klutils_keeps_full_precision_at_every_closeness(dtype):
    """What chapter 6 measures: relative error below 1e-13 from far apart to one ulp apart."""
    for delta in np.logspace(-12, -1, 6):
        p, q = nearly_identical_pair(float(delta), n=30, seed=2, dtype=dtype)
        exact = reference_kl(p, q)
        if exact > 0:  # float32 can round Q to P exactly
            assert kl_divergence(p, q) == pytest.approx(exact, rel=1e-13)
