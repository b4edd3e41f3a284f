"""Tests of klutils.f_divergences: the family's definition against the named members, each member
against exact rational arithmetic (hypothesis draws the hard inputs: subnormals, zeros, entries
next to 1, pairs one ulp apart, unnormalised sums), the inequalities between them where they are
tightest, and Pinsker's bound."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klutils import js_divergence, kl_bernoulli, kl_divergence
from klutils.f_divergences import (
    GENERATORS,
    FDivergences,
    chi_square_divergence,
    f_divergence,
    f_divergences,
    pinsker_bound,
    squared_hellinger,
    total_variation,
)

NAMED = {"total_variation": total_variation, "chi_square": chi_square_divergence,
         "squared_hellinger": squared_hellinger}


def random_pairs(seed, n_pairs, n_outcomes, concentration=1.0):
    rng = np.random.default_rng(seed)
    alpha = np.full(n_outcomes, concentration)
    return rng.dirichlet(alpha, size=n_pairs), rng.dirichlet(alpha, size=n_pairs)


# --- exact references -------------------------------------------------------------------------

def exact(name: str, p, q) -> mpmath.mpf:
    """The divergence of p / sum(p) from q / sum(q), from the floats' exact values: sums and
    differences as fractions (exact even for subnormals next to 1), square roots at 200 bits."""
    ps = [Fraction(float(v)) for v in p]
    qs = [Fraction(float(v)) for v in q]
    a, b = sum(ps), sum(qs)
    pairs = [(x / a, y / b) for x, y in zip(ps, qs, strict=True)]
    with mpmath.workprec(200):
        if name == "total_variation":
            return mpmath.mpf(sum(abs(x - y) for x, y in pairs) / 2)
        if name == "chi_square":
            if any(y == 0 < x for x, y in pairs):
                return mpmath.inf
            return mpmath.mpf(sum((x - y) ** 2 / y for x, y in pairs if x != y))
        if name == "squared_hellinger":
            def root(value):
                return mpmath.sqrt(mpmath.mpf(value.numerator) / value.denominator)
            return mpmath.fsum((x - y) ** 2 / (root(x) + root(y)) ** 2 for x, y in pairs
                               if x != y) / 2
        raise ValueError(name)


def relative_error(got: float, reference: mpmath.mpf, offsets: float = 0.0) -> float:
    """|got - reference| / reference, where a result in the subnormal range may be off by a few
    of its ulps (2**-1074 each), as the correctly rounded answer itself is, and the promised
    absolute error 1e-31 * (|sum p - 1| + |sum q - 1|) (``offsets``) counts as no error."""
    if reference == 0 or mpmath.isinf(reference):
        return 0.0 if got == reference else math.inf
    if reference > np.finfo(np.float64).max:  # beyond the float range: the answer is inf
        return 0.0 if got == math.inf else math.inf
    with mpmath.workprec(200):
        error = abs(mpmath.mpf(got) - reference)
        if error <= 4 * mpmath.mpf(2) ** -1074 + mpmath.mpf("1e-31") * offsets:
            return 0.0
        return float(error / reference)


# --- the definition and the named members agree -------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_the_definition_gives_each_named_member(seed):
    p, q = random_pairs(seed, 200, 6, 0.5)
    values = f_divergences(p, q)
    for name, generator in GENERATORS.items():
        np.testing.assert_allclose(f_divergence(p, q, generator), getattr(values, name),
                                   rtol=1e-10, atol=1e-15, err_msg=name)


def test_the_definition_at_the_edges_of_the_supports():
    p, q = [0.5, 0.5, 0.0], [0.0, 0.5, 0.5]  # each rules out an outcome the other allows
    values = f_divergences(p, q)
    assert values.kl == math.inf and values.reverse_kl == math.inf
    assert values.chi_square == math.inf
    for name, generator in GENERATORS.items():
        assert f_divergence(p, q, generator) == pytest.approx(getattr(values, name), rel=1e-14)
    disjoint = f_divergences([1.0, 0.0], [0.0, 1.0])
    assert disjoint.total_variation == 1.0 and disjoint.squared_hellinger == 1.0
    assert disjoint.jensen_shannon == pytest.approx(math.log(2), rel=1e-15)
    assert f_divergence([1.0, 0.0], [0.0, 1.0], GENERATORS["jensen_shannon"]) == pytest.approx(
        math.log(2), rel=1e-15)


def test_identical_inputs_give_exactly_zero():
    p = np.array([0.1, 0.2, 0.7])
    assert f_divergences(p, p) == FDivergences(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for generator in GENERATORS.values():
        assert f_divergence(p, p, generator) == 0.0


def test_batches_and_axis():
    p, q = random_pairs(5, 50, 4)
    for function in NAMED.values():
        np.testing.assert_allclose(function(p.T, q.T, axis=0), function(p, q), rtol=1e-15)
        single = np.array([function(x, y) for x, y in zip(p, q, strict=True)])
        np.testing.assert_allclose(function(p, q), single, rtol=1e-15)
        np.testing.assert_allclose(function(p, q[0]), [function(x, q[0]) for x in p], rtol=1e-15)


def test_a_learners_generator():
    """An alpha-divergence (alpha = 0): 4 (1 - sum sqrt(pq)) = 4 H^2, and bad generators."""
    p, q = random_pairs(8, 20, 5)
    value = f_divergence(p, q, lambda t: 4 * (1 - np.sqrt(t)) + 2 * (t - 1), slope_at_infinity=2.0)
    np.testing.assert_allclose(value, 4 * squared_hellinger(p, q), rtol=1e-12)
    with pytest.raises(ValueError, match="f\\(1\\) = 0"):
        f_divergence(p, q, lambda t: t ** 2)
    with pytest.raises(ValueError, match="not convex"):
        f_divergence([0.5, 0.5], [0.9, 0.1], lambda t: -(t - 1) ** 2)
    with pytest.raises(ValueError, match="slope_at_infinity"):
        f_divergence([0.5, 0.5], [1.0, 0.0], lambda t: (t - 1) ** 2)
    with pytest.raises(ValueError, match="function"):
        f_divergence([0.5, 0.5], [0.9, 0.1], "kl")
    with pytest.raises(ValueError, match="vectorised"):
        f_divergence([0.5, 0.5], [0.9, 0.1], lambda t: 0.0)
    with pytest.raises(ValueError, match="comes with the Generator"):
        f_divergence([0.5, 0.5], [0.9, 0.1], GENERATORS["kl"], slope_at_infinity=1.0)


@pytest.mark.parametrize("p, q, message", [
    ([0.5, 0.6], [0.5, 0.5], "sum to 1"), ([0.5, 0.5], [0.2, 0.3, 0.5], "same number"),
    ([-0.1, 1.1], [0.5, 0.5], "negative"), ([np.nan, 1.0], [0.5, 0.5], "NaN"), ([], [], "empty"),
])
def test_named_members_reject_bad_input(p, q, message):
    for function in (*NAMED.values(), f_divergences):
        with pytest.raises(ValueError, match=message):
            function(p, q)


# --- accuracy against exact arithmetic --------------------------------------------------------

EDGE_VALUES = [0.0, 5e-324, 1e-310, 1e-300, 1e-20, 1e-9, 0.5, 1 - 2 ** -53, 1.0]


@st.composite
def hard_pairs(draw):
    """Two distributions with entries drawn from edge values and ordinary ones; the second is
    sometimes the first nudged by a few ulps, and the first's sum may be off by a few ulps."""
    n = draw(st.integers(2, 12))
    entry = st.one_of(st.sampled_from(EDGE_VALUES), st.floats(0.0, 1.0))
    p = np.array(draw(st.lists(entry, min_size=n, max_size=n)))
    if p.sum() == 0:
        p[0] = 1.0
    p = p / p.sum()
    if draw(st.booleans()):
        ulps = np.array(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)))
        q = p.copy()
        for i, k in enumerate(ulps):
            for _ in range(abs(int(k))):
                q[i] = np.nextafter(q[i], np.inf if k > 0 else 0.0)
    else:
        q = np.array(draw(st.lists(entry, min_size=n, max_size=n)))
        if q.sum() == 0:
            q[-1] = 1.0
        q = q / q.sum()
    scale = draw(st.sampled_from([1.0, 1 + 2 ** -52, 1 - 2 ** -53, 1 + 2 ** -50]))
    return p * scale, q


