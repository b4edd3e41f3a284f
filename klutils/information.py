r"""Entropy, cross-entropy, KL and mutual information side by side (chapter 4).

The identity :math:`H(P, Q) = H(P) + \mathrm{KL}(P \,\|\, Q)` splits the cost of describing
outcomes of P with a model Q into the part no model can remove (the entropy) and the part that
comes from using the wrong model (the KL divergence). :func:`entropy_decomposition` returns the
three numbers, :func:`draw_cross_entropy_panel` draws them as a stacked bar next to P and Q, and
:func:`cross_entropy_widget` lets a reader move Q and watch the bar change.

Mutual information is a KL divergence too, from a joint distribution to the product of its
marginals: :func:`mutual_information`, drawn by :func:`draw_joint_panel`.

Examples
--------
>>> parts = entropy_decomposition([0.5, 0.25, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25])
>>> [round(value, 6) for value in parts]  # H(P), KL(P ‖ Q), H(P, Q) in bits
[1.75, 0.25, 2.0]
>>> round(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2), 6)  # Y copies X: H(X) = 1 bit
1.0
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from klutils._validation import (
    as_float_array,
    check_distribution,
    log_of_base,
    outcome_labels,
    single_distribution_pair,
)
from klutils.coding import average_code_length, huffman_code
from klutils.divergences import cross_entropy, entropy, kl_divergence
from klutils.plots import (
    ACCENT_COLOR,
    P_COLOR,
    Q_COLOR,
    REFERENCE_COLOR,
    decorate,
    new_figure,
    plot_distributions,
)
from klutils.widgets import QSlidersWidget, _format_kl, _q_sliders_setting, _unit, show_figure

__all__ = [
    "CrossEntropyWidget",
    "EntropyDecomposition",
    "cross_entropy_figure",
    "cross_entropy_widget",
    "draw_cross_entropy_panel",
    "draw_joint_panel",
    "entropy_decomposition",
    "joint_entropy",
    "marginals",
    "mutual_information",
]

# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _joint(joint: ArrayLike) -> np.ndarray:
    """A 2-D table of non-negative probabilities summing to 1 (within 1e-6), or ValueError."""
    table = as_float_array(joint, "joint")
    if table.ndim != 2:
        raise ValueError(f"joint must be a 2-D table P(X = i, Y = j); got shape {table.shape}")
    check_distribution(table.reshape(-1), "joint")
    return table


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


class EntropyDecomposition(NamedTuple):
    """The three terms of :math:`H(P, Q) = H(P) + \\mathrm{KL}(P \\,\\|\\, Q)`, in one unit."""

    #: H(P): the average surprise of P's outcomes under P itself.
    entropy: float
    #: KL(P ‖ Q): the extra average surprise from scoring with Q instead of P.
    kl: float
    #: H(P, Q): the average surprise of P's outcomes under Q.
    cross_entropy: float


def entropy_decomposition(p: ArrayLike, q: ArrayLike, *,
                          base: float | None = 2) -> EntropyDecomposition:
    """H(P), KL(P ‖ Q) and H(P, Q), each computed on its own by :mod:`klutils`.

    Parameters
    ----------
    p, q : array_like
        Two distributions over the same outcomes (1-D, summing to 1 within 1e-6).
    base : float or None, optional
        Logarithm base: 2 (default) gives bits, None gives nats.

    Returns
    -------
    EntropyDecomposition
        The named tuple ``(entropy, kl, cross_entropy)``; ``entropy + kl == cross_entropy``
        up to rounding (both sides ``inf`` when Q rules out an outcome that P allows).

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a 1-D distribution, they differ in length, or ``base`` is
        invalid.

    Examples
    --------
    >>> parts = entropy_decomposition([0.5, 0.5], [0.25, 0.75])
    >>> round(parts.entropy, 4), round(parts.kl, 4), round(parts.cross_entropy, 4)
    (1.0, 0.2075, 1.2075)
    """
    x, y = single_distribution_pair(p, q)
    log_of_base(base)
    return EntropyDecomposition(entropy(x, base=base), kl_divergence(x, y, base=base),
                                cross_entropy(x, y, base=base))


def marginals(joint: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The marginal distributions P(X) (row sums) and P(Y) (column sums) of a joint table.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1.

    Returns
    -------
    px, py : numpy.ndarray
        The row sums and the column sums.

    Raises
    ------
    ValueError
        If ``joint`` is not 2-D, has a negative or NaN entry, or does not sum to 1.

    Examples
    --------
    >>> px, py = marginals([[0.1, 0.2], [0.3, 0.4]])
    >>> px.round(6).tolist(), py.round(6).tolist()
    ([0.3, 0.7], [0.4, 0.6])
    """
    table = _joint(joint)
    return table.sum(axis=1), table.sum(axis=0)


