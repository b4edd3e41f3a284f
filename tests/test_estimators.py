"""Tests for klutils.estimators: Schulman's k1, k2, k3 Monte Carlo estimators of KL(q‖p).

Exact expectations over a discrete q, the closed-form moments for normal distributions and
scipy's log-densities serve as the independent references.
"""

import math

import mpmath
import numpy as np
import pytest
from scipy import stats
from scipy.special import log_softmax

from klutils import kl_divergence, kl_normal
from klutils.estimators import ESTIMATOR_NAMES, KLEstimates, kl_estimators

SEED = 20260307


def normal_estimates(mu_p, n, seed=SEED, sigma_p=1.0):
    """Estimators of KL(N(0, 1) ‖ N(mu_p, sigma_p^2)) from n samples of N(0, 1)."""
    x = np.random.default_rng(seed).standard_normal(n)
    return kl_estimators(stats.norm(mu_p, sigma_p).logpdf, stats.norm(0, 1).logpdf, x)


def exact_moments(mu):
    """Exact (mean, standard deviation) of k1, k2, k3 for q = N(0, 1), p = N(mu, 1).

    log r = mu x - mu^2/2 is normal with mean -mu^2/2 and variance mu^2, and E_q[r] = 1,
    E_q[r^2] = exp(mu^2), E_q[r log r] = E_p[log r] = mu^2/2.
    """
    m, s2 = -mu**2 / 2, mu**2
    k1 = (mu**2 / 2, mu)
    k2 = ((s2 + m * m) / 2, math.sqrt((2 * s2 * s2 + 4 * m * m * s2) / 4))
    k3 = (mu**2 / 2, math.sqrt(math.exp(mu**2) - 1 - mu**2))
    return {"k1": k1, "k2": k2, "k3": k3}


# ---------------------------------------------------------------------------------------------
# kl_estimators: per-sample values
# ---------------------------------------------------------------------------------------------


def test_per_sample_values_match_the_definitions():
    est = normal_estimates(1.0, 1000)
    x = np.random.default_rng(SEED).standard_normal(1000)
    log_r = stats.norm(1, 1).logpdf(x) - stats.norm(0, 1).logpdf(x)
    r = np.exp(log_r)
    np.testing.assert_allclose(est.log_ratio, log_r, rtol=1e-14)
    np.testing.assert_allclose(est.k1, -log_r, rtol=1e-14)
    np.testing.assert_allclose(est.k2, 0.5 * log_r**2, rtol=1e-14)
    far = np.abs(log_r) > 0.5  # where the direct formula does not cancel
    np.testing.assert_allclose(est.k3[far], (r - 1 - log_r)[far], rtol=1e-12)
    assert isinstance(est, KLEstimates)
    for name in ESTIMATOR_NAMES:
        assert est[name] is getattr(est, name)


def test_k3_is_accurate_near_r_equal_one():
    log_r = np.array([1e-12, -3e-9, 1e-5, -0.05, 0.0999, 0.1001, -0.3])
    est = kl_estimators(lambda x: x, lambda x: np.zeros_like(x), log_r)
    with mpmath.workdps(50):
        exact = [float(mpmath.exp(mpmath.mpf(t)) - 1 - mpmath.mpf(t)) for t in log_r]
    np.testing.assert_allclose(est.k3, exact, rtol=1e-14)


def test_k3_and_k2_are_never_negative_while_k1_often_is():
    est = normal_estimates(0.1, 100_000)
    assert np.all(est.k3 >= 0) and np.all(est.k2 >= 0)
    assert 0.4 < np.mean(est.k1 < 0) < 0.6  # k1 < 0 whenever p(x) > q(x): about half here
    wild = kl_estimators(lambda x: x, lambda x: np.zeros_like(x),
                         np.linspace(-700.0, 700.0, 100_001))
    assert np.all(wild.k3 >= 0)


