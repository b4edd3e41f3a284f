"""Tests for klutils.variational: evidence, ELBO and KL by quadrature, the identity
log Z = ELBO + KL(q || posterior), and the variational fit."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from klutils import kl_normal
from klutils.variational import (
    GaussianApproximation,
    LogisticLogJoint,
    elbo,
    fit_gaussian_vi,
    gaussian_entropy,
    kl_to_posterior,
    log_evidence,
    logistic_data,
    normal_pdf,
    posterior_density,
)

LOWER, UPPER = -40.0, 80.0


@pytest.fixture(scope="module")
def model():
    x, y = logistic_data(10, 2.0, np.random.default_rng(2026))
    return LogisticLogJoint(x, y, prior_sd=3.0)


def gaussian_log_joint(scale=2.5, mean=1.0, sd=0.7):
    """An unnormalised normal density: log Z = log(scale) exactly, posterior N(mean, sd^2)."""
    def log_joint(w):
        w = np.asarray(w, dtype=float)
        return (math.log(scale) - 0.5 * ((w - mean) / sd) ** 2
                - math.log(sd * math.sqrt(2 * math.pi)))
    return log_joint


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


def test_logistic_log_joint_against_hand_formula(model):
    for w in (-1.3, 0.0, 2.0, 7.5):
        log_lik = sum(math.log(1 / (1 + math.exp(-w * xi))) if yi == 1
                      else math.log(1 / (1 + math.exp(w * xi)))
                      for xi, yi in zip(model.x, model.y, strict=True))
        log_prior = stats.norm.logpdf(w, 0, 3.0)
        assert float(model(w)) == pytest.approx(log_prior + log_lik, rel=1e-13)
    w = np.linspace(-5, 5, 7)
    assert model(w).shape == (7,)
    assert model(w) == pytest.approx([float(model(v)) for v in w], rel=1e-14)
    assert np.isfinite(model(np.array([-1e4, 1e4]))).all()  # log_expit: no overflow


def test_logistic_data_is_seeded_and_valid():
    x1, y1 = logistic_data(50, 2.0, np.random.default_rng(4))
    x2, y2 = logistic_data(50, 2.0, np.random.default_rng(4))
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert set(np.unique(y1)) <= {0, 1}
    # with a large weight the label follows the sign of x almost always
    x, y = logistic_data(400, 50.0, np.random.default_rng(1))
    assert np.mean(y == (x > 0)) > 0.97


@pytest.mark.parametrize("args", [([1.0, 2.0], [1], 1.0), ([1.0], [2], 1.0), ([1.0], [1], 0.0),
                                  ([math.nan], [1], 1.0), ([], [], 1.0)])
def test_logistic_log_joint_rejects_bad_data(args):
    with pytest.raises(ValueError):
        LogisticLogJoint(*args)


# ---------------------------------------------------------------------------------------------
# Evidence, density, ELBO, KL
# ---------------------------------------------------------------------------------------------


def test_log_evidence_exact_for_a_known_normaliser():
    assert log_evidence(gaussian_log_joint(2.5), -20, 20) == pytest.approx(math.log(2.5),
                                                                           abs=1e-13)
    # a shift of a million nats does not overflow
    def huge(w):
        return 1e6 - 0.5 * np.asarray(w) ** 2
    assert log_evidence(huge, -30, 30) == pytest.approx(1e6 + 0.5 * math.log(2 * math.pi),
                                                        rel=1e-15)


def test_log_evidence_against_a_fine_trapezoid(model):
    w = np.linspace(LOWER, UPPER, 400_001)
    values = model(w)
    top = values.max()
    by_trapezoid = top + math.log(np.trapezoid(np.exp(values - top), w))
    assert log_evidence(model, LOWER, UPPER) == pytest.approx(by_trapezoid, abs=1e-9)


def test_posterior_density_integrates_to_one(model):
    w = np.linspace(LOWER, UPPER, 100_001)
    assert np.trapezoid(posterior_density(model, w, LOWER, UPPER), w) == pytest.approx(1, abs=1e-9)


def test_elbo_against_adaptive_quadrature(model):
    for mu, sigma in [(0.0, 1.0), (2.5, 1.3), (4.0, 0.5)]:
        def integrand(w, mu=mu, sigma=sigma):
            return stats.norm.pdf(w, mu, sigma) * float(model(w))
        expectation, _ = integrate.quad(integrand, mu - 14 * sigma, mu + 14 * sigma,
                                        epsabs=0, epsrel=1e-13, limit=200)
        by_quad = expectation + stats.norm(mu, sigma).entropy()
        assert elbo(model, mu, sigma) == pytest.approx(by_quad, abs=1e-11)


def test_elbo_equals_log_evidence_only_at_the_posterior():
    log_joint = gaussian_log_joint(2.5, 1.0, 0.7)
    assert elbo(log_joint, 1.0, 0.7) == pytest.approx(math.log(2.5), abs=1e-13)
    for mu, sigma in [(0.0, 0.7), (1.0, 0.3), (2.0, 2.0)]:
        assert elbo(log_joint, mu, sigma) < math.log(2.5)


def test_kl_to_posterior_matches_the_closed_form_for_a_normal_posterior():
    log_joint = gaussian_log_joint(2.5, 1.0, 0.7)
    for mu, sigma in [(1.0, 0.7), (0.0, 1.0), (3.0, 0.2)]:
        assert kl_to_posterior(log_joint, mu, sigma, -20, 20) == pytest.approx(
            kl_normal(mu, sigma, 1.0, 0.7), abs=1e-11)


def test_identity_log_evidence_equals_elbo_plus_kl(model):
    log_z = log_evidence(model, LOWER, UPPER)
    for mu, sigma in [(0.0, 1.0), (2.55, 1.31), (-1.0, 0.3), (5.0, 2.0), (1.0, 0.05)]:
        total = elbo(model, mu, sigma) + kl_to_posterior(model, mu, sigma, LOWER, UPPER)
        assert total == pytest.approx(log_z, abs=1e-8)


def test_elbo_optimum_has_smaller_kl_than_the_start(model):
    fit = fit_gaussian_vi(model, init=(0.0, 1.0))
    assert isinstance(fit, GaussianApproximation)
    kl_start = kl_to_posterior(model, 0.0, 1.0, LOWER, UPPER)
    kl_fit = kl_to_posterior(model, fit.mu, fit.sigma, LOWER, UPPER)
    assert kl_fit < kl_start / 10
    assert fit.elbo == pytest.approx(elbo(model, fit.mu, fit.sigma), abs=1e-14)
    assert fit.elbo + kl_fit == pytest.approx(log_evidence(model, LOWER, UPPER), abs=1e-8)
    # a maximum: every nearby Gaussian has a lower ELBO and a larger KL
    for d_mu, d_sigma in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        mu, sigma = fit.mu + d_mu, fit.sigma + d_sigma
        assert elbo(model, mu, sigma) < fit.elbo
        assert kl_to_posterior(model, mu, sigma, LOWER, UPPER) > kl_fit
    # the answer does not depend on the starting point
    other = fit_gaussian_vi(model, init=(6.0, 3.0))
    assert other.mu == pytest.approx(fit.mu, abs=1e-6)
    assert other.sigma == pytest.approx(fit.sigma, abs=1e-6)


def test_vi_recovers_a_normal_posterior_exactly():
    fit = fit_gaussian_vi(gaussian_log_joint(2.5, -0.4, 1.7), init=(3.0, 0.2))
    assert fit.mu == pytest.approx(-0.4, abs=1e-8)
    assert fit.sigma == pytest.approx(1.7, abs=1e-8)
    assert fit.elbo == pytest.approx(math.log(2.5), abs=1e-12)


def test_vi_is_narrower_than_the_skewed_posterior(model):
    fit = fit_gaussian_vi(model)
    w = np.linspace(LOWER, UPPER, 200_001)
    density = posterior_density(model, w, LOWER, UPPER)
    mean = np.trapezoid(w * density, w)
    sd = math.sqrt(np.trapezoid((w - mean) ** 2 * density, w))
    assert fit.sigma < sd
    assert abs(fit.mu - mean) < 0.1


def test_small_helpers():
    assert normal_pdf(0.3, 0.1, 0.5) == pytest.approx(stats.norm.pdf(0.3, 0.1, 0.5), rel=1e-14)
    assert normal_pdf(np.zeros(3), 0, 1).shape == (3,)
    assert gaussian_entropy(1.3) == pytest.approx(stats.norm(0, 1.3).entropy(), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_bad_input_raises_value_error(model):
    with pytest.raises(ValueError, match="too narrow"):
        log_evidence(model, 0, 3)
    with pytest.raises(ValueError, match="lower"):
        log_evidence(model, 5, -5)
    with pytest.raises(ValueError, match="callable"):
        log_evidence("not a function", -5, 5)
    with pytest.raises(ValueError, match="vectorised"):
        log_evidence(lambda w: 0.0, -5, 5)
    with pytest.raises(ValueError, match="sigma"):
        elbo(model, 0.0, 0.0)
    with pytest.raises(ValueError, match="mu"):
        elbo(model, math.nan, 1.0)
    with pytest.raises(ValueError, match="n_nodes"):
        elbo(model, 0.0, 1.0, n_nodes=1)
    with pytest.raises(ValueError, match="init"):
        fit_gaussian_vi(model, init=(0.0, -1.0))
    with pytest.raises(ValueError, match="init"):
        fit_gaussian_vi(model, init=3.0)
    with pytest.raises(ValueError, match="sigma"):
        kl_to_posterior(model, 0.0, -1.0, LOWER, UPPER)
    with pytest.raises(ValueError, match="rng"):
        logistic_data(5, 1.0, 42)


def test_log_joint_that_rules_out_where_q_lives():
    def half_line(w):  # an exponential posterior: the log joint is -inf for w < 0
        w = np.asarray(w, dtype=float)
        return np.where(w >= 0, -w, -np.inf)
    with pytest.raises(ValueError, match="infinite"):
        elbo(half_line, 0.0, 1.0)
    assert kl_to_posterior(half_line, 0.0, 1.0, -1.0, 60.0) == math.inf
    assert log_evidence(half_line, -1.0, 60.0) == pytest.approx(0.0, abs=1e-12)
