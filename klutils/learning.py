r"""Small numpy models of chapter 7: where KL divergence appears in deep and reinforcement learning.

Each model runs in milliseconds and computes its divergences with :mod:`klutils`:

- **Classification.** :func:`softmax_regression_fit` trains a softmax regression by full-batch
  gradient descent on (smoothed) labels and records, epoch by epoch, the cross-entropy and its
  two parts, :math:`H(P) + \mathrm{KL}(P \,\|\, Q)`.
- **Variational autoencoders.** :func:`vae_kl` is the KL term between a diagonal Gaussian
  encoder :math:`N(\mu, \sigma^2)` and the standard normal prior; :func:`gaussian_encoder_fit`
  fits the encoder of a one-dimensional linear-Gaussian model and shows the term pulling codes
  toward the prior; :func:`vae_kl_widget` is the chapter's widget.
- **Knowledge distillation.** :func:`soften`, :func:`distillation_loss` (the :math:`T^2`-scaled
  KL between softened teacher and student predictions), its gradient, and
  :func:`distill_softmax_regression`, which trains a student on a teacher's soft targets.
- **Policy updates.** :func:`policy_kl` between successive categorical policies and
  :func:`kl_penalty_bandit`, a PPO-style update with a KL penalty on a multi-armed bandit.

All divergences are in nats.

Examples
--------
>>> import numpy as np
>>> X, y = make_blobs(np.random.default_rng(0), n_points=90)
>>> fit = softmax_regression_fit(X, y, n_classes=3, lr=0.5, epochs=50, label_smoothing=0.1)
>>> h = fit.history
>>> bool(np.allclose(h["cross_entropy"], h["entropy"] + h["kl"]))
True
>>> bool(h["kl"][-1] < h["kl"][0])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral, Real

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import random_generator
from klutils.closed_forms import kl_normal
from klutils.divergences import entropy, kl_divergence_from_logits
from klutils.plots import FIGSIZE, P_COLOR, Q_COLOR, decorate, use_course_style
from klutils.widgets import show_figure

__all__ = [
    "BanditRun",
    "EncoderFit",
    "SoftmaxFit",
    "VAEKLWidget",
    "distill_softmax_regression",
    "distillation_gradient",
    "distillation_loss",
    "gaussian_encoder_fit",
    "kl_penalty_bandit",
    "make_blobs",
    "plot_vae_kl",
    "policy_kl",
    "soften",
    "softmax_regression_fit",
    "vae_kl",
    "vae_kl_gradient",
    "vae_kl_readout",
    "vae_kl_widget",
]


# --- input checks ---------------------------------------------------------------------------

def _real_array(value: ArrayLike, name: str, ndim: int | None = None) -> np.ndarray:
    """A finite float64 array (of ``ndim`` dimensions if given), or ``ValueError``."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {array.dtype}")
    array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite; it contains NaN or infinity")
    return array


def _number(value: object, name: str, *, low: float = -math.inf, high: float = math.inf,
            low_open: bool = False) -> float:
    """A finite real number in [low, high] (or (low, high] if ``low_open``), or ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, Real | np.integer | np.floating):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    number = float(value)
    bad_low = number <= low if low_open else number < low
    if not math.isfinite(number) or bad_low or number > high:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be a finite number in {bracket}{low:g}, {high:g}]; "
                         f"got {value!r}")
    return number


def _count(value: object, name: str, minimum: int = 1) -> int:
    """An integer >= ``minimum``, or ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    return z - special.logsumexp(z, axis=-1, keepdims=True)


# --- a synthetic data set -------------------------------------------------------------------

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
    n = _count(n_points, "n_points")
    k = _count(n_classes, "n_classes", 2)
    radius = _number(radius, "radius", low=0.0, low_open=True)
    spread = _number(spread, "spread", low=0.0, low_open=True)
    y = np.arange(n) % k
    angles = 2.0 * np.pi * np.arange(k) / k
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + spread * rng.standard_normal((n, 2))
    return X, y


# --- classification: cross-entropy = H(labels) + KL -----------------------------------------

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
        X = _real_array(X, "X", ndim=2)
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(f"X must have {self.weights.shape[0]} columns; got {X.shape[1]}")
        return X @ self.weights + self.bias

    def probabilities(self, X: ArrayLike) -> np.ndarray:
        """The model's predicted distributions (softmax of the logits), one row per input."""
        return special.softmax(self.logits(X), axis=-1)


