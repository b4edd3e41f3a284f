"""``make grade``: grade every notebook of a folder, each in its own process, into a CSV.

For each file of the folder, :func:`grade_directory`

1. reads it with nbformat; a file that is not a readable notebook gets a row saying so;
2. finds its chapter in the notebook's metadata (``{"homework": {"chapter": ...}}``, copied
   into every student notebook), not in the file name, and loads that chapter's autograder
   record (``_build/homework/autograder/<chapter>.json``);
3. copies it into a fresh temporary folder and runs :mod:`klutils.homework._runner` there in a
   child process, in a new session, with ``HOME``, ``TMPDIR`` and the Jupyter, IPython and
   Matplotlib folders pointed inside the temporary folder, bytecode writing off, and a time
   limit. The chapter's checks reach the child through a pipe, not through a file in the
   temporary folder. The child executes the learner's cells and the chapter's public
   and hidden checks with nbclient and reports the points as JSON. After the time limit (plus
   a grace period for the kernel to start and stop) the child and its kernel are killed;
4. deletes the temporary folder.

Every outcome becomes one row of ``grades.csv`` (``submission``, ``chapter``, one column per
exercise, ``score``, ``possible``, ``error``); a failure of one submission never stops the
others.

This keeps a learner's notebook from writing into the submissions folder or the course by
accident (relative paths, ``~``, temporary files all land in the temporary folder), and from
running forever. It is **not a security sandbox**: code that uses absolute paths can still read
and write anything the instructor's account can, open network connections, or start processes
that escape the session; and the checks run in the learner's Python, so a learner set on
cheating can tamper with them. It catches mistakes, not fraud. Grade untrusted notebooks inside
a container or a throw-away account.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from klutils.homework.assignment import format_points
from klutils.homework.markup import chapter_of

__all__ = ["DEFAULT_TIMEOUT", "GRACE", "Grade", "grade_directory", "grade_file", "write_csv"]

#: Seconds a submission may run, by default.
DEFAULT_TIMEOUT = 60.0
#: Extra seconds the child gets beyond the time limit (start and stop a kernel) before a kill.
GRACE = 30.0
#: File name of the grades written into the submissions folder (never graded itself).
CSV_NAME = "grades.csv"


@dataclass
class Grade:
    """The grading of one file.

    Attributes
    ----------
    submission : str
        The file name.
    chapter : str
        The chapter found in the notebook ("" when none was found).
    scores : dict of str to float
        Points per exercise of that chapter (0 for what did not run).
    possible : float or None
        The chapter's total points (None when the chapter is unknown).
    error : str
        Empty, or what went wrong (not a notebook, timed out, raised, called sys.exit, ...).
    feedback : list of dict
        One entry per check: exercise, visibility, points, possible, passed, message.
    """

    submission: str
    chapter: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    possible: float | None = None
    error: str = ""
    feedback: list[dict[str, Any]] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Total points earned."""
        return float(sum(self.scores.values()))


def _load_autograders(autograder_dir: Path) -> dict[str, dict]:
    records = {}
    for path in sorted(autograder_dir.glob("*.json")):
        record = json.loads(path.read_text())
        records[record["chapter"]] = record
    return records


def _matplotlib_cache() -> Path | None:
    """Matplotlib's font-cache folder of the instructor's account, to copy for the child."""
    try:
        import matplotlib
        return Path(matplotlib.get_cachedir())
    except Exception:  # only a speed-up
        return None


