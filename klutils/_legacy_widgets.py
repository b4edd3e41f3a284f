"""TEMPORARY: the chapters' widgets as they were, until they are rebuilt on the one widget
primitive of :mod:`klutils.widgets` (issue 15). Do not add to this module; delete it then.

Each class only wires controls to a drawing function and a readout function of
:mod:`klutils.plots` (and a number from the numerical modules): slider moved -> clear the axes,
draw, rewrite the readout, show the PNG (:func:`klutils.widgets.show_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from klutils import plots
from klutils._validation import (
    integer,
    outcome_labels,
    probability,
    real_number,
    single_distribution,
    single_distribution_pair,
)
from klutils.bernoulli import beta_bernoulli_posterior
from klutils.classification import label_index_and_logits, logit_loss
from klutils.closed_forms import kl_beta, vae_kl
from klutils.coding import huffman_code
from klutils.gaussian import gaussian_fits, two_mode_mixture
from klutils.information import entropy_decomposition
from klutils.widgets import QSlidersWidget, show_figure

__all__ = ["CoinKLWidget", "CrossEntropyWidget", "LogitsWidget", "ModeSeparationWidget",
           "PosteriorWidget", "VAEKLWidget", "coin_kl_widget", "cross_entropy_widget",
           "logits_widget", "mode_separation_widget", "posterior_widget", "vae_kl_widget"]

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
    """Chapter 2's widget (see :class:`CoinKLWidget`); ``p`` and ``q`` in [0.01, 0.99]."""
    return CoinKLWidget(p, q)


class LogitsWidget(widgets.VBox):
    """Chapter 3: one slider per logit, in [-10, 10].

    Figure :func:`klutils.plots.draw_logits`, readout :func:`klutils.plots.logits_readout`.
    Attributes ``sliders``, ``readout``, ``output``, ``figure``, ``kl`` (nats), ``logits``.
    """

    def __init__(self, label: str, classes: Sequence[str], logits: ArrayLike) -> None:
        _, z = label_index_and_logits(label, classes, logits)
        if np.any(np.abs(z) > 10):
            raise ValueError(f"logits must lie in [-10, 10] for the sliders; got {z.tolist()}")
        self.label, self.classes = label, tuple(classes)
        self.sliders = tuple(
            widgets.FloatSlider(value=float(v), min=-10.0, max=10.0, step=0.1,
                                description=f"logit {name}", continuous_update=False)
            for v, name in zip(z, self.classes, strict=True))
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.figure = _figure()
        self.figure.subplots()
        self.kl = float("nan")
        super().__init__(children=[*self.sliders, self.readout, self.output])
        for slider in self.sliders:
            slider.observe(self._update, names="value")
        self._update()

    @property
    def logits(self) -> np.ndarray:
        """The slider values."""
        return np.array([s.value for s in self.sliders])

    def _update(self, change: object = None) -> None:
        ax = self.figure.axes[0]
        ax.clear()
        plots.draw_logits(ax, self.label, self.classes, self.logits)
        self.kl = logit_loss(self.label, self.classes, self.logits)
        self.readout.value = plots.logits_readout(self.label, self.classes, self.logits)
        show_figure(self.output, self.figure, "<logits and KL figure>")


def logits_widget(label: str = "cat", classes: Sequence[str] = ("cat", "dog", "rabbit"),
                  logits: ArrayLike = (2.0, 0.5, -1.0)) -> LogitsWidget:
    """Chapter 3's widget (see :class:`LogitsWidget`)."""
    return LogitsWidget(label, classes, logits)


class CrossEntropyWidget(QSlidersWidget):
    """Chapter 4: one slider per outcome sets Q against a fixed P (the Q sliders of
    :class:`klutils.widgets.QSlidersWidget`).

    Figure :func:`klutils.plots.draw_cross_entropy_panel`, readout
    :func:`klutils.plots.cross_entropy_readout`. Attributes as the base class, and ``parts``
    (H(P), KL(P‖Q), H(P, Q) in bits) and ``code`` (the Huffman code built for Q).
    """

    def update(self) -> None:
        """Recompute, rewrite the readout, rebuild the code and redraw."""
        p, q = self.p, self.q
        self.parts = entropy_decomposition(p, q, base=2)
        self.code = huffman_code(q, self.labels)
        for ax in self._axes:
            ax.clear()
        plots.draw_cross_entropy_panel(self._axes, p, q, self.labels, base=2)
        self.readout.value = plots.cross_entropy_readout(p, q, self.labels)
        show_figure(self.output, self.figure, "<cross-entropy figure>")


