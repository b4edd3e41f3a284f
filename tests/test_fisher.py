"""Tests of klutils.fisher: each closed form against the definition E[score score^T] computed by
mpmath (derivatives and sums or integrals at 40 digits), against the measured curvature of the
KL divergence, the change of coordinates, and the quadratic approximation's regime."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from klutils import kl_bernoulli, kl_divergence_from_logits, kl_normal
from klutils.fisher import (
    fisher_bernoulli,
    fisher_categorical,
    fisher_normal,
    kl_curvature,
    quadratic_kl,
)


def score_outer(log_p, theta, outcomes, weights):
    """E[score score^T] at 40 digits: log_p(outcome, *theta), derivatives by mpmath.diff."""
    k = len(theta)
    with mpmath.workdps(40):
        theta = [mpmath.mpf(t) for t in theta]
        total = mpmath.matrix(k, k)
        for x in outcomes:
            grad = [mpmath.diff(lambda v, i=i, x=x: log_p(x, *(theta[:i] + [v] + theta[i + 1:])),
                                theta[i]) for i in range(k)]
            w = weights(x, *theta)
            for i in range(k):
                for j in range(k):
                    total[i, j] += w * grad[i] * grad[j]
        return np.array(total.tolist(), dtype=float)


@pytest.mark.parametrize("p", [1e-6, 0.01, 0.3, 0.5, 0.9, 1 - 1e-6])
def test_bernoulli_against_the_definition(p):
    def log_p(x, t):
        return mpmath.log(t if x else 1 - t)

    def log_p_logodds(x, eta):
        return mpmath.log(1 / (1 + mpmath.exp(-eta)) if x else 1 / (1 + mpmath.exp(eta)))

    def weights(x, t):
        return t if x else 1 - t

    expected = score_outer(log_p, [p], [0, 1], weights)[0, 0]
    assert fisher_bernoulli(p) == pytest.approx(expected, rel=1e-14)
    eta = math.log(p / (1 - p))
    expected = score_outer(log_p_logodds, [eta], [0, 1],
                           lambda x, e: weights(x, 1 / (1 + mpmath.exp(-e))))[0, 0]
    assert fisher_bernoulli(p, coordinates="log-odds") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("p", [[0.5, 0.5], [0.2, 0.3, 0.5], [0.97, 0.01, 0.01, 0.01],
                               list(np.full(12, 1 / 12))])
def test_categorical_against_the_definition(p):
    k = len(p)
    logits = [math.log(v) for v in p]

    def log_softmax(x, *z):
        return z[x] - mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))

    def softmax_weight(x, *z):
        return mpmath.exp(log_softmax(x, *z))

    expected = score_outer(log_softmax, logits, range(k), softmax_weight)
    np.testing.assert_allclose(fisher_categorical(p), expected, rtol=1e-12, atol=1e-15)

    def log_free(x, *free):
        return mpmath.log(free[x] if x < k - 1 else 1 - mpmath.fsum(free))

    def free_weight(x, *free):
        return free[x] if x < k - 1 else 1 - mpmath.fsum(free)

    expected = score_outer(log_free, p[:-1], range(k), free_weight)
    np.testing.assert_allclose(fisher_categorical(p, coordinates="probabilities"), expected,
                               rtol=1e-12)


def test_categorical_logits_are_singular_and_match_the_coin():
    matrix = fisher_categorical([0.2, 0.3, 0.5])
    np.testing.assert_allclose(matrix @ np.ones(3), 0.0, atol=1e-16)
    assert np.all(np.linalg.eigvalsh(matrix) > -1e-16)
    coin = fisher_categorical([0.7, 0.3])  # the log-odds of heads is z_1 - z_0
    assert coin[1, 1] == pytest.approx(fisher_bernoulli(0.3, coordinates="log-odds"), rel=1e-15)


@pytest.mark.parametrize("sigma", [1e-3, 0.5, 1.0, 30.0])
def test_normal_against_the_definition(sigma):
    with mpmath.workdps(30):
        s = mpmath.mpf(sigma)
        density = [lambda x: mpmath.npdf(x, 0, s)]
        scores = {"mu": lambda x: x / s**2, "sigma": lambda x: -1 / s + x**2 / s**3,
                  "log sigma": lambda x: -1 + x**2 / s**2}

        def expect(f):
            return mpmath.quad(lambda x: density[0](x) * f(x), [-mpmath.inf, 0, mpmath.inf])
        mu_mu = expect(lambda x: scores["mu"](x) ** 2)
        mu_sigma = expect(lambda x: scores["mu"](x) * scores["sigma"](x))
        sigma_sigma = expect(lambda x: scores["sigma"](x) ** 2)
        log_log = expect(lambda x: scores["log sigma"](x) ** 2)
    np.testing.assert_allclose(fisher_normal(sigma), [[float(mu_mu), float(mu_sigma)],
                                                      [float(mu_sigma), float(sigma_sigma)]],
                               rtol=1e-12, atol=1e-12 / sigma**2)
    assert fisher_normal(sigma, coordinates="mu, log sigma")[1, 1] == pytest.approx(
        float(log_log), rel=1e-12)


# --- the curvature of KL ------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.001, 0.1, 0.5, 0.93])
def test_bernoulli_fisher_is_the_curvature_of_kl(p):
    assert kl_curvature(kl_bernoulli, p, step=1e-5 * p) == pytest.approx(fisher_bernoulli(p),
                                                                         rel=1e-7)
    assert kl_curvature(lambda a, b: kl_bernoulli(b, a), p, step=1e-5 * p) == pytest.approx(
        fisher_bernoulli(p), rel=1e-7)  # the other direction: the same curvature

    def kl_logodds(eta, eta_prime):
        return kl_bernoulli(1 / (1 + math.exp(-eta)), 1 / (1 + math.exp(-eta_prime)))
    assert kl_curvature(kl_logodds, math.log(p / (1 - p))) == pytest.approx(
        fisher_bernoulli(p, coordinates="log-odds"), rel=1e-7)


def test_categorical_and_normal_fisher_are_curvatures_of_kl():
    z = np.log([0.2, 0.3, 0.5])
    measured = kl_curvature(kl_divergence_from_logits, z)
    np.testing.assert_allclose(measured, fisher_categorical(np.exp(z)), rtol=1e-6, atol=1e-9)

    def kl_gauss(theta, theta_prime):
        return kl_normal(theta[0], theta[1], theta_prime[0], theta_prime[1])

    def kl_gauss_log(theta, theta_prime):
        return kl_normal(theta[0], math.exp(theta[1]), theta_prime[0], math.exp(theta_prime[1]))
    np.testing.assert_allclose(kl_curvature(kl_gauss, [1.0, 2.0]), fisher_normal(2.0),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(kl_curvature(kl_gauss_log, [1.0, math.log(2.0)]),
                               fisher_normal(2.0, coordinates="mu, log sigma"), rtol=1e-7,
                               atol=1e-9)


def test_the_change_of_coordinates():
    """I in log-odds = I in p times (dp/d eta)^2; I in (mu, log sigma) = J^T I J."""
    for p in [0.01, 0.4, 0.8]:
        slope = p * (1 - p)  # dp / d eta
        assert fisher_bernoulli(p) * slope**2 == pytest.approx(
            fisher_bernoulli(p, coordinates="log-odds"), rel=1e-14)
    jacobian = np.diag([1.0, 3.0])  # d(mu, sigma) / d(mu, log sigma) at sigma = 3
    np.testing.assert_allclose(jacobian.T @ fisher_normal(3.0) @ jacobian,
                               fisher_normal(3.0, coordinates="mu, log sigma"), rtol=1e-15)


@pytest.mark.parametrize("p", [0.02, 0.5, 0.9])
def test_the_quadratic_approximation_and_its_regime(p):
    """The relative error of 1/2 I delta^2 shrinks like delta (third order) in both directions,
    and at delta = p (q = 2p) it is far from KL: the approximation is local."""
    errors = []
    for delta in [1e-1 * p * (1 - p), 1e-2 * p * (1 - p), 1e-3 * p * (1 - p)]:
        approx = quadratic_kl(fisher_bernoulli(p), delta)
        forward = kl_bernoulli(p, p + delta)
        backward = kl_bernoulli(p + delta, p)
        errors.append(abs(approx - forward) / forward)
        assert abs(approx - backward) / backward < 2 * errors[-1] + 1e-12
    assert errors[1] < 0.15 * errors[0] and errors[2] < 0.15 * errors[1]
    if p < 0.5:
        assert abs(quadratic_kl(fisher_bernoulli(p), p) - kl_bernoulli(p, 2 * p)) \
            > 0.1 * kl_bernoulli(p, 2 * p)


def test_quadratic_kl_shapes():
    assert quadratic_kl(2.0, 3.0) == 9.0
    np.testing.assert_allclose(quadratic_kl(np.eye(2), [[1.0, 0.0], [1.0, 1.0]]), [0.5, 1.0])
    with pytest.raises(ValueError, match="square"):
        quadratic_kl(np.ones((2, 3)), [1.0, 1.0])
    with pytest.raises(ValueError, match="last axis"):
        quadratic_kl(np.eye(2), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        quadratic_kl(np.eye(2), [1.0, math.nan])


@pytest.mark.parametrize("call, message", [
    (lambda: fisher_bernoulli(0.0), "strictly between"),
    (lambda: fisher_bernoulli([0.5, 1.0]), "strictly between"),
    (lambda: fisher_bernoulli(0.5, coordinates="logit"), "coordinates"),
    (lambda: fisher_categorical([1.0]), "at least two"),
    (lambda: fisher_categorical([0.5, 0.5, 0.0]), "positive"),
    (lambda: fisher_categorical([0.5, 0.6]), "sum to 1"),
    (lambda: fisher_categorical([0.5, 0.5], coordinates="probability"), "coordinates"),
    (lambda: fisher_normal(0.0), "positive"),
    (lambda: fisher_normal(1.0, coordinates="sigma"), "coordinates"),
    (lambda: kl_curvature("kl", 0.5), "function"),
    (lambda: kl_curvature(kl_bernoulli, 0.5, step=0.0), "positive"),
    (lambda: kl_curvature(lambda a, b: -1.0, 0.5), "finite number >= 0"),
    (lambda: kl_curvature(lambda a, b: math.nan, 0.5), "finite number >= 0"),
    (lambda: kl_curvature(kl_bernoulli, [[0.5]]), "1-D"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_batches_give_one_matrix_per_distribution():
    """A batch of distributions (any axis) or of standard deviations: the matrices' axes last,
    each equal to the single call."""
    rng = np.random.default_rng(4)
    batch = rng.dirichlet(np.ones(4), size=(2, 5))
    for coordinates in ["logits", "probabilities"]:
        stacked = fisher_categorical(batch, coordinates=coordinates)
        moved = fisher_categorical(np.moveaxis(batch, -1, 0), coordinates=coordinates, axis=0)
        size = 4 if coordinates == "logits" else 3
        assert stacked.shape == (2, 5, size, size)
        for index in np.ndindex(2, 5):
            single = fisher_categorical(batch[index], coordinates=coordinates)
            np.testing.assert_array_equal(stacked[index], single)
            np.testing.assert_array_equal(moved[index], single)
    sigmas = np.array([[0.5, 1.0, 3.0]])
    for coordinates in ["mu, sigma", "mu, log sigma"]:
        stacked = fisher_normal(sigmas, coordinates=coordinates)
        assert stacked.shape == (1, 3, 2, 2)
        for j, sigma in enumerate(sigmas[0]):
            np.testing.assert_array_equal(stacked[0, j],
                                          fisher_normal(float(sigma), coordinates=coordinates))