@settings(max_examples=200, deadline=None)
@given(hard_pairs())
def test_named_members_against_mpmath(pair):
    p, q = pair
    offsets = abs(math.fsum([*p, -1.0])) + abs(math.fsum([*q, -1.0]))
    for name, function in NAMED.items():
        assert relative_error(function(p, q), exact(name, p, q), offsets) < 1e-14, name


@pytest.mark.parametrize("offset", [9e-7, -1e-9, 3e-12])
def test_sums_off_from_one(offset):
    """Inputs whose sums are off from 1 are divided by their sums exactly, also when the pair
    is nearly identical."""
    p, q = random_pairs(12, 20, 7, 0.3)
    nearly = [(np.array([0.25, 0.25, 0.5]), np.array([0.25, 0.25 + 1e-9, 0.5 - 1e-9])),
              (np.array([0.25, 0.25, 0.5]), np.array([0.25, np.nextafter(0.25, 1), 0.5]))]
    for x, y in [*zip(p, q, strict=True), *nearly]:
        x = x * (1 + offset)
        offsets = abs(math.fsum([*x, -1.0])) + abs(math.fsum([*y, -1.0]))
        for name, function in NAMED.items():
            assert relative_error(function(x, y), exact(name, x, y), offsets) < 1e-14, name


def test_beyond_the_float_range_is_inf_without_a_warning():
    with np.errstate(all="raise"):
        assert chi_square_divergence([0.5, 0.5], [1e-320, 1 - 1e-320]) == math.inf
        assert chi_square_divergence([0.5, 0.5, 0.0], [1e-320, 1e-320, 1.0]) == math.inf
        assert squared_hellinger([1.0, 0.0], [5e-324, 1.0]) == pytest.approx(1.0, rel=1e-15)


