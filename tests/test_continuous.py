"""Tests of klutils.continuous: quadrature KL, Gaussian mixtures, forward/reverse fits, widget.

Reference values come from closed forms (klutils.kl_normal and hand formulas), from scipy.stats
densities, and from independent adaptive quadrature (scipy.integrate.quad) of the definitions.
"""

from __future__ import annotations

import base64
import math
from functools import partial

import ipywidgets
import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from klutils import kl_normal
from klutils.continuous import (
    GaussianFits,
    ModeSeparationWidget,
    draw_gaussian_fits,
    fit_gaussian_forward_kl,
    fit_gaussian_reverse_kl,
    gaussian_fits,
    gaussian_mixture_logpdf,
    kl_gaussian_mixture,
    kl_mixture_gaussian,
    kl_numerical,
    mixture_moments,
    mode_separation_widget,
    normal_logpdf,
    two_mode_mixture,
)
from klutils.plots import P_COLOR, Q_COLOR

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
    ((None, math.log, 0, 1), "callable"),
    ((math.log, math.log, 1, 0), "less than"),
    ((math.log, math.log, math.nan, 1), "finite|real"),
    ((math.log, math.log, "0", 1), "real number"),
    ((lambda x: math.nan, lambda x: 0.0, 0, 1), "NaN|nan"),
])
def test_kl_numerical_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        kl_numerical(*args)


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
    mu, sigma = fit_gaussian_forward_kl(*mixture)
    weights, means, sigmas = (np.array(a) for a in mixture)
    assert mu == pytest.approx(np.dot(weights, means), rel=1e-14)
    second_moment = np.dot(weights, sigmas ** 2 + means ** 2)
    assert sigma ** 2 == pytest.approx(second_moment - mu ** 2, rel=1e-12)
    log_p = mixture_log(*mixture)
    best = quad_kl(log_p, normal_log(mu, sigma))
    for d_mu, d_sigma in [(0.1, 0), (-0.1, 0), (0, 0.1), (0, -0.1), (0.05, 0.05), (-0.05, -0.05)]:
        assert quad_kl(log_p, normal_log(mu + d_mu, sigma + d_sigma)) > best


def test_reverse_fit_sits_on_one_mode_when_the_modes_are_far_apart():
    mu, sigma = fit_gaussian_reverse_kl(*MIXTURE, init=(-2.0, 2.0))
    assert mu == pytest.approx(-3.0, abs=0.02) and sigma == pytest.approx(1.0, abs=0.03)
    # it lies within one sigma of a mode, where the forward fit lies between the modes
    forward_mu, forward_sigma = fit_gaussian_forward_kl(*MIXTURE)
    assert abs(forward_mu - 0.0) < 1 and forward_sigma > 3
    log_p = mixture_log(*MIXTURE)
    reverse_kl = quad_kl(normal_log(mu, sigma), log_p)
    assert reverse_kl < quad_kl(normal_log(forward_mu, forward_sigma), log_p)
    assert reverse_kl == pytest.approx(-math.log(0.6), abs=0.01)  # ~ -log(weight of the mode)
    # and it is a local minimum of KL(Q || P)
    for d_mu, d_sigma in [(0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)]:
        assert quad_kl(normal_log(mu + d_mu, sigma + d_sigma), log_p) > reverse_kl
    # from the right, the other mode
    mu_right, _ = fit_gaussian_reverse_kl(*MIXTURE, init=(3.0, 1.0))
    assert mu_right == pytest.approx(3.0, abs=0.05)


def test_reverse_fit_gradient_is_zero_by_finite_differences():
    mu, sigma = fit_gaussian_reverse_kl(*THREE, init=(0.5, 1.0))
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


