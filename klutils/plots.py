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

import html
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from scipy import special, stats

from klutils._validation import (
    log_of_base,
    outcome_labels,
    positive_number,
    probability,
    real_array,
    real_number,
    renormalised,
    single_distribution_pair,
)
from klutils.bernoulli import beta_bernoulli_posterior
from klutils.classification import label_index_and_logits, logit_loss
from klutils.closed_forms import kl_bernoulli, kl_beta, vae_kl
from klutils.coding import average_code_length, huffman_code
from klutils.distributions import mix_with_uniform, one_hot
from klutils.divergences import cross_entropy, kl_contributions, kl_divergence
from klutils.f_divergences import GENERATORS, f_divergences
from klutils.fisher import fisher_bernoulli, quadratic_kl
from klutils.gaussian import (
    GaussianFits,
    gaussian_mixture_logpdf,
    kl_gaussian_mixture,
    kl_mixture_gaussian,
    normal_logpdf,
)
from klutils.information import (
    entropy_decomposition,
    information_diagram,
    joint_table,
    marginals,
)

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


def format_amount(value: float, unit: str, digits: int = 4) -> str:
    """A divergence or entropy as text: ``"0.5850 nats"``, or ``"∞"`` when it is infinite.

    Examples
    --------
    >>> format_amount(0.58496, "nats"), format_amount(math.inf, "bits")
    ('0.5850 nats', '∞')
    """
    return "∞" if math.isinf(value) else f"{value:.{digits}f} {unit}"


def _axes_pair(axes: Sequence[Axes]) -> list[Axes]:
    """The two axes of a two-panel drawing, or ValueError."""
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2:
        raise ValueError(f"axes must hold exactly two matplotlib axes; got {len(axes)}")
    return axes


# --- P and Q outcome by outcome, and each outcome's term of KL(P‖Q) (chapter 1) --------------


