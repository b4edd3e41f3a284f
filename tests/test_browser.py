"""The built website in headless Chromium, offline: every page, every widget, every control.

The site (``make book`` -> _build/html) is served on 127.0.0.1 and Chromium can resolve no other
host. For every page, in the light and the dark theme: the math is typeset, the console has no
error, nothing is requested from another site, and axe-core finds no WCAG 2.1 A/AA violation.
For every widget: each control is moved with the keyboard (reached with Tab, moved with an arrow
key) and with the mouse (a click on the slider's track), and each time the figure, its alt text
and the readout change, the readout shows what klutils computes for the setting the controls
show, and the move fetches at most 60 KB. Screenshots go to _build/screenshots/.
"""

from __future__ import annotations

import json
import math
import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy.special import softmax
from sitekit import (
    AXE,
    SCREENSHOTS,
    SITE,
    chromium,
    console_errors,
    emulate_phone,
    needs_chromium,
    needs_site,
    pages,
    requested_urls,
    run_axe,
    serve,
    set_dark,
    wait_for_math,
)

from klutils import cross_entropy, entropy, js_divergence, kl_beta, kl_divergence, kl_normal
from klutils.gaussian import gaussian_fits, two_mode_mixture

pytestmark = [pytest.mark.browser, needs_site, needs_chromium]

#: Most bytes one move of a widget may fetch (README, "Budgets").
MOVE_BUDGET = 60_000


def _kl_text(name: str, a, b, base: float | None = None) -> str:
    """How a readout shows one divergence: ``KL(P‖Q) = 0.1234 nats``, or ``∞``."""
    value = kl_divergence(a, b, base=base)
    unit = "bits" if base == 2 else "nats"
    return f"{name} = ∞" if math.isinf(value) else f"{name} = {value:.4f} {unit}"


def _weather_readout(setting: dict[str, float]) -> list[str]:
    """Chapter 1: what the readout shows for Q = (sun, cloud, rain) against P = (.2, .3, .5)."""
    p = [0.2, 0.3, 0.5]
    q = [setting["sun"], setting["cloud"], setting["rain"]]
    assert math.isclose(sum(q), 1.0, abs_tol=1e-9), f"Q must sum to 1; the page shows {q}"
    expected = []
    for name, a, b in (("KL(P‖Q)", p, q), ("KL(Q‖P)", q, p)):
        nats = kl_divergence(a, b)
        if math.isinf(nats):
            expected.append(f"{name} = ∞")
        else:
            expected.append(f"{name} = {nats:.4f} nats = {kl_divergence(a, b, base=2):.4f} bits")
    return expected


def _coin_readout(setting: dict) -> list[str]:
    """Chapter 2: both divergences of the coins Bernoulli(p) and Bernoulli(q)."""
    p, q = [setting["p"], 1 - setting["p"]], [setting["q"], 1 - setting["q"]]
    return [f"{name} = {kl_divergence(a, b):.4f} nats ({kl_divergence(a, b, base=2):.4f} bits)"
            for name, a, b in (("KL(P‖Q)", p, q), ("KL(Q‖P)", q, p))]


def _logits_readout(setting: dict) -> list[str]:
    """Chapter 3: the one-hot label cat against softmax(cat, dog, rabbit = -1)."""
    q = softmax([setting["cat"], setting["dog"], -1.0])
    return [_kl_text("KL(P‖Q)", [1.0, 0.0, 0.0], q), f"−log q(cat) = −log {q[0]:.4f}"]


def _code_readout(setting: dict) -> list[str]:
    """Chapter 4: H(P), KL(P‖Q) and H(P, Q) in bits for P = (.2, .3, .5) coded for Q."""
    p = [0.2, 0.3, 0.5]
    q = [setting["sun"], setting["cloud"], setting["rain"]]
    assert math.isclose(sum(q), 1.0, abs_tol=1e-9), f"Q must sum to 1; the page shows {q}"
    amounts = [entropy(p, base=2), kl_divergence(p, q, base=2), cross_entropy(p, q, base=2)]
    return ["= ∞" if math.isinf(v) else f"= {v:.4f} bits" for v in amounts]


