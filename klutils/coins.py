r"""The coin toss (chapter 2): likelihood ratios, flips needed to tell two coins apart, the MLE.

A coin is a Bernoulli distribution: ``P = Bernoulli(p)`` gives heads (``1``) with probability
``p`` and tails (``0``) with probability ``1 - p``. Everything here compares a true coin ``P``
with a model coin ``Q = Bernoulli(q)``.

After ``n`` flips :math:`x_1, \dots, x_n` the log-likelihood ratio of ``P`` against ``Q`` is

.. math:: \Lambda_n = \sum_{i=1}^n \log\frac{P(x_i)}{Q(x_i)},

(in nats). When the flips come from ``P`` each term has mean :math:`\mathrm{KL}(P\,\|\,Q)`, so
:math:`\Lambda_n` drifts upward by :math:`\mathrm{KL}(P\,\|\,Q)` per flip. The likelihood-ratio
decision picks ``P`` when :math:`\Lambda_n > 0`, ``Q`` when :math:`\Lambda_n < 0`, and tosses a
fair coin when :math:`\Lambda_n = 0`.

Examples
--------
>>> import numpy as np
>>> paths = log_likelihood_ratio_paths(0.5, 0.6, 100, 3, np.random.default_rng(0))
>>> paths.shape
(3, 100)
>>> flips_to_distinguish(0.5, 0.6)
279
>>> bernoulli_mle([1, 0, 0, 1, 1])
0.6
"""

from __future__ import annotations

import math
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import stats

from klutils._validation import probability, random_generator
from klutils.closed_forms import kl_bernoulli
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
    "CoinKLWidget",
    "bernoulli_mle",
    "coin_kl_readout",
    "coin_kl_widget",
    "flips_to_distinguish",
    "log_likelihood_ratio_paths",
    "plot_coin_kl",
    "probability_correct_decision",
]

#: Largest array (``n_paths * n_flips``) the simulation builds: 400 MB of float64.
MAX_SIMULATED_FLIPS = 50_000_000

#: The bias sliders of the widget run over [SLIDER_MIN, SLIDER_MAX].
SLIDER_MIN, SLIDER_MAX = 0.01, 0.99

#: How many values of ``n`` :func:`flips_to_distinguish` evaluates per call to scipy.
_CHUNK = 1 << 16


# --- input checks ---------------------------------------------------------------------------

def _check_bias(value: object, name: str) -> float:
    """Return a coin bias strictly inside (0, 1) as a float, or raise ``ValueError``."""
    return probability(value, name, open_interval=True)


def _check_pair(p: object, q: object) -> tuple[float, float]:
    """Check two coin biases in (0, 1) that differ (else no flip can tell them apart)."""
    p, q = _check_bias(p, "p"), _check_bias(q, "q")
    if p == q:
        raise ValueError(f"p and q must differ to be told apart; both are {p!r}")
    return p, q


