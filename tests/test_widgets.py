"""Tests for klutils.widgets: the interactive_figure primitive, its controls and linking rule,
its static-site export, and chapter 1's drawing, readout (klutils.plots) and widget.

A widget is driven as a reader would drive it, by setting a control's ``.value`` from Python; the
readout, the controls and the figure are then compared with independent computations.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from itertools import product

import ipywidgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from klutils import kl_contributions, kl_divergence
from klutils._widget_export import (
    BASE_PLACEHOLDER,
    export,
    read_state_script,
    setting_name,
    settings_graph,
    static_html,
)
from klutils.plots import (
    distribution_description,
    distribution_figure,
    draw_distribution_panel,
    kl_both_ways_readout,
)
from klutils.widgets import (
    MAX_SETTINGS,
    MIN_STOPS,
    STATES_ENV,
    Choice,
    InteractiveFigure,
    Slider,
    interactive_figure,
    sums_to_one,
)

P = [0.2, 0.3, 0.5]
Q = [0.6, 0.3, 0.1]
LABELS = ["sun", "cloud", "rain"]


def hand_terms(p, q, log=math.log):
    """p log(p/q) term by term with the conventions 0 log 0 = 0 and p log(p/0) = inf."""
    return [0.0 if a == 0 else (math.inf if b == 0 else a * log(a / b))
            for a, b in zip(p, q, strict=True)]


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def weather_widget(q=Q) -> InteractiveFigure:
    """Chapter 1's widget, built as the chapter builds it."""
    def model(values):
        return [values[x] for x in LABELS]

    return interactive_figure(
        draw=lambda axes, **v: draw_distribution_panel(axes, P, model(v), LABELS),
        readout=lambda **v: kl_both_ways_readout(P, model(v), LABELS),
        describe=lambda **v: distribution_description(P, model(v), LABELS),
        controls=[Slider(x, 0, 1, default=v, label=f"Q({x})")
                  for x, v in zip(LABELS, q, strict=True)],
        constrain=sums_to_one(LABELS), panels=(1, 2),
        caption="P, Q and each outcome's term of KL(P‖Q)")


def draw_line(ax, mu, side):
    """A vertical line at +mu or -mu, on axes without ticks (cheap to render)."""
    ax.set_axis_off()
    ax.axvline(mu if side == "right" else -mu)


def small_widget(draw=None, **options) -> InteractiveFigure:
    """A cheap widget: one slider and a choice, a tiny figure (drawn by ``draw_line``)."""
    return interactive_figure(
        draw or draw_line,
        lambda mu, side: f"<b>μ = {mu:+.2f}</b> on the {side}",
        [Slider("mu", 0, 2, default=0.5, label="mean μ"), Choice("side", ["right", "left"])],
        figsize=(1.5, 1.0), caption="A line", **options)


# kl_contributions (the terms chapter 1 draws) ------------------------------------------------


def test_contributions_match_hand_values_and_sum_to_kl():
    terms = kl_contributions(P, Q)
    np.testing.assert_allclose(terms, hand_terms(P, Q), rtol=1e-14)
    assert terms[0] < 0 < terms[2] and terms[1] == 0.0  # negative, zero and positive terms
    assert math.isclose(terms.sum(), 0.5 * math.log(5) - 0.2 * math.log(3), rel_tol=1e-14)
    assert math.isclose(terms.sum(), kl_divergence(P, Q), rel_tol=1e-14)


def test_contributions_in_bits_and_conventions_for_zero_probabilities():
    bits = kl_contributions(P, Q, base=2)
    np.testing.assert_allclose(bits, hand_terms(P, Q, log=math.log2), rtol=1e-14)
    terms = kl_contributions([0.5, 0.5, 0.0], [0.5, 0.0, 0.5])
    assert terms.tolist() == [0.0, math.inf, 0.0]


@pytest.mark.parametrize(("p", "q", "base", "message"), [
    ([0.5, 0.6], [0.5, 0.5], None, "sum to 1"),
    ([0.5, 0.5], [1.5, -0.5], None, "negative"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], None, "same number of outcomes"),
    ([[0.5, 0.5], [0.1, 0.9]], [[0.5, 0.5]] * 3, None, "do not broadcast"),
    ([0.5, 0.5], [0.5, 0.5], 1, "base"),
])
def test_contributions_reject_bad_input(p, q, base, message):
    with pytest.raises(ValueError, match=message):
        kl_contributions(p, q, base=base)


# Chapter 1's drawing, readout and description ------------------------------------------------


