"""Tests of klutils.divergences: hand-worked values, bad input, semantics, shapes, accuracy."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats

from klutils import (
    cross_entropy,
    entropy,
    js_divergence,
    kl_contributions,
    kl_divergence,
    kl_divergence_from_logits,
)

TWO_ARGUMENT = [kl_divergence, js_divergence, cross_entropy]


# --- hand-worked values ---------------------------------------------------------------------

def test_fair_coin_against_biased_model():
    assert kl_divergence([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.020411, abs=5e-7)
    assert kl_divergence([0.5, 0.5], [0.6, 0.4], base=2) == pytest.approx(0.029447, abs=5e-7)
    assert kl_divergence([0.6, 0.4], [0.5, 0.5]) == pytest.approx(0.020136, abs=5e-7)


def test_one_hot_cat_label():
    assert kl_divergence([1, 0, 0], [0.7, 0.2, 0.1]) == pytest.approx(0.356675, abs=5e-7)
    assert cross_entropy([1, 0, 0], [0.7, 0.2, 0.1]) == pytest.approx(-math.log(0.7), rel=1e-15)
    assert kl_divergence([1, 0, 0], [0.4, 0.3, 0.3]) == pytest.approx(-math.log(0.4), rel=1e-15)


def test_entropy_values():
    assert entropy([0.25] * 4, base=2) == 2.0
    assert entropy([0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert entropy([0.5, 0.25, 0.25], base=2) == pytest.approx(1.5, rel=1e-15)


def test_js_extremes():
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(math.log(2), rel=1e-15)
    assert js_divergence([1, 0], [0, 1], base=2) == pytest.approx(1.0, rel=1e-15)
    assert js_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_bases_agree():
    p, q = [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]
    nats = kl_divergence(p, q)
    assert kl_divergence(p, q, base=2) == pytest.approx(nats / math.log(2), rel=1e-15)
    assert kl_divergence(p, q, base=10) == pytest.approx(nats / math.log(10), rel=1e-15)
    assert kl_divergence(p, q, base=math.e) == pytest.approx(nats, rel=1e-15)


# --- semantics ------------------------------------------------------------------------------

def test_zero_probability_conventions_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(math.log(2))
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
        assert kl_divergence([1.0, 0.0], [0.0, 1.0]) == math.inf
        assert kl_divergence([0.5, 0.0, 0.5], [0.5, 0.0, 0.5]) == 0.0
        assert js_divergence([0.5, 0.0, 0.5], [0.0, 0.5, 0.5]) > 0
        assert entropy([0.0, 1.0]) == 0.0


def test_identical_inputs_give_exactly_zero():
    rng = np.random.default_rng(7)
    for n in (1, 2, 10, 1000, 40000):
        p = rng.dirichlet(np.ones(n))
        assert kl_divergence(p, p) == 0.0
        assert js_divergence(p, p) == 0.0
        assert kl_divergence_from_logits(np.log(p), np.log(p)) == 0.0


def test_single_pair_returns_python_float_and_batches_return_arrays():
    assert type(kl_divergence([0.5, 0.5], [0.6, 0.4])) is float
    assert type(entropy(np.array([0.5, 0.5], dtype=np.float32))) is float
    p = np.full((3, 4, 5), 0.2)
    q = np.random.default_rng(0).dirichlet(np.ones(5), size=4)
    for f in TWO_ARGUMENT:
        result = f(p, q)
        assert isinstance(result, np.ndarray) and result.shape == (3, 4)
        np.testing.assert_allclose(result[1, 2], f(p[1, 2], q[2]), rtol=1e-15)
    assert entropy(p).shape == (3, 4)


def test_axis_argument():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(6), size=5)
    q = rng.dirichlet(np.ones(6), size=5)
    np.testing.assert_array_equal(kl_divergence(p.T, q.T, axis=0), kl_divergence(p, q))
    np.testing.assert_array_equal(entropy(p.T, axis=0), entropy(p))
    stacked_p, stacked_q = np.moveaxis(np.stack([p, p]), 2, 1), np.moveaxis(np.stack([q, q]), 2, 1)
    np.testing.assert_array_equal(kl_divergence(stacked_p, stacked_q, axis=1)[0],
                                  kl_divergence(p, q))


# --- numpy's axis semantics: broadcast first, then reduce along axis ------------------------

COLUMNS = np.array([[0.2, 0.3, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.5]])  # columns sum to 1
COLUMN_Q = np.array([0.25, 0.25, 0.5])


@pytest.mark.parametrize("f", TWO_ARGUMENT)
def test_arguments_broadcast_before_the_axis_is_read(f):
    """As numpy: q of shape (3,) is a row of the broadcast (3, 3), so reading axis 0 needs q as
    a column; scipy.stats.entropy agrees on both."""
    by_columns = f(COLUMNS, COLUMN_Q[:, None], axis=0)
    by_rows = f(COLUMNS.T, COLUMN_Q, axis=1)
    np.testing.assert_allclose(by_columns, by_rows, rtol=1e-15)
    if f is kl_divergence:
        np.testing.assert_allclose(by_columns, scipy.stats.entropy(COLUMNS, COLUMN_Q[:, None],
                                                                   axis=0), rtol=1e-13)
    with pytest.raises(ValueError, match=r"q of shape \(3,\) was first broadcast to \(3, 3\)"):
        f(COLUMNS, COLUMN_Q, axis=0)  # each column of the broadcast q is [q_j, q_j, q_j]
    np.testing.assert_allclose(f(np.full((2, 3), 1 / 3), COLUMN_Q, axis=1),
                               [f([1 / 3] * 3, COLUMN_Q)] * 2, rtol=1e-15)


def test_keepdims_and_axis_none_as_numpy():
    p = np.full((2, 3), 1 / 3)
    assert kl_divergence(p, COLUMN_Q, keepdims=True).shape == (2, 1)
    assert kl_divergence(p.T, COLUMN_Q[:, None], axis=0, keepdims=True).shape == (1, 2)
    assert entropy(np.full((2, 3), 1 / 6), axis=None) == pytest.approx(math.log(6), rel=1e-15)
    assert entropy(np.full((2, 3), 1 / 6), axis=None, keepdims=True).shape == (1, 1)
    joint = np.array([[0.1, 0.2], [0.3, 0.4]])
    assert kl_divergence(joint, joint[::-1], axis=None) == pytest.approx(
        kl_divergence(joint.ravel(), joint[::-1].ravel()), rel=1e-15)
    assert kl_divergence_from_logits(np.zeros((2, 3)), [0.0, 1.0, 2.0],
                                     keepdims=True).shape == (2, 1)
    assert type(kl_divergence([0.5, 0.5], [0.5, 0.5], keepdims=False)) is float


@pytest.mark.parametrize("axis", [0.0, 1.5, (0, 1), [0], True, np.True_, "0", 2, -3])
def test_bad_axis_is_a_value_error_naming_it(axis):
    p = np.full((2, 3), 1 / 3)
    for f in TWO_ARGUMENT + [kl_divergence_from_logits]:
        with pytest.raises(ValueError, match="axis"):
            f(p, p, axis=axis)
    with pytest.raises(ValueError, match="axis"):
        entropy(p, axis=axis)


@pytest.mark.parametrize("keepdims", [1, None, "yes"])
def test_bad_keepdims(keepdims):
    with pytest.raises(ValueError, match="keepdims must be True or False"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], keepdims=keepdims)


def test_numpy_integer_axis_is_accepted():
    p = np.full((2, 3), 1 / 3)
    np.testing.assert_array_equal(entropy(p, axis=np.int64(1)), entropy(p, axis=-1))


def test_empty_batch_gives_an_empty_result_like_kl_bernoulli():
    """A batch with no distribution gives an empty array (as numpy's reductions and
    kl_bernoulli do); a distribution with no outcome is an error."""
    from klutils import kl_bernoulli
    for f in TWO_ARGUMENT + [kl_divergence_from_logits]:
        assert f(np.empty((0, 3)), COLUMN_Q).shape == (0,)
        assert f(np.empty((2, 0, 3)), COLUMN_Q).shape == (2, 0)
    assert entropy(np.empty((0, 3)), keepdims=True).shape == (0, 1)
    assert kl_bernoulli([], 0.5).shape == (0,)
    with pytest.raises(ValueError, match="p is empty"):
        kl_divergence(np.empty((3, 0)), np.empty((3, 0)))


# --- dtypes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    (np.array([1, 0], dtype="timedelta64[s]"), "hold real numbers; got dtype timedelta64"),
    (np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), "got dtype datetime64"),
    (np.array([0.5, 0.5], dtype=object), "got dtype object"),
    (np.array([0.5, 0.5], dtype=complex), "got dtype complex128"),
    (np.array([True, False]), "got dtype bool"),
    (np.ma.masked_array([0.5, 0.5], mask=[False, True]), "masked array with masked entries"),
])
def test_bad_dtypes_are_refused(bad, message):
    for f in TWO_ARGUMENT + [kl_divergence_from_logits]:
        with pytest.raises(ValueError, match=message):
            f(bad, [0.5, 0.5])
    with pytest.raises(ValueError, match=message):
        entropy(bad)


def test_longdouble_is_refused_where_wider_than_float64():
    p = np.array([0.5, 0.5], dtype=np.longdouble)
    if np.finfo(np.longdouble).nmant > 52:
        with pytest.raises(ValueError, match="wider than float64"):
            kl_divergence(p, [0.5, 0.5])
    else:  # longdouble is float64 here: nothing is rounded
        assert kl_divergence(p, [0.5, 0.5]) == 0.0
    assert kl_divergence(p.astype(np.float64), [0.5, 0.5]) == 0.0


def test_masked_array_without_masked_entries_is_its_data():
    p = np.ma.masked_array([0.25, 0.75], mask=[False, False])
    assert kl_divergence(p, [0.5, 0.5]) == kl_divergence([0.25, 0.75], [0.5, 0.5])


def test_float32_inputs_are_computed_in_float64():
    p32 = np.array([0.1, 0.2, 0.7], dtype=np.float32)
    q32 = np.array([0.3, 0.3, 0.4], dtype=np.float32)
    expected = kl_divergence(p32.astype(np.float64), q32.astype(np.float64))
    assert kl_divergence(p32, q32) == expected
    softmax32 = scipy.special.softmax(np.linspace(-3, 3, 1000).astype(np.float32))
    assert softmax32.dtype == np.float32
    assert kl_divergence(softmax32, softmax32[::-1]) > 0  # float32 softmax output is accepted


@pytest.mark.parametrize("n", [2, 10, 1000])
def test_float16_softmax_output_is_accepted_with_a_tolerance_fitting_float16(n):
    """float16 rounds each entry to 2**-11 relative: its sum may be 1e-4 off, far beyond the
    float64 tolerance 1e-6, and is accepted within 8 ulps of 1 (7.8e-3)."""
    for seed in range(5):
        z = np.random.default_rng(seed).normal(size=n).astype(np.float16)
        p16 = (np.exp(z) / np.exp(z).sum()).astype(np.float16)
        q16 = scipy.special.softmax(z[::-1].astype(np.float32)).astype(np.float16)
        assert kl_divergence(p16, q16) >= 0
        assert entropy(p16) >= 0
    with pytest.raises(ValueError, match=r"within 0\.0078125"):
        kl_divergence(np.array([0.5, 0.52], dtype=np.float16), [0.5, 0.5])


def test_sum_tolerance_is_one_in_a_million_for_float64_and_float32():
    assert kl_divergence([0.5, 0.5 + 9e-7], [0.5, 0.5]) >= 0
    for dtype in (np.float64, np.float32):
        with pytest.raises(ValueError, match=r"must sum to 1 .*within 1e-06"):
            kl_divergence(np.array([0.5, 0.5 + 2e-6], dtype=dtype), [0.5, 0.5])


# --- kl_contributions with an axis -----------------------------------------------------------

def test_contributions_follow_the_axis_and_sum_to_kl():
    terms = kl_contributions(COLUMNS, COLUMN_Q[:, None], axis=0)
    assert terms.shape == (3, 3)
    np.testing.assert_allclose(terms.sum(axis=0), kl_divergence(COLUMNS, COLUMN_Q[:, None],
                                                                axis=0), rtol=1e-13)
    np.testing.assert_allclose(kl_contributions(COLUMNS.T, COLUMN_Q), terms.T, rtol=1e-15)
    np.testing.assert_allclose(kl_contributions(COLUMNS.T, COLUMN_Q, axis=-1),
                               scipy.special.rel_entr(COLUMNS.T, COLUMN_Q), rtol=1e-13)
    flat = kl_contributions(COLUMNS / 3, COLUMNS[::-1] / 3, axis=None)
    assert flat.shape == (3, 3)
    assert flat.sum() == pytest.approx(kl_divergence(COLUMNS / 3, COLUMNS[::-1] / 3, axis=None),
                                       rel=1e-13)


def test_contributions_renormalise_exactly_beyond_rounding():
    """A sum off by 1e-7 is renormalised; a sum within 1e-12 of 1 is taken as 1."""
    p, q = np.array([0.25, 0.75]) * (1 + 1e-7), np.array([0.5, 0.5])
    x = p / p.sum()
    np.testing.assert_allclose(kl_contributions(p, q), x * np.log(x / q), rtol=1e-14)
    assert kl_contributions([0.2, 0.3, 0.5], [0.6, 0.3, 0.1])[1] == 0.0


def test_long_vectors_use_blocks_and_stay_exact():
    rng = np.random.default_rng(3)
    n = 100_003  # several blocks and a ragged last one
    p = rng.dirichlet(np.ones(n))
    q = rng.dirichlet(np.ones(n))
    expected = math.fsum(scipy.special.rel_entr(p / math.fsum(p), q / math.fsum(q)))
    assert kl_divergence(p, q) == pytest.approx(expected, rel=1e-12)
    batch = np.stack([p, q])
    np.testing.assert_allclose(kl_divergence(batch, batch[::-1]),
                               [kl_divergence(p, q), kl_divergence(q, p)], rtol=1e-15)


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ([-0.1, 1.1], r"p has a negative entry \(-0\.1 at index \(0,\)\)"),
    ([np.nan, 1.0], "p contains NaN"),
    ([np.inf, 0.0], "p contains an infinite value"),
    ([-np.inf, 1.0], "p contains an infinite value"),
    ([0.5, 0.6], r"p must sum to 1 .*sum = 1\.1"),
    ([0.2, 0.2], r"sum = 0\.4"),
    ([], "p is empty"),
    (0.5, "p must be a distribution"),
    (["a", "b"], "p must hold real numbers; got dtype <U1"),
    ([True, False], "p must hold real numbers; got dtype bool"),
    ([[0.5, 0.5], [0.3, 0.3]], r"sum = 0\.6 for the distribution at batch index \(1,\)"),
])
def test_bad_p_raises_value_error_naming_the_problem(bad, message):
    for f in TWO_ARGUMENT:
        with pytest.raises(ValueError, match=message):
            f(bad, [0.5, 0.5])
    with pytest.raises(ValueError, match=message):
        entropy(bad)


def test_bad_q_is_named_q():
    for f in TWO_ARGUMENT:
        with pytest.raises(ValueError, match="q has a negative entry"):
            f([0.5, 0.5], [1.5, -0.5])
        with pytest.raises(ValueError, match="q contains NaN"):
            f([0.5, 0.5], [np.nan, 0.5])


def test_shape_mismatch():
    for f in TWO_ARGUMENT:
        with pytest.raises(ValueError, match=r"same number of outcomes.*\(2,\) and \(3,\)"):
            f([0.5, 0.5], [0.2, 0.3, 0.5])
        with pytest.raises(ValueError, match="do not broadcast"):
            f(np.full((2, 2), 0.5), np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        kl_divergence([0.5, 0.5], [0.5, 0.5], axis=2)


@pytest.mark.parametrize("base", [0, -2, 1, 1.0, 0.5, math.inf, math.nan, "2", True, 2j])
def test_bad_base(base):
    """A base of at most 1 would make every divergence negative or infinite: refused."""
    for f in (kl_divergence, js_divergence, cross_entropy, kl_divergence_from_logits):
        with pytest.raises(ValueError, match="base must be a finite number greater than 1"):
            f([0.5, 0.5], [0.5, 0.5], base=base)
    with pytest.raises(ValueError, match="base must be"):
        entropy([0.5, 0.5], base=base)


# --- logits ---------------------------------------------------------------------------------

def test_logits_match_probabilities():
    rng = np.random.default_rng(4)
    zp, zq = rng.normal(size=(20, 7)), 3 * rng.normal(size=(20, 7))
    expected = kl_divergence(scipy.special.softmax(zp, axis=-1), scipy.special.softmax(zq, axis=-1))
    np.testing.assert_allclose(kl_divergence_from_logits(zp, zq), expected, rtol=1e-12)
    np.testing.assert_allclose(kl_divergence_from_logits(zp + 50.0, zq - 7.0), expected, rtol=1e-12)


def test_logits_of_plus_minus_1000_do_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kl_divergence_from_logits([1000.0, 0.0], [0.0, 1000.0]) == pytest.approx(1000.0)
        assert kl_divergence_from_logits([-1000.0, 1000.0], [1000.0, -1000.0]) == \
            pytest.approx(2000.0)
        assert kl_divergence_from_logits([1000.0, 1000.0], [1000.0, 1000.0]) == 0.0
        z = np.array([1000.0, 999.0, -1000.0])
        # Through probabilities this is inf (softmax underflows to 0); from logits it is finite.
        assert kl_divergence(scipy.special.softmax(z), scipy.special.softmax(z[::-1])) == math.inf
        with mpmath.workdps(50):
            zs = [mpmath.mpf(x) for x in z]
            lse_p, lse_q = mpmath.log(mpmath.fsum(map(mpmath.exp, zs))), \
                mpmath.log(mpmath.fsum(map(mpmath.exp, zs[::-1])))
            expected = mpmath.fsum(mpmath.exp(a - lse_p) * ((a - lse_p) - (b - lse_q))
                                   for a, b in zip(zs, zs[::-1], strict=True))
        assert kl_divergence_from_logits(z, z[::-1]) == pytest.approx(float(expected), rel=1e-12)


def test_logits_minus_infinity_means_probability_zero():
    assert kl_divergence_from_logits([0.0, -np.inf], [0.0, 0.0]) == pytest.approx(math.log(2))
    assert kl_divergence_from_logits([0.0, 0.0], [0.0, -np.inf]) == math.inf
    assert kl_divergence_from_logits([0.0, -np.inf], [0.0, -np.inf]) == 0.0


@pytest.mark.parametrize("bad, message", [
    ([np.nan, 0.0], "logits_p must be numbers; it contains nan"),
    ([np.inf, 0.0], r"logits_p contains \+inf"),
    ([-np.inf, -np.inf], "all -inf"),
    ([], "logits_p is empty"),
])
def test_bad_logits(bad, message):
    with pytest.raises(ValueError, match=message):
        kl_divergence_from_logits(bad, [0.0, 0.0])


# --- accuracy against mpmath at 50 digits ---------------------------------------------------

def _exact_kl(p, q) -> mpmath.mpf:
    """KL between the exactly renormalised float64 inputs, at 50 significant digits."""
    with mpmath.workdps(50):
        ps = [mpmath.mpf(float(x)) for x in p]
        qs = [mpmath.mpf(float(x)) for x in q]
        a, b = mpmath.fsum(ps), mpmath.fsum(qs)
        return mpmath.fsum(x / a * mpmath.log((x / a) / (y / b))
                           for x, y in zip(ps, qs, strict=True) if x != 0)


def _exact_js(p, q) -> mpmath.mpf:
    with mpmath.workdps(50):
        ps = [mpmath.mpf(float(x)) for x in p]
        qs = [mpmath.mpf(float(x)) for x in q]
        a, b = mpmath.fsum(ps), mpmath.fsum(qs)
        ps, qs = [x / a for x in ps], [y / b for y in qs]
        ms = [(x + y) / 2 for x, y in zip(ps, qs, strict=True)]

        def kl(xs, ys):
            return mpmath.fsum(x * mpmath.log(x / y) for x, y in zip(xs, ys, strict=True) if x)
        return (kl(ps, ms) + kl(qs, ms)) / 2


def _relative_error(got: float, exact) -> float:
    with mpmath.workdps(50):
        return float(abs(mpmath.mpf(got) - exact) / exact)


def _near_pairs(seed: int, count: int):
    """Random pairs from far apart to nearly identical (KL down to ~1e-18), some with zeros,
    some not normalised (sums off by up to 1e-6), some float32."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        n = int(rng.integers(2, 50))
        p = rng.dirichlet(np.full(n, 0.5))
        closeness = 10.0 ** rng.uniform(-9.5, 0)
        q = np.abs(p * (1 + closeness * rng.standard_normal(n)))
        q += 1e-300 * (q == 0)
        q /= q.sum()
        if i % 4 == 1:
            p[rng.integers(n)] = 0.0
            p /= p.sum()
        if i % 4 == 2:
            p, q = p * (1 + rng.uniform(-9e-7, 9e-7)), q * (1 + rng.uniform(-9e-7, 9e-7))
        if i % 4 == 3:
            p, q = p.astype(np.float32), q.astype(np.float32)
        yield p, q