def _normalised_pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate two 1-D distributions of the same length; return them normalised."""
    x, y = single_distribution_pair(p, q)
    return renormalised(x), renormalised(y)


def draw_distribution_panel(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                            labels: Sequence[str] | None = None, *,
                            base: float | None = None) -> None:
    r"""Draw P and Q as bars (first axes) and each outcome's term of KL(P‖Q) (second axes).

    The one drawing function that titles its panels: the second title gives the sum of the
    terms, which is what chapter 1's figure and widget are about.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw the distributions and the contributions (drawn on, not cleared).
    p, q : array_like
        The true distribution P and the model Q over the same outcomes.
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    base : float, optional
        Unit of the contributions: None (default) gives nats, 2 gives bits.

    Raises
    ------
    ValueError
        On invalid distributions or labels (see :func:`klutils.kl_contributions`), or if
        ``axes`` does not hold exactly two axes.

    Notes
    -----
    A term :math:`p_i \log(p_i/q_i)` is drawn with its value written on it. An infinite term
    (:math:`q_i = 0 < p_i`) is drawn hatched up to the top of the axes and marked "∞".

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax_pq, ax_terms = Figure().subplots(1, 2)
    >>> draw_distribution_panel([ax_pq, ax_terms], [0.5, 0.5], [0.9, 0.1])
    >>> [round(float(bar.get_height()), 4) for bar in ax_terms.patches]
    [-0.2939, 0.8047]
    """
    ax_pq, ax_terms = _axes_pair(axes)
    terms = kl_contributions(p, q, base=base)
    x, y = _normalised_pair(p, q)
    names = outcome_labels(labels, len(x))
    unit = unit_name(base)
    total = kl_divergence(x, y, base=base)

    plot_distributions(ax_pq, x, y, labels=names)
    decorate(ax_pq, title="P and Q, outcome by outcome", xlabel="outcome",
             ylabel="probability")

    finite = terms[np.isfinite(terms)]
    low = min(0.0, float(finite.min()) if finite.size else 0.0)
    high = max(0.0, float(finite.max()) if finite.size else 0.0)
    span = max(high - low, 0.1)
    top = high + (0.6 if np.isinf(terms).any() else 0.2) * span
    bottom = low - (0.2 * span if low < 0 else 0.0)
    heights = np.where(np.isinf(terms), top, terms)
    positions = np.arange(len(terms))
    bars = ax_terms.bar(positions, heights, width=0.6, color=ACCENT_COLOR)
    ax_terms.axhline(0.0, color=REFERENCE_COLOR, linewidth=1.0)
    offset = 0.03 * span
    for bar, term in zip(bars, terms, strict=True):
        if np.isinf(term):
            bar.set_hatch("//")
            bar.set_alpha(0.6)
            ax_terms.text(bar.get_x() + bar.get_width() / 2, top - 2 * offset, "∞",
                          ha="center", va="top", fontsize=16,
                          bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
        else:
            ax_terms.text(bar.get_x() + bar.get_width() / 2,
                          term + (offset if term >= 0 else -offset), f"{term:+.3f}",
                          ha="center", va="bottom" if term >= 0 else "top")
    ax_terms.set_xticks(positions, names)
    total_text = "∞" if math.isinf(total) else f"{total:.3f}"
    decorate(ax_terms, ylim=(bottom, top),
             title=f"Terms p log(p/q) add up to KL(P‖Q) = {total_text} {unit}",
             xlabel="outcome", ylabel=f"contribution ({unit})")


def distribution_figure(p: ArrayLike, q: ArrayLike, labels: Sequence[str] | None = None, *,
                        base: float | None = None) -> Figure:
    """A new two-panel pyplot figure drawn by :func:`draw_distribution_panel`.

    In a notebook, follow it with ``plt.show()``.

    Parameters
    ----------
    p, q, labels, base
        As in :func:`draw_distribution_panel`.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (registered with pyplot, so ``plt.show()`` displays it).

    Raises
    ------
    ValueError
        On invalid input (see :func:`draw_distribution_panel`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = distribution_figure([0.2, 0.3, 0.5], [0.6, 0.3, 0.1], ["sun", "cloud", "rain"])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    kl_contributions(p, q, base=base)  # validate before a figure is created
    fig, axes = new_figure(ncols=2)
    draw_distribution_panel(axes, p, q, labels, base=base)
    return fig


def _infinity_reason(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str,
                     names: list[str]) -> str:
    """Explain why KL(A‖B) is infinite: an outcome that A allows and B rules out."""
    i = int(np.flatnonzero((a > 0) & (b == 0))[0])
    return (f"{b_name} gives probability 0 to {html.escape(names[i])}, which has probability "
            f"{a[i]:.2f} under {a_name}")


def kl_both_ways_readout(p: ArrayLike, q: ArrayLike,
                         labels: Sequence[str] | None = None) -> str:
    """KL(P‖Q) and KL(Q‖P) in nats and bits, as an HTML table (4 decimals, "∞" explained).

    Parameters
    ----------
    p, q : array_like
        The true distribution P and the model Q (1-D, same length).
    labels : sequence of str, optional
        Names of the outcomes, used to say which outcome makes a divergence infinite.

    Returns
    -------
    str
        An HTML ``<table>`` with one row per direction.

    Raises
    ------
    ValueError
        On invalid distributions or labels.

    Examples
    --------
    >>> text = kl_both_ways_readout([0.2, 0.3, 0.5], [0.7, 0.3, 0.0], ["sun", "cloud", "rain"])
    >>> "0.8769 nats" in text, "Q gives probability 0 to rain" in text
    (True, True)
    """
    p, q = _normalised_pair(p, q)
    names = outcome_labels(labels, len(p))
    rows = []
    for name, a, b, a_name, b_name in (("KL(P‖Q)", p, q, "P", "Q"),
                                       ("KL(Q‖P)", q, p, "Q", "P")):
        nats = kl_divergence(a, b)
        if math.isinf(nats):
            value = f"∞ ({_infinity_reason(a, b, a_name, b_name, names)})"
        else:
            value = (f"{format_amount(nats, 'nats')} = "
                     f"{format_amount(kl_divergence(a, b, base=2), 'bits')}")
        rows.append(f"<tr><th scope=\"row\">{name}</th><td>=&nbsp;{value}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def distribution_description(p: ArrayLike, q: ArrayLike,
                             labels: Sequence[str] | None = None) -> str:
    """The alt text of :func:`draw_distribution_panel`'s figure: P, Q and every term, in words.

    Examples
    --------
    >>> text = distribution_description([0.5, 0.5], [0.9, 0.1], ["heads", "tails"])
    >>> print(text)  # doctest: +NORMALIZE_WHITESPACE
    Left: P (true) and Q (model) as bars. heads: P 0.50, Q 0.90; tails: P 0.50, Q 0.10.
    Right: each outcome's term p log(p/q) of KL(P‖Q) in nats: heads -0.294, tails +0.805;
    they add up to 0.511 nats.
    """
    p, q = _normalised_pair(p, q)
    names = outcome_labels(labels, len(p))
    terms = kl_contributions(p, q)
    total = kl_divergence(p, q)
    bars = "; ".join(f"{n}: P {a:.2f}, Q {b:.2f}" for n, a, b in zip(names, p, q, strict=True))
    parts = ", ".join(f"{n} {'∞' if math.isinf(t) else f'{t:+.3f}'}"
                      for n, t in zip(names, terms, strict=True))
    total_text = "infinite" if math.isinf(total) else f"{total:.3f} nats"
    return (f"Left: P (true) and Q (model) as bars. {bars}. Right: each outcome's term "
            f"p log(p/q) of KL(P‖Q) in nats: {parts}; they add up to {total_text}.")


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
    right = q > 0.75  # the label goes inside the axes
    ax.annotate(f"q = {q:.2f}", (q, max(kl_pq, kl_qp)), textcoords="offset points",
                xytext=(-8 if right else 8, 8), ha="right" if right else "left",
                color=REFERENCE_COLOR)
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


def coin_kl_description(p: float, q: float) -> str:
    """The alt text of :func:`draw_coin_kl`: both curves, where they are 0, and the dots.

    Examples
    --------
    >>> coin_kl_description(0.5, 0.6).endswith("KL(P‖Q) = 0.0204 nats and KL(Q‖P) = 0.0201 nats.")
    True
    """
    p = probability(p, "p", open_interval=True)
    q = probability(q, "q", open_interval=True)
    return (f"KL(P‖Q) (blue) and KL(Q‖P) (orange) in nats against the model's bias, for the "
            f"true coin p = {p:.2f}; both are 0 at q = p (dashed line). The dots mark the model "
            f"q = {q:.2f}: KL(P‖Q) = {kl_bernoulli(p, q):.4f} nats and KL(Q‖P) = "
            f"{kl_bernoulli(q, p):.4f} nats.")


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


def logits_description(label: str, classes: Sequence[str], logits: ArrayLike) -> str:
    """The alt text of :func:`draw_logits`: the logits, both distributions and the KL.

    Examples
    --------
    >>> logits_description("cat", ("cat", "dog"), (0.0, 0.0)).endswith("= 0.6931 nats.")
    True
    """
    index, z = label_index_and_logits(label, classes, logits)
    q = special.softmax(z)
    logit_text = ", ".join(f"{name} {v:.1f}" for name, v in zip(classes, z, strict=True))
    q_text = ", ".join(f"{name} {v:.3f}" for name, v in zip(classes, q, strict=True))
    return (f"The one-hot label P (blue), all its probability on {label}, and the model's "
            f"softmax Q (orange) of the logits {logit_text}: Q = {q_text}. "
            f"KL(P‖Q) = −log q({label}) = {logit_loss(label, classes, z):.4f} nats.")


# --- entropy + KL = cross-entropy, and a joint table against its marginals (chapter 4) --------


def draw_cross_entropy_panel(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                             labels: Sequence[str] | None = None, *, base: float | None = 2,
                             show_huffman: bool = True) -> None:
    """Draw P and Q (first axes) and the stacked bar H(P) + KL(P‖Q) = H(P, Q) (second axes).

    The second axes has two bars of average cost per outcome: "code for P" is H(P) (blue);
    "code for Q" is H(P) with KL(P‖Q) (green) stacked on top, reaching H(P, Q). An infinite KL
    is drawn hatched up to the top and marked "∞". With ``show_huffman`` (bits only) a diamond
    on each bar marks the average length under P of a real Huffman code built for P, resp. Q.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw.
    p, q : array_like
        The true distribution P and the model Q (1-D, same length, each summing to 1).
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    base : float or None, optional
        2 (default) gives bits, None gives nats.
    show_huffman : bool, optional
        Mark the Huffman codes' average lengths (only when ``base == 2``).

    Raises
    ------
    ValueError
        If there are not exactly two axes, or on invalid ``p``, ``q``, ``labels`` or ``base``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> draw_cross_entropy_panel(axes, [0.5, 0.25, 0.25], [0.25, 0.25, 0.5])
    >>> axes[1].get_ylabel()
    'average cost per outcome (bits)'
    """
    ax_pq, ax_bar = _axes_pair(axes)
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    parts = entropy_decomposition(x, y, base=base)
    unit = unit_name(base)
    plot_distributions(ax_pq, x, y, labels=names)
    decorate(ax_pq, xlabel="outcome", ylabel="probability",
             ylim=(0, min(1.0, 1.25 * float(max(x.max(), y.max())))))

    huffman = show_huffman and base == 2
    lengths = ((average_code_length(x, huffman_code(x)), average_code_length(x, huffman_code(y)))
               if huffman else ())
    infinite = math.isinf(parts.kl)
    finite_top = max([parts.entropy, *lengths] + ([] if infinite else [parts.cross_entropy]))
    top = 1.2 * max(finite_top, 0.1) + (0.5 if infinite else 0.0)
    ax_bar.bar([0, 1], [parts.entropy] * 2, width=0.55, color=P_COLOR,
               label=f"H(P) = {parts.entropy:.3f}")
    kl_bar = ax_bar.bar([1], [top - parts.entropy if infinite else parts.kl],
                        bottom=[parts.entropy], width=0.55, color=ACCENT_COLOR,
                        label=f"KL(P‖Q) = {'∞' if infinite else f'{parts.kl:.3f}'}")[0]
    ax_bar.text(0, parts.entropy / 2, f"H(P)\n{parts.entropy:.3f}", ha="center", va="center",
                color="white")
    if infinite:
        kl_bar.set_hatch("//")
        kl_bar.set_alpha(0.6)
        ax_bar.text(1, (parts.entropy + top) / 2, "KL = ∞", ha="center", va="center",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    else:
        if parts.kl >= 0.15 * top:
            ax_bar.text(1, parts.entropy + parts.kl / 2, f"KL\n{parts.kl:.3f}", ha="center",
                        va="center", fontsize=9)
        ax_bar.annotate(f"H(P,Q) = {parts.cross_entropy:.3f}", (1, parts.cross_entropy),
                        xytext=(0, 4), textcoords="offset points", ha="center", va="bottom")
    if huffman:
        ax_bar.plot([0.4, 1.4], lengths, "D", color=Q_COLOR, markeredgecolor="black",
                    label="Huffman code:\nmeasured average")
        for position, length in zip([0.4, 1.4], lengths, strict=True):
            ax_bar.annotate(f"{length:.3f}", (position, length), xytext=(7, 0),
                            textcoords="offset points", ha="left", va="center", fontsize=9)
    ax_bar.axhline(0.0, color=REFERENCE_COLOR, linewidth=1.0)
    ax_bar.set_xticks([0, 1], ["code for P", "code for Q"])
    ax_bar.set(xlim=(-0.5, 1.9), ylim=(0, top), ylabel=f"average cost per outcome ({unit})")
    ax_bar.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)


def cross_entropy_readout(p: ArrayLike, q: ArrayLike, labels: Sequence[str] | None = None) -> str:
    """H(P), KL(P‖Q) and H(P, Q) in bits, the Huffman code built for Q and its average length
    under P, as an HTML table.

    Examples
    --------
    >>> "<td>KL(P‖Q)</td><td>= 0.2500 bits</td>" in cross_entropy_readout(
    ...     [0.5, 0.25, 0.125, 0.125], [0.25] * 4)
    True
    """
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    parts = entropy_decomposition(x, y, base=2)
    code = huffman_code(y, names)
    words = ", ".join(f"{html.escape(s)}&nbsp;→&nbsp;<code>{w}</code>" for s, w in code.items())
    h, kl, ce = (format_amount(value, "bits") for value in parts)
    return ("<table>"
            f"<tr><td>H(P)</td><td>= {h}</td></tr>"
            f"<tr><td>KL(P‖Q)</td><td>= {kl}</td></tr>"
            f"<tr><td><b>H(P,Q)</b></td><td>= <b>{ce}</b></td></tr>"
            f"<tr><td>Huffman code for Q</td><td>{words}</td></tr>"
            f"<tr><td>its average length under P</td><td>= "
            f"{average_code_length(x, code):.4f} bits</td></tr></table>")


def cross_entropy_description(p: ArrayLike, q: ArrayLike,
                              labels: Sequence[str] | None = None) -> str:
    """The alt text of :func:`draw_cross_entropy_panel` (in bits, with the Huffman codes).

    Examples
    --------
    >>> cross_entropy_description([0.5, 0.5], [0.5, 0.5]).endswith("average 1.000 and 1.000 bits.")
    True
    """
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    parts = entropy_decomposition(x, y, base=2)
    bars = "; ".join(f"{n}: P {a:.2f}, Q {b:.2f}" for n, a, b in zip(names, x, y, strict=True))
    kl = "∞" if math.isinf(parts.kl) else f"{parts.kl:.3f}"
    ce = "∞" if math.isinf(parts.cross_entropy) else f"{parts.cross_entropy:.3f}"
    lengths = [average_code_length(x, huffman_code(d)) for d in (x, y)]
    return (f"Left: P and Q as bars. {bars}. Right: the average cost per outcome under P of "
            f"an ideal code built for P, H(P) = {parts.entropy:.3f} bits, and of one built for "
            f"Q, H(P) + KL(P‖Q) = {parts.entropy:.3f} + {kl} = H(P,Q) = {ce} bits. Real "
            f"Huffman codes for P and for Q average {lengths[0]:.3f} and {lengths[1]:.3f} bits.")


def draw_joint_panel(axes: Sequence[Axes], joint: ArrayLike, x_labels: Sequence[str],
                     y_labels: Sequence[str], *, x_name: str = "X", y_name: str = "Y") -> None:
    """Heat maps of a joint table P(X, Y) (first axes) and of the product P(X) P(Y) (second).

    Both maps share one colour scale (each with a colour bar) and print each cell's
    probability; the joint, the "P" of the mutual information as a KL divergence, in blues, the
    product, its "Q", in oranges.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw.
    joint : array_like
        2-D table, ``joint[i, j] = P(X = x_labels[i], Y = y_labels[j])``, summing to 1.
    x_labels, y_labels : sequence of str
        Names of the rows (values of X) and of the columns (values of Y).
    x_name, y_name : str, optional
        Names of the variables, used as axis labels.

    Raises
    ------
    ValueError
        If there are not exactly two axes, the table is invalid, or the labels do not match it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> draw_joint_panel(axes, [[0.25, 0.25], [0.25, 0.25]], ["a", "b"], ["c", "d"])
    >>> axes[1].texts[0].get_text()
    '0.250'
    """
    axes = _axes_pair(axes)
    table = joint_table(joint)
    rows = outcome_labels(x_labels, table.shape[0])
    columns = outcome_labels(y_labels, table.shape[1])
    px, py = marginals(table)
    product = np.outer(px, py)
    high = float(max(table.max(), product.max()))
    for ax, values, cmap in zip(axes, (table, product), ("Blues", "Oranges"), strict=True):
        image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=high, aspect="auto")
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.3f}", ha="center", va="center",
                    color="white" if value > 0.6 * high else "black")
        ax.set_xticks(range(len(columns)), columns)
        ax.set_yticks(range(len(rows)), rows)
        ax.grid(False)
        ax.figure.colorbar(image, ax=ax, label="probability")
        decorate(ax, xlabel=y_name, ylabel=x_name)


