"""Tests for klutils.classification: losses against hand formulas, the data set, softmax, widget."""

import math

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.special import softmax

import klutils
from klutils.classification import (
    LogitsWidget,
    accuracy,
    log_loss,
    logit_loss,
    logits_widget,
    one_hot,
    per_example_log_loss,
    plot_logits,
    reliability_curve,
    smooth_labels,
    softmax_naive,
    two_models_same_accuracy,
)

MODEL_A = [0.7, 0.2, 0.1]
MODEL_B = [0.4, 0.3, 0.3]


# ---------------------------------------------------------------------------------------------
# Labels and losses
# ---------------------------------------------------------------------------------------------


def test_one_hot_single_and_batch():
    assert one_hot(1, 3).tolist() == [0.0, 1.0, 0.0]
    batch = one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert batch.shape == (2, 2, 3)
    assert batch.sum(axis=-1).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert batch[0, 1].tolist() == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("q", [MODEL_A, MODEL_B])
def test_log_loss_equals_cross_entropy_equals_kl_for_one_hot(q):
    p = one_hot(0, 3)
    expected = -math.log(q[0])
    assert log_loss(0, q) == pytest.approx(expected, rel=1e-14)
    assert klutils.cross_entropy(p, q) == pytest.approx(expected, rel=1e-14)
    assert klutils.kl_divergence(p, q) == pytest.approx(expected, rel=1e-14)
    assert klutils.entropy(p) == 0.0


def test_chapter_numbers():
    assert round(log_loss(0, MODEL_A), 3) == 0.357
    assert round(log_loss(0, MODEL_B), 3) == 0.916
    assert klutils.kl_divergence(MODEL_A, one_hot(0, 3)) == math.inf


def test_log_loss_is_mean_of_per_example_losses():
    rng = np.random.default_rng(1)
    q = rng.dirichlet(np.ones(4), size=50)
    y = rng.integers(0, 4, size=50)
    losses = per_example_log_loss(y, q)
    assert losses == pytest.approx(-np.log(q[np.arange(50), y]), rel=1e-12)
    assert log_loss(y, q) == pytest.approx(np.mean(losses), rel=1e-12)
    kl = klutils.kl_divergence(one_hot(y, 4), q)
    assert log_loss(y, q) == pytest.approx(np.mean(kl), rel=1e-12)


def test_log_loss_is_infinite_when_true_class_has_zero_probability():
    assert log_loss(1, [1.0, 0.0]) == math.inf


def test_accuracy_counts_top_class():
    q = [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.4, 0.4, 0.2]]
    assert accuracy([0, 2, 2, 1], q) == 0.5  # last row: tie, first class wins


def test_smoothing_keeps_a_distribution_and_matches_formula():
    p = smooth_labels(one_hot(0, 3), 0.1)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)
    assert p == pytest.approx([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3], rel=1e-15)
    batch = smooth_labels(one_hot([0, 1, 2, 3], 4), 0.3)
    assert batch.sum(axis=-1) == pytest.approx(np.ones(4), abs=1e-15)
    assert (batch > 0).all()
    assert smooth_labels([0.2, 0.8], 0.0).tolist() == [0.2, 0.8]
    assert smooth_labels([0.2, 0.8], 1.0).tolist() == [0.5, 0.5]


def test_smoothed_cross_entropy_is_entropy_plus_kl():
    p = smooth_labels(one_hot(0, 3), 0.1)
    by_hand = -sum(pi * math.log(qi) for pi, qi in zip(p, MODEL_A, strict=True))
    assert klutils.cross_entropy(p, MODEL_A) == pytest.approx(by_hand, rel=1e-13)
    total = klutils.entropy(p) + klutils.kl_divergence(p, MODEL_A)
    assert total == pytest.approx(by_hand, rel=1e-13)
    assert klutils.entropy(p) > 0