def _smoothing_readout(setting: dict) -> list[str]:
    """Chapter 5: Q = (0, .3, .7) smoothed by ε against P = (.2, .3, .5), both directions."""
    p, epsilon = [0.2, 0.3, 0.5], setting["epsilon"]
    smoothed = [(q + epsilon) / (1 + 3 * epsilon) for q in (0.0, 0.3, 0.7)]
    return [_kl_text("KL(P‖Qε)", p, smoothed), _kl_text("KL(Qε‖P)", smoothed, p)]


def _fits_readout(setting: dict) -> list[str]:
    """Chapter 6: the forward and reverse Gaussian fits of the mixture at separation d."""
    fits = gaussian_fits(*two_mode_mixture(setting["d"], weights=(0.6, 0.4)))
    return [f"{fits.forward[0]:.3f} {fits.forward[1]:.3f} {fits.forward_kl[0]:.4f} nats",
            f"{fits.reverse_kl[1]:.4f} nats"]


#: Chapter 9's coin: the first n of 1000 seeded flips of a coin with θ = 0.7 (as the chapter).
_FLIPS = (np.random.default_rng(2026).random(1000) < 0.7).astype(int)


def _posterior_readout(setting: dict) -> list[str]:
    """Chapter 9: the information gained, KL(posterior‖prior), after the first n flips."""
    a, b = (int(x) for x in re.match(r"Beta\((\d+), (\d+)\)", setting["prior"]).groups())
    n = int(setting["n"])
    heads = int(_FLIPS[:n].sum())
    gain = kl_beta(a + heads, b + n - heads, a, b)
    return [f"{heads} heads in {n} flips",
            f"KL(posterior‖prior) = {gain:.4f} nats = {gain / math.log(2):.4f} bits"]


def _encoder_readout(setting: dict) -> list[str]:
    """Chapter 10: KL(N(μ, σ²) ‖ N(0, 1)) of the encoder, with its mean part ½μ²."""
    mu, sigma = setting["mu"], math.exp(0.5 * setting["log_var"])
    return [f"KL(Q‖P) = {kl_normal(mu, sigma, 0.0, 1.0):.4f} nats",
            f"mean part ½μ² {0.5 * mu**2:.4f}"]


def _fisher_readout(setting: dict) -> list[str]:
    """Chapter 7: the coin's Fisher information, and KL both ways to the model one step away."""
    p, coordinates = setting["p"], setting["coordinates"]
    if coordinates == "probability":
        information, q = 1 / (p * (1 - p)), (p + 0.1 if p + 0.1 < 1 else p - 0.1)
    else:  # one unit of log-odds up
        information, q = p * (1 - p), 1 / (1 + (1 - p) / (p * math.e))
    coin_p, coin_q = [p, 1 - p], [q, 1 - q]
    return [f"= {information:.4g} nats per unit²", f"q = {q:.4f}",
            f"= {kl_divergence(coin_p, coin_q):.5f} / {kl_divergence(coin_q, coin_p):.5f} nats"]


def _f_divergences_readout(setting: dict) -> list[str]:
    """Chapter 8: KL both ways, total variation and Jensen-Shannon of two coins."""
    p, q = [setting["p"], 1 - setting["p"]], [setting["q"], 1 - setting["q"]]
    shown = {"KL(P‖Q)": kl_divergence(p, q), "KL(Q‖P)": kl_divergence(q, p),
             "TV(P, Q)": 0.5 * sum(abs(a - b) for a, b in zip(p, q, strict=True)),
             "JS(P, Q)": js_divergence(p, q)}
    return [f"{name} = " + ("∞" if math.isinf(value) else f"{value:.4f}")
            for name, value in shown.items()]