# --- smoothing a model that rules out an outcome (chapter 5) ---------------------------------


def _smoothed(q: np.ndarray, epsilon: float) -> np.ndarray:
    r"""Additive smoothing :math:`(q + \varepsilon) / (1 + K\varepsilon)` of a distribution."""
    share = len(q) * epsilon / (1 + len(q) * epsilon)
    return mix_with_uniform(q, share)


def _smoothing_setting(p: ArrayLike, q: ArrayLike, epsilon: float,
                       labels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray,
                                                              np.ndarray, list[str]]:
    x, y = single_distribution_pair(p, q)
    epsilon = real_number(epsilon, "epsilon", low=0.0)
    return x, y, _smoothed(y, epsilon), outcome_labels(labels, len(x))


def draw_additive_smoothing(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike, epsilon: float,
                            labels: Sequence[str] | None = None, *,
                            epsilon_range: tuple[float, float] = (1e-5, 10.0)) -> None:
    r"""Draw P against the smoothed model :math:`Q_\varepsilon` (first axes) and both
    divergences against ε (second axes, log scale), with dots at ``epsilon``.

    :math:`Q_\varepsilon = (Q + \varepsilon) / (1 + K\varepsilon)` for K outcomes: ε added to
    every probability, then renormalised. In the first axes grey outlines show Q before
    smoothing. At ``epsilon = 0`` a model with a zero where P is positive has
    KL(P‖Q) = ∞, which the second axes says in words (0 is off its log scale).

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw.
    p, q : array_like
        The true distribution P and the unsmoothed model Q (1-D, same length).
    epsilon : float
        The smoothing, at least 0.
    labels : sequence of str, optional
        Names of the outcomes.
    epsilon_range : (float, float), optional
        The ε axis (both ends positive).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> draw_additive_smoothing(axes, [0.2, 0.3, 0.5], [0.0, 0.3, 0.7], 0.1)
    >>> [round(float(bar.get_height()), 4) for bar in axes[0].patches[3:6]]
    [0.0769, 0.3077, 0.6154]
    """
    ax_pq, ax_kl = _axes_pair(axes)
    x, y, smoothed, names = _smoothing_setting(p, q, epsilon, labels)
    low, high = (positive_number(e, "epsilon_range") for e in epsilon_range)
    plot_distributions(ax_pq, x, smoothed, labels=names,
                       q_label=f"Q smoothed, ε = {epsilon:g}")
    ax_pq.bar(np.arange(len(y)) + 0.2, y, width=0.4, fill=False, edgecolor=REFERENCE_COLOR,
              linestyle="--", label="Q before smoothing")
    decorate(ax_pq, xlabel="outcome", ylabel="probability")

    grid = np.geomspace(low, high, 241)
    models = np.array([_smoothed(y, e) for e in grid])
    forward, backward = kl_divergence(x, models), kl_divergence(models, x)
    ax_kl.plot(grid, forward, color=P_COLOR, label="KL(P‖Qε), average under P")
    ax_kl.plot(grid, backward, color=Q_COLOR, label="KL(Qε‖P), average under Qε")
    top = 1.15 * float(np.max(np.concatenate([forward[np.isfinite(forward)], backward])))
    if epsilon > 0:
        ax_kl.axvline(epsilon, color=REFERENCE_COLOR, linestyle=":", linewidth=1)
        ax_kl.plot([epsilon], [kl_divergence(x, smoothed)], "o", color=P_COLOR, markersize=9)
        ax_kl.plot([epsilon], [kl_divergence(smoothed, x)], "o", color=Q_COLOR, markersize=6)
    else:
        ax_kl.text(0.03, 0.04, f"ε = 0: KL(P‖Q) = {format_amount(kl_divergence(x, y), 'nats')}"
                   f", KL(Q‖P) = {format_amount(kl_divergence(y, x), 'nats')}",
                   transform=ax_kl.transAxes, fontsize=9,
                   bbox={"facecolor": "white", "edgecolor": REFERENCE_COLOR, "pad": 3.0})
    ax_kl.set_xscale("log")
    decorate(ax_kl, xlim=(low, high), ylim=(0, top), xlabel="smoothing ε (log scale)",
             ylabel="KL divergence (nats)")


