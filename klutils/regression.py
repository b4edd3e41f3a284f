r"""Regression models and their KL divergences: polynomial regression with normal noise and
Akaike's criterion, and a one-weight Bayesian logistic regression.

*Model selection.* :math:`\mathrm{AIC} = 2k - 2\ell` (``k`` fitted parameters, :math:`\ell` the
maximised log-likelihood in nats) estimates, divided by :math:`2n`, the expected cross-entropy
:math:`\mathbb E_{\text{data}}[H(P) + \mathrm{KL}(P \,\|\, Q_{\hat\theta})]` from the true
distribution P to a fitted model on new data, averaged over data sets (the fit
:math:`\hat\theta` is random); for one data set its error can run against the KL of the model in
hand. With a known truth, :func:`kl_to_truth` gives that KL exactly.

*Variational inference.* :class:`LogisticLogJoint` is the log joint of a logistic regression
with one weight, whose skewed posterior no Gaussian fits exactly (see
:func:`klutils.gaussian.fit_gaussian_reverse_kl`).

Examples
--------
>>> aic(-10.0, 3)
26.0
>>> model = LogisticLogJoint([1.0, -1.0], [1, 0], prior_sd=1.0)
>>> round(float(model(0.0)), 6)  # log N(0; 0, 1) + 2 log(1/2)
-2.305233
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import (
    binary_array,
    integer,
    positive_number,
    random_generator,
    real_array,
    real_number,
)
from klutils.closed_forms import kl_normal

__all__ = [
    "LogisticLogJoint",
    "PolynomialFit",
    "aic",
    "fit_polynomial",
    "kl_to_truth",
    "logistic_data",
    "polynomial_data",
]


def aic(log_likelihood: float, n_params: int) -> float:
    r"""Akaike's information criterion :math:`\mathrm{AIC} = 2k - 2\ell`.

    :math:`\mathrm{AIC}/(2n)` estimates the expected cross-entropy (nats per observation) from
    the truth to the fitted model on new data, :math:`H(P) + \mathrm{KL}(P \,\|\,
    Q_{\hat\theta})`, averaged over data sets of this size (not the KL of the model in hand);
    the ``2k`` corrects the optimism of the in-sample log-likelihood. Smaller is better; only
    differences between models fitted to the same data mean anything.

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
    ll = real_number(log_likelihood, "log_likelihood")
    return 2.0 * integer(n_params, "n_params", minimum=0) - 2.0 * ll


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
    return real_array(coefficients, "coefficients", ndim=1)


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
    size = integer(n, "n", minimum=2)
    c = _coefficients(coefficients)
    s = positive_number(sigma, "sigma")
    x = np.linspace(-1.0, 1.0, size)
    y = np.polynomial.polynomial.polyval(x, c) + s * random_generator(rng).standard_normal(size)
    return x, y


def _xy(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    xa, ya = real_array(x, "x", ndim=1), real_array(y, "y", ndim=1)
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length; got shapes {xa.shape} and "
                         f"{ya.shape}")
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
    d = integer(degree, "degree", minimum=0)
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
    r"""Exact KL(truth‖fitted model) per observation, in nats, on the design points ``x``.

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
    xa = real_array(x, "x", ndim=1)
    truth = np.polynomial.polynomial.polyval(xa, _coefficients(coefficients))
    s = positive_number(sigma, "sigma")
    return float(np.mean(kl_normal(truth, s, fit.predict(xa), fit.sigma)))


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
    n = integer(n, "n", minimum=1)
    w = real_number(w_true, "w_true")
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
        x = real_array(self.x, "x", ndim=1)
        y = binary_array(self.y, "y")
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length; got shapes {x.shape} and "
                             f"{y.shape}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.float64))
        object.__setattr__(self, "prior_sd", positive_number(self.prior_sd, "prior_sd"))

    def __call__(self, w: ArrayLike) -> np.ndarray:
        weights = np.asarray(w, dtype=np.float64)
        z = np.multiply.outer(weights, self.x)
        log_likelihood = np.sum(self.y * special.log_expit(z)
                                + (1.0 - self.y) * special.log_expit(-z), axis=-1)
        s = self.prior_sd
        log_prior = -0.5 * (weights / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
        return log_prior + log_likelihood
