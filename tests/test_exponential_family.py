"""Tests of klutils.exponential_family: tilting, the member of given mean (maximum entropy, the
I-projection and the M-projection with their Pythagorean identities), and the Chernoff
information against an mpmath reference, on near-identical, skewed, partly disjoint and large
pairs; and what C means: the error exponent of the symmetric test between two coins."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from klutils import entropy, kl_bernoulli, kl_divergence
from klutils.bernoulli import probability_correct_decision
from klutils.exponential_family import chernoff_information, tilt, tilt_to_mean
from klutils.f_divergences import chi_square_divergence

DIE = np.full(6, 1 / 6)
FACES = np.arange(1, 7)


# --- tilting --------------------------------------------------------------------------------

def test_tilt_by_hand_and_against_mpmath():
    p, t = np.array([0.1, 0.2, 0.3, 0.4]), np.array([-2.0, 0.5, 1.0, 3.0])
    for beta in [-50.0, -1.0, 0.0, 0.3, 7.0, 200.0]:
        got = tilt(p, t, beta)
        with mpmath.workdps(50):
            weights = [mpmath.mpf(float(a)) * mpmath.exp(beta * mpmath.mpf(float(b)))
                       for a, b in zip(p, t, strict=True)]
            total = mpmath.fsum(weights)
            expected = [float(w / total) for w in weights]
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(tilt(p, t, 0.0), p / p.sum())


def test_tilt_keeps_zeros_and_rejects_bad_input():
    assert tilt([0.5, 0.0, 0.5], [0, 1, 2], 3.0)[1] == 0.0
    with pytest.raises(ValueError, match="one value per outcome"):
        tilt([0.5, 0.5], [1.0, 2.0, 3.0], 1.0)
    with pytest.raises(ValueError, match="finite"):
        tilt([0.5, 0.5], [1.0, np.inf], 1.0)
    with pytest.raises(ValueError, match="beta"):
        tilt([0.5, 0.5], [1.0, 2.0], math.nan)
    with pytest.raises(ValueError, match="sum to 1"):
        tilt([0.5, 0.6], [1.0, 2.0], 1.0)


# --- the member of given mean: maximum entropy and the two projections ---------------------

def test_jaynes_die():
    """The maximum-entropy die with mean 4.5 (Jaynes 1957): p(k) proportional to x^k."""
    member = tilt_to_mean(DIE, FACES, 4.5)
    assert member.distribution @ FACES == pytest.approx(4.5, rel=1e-14)
    ratios = member.distribution[1:] / member.distribution[:-1]
    np.testing.assert_allclose(ratios, math.exp(member.beta), rtol=1e-13)
    np.testing.assert_allclose(member.distribution.round(4),
                               [0.0544, 0.0788, 0.1142, 0.1654, 0.2398, 0.3475])


@pytest.mark.parametrize("seed", range(5))
def test_maximum_entropy_beats_every_other_distribution_of_that_mean(seed):
    """Random distributions with the same mean (the maximum-entropy one plus random moves that
    keep the sum and the mean) never have more entropy, and the Pythagorean identity
    KL(Q‖U) = KL(Q‖P*) + KL(P*‖U) holds for each of them."""
    rng = np.random.default_rng(seed)
    member = tilt_to_mean(DIE, FACES, 4.5).distribution
    basis = np.linalg.svd(np.vstack([np.ones(6), FACES]))[2][2:]  # keeps sum and mean
    for _ in range(200):
        move = rng.standard_normal(4) @ basis
        step = rng.uniform(0, 1) / max(1e-12, np.max(-move / member))  # stay non-negative
        other = np.clip(member + step * move, 0, None)
        other /= other.sum()
        assert other @ FACES == pytest.approx(4.5, abs=1e-9)
        assert entropy(other) <= entropy(member) + 1e-12
        assert kl_divergence(other, DIE) == pytest.approx(
            kl_divergence(other, member) + kl_divergence(member, DIE), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_moment_matching_is_the_m_projection(seed):
    """For data R, KL(R‖P_beta) over the family is smallest where the means match, and
    KL(R‖P_beta) = KL(R‖P*) + KL(P*‖P_beta) for every beta (Pythagoras)."""
    rng = np.random.default_rng(seed)
    base = rng.dirichlet(np.ones(8))
    t = rng.normal(size=8)
    data = rng.dirichlet(np.full(8, 0.5))
    best = tilt_to_mean(base, t, data @ t)
    for beta in np.linspace(best.beta - 3, best.beta + 3, 13):
        member = tilt(base, t, beta)
        assert kl_divergence(data, member) >= kl_divergence(data, best.distribution) - 1e-13
        assert kl_divergence(data, member) == pytest.approx(
            kl_divergence(data, best.distribution) + kl_divergence(best.distribution, member),
            rel=1e-10, abs=1e-13)


def exact_member_mean(p, t, beta) -> mpmath.mpf:
    with mpmath.workdps(60):
        weights = [mpmath.mpf(float(a)) * mpmath.exp(mpmath.mpf(beta) * mpmath.mpf(float(b)))
                   for a, b in zip(p, t, strict=True)]
        return mpmath.fsum(w * mpmath.mpf(float(b)) for w, b in zip(weights, t, strict=True)) \
            / mpmath.fsum(weights)


@pytest.mark.parametrize("fraction", [1e-9, 0.01, 0.3, 0.5, 0.97, 1 - 1e-9])
def test_the_mean_is_reached_across_the_range(fraction):
    """Down to 1e-9 of the range from either end (weights far from 0), the returned member has
    the asked mean, computed exactly from its beta."""
    p = np.array([0.3, 0.0, 0.2, 0.1, 0.4])
    t = np.array([-3.0, 50.0, 0.0, 2.0, 10.0])  # 50 is not in the support
    mean = -3.0 + fraction * 13.0
    member = tilt_to_mean(p, t, mean)
    assert member.distribution[1] == 0.0
    assert member.distribution @ t == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert float(exact_member_mean(p, t, member.beta)) == pytest.approx(mean, rel=1e-9,
                                                                          abs=1e-9)


def test_the_ends_and_a_constant_statistic():
    p = np.array([0.2, 0.3, 0.5])
    low = tilt_to_mean(p, [1, 1, 2], 1)
    np.testing.assert_allclose(low.distribution, [0.4, 0.6, 0.0])
    assert low.beta == -math.inf
    assert tilt_to_mean(p, [1, 1, 2], 2).beta == math.inf
    constant = tilt_to_mean([0.5, 0.5, 0.0], [7.0, 7.0, 1.0], 7.0)
    assert constant.beta == 0.0 and constant.distribution.tolist() == [0.5, 0.5, 0.0]
    with pytest.raises(ValueError, match="between the smallest and the largest"):
        tilt_to_mean(p, [1, 1, 2], 2.5)
    with pytest.raises(ValueError, match="between the smallest and the largest"):
        tilt_to_mean([0.5, 0.5, 0.0], [0, 1, 2], 1.5)  # 2 is outside P's support
    with pytest.raises(ValueError, match="mean"):
        tilt_to_mean(p, [1, 1, 2], math.nan)


# --- Chernoff information ----------------------------------------------------------------------

def exact_chernoff(p, q) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(C, lambda*) at 60 digits: bisection on the derivative of log sum p^l q^(1-l), over the
    common support (the limits at 0 and 1); lambda* to 2**-120, C stationary there."""
    ps = [Fraction(float(v)) for v in p]
    qs = [Fraction(float(v)) for v in q]
    a, b = sum(ps), sum(qs)
    with mpmath.workdps(60):
        pairs = [(mpmath.mpf(x.numerator) / x.denominator / (mpmath.mpf(a.numerator)
                  / a.denominator),
                  mpmath.mpf(y.numerator) / y.denominator / (mpmath.mpf(b.numerator)
                  / b.denominator)) for x, y in zip(ps, qs, strict=True) if x > 0 and y > 0]
        if not pairs:
            return mpmath.inf, mpmath.mpf(0.5)

        def total(lam):
            return mpmath.fsum(x ** lam * y ** (1 - lam) for x, y in pairs)

        def slope(lam):
            return mpmath.fsum(x ** lam * y ** (1 - lam) * mpmath.log(x / y) for x, y in pairs)
        if slope(0) >= 0 and slope(1) <= 0:
            lam = mpmath.mpf(0.5)
        elif slope(0) >= 0:
            lam = mpmath.mpf(0)
        elif slope(1) <= 0:
            lam = mpmath.mpf(1)
        else:
            low, high = mpmath.mpf(0), mpmath.mpf(1)
            for _ in range(120):
                middle = (low + high) / 2
                low, high = (middle, high) if slope(middle) < 0 else (low, middle)
            lam = (low + high) / 2
        return -mpmath.log(total(lam)), lam


