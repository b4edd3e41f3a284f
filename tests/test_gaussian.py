"""Tests of klutils.gaussian: normal densities and mixtures, the trapezoid expectation, the
ELBO and the reverse-KL fit (which is variational inference), and both fits to a mixture.

References are independent of klutils: scipy.stats densities, scipy.integrate.quad of the
definitions, finite differences and the known optima.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from klutils import kl_normal
from klutils.continuous import kl_to_posterior, log_evidence, posterior_density
from klutils.gaussian import (
    GaussianFit,
    GaussianFits,
    elbo,
    expect_normal,
    fit_gaussian_reverse_kl,
    gaussian_fits,
    gaussian_mixture_logpdf,
    kl_gaussian_mixture,
    kl_mixture_gaussian,
    mixture_moments,
    normal_entropy,
    normal_logpdf,
    two_mode_mixture,
)

LOWER, UPPER = -40.0, 80.0


MIXTURE = ([0.6, 0.4], [-3.0, 3.0], [1.0, 1.0])  # d = 6, far apart
THREE = ([0.2, 0.5, 0.3], [-2.0, 0.5, 4.0], [0.7, 1.2, 0.9])  # unequal widths


def normal_pdf(x, mu, sigma):
    """The normal density by hand (math and numpy only)."""
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def mixture_pdf(x, weights, means, sigmas):
    """The mixture density as a plain sum, independent of klutils."""
    return sum(w * normal_pdf(x, m, s) for w, m, s in zip(weights, means, sigmas, strict=True))


def quad_kl(log_p, log_q, lower=-40.0, upper=40.0):
    """KL(P || Q) by scipy quad straight from the definition (no klutils)."""
    def integrand(x):
        lp = log_p(x)
        return 0.0 if lp == -math.inf else math.exp(lp) * (lp - log_q(x))
    return scipy.integrate.quad(integrand, lower, upper, epsabs=1e-13, epsrel=1e-12,
                                limit=400)[0]


def mixture_log(weights, means, sigmas):
    """log p(x) for scalar x; the sum is taken in log space, so the far tails stay finite."""
    def log_p(x):
        logs = [math.log(w) - 0.5 * ((x - m) / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
                for w, m, s in zip(weights, means, sigmas, strict=True)]
        top = max(logs)
        return top + math.log(sum(math.exp(v - top) for v in logs))
    return log_p


def log_density(weights, means, sigmas):
    """The mixture's log-density as a function of x alone, from klutils."""
    return partial(gaussian_mixture_logpdf, weights=weights, means=means, sigmas=sigmas)


def normal_log(mu, sigma):
    return lambda x: -0.5 * ((x - mu) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))


# --- densities ----------------------------------------------------------------------------------

def test_normal_logpdf_matches_scipy():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(normal_logpdf(x, 1.5, 0.3), scipy.stats.norm(1.5, 0.3).logpdf(x),
                               rtol=1e-14)
    assert isinstance(normal_logpdf(0.0), float)


@pytest.mark.parametrize("mixture", [MIXTURE, THREE])
def test_mixture_logpdf_matches_scipy_and_stays_finite_in_the_tails(mixture):
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(np.exp(gaussian_mixture_logpdf(x, *mixture)),
                               mixture_pdf(x, *mixture), rtol=1e-13)
    far = gaussian_mixture_logpdf(np.array([-200.0, 200.0]), *mixture)
    assert np.all(np.isfinite(far))  # the densities underflow to 0, the log-density does not
    assert gaussian_mixture_logpdf(np.inf, *mixture) == -np.inf
    assert gaussian_mixture_logpdf(x.reshape(3, 11), *mixture).shape == (3, 11)


def test_zero_weight_components_are_ignored():
    with_zero = ([0.0, 0.6, 0.4], [100.0, -3.0, 3.0], [1e-3, 1.0, 1.0])
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(gaussian_mixture_logpdf(x, *with_zero),
                               gaussian_mixture_logpdf(x, *MIXTURE), rtol=1e-15)


def test_moments_match_quadrature():
    pdf = partial(mixture_pdf, weights=THREE[0], means=THREE[1], sigmas=THREE[2])
    mean = scipy.integrate.quad(lambda x: x * pdf(x), -30, 30, epsabs=1e-13)[0]
    var = scipy.integrate.quad(lambda x: (x - mean) ** 2 * pdf(x), -30, 30, epsabs=1e-13)[0]
    m, s = mixture_moments(*THREE)
    assert m == pytest.approx(mean, rel=1e-12)
    assert s ** 2 == pytest.approx(var, rel=1e-12)