def test_worst_measured_errors_on_nearly_identical_pairs():
    """Pairs from 1e-2 down to one ulp apart, over 50 outcomes: the textbook forms lose every
    digit, the named members keep them."""
    rng = np.random.default_rng(11)
    for closeness in [1e-2, 1e-6, 1e-10, 1e-14]:
        p = rng.dirichlet(np.ones(50))
        q = p * (1 + closeness * rng.standard_normal(50))
        q = q / q.sum()
        for name, function in NAMED.items():
            assert relative_error(function(p, q), exact(name, p, q)) < 1e-14, (name, closeness)
    u = 2.0 ** -53
    assert squared_hellinger([0.5, 0.5], [0.5 + u, 0.5 - u]) == pytest.approx(u * u, rel=1e-14)
    assert chi_square_divergence([0.5, 0.5], [0.5 + u, 0.5 - u]) == pytest.approx(8 * u * u,
                                                                                   rel=1e-14)


# --- the inequalities between members, where they are tightest -----------------------------------

def adversarial_pairs(seed):
    """Random pairs near the boundary (tiny concentrations), skewed, with many outcomes, nearly
    equal, and the two-point pairs at which the bounds are tight."""
    rng = np.random.default_rng(seed)
    cases = [random_pairs(seed, 500, 2, 1.0), random_pairs(seed, 500, 5, 0.02),
             random_pairs(seed, 200, 1000, 0.1), random_pairs(seed, 500, 3, 50.0)]
    p = rng.dirichlet(np.ones(10), size=500)
    cases.append((p, np.abs(p * (1 + 1e-6 * rng.standard_normal(p.shape)))))
    cases[-1] = (cases[-1][0], cases[-1][1] / cases[-1][1].sum(axis=1, keepdims=True))
    t = np.linspace(0.0, 1.0, 201)[:, None]
    cases.append((np.hstack([t, 1 - t]), np.broadcast_to([0.5, 0.5], (201, 2))))
    cases.append((np.hstack([t, 1 - t]), np.broadcast_to([1e-12, 1 - 1e-12], (201, 2))))
    return cases


@pytest.mark.parametrize("seed", range(3))
def test_inequalities_between_members(seed):
    rounding = 1e-12
    for p, q in adversarial_pairs(seed):
        d = f_divergences(p, q)
        tv, h2 = d.total_variation, d.squared_hellinger
        assert np.all(h2 <= tv * (1 + rounding) + 1e-300)                 # H^2 <= TV
        assert np.all(tv <= np.sqrt(2 * h2) * (1 + rounding) + 1e-300)    # TV <= sqrt(2) H
        assert np.all(tv <= pinsker_bound(d.kl) * (1 + rounding))          # Pinsker
        assert np.all(d.kl <= np.log1p(d.chi_square) * (1 + rounding) + 1e-300)
        assert np.all(d.jensen_shannon <= math.log(2) * tv * (1 + rounding) + 1e-300)
        assert np.all(d.jensen_shannon <= math.log(2) * (1 + rounding))


