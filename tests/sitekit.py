"""Shared by the site and browser tests: the built site, a local server, headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``) driven by Debian's chromedriver through selenium.
Every host but 127.0.0.1 is unresolvable for it (``--host-resolver-rules``), so the network is cut
off as for an offline reader, and every request the page makes is recorded (Chrome's performance
log) so that a test can check that nothing came from another site.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
AXE = ROOT / "_build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

needs_site = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason="the website is not built: run `make book` first (`make test` does)")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromedriver are not installed (`make browser` installs Debian's "
           "chromium and chromium-driver where it can)")

#: The axe-core rule sets the course is held to: WCAG 2.1 levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pages(site: Path = SITE) -> list[Path]:
    """Every HTML page of the site (not the theme's assets or the notebook sources)."""
    return sorted(p for p in site.rglob("*.html")
                  if not {"_static", "_sources", "reports"} & set(p.relative_to(site).parts))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 1000) -> Iterator[object]:
    """A headless Chromium (selenium WebDriver) that can reach 127.0.0.1 only."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-extensions",
                     f"--user-data-dir={profile}", f"--window-size={width},{height}",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_script_timeout(180)  # axe-core on a long page takes seconds, more under load
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_dark(driver, dark: bool) -> None:
    """Make the page see the reader's system in dark (or light) mode; the theme follows it.

    On a loaded page, waits until the theme has switched and its colour transitions are over.
    """
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
    wanted = "dark" if dark else "light"
    if driver.execute_script("return document.readyState") == "complete" and \
            driver.execute_script("return document.documentElement.dataset.theme") is not None:
        deadline = time.monotonic() + 5
        while driver.execute_script("return document.documentElement.dataset.theme") != wanted \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the theme's colour transitions


def emulate_phone(driver, width: int = 390, height: int = 844) -> None:
    """Make the page see a phone's screen: ``width`` CSS pixels wide, touch, 3x pixels."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 3, "mobile": True})


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (from Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


#: Console messages that are not a problem of the page: Chromium's own headless notices.
_HARMLESS = re.compile(r"DevTools|Download the React DevTools")


def console_errors(driver) -> list[str]:
    """Errors and warnings in the console since the last call."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] in ("SEVERE", "WARNING") and not _HARMLESS.search(entry["message"])]


def wait_for_math(driver) -> None:
    """Wait until MathJax has typeset the page (if the page loads MathJax)."""
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        if (!window.MathJax || !window.MathJax.startup) { done(); return; }
        MathJax.startup.promise.then(() => done(), () => done());""")


def run_axe(driver, rules: list[str] | None = None) -> list[dict]:
    """axe-core's violations on the current page: of WCAG 2.1 A and AA, or of ``rules`` only."""
    if driver.execute_script("return typeof window.axe") != "object":
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: arguments[0], resultTypes: ["violations"]})
           .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))),
                 e => done([{id: "axe failed", impact: String(e), nodes: []}]));""", only)
