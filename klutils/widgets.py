"""Interactive widgets and the figures they redraw, shared by the chapters.

Each widget builder returns an :mod:`ipywidgets` container that keeps its controls, its readout
and its figure as attributes, so a test (or a curious reader) can move a control from Python and
read the result without a browser. The drawing is done by plain functions (such as
:func:`draw_distribution_panel`) that a notebook also calls once to show the same figure as a
static image, so the website shows it even without a running kernel.

The figure lives in an ``ipywidgets.Output``: on every change it is redrawn and rendered to PNG,
and the PNG replaces the Output's content (``Output.outputs``; :func:`show_figure` does this for
every widget of the course). This works the same in Jupyter and in a plain Python process,
writes nothing to stdout and never touches pyplot's list of open figures.

Examples
--------
>>> widget = distribution_widget([0.2, 0.3, 0.5], labels=["sun", "cloud", "rain"],
...                              q=[0.6, 0.3, 0.1])
>>> widget.q.round(2).tolist()
[0.6, 0.3, 0.1]
>>> widget.sliders[2].value = 0.5  # Q(rain) = 0.5; sun and cloud share the remaining 0.5
>>> widget.q.round(4).tolist()
[0.3333, 0.1667, 0.5]
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from klutils._validation import (
    log_of_base,
    outcome_labels,
    renormalised,
    single_distribution,
    single_distribution_pair,
)
from klutils.divergences import kl_contributions, kl_divergence
from klutils.plots import (
    ACCENT_COLOR,
    FIGSIZE,
    REFERENCE_COLOR,
    decorate,
    new_figure,
    plot_distributions,
    use_course_style,
)

__all__ = [
    "DistributionWidget",
    "QSlidersWidget",
    "distribution_figure",
    "distribution_widget",
    "draw_distribution_panel",
    "kl_contributions",
    "show_figure",
]

#: Width of the two-panel distribution figure, relative to the course's single-panel width.
_PANEL_WIDTH_FACTOR = 1.5


def _unit(base: float | None) -> str:
    """The name of the unit for a logarithm base: nats, bits, or "log-base-b units"."""
    if base is None or base == math.e:
        return "nats"
    if base == 2:
        return "bits"
    return f"log-base-{base:g} units"


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate two 1-D distributions of the same length; return them normalised."""
    x, y = single_distribution_pair(p, q)
    return renormalised(x), renormalised(y)