def test_discrete_expectations_are_exact_kl_for_k1_and_k3_but_not_k2():
    q = np.array([0.5, 0.3, 0.15, 0.05])
    p = np.array([0.1, 0.2, 0.3, 0.4])
    support = np.arange(4)
    est = kl_estimators(lambda a: np.log(p)[a], lambda a: np.log(q)[a], support)
    true = kl_divergence(q, p)
    assert math.isclose(q @ est.k1, true, rel_tol=1e-13)
    assert math.isclose(q @ est.k3, true, rel_tol=1e-13)  # E_q[r - 1] = 0 exactly
    assert abs(q @ est.k2 - true) > 0.05 * true


def test_works_with_vector_samples_and_integer_actions():
    rng = np.random.default_rng(SEED)
    mean = np.array([0.5, -0.5])
    z = rng.standard_normal((50_000, 2))
    est = kl_estimators(lambda x: stats.norm(mean, 1).logpdf(x).sum(axis=1),
                        lambda x: stats.norm(0, 1).logpdf(x).sum(axis=1), z)
    stderr = est.k3.std() / math.sqrt(len(z))
    assert abs(est.k3.mean() - 0.25) < 4 * stderr  # KL = |mean|^2 / 2
    old, new = np.array([1.0, 0.0, -1.0]), np.array([0.0, 0.5, 0.0])
    actions = rng.choice(3, size=50_000, p=np.exp(log_softmax(old)))
    est = kl_estimators(lambda a: log_softmax(new)[a], lambda a: log_softmax(old)[a], actions)
    true = kl_divergence(np.exp(log_softmax(old)), np.exp(log_softmax(new)))
    assert abs(est.k3.mean() - true) < 4 * est.k3.std() / math.sqrt(len(actions))


def test_p_ruling_a_sample_out_gives_infinity():
    est = kl_estimators(lambda x: np.where(x > 0, 0.0, -np.inf), lambda x: np.zeros_like(x),
                        np.array([-1.0, 1.0]))
    assert est.k1.tolist() == [math.inf, 0.0]
    assert est.k2.tolist() == [math.inf, 0.0]
    assert est.k3.tolist() == [math.inf, 0.0]


# ---------------------------------------------------------------------------------------------
# bias and spread: Schulman's table
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mu", [0.1, 1.0])
def test_k1_and_k3_are_unbiased_within_their_standard_errors(mu):
    est = normal_estimates(mu, 400_000)
    true = kl_normal(0.0, 1.0, mu, 1.0)
    for values in (est.k1, est.k3):
        stderr = values.std(ddof=1) / math.sqrt(values.size)
        assert abs(values.mean() - true) < 4 * stderr


def test_k3_is_unbiased_for_unequal_variances():
    est = normal_estimates(0.5, 400_000, sigma_p=0.8)  # r is bounded: finite variance
    true = kl_normal(0.0, 1.0, 0.5, 0.8)
    stderr = est.k3.std(ddof=1) / math.sqrt(est.k3.size)
    assert abs(est.k3.mean() - true) < 4 * stderr


def test_k2_is_biased_for_a_unit_shift():
    est = normal_estimates(1.0, 400_000)
    stderr = est.k2.std(ddof=1) / math.sqrt(est.k2.size)
    bias = est.k2.mean() - 0.5
    assert bias > 20 * stderr  # clearly not noise
    assert abs(bias - 1.0 / 8.0) < 4 * stderr  # exact bias mu^4 / 8


