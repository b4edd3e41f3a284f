"""Figures of the course: one look (P and Q in the same two colours on every page), and the
drawing functions the chapters and the widgets share.

The drawing contract: a ``draw_*(ax, ...)`` function (``draw_*(axes, ...)`` for several panels)
draws on the axes it is given and nothing else. It does not clear them, does not create a
figure, and sets labels, limits and a legend but no title: the notebook's title states the
chapter's point. It returns nothing. Next to each drawing function of a widget stands its
readout, a plain function from the same values to the HTML text shown beside the figure.
Every text says KL(P‖Q) the same way.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig, ax = new_figure()
>>> _ = plot_distributions(ax, [0.5, 0.5], [0.6, 0.4], labels=["heads", "tails"])
>>> _ = decorate(ax, title="A fair coin and a biased model", ylabel="probability")
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import log_of_base, probability
from klutils.classification import label_index_and_logits, logit_loss
from klutils.closed_forms import kl_bernoulli
from klutils.distributions import one_hot
from klutils.divergences import cross_entropy

#: The colour of the true (reference) distribution P on every page.
P_COLOR = "#1f77b4"
#: The colour of the model distribution Q on every page.
Q_COLOR = "#ff7f0e"
#: A third colour for derived quantities (per-outcome contributions, differences).
ACCENT_COLOR = "#2ca02c"
#: Colour of lines that mark a reference value (zero, a bound).
REFERENCE_COLOR = "#7f7f7f"

#: Figure size in inches: 100 dpi x 7 in = 700 px, readable in the book's 1280 px layout.
FIGSIZE = (7.0, 3.6)


def use_course_style() -> None:
    """Set matplotlib defaults for the course: readable sizes, light grid, no top/right spines.

    Figures get an opaque white background, so they stay readable in the book's dark theme.
    """
    plt.rcParams.update({
        "figure.figsize": FIGSIZE,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 10,
        "legend.frameon": False,
    })


def new_figure(ncols: int = 1, nrows: int = 1, **options) -> tuple[Figure, Axes | np.ndarray]:
    """Create a figure in the course style; returns ``(fig, ax)`` like ``plt.subplots``."""
    use_course_style()
    width, height = FIGSIZE
    options.setdefault("figsize", (width * max(1.0, 0.75 * ncols), height * nrows))
    options.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, **options)


def decorate(ax: Axes, **options) -> Axes:
    """Finish an axes the same way everywhere: ``ax.set(**options)`` and a legend if labelled.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to finish.
    **options
        Passed to ``ax.set`` (``title``, ``xlabel``, ``ylabel``, ``xlim``, ...).

    Returns
    -------
    matplotlib.axes.Axes
        The same axes.
    """
    ax.set(**options)
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend()
    return ax


def plot_distributions(ax: Axes, p: ArrayLike, q: ArrayLike, *,
                       labels: Sequence[str] | None = None, p_label: str = "P (true)",
                       q_label: str = "Q (model)") -> Axes:
    """Draw P and Q as side-by-side bars over the outcomes, in the course colours.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    p, q : array_like
        Probabilities of the same outcomes.
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    p_label, q_label : str
        Legend entries.

    Returns
    -------
    matplotlib.axes.Axes
        The same axes.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D of the same length; got shapes {p.shape} "
                         f"and {q.shape}")
    x = np.arange(len(p))
    ax.bar(x - 0.2, p, width=0.4, color=P_COLOR, label=p_label)
    ax.bar(x + 0.2, q, width=0.4, color=Q_COLOR, label=q_label)
    ax.set_xticks(x, labels if labels is not None else [str(i) for i in x])
    ax.set_ylim(0, max(1.0, float(max(p.max(), q.max())) * 1.1))
    return ax


# --- text: units and values ----------------------------------------------------------------


def unit_name(base: float | None) -> str:
    """The unit of a logarithm base: "nats" (None or e), "bits" (2), else "log-base-b units".

    Examples
    --------
    >>> unit_name(None), unit_name(2), unit_name(10)
    ('nats', 'bits', 'log-base-10 units')
    """
    log_of_base(base)
    if base is None or base == math.e:
        return "nats"
    return "bits" if base == 2 else f"log-base-{base:g} units"


def amount(value: float, unit: str, digits: int = 4) -> str:
    """A divergence or entropy as text: ``"0.5850 nats"``, or ``"∞"`` when it is infinite.

    Examples
    --------
    >>> amount(0.58496, "nats"), amount(math.inf, "bits")
    ('0.5850 nats', '∞')
    """
    return "∞" if math.isinf(value) else f"{value:.{digits}f} {unit}"


# --- the coin: KL against the model's bias (chapter 2) ---------------------------------------


