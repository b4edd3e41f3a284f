"""Tests of klutils.continuous: KL of two densities by adaptive quadrature, and the
normaliser, density and KL of a posterior known up to its normaliser."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import scipy.stats

from klutils import kl_normal
from klutils.continuous import kl_numerical, kl_to_posterior, log_evidence, posterior_density
from klutils.gaussian import normal_logpdf

LOWER, UPPER = -40.0, 80.0


# --- kl_numerical ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("mu_p", "sigma_p", "mu_q", "sigma_q"), [
    (0.0, 1.0, 1.0, 1.0), (0.0, 1.0, 0.0, 2.0), (1.0, 0.5, -1.0, 3.0), (2.0, 3.0, 0.0, 0.8),
    (0.0, 1.0, 1e-3, 1.0),
])
def test_kl_numerical_matches_the_closed_form_for_gaussians(mu_p, sigma_p, mu_q, sigma_q):
    p = partial(normal_logpdf, mu=mu_p, sigma=sigma_p)
    q = partial(normal_logpdf, mu=mu_q, sigma=sigma_q)
    exact = kl_normal(mu_p, sigma_p, mu_q, sigma_q)
    assert kl_numerical(p, q, -np.inf, np.inf) == pytest.approx(exact, rel=1e-8)
    assert kl_numerical(p, q, -60, 60, base=2) == pytest.approx(exact / math.log(2), rel=1e-8)


def test_kl_numerical_is_zero_for_equal_densities_and_accepts_scipy_logpdfs():
    p = scipy.stats.norm(0.3, 1.7).logpdf
    assert kl_numerical(p, p, -np.inf, np.inf) == 0.0


def test_kl_numerical_is_invariant_under_exp():
    """Both through y = exp(x): log-normal densities, the same divergence."""
    p = scipy.stats.lognorm(s=0.5, scale=math.exp(0.2)).logpdf
    q = scipy.stats.lognorm(s=0.8, scale=math.exp(-0.1)).logpdf
    assert kl_numerical(p, q, 0.0, np.inf) == pytest.approx(kl_normal(0.2, 0.5, -0.1, 0.8),
                                                             rel=1e-8)


def test_kl_numerical_infinite_when_q_vanishes_where_p_does_not():
    p = scipy.stats.norm(0, 1).logpdf
    q = scipy.stats.uniform(-1, 2).logpdf  # 0 outside [-1, 1]
    assert kl_numerical(p, q, -10, 10) == math.inf
    # the other way round it is finite: log(2) + 0.5 * E_U[x^2] + 0.5 * log(2 pi) - log 2
    expected = -math.log(2) + 0.5 * math.log(2 * math.pi) + 1 / 6
    assert kl_numerical(q, p, -1, 1) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(("args", "message"), [
    ((None, math.log, 0, 1), "logpdf_p must be a function"),
    ((math.log, math.log, 1, 0), "less than"),
    ((math.log, math.log, math.nan, 1), "lower must be a finite number"),
    ((math.log, math.log, "0", 1), "real number"),
    ((lambda x: math.nan, lambda x: 0.0, 0, 1), "NaN|nan"),
])
def test_kl_numerical_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        kl_numerical(*args)


# --- a posterior known up to its normaliser ----------------------------------------------------

def test_log_evidence_exact_for_a_known_normaliser(normal_log_joint):
    assert log_evidence(normal_log_joint(2.5), -20, 20) == pytest.approx(math.log(2.5),
                                                                           abs=1e-13)
    # a shift of a million nats does not overflow
    def huge(w):
        return 1e6 - 0.5 * np.asarray(w) ** 2
    assert log_evidence(huge, -30, 30) == pytest.approx(1e6 + 0.5 * math.log(2 * math.pi),
                                                        rel=1e-15)


def test_log_evidence_against_a_fine_trapezoid(logistic_model):
    w = np.linspace(LOWER, UPPER, 400_001)
    values = logistic_model(w)
    top = values.max()
    by_trapezoid = top + math.log(np.trapezoid(np.exp(values - top), w))
    assert log_evidence(logistic_model, LOWER, UPPER) == pytest.approx(by_trapezoid, abs=1e-9)


def test_posterior_density_integrates_to_one(logistic_model):
    w = np.linspace(LOWER, UPPER, 100_001)
    density = posterior_density(logistic_model, w, LOWER, UPPER)
    assert np.trapezoid(density, w) == pytest.approx(1, abs=1e-9)


def test_kl_to_posterior_matches_the_closed_form_for_a_normal_posterior(normal_log_joint):
    log_joint = normal_log_joint(2.5, 1.0, 0.7)
    for mu, sigma in [(1.0, 0.7), (0.0, 1.0), (3.0, 0.2)]:
        assert kl_to_posterior(log_joint, mu, sigma, -20, 20) == pytest.approx(
            kl_normal(mu, sigma, 1.0, 0.7), abs=1e-11)


def test_bad_input_raises_value_error(logistic_model):
    with pytest.raises(ValueError, match="too narrow"):
        log_evidence(logistic_model, 0, 3)
    with pytest.raises(ValueError, match="lower"):
        log_evidence(logistic_model, 5, -5)
    with pytest.raises(ValueError, match="log_joint must be a function"):
        log_evidence("not a function", -5, 5)
    with pytest.raises(ValueError, match="vectorised"):
        log_evidence(lambda w: 0.0, -5, 5)
    with pytest.raises(ValueError, match="sigma"):
        kl_to_posterior(logistic_model, 0.0, -1.0, LOWER, UPPER)


def test_a_log_joint_that_rules_out_where_q_lives():
    def half_line(w):  # an exponential posterior: the log joint is -inf for w < 0
        w = np.asarray(w, dtype=float)
        return np.where(w >= 0, -w, -np.inf)
    assert kl_to_posterior(half_line, 0.0, 1.0, -1.0, 60.0) == math.inf
    assert log_evidence(half_line, -1.0, 60.0) == pytest.approx(0.0, abs=1e-12)