#: For each page, one function per widget (in page order): the setting the controls show
#: (name -> value) to the texts the readout must contain, computed with klutils here (each
#: from a different function than the chapter's readout uses, where klutils has one).
READOUTS = {
    "chapters/01_intuition.html": [_weather_readout],
    "chapters/02_coin_toss.html": [_coin_readout],
    "chapters/03_classification.html": [_logits_readout],
    "chapters/04_entropy_relations.html": [_code_readout],
    "chapters/05_properties.html": [_smoothing_readout],
    "chapters/06_continuous.html": [_fits_readout],
    "chapters/07_fisher_information.html": [_fisher_readout],
    "chapters/08_f_divergences.html": [_f_divergences_readout],
    "chapters/09_applications_statistics.html": [_posterior_readout],
    "chapters/10_applications_deep_learning.html": [_encoder_readout],
}


def _name(page: str) -> str:
    return page.replace("/", "__").removesuffix(".html")


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(SITE) as base, chromium() as driver:
        yield base, driver


def _outside(urls: list[str], base: str) -> list[str]:
    """The network requests among ``urls`` that do not go to the local server."""
    return [url for url in urls if re.match(r"(https?|wss?|ftp):|//", url)
            and not url.startswith(base + "/")]


def _check_page(driver, base: str, page) -> list[str]:
    """Every problem of one page, in the light and then the dark theme (see below)."""
    relative = page.relative_to(SITE).as_posix()
    source = page.read_text(encoding="utf-8")
    problems = []
    set_dark(driver, False)
    driver.get(f"{base}/{relative}")
    wait_for_math(driver)
    if 'class="math' in source:
        if not driver.find_elements("css selector", "mjx-container"):
            problems.append(f"{relative}: no typeset math")
        text = driver.find_element("css selector", "article").text
        if "$$" in text or "\\[" in text or "\\mathrm{" in text:
            problems.append(f"{relative}: raw LaTeX left in the text")
    for dark in (False, True):
        where = f"{relative} ({'dark' if dark else 'light'})"
        if dark:
            set_dark(driver, True)
        theme = driver.execute_script("return document.documentElement.dataset.theme")
        if theme != ("dark" if dark else "light"):
            problems.append(f"{where}: the theme is {theme!r}")
        violations = run_axe(driver, ["color-contrast"] if dark else None)
        problems += [f"{where}: axe {v['id']} ({v['impact']}) at {v['nodes']}"
                     for v in violations]
        driver.save_screenshot(str(SCREENSHOTS / f"{_name(relative)}"
                                                 f"{'-dark' if dark else ''}.png"))
    problems += [f"{relative}: console: {m}" for m in console_errors(driver)]
    problems += [f"{relative}: requested {url}"
                 for url in _outside(requested_urls(driver), base)]
    return problems


def test_every_page_light_and_dark():
    """Math typeset, no raw LaTeX, no console error, no other site, no axe violation.

    Each page is loaded once, checked in the light theme, then switched to the dark theme (the
    reader's system setting, which the theme follows) for axe's colour-contrast rule, the only
    one the theme can change. Two browsers share the pages.
    """
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (`make browser` installs it with npm)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    by_size = sorted(pages(), key=lambda p: -p.stat().st_size)
    shares = [by_size[0::2], by_size[1::2]]

    def check(share):
        with chromium() as driver:
            requested_urls(driver)
            return [problem for page in share for problem in _check_page(driver, base, page)]

    with serve(SITE) as base, ThreadPoolExecutor(max_workers=2) as pool:
        problems = [problem for found in pool.map(check, shares) for problem in found]
    assert not problems, "\n".join(problems)


def _setting(widget) -> tuple[str, dict[str, float]]:
    """The setting the widget's controls show: its name and each control's value."""
    data = json.loads(widget.find_element("css selector", "script.kl-widget-data")
                      .get_attribute("textContent"))
    stops, values = [], {}
    for control in data["controls"]:
        element = widget.find_element("css selector", f'[data-kl-control="{control["name"]}"]')
        stop = int(element.get_attribute("value"))
        stops.append(str(stop))
        text = control["texts"][stop]
        try:
            values[control["name"]] = float(text)
        except ValueError:  # the name of an option
            values[control["name"]] = text
    return "-".join(stops), values


