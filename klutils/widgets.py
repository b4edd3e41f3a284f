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
import io
import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

from klutils.plots import FIGSIZE, use_course_style

__all__ = [
    "LAYOUTS",
    "MAX_SETTINGS",
    "MIN_STOPS",
    "SITE_SETTINGS",
    "STATES_ENV",
    "Choice",
    "InteractiveFigure",
    "Slider",
    "interactive_figure",
    "sums_to_one",
]

#: The fewest stops a slider may have (the site and Jupyter show the same stops).
MIN_STOPS = 21
#: The most settings one widget may reach: each is rendered once when the book is built.
MAX_SETTINGS = 1000
#: The most settings all the widgets of the website may reach together. Each costs about
#: 0.05-0.11 s of CPU when the book is built, so this bounds the build time: 1,500 for the
#: widgets of chapters 1-6, 9 and 10, and 450 for each of chapters 7 and 8 (the ten widgets
#: reach 1,452). ``make book`` fails when the pages' widgets exceed it (``_ext/kl_widgets.py``).
SITE_SETTINGS = 2400
#: How a widget's figure is laid out (see :func:`interactive_figure`).
LAYOUTS = ("fixed", "constrained")


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


def _stop_value(value: object, name: str) -> int | float:
    """One explicit stop of a slider: a finite real number (an int stays an int)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"slider {name!r}: every stop must be a number; got {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if not math.isfinite(value):
        raise ValueError(f"slider {name!r}: every stop must be finite; got {value!r}")
    return _clean(float(value))


@dataclass(frozen=True)
class Slider:
    """A slider over a fixed list of stops: evenly spaced from ``low`` to ``high``, or given.

    Parameters
    ----------
    name : str
        The keyword under which ``draw``, ``readout`` and ``describe`` receive the value.
    low, high : float, optional
        The first and the last stop (``low < high``) of evenly spaced stops.
    default : float, optional
        The starting value, one of the stops (default: the first stop).
    stops : int, optional
        How many evenly spaced stops, at least :data:`MIN_STOPS` (21, a step of 5 % of the
        range).
    label : str, optional
        What the control is called on the page (default: ``name``).
    format : str, optional
        Format spec of the value shown next to the control (default ``".2f"``).
    values : sequence of float, optional
        The stops themselves, increasing, at least :data:`MIN_STOPS` of them, instead of
        ``low``, ``high`` and ``stops``: for a scale that is not even (denser near the ends of
        a probability, or near 0 of a count). Integers stay integers.

    Raises
    ------
    ValueError
        If the range is empty or not finite, there are too few stops, the given stops are not
        increasing numbers, or ``default`` is not a stop.

    Examples
    --------
    >>> s = Slider("q", 0, 1, default=0.25)
    >>> len(s.values), s.values[:3], s.index(0.25), s.text(0.25)
    (21, (0.0, 0.05, 0.1), 5, '0.25')
    >>> n = Slider("n", values=[0, 1, 2, 3, 5, 7, 10, 14, 20, 30, 50, 70, 100, 140, 200, 300,
    ...                         500, 700, 1000, 1400, 2000], default=20, format="d")
    >>> n.index(20), n.text(1000)
    (8, '1000')
    """

    name: str
    low: float | None = None
    high: float | None = None
    default: float | None = None
    stops: int = MIN_STOPS
    label: str | None = None
    format: str = ".2f"
    values: Sequence[float] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError(f"slider {self.name!r}: give either low and high or values, "
                                 f"not both")
            if isinstance(self.values, str | bytes):
                raise ValueError(f"slider {self.name!r}: values must be a sequence of numbers")
            values = tuple(_stop_value(v, self.name) for v in self.values)
            if len(values) < MIN_STOPS:
                raise ValueError(f"slider {self.name!r} must have at least {MIN_STOPS} stops; "
                                 f"got {len(values)}")
            if any(b <= a for a, b in itertools.pairwise(values)):
                raise ValueError(f"slider {self.name!r}: the stops must increase; got "
                                 f"{list(values)}")
            object.__setattr__(self, "stops", len(values))
        else:
            if self.low is None or self.high is None:
                raise ValueError(f"slider {self.name!r} needs low and high, or values")
            low, high = float(self.low), float(self.high)
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(f"slider {self.name!r}: low < high must be finite numbers; "
                                 f"got {self.low!r} and {self.high!r}")
            if isinstance(self.stops, bool) or not isinstance(self.stops, int | np.integer) \
                    or self.stops < MIN_STOPS:
                raise ValueError(f"slider {self.name!r} must have at least {MIN_STOPS} stops; "
                                 f"got {self.stops!r}")
            step = (high - low) / (self.stops - 1)
            values = tuple(_clean(low + k * step) for k in range(self.stops))
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", values[self.index(values[0] if self.default is None
                                                               else self.default)])
        if self.label is None:
            object.__setattr__(self, "label", self.name)

    def index(self, value: object) -> int:
        """The stop that ``value`` is (within 1e-9 of the range), or ``ValueError``."""
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer
                                                     | np.floating):
            raise ValueError(f"slider {self.name!r} takes a number; got {value!r}")
        stops = self.values
        tolerance = 1e-9 * (stops[-1] - stops[0])
        if math.isfinite(value):
            nearest = min(range(len(stops)), key=lambda k: abs(stops[k] - value))
            if abs(stops[nearest] - value) <= tolerance:
                return nearest
        raise ValueError(f"slider {self.name!r} has stops {stops[0]:g}, {stops[1]:g}, ..., "
                         f"{stops[-1]:g}; {value!r} is not one of them")

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
    options : sequence of str, or mapping of str to a value
        The options, at least two, all different: names, which are then the values too, or a
        mapping from each name shown to the value the functions receive (a number, a pair of
        parameters, ...).
    default : optional
        The starting value (default: the first option's).
    label : str, optional
        What the control is called on the page (default: ``name``).

    Examples
    --------
    >>> c = Choice("direction", ["KL(P‖Q)", "KL(Q‖P)"])
    >>> c.default, c.index("KL(Q‖P)")
    ('KL(P‖Q)', 1)
    >>> prior = Choice("prior", {"uniform, Beta(1, 1)": (1, 1), "Beta(7, 3)": (7, 3)})
    >>> prior.values, prior.text((7, 3))
    (((1, 1), (7, 3)), 'Beta(7, 3)')
    """

    name: str
    options: Sequence[str] | Mapping[str, Any]
    default: Any = None
    label: str | None = None
    values: tuple[Any, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if isinstance(self.options, str):
            raise ValueError(f"choice {self.name!r}: options must be a sequence of strings, "
                             f"not one string")
        if isinstance(self.options, Mapping):
            options, values = tuple(self.options), tuple(self.options.values())
        else:
            options = values = tuple(self.options)
        if len(options) < 2 or len(set(options)) != len(options) \
                or not all(isinstance(o, str) for o in options):
            raise ValueError(f"choice {self.name!r} needs at least two different string "
                             f"options; got {options!r}")
        if any(values.index(v) != i for i, v in enumerate(values)):
            raise ValueError(f"choice {self.name!r}: two options have the same value; got "
                             f"{values!r}")
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "default", values[self.index(values[0] if self.default
                                                              is None else self.default)])
        if self.label is None:
            object.__setattr__(self, "label", self.name)

    def index(self, value: object) -> int:
        """The position of ``value`` among the options' values, or ``ValueError``."""
        for i, option in enumerate(self.values):
            if option == value:
                return i
        raise ValueError(f"choice {self.name!r} has options {list(self.values)}; got "
                         f"{value!r}")

    def text(self, value: Any) -> str:
        """The option's name, as the page shows it."""
        return self.options[self.index(value)]


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
    figure_layout : str
        ``"fixed"`` or ``"constrained"``: the ``layout`` of :func:`interactive_figure`.
    relaid_out : int
        How many settings drawn so far did not fit the fixed layout and were laid out again.
    """

    def __init__(self, draw: Callable[..., object], readout: Callable[..., str],
                 specs: Sequence[Control], *, constrain: Callable[[Values, str | None], Values]
                 | None, describe: Callable[..., str] | None, panels: tuple[int, int],
                 figsize: tuple[float, float], caption: str, layout: str) -> None:
        self.specs = tuple(specs)
        self._spec = {spec.name: spec for spec in self.specs}
        self._draw, self._readout, self._constrain = draw, readout, constrain
        self._describe, self._panels, self.caption = describe, panels, caption
        self.figure_layout, self.relaid_out = layout, 0
        self._busy = False
        use_course_style()
        self._constrained = Figure(figsize=figsize, dpi=100, layout="constrained")
        self._fixed = Figure(figsize=figsize, dpi=100, layout="none")
        for figure in (self._constrained, self._fixed):
            FigureCanvasAgg(figure)
        self.figure = self._constrained
        self._positions: list | None = None
        if layout == "fixed":
            self._positions = self._common_layout()
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

    def _layout_sample(self) -> list[Values]:
        """The settings the fixed layout must fit: the start, and each control at its first and
        its last stop (the others as they settle)."""
        start = {spec.name: spec.default for spec in self.specs}
        sample = [start]
        for spec in self.specs:
            for value in (spec.values[0], spec.values[-1]):
                setting = self.settle({**start, spec.name: value}, spec.name)
                if setting not in sample:
                    sample.append(setting)
        return sample

    def _common_layout(self) -> list:
        """Axes positions inside every constrained layout of :meth:`_layout_sample`.

        Each axes gets the largest box that lies inside its box of every sampled setting, so
        labels and ticks that fit any of them fit all, and far fewer settings are laid out
        again: chapter 4's widget 0 of 231 (50 with the start's layout alone), chapter 10's 10 of
        125 (60).
        """
        boxes = []
        for setting in self._layout_sample():
            _, axes = self._paint(self._constrained, setting)
            boxes.append([ax.get_position() for ax in axes])
        common = [Bbox.from_extents(max(b[i].x0 for b in boxes), max(b[i].y0 for b in boxes),
                                    min(b[i].x1 for b in boxes), min(b[i].y1 for b in boxes))
                  for i in range(len(boxes[0]))]
        if all(box.width > 0 and box.height > 0 for box in common):
            return common
        return boxes[0]  # the margins together leave no room: the start's layout, as it was

    @staticmethod
    def _control(spec: Control) -> widgets.Widget:
        style = {"description_width": "initial"}
        if isinstance(spec, Slider):
            return widgets.SelectionSlider(
                options=[(spec.text(v), v) for v in spec.values], value=spec.default,
                description=spec.label, continuous_update=False, style=style)
        return widgets.Dropdown(options=list(zip(spec.options, spec.values, strict=True)),
                                value=spec.default, description=spec.label, style=style)

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
        PNG, the website as lossless WebP, so both show the same image. With the fixed layout,
        a setting whose figure reaches the edge of the image (a label or legend that does not
        fit the starting setting's margins) is drawn again with the constrained layout.
        """
        values = dict(values)
        if self._positions is not None:
            pixels, _ = self._paint(self._fixed, values)
            if _fits(pixels, self._fixed):
                self.figure = self._fixed
                return pixels, str(self._readout(**values)), self.describe(values)
            self.relaid_out += 1
        pixels, _ = self._paint(self._constrained, values)
        self.figure = self._constrained
        return pixels, str(self._readout(**values)), self.describe(values)

    def readout_at(self, values: Mapping[str, Any]) -> str:
        """The readout (HTML) at a setting, as :meth:`render` gives it, without drawing.

        For a chapter's hidden checks of the numbers its text quotes: about a hundred times
        cheaper than :meth:`render`.

        Raises
        ------
        ValueError
            If a value is not one of its control's stops.

        Examples
        --------
        >>> widget = interactive_figure(lambda ax, mu: None, lambda mu: f"μ = {mu:.2f}",
        ...                             [Slider("mu", 0, 1)])
        >>> widget.readout_at({"mu": 0.35})
        'μ = 0.35'
        """
        values = dict(values)
        self.key_of(values)
        return str(self._readout(**values))

    def _paint(self, figure: Figure, values: Mapping[str, Any]) -> tuple[np.ndarray, list]:
        """Draw a setting on ``figure`` from scratch; return its RGB pixels and the axes."""
        for ax in figure.axes:  # dropped whole: Figure.clear would first clear each one
            figure.delaxes(ax)
        figure.clear()
        axes = figure.subplots(*self._panels)
        listed = list(np.ravel(axes))
        if figure is self._fixed:
            for ax, box in zip(listed, self._positions, strict=True):
                ax.set_position(box)
        self._draw(axes, **values)
        figure.canvas.draw()
        return np.asarray(figure.canvas.buffer_rgba())[..., :3].copy(), listed

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
                       caption: str = "The figure", layout: str = "fixed") -> InteractiveFigure:
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
    layout : {"fixed", "constrained"}, optional
        ``"fixed"`` (default) lays the figure out once and keeps those axes positions for every
        setting: about a quarter faster to draw, and the axes do not jump as a control moves.
        The positions fit matplotlib's constrained layout of the starting setting and of each
        control at its first and its last stop. A setting whose labels or legend
        would still reach the edge of the image is laid out again on its own.
        ``"constrained"`` lays out every setting anew.

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
        default is not a stop, the defaults do not satisfy ``constrain``, ``panels`` is not a
        pair of positive integers, or ``layout`` is not one of :data:`LAYOUTS`. Errors raised by
        ``draw`` or ``readout`` at the default setting (and by ``draw`` at the settings the
        fixed layout samples) propagate.

    Examples
    --------
    >>> from klutils import kl_divergence
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
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}; got {layout!r}")
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
                             panels=tuple(panels), figsize=figsize, caption=caption,
                             layout=layout)


def _fits(pixels: np.ndarray, figure: Figure) -> bool:
    """Whether nothing was drawn on the outermost pixels of the image (nothing was cut off)."""
    face = np.round(np.array(to_rgb(figure.get_facecolor())) * 255)
    edges = (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1])
    return all(bool((edge == face).all()) for edge in edges)