def test_reliability_curve_against_direct_binning():
    y = np.array([0, 1, 1, 0, 2])
    q = np.array([[0.95, 0.03, 0.02], [0.5, 0.3, 0.2], [0.1, 0.85, 0.05],
                  [0.4, 0.35, 0.25], [0.2, 0.2, 0.6]])
    conf, acc, count = reliability_curve(y, q, n_bins=5)
    # bins of width 0.2: [0.4, 0.6) holds rows 1 and 3, [0.6, 0.8) row 4, [0.8, 1] rows 0, 2
    assert count.tolist() == [2, 1, 2]
    assert conf == pytest.approx([(0.5 + 0.4) / 2, 0.6, (0.95 + 0.85) / 2])
    assert acc == pytest.approx([0.5, 1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# The synthetic data set
# ---------------------------------------------------------------------------------------------


def test_two_models_same_accuracy_different_kl():
    y, good, sharp = two_models_same_accuracy(np.random.default_rng(2026))
    assert y.shape == (2000,) and good.shape == sharp.shape == (2000, 3)
    assert np.allclose(good.sum(axis=1), 1) and np.allclose(sharp.sum(axis=1), 1)
    assert (np.argmax(good, axis=1) == np.argmax(sharp, axis=1)).all()
    assert accuracy(y, good) == accuracy(y, sharp)
    correct = np.mean(np.argmax(good, axis=1) == y)
    assert accuracy(y, good) == correct
    assert log_loss(y, sharp) > log_loss(y, good) + 0.3
    assert sharp.max(axis=1).mean() > good.max(axis=1).mean() + 0.1


def test_two_models_is_seeded_and_calibrated():
    first = two_models_same_accuracy(np.random.default_rng(5), n=4000)
    second = two_models_same_accuracy(np.random.default_rng(5), n=4000)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
    y, good, sharp = first
    # labels are drawn from the calibrated model: its average confidence matches its accuracy
    assert abs(good.max(axis=1).mean() - accuracy(y, good)) < 0.03
    assert sharp.max(axis=1).mean() - accuracy(y, sharp) > 0.15
    # and each class appears about as often as the model predicts it
    assert np.bincount(y, minlength=3) / len(y) == pytest.approx(good.mean(axis=0), abs=0.03)


# ---------------------------------------------------------------------------------------------
# Softmax and logits
# ---------------------------------------------------------------------------------------------


def test_naive_softmax_overflows_but_stable_path_is_finite():
    z = [1000.0, 1001.0, 0.0]
    with np.errstate(all="raise"):  # no floating-point warning may escape
        naive = softmax_naive(z)
    assert np.isnan(naive[0]) and np.isnan(naive[1])
    loss = logit_loss("cat", ("cat", "dog", "rabbit"), z)
    assert math.isfinite(loss)
    assert loss == pytest.approx(math.log1p(math.e), rel=1e-14)  # -log(1 / (1 + e))
    assert loss == pytest.approx(log_loss(0, softmax(np.array(z))), rel=1e-12)


def test_naive_softmax_agrees_for_small_logits():
    z = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]])
    e = np.exp(z)
    assert softmax_naive(z) == pytest.approx(e / e.sum(axis=1, keepdims=True), rel=1e-15)


def test_logit_loss_is_shift_invariant():
    classes = ("a", "b", "c")
    assert logit_loss("b", classes, [1.0, 2.0, 3.0]) == pytest.approx(
        logit_loss("b", classes, [101.0, 102.0, 103.0]), rel=1e-13)


# ---------------------------------------------------------------------------------------------
# Figure and widget
# ---------------------------------------------------------------------------------------------


def test_plot_logits_draws_label_and_prediction():
    ax = Figure().subplots()
    kl = plot_logits(ax, "dog", ("cat", "dog"), (0.0, 0.0))
    assert kl == pytest.approx(math.log(2), rel=1e-14)
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == pytest.approx([0.0, 1.0, 0.5, 0.5])
    assert "0.693" in ax.get_title()


def _bar_heights(widget):
    return [patch.get_height() for patch in widget.figure.axes[0].patches]


def test_widget_slider_changes_readout_and_figure():
    w = logits_widget()
    assert isinstance(w, LogitsWidget) and isinstance(w, widgets.VBox)
    assert len(w.sliders) == 3 and w.readout in w.children and w.output in w.children
    z = np.array([2.0, 0.5, -1.0])
    q = np.exp(z) / np.exp(z).sum()
    assert w.kl == pytest.approx(-math.log(q[0]), rel=1e-13)
    before_text, before_bars = w.readout.value, _bar_heights(w)
    before_png = w.output.outputs[0]["data"]["image/png"]
    assert f"{-math.log(q[0]):.4f}" in before_text

    w.sliders[1].value = 3.0  # dog now wins
    z = np.array([2.0, 3.0, -1.0])
    q = np.exp(z) / np.exp(z).sum()
    assert w.kl == pytest.approx(-math.log(q[0]), rel=1e-13)
    assert w.readout.value != before_text
    assert f"{-math.log(q[0]):.4f}" in w.readout.value
    assert _bar_heights(w) != pytest.approx(before_bars)
    assert _bar_heights(w)[3:] == pytest.approx(q)
    assert len(w.figure.axes) == 1  # redrawn, not stacked
    assert len(w.output.outputs) == 1
    assert w.output.outputs[0]["data"]["image/png"] != before_png


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda: one_hot(3, 3), r"\[0, 3\)"),
    (lambda: one_hot(-1, 3), r"\[0, 3\)"),
    (lambda: one_hot(0.5, 3), "integer"),
    (lambda: one_hot(0, 0), "n_classes"),
    (lambda: smooth_labels([1.0, 0.0], 1.5), "epsilon"),
    (lambda: smooth_labels([0.9, 0.0], 0.1), "sum to 1"),
    (lambda: log_loss([0, 1], [[0.5, 0.5]]), "one entry per row"),
    (lambda: log_loss([0], [[0.5, 0.6]]), "sum to 1"),
    (lambda: log_loss([2], [[0.5, 0.5]]), "labels"),
    (lambda: accuracy([True], [[0.5, 0.5]]), "integer"),
    (lambda: reliability_curve([0], [[0.5, 0.5]], n_bins=0), "positive integer"),
    (lambda: two_models_same_accuracy(np.random.default_rng(0), temperature=0.0), "temperature"),
    (lambda: two_models_same_accuracy(42), "Generator"),
    (lambda: softmax_naive([1.0, np.nan]), "finite"),
    (lambda: softmax_naive([]), "empty"),
    (lambda: logit_loss("cow", ("cat", "dog"), [0.0, 0.0]), "not one of the classes"),
    (lambda: logit_loss("cat", ("cat", "dog"), [0.0, 0.0, 1.0]), "one value per class"),
    (lambda: logits_widget(logits=(20.0, 0.0, 0.0)), r"\[-10, 10\]"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
