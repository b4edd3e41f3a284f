"""The course's commands without ``make``: ``python tasks.py <task> [arguments]``.

Each task runs the same steps as the ``make`` target of the same name (the Makefile calls this
file), on Windows, macOS and Linux alike: ``python tasks.py venv`` creates ``.venv`` and
installs ``requirements.txt`` into it, ``lab`` opens JupyterLab on the chapters, ``book``
builds the website, ``test`` runs every check. ``python tasks.py --help`` lists every task.

Only Python's standard library is used, so this file runs before anything is installed. Every
task but ``clean`` and ``distclean`` first brings ``.venv`` up to date, as ``make`` does: it is
(re)installed when it is missing or older than ``requirements.txt`` or ``pyproject.toml`` (the
file ``.venv/.installed`` records the last install). Each command is printed before it runs;
``--dry-run`` prints them without running anything. ``--no-venv`` runs the steps in the Python
that runs this file (an activated conda environment, say) and installs nothing.

Why not nox or invoke: both must be installed before they can install anything, which is the
one step a learner without ``make`` needs done for them.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
#: What a change of reinstalls .venv (as the Makefile's stamp rule).
INSTALL_INPUTS = ("requirements.txt", "pyproject.toml")
AXE_CORE_VERSION = "4.14.1"
AXE_CORE = ROOT / "_build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
#: What ``clean`` removes (``distclean`` also removes .venv); __pycache__ folders too.
BUILD_OUTPUT = ("_build", ".pytest_cache", ".hypothesis", ".ruff_cache")
UNIT_MARKERS = "not site and not browser and not slow"


class TaskError(Exception):
    """A step failed or cannot run; the message says which and what to do."""


# ------------------------------------------------------------------------------------------------
# Where things are


def venv_bin(venv: Path, os_name: str = os.name) -> Path:
    """The folder of a virtual environment's programs: ``Scripts`` on Windows, else ``bin``."""
    return venv / ("Scripts" if os_name == "nt" else "bin")


def program(folder: Path, name: str, os_name: str = os.name) -> Path:
    """A program in ``folder``: ``name.exe`` on Windows, else ``name``."""
    return folder / (name + ".exe" if os_name == "nt" else name)


def supported_pythons(pyproject: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The oldest and newest Python ``requires-python = ">=3.A,<3.B"`` admits, if in that form."""
    found = re.search(r'^requires-python\s*=\s*"\s*>=\s*3\.(\d+)\s*,\s*<\s*3\.(\d+)\s*"',
                      pyproject, re.M)
    return ((3, int(found[1])), (3, int(found[2]) - 1)) if found else None


def python_problem(version: tuple[int, ...], pyproject: str) -> str | None:
    """Why a Python of this version cannot create the course's .venv, or None when it can."""
    limits = supported_pythons(pyproject)
    if limits is None or limits[0] <= tuple(version[:2]) <= limits[1]:
        return None
    (old_major, oldest), (new_major, newest) = limits
    python = "py -3.13" if os.name == "nt" else "python3.13"
    return (f"the course needs Python {old_major}.{oldest} to {new_major}.{newest} (its pinned "
            f"packages have no build for others); this is Python {version[0]}.{version[1]}. "
            f"Run this file with one of those, for example `{python} tasks.py venv`.")


# ------------------------------------------------------------------------------------------------
# Running commands


class Runner:
    """Prints each command, then runs it from the repository's folder (or only prints it)."""

    def __init__(self, dry_run: bool = False, use_venv: bool = True) -> None:
        self.dry_run = dry_run
        self.use_venv = use_venv
        if use_venv:
            self.bin = venv_bin(VENV)
            self.python = program(self.bin, "python")
        else:
            self.bin = Path(sysconfig.get_path("scripts"))
            self.python = Path(sys.executable)

    def show(self, command: list[str | Path]) -> str:
        """A command as a shell would take it, with paths inside the repository made relative."""
        words = []
        for word in command:
            if isinstance(word, Path):
                word = relative(word)
            words.append(str(word))
        return subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words)

    def run(self, *command: str | Path, quiet: bool = False, check: bool = True) -> bool:
        """Run a command; False (or TaskError with ``check``) when it fails."""
        print(self.show(list(command)), flush=True)
        if self.dry_run:
            return True
        output = subprocess.DEVNULL if quiet else None
        try:
            process = subprocess.Popen([str(word) for word in command], cwd=ROOT, stdout=output,
                                       stderr=output)
        except OSError as error:
            if check:
                raise TaskError(f"{command[0]} cannot run: {error}") from None
            return False
        while True:
            try:
                returncode = process.wait()
                break
            except KeyboardInterrupt:
                # The command got the Ctrl-C too and decides what it means (JupyterLab asks,
                # pytest stops): wait for it, as make does, instead of killing it mid-way.
                continue
        if returncode != 0 and check:
            raise TaskError(f"the command above failed (exit status {returncode})")
        return returncode == 0

    def say(self, message: str) -> None:
        """Print what a step did (not in a dry run, where nothing was done)."""
        if not self.dry_run:
            print(message, flush=True)

    def tool(self, name: str) -> Path:
        """A program installed into the environment (jupyter-book, ruff, jupyter)."""
        return program(self.bin, name)


