"""One look for every figure of the course: P and Q in the same two colours on every page.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig, ax = new_figure()
>>> _ = plot_distributions(ax, [0.5, 0.5], [0.6, 0.4], labels=["heads", "tails"])
>>> _ = decorate(ax, title="A fair coin and a biased model", ylabel="probability")
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

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
