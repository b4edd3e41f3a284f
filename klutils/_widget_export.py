"""The static-website version of an :class:`~klutils.widgets.InteractiveFigure`.

While the book is built, the environment variable ``KL_WIDGET_STATES`` names a folder (the
"store"). When a widget is displayed then, :func:`export` walks every setting its controls can
reach from the starting one (each control moved to each of its stops, through the widget's own
``constrain``), renders each setting once with the widget's own drawing and readout functions,
and writes, per setting ``K`` (the stop indices joined by ``-``):

* ``K.webp``: the figure, lossless WebP of the very pixels Jupyter shows as PNG;
* ``K.js``: ``klWidgetState({"readout": html, "alt": text, "next": {control: [setting per
  stop]}});`` where ``next`` says which setting each move leads to (this is how linked controls
  stay consistent without any logic in the browser). It is a script rather than a JSON file so
  that the page can load it from ``file://`` too (browsers refuse ``fetch`` there), for a reader
  who opens ``_build/html/index.html`` from disk.

The folder is named by a hash of its content, so an unchanged widget keeps its name and a stale
one can never be served. :func:`static_html` is the markup the page shows: native, labelled
``<input type="range">`` and ``<select>`` controls, the readout, the figure, and the starting
setting's data. ``_ext/kl_widgets.py`` copies the store into the site and
``_static/kl-widget.js`` swaps settings in when a control moves.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import shutil
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from klutils.widgets import InteractiveFigure

#: Replaced by the Sphinx extension with the page's relative path to ``_static/kl-widgets``.
BASE_PLACEHOLDER = "__KL_WIDGET_BASE__"
#: Lossless (the same pixels as Jupyter's PNG), at a fast setting: about 8 ms and 11 KB for
#: chapter 1's figure, against 33 KB for PNG.
WEBP_OPTIONS = {"lossless": True, "quality": 25, "method": 2}


@dataclass(frozen=True)
class Exported:
    """What :func:`export` wrote: the widget's name in the store and its starting setting."""

    widget_id: str
    start: str
    state: dict
    size: tuple[int, int]
    settings: int


def setting_name(key: tuple[int, ...]) -> str:
    """The file name (without suffix) of a setting: its stop indices joined by ``-``."""
    return "-".join(str(i) for i in key)


def settings_graph(widget: InteractiveFigure) -> dict[tuple[int, ...], dict[str, list]]:
    """Every setting reachable from the widget's current one, and where each move leads.

    Returns ``{setting: {control: [setting after moving it to stop k, for each k]}}``, in
    breadth-first order from the current setting (which comes first).

    Raises
    ------
    ValueError
        If more than :data:`klutils.widgets.MAX_SETTINGS` settings are reachable.
    """
    from klutils.widgets import MAX_SETTINGS

    start = widget.key
    graph: dict[tuple[int, ...], dict[str, list]] = {}
    seen, queue = {start}, deque([start])
    while queue:
        key = queue.popleft()
        values = widget.values_of(key)
        moves = {}
        for position, spec in enumerate(widget.specs):
            targets = []
            for stop, value in enumerate(spec.values):
                target = key if stop == key[position] else widget.key_of(
                    widget.settle({**values, spec.name: value}, spec.name))
                if target not in seen:
                    if len(seen) >= MAX_SETTINGS:
                        raise ValueError(
                            f"{widget.caption!r} reaches more than {MAX_SETTINGS} settings; the "
                            f"website renders each one, so use fewer controls or stops")
                    seen.add(target)
                    queue.append(target)
                targets.append(target)
            moves[spec.name] = targets
        graph[key] = moves
    return graph


