r"""Monte Carlo estimators of a KL divergence from samples: k1, k2 and k3.

Following John Schulman's note "Approximating KL Divergence" (2020), we estimate

.. math:: \mathrm{KL}(q \,\|\, p) = \mathbb{E}_{x \sim q}\left[\log\frac{q(x)}{p(x)}\right]

from samples :math:`x \sim q`, with the likelihood ratio :math:`r = p(x)/q(x)` (note the order:
the sampling distribution :math:`q` is in the denominator). Per sample,

.. math::
    k_1 = -\log r, \qquad k_2 = \tfrac12 (\log r)^2, \qquad k_3 = (r - 1) - \log r .

All three have mean close to the KL divergence (nats). :math:`k_1` is unbiased but has a high
variance and is negative for every sample with :math:`r > 1`; :math:`k_2` is biased (its mean is
an f-divergence that agrees with KL only to second order) but never negative; :math:`k_3` adds
to :math:`k_1` the control variate :math:`r - 1`, whose mean under :math:`q` is zero, so it stays
unbiased, is never negative (:math:`\log r \le r - 1`), and has a lower variance.

Examples
--------
>>> import numpy as np
>>> from scipy import stats
>>> rng = np.random.default_rng(0)
>>> x = rng.standard_normal(100_000)  # samples from q = N(0, 1)
>>> est = kl_estimators(stats.norm(1, 1).logpdf, stats.norm(0, 1).logpdf, x)
>>> [round(float(v), 2) for v in est.means()]  # true KL(q || p) = 0.5 nats
[0.5, 0.63, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike

from klutils._series import expm1_minus_t
from klutils._validation import random_generator
from klutils.closed_forms import kl_normal

__all__ = [
    "ESTIMATOR_NAMES",
    "EstimatorStats",
    "KLEstimates",
    "estimator_bias_and_std",
    "kl_estimators",
    "schulman_table",
]

#: The three estimators, in the order of Schulman's note.
ESTIMATOR_NAMES = ("k1", "k2", "k3")


def _exp_minus_one_minus(t: np.ndarray) -> np.ndarray:
    """``e^t - 1 - t >= 0`` without cancellation (:func:`klutils._series.expm1_minus_t`)."""
    return expm1_minus_t(t)


@dataclass(frozen=True)
class KLEstimates:
    """Per-sample values of the three estimators of KL(q ‖ p), in nats.

    Attributes
    ----------
    k1 : numpy.ndarray
        :math:`-\\log r`: unbiased, high variance, can be negative.
    k2 : numpy.ndarray
        :math:`\\tfrac12(\\log r)^2`: never negative, biased.
    k3 : numpy.ndarray
        :math:`(r - 1) - \\log r`: never negative, unbiased, lower variance than k1.
    log_ratio : numpy.ndarray
        :math:`\\log r = \\log p(x) - \\log q(x)` for each sample.

    Examples
    --------
    >>> est = kl_estimators(lambda x: x, lambda x: 0.0 * x, np.array([0.0, 1.0]))  # log r = x
    >>> est["k3"].round(4).tolist(), [round(m, 4) for m in est.means()]
    ([0.0, 0.7183], [-0.5, 0.25, 0.3591])
    """

    k1: np.ndarray
    k2: np.ndarray
    k3: np.ndarray
    log_ratio: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """The values of one estimator by name (``"k1"``, ``"k2"`` or ``"k3"``)."""
        if name not in ESTIMATOR_NAMES:
            raise ValueError(f"estimator must be one of {ESTIMATOR_NAMES}; got {name!r}")
        return getattr(self, name)

    def means(self) -> tuple[float, float, float]:
        """The sample means of k1, k2 and k3: three estimates of KL(q ‖ p) in nats."""
        return tuple(float(np.mean(self[name])) for name in ESTIMATOR_NAMES)


def _log_density_values(function: Callable, samples: np.ndarray, name: str) -> np.ndarray:
    if not callable(function):
        raise ValueError(f"{name} must be a function returning log-densities; got "
                         f"{type(function).__name__}")
    values = np.asarray(function(samples), dtype=np.float64)
    if values.shape != samples.shape[:1]:
        raise ValueError(f"{name}(samples) must give one log-density per sample; got shape "
                         f"{values.shape} for samples of shape {samples.shape}")
    if np.isnan(values).any() or np.isposinf(values).any():
        raise ValueError(f"{name}(samples) contains NaN or +inf")
    return values


def kl_estimators(log_p: Callable[[np.ndarray], ArrayLike],
                  log_q: Callable[[np.ndarray], ArrayLike],
                  samples: ArrayLike) -> KLEstimates:
    r"""Per-sample Monte Carlo estimators k1, k2, k3 of KL(q ‖ p) from samples of q.

    Parameters
    ----------
    log_p : callable
        Log-density (or log-probability) of the distribution p, evaluated at the samples.
    log_q : callable
        Log-density of q, the distribution the samples were drawn from.
    samples : array_like
        Draws from q: shape ``(n,)`` or ``(n, d)`` (one row per sample). ``log_p(samples)``
        and ``log_q(samples)`` must return one value per sample.

    Returns
    -------
    KLEstimates
        Arrays ``k1``, ``k2``, ``k3`` (and ``log_ratio``) with one value per sample; their
        means estimate KL(q ‖ p) in nats (see :meth:`KLEstimates.means`).

    Raises
    ------
    ValueError
        If ``samples`` is empty or not finite, a log-density is not callable, returns the wrong
        shape, NaN or +inf, or ``log_q`` is ``-inf`` at a sample (it cannot have come from q).

    Notes
    -----
    With :math:`r = p(x)/q(x)` computed as :math:`\exp(\log p - \log q)`:
    :math:`k_1 = -\log r`, :math:`k_2 = \tfrac12(\log r)^2` and
    :math:`k_3 = (r - 1) - \log r`, the last evaluated without cancellation near
    :math:`r = 1` (it is :math:`e^t - 1 - t` with :math:`t = \log r`), so it is never negative.
    Where ``log_p`` is ``-inf`` (p rules the sample out) k1, k2 and k3 are ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> est = kl_estimators(lambda x: np.log([0.5, 0.5])[x], lambda x: np.log([0.9, 0.1])[x],
    ...                     np.array([0, 0, 1]))
    >>> est.k1.round(4).tolist()
    [0.5878, 0.5878, -1.6094]
    >>> est.k3.round(4).tolist()
    [0.1433, 0.1433, 2.3906]
    """
    try:
        x = np.asarray(samples)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"samples must be an array of numbers; {exc}") from None
    if x.dtype.kind not in "iuf" or x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"samples must be a non-empty array of real numbers (one row per "
                         f"sample); got dtype {x.dtype} and shape {x.shape}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite")
    lp = _log_density_values(log_p, x, "log_p")
    lq = _log_density_values(log_q, x, "log_q")
    if lp.shape != lq.shape:
        raise ValueError(f"log_p and log_q give different shapes: {lp.shape} and {lq.shape}")
    if np.isneginf(lq).any():
        raise ValueError("log_q(samples) is -inf at some sample: samples must come from q")
    log_r = lp - lq
    k1 = -log_r
    k2 = 0.5 * log_r * log_r
    k3 = _exp_minus_one_minus(log_r)
    return KLEstimates(k1=k1, k2=k2, k3=k3, log_ratio=log_r)


@dataclass(frozen=True)
class EstimatorStats:
    """Bias and spread of the k1, k2, k3 estimators for one pair of normal distributions.

    Attributes
    ----------
    true_kl : float
        KL(q ‖ p) in nats from the closed form (:func:`klutils.kl_normal`).
    n_samples : int
        Number of samples from q.
    mean, bias, std : dict of str to float
        Per estimator: the sample mean (nats), ``mean - true_kl`` (nats) and the sample
        standard deviation of one sample's value (nats).
    bias_over_true, std_over_true, stderr_over_true : dict of str to float
        The bias, the standard deviation and the standard error of the mean
        (``std / sqrt(n_samples)``), each divided by ``true_kl``: the columns of Schulman's table.
    """

    true_kl: float
    n_samples: int
    mean: dict[str, float]
    bias: dict[str, float]
    std: dict[str, float]
    bias_over_true: dict[str, float]
    std_over_true: dict[str, float]
    stderr_over_true: dict[str, float]


def _check_normal_parameter(value: float, name: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be a finite{' positive' if positive else ''} number; "
                         f"got {value!r}")
    return value


def estimator_bias_and_std(mu_p: float, sigma_p: float = 1.0, mu_q: float = 0.0,
                           sigma_q: float = 1.0, *, rng: np.random.Generator,
                           n_samples: int = 1_000_000) -> EstimatorStats:
    r"""Measure the bias and standard deviation of k1, k2, k3 for KL(q ‖ p) between normals.

    Samples are drawn from ``q = N(mu_q, sigma_q^2)`` (default N(0, 1)), the estimators of
    :func:`kl_estimators` are evaluated against ``p = N(mu_p, sigma_p^2)``, and their mean and
    spread are compared with the exact divergence from :func:`klutils.kl_normal`.

    Parameters
    ----------
    mu_p, sigma_p : float
        Mean and standard deviation (> 0) of p.
    mu_q, sigma_q : float, optional
        Mean and standard deviation (> 0) of q, the sampling distribution (default N(0, 1)).
    rng : numpy.random.Generator
        Source of randomness (e.g. ``np.random.default_rng(SEED)``), so results are repeatable.
    n_samples : int, optional
        Number of samples (at least 2; default one million, about 0.1 s).

    Returns
    -------
    EstimatorStats
        True KL, and per estimator the mean, bias, standard deviation and their ratios to the
        true KL.

    Raises
    ------
    ValueError
        If a parameter is not finite, a standard deviation is not positive, p equals q (the
        ratios to a true KL of 0 are undefined), ``rng`` is not a Generator, or ``n_samples``
        is not an integer >= 2.

    Notes
    -----
    For q = N(0, 1) and p = N(μ, 1) the exact values are known: the true KL is μ²/2; k1 has
    standard deviation μ (ratio 2/μ); k2 has bias μ⁴/8 (ratio μ²/4); k3 has variance
    :math:`e^{\mu^2} - 1 - \mu^2`.

    Examples
    --------
    >>> import numpy as np
    >>> stats = estimator_bias_and_std(1.0, rng=np.random.default_rng(0), n_samples=200_000)
    >>> stats.true_kl
    0.5
    >>> {k: round(v, 1) for k, v in stats.std_over_true.items()}
    {'k1': 2.0, 'k2': 1.7, 'k3': 1.7}
    >>> round(stats.bias_over_true["k2"], 2)
    0.25
    """
    mu_p = _check_normal_parameter(mu_p, "mu_p")
    mu_q = _check_normal_parameter(mu_q, "mu_q")
    sigma_p = _check_normal_parameter(sigma_p, "sigma_p", positive=True)
    sigma_q = _check_normal_parameter(sigma_q, "sigma_q", positive=True)
    random_generator(rng)
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2; got {n_samples!r}")
    true_kl = kl_normal(mu_q, sigma_q, mu_p, sigma_p)
    if true_kl == 0:
        raise ValueError("p and q are the same normal distribution: KL = 0, so the ratios to "
                         "the true KL are undefined")

    def log_normal(mu: float, sigma: float) -> Callable[[np.ndarray], np.ndarray]:
        return lambda x: -0.5 * ((x - mu) / sigma) ** 2 - math.log(sigma) \
            - 0.5 * math.log(2 * math.pi)

    x = mu_q + sigma_q * rng.standard_normal(int(n_samples))
    est = kl_estimators(log_normal(mu_p, sigma_p), log_normal(mu_q, sigma_q), x)
    mean, bias, std = {}, {}, {}
    for name in ESTIMATOR_NAMES:
        values = est[name]
        mean[name] = float(np.mean(values))
        bias[name] = mean[name] - true_kl
        std[name] = float(np.std(values, ddof=1))
    root_n = math.sqrt(n_samples)
    return EstimatorStats(
        true_kl=true_kl, n_samples=int(n_samples), mean=mean, bias=bias, std=std,
        bias_over_true={k: v / true_kl for k, v in bias.items()},
        std_over_true={k: v / true_kl for k, v in std.items()},
        stderr_over_true={k: v / root_n / true_kl for k, v in std.items()},
    )


def schulman_table(*, rng: np.random.Generator,
                   n_samples: int = 1_000_000) -> dict[float, EstimatorStats]:
    """Schulman's experiment: q = N(0, 1) against p = N(0.1, 1) and p = N(1, 1).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; both rows draw from it in turn.
    n_samples : int, optional
        Samples per row (default one million).

    Returns
    -------
    dict of float to EstimatorStats
        Keyed by the mean of p (0.1 and 1.0); see :func:`estimator_bias_and_std`.

    Raises
    ------
    ValueError
        As :func:`estimator_bias_and_std`.

    Examples
    --------
    >>> import numpy as np
    >>> table = schulman_table(rng=np.random.default_rng(1), n_samples=100_000)
    >>> round(table[0.1].std_over_true["k1"]), round(table[1.0].std_over_true["k1"])
    (20, 2)
    """
    return {mu: estimator_bias_and_std(mu, rng=rng, n_samples=n_samples) for mu in (0.1, 1.0)}
