"""Checks on the built website (`make book` -> _build/html): self-contained, widgets complete,
within its budgets, the whole course downloadable.

These tests read the build and never build it themselves (that takes minutes): without
_build/html they are skipped and say so. `make test` builds the book first. The browser tests are
in tests/test_browser.py.
"""

from __future__ import annotations

import html.parser
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from sitekit import ROOT, SITE, pages

from klutils._widget_export import read_state_script
from klutils.widgets import MAX_SETTINGS, SITE_SETTINGS

pytestmark = [pytest.mark.site]

#: Tags and attributes whose URL the browser loads as part of the page (not links to follow).
LOADED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
          "video": "src", "embed": "src", "object": "data"}
LOADED_LINK_RELS = {"stylesheet", "preload", "icon", "modulepreload", "manifest", "prefetch"}

#: The README's budgets for the widgets (issue 15, point 4).
PAGE_GROWTH_BUDGET = 300_000   # bytes a chapter page's first load may grow by, per page
SHARED_BUDGET = 1_000_000      # bytes of scripts shared by every page, loaded once
MOVE_BUDGET = 60_000           # bytes one move of a widget may fetch


@pytest.fixture(scope="session")
def site() -> Path:
    """The built site; the test is skipped when it is not built."""
    if not (SITE / "index.html").exists():
        pytest.skip("the website is not built: run `make book` first (`make test` does)")
    return SITE


