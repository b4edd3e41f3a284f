r"""Properties of KL divergence (chapter 5): total variation, Pinsker, merging, smoothing, accuracy.

* :func:`total_variation` and :func:`pinsker_bound` for Pinsker's inequality
  :math:`\mathrm{TV}(P, Q) \le \sqrt{\mathrm{KL}(P \,\|\, Q) / 2}` (KL in nats);
* :func:`merge_outcomes` for the data-processing inequality (merging outcomes never increases
  the divergence);
* :func:`smooth` for additive smoothing, which makes an infinite divergence finite;
* :func:`textbook_kl`, the naive sum, kept only to show how it fails, and
  :func:`relative_error_curve`, which measures that failure against a 60-digit reference
  computed with mpmath.

Examples
--------
>>> round(total_variation([0.5, 0.5], [0.6, 0.4]), 12)
0.1
>>> round(pinsker_bound(0.020411), 4)
0.101
>>> merge_outcomes([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]).round(12).tolist()
[0.3, 0.7]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import mpmath
import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from klutils._validation import as_float_array, as_result, distributions
from klutils.divergences import kl_divergence

__all__ = [
    "AccuracyCurves",
    "merge_outcomes",
    "nearly_identical_pair",
    "pinsker_bound",
    "reference_kl",
    "relative_error_curve",
    "smooth",
    "textbook_kl",
    "total_variation",
]

#: Decimal digits of the mpmath reference in :func:`reference_kl`.
REFERENCE_DIGITS = 60

#: The three ways of computing KL(P ‖ Q) compared by :func:`relative_error_curve`.
METHODS = ("textbook sum(p*log(p/q))", "scipy.stats.entropy", "klutils.kl_divergence")


def total_variation(p: ArrayLike, q: ArrayLike, *, axis: int = -1) -> float | np.ndarray:
    r"""Total variation distance :math:`\mathrm{TV}(P, Q) = \tfrac12 \sum_i |p_i - q_i|`.

    It is the largest difference :math:`|P(A) - Q(A)|` over all events :math:`A`, a probability
    in [0, 1] (no unit).

    Parameters
    ----------
    p, q : array_like
        Distributions along ``axis`` (summing to 1 within 1e-6), validated like
        :func:`klutils.kl_divergence`; batch shapes broadcast.
    axis : int, optional
        The axis of the outcomes (default: the last).

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
    (x, x_sum), (y, y_sum) = distributions((p, "p"), (q, "q"), axis=axis)
    x = x / x_sum[..., None]
    y = y / y_sum[..., None]
    return as_result(0.5 * np.abs(x - y).sum(axis=-1))


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
    values = as_float_array(np.atleast_1d(kl), "kl").reshape(np.shape(kl))
    if np.isnan(values).any():
        raise ValueError("kl contains NaN")
    if (values < 0).any():
        raise ValueError(f"kl must be non-negative (a KL divergence in nats); got "
                         f"{values[values < 0].flat[0]!r}")
    return as_result(np.sqrt(values / 2.0))


def merge_outcomes(p: ArrayLike, groups: ArrayLike) -> np.ndarray:
    r"""Merge outcomes into groups: the distribution of the group label :math:`g(X)`.

    With ``groups[i] = g`` for each outcome :math:`i`, the merged distribution is
    :math:`\tilde p_g = \sum_{i:\, \mathrm{groups}[i] = g} p_i`. Merging is a deterministic
    function of the outcome, so by the data-processing inequality
    :math:`\mathrm{KL}(\tilde P \,\|\, \tilde Q) \le \mathrm{KL}(P \,\|\, Q)`.

    Parameters
    ----------
    p : array_like
        Distribution(s) along the last axis (summing to 1 within 1e-6); leading axes are a batch.
    groups : array_like of int
        One non-negative group label per outcome; there are ``max(groups) + 1`` groups (a label
        nobody uses gives a group of probability 0).

    Returns
    -------
    numpy.ndarray
        Shape ``p.shape[:-1] + (max(groups) + 1,)``.

    Raises
    ------
    ValueError
        If ``p`` is not a distribution, or ``groups`` is not one non-negative integer per outcome.

    Examples
    --------
    >>> merge_outcomes([0.5, 0.25, 0.25], [1, 0, 1]).tolist()
    [0.25, 0.75]
    >>> merge_outcomes([[0.5, 0.5], [0.1, 0.9]], [0, 0]).tolist()
    [[1.0], [1.0]]
    """
    [(x, _)] = distributions((p, "p"), axis=-1)
    labels = np.asarray(groups)
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"groups must hold integer group labels; got dtype {labels.dtype}")
    if labels.shape != (x.shape[-1],):
        raise ValueError(f"groups must have one label per outcome ({x.shape[-1]}); got shape "
                         f"{labels.shape}")
    if labels.min() < 0:
        raise ValueError(f"groups must be non-negative; got {int(labels.min())}")
    indicator = np.zeros((x.shape[-1], int(labels.max()) + 1))
    indicator[np.arange(x.shape[-1]), labels] = 1.0
    return x @ indicator


