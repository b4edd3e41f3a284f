r"""Normal distributions on the real line: densities, mixtures, expectations, and the Gaussian
closest to a distribution in reverse KL, which is also variational inference.

* :func:`normal_logpdf`, :func:`normal_entropy`; mixtures :func:`two_mode_mixture`,
  :func:`gaussian_mixture_logpdf`, :func:`mixture_moments`.
* :func:`expect_normal`, the one quadrature rule of the module:
  :math:`\mathbb E[f(X)]` for :math:`X \sim \mathcal N(\mu, \sigma^2)`.
* :func:`elbo` and :func:`fit_gaussian_reverse_kl`: for a density known up to its normaliser,
  :math:`p = \tilde p / Z`, and :math:`Q = \mathcal N(\mu, \sigma^2)`,

  .. math:: \log Z = \mathrm{ELBO}(Q) + \mathrm{KL}(Q \,\|\, P), \qquad
            \mathrm{ELBO}(Q) = \mathbb E_Q[\log \tilde p(X)] + h(Q),

  so the Gaussian with the largest ELBO is the one closest to P in reverse KL: fitting a Gaussian
  to a two-mode mixture (chapter 6) and variational inference of a posterior (chapter 9) are
  the same computation.
* The two fits of a Gaussian to a mixture, :func:`gaussian_fits`: the forward one minimises
  KL(P‖Q) and matches P's mean and variance (:func:`mixture_moments`); the reverse one minimises
  KL(Q‖P) (:func:`kl_gaussian_mixture`) and sits on one mode.

Why the trapezoid rule and not Gauss–Hermite
--------------------------------------------
The expectation is the trapezoid rule in the standard score :math:`z = (x - \mu)/\sigma`, step
:data:`Z_STEP` over :math:`|z| \le` :data:`Z_HALF_WIDTH`. For the smooth integrands here it
converges geometrically, at a rate set by how close the integrand's complex singularities come
to the real axis. For the log-density of a mixture with far-apart modes they come close (the
switch from one mode to the other); Gauss–Hermite
(``numpy.polynomial.hermite_e.hermegauss``), whose nodes are about 0.1 apart near 0 even for
hundreds of nodes, loses digits there, while this rule keeps 13 or more.

Examples
--------
>>> from functools import partial
>>> weights, means, sigmas = mixture = two_mode_mixture(8.0)
>>> log_p = partial(gaussian_mixture_logpdf, weights=weights, means=means, sigmas=sigmas)
>>> [round(v, 2) for v in fit_gaussian_reverse_kl(log_p, init=(-3.0, 2.0))]
[-4.0, 1.0]
>>> round(kl_gaussian_mixture(-4.0, 1.0, *mixture), 4)  # on one mode of weight 1/2: ~ log 2
0.6931
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from klutils._validation import (
    as_result,
    check_distribution,
    log_density_values,
    log_of_base,
    positive_number,
    real_array,
    real_number,
)

__all__ = [
    "GaussianFit",
    "GaussianFits",
    "elbo",
    "expect_normal",
    "fit_gaussian_reverse_kl",
    "gaussian_fits",
    "gaussian_mixture_logpdf",
    "kl_gaussian_mixture",
    "kl_mixture_gaussian",
    "mixture_moments",
    "normal_entropy",
    "normal_logpdf",
    "two_mode_mixture",
]

#: Half-width (in standard deviations) and step of the trapezoid rule of :func:`expect_normal`.
Z_HALF_WIDTH, Z_STEP = 10.0, 1.0 / 64.0

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Nodes z_j and weights of E[f(Z)] ~ sum_j _WEIGHTS[j] f(_NODES[j]), Z ~ N(0, 1).
_NODES = np.linspace(-Z_HALF_WIDTH, Z_HALF_WIDTH, int(round(2 * Z_HALF_WIDTH / Z_STEP)) + 1)
_WEIGHTS = np.exp(-0.5 * _NODES ** 2)
_WEIGHTS /= _WEIGHTS.sum()

LogDensity = Callable[[np.ndarray], np.ndarray]


# --- one normal distribution ----------------------------------------------------------------

def normal_logpdf(x: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0) -> float | np.ndarray:
    r"""Log-density of the normal distribution :math:`\mathcal N(\mu, \sigma^2)` at ``x``.

    Parameters
    ----------
    x : array_like
        Points (no NaN; ``±inf`` give ``-inf``); ``x``, ``mu`` and ``sigma`` broadcast.
    mu : array_like, optional
        Mean (finite), default 0.
    sigma : array_like, optional
        Standard deviation (finite, positive), default 1.

    Returns
    -------
    float or numpy.ndarray
        :math:`-\tfrac12 ((x - \mu)/\sigma)^2 - \log\sigma - \tfrac12\log 2\pi` nats per unit of
        x; a float for scalar input. The density itself is ``np.exp`` of it.

    Raises
    ------
    ValueError
        If ``x`` has a NaN, ``mu`` is not finite or ``sigma`` is not positive.

    Examples
    --------
    >>> round(normal_logpdf(0.0), 6)  # -log(2 pi) / 2
    -0.918939
    >>> normal_logpdf([1.0, 3.0], mu=1.0, sigma=2.0).round(4).tolist()
    [-1.6121, -2.1121]
    """
    if all(isinstance(v, float | int) and not isinstance(v, bool) for v in (x, mu, sigma)):
        if math.isnan(x) or not math.isfinite(mu) or not (math.isfinite(sigma) and sigma > 0):
            real_array(x, "x", allow_infinite=True)  # raise the usual errors (quadrature calls
            real_array(mu, "mu")                     # this once per point: keep it fast)
            real_array(sigma, "sigma", low=0.0, low_open=True)
        z = (x - mu) / sigma
        return -0.5 * z * z - math.log(sigma) - _HALF_LOG_2PI
    x_arr = real_array(x, "x", allow_infinite=True)
    mu_arr = real_array(mu, "mu")
    sigma_arr = real_array(sigma, "sigma", low=0.0, low_open=True)
    z = (x_arr - mu_arr) / sigma_arr
    return as_result(-0.5 * z * z - np.log(sigma_arr) - _HALF_LOG_2PI)


def normal_entropy(sigma: float, *, base: float | None = None) -> float:
    r"""Differential entropy of a normal distribution with standard deviation ``sigma``.

    :math:`\tfrac12\log(2\pi e\sigma^2)`, in nats (``base=None``) or bits (``base=2``);
    negative when :math:`\sigma` is small.

    Examples
    --------
    >>> round(normal_entropy(1.0), 6)
    1.418939
    """
    s = positive_number(sigma, "sigma")
    return (0.5 + _HALF_LOG_2PI + math.log(s)) / log_of_base(base)


def expect_normal(f: LogDensity, mu: float, sigma: float) -> float:
    r""":math:`\mathbb E[f(X)]` for :math:`X \sim \mathcal N(\mu, \sigma^2)`, by the trapezoid rule.

    ``f`` is called once, with an array of points; see the module docstring for the rule and
    its accuracy (about 1e-13 relative for the smooth functions of the course).

    Raises
    ------
    ValueError
        If ``mu`` or ``sigma`` is invalid, or ``f`` is not vectorised or returns NaN or +inf.

    Examples
    --------
    >>> round(expect_normal(lambda x: x ** 2, 1.0, 2.0), 12)  # mu^2 + sigma^2
    5.0
    """
    m = real_number(mu, "mu")
    s = positive_number(sigma, "sigma")
    return float(_WEIGHTS @ log_density_values(f, m + s * _NODES, "f"))


# --- mixtures -------------------------------------------------------------------------------

def two_mode_mixture(separation: float, weights: Sequence[float] = (0.5, 0.5),
                     sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The mixture :math:`w_1 \mathcal N(-d/2, \sigma^2) + w_2 \mathcal N(d/2, \sigma^2)`.

    Parameters
    ----------
    separation : float
        Distance :math:`d \ge 0` between the two means.
    weights : sequence of two floats, optional
        :math:`(w_1, w_2)`, non-negative, summing to 1.
    sigma : float, optional
        Common standard deviation :math:`\sigma > 0`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(weights, means, sigmas)``, the mixture as the other functions here take it.

    Raises
    ------
    ValueError
        If ``separation`` is negative or not finite, the weights are not two probabilities
        summing to 1, or ``sigma`` is not positive.

    Examples
    --------
    >>> [a.tolist() for a in two_mode_mixture(4.0)]
    [[0.5, 0.5], [-2.0, 2.0], [1.0, 1.0]]
    """
    d = real_number(separation, "separation", low=0.0)
    s = positive_number(sigma, "sigma")
    w = real_array(weights, "weights", ndim=1)
    if w.shape != (2,):
        raise ValueError(f"weights must hold two numbers; got shape {w.shape}")
    check_distribution(w, "weights")
    return w, np.array([-d / 2, d / 2]), np.array([s, s])


