r"""One-dimensional variational inference (chapter 6): ELBO, evidence and KL(q ‖ posterior).

A Bayesian model gives an unnormalised log posterior, the *log joint*
:math:`\log p(w, \mathcal D) = \log p(w) + \log p(\mathcal D \mid w)` (nats). Its normaliser is
the *evidence* :math:`Z = p(\mathcal D) = \int p(w, \mathcal D)\,dw`, and the posterior is
:math:`p(w \mid \mathcal D) = p(w, \mathcal D) / Z`. For any density :math:`q` the
*evidence lower bound*

.. math:: \mathrm{ELBO}(q) = \mathbb E_q[\log p(w, \mathcal D)] - \mathbb E_q[\log q(w)]

satisfies the identity

.. math:: \log Z = \mathrm{ELBO}(q) + \mathrm{KL}\bigl(q \,\|\, p(\cdot \mid \mathcal D)\bigr),

so maximising the ELBO over a family of :math:`q` minimises the KL divergence from :math:`q` to
the posterior without ever knowing :math:`Z`. Here :math:`q = N(\mu, \sigma^2)` and everything is
computed by deterministic quadrature, so the identity can be checked to about 1e-12:

- :func:`log_evidence`: adaptive quadrature (:func:`scipy.integrate.quad`) of the log joint;
- :func:`elbo`: Gauss-Hermite quadrature of :math:`\mathbb E_q` (the entropy of ``q`` is exact);
- :func:`kl_to_posterior`: adaptive quadrature of :math:`q \log(q / \text{posterior})`.

The example model is a Bayesian logistic regression with one weight on a tiny seeded data set
(:func:`logistic_data`, :class:`LogisticLogJoint`): its posterior is skewed, so no Gaussian fits
it exactly.

Examples
--------
>>> model = LogisticLogJoint([1.0, -1.0], [1, 0], prior_sd=1.0)
>>> fit = fit_gaussian_vi(model)
>>> log_z = log_evidence(model, -20, 20)
>>> gap = kl_to_posterior(model, fit.mu, fit.sigma, -20, 20)
>>> bool(abs(log_z - (fit.elbo + gap)) < 1e-10)
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import ArrayLike
from scipy import integrate, optimize, special

from klutils._validation import random_generator

__all__ = [
    "GaussianApproximation",
    "LogisticLogJoint",
    "elbo",
    "fit_gaussian_vi",
    "gaussian_entropy",
    "kl_to_posterior",
    "log_evidence",
    "logistic_data",
    "normal_pdf",
    "posterior_density",
]

#: Gauss-Hermite nodes used by default for expectations under q (about 1e-13 for the example
#: model at the fitted q; see :func:`elbo` on when more are needed).
N_NODES = 128

#: Points at which :func:`log_evidence` first evaluates the log joint to find its maximum.
GRID_SIZE = 4001

#: The log joint at the ends of the interval must lie this far (nats) below its maximum.
TAIL_DROP = 30.0

#: :func:`kl_to_posterior` integrates over mu +- this many sigma (q's mass outside: < 1e-32).
Q_HALF_WIDTH = 12.0

#: Relative tolerance asked of :func:`scipy.integrate.quad`.
QUAD_RTOL = 1e-13

LogJoint = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _finite(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return number


def _positive(value: object, name: str) -> float:
    number = _finite(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return number


def _callable(log_joint: object) -> LogJoint:
    if not callable(log_joint):
        raise ValueError(f"log_joint must be a callable w -> log p(w, data); got "
                         f"{type(log_joint).__name__}")
    return log_joint


def _evaluate(log_joint: LogJoint, w: np.ndarray) -> np.ndarray:
    """Call the log joint on an array of weights and check the shape of the answer."""
    values = np.asarray(log_joint(w), dtype=np.float64)
    if values.shape != w.shape:
        raise ValueError(f"log_joint must be vectorised: for an array of shape {w.shape} it "
                         f"returned shape {values.shape}")
    if np.any(np.isnan(values)) or np.any(values == np.inf):
        raise ValueError("log_joint returned NaN or +inf")
    return values


def _interval(lower: object, upper: object) -> tuple[float, float]:
    lo, hi = _finite(lower, "lower"), _finite(upper, "upper")
    if not lo < hi:
        raise ValueError(f"lower must be < upper; got [{lo!r}, {hi!r}]")
    return lo, hi


@functools.lru_cache(maxsize=8)
def _hermite_rule(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    t, weights = hermegauss(n_nodes)
    t.flags.writeable = False
    weights = weights / math.sqrt(2 * math.pi)
    weights.flags.writeable = False
    return t, weights


def _nodes(n_nodes: object) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the probabilists' Gauss-Hermite rule for E[f(t)], t ~ N(0, 1)."""
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, Integral) or not 2 <= n_nodes <= 200:
        raise ValueError(f"n_nodes must be an integer in [2, 200]; got {n_nodes!r}")
    return _hermite_rule(int(n_nodes))