def cross_entropy_widget(p: ArrayLike, labels: Sequence[str] | None = None,
                         q: ArrayLike | None = None) -> CrossEntropyWidget:
    """Chapter 4's widget (see :class:`CrossEntropyWidget`); Q starts uniform by default."""
    x = single_distribution(p, "p")
    if len(x) < 2:
        raise ValueError(f"p must have at least two outcomes to compare; got {len(x)}")
    x, y = single_distribution_pair(x, np.full(len(x), 1.0 / len(x)) if q is None else q)
    return CrossEntropyWidget(x, y, outcome_labels(labels, len(x)))


class ModeSeparationWidget(widgets.VBox):
    """Chapter 5: a slider for the distance d between the two modes of P, in [0, 10].

    Figure :func:`klutils.plots.draw_gaussian_fits`, readout
    :func:`klutils.plots.gaussian_fits_readout`, numbers :func:`klutils.gaussian.gaussian_fits`.
    Attributes ``slider``, ``readout``, ``output``, ``figure``, ``fits``.
    """

    def __init__(self, separation: float, weights: tuple[float, float], sigma: float) -> None:
        self.weights, self.sigma = weights, sigma
        self.slider = widgets.FloatSlider(value=separation, min=0.0, max=10.0, step=0.25,
                                          description="mode separation d",
                                          readout_format=".2f", continuous_update=False,
                                          style=_STYLE)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.figure = _figure(1.25, 1.1)
        self.figure.subplots()
        super().__init__([self.slider, self.readout, self.output])
        self.slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        mixture = two_mode_mixture(self.slider.value, self.weights, self.sigma)
        self.fits = gaussian_fits(*mixture)
        ax = self.figure.axes[0]
        ax.clear()
        limit = 10.0 / 2 + 4 * self.sigma
        plots.draw_gaussian_fits(ax, mixture, self.fits, xlim=(-limit, limit))
        self.readout.value = plots.gaussian_fits_readout(self.fits)
        show_figure(self.output, self.figure, f"<Gaussian fits, d = {self.slider.value:.2f}>")


def mode_separation_widget(separation: float = 6.0, weights: Sequence[float] = (0.6, 0.4),
                           sigma: float = 1.0) -> ModeSeparationWidget:
    """Chapter 5's widget (see :class:`ModeSeparationWidget`)."""
    d = real_number(separation, "separation", low=0.0, high=10.0)
    two_mode_mixture(d, weights, sigma)  # validate before building anything
    return ModeSeparationWidget(d, tuple(float(v) for v in weights), float(sigma))


