r"""Classifiers: scoring their predicted distributions, and training them by minimising KL.

With a one-hot label P (all mass on the true class y) the KL divergence from P to the model's
prediction Q is the cross-entropy, the log loss :math:`-\log q_y` nats. The scores here are
computed with :func:`klutils.cross_entropy`; :func:`logit_loss` works from the logits with
:func:`klutils.kl_divergence_from_logits`, so it never overflows.

Training: :func:`softmax_regression_fit` fits a linear softmax model on (smoothed) labels and
records the cross-entropy and its two parts :math:`H(P) + \mathrm{KL}(P \,\|\, Q)` epoch by
epoch; :func:`distill_softmax_regression` trains a student on a teacher's softened predictions
with the distillation loss :math:`T^2\,\mathrm{KL}(P_T \,\|\, Q_T)` (:func:`distillation_loss`).

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
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import (
    as_float_array,
    check_distribution,
    integer,
    integer_array,
    positive_number,
    random_generator,
    real_array,
    real_number,
)
from klutils.distributions import mix_with_uniform, one_hot
from klutils.divergences import cross_entropy, entropy, kl_divergence_from_logits

__all__ = [
    "SoftmaxFit",
    "accuracy",
    "distill_softmax_regression",
    "distillation_gradient",
    "distillation_loss",
    "label_index_and_logits",
    "log_loss",
    "logit_loss",
    "make_blobs",
    "per_example_log_loss",
    "reliability_curve",
    "soften",
    "softmax_regression_fit",
]


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
    r"""KL(one-hot label‖softmax(logits)) in nats, from the logits (stable for any size).

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


# --- training classifiers: softmax regression on soft or hard labels, distillation --------

def make_blobs(rng: np.random.Generator, n_points: int = 300, n_classes: int = 3, *,
               radius: float = 2.0, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs in 2-D: class ``k`` is centred on a circle at angle ``2 pi k / n_classes``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (``np.random.default_rng(SEED)``).
    n_points : int, optional
        Number of points (classes take turns, so they are balanced).
    n_classes : int, optional
        Number of classes (at least 2).
    radius : float, optional
        Distance of the class centres from the origin (> 0).
    spread : float, optional
        Standard deviation of each blob along each axis (> 0).

    Returns
    -------
    X : numpy.ndarray, shape (n_points, 2)
        The points.
    y : numpy.ndarray of int, shape (n_points,)
        Their classes, ``0 .. n_classes - 1``.

    Raises
    ------
    ValueError
        If ``rng`` is not a Generator or a parameter is out of range.

    Examples
    --------
    >>> X, y = make_blobs(np.random.default_rng(0), n_points=6)
    >>> X.shape, y.tolist()
    ((6, 2), [0, 1, 2, 0, 1, 2])
    """
    random_generator(rng)
    n = integer(n_points, "n_points", minimum=1)
    k = integer(n_classes, "n_classes", minimum=2)
    radius = positive_number(radius, "radius")
    spread = positive_number(spread, "spread")
    y = np.arange(n) % k
    angles = 2.0 * np.pi * np.arange(k) / k
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + spread * rng.standard_normal((n, 2))
    return X, y


@dataclass
class SoftmaxFit:
    """A linear softmax model ``logits = X @ weights + bias`` and its training history.

    Attributes
    ----------
    weights : numpy.ndarray, shape (d, K)
        Weight matrix.
    bias : numpy.ndarray, shape (K,)
        Bias per class.
    history : dict of str to numpy.ndarray
        One value per epoch, entry 0 being the untrained model (so ``epochs + 1`` values);
        the keys depend on how the model was trained (all losses in nats, averaged over
        the training examples).
    """

    weights: np.ndarray
    bias: np.ndarray
    history: dict[str, np.ndarray] = field(default_factory=dict)

    def logits(self, X: ArrayLike) -> np.ndarray:
        """The model's logits for the rows of ``X`` (shape ``(n, K)``)."""
        X = real_array(X, "X", ndim=2)
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(f"X must have {self.weights.shape[0]} columns; got {X.shape[1]}")
        return X @ self.weights + self.bias

    def probabilities(self, X: ArrayLike) -> np.ndarray:
        """The model's predicted distributions (softmax of the logits), one row per input."""
        return special.softmax(self.logits(X), axis=-1)


def _check_features_labels(X: ArrayLike, y: ArrayLike, n_classes: int):
    X = real_array(X, "X", ndim=2)
    k = integer(n_classes, "n_classes", minimum=2)
    labels = integer_array(y, "y", minimum=0, maximum=k - 1)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"y must hold one label per row of X ({X.shape[0]}); got shape "
                         f"{labels.shape}")
    return X, labels, k


