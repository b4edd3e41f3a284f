r"""Entropy, cross-entropy, Kullback-Leibler and Jensen-Shannon divergences (discrete).

Every function takes array-likes and reads each distribution along ``axis`` as numpy's reductions
do: the arguments are broadcast together first, then reduced along ``axis`` of the broadcast
shape (``axis=None``: the whole array is one distribution); ``keepdims=True`` keeps the reduced
axis with length 1. The result is a Python ``float`` for a single distribution, else an ndarray
of the batch shape (an empty batch gives an empty array). ``base=None`` gives nats, ``base=2``
bits. Bad input is refused with a ``ValueError`` that names it (:mod:`klutils._validation`).

Two differences from ``scipy.stats.entropy``: scipy reduces along axis 0 by default (here the
last axis), and scipy silently divides any non-negative input by its sum, while here each
distribution must sum to 1 within :func:`klutils._validation.sum_tolerance` (1e-6 for float64
and float32, about 7.8e-3 for float16) and is then renormalised exactly.

How the KL divergence is computed accurately
--------------------------------------------
The textbook sum :math:`\sum_i p_i \log(p_i/q_i)` adds terms of both signs that cancel when P and
Q are close. Here each term is the non-negative generalised term

.. math:: u \log\frac{u}{v} - u + v = (u + v)\, h(s), \qquad s = \frac{u - v}{u + v},
    \qquad h(s) = (1 + s)\operatorname{artanh}(s) - s \ge 0,

with :math:`u = p_i (1 + c)` and :math:`v = q_i`, computed by the series of :math:`h` for
:math:`|s| < 1/4` and by :math:`u\log(u/v) - (u - v)` above (:mod:`klutils._series`). For
vectors with sums :math:`U = \sum u` and :math:`V = \sum v`, the sum :math:`F` of these terms
satisfies exactly

.. math:: F / U = \mathrm{KL}(u/U \,\|\, v/V) + \varphi(-D/U), \qquad D = \sum_i (u_i - v_i),
    \qquad \varphi(t) = t - \log(1 + t),

so the KL divergence of the renormalised inputs is :math:`F/U - \varphi(-D/U)`, where :math:`D`
is summed in the same pass from differences :math:`u_i - v_i` that are exact when they matter
(Sterbenz's lemma). A first pass takes :math:`c = 0`. The rounding of :math:`F` costs
:math:`32\epsilon` relative to :math:`F/U`; when that, the rounding of :math:`D` and of the
products :math:`p_i c` are not below 2e-15 of the result (for KL below about 1e-28, or
unnormalised inputs with KL below about 1e-20), the pass is repeated for those rows with
:math:`c - D/\sum p` in place of :math:`c`, so that :math:`\varphi` becomes negligible; from
the third pass on, :math:`c` is a double-double and :math:`p_i (1 + c) - q_i` is formed with one
rounding (Dekker's product); at most four passes. A row the passes leave unresolved (exact
KL below about 1e-95, where the double-double :math:`c` runs out of digits) is renormalised in
exact integer arithmetic if it has at most :data:`EXACT_FALLBACK_MAX` outcomes (slow, and so far
only seen for a point mass against itself plus a tiny mass); a longer one keeps the last pass's
result, or 0 where that is below its error bound. It is P that is scaled, not Q: an error in
:math:`u` moves a term by :math:`\log(u/v)` times it, an error in :math:`v` by :math:`u/v` times
it, and a subnormal :math:`q_i` cannot be scaled without rounding. The Jensen-Shannon divergence
is computed the same way from :math:`\tfrac12 (u + v) g(s)`,
:math:`g(s) = (1+s)\log(1+s) + (1-s)\log(1-s)`, whose correction for :math:`D` is exact to
second order (the first-order remainder enters the error bound).

The work is done in blocks of :data:`BLOCK_SIZE` elements, so the temporaries stay in cache.
The series take as few terms as the largest :math:`|s|` of a block needs, so a distribution
computed in a batch and alone can differ in the last bit or two (never beyond the accuracy
above).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from klutils._series import (
    SERIES_MAX,
    expm1_minus_t,
    js_closed,
    js_g,
    js_series,
    js_special,
    kl_closed,
    kl_series,
    kl_special,
    t_minus_log1p,
    two_product,
    two_sum,
)
from klutils._validation import (
    ROUNDING_TOLERANCE,
    as_result,
    broadcast_along_axis,
    check_keepdims,
    distribution_views,
    distributions,
    log_of_base,
    real_array,
    reduced_shape,
)

__all__ = [
    "cross_entropy",
    "entropy",
    "js_divergence",
    "kl_contributions",
    "kl_divergence",
    "kl_divergence_from_logits",
]

#: Elements handled per block (the float64 temporaries of a block fit in a 1 MiB cache).
BLOCK_SIZE = 16384

_EPS = float(np.finfo(np.float64).eps)
#: A pass is accepted when its error bound is at most this fraction of its result.
_ACCEPT = 2e-15
#: Relative error bound of a sum of non-negative terms (each within ~12 ulps, then summed).
_TERMS_ERROR = 32 * _EPS
#: Relative error bound of numpy's pairwise sum of one block (|d| summed).
_BLOCK_SUM_ERROR = (math.log2(BLOCK_SIZE) + 4) * _EPS
_MAX_PASSES = 4


# --- one pass over the data ------------------------------------------------------------------

def _exact_difference(p: np.ndarray, q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``p (1 + c) - q`` rounded once (TwoSum and Dekker's TwoProduct)."""
    e_hi, e_lo = two_sum(p, -q)
    m_hi, m_lo = two_product(p, np.broadcast_to(c, p.shape))
    d_hi, d_lo = two_sum(e_hi, m_hi)
    d_lo += e_lo
    d_lo += m_lo
    d_hi += d_lo
    return d_hi