def _wait_until_shown(driver, widget, previous: str, timeout: float = 10.0) -> str:
    """Wait until the widget shows a setting other than ``previous``; return its name."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = widget.get_attribute("data-kl-shown")
        if shown != previous and shown == _setting(widget)[0]:
            return shown
        time.sleep(0.02)
    raise AssertionError(f"the widget still shows {previous} after {timeout} s")


def _words(text: str) -> str:
    """``text`` with every run of white space (table cells, no-break spaces) as one space."""
    return " ".join(text.split())


def _state(widget) -> tuple[str, str, str]:
    figure = widget.find_element("css selector", "img.kl-widget-figure")
    readout = widget.find_element("css selector", ".kl-widget-readout")
    return figure.get_attribute("src"), figure.get_attribute("alt"), readout.text


def _check_move(driver, widget, expected_readout, before, how: str, moves: list) -> None:
    shown_before = before[0].rsplit("/", 1)[-1].removesuffix(".webp")
    shown = _wait_until_shown(driver, widget, shown_before)
    after = _state(widget)
    name, setting = _setting(widget)
    assert shown == name and after[0].endswith(f"/{name}.webp"), (how, shown, name, after[0])
    assert after[0] != before[0], f"{how}: the figure did not change"
    assert after[1] != before[1] and len(after[1]) > 20, f"{how}: the alt text did not change"
    assert after[2] != before[2], f"{how}: the readout did not change"
    for text in expected_readout(setting):
        assert _words(text) in _words(after[2]), (
            f"{how}: the readout {after[2]!r} lacks {text!r} ({setting})")
    fetched = driver.execute_script("""
        return performance.getEntriesByType("resource")
            .filter(e => e.name.endsWith("/" + arguments[0] + ".webp")
                      || e.name.endsWith("/" + arguments[0] + ".js"))
            .reduce((total, e) => total + e.encodedBodySize, 0);""", name)
    assert fetched <= MOVE_BUDGET, f"{how}: the move fetched {fetched} bytes"
    moves.append({"move": how, "setting": name, "bytes": fetched,
                  "ms": float(widget.get_attribute("data-kl-move-ms") or "nan")})


def _press_key(driver, widget, control, index: int) -> None:
    """Reach ``control`` with Tab (the first control is focused directly) and press an arrow."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    if index == 0:
        driver.execute_script("arguments[0].focus()", control)
    else:
        ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.switch_to.active_element == control, "Tab does not reach the next control"
    if control.tag_name == "select":
        last = control.find_elements("css selector", "option")[-1]
        key = Keys.ARROW_UP if last.is_selected() else Keys.ARROW_DOWN
    else:
        at_end = control.get_attribute("value") == control.get_attribute("max")
        key = Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT
    ActionChains(driver).send_keys(key).perform()


