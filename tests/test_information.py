"""Tests for klutils.information: the entropy decomposition, mutual information, their figures
and the cross-entropy widget (driven by setting slider values from Python)."""

import base64
import math

import ipywidgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from klutils import cross_entropy, entropy, kl_divergence
from klutils.coding import average_code_length, huffman_code
from klutils.information import (
    CrossEntropyWidget,
    cross_entropy_figure,
    cross_entropy_widget,
    draw_cross_entropy_panel,
    draw_joint_panel,
    entropy_decomposition,
    joint_entropy,
    marginals,
    mutual_information,
)

P = [0.5, 0.25, 0.125, 0.125]
Q = [0.125, 0.125, 0.25, 0.5]
LABELS = ["sun", "cloud", "rain", "snow"]
WEATHER_UMBRELLA = [[0.05, 0.45], [0.10, 0.15], [0.20, 0.05]]


def hand_mutual_information(joint, log=math.log):
    """sum_ij p(i, j) log(p(i, j) / (p(i) p(j))), written out with loops."""
    rows = [sum(row) for row in joint]
    columns = [sum(column) for column in zip(*joint, strict=True)]
    return sum(value * log(value / (rows[i] * columns[j]))
               for i, row in enumerate(joint) for j, value in enumerate(row) if value > 0)


# ---------------------------------------------------------------------------------------------
# Entropy decomposition
# ---------------------------------------------------------------------------------------------


def test_decomposition_of_the_dyadic_example_by_hand():
    parts = entropy_decomposition(P, Q)
    assert parts.entropy == pytest.approx(1.75, abs=1e-15)
    assert parts.cross_entropy == pytest.approx(0.5 * 3 + 0.25 * 3 + 0.125 * 2 + 0.125 * 1,
                                                abs=1e-15)
    assert parts.kl == pytest.approx(0.875, abs=1e-15)
    nats = entropy_decomposition(P, Q, base=None)
    np.testing.assert_allclose(np.array(nats) / math.log(2), list(parts), rtol=1e-14)


@pytest.mark.parametrize("seed", range(10))
def test_cross_entropy_is_entropy_plus_kl(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(6), size=2)
    parts = entropy_decomposition(p, q)
    assert parts.entropy + parts.kl == pytest.approx(parts.cross_entropy, rel=1e-13)
    assert parts.cross_entropy == pytest.approx(-np.sum(p * np.log2(q)), rel=1e-13)
    assert parts.kl >= 0 and parts.cross_entropy >= parts.entropy


def test_decomposition_with_an_impossible_outcome():
    parts = entropy_decomposition([0.5, 0.5], [1.0, 0.0])
    assert parts.entropy == 1.0 and parts.kl == math.inf and parts.cross_entropy == math.inf


@pytest.mark.parametrize(("p", "q", "base", "message"), [
    ([0.5, 0.5], [0.2, 0.3, 0.5], 2, "same number of outcomes"),
    ([0.5, 0.6], [0.5, 0.5], 2, "sum to 1"),
    ([[0.5, 0.5]], [0.5, 0.5], 2, "1-D"),
    ([0.5, 0.5], [0.5, 0.5], 1, "base"),
])
def test_decomposition_rejects_bad_input(p, q, base, message):
    with pytest.raises(ValueError, match=message):
        entropy_decomposition(p, q, base=base)


# ---------------------------------------------------------------------------------------------
# Mutual information
# ---------------------------------------------------------------------------------------------


def test_marginals_and_joint_entropy():
    px, py = marginals(WEATHER_UMBRELLA)
    np.testing.assert_allclose(px, [0.5, 0.25, 0.25])
    np.testing.assert_allclose(py, [0.35, 0.65])
    cells = np.ravel(WEATHER_UMBRELLA)
    assert joint_entropy(WEATHER_UMBRELLA, base=2) == pytest.approx(
        -np.sum(cells * np.log2(cells)), rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_independent_table_has_zero_information(seed):
    rng = np.random.default_rng(seed)
    px, py = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))
    assert mutual_information(np.outer(px, py)) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_perfectly_correlated_table_has_information_h_x(seed):
    px = np.random.default_rng(seed).dirichlet(np.ones(4))
    assert mutual_information(np.diag(px), base=2) == pytest.approx(entropy(px, base=2),
                                                                    rel=1e-13)
    permuted = np.diag(px)[:, [2, 0, 3, 1]]  # Y is a relabelling of X: still H(X)
    assert mutual_information(permuted) == pytest.approx(entropy(px), rel=1e-13)


