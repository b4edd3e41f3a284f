r"""KL divergence between densities on the real line, by adaptive quadrature.

For densities :math:`p` and :math:`q`,
:math:`\mathrm{KL}(P \,\|\, Q) = \int p(x) \log\frac{p(x)}{q(x)}\, dx` nats. :func:`kl_numerical`
integrates it with :func:`scipy.integrate.quad` from the two log-densities (so that neither
density is divided by the other). A density known only up to its normaliser, such as a
posterior :math:`p(w \mid \mathcal D) = p(w, \mathcal D) / Z`, gets its normaliser from
:func:`log_evidence`, its values from :func:`posterior_density`, and the divergence of a Gaussian
from it from :func:`kl_to_posterior`. These are independent of the trapezoid rule of
:mod:`klutils.gaussian`, which makes :math:`\log Z = \mathrm{ELBO} + \mathrm{KL}` a real check.

Examples
--------
>>> from functools import partial
>>> from klutils.gaussian import normal_logpdf
>>> p = partial(normal_logpdf, mu=0.0, sigma=1.0)
>>> q = partial(normal_logpdf, mu=1.0, sigma=1.0)
>>> round(kl_numerical(p, q, -np.inf, np.inf), 10)  # (mu_p - mu_q)^2 / 2
0.5
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from klutils._validation import (
    function,
    integer,
    log_density_values,
    log_of_base,
    positive_number,
    real_number,
)
from klutils.gaussian import normal_logpdf

__all__ = ["kl_numerical", "kl_to_posterior", "log_evidence", "posterior_density"]

#: Points at which :func:`log_evidence` first evaluates the log joint to find its maximum.
GRID_SIZE = 4001

#: The log joint at the ends of the interval must lie this far (nats) below its maximum.
TAIL_DROP = 30.0

#: :func:`kl_to_posterior` integrates over mu +- this many sigma (q's mass outside: < 1e-32).
Q_HALF_WIDTH = 12.0

#: Relative tolerance asked of :func:`scipy.integrate.quad` for the evidence and the posterior.
QUAD_RTOL = 1e-13

LogDensity = Callable[[float], float]


def kl_numerical(logpdf_p: LogDensity, logpdf_q: LogDensity, lower: float, upper: float, *,
                 base: float | None = None, epsabs: float = 1e-13, epsrel: float = 1e-11,
                 limit: int = 200, points: Sequence[float] | None = None) -> float:
    r"""KL(P‖Q) of two densities by adaptive quadrature (:func:`scipy.integrate.quad`).

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
        Absolute (>= 0) and relative (> 0) error targets passed to ``quad``.
    limit : int, optional
        Maximum number of subintervals for ``quad``.
    points : sequence of float, optional
        Break points inside finite limits (where the integrand is peaked, say).

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
    """
    function(logpdf_p, "logpdf_p")
    function(logpdf_q, "logpdf_q")
    low = real_number(lower, "lower", allow_infinite=True)
    high = real_number(upper, "upper", allow_infinite=True)
    if not low < high:
        raise ValueError(f"lower must be less than upper; got {lower!r} and {upper!r}")
    real_number(epsabs, "epsabs", low=0.0)
    positive_number(epsrel, "epsrel")
    limit = integer(limit, "limit", minimum=1)
    divisor = log_of_base(base)
    infinite = []

    def log_density(f: LogDensity, x: float, name: str) -> float:
        value = float(f(x))
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

    options = {"points": list(points)} if points is not None else {}
    result = integrate.quad(integrand, low, high, epsabs=epsabs, epsrel=epsrel, limit=limit,
                            full_output=1, **options)
    if infinite:
        return math.inf
    if len(result) > 3:  # quad appends a message when it did not converge
        raise RuntimeError(f"quad did not reach the error target: {result[3]}")
    return float(result[0]) / divisor


def _mode_on_grid(log_joint: Callable, lower: float, upper: float) -> tuple[float, float]:
    """The largest value of the log joint on a grid over [lower, upper] and where it is."""
    grid = np.linspace(lower, upper, GRID_SIZE)
    values = log_density_values(log_joint, grid, "log_joint")
    if not np.any(np.isfinite(values)):
        raise ValueError("log_joint is -inf everywhere on [lower, upper]")
    i = int(np.argmax(values))
    if max(values[0], values[-1]) > values[i] - TAIL_DROP:
        raise ValueError(f"[{lower:g}, {upper:g}] is too narrow: the log joint at an end is "
                         f"within {TAIL_DROP:g} nats of its maximum, so posterior mass is cut "
                         f"off")
    return float(grid[i]), float(values[i])


def _interval(lower: object, upper: object) -> tuple[float, float]:
    low, high = real_number(lower, "lower"), real_number(upper, "upper")
    if not low < high:
        raise ValueError(f"lower must be < upper; got [{low!r}, {high!r}]")
    return low, high


def log_evidence(log_joint: Callable, lower: float, upper: float) -> float:
    r"""The log normaliser :math:`\log Z = \log \int p(w, \mathcal D)\,dw` in nats, by quadrature.

    The log joint is shifted by its maximum :math:`m` before exponentiating, so that
    :math:`\log Z = m + \log \int e^{\log p(w, \mathcal D) - m}\,dw` neither overflows nor
    underflows; the integral is :func:`scipy.integrate.quad` over ``[lower, upper]`` with the
    mode as a break point.

    Parameters
    ----------
    log_joint : callable
        Vectorised ``w -> log p(w, data)`` (nats), an unnormalised log-density.
    lower, upper : float
        An interval holding all the mass: the log joint must be at least ``TAIL_DROP`` = 30
        nats below its maximum at both ends.

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
    low, high = _interval(lower, upper)
    mode, top = _mode_on_grid(log_joint, low, high)

    def shifted(w: float) -> float:
        return math.exp(float(log_joint(np.float64(w))) - top)

    value, _ = integrate.quad(shifted, low, high, points=[mode], epsabs=0.0, epsrel=QUAD_RTOL,
                              limit=500)
    return top + math.log(value)