def _child_env(root: Path, font_cache: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("home", "tmp", "config", "cache", "data", "mpl", "ipython", "jupyter"):
        (root / name).mkdir()
    if font_cache is not None and font_cache.is_dir():
        for font_list in font_cache.glob("fontlist-*.json"):
            shutil.copy(font_list, root / "mpl" / font_list.name)
    env.update({
        "HOME": str(root / "home"),
        "TMPDIR": str(root / "tmp"), "TMP": str(root / "tmp"), "TEMP": str(root / "tmp"),
        "XDG_CONFIG_HOME": str(root / "config"), "XDG_CACHE_HOME": str(root / "cache"),
        "XDG_DATA_HOME": str(root / "data"),
        "MPLCONFIGDIR": str(root / "mpl"), "IPYTHONDIR": str(root / "ipython"),
        "JUPYTER_RUNTIME_DIR": str(root / "jupyter"), "JUPYTER_CONFIG_DIR": str(root / "config"),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
    })
    env.pop("PYTHONSTARTUP", None)
    return env


def _kill_group(pid: int) -> None:
    """Kill the process group led by ``pid`` (a process this module started), if it is alive."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _remove_tree(root: Path) -> None:
    """Delete a temporary folder, even one whose notebook made parts of it read-only."""
    for folder, dirs, _files in os.walk(root):
        for name in dirs:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue  # never change anything outside the folder
            try:
                os.chmod(path, stat.S_IRWXU)
            except OSError:
                pass
    shutil.rmtree(root, ignore_errors=True)


def grade_file(path: Path | str, autograders: dict[str, dict], *,
               timeout: float = DEFAULT_TIMEOUT) -> Grade:
    """Grade one file (see the module docstring); never raises for a bad submission.

    Parameters
    ----------
    path : path-like
        The submitted file.
    autograders : dict
        Autograder records by chapter id (as written by ``make homework``).
    timeout : float
        Seconds the notebook may run.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "essay.txt").write_text("KL is a divergence.")
    >>> grade_file(folder / "essay.txt", {}).error
    'not a notebook: a .txt file'
    """
    path = Path(path)
    grade = Grade(submission=path.name)
    if path.suffix.lower() != ".ipynb":
        grade.error = f"not a notebook: a {path.suffix or 'file without extension'} file"
        return grade
    try:
        notebook = nbformat.read(path, as_version=4)
        cells = notebook.get("cells")
        if not isinstance(cells, list) or not all(
                isinstance(cell, dict) and "cell_type" in cell for cell in cells):
            raise ValueError("it has no list of cells")
    except Exception as error:  # any unreadable file is reported the same way
        reason = " ".join(str(error).split())[:120]
        grade.error = f"not a readable notebook (corrupt?): {type(error).__name__}: {reason}"
        return grade
    chapter = chapter_of(notebook)
    if chapter is None:
        grade.error = ("no homework chapter in the notebook's metadata: was it started from a "
                       "student notebook of `make homework`?")
        return grade
    grade.chapter = chapter
    if chapter not in autograders:
        grade.error = f"no autograder for chapter {chapter!r}: run `make homework`"
        return grade
    record = autograders[chapter]
    grade.scores = {exercise["label"]: 0.0 for exercise in record["exercises"]}
    grade.possible = float(record["possible"])
    root = Path(tempfile.mkdtemp(prefix="klgrade-"))
    try:
        work = root / "work"
        work.mkdir()
        shutil.copyfile(path, work / "submission.ipynb")
        env = _child_env(root, _matplotlib_cache())
        # The checks go through a pipe, not a file: the learner's code cannot read them.
        command = [sys.executable, "-B", "-m", "klutils.homework._runner", "submission.ipynb",
                   "-", f"{timeout:g}", str(root / "kernel.pid")]
        child = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        try:
            stdout, stderr = child.communicate(json.dumps(record).encode(),
                                               timeout=timeout + GRACE)
        except subprocess.TimeoutExpired:
            _kill_group(child.pid)
            pidfile = root / "kernel.pid"
            if pidfile.exists() and pidfile.read_text().strip().isdigit():
                _kill_group(int(pidfile.read_text()))
            child.communicate()
            grade.error = (f"timed out after {timeout:g} s and was stopped; nothing it had "
                           "done was scored")
            return grade
        lines = stdout.decode(errors="replace").strip().splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            tail = " ".join(stderr.decode(errors="replace").split())[-200:]
            grade.error = f"the grader failed on this notebook (exit {child.returncode}): {tail}"
            return grade
        grade.scores.update({label: float(points)
                             for label, points in result["scores"].items()
                             if label in grade.scores})
        grade.feedback = result["feedback"]
        grade.error = result["error"]
        return grade
    except Exception as error:  # a failure of one submission never stops the rest
        grade.error = f"the grader failed on this notebook: {type(error).__name__}: {error}"
        return grade
    finally:
        _remove_tree(root)


def write_csv(grades: list[Grade], path: Path | str, autograders: dict[str, dict]) -> None:
    """Write ``grades`` as CSV: submission, chapter, one column per exercise, score, possible,
    error. Exercise columns follow the chapters' order; a row leaves other chapters' empty.

    Examples
    --------
    >>> import io, tempfile
    >>> record = {"exercises": [{"label": "demo-ex1", "points": 2.0}]}
    >>> grades = [Grade("alice.ipynb", "demo", {"demo-ex1": 2.0}, 2.0),
    ...           Grade("bob.txt", error="not a notebook: a .txt file")]
    >>> path = Path(tempfile.mkdtemp()) / "grades.csv"
    >>> write_csv(grades, path, {"demo": record})
    >>> print(path.read_text().strip())
    submission,chapter,demo-ex1,score,possible,error
    alice.ipynb,demo,2,2,2,
    bob.txt,,,0,,not a notebook: a .txt file
    """
    chapters = sorted({grade.chapter for grade in grades if grade.chapter in autograders})
    labels = [exercise["label"] for chapter in chapters
              for exercise in autograders[chapter]["exercises"]]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "chapter", *labels, "score", "possible", "error"])
        for grade in grades:
            writer.writerow([
                grade.submission, grade.chapter,
                *[format_points(grade.scores[label]) if label in grade.scores else ""
                  for label in labels],
                format_points(grade.score),
                format_points(grade.possible) if grade.possible is not None else "",
                grade.error,
            ])


def grade_directory(submissions: Path | str, autograder_dir: Path | str, *,
                    timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None) -> list[Grade]:
    """Grade every file in ``submissions`` and write ``submissions/grades.csv``.

    Every regular file except hidden ones and ``grades.csv`` itself is a submission; ``.ipynb``
    files are graded and other files get a "not a notebook" row. Sub-folders are ignored.

    Parameters
    ----------
    submissions : path-like
        The folder of submitted files.
    autograder_dir : path-like
        ``_build/homework/autograder`` (written by ``make homework``).
    timeout : float
        Seconds each notebook may run.
    jobs : int, optional
        How many submissions run at the same time (default: the number of CPUs).

    Returns
    -------
    list of Grade
        One per file, sorted by file name.

    Raises
    ------
    ValueError
        If a folder does not exist, the autograder folder is empty or ``timeout`` is not
        positive.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "autograder").mkdir(); (root / "submissions").mkdir()
    >>> record = {"chapter": "demo", "exercises": [{"label": "demo-ex1", "points": 2.0}],
    ...           "possible": 2.0, "checks": []}
    >>> _ = (root / "autograder" / "demo.json").write_text(json.dumps(record))
    >>> _ = (root / "submissions" / "broken.ipynb").write_text("{ not json")
    >>> [grade.error[:24] for grade in grade_directory(root / "submissions", root / "autograder")]
    ['not a readable notebook ']
    >>> (root / "submissions" / "grades.csv").exists()
    True
    """
    submissions, autograder_dir = Path(submissions), Path(autograder_dir)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder; {submissions} is not")
    autograders = _load_autograders(autograder_dir) if autograder_dir.is_dir() else {}
    if not autograders:
        raise ValueError(f"no autograder records in {autograder_dir}: run `make homework` first")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    files = sorted(path for path in submissions.iterdir()
                   if path.is_file() and not path.name.startswith(".")
                   and path.name != CSV_NAME)
    workers = max(1, jobs or os.cpu_count() or 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's warnings about slightly invalid notebooks
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            grades = list(pool.map(lambda path: grade_file(path, autograders, timeout=timeout),
                                   files))
    write_csv(grades, submissions / CSV_NAME, autograders)
    return grades
