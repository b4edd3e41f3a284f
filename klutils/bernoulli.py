r"""Coins, that is Bernoulli distributions: telling two apart from flips, and learning a coin's
bias from them.

A coin ``Bernoulli(p)`` gives heads (``1``) with probability ``p``. After ``n`` flips
:math:`x_1, \dots, x_n` of the true coin ``P = Bernoulli(p)``, the log-likelihood ratio against a
model ``Q = Bernoulli(q)`` is :math:`\Lambda_n = \sum_i \log P(x_i)/Q(x_i)` nats; each term has
mean :math:`\mathrm{KL}(P\,\|\,Q)` (:func:`klutils.kl_bernoulli`). The likelihood-ratio decision
picks P when :math:`\Lambda_n > 0`, Q when :math:`\Lambda_n < 0`, and tosses a fair coin at 0.

Learning the bias :math:`\theta` of one coin: a Beta prior :math:`\mathrm{Beta}(a, b)` becomes,
after :math:`k` heads in :math:`n` flips, the posterior :math:`\mathrm{Beta}(a + k, b + n - k)`
(:func:`beta_bernoulli_posterior`). The information the flips gave is
:math:`\mathrm{KL}(\text{posterior} \,\|\, \text{prior})` (:func:`klutils.kl_beta`); it grows
like :math:`\tfrac12 \log n` (:func:`expected_information_gain`).

Examples
--------
>>> flips_to_distinguish(0.5, 0.6)
279
>>> round(probability_correct_decision(0.5, 0.6, 279), 4)
0.9533
>>> beta_bernoulli_posterior(1, 1, [1, 1, 0])
(3.0, 2.0)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from klutils._validation import (
    binary_array,
    integer,
    integer_array,
    positive_number,
    probability,
    real_number,
)
from klutils.closed_forms import kl_bernoulli, kl_beta

__all__ = [
    "beta_bernoulli_posterior",
    "expected_information_gain",
    "flips_to_distinguish",
    "probability_correct_decision",
]

#: Largest number of flips :func:`expected_information_gain` sums over (one term per count k).
MAX_EXPECTATION_FLIPS = 10_000_000

#: How many values of ``n`` :func:`flips_to_distinguish` evaluates per call to scipy.
_CHUNK = 1 << 16


def _different_biases(p: object, q: object) -> tuple[float, float]:
    """Two coin biases in (0, 1) that differ (else no flip can tell them apart), ``p < q``.

    When ``p > q`` the names of heads and tails are swapped: the same problem with ``p < q``.
    """
    p = probability(p, "p", open_interval=True)
    q = probability(q, "q", open_interval=True)
    if p == q:
        raise ValueError(f"p and q must differ to be told apart; both are {p!r}")
    return (p, q) if p < q else (1.0 - p, 1.0 - q)


def _log_ratios(p: float, q: float) -> tuple[float, float]:
    """``(log(p/q), log((1-p)/(1-q)))``: the evidence of one head and of one tail, in nats."""
    return math.log1p((p - q) / q), math.log1p((q - p) / (1.0 - q))


def _correct_probabilities(p: float, q: float, n: np.ndarray) -> np.ndarray:
    """P(the decision after ``n`` flips of coin p picks p), for ``p < q``."""
    head, tail = _log_ratios(p, q)  # head < 0 < tail because p < q
    # Lambda_n = k head + (n - k) tail > 0  <=>  k < n c, with c = tail / (tail - head) in (p, q).
    threshold = n * (tail / (tail - head))
    nearest = np.rint(threshold)
    tie = np.abs(threshold - nearest) <= 1e-12 * n  # k = n c exactly: Lambda_n = 0
    below = np.where(tie, nearest - 1.0, np.ceil(threshold) - 1.0)
    tie_mass = np.where(tie, stats.binom.pmf(nearest, n, p), 0.0)
    return stats.binom.cdf(below, n, p) + 0.5 * tie_mass


def probability_correct_decision(p: float, q: float, n_flips: ArrayLike) -> float | np.ndarray:
    r"""Probability that the likelihood-ratio decision after ``n_flips`` flips picks the true coin.

    The flips come from ``P = Bernoulli(p)``; the decision compares it with
    ``Q = Bernoulli(q)`` (see the module docstring). Exact, from the binomial distribution of
    the number of heads (``scipy.stats.binom``).

    Parameters
    ----------
    p, q : float
        Biases (probability of heads) of the true and the model coin, different, in (0, 1).
    n_flips : int or array_like of int
        Numbers of flips (positive).

    Returns
    -------
    float or numpy.ndarray
        The probability for each ``n_flips``; a float for a scalar input.

    Raises
    ------
    ValueError
        If a bias is not in (0, 1), ``p == q``, or a number of flips is not a positive integer.

    Examples
    --------
    >>> probability_correct_decision(0.5, 0.6, 1)  # one head says Q, one tail says P
    0.5
    """
    p, q = _different_biases(p, q)
    n = integer_array(n_flips, "n_flips", minimum=1)
    result = _correct_probabilities(p, q, n.astype(float))
    return float(result) if result.ndim == 0 else result


def flips_to_distinguish(p: float, q: float, confidence: float = 0.95, *,
                         max_flips: int = 10_000_000) -> int:
    r"""Fewest flips from which on the likelihood-ratio decision picks the true coin reliably.

    The smallest ``n`` such that for every ``m >= n`` :func:`probability_correct_decision` is at
    least ``confidence``. (That probability is not monotone in ``m``, because the number of heads
    is an integer; the first ``m`` reaching ``confidence`` can be smaller.) The search is exact
    and finite: with :math:`c` the head frequency at which :math:`\Lambda_n = 0`, the Chernoff
    bound :math:`e^{-m\,\mathrm{KL}(\mathrm{Bern}(c)\,\|\,\mathrm{Bern}(p))}` on the error
    probability guarantees the confidence beyond a computable ``m``; every ``m`` up to it is
    checked with the binomial distribution.

    Parameters
    ----------
    p, q : float
        Biases of the true and the model coin, different, in (0, 1).
    confidence : float, optional
        Required probability of picking the true coin, in (0.5, 1). Default 0.95.
    max_flips : int, optional
        Give up (``ValueError``) if the search would need to look beyond this many flips.

    Returns
    -------
    int
        The number of flips.

    Raises
    ------
    ValueError
        If a bias is not in (0, 1), ``p == q``, ``confidence`` is not in (0.5, 1), or more than
        ``max_flips`` flips would have to be examined (``p`` and ``q`` too close).

    Examples
    --------
    >>> flips_to_distinguish(0.5, 0.9)
    16
    """
    p, q = _different_biases(p, q)
    confidence = real_number(confidence, "confidence", low=0.5, high=1.0, low_open=True,
                             high_open=True)
    max_flips = integer(max_flips, "max_flips", minimum=1)
    head, tail = _log_ratios(p, q)
    c = tail / (tail - head)
    bound = math.ceil(math.log(1.0 / (1.0 - confidence)) / kl_bernoulli(c, p))
    if bound > max_flips:
        raise ValueError(f"p and q are too close: up to {bound} flips would have to be "
                         f"examined, more than max_flips = {max_flips}")
    last_failure = 0  # the largest n <= bound whose probability is below the confidence
    for start in range(1, bound + 1, _CHUNK):
        n = np.arange(start, min(start + _CHUNK, bound + 1), dtype=float)
        failures = np.flatnonzero(_correct_probabilities(p, q, n) < confidence)
        if failures.size:
            last_failure = int(n[failures[-1]])
    return last_failure + 1


# --- learning a coin's bias: Beta-Bernoulli updating and the information gained -------------

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
    a, b = positive_number(a, "a"), positive_number(b, "b")
    x = binary_array(flips, "flips")
    heads = int(x.sum())
    return a + heads, b + (len(x) - heads)


def expected_information_gain(a: float, b: float, p_true: float,
                              n_values: ArrayLike) -> np.ndarray:
    r"""The exact mean of KL(posterior‖prior), in nats, over all outcomes of ``n`` flips.

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
    a, b = positive_number(a, "a"), positive_number(b, "b")
    p = probability(p_true, "p_true")
    n = integer_array(np.atleast_1d(n_values), "n_values", minimum=0,
                      maximum=MAX_EXPECTATION_FLIPS, ndim=1)
    out = np.empty(n.shape, dtype=np.float64)
    for i, size in enumerate(n.tolist()):
        k = np.arange(size + 1)
        out[i] = float(np.sum(stats.binom.pmf(k, size, p) * kl_beta(a + k, b + size - k, a, b)))
    return out