def _check_count(value: object, name: str) -> int:
    """Return ``value`` as a positive Python int."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


# --- log-likelihood ratio -------------------------------------------------------------------

def _log_ratios(p: float, q: float) -> tuple[float, float]:
    """``(log(p/q), log((1-p)/(1-q)))``: the evidence of one head and of one tail, in nats."""
    return math.log1p((p - q) / q), math.log1p((q - p) / (1.0 - q))


def log_likelihood_ratio_paths(p: float, q: float, n_flips: int, n_paths: int,
                               rng: np.random.Generator) -> np.ndarray:
    r"""Simulate the running log-likelihood ratio of ``Bernoulli(p)`` against ``Bernoulli(q)``.

    Each path flips a coin with bias ``p`` (the true coin P) ``n_flips`` times and records,
    after every flip, :math:`\Lambda_n = \log P(x_1..x_n) / Q(x_1..x_n)` in nats. On average
    :math:`\Lambda_n` grows by :math:`\mathrm{KL}(P\,\|\,Q)` per flip.

    Parameters
    ----------
    p : float
        Bias of the true coin, P(heads), in (0, 1); the flips are drawn from it.
    q : float
        Bias of the model coin, Q(heads), in (0, 1).
    n_flips : int
        Flips per path (positive).
    n_paths : int
        Number of independent paths (positive).
    rng : numpy.random.Generator
        The only source of randomness, e.g. ``np.random.default_rng(SEED)``.

    Returns
    -------
    numpy.ndarray, shape (n_paths, n_flips)
        ``paths[i, j]`` is :math:`\Lambda_{j+1}` of path ``i`` (nats).

    Raises
    ------
    ValueError
        If a bias is not in (0, 1), a count is not a positive integer, the array would exceed
        :data:`MAX_SIMULATED_FLIPS` entries, or ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    >>> import numpy as np
    >>> paths = log_likelihood_ratio_paths(0.5, 0.6, 4, 2, np.random.default_rng(1))
    >>> paths.shape
    (2, 4)
    >>> steps = np.diff(paths, axis=1, prepend=0.0).round(4)
    >>> set(steps.ravel().tolist()) <= {-0.1823, 0.2231}  # log(5/6) per head, log(5/4) per tail
    True
    """
    p, q = _check_bias(p, "p"), _check_bias(q, "q")
    n_flips, n_paths = _check_count(n_flips, "n_flips"), _check_count(n_paths, "n_paths")
    if n_flips * n_paths > MAX_SIMULATED_FLIPS:
        raise ValueError(f"n_paths * n_flips = {n_flips * n_paths} exceeds "
                         f"MAX_SIMULATED_FLIPS = {MAX_SIMULATED_FLIPS}")
    random_generator(rng)
    head, tail = _log_ratios(p, q)
    heads = rng.random((n_paths, n_flips)) < p
    return np.cumsum(np.where(heads, head, tail), axis=1)


# --- how many flips -------------------------------------------------------------------------

def _correct_probabilities(p: float, q: float, n: np.ndarray) -> np.ndarray:
    """P(the likelihood-ratio decision after ``n`` flips of coin p picks p), for p < q."""
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

    The flips come from the true coin ``P = Bernoulli(p)``; the decision picks P when
    :math:`\Lambda_n > 0`, the model ``Q = Bernoulli(q)`` when :math:`\Lambda_n < 0`, and either
    with probability 1/2 when :math:`\Lambda_n = 0`. Computed exactly from the binomial
    distribution of the number of heads (``scipy.stats.binom``).

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
    >>> round(probability_correct_decision(0.5, 0.6, 279), 4)
    0.9533
    """
    p, q = _check_pair(p, q)
    n = np.asarray(n_flips)
    if n.dtype == bool or not np.issubdtype(n.dtype, np.integer) or np.any(n < 1):
        raise ValueError(f"n_flips must be positive integers; got {n_flips!r}")
    if p > q:  # swap the names of heads and tails: the same problem with p < q
        p, q = 1.0 - p, 1.0 - q
    result = _correct_probabilities(p, q, n.astype(float))
    return float(result) if result.ndim == 0 else result


def flips_to_distinguish(p: float, q: float, confidence: float = 0.95, *,
                         max_flips: int = 10_000_000) -> int:
    r"""Fewest flips from which on the likelihood-ratio decision picks the true coin reliably.

    Returns the smallest ``n`` such that for every number of flips ``m >= n`` the decision of
    :func:`probability_correct_decision` picks the true coin ``Bernoulli(p)`` with probability at
    least ``confidence``. (That probability is not monotone in ``m``, because the number of heads
    is an integer; the first ``m`` reaching ``confidence`` can be a little smaller.)

    The search is exact and finite: with :math:`c` the head frequency at which
    :math:`\Lambda_n = 0`, the Chernoff bound gives an error probability at most
    :math:`e^{-m\,\mathrm{KL}(\mathrm{Bern}(c)\,\|\,\mathrm{Bern}(p))}`, which is below
    ``1 - confidence`` for all ``m`` beyond a computable bound; every ``m`` up to it is checked
    with the binomial distribution.

    Parameters
    ----------
    p : float
        Bias of the true coin, in (0, 1).
    q : float
        Bias of the model coin, in (0, 1), different from ``p``.
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
    >>> flips_to_distinguish(0.5, 0.6)
    279
    >>> flips_to_distinguish(0.5, 0.9)
    16
    """
    p, q = _check_pair(p, q)
    if isinstance(confidence, bool) or not isinstance(confidence, Real | np.floating):
        raise ValueError(f"confidence must be a number in (0.5, 1); got {confidence!r}")
    if not 0.5 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie in (0.5, 1); got {confidence!r}")
    max_flips = _check_count(max_flips, "max_flips")
    if p > q:
        p, q = 1.0 - p, 1.0 - q
    head, tail = _log_ratios(p, q)
    c = tail / (tail - head)
    # Beyond `bound` flips the Chernoff bound guarantees the confidence.
    bound = math.ceil(math.log(1.0 / (1.0 - confidence)) / kl_bernoulli(c, p))
    if bound > max_flips:
        raise ValueError(f"p = {p!r} and q = {q!r} are too close: up to {bound} flips would "
                         f"have to be examined, more than max_flips = {max_flips}")
    last_failure = 0  # the largest n <= bound whose probability is below the confidence
    for start in range(1, bound + 1, _CHUNK):
        n = np.arange(start, min(start + _CHUNK, bound + 1), dtype=float)
        failures = np.flatnonzero(_correct_probabilities(p, q, n) < confidence)
        if failures.size:
            last_failure = int(n[failures[-1]])
    return last_failure + 1