def relative(path: Path) -> str:
    """``path`` relative to the repository when inside it (as the Makefile writes paths)."""
    try:
        return path.relative_to(ROOT).as_posix() if os.name != "nt" else str(
            path.relative_to(ROOT))
    except ValueError:
        return str(path)


def is_root() -> bool:
    """Whether this runs as root (POSIX); never on Windows."""
    return getattr(os, "geteuid", lambda: 1)() == 0


# ------------------------------------------------------------------------------------------------
# The tasks: each is ``task_<name>(runner, arguments)``; its docstring is its line in --help.


def venv_is_current(root: Path = ROOT) -> bool:
    """Whether .venv was installed after the last change of requirements.txt and pyproject.toml."""
    stamp = root / STAMP.relative_to(ROOT)
    if not stamp.exists():
        return False
    return all(stamp.stat().st_mtime >= (root / name).stat().st_mtime for name in INSTALL_INPUTS)


# Run by .venv's Python: exit status 0 when every line of requirements.txt is a `name==version`
# installed at that version (or `-e .`) and klutils is found in this folder, else 1.
_PINS_INSTALLED = r"""
import importlib.metadata as metadata, importlib.util, pathlib, re, sys
root = pathlib.Path(sys.argv[1]).resolve()
for line in (root / "requirements.txt").read_text().splitlines():
    line = line.split("#")[0].strip()
    pin = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*==\s*(\S+)", line)
    if pin:
        try:
            if metadata.version(pin[1]) != pin[2]:
                sys.exit(1)
        except metadata.PackageNotFoundError:
            sys.exit(1)
    elif line not in ("", "-e ."):
        sys.exit(1)
spec = importlib.util.find_spec("klutils")
sys.exit(0 if spec and spec.origin and root in pathlib.Path(spec.origin).resolve().parents
         else 1)
"""


