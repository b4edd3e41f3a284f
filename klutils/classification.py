r"""Classifiers: scoring their predicted distributions, and the KL from a label to logits.

With a one-hot label P (all mass on the true class y) the KL divergence from P to the model's
prediction Q is the cross-entropy, the log loss :math:`-\log q_y` nats. The scores here are
computed with :func:`klutils.cross_entropy`; :func:`logit_loss` works from the logits with
:func:`klutils.kl_divergence_from_logits`, so it never overflows.

Examples
--------
>>> labels = [0, 1]
>>> probabilities = [[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]]
>>> round(log_loss(labels, probabilities), 6)  # (-log 0.7 - log 0.4) / 2
0.636483
>>> accuracy(labels, probabilities)
0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import (
    as_float_array,
    check_distribution,
    integer,
    integer_array,
    real_array,
)
from klutils.distributions import one_hot
from klutils.divergences import cross_entropy, kl_divergence_from_logits

__all__ = ["accuracy", "label_index_and_logits", "log_loss", "logit_loss", "per_example_log_loss",
           "reliability_curve"]


def _labels_and_probabilities(labels: ArrayLike,
                              probabilities: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Integer labels of shape ``s`` and probability rows of shape ``s + (K,)``, or ValueError."""
    q = as_float_array(probabilities, "probabilities")
    check_distribution(q, "probabilities")
    y = integer_array(labels, "labels", minimum=0, maximum=q.shape[-1] - 1)
    if y.shape != q.shape[:-1]:
        raise ValueError(f"labels must have one entry per row of probabilities; got shapes "
                         f"{y.shape} and {q.shape}")
    return y, q


def per_example_log_loss(labels: ArrayLike, probabilities: ArrayLike) -> float | np.ndarray:
    r"""The loss of each example: :math:`-\log q_i(y_i)` nats, the cross-entropy to its one-hot.

    Parameters
    ----------
    labels : int or array_like of int
        True class of each example, shape ``s``.
    probabilities : array_like
        Predicted distributions, shape ``s + (K,)``, each summing to 1.

    Returns
    -------
    float or numpy.ndarray
        :func:`klutils.cross_entropy` of each one-hot label and prediction (nats); ``inf`` where
        the true class got probability 0.

    Raises
    ------
    ValueError
        On labels out of range, shapes that do not match, or rows that are not distributions.

    Examples
    --------
    >>> per_example_log_loss([0, 1], [[0.5, 0.5], [0.75, 0.25]]).round(4)
    array([0.6931, 1.3863])
    """
    y, q = _labels_and_probabilities(labels, probabilities)
    return cross_entropy(one_hot(y, q.shape[-1]), q)


def log_loss(labels: ArrayLike, probabilities: ArrayLike) -> float:
    r"""Mean log loss :math:`\frac1n \sum_i -\log q_i(y_i)` in nats (= mean KL to the one-hots).

    Arguments and errors as :func:`per_example_log_loss`.

    Examples
    --------
    >>> round(log_loss(0, [0.7, 0.2, 0.1]), 4)
    0.3567
    """
    return float(np.mean(per_example_log_loss(labels, probabilities)))


def accuracy(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Share of examples whose most probable class (the first one on ties) is the true class.

    Arguments and errors as :func:`per_example_log_loss`.

    Examples
    --------
    >>> accuracy([0, 1, 1], [[0.6, 0.4], [0.3, 0.7], [0.9, 0.1]])
    0.6666666666666666
    """
    y, q = _labels_and_probabilities(labels, probabilities)
    return float(np.mean(np.argmax(q, axis=-1) == y))


def reliability_curve(labels: ArrayLike, probabilities: ArrayLike,
                      n_bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence against accuracy, in equal-width bins of the confidence (the top probability).

    A calibrated model is right on about 80 % of the examples it gives 0.8: its points lie on
    the diagonal.

    Parameters
    ----------
    labels : array_like of int
        True classes, shape ``(n,)``.
    probabilities : array_like
        Predicted distributions, shape ``(n, K)``.
    n_bins : int, optional
        Number of bins over ``[0, 1]`` (default 10).

    Returns
    -------
    confidence, accuracy, count : numpy.ndarray
        For each non-empty bin: mean confidence, share of correct top-class predictions, and
        number of examples.

    Raises
    ------
    ValueError
        As :func:`per_example_log_loss`, or if ``n_bins`` is not a positive integer.

    Examples
    --------
    >>> conf, acc, count = reliability_curve([0, 0, 1, 1], [[0.9, 0.1], [0.8, 0.2],
    ...                                                      [0.6, 0.4], [0.3, 0.7]], 2)
    >>> conf.round(3), acc, count
    (array([0.75]), array([0.75]), array([4]))
    """
    y, q = _labels_and_probabilities(labels, probabilities)
    if y.ndim != 1:
        raise ValueError(f"labels must be one-dimensional; got shape {y.shape}")
    bins = integer(n_bins, "n_bins", minimum=1)
    confidence = q.max(axis=-1)
    correct = (np.argmax(q, axis=-1) == y).astype(float)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    keep = count > 0
    mean_confidence = np.bincount(which, confidence, bins)[keep] / count[keep]
    mean_correct = np.bincount(which, correct, bins)[keep] / count[keep]
    return mean_confidence, mean_correct, count[keep]


def logit_loss(label: str, classes: Sequence[str], logits: ArrayLike) -> float:
    r"""KL(one-hot label ‖ softmax(logits)) in nats, from the logits (stable for any size).

    Parameters
    ----------
    label : str
        The true class, one of ``classes``.
    classes : sequence of str
        Class names (at least two), one per logit.
    logits : array_like
        The model's finite logits, one per class.

    Returns
    -------
    float
        :func:`klutils.kl_divergence_from_logits` with the label's logits ``0`` for the true
        class and ``-inf`` (probability 0) elsewhere; equals :math:`-\log q_{\text{label}}`.

    Raises
    ------
    ValueError
        If ``label`` is not a class, or the logits are not finite or not one per class.

    Examples
    --------
    >>> round(logit_loss("a", ("a", "b"), [1000.0, 1000.0]), 6)  # log 2
    0.693147
    """
    index, z = label_index_and_logits(label, classes, logits)
    return kl_divergence_from_logits(np.where(np.arange(len(z)) == index, 0.0, -np.inf), z)


def label_index_and_logits(label: str, classes: Sequence[str],
                           logits: ArrayLike) -> tuple[int, np.ndarray]:
    """Check a class label against its class names and one finite logit per class.

    Returns the index of ``label`` in ``classes`` and the logits as a float64 array; raises
    ``ValueError`` as :func:`logit_loss`.
    """
    classes = tuple(classes)
    if len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"classes must be at least two names (strings); got {classes!r}")
    if label not in classes:
        raise ValueError(f"label {label!r} is not one of the classes {classes!r}")
    z = real_array(logits, "logits", ndim=1)
    if z.shape != (len(classes),):
        raise ValueError(f"logits must have one value per class ({len(classes)}); got shape "
                         f"{z.shape}")
    return classes.index(label), z