def check_chernoff(p, q, rtol=1e-13):
    got = chernoff_information(p, q)
    information, lam = exact_chernoff(p, q)
    if information == 0:
        assert got.information == 0.0
    elif mpmath.isinf(information):
        assert got.information == math.inf
    else:
        error = abs(mpmath.mpf(got.information) - information) / information
        assert error < rtol, (p, q, got, float(information), float(error))
        assert abs(got.weight - float(lam)) < 1e-7, (got.weight, float(lam))
    return got


def test_chernoff_of_the_coins_of_chapter_2():
    """C / KL = 0.249 at q = 0.6 and 0.169 at q = 0.99 (the drift from the 1/KL law)."""
    for q, ratio in [(0.6, 0.249), (0.99, 0.169)]:
        c = check_chernoff([0.5, 0.5], [q, 1 - q])
        assert round(c.information / kl_bernoulli(0.5, q), 3) == ratio


@pytest.mark.parametrize("seed", range(4))
def test_chernoff_against_mpmath_on_hard_pairs(seed):
    rng = np.random.default_rng(seed)
    cases = [rng.dirichlet(np.ones(3), size=2), rng.dirichlet(np.full(5, 0.05), size=2),
             rng.dirichlet(np.full(60, 0.3), size=2)]
    p = rng.dirichlet(np.ones(6))
    for closeness in [1e-3, 1e-7, 1e-12]:
        q = p * (1 + closeness * rng.standard_normal(6))
        cases.append((p, q / q.sum()))
    cases.append((np.array([0.5, 0.5]), np.array([1 - 1e-12, 1e-12])))  # skewed
    cases.append((np.array([1e-300, 1 - 1e-300]), np.array([0.5, 0.5])))
    for p_case, q_case in cases:
        check_chernoff(p_case, q_case)


