r"""Discrete distributions built from others: one-hot labels, mixing with the uniform, merging
outcomes. (The total variation distance and Pinsker's bound are in
:mod:`klutils.f_divergences`, with the other f-divergences.)

Examples
--------
>>> one_hot(0, 3)
array([1., 0., 0.])
>>> mix_with_uniform([1.0, 0.0, 0.0, 0.0], 0.2)
array([0.85, 0.05, 0.05, 0.05])
>>> merge_outcomes([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]).round(12).tolist()
[0.3, 0.7]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import (
    as_float_array,
    check_distribution,
    distributions,
    integer,
    integer_array,
    real_number,
)

__all__ = ["merge_outcomes", "mix_with_uniform", "one_hot"]


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