def test_panel_draws_p_q_and_the_terms_without_clearing():
    ax_pq, ax_terms = axes = Figure().subplots(1, 2)
    assert draw_distribution_panel(axes, P, Q, LABELS) is None
    np.testing.assert_allclose([float(b.get_height()) for b in ax_pq.patches], P + Q)
    np.testing.assert_allclose([float(b.get_height()) for b in ax_terms.patches],
                               hand_terms(P, Q), rtol=1e-14)
    assert [t.get_text() for t in ax_terms.get_xticklabels()] == LABELS
    assert f"{kl_divergence(P, Q):.3f} nats" in ax_terms.get_title()
    axes = Figure().subplots(1, 2)
    draw_distribution_panel(axes, P, [0.4, 0.4, 0.2], base=2)
    ax_bits = axes[1]
    assert "bits" in ax_bits.get_ylabel()


def test_panel_marks_an_infinite_term_and_needs_two_axes():
    axes = Figure().subplots(1, 2)
    draw_distribution_panel(axes, P, [0.7, 0.3, 0.0], LABELS)
    ax_terms = axes[1]
    rain = ax_terms.patches[2]
    assert rain.get_hatch() == "//"
    assert float(rain.get_height()) == pytest.approx(ax_terms.get_ylim()[1])
    assert "∞" in [text.get_text() for text in ax_terms.texts] and "∞" in ax_terms.get_title()
    with pytest.raises(ValueError, match="two"):
        draw_distribution_panel(Figure().subplots(1, 3), P, Q)
    with pytest.raises(ValueError, match="labels"):
        draw_distribution_panel(Figure().subplots(1, 2), P, Q, ["sun", "rain"])


def test_distribution_figure_is_a_pyplot_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = distribution_figure(P, Q, LABELS)
    try:
        assert fig.number in plt.get_fignums() and len(fig.axes) == 2
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="sum to 1"):
        distribution_figure(P, [0.5, 0.5, 0.5])
    assert plt.get_fignums() == before  # bad input opens no figure


def readout_numbers(p, q):
    """The four numbers the readout must show, formatted as it formats them."""
    return [f"{kl_divergence(p, q):.4f} nats", f"{kl_divergence(p, q, base=2):.4f} bits",
            f"{kl_divergence(q, p):.4f} nats", f"{kl_divergence(q, p, base=2):.4f} bits"]


def test_readout_shows_both_directions_and_explains_infinity():
    text = kl_both_ways_readout(P, Q, LABELS)
    assert all(number in text for number in readout_numbers(P, Q))
    assert "0.5850 nats" in text and "0.4982 nats" in text
    first, second = kl_both_ways_readout(P, [0.7, 0.3, 0.0], LABELS).split("KL(Q‖P)")
    assert "∞" in first and "Q gives probability 0 to rain" in first
    assert f"{kl_divergence([0.7, 0.3, 0.0], P):.4f} nats" in second
    assert "&lt;b&gt;" in kl_both_ways_readout([0.5, 0.5], [1.0, 0.0], ["a", "<b>"])


def test_description_names_every_bar_and_term():
    text = distribution_description(P, Q, LABELS)
    for piece in ("sun: P 0.20, Q 0.60", "rain: P 0.50, Q 0.10", "sun -0.220", "rain +0.805",
                  "add up to 0.585 nats"):
        assert piece in text
    assert "rain ∞" in distribution_description(P, [0.7, 0.3, 0.0], LABELS)


# Controls ------------------------------------------------------------------------------------


def test_slider_stops_are_exact_decimals_and_at_least_21():
    s = Slider("q", 0, 1, default=0.15)
    assert len(s.values) == MIN_STOPS == 21
    assert s.values[3] == 0.15 and s.values[-1] == 1.0 and s.default == 0.15
    assert s.index(0.15) == 3 and s.index(np.float64(0.1) + 0.05) == 3 and s.text(0.15) == "0.15"
    assert Slider("z", -10, 10, stops=41).values[22] == 1.0
    assert Slider("q", 0, 1).label == "q" and Slider("q", 0, 1).default == 0.0


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Slider("q", 0, 1, stops=11), "at least 21 stops"),
    (lambda: Slider("q", 1, 0), "low < high"),
    (lambda: Slider("q", 0, math.inf), "low < high"),
    (lambda: Slider("q", 0, 1, default=0.33), "not one of them"),
    (lambda: Slider("q", 0, 1, default=2.0), "not one of them"),
    (lambda: Slider("not a name", 0, 1), "identifier"),
    (lambda: Choice("c", ["a"]), "two different"),
    (lambda: Choice("c", ["a", "a"]), "two different"),
    (lambda: Choice("c", "ab"), "not one string"),
    (lambda: Choice("c", ["a", "b"], default="z"), "options"),
])
def test_bad_controls_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# The rule that keeps probabilities summing to 1 ----------------------------------------------