@pytest.mark.parametrize("mu", [0.1, 1.0])
def test_sample_bias_and_spread_agree_with_the_exact_moments(mu):
    """Schulman's experiment (chapter 10 runs it): q = N(0, 1), p = N(mu, 1)."""
    est = normal_estimates(mu, 400_000)
    true = mu**2 / 2
    for name, (mean, std) in exact_moments(mu).items():
        # k3's sample std converges slowly (r is log-normal, heavy-tailed): 5 % tolerance
        assert math.isclose(est[name].std(ddof=1), std, rel_tol=0.05)
        assert abs(est[name].mean() - mean) < 4 * std / math.sqrt(400_000)
    # the published ratios std / true: k1 20 and 2, k2 1.42 and 1.73, k3 1.42 and 1.7 (rounded)
    published = {0.1: {"k1": 20.0, "k2": 1.42, "k3": 1.42}, 1.0: {"k1": 2.0, "k2": 1.73, "k3": 1.7}}
    for name, value in published[mu].items():
        exact_ratio = exact_moments(mu)[name][1] / true
        assert abs(exact_ratio - value) <= 0.5 * 10.0 ** -(len(str(value).split(".")[1]))


def test_k3_spreads_less_than_k1_only_when_p_and_q_are_close():
    """Var(k1) = mu^2 but Var(k3) = e^(mu^2) - 1 - mu^2: k3 wins for small mu, loses for large."""
    for mu, k3_wins in [(0.1, True), (1.0, True), (1.5, False), (3.0, False)]:
        std = exact_moments(mu)
        assert (std["k3"][1] < std["k1"][1]) is k3_wins
    est = normal_estimates(2.0, 400_000)
    assert est.k3.std() > est.k1.std()


def test_k1_and_k3_spread_equally_at_the_crossing_of_the_module_docstring():
    """Var(k3) = Var(k1) where exp(mu^2) - 1 - mu^2 = mu^2: mu = 1.1209, KL = 0.628 nats."""
    mu = 1.1209064227784886
    assert math.isclose(exact_moments(mu)["k3"][1], exact_moments(mu)["k1"][1], rel_tol=1e-9)
    assert round(mu**2 / 2, 3) == 0.628
    assert round(exact_moments(2.0)["k3"][1] / 2.0, 2) == 3.52  # sd / KL at mu = 2


def test_k3_spread_never_settles_when_the_chi_square_divergence_is_infinite():
    """p = N(0, 2^2), q = N(0, 1): E_q[r^2] is infinite, KL and Var(k1) are finite."""
    est = normal_estimates(0.0, 1_000_000, sigma_p=2.0)
    sizes = [10**4, 10**5, 10**6]
    k1_sd = [est.k1[:n].std() for n in sizes]
    k3_sd = [est.k3[:n].std() for n in sizes]
    assert max(k1_sd) / min(k1_sd) < 1.05  # settles at (1/2 - 1/8) sqrt(2) = 0.530
    assert abs(k1_sd[-1] / (0.375 * math.sqrt(2)) - 1) < 0.02
    assert k3_sd[-1] > 2 * k3_sd[0]


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def identity(x):
    return np.asarray(x, dtype=float)


@pytest.mark.parametrize("args, match", [
    ((np.log, identity, [1.0]), None),  # valid, checked below
    (("not callable", identity, [1.0]), "log_p must be a function"),
    ((identity, 3.0, [1.0]), "log_q must be a function"),
    ((identity, identity, []), "samples is empty"),
    ((identity, identity, 1.0), "non-empty"),
    ((identity, identity, ["a"]), "real numbers"),
    ((identity, identity, [1.0, np.nan]), "finite"),
    ((lambda x: np.zeros(3), identity, [1.0, 2.0]), "log_p must be vectorised"),
    ((lambda x: x * np.nan, identity, [1.0]), "NaN"),
    ((lambda x: x + np.inf, identity, [1.0]), r"\+inf"),
    ((identity, lambda x: x - np.inf, [1.0]), "samples must come from q"),
])
def test_kl_estimators_rejects_bad_input(args, match):
    if match is None:
        kl_estimators(*args)
        return
    with pytest.raises(ValueError, match=match):
        kl_estimators(*args)


def test_unknown_estimator_name():
    with pytest.raises(ValueError, match="estimator must be one of"):
        normal_estimates(1.0, 10)["k4"]
