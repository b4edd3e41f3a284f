"""The widgets of chapters 7 and 8, built from the chapters' own cells and driven as a reader
drives them: their settings (within the static site's budget), the readouts against klutils'
numbers, the figures against what they draw, and the things the chapters ask the reader to try."""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from klutils import bernoulli, exponential_family, f_divergences, fisher, kl_bernoulli, plots
from klutils._widget_export import settings_graph
from klutils.widgets import Choice, InteractiveFigure, Slider, interactive_figure

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
#: The static site renders every setting: at most about 450 per widget (the team's budget).
BUDGET = 450


def chapter_widget(name: str) -> InteractiveFigure:
    """The widget exactly as the chapter's visible cell builds it."""
    notebook = nbformat.read(CHAPTERS / name, as_version=4)
    [cell] = [c for c in notebook.cells if c.cell_type == "code"
              and c.source.lstrip().startswith("interactive_figure(")]
    namespace = {"interactive_figure": interactive_figure, "Slider": Slider, "Choice": Choice,
                 "plots": plots, "fisher": fisher, "f_divergences": f_divergences,
                 "bernoulli": bernoulli, "exponential_family": exponential_family,
                 "np": np, "math": math}
    return eval(cell.source, namespace)  # noqa: S307 - the repository's own notebook


@pytest.fixture(scope="module")
def fisher_widget():
    return chapter_widget("07_fisher_information.ipynb")


@pytest.fixture(scope="module")
def coins_widget():
    return chapter_widget("08_f_divergences.ipynb")


def numbers(html: str) -> list[float]:
    """Every number after '= ' in a readout, ∞ as inf."""
    return [math.inf if x == "∞" else float(x) for x in re.findall(r"= (∞|[-+]?\d+\.?\d*)", html)]


def test_fisher_widget_settings_and_start(fisher_widget):
    graph = settings_graph(fisher_widget)
    assert len(graph) == 50 <= BUDGET  # 25 coins x 2 coordinates
    assert fisher_widget.values == {"p": 0.5, "coordinates": "probability"}
    assert numbers(fisher_widget.readout.value)[:1] == [4.0]


@pytest.mark.parametrize("p", [0.02, 0.1, 0.5, 0.9, 0.98])
@pytest.mark.parametrize("coordinates", ["probability", "log-odds"])
def test_fisher_readout_matches_klutils(fisher_widget, p, coordinates):
    fisher_widget.set(p=p, coordinates=coordinates)
    html = fisher_widget.readout.value
    info = fisher.fisher_bernoulli(p, coordinates=coordinates)
    got = numbers(html)
    assert got[0] == pytest.approx(info, rel=5e-3)
    if coordinates == "probability":
        step = 0.1 if p + 0.1 < 1 else -0.1
        q = p + step
    else:
        step = 1.0
        q = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + 1)))
    forward, backward = kl_bernoulli(p, q), kl_bernoulli(q, p)
    assert f"{forward:.5f} / {backward:.5f}" in html
    assert f"{fisher.quadratic_kl(info, step):.5f}" in html
    fisher_widget.set(p=0.5, coordinates="probability")


def test_fisher_figure_draws_the_parabola_it_reports(fisher_widget):
    """The things to try: the parabola narrows towards the edges in probability coordinates
    and widens there in log-odds."""
    widths = {}
    for coordinates in ["probability", "log-odds"]:
        for p in [0.5, 0.9]:
            fisher_widget.set(p=p, coordinates=coordinates)
            widths[coordinates, p] = numbers(fisher_widget.readout.value)[0]
    assert widths["probability", 0.9] > widths["probability", 0.5]   # I(p) grows: narrower
    assert widths["log-odds", 0.9] < widths["log-odds", 0.5]         # I(eta) shrinks: wider
    fisher_widget.set(p=0.5, coordinates="probability")
    assert fisher_widget.png.startswith(b"\x89PNG")


def test_coins_widget_settings_and_start(coins_widget):
    graph = settings_graph(coins_widget)
    assert len(graph) == 105 <= BUDGET  # 5 true coins x 21 model coins
    assert coins_widget.values == {"p": 0.5, "q": 0.8}
    expected = f_divergences.f_divergences([0.5, 0.5], [0.8, 0.2])
    np.testing.assert_allclose(numbers(coins_widget.readout.value)[:6], expected, atol=5e-5)


@pytest.mark.parametrize("p, q", [(0.2, 0.2), (0.5, 0.0), (1.0, 0.5), (0.05, 0.95), (1.0, 0.0)])
def test_coins_readout_and_bars_match_klutils(coins_widget, p, q):
    coins_widget.set(p=p, q=q)
    expected = f_divergences.f_divergences([p, 1 - p], [q, 1 - q])
    got = numbers(coins_widget.readout.value)[:6]
    for value, truth in zip(got, expected, strict=True):
        assert value == (math.inf if truth == math.inf else pytest.approx(truth, abs=5e-5))
    coins_widget.set(p=0.5, q=0.8)


def test_the_chapter_s_things_to_try_with_two_coins(coins_widget):
    for p in (0.05, 0.2, 0.5, 0.8, 1.0):  # q slid to p: every divergence vanishes
        coins_widget.set(p=p, q=p)
        assert numbers(coins_widget.readout.value)[:6] == [0.0] * 6
    coins_widget.set(p=0.2, q=0.0)  # q at an end, p inside: KL and chi-square infinite
    got = numbers(coins_widget.readout.value)[:6]
    assert got[0] == got[2] == math.inf and all(math.isfinite(v) for v in got[3:])
    assert got[3] <= 1 and got[4] <= 1 and got[5] <= math.log(2)
    coins_widget.set(p=0.5, q=0.8)  # swapping changes only KL, its reverse and chi-square
    before = numbers(coins_widget.readout.value)[:6]
    coins_widget.set(p=0.8, q=0.5)
    after = numbers(coins_widget.readout.value)[:6]
    assert before[3:] == after[3:] and before[0] == after[1] and before[1] == after[0]
    assert before[2] != after[2]
    for q in coins_widget.specs[1].values[1:-1]:  # p = 1, 0 < q < 1: only the reverse KL is inf
        coins_widget.set(p=1.0, q=q)
        got = numbers(coins_widget.readout.value)[:6]
        assert got[1] == math.inf and all(math.isfinite(v) for v in got[:1] + got[2:])
    coins_widget.set(p=0.5, q=0.8)