class PosteriorWidget(widgets.VBox):
    """Chapter 6: sliders for the prior Beta(a, b) and the number n of seeded flips seen.

    Figure :func:`klutils.plots.draw_beta_posterior`, readout
    :func:`klutils.plots.beta_posterior_readout`. Attributes ``flips``, ``p_true``,
    ``a_slider``, ``b_slider``, ``n_slider``, ``readout``, ``output``, ``figure`` and
    ``information_gain`` (KL(posterior‖prior) in nats).
    """

    def __init__(self, a: float, b: float, n: int, flips: np.ndarray, p_true: float) -> None:
        self.flips, self.p_true = flips, p_true
        options = {"continuous_update": False, "style": _STYLE}
        self.a_slider = widgets.FloatSlider(value=a, min=0.5, max=50.0, step=0.5,
                                            description="prior a", **options)
        self.b_slider = widgets.FloatSlider(value=b, min=0.5, max=50.0, step=0.5,
                                            description="prior b", **options)
        self.n_slider = widgets.IntSlider(value=n, min=0, max=len(flips), step=1,
                                          description="flips seen n", **options)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.figure = _figure()
        self.figure.subplots()
        for slider in (self.a_slider, self.b_slider, self.n_slider):
            slider.observe(self.update, names="value")
        super().__init__([widgets.HBox([widgets.VBox([self.a_slider, self.b_slider,
                                                      self.n_slider]), self.readout]),
                          self.output])
        self.update()

    def update(self, change: object = None) -> None:
        """Recompute the posterior and the information gain, rewrite the readout, redraw."""
        a, b, seen = self.a_slider.value, self.b_slider.value, self.flips[:self.n_slider.value]
        posterior = beta_bernoulli_posterior(a, b, seen)
        self.information_gain = float(kl_beta(*posterior, a, b))
        ax = self.figure.axes[0]
        ax.clear()
        plots.draw_beta_posterior(ax, (a, b), posterior, p_true=self.p_true)
        self.readout.value = plots.beta_posterior_readout(a, b, seen)
        show_figure(self.output, self.figure, "<prior and posterior figure>")


def posterior_widget(a: float = 1.0, b: float = 1.0, n: int = 20, p_true: float = 0.7, *,
                     max_flips: int = 1000, seed: int = 2026) -> PosteriorWidget:
    """Chapter 6's widget (see :class:`PosteriorWidget`): ``a``, ``b`` in [0.5, 50], ``n`` in
    [0, max_flips] of ``max_flips`` (at most 100000) flips drawn with ``default_rng(seed)``."""
    a = real_number(a, "a", low=0.5, high=50.0)
    b = real_number(b, "b", low=0.5, high=50.0)
    size = integer(max_flips, "max_flips", minimum=1, maximum=100_000)
    count = integer(n, "n", minimum=0, maximum=size)
    p = probability(p_true, "p_true")
    flips = (np.random.default_rng(integer(seed, "seed", minimum=0)).random(size)
             < p).astype(np.int64)
    return PosteriorWidget(a, b, count, flips, p)


class VAEKLWidget(widgets.VBox):
    """Chapter 7: sliders for the encoder's μ in [-3, 3] and log σ² in [-4, 2].

    Figure :func:`klutils.plots.draw_vae_kl`, readout :func:`klutils.plots.vae_kl_readout`.
    Attributes ``mu_slider``, ``log_var_slider``, ``readout``, ``output``, ``figure``, ``kl``.
    """

    def __init__(self, mu: float, log_var: float) -> None:
        options = {"step": 0.05, "readout_format": ".2f", "continuous_update": False,
                   "style": _STYLE}
        self.mu_slider = widgets.FloatSlider(value=mu, min=-3.0, max=3.0,
                                             description="encoder mean μ", **options)
        self.log_var_slider = widgets.FloatSlider(value=log_var, min=-4.0, max=2.0,
                                                  description="encoder log σ²", **options)
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.figure = _figure()
        self.figure.subplots()
        super().__init__([widgets.HBox([self.mu_slider, self.log_var_slider]), self.readout,
                          self.output])
        self.mu_slider.observe(self._redraw, names="value")
        self.log_var_slider.observe(self._redraw, names="value")
        self._redraw()

    def _redraw(self, change: object = None) -> None:
        mu, log_var = self.mu_slider.value, self.log_var_slider.value
        self.kl = vae_kl(mu, log_var)
        ax = self.figure.axes[0]
        ax.clear()
        plots.draw_vae_kl(ax, mu, log_var)
        self.readout.value = plots.vae_kl_readout(mu, log_var)
        show_figure(self.output, self.figure,
                    f"<encoder N({mu:.2f}, exp({log_var:.2f})) against N(0, 1)>")


def vae_kl_widget(mu: float = 0.0, log_var: float = 0.0) -> VAEKLWidget:
    """Chapter 7's widget (see :class:`VAEKLWidget`)."""
    return VAEKLWidget(real_number(mu, "mu", low=-3.0, high=3.0),
                       real_number(log_var, "log_var", low=-4.0, high=2.0))