# ---------------------------------------------------------------------------------------------
# The example model: Bayesian logistic regression with one weight
# ---------------------------------------------------------------------------------------------


def logistic_data(n: int, w_true: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""A tiny seeded data set for logistic regression through the origin.

    Inputs :math:`x_i \sim N(0, 1)`; labels :math:`y_i \sim \mathrm{Bernoulli}(\sigma(w x_i))`
    with :math:`\sigma(z) = 1/(1 + e^{-z})` and :math:`w` = ``w_true``.

    Parameters
    ----------
    n : int
        Number of examples (>= 1).
    w_true : float
        The true weight.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : numpy.ndarray
        Shape ``(n,)``, float.
    y : numpy.ndarray
        Shape ``(n,)``, 0 or 1 (int).

    Raises
    ------
    ValueError
        On invalid parameters.

    Examples
    --------
    >>> x, y = logistic_data(4, 2.0, np.random.default_rng(0))
    >>> x.shape, sorted(set(y.tolist()) | {0, 1})
    ((4,), [0, 1])
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"n must be an integer >= 1; got {n!r}")
    w = _finite(w_true, "w_true")
    random_generator(rng)
    x = rng.standard_normal(int(n))
    y = (rng.random(int(n)) < special.expit(w * x)).astype(np.int64)
    return x, y