def _pair(p: np.ndarray, q: np.ndarray, c: np.ndarray | None, exact: bool):
    """``u = p (1 + c)``, ``d = u - q`` (exact where it matters), ``w = u + q``, ``s = d / w``.

    ``c`` holds per row a double-double ``(hi, lo)``; ``lo`` is used only when ``exact``, where
    ``p (1 + hi) - q`` is formed with one rounding. It is ``p`` that is scaled, not ``q``: an
    error in ``u`` moves a term by ``log(u/q)`` times it, an error in ``v`` by ``u/v`` times it,
    which is huge when ``q`` is subnormal and cannot be scaled without rounding.
    """
    if c is None:
        u = p
        d = p - q
    else:
        c_hi = c[:, :1]
        pc = p * c_hi
        u = p + pc
        if exact:
            d = _exact_difference(p, q, c_hi)
            d += p * c[:, 1:]
        else:
            d = p - q
            d += pc
    w = u + q
    with np.errstate(divide="ignore", invalid="ignore"):
        s = d / w
    return u, d, w, s


def _by_closeness(s: np.ndarray, w: np.ndarray, series, closed) -> np.ndarray:
    """``w * series(s)`` where ``|s| < SERIES_MAX``, ``closed()`` elsewhere.

    The two fast paths (all small: no logarithm at all, and the series has as few terms as the
    largest ``|s|`` needs; none small: no gather or scatter) make nearly identical and random
    inputs both fast. The mixed case gathers by index, which is much faster than by mask.
    """
    size = np.abs(s)
    largest = float(size.max())  # NaN (0/0) if p = q = 0 somewhere: then not all small
    if largest < SERIES_MAX:
        terms = series(s, largest)
        terms *= w
        return terms
    where = np.flatnonzero(size < SERIES_MAX)
    terms = closed()
    if where.size:
        part = series(s.reshape(-1).take(where), SERIES_MAX)
        part *= w.reshape(-1).take(where)
        terms.reshape(-1)[where] = part  # fancy assignment: 3x faster than put here
    return terms


def _fixed(terms: np.ndarray, special, p, v, third) -> np.ndarray:
    """Per-row sums of ``terms``, after replacing non-finite ones by ``special`` if any."""
    sums = terms.sum(axis=-1)
    if np.isfinite(sums).all():
        return sums
    bad = ~np.isfinite(terms)  # zeros, and ratios beyond the float range (subnormal entries)
    terms[bad] = special(np.broadcast_to(p, bad.shape)[bad], np.broadcast_to(v, bad.shape)[bad],
                         third[bad])
    return terms.sum(axis=-1)


def _kl_terms(u, v, d, w, s):
    """Per-row sums of the generalised KL terms ``u log(u/v) - u + v``, given ``d = u - v``."""
    terms = _by_closeness(s, w, kl_series, lambda: kl_closed(u, v, d))
    return _fixed(terms, kl_special, u, v, d)


def _js_terms(u, v, d, w, s):
    """Per-row sums of the JS terms ``u log(2u/w) + v log(2v/w)``, ``w = u + v``."""
    terms = _by_closeness(s, 0.5 * w, js_series, lambda: js_closed(u, v, s, w))
    return _fixed(terms, js_special, u, v, w)


def _kl_block(p, q, c, exact):
    """Sums per row of the generalised KL terms of one block, and ``d``."""
    u, d, w, s = _pair(p, q, c, exact)
    return _kl_terms(u, q, d, w, s), d


def _js_block(p, q, c, exact):
    """Sums per row of the JS terms of one block, and ``d``."""
    u, d, w, s = _pair(p, q, c, exact)
    return _js_terms(u, q, d, w, s), d


#: Rows up to this length that the passes cannot resolve are renormalised in exact integers.
EXACT_FALLBACK_MAX = 100_000