def smooth(p: ArrayLike, epsilon: float) -> np.ndarray:
    r"""Additive smoothing: add ``epsilon`` to every probability and renormalise.

    .. math:: p^{(\varepsilon)}_i = \frac{p_i + \varepsilon}{1 + n \varepsilon}

    for :math:`n` outcomes. Every outcome then has probability at least
    :math:`\varepsilon / (1 + n\varepsilon) > 0`, so :math:`\mathrm{KL}(P \,\|\, Q^{(\varepsilon)})`
    is finite. Adding :math:`\alpha` to each of :math:`N` counts (Laplace smoothing for
    :math:`\alpha = 1`) is the case :math:`\varepsilon = \alpha / N`.

    Parameters
    ----------
    p : array_like
        Distribution(s) along the last axis (summing to 1 within 1e-6).
    epsilon : float
        The amount added, finite and :math:`\ge 0` (0 returns ``p`` unchanged).

    Returns
    -------
    numpy.ndarray
        The smoothed distribution(s), same shape as ``p``.

    Raises
    ------
    ValueError
        If ``p`` is not a distribution or ``epsilon`` is negative, NaN or infinite.

    Examples
    --------
    >>> smooth([0.75, 0.25, 0.0], 0.25).tolist()
    [0.5714285714285714, 0.2857142857142857, 0.14285714285714285]
    """
    if isinstance(epsilon, bool) or not isinstance(epsilon, Real | np.floating | np.integer):
        raise ValueError(f"epsilon must be a real number; got {epsilon!r}")
    eps = float(epsilon)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"epsilon must be finite and non-negative; got {epsilon!r}")
    [(x, total)] = distributions((p, "p"), axis=-1)
    n = x.shape[-1]
    return (x / total[..., None] + eps) / (1.0 + n * eps)


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
    >>> p, q = [0.5, 0.5], [0.5 + 2e-9, 0.5 - 2e-9]
    >>> float(textbook_kl(p, q))  # negative!
    -8.00000036650964e-18
    >>> reference_kl(p, q)
    8.000000213622911e-18
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
    r"""KL(P ‖ Q) of the exactly normalised inputs, in nats, computed with mpmath.

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
    if isinstance(digits, bool) or not isinstance(digits, Integral) or digits < 20:
        raise ValueError(f"digits must be an integer of at least 20; got {digits!r}")
    x = as_float_array(np.asarray(p).astype(np.float64), "p")
    y = as_float_array(np.asarray(q).astype(np.float64), "q")
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"p and q must be 1-D of the same length; got shapes {x.shape} and "
                         f"{y.shape}")
    for array, name in ((x, "p"), (y, "q")):
        if not np.all(np.isfinite(array)) or np.any(array < 0) or array.sum() <= 0:
            raise ValueError(f"{name} must be finite and non-negative with a positive sum")
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
    if isinstance(closeness, bool) or not isinstance(closeness, Real | np.floating):
        raise ValueError(f"closeness must be a real number; got {closeness!r}")
    delta = float(closeness)
    if not (math.isfinite(delta) and delta > 0):
        raise ValueError(f"closeness must be positive and finite; got {closeness!r}")
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 2:
        raise ValueError(f"n must be an integer of at least 2; got {n!r}")
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be numpy.float32 or numpy.float64; got {dtype!r}")
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(int(n)))
    z = rng.standard_normal(int(n))
    q = p * np.exp(delta * z)
    q /= q.sum()
    return p.astype(dtype), q.astype(dtype)


@dataclass
class AccuracyCurves:
    """The result of :func:`relative_error_curve`."""

    closeness: np.ndarray
    """The relative differences :math:`\\delta` between Q and P, one per level."""
    reference: np.ndarray
    """The true KL(P ‖ Q) of each pair (mpmath, 60 digits), in nats."""
    values: dict[str, np.ndarray] = field(default_factory=dict)
    """What each method of :data:`METHODS` returned, per level."""
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    """``|value - reference| / reference`` per method and level: ``inf`` for a non-finite value,
    NaN where the reference is 0 (the rounded Q equals P, which happens in float32)."""


def relative_error_curve(closeness: ArrayLike, *, n: int = 50, seed: int = 0,
                         dtype: type = np.float64) -> AccuracyCurves:
    r"""Relative error of three ways of computing KL(P ‖ Q) as P and Q get closer.

    For every level :math:`\delta` in ``closeness`` the pair of :func:`nearly_identical_pair`
    is built in ``dtype``, and KL(P ‖ Q) is computed by the textbook sum (:func:`textbook_kl`, in
    ``dtype``), by ``scipy.stats.entropy(p, q)`` and by :func:`klutils.kl_divergence`. Each is
    compared with :func:`reference_kl` of the very same (rounded) vectors.

    Parameters
    ----------
    closeness : array_like
        Positive levels :math:`\delta`.
    n, seed, dtype
        As in :func:`nearly_identical_pair`.

    Returns
    -------
    AccuracyCurves
        The levels, the reference values, and the values and relative errors of each method.

    Raises
    ------
    ValueError
        If a level is not positive and finite, or ``n``, ``dtype`` is invalid.

    Examples
    --------
    >>> curves = relative_error_curve([1e-2, 1e-9], n=10)
    >>> bool(curves.errors["klutils.kl_divergence"].max() < 1e-13)
    True
    >>> bool(curves.errors["textbook sum(p*log(p/q))"][1] > 1)
    True
    """
    levels = as_float_array(np.atleast_1d(closeness), "closeness").ravel()
    reference = np.empty(len(levels))
    values = {name: np.empty(len(levels)) for name in METHODS}
    for k, delta in enumerate(levels):
        p, q = nearly_identical_pair(float(delta), n, seed, dtype)
        reference[k] = reference_kl(p, q)
        values[METHODS[0]][k] = float(textbook_kl(p, q))
        values[METHODS[1]][k] = float(stats.entropy(p, q))
        values[METHODS[2]][k] = kl_divergence(p, q)
    errors = {}
    for name, computed in values.items():
        with np.errstate(invalid="ignore"):
            error = np.abs(computed - reference) / reference
        errors[name] = np.where(np.isfinite(computed), error, np.inf)
    return AccuracyCurves(levels, reference, values, errors)