@pytest.mark.parametrize("seed", range(10))
def test_information_is_sum_of_entropies_minus_joint_entropy(seed):
    rng = np.random.default_rng(seed)
    joint = rng.dirichlet(np.ones(12)).reshape(3, 4)
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    expected = entropy(px) + entropy(py) - entropy(joint.ravel())
    information = mutual_information(joint)
    assert information == pytest.approx(expected, rel=1e-10, abs=1e-15)
    assert information == pytest.approx(hand_mutual_information(joint.tolist()), rel=1e-12)
    assert information <= min(entropy(px), entropy(py)) + 1e-15


def test_weather_and_umbrella():
    bits = mutual_information(WEATHER_UMBRELLA, base=2)
    assert bits == pytest.approx(hand_mutual_information(WEATHER_UMBRELLA, math.log2),
                                 rel=1e-13)
    assert mutual_information(WEATHER_UMBRELLA) == pytest.approx(bits * math.log(2), rel=1e-14)
    assert bits == pytest.approx(kl_divergence(np.ravel(WEATHER_UMBRELLA),
                                               np.outer([0.5, 0.25, 0.25],
                                                        [0.35, 0.65]).ravel(), base=2))


def test_zero_cells_contribute_nothing():
    joint = [[0.5, 0.0], [0.25, 0.25]]
    assert mutual_information(joint) == pytest.approx(hand_mutual_information(joint),
                                                      rel=1e-13)


@pytest.mark.parametrize(("joint", "message"), [
    ([0.5, 0.5], "2-D"),
    (np.full((2, 2, 2), 0.125), "2-D"),
    ([[0.5, 0.5], [0.5, 0.5]], "sum to 1"),
    ([[0.6, -0.1], [0.25, 0.25]], "negative"),
    ([[0.5, np.nan], [0.25, 0.25]], "NaN"),
    (np.zeros((0, 2)), "empty"),
])
def test_mutual_information_rejects_bad_tables(joint, message):
    with pytest.raises(ValueError, match=message):
        mutual_information(joint)
    with pytest.raises(ValueError, match=message):
        marginals(joint)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def test_cross_entropy_panel_draws_the_three_numbers_and_the_huffman_lengths():
    fig = Figure()
    axes = fig.subplots(1, 2)
    parts = draw_cross_entropy_panel(axes, P, Q, LABELS)
    assert parts == entropy_decomposition(P, Q)
    ax_pq, ax_bar = axes
    np.testing.assert_allclose([bar.get_height() for bar in ax_pq.patches], P + Q)
    heights = [bar.get_height() for bar in ax_bar.patches]
    bottoms = [bar.get_y() for bar in ax_bar.patches]
    np.testing.assert_allclose(heights, [1.75, 1.75, 0.875], rtol=1e-14)
    np.testing.assert_allclose(bottoms, [0.0, 0.0, 1.75], rtol=1e-14)
    [diamonds] = [line for line in ax_bar.lines if line.get_marker() == "D"]
    np.testing.assert_allclose(diamonds.get_ydata(), [average_code_length(P, huffman_code(P)),
                                                      average_code_length(P, huffman_code(Q))])
    assert "2.625 bits" in ax_bar.get_title() and "bits" in ax_bar.get_ylabel()
    legend = [text.get_text() for text in ax_bar.get_legend().get_texts()]
    assert "H(P) = 1.750" in legend and "KL(P‖Q) = 0.875" in legend
    assert "probability" in ax_pq.get_ylabel()
    # drawing again replaces everything; nats, no Huffman marks
    draw_cross_entropy_panel(axes, P, P, LABELS, base=None)
    assert len(ax_bar.patches) == 3 and "nats" in ax_bar.get_title()
    assert not [line for line in ax_bar.lines if line.get_marker() == "D"]
    assert ax_bar.patches[2].get_height() == pytest.approx(0.0, abs=1e-15)