def test_kl_accuracy_against_mpmath_including_nearly_identical_pairs():
    worst = 0.0
    smallest = math.inf
    for p, q in _near_pairs(seed=11, count=240):
        exact = _exact_kl(p, q)
        if exact == 0:
            continue
        got = kl_divergence(p, q)
        assert got >= 0
        worst = max(worst, _relative_error(got, exact))
        smallest = min(smallest, float(exact))
    assert smallest < 1e-17  # the test reaches the nearly identical regime
    assert worst <= 1e-12


def test_js_accuracy_against_mpmath():
    worst = 0.0
    for p, q in _near_pairs(seed=12, count=120):
        exact = _exact_js(p, q)
        if exact == 0:
            continue
        worst = max(worst, _relative_error(js_divergence(p, q), exact))
    assert worst <= 1e-12


def test_the_textbook_formula_fails_where_klutils_does_not():
    """Why the careful computation exists: for nearly identical pairs the textbook sum and
    scipy.stats.entropy lose every digit (or the sign); klutils keeps 12."""
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(100))
    q = p * (1 + 1e-9 * rng.standard_normal(100))
    q /= q.sum()
    exact = _exact_kl(p, q)
    textbook = float(np.sum(p * np.log(p / q)))
    assert _relative_error(textbook, exact) > 1e-3
    assert _relative_error(float(scipy.stats.entropy(p, q)), exact) > 1e-3
    assert _relative_error(kl_divergence(p, q), exact) < 1e-12


def test_scipy_silently_renormalises_but_klutils_refuses():
    assert scipy.stats.entropy([0.5, 0.5], [0.3, 0.3]) == 0.0
    with pytest.raises(ValueError, match="q must sum to 1"):
        kl_divergence([0.5, 0.5], [0.3, 0.3])


def test_pairs_one_ulp_apart_use_correctly_rounded_sums():
    """Pairs whose entries differ by one ulp (KL ~ 1e-32): here the rounding of numpy's sums
    alone would make the relative error about 4 (KL and JS alike), so klutils recomputes the
    offsets sum - 1 with math.fsum."""
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(40):
        n = int(rng.integers(3, 30))
        p = rng.dirichlet(np.ones(n))
        q = p.copy()
        for i in rng.integers(n, size=int(rng.integers(1, n))):
            q[i] = np.nextafter(q[i], 2.0 if rng.random() < 0.5 else 0.0)
        exact = _exact_kl(p, q)
        if exact == 0:
            continue
        checked += 1
        assert _relative_error(kl_divergence(p, q), exact) <= 1e-12
        assert _relative_error(js_divergence(p, q), _exact_js(p, q)) <= 1e-12
    assert checked > 30