def test_chernoff_with_partly_and_fully_disjoint_supports():
    check_chernoff([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
    c = check_chernoff([0.2, 0.8, 0.0], [0.1, 0.1, 0.8])  # lambda* at an end or inside
    assert 0.0 <= c.weight <= 1.0
    assert chernoff_information([1.0, 0.0], [0.0, 1.0]) == (math.inf, 0.5)
    assert chernoff_information([0.3, 0.7], [0.3, 0.7]) == (0.0, 0.5)


@st.composite
def pairs(draw):
    n = draw(st.integers(2, 8))
    entry = st.one_of(st.sampled_from([0.0, 1e-300, 1e-12, 0.5, 1.0]), st.floats(0.0, 1.0))
    p = np.array(draw(st.lists(entry, min_size=n, max_size=n)))
    q = np.array(draw(st.lists(entry, min_size=n, max_size=n)))
    p[0] += 0.0 if p.sum() else 1.0
    q[-1] += 0.0 if q.sum() else 1.0
    return p / p.sum(), q / q.sum()


@settings(max_examples=60, deadline=None)
@given(pairs())
def test_chernoff_properties(pair):
    """Symmetric (with lambda* -> 1 - lambda*), between 0 and the smaller KL, and at lambda* the
    mixture is equally far (C) from P and from Q."""
    p, q = pair
    c, swapped = chernoff_information(p, q), chernoff_information(q, p)
    assert c.information == pytest.approx(swapped.information, rel=1e-12, abs=1e-300)
    smaller = min(kl_divergence(p, q), kl_divergence(q, p))
    assert 0 <= c.information <= smaller * (1 + 1e-12) + 1e-300
    common = (p > 0) & (q > 0)
    ordinary = np.all((p == 0) | (p > 1e-100)) and np.all((q == 0) | (q > 1e-100))
    if ordinary and common.any() and 0 < c.weight < 1 and c.information > 1e-8:
        swapped_weight = swapped.weight
        assert swapped_weight == pytest.approx(1 - c.weight, abs=1e-6)
        r = np.log(p[common] / q[common])
        mixture = np.zeros_like(p)
        mixture[common] = tilt(q[common] / q[common].sum(), r, c.weight)
        assert kl_divergence(mixture, p) == pytest.approx(c.information, rel=1e-6)
        assert kl_divergence(mixture, q) == pytest.approx(c.information, rel=1e-6)


def test_chernoff_of_close_pairs_is_an_eighth_of_chi_square():
    p = np.array([0.2, 0.3, 0.5])
    for delta in [1e-2, 1e-4, 1e-6]:
        q = p + delta * np.array([1.0, -2.0, 1.0])
        c = chernoff_information(p, q)
        assert c.information == pytest.approx(chi_square_divergence(p, q) / 8, rel=5 * delta)
        assert c.weight == pytest.approx(0.5, abs=5 * delta)


def test_chernoff_units_and_bad_input():
    nats = chernoff_information([0.5, 0.5], [0.9, 0.1])
    bits = chernoff_information([0.5, 0.5], [0.9, 0.1], base=2)
    assert bits.information == pytest.approx(nats.information / math.log(2), rel=1e-15)
    for p, q, message in [([0.5, 0.5], [0.2, 0.3, 0.5], "same number"),
                          ([[0.5, 0.5], [0.5, 0.5]], [0.5, 0.5, 0.0], "same number"),
                          ([0.5, 0.6], [0.5, 0.5], "sum"), (0.5, [0.5, 0.5], "distribution")]:
        with pytest.raises(ValueError, match=message):
            chernoff_information(p, q)
    with pytest.raises(ValueError, match="base"):
        chernoff_information([0.5, 0.5], [0.9, 0.1], base=1)


def test_chernoff_is_the_error_exponent_of_the_symmetric_test():
    """The likelihood-ratio decision between two coins errs when the head frequency crosses c,
    where the log-ratio is 0: the exponent of that error is KL(Bern(c)‖Bern(p)), which is C
    (both coins' errors share it), and -log(error) / n approaches it (the polynomial factor
    fades like log(n) / n), not KL(P‖Q)."""
    p, q = 0.5, 0.8
    c = chernoff_information([p, 1 - p], [q, 1 - q]).information
    crossing = math.log((1 - p) / (1 - q)) / (math.log(q / p) + math.log((1 - p) / (1 - q)))
    assert kl_bernoulli(crossing, p) == pytest.approx(c, rel=1e-12)
    assert kl_bernoulli(crossing, q) == pytest.approx(c, rel=1e-12)
    rates = []
    for n in [200, 800, 3200, 12800]:
        log_error = scipy.stats.binom.logsf(math.ceil(n * crossing) - 1, n, p)  # k >= n c
        rates.append(-log_error / n)
    assert all(abs(b - c) < abs(a - c) for a, b in zip(rates, rates[1:], strict=False))
    assert rates[-1] == pytest.approx(c, rel=0.01)
    assert abs(rates[-1] - c) < 0.01 * kl_bernoulli(p, q)
    small = probability_correct_decision(p, q, 200)  # the same decision, counted by klutils
    assert 1 - small == pytest.approx(math.exp(-rates[0] * 200), rel=0.6)


def test_chernoff_batches_are_each_pair_on_its_own():
    rng = np.random.default_rng(9)
    p = rng.dirichlet(np.full(4, 0.3), size=(3, 2))
    q = rng.dirichlet(np.ones(4), size=2)  # broadcast against p's batch
    c = chernoff_information(p, q)
    assert c.information.shape == c.weight.shape == (3, 2)
    for i, j in np.ndindex(3, 2):
        single = chernoff_information(p[i, j], q[j])
        assert (c.information[i, j], c.weight[i, j]) == (single.information, single.weight)
    moved = chernoff_information(np.moveaxis(p, -1, 0), q.T[:, None, :], axis=0)
    np.testing.assert_array_equal(moved.information, c.information)
    assert chernoff_information([[1.0, 0.0]], [0.0, 1.0]).information.tolist() == [np.inf]
    with pytest.raises(ValueError, match="axis must be an integer"):
        chernoff_information(p, q, axis=None)
