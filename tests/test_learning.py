"""Tests for klutils.learning: softmax regression, the VAE KL term, distillation, policy updates
and the chapter 7 widget.

References are independent: scipy's softmax and log-densities, finite differences for
gradients, Monte Carlo averages for closed forms, and the known optima of the small models.
"""

import base64
import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import stats
from scipy.special import log_softmax, softmax

from klutils import cross_entropy, kl_divergence
from klutils.learning import (
    EncoderFit,
    SoftmaxFit,
    VAEKLWidget,
    distill_softmax_regression,
    distillation_gradient,
    distillation_loss,
    gaussian_encoder_fit,
    kl_penalty_bandit,
    make_blobs,
    plot_vae_kl,
    policy_kl,
    soften,
    softmax_regression_fit,
    vae_kl,
    vae_kl_gradient,
    vae_kl_readout,
    vae_kl_widget,
)
from klutils.plots import P_COLOR, Q_COLOR

SEED = 7


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


# ---------------------------------------------------------------------------------------------
# data and softmax regression
# ---------------------------------------------------------------------------------------------


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
    ({"radius": -1.0}, "radius must be a finite number"),
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
        assert np.all(h["entropy"] == 0) and np.array_equal(h["cross_entropy"], h["cross_entropy"])
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
    (([[1.0], [2.0]], [0, 3]), {}, "must hold integer class labels"),
    (([[1.0], [2.0]], [0.0, 1.0]), {}, "must hold integer class labels"),
    (([[1.0], [2.0]], [0]), {}, "one label per row"),
    (([1.0, 2.0], [0, 1]), {}, "X must have 2 dimension"),
    (([[1.0], [np.nan]], [0, 1]), {}, "X must be finite"),
    (([[1.0], [2.0]], [0, 1]), {"lr": 0.0}, "lr must be a finite number"),
    (([[1.0], [2.0]], [0, 1]), {"epochs": 0}, "epochs must be an integer"),
    (([[1.0], [2.0]], [0, 1]), {"label_smoothing": 1.0}, "label_smoothing must be in"),
    (([[1.0], [2.0]], [0, 1]), {"label_smoothing": -0.1}, "label_smoothing must be a finite"),
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


# ---------------------------------------------------------------------------------------------
# the VAE KL term
# ---------------------------------------------------------------------------------------------


def test_vae_kl_is_zero_at_the_prior_and_matches_the_formula():
    assert vae_kl(0.0, 0.0) == 0.0
    assert vae_kl(np.zeros(5), np.zeros(5)) == 0.0
    mu = np.array([[0.3, -1.2, 2.0], [0.0, 0.5, -0.1]])
    log_var = np.array([[-0.5, 0.2, -3.0], [1.0, 0.0, -0.2]])
    hand = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var, axis=-1)
    np.testing.assert_allclose(vae_kl(mu, log_var), hand, rtol=1e-13)
    assert isinstance(vae_kl([0.3, 0.1], [0.0, 0.0]), float)
    assert vae_kl(mu, log_var).shape == (2,)


def test_vae_kl_equals_a_monte_carlo_estimate_within_its_standard_error():
    rng = np.random.default_rng(SEED)
    mu, log_var = np.array([1.0, -0.5, 0.2]), np.array([-1.0, 0.5, 0.0])
    sigma = np.exp(0.5 * log_var)
    z = mu + sigma * rng.standard_normal((200_000, 3))
    log_ratio = (stats.norm(mu, sigma).logpdf(z) - stats.norm(0, 1).logpdf(z)).sum(axis=1)
    stderr = log_ratio.std(ddof=1) / math.sqrt(len(z))
    assert abs(log_ratio.mean() - vae_kl(mu, log_var)) < 4 * stderr
    assert stderr < 0.01  # the test has teeth: the KL is 1.02 nats