@pytest.mark.parametrize(("function", "args", "message"), [
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.6], [0, 1], [1, 1]), "sum to 1"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, 1], [1, 0]), "positive"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, 1, 2], [1, 1]), "one entry per component"),
    (gaussian_mixture_logpdf, (0.0, [0.5, 0.5], [0, np.inf], [1, 1]), "finite"),
    (gaussian_mixture_logpdf, (np.nan, [1.0], [0], [1]), "NaN"),
    (gaussian_mixture_logpdf, (0.0, [[1.0]], [[0]], [[1]]), "1-D"),
    (normal_logpdf, (0.0, 0.0, -1.0), "positive"),
    (fit_gaussian_forward_kl, ([1.2, -0.2], [0, 1], [1, 1]), "negative"),
    (fit_gaussian_reverse_kl, (*MIXTURE, (0.0, -1.0)), "positive"),
    (fit_gaussian_reverse_kl, (*MIXTURE, 3.0), "pair"),
    (kl_gaussian_mixture, (0.0, 0.0, *MIXTURE), "positive"),
    (kl_mixture_gaussian, (*MIXTURE, math.inf, 1.0), "finite"),
    (two_mode_mixture, (-1.0,), "non-negative"),
    (two_mode_mixture, (1.0, (0.2, 0.3, 0.5)), "two"),
    (mode_separation_widget, (11.0,), r"\[0, 10\]"),
    (mode_separation_widget, (5.0, (0.7, 0.7)), "sum to 1"),
    (mode_separation_widget, (5.0, (0.5, 0.5), 0.0), "positive"),
])
def test_bad_input_raises_value_error(function, args, message):
    with pytest.raises(ValueError, match=message):
        function(*args)


# --- figure and widget ----------------------------------------------------------------------------

def test_draw_gaussian_fits_draws_p_and_both_fits_in_the_course_colours():
    ax = Figure().subplots()
    fits = draw_gaussian_fits(ax, *MIXTURE, xlim=(-9, 9))
    mixture_line, forward_line, reverse_line = ax.lines
    assert to_hex(mixture_line.get_color()) == P_COLOR
    assert to_hex(forward_line.get_color()) == Q_COLOR == to_hex(reverse_line.get_color())
    x = forward_line.get_xdata()
    assert x[0] == -9 and x[-1] == 9
    np.testing.assert_allclose(mixture_line.get_ydata(), mixture_pdf(x, *MIXTURE), rtol=1e-12)
    np.testing.assert_allclose(reverse_line.get_ydata(),
                               scipy.stats.norm(*fits.reverse).pdf(x), rtol=1e-12)
    assert f"{fits.reverse_kl[1]:.3f} nats" in reverse_line.get_label()
    assert "density" in ax.get_ylabel()


def png_of(widget):
    [output] = widget.output.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_widget_slider_changes_the_fits_readout_and_figure():
    widget = mode_separation_widget(6.0)
    assert isinstance(widget, ModeSeparationWidget) and isinstance(widget, ipywidgets.VBox)
    assert widget.slider in widget.children and widget.readout in widget.children
    assert isinstance(widget.output, ipywidgets.Output)
    assert png_of(widget).startswith(b"\x89PNG")
    before = (widget.fits, widget.readout.value, png_of(widget),
              widget.figure.axes[0].lines[2].get_ydata().copy())
    assert widget.fits.reverse[0] == pytest.approx(-3.0, abs=0.05)  # on the heavier mode
    assert f"{widget.fits.forward[1]:.3f}" in widget.readout.value

    widget.slider.value = 2.0  # modes close together: one bump, both fits nearly agree
    mixture = two_mode_mixture(2.0, (0.6, 0.4))
    assert widget.fits.forward == pytest.approx(mixture_moments(*mixture), rel=1e-12)
    assert widget.fits != before[0]
    assert widget.readout.value != before[1]
    assert png_of(widget) != before[2]
    reverse_line = widget.figure.axes[0].lines[2]
    assert not np.allclose(reverse_line.get_ydata(), before[3])
    np.testing.assert_allclose(reverse_line.get_ydata(),
                               scipy.stats.norm(*widget.fits.reverse).pdf(
                                   reverse_line.get_xdata()), rtol=1e-12)
    assert abs(widget.fits.reverse[0] - widget.fits.forward[0]) < 0.05
    assert f"{widget.fits.reverse_kl[1]:.4f} nats" in widget.readout.value
    assert len(widget.figure.axes[0].lines) == 3  # redrawn, not drawn on top


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
