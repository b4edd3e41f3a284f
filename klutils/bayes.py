r"""KL divergence in statistics (chapter 6): Bayesian updating and model selection by AIC.

Two small working models.

*Bayesian updating.* A coin has an unknown probability of heads :math:`\theta`. The prior belief
is a Beta distribution, :math:`\theta \sim \mathrm{Beta}(a, b)`; after :math:`k` heads in
:math:`n` flips the posterior is :math:`\mathrm{Beta}(a + k, b + n - k)`. The KL divergence from
the posterior to the prior, :math:`\mathrm{KL}(\text{posterior} \,\|\, \text{prior})` (nats), is
the information the flips gave about :math:`\theta`. It grows like :math:`\tfrac12 \log n`:

.. math:: \mathrm{KL}_n \approx \tfrac12 \log n - \tfrac12 \log\bigl(2\pi e\,
          \theta(1-\theta)\bigr) - \log \pi(\theta),

where :math:`\pi` is the prior density (the posterior is nearly normal with variance
:math:`\theta(1-\theta)/n`).

*Model selection.* Akaike's information criterion :math:`\mathrm{AIC} = 2k - 2\ell` (``k``
fitted parameters, :math:`\ell` the maximised log-likelihood in nats) estimates, divided by
:math:`2n`, the expected cross-entropy :math:`H(P) + \mathrm{KL}(P \,\|\, Q_{\hat\theta})` from the
true distribution ``P`` to a fitted model on new data. A polynomial-regression setup with a known
truth gives the exact KL for reference (:func:`kl_to_truth`).

Examples
--------
>>> round(kl_beta(3, 2, 1, 1), 6)  # after 2 heads, 1 tail, from a uniform prior
0.234907
>>> beta_bernoulli_posterior(1, 1, [1, 1, 0])
(3.0, 2.0)
>>> aic(-10.0, 3)
26.0
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import probability, random_generator
from klutils.closed_forms import kl_normal
from klutils.plots import (
    FIGSIZE,
    P_COLOR,
    Q_COLOR,
    REFERENCE_COLOR,
    decorate,
    use_course_style,
)
from klutils.widgets import show_figure

__all__ = [
    "PolynomialFit",
    "PosteriorWidget",
    "aic",
    "beta_bernoulli_posterior",
    "beta_logpdf",
    "beta_pdf",
    "compare_polynomials",
    "draw_posterior_panel",
    "expected_information_gain",
    "fit_polynomial",
    "information_gain_asymptote",
    "information_gain_curve",
    "kl_beta",
    "kl_to_truth",
    "polynomial_data",
    "posterior_widget",
]

#: Largest number of flips :func:`expected_information_gain` sums over (one term per count k).
MAX_EXPECTATION_FLIPS = 10_000_000


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _positive_array(value: ArrayLike, name: str) -> np.ndarray:
    """A float64 array of finite, strictly positive numbers, or ``ValueError``."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a positive number or array of them; {exc}") from None
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.floating)
                                   or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be a positive number or array of them; got {value!r}")
    array = array.astype(np.float64)
    bad = ~(np.isfinite(array) & (array > 0))
    if np.any(bad):
        raise ValueError(f"{name} must be finite and > 0; got {array[bad].flat[0]!r}")
    return array


def _positive(value: object, name: str) -> float:
    """A finite, strictly positive real scalar, or ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{name} must be a positive number; got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be finite and > 0; got {value!r}")
    return number


def _count(value: object, name: str, minimum: int = 0) -> int:
    """An integer >= ``minimum``, or ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _flips(flips: ArrayLike) -> np.ndarray:
    """A 1-D int64 array of 0s (tails) and 1s (heads), or ``ValueError``."""
    array = np.asarray(flips)
    if array.ndim != 1:
        raise ValueError(f"flips must be a 1-D sequence of 0 (tails) and 1 (heads); got shape "
                         f"{array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
            or array.dtype == bool):
        raise ValueError(f"flips must hold 0 (tails) and 1 (heads); got dtype {array.dtype}")
    if not np.all((array == 0) | (array == 1)):
        bad = array[(array != 0) & (array != 1)].flat[0]
        raise ValueError(f"flips must hold only 0 (tails) and 1 (heads); got {bad!r}")
    return array.astype(np.int64)