def show_figure(output: widgets.Output, figure: Figure, description: str) -> None:
    """Render ``figure`` as a PNG and make it the only content of ``output``.

    This is how every widget of the course shows its figure: the PNG replaces
    ``output.outputs`` directly, which works the same in Jupyter and in a plain Python process,
    writes nothing to stdout and never touches pyplot's list of open figures.

    Parameters
    ----------
    output : ipywidgets.Output
        Where the figure is shown; its previous content is replaced.
    figure : matplotlib.figure.Figure
        The figure to render.
    description : str
        The plain-text alternative of the image (shown where images are not).

    Examples
    --------
    >>> import ipywidgets
    >>> from matplotlib.figure import Figure
    >>> output = ipywidgets.Output()
    >>> show_figure(output, Figure(figsize=(1, 1)), "<an empty figure>")
    >>> [sorted(item["data"]) for item in output.outputs]
    [['image/png', 'text/plain']]
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    output.outputs = ({"output_type": "display_data",
                       "data": {"image/png": png, "text/plain": description},
                       "metadata": {}},)


def draw_distribution_panel(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                            labels: Sequence[str] | None = None, *,
                            base: float | None = None) -> tuple[Axes, Axes]:
    r"""Draw P and Q as bars (first axes) and each outcome's term of KL(P ‖ Q) (second axes).

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Where to draw the distributions and the contributions. Both are cleared first, so the
        same axes can be redrawn for every new Q.
    p, q : array_like
        The true distribution P and the model Q over the same outcomes.
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    base : float, optional
        Unit of the contributions: None (default) gives nats, 2 gives bits.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        The two axes.

    Raises
    ------
    ValueError
        On invalid distributions or labels (see :func:`kl_contributions`), or if ``axes`` does
        not hold exactly two axes.

    Notes
    -----
    A term :math:`p_i \log(p_i/q_i)` is drawn with its value written on it. An infinite term
    (:math:`q_i = 0 < p_i`) is drawn hatched up to the top of the axes and marked "∞".

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax_pq, ax_terms = draw_distribution_panel(fig.subplots(1, 2), [0.5, 0.5], [0.9, 0.1])
    >>> [round(float(bar.get_height()), 4) for bar in ax_terms.patches]
    [-0.2939, 0.8047]
    """
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2:
        raise ValueError(f"axes must hold exactly two matplotlib axes; got {len(axes)}")
    ax_pq, ax_terms = axes
    terms = kl_contributions(p, q, base=base)
    x, y = _pair(p, q)
    names = outcome_labels(labels, len(x))
    unit = _unit(base)
    total = kl_divergence(x, y, base=base)

    ax_pq.clear()
    plot_distributions(ax_pq, x, y, labels=names)
    decorate(ax_pq, title="P and Q, outcome by outcome", xlabel="outcome",
             ylabel="probability")

    ax_terms.clear()
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
    return ax_pq, ax_terms


def distribution_figure(p: ArrayLike, q: ArrayLike, labels: Sequence[str] | None = None, *,
                        base: float | None = None) -> Figure:
    """A new two-panel pyplot figure drawn by :func:`draw_distribution_panel`.

    This is the static version of :func:`distribution_widget` at one setting of Q; in a
    notebook, follow it with ``plt.show()``.

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
    >>> import matplotlib.pyplot as plt
    >>> fig = distribution_figure([0.2, 0.3, 0.5], [0.6, 0.3, 0.1], ["sun", "cloud", "rain"])
    >>> len(fig.axes)
    2
    >>> plt.close(fig)
    """
    kl_contributions(p, q, base=base)  # validate before a figure is created
    fig, axes = new_figure(ncols=2)
    draw_distribution_panel(axes, p, q, labels, base=base)
    return fig


def _format_kl(value: float, unit: str) -> str:
    return "∞" if math.isinf(value) else f"{value:.4f} {unit}"


def _infinity_reason(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str,
                     names: list[str]) -> str:
    """Explain why KL(A ‖ B) is infinite: an outcome that A allows and B rules out."""
    i = int(np.flatnonzero((a > 0) & (b == 0))[0])
    return (f"{b_name} gives probability 0 to {html.escape(names[i])}, which has probability "
            f"{a[i]:.2f} under {a_name}")


class QSlidersWidget(widgets.VBox):
    """A fixed P, one slider per outcome that sets a model Q, a readout and a two-panel figure.

    The base of the chapters' distribution widgets (:class:`DistributionWidget`, and
    :class:`klutils.information.CrossEntropyWidget`): it owns the Q sliders and calls
    :meth:`update` whenever Q changes; a subclass fills :attr:`readout` and redraws
    :attr:`figure` there. Moving one slider rescales the others in proportion so that Q still
    sums to 1 (if they are all 0, the rest is shared equally).

    Attributes
    ----------
    p : numpy.ndarray
        The fixed true distribution P.
    labels : list of str
        The outcome names.
    sliders : tuple of ipywidgets.FloatSlider
        One slider per outcome; setting ``.value`` of one updates everything.
    readout : ipywidgets.HTML
        Filled by :meth:`update`.
    output : ipywidgets.Output
        Holds the current figure as one PNG display output (see :func:`show_figure`).
    figure : matplotlib.figure.Figure
        The two-panel figure redrawn on every change (not managed by pyplot).
    """

    def __init__(self, p: np.ndarray, q: np.ndarray, labels: list[str]) -> None:
        self.p = p
        self.labels = labels
        self._busy = False
        self.sliders = tuple(
            widgets.FloatSlider(value=float(value), min=0.0, max=1.0, step=0.01,
                                description=f"Q({label})", readout_format=".2f",
                                continuous_update=False,
                                style={"description_width": "initial"})
            for value, label in zip(q, labels, strict=True))
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        use_course_style()
        width, height = FIGSIZE
        self.figure = Figure(figsize=(width * _PANEL_WIDTH_FACTOR, height), layout="constrained")
        self._axes = self.figure.subplots(1, 2)
        for index, slider in enumerate(self.sliders):
            slider.observe(lambda change, k=index: self._on_slider(k, change["new"]),
                           names="value")
        super().__init__([widgets.HBox([widgets.VBox(list(self.sliders)), self.readout]),
                          self.output])
        self.update()

    @property
    def q(self) -> np.ndarray:
        """The model Q currently set by the sliders (divided by their sum if it is not 1)."""
        return renormalised(np.array([slider.value for slider in self.sliders],
                                     dtype=np.float64))

    def set_q(self, q: ArrayLike) -> None:
        """Set every slider at once to the distribution ``q``, then redraw once.

        Raises
        ------
        ValueError
            If ``q`` is not a distribution over the same outcomes as P.
        """
        _, y = _pair(self.p, q)
        self._busy = True
        try:
            for slider, value in zip(self.sliders, y, strict=True):
                slider.value = float(value)
        finally:
            self._busy = False
        self.update()

    def _on_slider(self, index: int, value: float) -> None:
        """Rescale the other sliders so that Q sums to 1, then update the readout and figure."""
        if self._busy:
            return
        others = [k for k in range(len(self.sliders)) if k != index]
        old = np.array([self.sliders[k].value for k in others], dtype=np.float64)
        rest = max(0.0, 1.0 - value)
        if old.sum() > 1e-12:
            new = old * (rest / old.sum())
        else:
            new = np.full(len(others), rest / len(others))
        self._busy = True
        try:
            for k, v in zip(others, new, strict=True):
                self.sliders[k].value = float(min(1.0, max(0.0, v)))
        finally:
            self._busy = False
        self.update()

    def update(self) -> None:
        """Rewrite the readout and redraw the figure for the current Q (in each subclass)."""
        raise NotImplementedError


def _q_sliders_setting(p: ArrayLike, q: ArrayLike | None,
                       labels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Check the arguments of a :class:`QSlidersWidget` builder; return P, Q and the labels.

    P must have at least two outcomes; Q defaults to uniform. P and Q are returned as given
    (not divided by their sums).
    """
    x = single_distribution(p, "p")
    if len(x) < 2:
        raise ValueError(f"p must have at least two outcomes to compare; got {len(x)}")
    if q is None:
        q = np.full(len(x), 1.0 / len(x))
    x, y = single_distribution_pair(x, q)
    return x, y, outcome_labels(labels, len(x))