def _check_features_labels(X: ArrayLike, y: ArrayLike, n_classes: int):
    X = _real_array(X, "X", ndim=2)
    k = _count(n_classes, "n_classes", 2)
    labels = np.asarray(y)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"y must hold one label per row of X ({X.shape[0]}); got shape "
                         f"{labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"y must hold integer class labels in 0 .. {k - 1}")
    return X, labels.astype(np.intp), k


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
        the target is :math:`P = (1 - \varepsilon)\,\text{one-hot} + \varepsilon / K`. With
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
    lr = _number(lr, "lr", low=0.0, low_open=True)
    epochs = _count(epochs, "epochs")
    eps = _number(label_smoothing, "label_smoothing", low=0.0)
    if eps >= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}")
    n, d = X.shape
    targets = (1.0 - eps) * np.eye(k)[labels] + eps / k
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


# --- variational autoencoders: KL(N(mu, sigma^2) || N(0, 1)) --------------------------------

def _encoder_parameters(mu: ArrayLike, log_var: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    mu = _real_array(mu, "mu")
    log_var = _real_array(log_var, "log_var")
    try:
        mu, log_var = np.broadcast_arrays(mu, log_var)
    except ValueError:
        raise ValueError(f"mu and log_var must have the same (or broadcastable) shapes; got "
                         f"{mu.shape} and {log_var.shape}") from None
    if np.any(log_var > 700) or np.any(log_var < -700):
        raise ValueError("log_var must lie in [-700, 700] (sigma^2 = exp(log_var) must be a "
                         "positive finite float)")
    return mu, log_var


def vae_kl(mu: ArrayLike, log_var: ArrayLike) -> float | np.ndarray:
    r"""KL(N(μ, diag σ²) ‖ N(0, I)): the KL term of a VAE, summed over the latent dimensions.

    Parameters
    ----------
    mu : array_like, shape (..., d)
        Encoder means; the last axis runs over the d latent dimensions (a scalar is one
        dimension).
    log_var : array_like, shape (..., d)
        Encoder log-variances :math:`\log \sigma^2` (the usual output of an encoder network);
        broadcasts against ``mu``.

    Returns
    -------
    float or numpy.ndarray
        The divergence in nats, summed over the last axis: a float for one code, an array of
        the batch shape otherwise.

    Raises
    ------
    ValueError
        If an input is empty or not finite, the shapes do not broadcast, or ``log_var`` is
        outside [-700, 700].

    Notes
    -----
    With :math:`\sigma_j = \exp(\tfrac12 \log\sigma_j^2)`, each dimension is
    :func:`klutils.kl_normal` :math:`(\mu_j, \sigma_j, 0, 1)`, whose closed form is

    .. math:: \tfrac12\left(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\right),

    and independent dimensions add. It is 0 exactly when every :math:`\mu_j = 0` and
    :math:`\log\sigma_j^2 = 0`.

    Examples
    --------
    >>> vae_kl(0.0, 0.0)
    0.0
    >>> vae_kl([1.0, 0.0], [0.0, 0.0])  # the mean term 1/2 in the first dimension
    0.5
    >>> vae_kl([[0.0, 0.0], [1.0, 1.0]], 0.0).tolist()
    [0.0, 1.0]
    """
    mu, log_var = _encoder_parameters(mu, log_var)
    per_dimension = np.asarray(kl_normal(mu, np.exp(0.5 * log_var), 0.0, 1.0))
    total = per_dimension if per_dimension.ndim == 0 else per_dimension.sum(axis=-1)
    return float(total) if np.ndim(total) == 0 else total


def vae_kl_gradient(mu: ArrayLike, log_var: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`vae_kl` with respect to ``mu`` and ``log_var``.

    Parameters
    ----------
    mu, log_var : array_like
        As in :func:`vae_kl`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        :math:`\partial\,\mathrm{KL}/\partial\mu = \mu` and
        :math:`\partial\,\mathrm{KL}/\partial\log\sigma^2 = \tfrac12(\sigma^2 - 1)`, in the
        broadcast shape: the pull of the prior, toward :math:`\mu = 0, \sigma = 1`.

    Raises
    ------
    ValueError
        As :func:`vae_kl`.

    Examples
    --------
    >>> g_mu, g_log_var = vae_kl_gradient([2.0, 0.0], [0.0, np.log(3.0)])
    >>> g_mu.tolist(), g_log_var.round(6).tolist()
    ([2.0, 0.0], [0.0, 1.0])
    """
    mu, log_var = _encoder_parameters(mu, log_var)
    return mu.copy(), 0.5 * np.expm1(log_var)


@dataclass
class EncoderFit:
    """The fitted Gaussian encoders of :func:`gaussian_encoder_fit`, one per data point.

    Attributes
    ----------
    mu, log_var : numpy.ndarray
        Encoder mean and log-variance for each data point.
    history : dict of str to numpy.ndarray
        Per step (``steps + 1`` entries, entry 0 at the start), averaged over the data points:
        ``"reconstruction"`` (expected negative log-likelihood, nats), ``"kl"`` (nats) and
        ``"loss"`` = reconstruction + beta * kl.
    """

    mu: np.ndarray
    log_var: np.ndarray
    history: dict[str, np.ndarray]


def gaussian_encoder_fit(x: ArrayLike, decoder_var: float = 0.5, *, beta: float = 1.0,
                         lr: float = 0.1, steps: int = 500) -> EncoderFit:
    r"""Fit a Gaussian encoder N(μ, σ²) per data point of a 1-D linear-Gaussian "VAE".

    The model has the prior :math:`z \sim N(0, 1)` and the decoder
    :math:`x \mid z \sim N(z, s^2)`. For each data point x, gradient descent on the
    (β-weighted) negative ELBO

    .. math:: L(\mu, \log\sigma^2) = \mathbb{E}_{z \sim N(\mu, \sigma^2)}
        \left[-\log N(x; z, s^2)\right] + \beta\,\mathrm{KL}(N(\mu, \sigma^2) \,\|\, N(0, 1))

    (nats) finds the encoder. The first term pulls μ toward x and σ toward 0; the KL term,
    from :func:`vae_kl`, pulls them toward the prior's 0 and 1.

    Parameters
    ----------
    x : array_like
        Data points (1-D).
    decoder_var : float, optional
        The decoder's noise variance :math:`s^2 > 0`.
    beta : float, optional
        Weight of the KL term (β > 0; β = 1 is the ELBO, β > 1 a β-VAE).
    lr : float, optional
        Learning rate (> 0).
    steps : int, optional
        Number of gradient steps (>= 1).

    Returns
    -------
    EncoderFit
        The encoders (started at μ = 0, log σ² = 0, i.e. at the prior) and the history.

    Raises
    ------
    ValueError
        If ``x`` is not a finite 1-D array or a parameter is out of range.

    Notes
    -----
    The reconstruction term is exact:
    :math:`\tfrac12\log(2\pi s^2) + \big((x - \mu)^2 + \sigma^2\big)/(2 s^2)`. The optimum is
    :math:`\mu^* = x / (1 + \beta s^2)` and :math:`\sigma^{*2} = \beta s^2 / (1 + \beta s^2)`;
    for β = 1 it is the exact posterior :math:`p(z \mid x)`.

    Examples
    --------
    >>> fit = gaussian_encoder_fit([2.0], decoder_var=1.0, lr=0.3, steps=300)
    >>> round(float(fit.mu[0]), 4), round(float(np.exp(fit.log_var[0])), 4)  # x/2, 1/2
    (1.0, 0.5)
    """
    x = _real_array(x, "x", ndim=1)
    s2 = _number(decoder_var, "decoder_var", low=0.0, low_open=True)
    beta = _number(beta, "beta", low=0.0, low_open=True)
    lr = _number(lr, "lr", low=0.0, low_open=True)
    steps = _count(steps, "steps")
    mu, log_var = np.zeros_like(x), np.zeros_like(x)
    path_mu, path_log_var = np.empty((steps + 1, x.size)), np.empty((steps + 1, x.size))
    for step in range(steps + 1):
        path_mu[step], path_log_var[step] = mu, log_var
        if step < steps:
            kl_mu, kl_log_var = vae_kl_gradient(mu, log_var)
            mu = mu - lr * ((mu - x) / s2 + beta * kl_mu)
            log_var = log_var - lr * (np.exp(log_var) / (2.0 * s2) + beta * kl_log_var)
    reconstruction = 0.5 * math.log(2.0 * math.pi * s2) \
        + ((x - path_mu) ** 2 + np.exp(path_log_var)) / (2.0 * s2)
    kl = vae_kl(path_mu[..., None], path_log_var[..., None])  # one latent dimension
    history = {"reconstruction": reconstruction.mean(axis=1), "kl": kl.mean(axis=1)}
    history["loss"] = history["reconstruction"] + beta * history["kl"]
    return EncoderFit(mu=mu, log_var=log_var, history=history)


# --- knowledge distillation -----------------------------------------------------------------

def _temperature(value: object) -> float:
    return _number(value, "temperature", low=0.0, low_open=True)


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
    z = _real_array(logits, "logits")
    return special.softmax(z / _temperature(temperature), axis=-1)


def _logit_pair(teacher_logits, student_logits):
    t = _real_array(teacher_logits, "teacher_logits")
    s = _real_array(student_logits, "student_logits")
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
        ``"kl"`` (mean KL(teacher ‖ student) at T = 1, nats) and ``"agreement"`` (share of
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
    X = _real_array(X, "X", ndim=2)
    teacher = _real_array(teacher_logits, "teacher_logits", ndim=2)
    if teacher.shape[0] != X.shape[0] or teacher.shape[1] < 2:
        raise ValueError(f"teacher_logits must have one row of at least 2 logits per row of X "
                         f"({X.shape[0]}); got shape {teacher.shape}")
    temperature = _temperature(temperature)
    lr = _number(lr, "lr", low=0.0, low_open=True)
    epochs = _count(epochs, "epochs")
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


# --- policy updates: KL between successive policies -----------------------------------------

def policy_kl(old_logits: ArrayLike, new_logits: ArrayLike) -> float | np.ndarray:
    r"""KL(π_old ‖ π_new) between categorical policies given by their logits, in nats.

    Parameters
    ----------
    old_logits, new_logits : array_like, shape (..., K)
        Logits of the policy before and after an update (one row per state); batch shapes
        broadcast.

    Returns
    -------
    float or numpy.ndarray
        :math:`\sum_a \pi_{\text{old}}(a) \log\big(\pi_{\text{old}}(a)/\pi_{\text{new}}(a)\big)`
        per state: the divergence TRPO constrains and PPO penalises (averaged over states).

    Raises
    ------
    ValueError
        As :func:`klutils.kl_divergence_from_logits`.

    Examples
    --------
    >>> policy_kl([0.0, 0.0], [0.0, 0.0])
    0.0
    >>> round(policy_kl([0.0, 0.0], [np.log(3.0), 0.0]), 4)  # (1/2, 1/2) against (3/4, 1/4)
    0.1438
    """
    return kl_divergence_from_logits(old_logits, new_logits)


@dataclass
class BanditRun:
    r"""The history of :func:`kl_penalty_bandit`.

    Attributes
    ----------
    logits : numpy.ndarray, shape (steps + 1, K)
        The policy's logits before the first and after each update.
    expected_reward : numpy.ndarray, shape (steps + 1,)
        :math:`\sum_a \pi(a) r(a)` for each of those policies.
    step_kl : numpy.ndarray, shape (steps,)
        KL(π_old ‖ π_new) of each update, in nats.
    """

    logits: np.ndarray
    expected_reward: np.ndarray
    step_kl: np.ndarray

    @property
    def probabilities(self) -> np.ndarray:
        """The policies, one row per step."""
        return special.softmax(self.logits, axis=-1)


def kl_penalty_bandit(rewards: ArrayLike, *, beta: float, lr: float = 1.0, steps: int = 20,
                      inner_steps: int = 10,
                      initial_logits: ArrayLike | None = None) -> BanditRun:
    r"""PPO-style policy updates with a KL penalty on a multi-armed bandit.

    At each update the current policy becomes :math:`\pi_{\text{old}}`, and ``inner_steps``
    gradient-ascent steps on

    .. math:: J(\theta) = \sum_a \pi_\theta(a)\, r(a)
        \;-\; \beta\, \mathrm{KL}(\pi_{\text{old}} \,\|\, \pi_\theta)

    give the new policy. The reward gradient is exact (no sampling):
    :math:`\partial J/\partial\theta_a = \pi_\theta(a)\,(r(a) - \bar r) - \beta\,(\pi_\theta(a) -
    \pi_{\text{old}}(a))` with :math:`\bar r = \sum_a \pi_\theta(a) r(a)`.

    Parameters
    ----------
    rewards : array_like, shape (K,)
        Expected reward of each arm (K >= 2).
    beta : float
        Penalty weight β >= 0 (0: plain policy gradient, no trust region).
    lr : float, optional
        Learning rate of the inner steps (> 0).
    steps : int, optional
        Number of policy updates (>= 1).
    inner_steps : int, optional
        Gradient steps per update (>= 1); PPO takes several on the same data.
    initial_logits : array_like, optional
        Starting logits (default zeros: the uniform policy).

    Returns
    -------
    BanditRun
        Logits, expected rewards and the KL of each update.

    Raises
    ------
    ValueError
        If ``rewards`` or ``initial_logits`` is not a finite 1-D array of the same length >= 2,
        or a parameter is out of range.

    Examples
    --------
    >>> free = kl_penalty_bandit([1.0, 0.8, 0.2, 0.0], beta=0.0, lr=2.0, steps=3)
    >>> held = kl_penalty_bandit([1.0, 0.8, 0.2, 0.0], beta=1.0, lr=2.0, steps=3)
    >>> free.step_kl.round(3).tolist(), held.step_kl.round(3).tolist()
    ([0.963, 0.071, 0.009], [0.072, 0.05, 0.032])
    """
    r = _real_array(rewards, "rewards", ndim=1)
    if r.size < 2:
        raise ValueError(f"rewards must have at least 2 arms; got {r.size}")
    beta = _number(beta, "beta", low=0.0)
    lr = _number(lr, "lr", low=0.0, low_open=True)
    steps = _count(steps, "steps")
    inner_steps = _count(inner_steps, "inner_steps")
    if initial_logits is None:
        theta = np.zeros_like(r)
    else:
        theta = _real_array(initial_logits, "initial_logits", ndim=1)
        if theta.shape != r.shape:
            raise ValueError(f"initial_logits must have one logit per arm ({r.size}); got "
                             f"{theta.size}")
    logits = np.empty((steps + 1, r.size))
    logits[0] = theta
    for step in range(steps):
        old = special.softmax(theta)
        for _ in range(inner_steps):
            pi = special.softmax(theta)
            theta = theta + lr * (pi * (r - pi @ r) - beta * (pi - old))
        logits[step + 1] = theta
    step_kl = np.asarray(policy_kl(logits[:-1], logits[1:]))
    return BanditRun(logits=logits, expected_reward=special.softmax(logits, axis=1) @ r,
                     step_kl=step_kl)


# --- the widget: encoder N(mu, sigma^2) against the prior N(0, 1) ---------------------------

#: Slider ranges of the widget.
MU_RANGE = (-3.0, 3.0)
LOG_VAR_RANGE = (-4.0, 2.0)
#: The z-axis of the widget's figure.
_Z_GRID = np.linspace(-6.0, 6.0, 601)


def _normal_pdf(z: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((z - mu) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))


def plot_vae_kl(ax: Axes, mu: float = 0.0, log_var: float = 0.0) -> float:
    r"""Draw the encoder N(μ, σ²) against the prior N(0, 1); return their KL in nats.

    The prior P = N(0, 1) is drawn in ``P_COLOR``, the encoder Q = N(μ, σ²) in ``Q_COLOR``;
    the title gives KL(Q ‖ P) = :func:`vae_kl` (μ, log σ²).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (it is cleared first).
    mu : float, optional
        Encoder mean.
    log_var : float, optional
        Encoder log-variance :math:`\log\sigma^2`, in [-700, 700].

    Returns
    -------
    float
        KL(N(μ, σ²) ‖ N(0, 1)) in nats.

    Raises
    ------
    ValueError
        If ``mu`` or ``log_var`` is not a finite number (``log_var`` in [-700, 700]).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> round(plot_vae_kl(Figure().subplots(), mu=1.0, log_var=0.0), 4)
    0.5
    """
    mu = _number(mu, "mu")
    log_var = _number(log_var, "log_var", low=-700.0, high=700.0)
    kl = vae_kl(mu, log_var)
    sigma = math.exp(0.5 * log_var)
    ax.clear()
    prior = _normal_pdf(_Z_GRID, 0.0, 1.0)
    encoder = _normal_pdf(_Z_GRID, mu, sigma)
    ax.fill_between(_Z_GRID, prior, color=P_COLOR, alpha=0.25)
    ax.plot(_Z_GRID, prior, color=P_COLOR, label="P: prior N(0, 1)")
    ax.fill_between(_Z_GRID, encoder, color=Q_COLOR, alpha=0.25)
    ax.plot(_Z_GRID, encoder, color=Q_COLOR, label=f"Q: encoder N({mu:.2f}, {sigma:.2f}²)")
    top = max(0.5, 1.1 * float(encoder.max()))
    decorate(ax, xlim=(_Z_GRID[0], _Z_GRID[-1]), ylim=(0, top), xlabel="latent code z",
             ylabel="probability density (1/unit of z)",
             title=f"KL(Q ‖ P) = {kl:.3f} nats: 0 only when Q is the prior")
    return kl


def vae_kl_readout(mu: float, log_var: float) -> str:
    r"""HTML readout of the widget: KL(N(μ, σ²) ‖ N(0, 1)) split into a mean and a spread part.

    Parameters
    ----------
    mu : float
        Encoder mean.
    log_var : float
        Encoder log-variance, in [-700, 700].

    Returns
    -------
    str
        HTML with μ, σ, the KL in nats (4 decimals), the mean part ½μ² and the spread part
        ½(σ² − 1 − log σ²); the two parts add up to the KL.

    Raises
    ------
    ValueError
        As :func:`vae_kl`.

    Examples
    --------
    >>> "KL(Q ‖ P) = 0.5000 nats" in vae_kl_readout(1.0, 0.0)
    True
    """
    total = vae_kl(mu, log_var)
    mean_part = vae_kl(mu, 0.0)
    spread_part = vae_kl(0.0, log_var)
    return (f"μ = {mu:.2f}, σ = {math.exp(0.5 * log_var):.3f} &nbsp;&nbsp; "
            f"<b>KL(Q ‖ P) = {total:.4f} nats</b> = mean part ½μ² {mean_part:.4f} "
            f"+ spread part ½(σ² − 1 − log σ²) {spread_part:.4f}")


class VAEKLWidget(widgets.VBox):
    """Sliders for μ and log σ² of the encoder, a KL readout and the redrawn figure.

    Build it with :func:`vae_kl_widget`.

    Attributes
    ----------
    mu_slider, log_var_slider : ipywidgets.FloatSlider
        The controls; setting ``.value`` redraws.
    readout : ipywidgets.HTML
        KL(Q ‖ P) in nats and its mean and spread parts (see :func:`vae_kl_readout`).
    output : ipywidgets.Output
        Shows the figure as one PNG image (``output.outputs``), replaced on every change.
    figure : matplotlib.figure.Figure
        The figure drawn by :func:`plot_vae_kl` (not managed by pyplot).
    kl : float
        The current KL in nats.
    """

    def __init__(self, mu: float, log_var: float) -> None:
        options = {"step": 0.05, "readout_format": ".2f", "continuous_update": False,
                   "style": {"description_width": "initial"}}
        self.mu_slider = widgets.FloatSlider(value=mu, min=MU_RANGE[0], max=MU_RANGE[1],
                                             description="encoder mean μ", **options)
        self.log_var_slider = widgets.FloatSlider(value=log_var, min=LOG_VAR_RANGE[0],
                                                  max=LOG_VAR_RANGE[1],
                                                  description="encoder log σ²", **options)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        self.figure = Figure(figsize=FIGSIZE, layout="constrained")
        self._ax = self.figure.subplots()
        self.kl = float("nan")
        super().__init__([widgets.HBox([self.mu_slider, self.log_var_slider]), self.readout,
                          self.output])
        self.mu_slider.observe(self._redraw, names="value")
        self.log_var_slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        mu, log_var = self.mu_slider.value, self.log_var_slider.value
        self.kl = plot_vae_kl(self._ax, mu, log_var)
        self.readout.value = vae_kl_readout(mu, log_var)
        show_figure(self.output, self.figure,
                    f"<encoder N({mu:.2f}, exp({log_var:.2f})) against N(0, 1)>")


def vae_kl_widget(mu: float = 0.0, log_var: float = 0.0) -> VAEKLWidget:
    """Build the widget of chapter 7: sliders for μ and log σ² redraw the encoder and its KL.

    Parameters
    ----------
    mu : float, optional
        Starting encoder mean, in [-3, 3].
    log_var : float, optional
        Starting encoder log-variance, in [-4, 2].

    Returns
    -------
    VAEKLWidget
        An ``ipywidgets.VBox`` with ``mu_slider``, ``log_var_slider``, ``readout``, ``output``,
        ``figure`` and ``kl``.

    Raises
    ------
    ValueError
        If ``mu`` or ``log_var`` is outside its slider range.

    Examples
    --------
    >>> w = vae_kl_widget()
    >>> w.kl
    0.0
    >>> w.mu_slider.value = 1.0
    >>> "KL(Q ‖ P) = 0.5000 nats" in w.readout.value
    True
    """
    mu = _number(mu, "mu", low=MU_RANGE[0], high=MU_RANGE[1])
    log_var = _number(log_var, "log_var", low=LOG_VAR_RANGE[0], high=LOG_VAR_RANGE[1])
    return VAEKLWidget(mu, log_var)
