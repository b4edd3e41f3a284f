"""Execute the book's notebooks, two at a time, into Jupyter Book's cache (``make book``).

Jupyter Book executes notebooks one after the other. On this course's 2-core machines running
them in parallel is the cheapest way to pay for the widgets' settings, which are rendered while
a notebook runs (see ``_ext/kl_widgets.py``). This script fills the same cache the build reads,
``_build/.jupyter_cache``, with jupyter-cache's ``local-parallel`` executor, so the build that
follows finds every notebook executed. Before that it empties the cache when

* ``klutils`` changed since the cache was filled: jupyter-cache looks only at the notebooks, but a
  chapter's outputs and its widgets' settings must come from the klutils the site ships;
* a cached notebook shows a widget whose settings are no longer in the widget store.

Emptying the cache also empties Sphinx's saved environment (``_build/.doctrees``): Sphinx re-reads
a page only when its source changed, so without that it would keep a page made from the old
outputs. A notebook that fails here is left to the build, which executes it again and reports
the error. Run it from anywhere: ``.venv/bin/python _ext/execute_notebooks.py``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
DOCTREES = BUILD / ".doctrees"
FINGERPRINT = CACHE / "klutils.sha256"
#: A hash of klutils and every notebook, written once all of them are executed: when it has not
#: changed, nothing needs executing and jupyter-cache (slow to import) is not even loaded.
DONE = CACHE / "executed.sha256"
STATES_ENV = "KL_WIDGET_STATES"
WORKERS_ENV = "KL_WIDGET_WORKERS"
WIDGET_ID = re.compile(r'data-kl-widget=\\?"([0-9a-f]{16})')


def klutils_fingerprint(root: Path = ROOT) -> str:
    """A hash of every file of klutils (their paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted((root / "klutils").rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def missing_widgets(cache: Path, store: Path) -> set[str]:
    """Widget ids that cached notebooks show but whose settings are not in ``store``."""
    used: set[str] = set()
    for notebook in cache.glob("executed/*/*.ipynb"):
        used |= set(WIDGET_ID.findall(notebook.read_text(encoding="utf-8", errors="replace")))
    return {widget_id for widget_id in used if not (store / widget_id).is_dir()}


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks the table of contents lists."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [entry["file"] for part in toc.get("parts", []) for entry in part.get("chapters", [])]
    return [root / f"{name}.ipynb" for name in files if (root / f"{name}.ipynb").is_file()]


def widget_workers(cpus: int, notebooks: int) -> int:
    """Processes each notebook's widget may draw with (``KL_WIDGET_WORKERS``).

    jupyter-cache runs one notebook per CPU at a time; with each drawing on up to ``cpus``
    forked copies, a machine of 8 CPUs would hold 32 kernels' worth of memory. At most twice as
    many drawing processes as CPUs in all: 2 per notebook on 2 CPUs (the last notebook then
    still uses both), 2 on 8 CPUs, 1 on one CPU.
    """
    running = max(1, min(cpus, notebooks))
    return max(1, min(4, cpus, 2 * cpus // running))


def main() -> int:
    store = Path(os.environ.setdefault(STATES_ENV, str(BUILD / "widget-states")))
    fingerprint = klutils_fingerprint()
    reason = None
    if not FINGERPRINT.is_file() or FINGERPRINT.read_text() != fingerprint:
        reason = "klutils changed since the notebooks were executed"
    elif missing := missing_widgets(CACHE, store):
        reason = f"the settings of widgets {sorted(missing)} are missing"
    if reason and (CACHE.exists() or DOCTREES.exists()):
        print(f"execute_notebooks: {reason}: executing every notebook again")
        shutil.rmtree(CACHE, ignore_errors=True)
        shutil.rmtree(DOCTREES, ignore_errors=True)
    notebooks = book_notebooks()
    done = hashlib.sha256(fingerprint.encode())
    for notebook in notebooks:
        done.update(notebook.read_bytes())
    if not reason and DONE.is_file() and DONE.read_text() == done.hexdigest():
        print("execute_notebooks: every notebook is executed already")
        return 0
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    timeout = int(config.get("execute", {}).get("timeout", 300))
    cache = get_cache(str(CACHE))
    os.environ.setdefault(WORKERS_ENV, str(widget_workers(os.cpu_count() or 1, len(notebooks))))
    for notebook in notebooks:
        cache.add_nb_to_project(str(notebook))
    logger = logging.getLogger("execute_notebooks")
    logger.addHandler(logging.StreamHandler(sys.stdout))
    logger.setLevel(logging.WARNING)
    started = time.perf_counter()
    result = load_executor("local-parallel", cache=cache, logger=logger).run_and_cache(
        timeout=timeout, allow_errors=False)
    FINGERPRINT.write_text(fingerprint)
    failed = result.excepted + result.errored
    if not failed:
        DONE.write_text(done.hexdigest())
    print(f"execute_notebooks: {len(result.succeeded)} executed, {len(failed)} failed (the build "
          f"reports them) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