@dataclass(frozen=True, eq=False)
class LogisticLogJoint:
    r"""The log joint :math:`\log p(w) + \sum_i \log p(y_i \mid x_i, w)` of a one-weight logistic
    regression with a normal prior :math:`w \sim N(0, s^2)`, in nats.

    .. math:: \log p(w, \mathcal D) = \log N(w; 0, s^2)
              + \sum_i \bigl[y_i \log\sigma(w x_i) + (1 - y_i)\log\sigma(-w x_i)\bigr].

    Call it with a number or an array of weights (vectorised; computed with
    :func:`scipy.special.log_expit`, so no overflow).

    Parameters
    ----------
    x : array_like
        Inputs, 1-D, finite.
    y : array_like
        Labels, 0 or 1, same length.
    prior_sd : float
        Prior standard deviation :math:`s` (> 0).

    Examples
    --------
    >>> model = LogisticLogJoint([1.0], [1], prior_sd=1.0)
    >>> round(float(model(0.0)), 6)  # log N(0; 0, 1) + log(1/2)
    -1.612086
    >>> model(np.array([0.0, 1.0])).shape
    (2,)
    """

    x: np.ndarray
    y: np.ndarray
    prior_sd: float

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64)
        y = np.asarray(self.y)
        if x.ndim != 1 or x.shape != y.shape or x.size == 0:
            raise ValueError(f"x and y must be non-empty 1-D arrays of the same length; got "
                             f"shapes {x.shape} and {y.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x must contain finite numbers only")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must hold only 0 and 1")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.float64))
        object.__setattr__(self, "prior_sd", _positive(self.prior_sd, "prior_sd"))

    def __call__(self, w: ArrayLike) -> np.ndarray:
        weights = np.asarray(w, dtype=np.float64)
        z = np.multiply.outer(weights, self.x)
        log_likelihood = np.sum(self.y * special.log_expit(z)
                                + (1.0 - self.y) * special.log_expit(-z), axis=-1)
        s = self.prior_sd
        log_prior = -0.5 * (weights / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
        return log_prior + log_likelihood


# ---------------------------------------------------------------------------------------------
# Evidence, ELBO and KL by quadrature
# ---------------------------------------------------------------------------------------------


def _mode_on_grid(log_joint: LogJoint, lower: float, upper: float) -> tuple[float, float]:
    """The largest value of the log joint on a grid over [lower, upper] and where it is."""
    grid = np.linspace(lower, upper, GRID_SIZE)
    values = _evaluate(log_joint, grid)
    if not np.any(np.isfinite(values)):
        raise ValueError("log_joint is -inf everywhere on [lower, upper]")
    i = int(np.argmax(values))
    if max(values[0], values[-1]) > values[i] - TAIL_DROP:
        raise ValueError(f"[{lower:g}, {upper:g}] is too narrow: the log joint at an end is "
                         f"within {TAIL_DROP:g} nats of its maximum, so posterior mass is cut "
                         f"off")
    return float(grid[i]), float(values[i])


def log_evidence(log_joint: LogJoint, lower: float, upper: float) -> float:
    r"""The log evidence :math:`\log Z = \log \int p(w, \mathcal D)\,dw` in nats, by quadrature.

    The log joint is shifted by its maximum :math:`m` before exponentiating, so that
    :math:`\log Z = m + \log \int e^{\log p(w, \mathcal D) - m}\,dw` neither overflows nor
    underflows; the integral is :func:`scipy.integrate.quad` over ``[lower, upper]`` with the
    mode as a break point.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)`` (nats).
    lower, upper : float
        An interval holding all the posterior mass: the log joint must be at least
        ``TAIL_DROP`` = 30 nats below its maximum at both ends.

    Returns
    -------
    float
        :math:`\log Z` in nats.

    Raises
    ------
    ValueError
        If ``log_joint`` is not a vectorised callable, the interval is invalid or too narrow.

    Examples
    --------
    >>> def log_joint(w):  # 3 N(w; 0, 1): the evidence is 3
    ...     return math.log(3) - 0.5 * w**2 - 0.5 * math.log(2 * math.pi)
    >>> round(log_evidence(log_joint, -15, 15), 12) == round(math.log(3), 12)
    True
    """
    f = _callable(log_joint)
    lo, hi = _interval(lower, upper)
    mode, top = _mode_on_grid(f, lo, hi)

    def shifted(w: float) -> float:
        return math.exp(float(f(np.float64(w))) - top)

    value, _ = integrate.quad(shifted, lo, hi, points=[mode], epsabs=0.0, epsrel=QUAD_RTOL,
                              limit=500)
    return top + math.log(value)


def posterior_density(log_joint: LogJoint, w: ArrayLike, lower: float,
                      upper: float) -> np.ndarray:
    r"""The normalised posterior density :math:`p(w \mid \mathcal D) = p(w, \mathcal D) / Z`.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)``.
    w : array_like
        Where to evaluate.
    lower, upper : float
        The interval for :func:`log_evidence`.

    Returns
    -------
    numpy.ndarray
        The density at ``w`` (per unit of w).

    Raises
    ------
    ValueError
        As :func:`log_evidence`.

    Examples
    --------
    >>> def log_joint(w):
    ...     return -0.5 * w**2
    >>> round(float(posterior_density(log_joint, 0.0, -15, 15)), 6)  # 1 / sqrt(2 pi)
    0.398942
    """
    log_z = log_evidence(log_joint, lower, upper)
    points = np.asarray(w, dtype=np.float64)
    return np.exp(_evaluate(_callable(log_joint), points) - log_z)


def normal_pdf(w: ArrayLike, mu: float, sigma: float) -> float | np.ndarray:
    r"""Density of :math:`N(\mu, \sigma^2)` at ``w`` (per unit of w), e.g. to draw q.

    Examples
    --------
    >>> round(normal_pdf(0.0, 0.0, 1.0), 6)
    0.398942
    """
    m, s = _finite(mu, "mu"), _positive(sigma, "sigma")
    u = (np.asarray(w, dtype=np.float64) - m) / s
    density = np.exp(-0.5 * u * u) / (s * math.sqrt(2 * math.pi))
    return float(density) if density.ndim == 0 else density


def gaussian_entropy(sigma: float) -> float:
    r"""Entropy of :math:`N(\mu, \sigma^2)`, :math:`\tfrac12\log(2\pi e\sigma^2)` nats.

    Examples
    --------
    >>> round(gaussian_entropy(1.0), 6)
    1.418939
    """
    s = _positive(sigma, "sigma")
    return 0.5 * math.log(2 * math.pi * math.e * s * s)


def _expectations(log_joint: LogJoint, mu: float, sigma: float,
                  n_nodes: int) -> tuple[float, float, float]:
    r"""Gauss-Hermite :math:`E[g]`, :math:`E[g t]` and :math:`E[g (t^2 - 1)]` for
    :math:`g(t) = \log p(\mu + \sigma t, \mathcal D)`, :math:`t \sim N(0, 1)`."""
    t, weights = _nodes(n_nodes)
    g = _evaluate(_callable(log_joint), mu + sigma * t)
    if not np.all(np.isfinite(g)):
        raise ValueError("log_joint is -inf where q has mass: KL(q ‖ posterior) is infinite")
    return (float(weights @ g), float(weights @ (g * t)), float(weights @ (g * (t * t - 1))))


def elbo(log_joint: LogJoint, mu: float, sigma: float, n_nodes: int = N_NODES) -> float:
    r"""The evidence lower bound of :math:`q = N(\mu, \sigma^2)`, in nats.

    .. math:: \mathrm{ELBO}(q) = \mathbb E_q[\log p(w, \mathcal D)] + H(q),
              \qquad H(q) = \tfrac12\log(2\pi e\sigma^2),

    with the expectation by Gauss-Hermite quadrature
    (:func:`numpy.polynomial.hermite_e.hermegauss`):
    :math:`\mathbb E_q[f(w)] \approx \sum_j \omega_j f(\mu + \sigma t_j) / \sqrt{2\pi}`, exact for
    polynomials of degree below ``2 * n_nodes``. For a smooth log joint the error falls fast
    with ``n_nodes``, more slowly when :math:`\sigma` is large compared with the distance from
    the real axis to the log joint's complex singularities (for the logistic model,
    :math:`\pi / \max_i |x_i|`): there, check by raising ``n_nodes``.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)`` (nats), finite where q has mass.
    mu : float
        Mean of q.
    sigma : float
        Standard deviation of q (> 0).
    n_nodes : int, optional
        Number of quadrature nodes, 2 to 200 (default 128).

    Returns
    -------
    float
        The ELBO in nats; it is <= log Z, with equality only if q is the posterior.

    Raises
    ------
    ValueError
        On invalid parameters or a log joint that is not vectorised.

    Examples
    --------
    >>> def log_joint(w):  # an unnormalised N(1, 2^2): log Z = log(2 sqrt(2 pi))
    ...     return -0.5 * ((w - 1) / 2) ** 2
    >>> round(elbo(log_joint, 1.0, 2.0), 10) == round(math.log(2 * math.sqrt(2 * math.pi)), 10)
    True
    """
    m, s = _finite(mu, "mu"), _positive(sigma, "sigma")
    mean_log_joint, _, _ = _expectations(log_joint, m, s, n_nodes)
    return mean_log_joint + gaussian_entropy(s)


@dataclass(frozen=True)
class GaussianApproximation:
    """The Gaussian :math:`q = N(\\mu, \\sigma^2)` found by :func:`fit_gaussian_vi`.

    Attributes
    ----------
    mu, sigma : float
        Mean and standard deviation of q.
    elbo : float
        Its ELBO in nats.
    n_iterations : int
        Optimiser iterations used.
    """

    mu: float
    sigma: float
    elbo: float
    n_iterations: int


def fit_gaussian_vi(log_joint: LogJoint, init: tuple[float, float] = (0.0, 1.0), *,
                    n_nodes: int = N_NODES) -> GaussianApproximation:
    r"""Variational inference: the Gaussian q that maximises the ELBO (minimises KL(q ‖ post)).

    BFGS (:func:`scipy.optimize.minimize`) over :math:`(\mu, \log\sigma)`, with the exact
    gradient of the Gauss-Hermite ELBO from Stein's identity (no derivative of the log joint is
    needed): with :math:`g(t) = \log p(\mu + \sigma t, \mathcal D)`,

    .. math:: \frac{\partial\,\mathrm{ELBO}}{\partial\mu} = \frac{\mathbb E[g\,t]}{\sigma},
              \qquad \frac{\partial\,\mathrm{ELBO}}{\partial\log\sigma} =
              \mathbb E[g\,(t^2 - 1)] + 1.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)`` (nats).
    init : tuple of float, optional
        Starting ``(mu, sigma)``, sigma > 0 (default ``(0, 1)``).
    n_nodes : int, optional
        Gauss-Hermite nodes (default 128).

    Returns
    -------
    GaussianApproximation

    Raises
    ------
    ValueError
        On invalid input.
    RuntimeError
        If the optimiser does not converge.

    Examples
    --------
    >>> def log_joint(w):  # a Gaussian posterior N(1, 0.5^2) is recovered exactly
    ...     return -0.5 * ((w - 1) / 0.5) ** 2
    >>> fit = fit_gaussian_vi(log_joint)
    >>> round(fit.mu, 6), round(fit.sigma, 6)
    (1.0, 0.5)
    """
    f = _callable(log_joint)
    try:
        mu0, sigma0 = init
    except (TypeError, ValueError):
        raise ValueError(f"init must be a pair (mu, sigma); got {init!r}") from None
    start = np.array([_finite(mu0, "init mu"), math.log(_positive(sigma0, "init sigma"))])
    _nodes(n_nodes)

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, log_sigma = float(theta[0]), float(theta[1])
        sigma = math.exp(log_sigma)
        e_g, e_gt, e_g_t2 = _expectations(f, mu, sigma, n_nodes)
        value = e_g + gaussian_entropy(sigma)
        return -value, -np.array([e_gt / sigma, e_g_t2 + 1.0])

    result = optimize.minimize(negative, start, jac=True, method="BFGS",
                               options={"gtol": 1e-10, "maxiter": 500})
    if not result.success and np.max(np.abs(result.jac)) > 1e-7:
        raise RuntimeError(f"the ELBO maximisation did not converge: {result.message}")
    mu, sigma = float(result.x[0]), math.exp(float(result.x[1]))
    return GaussianApproximation(mu, sigma, elbo(f, mu, sigma, n_nodes), int(result.nit))


def kl_to_posterior(log_joint: LogJoint, mu: float, sigma: float, lower: float,
                    upper: float) -> float:
    r"""KL(q ‖ posterior) in nats for :math:`q = N(\mu, \sigma^2)`, by adaptive quadrature.

    .. math:: \mathrm{KL}(q \,\|\, p(\cdot\mid\mathcal D)) = \int q(w)\,\bigl[\log q(w)
              - \log p(w, \mathcal D)\bigr]\,dw + \log Z,

    the integral by :func:`scipy.integrate.quad` over :math:`\mu \pm 12\sigma` (q's mass outside
    is below 1e-32) and :math:`\log Z` by :func:`log_evidence` on ``[lower, upper]``. This uses
    neither Gauss-Hermite nor :func:`elbo`, so :math:`\log Z = \mathrm{ELBO} + \mathrm{KL}` is a
    real check of two different quadratures.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)`` (nats).
    mu, sigma : float
        The Gaussian q (sigma > 0).
    lower, upper : float
        The interval for :func:`log_evidence`.

    Returns
    -------
    float
        The divergence in nats (>= 0); ``inf`` if the log joint is ``-inf`` where q has mass.

    Raises
    ------
    ValueError
        As :func:`log_evidence`, or for invalid ``mu``, ``sigma``.

    Examples
    --------
    >>> def log_joint(w):  # posterior N(0, 1); q = N(1, 1): KL = 1/2
    ...     return -0.5 * w**2
    >>> round(kl_to_posterior(log_joint, 1.0, 1.0, -20, 20), 10)
    0.5
    """
    f = _callable(log_joint)
    m, s = _finite(mu, "mu"), _positive(sigma, "sigma")
    log_z = log_evidence(f, lower, upper)
    t, _ = _nodes(N_NODES)
    if not np.all(np.isfinite(_evaluate(f, m + s * t))):
        return math.inf  # q has mass where the posterior is 0
    log_norm = math.log(s * math.sqrt(2 * math.pi))

    def integrand(w: float) -> float:
        u = (w - m) / s
        log_q = -0.5 * u * u - log_norm
        return math.exp(log_q) * (log_q - float(f(np.float64(w))))

    value, _ = integrate.quad(integrand, m - Q_HALF_WIDTH * s, m + Q_HALF_WIDTH * s,
                              points=[m], epsabs=0.0, epsrel=QUAD_RTOL, limit=500)
    return max(0.0, value + log_z)