def test_two_mode_mixture():
    weights, means, sigmas = two_mode_mixture(6.0, (0.6, 0.4), 1.5)
    assert weights.tolist() == [0.6, 0.4] and means.tolist() == [-3.0, 3.0]
    assert sigmas.tolist() == [1.5, 1.5]


# --- KL between a Gaussian and a mixture ----------------------------------------------------------

@pytest.mark.parametrize("mixture", [MIXTURE, THREE, two_mode_mixture(10.0, (0.5, 0.5))])
@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1.0), (-0.6, 3.1), (2.0, 0.5), (0.0, 5.0)])
def test_mixture_divergences_match_quadrature(mixture, mu, sigma):
    log_p, log_q = mixture_log(*mixture), normal_log(mu, sigma)
    assert kl_gaussian_mixture(mu, sigma, *mixture) == pytest.approx(quad_kl(log_q, log_p),
                                                                     rel=1e-9, abs=1e-12)
    assert kl_mixture_gaussian(*mixture, mu, sigma) == pytest.approx(quad_kl(log_p, log_q),
                                                                     rel=1e-9, abs=1e-12)


def test_one_component_mixture_gives_the_normal_closed_form():
    assert kl_gaussian_mixture(0.5, 2.0, [1.0], [-1.0], [0.7]) == pytest.approx(
        kl_normal(0.5, 2.0, -1.0, 0.7), rel=1e-12)
    assert kl_mixture_gaussian([1.0], [-1.0], [0.7], 0.5, 2.0, base=2) == pytest.approx(
        kl_normal(-1.0, 0.7, 0.5, 2.0, base=2), rel=1e-12)


# --- the fits -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mixture", [MIXTURE, THREE])
def test_forward_fit_matches_moments_and_beats_nearby_gaussians(mixture):
    mu, sigma = mixture_moments(*mixture)
    weights, means, sigmas = (np.array(a) for a in mixture)
    assert mu == pytest.approx(np.dot(weights, means), rel=1e-14)
    second_moment = np.dot(weights, sigmas ** 2 + means ** 2)
    assert sigma ** 2 == pytest.approx(second_moment - mu ** 2, rel=1e-12)
    log_p = mixture_log(*mixture)
    best = quad_kl(log_p, normal_log(mu, sigma))
    for d_mu, d_sigma in [(0.1, 0), (-0.1, 0), (0, 0.1), (0, -0.1), (0.05, 0.05), (-0.05, -0.05)]:
        assert quad_kl(log_p, normal_log(mu + d_mu, sigma + d_sigma)) > best


def test_reverse_fit_sits_on_one_mode_when_the_modes_are_far_apart():
    mu, sigma = fit_gaussian_reverse_kl(log_density(*MIXTURE), init=(-2.0, 2.0))
    assert mu == pytest.approx(-3.0, abs=0.02) and sigma == pytest.approx(1.0, abs=0.03)
    # it lies within one sigma of a mode, where the forward fit lies between the modes
    forward_mu, forward_sigma = mixture_moments(*MIXTURE)
    assert abs(forward_mu - 0.0) < 1 and forward_sigma > 3
    log_p = mixture_log(*MIXTURE)
    reverse_kl = quad_kl(normal_log(mu, sigma), log_p)
    assert reverse_kl < quad_kl(normal_log(forward_mu, forward_sigma), log_p)
    assert reverse_kl == pytest.approx(-math.log(0.6), abs=0.01)  # ~ -log(weight of the mode)
    # and it is a local minimum of KL(Q || P)
    for d_mu, d_sigma in [(0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)]:
        assert quad_kl(normal_log(mu + d_mu, sigma + d_sigma), log_p) > reverse_kl
    # from the right, the other mode
    mu_right, _ = fit_gaussian_reverse_kl(log_density(*MIXTURE), init=(3.0, 1.0))
    assert mu_right == pytest.approx(3.0, abs=0.05)


