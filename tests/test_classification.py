"""Tests for klutils.classification and klutils.distributions: losses against hand formulas,
one-hot labels, mixing with the uniform, the loss from logits."""

import math

import numpy as np
import pytest
from scipy.special import softmax

import klutils
from klutils.classification import (
    accuracy,
    log_loss,
    logit_loss,
    per_example_log_loss,
    reliability_curve,
)
from klutils.distributions import mix_with_uniform, one_hot

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
    p = mix_with_uniform(one_hot(0, 3), 0.1)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)
    assert p == pytest.approx([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3], rel=1e-15)
    batch = mix_with_uniform(one_hot([0, 1, 2, 3], 4), 0.3)
    assert batch.sum(axis=-1) == pytest.approx(np.ones(4), abs=1e-15)
    assert (batch > 0).all()
    assert mix_with_uniform([0.2, 0.8], 0.0).tolist() == [0.2, 0.8]
    assert mix_with_uniform([0.2, 0.8], 1.0).tolist() == [0.5, 0.5]


def test_smoothed_cross_entropy_is_entropy_plus_kl():
    p = mix_with_uniform(one_hot(0, 3), 0.1)
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
# Logits
# ---------------------------------------------------------------------------------------------


def test_loss_from_large_logits_is_finite_and_exact():
    z = [1000.0, 1001.0, 0.0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # nothing overflows
        loss = logit_loss("cat", ("cat", "dog", "rabbit"), z)
    assert loss == pytest.approx(math.log1p(math.e), rel=1e-14)  # -log(1 / (1 + e))
    assert loss == pytest.approx(log_loss(0, softmax(np.array(z))), rel=1e-12)


def test_logit_loss_is_shift_invariant():
    classes = ("a", "b", "c")
    assert logit_loss("b", classes, [1.0, 2.0, 3.0]) == pytest.approx(
        logit_loss("b", classes, [101.0, 102.0, 103.0]), rel=1e-13)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, match", [
    (lambda: one_hot(3, 3), r"index must lie in \[0, 2\]"),
    (lambda: one_hot(-1, 3), r"\[0, 2\]"),
    (lambda: one_hot(0.5, 3), "integer"),
    (lambda: one_hot(0, 0), "n_classes"),
    (lambda: mix_with_uniform([1.0, 0.0], 1.5), r"weight must lie in \[0, 1\]"),
    (lambda: mix_with_uniform([0.9, 0.0], 0.1), "sum to 1"),
    (lambda: log_loss([0, 1], [[0.5, 0.5]]), "one entry per row"),
    (lambda: log_loss([0], [[0.5, 0.6]]), "sum to 1"),
    (lambda: log_loss([2], [[0.5, 0.5]]), "labels"),
    (lambda: accuracy([True], [[0.5, 0.5]]), "integer"),
    (lambda: reliability_curve([0], [[0.5, 0.5]], n_bins=0), "n_bins must be an integer >= 1"),
    (lambda: logit_loss("cat", ("cat", "dog"), [np.nan, 0.0]), "logits must be finite"),
    (lambda: logit_loss("cow", ("cat", "dog"), [0.0, 0.0]), "not one of the classes"),
    (lambda: logit_loss("cat", ("cat", "dog"), [0.0, 0.0, 1.0]), "one value per class"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
