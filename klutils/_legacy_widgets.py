"""TEMPORARY: the chapters' widgets as they were, until they are rebuilt on the one widget
primitive of :mod:`klutils.widgets` (issue 15). Do not add to this module; delete it then.

Each class only wires controls to a drawing function and a readout function of
:mod:`klutils.plots` (and a number from the numerical modules): slider moved -> clear the axes,
draw, rewrite the readout, show the PNG (:func:`klutils.widgets.show_figure`).
"""

from __future__ import annotations

import ipywidgets as widgets
from matplotlib.figure import Figure

from klutils import plots
from klutils._validation import probability
from klutils.widgets import show_figure

__all__ = ["CoinKLWidget", "coin_kl_widget"]

_STYLE = {"description_width": "initial"}


def _figure(width: float = 1.0, height: float = 1.0) -> Figure:
    """A figure in the course style, not managed by pyplot (a widget redraws it)."""
    plots.use_course_style()
    return Figure(figsize=(plots.FIGSIZE[0] * width, plots.FIGSIZE[1] * height),
                  layout="constrained")


class CoinKLWidget(widgets.VBox):
    """Chapter 2: sliders for the true bias p and the model bias q.

    Figure :func:`klutils.plots.draw_coin_kl`, readout :func:`klutils.plots.coin_kl_readout`.
    Attributes ``p_slider``, ``q_slider``, ``readout``, ``output`` and ``figure``.
    """

    def __init__(self, p: float = 0.5, q: float = 0.6) -> None:
        low, high = 0.01, 0.99
        p = probability(p, "p", low=low, high=high)
        q = probability(q, "q", low=low, high=high)
        options = {"min": low, "max": high, "step": 0.01, "readout_format": ".2f",
                   "continuous_update": False, "style": _STYLE}
        self.p_slider = widgets.FloatSlider(value=p, description="true bias p", **options)
        self.q_slider = widgets.FloatSlider(value=q, description="model bias q", **options)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.figure = _figure()
        self.figure.subplots()
        super().__init__([widgets.HBox([self.p_slider, self.q_slider]), self.readout,
                          self.output])
        self.p_slider.observe(self._redraw, names="value")
        self.q_slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        p, q = self.p_slider.value, self.q_slider.value
        self.readout.value = plots.coin_kl_readout(p, q)
        ax = self.figure.axes[0]
        ax.clear()
        plots.draw_coin_kl(ax, p, q)
        show_figure(self.output, self.figure, f"<KL vs model bias, p = {p:.2f}, q = {q:.2f}>")


def coin_kl_widget(p: float = 0.5, q: float = 0.6) -> CoinKLWidget:
    """Chapter 2's widget (see :class:`CoinKLWidget`); ``p`` and ``q`` in [0.01, 0.99].

    Examples
    --------
    >>> w = coin_kl_widget(0.5, 0.6)
    >>> w.q_slider.value = 0.8
    >>> "KL(P‖Q) = 0.2231 nats" in w.readout.value
    True
    """
    return CoinKLWidget(p, q)
