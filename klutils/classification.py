r"""KL divergence as a classification loss: labels, log loss, calibration, logits (chapter 3).

With a one-hot label P (all mass on the true class) the KL divergence from P to the model's
prediction Q is the cross-entropy, which is the log loss :math:`-\log q_{\text{true}}`: the
functions here build labels, score predictions with :func:`klutils.cross_entropy`, make a seeded
data set on which two models have the same accuracy but not the same KL, show why the softmax
must not be computed naively, and build the chapter's widget.

Examples
--------
>>> import numpy as np
>>> labels = np.array([0, 1])
>>> probabilities = np.array([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]])
>>> round(log_loss(labels, probabilities), 6)  # (-log 0.7 - log 0.4) / 2
0.636483
>>> accuracy(labels, probabilities)
0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import as_float_array, check_distribution, random_generator
from klutils.divergences import cross_entropy, kl_divergence_from_logits
from klutils.plots import FIGSIZE, decorate, plot_distributions, use_course_style
from klutils.widgets import show_figure

__all__ = [
    "LogitsWidget",
    "accuracy",
    "log_loss",
    "logit_loss",
    "logits_widget",
    "one_hot",
    "per_example_log_loss",
    "plot_logits",
    "reliability_curve",
    "smooth_labels",
    "softmax_naive",
    "two_models_same_accuracy",
]


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _class_count(n_classes: int) -> int:
    if isinstance(n_classes, bool) or not isinstance(n_classes, Integral) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer; got {n_classes!r}")
    return int(n_classes)


def _class_indices(index: ArrayLike, n_classes: int, name: str = "index") -> np.ndarray:
    """Integer class indices in ``[0, n_classes)`` as an int64 array (any shape)."""
    array = np.asarray(index)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices; got dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        bad = array[(array < 0) | (array >= n_classes)].flat[0]
        raise ValueError(f"{name} must lie in [0, {n_classes}); got {int(bad)}")
    return array.astype(np.int64)


def _labels_and_probabilities(labels: ArrayLike,
                              probabilities: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Check integer labels of shape ``s`` against probability rows of shape ``s + (K,)``."""
    q = as_float_array(probabilities, "probabilities")
    check_distribution(q, "probabilities")
    y = _class_indices(labels, q.shape[-1], "labels")
    if y.shape != q.shape[:-1]:
        raise ValueError(f"labels must have one entry per row of probabilities; got shapes "
                         f"{y.shape} and {q.shape}")
    return y, q


def _finite_logits(z: ArrayLike, name: str = "z") -> np.ndarray:
    array = as_float_array(z, name)
    if array.shape[-1] == 0:
        raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain finite numbers only")
    return array


# ---------------------------------------------------------------------------------------------
# Labels and scores
# ---------------------------------------------------------------------------------------------


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
    >>> one_hot(0, 3)
    array([1., 0., 0.])
    >>> one_hot([2, 1], 3)
    array([[0., 0., 1.],
           [0., 1., 0.]])
    """
    k = _class_count(n_classes)
    indices = _class_indices(index, k)
    return np.eye(k)[indices]


def smooth_labels(one_hot: ArrayLike, epsilon: float) -> np.ndarray:
    r"""Label smoothing: move a share ``epsilon`` of the probability to the uniform distribution.

    Parameters
    ----------
    one_hot : array_like
        Label distribution(s) along the last axis (one-hot or already soft), summing to 1.
    epsilon : float
        Share in ``[0, 1]`` given to the uniform distribution over the K classes.

    Returns
    -------
    numpy.ndarray
        :math:`(1 - \varepsilon)\,p + \varepsilon / K`, again a distribution.

    Raises
    ------
    ValueError
        If ``one_hot`` is not a distribution or ``epsilon`` is not in ``[0, 1]``.

    Examples
    --------
    >>> smooth_labels([1.0, 0.0, 0.0, 0.0], 0.2)
    array([0.85, 0.05, 0.05, 0.05])
    """
    p = as_float_array(one_hot, "one_hot")
    check_distribution(p, "one_hot")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.floating):
        raise ValueError(f"epsilon must be a number in [0, 1]; got {epsilon!r}")
    if not 0.0 <= float(epsilon) <= 1.0:
        raise ValueError(f"epsilon must be a number in [0, 1]; got {epsilon!r}")
    return (1.0 - epsilon) * p + epsilon / p.shape[-1]


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

    Parameters
    ----------
    labels : int or array_like of int
        True class of each example, shape ``s``.
    probabilities : array_like
        Predicted distributions, shape ``s + (K,)``.

    Returns
    -------
    float
        The mean over all examples, in nats.

    Raises
    ------
    ValueError
        As :func:`per_example_log_loss`.

    Examples
    --------
    >>> round(log_loss(0, [0.7, 0.2, 0.1]), 4)
    0.3567
    """
    return float(np.mean(per_example_log_loss(labels, probabilities)))


