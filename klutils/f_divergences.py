r"""f-divergences: KL, reverse KL, chi-square, Hellinger, total variation and Jensen-Shannon as
one family, and Pinsker's bound between two of them.

For a convex function :math:`f` on :math:`[0, \infty)` with :math:`f(1) = 0`, the
**f-divergence** of P from Q is

.. math:: D_f(P \,\|\, Q) = \sum_x q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) \;\ge\; 0,

the average under Q of a convex function of the likelihood ratio :math:`t = p/q` (Csiszár
1963, Ali and Silvey 1966). Outcomes with :math:`q(x) = 0 < p(x)` count
:math:`p(x) \lim_{t \to \infty} f(t)/t`; outcomes with :math:`p(x) = q(x) = 0` count nothing.
Jensen's inequality makes every member non-negative, zero when P = Q, and shrunk by any
processing of the data (the data-processing inequality).

=======================  ===============================================  ================
divergence               generator :math:`f(t)`                           range
=======================  ===============================================  ================
KL(P‖Q)                  :math:`t \log t`                                 [0, inf]
reverse KL, KL(Q‖P)      :math:`-\log t`                                  [0, inf]
chi-square               :math:`(t - 1)^2`                                [0, inf]
squared Hellinger        :math:`\tfrac12 (\sqrt t - 1)^2`                 [0, 1]
total variation          :math:`\tfrac12 |t - 1|`                         [0, 1]
Jensen-Shannon           :math:`\tfrac12 [t \log\frac{2t}{1+t} + \log\frac{2}{1+t}]`  [0, log 2]
=======================  ===============================================  ================

:func:`f_divergence` computes the definition for any generator (the learner's own, or one of
:data:`GENERATORS`); the named functions below compute each member accurately. KL and
Jensen-Shannon are :func:`klutils.kl_divergence` and :func:`klutils.js_divergence`
(:func:`f_divergences` gathers all six). Logarithms are natural: the KL and JS values are in
nats; chi-square, Hellinger and total variation have no unit.

How the named members are computed
----------------------------------
Each is a sum of terms in the difference :math:`d = x - y` of the normalised vectors
:math:`x = p/\sum p`, :math:`y = q/\sum q`: :math:`\tfrac12 |d|` (total variation),
:math:`(d/\sqrt y)^2` (chi-square), :math:`\tfrac12 d^2/(\sqrt x + \sqrt y)^2` (squared
Hellinger, the same as :math:`\tfrac12(\sqrt x - \sqrt y)^2` without its cancellation). The
difference is formed as
:math:`\big((p - q) + (p\beta - q\alpha)\big)/\big((1+\alpha)(1+\beta)\big)`, with the offsets
:math:`\alpha = \sum p - 1`, :math:`\beta = \sum q - 1` exact (two :func:`math.fsum` each) and
the products and sums error-free (Dekker's and Knuth's transformations,
:func:`klutils._series.two_product` and :func:`klutils._series.two_sum`), so that nearly
identical inputs, and inputs whose sums are off from 1, keep their digits. Measured against
exact rational arithmetic (``tests/test_f_divergences.py``, hypothesis drawing subnormal
entries, entries next to 1, pairs a few ulps apart and sums off by ulps or by up to 1e-6):
relative error below 1e-14 (worst seen 9e-16), or absolute error below
:math:`10^{-31}(|\sum p - 1| + |\sum q - 1|)` for divergences that small (the offsets' last
bits). Results beyond the float range are ``inf``, without a warning.

Examples
--------
>>> p, q = [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]
>>> round(total_variation(p, q), 12), round(chi_square_divergence(p, q), 6)
(0.4, 1.866667)
>>> round(squared_hellinger(p, q), 6), round(pinsker_bound(0.5), 6)
(0.129983, 0.5)
>>> round(f_divergence(p, q, GENERATORS["total_variation"]), 12)
0.4
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from klutils._series import two_product, two_sum
from klutils._validation import (
    as_result,
    check_keepdims,
    distributions,
    function,
    real_array,
    real_number,
    reduced_shape,
)
from klutils.divergences import js_divergence, kl_divergence

__all__ = [
    "GENERATORS",
    "FDivergences",
    "Generator",
    "chi_square_divergence",
    "f_divergence",
    "f_divergences",
    "pinsker_bound",
    "squared_hellinger",
    "total_variation",
]


class Generator(NamedTuple):
    """A convex function f with f(1) = 0 and its slope at infinity, lim f(t)/t."""

    #: What the divergence is called, as the book prints it.
    label: str
    #: f(t) for an array of ratios t >= 0 (vectorised; inf allowed at t = 0).
    f: Callable[[np.ndarray], np.ndarray]
    #: lim_{t -> inf} f(t) / t: the cost per unit of p where q = 0 (inf: the divergence is inf).
    slope_at_infinity: float


def _kl_generator(t: np.ndarray) -> np.ndarray:
    return special.xlogy(t, t)


def _reverse_kl_generator(t: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return -np.log(t)


def _chi_square_generator(t: np.ndarray) -> np.ndarray:
    return (t - 1.0) ** 2


def _hellinger_generator(t: np.ndarray) -> np.ndarray:
    return 0.5 * (np.sqrt(t) - 1.0) ** 2


def _total_variation_generator(t: np.ndarray) -> np.ndarray:
    return 0.5 * np.abs(t - 1.0)


def _jensen_shannon_generator(t: np.ndarray) -> np.ndarray:
    return 0.5 * (special.xlogy(t, 2.0 * t / (1.0 + t)) + np.log(2.0 / (1.0 + t)))


#: The six generators of the course, by name (their labels print as the book spells them).
GENERATORS: dict[str, Generator] = {
    "kl": Generator("KL(P‖Q)", _kl_generator, math.inf),
    "reverse_kl": Generator("KL(Q‖P)", _reverse_kl_generator, 0.0),
    "chi_square": Generator("χ²(P‖Q)", _chi_square_generator, math.inf),
    "squared_hellinger": Generator("H²(P, Q)", _hellinger_generator, 0.5),
    "total_variation": Generator("TV(P, Q)", _total_variation_generator, 0.5),
    "jensen_shannon": Generator("JS(P, Q)", _jensen_shannon_generator, 0.5 * math.log(2.0)),
}


def f_divergence(p: ArrayLike, q: ArrayLike, generator: Generator | Callable, *,
                 slope_at_infinity: float | None = None, axis: int | None = -1,
                 keepdims: bool = False) -> float | np.ndarray:
    r"""The f-divergence :math:`D_f(P \,\|\, Q) = \sum_x q(x) f(p(x)/q(x))`, from its definition.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6; used divided by their sums);
        batch shapes broadcast.
    generator : Generator or callable
        One of :data:`GENERATORS`, or a vectorised convex function ``f(t)`` with
        ``f(1) == 0``.
    slope_at_infinity : float, optional
        :math:`\lim_{t\to\infty} f(t)/t`, what an outcome with :math:`q = 0 < p` costs per unit
        of :math:`p` (``inf`` allowed). Taken from ``generator`` when it is a
        :class:`Generator`; required for a plain function when some such outcome occurs.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole (broadcast) arrays as one pair, as :func:`klutils.kl_divergence`.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    float or numpy.ndarray
        :math:`D_f \ge 0`; a float for a single pair, else an array of the batch shape.

    Raises
    ------
    ValueError
        On invalid distributions; if ``f`` is not callable, ``f(1)`` is not 0, ``f`` returns
        NaN or ``-inf``, the slope is missing where it is needed, or the sum comes out
        negative beyond rounding (``f`` is not convex).

    Notes
    -----
    This is the definition, written for teaching and for new generators; for the six members
    of :data:`GENERATORS` the named functions (and :func:`klutils.kl_divergence`,
    :func:`klutils.js_divergence`) are more accurate when P and Q are close, where the terms
    :math:`q f(p/q)` cancel.

    Examples
    --------
    >>> round(f_divergence([0.5, 0.5], [0.9, 0.1], GENERATORS["kl"]), 6)
    0.510826
    >>> alpha = lambda t: 4 * (1 - t ** 0.5)  # alpha-divergence with alpha = 0: 4 (1 - BC)
    >>> round(f_divergence([0.5, 0.5], [0.9, 0.1], alpha, slope_at_infinity=0.0), 6)
    0.422291
    """
    if isinstance(generator, Generator):
        f, slope = generator.f, generator.slope_at_infinity
        if slope_at_infinity is not None:
            raise ValueError("slope_at_infinity comes with the Generator; do not pass it again")
    else:
        f, slope = function(generator, "generator"), slope_at_infinity
        if slope is not None:
            slope = real_number(slope, "slope_at_infinity", allow_infinite=True)
    keepdims = check_keepdims(keepdims)
    (x, x_sum), (y, y_sum) = distributions((p, "p"), (q, "q"), axis=axis)
    x = x / x_sum[..., None]
    y = y / y_sum[..., None]
    at_one = np.asarray(f(np.ones(1)), dtype=np.float64)
    if at_one.shape != (1,) or not abs(float(at_one[0])) <= 1e-12:
        raise ValueError(f"the generator must be a vectorised function with f(1) = 0; "
                         f"f([1.0]) returned {at_one!r}")
    inside = y > 0
    ratios = np.divide(x, y, out=np.ones_like(x), where=inside)
    values = np.asarray(f(ratios), dtype=np.float64)
    if values.shape != ratios.shape:
        raise ValueError(f"the generator must be vectorised: for ratios of shape {ratios.shape} "
                         f"it returned shape {values.shape}")
    if np.any(np.isnan(values)) or np.any(values == -np.inf):
        raise ValueError("the generator returned NaN or -inf for a ratio p/q")
    with np.errstate(invalid="ignore"):  # 0 * inf where q = p = 0 or f(0) = inf with q = 0
        terms = np.where(inside, np.where(values == np.inf, np.inf, y * values), 0.0)
    escaping = (~inside) & (x > 0)
    if np.any(escaping):
        if slope is None:
            raise ValueError("q is 0 where p is not: pass slope_at_infinity, lim f(t)/t")
        if slope < 0:
            raise ValueError(f"slope_at_infinity must be >= 0 for a convex f with f(1) = 0; "
                             f"got {slope!r}")
        terms = terms + np.where(escaping, slope * x if slope < math.inf else np.inf, 0.0)
    total = terms.sum(axis=-1)
    scale = np.abs(terms).sum(axis=-1)
    if np.any(total < -1e-12 * np.where(np.isfinite(scale), scale, 0.0)):
        raise ValueError("the sum is negative: the generator is not convex with f(1) = 0")
    return _finish(np.maximum(total, 0.0), (p, q), axis, keepdims)


def _finish(values: np.ndarray, inputs: tuple, axis: int | None,
            keepdims: bool) -> float | np.ndarray:
    """Batch-shaped ``values`` as the result: the reduced axis put back when ``keepdims``."""
    ndim = max(np.ndim(value) for value in inputs)
    index = None if axis is None else int(axis) % ndim  # axis was checked with the inputs
    return as_result(reduced_shape(np.asarray(values), ndim, index, keepdims))


def _offsets(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sum - 1`` along the last axis as an unevaluated pair ``hi + lo`` (exact up to about
    2**-106 relative: two correctly rounded sums), in the batch shape with a trailing axis."""
    rows = array.reshape(-1, array.shape[-1]).tolist()
    hi = [math.fsum([*row, -1.0]) for row in rows]
    lo = [math.fsum([*row, -1.0, -h]) for row, h in zip(rows, hi, strict=True)]
    shape = (*array.shape[:-1], 1)
    return np.reshape(hi, shape), np.reshape(lo, shape)