def test_sums_to_one_rescales_in_proportion_with_largest_remainders():
    rule = sums_to_one(LABELS)
    assert rule({"sun": 0.6, "cloud": 0.3, "rain": 0.4}, "rain") == {
        "sun": 0.4, "cloud": 0.2, "rain": 0.4}  # 12 units shared 2 : 1
    assert rule({"sun": 0.6, "cloud": 0.3, "rain": 0.0}, "rain") == {
        "sun": 0.65, "cloud": 0.35, "rain": 0.0}  # 13.33 + 6.67: cloud's remainder is larger
    assert rule({"sun": 0.4, "cloud": 0.0, "rain": 0.0}, "sun") == {
        "sun": 0.4, "cloud": 0.3, "rain": 0.3}  # the others all 0: equal shares
    assert rule({"sun": 0.3, "cloud": 0.55, "rain": 0.5}, "rain") == {
        "sun": 0.2, "cloud": 0.3, "rain": 0.5}  # the chapter's path to Q = P
    assert rule({"sun": 0.25, "cloud": 0.25, "rain": 0.25}, None) == {
        "sun": 0.35, "cloud": 0.35, "rain": 0.3}  # all at once: 6.67 each, ties to the first
    with pytest.raises(ValueError, match="all 0"):
        rule({"sun": 0.0, "cloud": 0.0, "rain": 0.0}, None)
    with pytest.raises(ValueError, match="not a stop"):
        rule({"sun": 0.33, "cloud": 0.3, "rain": 0.37}, "sun")
    with pytest.raises(ValueError, match="two different"):
        sums_to_one(["a"])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(2, 5), stops=st.sampled_from([21, 41, 101]))
def test_sums_to_one_is_a_fair_rounding_of_the_proportional_share(data, n, stops):
    units = stops - 1
    names = [f"x{i}" for i in range(n)]
    cuts = sorted(data.draw(st.lists(st.integers(0, units), min_size=n - 1, max_size=n - 1)))
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=True)]
    moved = data.draw(st.integers(0, n - 1))
    new = data.draw(st.integers(0, units))
    values = {name: a / units for name, a in zip(names, amounts, strict=True)}
    values[names[moved]] = new / units
    result = sums_to_one(names, stops)(values, names[moved])
    got = [round(result[name] * units) for name in names]
    assert all(abs(result[name] * units - g) < 1e-9 for name, g in zip(names, got, strict=True))
    assert sum(got) == units and got[moved] == new
    others = [i for i in range(n) if i != moved]
    weights = [amounts[i] for i in others]
    total = sum(weights)
    for i, w in zip(others, weights, strict=True):
        exact = (units - new) * (w / total if total else 1 / len(others))
        assert abs(got[i] - exact) < 1, (amounts, moved, new, got)  # within one unit
    for i, j in product(others, others):  # order of the others is kept
        if amounts[i] > amounts[j]:
            assert got[i] >= got[j]


# The primitive in Jupyter --------------------------------------------------------------------


def test_widget_exposes_its_parts_and_starts_at_the_defaults():
    widget = weather_widget()
    assert isinstance(widget, ipywidgets.VBox)
    assert [c.description for c in widget.controls.values()] == ["Q(sun)", "Q(cloud)",
                                                                 "Q(rain)"]
    assert widget.values == dict(zip(LABELS, Q, strict=True)) and widget.key == (12, 6, 2)
    assert all(isinstance(c, ipywidgets.SelectionSlider) for c in widget.controls.values())
    assert all(len(c.options) == 21 for c in widget.controls.values())
    assert all(n in widget.readout.value for n in readout_numbers(P, Q))
    assert widget.png.startswith(b"\x89PNG") and "sun: P 0.20, Q 0.60" in widget.alt
    [output] = widget.output.outputs
    assert output["data"]["text/plain"] == widget.alt
    assert widget.linked and not small_widget().linked


