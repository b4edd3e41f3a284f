"""Local Sphinx extension: the widgets of ``klutils.widgets`` move on the static website.

How a widget gets onto a page (the README's "Widgets on the website" tells why this way):

1. At ``config-inited`` this extension sets the environment variable ``KL_WIDGET_STATES`` to the
   widget store, ``_build/widget-states`` (unless it is set already), so every notebook kernel
   the build starts inherits it.
2. A widget built with :func:`klutils.widgets.interactive_figure` and displayed in such a kernel
   renders each setting its controls can reach into ``<store>/<widget id>/`` and adds a
   ``text/html`` output: labelled native controls, the readout, the figure, all pointing at
   ``__KL_WIDGET_BASE__/<widget id>/`` (see :mod:`klutils._widget_export`). In that kernel it
   leaves out Jupyter's widget view, so myst-nb shows the HTML.
3. Here, each page's placeholder becomes the page's relative path to ``_static/kl-widgets``, and
   when the build finishes the folders the pages use are copied from the store into
   ``_build/html/_static/kl-widgets/`` (and folders no page uses are removed from both).
   ``_static/kl-widget.js`` and ``_static/kl-widget.css`` (loaded by every page, as Jupyter Book
   loads every script and stylesheet in ``_static``) make the controls work.

A page that references a widget whose folder is missing fails the build with the fix to apply,
so do widgets that reach more settings together than ``klutils.widgets.SITE_SETTINGS`` (each is
rendered at every build), and so does a widget shown without its static version (a notebook
executed without ``KL_WIDGET_STATES``, whose output would be a bare ``InteractiveFigure(...)``
line).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

STATES_ENV = "KL_WIDGET_STATES"
PLACEHOLDER = "__KL_WIDGET_BASE__"
SITE_FOLDER = "_static/kl-widgets"
WIDGET_ID = re.compile(r'data-kl-widget="([0-9a-f]{16})"')
BARE_WIDGET = re.compile(r"InteractiveFigure\(")

logger = logging.getLogger(__name__)


def widget_store(outdir: str | Path) -> Path:
    """The folder widgets render into: ``$KL_WIDGET_STATES``, else ``<outdir>/../widget-states``."""
    return Path(os.environ.get(STATES_ENV) or Path(outdir).parent / "widget-states").resolve()


def set_store(app, config) -> None:
    """Make the notebook kernels of this build render their widgets into the store."""
    os.environ[STATES_ENV] = str(widget_store(app.outdir))


def point_at_states(app, pagename, templatename, context, doctree) -> None:
    """Give each widget on the page the page's relative path to its settings."""
    body = context.get("body") or ""
    if BARE_WIDGET.search(body) and not WIDGET_ID.search(body):
        logger.warning(f"{pagename}: a widget is shown without its static version; its notebook "
                       f"was executed without {STATES_ENV} (remove _build/.jupyter_cache and "
                       f"build again)", type="kl_widgets")
    if PLACEHOLDER in body:
        context["body"] = body.replace(PLACEHOLDER, context["pathto"](SITE_FOLDER, 1))


def referenced_widgets(outdir: Path) -> dict[str, str]:
    """Every widget id the built pages use, with one page that uses it."""
    used: dict[str, str] = {}
    for page in outdir.rglob("*.html"):
        if "_static" in page.relative_to(outdir).parts:
            continue
        for widget_id in WIDGET_ID.findall(page.read_text(encoding="utf-8")):
            used.setdefault(widget_id, page.relative_to(outdir).as_posix())
    return used


def copy_states(app, exception) -> None:
    """Copy the settings of every widget the pages use into the site; prune the unused."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    store = widget_store(outdir)
    site = outdir / SITE_FOLDER
    used = referenced_widgets(outdir)
    missing = {i: page for i, page in used.items()
               if not (store / i).is_dir() and not (site / i).is_dir()}
    if missing:
        raise ExtensionError(
            f"the settings of widgets {missing} (widget id: page) are not in {store}; they are "
            f"written when a notebook is executed, so remove _build/.jupyter_cache and build "
            f"again (make book)")
    if any(not (site / i).is_dir() for i in used):  # a widget changed: within the budget?
        check_budget({i: site / i if (site / i).is_dir() else store / i for i in used}, used)
    site.mkdir(parents=True, exist_ok=True)
    for widget_id in used:
        if not (site / widget_id).is_dir():
            temporary = site / f".{widget_id}.partial"
            shutil.rmtree(temporary, ignore_errors=True)
            shutil.copytree(store / widget_id, temporary)
            temporary.rename(site / widget_id)
    for folder in (site, store):
        if folder.is_dir():
            for stale in folder.iterdir():
                if stale.is_dir() and stale.name not in used:
                    shutil.rmtree(stale)


def check_budget(folders: dict[str, Path], used: dict[str, str]) -> None:
    """Fail the build, before any widget is copied into the site, when the widgets reach more
    settings together than ``klutils.widgets.SITE_SETTINGS`` (a setting is one ``.js`` file of
    a widget's folder). Checked only when a widget changed, so that a rebuild with nothing
    changed does not import klutils' plotting stack."""
    from klutils.widgets import SITE_SETTINGS

    counts = {widget_id: sum(1 for _ in folder.glob("*.js"))
              for widget_id, folder in folders.items()}
    if sum(counts.values()) > SITE_SETTINGS:
        by_page = ", ".join(f"{used[i]}: {n}" for i, n in sorted(counts.items(),
                                                                 key=lambda item: -item[1]))
        raise ExtensionError(
            f"the widgets reach {sum(counts.values())} settings together, more than "
            f"klutils.widgets.SITE_SETTINGS = {SITE_SETTINGS} (each is rendered at every "
            f"build); use fewer stops or controls ({by_page})")


def setup(app):
    app.connect("config-inited", set_store)
    app.connect("html-page-context", point_at_states)
    app.connect("build-finished", copy_states)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