def _normalised_pair(p: ArrayLike, q: ArrayLike, axis: int | None, keepdims: bool = False):
    r"""Validated ``x = p / sum p``, ``y = q / sum q`` (outcomes last) and ``d = x - y``.

    With :math:`a = 1 + \alpha` and :math:`b = 1 + \beta` the sums,
    :math:`d\,ab = (p - q) + p\beta - q\alpha`: the offsets are exact pairs, the products
    and the sum error-free transformations, so ``d`` is correctly rounded up to the final
    division (unless a product underflows, below about 1e-290)."""
    check_keepdims(keepdims)
    (x, _), (y, _) = distributions((p, "p"), (q, "q"), axis=axis)
    alpha, alpha_lo = _offsets(x)
    beta, beta_lo = _offsets(y)
    total, error = two_sum(x, -y)
    for a, b in ((x, beta), (-y, alpha)):
        product, product_error = two_product(a, b)
        total, sum_error = two_sum(total, product)
        error = error + sum_error + product_error
    error = error + (x * beta_lo - y * alpha_lo)
    d = (total + error) / ((1.0 + alpha) * (1.0 + beta))
    return x / (1.0 + alpha), y / (1.0 + beta), d


def total_variation(p: ArrayLike, q: ArrayLike, *, axis: int | None = -1,
                    keepdims: bool = False) -> float | np.ndarray:
    r"""Total variation distance :math:`\mathrm{TV}(P, Q) = \tfrac12 \sum_i |p_i - q_i|`.

    The f-divergence of :math:`f(t) = \tfrac12 |t - 1|`, and the largest difference
    :math:`|P(A) - Q(A)|` over all events :math:`A`: a probability in [0, 1] (no unit),
    symmetric, and a metric.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6), validated like
        :func:`klutils.kl_divergence`; batch shapes broadcast.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole (broadcast) arrays as one pair, as :func:`klutils.kl_divergence`.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    float or numpy.ndarray
        A float for a single pair, else an array of the batch shape.

    Raises
    ------
    ValueError
        If an input is not a distribution (negative, NaN or infinite entries, a sum far from 1,
        empty) or the shapes do not match.

    Examples
    --------
    >>> total_variation([1.0, 0.0], [0.0, 1.0])
    1.0
    >>> total_variation([[0.5, 0.5], [0.2, 0.8]], [0.5, 0.5]).round(12).tolist()
    [0.0, 0.3]
    """
    _, _, d = _normalised_pair(p, q, axis, keepdims)
    return _finish(np.minimum(0.5 * np.abs(d).sum(axis=-1), 1.0), (p, q), axis, keepdims)