def test_total_variation_by_hand_and_in_batches():
    assert total_variation([0.2, 0.3, 0.5], [0.6, 0.3, 0.1]) == pytest.approx(0.4, abs=1e-15)
    assert total_variation([1.0, 0.0], [0.0, 1.0]) == 1.0
    p, q = random_pairs(0, 50, 6)
    expected = [0.5 * sum(abs(a - b) for a, b in zip(x, y, strict=True))
                for x, y in zip(p, q, strict=True)]
    np.testing.assert_allclose(total_variation(p, q), expected, rtol=1e-13)
    np.testing.assert_allclose(total_variation(p.T, q.T, axis=0), expected, rtol=1e-13)


def test_total_variation_is_the_largest_event_difference():
    p, q = np.array([0.1, 0.4, 0.2, 0.3]), np.array([0.3, 0.1, 0.4, 0.2])
    events = [np.array([(k >> i) & 1 for i in range(4)], bool) for k in range(16)]
    assert total_variation(p, q) == pytest.approx(max(abs(p[e].sum() - q[e].sum())
                                                      for e in events), abs=1e-15)


def test_hellinger_and_chi_square_by_hand():
    p, q = [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]
    assert squared_hellinger(p, q) == pytest.approx(
        1 - sum(math.sqrt(a * b) for a, b in zip(p, q, strict=True)), rel=1e-14)
    assert chi_square_divergence(p, q) == pytest.approx(0.4 ** 2 / 0.6 + 0.4 ** 2 / 0.1, rel=1e-14)
    assert chi_square_divergence(q, p) == pytest.approx(0.4 ** 2 / 0.2 + 0.4 ** 2 / 0.5, rel=1e-14)
    assert js_divergence(p, q) == f_divergences(p, q).jensen_shannon


@pytest.mark.parametrize("seed", range(3))
def test_pinsker_holds_on_random_pairs(seed):
    for n_outcomes, concentration in [(2, 1.0), (5, 0.3), (20, 5.0)]:
        p, q = random_pairs(seed, 2000, n_outcomes, concentration)
        assert np.all(total_variation(p, q) <= pinsker_bound(kl_divergence(p, q)) + 1e-15)


def test_pinsker_is_tight_for_close_fair_coins():
    for delta in [1e-2, 1e-3, 1e-4]:
        tv = total_variation([0.5, 0.5], [0.5 + delta, 0.5 - delta])
        bound = pinsker_bound(kl_bernoulli(0.5, 0.5 + delta))
        assert tv <= bound and bound / tv == pytest.approx(1.0, abs=2 * delta ** 2)


def test_pinsker_bound_values_and_errors():
    assert pinsker_bound(0.5) == 0.5 and pinsker_bound(0) == 0.0
    assert pinsker_bound([2.0, math.inf]).tolist() == [1.0, math.inf]
    with pytest.raises(ValueError, match="non-negative"):
        pinsker_bound(-0.1)
    with pytest.raises(ValueError, match="kl must be numbers; it contains nan"):
        pinsker_bound([0.1, math.nan])
    with pytest.raises(ValueError, match="real"):
        pinsker_bound("0.1")


def test_axis_none_keepdims_and_bad_options_as_kl_divergence():
    """The axis semantics of klutils.kl_divergence: broadcast first, reduce along ``axis`` of
    the broadcast shape (None: the whole array); ``keepdims`` keeps it with length 1."""
    p, q = random_pairs(7, 6, 5)
    for function in [*NAMED.values(),
                     lambda a, b, **o: f_divergence(a, b, GENERATORS["squared_hellinger"], **o)]:
        whole = function(p / 6, q / 6, axis=None)
        assert whole == pytest.approx(function((p / 6).ravel(), (q / 6).ravel()), rel=1e-14)
        kept = function(p, q, keepdims=True)
        assert kept.shape == (6, 1)
        np.testing.assert_array_equal(kept[:, 0], function(p, q))
        assert function(p.T, q.T, axis=0, keepdims=True).shape == (1, 6)
        assert np.shape(function(p / 6, q / 6, axis=None, keepdims=True)) == (1, 1)
        with pytest.raises(ValueError, match="keepdims must be True or False"):
            function(p, q, keepdims=1)
        with pytest.raises(ValueError, match="axis 2 is out of range"):
            function(p, q, axis=2)
        with pytest.raises(ValueError, match="axis must be a single integer"):
            function(p, q, axis=(0, 1))
    every = f_divergences(p, q, keepdims=True)
    assert all(np.shape(value) == (6, 1) for value in every)