def draw_coin_kl(ax: Axes, p: float, q: float) -> None:
    r"""Draw KL(P‖Q) and KL(Q‖P) against the model's bias, with dots at the model ``q``.

    ``P = Bernoulli(p)`` is the true coin and the horizontal axis the bias of the model
    ``Bernoulli(q')``, :math:`0 < q' < 1`: KL(P‖Q), an average under P, in ``P_COLOR``;
    KL(Q‖P), an average under Q, in ``Q_COLOR``; a dashed line at ``q' = p``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_coin_kl(ax, 0.5, 0.6)
    >>> [line.get_marker() for line in ax.lines].count("o")
    2
    """
    p = probability(p, "p", open_interval=True)
    q = probability(q, "q", open_interval=True)
    grid = np.linspace(0.001, 0.999, 999)
    kl_pq, kl_qp = kl_bernoulli(p, q), kl_bernoulli(q, p)
    ax.plot(grid, kl_bernoulli(p, grid), color=P_COLOR, label="KL(P‖Q), average under P")
    ax.plot(grid, kl_bernoulli(grid, p), color=Q_COLOR, label="KL(Q‖P), average under Q")
    ax.axvline(p, color=REFERENCE_COLOR, linestyle="--", linewidth=1, label=f"q = p = {p:.2f}")
    ax.plot([q], [kl_pq], "o", color=P_COLOR, markersize=11)  # larger: visible when they meet
    ax.plot([q], [kl_qp], "o", color=Q_COLOR, markersize=6)
    ax.annotate(f"q = {q:.2f}", (q, max(kl_pq, kl_qp)), textcoords="offset points",
                xytext=(8, 8), color=REFERENCE_COLOR)
    decorate(ax, xlim=(0, 1), ylim=(0, max(2.5, 1.2 * max(kl_pq, kl_qp))),
             xlabel="model bias q = Q(heads)", ylabel="KL divergence (nats)")


def coin_kl_readout(p: float, q: float) -> str:
    """Both divergences between ``Bernoulli(p)`` and ``Bernoulli(q)``, in nats and bits (HTML).

    Examples
    --------
    >>> "KL(P‖Q) = 0.0204 nats" in coin_kl_readout(0.5, 0.6)
    True
    """
    p = probability(p, "p", open_interval=True)
    q = probability(q, "q", open_interval=True)
    parts = [f"P = Bernoulli({p:.2f}), Q = Bernoulli({q:.2f})"]
    for name, value in (("KL(P‖Q)", kl_bernoulli(p, q)), ("KL(Q‖P)", kl_bernoulli(q, p))):
        parts.append(f"<b>{name} = {value:.4f} nats</b> ({value / math.log(2):.4f} bits)")
    return " &nbsp;&nbsp; ".join(parts)


# --- a classifier's logits against the one-hot label (chapter 3) ------------------------------


def draw_logits(ax: Axes, label: str, classes: Sequence[str], logits: ArrayLike) -> None:
    """Draw the one-hot label (P) against softmax(logits) (Q), each bar of Q with its value.

    Arguments as :func:`klutils.classification.logit_loss`; the ticks name each class and its
    logit.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_logits(ax, "cat", ("cat", "dog", "rabbit"), (2.0, 0.5, -1.0))
    >>> [round(float(bar.get_height()), 3) for bar in ax.patches[3:]]
    [0.786, 0.175, 0.039]
    """
    index, z = label_index_and_logits(label, classes, logits)
    q = special.softmax(z)
    plot_distributions(ax, one_hot(index, len(z)), q, labels=list(classes),
                       p_label=f"P: label = {label}", q_label="Q = softmax(logits)")
    for x, value in enumerate(q):
        ax.annotate(f"{value:.3f}", (x + 0.2, value), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(z)), [f"{name}\nlogit {v:.1f}"
                                      for name, v in zip(classes, z, strict=True)])
    decorate(ax, xlabel="class", ylabel="probability", ylim=(0, 1.15))


def logits_readout(label: str, classes: Sequence[str], logits: ArrayLike) -> str:
    """KL(P‖Q) of the label and softmax(logits), as the cross-entropy and as −log q(label).

    Examples
    --------
    >>> print(logits_readout("cat", ("cat", "dog"), (0.0, 0.0)).replace("&nbsp;", ""))
    <b>KL(P‖Q) = 0.6931 nats</b>  = cross-entropy 0.6931 nats  = −log q(cat) = −log 0.5000
    """
    index, z = label_index_and_logits(label, classes, logits)
    q = special.softmax(z)
    kl = logit_loss(label, classes, z)
    return (f"<b>KL(P‖Q) = {kl:.4f} nats</b> &nbsp; = cross-entropy "
            f"{cross_entropy(one_hot(index, len(q)), q):.4f} nats &nbsp; = −log q({label}) = "
            f"−log {q[index]:.4f}")