# --- fitting --------------------------------------------------------------------------------

def bernoulli_mle(flips: ArrayLike) -> float:
    r"""Maximum-likelihood estimate of a coin's bias: the fraction of heads.

    The estimate :math:`\hat p` maximises the likelihood :math:`q^k (1-q)^{n-k}` of ``k`` heads
    in ``n`` flips; equivalently it minimises
    :math:`\mathrm{KL}(\mathrm{Bern}(\hat p)\,\|\,\mathrm{Bern}(q))`, the divergence of the model
    from the empirical distribution.

    Parameters
    ----------
    flips : array_like, 1-D
        Outcomes, ``1`` (or ``True``) for heads and ``0`` (or ``False``) for tails.

    Returns
    -------
    float
        The fraction of heads, in [0, 1].

    Raises
    ------
    ValueError
        If ``flips`` is empty, not 1-D, or holds anything other than 0 and 1.

    Examples
    --------
    >>> bernoulli_mle([1, 1, 0, 1])
    0.75
    >>> bernoulli_mle([True, False])
    0.5
    """
    try:
        array = np.asarray(flips)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"flips must be a 1-D sequence of 0s and 1s; {exc}") from None
    if array.ndim != 1:
        raise ValueError(f"flips must be 1-D; got shape {array.shape}")
    if array.size == 0:
        raise ValueError("flips is empty: the bias of a coin needs at least one flip")
    if array.dtype != bool:
        numeric = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype,
                                                                           np.floating)
        if not numeric or not np.all((array == 0) | (array == 1)):
            raise ValueError("flips must hold only 0 (tails) and 1 (heads)")
    return float(np.mean(array, dtype=float))


# --- the KL-versus-model-bias figure and widget ---------------------------------------------

def coin_kl_readout(p: float, q: float) -> str:
    """HTML line with both divergences between ``Bernoulli(p)`` and ``Bernoulli(q)``.

    Examples
    --------
    >>> "KL(P‖Q) = 0.0204 nats" in coin_kl_readout(0.5, 0.6)
    True
    """
    p, q = _check_bias(p, "p"), _check_bias(q, "q")
    parts = [f"P = Bernoulli({p:.2f}), Q = Bernoulli({q:.2f})"]
    for name, value in (("KL(P‖Q)", kl_bernoulli(p, q)), ("KL(Q‖P)", kl_bernoulli(q, p))):
        parts.append(f"<b>{name} = {value:.4f} nats</b> ({value / math.log(2):.4f} bits)")
    return " &nbsp;&nbsp; ".join(parts)