def encode_webp(pixels: np.ndarray) -> bytes:
    """Lossless WebP bytes of an RGB image (what the website shows)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", **WEBP_OPTIONS)
    return buffer.getvalue()


def _state(readout: str, alt: str, moves: dict[str, list]) -> dict:
    return {"readout": readout, "alt": alt,
            "next": {name: [setting_name(t) for t in targets] for name, targets in moves.items()}}


def export(widget: InteractiveFigure, store: str | Path) -> Exported:
    """Render every reachable setting of ``widget`` into ``store/<widget id>/``.

    The widget id is a hash of everything written, so exporting an unchanged widget again gives
    the same id (and leaves the store as it was). The widget's own figure is drawn again at its
    current setting afterwards.
    """
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    graph = settings_graph(widget)
    start = widget.key
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=store))
    work.chmod(0o755)  # a web server running as another user must read it
    digest = hashlib.sha256()
    try:
        size = (0, 0)
        start_state: dict = {}
        for key, moves in graph.items():
            pixels, readout, alt = widget.render(widget.values_of(key))
            size = (pixels.shape[1], pixels.shape[0])
            state = _state(readout, alt, moves)
            if key == start:
                start_state = state
            name = setting_name(key)
            files = {f"{name}.webp": encode_webp(pixels),
                     f"{name}.js": state_script(state)}
            for file_name, data in files.items():
                (work / file_name).write_bytes(data)
                digest.update(file_name.encode() + b"\0" + data + b"\0")
        widget_id = digest.hexdigest()[:16]
        target = store / widget_id
        if target.is_dir():
            shutil.rmtree(work)
        else:
            work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        widget.render(widget.values)
    return Exported(widget_id, setting_name(start), start_state, size, len(graph))


def state_script(state: dict) -> bytes:
    """The file of one setting: a call of ``klWidgetState`` (see ``_static/kl-widget.js``)."""
    return f"klWidgetState({_json_for_script(state)});\n".encode()


def read_state_script(data: bytes) -> dict:
    """The setting :func:`state_script` wrote (for tests and checks)."""
    text = data.decode().strip()
    if not (text.startswith("klWidgetState(") and text.endswith(");")):
        raise ValueError("not a widget state script")
    return json.loads(text.removeprefix("klWidgetState(").removesuffix(");"))


def _json_for_script(data: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def static_html(widget: InteractiveFigure, exported: Exported, serial: int) -> str:
    """The markup of the widget on a page of the website (see the module docstring).

    ``serial`` makes the element ids unique on a page that shows several widgets. The controls
    are disabled until ``kl-widget.js`` enables them, so a page without JavaScript shows the
    starting figure with its readout and no control that does nothing.
    """
    from klutils.widgets import Slider

    esc = html.escape
    key = [int(i) for i in exported.start.split("-")]
    base = f"{BASE_PLACEHOLDER}/{exported.widget_id}/"
    rows = []
    for spec, index in zip(widget.specs, key, strict=True):
        element = f"klw{serial}-{spec.name}"
        label = f'<label for="{element}">{esc(spec.label)}</label>'
        if isinstance(spec, Slider):
            text = spec.text(spec.values[index])
            control = (f'<input type="range" id="{element}" data-kl-control="{esc(spec.name)}" '
                       f'min="0" '
                       f'max="{len(spec.values) - 1}" step="1" value="{index}" '
                       f'aria-valuetext="{esc(text)}" disabled>'
                       f'<output for="{element}" aria-hidden="true">{esc(text)}</output>')
        else:
            options = "".join(f'<option value="{i}"{" selected" if i == index else ""}>'
                              f"{esc(option)}</option>"
                              for i, option in enumerate(spec.options))
            control = (f'<select id="{element}" data-kl-control="{esc(spec.name)}" disabled>'
                       f"{options}</select>")
        rows.append(f'<div class="kl-widget-control">{label}{control}</div>')
    data = {"start": exported.start, "next": exported.state["next"],
            "controls": [{"name": spec.name,
                          "kind": "slider" if isinstance(spec, Slider) else "choice",
                          "texts": [spec.text(v) for v in spec.values]} for spec in widget.specs],
            "linked": widget.linked, "settings": exported.settings}
    width, height = exported.size
    return (
        f'<div class="kl-widget" data-kl-widget="{exported.widget_id}" data-kl-base="{base}">'
        f'<div class="kl-widget-controls" role="group" aria-label="{esc(widget.caption)}: '
        f'controls">{"".join(rows)}</div>'
        f'<div class="kl-widget-readout" aria-live="polite">{exported.state["readout"]}</div>'
        f'<img class="kl-widget-figure" src="{base}{exported.start}.webp" width="{width}" '
        f'height="{height}" alt="{esc(exported.state["alt"])}">'
        f'<script type="application/json" class="kl-widget-data">{_json_for_script(data)}'
        f"</script></div>")
