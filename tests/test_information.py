"""Tests for klutils.information: the entropy decomposition and mutual information."""

import math

import numpy as np
import pytest

from klutils import entropy, kl_divergence
from klutils.information import (
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
    (np.full((2, 2, 2), 0.125), "each table of the stack.*batch index \\(0,\\)"),
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
