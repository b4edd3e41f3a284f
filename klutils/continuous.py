r"""KL divergence between continuous distributions (chapter 5): quadrature, mixtures, fits.

For densities :math:`p` and :math:`q` on the real line,

.. math:: \mathrm{KL}(P \,\|\, Q) = \int p(x) \log\frac{p(x)}{q(x)} \, dx \quad \text{nats}.

:func:`kl_numerical` computes this integral with :func:`scipy.integrate.quad` from the two
log-densities (so that neither density is ever divided by the other). The rest of the module
fits a single Gaussian :math:`Q = \mathcal N(\mu, \sigma^2)` to a Gaussian mixture :math:`P`:

* the **forward** fit minimises :math:`\mathrm{KL}(P \,\|\, Q)`; its minimiser has P's mean and
  variance (moment matching), so it is computed in closed form;
* the **reverse** fit minimises :math:`\mathrm{KL}(Q \,\|\, P)` numerically over
  :math:`(\mu, \log\sigma)`; the expectation under :math:`Q` is a deterministic quadrature sum
  (the trapezoid rule on a fine grid of standard scores), and so is its gradient.

The chapter's widget (:func:`mode_separation_widget`) moves the two modes of a mixture apart
and redraws both fits.

Examples
--------
>>> mixture = two_mode_mixture(5.0, weights=(0.6, 0.4))
>>> mu, sigma = fit_gaussian_forward_kl(*mixture)
>>> round(mu, 6), round(sigma ** 2, 6)
(-0.5, 7.0)
>>> mu, sigma = fit_gaussian_reverse_kl(*two_mode_mixture(8.0), init=(-3.0, 2.0))
>>> round(mu, 2), round(sigma, 2)
(-4.0, 1.0)
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import integrate, optimize

from klutils._validation import as_float_array, as_result, check_distribution, log_of_base
from klutils.plots import FIGSIZE, P_COLOR, Q_COLOR, decorate, use_course_style
from klutils.widgets import show_figure

__all__ = [
    "GaussianFits",
    "ModeSeparationWidget",
    "draw_gaussian_fits",
    "fit_gaussian_forward_kl",
    "fit_gaussian_reverse_kl",
    "gaussian_fits",
    "gaussian_mixture_logpdf",
    "kl_gaussian_mixture",
    "kl_mixture_gaussian",
    "kl_numerical",
    "mixture_moments",
    "mode_separation_widget",
    "normal_logpdf",
    "two_mode_mixture",
]

#: Half-width (in standard deviations) and step of the trapezoid rule for expectations under a
#: Gaussian. The rule converges geometrically, with rate set by how close the integrand's
#: complex singularities come to the real axis; for the log-density of a mixture with far-apart
#: modes they come close (the switch from one mode to the other), which is why Gauss-Hermite
#: (``numpy.polynomial.hermite_e.hermegauss``), whose nodes are ~0.1 apart near 0 even for
#: hundreds of nodes, loses digits there while this rule keeps 13 or more.
Z_HALF_WIDTH, Z_STEP = 10.0, 1.0 / 64.0

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Nodes z_j and weights of E[f(Z)] ~ sum_j _WEIGHTS[j] f(_NODES[j]), Z ~ N(0, 1).
_NODES = np.linspace(-Z_HALF_WIDTH, Z_HALF_WIDTH, int(round(2 * Z_HALF_WIDTH / Z_STEP)) + 1)
_WEIGHTS = np.exp(-0.5 * _NODES ** 2)
_WEIGHTS /= _WEIGHTS.sum()

#: The separation slider of the widget runs over [0, SEPARATION_MAX] (in units of x).
SEPARATION_MAX = 10.0


# --- input checks -----------------------------------------------------------------------------

def _real(value: object, name: str, *, positive: bool = False, finite: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if positive and number <= 0:
        raise ValueError(f"{name} must be positive; got {value!r}")
    return number


def _parameters(mu: ArrayLike, sigma: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    mu_arr = np.asarray(as_float_array(np.atleast_1d(mu), "mu")).reshape(np.shape(mu))
    sigma_arr = np.asarray(as_float_array(np.atleast_1d(sigma), "sigma")).reshape(np.shape(sigma))
    if not np.all(np.isfinite(mu_arr)):
        raise ValueError("mu must be finite")
    if not (np.all(np.isfinite(sigma_arr)) and np.all(sigma_arr > 0)):
        raise ValueError("sigma must be finite and positive")
    return mu_arr, sigma_arr


def _mixture(weights: ArrayLike, means: ArrayLike,
             sigmas: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a 1-D Gaussian mixture; return (weights, means, sigmas) of its used components.

    Components of weight 0 are dropped; the weights are divided by their sum (within 1e-6 of 1).
    Numeric inputs are validated once per content (quadrature calls this at every point); the
    returned arrays are read-only.
    """
    try:
        arrays = [np.asarray(a) for a in (weights, means, sigmas)]
    except (ValueError, TypeError):  # ragged input: let the checks say what is wrong
        arrays = []
    if arrays and all(a.dtype.kind in "fiu" for a in arrays):
        key = tuple((a.dtype.str, a.shape, a.tobytes()) for a in arrays)
        return _mixture_from_key(key)
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
    w = as_float_array(weights, "weights")
    m = as_float_array(means, "means")
    s = as_float_array(sigmas, "sigmas")
    for array, name in ((w, "weights"), (m, "means"), (s, "sigmas")):
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one entry per component); got shape "
                             f"{array.shape}")
    if not len(w) == len(m) == len(s):
        raise ValueError(f"weights, means and sigmas must have one entry per component; got "
                         f"lengths {len(w)}, {len(m)} and {len(s)}")
    total = check_distribution(w, "weights")
    if not np.all(np.isfinite(m)):
        raise ValueError("means must be finite")
    if not (np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ValueError("sigmas must be finite and positive")
    used = w > 0
    return w[used] / total, m[used], s[used]


def _x_values(x: ArrayLike) -> np.ndarray:
    array = as_float_array(np.atleast_1d(x), "x").reshape(np.shape(x))
    if np.isnan(array).any():
        raise ValueError("x contains NaN")
    return array


# --- densities --------------------------------------------------------------------------------

def normal_logpdf(x: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0) -> float | np.ndarray:
    r"""Log-density of the normal distribution :math:`\mathcal N(\mu, \sigma^2)` at ``x``.

    Parameters
    ----------
    x : array_like
        Points (no NaN); ``x``, ``mu`` and ``sigma`` broadcast.
    mu : array_like, optional
        Mean (finite), default 0.
    sigma : array_like, optional
        Standard deviation (finite, positive), default 1.

    Returns
    -------
    float or numpy.ndarray
        :math:`-\tfrac12 ((x - \mu)/\sigma)^2 - \log\sigma - \tfrac12\log 2\pi`.

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
        return _normal_logpdf_scalar(float(x), float(mu), float(sigma))
    x_arr = _x_values(x)
    mu_arr, sigma_arr = _parameters(mu, sigma)
    z = (x_arr - mu_arr) / sigma_arr
    return as_result(-0.5 * z * z - np.log(sigma_arr) - _HALF_LOG_2PI)


def _normal_logpdf_scalar(x: float, mu: float, sigma: float) -> float:
    """:func:`normal_logpdf` for Python floats (quadrature calls it once per point)."""
    if math.isnan(x):
        raise ValueError("x contains NaN")
    if not math.isfinite(mu):
        raise ValueError("mu must be finite")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError("sigma must be finite and positive")
    z = (x - mu) / sigma
    return -0.5 * z * z - math.log(sigma) - _HALF_LOG_2PI


def gaussian_mixture_logpdf(x: ArrayLike, weights: ArrayLike, means: ArrayLike,
                            sigmas: ArrayLike) -> float | np.ndarray:
    r"""Log-density of the Gaussian mixture :math:`\sum_k w_k \mathcal N(\mu_k, \sigma_k^2)`.

    Computed with log-sum-exp, so it stays finite far in the tails where every density
    underflows to 0.

    Parameters
    ----------
    x : array_like
        Points (any shape, no NaN).
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
    >>> round(gaussian_mixture_logpdf(0.0, [1.0], [0.0], [1.0]), 6)
    -0.918939
    >>> round(gaussian_mixture_logpdf(50.0, [0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]), 4)
    -1202.1121
    """
    w, m, s = _mixture(weights, means, sigmas)
    if isinstance(x, float | int) and not isinstance(x, bool) and math.isfinite(x):
        log_p, _ = _mixture_score(np.array([float(x)]), w, m, s)  # quadrature: one point
        return float(log_p[0])
    x_arr = _x_values(x)
    with np.errstate(invalid="ignore"):  # x = +-inf: every term is -inf
        log_p, _ = _mixture_score(x_arr, w, m, s)
    return as_result(np.where(np.isinf(x_arr), -np.inf, log_p))


def _mixture_score(x: np.ndarray, w: np.ndarray, m: np.ndarray,
                   s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log p(x)`` and its derivative ``d/dx log p(x)`` for validated mixture parameters."""
    # Components along the first axis: reductions over a short last axis are slow in numpy.
    z = (x.reshape(1, -1) - m[:, None]) / s[:, None]
    terms = (np.log(w) - np.log(s) - _HALF_LOG_2PI)[:, None] - 0.5 * z * z
    largest = terms.max(axis=0)
    shifted = np.exp(terms - largest)
    total = shifted.sum(axis=0)
    log_p = largest + np.log(total)
    score = np.sum(shifted * (-z / s[:, None]), axis=0) / total
    return log_p.reshape(x.shape), score.reshape(x.shape)


# --- KL by quadrature -------------------------------------------------------------------------

def kl_numerical(logpdf_p: Callable[[float], float], logpdf_q: Callable[[float], float],
                 lower: float, upper: float, *, base: float | None = None,
                 epsabs: float = 1e-13, epsrel: float = 1e-11, limit: int = 200) -> float:
    r"""KL(P ‖ Q) of two densities by adaptive quadrature (:func:`scipy.integrate.quad`).

    Integrates :math:`p(x)\,(\log p(x) - \log q(x))` over ``[lower, upper]``, where
    :math:`p = \exp(\text{logpdf\_p})`. Where :math:`p(x) = 0` the integrand is 0; where
    :math:`q(x) = 0 < p(x)` the divergence is infinite.

    Parameters
    ----------
    logpdf_p, logpdf_q : callable
        Log-densities of P and Q, called with one float, returning a float (``-inf`` allowed).
    lower, upper : float
        Integration limits, ``lower < upper``; ``-inf`` and ``inf`` are allowed. The interval
        must hold (essentially) all of P's mass, and with infinite limits P's mass should not be
        a narrow spike far from 0, which adaptive quadrature could miss.
    base : float, optional
        None (default) gives nats, 2 gives bits.
    epsabs, epsrel : float, optional
        Absolute and relative error targets passed to ``quad``.
    limit : int, optional
        Maximum number of subintervals for ``quad``.

    Returns
    -------
    float
        The divergence (``inf`` if ``logpdf_q`` is ``-inf`` somewhere ``p > 0``).

    Raises
    ------
    ValueError
        If a log-density is not callable or returns NaN or ``+inf``, the limits are NaN or not
        increasing, or ``base`` or a tolerance is invalid.
    RuntimeError
        If the quadrature does not reach its error target.

    Examples
    --------
    >>> from functools import partial
    >>> p = partial(normal_logpdf, mu=0.0, sigma=1.0)
    >>> q = partial(normal_logpdf, mu=1.0, sigma=1.0)
    >>> round(kl_numerical(p, q, -np.inf, np.inf), 10)  # (mu_p - mu_q)^2 / 2
    0.5
    """
    for function, name in ((logpdf_p, "logpdf_p"), (logpdf_q, "logpdf_q")):
        if not callable(function):
            raise ValueError(f"{name} must be a callable log-density; got {function!r}")
    low = _real(lower, "lower", finite=False)
    high = _real(upper, "upper", finite=False)
    if not low < high:
        raise ValueError(f"lower must be less than upper; got {lower!r} and {upper!r}")
    _real(epsabs, "epsabs", positive=True)
    _real(epsrel, "epsrel", positive=True)
    if isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 1:
        raise ValueError(f"limit must be a positive integer; got {limit!r}")
    divisor = log_of_base(base)
    infinite = []

    def log_density(function, x: float, name: str) -> float:
        value = float(function(x))
        if math.isnan(value) or value == math.inf:
            raise ValueError(f"{name} returned {value} at x = {x!r}")
        return value

    def integrand(x: float) -> float:
        log_p = log_density(logpdf_p, x, "logpdf_p")
        if log_p == -math.inf:
            return 0.0
        log_q = log_density(logpdf_q, x, "logpdf_q")
        if log_q == -math.inf:
            infinite.append(x)
            return 0.0
        return math.exp(log_p) * (log_p - log_q)

    result = integrate.quad(integrand, low, high, epsabs=epsabs, epsrel=epsrel, limit=limit,
                            full_output=1)
    if infinite:
        return math.inf
    if len(result) > 3:  # quad appends a message when it did not converge
        raise RuntimeError(f"quad did not reach the error target: {result[3]}")
    return float(result[0]) / divisor


# --- Gaussian fits to a mixture ---------------------------------------------------------------

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
        ``(weights, means, sigmas)``, ready for the other functions of this module.

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
    d = _real(separation, "separation")
    if d < 0:
        raise ValueError(f"separation must be non-negative; got {separation!r}")
    s = _real(sigma, "sigma", positive=True)
    w = as_float_array(weights, "weights")
    if w.shape != (2,):
        raise ValueError(f"weights must hold two numbers; got shape {w.shape}")
    check_distribution(w, "weights")
    return w, np.array([-d / 2, d / 2]), np.array([s, s])


def mixture_moments(weights: ArrayLike, means: ArrayLike,
                    sigmas: ArrayLike) -> tuple[float, float]:
    r"""Mean and standard deviation of a Gaussian mixture.

    .. math:: m = \sum_k w_k \mu_k, \qquad
              v = \sum_k w_k \bigl(\sigma_k^2 + (\mu_k - m)^2\bigr)

    (the second form has no cancellation, unlike :math:`\sum_k w_k(\sigma_k^2 + \mu_k^2) - m^2`).

    Returns
    -------
    tuple of float
        ``(m, sqrt(v))``.

    Raises
    ------
    ValueError
        On an invalid mixture (see :func:`gaussian_mixture_logpdf`).

    Examples
    --------
    >>> mixture_moments([0.5, 0.5], [-2.0, 2.0], [1.0, 1.0])  # variance 1 + 4 = 5
    (0.0, 2.23606797749979)
    """
    w, m, s = _mixture(weights, means, sigmas)
    mean = float(np.dot(w, m))
    variance = float(np.dot(w, s * s + (m - mean) ** 2))
    return mean, math.sqrt(variance)


def fit_gaussian_forward_kl(weights: ArrayLike, means: ArrayLike,
                            sigmas: ArrayLike) -> tuple[float, float]:
    r"""The Gaussian :math:`Q` that minimises the forward divergence KL(P ‖ Q) for a mixture P.

    For any P with mean :math:`m` and variance :math:`v`,
    :math:`\mathrm{KL}(P \,\|\, \mathcal N(\mu, \sigma^2)) = -h(P) + \log\sigma + \tfrac12\log 2\pi
    + \bigl(v + (m - \mu)^2\bigr) / (2\sigma^2)`, where :math:`h(P)` does not depend on
    :math:`(\mu, \sigma)`. Setting both derivatives to zero gives :math:`\mu = m` and
    :math:`\sigma^2 = v`: the forward fit matches the mean and the variance (moment matching).

    Parameters
    ----------
    weights, means, sigmas : array_like
        The mixture P (see :func:`gaussian_mixture_logpdf`).

    Returns
    -------
    tuple of float
        ``(mu, sigma)`` of the best Gaussian.

    Raises
    ------
    ValueError
        On an invalid mixture.

    Examples
    --------
    >>> fit_gaussian_forward_kl([0.5, 0.5], [-3.0, 3.0], [1.0, 1.0])
    (0.0, 3.1622776601683795)
    """
    return mixture_moments(weights, means, sigmas)


def _expected_log_mixture(mu: float, sigma: float, w, m, s) -> tuple[float, float, float]:
    """E[log p(X)], d/dmu and d/dlog(sigma) of it, for X ~ N(mu, sigma^2) (quadrature)."""
    x = mu + sigma * _NODES
    log_p, score = _mixture_score(x, w, m, s)
    return (float(np.dot(_WEIGHTS, log_p)), float(np.dot(_WEIGHTS, score)),
            sigma * float(np.dot(_WEIGHTS, _NODES * score)))


def kl_gaussian_mixture(mu: float, sigma: float, weights: ArrayLike, means: ArrayLike,
                        sigmas: ArrayLike, *, base: float | None = None) -> float:
    r"""The reverse divergence KL(Q ‖ P) of a Gaussian Q and a Gaussian mixture P.

    Here :math:`Q = \mathcal N(\mu, \sigma^2)` and

    .. math:: \mathrm{KL}(Q \,\|\, P) = -\log\sigma - \tfrac12\log(2\pi e)
              - \mathbb E_{Z \sim \mathcal N(0,1)}\bigl[\log p(\mu + \sigma Z)\bigr],

    with the expectation computed by the trapezoid rule in :math:`Z` (step :data:`Z_STEP`, over
    :math:`|Z| \le` :data:`Z_HALF_WIDTH`): deterministic, and accurate to about 1e-13 unless the
    components are far narrower than :math:`\sigma` (below about a tenth of it).

    Parameters
    ----------
    mu, sigma : float
        Mean and standard deviation (> 0) of Q.
    weights, means, sigmas : array_like
        The mixture P (see :func:`gaussian_mixture_logpdf`).
    base : float, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        KL(Q ‖ P).

    Raises
    ------
    ValueError
        If ``mu`` or ``sigma`` is invalid or the mixture is invalid.

    Examples
    --------
    >>> round(kl_gaussian_mixture(0.0, 1.0, [1.0], [1.0], [2.0]), 6)  # = kl_normal(0, 1, 1, 2)
    0.443147
    """
    mu_ = _real(mu, "mu")
    sigma_ = _real(sigma, "sigma", positive=True)
    w, m, s = _mixture(weights, means, sigmas)
    expected, _, _ = _expected_log_mixture(mu_, sigma_, w, m, s)
    value = -math.log(sigma_) - _HALF_LOG_2PI - 0.5 - expected
    return float(max(value, 0.0)) / log_of_base(base)


def kl_mixture_gaussian(weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike, mu: float,
                        sigma: float, *, base: float | None = None) -> float:
    r"""The forward divergence KL(P ‖ Q) of a Gaussian mixture P and a Gaussian Q.

    Here :math:`Q = \mathcal N(\mu, \sigma^2)` and

    .. math:: \mathrm{KL}(P \,\|\, Q) = \sum_k w_k\, \mathbb E_{\mathcal N(\mu_k, \sigma_k^2)}
              [\log p] + \log\sigma + \tfrac12\log 2\pi + \frac{v + (m - \mu)^2}{2\sigma^2},

    where :math:`m` and :math:`v` are P's mean and variance; each expectation is computed as in
    :func:`kl_gaussian_mixture`.

    Parameters
    ----------
    weights, means, sigmas : array_like
        The mixture P (see :func:`gaussian_mixture_logpdf`).
    mu, sigma : float
        Mean and standard deviation (> 0) of Q.
    base : float, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        KL(P ‖ Q).

    Raises
    ------
    ValueError
        If ``mu`` or ``sigma`` is invalid or the mixture is invalid.

    Examples
    --------
    >>> round(kl_mixture_gaussian([1.0], [0.0], [1.0], 1.0, 2.0), 6)  # = kl_normal(0, 1, 1, 2)
    0.443147
    """
    mu_ = _real(mu, "mu")
    sigma_ = _real(sigma, "sigma", positive=True)
    w, m, s = _mixture(weights, means, sigmas)
    negative_entropy = sum(wk * _expected_log_mixture(mk, sk, w, m, s)[0]
                           for wk, mk, sk in zip(w, m, s, strict=True))
    mean, std = mixture_moments(w, m, s)
    cross = math.log(sigma_) + _HALF_LOG_2PI + (std ** 2 + (mean - mu_) ** 2) / (2 * sigma_ ** 2)
    return float(max(negative_entropy + cross, 0.0)) / log_of_base(base)


def fit_gaussian_reverse_kl(weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike,
                            init: Sequence[float]) -> tuple[float, float]:
    r"""A Gaussian :math:`Q` that minimises the reverse divergence KL(Q ‖ P) for a mixture P.

    Minimises :func:`kl_gaussian_mixture` over :math:`(\mu, \log\sigma)` with BFGS, starting
    from ``init``. The gradient is exact for the quadrature rule: with
    :math:`s(x) = \tfrac{d}{dx}\log p(x)`,
    :math:`\partial_\mu \mathrm{KL} = -\mathbb E[s(X)]` and
    :math:`\partial_{\log\sigma} \mathrm{KL} = -1 - \sigma\,\mathbb E[Z s(X)]`, :math:`X = \mu +
    \sigma Z`. The reverse divergence can have several local minima (one per well separated
    mode); the one found depends on ``init``.

    Parameters
    ----------
    weights, means, sigmas : array_like
        The mixture P (see :func:`gaussian_mixture_logpdf`).
    init : sequence of two floats
        Starting ``(mu, sigma)``, ``sigma > 0``.

    Returns
    -------
    tuple of float
        ``(mu, sigma)`` at the local minimum.

    Raises
    ------
    ValueError
        On an invalid mixture or ``init``.
    RuntimeError
        If the optimiser stops away from a stationary point.

    Examples
    --------
    >>> w, m, s = two_mode_mixture(8.0, weights=(0.5, 0.5))
    >>> [round(v, 3) for v in fit_gaussian_reverse_kl(w, m, s, init=(3.0, 2.0))]
    [4.0, 1.001]
    """
    w, m, s = _mixture(weights, means, sigmas)
    try:
        mu0, sigma0 = init
    except (TypeError, ValueError):
        raise ValueError(f"init must be a pair (mu, sigma); got {init!r}") from None
    mu0 = _real(mu0, "init mu")
    sigma0 = _real(sigma0, "init sigma", positive=True)
    scale = float(np.max(s))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, log_sigma = float(theta[0]), float(theta[1])
        sigma = math.exp(log_sigma)
        expected, d_mu, d_log_sigma = _expected_log_mixture(mu, sigma, w, m, s)
        value = -log_sigma - _HALF_LOG_2PI - 0.5 - expected
        return value, np.array([-d_mu, -1.0 - d_log_sigma])

    result = optimize.minimize(objective, np.array([mu0, math.log(sigma0)]), jac=True,
                               method="BFGS", options={"gtol": 1e-10, "maxiter": 500})
    _, gradient = objective(result.x)
    if not np.all(np.abs(gradient) < 1e-6 * max(1.0, 1.0 / scale)):
        raise RuntimeError(f"the reverse-KL fit did not converge: {result.message}")
    return float(result.x[0]), float(math.exp(result.x[1]))


class GaussianFits(NamedTuple):
    """Both Gaussian fits to a mixture P and the divergences of each, in nats."""

    forward: tuple[float, float]
    """``(mu, sigma)`` minimising KL(P ‖ Q) (moment matching)."""
    reverse: tuple[float, float]
    """``(mu, sigma)`` minimising KL(Q ‖ P) (the best of the starts at each component)."""
    forward_kl: tuple[float, float]
    """KL(P ‖ Q) and KL(Q ‖ P) of the forward fit."""
    reverse_kl: tuple[float, float]
    """KL(P ‖ Q) and KL(Q ‖ P) of the reverse fit."""


def gaussian_fits(weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike) -> GaussianFits:
    """Fit one Gaussian to a mixture both ways and evaluate both divergences for each fit.

    The reverse fit is started at every component and at the forward fit; the start with the
    smallest KL(Q ‖ P) wins (the global minimum when the modes are the candidates).

    Parameters
    ----------
    weights, means, sigmas : array_like
        The mixture P (see :func:`gaussian_mixture_logpdf`).

    Returns
    -------
    GaussianFits
        The fits and their divergences (nats).

    Raises
    ------
    ValueError
        On an invalid mixture.

    Examples
    --------
    >>> fits = gaussian_fits(*two_mode_mixture(6.0, weights=(0.7, 0.3)))
    >>> fits.forward_kl[0] < fits.reverse_kl[0] and fits.reverse_kl[1] < fits.forward_kl[1]
    True
    """
    w, m, s = _mixture(weights, means, sigmas)
    forward = fit_gaussian_forward_kl(w, m, s)
    starts = [(float(mk), float(sk)) for mk, sk in zip(m, s, strict=True)] + [forward]
    candidates = [fit_gaussian_reverse_kl(w, m, s, start) for start in starts]
    reverse = min(candidates, key=lambda fit: kl_gaussian_mixture(*fit, w, m, s))

    def both(fit: tuple[float, float]) -> tuple[float, float]:
        return kl_mixture_gaussian(w, m, s, *fit), kl_gaussian_mixture(*fit, w, m, s)

    return GaussianFits(forward, reverse, both(forward), both(reverse))


# --- figure and widget ------------------------------------------------------------------------

def draw_gaussian_fits(ax: Axes, weights: ArrayLike, means: ArrayLike, sigmas: ArrayLike, *,
                       xlim: tuple[float, float] | None = None) -> GaussianFits:
    """Draw a mixture P and its forward and reverse Gaussian fits on ``ax`` (cleared first).

    P is drawn in ``P_COLOR`` (filled), both fits Q in ``Q_COLOR``: the forward fit solid,
    the reverse fit dashed. The legend gives each fit's divergence in nats.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    weights, means, sigmas : array_like
        The mixture P.
    xlim : pair of float, optional
        The x range (default: wide enough for P and both fits).

    Returns
    -------
    GaussianFits
        The fits drawn (see :func:`gaussian_fits`).

    Raises
    ------
    ValueError
        On an invalid mixture or ``xlim``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> fits = draw_gaussian_fits(ax, *two_mode_mixture(5.0))
    >>> len(ax.lines)
    3
    """
    fits = gaussian_fits(weights, means, sigmas)
    w, m, s = _mixture(weights, means, sigmas)
    if xlim is None:
        mu_f, sigma_f = fits.forward
        low, high = min(m.min() - 4 * s.max(), mu_f - 4 * sigma_f), max(m.max() + 4 * s.max(),
                                                                        mu_f + 4 * sigma_f)
    else:
        low, high = (_real(v, "xlim") for v in xlim)
        if not low < high:
            raise ValueError(f"xlim must be increasing; got {xlim!r}")
    x = np.linspace(low, high, 801)
    ax.clear()
    p = np.exp(gaussian_mixture_logpdf(x, w, m, s))
    ax.fill_between(x, p, color=P_COLOR, alpha=0.25, linewidth=0)
    ax.plot(x, p, color=P_COLOR, linewidth=2, label="P: the two-mode mixture")
    styles = (("forward", fits.forward, fits.forward_kl, "-", "KL(P‖Q)", 0),
              ("reverse", fits.reverse, fits.reverse_kl, "--", "KL(Q‖P)", 1))
    for name, (mu, sigma), kls, style, minimised, index in styles:
        ax.plot(x, np.exp(normal_logpdf(x, mu, sigma)), color=Q_COLOR, linestyle=style,
                linewidth=2,
                label=f"Q {name}: min {minimised} = {kls[index]:.3f} nats "
                      f"(μ = {mu:.2f}, σ = {sigma:.2f})")
    top = max(float(p.max()), 1.0 / (math.sqrt(2 * math.pi) * fits.reverse[1]))
    decorate(ax, xlim=(low, high), ylim=(0, 1.35 * top), xlabel="x",
             ylabel="probability density (per unit x)",
             title="Forward KL covers both modes; reverse KL sits on one")
    return fits


def _fits_table(fits: GaussianFits) -> str:
    rows = ["<tr><th>fit</th><th>μ</th><th>σ</th><th>KL(P‖Q)</th><th>KL(Q‖P)</th></tr>"]
    for name, (mu, sigma), (kl_pq, kl_qp) in (("forward (min KL(P‖Q))", fits.forward,
                                               fits.forward_kl),
                                              ("reverse (min KL(Q‖P))", fits.reverse,
                                               fits.reverse_kl)):
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{mu:.3f}</td><td>{sigma:.3f}</td>"
                    f"<td>{kl_pq:.4f} nats</td><td>{kl_qp:.4f} nats</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


class ModeSeparationWidget(widgets.VBox):
    """A slider for the distance between the two modes of P, a table of both fits and a figure.

    Build it with :func:`mode_separation_widget`.

    Attributes
    ----------
    slider : ipywidgets.FloatSlider
        The separation :math:`d` of the two means; setting ``.value`` refits and redraws.
    readout : ipywidgets.HTML
        Both fits (μ, σ) and both divergences of each, in nats.
    output : ipywidgets.Output
        Holds the current figure as one PNG display output.
    figure : matplotlib.figure.Figure
        The figure redrawn on every change (not managed by pyplot).
    fits : GaussianFits
        The fits currently drawn.
    """

    def __init__(self, separation: float, weights: Sequence[float], sigma: float) -> None:
        self.weights = weights
        self.sigma = sigma
        self.slider = widgets.FloatSlider(value=separation, min=0.0, max=SEPARATION_MAX,
                                          step=0.25, description="mode separation d",
                                          readout_format=".2f", continuous_update=False,
                                          style={"description_width": "initial"})
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        width, height = FIGSIZE
        self.figure = Figure(figsize=(width * 1.25, height * 1.1), layout="constrained")
        self.figure.subplots()
        super().__init__([self.slider, self.readout, self.output])
        self.slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        mixture = two_mode_mixture(self.slider.value, self.weights, self.sigma)
        limit = SEPARATION_MAX / 2 + 4 * self.sigma
        self.fits = draw_gaussian_fits(self.figure.axes[0], *mixture, xlim=(-limit, limit))
        self.readout.value = _fits_table(self.fits)
        show_figure(self.output, self.figure, f"<Gaussian fits, d = {self.slider.value:.2f}>")


def mode_separation_widget(separation: float = 6.0, weights: Sequence[float] = (0.6, 0.4),
                           sigma: float = 1.0) -> ModeSeparationWidget:
    r"""The chapter-5 widget: move the modes of P apart and watch both Gaussian fits.

    P is :func:`two_mode_mixture` ``(d, weights, sigma)``; for every setting of the slider the
    forward fit (minimum of KL(P ‖ Q)) and the reverse fit (minimum of KL(Q ‖ P)) are recomputed
    and drawn with :func:`draw_gaussian_fits`.

    Parameters
    ----------
    separation : float, optional
        Starting distance between the two means, in [0, 10].
    weights : pair of float, optional
        The mixture weights (default 0.6 and 0.4).
    sigma : float, optional
        The standard deviation of both components (> 0).

    Returns
    -------
    ModeSeparationWidget
        An ``ipywidgets.VBox`` with attributes ``slider``, ``readout``, ``output``, ``figure``
        and ``fits``.

    Raises
    ------
    ValueError
        If ``separation`` is outside [0, 10], or the weights or ``sigma`` are invalid.

    Examples
    --------
    >>> w = mode_separation_widget(6.0)
    >>> round(w.fits.forward[0], 3), round(w.fits.reverse[0], 3)
    (-0.6, -2.988)
    >>> w.slider.value = 0.0
    >>> round(w.fits.forward[1], 3), round(w.fits.reverse[1], 3)
    (1.0, 1.0)
    """
    d = _real(separation, "separation")
    if not 0 <= d <= SEPARATION_MAX:
        raise ValueError(f"separation must lie in [0, {SEPARATION_MAX:g}]; got {separation!r}")
    two_mode_mixture(d, weights, sigma)  # validate before building anything
    return ModeSeparationWidget(d, tuple(float(v) for v in weights), float(sigma))
