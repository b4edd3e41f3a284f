"""Checks on the built website (`make book` → _build/html): self-contained and readable offline.

`make test` builds the site before running pytest, so these tests read that build; run alone,
they build it first. The browser test needs Debian's `chromium` (`make test` installs it when
missing) and is skipped, saying why, where it cannot run.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs Debian's chromium "
    "when it can); the browser tests need it")

#: Tags and attributes whose URL the browser loads as part of the page (not links to follow).
LOADED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
          "video": "src", "embed": "src", "object": "data"}
LOADED_LINK_RELS = {"stylesheet", "preload", "icon", "modulepreload", "manifest", "prefetch"}


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site, building it first if it is not there."""
    if not (SITE / "index.html").exists():
        subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT),
                        "--warningiserror", "--keep-going"], check=True, cwd=ROOT)
    return SITE


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html")
                  if not {"_static", "_sources", "reports"} & set(p.relative_to(site).parts))


class _Resources(html.parser.HTMLParser):
    """Collect the URLs a page loads (scripts, styles, images, frames) and each image's alt."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.images: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append((attributes.get("src") or "", attributes.get("alt") or ""))
        if tag in LOADED and attributes.get(LOADED[tag]):
            self.urls.append(attributes[LOADED[tag]])
        if tag == "link" and LOADED_LINK_RELS & set((attributes.get("rel") or "").split()):
            self.urls.append(attributes.get("href") or "")


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


def test_site_has_every_chapter(site):
    built = {p.stem for p in (site / "chapters").glob("*.html")}
    sources = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")}
    assert sources and sources <= built


def test_no_page_loads_anything_from_another_site(site):
    offenders = {}
    for page in pages(site):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        external = [url for url in parser.urls if _is_external(url)]
        if external:
            offenders[str(page.relative_to(site))] = external
    assert not offenders, f"pages load third-party resources: {offenders}"


def test_stylesheets_load_nothing_from_another_site(site):
    pattern = re.compile(r"""(@import\s+["']?|url\(\s*["']?)(https?:)?//""", re.I)
    offenders = [str(css.relative_to(site)) for css in site.rglob("*.css")
                 if pattern.search(css.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, f"stylesheets load third-party resources: {offenders}"


def test_the_parser_sees_external_resources():
    """The check above can fail: a CDN script is recognised, a link to another site is not."""
    parser = _Resources()
    parser.feed('<script src="https://cdn.example.org/x.js"></script>'
                '<a href="https://en.wikipedia.org/wiki/KL">a link</a>'
                '<link rel="stylesheet" href="//fonts.example.org/f.css">')
    assert [u for u in parser.urls if _is_external(u)] == ["https://cdn.example.org/x.js",
                                                           "//fonts.example.org/f.css"]


def test_mathjax_is_served_by_the_site(site):
    page = (site / "chapters" / "01_intuition.html").read_text(encoding="utf-8")
    match = re.search(r'<script[^>]*src="([^"]*mathjax[^"]*)"', page)
    assert match, "no MathJax script on the first chapter"
    assert (site / "chapters" / match.group(1).split("?")[0]).resolve().is_file()


def test_search_index_finds_pinsker(site):
    index = (site / "searchindex.js").read_text(encoding="utf-8").lower()
    assert '"pinsker"' in index


def test_every_chapter_offers_its_notebook_for_download(site):
    for source in (ROOT / "chapters").glob("*.ipynb"):
        assert (site / "_sources" / "chapters" / source.name).is_file(), source.name
        page = (site / "chapters" / f"{source.stem}.html").read_text(encoding="utf-8")
        assert f"_sources/chapters/{source.name}" in page, source.name


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


@contextlib.contextmanager
def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SCREENSHOTS = ROOT / "_build" / "screenshots"

#: Console messages that mean something on the page is broken.
CONSOLE_ERROR = re.compile(r"Uncaught|Error|Failed to load resource|net::ERR_", re.I)


def _render(url: str, profile: Path, screenshot: Path, dark: bool = False) -> tuple[str, list[str]]:
    """Open ``url`` in headless Chromium with every host but 127.0.0.1 unresolvable.

    Returns the rendered DOM and the page's console messages; saves a screenshot.
    """
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               "--window-size=1280,2000", "--virtual-time-budget=10000",
               f"--screenshot={screenshot}", "--dump-dom", url]
    if dark:
        command.insert(1, "--force-dark-mode")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    console = [line.split("] ", 1)[-1] for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def _visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style|mjx-assistive-mml|math)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", dom))


def test_no_error_or_warning_in_any_output_cell(site):
    """Cell outputs carry no traceback, no error and no Python warning."""
    output = re.compile(r'<div class="cell_output[^"]*"[^>]*>(.*?)</div>\s*</div>', re.S)
    bad = re.compile(r"Traceback|Error:|Warning:|output stderr|output traceback")
    found = [f"{page.name}: {bad.search(block).group(0)}"
             for page in (site / "chapters").glob("*.html")
             for block in output.findall(page.read_text(encoding="utf-8"))
             if bad.search(block)]
    assert not found, found


def test_every_figure_has_alt_text(site):
    bad = []
    for page in (site / "chapters").glob("*.html"):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        bad += [f"{page.name}: {src}" for src, alt in parser.images
                if len(alt) < 10 or alt.endswith((".png", ".svg", ".jpg"))]
    assert not bad, f"images without alt text: {bad}"


def test_every_image_a_page_shows_is_in_the_site(site):
    missing = []
    for page in pages(site):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            if url.startswith("data:") or _is_external(url):
                continue
            target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
            if not target.exists():
                missing.append(f"{page.relative_to(site)}: {url}")
    assert not missing, missing


@needs_chromium
def test_every_page_in_a_browser_without_network(site, tmp_path):
    """Every page, light and dark theme: math typeset, no raw LaTeX, no console error.

    Screenshots go to _build/screenshots/ for a person to look at.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    jobs = [(page, dark) for page in pages(site) for dark in (False, True)]
    problems = []
    with _serve(site) as base, ThreadPoolExecutor(max_workers=2) as pool:
        def visit(job):
            page, dark = job
            relative = page.relative_to(site).as_posix()
            name = relative.replace("/", "__").removesuffix(".html") + ("-dark" if dark else "")
            dom, console = _render(f"{base}/{relative}", tmp_path / name,
                                   SCREENSHOTS / f"{name}.png", dark=dark)
            found = [f"{relative}: console: {m}" for m in console if CONSOLE_ERROR.search(m)]
            if 'class="math' in page.read_text(encoding="utf-8"):
                if "<mjx-container" not in dom:
                    found.append(f"{relative}: no typeset math")
                text = _visible_text(dom)
                if "$$" in text or "\\[" in text or "\\mathrm{" in text:
                    found.append(f"{relative}: raw LaTeX left in the text")
            return found
        for found in pool.map(visit, jobs):
            problems += found
    assert not problems, problems
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(jobs)


@needs_chromium
def test_search_finds_pinsker_in_a_browser(site, tmp_path):
    with _serve(site) as base:
        dom, console = _render(f"{base}/search.html?q=Pinsker", tmp_path / "profile",
                               tmp_path / "search.png")
    assert "05_properties.html" in dom, "searching for Pinsker does not find chapter 5"
    assert not [m for m in console if CONSOLE_ERROR.search(m)]