def plot_coin_kl(ax: Axes, p: float, q: float) -> Axes:
    r"""Draw KL(P‖Q) and KL(Q‖P) against the model bias, and mark the model ``q``.

    ``P = Bernoulli(p)`` is the true coin; the horizontal axis is the bias ``q'`` of the model
    ``Bernoulli(q')`` over (0, 1). KL(P‖Q), an average under P, is drawn in ``P_COLOR``;
    KL(Q‖P), an average under Q, in ``Q_COLOR``. Dots mark both values at ``q' = q``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (it is not cleared).
    p, q : float
        Biases of the true and the model coin, in (0, 1).

    Returns
    -------
    matplotlib.axes.Axes
        The same axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = plot_coin_kl(Figure().subplots(), 0.5, 0.6)
    >>> [line.get_marker() for line in ax.lines].count("o")
    2
    """
    p, q = _check_bias(p, "p"), _check_bias(q, "q")
    grid = np.linspace(0.001, 0.999, 999)
    kl_pq, kl_qp = kl_bernoulli(p, q), kl_bernoulli(q, p)
    ax.plot(grid, kl_bernoulli(p, grid), color=P_COLOR, label="KL(P‖Q), average under P")
    ax.plot(grid, kl_bernoulli(grid, p), color=Q_COLOR, label="KL(Q‖P), average under Q")
    ax.axvline(p, color=REFERENCE_COLOR, linestyle="--", linewidth=1, label=f"q = p = {p:.2f}")
    ax.plot([q], [kl_pq], "o", color=P_COLOR, markersize=11)  # larger: visible when they meet
    ax.plot([q], [kl_qp], "o", color=Q_COLOR, markersize=6)
    ax.annotate(f"q = {q:.2f}", (q, max(kl_pq, kl_qp)), textcoords="offset points",
                xytext=(8, 8), color=REFERENCE_COLOR)
    top = max(2.5, 1.2 * max(kl_pq, kl_qp))
    return decorate(ax, xlim=(0, 1), ylim=(0, top), xlabel="model bias q = Q(heads)",
                    ylabel="KL divergence (nats)",
                    title=f"Both are 0 at q = p = {p:.2f}; only KL(P‖Q) blows up at q → 0, 1")


class CoinKLWidget(widgets.VBox):
    """Sliders for the true bias p and the model bias q, a KL readout and the redrawn figure.

    Attributes
    ----------
    p_slider, q_slider : ipywidgets.FloatSlider
        The controls; setting ``.value`` redraws.
    readout : ipywidgets.HTML
        Both divergences at the current setting (see :func:`coin_kl_readout`).
    figure : matplotlib.figure.Figure
        The figure drawn by :func:`plot_coin_kl` (not managed by pyplot).
    output : ipywidgets.Output
        Shows the figure as a PNG image (its ``outputs`` change on every redraw).
    """

    def __init__(self, p: float = 0.5, q: float = 0.6) -> None:
        p = probability(p, "p", low=SLIDER_MIN, high=SLIDER_MAX)
        q = probability(q, "q", low=SLIDER_MIN, high=SLIDER_MAX)
        options = {"min": SLIDER_MIN, "max": SLIDER_MAX, "step": 0.01, "readout_format": ".2f",
                   "continuous_update": False, "style": {"description_width": "initial"}}
        self.p_slider = widgets.FloatSlider(value=p, description="true bias p", **options)
        self.q_slider = widgets.FloatSlider(value=q, description="model bias q", **options)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        self.figure = Figure(figsize=FIGSIZE, layout="constrained")
        self.figure.subplots()
        super().__init__([widgets.HBox([self.p_slider, self.q_slider]), self.readout,
                          self.output])
        self.p_slider.observe(self._redraw, names="value")
        self.q_slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        p, q = self.p_slider.value, self.q_slider.value
        self.readout.value = coin_kl_readout(p, q)
        ax = self.figure.axes[0]
        ax.clear()
        plot_coin_kl(ax, p, q)
        show_figure(self.output, self.figure, f"<KL vs model bias, p = {p:.2f}, q = {q:.2f}>")


def coin_kl_widget(p: float = 0.5, q: float = 0.6) -> CoinKLWidget:
    """Build the widget of chapter 2: sliders for p and q redraw the KL-vs-model-bias figure.

    Parameters
    ----------
    p, q : float, optional
        Starting biases of the true and the model coin, in [0.01, 0.99].

    Returns
    -------
    CoinKLWidget
        An ``ipywidgets.VBox`` with attributes ``p_slider``, ``q_slider``, ``readout``,
        ``figure`` and ``output``.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not in [0.01, 0.99].

    Examples
    --------
    >>> w = coin_kl_widget(0.5, 0.6)
    >>> w.q_slider.value = 0.8
    >>> "KL(P‖Q) = 0.2231 nats" in w.readout.value
    True
    """
    return CoinKLWidget(p, q)