def _log_softmax(z: np.ndarray) -> np.ndarray:
    return z - special.logsumexp(z, axis=-1, keepdims=True)


def softmax_regression_fit(X: ArrayLike, y: ArrayLike, n_classes: int, lr: float = 0.5,
                           epochs: int = 200, *, label_smoothing: float = 0.1) -> SoftmaxFit:
    r"""Train a softmax regression by full-batch gradient descent on smoothed labels.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs, one row per example.
    y : array_like of int, shape (n,)
        Class labels in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes K (at least 2).
    lr : float, optional
        Learning rate (> 0).
    epochs : int, optional
        Number of gradient steps (each uses the whole data set).
    label_smoothing : float, optional
        Share :math:`\varepsilon \in [0, 1)` of each label moved to the uniform distribution:
        the target is :math:`P = (1 - \varepsilon)\,\text{one-hot} + \varepsilon / K`
        (:func:`klutils.distributions.mix_with_uniform`). With
        0 the targets are one-hot and their entropy is 0.

    Returns
    -------
    SoftmaxFit
        Weights (started at zero) and a history with ``epochs + 1`` entries per key (entry 0 is
        the untrained model, which predicts the uniform distribution):
        ``"cross_entropy"`` :math:`\frac1n\sum_i H(P_i, Q_i)`, ``"entropy"``
        :math:`\frac1n\sum_i H(P_i)`, ``"kl"`` :math:`\frac1n\sum_i \mathrm{KL}(P_i \,\|\, Q_i)`
        (all nats) and ``"accuracy"``.

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array, ``y`` does not hold one valid label per row,
        ``lr`` is not positive, ``epochs`` is not a positive integer or ``label_smoothing``
        is not in [0, 1).

    Notes
    -----
    The loss is the mean cross-entropy, computed from the log-softmax of the logits
    :math:`z = X W + b`; its gradient is :math:`X^\top (Q - P)/n` for :math:`W` and the column
    mean of :math:`Q - P` for :math:`b`. The entropy of the targets comes from
    :func:`klutils.entropy` and the KL part from :func:`klutils.kl_divergence_from_logits`
    (with :math:`\log P` as the first logits), independently of the cross-entropy, so
    ``cross_entropy == entropy + kl`` is a check, not a definition.

    Examples
    --------
    >>> X = np.array([[-1.0], [1.0]])
    >>> fit = softmax_regression_fit(X, [0, 1], n_classes=2, epochs=100, label_smoothing=0.0)
    >>> float(fit.history["entropy"][-1]), round(float(fit.history["kl"][0]), 4)  # KL: log 2
    (0.0, 0.6931)
    >>> bool(fit.history["kl"][-1] < 0.1)
    True
    """
    X, labels, k = _check_features_labels(X, y, n_classes)
    lr = positive_number(lr, "lr")
    epochs = integer(epochs, "epochs", minimum=1)
    eps = real_number(label_smoothing, "label_smoothing", low=0.0, high=1.0, high_open=True)
    n, d = X.shape
    targets = mix_with_uniform(one_hot(labels, k), eps)
    with np.errstate(divide="ignore"):
        log_targets = np.log(targets)  # -inf where a one-hot target is 0: allowed as logits
    label_entropy = float(np.mean(entropy(targets)))
    weights, bias = np.zeros((d, k)), np.zeros(k)
    keys = ("cross_entropy", "entropy", "kl", "accuracy")
    history = {key: np.empty(epochs + 1) for key in keys}
    for epoch in range(epochs + 1):
        z = X @ weights + bias
        history["cross_entropy"][epoch] = -np.mean(np.sum(targets * _log_softmax(z), axis=1))
        history["entropy"][epoch] = label_entropy
        history["kl"][epoch] = np.mean(kl_divergence_from_logits(log_targets, z))
        history["accuracy"][epoch] = np.mean(np.argmax(z, axis=1) == labels)
        if epoch < epochs:
            residual = (special.softmax(z, axis=1) - targets) / n
            weights -= lr * (X.T @ residual)
            bias -= lr * residual.sum(axis=0)
    return SoftmaxFit(weights=weights, bias=bias, history=history)