def _mixture(weights: ArrayLike, means: ArrayLike,
             sigmas: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A validated 1-D Gaussian mixture: (weights, means, sigmas) of its used components.

    Components of weight 0 are dropped; the weights are divided by their sum (within 1e-6 of 1).
    Validated once per content (quadrature calls this at every point); read-only arrays.
    """
    try:
        arrays = [np.asarray(a) for a in (weights, means, sigmas)]
    except (ValueError, TypeError):  # ragged input: let the checks say what is wrong
        arrays = []
    if arrays and all(a.dtype.kind in "fiu" for a in arrays):
        return _mixture_from_key(tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays))
    return _check_mixture(weights, means, sigmas)


@functools.lru_cache(maxsize=64)
def _mixture_from_key(key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.frombuffer(data, dtype=dtype).reshape(shape) for dtype, shape, data in key]
    result = _check_mixture(*arrays)
    for array in result:
        array.flags.writeable = False
    return result


def _check_mixture(weights: ArrayLike, means: ArrayLike,
                   sigmas: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = real_array(weights, "weights", ndim=1)
    m = real_array(means, "means", ndim=1)
    s = real_array(sigmas, "sigmas", ndim=1, low=0.0, low_open=True)
    if not len(w) == len(m) == len(s):
        raise ValueError(f"weights, means and sigmas must have one entry per component; got "
                         f"lengths {len(w)}, {len(m)} and {len(s)}")
    total = check_distribution(w, "weights")
    used = w > 0
    return w[used] / total, m[used], s[used]


def _log_mixture(x: np.ndarray, w: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``log p(x)`` of a validated mixture at finite points, by log-sum-exp."""
    # Components along the first axis: reductions over a short last axis are slow in numpy.
    z = (x.reshape(1, -1) - m[:, None]) / s[:, None]
    terms = (np.log(w) - np.log(s) - _HALF_LOG_2PI)[:, None] - 0.5 * z * z
    largest = terms.max(axis=0)
    return (largest + np.log(np.exp(terms - largest).sum(axis=0))).reshape(x.shape)


def gaussian_mixture_logpdf(x: ArrayLike, weights: ArrayLike, means: ArrayLike,
                            sigmas: ArrayLike) -> float | np.ndarray:
    r"""Log-density of the Gaussian mixture :math:`\sum_k w_k \mathcal N(\mu_k, \sigma_k^2)`.

    Computed with log-sum-exp, so it stays finite far in the tails where every density
    underflows to 0.

    Parameters
    ----------
    x : array_like
        Points (any shape, no NaN; ``±inf`` give ``-inf``).
    weights : array_like
        Mixture weights :math:`w_k \ge 0`, summing to 1 (within 1e-6).
    means : array_like
        Component means :math:`\mu_k` (finite).
    sigmas : array_like
        Component standard deviations :math:`\sigma_k > 0`.

    Returns
    -------
    float or numpy.ndarray
        :math:`\log p(x)`, the shape of ``x`` (a float for scalar ``x``).

    Raises
    ------
    ValueError
        If the weights are not a probability vector, a mean is not finite, a sigma is not
        positive, the three do not have the same length, or ``x`` has a NaN.

    Examples
    --------
    >>> round(gaussian_mixture_logpdf(50.0, [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), 4)
    -1202.1121
    """
    w, m, s = _mixture(weights, means, sigmas)
    if isinstance(x, float | int) and not isinstance(x, bool) and math.isfinite(x):
        return float(_log_mixture(np.array([float(x)]), w, m, s)[0])  # quadrature: one point
    x_arr = real_array(x, "x", allow_infinite=True)
    finite = np.isfinite(x_arr)
    return as_result(np.where(finite, _log_mixture(np.where(finite, x_arr, 0.0), w, m, s),
                              -np.inf))


def _mixture_log_density(weights: ArrayLike, means: ArrayLike,
                         sigmas: ArrayLike) -> LogDensity:
    """The mixture's log-density as a function of ``x`` alone (validated once)."""
    w, m, s = _mixture(weights, means, sigmas)
    return functools.partial(gaussian_mixture_logpdf, weights=w, means=m, sigmas=s)


def mixture_moments(weights: ArrayLike, means: ArrayLike,
                    sigmas: ArrayLike) -> tuple[float, float]:
    r"""Mean and standard deviation of a Gaussian mixture: the forward-KL fit of a Gaussian.

    .. math:: m = \sum_k w_k \mu_k, \qquad
              v = \sum_k w_k \bigl(\sigma_k^2 + (\mu_k - m)^2\bigr)

    (no cancellation, unlike :math:`\sum_k w_k(\sigma_k^2 + \mu_k^2) - m^2`). For any P with
    mean :math:`m` and variance :math:`v`, :math:`\mathrm{KL}(P \,\|\, \mathcal N(\mu, \sigma^2))
    = -h(P) + \log\sigma + \tfrac12\log 2\pi + (v + (m - \mu)^2)/(2\sigma^2)` is smallest at
    :math:`\mu = m`, :math:`\sigma^2 = v`: the forward fit matches the moments.

    Returns
    -------
    tuple of float
        ``(m, sqrt(v))``.

    Examples
    --------
    >>> mixture_moments([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])  # variance 1 + 4 = 5
    (0.0, 2.23606797749979)
    """
    w, m, s = _mixture(weights, means, sigmas)
    mean = float(np.dot(w, m))
    return mean, math.sqrt(float(np.dot(w, s * s + (m - mean) ** 2)))


# --- the ELBO and the reverse-KL fit --------------------------------------------------------

def _expectations(log_density: LogDensity, mu: float,
                  sigma: float) -> tuple[float, float, float]:
    r""":math:`E[g]`, :math:`E[g z]`, :math:`E[g (z^2 - 1)]` for :math:`g(z) = \log\tilde p(\mu +
    \sigma z)`, :math:`z \sim N(0, 1)`, by the trapezoid rule."""
    g = log_density_values(log_density, mu + sigma * _NODES, "log_density")
    if not np.all(np.isfinite(g)):
        raise ValueError("log_density is -inf where Q has mass: KL(Q‖P) is infinite")
    return (float(_WEIGHTS @ g), float(_WEIGHTS @ (g * _NODES)),
            float(_WEIGHTS @ (g * (_NODES * _NODES - 1.0))))


def elbo(log_density: LogDensity, mu: float, sigma: float) -> float:
    r"""The evidence lower bound of :math:`Q = \mathcal N(\mu, \sigma^2)`, in nats.

    .. math:: \mathrm{ELBO}(Q) = \mathbb E_Q[\log \tilde p(X)] + \tfrac12\log(2\pi e\sigma^2)
              = \log Z - \mathrm{KL}(Q \,\|\, P)

    for :math:`P = \tilde p / Z`, with the expectation by :func:`expect_normal`.

    Parameters
    ----------
    log_density : callable
        Vectorised ``x -> log p~(x)`` (nats), finite where Q has mass: a log-density, or a
        log joint :math:`\log p(w, \mathcal D)` whose normaliser Z is the evidence.
    mu, sigma : float
        Mean and standard deviation (> 0) of Q.

    Returns
    -------
    float
        The ELBO in nats; at most :math:`\log Z`, with equality only if Q is P.

    Raises
    ------
    ValueError
        On invalid parameters, a log-density that is not vectorised, or one that is ``-inf``
        where Q has mass.

    Examples
    --------
    >>> def log_joint(w):  # an unnormalised N(1, 2^2): log Z = log(2 sqrt(2 pi))
    ...     return -0.5 * ((w - 1) / 2) ** 2
    >>> round(elbo(log_joint, 1.0, 2.0) - math.log(2 * math.sqrt(2 * math.pi)), 12)
    0.0
    """
    m, s = real_number(mu, "mu"), positive_number(sigma, "sigma")
    return _expectations(log_density, m, s)[0] + normal_entropy(s)


class GaussianFit(NamedTuple):
    """The Gaussian ``N(mu, sigma^2)`` found by :func:`fit_gaussian_reverse_kl`."""

    mu: float
    sigma: float


def fit_gaussian_reverse_kl(log_density: LogDensity,
                            init: Sequence[float] = (0.0, 1.0)) -> GaussianFit:
    r"""The Gaussian Q closest to :math:`P = \tilde p / Z` in reverse KL: :math:`\min_Q
    \mathrm{KL}(Q \,\|\, P)`, that is :math:`\max_Q \mathrm{ELBO}(Q)` (variational inference).

    BFGS over :math:`(\mu, \log\sigma)` from ``init``, on the ELBO of :func:`elbo` with its
    gradient from Stein's identity (no derivative of the log-density needed): with
    :math:`g(z) = \log\tilde p(\mu + \sigma z)`,
    :math:`\partial_\mu \mathrm{ELBO} = \mathbb E[g\,z]/\sigma` and
    :math:`\partial_{\log\sigma} \mathrm{ELBO} = \mathbb E[g\,(z^2 - 1)] + 1`. The reverse KL
    can have several local minima (one per well-separated mode); the one found depends on
    ``init``.

    Parameters
    ----------
    log_density : callable
        Vectorised ``x -> log p~(x)`` (nats), known up to an additive constant.
    init : pair of float, optional
        Starting ``(mu, sigma)``, ``sigma > 0`` (default ``(0, 1)``).

    Returns
    -------
    GaussianFit
        ``(mu, sigma)`` at the (local) minimum; its ELBO is ``elbo(log_density, *fit)``.

    Raises
    ------
    ValueError
        On an invalid ``init`` or log-density.
    RuntimeError
        If the optimiser stops away from a stationary point.

    Examples
    --------
    >>> def log_joint(w):  # a Gaussian posterior N(1, 0.5^2) is recovered exactly
    ...     return -0.5 * ((w - 1) / 0.5) ** 2
    >>> [round(v, 6) for v in fit_gaussian_reverse_kl(log_joint)]
    [1.0, 0.5]
    """
    try:
        mu0, sigma0 = init
    except (TypeError, ValueError):
        raise ValueError(f"init must be a pair (mu, sigma); got {init!r}") from None
    start = np.array([real_number(mu0, "init mu"),
                      math.log(positive_number(sigma0, "init sigma"))])

    def negative_elbo(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, log_sigma = float(theta[0]), float(theta[1])
        sigma = math.exp(log_sigma)
        e_g, e_gz, e_gz2 = _expectations(log_density, mu, sigma)
        value = e_g + log_sigma + 0.5 + _HALF_LOG_2PI
        return -value, -np.array([e_gz / sigma, e_gz2 + 1.0])

    result = optimize.minimize(negative_elbo, start, jac=True, method="BFGS",
                               options={"gtol": 1e-10, "maxiter": 500})
    if np.max(np.abs(negative_elbo(result.x)[1])) > 1e-6:
        raise RuntimeError(f"the reverse-KL fit did not converge: {result.message}")
    return GaussianFit(float(result.x[0]), math.exp(float(result.x[1])))


# --- a Gaussian against a mixture, both ways ------------------------------------------------

def kl_gaussian_mixture(mu: float, sigma: float, weights: ArrayLike, means: ArrayLike,
                        sigmas: ArrayLike, *, base: float | None = None) -> float:
    r"""The reverse divergence KL(Q‖P) of a Gaussian :math:`Q = \mathcal N(\mu, \sigma^2)` and a
    Gaussian mixture P: :math:`-\mathrm{ELBO}(Q)` for the normalised P (:func:`elbo`).

    Accurate to about 1e-13 unless the components are far narrower than :math:`\sigma` (below
    about a tenth of it). ``base=2`` gives bits.

    Examples
    --------
    >>> round(kl_gaussian_mixture(0.0, 1.0, [1.0], [1.0], [2.0]), 6)  # kl_normal(0, 1, 1, 2)
    0.443147
    """
    value = -elbo(_mixture_log_density(weights, means, sigmas), mu, sigma)
    return max(value, 0.0) / log_of_base(base)


def kl_mixture_gaussian(weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike, mu: float,
                        sigma: float, *, base: float | None = None) -> float:
    r"""The forward divergence KL(P‖Q) of a Gaussian mixture P and a Gaussian
    :math:`Q = \mathcal N(\mu, \sigma^2)`.

    .. math:: \mathrm{KL}(P \,\|\, Q) = \sum_k w_k\, \mathbb E_{\mathcal N(\mu_k, \sigma_k^2)}
              [\log p] + \log\sigma + \tfrac12\log 2\pi + \frac{v + (m - \mu)^2}{2\sigma^2},

    with :math:`m` and :math:`v` P's mean and variance, each expectation by
    :func:`expect_normal`. ``base=2`` gives bits.

    Examples
    --------
    >>> round(kl_mixture_gaussian([1.0], [0.0], [1.0], 1.0, 2.0), 6)  # kl_normal(0, 1, 1, 2)
    0.443147
    """
    m_q, s_q = real_number(mu, "mu"), positive_number(sigma, "sigma")
    w, m, s = _mixture(weights, means, sigmas)
    log_p = _mixture_log_density(w, m, s)
    negative_entropy = sum(wk * expect_normal(log_p, mk, sk) for wk, mk, sk in zip(w, m, s,
                                                                                   strict=True))
    mean, std = mixture_moments(w, m, s)
    cross = math.log(s_q) + _HALF_LOG_2PI + (std ** 2 + (mean - m_q) ** 2) / (2 * s_q ** 2)
    return max(float(negative_entropy) + cross, 0.0) / log_of_base(base)


class GaussianFits(NamedTuple):
    """Both Gaussian fits to a mixture P and both divergences of each, in nats."""

    forward: tuple[float, float]
    """``(mu, sigma)`` minimising KL(P‖Q): the moments of P."""
    reverse: tuple[float, float]
    """``(mu, sigma)`` minimising KL(Q‖P): the best of the starts at each component."""
    forward_kl: tuple[float, float]
    """KL(P‖Q) and KL(Q‖P) of the forward fit."""
    reverse_kl: tuple[float, float]
    """KL(P‖Q) and KL(Q‖P) of the reverse fit."""


def gaussian_fits(weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike) -> GaussianFits:
    """Fit one Gaussian to a mixture both ways and evaluate both divergences of each fit.

    The reverse fit is started at every component and at the forward fit; the start with the
    smallest KL(Q‖P) wins.

    Examples
    --------
    >>> fits = gaussian_fits(*two_mode_mixture(6.0, weights=(0.7, 0.3)))
    >>> fits.forward_kl[0] < fits.reverse_kl[0] and fits.reverse_kl[1] < fits.forward_kl[1]
    True
    """
    w, m, s = _mixture(weights, means, sigmas)
    log_p = _mixture_log_density(w, m, s)
    forward = mixture_moments(w, m, s)
    starts = [(float(mk), float(sk)) for mk, sk in zip(m, s, strict=True)] + [forward]
    reverse = max((fit_gaussian_reverse_kl(log_p, start) for start in starts),
                  key=lambda fit: elbo(log_p, *fit))

    def both(fit: tuple[float, float]) -> tuple[float, float]:
        return kl_mixture_gaussian(w, m, s, *fit), kl_gaussian_mixture(*fit, w, m, s)

    return GaussianFits(forward, tuple(reverse), both(forward), both(reverse))