def joint_entropy(joint: ArrayLike, *, base: float | None = None) -> float:
    """The entropy H(X, Y) of a joint table, treating each cell as one outcome.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, summing to 1.
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        H(X, Y) = -sum_ij P(i, j) log P(i, j).

    Raises
    ------
    ValueError
        As :func:`marginals`, or if ``base`` is invalid.

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)
    2.0
    """
    return entropy(_joint(joint).reshape(-1), base=base)


def mutual_information(joint: ArrayLike, *, base: float | None = None) -> float:
    r"""Mutual information :math:`I(X; Y) = \mathrm{KL}(P(X, Y) \,\|\, P(X)\,P(Y))`.

    The KL divergence from the joint distribution to the product of its marginals: how far
    the table is from what it would be if X and Y were independent. It is computed with
    :func:`klutils.kl_divergence` on the flattened tables.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1 within
        1e-6.
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        I(X; Y) >= 0; zero exactly when the table is the product of its marginals. It equals
        H(X) + H(Y) - H(X, Y) and is at most min(H(X), H(Y)).

    Raises
    ------
    ValueError
        If ``joint`` is not a 2-D table of non-negative numbers summing to 1, or ``base`` is
        invalid.

    Examples
    --------
    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])  # independent
    0.0
    >>> round(mutual_information([[0.4, 0.1], [0.1, 0.4]], base=2), 4)
    0.2781
    """
    px, py = marginals(joint)
    table = _joint(joint)
    return kl_divergence(table.reshape(-1), np.outer(px, py).reshape(-1), base=base)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def _short(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.3f}"


def _huffman_average(p: np.ndarray, q: np.ndarray) -> float:
    """Average length under P (bits per symbol) of the Huffman code built for Q."""
    return average_code_length(p, huffman_code(q))


def draw_cross_entropy_panel(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                             labels: Sequence[str] | None = None, *, base: float | None = 2,
                             show_huffman: bool = True) -> EntropyDecomposition:
    """Draw P and Q, and the stacked bar H(P) + KL(P ‖ Q) = H(P, Q), on two axes.

    Left: P and Q as bars over the outcomes (P in ``P_COLOR``, Q in ``Q_COLOR``). Right: two
    bars of average cost per outcome. "code for P" is H(P); "code for Q" is H(P) (blue) with
    KL(P ‖ Q) (green) stacked on top, reaching H(P, Q). With ``show_huffman`` (bits only) a
    diamond on each bar marks the measured average length under P of a real Huffman code built
    for P, respectively for Q. An infinite KL is drawn as a hatched bar up to the top of the
    axes, marked "∞".

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw; both are cleared first.
    p, q : array_like
        The true distribution P and the model Q (1-D, same length, each summing to 1).
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    base : float or None, optional
        2 (default) gives bits, None gives nats.
    show_huffman : bool, optional
        Mark the Huffman codes' average lengths (only drawn when ``base == 2``).

    Returns
    -------
    EntropyDecomposition
        The three numbers drawn.

    Raises
    ------
    ValueError
        If there are not exactly two axes, or on invalid ``p``, ``q``, ``labels`` or ``base``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> parts = draw_cross_entropy_panel(axes, [0.5, 0.25, 0.25], [0.25, 0.25, 0.5])
    >>> round(parts.cross_entropy, 3), axes[1].get_ylabel()
    (1.75, 'average cost per outcome (bits)')
    """
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2:
        raise ValueError(f"draw_cross_entropy_panel needs two matplotlib axes; got {len(axes)}")
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    parts = entropy_decomposition(x, y, base=base)
    unit = _unit(base)
    ax_pq, ax_bar = axes

    ax_pq.clear()
    plot_distributions(ax_pq, x, y, labels=names)
    decorate(ax_pq, title="The source P and the model Q", xlabel="outcome",
             ylabel="probability", ylim=(0, min(1.0, 1.25 * float(max(x.max(), y.max())))))

    ax_bar.clear()
    huffman = show_huffman and base == 2
    lengths = (_huffman_average(x, x), _huffman_average(x, y)) if huffman else ()
    finite_top = max([parts.entropy, *lengths]
                     + ([parts.cross_entropy] if math.isfinite(parts.kl) else []))
    top = 1.2 * max(finite_top, 0.1) + (0.5 if math.isinf(parts.kl) else 0.0)
    ax_bar.bar([0, 1], [parts.entropy] * 2, width=0.55, color=P_COLOR,
               label=f"H(P) = {parts.entropy:.3f}")
    kl_height = top - parts.entropy if math.isinf(parts.kl) else parts.kl
    kl_bar = ax_bar.bar([1], [kl_height], bottom=[parts.entropy], width=0.55,
                        color=ACCENT_COLOR, label=f"KL(P‖Q) = {_short(parts.kl)}")[0]
    ax_bar.text(0, parts.entropy / 2, f"H(P)\n{parts.entropy:.3f}", ha="center",
                va="center", color="white")
    box = {"facecolor": "white", "edgecolor": "none", "pad": 1.0}
    if math.isinf(parts.kl):
        kl_bar.set_hatch("//")
        kl_bar.set_alpha(0.6)
        ax_bar.text(1, (parts.entropy + top) / 2, "KL = ∞", ha="center", va="center",
                    bbox=box)
    else:
        if parts.kl >= 0.15 * top:
            ax_bar.text(1, parts.entropy + parts.kl / 2, f"KL\n{parts.kl:.3f}",
                        ha="center", va="center", fontsize=9)
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
    cross = _short(parts.cross_entropy)
    decorate(ax_bar, xlim=(-0.5, 1.9), ylim=(0, top),
             title=f"H(P) + KL(P‖Q) = H(P,Q) = {cross} {unit}",
             ylabel=f"average cost per outcome ({unit})")
    ax_bar.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return parts