class DistributionWidget(QSlidersWidget):
    """Sliders that set a model Q against a fixed P, a readout of KL both ways, and a figure.

    Build it with :func:`distribution_widget`. There is one slider per outcome; each shows
    :math:`q_i`. Moving one slider rescales the others in proportion so that Q still sums
    to 1 (if they are all 0, the rest is shared equally).

    Attributes
    ----------
    p, labels, sliders, output, figure
        As in :class:`QSlidersWidget`.
    readout : ipywidgets.HTML
        KL(P ‖ Q) and KL(Q ‖ P) in nats and bits (4 decimals, "∞" when infinite).
    base : float or None
        Unit of the figure's contributions (None: nats, 2: bits).
    """

    def __init__(self, p: np.ndarray, q: np.ndarray, labels: list[str],
                 base: float | None = None) -> None:
        self.base = base
        super().__init__(p, q, labels)

    def update(self) -> None:
        """Recompute both divergences with klutils, rewrite the readout and redraw the figure."""
        p, q = self.p, self.q
        rows = []
        for name, a, b, a_name, b_name in (("KL(P‖Q)", p, q, "P", "Q"),
                                           ("KL(Q‖P)", q, p, "Q", "P")):
            nats = kl_divergence(a, b)
            bits = kl_divergence(a, b, base=2)
            if math.isinf(nats):
                value = f"∞ ({_infinity_reason(a, b, a_name, b_name, self.labels)})"
            else:
                value = f"{_format_kl(nats, 'nats')} = {_format_kl(bits, 'bits')}"
            rows.append(f"<tr><td><b>{name}</b></td><td>=&nbsp;{value}</td></tr>")
        self.readout.value = "<table>" + "".join(rows) + "</table>"
        draw_distribution_panel(self._axes, p, q, self.labels, base=self.base)
        show_figure(self.output, self.figure, "<KL divergence figure>")


def distribution_widget(p: ArrayLike, labels: Sequence[str] | None = None,
                        q: ArrayLike | None = None, *,
                        base: float | None = None) -> DistributionWidget:
    """Sliders for a model Q that update KL(P ‖ Q), KL(Q ‖ P) and a figure of both.

    Parameters
    ----------
    p : array_like
        The fixed true distribution P (1-D, at least two outcomes, summing to 1 within 1e-6).
    labels : sequence of str, optional
        Names of the outcomes (default: 0, 1, 2, ...).
    q : array_like, optional
        The starting model Q (default: uniform).
    base : float, optional
        Unit of the figure's contributions: None (default) gives nats, 2 gives bits. The
        readout always shows both nats and bits.

    Returns
    -------
    DistributionWidget
        An ``ipywidgets.VBox``; its ``sliders``, ``readout``, ``output`` and ``figure``
        attributes give access to the parts (see :class:`DistributionWidget`).

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid 1-D distribution, they differ in length, P has fewer
        than two outcomes, ``labels`` does not name every outcome, or ``base`` is invalid.

    Examples
    --------
    >>> widget = distribution_widget([0.5, 0.5], labels=["heads", "tails"], q=[0.6, 0.4])
    >>> "0.0204 nats" in widget.readout.value
    True
    >>> widget.sliders[0].value = 0.5
    >>> "0.0000 nats" in widget.readout.value
    True
    """
    x, y, names = _q_sliders_setting(p, q, labels)
    log_of_base(base)
    return DistributionWidget(renormalised(x), renormalised(y), names, base=base)
