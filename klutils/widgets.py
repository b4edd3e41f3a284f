"""Interactive figures: one primitive for every widget of the course, in Jupyter and on the site.

A chapter's widget is one call of :func:`interactive_figure`: it names its controls
(:class:`Slider`, :class:`Choice`), a drawing function ``draw(axes, **values)`` and a readout
function ``readout(**values) -> str`` (HTML). Every control moves over a fixed list of stops, so
the widget has finitely many settings, and the same settings in every place it appears:

* **in Jupyter** the result is an :mod:`ipywidgets` container: moving a control redraws the figure
  (a PNG in an ``Output``) and rewrites the readout; a test, or a curious reader, can move a control
  from Python (``widget.controls["rain"].value = 0.4``) and read the result
  (``widget.readout.value``, ``widget.png``, ``widget.alt``);
* **on the static website** the book build renders every setting the controls can reach, with the
  same drawing and readout functions, and the page swaps in the precomputed figure and readout
  when a control moves (see :mod:`klutils._widget_export` and ``_ext/kl_widgets.py``). Nothing
  is computed in the browser.

Linked controls (a distribution's probabilities summing to 1) pass a ``constrain`` function that
maps a proposed setting back onto the stops; :func:`sums_to_one` is the course's rule for
probabilities, used identically in both places.

Examples
--------
>>> controls = [Slider("mu", -2, 2, default=0, label="mean μ")]
>>> widget = interactive_figure(lambda ax, mu: ax.axvline(mu),
...                             lambda mu: f"μ = {mu:+.1f}", controls)
>>> widget.readout.value
'μ = +0.0'
>>> widget.controls["mu"].value = 1.0
>>> widget.readout.value, widget.values
('μ = +1.0', {'mu': 1.0})
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from PIL import Image

from klutils._validation import (
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
    "MAX_SETTINGS",
    "MIN_STOPS",
    "Choice",
    "InteractiveFigure",
    "QSlidersWidget",
    "Slider",
    "distribution_description",
    "distribution_figure",
    "draw_distribution_panel",
    "interactive_figure",
    "kl_both_ways_readout",
    "show_figure",
    "sums_to_one",
]

#: The fewest stops a slider may have (the site and Jupyter show the same stops).
MIN_STOPS = 21
#: The most settings one widget may reach: each is rendered once when the book is built.
MAX_SETTINGS = 1000

#: Width of the two-panel distribution figure, relative to the course's single-panel width.
_PANEL_WIDTH_FACTOR = 1.5


# ---------------------------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------------------------


def _clean(value: float) -> float:
    """``value`` rounded to 12 significant digits, so that 0.05 * 3 is the float 0.15."""
    return float(f"{value:.12g}")


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a control's name must be a Python identifier (it is passed as a "
                         f"keyword argument); got {name!r}")
    return name


@dataclass(frozen=True)
class Slider:
    """A slider over evenly spaced stops from ``low`` to ``high`` (both included).

    Parameters
    ----------
    name : str
        The keyword under which ``draw``, ``readout`` and ``describe`` receive the value.
    low, high : float
        The first and the last stop (``low < high``).
    default : float, optional
        The starting value, one of the stops (default: ``low``).
    stops : int, optional
        How many stops, at least :data:`MIN_STOPS` (21, a step of 5 % of the range).
    label : str, optional
        What the control is called on the page (default: ``name``).
    format : str, optional
        Format spec of the value shown next to the control (default ``".2f"``).

    Raises
    ------
    ValueError
        If the range is empty or not finite, there are too few stops, or ``default`` is not a
        stop.

    Examples
    --------
    >>> s = Slider("q", 0, 1, default=0.25)
    >>> len(s.values), s.values[:3], s.index(0.25), s.text(0.25)
    (21, (0.0, 0.05, 0.1), 5, '0.25')
    """

    name: str
    low: float
    high: float
    default: float | None = None
    stops: int = MIN_STOPS
    label: str | None = None
    format: str = ".2f"
    values: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"slider {self.name!r}: low < high must be finite numbers; got "
                             f"{self.low!r} and {self.high!r}")
        if isinstance(self.stops, bool) or not isinstance(self.stops, int | np.integer) \
                or self.stops < MIN_STOPS:
            raise ValueError(f"slider {self.name!r} must have at least {MIN_STOPS} stops; got "
                             f"{self.stops!r}")
        step = (high - low) / (self.stops - 1)
        values = tuple(_clean(low + k * step) for k in range(self.stops))
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", values[self.index(low if self.default is None
                                                               else self.default)])
        if self.label is None:
            object.__setattr__(self, "label", self.name)

    def index(self, value: object) -> int:
        """The stop that ``value`` is (within 1e-9 of the range), or ``ValueError``."""
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer
                                                     | np.floating):
            raise ValueError(f"slider {self.name!r} takes a number; got {value!r}")
        position = (float(value) - self.values[0]) / (self.values[-1] - self.values[0]) \
            * (len(self.values) - 1)
        nearest = round(position) if math.isfinite(position) else -1
        if not (0 <= nearest < len(self.values)) or abs(position - nearest) > 1e-9:
            raise ValueError(f"slider {self.name!r} has stops {self.values[0]:g}, "
                             f"{self.values[1]:g}, ..., {self.values[-1]:g}; {value!r} is not "
                             f"one of them")
        return int(nearest)

    def text(self, value: float) -> str:
        """The value as the page shows it next to the control."""
        return format(value, self.format)


@dataclass(frozen=True)
class Choice:
    """A choice between a few named options (a drop-down list).

    Parameters
    ----------
    name : str
        The keyword under which ``draw``, ``readout`` and ``describe`` receive the option.
    options : sequence of str
        The options, at least two, all different.
    default : str, optional
        The starting option (default: the first).
    label : str, optional
        What the control is called on the page (default: ``name``).

    Examples
    --------
    >>> c = Choice("direction", ["KL(P‖Q)", "KL(Q‖P)"])
    >>> c.default, c.index("KL(Q‖P)")
    ('KL(P‖Q)', 1)
    """

    name: str
    options: Sequence[str]
    default: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        _check_name(self.name)
        if isinstance(self.options, str):
            raise ValueError(f"choice {self.name!r}: options must be a sequence of strings, "
                             f"not one string")
        options = tuple(self.options)
        if len(options) < 2 or len(set(options)) != len(options) \
                or not all(isinstance(o, str) for o in options):
            raise ValueError(f"choice {self.name!r} needs at least two different string "
                             f"options; got {options!r}")
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "default", options[self.index(options[0] if self.default
                                                                is None else self.default)])
        if self.label is None:
            object.__setattr__(self, "label", self.name)

    @property
    def values(self) -> tuple[str, ...]:
        """The options (the stops of this control)."""
        return self.options

    def index(self, value: object) -> int:
        """The position of ``value`` among the options, or ``ValueError``."""
        if value not in self.options:
            raise ValueError(f"choice {self.name!r} has options {list(self.options)}; got "
                             f"{value!r}")
        return self.options.index(value)

    def text(self, value: str) -> str:
        """The option as the page shows it."""
        return value


Control = Slider | Choice
Values = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Linked controls
# ---------------------------------------------------------------------------------------------


def _share(weights: Sequence[int], total: int) -> list[int]:
    """Split ``total`` units in proportion to ``weights`` by the largest-remainder rule.

    Each part gets the floor of its exact share; the units left go one each to the parts with
    the largest remainders (ties: the larger weight first, then the earlier part). All weights
    0 share equally. Exact integer arithmetic: no rounding error can change a result.
    """
    weights = list(weights) if sum(weights) > 0 else [1] * len(weights)
    whole = sum(weights)
    parts = [w * total // whole for w in weights]
    remainders = [w * total % whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:total - sum(parts)]:
        parts[i] += 1
    return parts


def sums_to_one(names: Sequence[str], stops: int = MIN_STOPS) -> Callable[[Values, str | None],
                                                                             Values]:
    """The rule that keeps probability sliders summing to 1, on their stops.

    The sliders named run from 0 to 1 over ``stops`` stops, so each value is a whole number of
    units of ``1 / (stops - 1)``. When one slider moves to ``k`` units, the others share the
    remaining units in proportion to their current values (equally if they are all 0), rounded
    to whole units by the largest-remainder rule (:func:`_share`); when several are set at once
    (``moved`` None) all are rescaled that way to sum to 1. Jupyter and the website use this
    same function, so a move gives the same setting in both.

    Parameters
    ----------
    names : sequence of str
        The linked sliders (at least two).
    stops : int, optional
        Their number of stops (default 21: units of 0.05).

    Returns
    -------
    callable
        ``constrain(values, moved) -> values`` for :func:`interactive_figure`.

    Examples
    --------
    >>> constrain = sums_to_one(["sun", "cloud", "rain"])
    >>> constrain({"sun": 0.6, "cloud": 0.3, "rain": 0.15}, "rain")  # 0.85 shared 2 : 1
    {'sun': 0.55, 'cloud': 0.3, 'rain': 0.15}
    >>> constrain({"sun": 0.0, "cloud": 0.0, "rain": 0.5}, "rain")  # others all 0: equal shares
    {'sun': 0.25, 'cloud': 0.25, 'rain': 0.5}
    """
    names = [_check_name(n) for n in names]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"sums_to_one needs at least two different slider names; got {names}")
    units = stops - 1
    if units < 1:
        raise ValueError(f"stops must be at least 2; got {stops}")

    def to_units(value: float, name: str) -> int:
        scaled = float(value) * units
        if not (abs(scaled - round(scaled)) <= 1e-9 and 0 <= round(scaled) <= units):
            raise ValueError(f"{name} = {value!r} is not a stop of a 0-to-1 slider with "
                             f"{stops} stops")
        return int(round(scaled))

    def constrain(values: Values, moved: str | None) -> Values:
        amounts = {name: to_units(values[name], name) for name in names}
        if moved in amounts:
            others = [n for n in names if n != moved]
            shares = _share([amounts[n] for n in others], units - amounts[moved])
            amounts.update(zip(others, shares, strict=True))
        else:
            if not any(amounts.values()):
                raise ValueError(f"{', '.join(names)} are all 0: they cannot be scaled to sum "
                                 f"to 1")
            amounts = dict(zip(names, _share(list(amounts.values()), units), strict=True))
        return {**values, **{n: _clean(a / units) for n, a in amounts.items()}}

    return constrain


# ---------------------------------------------------------------------------------------------
# The primitive
# ---------------------------------------------------------------------------------------------


def _key_of(specs: Sequence[Control], values: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(spec.index(values[spec.name]) for spec in specs)


def _values_of(specs: Sequence[Control], key: Sequence[int]) -> Values:
    return {spec.name: spec.values[i] for spec, i in zip(specs, key, strict=True)}


def _settle(specs: Sequence[Control], constrain: Callable[[Values, str | None], Values] | None,
            values: Mapping[str, Any], moved: str | None) -> Values:
    """See :meth:`InteractiveFigure.settle`."""
    proposed = dict(values)
    _key_of(specs, proposed)
    if constrain is None:
        return proposed
    settled = constrain(dict(proposed), moved)
    if not isinstance(settled, Mapping) or set(settled) != set(proposed):
        raise ValueError(f"constrain must return a value for each of {sorted(proposed)}; "
                         f"got {settled!r}")
    try:
        return _values_of(specs, _key_of(specs, settled))
    except ValueError as error:
        raise ValueError(f"constrain returned a setting off the stops: {error}") from None


_DISPLAYED = itertools.count(1)


class InteractiveFigure(widgets.VBox):
    """The widget :func:`interactive_figure` returns: controls, a readout and a redrawn figure.

    Attributes
    ----------
    controls : dict of str to ipywidgets widget
        One ``SelectionSlider`` (for a :class:`Slider`) or ``Dropdown`` (for a :class:`Choice`)
        per control, by name; setting ``.value`` of one to one of its stops updates everything.
    specs : tuple of Slider or Choice
        The controls as declared.
    readout : ipywidgets.HTML
        The readout at the current setting.
    output : ipywidgets.Output
        Holds the current figure as one PNG display output.
    figure : matplotlib.figure.Figure
        The figure (not managed by pyplot), redrawn from scratch for every setting.
    alt : str
        The figure's text alternative at the current setting.
    """

    def __init__(self, draw: Callable[..., object], readout: Callable[..., str],
                 specs: Sequence[Control], *, constrain: Callable[[Values, str | None], Values]
                 | None, describe: Callable[..., str] | None, panels: tuple[int, int],
                 figsize: tuple[float, float], caption: str) -> None:
        self.specs = tuple(specs)
        self._spec = {spec.name: spec for spec in self.specs}
        self._draw, self._readout, self._constrain = draw, readout, constrain
        self._describe, self._panels, self.caption = describe, panels, caption
        self._busy = False
        use_course_style()
        self.figure = Figure(figsize=figsize, dpi=100, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.controls = {spec.name: self._control(spec) for spec in self.specs}
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        self.alt = ""
        self._png = b""
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._moved(name), names="value")
        super().__init__([widgets.HBox([widgets.VBox(list(self.controls.values())),
                                        self.readout]), self.output])
        self._redraw()

    @staticmethod
    def _control(spec: Control) -> widgets.Widget:
        style = {"description_width": "initial"}
        if isinstance(spec, Slider):
            return widgets.SelectionSlider(
                options=[(spec.text(v), v) for v in spec.values], value=spec.default,
                description=spec.label, continuous_update=False, style=style)
        return widgets.Dropdown(options=list(spec.options), value=spec.default,
                                description=spec.label, style=style)

    def __repr__(self) -> str:
        setting = ", ".join(f"{name}={value!r}" for name, value in self.values.items())
        return f"InteractiveFigure({self.caption!r}, {setting})"

    @property
    def values(self) -> Values:
        """The current setting: each control's value, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def key(self) -> tuple[int, ...]:
        """The current setting as the index of each control's stop."""
        return self.key_of(self.values)

    @property
    def linked(self) -> bool:
        """Whether moving one control can move others (a ``constrain`` was given)."""
        return self._constrain is not None

    @property
    def png(self) -> bytes:
        """The figure at the current setting, as the PNG that Jupyter shows."""
        return self._png

    def key_of(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        """The stop indices of a setting (``ValueError`` if a value is not a stop)."""
        return _key_of(self.specs, values)

    def values_of(self, key: Sequence[int]) -> Values:
        """The setting whose stop indices are ``key``."""
        return _values_of(self.specs, key)

    def settle(self, values: Mapping[str, Any], moved: str | None) -> Values:
        """The setting the widget shows after ``moved`` was set as in ``values``.

        Without ``constrain`` that is ``values`` itself; with it, ``constrain(values, moved)``,
        checked to return a value on the stops for every control.
        """
        return _settle(self.specs, self._constrain, values, moved)

    def set(self, **values: Any) -> None:
        """Set one or several controls at once, then redraw once.

        One control set behaves as if it had been moved; several are made consistent together
        (``constrain(values, None)``).

        Raises
        ------
        ValueError
            If a name is not a control or a value is not one of its stops.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"no control named {unknown}; the controls are "
                             f"{list(self.controls)}")
        moved = next(iter(values)) if len(values) == 1 else None
        self._show(self.settle({**self.values, **values}, moved))

    def _moved(self, name: str) -> None:
        if not self._busy:
            self._show(self.settle(self.values, name))

    def _show(self, values: Values) -> None:
        self._busy = True
        try:
            for name, value in values.items():
                if self.controls[name].value != value:
                    self.controls[name].value = value
        finally:
            self._busy = False
        self._redraw()

    def render(self, values: Mapping[str, Any]) -> tuple[np.ndarray, str, str]:
        """Draw one setting: the figure's RGB pixels, the readout (HTML) and the alt text.

        This is the single path from a setting to what is shown: Jupyter encodes the pixels as
        PNG, the website as lossless WebP, so both show the same image.
        """
        values = dict(values)
        self.figure.clear()
        axes = self.figure.subplots(*self._panels)
        self._draw(axes, **values)
        self.figure.canvas.draw()
        pixels = np.asarray(self.figure.canvas.buffer_rgba())[..., :3].copy()
        return pixels, str(self._readout(**values)), self.describe(values)

    def describe(self, values: Mapping[str, Any]) -> str:
        """The alt text of the figure at a setting (``describe(**values)`` if one was given)."""
        if self._describe is not None:
            return str(self._describe(**values))
        setting = ", ".join(f"{spec.label} = {spec.text(values[spec.name])}"
                            for spec in self.specs)
        return f"{self.caption}, at {setting}."

    def _redraw(self) -> None:
        pixels, self.readout.value, self.alt = self.render(self.values)
        self._png = encode_png(pixels)
        self.output.outputs = ({"output_type": "display_data",
                                "data": {"image/png": base64.b64encode(self._png).decode(),
                                         "text/plain": self.alt},
                                "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """Jupyter's widget view; while the book is built, the static widget instead.

        With ``KL_WIDGET_STATES`` set (``make book`` sets it), every reachable setting is
        rendered into that folder and the output is the widget's HTML for the website (see
        :mod:`klutils._widget_export`); Jupyter's widget view is left out, as the website loads
        no widget JavaScript.
        """
        bundle = super()._repr_mimebundle_(**kwargs)
        store = os.environ.get(STATES_ENV)
        if store and isinstance(bundle, dict):
            from klutils._widget_export import export, static_html

            exported = export(self, store)
            bundle = {"text/plain": repr(self),
                      "text/html": static_html(self, exported, serial=next(_DISPLAYED))}
        return bundle


#: The environment variable that asks for the static widget: the folder its settings go to.
STATES_ENV = "KL_WIDGET_STATES"


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of an RGB image (what Jupyter shows)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def interactive_figure(draw: Callable[..., object], readout: Callable[..., str],
                       controls: Sequence[Control], *,
                       constrain: Callable[[Values, str | None], Values] | None = None,
                       describe: Callable[..., str] | None = None,
                       panels: tuple[int, int] = (1, 1),
                       figsize: tuple[float, float] | None = None,
                       caption: str = "The figure") -> InteractiveFigure:
    """A figure with controls and a readout, live in Jupyter and on the static website.

    Parameters
    ----------
    draw : callable
        ``draw(axes, **values)`` draws one setting on ``axes``: one matplotlib ``Axes``, or the
        array of them ``Figure.subplots(*panels)`` returns. The figure is cleared before every
        setting, so ``draw`` only draws.
    readout : callable
        ``readout(**values) -> str``: the numbers to show next to the figure, as HTML (computed
        with klutils).
    controls : sequence of Slider or Choice
        The controls, in the order shown; their names are the keywords of ``draw``,
        ``readout`` and ``describe``.
    constrain : callable, optional
        ``constrain(values, moved) -> values`` for linked controls: the setting to show when
        control ``moved`` was set as in ``values`` (``moved`` is None when several were set
        at once). It must return a stop for every control; see :func:`sums_to_one`.
    describe : callable, optional
        ``describe(**values) -> str``: the figure's alt text at a setting (default: the
        ``caption`` and each control's value).
    panels : (int, int), optional
        Rows and columns of axes handed to ``draw`` (default one axes).
    figsize : (float, float), optional
        Figure size in inches (default: the course's size, wider for several columns).
    caption : str, optional
        A short name for the figure, used by the default alt text.

    Returns
    -------
    InteractiveFigure
        An ``ipywidgets.VBox`` (see :class:`InteractiveFigure` for its attributes). Displayed
        while the book is built (environment variable ``KL_WIDGET_STATES`` set), it also renders
        every setting its controls can reach for the static website.

    Raises
    ------
    ValueError
        If the controls are not :class:`Slider` or :class:`Choice` with different names, a
        default is not a stop, the defaults do not satisfy ``constrain``, or ``panels`` is not a
        pair of positive integers. Errors raised by ``draw`` or ``readout`` at the default
        setting propagate.

    Examples
    --------
    >>> constrain = sums_to_one(["heads", "tails"])
    >>> coin = interactive_figure(
    ...     lambda ax, heads, tails: ax.bar(["heads", "tails"], [heads, tails]),
    ...     lambda heads, tails: f"KL = {kl_divergence([0.5, 0.5], [heads, tails]):.4f} nats",
    ...     [Slider("heads", 0, 1, default=0.5), Slider("tails", 0, 1, default=0.5)],
    ...     constrain=constrain)
    >>> coin.controls["heads"].value = 0.9
    >>> coin.values, coin.readout.value
    ({'heads': 0.9, 'tails': 0.1}, 'KL = 0.5108 nats')
    """
    specs = list(controls)
    if not specs or not all(isinstance(spec, Slider | Choice) for spec in specs):
        raise ValueError("controls must be a non-empty sequence of Slider and Choice")
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"control names must differ; got {names}")
    if (len(panels) != 2 or not all(isinstance(n, int) and n >= 1 for n in panels)):
        raise ValueError(f"panels must be (rows, columns) of positive integers; got {panels!r}")
    if figsize is None:
        width, height = FIGSIZE
        figsize = (width * max(1.0, 0.75 * panels[1]), height * panels[0])
    if constrain is not None:
        defaults = {spec.name: spec.default for spec in specs}
        settled = _settle(specs, constrain, defaults, None)
        if settled != defaults:
            raise ValueError(f"the default setting {defaults} does not satisfy constrain; it "
                             f"becomes {settled}")
    return InteractiveFigure(draw, readout, specs, constrain=constrain, describe=describe,
                             panels=tuple(panels), figsize=figsize, caption=caption)


# ---------------------------------------------------------------------------------------------
# Chapter 1: P and Q outcome by outcome, and each outcome's term of KL(P ‖ Q)
# ---------------------------------------------------------------------------------------------


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


def draw_distribution_panel(axes: Sequence[Axes], p: ArrayLike, q: ArrayLike,
                            labels: Sequence[str] | None = None, *,
                            base: float | None = None) -> tuple[Axes, Axes]:
    r"""Draw P and Q as bars (first axes) and each outcome's term of KL(P ‖ Q) (second axes).

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

    Returns
    -------
    tuple of matplotlib.axes.Axes
        The two axes.

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
    return ax_pq, ax_terms


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


def kl_both_ways_readout(p: ArrayLike, q: ArrayLike,
                         labels: Sequence[str] | None = None) -> str:
    """KL(P ‖ Q) and KL(Q ‖ P) in nats and bits, as an HTML table (4 decimals, "∞" explained).

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
    p, q = _pair(p, q)
    names = outcome_labels(labels, len(p))
    rows = []
    for name, a, b, a_name, b_name in (("KL(P‖Q)", p, q, "P", "Q"),
                                       ("KL(Q‖P)", q, p, "Q", "P")):
        nats = kl_divergence(a, b)
        if math.isinf(nats):
            value = f"∞ ({_infinity_reason(a, b, a_name, b_name, names)})"
        else:
            bits = kl_divergence(a, b, base=2)
            value = f"{_format_kl(nats, 'nats')} = {_format_kl(bits, 'bits')}"
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
    p, q = _pair(p, q)
    names = outcome_labels(labels, len(p))
    terms = kl_contributions(p, q)
    total = kl_divergence(p, q)
    bars = "; ".join(f"{n}: P {a:.2f}, Q {b:.2f}" for n, a, b in zip(names, p, q, strict=True))
    parts = ", ".join(f"{n} {'∞' if math.isinf(t) else f'{t:+.3f}'}"
                      for n, t in zip(names, terms, strict=True))
    total_text = "infinite" if math.isinf(total) else f"{total:.3f} nats"
    return (f"Left: P (true) and Q (model) as bars. {bars}. Right: each outcome's term "
            f"p log(p/q) of KL(P‖Q) in nats: {parts}; they add up to {total_text}.")


# ---------------------------------------------------------------------------------------------
# Legacy: the hand-made widgets of chapters 2-7 still use these until they move to
# interactive_figure (issue 15, phase 2); nothing new should.
# ---------------------------------------------------------------------------------------------


def show_figure(output: widgets.Output, figure: Figure, description: str) -> None:
    """Render ``figure`` as a PNG and make it the only content of ``output`` (legacy widgets).

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


class QSlidersWidget(widgets.VBox):
    """A fixed P, one slider per outcome setting Q, a readout and a figure (legacy widgets).

    A subclass fills :attr:`readout` and redraws :attr:`figure` in :meth:`update`. Moving one
    slider rescales the others in proportion so that Q still sums to 1.
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
        """Set every slider at once to the distribution ``q``, then redraw once."""
        _, y = _pair(self.p, q)
        self._busy = True
        try:
            for slider, value in zip(self.sliders, y, strict=True):
                slider.value = float(value)
        finally:
            self._busy = False
        self.update()

    def _on_slider(self, index: int, value: float) -> None:
        if self._busy:
            return
        others = [k for k in range(len(self.sliders)) if k != index]
        old = np.array([self.sliders[k].value for k in others], dtype=np.float64)
        rest = max(0.0, 1.0 - value)
        new = old * (rest / old.sum()) if old.sum() > 1e-12 else np.full(len(others),
                                                                         rest / len(others))
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
    """Check the arguments of a :class:`QSlidersWidget` builder; return P, Q and the labels."""
    x = single_distribution(p, "p")
    if len(x) < 2:
        raise ValueError(f"p must have at least two outcomes to compare; got {len(x)}")
    if q is None:
        q = np.full(len(x), 1.0 / len(x))
    x, y = single_distribution_pair(x, q)
    return x, y, outcome_labels(labels, len(x))
