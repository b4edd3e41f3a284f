"""The chapters' widgets of klutils._legacy_widgets, driven from Python as a reader would drive
them: moving a control rewrites the readout and redraws the figure. (Temporary, like the module:
these go when the widgets are rebuilt on the primitive of klutils.widgets.)"""

from __future__ import annotations

import math
import warnings

import ipywidgets
import numpy as np
import pytest
from scipy import stats

from klutils import _legacy_widgets as legacy
from klutils import bernoulli, cross_entropy, gaussian, kl_beta, kl_divergence
from klutils.closed_forms import kl_bernoulli
from klutils.coding import average_code_length, huffman_code

P = [0.5, 0.25, 0.125, 0.125]
Q = [0.125, 0.125, 0.25, 0.5]
LABELS = ["sun", "cloud", "rain", "snow"]


def test_coin_widget_slider_changes_readout_and_figure(png_of):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing glyph would fail here
        widget = legacy.coin_kl_widget(0.5, 0.6)
        before = png_of(widget)
        widget.q_slider.value = 0.8
    assert f"KL(P‖Q) = {kl_bernoulli(0.5, 0.8):.4f} nats" in widget.readout.value
    assert f"KL(Q‖P) = {kl_bernoulli(0.8, 0.5):.4f} nats" in widget.readout.value
    dots = sorted(float(line.get_ydata()[0]) for line in widget.figure.axes[0].lines
                  if line.get_marker() == "o")
    np.testing.assert_allclose(dots, sorted([kl_bernoulli(0.5, 0.8), kl_bernoulli(0.8, 0.5)]))
    assert png_of(widget) != before
    widget.p_slider.value = 0.2
    assert f"KL(P‖Q) = {kl_bernoulli(0.2, 0.8):.4f} nats" in widget.readout.value
    assert len(widget.figure.axes[0].lines) == 5, "each redraw starts from cleared axes"


@pytest.mark.parametrize(("p", "q"), [(0.0, 0.6), (0.5, 1.0), (0.005, 0.5), ("a", 0.5)])
def test_coin_widget_bad_input(p, q):
    with pytest.raises(ValueError, match=r"p|q"):
        legacy.coin_kl_widget(p, q)


def test_logits_widget_slider_changes_readout_kl_and_bars(png_of):
    w = legacy.logits_widget()
    z = np.array([2.0, 0.5, -1.0])
    assert w.kl == pytest.approx(-math.log(np.exp(z[0]) / np.exp(z).sum()), rel=1e-13)
    before = png_of(w)
    w.sliders[1].value = 3.0  # dog now wins
    z = np.array([2.0, 3.0, -1.0])
    q = np.exp(z) / np.exp(z).sum()
    assert w.kl == pytest.approx(-math.log(q[0]), rel=1e-13)
    assert f"{-math.log(q[0]):.4f}" in w.readout.value
    assert [p.get_height() for p in w.figure.axes[0].patches][3:] == pytest.approx(q)
    assert len(w.figure.axes) == 1 and png_of(w) != before
    with pytest.raises(ValueError, match=r"\[-10, 10\]"):
        legacy.logits_widget(logits=(20.0, 0.0, 0.0))


def test_cross_entropy_widget_starts_uniform_and_exposes_its_parts(png_of):
    widget = legacy.cross_entropy_widget(P, LABELS)
    assert isinstance(widget, ipywidgets.VBox) and isinstance(widget, legacy.CrossEntropyWidget)
    np.testing.assert_allclose(widget.q, [0.25] * 4)
    assert [s.description for s in widget.sliders] == [f"Q({name})" for name in LABELS]
    assert isinstance(widget.readout, ipywidgets.HTML)
    assert widget.parts == pytest.approx((1.75, 0.25, 2.0), abs=1e-14)
    for text in ("1.7500 bits", "0.2500 bits", "2.0000 bits"):
        assert text in widget.readout.value
    assert widget.code == huffman_code([0.25] * 4, LABELS)
    assert png_of(widget).startswith(b"\x89PNG")