class _Resources(html.parser.HTMLParser):
    """Collect the URLs a page loads (scripts, styles, images, frames), each image's alt and
    every link."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.images: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append((attributes.get("src") or "", attributes.get("alt") or ""))
        if tag in LOADED and attributes.get(LOADED[tag]):
            self.urls.append(attributes[LOADED[tag]])
        if tag == "link" and LOADED_LINK_RELS & set((attributes.get("rel") or "").split()):
            self.urls.append(attributes.get("href") or "")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def _parse(page: Path) -> _Resources:
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.I))


def _local(page: Path, url: str) -> Path:
    return (page.parent / url.split("?")[0].split("#")[0]).resolve()


def test_site_has_every_chapter(site):
    built = {p.stem for p in (site / "chapters").glob("*.html")}
    sources = {p.stem for p in (ROOT / "chapters").glob("*.ipynb")}
    assert sources and sources <= built


def test_no_page_loads_anything_from_another_site(site):
    offenders = {str(page.relative_to(site)): external for page in pages(site)
                 if (external := [url for url in _parse(page).urls if _is_external(url)])}
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
    bad = [f"{page.name}: {src}" for page in (site / "chapters").glob("*.html")
           for src, alt in _parse(page).images
           if len(alt) < 10 or alt.endswith((".png", ".svg", ".jpg", ".webp"))]
    assert not bad, f"images without alt text: {bad}"


def test_hidden_cell_toggles_are_named_by_their_visible_text(site):
    """No ``<summary>`` has an aria-label hiding its words (axe label-content-name-mismatch)."""
    summaries = [(page.name, tag) for page in (site / "chapters").glob("*.html")
                 for tag in re.findall(r"<summary[^>]*>", page.read_text(encoding="utf-8"))]
    assert summaries, "no hidden cell on any chapter page: the test checks nothing"
    labelled = [f"{name}: {tag}" for name, tag in summaries if "aria-label" in tag]
    assert not labelled, labelled


def test_every_page_names_its_icon(site):
    """Without a rel="icon" link a browser asks for /favicon.ico, which the site does not have."""
    missing = [page.relative_to(site).as_posix() for page in pages(site)
               if 'rel="icon"' not in page.read_text(encoding="utf-8")]
    assert not missing, missing


def test_every_image_a_page_shows_is_in_the_site(site):
    missing = [f"{page.relative_to(site)}: {url}" for page in pages(site)
               for url in _parse(page).urls
               if not url.startswith("data:") and not _is_external(url)
               and not _local(page, url).exists()]
    assert not missing, missing


# ---------------------------------------------------------------------------------------------
# No button that leads nowhere (issue 15, point 8)
# ---------------------------------------------------------------------------------------------


def test_no_repository_or_binder_button_without_a_repository(site):
    import yaml

    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    if url:
        pytest.skip(f"repository.url is set ({url}): the buttons are meant to be there")
    found = [f"{page.relative_to(site)}: {link}" for page in pages(site)
             for link in _parse(page).links
             if re.search(r"mybinder|binder\.|colab\.research|kl-course/kl-divergence-course"
                              r"|/issues/new|/edit/", link, re.I)]
    assert not found, found


def _repository_buttons(url: str) -> dict:
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from site_fixes import repository_buttons
    finally:
        sys.path.remove(str(ROOT / "_ext"))

    class Config:
        html_theme_options = {"repository_url": url, "repository_branch": "main",
                              "launch_buttons": {"binderhub_url": "https://mybinder.org"}}

    repository_buttons(None, Config)
    return Config.html_theme_options


def test_buttons_appear_only_with_a_real_repository_address():
    for unset in ("", "https://github.com/kl-course/kl-divergence-course/"):
        options = _repository_buttons(unset)
        assert "launch_buttons" not in options and "repository_url" not in options
        assert not options["use_repository_button"] and not options["use_issues_button"]
    options = _repository_buttons("https://github.com/someone/kl-course")
    assert options["repository_url"] == "https://github.com/someone/kl-course"
    assert options["use_repository_button"] and "binderhub_url" in options["launch_buttons"]


# ---------------------------------------------------------------------------------------------
# The widgets' static versions and their budgets (issue 15, points 2-4)
# ---------------------------------------------------------------------------------------------

_WIDGET = re.compile(r'<div class="kl-widget" data-kl-widget="([0-9a-f]{16})" '
                     r'data-kl-base="([^"]+)">(.*?)</script></div>', re.S)


def _widgets(site: Path) -> list[tuple[Path, str, Path, dict, str]]:
    """(page, widget id, its folder, its inline data, its markup) of every widget on the site."""
    found = []
    for page in (site / "chapters").glob("*.html"):
        for widget_id, base, markup in _WIDGET.findall(page.read_text(encoding="utf-8")):
            data = re.search(r'<script type="application/json" class="kl-widget-data">(.*)',
                             markup, re.S).group(1)
            found.append((page, widget_id, _local(page, base), json.loads(data), markup))
    return found


def test_chapter_1_shows_its_widget_on_the_website(site):
    chapter = (site / "chapters" / "01_intuition.html").read_text(encoding="utf-8")
    assert chapter.count('class="kl-widget"') == 1
    assert "not shown" not in chapter and "needs a running kernel" not in chapter
    assert "__KL_WIDGET_BASE__" not in chapter and "InteractiveFigure(" not in chapter
    for label in ("Q(sun)", "Q(cloud)", "Q(rain)"):
        assert f">{label}</label>" in chapter


def test_every_chapter_shows_a_widget_that_moves_on_the_website(site):
    """Every chapter page has at least one static widget, and no page says it is missing."""
    chapters = sorted((site / "chapters").glob("*.html"))
    assert len(chapters) >= 8
    shown = {page.name for page, *_ in _widgets(site)}
    assert [page.name for page in chapters if page.name not in shown] == []
    for page in chapters:
        text = page.read_text(encoding="utf-8")
        assert "not shown on this website" not in text and "needs a running kernel" not in text


def test_the_widgets_stay_within_the_site_s_budget_of_settings(site):
    """Each widget reaches at most MAX_SETTINGS settings, all of them at most SITE_SETTINGS."""
    counts = {f"{page.name} {widget_id}": data["settings"]
              for page, widget_id, _, data, _ in _widgets(site)}
    assert counts and all(0 < n <= MAX_SETTINGS for n in counts.values()), counts
    assert sum(counts.values()) <= SITE_SETTINGS, counts


def test_the_build_refuses_widgets_over_the_site_s_budget(tmp_path, monkeypatch):
    """_ext/kl_widgets.py counts each widget's settings and stops the build over the budget."""
    from sphinx.errors import ExtensionError

    import klutils.widgets

    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from kl_widgets import check_budget
    finally:
        sys.path.remove(str(ROOT / "_ext"))
    folders = {}
    for widget_id, settings in (("a" * 16, 3), ("b" * 16, 4)):
        folders[widget_id] = tmp_path / widget_id
        folders[widget_id].mkdir()
        for k in range(settings):
            (folders[widget_id] / f"{k}.js").write_text("klWidgetState({});")
            (folders[widget_id] / f"{k}.webp").write_bytes(b"")
    used = {"a" * 16: "chapters/01.html", "b" * 16: "chapters/02.html"}
    monkeypatch.setattr(klutils.widgets, "SITE_SETTINGS", 7)
    check_budget(folders, used)
    monkeypatch.setattr(klutils.widgets, "SITE_SETTINGS", 6)
    with pytest.raises(ExtensionError, match="7 settings together.*chapters/02.html: 4"):
        check_budget(folders, used)