def test_moving_a_slider_updates_the_others_readout_figure_and_alt():
    widget = weather_widget()
    before = (widget.readout.value, widget.png, widget.alt)
    widget.controls["rain"].value = 0.4  # sun and cloud keep their 2 : 1 ratio
    assert widget.values == {"sun": 0.4, "cloud": 0.2, "rain": 0.4}
    assert all(n in widget.readout.value for n in readout_numbers(P, [0.4, 0.2, 0.4]))
    assert widget.png != before[1] and widget.readout.value != before[0]
    assert "rain: P 0.50, Q 0.40" in widget.alt
    ax_pq, ax_terms = widget.figure.axes
    np.testing.assert_allclose([float(b.get_height()) for b in ax_pq.patches],
                               P + [0.4, 0.2, 0.4])
    np.testing.assert_allclose([float(b.get_height()) for b in ax_terms.patches],
                               hand_terms(P, [0.4, 0.2, 0.4]), rtol=1e-12)


def test_the_chapter_s_things_to_try():
    widget = weather_widget()
    widget.controls["sun"].value = 0.3
    widget.controls["rain"].value = 0.5
    assert widget.values == dict(zip(LABELS, P, strict=True))
    assert widget.readout.value.count("0.0000 nats") == 2
    widget.controls["rain"].value = 0.0
    first, second = widget.readout.value.split("KL(Q‖P)")
    assert "∞" in first and "probability 0 to rain" in first and "nats" in second


def test_set_moves_one_or_several_controls():
    widget = weather_widget()
    widget.set(rain=0.4)
    assert widget.values == {"sun": 0.4, "cloud": 0.2, "rain": 0.4}
    widget.set(sun=0.2, cloud=0.3, rain=0.5)
    assert widget.values == dict(zip(LABELS, P, strict=True))
    with pytest.raises(ValueError, match="no control named"):
        widget.set(snow=0.1)
    with pytest.raises(ValueError, match="not one of them"):
        widget.set(rain=0.42)
    assert widget.values == dict(zip(LABELS, P, strict=True))


def test_a_choice_control_and_the_default_alt_text():
    widget = small_widget()
    assert isinstance(widget.controls["side"], ipywidgets.Dropdown)
    assert widget.alt == "A line, at mean μ = 0.50, side = right."
    widget.controls["side"].value = "left"
    assert widget.readout.value == "<b>μ = +0.50</b> on the left"
    assert widget.figure.axes[0].lines[0].get_xdata()[0] == -0.5


@pytest.mark.parametrize(("options", "message"), [
    ({"controls": []}, "non-empty"),
    ({"controls": [Slider("a", 0, 1), Slider("a", 0, 2)]}, "differ"),
    ({"controls": ["a"]}, "Slider and Choice"),
    ({"panels": (0, 1)}, "panels"),
    ({"constrain": sums_to_one(["a", "b"]),
      "controls": [Slider("a", 0, 1, default=0.5), Slider("b", 0, 1, default=0.4)]},
     "does not satisfy"),
    ({"constrain": lambda values, moved: {"a": 0.123},
      "controls": [Slider("a", 0, 1)]}, "off the stops"),
])
def test_bad_widgets_are_refused(options, message):
    arguments = {"draw": lambda ax, **v: None, "readout": lambda **v: "",
                 "controls": [Slider("a", 0, 1)], **options}
    with pytest.raises(ValueError, match=message):
        interactive_figure(**arguments)


def test_jupyter_and_the_website_show_the_same_pixels():
    widget = weather_widget()
    widget.controls["rain"].value = 0.0
    pixels, readout, alt = widget.render(widget.values)
    from klutils._widget_export import encode_webp

    assert np.array_equal(decode(widget.png), pixels)
    assert np.array_equal(decode(encode_webp(pixels)), pixels)
    assert readout == widget.readout.value and alt == widget.alt


# The static version --------------------------------------------------------------------------


def test_every_one_of_chapter_1_s_231_settings_is_reachable_and_moves_as_in_jupyter():
    widget = weather_widget()
    graph = settings_graph(widget)
    assert len(graph) == 231 and next(iter(graph)) == (12, 6, 2)  # every Q on the 0.05 grid
    assert all(sum(key) == 20 for key in graph)
    rng = np.random.default_rng(0)
    keys = list(graph)
    for index in rng.choice(len(keys), 5, replace=False):
        key = keys[index]
        name = LABELS[rng.integers(3)]
        stop = int(rng.integers(21))
        widget.set(**widget.values_of(key))
        widget.controls[name].value = stop / 20
        assert widget.key == graph[key][name][stop]