def test_cross_entropy_widget_slider_updates_readout_code_and_figure(png_of):
    widget = legacy.cross_entropy_widget(P, LABELS)
    readout, png = widget.readout.value, png_of(widget)
    widget.sliders[3].value = 0.55  # more snow; the others keep their equal shares
    expected_q = [0.15, 0.15, 0.15, 0.55]
    np.testing.assert_allclose(widget.q, expected_q, rtol=1e-12)
    assert widget.readout.value != readout and png_of(widget) != png
    kl = kl_divergence(P, expected_q, base=2)
    ce = cross_entropy(P, expected_q, base=2)
    assert widget.parts.kl == pytest.approx(kl, rel=1e-12)
    assert f"{kl:.4f} bits" in widget.readout.value
    assert f"{ce:.4f} bits" in widget.readout.value
    assert widget.code == huffman_code(widget.q, LABELS)
    length = average_code_length(P, widget.code)
    assert f"{length:.4f} bits" in widget.readout.value
    heights = [bar.get_height() for bar in widget.figure.axes[1].patches]
    np.testing.assert_allclose(heights[2], kl, rtol=1e-12)


def test_cross_entropy_widget_set_q_to_p_gives_zero_kl_and_the_entropy():
    widget = legacy.cross_entropy_widget(P, LABELS, Q)
    assert widget.parts.kl == pytest.approx(0.875)
    widget.set_q(P)
    assert widget.parts.kl == pytest.approx(0.0, abs=1e-15)
    assert widget.parts.cross_entropy == pytest.approx(1.75)
    assert "0.0000 bits" in widget.readout.value
    with pytest.raises(ValueError, match="same number of outcomes"):
        widget.set_q([0.5, 0.5])


def test_cross_entropy_widget_zero_slider_makes_the_cross_entropy_infinite_but_the_code_finite():
    widget = legacy.cross_entropy_widget(P, LABELS)
    widget.sliders[3].value = 0.0
    assert widget.parts.cross_entropy == math.inf
    assert "∞" in widget.readout.value
    assert "snow" in widget.code  # Huffman still gives the "impossible" outcome a codeword
    assert math.isfinite(average_code_length(P, widget.code))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"p": [1.0]}, "at least two outcomes"),
    ({"p": [0.5, 0.6]}, "sum to 1"),
    ({"p": P, "q": [0.5, 0.5]}, "same number of outcomes"),
    ({"p": P, "labels": ["a", "b"]}, "labels"),
])
def test_cross_entropy_widget_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        legacy.cross_entropy_widget(**kwargs)


def test_mode_separation_widget_changes_the_fits_readout_and_figure(png_of):
    widget = legacy.mode_separation_widget(6.0)
    assert isinstance(widget, legacy.ModeSeparationWidget) and isinstance(widget, ipywidgets.VBox)
    assert widget.slider in widget.children and widget.readout in widget.children
    assert isinstance(widget.output, ipywidgets.Output)
    assert png_of(widget).startswith(b"\x89PNG")
    before = (widget.fits, widget.readout.value, png_of(widget),
              widget.figure.axes[0].lines[2].get_ydata().copy())
    assert widget.fits.reverse[0] == pytest.approx(-3.0, abs=0.05)  # on the heavier mode
    assert f"{widget.fits.forward[1]:.3f}" in widget.readout.value

    widget.slider.value = 2.0  # modes close together: one bump, both fits nearly agree
    mixture = gaussian.two_mode_mixture(2.0, (0.6, 0.4))
    assert widget.fits.forward == pytest.approx(gaussian.mixture_moments(*mixture), rel=1e-12)
    assert widget.fits != before[0]
    assert widget.readout.value != before[1]
    assert png_of(widget) != before[2]
    reverse_line = widget.figure.axes[0].lines[2]
    assert not np.allclose(reverse_line.get_ydata(), before[3])
    np.testing.assert_allclose(reverse_line.get_ydata(),
                               stats.norm(*widget.fits.reverse).pdf(
                                   reverse_line.get_xdata()), rtol=1e-12)
    assert abs(widget.fits.reverse[0] - widget.fits.forward[0]) < 0.05
    assert f"{widget.fits.reverse_kl[1]:.4f} nats" in widget.readout.value
    assert len(widget.figure.axes[0].lines) == 3  # redrawn, not drawn on top