def _click(driver, control) -> None:
    """Move ``control`` with the mouse: a click on the track a fifth from its far end."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.select import Select

    if control.tag_name == "select":
        select = Select(control)
        select.select_by_index(0 if select.options[-1].is_selected() else len(select.options) - 1)
        return
    stop, top = int(control.get_attribute("value")), int(control.get_attribute("max"))
    fraction = 0.2 if stop > top / 2 else 0.8
    offset = int((fraction - 0.5) * control.rect["width"])
    ActionChains(driver).move_to_element_with_offset(control, offset, 0).click().perform()


def test_every_widget_moves_by_keyboard_and_mouse(browser):
    base, driver = browser
    widget_pages = [p.relative_to(SITE).as_posix() for p in pages()
                    if 'class="kl-widget"' in p.read_text(encoding="utf-8")]
    assert "chapters/01_intuition.html" in widget_pages
    moves: list[dict] = []
    for relative in widget_pages:
        driver.get(f"{base}/{relative}")
        wait_for_math(driver)
        widgets = driver.find_elements("css selector", ".kl-widget.kl-widget-ready")
        readouts = READOUTS.get(relative, [])
        assert len(widgets) == len(readouts), (
            f"{relative} shows {len(widgets)} working widgets; READOUTS checks {len(readouts)}")
        for number, (widget, expected_readout) in enumerate(zip(widgets, readouts, strict=True)):
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", widget)
            shot = SCREENSHOTS / f"widget-{_name(relative)}-{number}"
            widget.screenshot(f"{shot}-before.png")
            for text in expected_readout(_setting(widget)[1]):
                assert _words(text) in _words(_state(widget)[2]), (
                    f"{relative}: the first readout lacks {text!r}")
            for index, control in enumerate(widget.find_elements("css selector",
                                                                 "input, select")):
                label = widget.find_element(
                    "css selector", f'label[for="{control.get_attribute("id")}"]').text
                assert label.strip(), f"{relative}: a control without a label"
                where = f"{relative} widget {number}, {label}"
                before = _state(widget)
                _press_key(driver, widget, control, index)
                _check_move(driver, widget, expected_readout, before, f"{where}, key", moves)
                before = _state(widget)
                _click(driver, control)
                _check_move(driver, widget, expected_readout, before, f"{where}, mouse", moves)
            widget.screenshot(f"{shot}-after.png")
    errors = console_errors(driver)
    assert not errors, errors
    outside = _outside(requested_urls(driver), base)
    assert not outside, outside
    (SCREENSHOTS / "widget-moves.json").write_text(json.dumps(moves, indent=1))
    assert moves


def test_widget_on_a_phone():
    """At 390 px the widget fits the screen, its controls work, and nothing scrolls sideways."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve(SITE) as base, chromium() as driver:
        emulate_phone(driver, 390, 844)
        for dark in (False, True):
            set_dark(driver, dark)
            driver.get(f"{base}/chapters/01_intuition.html")
            widget = driver.find_element("css selector", ".kl-widget.kl-widget-ready")
            driver.execute_script("arguments[0].scrollIntoView()", widget)
            viewport = driver.execute_script("return document.documentElement.clientWidth")
            assert viewport <= 390
            assert widget.rect["x"] >= 0 and widget.rect["x"] + widget.rect["width"] <= viewport
            page_width = driver.execute_script("return document.documentElement.scrollWidth")
            assert page_width <= viewport, f"the page scrolls sideways ({page_width} px)"
            for element in widget.find_elements("css selector", "input, label, output, img"):
                right = element.rect["x"] + element.rect["width"]
                assert right <= viewport + 1, f"{element.tag_name} sticks out ({right} px)"
            rain = widget.find_element("css selector", 'input[data-kl-control="rain"]')
            before = _state(widget)
            driver.execute_script("arguments[0].focus()", rain)
            ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
            _check_move(driver, widget, _weather_readout, before, "phone", [])
            widget.screenshot(str(SCREENSHOTS / f"widget-phone{'-dark' if dark else ''}.png"))
            assert not console_errors(driver)


def test_search_finds_pinsker(browser):
    """The site's search works offline: searching for Pinsker finds chapter 5."""
    base, driver = browser
    driver.get(f"{base}/search.html?q=Pinsker")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "05_properties.html" not in driver.page_source:
        time.sleep(0.2)
    assert "05_properties.html" in driver.page_source, "searching for Pinsker finds nothing"
    assert not console_errors(driver)


def test_a_widget_works_on_a_page_opened_from_disk():
    """A reader who opens _build/html/... from disk (file://) can move the widgets too."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    with chromium() as driver:
        driver.get((SITE / "chapters" / "01_intuition.html").as_uri())
        widget = driver.find_element("css selector", ".kl-widget.kl-widget-ready")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", widget)
        before = _state(widget)
        driver.execute_script("arguments[0].focus()",
                              widget.find_element("css selector", 'input[data-kl-control="cloud"]'))
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform()
        _check_move(driver, widget, _weather_readout, before, "from disk", [])
        assert not console_errors(driver)