def _counts(n_values: ArrayLike, minimum: int = 0) -> np.ndarray:
    """A 1-D int64 array of flip counts >= ``minimum``, or ``ValueError``."""
    array = np.atleast_1d(np.asarray(n_values))
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"n_values must be a non-empty 1-D sequence of integers; got shape "
                         f"{array.shape}")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"n_values must hold integers; got dtype {array.dtype}")
    if array.min() < minimum:
        raise ValueError(f"n_values must be >= {minimum}; got {int(array.min())}")
    return array.astype(np.int64)


def _result(values: np.ndarray) -> float | np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return float(values) if values.ndim == 0 else values


# ---------------------------------------------------------------------------------------------
# Beta-Bernoulli updating
# ---------------------------------------------------------------------------------------------


def beta_logpdf(theta: ArrayLike, a: float, b: float) -> float | np.ndarray:
    r"""Log density of Beta(a, b) at ``theta``: :math:`(a-1)\log\theta + (b-1)\log(1-\theta)
    - \log B(a, b)`.

    Parameters
    ----------
    theta : array_like
        Points in [0, 1] (``-inf`` outside; ``+inf`` at an end where the density diverges).
    a, b : float
        Shape parameters (> 0).

    Returns
    -------
    float or numpy.ndarray
        The log density (nats); a float for scalar ``theta``.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is not a finite number > 0.

    Examples
    --------
    >>> beta_logpdf(0.3, 1, 1)
    0.0
    >>> round(beta_logpdf(0.5, 2, 2), 6)  # density 6 * 0.5 * 0.5 = 1.5
    0.405465
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    t = np.asarray(theta, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (t >= 0) & (t <= 1)
        clipped = np.where(inside, t, 0.5)
        log_density = (special.xlogy(a - 1.0, clipped) + special.xlog1py(b - 1.0, -clipped)
                       - special.betaln(a, b))
    return _result(np.where(inside, log_density, -np.inf))


def beta_pdf(theta: ArrayLike, a: float, b: float) -> float | np.ndarray:
    """Density of Beta(a, b) at ``theta`` (per unit of theta); 0 outside [0, 1].

    Examples
    --------
    >>> beta_pdf([0.0, 0.5, 1.0], 2, 2).tolist()
    [0.0, 1.5, 0.0]
    """
    return _result(np.exp(beta_logpdf(theta, a, b)))


def _binomial_pmf(k: np.ndarray, n: int, p: float) -> np.ndarray:
    """P(K = k) for K ~ Binomial(n, p), from log-gamma functions (no overflow for large n)."""
    log_choose = special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
    return np.exp(log_choose + special.xlogy(k, p) + special.xlog1py(n - k, -p))


def kl_beta(a_p: ArrayLike, b_p: ArrayLike, a_q: ArrayLike,
            b_q: ArrayLike) -> float | np.ndarray:
    r"""KL(Beta(a_p, b_p) ‖ Beta(a_q, b_q)) in nats, in closed form.

    Parameters
    ----------
    a_p, b_p : array_like
        Shape parameters (> 0) of the first distribution P.
    a_q, b_q : array_like
        Shape parameters (> 0) of the second distribution Q. All four broadcast.

    Returns
    -------
    float or numpy.ndarray
        The divergence (>= 0); a float for scalar input.

    Raises
    ------
    ValueError
        If a parameter is not a finite number > 0.

    Notes
    -----
    With :math:`B` the Beta function and :math:`\psi` the digamma function,

    .. math::
        \mathrm{KL} = \log\frac{B(a_q, b_q)}{B(a_p, b_p)} + (a_p - a_q)\,\psi(a_p)
                      + (b_p - b_q)\,\psi(b_p) + (a_q - a_p + b_q - b_p)\,\psi(a_p + b_p).

    Examples
    --------
    >>> kl_beta(2, 3, 2, 3)
    0.0
    >>> round(kl_beta(2, 1, 1, 1), 6)  # log 2 - 1/2
    0.193147
    >>> kl_beta([1, 2], 1, 1, 1).round(6).tolist()
    [0.0, 0.193147]
    """
    ap, bp = _positive_array(a_p, "a_p"), _positive_array(b_p, "b_p")
    aq, bq = _positive_array(a_q, "a_q"), _positive_array(b_q, "b_q")
    ap, bp, aq, bq = np.broadcast_arrays(ap, bp, aq, bq)
    kl = (special.betaln(aq, bq) - special.betaln(ap, bp)
          + (ap - aq) * special.digamma(ap) + (bp - bq) * special.digamma(bp)
          + (aq - ap + bq - bp) * special.digamma(ap + bp))
    same = (ap == aq) & (bp == bq)
    return _result(np.where(same, 0.0, np.maximum(kl, 0.0)))


def beta_bernoulli_posterior(a: float, b: float, flips: ArrayLike) -> tuple[float, float]:
    r"""The posterior Beta(a + heads, b + tails) after observing coin ``flips``.

    Parameters
    ----------
    a, b : float
        Prior :math:`\mathrm{Beta}(a, b)` on the probability of heads (both > 0). ``a = b = 1``
        is the uniform prior; ``a - 1`` and ``b - 1`` act like heads and tails already seen.
    flips : array_like
        1-D sequence of 0 (tails) and 1 (heads); may be empty.

    Returns
    -------
    tuple of float
        The posterior parameters ``(a + k, b + n - k)`` for ``k`` heads in ``n`` flips.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` is not > 0 or ``flips`` holds anything but 0 and 1.

    Examples
    --------
    >>> beta_bernoulli_posterior(2, 2, [1, 0, 1, 1])
    (5.0, 3.0)
    >>> beta_bernoulli_posterior(1, 1, [])
    (1.0, 1.0)
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    x = _flips(flips)
    heads = int(x.sum())
    return a + heads, b + (len(x) - heads)


def information_gain_curve(a: float, b: float, p_true: float, n_values: ArrayLike,
                           rng: np.random.Generator) -> np.ndarray:
    """KL(posterior ‖ prior) in nats after the first ``n`` flips of one simulated coin.

    One sequence of ``max(n_values)`` flips of a coin with probability of heads ``p_true`` is
    drawn from ``rng``; for each ``n`` the posterior after its first ``n`` flips is compared
    with the prior by :func:`kl_beta`.

    Parameters
    ----------
    a, b : float
        Prior Beta(a, b), both > 0.
    p_true : float
        The coin's true probability of heads, in [0, 1].
    n_values : array_like of int
        Numbers of flips (>= 0), in any order.
    rng : numpy.random.Generator
        Source of the flips, e.g. ``np.random.default_rng(SEED)``.

    Returns
    -------
    numpy.ndarray
        One information gain (nats) per entry of ``n_values``; 0 for ``n = 0``.

    Raises
    ------
    ValueError
        On parameters out of range, non-integer counts or an ``rng`` that is not a Generator.

    Examples
    --------
    >>> gains = information_gain_curve(1, 1, 0.7, [0, 10, 100], np.random.default_rng(0))
    >>> float(gains[0]), bool(gains[2] > gains[1] > 0)
    (0.0, True)
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    p = probability(p_true, "p_true")
    n = _counts(n_values)
    flips = random_generator(rng).random(int(n.max())) < p
    heads = np.concatenate([[0], np.cumsum(flips)])[n]
    return np.asarray(kl_beta(a + heads, b + n - heads, a, b), dtype=np.float64).reshape(n.shape)


def expected_information_gain(a: float, b: float, p_true: float,
                              n_values: ArrayLike) -> np.ndarray:
    r"""The exact mean of KL(posterior ‖ prior), in nats, over all outcomes of ``n`` flips.

    .. math:: \mathbb{E}[\mathrm{KL}_n] = \sum_{k=0}^{n} \binom{n}{k} \theta^k (1-\theta)^{n-k}
              \, \mathrm{KL}\bigl(\mathrm{Beta}(a+k, b+n-k) \,\|\, \mathrm{Beta}(a, b)\bigr),

    with :math:`\theta` = ``p_true``: no simulation, so no noise.

    Parameters
    ----------
    a, b : float
        Prior Beta(a, b), both > 0.
    p_true : float
        The coin's true probability of heads, in [0, 1].
    n_values : array_like of int
        Numbers of flips, each in ``[0, MAX_EXPECTATION_FLIPS]``.

    Returns
    -------
    numpy.ndarray
        One expected information gain (nats) per entry of ``n_values``.

    Raises
    ------
    ValueError
        On parameters out of range or too many flips.

    Examples
    --------
    >>> expected_information_gain(1, 1, 0.5, [0, 1]).round(6).tolist()  # n = 1: log 2 - 1/2
    [0.0, 0.193147]
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    p = probability(p_true, "p_true")
    n = _counts(n_values)
    if n.max() > MAX_EXPECTATION_FLIPS:
        raise ValueError(f"n_values must be <= {MAX_EXPECTATION_FLIPS}; got {int(n.max())}")
    out = np.empty(n.shape, dtype=np.float64)
    for i, size in enumerate(n.tolist()):
        k = np.arange(size + 1)
        weights = _binomial_pmf(k, size, p)
        out[i] = float(np.sum(weights * kl_beta(a + k, b + size - k, a, b)))
    return out


def information_gain_asymptote(a: float, b: float, p_true: float,
                               n_values: ArrayLike) -> np.ndarray:
    r"""The large-n approximation :math:`\tfrac12\log n + c` of the information gain, in nats.

    The posterior is then nearly normal with variance :math:`\theta(1-\theta)/n` around
    :math:`\theta` = ``p_true``, which gives

    .. math:: c = -\tfrac12 \log\bigl(2\pi e\,\theta(1-\theta)\bigr) - \log \pi(\theta),

    with :math:`\pi` the Beta(a, b) prior density: a prior that already favoured
    :math:`\theta` (large :math:`\pi(\theta)`) leaves less to learn.

    Parameters
    ----------
    a, b : float
        Prior Beta(a, b), both > 0.
    p_true : float
        True probability of heads, strictly between 0 and 1.
    n_values : array_like of int
        Numbers of flips, each >= 1.

    Returns
    -------
    numpy.ndarray
        :math:`\tfrac12 \log n + c` for each ``n`` (nats).

    Raises
    ------
    ValueError
        On parameters out of range.

    Examples
    --------
    >>> value = information_gain_asymptote(1, 1, 0.5, [1])[0]
    >>> round(float(value), 6)  # -1/2 log(2 pi e / 4)
    -0.725791
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    p = probability(p_true, "p_true", open_interval=True)
    n = _counts(n_values, minimum=1)
    constant = -0.5 * math.log(2 * math.pi * math.e * p * (1 - p)) - beta_logpdf(p, a, b)
    return 0.5 * np.log(n) + float(constant)


# ---------------------------------------------------------------------------------------------
# AIC and a polynomial-regression model-selection setup with a known truth
# ---------------------------------------------------------------------------------------------


def aic(log_likelihood: float, n_params: int) -> float:
    r"""Akaike's information criterion :math:`\mathrm{AIC} = 2k - 2\ell`.

    :math:`\mathrm{AIC}/(2n)` estimates the expected cross-entropy (nats per observation) from
    the truth to the fitted model on new data, :math:`H(P) + \mathrm{KL}(P \,\|\,
    Q_{\hat\theta})`; the ``2k`` corrects the optimism of the in-sample log-likelihood. Smaller is
    better; only differences between models fitted to the same data mean anything.

    Parameters
    ----------
    log_likelihood : float
        The maximised log-likelihood :math:`\ell` in nats (may be positive for densities).
    n_params : int
        The number ``k`` of fitted parameters (>= 0).

    Returns
    -------
    float
        The AIC (in units of 2 nats per data set).

    Raises
    ------
    ValueError
        If ``log_likelihood`` is not a finite number or ``n_params`` not an integer >= 0.

    Examples
    --------
    >>> aic(-120.5, 4)
    249.0
    """
    if isinstance(log_likelihood, bool) or not isinstance(log_likelihood,
                                                          Real | np.floating | np.integer):
        raise ValueError(f"log_likelihood must be a finite number; got {log_likelihood!r}")
    if not math.isfinite(float(log_likelihood)):
        raise ValueError(f"log_likelihood must be a finite number; got {log_likelihood!r}")
    k = _count(n_params, "n_params")
    return 2.0 * k - 2.0 * float(log_likelihood)


@dataclass(frozen=True)
class PolynomialFit:
    """A polynomial regression with normal noise, fitted by maximum likelihood.

    Attributes
    ----------
    degree : int
        Polynomial degree.
    coefficients : numpy.ndarray
        Coefficients in increasing powers (``degree + 1`` of them).
    sigma : float
        Maximum-likelihood noise standard deviation (root mean squared residual).
    log_likelihood : float
        The maximised log-likelihood in nats.
    n_obs : int
        Number of observations fitted.
    """

    degree: int
    coefficients: np.ndarray
    sigma: float
    log_likelihood: float
    n_obs: int

    @property
    def n_params(self) -> int:
        """Fitted parameters: ``degree + 1`` coefficients and the noise level."""
        return self.degree + 2

    @property
    def aic(self) -> float:
        """:func:`aic` of this fit."""
        return aic(self.log_likelihood, self.n_params)

    def predict(self, x: ArrayLike) -> np.ndarray:
        """The fitted mean at ``x``."""
        return np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64),
                                                self.coefficients)


def _coefficients(coefficients: ArrayLike) -> np.ndarray:
    c = np.asarray(coefficients, dtype=np.float64)
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)):
        raise ValueError(f"coefficients must be a non-empty 1-D array of finite numbers; got "
                         f"{coefficients!r}")
    return c


def polynomial_data(n: int, coefficients: ArrayLike, sigma: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Seeded data from the truth :math:`y = f(x) + \sigma\varepsilon`, :math:`\varepsilon \sim
    N(0, 1)`, on the fixed design :math:`x` = ``n`` equally spaced points in [-1, 1].

    Parameters
    ----------
    n : int
        Number of observations (>= 2).
    coefficients : array_like
        The true polynomial :math:`f`, coefficients in increasing powers.
    sigma : float
        True noise standard deviation (> 0).
    rng : numpy.random.Generator
        Source of the noise.

    Returns
    -------
    x, y : numpy.ndarray
        Shape ``(n,)`` each.

    Raises
    ------
    ValueError
        On invalid parameters.

    Examples
    --------
    >>> x, y = polynomial_data(5, [0.0, 1.0], 0.1, np.random.default_rng(0))
    >>> x.tolist()
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    size = _count(n, "n", minimum=2)
    c = _coefficients(coefficients)
    s = _positive(sigma, "sigma")
    x = np.linspace(-1.0, 1.0, size)
    y = np.polynomial.polynomial.polyval(x, c) + s * random_generator(rng).standard_normal(size)
    return x, y


def _xy(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xa.ndim != 1 or xa.shape != ya.shape:
        raise ValueError(f"x and y must be 1-D of the same length; got shapes {xa.shape} and "
                         f"{ya.shape}")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise ValueError("x and y must contain finite numbers only")
    return xa, ya


def fit_polynomial(x: ArrayLike, y: ArrayLike, degree: int) -> PolynomialFit:
    r"""Fit :math:`y \sim N(f(x), \sigma^2)` with a polynomial :math:`f` by maximum likelihood.

    The coefficients are the least-squares fit, :math:`\hat\sigma^2` the mean squared residual,
    and the maximised log-likelihood is
    :math:`\ell = -\tfrac n2 \bigl(\log(2\pi\hat\sigma^2) + 1\bigr)` nats.

    Parameters
    ----------
    x, y : array_like
        The data, 1-D of the same length ``n``.
    degree : int
        Polynomial degree, ``0 <= degree <= n - 2`` (so that the residuals cannot all vanish
        for generic data).

    Returns
    -------
    PolynomialFit

    Raises
    ------
    ValueError
        On mismatched data, a degree out of range, or a perfect fit (:math:`\hat\sigma = 0`).

    Examples
    --------
    >>> fit = fit_polynomial([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0], 0)
    >>> fit.coefficients.round(6).tolist(), fit.sigma, fit.n_params
    ([0.5], 0.5, 2)
    """
    xa, ya = _xy(x, y)
    d = _count(degree, "degree")
    if d > len(xa) - 2:
        raise ValueError(f"degree must be at most n - 2 = {len(xa) - 2}; got {d}")
    design = np.vander(xa, d + 1, increasing=True)
    coefficients, *_ = np.linalg.lstsq(design, ya, rcond=None)
    sigma = float(np.sqrt(np.mean((ya - design @ coefficients) ** 2)))
    if sigma == 0:
        raise ValueError("the polynomial fits the data exactly (sigma = 0): the likelihood is "
                         "unbounded")
    n = len(xa)
    log_likelihood = -0.5 * n * (math.log(2 * math.pi * sigma * sigma) + 1.0)
    return PolynomialFit(d, coefficients, sigma, log_likelihood, n)


def kl_to_truth(fit: PolynomialFit, x: ArrayLike, coefficients: ArrayLike,
                sigma: float) -> float:
    r"""Exact KL(truth ‖ fitted model) per observation, in nats, on the design points ``x``.

    A new observation at :math:`x_i` comes from :math:`P_i = N(f(x_i), \sigma^2)`; the fit
    predicts :math:`Q_i = N(\hat f(x_i), \hat\sigma^2)`. The result is the average of the closed
    forms :func:`klutils.kl_normal` over the design,
    :math:`\frac1n \sum_i \mathrm{KL}(P_i \,\|\, Q_i)`.

    Parameters
    ----------
    fit : PolynomialFit
        The fitted model.
    x : array_like
        The design points (1-D).
    coefficients : array_like
        The true polynomial, increasing powers.
    sigma : float
        The true noise standard deviation (> 0).

    Returns
    -------
    float
        The mean KL divergence in nats (0 only for a perfect fit).

    Raises
    ------
    ValueError
        On invalid parameters.

    Examples
    --------
    >>> perfect = PolynomialFit(1, np.array([0.0, 2.0]), 0.5, 0.0, 3)
    >>> kl_to_truth(perfect, [-1.0, 0.0, 1.0], [0.0, 2.0], 0.5)
    0.0
    """
    if not isinstance(fit, PolynomialFit):
        raise ValueError(f"fit must be a PolynomialFit; got {type(fit).__name__}")
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim != 1 or xa.size == 0 or not np.all(np.isfinite(xa)):
        raise ValueError("x must be a non-empty 1-D array of finite numbers")
    truth = np.polynomial.polynomial.polyval(xa, _coefficients(coefficients))
    s = _positive(sigma, "sigma")
    return float(np.mean(kl_normal(truth, s, fit.predict(xa), fit.sigma)))


def compare_polynomials(x: ArrayLike, y: ArrayLike, degrees: Sequence[int],
                        coefficients: ArrayLike, sigma: float) -> dict[str, np.ndarray]:
    """Fit each degree and tabulate its in-sample fit, AIC and exact KL to the known truth.

    Parameters
    ----------
    x, y : array_like
        The data.
    degrees : sequence of int
        The candidate degrees.
    coefficients, sigma
        The truth that generated the data (for :func:`kl_to_truth`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``"degree"``, ``"n_params"``, ``"log_likelihood"`` (nats), ``"aic"``,
        ``"aic_per_2n"`` (AIC / 2n, nats per observation) and ``"kl_to_truth"`` (nats per
        observation), one entry per degree.

    Raises
    ------
    ValueError
        As :func:`fit_polynomial` and :func:`kl_to_truth`, or for an empty ``degrees``.

    Examples
    --------
    >>> x, y = polynomial_data(50, [0.0, 1.0], 0.2, np.random.default_rng(1))
    >>> table = compare_polynomials(x, y, [0, 1, 2], [0.0, 1.0], 0.2)
    >>> int(table["degree"][np.argmin(table["aic"])])
    1
    """
    if len(degrees) == 0:
        raise ValueError("degrees must name at least one candidate degree")
    xa, ya = _xy(x, y)
    fits = [fit_polynomial(xa, ya, d) for d in degrees]
    n = len(xa)
    table = {
        "degree": np.array([f.degree for f in fits]),
        "n_params": np.array([f.n_params for f in fits]),
        "log_likelihood": np.array([f.log_likelihood for f in fits]),
        "aic": np.array([f.aic for f in fits]),
        "kl_to_truth": np.array([kl_to_truth(f, xa, coefficients, sigma) for f in fits]),
    }
    table["aic_per_2n"] = table["aic"] / (2 * n)
    return table


# ---------------------------------------------------------------------------------------------
# The widget: prior, flips and posterior, and the information gained
# ---------------------------------------------------------------------------------------------


def draw_posterior_panel(ax: Axes, a: float, b: float, flips: ArrayLike,
                         p_true: float | None = None) -> float:
    """Draw the Beta prior (Q) and the posterior after ``flips`` (P); return KL(P ‖ Q) in nats.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (cleared first).
    a, b : float
        Prior Beta(a, b), both > 0.
    flips : array_like
        0/1 flips observed.
    p_true : float, optional
        If given, a vertical reference line at the true probability of heads.

    Returns
    -------
    float
        The information gained, KL(posterior ‖ prior), in nats (also in the title).

    Raises
    ------
    ValueError
        On invalid parameters or flips.

    Examples
    --------
    >>> round(draw_posterior_panel(Figure().subplots(), 1, 1, [1, 1, 0]), 6)
    0.234907
    """
    a_post, b_post = beta_bernoulli_posterior(a, b, flips)
    if p_true is not None:
        p_true = probability(p_true, "p_true")
    observed = _flips(flips)
    n, heads = len(observed), int(observed.sum())
    gain = float(kl_beta(a_post, b_post, a, b))
    theta = np.linspace(0.0, 1.0, 801)[1:-1]
    prior = beta_pdf(theta, a, b)
    posterior = beta_pdf(theta, a_post, b_post)
    ax.clear()
    ax.fill_between(theta, posterior, color=P_COLOR, alpha=0.25, linewidth=0)
    ax.plot(theta, posterior, color=P_COLOR, linewidth=2,
            label=f"P: posterior Beta({a_post:g}, {b_post:g})")
    ax.plot(theta, prior, color=Q_COLOR, linewidth=2, linestyle="--",
            label=f"Q: prior Beta({a:g}, {b:g})")
    if p_true is not None:
        ax.axvline(p_true, color=REFERENCE_COLOR, linestyle=":", label=f"true θ = {p_true:g}")
    top = 1.1 * float(max(posterior.max(), prior.max()))
    decorate(ax, xlim=(0, 1), ylim=(0, top), xlabel="θ, the probability of heads",
             ylabel="probability density (per unit θ)",
             title=f"{heads} heads in {n} flips: information gained = {gain:.3f} nats "
                   f"({gain / math.log(2):.3f} bits)")
    return gain


class PosteriorWidget(widgets.VBox):
    """Sliders for the prior Beta(a, b) and the number of flips n; prior, posterior and KL.

    Build it with :func:`posterior_widget`. The flips are one fixed seeded sequence; the slider
    ``n`` says how many of them have been seen.

    Attributes
    ----------
    flips : numpy.ndarray
        All the available flips (0 = tails, 1 = heads).
    p_true : float
        The probability of heads they were drawn with.
    a_slider, b_slider : ipywidgets.FloatSlider
        The prior parameters.
    n_slider : ipywidgets.IntSlider
        How many flips have been observed.
    readout : ipywidgets.HTML
        Heads, the posterior and the information gained in nats and bits.
    output : ipywidgets.Output
        Holds the figure as one PNG display output.
    figure : matplotlib.figure.Figure
        The figure (not managed by pyplot), redrawn on every change.
    information_gain : float
        The current KL(posterior ‖ prior) in nats.
    """

    def __init__(self, a: float, b: float, n: int, flips: np.ndarray, p_true: float) -> None:
        self.flips = flips
        self.p_true = p_true
        style = {"description_width": "initial"}
        self.a_slider = widgets.FloatSlider(value=a, min=0.5, max=50.0, step=0.5,
                                            description="prior a", continuous_update=False,
                                            style=style)
        self.b_slider = widgets.FloatSlider(value=b, min=0.5, max=50.0, step=0.5,
                                            description="prior b", continuous_update=False,
                                            style=style)
        self.n_slider = widgets.IntSlider(value=n, min=0, max=len(flips), step=1,
                                          description="flips seen n", continuous_update=False,
                                          style=style)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        self.figure = Figure(figsize=FIGSIZE, layout="constrained")
        self._ax = self.figure.subplots()
        self.information_gain = float("nan")
        for slider in (self.a_slider, self.b_slider, self.n_slider):
            slider.observe(self.update, names="value")
        super().__init__([widgets.HBox([widgets.VBox([self.a_slider, self.b_slider,
                                                      self.n_slider]), self.readout]),
                          self.output])
        self.update()

    def update(self, change: object = None) -> None:
        """Recompute the posterior and the information gain, rewrite the readout, redraw."""
        a, b, n = self.a_slider.value, self.b_slider.value, self.n_slider.value
        seen = self.flips[:n]
        a_post, b_post = beta_bernoulli_posterior(a, b, seen)
        self.information_gain = draw_posterior_panel(self._ax, a, b, seen, self.p_true)
        half_log = f"{0.5 * math.log(n):.3f}" if n > 0 else "−∞"
        self.readout.value = (
            f"{int(seen.sum())} heads in {n} flips<br>"
            f"posterior Beta({a_post:g}, {b_post:g})<br>"
            f"<b>information gained KL(posterior ‖ prior) = {self.information_gain:.4f} nats "
            f"= {self.information_gain / math.log(2):.4f} bits</b><br>"
            f"for comparison, ½ log n = {html.escape(half_log)} nats")
        show_figure(self.output, self.figure, "<prior and posterior figure>")


def posterior_widget(a: float = 1.0, b: float = 1.0, n: int = 20, p_true: float = 0.7, *,
                     max_flips: int = 1000, seed: int = 2026) -> PosteriorWidget:
    """Build the widget: prior sliders a, b and flip count n redraw the prior, the posterior
    and the information gained.

    Parameters
    ----------
    a, b : float
        Starting prior Beta(a, b), each in [0.5, 50].
    n : int
        Starting number of flips seen, in [0, max_flips].
    p_true : float
        Probability of heads of the simulated coin, in [0, 1].
    max_flips : int
        Length of the seeded flip sequence (the slider's maximum), 1 to 100000.
    seed : int
        Seed of ``np.random.default_rng`` for the flips.

    Returns
    -------
    PosteriorWidget
        An ``ipywidgets.VBox`` exposing ``a_slider``, ``b_slider``, ``n_slider``,
        ``readout``, ``output``, ``figure`` and ``information_gain``.

    Raises
    ------
    ValueError
        If a parameter is out of range.

    Examples
    --------
    >>> w = posterior_widget(n=0)
    >>> w.information_gain
    0.0
    >>> w.n_slider.value = 100
    >>> w.information_gain > 1
    True
    """
    for value, name in ((a, "a"), (b, "b")):
        if not 0.5 <= _positive(value, name) <= 50:
            raise ValueError(f"{name} must lie in [0.5, 50] (the slider range); got {value!r}")
    size = _count(max_flips, "max_flips", minimum=1)
    if size > 100_000:
        raise ValueError(f"max_flips must be at most 100000; got {max_flips}")
    count = _count(n, "n")
    if count > size:
        raise ValueError(f"n must be at most max_flips = {size}; got {n}")
    p = probability(p_true, "p_true")
    seed_value = _count(seed, "seed")
    flips = (np.random.default_rng(seed_value).random(size) < p).astype(np.int64)
    return PosteriorWidget(float(a), float(b), count, flips, p)
