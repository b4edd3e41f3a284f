"""Tests of klutils.information's two-variable quantities: conditional entropy and the chain
rule, the information diagram, channels and the data-processing inequality, the best guess and
Fano's inequality. Accuracy is measured against 50-digit mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from klutils import entropy
from klutils.information import (
    bayes_error,
    channel_joint,
    conditional_entropy,
    fano_error_bound,
    information_diagram,
    joint_entropy,
    marginals,
    mutual_information,
)

UMBRELLA = [[0.01, 0.19], [0.06, 0.24], [0.40, 0.10]]  # chapter 4: weather x umbrella


def exact_conditional_entropy(joint) -> mpmath.mpf:
    """H(Y | X) in nats at 50 digits, from the float table's exact values."""
    with mpmath.workdps(50):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in joint]
        total = mpmath.fsum(mpmath.fsum(row) for row in rows)
        result = mpmath.mpf(0)
        for row in rows:
            px = mpmath.fsum(row) / total
            result += mpmath.fsum(-(v / total) * mpmath.log(v / total / px) for v in row if v > 0)
        return result


def random_tables(seed, n, shape, concentration=1.0):
    rng = np.random.default_rng(seed)
    size = shape[0] * shape[1]
    return rng.dirichlet(np.full(size, concentration), size=n).reshape(n, *shape)


# --- conditional entropy and the chain rule ---------------------------------------------------

def test_conditional_entropy_by_hand():
    table = [[0.25, 0.25], [0.5, 0.0]]
    assert conditional_entropy(table, base=2) == 0.5  # row 1: one bit, row 2: none
    # columns: (0.75: 1/3, 2/3) and (0.25: all in row 1)
    expected = 0.75 * (-(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3))
    assert conditional_entropy(table, given="y", base=2) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("shape, concentration", [((3, 2), 1.0), ((2, 7), 0.1), ((20, 20), 0.05),
                                                  ((1, 5), 1.0)])
def test_conditional_entropy_against_mpmath(shape, concentration):
    worst = 0.0
    for table in random_tables(1, 30, shape, concentration):
        table[table < 1e-300] = 0.0
        table /= table.sum()
        exact = exact_conditional_entropy(table)
        got = conditional_entropy(table)
        if exact == 0:
            assert got == 0.0
            continue
        worst = max(worst, float(abs(got - exact) / exact))
    assert worst < 1e-13


@pytest.mark.parametrize("seed", range(5))
def test_chain_rule_and_the_diagram_identities(seed):
    for shape, concentration in [((3, 4), 1.0), ((6, 2), 0.05), ((30, 30), 0.3)]:
        for table in random_tables(seed, 20, shape, concentration):
            d = information_diagram(table)
            scale = d.h_xy + 1e-300
            assert abs(d.h_xy - (d.h_x + d.h_y_given_x)) <= 1e-13 * scale  # chain rule
            assert abs(d.h_xy - (d.h_y + d.h_x_given_y)) <= 1e-13 * scale
            assert abs(d.mutual_information - (d.h_x - d.h_x_given_y)) <= 1e-13 * scale
            assert abs(d.mutual_information - (d.h_y - d.h_y_given_x)) <= 1e-13 * scale
            assert d.mutual_information >= 0
            assert 0 <= d.h_x_given_y <= d.h_x + 1e-13 and 0 <= d.h_y_given_x <= d.h_y + 1e-13


def test_diagram_of_the_extremes():
    independent = np.outer([0.2, 0.3, 0.5], [0.47, 0.53])
    d = information_diagram(independent, base=2)
    assert d.mutual_information < 1e-15
    assert d.h_y_given_x == pytest.approx(d.h_y, rel=1e-14)
    copy = np.diag([0.2, 0.3, 0.5])
    d = information_diagram(copy, base=2)
    assert d.h_x_given_y == 0 and d.h_y_given_x == 0
    assert d.mutual_information == pytest.approx(entropy([0.2, 0.3, 0.5], base=2), rel=1e-14)
    assert information_diagram([[1.0]]) == (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_diagram_of_the_umbrella_table():
    d = information_diagram(UMBRELLA, base=2)
    px, py = marginals(UMBRELLA)
    assert d.h_x == entropy(px, base=2) and d.h_y == entropy(py, base=2)
    assert d.h_xy == joint_entropy(UMBRELLA, base=2)
    assert d.mutual_information == mutual_information(UMBRELLA, base=2)


@pytest.mark.parametrize("kwargs, message", [
    ({"given": "z"}, "given"), ({"base": 1}, "base"), ({"base": -2}, "base")])
def test_conditional_entropy_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conditional_entropy(UMBRELLA, **kwargs)


@pytest.mark.parametrize("table, message", [([0.5, 0.5], "2-D"), ([[0.5, 0.6]], "sum to 1"),
                                            ([[1.5, -0.5]], "negative"),
                                            ([[np.nan, 1.0]], "NaN")])
def test_two_variable_functions_reject_bad_tables(table, message):
    for function in (conditional_entropy, information_diagram, bayes_error):
        with pytest.raises(ValueError, match=message):
            function(table)


def exact_mutual_information(joint) -> mpmath.mpf:
    """I(X; Y) in nats at 50 digits, from the float table's exact values (divided by its sum)."""
    with mpmath.workdps(50):
        rows = [[mpmath.mpf(float(v)) for v in row] for row in joint]
        total = mpmath.fsum(mpmath.fsum(row) for row in rows)
        px = [mpmath.fsum(row) / total for row in rows]
        py = [mpmath.fsum(row[j] for row in rows) / total for j in range(len(rows[0]))]
        return mpmath.fsum(v / total * mpmath.log(v / total / (px[i] * py[j]))
                           for i, row in enumerate(rows) for j, v in enumerate(row) if v > 0)


@pytest.mark.parametrize("shape, concentration", [((3, 2), 1.0), ((2, 7), 0.1), ((20, 20), 0.05),
                                                  ((4, 4), 200.0)])
def test_mutual_information_against_mpmath(shape, concentration):
    """Relative error below 1e-13, or eps sqrt(2 I) absolute (the rounding of the conditional
    distributions) for nearly independent tables; also tables with subnormal cells, whose
    product of marginals would underflow."""
    tables = list(random_tables(2, 30, shape, concentration))
    tables.append(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 5e-324]]))
    tables.append(np.array([[1 - 2e-300, 1e-300], [1e-300, 0.0]]))
    tables.append(np.outer([0.3, 0.7], [0.2, 0.8]) * (1 + 1e-13 * np.array([[1, -1], [-1, 1]])))
    for table in tables:
        exact = exact_mutual_information(table)
        got = mutual_information(table)
        assert abs(got - exact) <= 1e-13 * exact + 2.3e-16 * mpmath.sqrt(2 * exact) + 1e-320


