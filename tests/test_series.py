"""The elementary functions of klutils._series against mpmath, on their whole domains.

Each function is checked at points drawn by hypothesis from its whole domain (with the switch
points between series and closed form on both sides), and at the boundaries of the domain.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import ACCURACY

from klutils import _series

ULP = 2.0**-52
mpmath.mp.prec = 256


def relative_error(got: float, exact) -> float:
    """Relative error; 0 where the exact value is below the normal range and ``got`` is within
    two subnormal ulps of it (nothing better is representable)."""
    if abs(mpmath.mpf(got) - exact) <= 2 * 2.0**-1074:
        return 0.0
    if exact == 0:
        return math.inf
    return float(abs(mpmath.mpf(got) - exact) / abs(exact))


def near(points, width=1e-3):
    """Floats within a relative ``width`` of each point, from both sides."""
    return st.one_of(*(st.floats(*sorted([x * (1 - width), x * (1 + width)])) for x in points))


def exact_t_minus_log1p(t: float):
    with mpmath.workprec(256 + max(0, -math.frexp(t)[1] * 2 if t else 0)):
        return +(mpmath.mpf(t) - mpmath.log1p(mpmath.mpf(t)))


def exact_expm1_minus_t(t: float):
    with mpmath.workprec(256 + max(0, -math.frexp(t)[1] * 2 if t else 0)):
        return +(mpmath.expm1(mpmath.mpf(t)) - mpmath.mpf(t))


def exact_kl_h(s: float):
    if s == -1:
        return mpmath.mpf(1)
    with mpmath.workprec(256 + max(0, -math.frexp(s)[1] * 2 if s else 0)):
        x = mpmath.mpf(s)
        return +((1 + x) * mpmath.atanh(x) - x)


def exact_js_g(s: float):
    with mpmath.workprec(256 + max(0, -math.frexp(s)[1] * 2 if s else 0)):
        x = mpmath.mpf(s)
        plus = 0 if s == -1 else (1 + x) * mpmath.log1p(x)
        minus = 0 if s == 1 else (1 - x) * mpmath.log1p(-x)
        return +(plus + minus)


@ACCURACY
@given(st.one_of(st.floats(-1.0, 1e300), near([-2 / 3, 1.0, 1e-8, -1e-8]),
                 st.floats(-1e-150, 1e-150)))
@example(-1.0)
@example(0.0)
@example(5e-324)
def test_t_minus_log1p(t):
    got = float(_series.t_minus_log1p(t))
    if t == -1:
        assert got == math.inf
        return
    assert got >= 0
    assert relative_error(got, exact_t_minus_log1p(t)) <= 4 * ULP


@ACCURACY
@given(st.one_of(st.floats(-800.0, 709.0), near([-1.0, 1.0, 1e-8, -1e-8]),
                 st.floats(-1e-150, 1e-150)))
@example(0.0)
@example(-1e308)
def test_expm1_minus_t(t):
    got = float(_series.expm1_minus_t(t))
    assert got >= 0
    assert relative_error(got, exact_expm1_minus_t(t)) <= 4 * ULP


def test_expm1_minus_t_at_the_ends():
    with np.errstate(all="raise"):
        values = _series.expm1_minus_t(np.array([710.0, 1e308, np.inf, -np.inf]))
    assert values.tolist() == [math.inf] * 4


@ACCURACY
@given(st.one_of(st.floats(-1.0, 1.0), near([0.25, -0.25, 0.5, -0.5, 1e-8]),
                 st.floats(-1e-150, 1e-150)))
@example(-1.0)
@example(1.0)
@example(0.0)
def test_kl_h(s):
    got = float(_series.kl_h(s))
    if s == 1:
        assert got == math.inf
        return
    assert relative_error(got, exact_kl_h(s)) <= 4 * ULP


@ACCURACY
@given(st.one_of(st.floats(-1.0, 1.0), near([0.25, -0.25, 0.5, -0.5, 1e-8]),
                 st.floats(-1e-150, 1e-150)))
@example(-1.0)
@example(1.0)
@example(0.0)
def test_js_g(s):
    assert relative_error(float(_series.js_g(s)), exact_js_g(s)) <= 4 * ULP


@ACCURACY
@given(st.one_of(st.floats(0.0, 0.5), st.floats(0.0, 1e-8)), st.data())
def test_series_use_enough_terms_for_their_bound(bound, data):
    """The adaptive series are as accurate at their bound as the full ones."""
    s = data.draw(st.floats(-bound, bound))
    kl = float(_series.kl_series(np.array([s]), bound)[0])
    js = float(_series.js_series(np.array([s]), bound)[0])
    assert relative_error(kl, exact_kl_h(s)) <= 4 * ULP
    assert relative_error(js, exact_js_g(s)) <= 4 * ULP


def test_series_refuse_a_bound_they_cannot_serve():
    with pytest.raises(ValueError, match="does not serve"):
        _series.kl_series(np.array([0.9]), 0.9)


@ACCURACY
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
       st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_two_sum_is_exact(a, b):
    hi, lo = _series.two_sum(np.float64(a), np.float64(b))
    assert hi == a + b
    assert Fraction(float(hi)) + Fraction(float(lo)) == Fraction(a) + Fraction(b)


@ACCURACY
@given(st.floats(-1e150, 1e150), st.floats(-1e150, 1e150))
def test_two_product_is_exact(a, b):
    hi, lo = _series.two_product(np.float64(a), np.float64(b))
    if abs(a * b) > 1e-290:  # exact unless the product underflows
        assert Fraction(float(hi)) + Fraction(float(lo)) == Fraction(a) * Fraction(b)


def test_shapes_are_kept():
    for function in (_series.t_minus_log1p, _series.expm1_minus_t, _series.kl_h, _series.js_g):
        assert np.shape(function(0.5)) == ()
        assert function(np.zeros((2, 3))).shape == (2, 3)
