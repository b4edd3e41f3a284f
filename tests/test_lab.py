"""Every chapter's widget in a real JupyterLab 4 (what `make lab` opens), driven in headless
Chromium.

One JupyterLab server runs on 127.0.0.1 on copies of the chapters in a temporary folder (so
nothing is saved into chapters/), with its settings and workspaces there too; each chapter opens
in a workspace of its own. For chapter 1 the test runs every cell, moves the Q(rain) slider with
the mouse and then with the keyboard, and checks that the figure and the readout change and that
the linked sliders follow. For chapter 9 (a choice and a slider) it runs every cell and moves the
widget's first slider with the keyboard: the figure, the readout and the slider's value change.
Screenshots go to _build/screenshots/.

Every chapter's widget is the same primitive (``klutils.widgets.interactive_figure``), so two
chapters show that its front end works in JupyterLab; running all ten here took about four
minutes of ``make test``. Every widget of every chapter is moved from Python in
tests/test_widgets.py and tests/test_theory_widgets.py, and on the website in
tests/test_browser.py.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sitekit import ROOT, SCREENSHOTS, chromium, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

CHAPTER = ROOT / "chapters" / "01_intuition.ipynb"
#: The other chapter whose widget runs in JupyterLab in every `make test`: a choice (the prior)
#: and a slider (n). ``KL_LAB_CHAPTERS=all`` runs every chapter's widget (about 13 s each).
OTHER_CHAPTERS = (sorted(path.name for path in (ROOT / "chapters").glob("[01][0-9]_*.ipynb")
                         if path != CHAPTER)
                  if os.environ.get("KL_LAB_CHAPTERS") == "all"
                  else ["09_applications_statistics.ipynb"])
CHAPTERS = [CHAPTER, *(ROOT / "chapters" / name for name in OTHER_CHAPTERS)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on copies of the chapters; yields a function that gives a chapter's
    URL (in a workspace of its own) and the URL that lists the server's kernels."""
    tmp_path = tmp_path_factory.mktemp("lab")
    for chapter in CHAPTERS:
        shutil.copy(chapter, tmp_path / chapter.name)
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path / "home"
    environment = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
                   "JUPYTER_DATA_DIR": str(home / "data"),
                   "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                   "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
                   "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    environment.pop("KL_WIDGET_STATES", None)  # a learner's kernel: no static export
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={tmp_path}", "--ServerApp.port_retries=0",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:  # as in CI; JupyterLab refuses root without it
        command.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "lab.log").read_text()) from None
                time.sleep(0.3)
        def notebook(name: str) -> str:
            return f"{base}/lab/workspaces/{name.removesuffix('.ipynb')}/tree/{name}?token={token}"

        yield notebook, f"{base}/api/kernels?token={token}"
    finally:
        try:  # the server's own shutdown stops the kernels too
            urllib.request.urlopen(urllib.request.Request(
                f"{base}/api/shutdown?token={token}", method="POST"), timeout=5)
        except OSError:
            server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # the page is still changing under us
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _widget_state(driver) -> tuple[str, str, list[str]]:
    """The widget's figure (image source), readout text and the sliders' shown values."""
    return driver.execute_script("""
        const box = [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')]
            .find(b => b.querySelector('.widget-output img'));
        if (!box) return null;
        return [box.querySelector('.widget-output img').src,
                box.querySelector('.widget-html-content').textContent,
                [...box.querySelectorAll('.widget-readout')].map(r => r.textContent.trim())];""")


def _changed(driver, old):
    """The widget's state once its figure, its readout and its sliders all differ from ``old``."""
    new = _widget_state(driver)
    return new if new and all(a != b for a, b in zip(new, old, strict=True)) else None


def _open_and_run_all(driver, notebook: str, kernels: str):
    """Open the notebook, wait for its kernel, run every cell; return a check that the kernel
    is idle (and connected)."""
    driver.get(notebook)
    _wait(lambda: driver.find_elements("css selector", ".jp-Notebook .jp-Cell"), 60,
          "the notebook to open")

    def idle():
        return [k for k in json.load(urllib.request.urlopen(kernels, timeout=5))
                if k["execution_state"] == "idle" and k["connections"]]

    _wait(idle, 60, "the notebook's kernel")
    driver.find_element("xpath", "//li[contains(@class,'lm-MenuBar-item')]"
                                 "[.//div[text()='Run']]").click()
    driver.find_element("css selector", 'li[data-command="runmenu:run-all"]').click()
    return idle