def test_vae_kl_gradient_matches_finite_differences():
    mu, log_var = np.array([0.7, -1.1]), np.array([0.4, -2.0])
    g_mu, g_log_var = vae_kl_gradient(mu, log_var)
    np.testing.assert_allclose(g_mu, finite_difference(lambda m: vae_kl(m, log_var), mu),
                               rtol=1e-7)
    np.testing.assert_allclose(g_log_var,
                               finite_difference(lambda v: vae_kl(mu, v), log_var), rtol=1e-7)


@pytest.mark.parametrize("args, match", [
    (([1.0, 2.0], [0.0, 0.0, 0.0]), "same \\(or broadcastable\\) shapes"),
    ((np.nan, 0.0), "mu must be finite"),
    ((0.0, np.inf), "log_var must be finite"),
    ((0.0, 800.0), "log_var must lie in"),
    (([], []), "mu is empty"),
    (("a", 0.0), "mu must hold real numbers"),
])
def test_vae_kl_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        vae_kl(*args)


@pytest.mark.parametrize("beta", [0.5, 1.0, 4.0])
def test_gaussian_encoder_fit_reaches_the_known_optimum(beta):
    x = np.array([-2.0, 0.0, 1.0, 3.0])
    s2 = 0.5
    fit = gaussian_encoder_fit(x, decoder_var=s2, beta=beta, lr=0.1, steps=600)
    assert isinstance(fit, EncoderFit)
    np.testing.assert_allclose(fit.mu, x / (1 + beta * s2), atol=1e-6)
    np.testing.assert_allclose(np.exp(fit.log_var), beta * s2 / (1 + beta * s2), rtol=1e-6)
    loss = fit.history["loss"]
    assert np.all(np.diff(loss) <= 1e-12) and loss[-1] < loss[0]
    assert math.isclose(fit.history["kl"][-1], np.mean(vae_kl(fit.mu[:, None],
                                                              fit.log_var[:, None])),
                        rel_tol=1e-12)
    assert fit.history["kl"][0] == 0.0  # it starts at the prior