def test_every_setting_of_every_widget_is_on_the_site(site):
    """Following ``next`` from the start reaches exactly the settings the widget renders; each
    has its figure and its data, and a move fetches at most 60 KB."""
    widgets = _widgets(site)
    assert widgets, "no widget on any chapter page"
    for page, _, folder, data, _ in widgets:
        assert folder.is_dir(), f"{page.name}: {folder} is missing"
        seen, todo = set(), [data["start"]]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            state = read_state_script((folder / f"{name}.js").read_bytes())
            assert state["readout"] and len(state["alt"]) > 20, (page.name, name)
            assert list(state["next"]) == [c["name"] for c in data["controls"]]
            for control in data["controls"]:
                targets = state["next"][control["name"]]
                assert len(targets) == len(control["texts"]) >= (
                    21 if control["kind"] == "slider" else 2)
                todo += targets
            move = sum((folder / f"{name}{suffix}").stat().st_size for suffix in (".webp", ".js"))
            assert move <= MOVE_BUDGET, f"{page.name}: setting {name} weighs {move} bytes"
        assert len(seen) == data["settings"], (page.name, len(seen), data["settings"])
        files = {p.name for p in folder.iterdir()}
        assert files == {f"{n}{suffix}" for n in seen for suffix in (".webp", ".js")}


def test_widgets_add_at_most_300_kb_to_a_page_and_1_mb_of_shared_files(site):
    shared = sum((site / "_static" / name).stat().st_size
                 for name in ("kl-widget.js", "kl-widget.css"))
    assert shared <= SHARED_BUDGET
    growth: dict[str, int] = {}
    for page, _, folder, data, markup in _widgets(site):
        start = (folder / f"{data['start']}.webp").stat().st_size
        growth[page.name] = growth.get(page.name, 0) + len(markup.encode()) + start
    assert growth and all(size <= PAGE_GROWTH_BUDGET for size in growth.values()), growth


def test_widget_folders_on_the_site_are_exactly_those_the_pages_use(site):
    used = {widget_id for _, widget_id, _, _, _ in _widgets(site)}
    assert {p.name for p in (site / "_static" / "kl-widgets").iterdir()} == used


# ---------------------------------------------------------------------------------------------
# The whole course as one download (issue 15, point 6)
# ---------------------------------------------------------------------------------------------


def test_the_home_page_links_the_course_archive(site):
    assert "kl-course.zip" in _parse(site / "intro.html").links
    assert (site / "kl-course.zip").is_file()


def test_the_course_archive_holds_chapters_klutils_requirements_and_a_readme(site):
    with zipfile.ZipFile(site / "kl-course.zip") as archive:
        names = set(archive.namelist())
        readme = archive.read("kl-course/README.md").decode()
        requirements = archive.read("kl-course/requirements.txt").decode()
    chapters = {f"kl-course/chapters/{p.name}" for p in (ROOT / "chapters").glob("*.ipynb")}
    modules = {f"kl-course/{p.relative_to(ROOT).as_posix()}"
               for p in (ROOT / "klutils").rglob("*.py") if "__pycache__" not in p.parts}
    assert chapters and chapters <= names and modules <= names
    assert {"kl-course/requirements.txt", "kl-course/pyproject.toml"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert requirements == (ROOT / "requirements.txt").read_text()
    assert "python -m pip install -r requirements.txt" in readme
    assert "python -m jupyter lab chapters" in readme


@pytest.mark.slow
def test_a_chapter_runs_from_the_unpacked_archive(site, tmp_path, monkeypatch):
    """Chapter 1 runs top to bottom with the archive's own klutils (not this repository's)."""
    from nbclient import NotebookClient

    with zipfile.ZipFile(site / "kl-course.zip") as archive:
        archive.extractall(tmp_path)
    course = tmp_path / "kl-course"
    notebook = nbformat.read(course / "chapters" / "01_intuition.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("print(klutils.__file__)"))
    monkeypatch.setenv("PYTHONPATH", str(course))  # the kernel inherits the environment
    monkeypatch.delenv("KL_WIDGET_STATES", raising=False)
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(course)}}).execute()
    printed = notebook.cells[-1].outputs[0]["text"]
    assert printed.strip().startswith(str(course / "klutils"))


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.ipynb")),
                         ids=lambda path: path.stem)
def test_a_missing_klutils_gets_a_clear_message(chapter):
    """The first code cell of every chapter, run where klutils is not installed."""
    notebook = nbformat.read(chapter, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "import klutils" in first.source
    done = subprocess.run([sys.executable, "-I", "-S", "-c", first.source], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: This notebook needs klutils")
    assert "kl-course.zip" in last and "pip install -r requirements.txt" in last
    assert "During handling" not in done.stderr  # one error, not two chained