def posterior_density(log_joint: Callable, w: ArrayLike, lower: float,
                      upper: float) -> np.ndarray:
    r"""The normalised density :math:`p(w \mid \mathcal D) = p(w, \mathcal D) / Z` at ``w``.

    Arguments and errors as :func:`log_evidence`; ``w`` are the points (per unit of w).

    Examples
    --------
    >>> round(float(posterior_density(lambda w: -0.5 * w**2, 0.0, -15, 15)), 6)  # 1/sqrt(2 pi)
    0.398942
    """
    log_z = log_evidence(log_joint, lower, upper)
    points = np.asarray(w, dtype=np.float64)
    return np.exp(log_density_values(log_joint, points, "log_joint") - log_z)


def kl_to_posterior(log_joint: Callable, mu: float, sigma: float, lower: float,
                    upper: float) -> float:
    r"""KL(q‖posterior) in nats for :math:`q = N(\mu, \sigma^2)`, by adaptive quadrature.

    :func:`kl_numerical` of q and :math:`\log p(w, \mathcal D) - \log Z` over
    :math:`\mu \pm 12\sigma` (q's mass outside is below 1e-32), with :math:`\log Z` from
    :func:`log_evidence` on ``[lower, upper]``.

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
    m, s = real_number(mu, "mu"), positive_number(sigma, "sigma")
    log_z = log_evidence(log_joint, lower, upper)
    value = kl_numerical(functools.partial(normal_logpdf, mu=m, sigma=s),
                         lambda w: float(log_joint(np.float64(w))) - log_z,
                         m - Q_HALF_WIDTH * s, m + Q_HALF_WIDTH * s, epsabs=1e-15,
                         epsrel=QUAD_RTOL, limit=500, points=[m])
    return max(0.0, value)
