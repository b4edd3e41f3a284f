"""Tests for klutils.bayes: the Beta KL against quadrature, updating, information gain, AIC,
the polynomial model-selection setup and the posterior widget."""

import base64
import math

import ipywidgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import integrate, stats

from klutils.bayes import (
    PolynomialFit,
    PosteriorWidget,
    aic,
    beta_bernoulli_posterior,
    beta_logpdf,
    beta_pdf,
    compare_polynomials,
    draw_posterior_panel,
    expected_information_gain,
    fit_polynomial,
    information_gain_asymptote,
    information_gain_curve,
    kl_beta,
    kl_to_truth,
    polynomial_data,
    posterior_widget,
)
from klutils.gaussian import normal_entropy

TRUE_COEF = np.array([0.5, 1.0, 0.0, -2.0])
SIGMA = 0.3


def kl_beta_by_quadrature(a_p, b_p, a_q, b_q):
    """KL(Beta(a_p, b_p) || Beta(a_q, b_q)) = integral of p log(p/q), with scipy.stats."""
    def integrand(t):
        log_p = stats.beta.logpdf(t, a_p, b_p)
        return math.exp(log_p) * (log_p - stats.beta.logpdf(t, a_q, b_q))
    value, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-12, limit=200)
    return value


# ---------------------------------------------------------------------------------------------
# kl_beta and the Beta density
# ---------------------------------------------------------------------------------------------


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


def test_beta_density_matches_scipy():
    t = np.linspace(0.001, 0.999, 50)
    for a, b in [(1, 1), (0.5, 2.0), (9, 3), (675, 327)]:
        np.testing.assert_allclose(beta_logpdf(t, a, b), stats.beta.logpdf(t, a, b), rtol=1e-10)
        np.testing.assert_allclose(beta_pdf(t, a, b), stats.beta.pdf(t, a, b), rtol=1e-10)
    assert beta_pdf(-0.1, 2, 2) == 0.0 and beta_pdf(1.5, 2, 2) == 0.0
    assert beta_logpdf(0.0, 1, 1) == 0.0
    with pytest.raises(ValueError, match="b"):
        beta_pdf(0.5, 1, 0)


# ---------------------------------------------------------------------------------------------
# Updating and information gain
# ---------------------------------------------------------------------------------------------


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
    np.testing.assert_allclose(unnormalised / evidence, beta_pdf(t, a_post, b_post), rtol=1e-9)


@pytest.mark.parametrize("flips", [[0, 2], [0.5], [[0, 1]], ["a"]])
def test_posterior_rejects_bad_flips(flips):
    with pytest.raises(ValueError, match="flips"):
        beta_bernoulli_posterior(1, 1, flips)


@pytest.mark.parametrize("a", [0, -2, math.nan, None])
def test_posterior_rejects_bad_prior(a):
    with pytest.raises(ValueError, match="a"):
        beta_bernoulli_posterior(a, 1, [1])


def test_information_gain_curve_is_kl_of_the_seeded_posteriors():
    n_values = np.array([0, 1, 5, 50, 500])
    gains = information_gain_curve(2, 3, 0.3, n_values, np.random.default_rng(11))
    flips = np.random.default_rng(11).random(500) < 0.3
    expected = [kl_beta(*beta_bernoulli_posterior(2, 3, flips[:n].astype(int)), 2, 3)
                for n in n_values]
    np.testing.assert_allclose(gains, expected, rtol=1e-13)
    assert gains[0] == 0.0
    again = information_gain_curve(2, 3, 0.3, n_values, np.random.default_rng(11))
    assert np.array_equal(gains, again)


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
    seeded = information_gain_curve(1, 1, 0.7, n_values, np.random.default_rng(3))
    slope_seeded, _ = np.polyfit(np.log(n_values), seeded, 1)
    assert slope_seeded == pytest.approx(0.5, abs=0.08)
    # and the large-n formula, 1/2 log n + c, is reached
    asymptote = information_gain_asymptote(1, 1, 0.7, n_values)
    assert abs(exact[-1] - asymptote[-1]) < 2e-3
    assert np.diff(asymptote) == pytest.approx(0.5 * np.diff(np.log(n_values)), rel=1e-12)