def accuracy(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Share of examples whose most probable class (first one on ties) is the true class.

    Parameters
    ----------
    labels : int or array_like of int
        True class of each example, shape ``s``.
    probabilities : array_like
        Predicted distributions, shape ``s + (K,)``.

    Returns
    -------
    float
        A number in ``[0, 1]``.

    Raises
    ------
    ValueError
        As :func:`per_example_log_loss`.

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
    bins = _class_count(n_bins)
    confidence = q.max(axis=-1)
    correct = (np.argmax(q, axis=-1) == y).astype(float)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    keep = count > 0
    mean_confidence = np.bincount(which, confidence, bins)[keep] / count[keep]
    mean_correct = np.bincount(which, correct, bins)[keep] / count[keep]
    return mean_confidence, mean_correct, count[keep]


def two_models_same_accuracy(rng: np.random.Generator, n: int = 2000, n_classes: int = 3,
                             concentration: float = 0.5, temperature: float = 0.25
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A synthetic data set and two models with exactly the same accuracy.

    Each example's calibrated prediction :math:`q_i` is drawn from a symmetric Dirichlet
    distribution, and its label is then drawn *from* :math:`q_i`, so the calibrated model is
    right exactly as often as it claims. The overconfident model is the same model at a low
    temperature, :math:`\operatorname{softmax}(\log q_i / T)`: the same most probable class (so
    the same accuracy), but probabilities pushed towards 0 and 1.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness, e.g. ``np.random.default_rng(SEED)``.
    n : int, optional
        Number of examples (default 2000).
    n_classes : int, optional
        Number of classes, at least 2 (default 3).
    concentration : float, optional
        Dirichlet parameter; smaller gives more confident predictions (default 0.5).
    temperature : float, optional
        ``T`` in ``(0, 1]`` for the overconfident model (default 0.25).

    Returns
    -------
    labels : numpy.ndarray
        Shape ``(n,)``, integers in ``[0, n_classes)``.
    calibrated, overconfident : numpy.ndarray
        Shape ``(n, n_classes)``, the two models' predicted distributions.

    Raises
    ------
    ValueError
        If ``rng`` is not a Generator or a parameter is out of range.

    Examples
    --------
    >>> y, good, sharp = two_models_same_accuracy(np.random.default_rng(0), n=50)
    >>> accuracy(y, good) == accuracy(y, sharp)
    True
    """
    random_generator(rng)
    size = _class_count(n)
    k = _class_count(n_classes)
    if k < 2:
        raise ValueError(f"n_classes must be at least 2; got {n_classes}")
    if not (isinstance(concentration, int | float) and 0 < concentration < np.inf):
        raise ValueError(f"concentration must be a positive number; got {concentration!r}")
    if not (isinstance(temperature, int | float) and 0 < temperature <= 1):
        raise ValueError(f"temperature must be a number in (0, 1]; got {temperature!r}")
    calibrated = rng.dirichlet(np.full(k, float(concentration)), size=size)
    # Tiny Dirichlet draws can underflow to 0; keep every class possible (log q finite).
    calibrated = np.maximum(calibrated, 1e-12)
    calibrated /= calibrated.sum(axis=-1, keepdims=True)
    below = np.cumsum(calibrated, axis=-1)[:, :-1] < rng.random(size)[:, None]
    labels = below.sum(axis=-1)
    overconfident = special.softmax(np.log(calibrated) / temperature, axis=-1)
    return labels, calibrated, overconfident


# ---------------------------------------------------------------------------------------------
# Softmax
# ---------------------------------------------------------------------------------------------


def softmax_naive(z: ArrayLike) -> np.ndarray:
    r"""The textbook softmax :math:`e^{z_i} / \sum_j e^{z_j}`, WITHOUT the max shift.

    For teaching only: :math:`e^{z}` overflows to ``inf`` for :math:`z > 709.78` in float64,
    and the result is then ``nan`` (``inf / inf``). The warnings numpy would print are
    suppressed. Use :func:`scipy.special.softmax` or
    :func:`klutils.kl_divergence_from_logits` for real work.

    Parameters
    ----------
    z : array_like
        Finite logits along the last axis.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``; may contain ``nan`` or ``inf`` for large logits.

    Raises
    ------
    ValueError
        If ``z`` is empty, not numeric, or contains NaN or infinities.

    Examples
    --------
    >>> softmax_naive([0.0, 0.0])
    array([0.5, 0.5])
    >>> softmax_naive([1000.0, 0.0])
    array([nan,  0.])
    """
    logits = _finite_logits(z)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# The widget: three logits, the predicted bars against the one-hot label, and the KL
# ---------------------------------------------------------------------------------------------


def _logits_setting(label: str, classes: Sequence[str],
                    logits: ArrayLike) -> tuple[int, np.ndarray]:
    classes = tuple(classes)
    if len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"classes must be at least two names (strings); got {classes!r}")
    if label not in classes:
        raise ValueError(f"label {label!r} is not one of the classes {classes!r}")
    z = _finite_logits(logits, "logits")
    if z.shape != (len(classes),):
        raise ValueError(f"logits must have one value per class ({len(classes)}); got shape "
                         f"{z.shape}")
    return classes.index(label), z


def logit_loss(label: str, classes: Sequence[str], logits: ArrayLike) -> float:
    r"""KL(one-hot label ‖ softmax(logits)) in nats, from the logits (stable for any size).

    Parameters
    ----------
    label : str
        The true class, one of ``classes``.
    classes : sequence of str
        Class names, one per logit.
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
    index, z = _logits_setting(label, classes, logits)
    label_logits = np.where(np.arange(len(z)) == index, 0.0, -np.inf)
    return kl_divergence_from_logits(label_logits, z)


def plot_logits(ax: Axes, label: str = "cat", classes: Sequence[str] = ("cat", "dog", "rabbit"),
                logits: ArrayLike = (2.0, 0.5, -1.0)) -> float:
    """Draw the one-hot label (P) against softmax(logits) (Q) and state the KL in the title.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    label, classes, logits
        As :func:`logit_loss`.

    Returns
    -------
    float
        The KL divergence in nats (also written in the title).

    Raises
    ------
    ValueError
        As :func:`logit_loss`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> round(plot_logits(Figure().subplots()), 4)
    0.2413
    """
    index, z = _logits_setting(label, classes, logits)
    kl = logit_loss(label, classes, z)
    q = special.softmax(z)
    plot_distributions(ax, one_hot(index, len(z)), q, labels=list(classes),
                       p_label=f"P: label = {label}", q_label="Q = softmax(logits)")
    for x, value in enumerate(q):
        ax.annotate(f"{value:.3f}", (x + 0.2, value), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(z)), [f"{name}\nlogit {v:.1f}" for name, v in zip(classes, z,
                                                                              strict=True)])
    decorate(ax, xlabel="class", ylabel="probability", ylim=(0, 1.15),
             title=f"q({label}) = {q[index]:.3f}, so KL = −log q({label}) = {kl:.3f} nats")
    return kl


class LogitsWidget(widgets.VBox):
    """Three logit sliders, a KL readout and the bar chart (built by :func:`logits_widget`).

    Attributes
    ----------
    sliders : tuple of ipywidgets.FloatSlider
        One slider per class logit.
    readout : ipywidgets.HTML
        The current KL, cross-entropy and -log q(label), in nats.
    output : ipywidgets.Output
        Holds the figure as a PNG (``output.outputs``), replaced on every change.
    figure : matplotlib.figure.Figure
        The figure (not managed by pyplot), redrawn on every change.
    kl : float
        The current KL divergence in nats.
    """

    def __init__(self, label: str, classes: Sequence[str], logits: ArrayLike) -> None:
        _, z = _logits_setting(label, classes, logits)
        if np.any(np.abs(z) > 10):
            raise ValueError(f"logits must lie in [-10, 10] for the sliders; got {z.tolist()}")
        self.label = label
        self.classes = tuple(classes)
        self.sliders = tuple(
            widgets.FloatSlider(value=float(v), min=-10.0, max=10.0, step=0.1,
                                description=f"logit {name}", continuous_update=False)
            for v, name in zip(z, self.classes, strict=True))
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        self.figure = Figure(figsize=FIGSIZE, layout="constrained")
        self.kl = float("nan")
        super().__init__(children=[*self.sliders, self.readout, self.output])
        for slider in self.sliders:
            slider.observe(self._update, names="value")
        self._update()

    @property
    def logits(self) -> np.ndarray:
        """The slider values."""
        return np.array([s.value for s in self.sliders])

    def _update(self, change: object = None) -> None:
        self.figure.clear()
        self.kl = plot_logits(self.figure.subplots(), self.label, self.classes, self.logits)
        index = self.classes.index(self.label)
        q = special.softmax(self.logits)
        ce = cross_entropy(one_hot(index, len(q)), q)
        self.readout.value = (f"<b>KL(P ‖ Q) = {self.kl:.4f} nats</b> &nbsp; = cross-entropy "
                              f"{ce:.4f} nats &nbsp; = −log q({self.label}) = "
                              f"−log {q[index]:.4f}")
        show_figure(self.output, self.figure, "<logits and KL figure>")


def logits_widget(label: str = "cat", classes: Sequence[str] = ("cat", "dog", "rabbit"),
                  logits: ArrayLike = (2.0, 0.5, -1.0)) -> LogitsWidget:
    """Build the widget: one slider per logit; moving one redraws the bars and the KL.

    Parameters
    ----------
    label : str
        The true class (the one-hot P).
    classes : sequence of str
        Class names.
    logits : array_like
        Starting logits, one per class, each in ``[-10, 10]``.

    Returns
    -------
    LogitsWidget
        An ``ipywidgets.VBox`` exposing ``sliders``, ``readout``, ``output`` and ``kl``.

    Raises
    ------
    ValueError
        As :func:`logit_loss`, or if a logit is outside the slider range.

    Examples
    --------
    >>> w = logits_widget()
    >>> w.sliders[0].value = 0.5  # cat no longer stands out
    >>> round(w.kl, 4)
    0.7989
    """
    return LogitsWidget(label, classes, logits)
