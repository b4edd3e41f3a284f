"""Tests for klutils.widgets: the per-outcome terms, the figure they draw and the Q-slider widget.

The widget is driven as a reader would drive it, by setting a slider's ``.value`` from Python; the
readout, the sliders and the figure are then compared with independent computations.
"""

import base64
import math

import ipywidgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from klutils import kl_divergence
from klutils.widgets import (
    DistributionWidget,
    distribution_figure,
    distribution_widget,
    draw_distribution_panel,
    kl_contributions,
)

P = [0.2, 0.3, 0.5]
Q = [0.6, 0.3, 0.1]
LABELS = ["sun", "cloud", "rain"]


def hand_terms(p, q, log=math.log):
    """p log(p/q) term by term with the conventions 0 log 0 = 0 and p log(p/0) = inf."""
    return [0.0 if a == 0 else (math.inf if b == 0 else a * log(a / b))
            for a, b in zip(p, q, strict=True)]


def png_of(widget):
    [output] = widget.output.outputs
    assert output["output_type"] == "display_data"
    return base64.b64decode(output["data"]["image/png"])


def term_bars(widget):
    return [float(bar.get_height()) for bar in widget.figure.axes[1].patches]


# ---------------------------------------------------------------------------------------------
# kl_contributions
# ---------------------------------------------------------------------------------------------


def test_contributions_match_hand_values_and_sum_to_kl():
    terms = kl_contributions(P, Q)
    np.testing.assert_allclose(terms, hand_terms(P, Q), rtol=1e-14)
    assert terms[0] < 0 < terms[2] and terms[1] == 0.0  # negative, zero and positive terms
    assert math.isclose(terms.sum(), 0.5 * math.log(5) - 0.2 * math.log(3), rel_tol=1e-14)
    assert math.isclose(terms.sum(), kl_divergence(P, Q), rel_tol=1e-14)


def test_contributions_in_bits():
    bits = kl_contributions(P, Q, base=2)
    np.testing.assert_allclose(bits, hand_terms(P, Q, log=math.log2), rtol=1e-14)
    assert math.isclose(bits.sum(), kl_divergence(P, Q, base=2), rel_tol=1e-14)


def test_contribution_conventions_for_zero_probabilities():
    terms = kl_contributions([0.5, 0.5, 0.0], [0.5, 0.0, 0.5])
    assert terms[0] == 0.0  # p = q
    assert terms[1] == math.inf  # q = 0 < p
    assert terms[2] == 0.0  # p = 0: 0 log 0 = 0
    assert kl_divergence([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]) == math.inf


@pytest.mark.parametrize("seed", range(5))
def test_contributions_sum_to_kl_on_random_pairs(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(7), size=2)
    terms = kl_contributions(p, q)
    np.testing.assert_allclose(terms, hand_terms(p, q), rtol=1e-12)
    assert math.isclose(terms.sum(), kl_divergence(p, q), rel_tol=1e-10)


@pytest.mark.parametrize(("p", "q", "base", "message"), [
    ([0.5, 0.6], [0.5, 0.5], None, "sum to 1"),
    ([0.5, 0.5], [1.5, -0.5], None, "negative"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], None, "same number of outcomes"),
    ([[0.5, 0.5], [0.1, 0.9]], [[0.5, 0.5]] * 3, None, "do not broadcast"),
    ([0.5, 0.5], [0.5, 0.5], 1, "base"),
    ([0.5, np.nan], [0.5, 0.5], None, "NaN"),
])
def test_contributions_reject_bad_input(p, q, base, message):
    with pytest.raises(ValueError, match=message):
        kl_contributions(p, q, base=base)


# ---------------------------------------------------------------------------------------------
# The static figure
# ---------------------------------------------------------------------------------------------


def test_panel_draws_p_q_and_the_terms():
    fig = Figure()
    ax_pq, ax_terms = draw_distribution_panel(fig.subplots(1, 2), P, Q, LABELS)
    heights = [float(bar.get_height()) for bar in ax_pq.patches]
    np.testing.assert_allclose(heights, P + Q)  # the P bars, then the Q bars
    np.testing.assert_allclose([float(b.get_height()) for b in ax_terms.patches],
                               hand_terms(P, Q), rtol=1e-14)
    assert [t.get_text() for t in ax_terms.get_xticklabels()] == LABELS
    assert f"{kl_divergence(P, Q):.3f} nats" in ax_terms.get_title()
    assert "nats" in ax_terms.get_ylabel() and "probability" in ax_pq.get_ylabel()
    # drawing again on the same axes replaces the bars instead of adding to them
    draw_distribution_panel([ax_pq, ax_terms], P, [0.4, 0.4, 0.2], LABELS, base=2)
    assert len(ax_pq.patches) == 6 and len(ax_terms.patches) == 3
    assert "bits" in ax_terms.get_ylabel()
    assert f"{kl_divergence(P, [0.4, 0.4, 0.2], base=2):.3f} bits" in ax_terms.get_title()


def test_panel_marks_an_infinite_term():
    fig = Figure()
    _, ax_terms = draw_distribution_panel(fig.subplots(1, 2), P, [0.7, 0.3, 0.0], LABELS)
    rain = ax_terms.patches[2]
    assert rain.get_hatch() == "//"
    assert float(rain.get_height()) == pytest.approx(ax_terms.get_ylim()[1])
    assert "∞" in [text.get_text() for text in ax_terms.texts]
    assert "∞" in ax_terms.get_title()


def test_panel_needs_two_axes():
    fig = Figure()
    with pytest.raises(ValueError, match="two"):
        draw_distribution_panel(fig.subplots(1, 3), P, Q)
    with pytest.raises(ValueError, match="labels"):
        draw_distribution_panel(fig.subplots(1, 2), P, Q, ["sun", "rain"])