def pins_installed(python: Path, root: Path = ROOT) -> bool:
    """Whether ``python`` has every pin of requirements.txt and klutils from ``root``."""
    try:
        done = subprocess.run([str(python), "-I", "-c", _PINS_INSTALLED, str(root)], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def task_venv(run: Runner, arguments: list[str]) -> None:
    """create .venv from requirements.txt (every task does this first)"""
    if not run.use_venv or venv_is_current():
        return
    if not run.python.exists():
        problem = python_problem(sys.version_info, (ROOT / "pyproject.toml").read_text())
        if problem:
            raise TaskError(problem)
        run.run(Path(sys.executable), "-m", "venv", VENV)
    elif not STAMP.exists() and not run.dry_run and pins_installed(run.python):
        STAMP.touch()  # set up by hand (README's commands), complete: nothing to reinstall
        return
    run.run(run.python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run.run(run.python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt")
    if not run.dry_run:
        STAMP.touch()


def task_book(run: Runner, arguments: list[str]) -> None:
    """build the website into _build/html (every notebook runs; warnings fail)"""
    task_venv(run, [])
    run.run(run.python, "_ext/execute_notebooks.py")
    run.run(run.tool("jupyter-book"), "build", ".", "--warningiserror", "--keep-going")
    run.say(f"The website: {ROOT / '_build' / 'html' / 'index.html'}")


def task_lint(run: Runner, arguments: list[str]) -> None:
    """ruff"""
    task_venv(run, [])
    run.run(run.tool("ruff"), "check", ".")


def task_unit(run: Runner, arguments: list[str]) -> None:
    """unit, property and doc tests (no book, no browser, no grading); [PATH ...] instead of all"""
    task_venv(run, [])
    run.run(run.python, "-m", "pytest", *(arguments or ["tests", "klutils"]), "--doctest-modules",
            "-m", UNIT_MARKERS)


def task_check(run: Runner, arguments: list[str]) -> None:
    """lint + unit: the quick check before a commit"""
    task_lint(run, [])
    task_unit(run, [])


def task_notebooks(run: Runner, arguments: list[str]) -> None:
    """run every chapter top to bottom (nbval); [NOTEBOOK ...] instead of all"""
    task_venv(run, [])
    run.run(run.python, "-m", "pytest", "--nbval-lax", *(arguments or ["chapters"]))


def task_test(run: Runner, arguments: list[str]) -> None:
    """everything: lint, the strict book build (every notebook runs), all tests"""
    task_lint(run, [])
    task_book(run, [])
    task_browser(run, [])
    task_sandbox(run, [])
    # Two processes, each taking whole test files, so a file's fixtures (the book, the graded
    # homework, a JupyterLab server) are made once; the longest files first (tests/conftest.py).
    # Every notebook has already run in the strict book build; `notebooks` (nbval) runs them
    # again on their own, for a maintainer.
    run.run(run.python, "-m", "pytest", "tests", "klutils", "--doctest-modules",
            "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder")


def task_browser(run: Runner, arguments: list[str]) -> None:
    """install what the browser tests drive: chromium, chromedriver (as root), axe-core (npm)"""
    if not AXE_CORE.exists():
        npm = shutil.which("npm")
        if npm and run.run(npm, "install", "--silent", "--no-save", "--no-audit", "--no-fund",
                           "--prefix", ROOT / "_build" / "npm", f"axe-core@{AXE_CORE_VERSION}",
                           quiet=True, check=False):
            run.say(f"installed axe-core {AXE_CORE_VERSION}")
        else:
            print("note: npm could not install axe-core; the accessibility test will be skipped")
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    apt = shutil.which("apt-get")
    if (apt and is_root() and run.run(apt, "update", "-qq", quiet=True, check=False)
            and run.run(apt, "install", "-y", "-qq", "chromium", "chromium-driver", quiet=True,
                        check=False)):
        run.say("installed chromium and chromium-driver")
    else:
        print("note: chromium or chromedriver is not available; the browser tests will be skipped")


def task_sandbox(run: Runner, arguments: list[str]) -> None:
    """install bubblewrap, the grading sandbox, when missing (as root, with apt-get)"""
    if shutil.which("bwrap"):
        return
    apt = shutil.which("apt-get")
    if (apt and is_root() and run.run(apt, "update", "-qq", quiet=True, check=False)
            and run.run(apt, "install", "-y", "-qq", "bubblewrap", quiet=True, check=False)):
        run.say("installed bubblewrap")
    else:
        print("note: bubblewrap is not available (as root: apt-get install bubblewrap); grade "
              "will need --unsafe and the sandbox tests will be skipped")


def task_lab(run: Runner, arguments: list[str]) -> None:
    """JupyterLab on the chapters; [OPTION ...] go to JupyterLab"""
    task_venv(run, [])
    run.run(run.tool("jupyter"), "lab", "chapters", *(["--allow-root"] if is_root() else []),
            *arguments)


def task_bench(run: Runner, arguments: list[str]) -> None:
    """klutils speed against scipy, printed as ratios"""
    task_venv(run, [])
    run.run(run.python, "-m", "klutils.bench")


def task_homework(run: Runner, arguments: list[str]) -> None:
    """student notebooks and autograder under _build/homework"""
    task_venv(run, [])
    run.run(run.python, "-m", "klutils.homework.grader", "assign", "chapters", "--out",
            "_build/homework")


def task_grade(run: Runner, arguments: list[str]) -> None:
    """SUBMISSIONS [--timeout 60] [--memory 2G] [--chapter NAME] [--unsafe]: grade every
               notebook in the folder SUBMISSIONS, each in a sandbox (make grade's steps)"""
    parser = argparse.ArgumentParser(prog="tasks.py grade")
    parser.add_argument("submissions")
    parser.add_argument("--timeout", default="60")
    parser.add_argument("--memory", default="2G")
    parser.add_argument("--chapter")
    parser.add_argument("--unsafe", action="store_true")
    options = parser.parse_args(arguments)
    task_homework(run, [])
    task_sandbox(run, [])
    run.run(run.python, "-m", "klutils.homework.grader", "grade", options.submissions,
            "--timeout", options.timeout, "--memory", options.memory,
            *(["--chapter", options.chapter] if options.chapter else []),
            *(["--unsafe"] if options.unsafe else []),
            "--autograder", "_build/homework/autograder")


def remove(run: Runner, path: Path) -> None:
    """Remove a file or folder of the repository (a link itself, not what it points to)."""
    if path.parent != ROOT and ROOT not in path.parents:
        raise TaskError(f"refusing to remove {path}: it is outside {ROOT}")
    if not (path.exists() or path.is_symlink()):
        return
    print(f"remove {relative(path)}", flush=True)
    if run.dry_run:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def task_clean(run: Runner, arguments: list[str]) -> None:
    """remove build output (keeps .venv)"""
    for name in BUILD_OUTPUT:
        remove(run, ROOT / name)
    for folder, names, _files in os.walk(ROOT):
        here = Path(folder)
        if here == ROOT and ".venv" in names:
            names.remove(".venv")
        if "__pycache__" in names:
            names.remove("__pycache__")
            remove(run, here / "__pycache__")


def task_distclean(run: Runner, arguments: list[str]) -> None:
    """remove build output and .venv"""
    task_clean(run, [])
    remove(run, VENV)


TASKS = {name[len("task_"):]: function for name, function in globals().items()
         if name.startswith("task_")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tasks.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The course's commands (the Makefile's targets), without make.",
        epilog="tasks:\n" + "\n".join(f"  {name:<10} {function.__doc__}"
                                      for name, function in TASKS.items()))
    parser.add_argument("task", choices=TASKS, metavar="task", help="one of the tasks below")
    parser.add_argument("arguments", nargs=argparse.REMAINDER,
                        help="what the task takes (see below)")
    parser.add_argument("-n", "--dry-run", action="store_true",
                        help="print the commands without running them")
    parser.add_argument("--no-venv", action="store_true",
                        help="use the Python running this file (a conda environment, say) "
                             "instead of .venv, and install nothing")
    options = parser.parse_args(argv)
    try:
        TASKS[options.task](Runner(options.dry_run, not options.no_venv), options.arguments)
    except TaskError as error:
        print(f"tasks.py {options.task}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