@pytest.fixture(scope="module")
def exported_small(tmp_path_factory):
    """The small widget exported once (42 settings) into a fresh store."""
    store = tmp_path_factory.mktemp("store")
    widget = small_widget()
    return widget, export(widget, store), store


def test_export_writes_every_setting_once_and_is_reproducible(exported_small):
    widget, exported, tmp_path = exported_small
    folder = tmp_path / exported.widget_id
    assert exported.settings == 42 and exported.start == "5-0"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 84 and not list(tmp_path.glob(".export-*"))
    for mu, side in product(range(21), range(2)):
        state = read_state_script((folder / f"{mu}-{side}.js").read_bytes())
        values = widget.values_of((mu, side))
        assert state["readout"] == f"<b>μ = {values['mu']:+.2f}</b> on the {values['side']}"
        assert state["alt"] == widget.describe(values)
        assert state["next"]["mu"] == [f"{k}-{side}" for k in range(21)]
        assert state["next"]["side"] == [f"{mu}-0", f"{mu}-1"]
        pixels = widget.render(values)[0]
        assert np.array_equal(decode((folder / f"{mu}-{side}.webp").read_bytes()), pixels)
    assert export(widget, tmp_path).widget_id == exported.widget_id  # unchanged: same folder
    assert len(list(tmp_path.iterdir())) == 1
    assert widget.values == {"mu": 0.5, "side": "right"}  # the widget is where it was


def test_a_widget_with_too_many_settings_is_refused():
    widget = interactive_figure(lambda ax, **v: ax.set_axis_off(), lambda **v: "",
                                [Slider(n, 0, 1) for n in "abc"], figsize=(1, 1))
    with pytest.raises(ValueError, match=f"more than {MAX_SETTINGS} settings"):
        settings_graph(widget)


def test_static_html_has_labelled_native_controls_and_the_start(exported_small):
    widget, exported, _ = exported_small
    markup = static_html(widget, exported, serial=7)
    assert f'data-kl-widget="{exported.widget_id}"' in markup
    assert f'data-kl-base="{BASE_PLACEHOLDER}/{exported.widget_id}/"' in markup
    assert '<label for="klw7-mu">mean μ</label><input type="range" id="klw7-mu"' in markup
    assert 'aria-valuetext="0.50" disabled>' in markup and 'max="20"' in markup
    assert '<select id="klw7-side" data-kl-control="side" disabled>' in markup
    assert " name=" not in markup  # no page script that fills inputs by name can reach them
    assert f'src="{BASE_PLACEHOLDER}/{exported.widget_id}/5-0.webp"' in markup
    assert 'alt="A line, at mean μ = 0.50, side = right."' in markup
    assert "<b>μ = +0.50</b> on the right" in markup
    data = json.loads(markup.split('class="kl-widget-data">')[1].removesuffix("</script></div>"))
    assert data["start"] == "5-0" and data["settings"] == 42 and not data["linked"]
    assert data["controls"][0]["texts"][:2] == ["0.00", "0.10"]
    assert [c["kind"] for c in data["controls"]] == ["slider", "choice"]
    assert setting_name((3, 1)) == "3-1"


def test_a_setting_s_script_carries_any_text_safely():
    from klutils._widget_export import state_script

    state = {"readout": "</script><b>a & b</b>", "alt": "x\u2028y", "next": {"a": ["0"]}}
    script = state_script(state)
    assert b"</script>" not in script and script.startswith(b"klWidgetState({")
    assert read_state_script(script) == state
    with pytest.raises(ValueError, match="not a widget state"):
        read_state_script(b"alert(1)")


def test_displayed_during_the_book_build_the_widget_becomes_static_html(tmp_path, monkeypatch):
    widget = small_widget()
    plain = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in plain and "text/html" not in plain
    monkeypatch.setenv(STATES_ENV, str(tmp_path))
    bundle = widget._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert 'class="kl-widget"' in bundle["text/html"]
    assert bundle["text/plain"] == "InteractiveFigure('A line', mu=0.5, side='right')"
    assert len(list(tmp_path.iterdir())) == 1


# Rendering on several processes, and the fixed layout ----------------------------------------


def test_export_on_several_processes_writes_the_same_files(tmp_path):
    widget = small_widget()
    one = export(widget, tmp_path / "one", workers=1)
    three = export(widget, tmp_path / "three", workers=3)
    assert one == three  # same widget id, start, state, size and count
    files = {p.name: p.read_bytes() for p in (tmp_path / "one" / one.widget_id).iterdir()}
    assert files == {p.name: p.read_bytes()
                     for p in (tmp_path / "three" / three.widget_id).iterdir()}
    assert len(files) == 84  # and no worker left a record of warnings or errors behind