def test_asymptote_constant_depends_on_the_prior_density_at_the_truth():
    c_uniform = information_gain_asymptote(1, 1, 0.7, [1])[0]
    assert c_uniform == pytest.approx(-0.5 * math.log(2 * math.pi * math.e * 0.21), rel=1e-13)
    c_informed = information_gain_asymptote(7, 3, 0.7, [1])[0]
    assert c_uniform - c_informed == pytest.approx(stats.beta.logpdf(0.7, 7, 3), rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda: information_gain_curve(1, 1, 1.5, [10], np.random.default_rng(0)),
    lambda: information_gain_curve(1, 1, 0.5, [-1], np.random.default_rng(0)),
    lambda: information_gain_curve(1, 1, 0.5, [1.5], np.random.default_rng(0)),
    lambda: information_gain_curve(1, 1, 0.5, [10], 0),
    lambda: expected_information_gain(0, 1, 0.5, [10]),
    lambda: information_gain_asymptote(1, 1, 0.0, [10]),
    lambda: information_gain_asymptote(1, 1, 0.5, [0]),
])
def test_information_gain_functions_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------------------------
# AIC and the polynomial setup
# ---------------------------------------------------------------------------------------------


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


def test_compare_polynomials_table():
    x, y = polynomial_data(100, TRUE_COEF, SIGMA, np.random.default_rng(2026))
    table = compare_polynomials(x, y, range(8), TRUE_COEF, SIGMA)
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
        table = compare_polynomials(x, y, range(6), TRUE_COEF, SIGMA)
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
    with pytest.raises(ValueError, match="degrees"):
        compare_polynomials(x, x**2, [], [1.0], 1.0)
    with pytest.raises(ValueError, match="sigma"):
        polynomial_data(10, [1.0], -1.0, np.random.default_rng(0))


def test_polynomial_fit_is_a_frozen_record():
    fit = PolynomialFit(1, np.array([0.0, 1.0]), 0.5, -3.0, 10)
    with pytest.raises(AttributeError):
        fit.degree = 2
    assert fit.predict([2.0]).tolist() == [2.0]


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------


def png_of(widget):
    [output] = widget.output.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_draw_posterior_panel_returns_the_kl_and_draws_both_densities():
    ax = Figure().subplots()
    gain = draw_posterior_panel(ax, 2, 2, [1, 1, 1, 0], p_true=0.7)
    assert gain == pytest.approx(kl_beta(5, 3, 2, 2), rel=1e-15)
    assert len(ax.lines) == 3  # posterior, prior, true value
    assert f"{gain:.3f} nats" in ax.get_title()


def test_widget_sliders_change_the_readout_and_figure():
    widget = posterior_widget(a=1.0, b=1.0, n=20, p_true=0.7, seed=2026)
    assert isinstance(widget, PosteriorWidget) and isinstance(widget, ipywidgets.VBox)
    flips = (np.random.default_rng(2026).random(1000) < 0.7).astype(int)
    assert np.array_equal(widget.flips, flips)
    expected = kl_beta(*beta_bernoulli_posterior(1, 1, flips[:20]), 1, 1)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.4f} nats" in widget.readout.value
    before_text, before_png = widget.readout.value, png_of(widget)

    widget.n_slider.value = 500
    expected = kl_beta(*beta_bernoulli_posterior(1, 1, flips[:500]), 1, 1)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.4f} nats" in widget.readout.value
    assert f"{flips[:500].sum()} heads in 500 flips" in widget.readout.value
    assert widget.readout.value != before_text and png_of(widget) != before_png

    widget.a_slider.value = 7.0
    widget.b_slider.value = 3.0
    expected = kl_beta(*beta_bernoulli_posterior(7, 3, flips[:500]), 7, 3)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)

    widget.n_slider.value = 0
    assert widget.information_gain == 0.0
    assert "0.0000 nats" in widget.readout.value


@pytest.mark.parametrize("kwargs", [{"a": 0.1}, {"b": 80}, {"n": 2000}, {"n": -1},
                                    {"p_true": 1.2}, {"max_flips": 0}, {"seed": -3}])
def test_widget_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        posterior_widget(**kwargs)