@pytest.mark.parametrize(("args", "message"), [
    ((11.0,), r"separation must lie in \[0, 10\]"), ((5.0, (0.7, 0.7)), "sum to 1"),
    ((5.0, (0.5, 0.5), 0.0), "sigma must be positive"),
])
def test_mode_separation_widget_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        legacy.mode_separation_widget(*args)


def test_posterior_widget_sliders_change_the_readout_and_figure(png_of):
    widget = legacy.posterior_widget(a=1.0, b=1.0, n=20, p_true=0.7, seed=2026)
    assert isinstance(widget, legacy.PosteriorWidget) and isinstance(widget, ipywidgets.VBox)
    flips = (np.random.default_rng(2026).random(1000) < 0.7).astype(int)
    assert np.array_equal(widget.flips, flips)
    expected = kl_beta(*bernoulli.beta_bernoulli_posterior(1, 1, flips[:20]), 1, 1)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.4f} nats" in widget.readout.value
    before_text, before_png = widget.readout.value, png_of(widget)

    widget.n_slider.value = 500
    expected = kl_beta(*bernoulli.beta_bernoulli_posterior(1, 1, flips[:500]), 1, 1)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.4f} nats" in widget.readout.value
    assert f"{flips[:500].sum()} heads in 500 flips" in widget.readout.value
    assert widget.readout.value != before_text and png_of(widget) != before_png

    widget.a_slider.value = 7.0
    widget.b_slider.value = 3.0
    expected = kl_beta(*bernoulli.beta_bernoulli_posterior(7, 3, flips[:500]), 7, 3)
    assert widget.information_gain == pytest.approx(expected, rel=1e-15)

    widget.n_slider.value = 0
    assert widget.information_gain == 0.0
    assert "0.0000 nats" in widget.readout.value


@pytest.mark.parametrize("kwargs", [{"a": 0.1}, {"b": 80}, {"n": 2000}, {"n": -1},
                                    {"p_true": 1.2}, {"max_flips": 0}, {"seed": -3}])
def test_posterior_widget_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        legacy.posterior_widget(**kwargs)


def test_vae_widget_slider_changes_readout_figure_and_kl(png_of):
    w = legacy.vae_kl_widget()
    assert isinstance(w, legacy.VAEKLWidget)
    assert w.kl == 0.0 and "KL(Q‖P) = 0.0000 nats" in w.readout.value
    assert w.readout in w.children and w.output in w.children
    before = png_of(w)
    assert before.startswith(b"\x89PNG")
    w.mu_slider.value = 1.0
    assert w.kl == 0.5 and "KL(Q‖P) = 0.5000 nats" in w.readout.value
    w.log_var_slider.value = -1.0
    expected = 0.5 * (1.0 + math.exp(-1.0) - 1.0 + 1.0)
    assert math.isclose(w.kl, expected, rel_tol=1e-14)
    assert f"{expected:.4f} nats" in w.readout.value
    assert png_of(w) != before
    assert len(w.figure.axes[0].lines) == 2  # prior and encoder, redrawn on cleared axes




@pytest.mark.parametrize("kwargs, match", [
    ({"mu": 5.0}, r"mu must lie in \[-3, 3\]"), ({"log_var": -10.0}, r"log_var must lie in"),
    ({"mu": "0"}, "mu must be a real number"),
])
def test_vae_widget_rejects_out_of_range_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        legacy.vae_kl_widget(**kwargs)
