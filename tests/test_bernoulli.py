"""Tests of klutils.bernoulli: the likelihood-ratio decision between two coins, exactly, and
Beta-Bernoulli updating with the information it gains."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from klutils import kl_beta
from klutils.bernoulli import (
    beta_bernoulli_posterior,
    expected_information_gain,
    flips_to_distinguish,
    probability_correct_decision,
)


def kl_coin(p: float, q: float) -> float:
    """KL(Bern(p) || Bern(q)) in nats, straight from the definition (independent of klutils)."""
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def brute_force_correct(p: float, q: float, n: int) -> float:
    """P(Lambda_n > 0) + P(Lambda_n = 0) / 2 by summing over every number of heads k."""
    k = np.arange(n + 1)
    llr = k * math.log(p / q) + (n - k) * math.log((1 - p) / (1 - q))
    pmf = stats.binom.pmf(k, n, p)
    scale = n * max(abs(math.log(p / q)), abs(math.log((1 - p) / (1 - q))))
    tie = np.abs(llr) <= 1e-12 * scale
    return float(pmf[(llr > 0) & ~tie].sum() + 0.5 * pmf[tie].sum())


# --- probability_correct_decision and flips_to_distinguish ----------------------------------

@pytest.mark.parametrize(("p", "q"), [(0.5, 0.6), (0.6, 0.5), (0.3, 0.7), (0.9, 0.2), (0.01, 0.5)])
def test_probability_matches_brute_force(p, q):
    n = np.arange(1, 120)
    expected = [brute_force_correct(p, q, int(m)) for m in n]
    np.testing.assert_allclose(probability_correct_decision(p, q, n), expected, rtol=1e-12,
                               atol=1e-15)


def test_ties_count_one_half():
    # p = 1 - q: Lambda_n = 0 exactly when heads = tails; two flips HT or TH (prob 2 * 0.21).
    assert probability_correct_decision(0.3, 0.7, 2) == pytest.approx(0.49 + 0.5 * 0.42)
    assert probability_correct_decision(0.5, 0.6, 1) == 0.5


def test_probability_matches_simulation():
    p, q, n = 0.5, 0.6, 279
    heads = (np.random.default_rng(3).random((4000, n)) < p).sum(axis=1)
    llr = heads * math.log(p / q) + (n - heads) * math.log((1 - p) / (1 - q))
    simulated = np.mean(llr > 0)
    exact = probability_correct_decision(p, q, n)
    assert abs(simulated - exact) < 4 * math.sqrt(exact * (1 - exact) / 4000)


@pytest.mark.parametrize(("p", "q", "confidence"),
                         [(0.5, 0.6, 0.95), (0.5, 0.9, 0.95), (0.2, 0.3, 0.9), (0.99, 0.5, 0.95),
                          (0.5, 0.6, 0.99)])
def test_flips_is_where_the_probability_stays_above_the_confidence(p, q, confidence):
    n = flips_to_distinguish(p, q, confidence)
    beyond = np.arange(n, 20 * n + 200)
    assert np.all(probability_correct_decision(p, q, beyond) >= confidence)
    assert probability_correct_decision(p, q, n - 1 if n > 1 else 1) < confidence or n == 1


def test_flips_scale_like_one_over_kl():
    qs = [0.51, 0.52, 0.55, 0.6]
    counts = np.array([flips_to_distinguish(0.5, q) for q in qs])
    kls = np.array([kl_coin(0.5, q) for q in qs])
    slope = np.polyfit(np.log(kls), np.log(counts), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.05)
    # for nearby coins, n ~ (z sigma / KL)^2 = 2 z^2 / KL (normal approximation)
    z = stats.norm.ppf(0.95)
    assert counts[0] * kls[0] == pytest.approx(2 * z**2, rel=0.03)


def test_flips_symmetric_under_swapping_heads_and_tails():
    assert flips_to_distinguish(0.3, 0.45) == flips_to_distinguish(0.7, 0.55)


def test_flips_grow_with_confidence():
    assert flips_to_distinguish(0.5, 0.6, 0.8) < flips_to_distinguish(0.5, 0.6, 0.99)


@pytest.mark.parametrize("kwargs", [
    {"q": 0.5}, {"p": 0.0}, {"q": 1.0}, {"confidence": 0.5}, {"confidence": 1.0},
    {"confidence": "high"}, {"max_flips": 10}, {"max_flips": 0},
])
def test_flips_bad_input(kwargs):
    args = {"p": 0.5, "q": 0.6, "confidence": 0.95}
    args.update(kwargs)
    with pytest.raises(ValueError, match=r"p|q|confidence|max_flips"):
        flips_to_distinguish(**args)


@pytest.mark.parametrize("n_flips", [0, [1, -2], 2.5, [True]])
def test_probability_bad_flips(n_flips):
    with pytest.raises(ValueError, match="n_flips"):
        probability_correct_decision(0.5, 0.6, n_flips)


# --- Beta-Bernoulli updating and information gain ---------------------------------------------

def test_posterior_update_counts_heads_and_tails():
    flips = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1]
    assert beta_bernoulli_posterior(1, 1, flips) == (7.0, 5.0)
    assert beta_bernoulli_posterior(2.5, 0.5, flips) == (8.5, 4.5)
    assert beta_bernoulli_posterior(3, 4, []) == (3.0, 4.0)
    assert beta_bernoulli_posterior(1, 1, np.array([True, False, True])) == (3.0, 2.0)
    # updating in two steps is the same as updating once
    a1, b1 = beta_bernoulli_posterior(1, 1, flips[:4])
    assert beta_bernoulli_posterior(a1, b1, flips[4:]) == beta_bernoulli_posterior(1, 1, flips)


def test_posterior_is_bayes_rule():
    """The Beta(a + k, b + n - k) density is prior x likelihood, normalised."""
    flips = [1, 0, 1, 1]
    a_post, b_post = beta_bernoulli_posterior(2, 3, flips)
    t = np.linspace(0.01, 0.99, 99)
    unnormalised = stats.beta.pdf(t, 2, 3) * t**3 * (1 - t)
    evidence, _ = integrate.quad(lambda s: stats.beta.pdf(s, 2, 3) * s**3 * (1 - s), 0, 1)
    np.testing.assert_allclose(unnormalised / evidence, stats.beta.pdf(t, a_post, b_post),
                               rtol=1e-9)


@pytest.mark.parametrize("flips", [[0, 2], [0.5], [[0, 1]], ["a"]])
def test_posterior_rejects_bad_flips(flips):
    with pytest.raises(ValueError, match="flips"):
        beta_bernoulli_posterior(1, 1, flips)


@pytest.mark.parametrize("a", [0, -2, math.nan, None])
def test_posterior_rejects_bad_prior(a):
    with pytest.raises(ValueError, match="a"):
        beta_bernoulli_posterior(a, 1, [1])


def test_expected_information_gain_matches_brute_force():
    for n in (0, 1, 7, 30):
        k = np.arange(n + 1)
        weights = stats.binom.pmf(k, n, 0.7)
        brute = sum(w * kl_beta(2 + j, 5 + n - j, 2, 5) for w, j in zip(weights, k, strict=True))
        assert expected_information_gain(2, 5, 0.7, [n])[0] == pytest.approx(brute, rel=1e-12,
                                                                             abs=1e-15)


def test_information_gain_grows_like_half_log_n():
    n_values = np.unique(np.geomspace(100, 10_000, 12).round().astype(int))
    exact = expected_information_gain(1, 1, 0.7, n_values)
    slope, _ = np.polyfit(np.log(n_values), exact, 1)
    assert slope == pytest.approx(0.5, abs=0.01)
    # and the large-n formula, 1/2 log n + c, is reached
    c = -0.5 * math.log(2 * math.pi * math.e * 0.21) - stats.beta.logpdf(0.7, 1, 1)
    asymptote = 0.5 * np.log(n_values) + c  # the large-n formula
    assert abs(exact[-1] - asymptote[-1]) < 2e-3
    assert np.diff(asymptote) == pytest.approx(0.5 * np.diff(np.log(n_values)), rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda: expected_information_gain(1, 1, 1.5, [10]),
    lambda: expected_information_gain(1, 1, 0.5, [-1]),
    lambda: expected_information_gain(1, 1, 0.5, [1.5]),
    lambda: expected_information_gain(0, 1, 0.5, [10]),
])
def test_information_gain_functions_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()