def test_reverse_fit_gradient_is_zero_by_finite_differences():
    mu, sigma = fit_gaussian_reverse_kl(log_density(*THREE), init=(0.5, 1.0))
    h = 1e-5
    d_mu = (kl_gaussian_mixture(mu + h, sigma, *THREE)
            - kl_gaussian_mixture(mu - h, sigma, *THREE)) / (2 * h)
    d_sigma = (kl_gaussian_mixture(mu, sigma + h, *THREE)
               - kl_gaussian_mixture(mu, sigma - h, *THREE)) / (2 * h)
    assert abs(d_mu) < 1e-6 and abs(d_sigma) < 1e-6


def test_fits_coincide_for_a_single_gaussian():
    fits = gaussian_fits([1.0], [2.0], [0.5])
    assert fits.forward == pytest.approx((2.0, 0.5), rel=1e-12)
    assert fits.reverse == pytest.approx((2.0, 0.5), rel=1e-7)
    assert max(fits.forward_kl + fits.reverse_kl) < 1e-12


def test_gaussian_fits_trade_one_direction_for_the_other():
    fits = gaussian_fits(*MIXTURE)
    assert isinstance(fits, GaussianFits)
    assert fits.forward_kl[0] < fits.reverse_kl[0]  # the forward fit wins at KL(P || Q)
    assert fits.reverse_kl[1] < fits.forward_kl[1]  # the reverse fit wins at KL(Q || P)
    assert fits.reverse[0] == pytest.approx(-3.0, abs=0.02)  # the heavier mode


# --- the ELBO and variational inference: the reverse-KL fit of an unnormalised density --------

def test_elbo_against_adaptive_quadrature(logistic_model):
    for mu, sigma in [(0.0, 1.0), (2.5, 1.3), (4.0, 0.5)]:
        def integrand(w, mu=mu, sigma=sigma):
            return scipy.stats.norm.pdf(w, mu, sigma) * float(logistic_model(w))
        expectation, _ = scipy.integrate.quad(integrand, mu - 14 * sigma, mu + 14 * sigma,
                                              epsabs=0, epsrel=1e-13, limit=200)
        by_quad = expectation + scipy.stats.norm(mu, sigma).entropy()
        assert elbo(logistic_model, mu, sigma) == pytest.approx(by_quad, abs=1e-11)


def test_elbo_equals_log_evidence_only_at_the_posterior(normal_log_joint):
    log_joint = normal_log_joint(2.5, 1.0, 0.7)
    assert elbo(log_joint, 1.0, 0.7) == pytest.approx(math.log(2.5), abs=1e-13)
    for mu, sigma in [(0.0, 0.7), (1.0, 0.3), (2.0, 2.0)]:
        assert elbo(log_joint, mu, sigma) < math.log(2.5)


def test_identity_log_evidence_equals_elbo_plus_kl(logistic_model):
    """Two independent quadratures: the trapezoid rule (ELBO) and adaptive quad (KL, log Z)."""
    log_z = log_evidence(logistic_model, LOWER, UPPER)
    for mu, sigma in [(0.0, 1.0), (2.55, 1.31), (-1.0, 0.3), (5.0, 2.0), (1.0, 0.05)]:
        total = (elbo(logistic_model, mu, sigma)
                 + kl_to_posterior(logistic_model, mu, sigma, LOWER, UPPER))
        assert total == pytest.approx(log_z, abs=1e-11)


def test_the_fit_maximises_the_elbo_from_any_start(logistic_model):
    fit = fit_gaussian_reverse_kl(logistic_model, init=(0.0, 1.0))
    assert isinstance(fit, GaussianFit)
    best = elbo(logistic_model, *fit)
    kl_fit = kl_to_posterior(logistic_model, *fit, LOWER, UPPER)
    assert kl_fit < kl_to_posterior(logistic_model, 0.0, 1.0, LOWER, UPPER) / 10
    for d_mu, d_sigma in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        mu, sigma = fit.mu + d_mu, fit.sigma + d_sigma
        assert elbo(logistic_model, mu, sigma) < best
        assert kl_to_posterior(logistic_model, mu, sigma, LOWER, UPPER) > kl_fit
    other = fit_gaussian_reverse_kl(logistic_model, init=(6.0, 3.0))
    assert other == pytest.approx(fit, abs=1e-6)