def _temperature(value: object) -> float:
    return positive_number(value, "temperature")


def soften(logits: ArrayLike, temperature: float) -> np.ndarray:
    r"""Soft targets: the softmax of ``logits / temperature`` along the last axis.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Finite logits.
    temperature : float
        T > 0. T = 1 is the ordinary softmax; larger T flattens the distribution toward
        uniform, smaller T sharpens it toward the argmax.

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``logits``, summing to 1 along the last axis.

    Raises
    ------
    ValueError
        If ``logits`` is empty or not finite, or ``temperature`` is not a positive number.

    Examples
    --------
    >>> soften([2.0, 0.0], 1.0).round(4).tolist()
    [0.8808, 0.1192]
    >>> soften([2.0, 0.0], 4.0).round(4).tolist()
    [0.6225, 0.3775]
    """
    z = real_array(logits, "logits")
    return special.softmax(z / _temperature(temperature), axis=-1)


def _logit_pair(teacher_logits, student_logits):
    t = real_array(teacher_logits, "teacher_logits")
    s = real_array(student_logits, "student_logits")
    if t.shape != s.shape:
        raise ValueError(f"teacher_logits and student_logits must have the same shape; got "
                         f"{t.shape} and {s.shape}")
    return t, s


def distillation_loss(teacher_logits: ArrayLike, student_logits: ArrayLike,
                      temperature: float) -> float | np.ndarray:
    r"""The distillation loss :math:`T^2\,\mathrm{KL}(P_T \,\|\, Q_T)`, in nats.

    Parameters
    ----------
    teacher_logits, student_logits : array_like, shape (..., K)
        Logits of the teacher (target) and the student (model), same shape.
    temperature : float
        T > 0; both are softened with :func:`soften` at the same T.

    Returns
    -------
    float or numpy.ndarray
        One loss per example (a float for a single example).

    Raises
    ------
    ValueError
        If the logits are empty, not finite or differ in shape, or ``temperature`` is not
        positive.

    Notes
    -----
    :math:`P_T = \operatorname{softmax}(z_t / T)` and :math:`Q_T = \operatorname{softmax}(z_s/T)`;
    the KL is :func:`klutils.kl_divergence_from_logits` of ``z_t / T`` and ``z_s / T``. Its
    gradient with respect to the student's logits is :math:`(Q_T - P_T)/T`, which shrinks like
    :math:`1/T^2` when the logits are small against T; the factor :math:`T^2` (Hinton et al.,
    2015) keeps the gradient of the same size for every T.

    Examples
    --------
    >>> distillation_loss([3.0, 1.0, 0.0], [3.0, 1.0, 0.0], 2.0)
    0.0
    >>> round(distillation_loss([3.0, 1.0, 0.0], [0.0, 0.0, 0.0], 1.0), 4)
    0.5743
    """
    t, s = _logit_pair(teacher_logits, student_logits)
    temperature = _temperature(temperature)
    return temperature**2 * kl_divergence_from_logits(t / temperature, s / temperature)