def additive_smoothing_readout(p: ArrayLike, q: ArrayLike, epsilon: float,
                               labels: Sequence[str] | None = None) -> str:
    """The smoothed model and both of its divergences from P, in nats (HTML).

    Examples
    --------
    >>> "KL(P‖Q<sub>ε</sub>) = 0.0797 nats" in additive_smoothing_readout(
    ...     [0.2, 0.3, 0.5], [0.0, 0.3, 0.7], 0.1)
    True
    """
    x, _, smoothed, names = _smoothing_setting(p, q, epsilon, labels)
    model = ", ".join(f"{html.escape(n)} {v:.3f}" for n, v in zip(names, smoothed, strict=True))
    return (f"ε = {epsilon:g}: Q<sub>ε</sub> = ({model})<br>"
            f"<b>KL(P‖Q<sub>ε</sub>) = {format_amount(kl_divergence(x, smoothed), 'nats')}</b>"
            f" &nbsp;&nbsp; KL(Q<sub>ε</sub>‖P) = "
            f"{format_amount(kl_divergence(smoothed, x), 'nats')}")


def additive_smoothing_description(p: ArrayLike, q: ArrayLike, epsilon: float,
                                   labels: Sequence[str] | None = None) -> str:
    """The alt text of :func:`draw_additive_smoothing`.

    Examples
    --------
    >>> additive_smoothing_description([0.5, 0.5], [1.0, 0.0], 0.0).endswith("0.6931 nats.")
    True
    """
    x, y, smoothed, names = _smoothing_setting(p, q, epsilon, labels)
    bars = "; ".join(f"{n}: P {a:.2f}, Q {b:.2f}, smoothed {c:.3f}"
                     for n, a, b, c in zip(names, x, y, smoothed, strict=True))
    return (f"Left: P (blue), the smoothed model Q (orange) and Q before smoothing (grey "
            f"outlines), for ε = {epsilon:g}. {bars}. Right: KL(P‖Q) (blue) and KL(Q‖P) "
            f"(orange) of the smoothed model against ε on a log scale; at this ε they are "
            f"{format_amount(kl_divergence(x, smoothed), 'nats')} and "
            f"{format_amount(kl_divergence(smoothed, x), 'nats')}.")


# --- a two-mode mixture and its forward and reverse Gaussian fits (chapter 6) -----------------


