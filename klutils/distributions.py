r"""Discrete distributions: building them from others (one-hot labels, mixing with the
uniform, merging outcomes), and the total variation distance with Pinsker's bound,
:math:`\mathrm{TV}(P, Q) \le \sqrt{\mathrm{KL}(P \,\|\, Q) / 2}` (KL in nats).

Examples
--------
>>> one_hot(0, 3)
array([1., 0., 0.])
>>> mix_with_uniform([1.0, 0.0, 0.0, 0.0], 0.2)
array([0.85, 0.05, 0.05, 0.05])
>>> merge_outcomes([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]).round(12).tolist()
[0.3, 0.7]
>>> round(total_variation([0.5, 0.5], [0.6, 0.4]), 12), round(pinsker_bound(0.020411), 4)
(0.1, 0.101)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import (
    as_float_array,
    as_result,
    check_distribution,
    distributions,
    integer,
    integer_array,
    real_array,
    real_number,
)

__all__ = ["merge_outcomes", "mix_with_uniform", "one_hot", "pinsker_bound", "total_variation"]


def one_hot(index: ArrayLike, n_classes: int) -> np.ndarray:
    """The one-hot distribution(s) that put all the probability on class ``index``.

    Parameters
    ----------
    index : int or array_like of int
        Class index (or indices) in ``[0, n_classes)``.
    n_classes : int
        Number of classes K (at least 1).

    Returns
    -------
    numpy.ndarray
        Shape ``index.shape + (K,)``, float64, one 1.0 per row and zeros elsewhere.

    Raises
    ------
    ValueError
        If ``n_classes`` is not a positive integer or an index is not an integer in range.

    Examples
    --------
    >>> one_hot([2, 1], 3)
    array([[0., 0., 1.],
           [0., 1., 0.]])
    """
    k = integer(n_classes, "n_classes", minimum=1)
    return np.eye(k)[integer_array(index, "index", minimum=0, maximum=k - 1)]


def mix_with_uniform(p: ArrayLike, weight: float) -> np.ndarray:
    r"""Move a share ``weight`` of the probability to the uniform distribution.

    :math:`(1 - w)\,p + w / K` over the K outcomes: label smoothing with :math:`\varepsilon = w`
    (chapters 3 and 7), and additive smoothing of a probability vector, since
    :math:`(p + \varepsilon)/(1 + K\varepsilon)` is the mixture with
    :math:`w = K\varepsilon / (1 + K\varepsilon)` (chapter 5).

    Parameters
    ----------
    p : array_like
        Distribution(s) along the last axis (one-hot or not), each summing to 1 within 1e-6.
    weight : float
        The share :math:`w` in ``[0, 1]`` given to the uniform distribution.

    Returns
    -------
    numpy.ndarray
        The mixture, a distribution of the same shape; every outcome has probability at least
        :math:`w / K`.

    Raises
    ------
    ValueError
        If ``p`` is not a distribution or ``weight`` is not in ``[0, 1]``.

    Examples
    --------
    >>> mix_with_uniform([[0.5, 0.5], [1.0, 0.0]], 0.5).tolist()
    [[0.5, 0.5], [0.75, 0.25]]
    """
    x = as_float_array(p, "p")
    check_distribution(x, "p")
    w = real_number(weight, "weight", low=0.0, high=1.0)
    return (1.0 - w) * x + w / x.shape[-1]


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
    labels = integer_array(groups, "groups", minimum=0)
    if labels.shape != (x.shape[-1],):
        raise ValueError(f"groups must have one label per outcome ({x.shape[-1]}); got shape "
                         f"{labels.shape}")
    indicator = np.zeros((x.shape[-1], int(labels.max()) + 1))
    indicator[np.arange(x.shape[-1]), labels] = 1.0
    return x @ indicator


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
    values = real_array(kl, "kl", low=0.0, allow_infinite=True)
    return as_result(np.sqrt(values / 2.0))
