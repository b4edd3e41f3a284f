"""Local Sphinx extension: small fixes to the built pages.

* sphinx-thebe 0.3.1 and sphinx-togglebutton add their inline configuration scripts once per
  read phase, so a page can carry two ``const THEBE_JS_URL = ...`` scripts and the browser logs
  "Identifier 'THEBE_JS_URL' has already been declared". Identical scripts are kept once.
* The book loads no widget JavaScript (``nb_ipywidgets_js: {}``, see README), so the widget state
  myst-nb embeds in each page (tens of kilobytes, PNGs included) could never render: it is
  dropped.
"""

from __future__ import annotations

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


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


def setup(app):
    app.connect("html-page-context", tidy_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