def _settled(idle):
    """A check that the kernel has been idle for two seconds: every cell has run."""
    def settled():
        for _ in range(5):
            if not idle():
                return False
            time.sleep(0.4)
        return True

    return settled


def _stop_kernels(kernels: str) -> None:
    """Shut down every kernel of the server (the next chapter starts its own)."""
    base, token = kernels.split("?")
    for kernel in json.load(urllib.request.urlopen(kernels, timeout=5)):
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/{kernel['id']}?{token}", method="DELETE"), timeout=10)


def test_chapter_1_widget_redraws_in_jupyterlab(lab):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    notebook, kernels = lab
    with chromium(1400, 1000) as driver:
        idle = _open_and_run_all(driver, notebook(CHAPTER.name), kernels)
        before = _wait(lambda: (s := _widget_state(driver)) and "KL(P‖Q)" in s[1] and s, 120,
                       "the widget to appear")
        assert "KL(P‖Q)" in before[1] and before[2] == ["0.60", "0.30", "0.10"]
        _wait(_settled(idle), 120, "every cell to run")
        slider = driver.execute_script("""
            const box = [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')]
                .find(b => b.querySelector('.widget-output img'));
            return box.querySelectorAll('.widget-slider')[2];""")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
        driver.save_screenshot(str(SCREENSHOTS / "lab-widget-before.png"))
        # Mouse: a click on Q(rain)'s track, at 80 % of its width. (Tried three times: on a
        # loaded machine JupyterLab may still be laying out the notebook under the pointer.)
        track = slider.find_element("css selector", ".noUi-base")
        clicked = None
        for _ in range(3):
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
            ActionChains(driver).move_to_element_with_offset(
                track, int(0.3 * track.rect["width"]), 0).click().perform()
            try:
                clicked = _wait(lambda: _changed(driver, before), 20,
                                "a redraw after a click on the slider")
                break
            except AssertionError:
                driver.save_screenshot(str(SCREENSHOTS / "lab-widget-click-missed.png"))
        assert clicked, "three clicks on the slider did not redraw the widget"
        # Keyboard: the slider's handle takes the focus; an arrow key moves it one stop.
        handle = slider.find_element("css selector", ".noUi-handle")
        driver.execute_script("arguments[0].focus()", handle)
        ActionChains(driver).send_keys(Keys.ARROW_LEFT).perform()
        after = _wait(lambda: _changed(driver, clicked), 30, "a redraw after the arrow key")
        driver.save_screenshot(str(SCREENSHOTS / "lab-widget-after.png"))
        values = [float(v) for v in after[2]]
        assert abs(sum(values) - 1) < 1e-9, f"Q does not sum to 1: {after[2]}"
        assert float(clicked[2][2]) > 0.5  # the click moved rain up
        assert float(after[2][2]) == pytest.approx(float(clicked[2][2]) - 0.05)
    _stop_kernels(kernels)


@pytest.mark.parametrize("chapter", OTHER_CHAPTERS)
def test_every_chapter_s_widget_redraws_in_jupyterlab(lab, chapter):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    notebook, kernels = lab
    try:
        with chromium(1400, 1000) as driver:
            idle = _open_and_run_all(driver, notebook(chapter), kernels)
            _wait(lambda: _widget_state(driver), 120, "the widget to appear")
            _wait(_settled(idle), 120, "every cell to run")
            before = _widget_state(driver)
            handle = driver.execute_script("""
                const box = [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')]
                    .find(b => b.querySelector('.widget-output img'));
                return box.querySelector('.widget-slider .noUi-handle');""")
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")

            def moved():
                now = _widget_state(driver)
                return now if now and now[0] != before[0] and now[1] != before[1] \
                    and now[2][0] != before[2][0] else None

            after = None
            for attempt in range(3):  # on a loaded machine JupyterLab may still take the focus
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
                driver.execute_script("arguments[0].focus()", handle)
                ActionChains(driver).send_keys(Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT) \
                    .perform()
                try:
                    after = _wait(moved, 20, f"{chapter}: a redraw after the arrow key")
                    break
                except AssertionError:
                    driver.save_screenshot(str(SCREENSHOTS / f"lab-{chapter.removesuffix('.ipynb')}"
                                                             f"-missed-{attempt}.png"))
            assert after, f"{chapter}: three arrow keys on the first slider did not redraw"
            driver.save_screenshot(str(SCREENSHOTS / f"lab-{chapter.removesuffix('.ipynb')}.png"))
            assert after[1].strip() and after[2][0] != before[2][0]
    finally:
        _stop_kernels(kernels)
