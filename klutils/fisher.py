r"""Fisher information: the curvature of the KL divergence within a parametric family.

For a family :math:`P_\theta` with parameters :math:`\theta \in \mathbb{R}^k`, the Fisher
information matrix is

.. math:: I(\theta) = E_{x \sim P_\theta}\!\left[\nabla_\theta \log p_\theta(x)\,
    \nabla_\theta \log p_\theta(x)^\top\right]
    = -E_{x \sim P_\theta}\!\left[\nabla^2_\theta \log p_\theta(x)\right],

and it is the Hessian at :math:`\delta = 0` of :math:`\delta \mapsto
\mathrm{KL}(P_\theta \,\|\, P_{\theta + \delta})`: the divergence is zero there, its gradient is
zero (the score has mean zero), so

.. math:: \mathrm{KL}(P_\theta \,\|\, P_{\theta+\delta}) = \tfrac12\, \delta^\top I(\theta)\,
    \delta + O(\lVert\delta\rVert^3)

(:func:`quadratic_kl`), and the same holds for :math:`\mathrm{KL}(P_{\theta+\delta} \,\|\,
P_\theta)`: near P, the two directions agree to second order. The closed forms here
(Bernoulli, categorical, normal) come in the coordinates the course uses, because I depends on
them: with :math:`\theta = g(\eta)`, :math:`I_\eta = J^\top I_\theta J` with :math:`J` the
Jacobian of g, while the KL divergence does not depend on the coordinates at all.
:func:`kl_curvature` measures the Hessian of any family's KL numerically, from klutils'
accurate divergences.

Units: the KL divergence in nats, so I is in nats per squared unit of the parameter.

Examples
--------
>>> fisher_bernoulli(0.5), fisher_bernoulli(0.5, coordinates="log-odds")
(4.0, 0.25)
>>> round(quadratic_kl(fisher_bernoulli(0.5), 0.1), 6)  # KL(Bern(0.5)‖Bern(0.6)) = 0.020411
0.02
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import (
    as_result,
    distributions,
    function,
    positive_number,
    real_array,
)

__all__ = [
    "fisher_bernoulli",
    "fisher_categorical",
    "fisher_normal",
    "kl_curvature",
    "quadratic_kl",
]


def _choice(value: object, name: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def fisher_bernoulli(p: ArrayLike, *, coordinates: str = "probability") -> float | np.ndarray:
    r"""Fisher information of a coin Bernoulli(p), per flip.

    Parameters
    ----------
    p : array_like
        Probabilities of heads, strictly between 0 and 1 (arrays give one value each).
    coordinates : {"probability", "log-odds"}, optional
        The parameter: p itself, :math:`I(p) = 1 / (p(1 - p))`, or the log-odds
        :math:`\eta = \log(p / (1 - p))`, :math:`I(\eta) = p(1 - p)`.

    Returns
    -------
    float or numpy.ndarray
        I, in nats per squared unit of the parameter.

    Raises
    ------
    ValueError
        If a probability is not strictly between 0 and 1 (I is infinite or undefined there) or
        ``coordinates`` is not one of the two.

    Examples
    --------
    >>> fisher_bernoulli([0.1, 0.5]).round(4).tolist()
    [11.1111, 4.0]
    >>> fisher_bernoulli(0.1, coordinates="log-odds")
    0.09000000000000001
    """
    x = real_array(p, "p")
    if np.any((x <= 0) | (x >= 1)):
        raise ValueError(f"p must lie strictly between 0 and 1; got "
                         f"{float(x[(x <= 0) | (x >= 1)].flat[0])!r}")
    kind = _choice(coordinates, "coordinates", ("probability", "log-odds"))
    variance = x * (1.0 - x)
    return as_result(variance if kind == "log-odds" else 1.0 / variance)


def fisher_categorical(p: ArrayLike, *, coordinates: str = "logits",
                       axis: int = -1) -> np.ndarray:
    r"""Fisher information matrix of a categorical distribution over K outcomes.

    Parameters
    ----------
    p : array_like
        The probabilities along ``axis`` (summing to 1 within 1e-6; divided by their sum), all
        positive; other axes are a batch.
    coordinates : {"logits", "probabilities"}, optional
        ``"logits"``: :math:`p = \mathrm{softmax}(z)` with K logits z, and
        :math:`I = \mathrm{diag}(p) - p p^\top` (K x K; singular along :math:`(1, \dots, 1)`,
        since adding a constant to every logit changes nothing). ``"probabilities"``: the first
        K - 1 probabilities, the last being one minus their sum, and
        :math:`I = \mathrm{diag}(1/p_i) + (1/p_K)\, \mathbf{1}\mathbf{1}^\top`
        ((K-1) x (K-1)).
    axis : int, optional
        The axis of the outcomes (default: the last).

    Returns
    -------
    numpy.ndarray
        The matrix, symmetric and positive semi-definite; for a batch, shape
        ``(*batch, K, K)`` (or ``K - 1``): the matrices' axes last, as :mod:`numpy.linalg`
        stacks them.

    Raises
    ------
    ValueError
        If ``p`` is not a distribution, has fewer than two outcomes or a zero, or
        ``coordinates`` is not one of the two.

    Examples
    --------
    >>> fisher_categorical([0.5, 0.5])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    >>> fisher_categorical([0.2, 0.3, 0.5], coordinates="probabilities").round(4).tolist()
    [[7.0, 2.0], [2.0, 5.3333]]
    """
    kind = _choice(coordinates, "coordinates", ("logits", "probabilities"))
    if axis is None:
        raise ValueError("axis must be an integer: the axis of the outcomes")
    ((x, sums),) = distributions((p, "p"), axis=axis)
    if x.shape[-1] < 2 or np.any(x <= 0):
        raise ValueError("p must have at least two outcomes, each of positive probability")
    x = x / sums[..., None]
    if kind == "logits":
        return _diagonal(x) - x[..., :, None] * x[..., None, :]
    return _diagonal(1.0 / x[..., :-1]) + (1.0 / x[..., -1])[..., None, None]


def _diagonal(values: np.ndarray) -> np.ndarray:
    """Diagonal matrices with ``values`` (along the last axis) on their diagonals."""
    k = values.shape[-1]
    return values[..., :, None] * np.eye(k)


def fisher_normal(sigma: ArrayLike, *, coordinates: str = "mu, sigma") -> np.ndarray:
    r"""Fisher information matrix of a normal distribution :math:`N(\mu, \sigma^2)`.

    It does not depend on :math:`\mu`.

    Parameters
    ----------
    sigma : float or array_like
        The standard deviation, positive (an array gives one matrix per entry).
    coordinates : {"mu, sigma", "mu, log sigma"}, optional
        The parameters: :math:`(\mu, \sigma)` give :math:`\mathrm{diag}(1/\sigma^2,
        2/\sigma^2)`; :math:`(\mu, \log\sigma)` give :math:`\mathrm{diag}(1/\sigma^2, 2)`.

    Returns
    -------
    numpy.ndarray
        The 2 x 2 matrix; for an array of ``sigma``, shape ``(*sigma.shape, 2, 2)``.

    Raises
    ------
    ValueError
        If ``sigma`` is not a positive finite number or ``coordinates`` is not one of the two.

    Examples
    --------
    >>> fisher_normal(2.0).tolist(), fisher_normal(2.0, coordinates="mu, log sigma").tolist()
    ([[0.25, 0.0], [0.0, 0.5]], [[0.25, 0.0], [0.0, 2.0]])
    """
    s = real_array(sigma, "sigma", low=0.0, low_open=True)
    kind = _choice(coordinates, "coordinates", ("mu, sigma", "mu, log sigma"))
    precision = 1.0 / (s * s)
    second = 2.0 * precision if kind == "mu, sigma" else np.full_like(s, 2.0)
    return _diagonal(np.stack([precision, second], axis=-1))


def quadratic_kl(fisher: ArrayLike, delta: ArrayLike) -> float | np.ndarray:
    r"""The second-order approximation :math:`\tfrac12\, \delta^\top I\, \delta` of
    :math:`\mathrm{KL}(P_\theta \,\|\, P_{\theta+\delta})`.

    Parameters
    ----------
    fisher : array_like
        The Fisher information: a number (one parameter) or a k x k matrix.
    delta : array_like
        The parameter step: a number or array of numbers (one parameter), or vectors of
        length k along the last axis (leading axes are a batch).

    Returns
    -------
    float or numpy.ndarray
        :math:`\tfrac12 \delta^\top I \delta`, in nats when I is.

    Raises
    ------
    ValueError
        If an entry is not a finite number, the matrix is not square, or the shapes do not
        match.

    Examples
    --------
    >>> quadratic_kl(4.0, [0.1, -0.2]).round(6).tolist()
    [0.02, 0.08]
    >>> quadratic_kl([[1.0, 0.0], [0.0, 2.0]], [1.0, 1.0])
    1.5
    """
    matrix = real_array(fisher, "fisher")
    step = real_array(delta, "delta")
    if matrix.ndim == 0:
        return as_result(0.5 * matrix * step * step)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"fisher must be a number or a square matrix; got shape {matrix.shape}")
    if step.ndim == 0 or step.shape[-1] != matrix.shape[0]:
        raise ValueError(f"delta must have {matrix.shape[0]} entries along its last axis; got "
                         f"shape {step.shape}")
    return as_result(0.5 * np.einsum("...i,ij,...j->...", step, matrix, step))


def kl_curvature(kl: Callable[[np.ndarray, np.ndarray], float], theta: ArrayLike, *,
                 step: float = 1e-4) -> float | np.ndarray:
    r"""The Hessian of :math:`\delta \mapsto \mathrm{KL}(P_\theta \,\|\, P_{\theta+\delta})` at 0,
    by central differences: the Fisher information, measured.

    Parameters
    ----------
    kl : callable
        ``kl(theta, theta_prime)``: :math:`\mathrm{KL}(P_\theta \,\|\, P_{\theta'})` in nats
        (for example built from :func:`klutils.kl_bernoulli` or :func:`klutils.kl_divergence`).
        It must be accurate for tiny divergences (KL ~ step²), as klutils' are.
    theta : float or array_like
        The parameter: a number, or a 1-D vector of k numbers.
    step : float, optional
        The difference step h (default 1e-4, in the parameter's units); the error is of order
        :math:`h^2` relative.

    Returns
    -------
    float or numpy.ndarray
        A number for a scalar parameter, else the k x k matrix. With f(δ) = KL: the diagonal
        is :math:`[f(h e_i) + f(-h e_i)] / h^2`, the rest
        :math:`[f(h u) + f(-h u) - f(h v) - f(-h v)] / (4 h^2)` with
        :math:`u = e_i + e_j`, :math:`v = e_i - e_j` (f(0) = 0 and its gradient is 0).

    Raises
    ------
    ValueError
        If ``kl`` is not callable or returns something other than a finite number >= 0,
        ``theta`` is not finite, or ``step`` is not positive.

    Examples
    --------
    >>> from klutils import kl_bernoulli
    >>> round(kl_curvature(kl_bernoulli, 0.3), 6), round(fisher_bernoulli(0.3), 6)
    (4.761905, 4.761905)
    """
    divergence = function(kl, "kl")
    point = real_array(theta, "theta")
    h = positive_number(step, "step")
    if point.ndim > 1:
        raise ValueError(f"theta must be a number or a 1-D vector; got shape {point.shape}")

    def f(delta: np.ndarray) -> float:
        value = divergence(point.item() if point.ndim == 0 else point,
                           (point + delta).item() if point.ndim == 0 else point + delta)
        number = float(np.asarray(value, dtype=np.float64))
        if not (number >= 0 and np.isfinite(number)):
            raise ValueError(f"kl must return a finite number >= 0; got {value!r}")
        return number

    if point.ndim == 0:
        return (f(np.float64(h)) + f(np.float64(-h))) / (h * h)
    k = len(point)
    hessian = np.empty((k, k))
    unit = np.eye(k)
    for i in range(k):
        hessian[i, i] = (f(h * unit[i]) + f(-h * unit[i])) / (h * h)
        for j in range(i):
            u, v = unit[i] + unit[j], unit[i] - unit[j]
            hessian[i, j] = hessian[j, i] = (f(h * u) + f(-h * u) - f(h * v) - f(-h * v)) \
                / (4 * h * h)
    return hessian
