"""The README's commands for macOS and Linux, run as written from a fresh clone.

The repository (its last commit) is cloned into a temporary folder and the README's two POSIX
blocks (``<!-- commands: setup, posix -->`` and ``<!-- commands: book and test, posix -->``) are
run there with bash, line by line, the way a learner would paste them:

- the setup block as written: ``python3 -m venv .venv``, the ``pip install -r
  requirements.txt`` into it, and JupyterLab, stopped once it serves the chapters (with
  ``--no-browser`` and a free port added, and ``--allow-root`` when run as root);
- the book and test block is not run again here: its lines (``python3 tasks.py book``, ``python3
  tasks.py test``) are exactly what ``make book`` and ``make test`` run (checked below from
  ``make -n``), so every ``make test``, which CI runs on a fresh clone, runs them in full; here
  the clone's tasks.py is checked to find the environment the setup block made complete
  (``tasks.py venv`` records it and installs nothing).

Safety: everything the commands write goes into the temporary folder: the clone, its .venv, and
a home folder (HOME, so pip's cache, Jupyter's and matplotlib's files land there too); the
commands run in the clone and are never told where this repository is (the clone's klutils is
checked to be the one imported). Each step's time is printed (``pytest -s``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_platforms import index_unreachable, supported_pythons
from test_tasks import course_download, readme_blocks

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "chapters/01_intuition.ipynb"  # the page JupyterLab must serve
#: The tasks of the README's book and test block (what `make book` and `make test` run).
TASKS = ("book", "test")

pytestmark = pytest.mark.slow


def clean_environment(home: Path) -> dict[str, str]:
    """This process's environment without its virtualenv, with HOME in the temporary folder."""
    keep = {name: value for name, value in os.environ.items()
            if name not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "KL_WIDGET_STATES",
                            "CONDA_PREFIX", "PIP_CACHE_DIR", "MPLCONFIGDIR", "IPYTHONDIR"}
            and not name.startswith(("JUPYTER", "XDG_", "PYTEST"))}
    path = [folder for folder in keep.get("PATH", "").split(os.pathsep)
            if folder and not (Path(folder).parent / "pyvenv.cfg").exists()]
    return keep | {"HOME": str(home), "PATH": os.pathsep.join(path), "PIP_NO_INPUT": "1",
                   "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def bash(line: str, cwd: Path, env: dict[str, str], timeout: float) -> tuple[float, str]:
    """Run one README line with bash; its time in seconds and its output. Fails when it fails."""
    start = time.monotonic()
    done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    took = time.monotonic() - start
    output = done.stdout + done.stderr
    if done.returncode != 0:
        if "pip install" in line and (reason := index_unreachable()):
            pytest.skip(reason)
        pytest.fail(f"`{line}` failed (exit status {done.returncode}):\n{output[-3000:]}")
    return took, output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_lab(line: str, cwd: Path, env: dict[str, str], log: Path) -> float:
    """Start the README's JupyterLab line, wait until /lab answers, stop it; seconds to serve."""
    port, token = free_port(), "fresh-clone-test"
    options = f" --no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    if getattr(os, "geteuid", lambda: 1)() == 0:
        options += " --allow-root"
    start = time.monotonic()
    with log.open("w") as output:
        lab = subprocess.Popen(["bash", "-c", f"exec {line}{options}"], cwd=cwd, env=env,
                               stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.monotonic() - start < 180:
            if lab.poll() is not None:
                pytest.fail(f"`{line}` stopped:\n{log.read_text()[-3000:]}")
            try:
                url = f"http://127.0.0.1:{port}/lab/tree/{CHAPTER}?token={token}"
                with urllib.request.urlopen(url, timeout=10) as answer:
                    page = answer.read().decode()
                assert answer.status == 200 and "JupyterLab" in page
                return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError):
                time.sleep(1)
        pytest.fail(f"JupyterLab did not answer within 180 s:\n{log.read_text()[-3000:]}")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)  # the process group this test started
        try:
            lab.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait(30)


@pytest.mark.skipif(sys.platform == "win32", reason="runs the POSIX commands")
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                    reason="needs git and bash")
def test_the_readme_commands_work_from_a_fresh_clone(tmp_path):
    home, clone = tmp_path / "home", tmp_path / "kl-course"
    home.mkdir()
    try:
        run_the_readme_commands(tmp_path, home, clone)
    finally:  # pytest keeps the last runs' folders: not 800 MB of .venv and pip cache each
        shutil.rmtree(clone, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def run_the_readme_commands(tmp_path: Path, home: Path, clone: Path) -> None:
    """The test's steps, in ``tmp_path``: the clone in ``clone``, HOME in ``home``."""
    env = clean_environment(home)
    python3 = shutil.which("python3", path=env["PATH"])
    if python3 is None:
        pytest.skip("no python3 outside a virtualenv on PATH")
    version = subprocess.run([python3, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, env=env, check=True).stdout.strip()
    if version not in supported_pythons():
        pytest.skip(f"python3 is Python {version}, which the course does not support")
    times = {}

    start = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(clone)],
                   env=env, check=True, capture_output=True, timeout=120)
    times["git clone"] = time.monotonic() - start

    blocks = readme_blocks()
    *setup, lab = course_download.block_lines(blocks["setup, posix"])
    assert "jupyter lab" in lab, "the setup block ends by opening JupyterLab"
    for line in setup:
        times[line], _ = bash(line, clone, env, timeout=900)
    where = subprocess.run([".venv/bin/python", "-c", "import klutils; print(klutils.__file__)"],
                           cwd=clone, env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(clone), "klutils comes from the clone"
    times[lab] = serve_lab(lab, clone, env, tmp_path / "lab.log")

    book_and_test = course_download.block_lines(blocks["book and test, posix"])
    assert book_and_test == [f"python3 tasks.py {task}" for task in TASKS], book_and_test
    for task in TASKS:  # what make runs for them, in the clone
        made = subprocess.run(["make", "-n", task], cwd=clone, env=env, capture_output=True,
                              text=True, check=True).stdout.split("\n")
        assert f"python3 tasks.py {task}" in made, made
    times["python3 tasks.py venv"], output = bash("python3 tasks.py venv", clone, env,
                                                  timeout=300)
    assert " pip " not in output, "the setup block left the environment incomplete:\n" + output
    assert (clone / ".venv" / ".installed").exists(), "tasks.py recorded the install"

    print("\nfresh clone, seconds per step (load " + " ".join(
        f"{x:.1f}" for x in os.getloadavg()) + "):")
    for step, took in times.items():
        print(f"  {took:6.1f}  {step}")
