r"""The elementary functions behind every divergence term, each implemented once, to a few ulps.

Every KL-type quantity in :mod:`klutils` is a sum of non-negative terms
:math:`x \log(x/y) - x + y` (the generalised KL term) or of their Jensen-Shannon relatives. Written
in one variable, each of them is a difference of nearly equal numbers near zero, so it is
evaluated by its Taylor series there and by a closed form (``log1p``, ``expm1``, ``arctanh``)
elsewhere, switching where the closed form loses at most a factor of about 3 to cancellation.

* :func:`t_minus_log1p`: :math:`t - \log(1 + t)`, the closed forms' :math:`x\,\varphi((y-x)/x)`;
* :func:`expm1_minus_t`: :math:`e^t - 1 - t`, a term from its log-ratio r as :math:`p(e^{-r}-1+r)`;
* :func:`kl_h`: :math:`(1+s)\operatorname{artanh}(s) - s`, a term as :math:`(x+y)\,h(s)` with
  :math:`s = (x-y)/(x+y)`;
* :func:`js_g`: :math:`(1+s)\log(1+s) + (1-s)\log(1-s)`, a Jensen-Shannon term as
  :math:`\tfrac12 (x+y)\,g(s)`.

:func:`kl_series`, :func:`js_series`, :func:`kl_closed` and :func:`js_closed` are the two halves
of :func:`kl_h` and :func:`js_g` that the divergences' fast path calls on blocks (the series with
the fewest terms the block needs; the closed forms from the unnormalised pair, so that no
precision is lost when one of them is tiny). :func:`two_sum` and :func:`two_product` are the
error-free transformations (Knuth, Dekker) used for exact differences.

Tested against mpmath at 256 bits (``tests/test_series.py``): at most 4 ulps (9e-16 relative).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "SERIES_MAX",
    "expm1_minus_t",
    "js_closed",
    "js_g",
    "js_series",
    "kl_closed",
    "kl_h",
    "kl_series",
    "t_minus_log1p",
    "two_product",
    "two_sum",
]

#: The divergences use the series in ``s = (x - y)/(x + y)`` below this ``|s|``: above it the
#: closed forms lose at most a factor 4.6 (KL) and 2.2 (JS) to cancellation.
SERIES_MAX = 0.25

_TRUNCATION = 2.0**-57  # a truncated series stops when its tail is below this, relative

# h(s) = (1+s) artanh(s) - s = s^2 [1 + s (1+s) A(s^2)],  A(t) = sum_j t^j / (2j + 3).
_KL_COEFFICIENTS = [1.0 / (2 * j + 3) for j in range(30)]
# g(s) = (1+s) log1p(s) + (1-s) log1p(-s) = s^2 B(s^2),  B(t) = sum_{k>=1} t^(k-1) / (k (2k-1)).
_JS_COEFFICIENTS = [1.0 / (k * (2 * k - 1)) for k in range(1, 31)]
# t - log1p(t) = 2 z^2/(1 - z) - 2 z^3 A(z^2) with z = t/(2 + t), A as for h; |z| <= 1/2 needs
# 25 terms.
_PHI_Z_COEFFICIENTS = _KL_COEFFICIENTS[:25]
_PHI_LOW, _PHI_HIGH = -2.0 / 3.0, 1.0  # z in [-1/2, 1/3]
# e^t - 1 - t = t^2 sum_{k>=2} t^(k-2)/k!; on |t| <= 1 the tail after 1/20! is below 2e-20.
_EXPM1_COEFFICIENTS = [1.0 / math.factorial(k) for k in range(2, 21)]


#: Below these |s| the KL series is s^2 (1 + s/3) and the JS series s^2, to 2^-57 relative.
_KL_LINEAR_MAX = math.sqrt(3.0 * _TRUNCATION) / 2.0
_JS_SQUARE_MAX = math.sqrt(6.0 * _TRUNCATION) / 2.0


def _horner(coefficients: list[float], x: np.ndarray) -> np.ndarray:
    """``sum_j coefficients[j] * x**j`` by Horner's rule (a new array)."""
    result = np.full_like(x, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result *= x
        result += c
    return result


def _kl_terms_needed(bound: float) -> int:
    """How many coefficients of A the KL series needs for ``|s| <= bound``."""
    t = bound * bound
    for j in range(len(_KL_COEFFICIENTS)):
        tail = t ** (j + 1) / ((2 * j + 5) * (1.0 - t))
        if 2.0 * bound * (1.0 + bound) * tail <= _TRUNCATION:
            return j + 1
    raise ValueError(f"the KL series does not serve |s| up to {bound}")


def _js_terms_needed(bound: float) -> int:
    """How many coefficients of B the JS series needs for ``|s| <= bound``."""
    t = bound * bound
    for k in range(1, len(_JS_COEFFICIENTS) + 1):
        if t**k / ((k + 1) * (2 * k + 1) * (1.0 - t)) <= _TRUNCATION:
            return k
    raise ValueError(f"the JS series does not serve |s| up to {bound}")


def kl_series(s: np.ndarray, bound: float) -> np.ndarray:
    """``(1+s) artanh(s) - s`` by its series (fewest terms that serve ``|s| <= bound <= 1/2``)."""
    t = s * s
    if bound <= _KL_LINEAR_MAX:  # s^2 (1 + s/3): the s^2/3 term is below 2^-57 relative
        result = s * (1.0 / 3.0)
        result += 1.0
        result *= t
        return result
    result = _horner(_KL_COEFFICIENTS[:_kl_terms_needed(bound)], t)
    result *= s
    result *= 1.0 + s
    result += 1.0
    result *= t
    return result


def js_series(s: np.ndarray, bound: float) -> np.ndarray:
    """``(1+s) log1p(s) + (1-s) log1p(-s)`` by its series, for ``|s| <= bound <= 1/2``."""
    t = s * s
    if bound <= _JS_SQUARE_MAX:  # s^2: the s^4/6 term is below 2^-57 relative
        return t
    result = _horner(_JS_COEFFICIENTS[:_js_terms_needed(bound)], t)
    result *= t
    return result


def kl_closed(u: np.ndarray, v: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``u log(u/v) - d`` with ``d = u - v`` given, for ``|s| >= SERIES_MAX``.

    There ``u/v`` is at least 5/3 or at most 3/5, so rounding the ratio costs at most an ulp of
    the logarithm. Entries with a zero, or a ratio beyond the float range, come out non-finite;
    :func:`kl_special` fixes them.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        terms = np.divide(u, v)
        np.log(terms, out=terms)
        terms *= u
        terms -= d
    return terms


def kl_special(u: np.ndarray, v: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``u log(u/v) - d`` where a zero or a subnormal makes :func:`kl_closed` non-finite."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        positive = (u > 0) & (v > 0)
        logs = np.log(np.where(positive, u, 1.0)) - np.log(np.where(positive, v, 1.0))
        terms = u * logs - d
    terms = np.where(v > 0, terms, np.inf)
    terms = np.where(u > 0, terms, np.abs(v))  # u = 0: the term is v (0 when both are 0)
    return terms


def js_closed(u: np.ndarray, v: np.ndarray, s: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``u log(2u/w) + v log(2v/w)`` for ``|s| >= SERIES_MAX``, ``w = u + v``, ``s = (u-v)/w``.

    Up to ``|s| = 1/2`` as ``(w/2)(2|s| artanh|s| + log1p(-s^2))``; above, as
    ``M log1p(|s|) + m log(2m/w)`` with ``m = min(u, v)``, so a tiny ``m`` keeps its digits.
    """
    shape = np.broadcast_shapes(np.shape(u), np.shape(v), np.shape(s))
    x = np.abs(s).reshape(-1)
    u, v = np.broadcast_to(u, shape).reshape(-1), np.broadcast_to(v, shape).reshape(-1)
    w = np.broadcast_to(w, shape).reshape(-1)
    terms = np.empty_like(x)
    low = np.flatnonzero(x <= 0.5)  # indices, not masks: gathering by mask is slow
    high = np.flatnonzero(~(x <= 0.5))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        xl = x.take(low)
        terms[low] = 0.5 * w.take(low) * (2.0 * xl * np.arctanh(xl) + np.log1p(-xl * xl))
        uh, vh = u.take(high), v.take(high)
        big, small = np.maximum(uh, vh), np.minimum(uh, vh)
        terms[high] = big * np.log1p(x.take(high)) + small * np.log(2.0 * small / w.take(high))
    return terms.reshape(shape)


def js_special(u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``u log(2u/w) + v log(2v/w)`` where a zero or a subnormal makes :func:`js_closed` fail."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        big, small = np.maximum(u, v), np.minimum(u, v)
        x = np.where(w > 0, (big - small) / np.where(w > 0, w, 1.0), 0.0)
        log_small = np.log(np.where(small > 0, 2.0 * small, 1.0)) - np.log(np.where(w > 0, w, 1.0))
        return big * np.log1p(x) + np.where(small > 0, small * log_small, 0.0)


def kl_h(s: np.ndarray) -> np.ndarray:
    """``(1+s) artanh(s) - s`` for ``-1 <= s <= 1``: the KL term ``(x+y) h(s)`` per unit mass."""
    shape = np.shape(s)
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        small = np.abs(s) < 0.5  # the closed form of 1 + s and 1 - s cancels up to 2.5x there
        out = 0.5 * kl_closed(1.0 + s, 1.0 - s, 2.0 * s)
        if small.any():
            out[small] = kl_series(s[small], 0.5)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = 0.5 * kl_special(1.0 + s[bad], 1.0 - s[bad], 2.0 * s[bad])
    return out.reshape(shape)


def js_g(s: np.ndarray) -> np.ndarray:
    """``(1+s) log1p(s) + (1-s) log1p(-s)`` for ``-1 <= s <= 1`` (JS term ``(w/2) g(s)``)."""
    shape = np.shape(s)
    s = np.atleast_1d(np.asarray(s, dtype=np.float64))
    small = np.abs(s) < SERIES_MAX
    with np.errstate(invalid="ignore"):
        out = js_closed(1.0 + s, 1.0 - s, s, np.full_like(s, 2.0))
    if small.any():
        out[small] = js_series(s[small], SERIES_MAX)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = js_special(1.0 + s[bad], 1.0 - s[bad], np.full(np.count_nonzero(bad), 2.0))
    return out.reshape(shape)


def t_minus_log1p(t: np.ndarray) -> np.ndarray:
    """``t - log(1 + t) >= 0`` for ``t >= -1`` (``inf`` at ``t = -1`` and ``t = inf``)."""
    shape = np.shape(t)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = t - np.log1p(t)
        near = (t >= _PHI_LOW) & (t <= _PHI_HIGH)
        if near.any():
            tn = t[near]
            z = tn / (2.0 + tn)  # log1p(t) = 2 artanh(z), |z| <= 1/2
            z2 = z * z
            # all 25 terms (|z| <= 1/2), so that a value never depends on its neighbours
            out[near] = 2.0 * z2 / (1.0 - z) - 2.0 * z2 * z * _horner(_PHI_Z_COEFFICIENTS, z2)
        out[np.isposinf(t)] = np.inf
    return out.reshape(shape)


def expm1_minus_t(t: np.ndarray) -> np.ndarray:
    """``e^t - 1 - t >= 0`` for any real ``t`` (``inf`` when ``e^t`` overflows)."""
    shape = np.shape(t)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.expm1(t) - t
        near = np.abs(t) <= 1.0
        if near.any():
            tn = t[near]
            out[near] = tn * tn * _horner(_EXPM1_COEFFICIENTS, tn)
        out[np.isposinf(t) | np.isneginf(t)] = np.inf
    return out.reshape(shape)


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(hi, lo)`` with ``hi = fl(a + b)`` and ``hi + lo = a + b`` exactly (Knuth's TwoSum)."""
    hi = a + b
    b_virtual = hi - a
    lo = (a - (hi - b_virtual)) + (b - b_virtual)
    return hi, lo


_SPLITTER = 2.0**27 + 1.0


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker's split of ``a`` into two halves of 26 significant bits (``|a| < 2**996``)."""
    c = _SPLITTER * a
    high = c - (c - a)
    return high, a - high


def two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(hi, lo)`` with ``hi = fl(a b)`` and ``hi + lo = a b`` exactly (Dekker's TwoProduct).

    Exact unless a product underflows; both factors must be below ``2**996`` in magnitude.
    """
    hi = a * b
    a1, a2 = _split(a)
    b1, b2 = _split(b)
    lo = a2 * b2 - (((hi - a1 * b1) - a2 * b1) - a1 * b2)
    return hi, lo