def _exact_row(p: np.ndarray, q: np.ndarray, term_sums) -> float:
    """The divergence of one row from its exactly renormalised entries (Python integers).

    ``x_i = p_i/a``, ``y_i = q_i/b`` and ``x_i - y_i`` are each rounded once from exact
    rationals, so no mismatch of the sums is left to correct: the slow, exact path for rows
    whose KL is below what the passes resolve (about 1e-95).
    """
    def scaled(values):  # each float as an integer multiple of 2**-1074
        out = []
        for value in values.tolist():
            numerator, denominator = abs(value).as_integer_ratio()
            out.append(numerator << (1074 - denominator.bit_length() + 1))
        return out

    big_p, big_q = scaled(p), scaled(q)
    a, b = sum(big_p), sum(big_q)
    ab = a * b
    x = np.array([v / a for v in big_p])
    y = np.array([v / b for v in big_q])
    d = np.array([(vp * b - vq * a) / ab for vp, vq in zip(big_p, big_q, strict=True)])
    w = np.array([(vp * b + vq * a) / ab for vp, vq in zip(big_p, big_q, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = d / w
    return float(term_sums(x[None], y[None], d[None], w[None], s[None])[0])


def _row_blocks(rows: int, n: int):
    """Yield ``(row_slice, column_slice)`` blocks of about :data:`BLOCK_SIZE` elements."""
    if n >= BLOCK_SIZE:
        for row in range(rows):
            for start in range(0, n, BLOCK_SIZE):
                yield slice(row, row + 1), slice(start, start + BLOCK_SIZE)
    else:
        step = max(1, BLOCK_SIZE // n)
        for start in range(0, rows, step):
            yield slice(start, start + step), slice(None)


def _sums_by_row(rows: int, n: int, block_sums: Callable) -> list[np.ndarray]:
    """Sum ``block_sums(row_slice, column_slice)`` (a tuple of per-row sums) over blocks.

    Long rows add their blocks' partial sums with :func:`math.fsum` (exact).
    """
    totals: list[np.ndarray] | None = None
    parts: dict[int, list[list[float]]] = {}
    for rs, cs in _row_blocks(rows, n):
        sums = block_sums(rs, cs)
        if totals is None:
            totals = [np.empty(rows) for _ in sums]
        if n >= BLOCK_SIZE:
            for k, value in enumerate(sums):
                parts.setdefault(rs.start, [[] for _ in sums])[k].append(float(value[0]))
        else:
            for total, value in zip(totals, sums, strict=True):
                total[rs] = value
    for row, lists in parts.items():
        for total, values in zip(totals, lists, strict=True):
            total[row] = math.fsum(values)
    return totals


def _pass(block_function, p: np.ndarray, q: np.ndarray, c: np.ndarray | None, exact: bool):
    """Per row of 2-D ``p``, ``q``: the sum of the terms, of ``d`` and of ``|d|``."""
    def block_sums(rs, cs):
        term_sums, d = block_function(p[rs, cs], q[rs, cs], None if c is None else c[rs], exact)
        total_d = d.sum(axis=-1)
        np.abs(d, out=d)
        return term_sums, total_d, d.sum(axis=-1)

    return _sums_by_row(p.shape[0], p.shape[1], block_sums)


# --- passes until the error bound is met ---------------------------------------------------

def _kl_from_sums(terms, total_d, u_sum):
    """KL of the renormalised pair from one pass, ``F/a - phi(-D/a)``, and that correction."""
    with np.errstate(invalid="ignore"):
        correction = t_minus_log1p(-total_d / u_sum)
        return terms / u_sum - correction, correction


def _js_from_sums(terms, total_d, u_sum):
    """Twice the JS divergence of the renormalised pair, ``F/a - j(kappa)``, and ``j``."""
    with np.errstate(invalid="ignore"):
        shifted = 2.0 * u_sum - total_d
        correction = shifted / (2.0 * u_sum) * js_g(total_d / shifted)
        return terms / u_sum - correction, correction


def _kl_error_bound(terms, total_d, total_abs_d, u_sum, c, exact, correction):
    """A bound on the error a pass adds to its KL by correcting the mismatch of the sums.

    The rounding of the terms costs ``_TERMS_ERROR`` relative to ``F/a``; the part of it on the
    correction (beyond the result), then the rounding of ``D`` and of the products ``p c``. The
    rest (``_TERMS_ERROR`` relative to the result) no pass can reduce.
    """
    sum_error = _BLOCK_SUM_ERROR * total_abs_d
    bound = _TERMS_ERROR * correction
    bound += (np.abs(total_d) * sum_error + 0.5 * sum_error**2) / u_sum**2
    if c is not None:  # rounding of p c in each d (of p c_lo only, once d is formed exactly)
        # moves u_i by (eps/2) |c| u_i, each term by |log(u_i/v_i)| times that, and
        # sum u |log(u/v)| <= 2.1 sum |d| + F (|log(u/v)| <= 2.1 |s| below SERIES_MAX)
        rounded = np.abs(c[:, 1] if exact else c[:, 0])
        bound += 0.5 * _EPS * rounded * (2.1 * total_abs_d + terms) / u_sum
    return bound


def _js_error_bound(terms, total_d, total_abs_d, u_sum, c, exact, correction):
    """As :func:`_kl_error_bound`, for the doubled JS divergence.

    The correction j is exact only to second order in the mismatch ``D/a``: the first-order
    remainder is at most ``2 |D/a|`` times the result.
    """
    bound = _kl_error_bound(terms, total_d, total_abs_d, u_sum, c, exact, correction)
    return bound + 2.0 * np.abs(total_d / u_sum) * terms / u_sum


def _divergence(block_function, from_sums, error_bound, p, q, p_sum, q_sum) -> np.ndarray:
    """Run the passes of :func:`_pass` for every distribution of the batch; batch-shaped result."""
    del q_sum  # the passes find the ratio of the sums themselves
    batch, n = p.shape[:-1], p.shape[-1]
    if p.size == 0:
        return np.zeros(batch)
    p2, q2 = p.reshape(-1, n), q.reshape(-1, n)
    a = np.reshape(p_sum, -1) if np.shape(p_sum) == batch else np.broadcast_to(p_sum, batch).ravel()
    result = np.empty(p2.shape[0])
    todo = np.arange(p2.shape[0])
    c = None
    for number in range(_MAX_PASSES):
        if todo.size == p2.shape[0]:  # every row (no copy)
            p_rows, q_rows = p2, q2
        else:
            p_rows, q_rows = p2[todo], q2[todo]
        if number:
            u_sum = a[todo] * (1.0 + c[:, 0]) + a[todo] * c[:, 1]
        else:
            u_sum = a
        exact = number >= 2
        terms, total_d, total_abs_d = _pass(block_function, p_rows, q_rows, c, exact)
        values, correction = from_sums(terms, total_d, u_sum)
        result[todo] = values
        bound = error_bound(terms, total_d, total_abs_d, u_sum, c, exact, correction)
        with np.errstate(invalid="ignore"):
            done = ~np.isfinite(values) | (bound <= _ACCEPT * values)
        if done.all():
            break
        again = ~done
        todo = todo[again]
        shift = -total_d[again] / a[todo]  # c - D/a makes sum p (1 + c) = sum q
        if c is None:
            c = np.zeros((todo.size, 2))
        else:
            c = c[again]
        c[:, 0], low = two_sum(c[:, 0], shift)
        c[:, 1] += low
    else:  # bound not met after the last pass
        term_sums = _kl_terms if block_function is _kl_block else _js_terms
        unresolved = todo[~done]
        if n <= EXACT_FALLBACK_MAX:
            for row in unresolved:
                result[row] = _exact_row(p2[row], q2[row], term_sums)
        else:  # too long for Python integers: keep the pass's result, 0 below its bound
            result[unresolved[values[~done] <= bound[~done]]] = 0.0
    return np.maximum(result, 0.0).reshape(batch)


def _kl_nats(x, y, x_sum, y_sum) -> np.ndarray:
    """KL of validated distributions (last axis), batch-shaped, in nats."""
    return _divergence(_kl_block, _kl_from_sums, _kl_error_bound, x, y, x_sum, y_sum)


# --- the public functions -------------------------------------------------------------------

def _finish(values: np.ndarray, divisor: float, ndim: int, index, keepdims: bool):
    """Convert nats to the base, put back the reduced axis if asked, return float or array."""
    values = np.asarray(values) / divisor
    return as_result(reduced_shape(values, ndim, index, keepdims))


def _prepared(named, axis, keepdims):
    """Validated distributions plus what :func:`_finish` needs to shape the result."""
    keepdims = check_keepdims(keepdims)
    pairs = distributions(*named, axis=axis)
    ndim = max(np.ndim(value) for value, _ in named)
    index = None if axis is None else int(axis) % ndim
    return pairs, ndim, index, keepdims


def kl_divergence(p: ArrayLike, q: ArrayLike, *, base: float | None = None, axis: int | None = -1,
                  keepdims: bool = False) -> float | np.ndarray:
    r"""Kullback-Leibler divergence KL(P ‖ Q) of discrete distributions.

    Parameters
    ----------
    p : array_like
        The reference distribution P: probabilities along ``axis`` summing to 1 (within 1e-6
        for float64 and float32 input, about 7.8e-3 for float16).
    q : array_like
        The model distribution Q; ``p`` and ``q`` broadcast together as numpy arrays do.
    base : float, optional
        Logarithm base, a finite number greater than 1: None (default) gives nats, 2 gives bits.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole array as one distribution.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    float or numpy.ndarray
        KL(P ‖ Q) >= 0; a float for a single pair, an array of the batch shape otherwise (empty
        for an empty batch). ``inf`` where some outcome has p > 0 and q = 0.

    Raises
    ------
    ValueError
        If an input is not an array of real numbers (bool, complex, object, datetime, masked
        and longdouble arrays are refused), has no outcome, has a NaN, an infinite or a negative
        entry, does not sum to 1 within its tolerance, if the shapes do not broadcast, or if
        ``axis``, ``keepdims`` or ``base`` is not valid.

    Notes
    -----
    .. math:: \mathrm{KL}(P \,\|\, Q) = \sum_i p_i \log\frac{p_i}{q_i},

    with :math:`0 \log(0/q) = 0`, for the inputs divided by their sums exactly. Unlike
    ``scipy.stats.entropy(p, q)``, the default axis is the last one (scipy: 0), and input that
    does not sum to 1 is refused (scipy divides anything by its sum).

    The result is within 1e-14 relative of the exact KL divergence of the float inputs
    (``tests/test_exactness.py``, against exact rationals and 256-bit mpmath): random pairs,
    pairs one ulp apart (KL near 1e-32), unnormalised inputs, subnormal and signed-zero entries
    and probabilities next to 1 alike; identical inputs give exactly 0.0. A result below the
    normal float range (under about ``n * 1e-308``) is accurate to a few subnormal ulps per
    outcome instead. See the module notes for how.

    Examples
    --------
    >>> round(kl_divergence([0.5, 0.5], [0.6, 0.4]), 6)
    0.020411
    >>> round(kl_divergence([0.5, 0.5], [0.6, 0.4], base=2), 6)
    0.029447
    >>> kl_divergence([1.0, 0.0], [0.0, 1.0])
    inf
    >>> kl_divergence([[0.5, 0.5], [0.9, 0.1]], [0.5, 0.5]).round(4).tolist()
    [0.0, 0.3681]
    """
    divisor = log_of_base(base)
    pairs, ndim, index, keepdims = _prepared([(p, "p"), (q, "q")], axis, keepdims)
    (x, x_sum), (y, y_sum) = pairs
    return _finish(_kl_nats(x, y, x_sum, y_sum), divisor, ndim, index, keepdims)



def js_divergence(p: ArrayLike, q: ArrayLike, *, base: float | None = None, axis: int | None = -1,
                  keepdims: bool = False) -> float | np.ndarray:
    r"""Jensen-Shannon divergence of discrete distributions (symmetric, at most log 2).

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (see :func:`kl_divergence`); they broadcast together.
    base : float, optional
        Logarithm base greater than 1: None (default) gives nats, 2 gives bits (then the
        result is <= 1).
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole array as one distribution.
    keepdims : bool, optional
        Keep the reduced axis with length 1.

    Returns
    -------
    float or numpy.ndarray
        JS(P, Q) in [0, log 2]; a float for a single pair, an array of the batch shape otherwise.

    Raises
    ------
    ValueError
        On invalid input, as :func:`kl_divergence`.

    Notes
    -----
    .. math:: \mathrm{JS}(P, Q) = \tfrac12 \mathrm{KL}(P \,\|\, M)
        + \tfrac12 \mathrm{KL}(Q \,\|\, M), \qquad M = \tfrac12 (P + Q).

    Computed from :math:`s = (p - q)/(p + q)` per outcome, without forming M (series for
    :math:`|s| < 1/4`, ``artanh`` and ``log1p`` forms above), so it keeps the accuracy of
    :func:`kl_divergence` (1e-14 relative) on both sides of every switch and for nearly
    identical inputs. Always finite. Unlike ``scipy.spatial.distance.jensenshannon``, this is
    the divergence, not its square root, the default axis is the last one (scipy: 0), and
    unnormalised input is refused.

    Examples
    --------
    >>> round(js_divergence([1.0, 0.0], [0.0, 1.0], base=2), 12)
    1.0
    >>> js_divergence([0.2, 0.8], [0.2, 0.8])
    0.0
    """
    divisor = log_of_base(base)
    pairs, ndim, index, keepdims = _prepared([(p, "p"), (q, "q")], axis, keepdims)
    (x, x_sum), (y, y_sum) = pairs
    values = 0.5 * _divergence(_js_block, _js_from_sums, _js_error_bound, x, y, x_sum, y_sum)
    return _finish(np.minimum(values, math.log(2.0)), divisor, ndim, index, keepdims)


def _entropy_nats(x: np.ndarray, x_sum: np.ndarray) -> np.ndarray:
    """Entropy of each distribution along the last axis (batch shape), in nats.

    Each term is ``-y log y`` with ``y = x / sum``, except for an outcome holding more than
    half the mass: its term is ``-(1 - r) log1p(-r)`` with ``r`` the rest of the mass divided by
    the total, summed directly, so a probability next to 1 loses no digits.
    """
    batch, n = x.shape[:-1], x.shape[-1]
    if x.size == 0:
        return np.zeros(batch)
    x2 = x.reshape(-1, n)
    a = np.broadcast_to(x_sum, batch).reshape(-1)
    largest = np.argmax(x2, axis=-1)
    top = x2[np.arange(x2.shape[0]), largest]
    dominant = top > 0.5 * a

    log_a = np.log(a)

    def block_sums(rs, cs):
        return (_sum_x_log_x_over(x2[rs, cs], log_a[rs, None]),)

    (result,) = _sums_by_row(x2.shape[0], n, block_sums)
    result = -result / a
    rows = np.flatnonzero(dominant)
    if rows.size:
        rest = x2[rows].copy()
        rest[np.arange(rows.size), largest[rows]] = 0.0
        rest_mass = rest.sum(axis=-1)
        total = top[rows] + rest_mass
        ratio = rest_mass / total
        rest_terms = _sum_x_log_x_over(rest, np.log(total)[:, None]) / total
        result[rows] = -rest_terms - (1.0 - ratio) * np.log1p(-ratio)
    return np.maximum(result, 0.0).reshape(batch)


def _sum_x_log_x_over(x: np.ndarray, log_total: np.ndarray) -> np.ndarray:
    """``sum x (log x - log_total)`` along the last axis, ``0 log 0 = 0``.

    Not ``(x/total) log(x/total)``: a subnormal quotient would lose its digits.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.log(x)
        terms -= log_total
        terms *= x
    sums = terms.sum(axis=-1)
    if np.isnan(sums).any():
        terms[np.isnan(terms)] = 0.0
        sums = terms.sum(axis=-1)
    return sums


def entropy(p: ArrayLike, *, base: float | None = None, axis: int | None = -1,
            keepdims: bool = False) -> float | np.ndarray:
    r"""Shannon entropy H(P) of a discrete distribution.

    Parameters
    ----------
    p : array_like
        Probabilities along ``axis``, summing to 1 (within 1e-6 for float64 and float32, about
        7.8e-3 for float16); divided by their sum exactly before use.
    base : float, optional
        Logarithm base greater than 1: None (default) gives nats, 2 gives bits.
    axis : int or None, optional
        The axis along which each distribution lies (default: the last); None reads the whole
        array as one distribution (the joint entropy of a table).
    keepdims : bool, optional
        Keep the reduced axis with length 1.

    Returns
    -------
    float or numpy.ndarray
        H(P) >= 0; a float for one distribution, an array of the batch shape otherwise.

    Raises
    ------
    ValueError
        On invalid input, as :func:`kl_divergence`.

    Notes
    -----
    .. math:: H(P) = -\sum_i p_i \log p_i, \qquad 0 \log 0 = 0.

    Within 1e-14 relative of the exact entropy of the float inputs, also for a probability next
    to 1 (``[1 - 2**-53, 1e-16]``), where ``-p log p`` with ``log`` of the rounded ratio would
    be 0.3 % off. Unlike ``scipy.stats.entropy(p)``, the default axis is the last one (scipy: 0)
    and unnormalised input is refused.

    Examples
    --------
    >>> entropy([0.5, 0.5], base=2)
    1.0
    >>> entropy([1.0, 0.0])
    0.0
    >>> entropy([[0.25, 0.25], [0.25, 0.25]], axis=None, base=2)
    2.0
    """
    divisor = log_of_base(base)
    pairs, ndim, index, keepdims = _prepared([(p, "p")], axis, keepdims)
    [(x, x_sum)] = pairs
    return _finish(_entropy_nats(x, x_sum), divisor, ndim, index, keepdims)


def cross_entropy(p: ArrayLike, q: ArrayLike, *, base: float | None = None,
                  axis: int | None = -1, keepdims: bool = False) -> float | np.ndarray:
    r"""Cross-entropy H(P, Q): the average surprise under Q of outcomes drawn from P.

    Parameters
    ----------
    p : array_like
        The distribution the outcomes come from, along ``axis``.
    q : array_like
        The distribution used to score them; ``p`` and ``q`` broadcast together.
    base : float, optional
        Logarithm base greater than 1: None (default) gives nats, 2 gives bits.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole array as one distribution.
    keepdims : bool, optional
        Keep the reduced axis with length 1.

    Returns
    -------
    float or numpy.ndarray
        H(P, Q) = H(P) + KL(P ‖ Q) >= 0; ``inf`` where p > 0 and q = 0.

    Raises
    ------
    ValueError
        On invalid input, as :func:`kl_divergence`.

    Notes
    -----
    .. math:: H(P, Q) = -\sum_i p_i \log q_i = H(P) + \mathrm{KL}(P \,\|\, Q).

    With a one-hot P this is the log loss :math:`-\log q_{\text{true}}`. Computed as the sum of
    :func:`entropy` and :func:`kl_divergence`, two non-negative numbers each within 1e-14, so
    the sum is too, also for ``q`` next to 1 (``cross_entropy([1, 0], [1 - 2**-53, 1e-16])``,
    where ``-log`` of the rounded ratio is 11 % off). scipy has no cross-entropy function; the
    usual ``scipy.stats.entropy(p) + scipy.stats.entropy(p, q)`` reduces along axis 0 by
    default (here the last axis) and silently divides unnormalised input by its sum (here it is
    refused).

    Examples
    --------
    >>> round(cross_entropy([1.0, 0.0, 0.0], [0.7, 0.2, 0.1]), 6)
    0.356675
    >>> cross_entropy([0.5, 0.5], [0.5, 0.5], base=2)
    1.0
    """
    divisor = log_of_base(base)
    pairs, ndim, index, keepdims = _prepared([(p, "p"), (q, "q")], axis, keepdims)
    (x, x_sum), (y, y_sum) = pairs
    values = _entropy_nats(x, x_sum) + _kl_nats(x, y, x_sum, y_sum)
    return _finish(values, divisor, ndim, index, keepdims)


# --- logits ----------------------------------------------------------------------------------

def _logits(named, axis):
    """Validated logits broadcast together, the distribution axis last; the axis index."""
    arrays = []
    for value, name in named:
        array = real_array(value, name, allow_infinite=True, allow_empty=True)  # no NaN
        if array.ndim == 0:
            raise ValueError(f"{name} must be a vector of logits (at least one dimension); got "
                             f"the scalar {array.item()!r}")
        if np.isposinf(array).any():
            raise ValueError(f"{name} contains +inf; logits must be finite (or -inf for "
                             f"probability zero)")
        arrays.append(array)
    names = [name for _, name in named]
    broadcast, index = broadcast_along_axis(arrays, names, axis)
    views = distribution_views(broadcast, index)
    if views[0].shape[-1] == 0:
        raise ValueError(f"{names[0]} is empty: a distribution needs at least one outcome")
    for view, name in zip(views, names, strict=True):
        if view.size and not np.isfinite(view).any(axis=-1).all():
            raise ValueError(f"{name} has a distribution whose logits are all -inf")
    return views, index


def _half_offsets(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z - max z)/2`` as an exact pair ``(hi, lo)``, and ``exp(z - max z)``, per row.

    Halving first keeps the difference finite for any finite logits (1e308 and -1e308).
    """
    half = 0.5 * z
    top = np.max(half, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        hi, lo = two_sum(half, -top)
    lo[np.isinf(hi)] = 0.0
    with np.errstate(over="ignore"):
        weights = np.exp(2.0 * hi) * (1.0 + 2.0 * lo)
    return hi, lo, weights


def _logit_terms(zp: np.ndarray, zq: np.ndarray) -> np.ndarray:
    """Generalised KL terms ``p (e^{-r} - 1 + r)`` per outcome, ``r = log p_i - log q_i``."""
    ah, al, ea = _half_offsets(zp)  # log p_i = 2 (ah + al) - log(sum ea)
    bh, bl, eb = _half_offsets(zq)
    sum_p = ea.sum(axis=-1, keepdims=True)
    sum_q = eb.sum(axis=-1, keepdims=True)
    log_sum_p, log_sum_q = np.log(sum_p), np.log(sum_q)
    p, q = ea / sum_p, eb / sum_q
    with np.errstate(invalid="ignore", over="ignore"):
        eh, el = two_sum(ah, -bh)  # (log p_i - log q_i)/2 up to the normalisations: exact
        el += al
        el -= bl
        # r = e - delta with delta = log(sum_p / sum_q); refine delta so that sum q e^r = 1.
        guess = log_sum_p - log_sum_q
        x_half = (eh - 0.5 * guess) + el
        x = 2.0 * x_half
        moderate = x <= 1.0
        mass = np.where(moderate, eb * np.expm1(np.where(moderate, x, 0.0)),
                        ea * np.exp(-guess) - eb)
        mass[(ea == 0) & (eb == 0)] = 0.0
        correction = np.log1p(mass.sum(axis=-1, keepdims=True) / sum_q)
        r_half = x_half - 0.5 * correction
        r = 2.0 * r_half
        near = (r >= -2.0) & (r <= 2.0)
        terms = np.where(near, p * expm1_minus_t(-np.where(near, r, 0.0)), 0.0)
        up = r > 2.0  # p > e^2 q: p (r - 1) + q, with r/2 so that r p does not overflow early
        terms = np.where(up, 2.0 * (p * (r_half - 0.5)) + q, terms)
        down = r < -2.0  # q > e^2 p: q (1 - e^r (1 - r)), with r/2 so that r e^r is not nan
        r_down = np.where(down, r, 0.0)
        terms = np.where(down, q * (2.0 * (np.where(down, r_half, 0.0) * np.exp(r_down))
                                    - np.expm1(r_down)), terms)
    tiny_p = up & (p < np.finfo(np.float64).tiny)
    if tiny_p.any():  # p subnormal: take p (r - 1) as exp(log p + 700) (r - 1) e^-700
        with np.errstate(over="ignore", invalid="ignore"):
            log_p_hi, log_p_lo = two_sum(2.0 * ah[tiny_p],
                                         -np.broadcast_to(log_sum_p, ah.shape)[tiny_p])
            scaled = np.exp(log_p_hi + 700.0) * (1.0 + np.nan_to_num(log_p_lo) + 2.0 * al[tiny_p])
        terms[tiny_p] = 2.0 * (scaled * (r_half[tiny_p] - 0.5)) * math.exp(-700.0) + q[tiny_p]
    no_p = np.isneginf(zp) | (ea == 0) & ~tiny_p & ~up
    terms[no_p] = q[no_p]  # p = 0: the term is q
    terms[np.isneginf(zq) & np.isfinite(zp)] = np.inf  # p > 0 = q, however small p is
    return terms


def kl_divergence_from_logits(logits_p: ArrayLike, logits_q: ArrayLike, *,
                              base: float | None = None, axis: int | None = -1,
                              keepdims: bool = False) -> float | np.ndarray:
    r"""KL(P ‖ Q) where P = softmax(logits_p) and Q = softmax(logits_q), computed stably.

    Parameters
    ----------
    logits_p, logits_q : array_like
        Unnormalised log-probabilities along ``axis`` (any finite values; ``-inf`` means
        probability zero). Adding a constant to a row changes nothing. They broadcast together.
    base : float, optional
        Logarithm base greater than 1: None (default) gives nats, 2 gives bits.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole array as one distribution.
    keepdims : bool, optional
        Keep the reduced axis with length 1.

    Returns
    -------
    float or numpy.ndarray
        KL(P ‖ Q) >= 0, a float for one pair, an array of the batch shape otherwise.

    Raises
    ------
    ValueError
        If an input is empty, not real, contains NaN or +inf, or is all -inf in some row; on
        shapes that do not broadcast or an invalid ``axis``, ``keepdims`` or ``base``.

    Notes
    -----
    With :math:`r_i = \log p_i - \log q_i`, the sum of the non-negative terms

    .. math:: \mathrm{KL}(P \,\|\, Q) = \sum_i p_i \big(e^{-r_i} - 1 + r_i\big).

    The differences :math:`z_i - \max z` are taken exactly (TwoSum) after halving, so logits of
    any size (up to ±1.8e308) and any common offset do not overflow or lose digits, and the
    normalisation :math:`\log \sum_i q_i e^{(z^P_i - z^Q_i)}` is recomputed around its first
    estimate, so logits one ulp apart give KL ~ 1e-33 to full precision. Within 1e-14 relative
    of the exact value of the float inputs (``tests/test_exactness.py``). scipy has no KL from
    logits; ``scipy.stats.entropy(softmax(zp), softmax(zq))`` reduces along axis 0 by default
    (here the last axis) and gives ``inf`` where a softmax underflows to 0 while the KL is
    finite (logits of +-1000).

    Examples
    --------
    >>> round(kl_divergence_from_logits([1000.0, 0.0], [0.0, 1000.0]), 6)
    1000.0
    >>> kl_divergence_from_logits([1.0, 2.0, 3.0], [11.0, 12.0, 13.0])
    0.0
    """
    divisor = log_of_base(base)
    keepdims = check_keepdims(keepdims)
    (zp, zq), index = _logits([(logits_p, "logits_p"), (logits_q, "logits_q")], axis)
    ndim = max(np.ndim(logits_p), np.ndim(logits_q))
    batch, n = zp.shape[:-1], zp.shape[-1]
    if zp.size == 0:
        values = np.zeros(batch)
    else:
        terms = _logit_terms(zp.reshape(-1, n), zq.reshape(-1, n))
        values = np.maximum(terms.sum(axis=-1), 0.0).reshape(batch)
    return _finish(values, divisor, ndim, index, keepdims)


# --- per-outcome terms ------------------------------------------------------------------------

def kl_contributions(p: ArrayLike, q: ArrayLike, *, base: float | None = None,
                     axis: int | None = -1) -> np.ndarray:
    r"""Each outcome's term :math:`p_i \log(p_i/q_i)` of KL(P ‖ Q).

    Parameters
    ----------
    p, q : array_like
        Distributions over the same outcomes along ``axis`` (each summing to 1 within its
        tolerance, see :func:`kl_divergence`); they broadcast together.
    base : float, optional
        Logarithm base greater than 1: None (default) gives nats, 2 gives bits.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole array as one distribution.

    Returns
    -------
    numpy.ndarray
        One term per outcome, in the broadcast shape of ``p`` and ``q``. A term is negative
        where :math:`q_i > p_i`, zero where :math:`p_i = 0` (the convention
        :math:`0 \log 0 = 0`) and ``inf`` where :math:`q_i = 0 < p_i`. The terms are those of
        the inputs divided by their sums exactly (an outcome with :math:`p_i = q_i` gives
        exactly 0 when the two sums are equal, and a sum within 1e-12 of 1 counts as 1, as
        :func:`klutils._validation.renormalised` does), so they sum to :func:`kl_divergence`
        (which computes that sum more accurately when P and Q are nearly equal).

    Raises
    ------
    ValueError
        On invalid input, as :func:`kl_divergence`.

    Notes
    -----
    Unlike ``scipy.special.rel_entr(p, q)``, which gives :math:`p_i \log(p_i/q_i)` of whatever
    it is handed, the inputs are checked and renormalised as distributions along ``axis``.

    Examples
    --------
    >>> kl_contributions([0.5, 0.5], [0.25, 0.75], base=2).round(4).tolist()
    [0.5, -0.2925]
    >>> kl_contributions([1.0, 0.0], [0.5, 0.5]).round(4).tolist()
    [0.6931, 0.0]
    >>> kl_contributions([[0.5, 0.5], [0.9, 0.1]], [0.5, 0.5]).round(4).tolist()
    [[0.0, 0.0], [0.529, -0.1609]]
    """
    divisor = log_of_base(base)
    pairs, ndim, index, _ = _prepared([(p, "p"), (q, "q")], axis, False)
    (x, x_sum), (y, y_sum) = pairs
    if x.size == 0:
        return np.zeros(x.shape)
    # As renormalised(): a sum within rounding of 1 is taken as 1, so p_i = q_i gives 0 exactly.
    a = np.where(np.abs(x_sum - 1.0) <= ROUNDING_TOLERANCE, 1.0, x_sum)[..., None]
    b = np.where(np.abs(y_sum - 1.0) <= ROUNDING_TOLERANCE, 1.0, y_sum)[..., None]
    both = (a != 1.0) & (b != 1.0)  # then a - b is best summed from the exact differences
    with np.errstate(invalid="ignore"):
        gap = np.where(both, (x - y).sum(axis=-1, keepdims=True) if both.any() else 0.0, a - b)
    mismatch = gap / b  # a/b - 1: v = q a/b makes p/v = (p/a)/(q/b)
    v = y + y * mismatch
    d = (x - y) - y * mismatch
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = np.log1p(np.abs(d) / np.minimum(x, v))
        np.copysign(log_ratio, d, out=log_ratio)
        weight = x / a
        terms = weight * log_ratio
    bad = ~np.isfinite(terms)
    if bad.any():
        xb, vb = np.broadcast_to(x, bad.shape)[bad], np.broadcast_to(v, bad.shape)[bad]
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(np.where(xb > 0, xb, 1.0)) - np.log(np.where(vb > 0, vb, 1.0))
        fixed = np.where(vb > 0, np.broadcast_to(weight, bad.shape)[bad] * logs, np.inf)
        terms[bad] = np.where(xb > 0, fixed, 0.0)
    terms = terms / divisor
    if index is None:
        return terms.reshape(np.broadcast_shapes(np.shape(p), np.shape(q)))
    return np.moveaxis(terms, -1, index)