def chi_square_divergence(p: ArrayLike, q: ArrayLike, *, axis: int | None = -1,
                          keepdims: bool = False) -> float | np.ndarray:
    r"""Pearson's chi-square divergence :math:`\chi^2(P \,\|\, Q) = \sum_i (p_i - q_i)^2 / q_i`.

    The f-divergence of :math:`f(t) = (t - 1)^2`: the variance under Q of the likelihood ratio
    :math:`p/q`. Infinite when Q gives probability 0 to an outcome P allows; it bounds the KL
    divergence, :math:`\mathrm{KL}(P \,\|\, Q) \le \log(1 + \chi^2(P \,\|\, Q))`.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6); batch shapes broadcast.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole (broadcast) arrays as one pair, as :func:`klutils.kl_divergence`.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    float or numpy.ndarray
        :math:`\chi^2 \ge 0` (no unit), ``inf`` where some :math:`q_i = 0 < p_i`.

    Raises
    ------
    ValueError
        On invalid input, as :func:`total_variation`.

    Examples
    --------
    >>> round(chi_square_divergence([0.5, 0.5], [0.9, 0.1]), 6)
    1.777778
    >>> chi_square_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    _, y, d = _normalised_pair(p, q, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scaled = d / np.sqrt(y)  # (d / sqrt(y))^2: d * d would underflow where y is tiny
        terms = np.where(d == 0.0, 0.0, np.where(y == 0.0, np.inf, scaled * scaled))
        values = terms.sum(axis=-1)  # beyond the float range: inf
    return _finish(values, (p, q), axis, keepdims)


def squared_hellinger(p: ArrayLike, q: ArrayLike, *, axis: int | None = -1,
                      keepdims: bool = False) -> float | np.ndarray:
    r"""Squared Hellinger distance :math:`H^2(P, Q) = \tfrac12 \sum_i (\sqrt{p_i} - \sqrt{q_i})^2`.

    The f-divergence of :math:`f(t) = \tfrac12 (\sqrt t - 1)^2`, equal to
    :math:`1 - \sum_i \sqrt{p_i q_i}` (one minus the Bhattacharyya coefficient). It lies in
    [0, 1], is symmetric, and its square root :math:`H` is a metric. With the same
    normalisation, :math:`H^2 \le \mathrm{TV} \le \sqrt{2}\, H`.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6); batch shapes broadcast.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole (broadcast) arrays as one pair, as :func:`klutils.kl_divergence`.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    float or numpy.ndarray
        :math:`H^2` in [0, 1] (no unit); 1 exactly when P and Q have disjoint supports.

    Raises
    ------
    ValueError
        On invalid input, as :func:`total_variation`.

    Notes
    -----
    Each term is written :math:`\tfrac12 d^2 / (\sqrt{x} + \sqrt{y})^2` with :math:`d = x - y`:
    the textbook :math:`(\sqrt x - \sqrt y)^2` loses every digit when P and Q are close.

    Examples
    --------
    >>> squared_hellinger([1.0, 0.0], [0.0, 1.0])
    1.0
    >>> round(squared_hellinger([0.5, 0.5], [0.9, 0.1]), 6)
    0.105573
    """
    x, y, d = _normalised_pair(p, q, axis, keepdims)
    root_sum = np.sqrt(x) + np.sqrt(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d == 0.0, 0.0, 0.5 * (d / root_sum) ** 2)
    return _finish(np.minimum(terms.sum(axis=-1), 1.0), (p, q), axis, keepdims)


def pinsker_bound(kl: ArrayLike) -> float | np.ndarray:
    r"""Pinsker's upper bound on the total variation, :math:`\sqrt{\mathrm{KL} / 2}`.

    Pinsker's inequality: :math:`\mathrm{TV}(P, Q) \le \sqrt{\mathrm{KL}(P \,\|\, Q) / 2}` with the
    divergence in **nats** (for bits, multiply the divergence by :math:`\ln 2` first).

    Parameters
    ----------
    kl : array_like
        Divergences in nats, non-negative (``inf`` allowed: the bound is then ``inf``).

    Returns
    -------
    float or numpy.ndarray
        The bound, a float for a scalar input.

    Raises
    ------
    ValueError
        If a value is NaN or negative, or not a real number.

    Examples
    --------
    >>> pinsker_bound(0.5)
    0.5
    >>> pinsker_bound([0.0, 2.0, float("inf")]).tolist()
    [0.0, 1.0, inf]
    """
    values = real_array(kl, "kl", low=0.0, allow_infinite=True)
    return as_result(np.sqrt(values / 2.0))


class FDivergences(NamedTuple):
    """The six f-divergences of the course for one pair (P, Q); KL and JS in nats."""

    #: KL(P‖Q), nats.
    kl: float | np.ndarray
    #: KL(Q‖P), nats.
    reverse_kl: float | np.ndarray
    #: χ²(P‖Q), no unit.
    chi_square: float | np.ndarray
    #: H²(P, Q), no unit, in [0, 1].
    squared_hellinger: float | np.ndarray
    #: TV(P, Q), no unit, in [0, 1].
    total_variation: float | np.ndarray
    #: JS(P, Q), nats, in [0, log 2].
    jensen_shannon: float | np.ndarray


def f_divergences(p: ArrayLike, q: ArrayLike, *, axis: int | None = -1,
                  keepdims: bool = False) -> FDivergences:
    """All six f-divergences of P from Q, each by its accurate implementation.

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6); batch shapes broadcast.
    axis : int or None, optional
        The axis of the broadcast shape along which each distribution lies (default: the last);
        None reads the whole (broadcast) arrays as one pair, as :func:`klutils.kl_divergence`.
    keepdims : bool, optional
        Keep the reduced axis with length 1, as numpy's reductions do.

    Returns
    -------
    FDivergences
        ``(kl, reverse_kl, chi_square, squared_hellinger, total_variation, jensen_shannon)``;
        the field names are the keys of :data:`GENERATORS`.

    Raises
    ------
    ValueError
        On invalid input, as :func:`klutils.kl_divergence`.

    Examples
    --------
    >>> [round(v, 4) for v in f_divergences([0.2, 0.3, 0.5], [0.6, 0.3, 0.1])]
    [0.585, 0.4982, 1.8667, 0.13, 0.4, 0.1251]
    """
    options = {"axis": axis, "keepdims": keepdims}
    return FDivergences(kl_divergence(p, q, **options), kl_divergence(q, p, **options),
                        chi_square_divergence(p, q, **options),
                        squared_hellinger(p, q, **options), total_variation(p, q, **options),
                        js_divergence(p, q, **options))
