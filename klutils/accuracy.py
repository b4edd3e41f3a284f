r"""How accurately KL(P‖Q) can be computed in floating point: the textbook sum that fails, a
60-digit mpmath reference, and pairs of distributions as close as one likes.

Examples
--------
>>> p, q = [0.5, 0.5], [0.5 + 2e-9, 0.5 - 2e-9]
>>> float(textbook_kl(p, q))  # negative!
-8.00000036650964e-18
>>> reference_kl(p, q)
8.000000213622911e-18
"""

from __future__ import annotations

import mpmath
import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import integer, positive_number, real_array

__all__ = ["nearly_identical_pair", "reference_kl", "textbook_kl"]

#: Decimal digits of the mpmath reference in :func:`reference_kl`.
REFERENCE_DIGITS = 60


def textbook_kl(p: ArrayLike, q: ArrayLike) -> float | np.floating:
    r"""The naive sum :math:`\sum_i p_i \log(p_i / q_i)`, kept ONLY to show how it fails.

    Do not use it: call :func:`klutils.kl_divergence`. It is here so the course can show what
    goes wrong with the formula as printed in textbooks, computed in the inputs' own precision
    (float32 stays float32):

    * for nearly identical P and Q every :math:`\log(p_i/q_i)` is tiny and inaccurate, the terms
      have both signs and cancel, and the sum loses every digit or comes out **negative**;
    * a zero :math:`p_i` gives :math:`0 \cdot \log 0 = \mathrm{nan}` instead of 0.

    Floating-point warnings are silenced; no input checks beyond matching shapes.

    Parameters
    ----------
    p, q : array_like
        Probability vectors (floating point; their dtype is kept).

    Returns
    -------
    numpy.floating
        The naive sum, in the inputs' precision.

    Raises
    ------
    ValueError
        If the shapes differ or an input is not floating point or integer.

    Examples
    --------
    >>> float(textbook_kl([0.5, 0.0], [0.5, 0.5]))  # 0 log 0 is nan here, not 0
    nan
    """
    x, y = np.asarray(p), np.asarray(q)
    for array, name in ((x, "p"), (y, "q")):
        if array.dtype == bool or array.dtype.kind not in "fiu":
            raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if x.shape != y.shape:
        raise ValueError(f"p and q must have the same shape; got {x.shape} and {y.shape}")
    dtype = np.result_type(x.dtype, y.dtype, np.float16)
    x, y = x.astype(dtype), y.astype(dtype)
    with np.errstate(all="ignore"):
        return np.sum(x * np.log(x / y))


def reference_kl(p: ArrayLike, q: ArrayLike, digits: int = REFERENCE_DIGITS) -> float:
    r"""KL(P‖Q) of the exactly normalised inputs, in nats, computed with mpmath.

    Every float is converted to mpmath exactly, ``p`` and ``q`` are divided by their exact sums,
    and :math:`\sum_i p_i \log(p_i / q_i)` is summed with ``digits`` decimal digits, then
    rounded to a float. This is the reference for the accuracy comparison; it is slow (use it on
    vectors of tens of entries).

    Parameters
    ----------
    p, q : array_like
        Non-negative 1-D vectors of the same length (any precision), Q positive where P is.
    digits : int, optional
        Working precision in decimal digits (default 60).

    Returns
    -------
    float
        The divergence, correctly rounded up to the working precision.

    Raises
    ------
    ValueError
        If the inputs are not 1-D non-negative vectors of the same length with positive sums,
        some :math:`q_i = 0 < p_i`, or ``digits`` is not an integer of at least 20.

    Examples
    --------
    >>> reference_kl([0.5, 0.5], [0.75, 0.25])  # log(2 / sqrt(3))
    0.14384103622589045
    """
    digits = integer(digits, "digits", minimum=20)
    x = real_array(p, "p", ndim=1, low=0.0)
    y = real_array(q, "q", ndim=1, low=0.0)
    if x.shape != y.shape:
        raise ValueError(f"p and q must have the same length; got shapes {x.shape} and "
                         f"{y.shape}")
    for array, name in ((x, "p"), (y, "q")):
        if array.sum() <= 0:
            raise ValueError(f"{name} must have a positive sum")
    if np.any((x > 0) & (y == 0)):
        raise ValueError("q is 0 where p is positive: the divergence is infinite")
    context = mpmath.mp.clone()
    context.dps = int(digits)
    xs = [context.mpf(float(v)) for v in x]
    ys = [context.mpf(float(v)) for v in y]
    x_total, y_total = context.fsum(xs), context.fsum(ys)
    terms = [a / x_total * context.log((a / x_total) / (b / y_total))
             for a, b in zip(xs, ys, strict=True) if a > 0]
    return float(context.fsum(terms))


def nearly_identical_pair(closeness: float, n: int = 50, seed: int = 0,
                          dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    r"""A fixed random P and a Q that differs from it by a relative amount ``closeness``.

    :math:`P` is drawn from a flat Dirichlet distribution and :math:`z` from a standard normal
    (both with ``numpy.random.default_rng(seed)``, so the same P and z for every closeness);
    then :math:`q_i \propto p_i \exp(\delta z_i)` with :math:`\delta` = ``closeness``, so that
    :math:`\mathrm{KL}(P \,\|\, Q) \approx \delta^2 \operatorname{Var}_P(z) / 2`. Both are computed
    in float64, normalised, then rounded to ``dtype``.

    Parameters
    ----------
    closeness : float
        :math:`\delta > 0`, the typical relative difference between :math:`q_i` and :math:`p_i`.
    n : int, optional
        Number of outcomes (at least 2).
    seed : int, optional
        Seed of the random P and z.
    dtype : numpy float type, optional
        ``numpy.float64`` (default) or ``numpy.float32``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(p, q)`` in ``dtype``.

    Raises
    ------
    ValueError
        If ``closeness`` is not positive and finite, ``n < 2`` or ``dtype`` is not float32/64.

    Examples
    --------
    >>> p, q = nearly_identical_pair(1e-3, n=4)
    >>> p.shape, bool(np.all(np.abs(q / p - 1) < 1e-2))
    ((4,), True)
    """
    delta = positive_number(closeness, "closeness")
    n = integer(n, "n", minimum=2)
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be numpy.float32 or numpy.float64; got {dtype!r}")
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(int(n)))
    z = rng.standard_normal(int(n))
    q = p * np.exp(delta * z)
    q /= q.sum()
    return p.astype(dtype), q.astype(dtype)
