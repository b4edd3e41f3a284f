"""Tests of the closed forms appended to klutils.closed_forms: KL between Beta and Dirichlet
distributions (against quadrature and hand values), and the VAE's Gaussian term."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from klutils import kl_beta, kl_dirichlet, vae_kl

SEED = 7


def kl_beta_by_quadrature(a_p, b_p, a_q, b_q):
    """KL(Beta(a_p, b_p) || Beta(a_q, b_q)) = integral of p log(p/q), with scipy.stats."""
    def integrand(t):
        log_p = stats.beta.logpdf(t, a_p, b_p)
        return math.exp(log_p) * (log_p - stats.beta.logpdf(t, a_q, b_q))
    value, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)
    return value




@pytest.mark.parametrize("params", [(9, 3, 1, 1), (1, 1, 9, 3), (2.5, 4.0, 3.0, 1.5),
                                    (76, 26, 1, 1), (30, 12, 28, 14), (1.5, 0.8, 2.0, 2.0)])
def test_kl_beta_matches_numerical_integration(params):
    assert kl_beta(*params) == pytest.approx(kl_beta_by_quadrature(*params), rel=1e-8, abs=1e-10)


def test_kl_beta_hand_values():
    # Beta(2, 1) has density 2t: KL to the uniform is E[log 2t] = log 2 - 1/2
    assert kl_beta(2, 1, 1, 1) == pytest.approx(math.log(2) - 0.5, rel=1e-14)
    # KL from the uniform to Beta(2, 1): -log 2 - E_U[log t] = 1 - log 2
    assert kl_beta(1, 1, 2, 1) == pytest.approx(1 - math.log(2), rel=1e-14)


def test_kl_beta_is_zero_for_equal_parameters_and_positive_otherwise():
    for a, b in [(1, 1), (0.5, 0.5), (9, 3), (675, 327), (1e4, 2e4)]:
        assert kl_beta(a, b, a, b) == 0.0
    rng = np.random.default_rng(0)
    params = rng.uniform(0.2, 50, size=(4, 200))
    values = kl_beta(*params)
    assert values.shape == (200,) and np.all(values > 0)


def test_kl_beta_broadcasts_and_returns_float_for_scalars():
    assert isinstance(kl_beta(2, 3, 4, 5), float)
    batch = kl_beta([2, 3, 4], 1, 1, 1)
    assert batch.shape == (3,)
    assert batch == pytest.approx([kl_beta(a, 1, 1, 1) for a in (2, 3, 4)], rel=1e-15)
    assert kl_beta(np.ones((2, 1)) * 2, [1, 2], 1, 1).shape == (2, 2)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, True, "2", [1, 0]])
def test_kl_beta_rejects_bad_parameters(bad):
    with pytest.raises(ValueError, match="a_p"):
        kl_beta(bad, 1, 1, 1)
    with pytest.raises(ValueError, match="b_q"):
        kl_beta(1, 1, 1, bad)


def test_dirichlet_against_monte_carlo_and_the_beta_case():
    alpha, beta = np.array([2.0, 3.5, 1.2]), np.array([1.0, 1.0, 4.0])
    x = stats.dirichlet(alpha).rvs(400_000, random_state=np.random.default_rng(0))
    log_ratio = stats.dirichlet(alpha).logpdf(x.T) - stats.dirichlet(beta).logpdf(x.T)
    standard_error = log_ratio.std() / math.sqrt(len(log_ratio))
    assert abs(kl_dirichlet(alpha, beta) - log_ratio.mean()) < 4 * standard_error
    assert kl_dirichlet([3.0, 2.0], [1.0, 1.0]) == kl_beta(3, 2, 1, 1)
    assert kl_dirichlet([[2.0, 1.0], [1.0, 1.0]], [1.0, 1.0], base=2).tolist() == pytest.approx(
        [(math.log(2) - 0.5) / math.log(2), 0.0])


@pytest.mark.parametrize(("alpha_p", "alpha_q", "message"), [
    ([1.0, 0.0], [1.0, 1.0], "alpha_p must be positive"),
    ([1.0, 1.0], [1.0, 1.0, 1.0], "same number"),
    ([1.0], [1.0], "at least 2"),
    ([[1.0, 1.0]] * 3, [[1.0, 1.0]] * 2, "broadcast"),
])
def test_dirichlet_rejects_bad_parameters(alpha_p, alpha_q, message):
    with pytest.raises(ValueError, match=message):
        kl_dirichlet(alpha_p, alpha_q)


# --- the VAE's KL term -----------------------------------------------------------------------

def test_vae_kl_is_zero_at_the_prior_and_matches_the_formula():
    assert vae_kl(0.0, 0.0) == 0.0
    assert vae_kl(np.zeros(5), np.zeros(5)) == 0.0
    mu = np.array([[0.3, -1.2, 2.0], [0.0, 0.5, -0.1]])
    log_var = np.array([[-0.5, 0.2, -3.0], [1.0, 0.0, -0.2]])
    hand = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var, axis=-1)
    np.testing.assert_allclose(vae_kl(mu, log_var), hand, rtol=1e-13)
    assert isinstance(vae_kl([0.3, 0.1], [0.0, 0.0]), float)
    assert vae_kl(mu, log_var).shape == (2,)


def test_vae_kl_equals_a_monte_carlo_estimate_within_its_standard_error():
    rng = np.random.default_rng(SEED)
    mu, log_var = np.array([1.0, -0.5, 0.2]), np.array([-1.0, 0.5, 0.0])
    sigma = np.exp(0.5 * log_var)
    z = mu + sigma * rng.standard_normal((200_000, 3))
    log_ratio = (stats.norm(mu, sigma).logpdf(z) - stats.norm(0, 1).logpdf(z)).sum(axis=1)
    stderr = log_ratio.std(ddof=1) / math.sqrt(len(z))
    assert abs(log_ratio.mean() - vae_kl(mu, log_var)) < 4 * stderr
    assert stderr < 0.01  # the test has teeth: the KL is 1.02 nats


@pytest.mark.parametrize("args, match", [
    (([1.0, 2.0], [0.0, 0.0, 0.0]), "same \\(or broadcastable\\) shapes"),
    ((np.nan, 0.0), "mu must be finite"),
    ((0.0, np.inf), "log_var must be finite"),
    ((0.0, 800.0), "log_var must lie in"),
    (([], []), "mu is empty"),
    (("a", 0.0), "mu must hold real numbers"),
])
def test_vae_kl_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        vae_kl(*args)
