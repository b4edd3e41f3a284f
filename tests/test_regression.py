"""Tests of klutils.regression: AIC and polynomial regression against scipy and a known
truth, and the logistic regression's log joint."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from klutils.gaussian import normal_entropy
from klutils.regression import (
    LogisticLogJoint,
    PolynomialFit,
    aic,
    fit_polynomial,
    kl_to_truth,
    logistic_data,
    polynomial_data,
)

TRUE_COEF = np.array([0.5, 1.0, 0.0, -2.0])
SIGMA = 0.3


def test_logistic_log_joint_against_hand_formula(logistic_model):
    for w in (-1.3, 0.0, 2.0, 7.5):
        log_lik = sum(math.log(1 / (1 + math.exp(-w * xi))) if yi == 1
                      else math.log(1 / (1 + math.exp(w * xi)))
                      for xi, yi in zip(logistic_model.x, logistic_model.y, strict=True))
        log_prior = stats.norm.logpdf(w, 0, 3.0)
        assert float(logistic_model(w)) == pytest.approx(log_prior + log_lik, rel=1e-13)
    w = np.linspace(-5, 5, 7)
    assert logistic_model(w).shape == (7,)
    assert logistic_model(w) == pytest.approx([float(logistic_model(v)) for v in w], rel=1e-14)
    assert np.isfinite(logistic_model(np.array([-1e4, 1e4]))).all()  # log_expit: no overflow


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


# --- AIC and polynomial regression ---------------------------------------------------------

def test_aic_hand_values():
    assert aic(-10.0, 3) == 26.0
    assert aic(5.0, 0) == -10.0
    assert aic(np.float64(-1.5), np.int64(2)) == 7.0


@pytest.mark.parametrize("args", [(math.nan, 2), (math.inf, 2), ("1", 2), (-1.0, -1),
                                  (-1.0, 1.5), (-1.0, True)])
def test_aic_rejects_bad_input(args):
    with pytest.raises(ValueError):
        aic(*args)


def test_fit_polynomial_log_likelihood_and_kl_against_scipy():
    x, y = polynomial_data(60, TRUE_COEF, SIGMA, np.random.default_rng(5))
    for degree in (0, 2, 3, 6):
        fit = fit_polynomial(x, y, degree)
        np.testing.assert_allclose(fit.coefficients,
                                   np.polynomial.polynomial.polyfit(x, y, degree), atol=1e-10)
        log_lik = stats.norm.logpdf(y, fit.predict(x), fit.sigma).sum()
        assert fit.log_likelihood == pytest.approx(log_lik, rel=1e-12)
        assert fit.n_params == degree + 2
        assert fit.aic == pytest.approx(2 * (degree + 2) - 2 * log_lik, rel=1e-12)
        # KL(N(f, s^2) || N(g, t^2)) = log(t/s) + (s^2 + (f-g)^2) / (2 t^2) - 1/2, averaged
        f = np.polynomial.polynomial.polyval(x, TRUE_COEF)
        by_hand = np.mean(np.log(fit.sigma / SIGMA)
                          + (SIGMA**2 + (f - fit.predict(x)) ** 2) / (2 * fit.sigma**2) - 0.5)
        assert kl_to_truth(fit, x, TRUE_COEF, SIGMA) == pytest.approx(by_hand, rel=1e-10)


def compare_polynomials(x, y, degrees):
    """Chapter 9's table, from the functions of klutils.regression."""
    fits = [fit_polynomial(x, y, d) for d in degrees]
    table = {"degree": np.array(list(degrees)), "n_params": np.array([f.n_params for f in fits]),
             "log_likelihood": np.array([f.log_likelihood for f in fits]),
             "aic": np.array([f.aic for f in fits]),
             "kl_to_truth": np.array([kl_to_truth(f, x, TRUE_COEF, SIGMA) for f in fits])}
    table["aic_per_2n"] = table["aic"] / (2 * len(x))
    return table


def test_compare_polynomials_table():
    x, y = polynomial_data(100, TRUE_COEF, SIGMA, np.random.default_rng(2026))
    table = compare_polynomials(x, y, range(8))
    assert table["degree"].tolist() == list(range(8))
    assert table["n_params"].tolist() == list(range(2, 10))
    assert np.all(np.diff(table["log_likelihood"]) > 0)  # in-sample fit always improves
    assert table["aic_per_2n"] == pytest.approx(table["aic"] / 200, rel=1e-15)
    assert int(np.argmin(table["aic"])) == 3
    assert int(np.argmin(table["kl_to_truth"])) == 3


def test_aic_picks_the_true_model_most_of_the_time_and_estimates_kl_on_average():
    rng = np.random.default_rng(99)
    picks, gap = [], []
    for _ in range(100):
        x, y = polynomial_data(100, TRUE_COEF, SIGMA, rng)
        table = compare_polynomials(x, y, range(6))
        picks.append(int(np.argmin(table["aic"])))
        gap.append(table["aic_per_2n"][3] - (normal_entropy(SIGMA) + table["kl_to_truth"][3]))
    assert np.mean(np.array(picks) == 3) > 0.6
    assert min(picks) >= 3  # an underfitted cubic is never chosen
    assert abs(np.mean(gap)) < 0.01  # AIC/(2n) ~ H(P) + KL on average


def test_perfect_fit_and_bad_degrees_are_rejected():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="exactly"):
        fit_polynomial(x, 2 * x + 1, 1)
    with pytest.raises(ValueError, match="degree"):
        fit_polynomial(x, x**2, 3)
    with pytest.raises(ValueError, match="degree"):
        fit_polynomial(x, x**2, -1)
    with pytest.raises(ValueError, match="same length"):
        fit_polynomial(x, x[:3], 1)
    with pytest.raises(ValueError, match="PolynomialFit"):
        kl_to_truth("fit", x, [1.0], 1.0)
    with pytest.raises(ValueError, match="sigma"):
        polynomial_data(10, [1.0], -1.0, np.random.default_rng(0))


def test_polynomial_fit_is_a_frozen_record():
    fit = PolynomialFit(1, np.array([0.0, 1.0]), 0.5, -3.0, 10)
    with pytest.raises(AttributeError):
        fit.degree = 2
    assert fit.predict([2.0]).tolist() == [2.0]
