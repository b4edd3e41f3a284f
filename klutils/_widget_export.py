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

import contextlib
import hashlib
import html
import importlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import traceback
import warnings
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
#: Lossless (the same pixels as Jupyter's PNG), at the fastest effort that still compresses
#: well: 9 ms and 12 KB for chapter 1's figure (effort 25: 14 ms, 11 KB; PNG: 33 KB).
WEBP_OPTIONS = {"lossless": True, "quality": 0, "method": 2}
#: The environment variable that sets how many processes render a widget (see
#: :func:`render_workers`).
WORKERS_ENV = "KL_WIDGET_WORKERS"


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


def export(widget: InteractiveFigure, store: str | Path, *, workers: int | None = None
           ) -> Exported:
    """Render every reachable setting of ``widget`` into ``store/<widget id>/``.

    The widget id is a hash of everything written, so exporting an unchanged widget again gives
    the same id (and leaves the store as it was). The widget's own figure is drawn again at its
    current setting afterwards.

    ``workers`` processes share the settings (default :func:`render_workers`); the extra ones
    are forked copies of this process, so each draws with the very same functions and state.
    Every setting is drawn from a cleared figure, so which process draws it, and in which order,
    does not change a pixel.
    """
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    graph = settings_graph(widget)
    start = widget.key
    keys = list(graph)
    workers = render_workers(len(keys)) if workers is None else workers
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive integer; got {workers!r}")
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=store))
    work.chmod(0o755)  # a web server running as another user must read it
    digest = hashlib.sha256()
    try:
        size = _render_shared(widget, graph, keys, work, min(workers, len(keys)))
        for key in keys:
            name = setting_name(key)
            for file_name in (f"{name}.webp", f"{name}.js"):
                data = (work / file_name).read_bytes()
                digest.update(file_name.encode() + b"\0" + data + b"\0")
        start_state = read_state_script((work / f"{setting_name(start)}.js").read_bytes())
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


def render_workers(settings: int) -> int:
    """How many processes render a widget of ``settings`` settings while the book is built.

    ``$KL_WIDGET_WORKERS`` when set, else the CPUs this process may use, at most 4; one per
    20 settings at most (forking costs more than drawing a few), and 1 where ``os.fork`` is
    missing or unsafe (Windows, macOS).
    """
    if sys.platform != "linux" or not hasattr(os, "fork"):
        return 1
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"{WORKERS_ENV} must be a positive integer; got {setting!r}")
        wanted = int(setting)
    else:
        wanted = min(len(os.sched_getaffinity(0)), 4)
    return max(1, min(wanted, settings // 20))


def _render_shared(widget: InteractiveFigure, graph: dict, keys: list, work: Path,
                   workers: int) -> tuple[int, int]:
    """Render ``keys`` into ``work`` on ``workers`` processes (this one and forked copies)."""
    shares = [keys[i::workers] for i in range(workers)]  # neighbours cost alike: interleave
    children: dict[int, int] = {}
    try:
        for number, share in enumerate(shares[1:], start=1):
            with warnings.catch_warnings():
                # Python 3.12+ warns that a kernel's threads may hold locks the child needs:
                # the child only draws (in this thread's matplotlib) and writes its own files.
                warnings.filterwarnings("ignore", r"This process .* is multi-threaded",
                                        DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                _child(widget, graph, share, work, number)
            children[pid] = number
        size = _render_settings(widget, graph, shares[0], work)
        failures = []
        for pid, number in children.items():
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                report = work / f".error-{number}"
                failures.append(report.read_text() if report.is_file() else
                                f"exit status {os.waitstatus_to_exitcode(status)}")
        children.clear()
        issued: set[tuple] = set()
        for number in range(1, workers):
            _reissue_warnings(work / f".warnings-{number}", issued)
        if failures:
            raise RuntimeError("drawing the widget's settings failed in a worker process:\n"
                               + "\n".join(failures))
        return size
    finally:
        for pid in children:  # this process failed: stop and reap the others
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _render_settings(widget: InteractiveFigure, graph: dict, keys: list, work: Path
                     ) -> tuple[int, int]:
    """Draw each setting of ``keys`` and write its figure and script into ``work``."""
    size = (0, 0)
    for key in keys:
        pixels, readout, alt = widget.render(widget.values_of(key))
        size = (pixels.shape[1], pixels.shape[0])
        name = setting_name(key)
        (work / f"{name}.webp").write_bytes(encode_webp(pixels))
        (work / f"{name}.js").write_bytes(state_script(_state(readout, alt, graph[key])))
    return size


def _child(widget: InteractiveFigure, graph: dict, keys: list, work: Path, number: int
           ) -> None:  # pragma: no cover - runs in a forked process
    """A forked worker: render its share, report warnings and errors in files, never return.

    The kernel's output streams and threads belong to the parent, so the child writes nothing
    to them: its warnings are recorded and re-issued by the parent, its error is a file.
    """
    status = 1
    try:
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the process ends here
        with warnings.catch_warnings(record=True) as caught:  # the parent's filters apply
            _render_settings(widget, graph, keys, work)
        (work / f".warnings-{number}").write_text(json.dumps(
            [{"message": str(w.message), "category": _qualified(w.category),
              "filename": w.filename, "lineno": w.lineno} for w in caught]))
        status = 0
    except BaseException:
        with contextlib.suppress(BaseException):
            (work / f".error-{number}").write_text(traceback.format_exc())
    finally:
        os._exit(status)


def _qualified(category: type) -> str:
    return f"{category.__module__}:{category.__qualname__}"


def _reissue_warnings(record: Path, issued: set[tuple]) -> None:
    """Issue again, in this process, the warnings a worker recorded (once each, whichever
    workers recorded it), then delete the record."""
    if not record.is_file():
        return
    for item in json.loads(record.read_text()):
        if (seen := tuple(item.values())) in issued:
            continue
        issued.add(seen)
        module, _, name = item["category"].partition(":")
        category = getattr(importlib.import_module(module), name, UserWarning)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn_explicit(item["message"], category, item["filename"], item["lineno"])
    record.unlink()


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
