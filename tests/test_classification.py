"""Tests for klutils.classification and klutils.distributions: losses against hand formulas,
one-hot labels, mixing with the uniform, the loss from logits; softmax regression and
distillation against scipy's softmax, finite differences and the known optima."""

import math

import numpy as np
import pytest
from scipy.special import log_softmax, softmax

import klutils
from klutils import cross_entropy, kl_divergence
from klutils.classification import (
    SoftmaxFit,
    accuracy,
    distill_softmax_regression,
    distillation_gradient,
    distillation_loss,
    log_loss,
    logit_loss,
    make_blobs,
    per_example_log_loss,
    reliability_curve,
    soften,
    softmax_regression_fit,
)
from klutils.distributions import mix_with_uniform, one_hot

SEED = 7
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


# ---------------------------------------------------------------------------------------------
# Training: softmax regression and distillation
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(np.random.default_rng(SEED), n_points=150)


def mean_cross_entropy(X, targets, weights, bias):
    """The training loss written independently with scipy's log_softmax."""
    return -np.mean(np.sum(targets * log_softmax(X @ weights + bias, axis=1), axis=1))


def finite_difference(f, x, h=1e-6):
    """Central differences of the scalar function f at every entry of x."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def test_make_blobs_is_balanced_seeded_and_centred_on_a_circle():
    X, y = make_blobs(np.random.default_rng(1), n_points=3000, n_classes=3, radius=2.0)
    assert X.shape == (3000, 2) and np.bincount(y).tolist() == [1000, 1000, 1000]
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    expected = 2.0 * np.array([[1, 0], [-0.5, math.sqrt(3) / 2], [-0.5, -math.sqrt(3) / 2]])
    np.testing.assert_allclose(centres, expected, atol=0.1)
    X2, y2 = make_blobs(np.random.default_rng(1), n_points=3000)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("kwargs, match", [
    ({"rng": 1}, "rng must be a numpy.random.Generator"),
    ({"n_points": 0}, "n_points must be an integer >= 1"),
    ({"n_classes": 1}, "n_classes must be an integer >= 2"),
    ({"radius": -1.0}, "radius must be positive"),
    ({"spread": np.inf}, "spread must be a finite number"),
])
def test_make_blobs_rejects_bad_input(kwargs, match):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ValueError, match=match):
        make_blobs(**kwargs)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_cross_entropy_is_label_entropy_plus_kl_at_every_epoch(blobs, eps):
    X, y = blobs
    fit = softmax_regression_fit(X, y, n_classes=3, lr=0.5, epochs=60, label_smoothing=eps)
    h = fit.history
    assert all(len(values) == 61 for values in h.values())
    np.testing.assert_allclose(h["cross_entropy"], h["entropy"] + h["kl"], rtol=1e-12, atol=1e-15)
    big, small = 1 - eps + eps / 3, eps / 3
    label_entropy = -(big * math.log(big) + (2 * math.log(small) * small if eps else 0.0))
    np.testing.assert_allclose(h["entropy"], label_entropy, rtol=1e-13, atol=1e-300)
    if eps == 0:
        assert np.all(h["entropy"] == 0)  # one-hot targets: the cross-entropy is the KL
        np.testing.assert_allclose(h["cross_entropy"], h["kl"], rtol=1e-13)
    assert math.isclose(h["cross_entropy"][0], math.log(3), rel_tol=1e-14)  # uniform start


def test_training_loss_decreases_and_matches_an_independent_computation(blobs):
    X, y = blobs
    eps = 0.1
    fit = softmax_regression_fit(X, y, n_classes=3, lr=0.5, epochs=100, label_smoothing=eps)
    assert isinstance(fit, SoftmaxFit)
    ce = fit.history["cross_entropy"]
    assert np.all(np.diff(ce) <= 1e-12)  # full-batch descent with a small step: monotone
    assert ce[-1] < 0.5 * ce[0]
    targets = (1 - eps) * np.eye(3)[y] + eps / 3
    assert math.isclose(ce[-1], mean_cross_entropy(X, targets, fit.weights, fit.bias),
                        rel_tol=1e-12)
    klutils_ce = np.mean(cross_entropy(targets, fit.probabilities(X)))
    assert math.isclose(ce[-1], klutils_ce, rel_tol=1e-12)
    accuracy = np.mean(np.argmax(fit.logits(X), axis=1) == y)
    assert fit.history["accuracy"][-1] == accuracy > 0.8


def test_long_training_reaches_a_stationary_point(blobs):
    X, y = blobs
    fit = softmax_regression_fit(X, y, n_classes=3, lr=2.0, epochs=800, label_smoothing=0.2)
    targets = 0.8 * np.eye(3)[y] + 0.2 / 3
    grad_w = finite_difference(lambda w: mean_cross_entropy(X, targets, w, fit.bias), fit.weights)
    grad_b = finite_difference(lambda b: mean_cross_entropy(X, targets, fit.weights, b), fit.bias)
    assert np.abs(grad_w).max() < 1e-4 and np.abs(grad_b).max() < 1e-4


@pytest.mark.parametrize("args, kwargs, match", [
    (([[1.0], [2.0]], [0, 3]), {}, r"y must lie in \[0, 1\]"),
    (([[1.0], [2.0]], [0.0, 1.0]), {}, "y must hold integers"),
    (([[1.0], [2.0]], [0]), {}, "one label per row"),
    (([1.0, 2.0], [0, 1]), {}, "X must have 2 dimension"),
    (([[1.0], [np.nan]], [0, 1]), {}, "X must be finite"),
    (([[1.0], [2.0]], [0, 1]), {"lr": 0.0}, "lr must be positive"),
    (([[1.0], [2.0]], [0, 1]), {"epochs": 0}, "epochs must be an integer"),
    (([[1.0], [2.0]], [0, 1]), {"label_smoothing": 1.0}, r"label_smoothing must lie in \[0, 1\)"),
    (([[1.0], [2.0]], [0, 1]), {"label_smoothing": -0.1}, "label_smoothing must lie in"),
])
def test_softmax_regression_rejects_bad_input(args, kwargs, match):
    X, y = args
    with pytest.raises(ValueError, match=match):
        softmax_regression_fit(X, y, 2, **kwargs)


def test_softmax_fit_checks_the_input_width(blobs):
    X, y = blobs
    fit = softmax_regression_fit(X, y, n_classes=3, epochs=1)
    with pytest.raises(ValueError, match="X must have 2 columns"):
        fit.logits(np.ones((4, 3)))
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        softmax_regression_fit(X, y, n_classes=1)


def test_soften_flattens_with_temperature():
    z = np.array([3.0, 1.0, -2.0])
    np.testing.assert_allclose(soften(z, 1.0), softmax(z), rtol=1e-15)
    np.testing.assert_allclose(soften(z, 1e6), np.full(3, 1 / 3), rtol=1e-5)
    np.testing.assert_allclose(soften(z, 1e-3), [1.0, 0.0, 0.0], atol=1e-300)
    tops = [soften(z, t)[0] for t in (0.5, 1, 2, 4, 8)]
    assert np.all(np.diff(tops) < 0)
    batch = soften(np.array([z, -z]), 2.0)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.nan, "2"])
def test_soften_rejects_a_bad_temperature(temperature):
    with pytest.raises(ValueError, match="temperature must be"):
        soften([1.0, 2.0], temperature)


def test_distillation_loss_is_zero_for_an_identical_student_and_matches_a_hand_sum():
    rng = np.random.default_rng(SEED)
    teacher = 3 * rng.standard_normal((5, 4))
    for t in (0.5, 1.0, 4.0):
        assert np.all(distillation_loss(teacher, teacher, t) == 0.0)
        assert np.all(distillation_loss(teacher, teacher + 7.0, t) < 1e-14)  # a shift is nothing
    student = rng.standard_normal((5, 4))
    p, q = softmax(teacher / 3, axis=1), softmax(student / 3, axis=1)
    hand = 9 * np.sum(p * np.log(p / q), axis=1)
    np.testing.assert_allclose(distillation_loss(teacher, student, 3.0), hand, rtol=1e-12)
    np.testing.assert_allclose(distillation_loss(teacher, student, 3.0),
                               9 * kl_divergence(p, q), rtol=1e-12)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 10.0])
def test_distillation_gradient_matches_finite_differences(temperature):
    rng = np.random.default_rng(SEED)
    teacher, student = 2 * rng.standard_normal(4), rng.standard_normal(4)
    numeric = finite_difference(lambda s: distillation_loss(teacher, s, temperature), student)
    np.testing.assert_allclose(distillation_gradient(teacher, student, temperature), numeric,
                               rtol=1e-6, atol=1e-9)


def test_the_t_squared_factor_keeps_the_gradient_size():
    teacher, student = np.array([2.0, 0.0, -1.0]), np.array([0.0, 0.5, 0.0])
    sizes = [np.abs(distillation_gradient(teacher, student, t)).max() for t in (5, 50, 500)]
    assert max(sizes) / min(sizes) < 1.2  # without T^2 they would shrink by 10^4


@pytest.mark.parametrize("args, match", [
    (([1.0, 2.0], [1.0, 2.0, 3.0], 1.0), "same shape"),
    (([1.0, np.nan], [1.0, 2.0], 1.0), "teacher_logits must be finite"),
    (([1.0, 2.0], [1.0, 2.0], 0.0), "temperature must be"),
])
def test_distillation_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        distillation_loss(*args)
    with pytest.raises(ValueError, match=match):
        distillation_gradient(*args)


def test_distilled_student_recovers_a_linear_teacher(blobs):
    X, _ = blobs
    w_true, b_true = np.array([[1.5, -0.5, 0.0], [0.0, 1.0, -1.0]]), np.array([0.2, 0.0, -0.2])
    teacher = X @ w_true + b_true
    student = distill_softmax_regression(X, teacher, temperature=2.0, lr=2.0, epochs=400)
    loss = student.history["distillation_loss"]
    assert np.all(np.diff(loss) <= 1e-12) and loss[-1] < 1e-6 * loss[0]
    assert student.history["agreement"][-1] == 1.0
    np.testing.assert_allclose(student.logits(X) - student.logits(X).mean(axis=1, keepdims=True),
                               teacher - teacher.mean(axis=1, keepdims=True), atol=1e-3)
    assert math.isclose(student.history["kl"][-1],
                        np.mean(kl_divergence(softmax(teacher, axis=1), student.probabilities(X))),
                        rel_tol=1e-6, abs_tol=1e-15)


def test_distill_rejects_mismatched_shapes(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="one row of at least 2 logits"):
        distill_softmax_regression(X, np.zeros((len(X) - 1, 3)), temperature=1.0)
    with pytest.raises(ValueError, match="temperature must be"):
        distill_softmax_regression(X, np.zeros((len(X), 3)), temperature=-1.0)
