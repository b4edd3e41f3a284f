"""The chapters' widgets of klutils._legacy_widgets, driven from Python as a reader would drive
them: moving a control rewrites the readout and redraws the figure. (Temporary, like the module:
these go when the widgets are rebuilt on the primitive of klutils.widgets.)"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from klutils import _legacy_widgets as legacy
from klutils.closed_forms import kl_bernoulli


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