def test_the_fit_recovers_a_normal_posterior_exactly(normal_log_joint):
    fit = fit_gaussian_reverse_kl(normal_log_joint(2.5, -0.4, 1.7), init=(3.0, 0.2))
    assert fit == pytest.approx((-0.4, 1.7), abs=1e-8)
    assert elbo(normal_log_joint(2.5, -0.4, 1.7), *fit) == pytest.approx(math.log(2.5),
                                                                           abs=1e-12)


def test_the_fit_is_narrower_than_the_skewed_posterior(logistic_model):
    fit = fit_gaussian_reverse_kl(logistic_model)
    w = np.linspace(LOWER, UPPER, 200_001)
    density = posterior_density(logistic_model, w, LOWER, UPPER)
    mean = np.trapezoid(w * density, w)
    sd = math.sqrt(np.trapezoid((w - mean) ** 2 * density, w))
    assert fit.sigma < sd and abs(fit.mu - mean) < 0.1


def test_expectation_entropy_and_a_log_density_that_rules_out_where_q_lives():
    assert expect_normal(lambda x: x ** 4, 0.0, 2.0) == pytest.approx(3 * 2.0 ** 4, rel=1e-13)
    assert normal_entropy(1.3) == pytest.approx(scipy.stats.norm(0, 1.3).entropy(), rel=1e-14)
    assert normal_entropy(1.0, base=2) == pytest.approx(normal_entropy(1.0) / math.log(2))

    def half_line(w):  # an exponential density: -inf for w < 0
        return np.where(np.asarray(w) >= 0, -np.asarray(w, dtype=float), -np.inf)
    with pytest.raises(ValueError, match="infinite"):
        elbo(half_line, 0.0, 1.0)


@pytest.mark.parametrize(("function", "args", "message"), [
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.6], [0, 1], [1, 1]), "sum to 1"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, 1], [1, 0]), "positive"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, 1, 2], [1, 1]), "one entry per component"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, np.inf], [1, 1]), "finite"),
    (gaussian_mixture_logpdf, (np.nan, [1.0], [0], [1]), "x must be numbers; it contains nan"),
    (gaussian_mixture_logpdf, (0.0, [[1.0]], [[0]], [[1]]), "1 dimension"),
    (normal_logpdf, (0.0, 0.0, -1.0), "positive"),
    (mixture_moments, ([1.2, -0.2], [0, 1], [1, 1]), "negative"),
    (fit_gaussian_reverse_kl, (log_density(*MIXTURE), (0.0, -1.0)), "positive"),
    (fit_gaussian_reverse_kl, (log_density(*MIXTURE), 3.0), "pair"),
    (expect_normal, (np.sin, 0.0, 0.0), "sigma must be positive"),
    (normal_entropy, (-1.0,), "sigma must be positive"),
    (kl_gaussian_mixture, (0.0, 0.0, *MIXTURE), "positive"),
    (kl_mixture_gaussian, (*MIXTURE, math.inf, 1.0), "finite"),
    (two_mode_mixture, (-1.0,), "non-negative"),
    (two_mode_mixture, (1.0, (0.2, 0.3, 0.5)), "two"),
])
def test_bad_input_raises_value_error(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(*args)



def test_validation_cache_follows_the_content_of_the_arrays():
    """The mixture is validated once per content: changing an array in place must be seen."""
    weights, means, sigmas = np.array([0.6, 0.4]), np.array([-3.0, 3.0]), np.array([1.0, 1.0])
    before = gaussian_mixture_logpdf(1.0, weights, means, sigmas)
    weights[:] = [0.2, 0.8]
    after = gaussian_mixture_logpdf(1.0, weights, means, sigmas)
    assert after == pytest.approx(math.log(mixture_pdf(1.0, weights, means, sigmas)), rel=1e-14)
    assert after != before
    weights[:] = [0.7, 0.7]
    with pytest.raises(ValueError, match="sum to 1"):
        gaussian_mixture_logpdf(1.0, weights, means, sigmas)


def test_scalar_and_array_paths_agree():
    x = np.array([-2.5, 0.0, 0.3, 4.0])
    np.testing.assert_allclose([gaussian_mixture_logpdf(float(v), *THREE) for v in x],
                               gaussian_mixture_logpdf(x, *THREE), rtol=1e-15)
    np.testing.assert_allclose([normal_logpdf(float(v), 0.5, 2.0) for v in x],
                               normal_logpdf(x, 0.5, 2.0), rtol=1e-15)