def test_cross_entropy_panel_marks_an_infinite_kl():
    axes = Figure().subplots(1, 2)
    parts = draw_cross_entropy_panel(axes, P, [0.5, 0.5, 0.0, 0.0], LABELS)
    assert parts.kl == math.inf
    kl_bar = axes[1].patches[2]
    assert kl_bar.get_hatch() == "//" and np.isfinite(kl_bar.get_height())
    assert "∞" in axes[1].get_title()


def test_cross_entropy_panel_rejects_bad_input():
    with pytest.raises(ValueError, match="two"):
        draw_cross_entropy_panel(Figure().subplots(1, 3), P, Q)
    with pytest.raises(ValueError, match="labels"):
        draw_cross_entropy_panel(Figure().subplots(1, 2), P, Q, ["a", "b"])


def test_cross_entropy_figure_is_a_pyplot_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = cross_entropy_figure(P, Q, LABELS)
    try:
        assert fig.number in plt.get_fignums() and len(fig.axes) == 2
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="sum to 1"):
        cross_entropy_figure(P, [0.5, 0.5, 0.5, 0.5])
    assert plt.get_fignums() == before


def test_joint_panel_shows_the_table_and_the_product():
    fig = Figure()
    axes = fig.subplots(1, 2)
    information = draw_joint_panel(axes, WEATHER_UMBRELLA, ["sun", "cloud", "rain"],
                                   ["umbrella", "none"], x_name="weather", y_name="umbrella?")
    assert information == pytest.approx(mutual_information(WEATHER_UMBRELLA, base=2))
    joint_image, product_image = (ax.get_images()[0] for ax in axes)
    np.testing.assert_allclose(joint_image.get_array(), WEATHER_UMBRELLA)
    np.testing.assert_allclose(product_image.get_array(),
                               np.outer([0.5, 0.25, 0.25], [0.35, 0.65]), rtol=1e-14)
    assert joint_image.get_clim() == product_image.get_clim()  # one colour scale
    assert f"{information:.3f} bits" in axes[1].get_title()
    assert axes[0].get_ylabel() == "weather" and axes[0].get_xlabel() == "umbrella?"
    assert "0.450" in [text.get_text() for text in axes[0].texts]
    with pytest.raises(ValueError, match="labels"):
        draw_joint_panel(Figure().subplots(1, 2), WEATHER_UMBRELLA, ["a", "b"], ["c", "d"])


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------


def png_of(widget):
    [output] = widget.output.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_widget_starts_uniform_and_exposes_its_parts():
    widget = cross_entropy_widget(P, LABELS)
    assert isinstance(widget, ipywidgets.VBox) and isinstance(widget, CrossEntropyWidget)
    np.testing.assert_allclose(widget.q, [0.25] * 4)
    assert [s.description for s in widget.sliders] == [f"Q({name})" for name in LABELS]
    assert isinstance(widget.readout, ipywidgets.HTML)
    assert widget.parts == pytest.approx((1.75, 0.25, 2.0), abs=1e-14)
    for text in ("1.7500 bits", "0.2500 bits", "2.0000 bits"):
        assert text in widget.readout.value
    assert widget.code == huffman_code([0.25] * 4, LABELS)
    assert png_of(widget).startswith(b"\x89PNG")


def test_moving_a_slider_updates_readout_code_and_figure():
    widget = cross_entropy_widget(P, LABELS)
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


def test_set_q_to_p_gives_zero_kl_and_the_entropy():
    widget = cross_entropy_widget(P, LABELS, Q)
    assert widget.parts.kl == pytest.approx(0.875)
    widget.set_q(P)
    assert widget.parts.kl == pytest.approx(0.0, abs=1e-15)
    assert widget.parts.cross_entropy == pytest.approx(1.75)
    assert "0.0000 bits" in widget.readout.value
    with pytest.raises(ValueError, match="same number of outcomes"):
        widget.set_q([0.5, 0.5])


def test_a_zero_slider_makes_the_cross_entropy_infinite_but_the_code_finite():
    widget = cross_entropy_widget(P, LABELS)
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
def test_widget_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cross_entropy_widget(**kwargs)