def test_stacks_of_tables_give_one_value_per_table():
    """A stack along the leading axes (as numpy.linalg stacks matrices) equals table by table."""
    stack = random_tables(3, 12, (3, 4), 0.5).reshape(2, 6, 3, 4)
    for function in (mutual_information, joint_entropy, bayes_error,
                     lambda t: conditional_entropy(t, given="y", base=2)):
        got = function(stack)
        assert got.shape == (2, 6)
        expected = [[function(table) for table in row] for row in stack]
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    d = information_diagram(stack)
    assert all(np.shape(value) == (2, 6) for value in d)
    px, py = marginals(stack)
    assert px.shape == (2, 6, 3) and py.shape == (2, 6, 4)
    np.testing.assert_allclose(fano_error_bound(d.h_x_given_y, 3),
                               [[fano_error_bound(h, 3) for h in row] for row in d.h_x_given_y],
                               rtol=0, atol=0)


def test_tables_off_from_one_are_divided_by_their_sum():
    table = np.array(UMBRELLA) * (1 + 9e-7)
    for function in (mutual_information, joint_entropy, bayes_error, conditional_entropy):
        assert function(table) == pytest.approx(function(UMBRELLA), rel=1e-15)
    assert np.sum(channel_joint([0.2, 0.3, 0.5 + 9e-7], [[0.5, 0.5 + 9e-7]] * 3)) == \
        pytest.approx(1.0, rel=1e-15)


# --- channels and the data-processing inequality ----------------------------------------------

def test_channel_joint_by_hand_and_composition():
    p_x = [0.2, 0.3, 0.5]
    w_xy = [[0.05, 0.95], [0.2, 0.8], [0.8, 0.2]]
    joint = channel_joint(p_x, w_xy)
    np.testing.assert_allclose(joint, [[0.01, 0.19], [0.06, 0.24], [0.40, 0.10]], rtol=1e-15)
    w_yz = [[0.9, 0.1], [0.1, 0.9]]
    joint_xz = channel_joint(p_x, np.asarray(w_xy) @ w_yz)
    # by hand: P(x, z) = sum_y p(x) W(y|x) V(z|y)
    by_hand = np.array([[sum(p_x[i] * w_xy[i][j] * w_yz[j][k] for j in range(2))
                         for k in range(2)] for i in range(3)])
    np.testing.assert_allclose(joint_xz, by_hand, rtol=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_data_processing_for_mutual_information(seed):
    """I(X; Z) <= I(X; Y) along X -> Y -> Z, on random chains including nearly deterministic
    and nearly useless channels and many outcomes."""
    rng = np.random.default_rng(seed)
    for n_x, n_y, n_z, concentration in [(3, 2, 2, 1.0), (8, 8, 8, 0.05), (2, 50, 3, 0.3),
                                         (40, 40, 40, 20.0)]:
        for _ in range(20):
            p_x = rng.dirichlet(np.ones(n_x))
            w_xy = rng.dirichlet(np.full(n_y, concentration), size=n_x)
            w_yz = rng.dirichlet(np.full(n_z, concentration), size=n_y)
            i_xy = mutual_information(channel_joint(p_x, w_xy))
            i_xz = mutual_information(channel_joint(p_x, w_xy @ w_yz))
            assert i_xz <= i_xy * (1 + 1e-12) + 1e-300


def test_a_permutation_loses_nothing():
    p_x, w = [0.2, 0.3, 0.5], np.array([[0.05, 0.95], [0.2, 0.8], [0.8, 0.2]])
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert mutual_information(channel_joint(p_x, w @ swap)) == pytest.approx(
        mutual_information(channel_joint(p_x, w)), rel=1e-14)


@pytest.mark.parametrize("p_x, channel, message", [
    ([0.5, 0.5], [[1.0, 0.0]], "one row per input"),
    ([0.5, 0.5], [0.5, 0.5], "one row per input"),
    ([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]], "sum to 1"),
    ([0.5, 0.6], [[1.0], [1.0]], "sum to 1"),
])
def test_channel_joint_rejects_bad_input(p_x, channel, message):
    with pytest.raises(ValueError, match=message):
        channel_joint(p_x, channel)