def distillation_gradient(teacher_logits: ArrayLike, student_logits: ArrayLike,
                          temperature: float) -> np.ndarray:
    r"""Gradient of :func:`distillation_loss` with respect to the student's logits.

    Parameters
    ----------
    teacher_logits, student_logits : array_like, shape (..., K)
        As in :func:`distillation_loss`.
    temperature : float
        T > 0.

    Returns
    -------
    numpy.ndarray
        :math:`T\,(Q_T - P_T)`, same shape as the logits (per example; not averaged).

    Raises
    ------
    ValueError
        As :func:`distillation_loss`.

    Examples
    --------
    >>> distillation_gradient([1.0, 1.0], [1.0, 1.0], 3.0).tolist()
    [0.0, 0.0]
    """
    t, s = _logit_pair(teacher_logits, student_logits)
    temperature = _temperature(temperature)
    return temperature * (soften(s, temperature) - soften(t, temperature))


def distill_softmax_regression(X: ArrayLike, teacher_logits: ArrayLike, temperature: float,
                               lr: float = 0.5, epochs: int = 200) -> SoftmaxFit:
    r"""Train a linear softmax student on a teacher's logits with the distillation loss.

    Parameters
    ----------
    X : array_like, shape (n, d)
        The transfer set: inputs only, no labels.
    teacher_logits : array_like, shape (n, K)
        The teacher's logits for each row of ``X``.
    temperature : float
        T > 0 used in :func:`distillation_loss`.
    lr : float, optional
        Learning rate (> 0).
    epochs : int, optional
        Number of full-batch gradient steps (>= 1).

    Returns
    -------
    SoftmaxFit
        The student (started at zero weights) and its history (``epochs + 1`` entries):
        ``"distillation_loss"`` (mean :math:`T^2\,\mathrm{KL}(P_T \,\|\, Q_T)`, nats),
        ``"kl"`` (mean KL(teacher‖student) at T = 1, nats) and ``"agreement"`` (share of
        inputs where the student's top class is the teacher's).

    Raises
    ------
    ValueError
        If the shapes do not match, an input is not finite, or a parameter is out of range.

    Examples
    --------
    >>> X = np.array([[-1.0], [0.0], [1.0]])
    >>> teacher = np.array([[2.0, 0.0], [0.0, 0.0], [-2.0, 0.0]])
    >>> student = distill_softmax_regression(X, teacher, temperature=2.0, epochs=300)
    >>> bool(student.history["distillation_loss"][-1] < 0.01)
    True
    >>> student.weights.round(2).tolist()  # the teacher is z = (-2x, 0) up to a shift
    [[-1.0, 1.0]]
    """
    X = real_array(X, "X", ndim=2)
    teacher = real_array(teacher_logits, "teacher_logits", ndim=2)
    if teacher.shape[0] != X.shape[0] or teacher.shape[1] < 2:
        raise ValueError(f"teacher_logits must have one row of at least 2 logits per row of X "
                         f"({X.shape[0]}); got shape {teacher.shape}")
    temperature = _temperature(temperature)
    lr = positive_number(lr, "lr")
    epochs = integer(epochs, "epochs", minimum=1)
    n, d = X.shape
    k = teacher.shape[1]
    weights, bias = np.zeros((d, k)), np.zeros(k)
    history = {key: np.empty(epochs + 1) for key in ("distillation_loss", "kl", "agreement")}
    teacher_top = np.argmax(teacher, axis=1)
    for epoch in range(epochs + 1):
        z = X @ weights + bias
        history["distillation_loss"][epoch] = np.mean(distillation_loss(teacher, z, temperature))
        history["kl"][epoch] = np.mean(kl_divergence_from_logits(teacher, z))
        history["agreement"][epoch] = np.mean(np.argmax(z, axis=1) == teacher_top)
        if epoch < epochs:
            grad = distillation_gradient(teacher, z, temperature) / n
            weights -= lr * (X.T @ grad)
            bias -= lr * grad.sum(axis=0)
    return SoftmaxFit(weights=weights, bias=bias, history=history)