def test_larger_beta_pulls_codes_toward_the_prior():
    x = np.array([-2.0, 1.0, 3.0])
    kls = [gaussian_encoder_fit(x, beta=b, steps=400).history["kl"][-1] for b in (0.5, 1, 2, 4)]
    assert np.all(np.diff(kls) < 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"x": [[1.0]]}, "x must have 1 dimension"),
    ({"decoder_var": 0.0}, "decoder_var must be a finite number"),
    ({"beta": -1.0}, "beta must be a finite number"),
    ({"steps": 0}, "steps must be an integer"),
])
def test_gaussian_encoder_fit_rejects_bad_input(kwargs, match):
    kwargs = {"x": [1.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        gaussian_encoder_fit(**kwargs)


# ---------------------------------------------------------------------------------------------
# distillation
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# policy updates
# ---------------------------------------------------------------------------------------------


def test_policy_kl_is_the_kl_of_the_softmax_policies():
    old, new = np.array([[0.5, 0.0, -1.0], [2.0, 2.0, 2.0]]), np.array([[0.0, 1.0, 0.0]])
    expected = kl_divergence(softmax(old, axis=1), softmax(new, axis=1))
    np.testing.assert_allclose(policy_kl(old, new), expected, rtol=1e-13)
    assert policy_kl([1.0, 2.0], [1.0, 2.0]) == 0.0


REWARDS = [1.0, 0.8, 0.2, 0.0]


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_kl_penalty_bounds_each_step_by_its_reward_gain(beta):
    run = kl_penalty_bandit(REWARDS, beta=beta, lr=1.0, steps=20)
    gain = np.diff(run.expected_reward)
    assert np.all(gain > 0)
    assert np.all(beta * run.step_kl <= gain + 1e-12)  # J_new - beta KL >= J_old
    np.testing.assert_allclose(run.step_kl,
                               kl_divergence(run.probabilities[:-1], run.probabilities[1:]),
                               rtol=1e-12)


def test_a_larger_penalty_gives_smaller_steps():
    largest = [kl_penalty_bandit(REWARDS, beta=b, lr=1.0, steps=10).step_kl.max()
               for b in (0.0, 0.5, 1.0, 2.0)]
    assert np.all(np.diff(largest) < 0)


def test_without_penalty_it_is_plain_gradient_ascent_on_the_expected_reward():
    r = np.array(REWARDS)
    run = kl_penalty_bandit(r, beta=0.0, lr=0.5, steps=1, inner_steps=1)

    def expected_reward(theta):
        return softmax(theta) @ r

    theta0 = np.zeros(4)
    np.testing.assert_allclose(run.logits[1],
                               theta0 + 0.5 * finite_difference(expected_reward, theta0),
                               rtol=1e-8)


@pytest.mark.parametrize("kwargs, match", [
    ({"rewards": [1.0]}, "at least 2 arms"),
    ({"rewards": [[1.0, 0.0]]}, "rewards must have 1 dimension"),
    ({"beta": -0.1}, "beta must be a finite number"),
    ({"lr": 0.0}, "lr must be a finite number"),
    ({"steps": 0}, "steps must be an integer"),
    ({"inner_steps": 1.5}, "inner_steps must be an integer"),
    ({"initial_logits": [0.0, 0.0, 0.0]}, "one logit per arm"),
])
def test_kl_penalty_bandit_rejects_bad_input(kwargs, match):
    kwargs = {"rewards": REWARDS, "beta": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        kl_penalty_bandit(**kwargs)


# ---------------------------------------------------------------------------------------------
# the widget
# ---------------------------------------------------------------------------------------------


def png_of(widget):
    [output] = widget.output.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_widget_slider_changes_readout_figure_and_kl():
    w = vae_kl_widget()
    assert isinstance(w, VAEKLWidget)
    assert w.kl == 0.0 and "KL(Q ‖ P) = 0.0000 nats" in w.readout.value
    assert w.readout in w.children and w.output in w.children
    before = png_of(w)
    assert before.startswith(b"\x89PNG")
    w.mu_slider.value = 1.0
    assert w.kl == 0.5 and "KL(Q ‖ P) = 0.5000 nats" in w.readout.value
    w.log_var_slider.value = -1.0
    expected = 0.5 * (1.0 + math.exp(-1.0) - 1.0 + 1.0)
    assert math.isclose(w.kl, expected, rel_tol=1e-14)
    assert f"{expected:.4f} nats" in w.readout.value
    assert png_of(w) != before
    assert f"{expected:.3f} nats" in w.figure.axes[0].get_title()


def test_readout_splits_the_kl_into_a_mean_and_a_spread_part():
    text = vae_kl_readout(2.0, math.log(4.0))
    spread = 0.5 * (4.0 - 1.0 - math.log(4.0))
    assert "mean part ½μ² 2.0000" in text and f"{spread:.4f}" in text
    assert f"KL(Q ‖ P) = {2.0 + spread:.4f} nats" in text


def test_plot_vae_kl_draws_prior_and_encoder_in_the_course_colours():
    ax = Figure().subplots()
    kl = plot_vae_kl(ax, mu=1.0, log_var=-1.0)
    assert kl == vae_kl(1.0, -1.0)
    colours = [line.get_color() for line in ax.lines]
    assert colours == [P_COLOR, Q_COLOR]
    z, density = ax.lines[1].get_data()
    np.testing.assert_allclose(density, stats.norm(1.0, math.exp(-0.5)).pdf(z), rtol=1e-12)
    assert "nats" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("kwargs, match", [
    ({"mu": 5.0}, "mu must be a finite number in"),
    ({"log_var": -10.0}, "log_var must be a finite number in"),
    ({"mu": "0"}, "mu must be a real number"),
])
def test_widget_rejects_out_of_range_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        vae_kl_widget(**kwargs)