def _draw_failing_at_the_end(ax, mu, side):
    """Draws a line, and fails at mu = 2 on the left (a setting only a worker draws)."""
    if mu == 2 and side == "left":
        raise ZeroDivisionError("the drawing failed here")
    draw_line(ax, mu, side)


def test_a_worker_s_error_fails_the_export_and_leaves_nothing(tmp_path):
    widget = small_widget(_draw_failing_at_the_end)
    with pytest.raises(RuntimeError, match="(?s)worker process.*ZeroDivisionError: the drawing"):
        export(widget, tmp_path, workers=2)
    assert list(tmp_path.iterdir()) == []


def _draw_warning(ax, mu, side):
    """Warns at every setting, the same warning."""
    warnings.warn("drawn with a warning", UserWarning, stacklevel=1)
    draw_line(ax, mu, side)


def test_a_worker_s_warnings_are_issued_once_by_the_exporting_process(tmp_path):
    with warnings.catch_warnings():  # the widget draws while it is made: not counted here
        warnings.simplefilter("ignore")
        widget = small_widget(_draw_warning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export(widget, tmp_path, workers=3)
    drawn = [w for w in caught if str(w.message) == "drawn with a warning"]
    # 14 settings drawn here (42 on 3 processes), 1 for the widget drawn again at its setting,
    # and the workers' 28 recorded warnings, all alike, come back once
    assert len(drawn) == 14 + 1 + 1
    assert all(w.category is UserWarning and w.filename == __file__ for w in drawn)
    assert not list((tmp_path).rglob(".warnings-*"))


@pytest.mark.parametrize("setting, message", [("0", "positive integer"), ("two", "positive"),
                                              ("-1", "positive integer")])
def test_the_number_of_render_processes_is_checked(monkeypatch, setting, message):
    from klutils._widget_export import WORKERS_ENV, render_workers

    monkeypatch.setenv(WORKERS_ENV, setting)
    with pytest.raises(ValueError, match=message):
        render_workers(400)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        export(small_widget(), "unused", workers=0)


def test_a_small_widget_is_rendered_by_one_process(monkeypatch):
    from klutils._widget_export import WORKERS_ENV, render_workers

    monkeypatch.setenv(WORKERS_ENV, "4")
    assert [render_workers(n) for n in (10, 39, 40, 60, 400)] == [1, 1, 2, 3, 4]


def _constrained_position(figsize, draw):
    """Where matplotlib's constrained layout puts the one axes ``draw`` drew on (Agg canvas:
    a bare Figure's canvas never lays out)."""
    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure.subplots())
    figure.canvas.draw()
    return figure.axes[0].get_position()


def test_the_fixed_layout_fits_both_ends_of_every_slider():
    # the y tick labels at top = 1000 ("1000") are wider than at the start (top = 1: "0.2"): a
    # layout taken at the start alone cut them off, so each such setting was drawn twice
    widget = interactive_figure(lambda ax, top: ax.set_ylim(0, top), lambda top: "",
                                [Slider("top", 1, 1000, default=1)], figsize=(3, 2))
    start = _constrained_position((3, 2), lambda ax: ax.set_ylim(0, 1))
    assert widget._positions[0].x0 > start.x0 + 0.02  # room for "1000"
    for top in widget.specs[0].values:
        widget.controls["top"].value = top
    assert widget.relaid_out == 0 and widget.figure_layout == "fixed"


def _draw_label_on_either_side(ax, side):
    """A tall y label on the left at side = 0, on the right at side = 1, none between."""
    if side in (0, 1):
        ax.yaxis.set_label_position("left" if side == 0 else "right")
        ax.set_ylabel("\n".join(["l"] * 4), fontsize=16)


def test_the_fixed_layout_keeps_the_start_s_when_the_ends_leave_no_room_together():
    # each end's layout fits on its own, but a box inside both would have no width
    widget = interactive_figure(_draw_label_on_either_side, lambda side: "",
                                [Slider("side", 0, 1, default=0.5)], figsize=(2, 2))
    start = _constrained_position((2, 2), lambda ax: None)
    assert np.allclose(widget._positions[0].bounds, start.bounds)
    for side in (0.0, 1.0):  # an end the start's layout cannot hold is laid out on its own
        widget.controls["side"].value = side
    assert widget.relaid_out >= 1