# --- guessing: the Bayes error and Fano's inequality -----------------------------------------

def exact_fano(h_nats: float, k: int) -> mpmath.mpf:
    """The root of h(e) + e log(K - 1) = H in (0, (K-1)/K], by bisection on log e at 50 digits."""
    with mpmath.workdps(50):
        h = mpmath.mpf(h_nats)

        def excess(e):
            return (-e * mpmath.log(e) - (1 - e) * mpmath.log1p(-e)
                    + e * mpmath.log(k - 1) - h)
        low, high = mpmath.log(mpmath.mpf("1e-400")), mpmath.log(mpmath.mpf(k - 1) / k)
        for _ in range(400):
            middle = (low + high) / 2
            low, high = (middle, high) if excess(mpmath.exp(middle)) < 0 else (low, middle)
        return mpmath.exp((low + high) / 2)


@pytest.mark.parametrize("k", [2, 3, 4, 26, 1000])
def test_fano_bound_against_mpmath(k):
    worst = 0.0
    for fraction in [1e-300, 1e-200, 1e-8, 1e-3, 0.1, 0.5, 0.9, 0.999999]:
        h = fraction * math.log(k)
        got = fano_error_bound(h, k)
        exact = exact_fano(h, k)
        worst = max(worst, float(abs(got - exact) / exact))
    assert worst < 1e-13


def test_fano_bound_ends_and_units():
    assert fano_error_bound(0.0, 5) == 0.0
    assert fano_error_bound(math.log(3), 3) == pytest.approx(2 / 3, rel=1e-12)
    assert fano_error_bound(5.0, 3) == 2 / 3  # more doubt than log K: at most (K-1)/K
    assert fano_error_bound(1.0, 4, base=2) == pytest.approx(fano_error_bound(math.log(2), 4),
                                                             rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_fano_bound_holds_for_the_best_guess(seed):
    """The Bayes error is never below Fano's bound, on random tables, nearly deterministic
    ones and large ones."""
    for shape, concentration in [((3, 2), 1.0), ((4, 4), 0.02), ((26, 10), 0.5),
                                 ((2, 2), 50.0), ((50, 3), 1.0)]:
        for table in random_tables(seed, 30, shape, concentration):
            h = conditional_entropy(table, given="y")
            assert bayes_error(table) >= fano_error_bound(h, shape[0]) - 1e-12


def test_fano_is_tight_for_a_symmetric_channel():
    """When the errors spread evenly over the K - 1 wrong values, Fano holds with equality."""
    k, e = 4, 0.3
    table = np.full((k, k), e / (k - 1) / k)
    np.fill_diagonal(table, (1 - e) / k)
    h = conditional_entropy(table, given="y")
    assert bayes_error(table) == pytest.approx(e, rel=1e-13)
    assert fano_error_bound(h, k) == pytest.approx(e, rel=1e-12)


def test_bayes_error_by_hand():
    assert bayes_error(UMBRELLA) == pytest.approx(1 - (0.40 + 0.24), abs=1e-15)
    assert bayes_error(np.diag([0.2, 0.3, 0.5])) == 0.0
    assert bayes_error(np.outer([0.2, 0.3, 0.5], [0.5, 0.5])) == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("args, message", [((-0.1, 3), "non-negative"), ((math.nan, 3), "finite"),
                                           ((0.5, 1), ">= 2"), ((0.5, 2.0), "integer"),
                                           ((math.inf, 3), "finite")])
def test_fano_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        fano_error_bound(*args)


def test_the_diagram_is_drawn_for_one_table_only():
    from matplotlib.figure import Figure

    from klutils.plots import draw_information_diagram

    ax = Figure().subplots()
    with pytest.raises(ValueError, match="single 2-D table"):
        draw_information_diagram(ax, random_tables(0, 2, (2, 2)))
    assert not ax.patches


def test_fano_bound_for_subnormal_doubt():
    """Where brentq cannot bracket (H subnormal), the fixed point; below the smallest
    subnormal, 0."""
    assert fano_error_bound(5e-324, 2) == 0.0
    for h in [1e-310, 1e-200, 1e-101]:
        e = fano_error_bound(h, 2)
        residual = -e * math.log(e) - (1 - e) * math.log1p(-e) - h
        assert abs(residual) <= 1e-15 * h + 1000 * 5e-324  # subnormal e: ulps x log(1/e)