def test_distribution_figure_is_a_pyplot_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = distribution_figure(P, Q, LABELS)
    try:
        assert fig.number in plt.get_fignums() and len(fig.axes) == 2
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="sum to 1"):
        distribution_figure(P, [0.5, 0.5, 0.5])
    assert plt.get_fignums() == before  # bad input opens no figure


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------


def readout_numbers(p, q):
    """The four numbers the readout must show, formatted as it formats them."""
    return [f"{kl_divergence(p, q):.4f} nats", f"{kl_divergence(p, q, base=2):.4f} bits",
            f"{kl_divergence(q, p):.4f} nats", f"{kl_divergence(q, p, base=2):.4f} bits"]


def test_widget_exposes_its_parts_and_starts_at_q():
    widget = distribution_widget(P, LABELS, Q)
    assert isinstance(widget, ipywidgets.VBox) and isinstance(widget, DistributionWidget)
    assert [s.description for s in widget.sliders] == ["Q(sun)", "Q(cloud)", "Q(rain)"]
    assert [s.value for s in widget.sliders] == Q
    assert isinstance(widget.readout, ipywidgets.HTML)
    assert isinstance(widget.output, ipywidgets.Output)
    for text in readout_numbers(P, Q):
        assert text in widget.readout.value
    # 0.5850 nats and 0.4982 nats: the two directions differ
    assert "0.5850 nats" in widget.readout.value and "0.4982 nats" in widget.readout.value
    assert png_of(widget).startswith(b"\x89PNG")
    np.testing.assert_allclose(term_bars(widget), hand_terms(P, Q), rtol=1e-14)


def test_moving_a_slider_updates_q_readout_and_figure():
    widget = distribution_widget(P, LABELS, Q)
    readout, png = widget.readout.value, png_of(widget)
    widget.sliders[2].value = 0.4  # more rain; sun and cloud keep their 2 : 1 ratio
    expected_q = [0.4, 0.2, 0.4]
    np.testing.assert_allclose([s.value for s in widget.sliders], expected_q, rtol=1e-12)
    np.testing.assert_allclose(widget.q, expected_q, rtol=1e-12)
    assert widget.readout.value != readout
    for text in readout_numbers(P, expected_q):
        assert text in widget.readout.value
    assert png_of(widget) != png
    np.testing.assert_allclose(term_bars(widget), hand_terms(P, expected_q), rtol=1e-12)
    heights = [float(bar.get_height()) for bar in widget.figure.axes[0].patches]
    np.testing.assert_allclose(heights, P + expected_q, rtol=1e-12)


def test_moving_q_to_p_gives_zero_both_ways():
    widget = distribution_widget(P, LABELS, [0.6, 0.15, 0.25])
    widget.sliders[0].value = 0.2  # cloud and rain double, to 0.3 and 0.5: Q = P
    np.testing.assert_allclose(widget.q, P, rtol=1e-12)
    assert widget.readout.value.count("0.0000 nats") == 2


def test_a_zero_in_q_makes_kl_p_q_infinite_with_a_reason():
    widget = distribution_widget(P, LABELS, Q)
    widget.sliders[2].value = 0.0
    np.testing.assert_allclose(widget.q, [2 / 3, 1 / 3, 0.0], rtol=1e-12)
    first, second = widget.readout.value.split("KL(Q‖P)")
    assert "∞" in first and "probability 0 to rain" in first
    assert f"{kl_divergence(widget.q, P):.4f} nats" in second  # the other direction is finite
    assert np.isfinite(term_bars(widget)[2])  # drawn up to the top of the axes, not to inf
    assert widget.figure.axes[1].patches[2].get_hatch() == "//"


def test_all_other_sliders_at_zero_share_the_rest_equally():
    widget = distribution_widget(P, LABELS, Q)
    widget.sliders[0].value = 1.0
    assert [s.value for s in widget.sliders] == [1.0, 0.0, 0.0]
    widget.sliders[0].value = 0.4
    np.testing.assert_allclose([s.value for s in widget.sliders], [0.4, 0.3, 0.3])


def test_set_q_and_default_uniform_q():
    widget = distribution_widget([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(widget.q, [0.25] * 4)
    assert [s.description for s in widget.sliders] == ["Q(0)", "Q(1)", "Q(2)", "Q(3)"]
    widget.set_q([0.4, 0.3, 0.2, 0.1])
    np.testing.assert_allclose(widget.q, [0.4, 0.3, 0.2, 0.1])
    for text in readout_numbers([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]):
        assert text in widget.readout.value
    with pytest.raises(ValueError, match="same number of outcomes"):
        widget.set_q([0.5, 0.5])
    np.testing.assert_allclose(widget.q, [0.4, 0.3, 0.2, 0.1])  # unchanged after the error


def test_widget_figure_in_bits():
    widget = distribution_widget(P, LABELS, Q, base=2)
    assert "bits" in widget.figure.axes[1].get_ylabel()
    np.testing.assert_allclose(term_bars(widget), hand_terms(P, Q, log=math.log2), rtol=1e-14)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"p": [0.2, 0.3, 0.4]}, "sum to 1"),
    ({"p": [1.0]}, "at least two outcomes"),
    ({"p": [[0.5, 0.5]]}, "1-D"),
    ({"p": 0.5}, "scalar"),
    ({"p": P, "q": [0.5, 0.5]}, "same number of outcomes"),
    ({"p": P, "q": [0.5, 0.6, -0.1]}, "negative"),
    ({"p": P, "labels": ["sun", "rain"]}, "labels"),
    ({"p": P, "labels": "abc"}, "labels"),
    ({"p": P, "base": 1.0}, "base"),
])
def test_widget_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        distribution_widget(**kwargs)
