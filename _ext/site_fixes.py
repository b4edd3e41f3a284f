"""Local Sphinx extension: small fixes to the built pages.

* sphinx-thebe 0.3.1 and sphinx-togglebutton add their inline configuration scripts once per
  read phase, so a page can carry two ``const THEBE_JS_URL = ...`` scripts and the browser logs
  "Identifier 'THEBE_JS_URL' has already been declared". Identical scripts are kept once.
* The book loads no widget JavaScript (``nb_ipywidgets_js: {}``, see README), so the widget state
  myst-nb embeds in each page (tens of kilobytes, PNGs included) could never render: it is
  dropped.
* No button leads nowhere: the repository, issues, edit and launch (Binder) buttons are shown only
  when ``repository.url`` in ``_config.yml`` is set to a real address (see README, "Publishing").
  Jupyter Book refuses a repository button without an address, so ``_config.yml`` does not ask
  for one; this extension turns the buttons on when the address is there.
* A hidden code cell's toggle is a ``<summary>`` whose visible text ("Show code cell source")
  is its accessible name. myst-nb 1.x also gives it ``aria-label="Toggle hidden content"``, a
  name that does not contain the visible words (axe: label-content-name-mismatch, serious), so
  a speech-input user saying "show code cell source" could not reach it. The toggle is written
  here without that label.
* Jupyter Book's root ``index.html`` is a bare redirect to the first page. Without an icon link a
  browser asks for ``/favicon.ico``, which the site does not have (a 404 in the console): the
  redirect gets the site's icon.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Addresses that are not a published repository: left empty, or the old placeholder.
UNPUBLISHED = {"", "https://github.com/kl-course/kl-divergence-course"}
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def repository_buttons(app, config) -> None:
    """Show the repository and launch buttons only when a real repository address is set."""
    options = config.html_theme_options
    url = str(options.get("repository_url") or "").strip().rstrip("/")
    if url in UNPUBLISHED:
        options.pop("repository_url", None)
        options.pop("launch_buttons", None)
        for button in REPOSITORY_BUTTONS:
            options[button] = False
    else:
        options["repository_url"] = url
        options["use_repository_button"] = True


def _script_key(script) -> tuple:
    attributes = dict(getattr(script, "attributes", {}) or {})
    if attributes.get("body"):
        return ("body", attributes.pop("body"), tuple(sorted(attributes.items())))
    return ("file", str(getattr(script, "filename", script)), tuple(sorted(attributes.items())))


def tidy_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical scripts; drop widget state when no widget manager loads."""
    no_widget_manager = not app.config.nb_ipywidgets_js
    seen: set[tuple] = set()
    kept = []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        if no_widget_manager and attributes.get("type") == WIDGET_STATE:
            continue
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def visit_hidden_cell(self, node) -> None:
    """Open a hidden cell's ``<details>``; the summary is named by its visible text."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell(self, node) -> None:
    """Close a hidden cell's ``<details>``."""
    self.body.append("</details>\n")


def hidden_cell_toggle(app, config) -> None:
    """Replace myst-nb's hidden-cell toggle by one without the mismatched ``aria-label``."""
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_hidden_cell))


REDIRECT_ICON = '<link rel="icon" href="_static/favicon.svg" type="image/svg+xml" />\n'


def icon_on_the_redirect(app, exception) -> None:
    """Give the root redirect page the site's icon (see the module docstring)."""
    page = Path(app.outdir) / "index.html"
    if exception is not None or app.builder.format != "html" or not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    if 'http-equiv="Refresh"' in text and 'rel="icon"' not in text:
        page.write_text(REDIRECT_ICON + text, encoding="utf-8")


def setup(app):
    app.connect("config-inited", repository_buttons)
    app.connect("config-inited", hidden_cell_toggle)
    app.connect("build-finished", icon_on_the_redirect, priority=900)
    app.connect("html-page-context", tidy_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