def _other_minima(fits: GaussianFits,
                  local_minima: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The local minima of KL(Q‖P) other than the reverse fit, each once, in order of μ.

    Two optimisations that end within 1e-3 of each other (in μ and in σ) found the same minimum.
    """
    found: list[tuple[float, float]] = [tuple(map(float, fits.reverse))]
    for mu, sigma in local_minima:
        point = (real_number(mu, "mu"), positive_number(sigma, "sigma"))
        if all(abs(point[0] - m) > 1e-3 or abs(point[1] - s) > 1e-3 for m, s in found):
            found.append(point)
    return sorted(found[1:])


def draw_gaussian_fits(ax: Axes, mixture: tuple[ArrayLike, ArrayLike, ArrayLike],
                       fits: GaussianFits, *, xlim: tuple[float, float] | None = None,
                       local_minima: Sequence[tuple[float, float]] = ()) -> None:
    """Draw a mixture P (filled, ``P_COLOR``) and its Gaussian fits (``Q_COLOR``).

    The forward fit (minimum of KL(P‖Q)) solid, the reverse fit (the best minimum of KL(Q‖P))
    dashed, and every other local minimum of KL(Q‖P) given in ``local_minima`` dotted; the
    legend gives each fit's minimised divergence in nats and its parameters.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    mixture : tuple
        ``(weights, means, sigmas)`` of P (see :func:`klutils.gaussian.gaussian_mixture_logpdf`).
    fits : GaussianFits
        The fits, from :func:`klutils.gaussian.gaussian_fits`.
    xlim : pair of float, optional
        The x range (default: wide enough for P and both fits).
    local_minima : sequence of (float, float), optional
        ``(mu, sigma)`` where optimisations of KL(Q‖P) from other starts ended (from
        :func:`klutils.gaussian.fit_gaussian_reverse_kl`); those within 1e-3 of the reverse fit
        or of each other are drawn once.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from klutils.gaussian import gaussian_fits, two_mode_mixture
    >>> ax = Figure().subplots()
    >>> mixture = two_mode_mixture(5.0)
    >>> draw_gaussian_fits(ax, mixture, gaussian_fits(*mixture))
    >>> len(ax.lines)
    3
    """
    weights, means, sigmas = (np.asarray(a, dtype=float) for a in mixture)
    others = _other_minima(fits, local_minima)
    if xlim is None:
        mu_f, sigma_f = fits.forward
        low = min(means.min() - 4 * sigmas.max(), mu_f - 4 * sigma_f)
        high = max(means.max() + 4 * sigmas.max(), mu_f + 4 * sigma_f)
    else:
        low, high = (float(v) for v in xlim)
    x = np.linspace(low, high, 801)
    p = np.exp(gaussian_mixture_logpdf(x, weights, means, sigmas))
    ax.fill_between(x, p, color=P_COLOR, alpha=0.25, linewidth=0)
    ax.plot(x, p, color=P_COLOR, linewidth=2, label="P: the two-mode mixture")
    styles = (("forward", fits.forward, fits.forward_kl[0], "-", "KL(P‖Q)"),
              ("reverse", fits.reverse, fits.reverse_kl[1], "--", "KL(Q‖P)"))
    for name, (mu, sigma), kl, style, minimised in styles:
        ax.plot(x, np.exp(normal_logpdf(x, mu, sigma)), color=Q_COLOR, linestyle=style,
                linewidth=2, label=f"Q {name}: min {minimised} = {kl:.3f} nats "
                                   f"(μ = {mu:.2f}, σ = {sigma:.2f})")
    for k, (mu, sigma) in enumerate(others):
        ax.plot(x, np.exp(normal_logpdf(x, mu, sigma)), color=Q_COLOR, linestyle=":",
                linewidth=1.5,
                label="other local minima of KL(Q‖P)" if k == 0 else "_nolegend_")
    top = max(float(p.max()), 1.0 / (math.sqrt(2 * math.pi) * fits.reverse[1]))
    decorate(ax, xlim=(low, high), ylim=(0, 1.35 * top), xlabel="x",
             ylabel="probability density (per unit x)")


def gaussian_fits_readout(fits: GaussianFits,
                          mixture: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
                          local_minima: Sequence[tuple[float, float]] = ()) -> str:
    """Both fits (μ, σ) and both divergences of each, in nats, as an HTML table; with the
    mixture, also every other local minimum of KL(Q‖P) in ``local_minima`` (as in
    :func:`draw_gaussian_fits`).

    Examples
    --------
    >>> from klutils.gaussian import gaussian_fits, two_mode_mixture
    >>> gaussian_fits_readout(gaussian_fits(*two_mode_mixture(2.0))).count(" nats</td>")
    4
    """
    rows = [("forward fit: min KL(P‖Q)", fits.forward, fits.forward_kl),
            ("reverse fit: the lowest minimum of KL(Q‖P)", fits.reverse, fits.reverse_kl)]
    others = _other_minima(fits, local_minima)
    if others and mixture is None:
        raise ValueError("gaussian_fits_readout needs the mixture to evaluate other minima")
    for mu, sigma in others:
        rows.append(("another local minimum of KL(Q‖P)", (mu, sigma),
                     (kl_mixture_gaussian(*mixture, mu, sigma),
                      kl_gaussian_mixture(mu, sigma, *mixture))))
    cells = ["<tr><th>Q</th><th>μ</th><th>σ</th><th>KL(P‖Q)</th><th>KL(Q‖P)</th></tr>"]
    for name, (mu, sigma), (kl_pq, kl_qp) in rows:
        cells.append(f"<tr><td>{html.escape(name)}</td><td>{mu:.3f}</td><td>{sigma:.3f}</td>"
                     f"<td>{kl_pq:.4f} nats</td><td>{kl_qp:.4f} nats</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def gaussian_fits_description(fits: GaussianFits,
                              mixture: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
                              local_minima: Sequence[tuple[float, float]] = ()) -> str:
    """The alt text of :func:`draw_gaussian_fits`: P's modes, and where each fit sits.

    Examples
    --------
    >>> from klutils.gaussian import gaussian_fits, two_mode_mixture
    >>> gaussian_fits_description(gaussian_fits(*two_mode_mixture(0.0)))[:44]
    'The mixture P (blue, filled), and Gaussian f'
    """
    others = _other_minima(fits, local_minima)
    (mu_f, sigma_f), (mu_r, sigma_r) = fits.forward, fits.reverse
    modes = ""
    if mixture is not None:
        weights, means, _ = (np.asarray(a, dtype=float) for a in mixture)
        modes = " with " + " and ".join(f"a mode of weight {w:g} at {m:g}"
                                        for w, m in zip(weights, means, strict=True))
    text = (f"The mixture P (blue, filled){modes}, and Gaussian fits (orange): the forward "
            f"fit, solid, N({mu_f:.2f}, {sigma_f:.2f}²) with KL(P‖Q) = "
            f"{fits.forward_kl[0]:.3f} nats; the reverse fit, dashed, N({mu_r:.2f}, "
            f"{sigma_r:.2f}²) with KL(Q‖P) = {fits.reverse_kl[1]:.3f} nats")
    if others:
        text += ("; dotted, the other local minima of KL(Q‖P): "
                 + ", ".join(f"N({mu:.2f}, {sigma:.2f}²)" for mu, sigma in others))
    return text + "."


# --- a Beta prior and its posterior after coin flips (chapter 9) ------------------------------


def draw_beta_posterior(ax: Axes, prior: tuple[float, float], posterior: tuple[float, float], *,
                        p_true: float | None = None) -> None:
    """Draw the posterior Beta density (P, filled) and the prior (Q, dashed) over θ in (0, 1).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    prior, posterior : pair of float
        The parameters ``(a, b)`` (> 0) of the two Beta distributions.
    p_true : float, optional
        If given, a dotted line at the coin's true probability of heads.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_beta_posterior(ax, (1, 1), (3, 2), p_true=0.7)
    >>> [line.get_label() for line in ax.lines]
    ['P: posterior Beta(3, 2)', 'Q: prior Beta(1, 1)', 'true θ = 0.7']
    """
    (a, b), (a_post, b_post) = ((positive_number(x, "a"), positive_number(y, "b"))
                                for x, y in (prior, posterior))
    theta = np.linspace(0.0, 1.0, 801)[1:-1]
    prior_pdf, posterior_pdf = stats.beta.pdf(theta, a, b), stats.beta.pdf(theta, a_post, b_post)
    ax.fill_between(theta, posterior_pdf, color=P_COLOR, alpha=0.25, linewidth=0)
    ax.plot(theta, posterior_pdf, color=P_COLOR, linewidth=2,
            label=f"P: posterior Beta({a_post:g}, {b_post:g})")
    ax.plot(theta, prior_pdf, color=Q_COLOR, linewidth=2, linestyle="--",
            label=f"Q: prior Beta({a:g}, {b:g})")
    if p_true is not None:
        ax.axvline(probability(p_true, "p_true"), color=REFERENCE_COLOR, linestyle=":",
                   label=f"true θ = {p_true:g}")
    decorate(ax, xlim=(0, 1), ylim=(0, 1.1 * float(max(posterior_pdf.max(), prior_pdf.max()))),
             xlabel="θ, the probability of heads", ylabel="probability density (per unit θ)")


def beta_posterior_readout(a: float, b: float, flips: ArrayLike) -> str:
    """Heads, the posterior and the information gained KL(posterior‖prior) in nats and bits,
    next to ½ log n (HTML).

    Examples
    --------
    >>> "KL(posterior‖prior) = 0.2349 nats" in beta_posterior_readout(1, 1, [1, 1, 0])
    True
    """
    a_post, b_post = beta_bernoulli_posterior(a, b, flips)
    n = round(a_post + b_post - a - b)
    gain = kl_beta(a_post, b_post, a, b)
    half_log = f"{0.5 * math.log(n):.3f}" if n > 0 else "−∞"
    return (f"{round(a_post - a)} heads in {n} flips<br>"
            f"posterior Beta({a_post:g}, {b_post:g})<br>"
            f"<b>information gained KL(posterior‖prior) = {gain:.4f} nats "
            f"= {gain / math.log(2):.4f} bits</b><br>"
            f"for comparison, ½ log n = {half_log} nats")


def beta_posterior_description(a: float, b: float, flips: ArrayLike) -> str:
    """The alt text of :func:`draw_beta_posterior` after ``flips`` from the prior Beta(a, b).

    Examples
    --------
    >>> beta_posterior_description(1, 1, [1, 1, 0]).endswith("KL(posterior‖prior) = 0.2349 nats.")
    True
    """
    a_post, b_post = beta_bernoulli_posterior(a, b, flips)
    n = round(a_post + b_post - a - b)
    mean = a_post / (a_post + b_post)
    return (f"The prior Beta({a:g}, {b:g}) (orange, dashed) and the posterior "
            f"Beta({a_post:g}, {b_post:g}) (blue, filled) after {round(a_post - a)} heads in "
            f"{n} flips, centred near θ = {mean:.2f}; the information gained is "
            f"KL(posterior‖prior) = {kl_beta(a_post, b_post, a, b):.4f} nats.")


# --- a VAE's encoder against its prior (chapter 10) -------------------------------------------


def draw_vae_kl(ax: Axes, mu: float = 0.0, log_var: float = 0.0) -> None:
    r"""Draw the prior P = N(0, 1) (``P_COLOR``) and the encoder Q = N(μ, σ²) (``Q_COLOR``).

    ``log_var`` is :math:`\log\sigma^2`, in [-700, 700]; the z axis runs over [-6, 6].

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_vae_kl(ax, mu=1.0, log_var=0.0)
    >>> [line.get_label() for line in ax.lines]
    ['P: prior N(0, 1)', 'Q: encoder N(1.00, 1.00²)']
    """
    mu = real_number(mu, "mu")
    log_var = real_number(log_var, "log_var", low=-700.0, high=700.0)
    sigma = math.exp(0.5 * log_var)
    z = np.linspace(-6.0, 6.0, 601)
    prior, encoder = np.exp(normal_logpdf(z, 0.0, 1.0)), np.exp(normal_logpdf(z, mu, sigma))
    ax.fill_between(z, prior, color=P_COLOR, alpha=0.25)
    ax.plot(z, prior, color=P_COLOR, label="P: prior N(0, 1)")
    ax.fill_between(z, encoder, color=Q_COLOR, alpha=0.25)
    ax.plot(z, encoder, color=Q_COLOR, label=f"Q: encoder N({mu:.2f}, {sigma:.2f}²)")
    decorate(ax, xlim=(z[0], z[-1]), ylim=(0, max(0.5, 1.1 * float(encoder.max()))),
             xlabel="latent code z", ylabel="probability density (1/unit of z)")


def vae_kl_readout(mu: float, log_var: float) -> str:
    r"""KL(Q‖P) of the encoder N(μ, σ²) and the prior N(0, 1) in nats, split into a mean part
    ½μ² and a spread part ½(σ² − 1 − log σ²) (HTML).

    Examples
    --------
    >>> "KL(Q‖P) = 0.5000 nats" in vae_kl_readout(1.0, 0.0)
    True
    """
    total, mean_part, spread_part = vae_kl(mu, log_var), vae_kl(mu, 0.0), vae_kl(0.0, log_var)
    return (f"μ = {mu:.2f}, σ = {math.exp(0.5 * log_var):.3f} &nbsp;&nbsp; "
            f"<b>KL(Q‖P) = {total:.4f} nats</b> = mean part ½μ² {mean_part:.4f} "
            f"+ spread part ½(σ² − 1 − log σ²) {spread_part:.4f}")


def vae_kl_description(mu: float, log_var: float) -> str:
    """The alt text of :func:`draw_vae_kl`.

    Examples
    --------
    >>> vae_kl_description(1.0, 0.0).endswith("KL(Q‖P) = 0.5000 nats.")
    True
    """
    sigma = math.exp(0.5 * real_number(log_var, "log_var", low=-700.0, high=700.0))
    return (f"The prior P = N(0, 1) (blue) and the encoder Q = N({mu:.2f}, {sigma:.2f}²) "
            f"(orange), over the latent code z from −6 to 6: KL(Q‖P) = "
            f"{vae_kl(mu, log_var):.4f} nats.")


# --- two variables: the information diagram (chapter 4) ------------------------------------------

#: Colours of the information diagram: what only X holds, the overlap, what only Y holds.
DIAGRAM_COLORS = ("#c5b0d5", ACCENT_COLOR, "#dbb9a8")


def draw_information_diagram(ax: Axes, joint: ArrayLike, *, x_name: str = "X",
                             y_name: str = "Y", base: float | None = 2) -> None:
    r"""The information diagram of a joint table, drawn to scale from computed quantities.

    Three bars on one axis of information: :math:`H(X)` (top) is :math:`H(X \mid Y)` followed by
    :math:`I(X; Y)`; :math:`H(Y)` (middle) starts where the overlap starts, :math:`I(X; Y)`
    followed by :math:`H(Y \mid X)`; :math:`H(X, Y)` (bottom) is all three, end to end (the
    chain rule). Every length is computed by :func:`klutils.information.information_diagram`.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    joint : array_like
        2-D table, ``joint[i, j] = P(X = i, Y = j)``, summing to 1.
    x_name, y_name : str, optional
        Names of the two variables, used in the labels.
    base : float or None, optional
        2 (default) gives bits, None gives nats.

    Raises
    ------
    ValueError
        If the table or ``base`` is invalid.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_information_diagram(ax, [[0.4, 0.1], [0.1, 0.4]])
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['H(X, Y)', 'H(Y)', 'H(X)']
    """
    d = information_diagram(joint_table(joint), base=base)  # one table, not a stack
    unit = unit_name(base)
    x_only, both, y_only = d.h_x_given_y, d.mutual_information, d.h_y_given_x
    segments = [  # (row, start, width, colour, name)
        (2, 0.0, x_only, DIAGRAM_COLORS[0], f"H({x_name}|{y_name})"),
        (2, x_only, both, DIAGRAM_COLORS[1], f"I({x_name}; {y_name})"),
        (1, x_only, both, DIAGRAM_COLORS[1], f"I({x_name}; {y_name})"),
        (1, x_only + both, y_only, DIAGRAM_COLORS[2], f"H({y_name}|{x_name})"),
        (0, 0.0, x_only, DIAGRAM_COLORS[0], f"H({x_name}|{y_name})"),
        (0, x_only, both, DIAGRAM_COLORS[1], f"I({x_name}; {y_name})"),
        (0, x_only + both, y_only, DIAGRAM_COLORS[2], f"H({y_name}|{x_name})"),
    ]
    total = max(d.h_xy, 1e-12)
    labelled = set()
    for row, start, width, colour, name in segments:
        ax.barh(row, width, left=start, height=0.6, color=colour, edgecolor="white",
                label=None if name in labelled else f"{name} = {width:.3f}")
        labelled.add(name)
        if width >= 0.12 * total:
            ax.text(start + width / 2, row, f"{name}\n{width:.3f}", ha="center", va="center",
                    fontsize=9)
    for edge in (x_only, x_only + both):
        ax.axvline(edge, color=REFERENCE_COLOR, linestyle=":", linewidth=1.0)
    ax.set_yticks([0, 1, 2], [f"H({x_name}, {y_name})", f"H({y_name})", f"H({x_name})"])
    ax.grid(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    ax.set(xlim=(0, 1.02 * total), ylim=(-0.6, 2.6), xlabel=f"information ({unit})")


# --- Fisher information: KL against its quadratic approximation (chapter 7) -------------------


def _coin_step(p: float, coordinates: str) -> tuple[float, float, str]:
    """The model coin one step from p in the given coordinates: (q, step, how it is written)."""
    if coordinates == "probability":
        step = 0.1 if p + 0.1 < 1.0 else -0.1
        return p + step, step, f"q = p {'+' if step > 0 else '−'} 0.1"
    eta = math.log(p / (1.0 - p))
    return float(special.expit(eta + 1.0)), 1.0, "one unit of log-odds up"


def draw_fisher_parabola(ax: Axes, p: float, *, coordinates: str = "probability") -> None:
    r"""KL between the coin Bern(p) and a model coin, against the Fisher parabola
    :math:`\tfrac12 I(p)\,\delta^2`, over the model's parameter in the given coordinates.

    Draws :math:`\mathrm{KL}(P \,\|\, Q)` (``P_COLOR``), :math:`\mathrm{KL}(Q \,\|\, P)`
    (``Q_COLOR``, dashed) and the parabola (grey, dotted), with a dashed line at P and a dot at
    the model one step away (0.1 in probability, one unit in log-odds).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    p : float
        The true coin's probability of heads, in [0.01, 0.99].
    coordinates : {"probability", "log-odds"}, optional
        The parameter on the horizontal axis: q itself, or :math:`\log(q / (1 - q))`.

    Raises
    ------
    ValueError
        If ``p`` is outside [0.01, 0.99] or ``coordinates`` is not one of the two.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_fisher_parabola(ax, 0.5)
    >>> ax.get_xlabel()
    'q, the model coin’s probability of heads'
    """
    p = probability(p, "p", low=0.01, high=0.99)
    information = fisher_bernoulli(p, coordinates=coordinates)
    if coordinates == "probability":
        x = np.linspace(0.0005, 0.9995, 1000)
        q, centre, xlabel = x, p, "q, the model coin’s probability of heads"
    else:
        centre = math.log(p / (1.0 - p))
        x = np.linspace(centre - 6.0, centre + 6.0, 1000)
        q, xlabel = special.expit(x), "log-odds of the model coin, log(q / (1 − q))"
    ax.plot(x, kl_bernoulli(p, q), color=P_COLOR, label="KL(P‖Q)")
    ax.plot(x, kl_bernoulli(q, p), color=Q_COLOR, linestyle="--", label="KL(Q‖P)")
    ax.plot(x, quadratic_kl(information, x - centre), color=REFERENCE_COLOR, linestyle=":",
            linewidth=2.0, label=f"½ I δ², I = {information:.3g}")
    ax.axvline(centre, color=REFERENCE_COLOR, linestyle="--", linewidth=1.0)
    q_step, step, _ = _coin_step(p, coordinates)
    ax.plot([centre + step], [kl_bernoulli(p, q_step)], "o", color=P_COLOR)
    decorate(ax, xlim=(x[0], x[-1]), ylim=(0.0, 1.0), xlabel=xlabel, ylabel="nats")


def fisher_readout(p: float, coordinates: str = "probability") -> str:
    """The Fisher information of Bern(p) in the coordinates, and KL both ways against the
    parabola one step away (HTML).

    Examples
    --------
    >>> "= 4 nats per unit²" in fisher_readout(0.5)
    True
    """
    p = probability(p, "p", low=0.01, high=0.99)
    information = fisher_bernoulli(p, coordinates=coordinates)
    q, step, how = _coin_step(p, coordinates)
    forward, backward = kl_bernoulli(p, q), kl_bernoulli(q, p)
    parabola = quadratic_kl(information, step)
    name = "I(p)" if coordinates == "probability" else "I(η)"
    return ("<table>"
            f"<tr><td>{name} in {html.escape(coordinates)} coordinates</td>"
            f"<td>= {information:.4g} nats per unit²</td></tr>"
            f"<tr><td>the model one step away</td><td>{how}: q = {q:.4f}</td></tr>"
            f"<tr><td>KL(P‖Q) / KL(Q‖P)</td><td>= {forward:.5f} / {backward:.5f} nats</td></tr>"
            f"<tr><td>½ I δ²</td><td>= {parabola:.5f} nats "
            f"({100 * (parabola / forward - 1):+.1f} % of KL(P‖Q))</td></tr></table>")


# --- two-dimensional Gaussians (chapter 7) -------------------------------------------------------


def draw_covariance_ellipse(ax: Axes, mean: ArrayLike, cov: ArrayLike, color: str, *,
                            label: str | None = None, linestyle: str = "-",
                            radius: float = 2.0) -> None:
    r"""The ellipse :math:`(x - \mu)^\top \Sigma^{-1} (x - \mu) = r^2` of a 2-D normal, and its
    centre.

    With the default :math:`r = 2` it holds about 86 % of the probability
    (:math:`1 - e^{-r^2/2}`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    mean : array_like
        The mean, two numbers.
    cov : array_like
        The 2 x 2 covariance matrix, symmetric positive definite.
    color : str
        The ellipse's colour.
    label : str, optional
        Legend entry.
    linestyle : str, optional
        Matplotlib line style.
    radius : float, optional
        r, in standard deviations (Mahalanobis distance).

    Raises
    ------
    ValueError
        If the mean is not two finite numbers or the covariance is not a symmetric positive
        definite 2 x 2 matrix.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_covariance_ellipse(ax, [0, 0], [[1, 0.5], [0.5, 1]], color="C0")
    >>> len(ax.lines)
    2
    """
    centre = real_array(mean, "mean")
    matrix = real_array(cov, "cov")
    if centre.shape != (2,) or matrix.shape != (2, 2):
        raise ValueError(f"mean must have 2 entries and cov must be 2 x 2; got shapes "
                         f"{centre.shape} and {matrix.shape}")
    if not np.allclose(matrix, matrix.T, rtol=1e-10, atol=0):
        raise ValueError("cov must be symmetric")
    try:
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    r = positive_number(radius, "radius")
    angle = np.linspace(0.0, 2.0 * np.pi, 361)
    points = centre[:, None] + r * factor @ np.vstack([np.cos(angle), np.sin(angle)])
    ax.plot(points[0], points[1], color=color, linestyle=linestyle, label=label)
    ax.plot([centre[0]], [centre[1]], "+", color=color, markersize=10)


# --- the f-divergences side by side (chapter 8) ------------------------------------------------

#: One colour per f-divergence (keys of klutils.f_divergences.GENERATORS), on every page.
F_COLORS = {"kl": "#d62728", "reverse_kl": "#9467bd", "chi_square": "#8c564b",
            "squared_hellinger": "#e377c2", "total_variation": "#17becf",
            "jensen_shannon": ACCENT_COLOR}

#: The largest value each bounded f-divergence can take.
_F_MAXIMA = {"squared_hellinger": 1.0, "total_variation": 1.0, "jensen_shannon": math.log(2.0)}


def draw_f_generators(ax: Axes, *, t_max: float = 4.0) -> None:
    r"""The generators f(t) of the six f-divergences, over the likelihood ratio t = p/q.

    Each is convex and zero at t = 1 (dashed line); the divergence is the average of
    :math:`f(p/q)` under Q.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    t_max : float, optional
        The largest ratio shown (more than 1).

    Raises
    ------
    ValueError
        If ``t_max`` is not a number above 1.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_f_generators(ax)
    >>> len(ax.get_legend().get_texts())
    6
    """
    top = real_number(t_max, "t_max", low=1.0, low_open=True)
    t = np.linspace(0.005, top, 800)
    for name, generator in GENERATORS.items():
        ax.plot(t, generator.f(t), color=F_COLORS[name], label=f"{generator.label}")
    ax.axvline(1.0, color=REFERENCE_COLOR, linestyle="--", linewidth=1.0)
    ax.axhline(0.0, color=REFERENCE_COLOR, linewidth=1.0)
    decorate(ax, xlim=(0.0, top), ylim=(-0.6, 2.5), xlabel="likelihood ratio t = p(x) / q(x)",
             ylabel="f(t)")


def draw_f_divergences(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                       labels: Sequence[str] | None = None, *, x_max: float = 2.0) -> None:
    """P and Q (first axes) and their six f-divergences as bars (second axes).

    A bar longer than ``x_max`` stops there and prints its value; an infinite one is hatched
    and marked "∞". The bounded divergences (Hellinger, total variation, Jensen-Shannon) show
    their largest possible value as a small black tick.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw.
    p, q : array_like
        The distributions P and Q (1-D, same length, each summing to 1).
    labels : sequence of str, optional
        Names of the outcomes.
    x_max : float, optional
        The right end of the bars' axis.

    Raises
    ------
    ValueError
        If there are not exactly two axes, or on invalid ``p``, ``q``, ``labels``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> draw_f_divergences(axes, [0.5, 0.5], [1.0, 0.0])
    >>> [text.get_text().strip() for text in axes[1].texts][:3]  # JS, TV, H²: bounded
    ['0.216', '0.500', '0.293']
    """
    ax_pq, ax_bars = _axes_pair(axes)
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    top = positive_number(x_max, "x_max")
    plot_distributions(ax_pq, x, y, labels=names)
    decorate(ax_pq, xlabel="outcome", ylabel="probability", ylim=(0, 1.1))
    values = f_divergences(x, y)._asdict()
    rows = list(GENERATORS)[::-1]
    for row, name in enumerate(rows):
        value = float(values[name])
        bar = ax_bars.barh(row, min(value, top), height=0.6, color=F_COLORS[name])[0]
        if math.isinf(value):
            bar.set_hatch("//")
            bar.set_alpha(0.6)
            ax_bars.text(top, row, " ∞", va="center", ha="left")
        else:
            shown = f" {value:.3f}" + (" →" if value > top else "")
            ax_bars.text(min(value, top), row, shown, va="center", ha="left", fontsize=9)
        if name in _F_MAXIMA:
            ax_bars.plot([_F_MAXIMA[name]] * 2, [row - 0.35, row + 0.35], color="black",
                         linewidth=1.5)
    ax_bars.set_yticks(range(len(rows)), [GENERATORS[name].label for name in rows])
    ax_bars.set(xlim=(0.0, 1.25 * top), xlabel="divergence (KL, JS in nats; others no unit)")


def f_divergences_readout(p: ArrayLike, q: ArrayLike) -> str:
    """The six f-divergences of P from Q, with their ranges and symmetry (HTML table).

    Examples
    --------
    >>> "TV(P, Q)" in f_divergences_readout([0.5, 0.5], [0.9, 0.1])
    True
    """
    x, y = single_distribution_pair(p, q)
    values = f_divergences(x, y)._asdict()
    notes = {"kl": "nats, not symmetric", "reverse_kl": "nats, not symmetric",
             "chi_square": "not symmetric", "squared_hellinger": "symmetric, at most 1",
             "total_variation": "symmetric, at most 1",
             "jensen_shannon": "nats, symmetric, at most ln 2 = 0.6931"}
    rows = "".join(f"<tr><td>{html.escape(GENERATORS[name].label)}</td><td>= "
                   f"{'∞' if math.isinf(values[name]) else f'{values[name]:.4f}'}</td>"
                   f"<td>({notes[name]})</td></tr>" for name in GENERATORS)
    return f"<table>{rows}</table>"