def cross_entropy_figure(p: ArrayLike, q: ArrayLike, labels: Sequence[str] | None = None, *,
                         base: float | None = 2, show_huffman: bool = True) -> Figure:
    """A new pyplot figure drawn by :func:`draw_cross_entropy_panel` (the widget's static view).

    Parameters
    ----------
    p, q, labels, base, show_huffman
        As in :func:`draw_cross_entropy_panel`.

    Returns
    -------
    matplotlib.figure.Figure
        Registered with pyplot: in a notebook, follow it with ``plt.show()``.

    Raises
    ------
    ValueError
        On invalid input (checked before any figure is created).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = cross_entropy_figure([0.5, 0.5], [0.9, 0.1], ["heads", "tails"])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    x, y = single_distribution_pair(p, q)
    names = outcome_labels(labels, len(x))
    log_of_base(base)
    fig, axes = new_figure(ncols=2)
    draw_cross_entropy_panel(axes, x, y, names, base=base, show_huffman=show_huffman)
    return fig


def draw_joint_panel(axes: Sequence[Axes], joint: ArrayLike, x_labels: Sequence[str],
                     y_labels: Sequence[str], *, x_name: str = "X", y_name: str = "Y",
                     base: float | None = 2) -> float:
    """Heat maps of a joint table P(X, Y) and of the product of its marginals P(X) P(Y).

    Both maps share one colour scale and print each cell's probability; the joint (the "P" of
    the KL divergence) is drawn in blues and the product (its "Q") in oranges. The second title
    gives the mutual information: the KL divergence from the first table to the second.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw; both are cleared first.
    joint : array_like
        2-D table, ``joint[i, j] = P(X = x_labels[i], Y = y_labels[j])``, summing to 1.
    x_labels, y_labels : sequence of str
        Names of the rows (values of X) and of the columns (values of Y).
    x_name, y_name : str, optional
        Names of the variables, used as axis labels.
    base : float or None, optional
        Unit of the mutual information in the title: 2 (default) bits, None nats.

    Returns
    -------
    float
        The mutual information I(X; Y) in the chosen unit.

    Raises
    ------
    ValueError
        If there are not exactly two axes, the table is invalid, or the labels do not match it.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure().subplots(1, 2)
    >>> draw_joint_panel(axes, [[0.25, 0.25], [0.25, 0.25]], ["a", "b"], ["c", "d"])
    0.0
    """
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2:
        raise ValueError(f"draw_joint_panel needs two matplotlib axes; got {len(axes)}")
    table = _joint(joint)
    rows = outcome_labels(x_labels, table.shape[0])
    columns = outcome_labels(y_labels, table.shape[1])
    px, py = marginals(table)
    product = np.outer(px, py)
    information = mutual_information(table, base=base)
    high = float(max(table.max(), product.max()))
    titles = ("Joint P(X, Y)",
              f"Product P(X) P(Y): KL = {information:.3f} {_unit(base)}")
    for ax, values, cmap, title in zip(axes, (table, product), ("Blues", "Oranges"), titles,
                                       strict=True):
        ax.clear()
        image = ax.imshow(values, cmap=cmap, vmin=0.0, vmax=high, aspect="auto")
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.3f}", ha="center", va="center",
                    color="white" if value > 0.6 * high else "black")
        ax.set_xticks(range(len(columns)), columns)
        ax.set_yticks(range(len(rows)), rows)
        ax.grid(False)
        ax.figure.colorbar(image, ax=ax, label="probability")
        decorate(ax, title=title, xlabel=y_name, ylabel=x_name)
    return information


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------


class CrossEntropyWidget(QSlidersWidget):
    """Sliders that set Q against a fixed P; a readout and the stacked bar H(P) + KL = H(P, Q).

    Build it with :func:`cross_entropy_widget`. One slider per outcome shows :math:`q_i`;
    moving one rescales the others in proportion so that Q still sums to 1 (if they are all 0,
    the rest is shared equally).

    Attributes
    ----------
    p, labels, sliders, output, figure
        As in :class:`klutils.widgets.QSlidersWidget` (``p`` is the source distribution).
    readout : ipywidgets.HTML
        H(P), KL(P ‖ Q), H(P, Q) in bits (4 decimals) and the Huffman code built for Q with its
        average length under P.
    parts : EntropyDecomposition
        The current H(P), KL(P ‖ Q) and H(P, Q) in bits.
    code : dict
        The current Huffman code built for Q.
    """

    def __init__(self, p: np.ndarray, q: np.ndarray, labels: list[str]) -> None:
        self.parts = EntropyDecomposition(math.nan, math.nan, math.nan)
        self.code: dict = {}
        super().__init__(p, q, labels)

    def update(self) -> None:
        """Recompute with klutils, rewrite the readout, rebuild the code and redraw."""
        p, q = self.p, self.q
        self.parts = draw_cross_entropy_panel(self._axes, p, q, self.labels, base=2)
        self.code = huffman_code(q, self.labels)
        length = average_code_length(p, self.code)
        words = ", ".join(f"{html.escape(s)}&nbsp;→&nbsp;<code>{w}</code>"
                          for s, w in self.code.items())
        self.readout.value = (
            "<table>"
            f"<tr><td>H(P)</td><td>= {_format_kl(self.parts.entropy, 'bits')}</td></tr>"
            f"<tr><td>KL(P‖Q)</td><td>= {_format_kl(self.parts.kl, 'bits')}</td></tr>"
            f"<tr><td><b>H(P,Q)</b></td><td>= <b>{_format_kl(self.parts.cross_entropy, 'bits')}"
            "</b></td></tr>"
            f"<tr><td>Huffman code for Q</td><td>{words}</td></tr>"
            f"<tr><td>its average length under P</td><td>= {length:.4f} bits</td></tr>"
            "</table>")
        show_figure(self.output, self.figure, "<cross-entropy figure>")


def cross_entropy_widget(p: ArrayLike, labels: Sequence[str] | None = None,
                         q: ArrayLike | None = None) -> CrossEntropyWidget:
    """Sliders for a model Q; the stacked bar H(P) + KL(P ‖ Q) = H(P, Q) (bits) follows them.

    Parameters
    ----------
    p : array_like
        The fixed source distribution P (1-D, at least two outcomes, summing to 1).
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    q : array_like, optional
        The starting model Q (default: uniform).

    Returns
    -------
    CrossEntropyWidget
        An ``ipywidgets.VBox`` exposing ``sliders``, ``readout``, ``output``, ``figure``,
        ``parts`` and ``code``.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid 1-D distribution, they differ in length, P has fewer
        than two outcomes, or ``labels`` does not name every outcome.

    Examples
    --------
    >>> w = cross_entropy_widget([0.5, 0.25, 0.125, 0.125], ["sun", "cloud", "rain", "snow"])
    >>> round(w.parts.cross_entropy, 4)  # Q uniform: 2 bits per outcome
    2.0
    >>> w.set_q([0.5, 0.25, 0.125, 0.125])
    >>> round(w.parts.kl, 4), round(w.parts.cross_entropy, 4)
    (0.0, 1.75)
    """
    return CrossEntropyWidget(*_q_sliders_setting(p, q, labels))
