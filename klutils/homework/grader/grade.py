"""``make grade``: grade every submission of a folder into ``grades.csv`` and ``feedback/``.

:func:`grade_directory`

1. finds the submissions: every file of the folder, and every per-student sub-folder (as
   learning-management systems lay out downloads: the notebook inside is graded under the
   folder's name); hidden files and files inside a student's folder that are not notebooks are
   named in a warning. Links are never followed (a link in a submission could point at any file
   of the instructor's): at the top a link gets a row saying so, inside a student's folder a
   warning;
2. reads each notebook (UTF-8 with or without a byte-order mark, UTF-16 or UTF-32), finds its
   chapter in the notebook's metadata (or takes ``chapter=`` when it has none; with
   ``chapter=`` a notebook of another chapter is flagged, not graded), and plans the run: the
   learner's code cells in order, and where the answers of each exercise are taken out (where
   the student notebook has the exercise's check cells);
3. grades each notebook in its own process (:mod:`klutils.homework.grader.driver`), several at
   a time: the notebook runs in a sandbox (:mod:`klutils.homework.grader.sandbox`), the checks
   run in that process, outside the sandbox, on the answers taken out as data. The process
   prints its result after a per-run secret that never enters the sandbox; a result is taken
   only from a process that exits normally and prints exactly one such line, and each
   exercise's points are clamped to what it is worth;
4. writes ``grades.csv`` (one row per submission: ``submission``, ``chapter``, one column per
   exercise, ``score``, ``possible``, ``error``; cells that a spreadsheet would read as a formula
   are prefixed with ``'``) and ``feedback/<submission>.txt`` (every check's outcome, in words),
   each atomically: a reader sees the old file or the new one, never half of one.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stop every running submission at once (with bubblewrap
everything the notebook started dies with it), and ``grades.csv`` is written with what finished;
the others get a row saying they were not graded. Then :class:`GradingInterrupted` is raised.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klutils.homework.grader import cgroup, sandbox
from klutils.homework.grader.assignment import AUTOGRADER_FORMAT, format_points
from klutils.homework.grader.markup import META_KEY, chapter_of, is_check

__all__ = [
    "CSV_NAME",
    "DEFAULT_FILE_SIZE",
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "FEEDBACK_DIR",
    "Grade",
    "GradingInterrupted",
    "SandboxUnavailable",
    "Submission",
    "find_submissions",
    "grade_directory",
    "grade_file",
    "grading_plan",
    "read_notebook",
    "write_csv",
]

#: Seconds a submission's cells may run, by default (its functions get as long again).
DEFAULT_TIMEOUT = 60.0
#: Address space of each process of a submission, in bytes (``MEMORY=`` in make).
DEFAULT_MEMORY = 2 * 2**30
#: Largest file a submission may write, in bytes.
DEFAULT_FILE_SIZE = 256 * 2**20
#: Largest submitted file read, in bytes.
MAX_NOTEBOOK = 200 * 2**20
#: File name of the grades written into the submissions folder (never graded itself).
CSV_NAME = "grades.csv"
#: Folder of the per-submission feedback, next to ``grades.csv``.
FEEDBACK_DIR = "feedback"
#: The file that marks a feedback folder as the grader's (it is replaced at every run).
FEEDBACK_MARK = ".written-by-make-grade"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here (the message says why); grade with ``unsafe=True`` or not."""


class GradingInterrupted(Exception):
    """Grading was stopped by a signal, after ``grades.csv`` was written with what finished."""

    def __init__(self, signum: int, grades: list[Grade]) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum, self.grades = signum, grades


@dataclass
class Grade:
    """The grading of one submission.

    Attributes
    ----------
    submission : str
        The file name, or the student's folder name.
    chapter : str
        The chapter found in the notebook ("" when none was found).
    scores : dict of str to float
        Points per exercise of the chapter graded (0 for what did not run).
    possible : float or None
        The chapter's total points (None when the chapter is unknown).
    error : str
        Empty, or what went wrong (not a notebook, timed out, raised, called sys.exit, ...).
    feedback : list of dict
        One entry per check: exercise, visibility, points, possible, passed, answered, message.
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


@dataclass(frozen=True)
class Submission:
    """One thing to grade: a row name, the file (None when there is none), or why not."""

    name: str
    path: Path | None
    problem: str = ""


# ----------------------------------------------------------------------------- finding

def _walk_student_folder(folder: Path, warn: Callable[[str], None]) -> tuple[list[Path], list]:
    notebooks, others = [], []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder.parent)
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            if path.name.startswith("."):
                warn(f"skipped the hidden {'folder' if path.is_dir() else 'file'} {relative}")
            continue
        if path.is_symlink():
            warn(f"skipped {relative}: a link, not a file of the folder")
            continue
        if path.is_dir():
            continue
        if path.suffix.lower() == ".ipynb" and path.is_file():
            notebooks.append(path)
        else:
            others.append(path)
    return notebooks, others


def find_submissions(folder: Path | str,
                     warn: Callable[[str], None] = print) -> list[Submission]:
    """Everything in ``folder`` to grade (see the module docstring), sorted by name.

    Examples
    --------
    >>> import tempfile
    >>> scratch = tempfile.TemporaryDirectory()
    >>> root = Path(scratch.name)
    >>> (root / "alice").mkdir(); _ = (root / "alice" / "hw.ipynb").write_text("{}")
    >>> _ = (root / "bob.ipynb").write_text("{}"); _ = (root / ".DS_Store").write_text("")
    >>> [s.name for s in find_submissions(root)]
    skipped the hidden file .DS_Store
    ['alice', 'bob.ipynb']
    >>> scratch.cleanup()
    """
    folder = Path(folder)
    found: list[Submission] = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name in (CSV_NAME, FEEDBACK_DIR) or name.startswith((f".{CSV_NAME}.",
                                                                 f".{FEEDBACK_DIR}.")):
            continue  # written by the grader
        if name.startswith("."):
            warn(f"skipped the hidden {'folder' if entry.is_dir() else 'file'} {name}")
            continue
        if entry.is_symlink():  # never read a file outside the folder through a link
            found.append(Submission(name, None, "a link to a file that does not exist"
                                    if not entry.exists() else
                                    "a link to another file, not read (copy the file itself "
                                    "into the folder)"))
        elif entry.is_dir():
            notebooks, others = _walk_student_folder(entry, warn)
            for other in others:
                warn(f"skipped {other.relative_to(folder)}: not a notebook")
            if not notebooks:
                held = ", ".join(other.name for other in others[:5])
                found.append(Submission(name, None, "no notebook in this folder"
                                        + (f" (it holds {held})" if held else "")))
            elif len(notebooks) == 1:
                found.append(Submission(name, notebooks[0]))
            else:
                found += [Submission(str(path.relative_to(folder)), path) for path in notebooks]
        elif entry.is_file():
            found.append(Submission(name, entry))
        else:
            warn(f"skipped {name}: not a regular file")
    return found


# ----------------------------------------------------------------------------- reading

def read_notebook(path: Path | str) -> Any:
    """Read a notebook in UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32.

    Raises
    ------
    ValueError
        If the file is too large, not text, not JSON or not a notebook.
    """
    import nbformat

    path = Path(path)
    if path.stat().st_size > MAX_NOTEBOOK:
        raise ValueError(f"larger than {MAX_NOTEBOOK // 2**20} MB")
    data = path.read_bytes()
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"))
    encoding = next((name for bom, name in boms if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and len(data) > 1 and (data[0] == 0) != (data[1] == 0):
        encoding = "utf-16-be" if data[0] == 0 else "utf-16-le"  # UTF-16 without a mark
    text = data.decode(encoding)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbformat's warnings about slightly invalid notebooks
        notebook = nbformat.reads(text, as_version=4)
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(
            isinstance(cell, dict) and "cell_type" in cell for cell in cells):
        raise ValueError("it has no list of cells")
    return notebook


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _exercise_of_check(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get(META_KEY)
    return meta.get("exercise") if isinstance(meta, dict) else None


def _answer_of(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get(META_KEY)
    return meta.get("answer") if isinstance(meta, dict) else None


def grading_plan(submission: Any, autograder: dict) -> list[dict[str, Any]]:
    """The steps of a submission's run: its code cells, and where answers are taken out.

    The submission's code cells are kept in order; its own check cells are dropped. The
    answers of an exercise are taken out where the submission's first check cell of that
    exercise was, or else after its last answer cell for that exercise, or else at the end.

    Returns
    -------
    list of dict
        ``{"cell": n, "code": source}`` for the submission's cell number ``n`` (from 1), or
        ``{"snapshot": label, "names": [...]}``: the answers the exercise's checks read.

    Examples
    --------
    >>> record = {"checks": [{"exercise": "demo-ex1", "answers": ["answer"]}]}
    >>> cells = [{"cell_type": "code", "source": "answer = 42",
    ...           "metadata": {"homework": {"answer": "demo-ex1"}}},
    ...          {"cell_type": "code", "source": "print(1)", "metadata": {}}]
    >>> [list(step.values())[0] for step in grading_plan({"cells": cells}, record)]
    [1, 'demo-ex1', 2]
    """
    names: dict[str, set[str]] = {}
    for check in autograder["checks"]:
        names.setdefault(check["exercise"], set()).update(check.get("answers", ()))
    cells = list(submission.get("cells", []))
    anchors: dict[str, tuple[int, bool]] = {}  # exercise -> (cell index, before it?)
    for index, cell in enumerate(cells):
        exercise = _exercise_of_check(cell) if is_check(cell) else None
        if exercise in names and (exercise not in anchors or not anchors[exercise][1]):
            anchors[exercise] = (index, True)
        answer = _answer_of(cell)
        if answer in names and not (answer in anchors and anchors[answer][1]):
            anchors[answer] = (index, False)

    steps: list[dict[str, Any]] = []

    def snapshot(exercise: str) -> None:
        steps.append({"snapshot": exercise, "names": sorted(names[exercise])})

    for index, cell in enumerate(cells):
        for exercise in [ex for ex, (at, before) in anchors.items() if at == index and before]:
            snapshot(exercise)
        if cell.get("cell_type") == "code" and not is_check(cell):
            steps.append({"cell": index + 1, "code": _source(cell)})
        for exercise in [ex for ex, (at, before) in anchors.items()
                         if at == index and not before]:
            snapshot(exercise)
    for exercise in names:
        if exercise not in anchors:
            snapshot(exercise)
    return steps


# ----------------------------------------------------------------------------- grading

def _load_autograders(autograder_dir: Path) -> dict[str, dict]:
    records = {}
    for path in sorted(autograder_dir.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != AUTOGRADER_FORMAT:
            raise ValueError(f"{path} was written by another version of `make homework`: run "
                             "`make homework` again")
        records[record["chapter"]] = record
    return records


def _remove_tree(root: Path) -> None:
    """Delete a folder of the grader's, even where a notebook made parts of it read-only."""
    for folder, dirs, _files in os.walk(root):
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, stat.S_IRWXU)
    shutil.rmtree(root, ignore_errors=True)


def _first_line(text: Any, width: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _Run:
    """One ``make grade``: the shared sandbox files, the running children, the stop flag."""

    def __init__(self, autograders: dict[str, dict], *, timeout: float, memory: int,
                 file_size: int, unsafe: bool, chapter: str | None) -> None:
        self.autograders, self.timeout, self.memory = autograders, timeout, memory
        self.file_size, self.unsafe, self.chapter = file_size, unsafe, chapter
        self.dir = Path(tempfile.mkdtemp(prefix="klgrade-run-"))
        self.children: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopped: int | None = None
        #: Where each submission gets a pids cgroup (root only: see cgroup.py), and whether a
        #: root grader has no process limit at all.
        self.pids_root = None if unsafe else cgroup.pids_root()
        self.no_process_limit = not unsafe and os.geteuid() == 0 and self.pids_root is None
        try:
            self.setup = sandbox.prepare(self.dir)
            problem = None if unsafe else sandbox.probe(self.setup)
        except BaseException:
            self.close()
            raise
        if problem is not None:
            self.close()
            raise SandboxUnavailable(problem)

    def close(self) -> None:
        _remove_tree(self.dir)

    def stop(self, signum: int) -> None:
        """Kill every running submission now (called from a signal handler)."""
        self.stopped = signum
        with self.lock:
            children = list(self.children)
        for child in children:
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGKILL)

    def grade(self, submission: Submission) -> Grade:
        """Grade one submission; never raises for a bad one."""
        grade = Grade(submission=submission.name)
        if submission.problem or submission.path is None:
            grade.error = submission.problem or "nothing to grade"
            return grade
        path = submission.path
        if path.suffix.lower() != ".ipynb":
            grade.error = f"not a notebook: a {path.suffix or 'file without extension'} file"
            return grade
        try:
            notebook = read_notebook(path)
        except Exception as error:  # any unreadable file is reported the same way
            grade.error = (f"not a readable notebook (corrupt?): {type(error).__name__}: "
                           f"{_first_line(error, 120)}")
            return grade
        chapter = chapter_of(notebook)
        notes = []
        if self.chapter is not None:
            if chapter is None:
                notes.append(f"no chapter in the notebook's metadata: graded as {self.chapter}")
                chapter = self.chapter
            elif chapter != self.chapter:
                grade.chapter = chapter
                grade.possible = float(self.autograders[self.chapter]["possible"])
                grade.error = (f"this notebook is the homework of chapter {chapter}, not of "
                               f"{self.chapter}: not graded")
                return grade
        if chapter is None:
            grade.error = ("no homework chapter in the notebook's metadata: was it started from "
                           "a student notebook of `make homework`?")
            return grade
        grade.chapter = chapter
        if chapter not in self.autograders:
            grade.error = f"no autograder for chapter {chapter!r}: run `make homework`"
            return grade
        record = self.autograders[chapter]
        grade.scores = {exercise["label"]: 0.0 for exercise in record["exercises"]}
        grade.possible = float(record["possible"])
        try:
            result = self._run_driver(notebook, record)
        except Exception as error:  # a failure of one submission never stops the rest
            result = {"error": f"the grader failed on this notebook: {type(error).__name__}: "
                               f"{_first_line(error)}"}
        self._score(grade, record, result)
        grade.error = "; ".join(filter(None, [*notes, grade.error]))
        return grade

    def _run_driver(self, notebook: Any, record: dict) -> dict[str, Any]:
        import nbformat

        if self.stopped is not None:
            return {"error": "not graded: grading was stopped"}
        steps = grading_plan(notebook, record)
        secret = secrets.token_hex(16)
        root = Path(tempfile.mkdtemp(prefix="submission-", dir=self.dir))
        job = {
            "secret": secret, "notebook": nbformat.writes(notebook), "steps": steps,
            "checks": record["checks"], "timeout": self.timeout, "memory": self.memory,
            "file_size": self.file_size, "sandbox": self.setup, "unsafe": self.unsafe,
            "root": str(root),
        }
        snapshots = sum("snapshot" in step for step in steps)
        limit = 2 * self.timeout + 120 + 10 * (snapshots + 1)
        pids = None
        try:
            if self.pids_root is not None:
                pids = cgroup.PidsLimit(self.pids_root, sandbox.PROCESSES)
            child = subprocess.Popen(
                [sys.executable, "-I", "-m", "klutils.homework.grader.driver"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self.dir, start_new_session=True)
            with self.lock:
                self.children.add(child)
            if pids is not None:  # before it reads its job, it has started nothing
                try:
                    pids.add(child.pid)
                except OSError:
                    with contextlib.suppress(OSError):
                        os.killpg(child.pid, signal.SIGKILL)
                    child.communicate()
                    with self.lock:
                        self.children.discard(child)
                    raise
            if self.stopped is not None:  # a signal came between the check above and now
                with contextlib.suppress(OSError):
                    os.killpg(child.pid, signal.SIGKILL)
            try:
                stdout, stderr = child.communicate(json.dumps(job).encode(), timeout=limit)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.communicate()
                return {"error": f"the grader stopped this submission after {limit:g} s"}
            finally:
                with contextlib.suppress(OSError):
                    os.killpg(child.pid, signal.SIGKILL)
                with self.lock:
                    self.children.discard(child)
        finally:
            if pids is not None:
                pids.close()
            _remove_tree(root)
        if self.stopped is not None:
            return {"error": "not graded: grading was stopped"}
        lines = [line for line in stdout.decode(errors="replace").splitlines()
                 if line.startswith(secret + " ")]
        if child.returncode != 0 or len(lines) != 1:
            tail = _first_line(stderr.decode(errors="replace")[-600:], 200)
            return {"error": f"the grader failed on this notebook (exit {child.returncode}, "
                             f"{len(lines)} results): {tail}"}
        return json.loads(lines[0][len(secret) + 1:])

    @staticmethod
    def _score(grade: Grade, record: dict, result: dict[str, Any]) -> None:
        """Points from the checks' outcomes, clamped to what each exercise is worth."""
        outcomes = result.get("checks")
        checks = record["checks"]
        if not isinstance(outcomes, list) or len(outcomes) != len(checks):
            outcomes = [{"ran": False, "passed": False, "message": "not run"}] * len(checks)
        worth = {exercise["label"]: float(exercise["points"]) for exercise in record["exercises"]}
        for check, outcome in zip(checks, outcomes, strict=True):
            passed = isinstance(outcome, dict) and outcome.get("passed") is True
            label = check["exercise"]
            if passed:
                grade.scores[label] = min(worth[label], grade.scores[label] + check["points"])
            grade.feedback.append({
                "exercise": label, "visibility": check["visibility"],
                "points": check["points"] if passed else 0.0, "possible": check["points"],
                "passed": passed,
                "answered": bool(outcome.get("answered", True)) if isinstance(outcome, dict)
                else False,
                "message": _first_line(outcome.get("message", ""), 400)
                if isinstance(outcome, dict) else "",
            })
        grade.scores = {label: max(0.0, min(worth[label], points))
                        for label, points in grade.scores.items()}
        grade.error = _first_line(result.get("error", ""), 600)


def grade_file(path: Path | str, autograders: dict[str, dict], *,
               timeout: float = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY,
               file_size: int = DEFAULT_FILE_SIZE, unsafe: bool = False,
               chapter: str | None = None) -> Grade:
    """Grade one file (see the module docstring); never raises for a bad submission.

    Raises
    ------
    SandboxUnavailable
        If the sandbox cannot run here and ``unsafe`` is false.

    Examples
    --------
    >>> import tempfile
    >>> scratch = tempfile.TemporaryDirectory()
    >>> folder = Path(scratch.name)
    >>> _ = (folder / "essay.txt").write_text("KL is a divergence.")
    >>> grade_file(folder / "essay.txt", {}, unsafe=True).error
    'not a notebook: a .txt file'
    >>> scratch.cleanup()
    """
    run = _Run(autograders, timeout=timeout, memory=memory, file_size=file_size, unsafe=unsafe,
               chapter=chapter)
    try:
        return run.grade(Submission(Path(path).name, Path(path)))
    finally:
        run.close()


# ----------------------------------------------------------------------------- writing

def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula.

    Examples
    --------
    >>> _cell("=HYPERLINK(1)"), _cell("alice.ipynb")
    ("'=HYPERLINK(1)", 'alice.ipynb')
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_atomically(path: Path, text: str) -> None:
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                         prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def write_csv(grades: list[Grade], path: Path | str, autograders: dict[str, dict],
              chapters: list[str] | None = None) -> None:
    """Write ``grades`` as CSV, atomically: submission, chapter, one column per exercise,
    score, possible, error. Exercise columns follow the chapters' order (or ``chapters``); a
    row leaves other chapters' empty.

    Examples
    --------
    >>> import io, tempfile
    >>> record = {"exercises": [{"label": "demo-ex1", "points": 2.0}]}
    >>> grades = [Grade("alice.ipynb", "demo", {"demo-ex1": 2.0}, 2.0),
    ...           Grade("=bob.txt", error="not a notebook: a .txt file")]
    >>> scratch = tempfile.TemporaryDirectory()
    >>> path = Path(scratch.name) / "grades.csv"
    >>> write_csv(grades, path, {"demo": record})
    >>> print(path.read_text().strip())
    submission,chapter,demo-ex1,score,possible,error
    alice.ipynb,demo,2,2,2,
    '=bob.txt,,,0,,not a notebook: a .txt file
    >>> scratch.cleanup()
    """
    if chapters is None:
        chapters = sorted({grade.chapter for grade in grades if grade.chapter in autograders})
    labels = [exercise["label"] for chapter in chapters
              for exercise in autograders[chapter]["exercises"]]
    buffer = _StringWriter()
    writer = csv.writer(buffer)
    writer.writerow(["submission", "chapter", *labels, "score", "possible", "error"])
    for grade in grades:
        writer.writerow([
            _cell(grade.submission), _cell(grade.chapter),
            *[format_points(grade.scores[label]) if label in grade.scores else ""
              for label in labels],
            format_points(grade.score),
            format_points(grade.possible) if grade.possible is not None else "",
            _cell(grade.error),
        ])
    _write_atomically(Path(path), "".join(buffer.parts))


class _StringWriter:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def _feedback_name(submission: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", submission.replace(os.sep, "__")).strip("._")
    stem = stem[:120] or "submission"
    name, n = f"{stem}.txt", 2
    while name in taken:
        name, n = f"{stem}-{n}.txt", n + 1
    taken.add(name)
    return name


def feedback_text(grade: Grade, autograders: dict[str, dict]) -> str:
    """The feedback of one submission, in words, for the instructor or the student.

    Examples
    --------
    >>> grade = Grade("bob.ipynb", "demo", {"demo-ex1": 0.0}, 2.0, "", [
    ...     {"exercise": "demo-ex1", "visibility": "hidden", "points": 0.0, "possible": 2.0,
    ...      "passed": False, "answered": True, "message": "`kl` is not the right value"}])
    >>> print(feedback_text(grade, {}), end="")
    Submission: bob.ipynb
    Chapter: demo
    Score: 0 / 2
    <BLANKLINE>
    demo-ex1: 0 points
      ✘ hidden check (0 / 2): `kl` is not the right value
    """
    record = autograders.get(grade.chapter, {})
    title = f" ({record['title']})" if record.get("title") else ""
    possible = format_points(grade.possible) if grade.possible is not None else "-"
    lines = [f"Submission: {grade.submission}", f"Chapter: {grade.chapter or '-'}{title}",
             f"Score: {format_points(grade.score)} / {possible}"]
    if grade.error:
        lines.append(f"Problems: {grade.error}")
    worth = {exercise["label"]: exercise["points"] for exercise in record.get("exercises", [])}
    for label, points in grade.scores.items():
        out_of = f" / {format_points(worth[label])}" if label in worth else ""
        lines += ["", f"{label}: {format_points(points)}{out_of} points"]
        for entry in grade.feedback:
            if entry["exercise"] != label:
                continue
            mark = "✔" if entry["passed"] else "✘"
            text = "passed" if entry["passed"] else entry["message"] or "failed"
            earned = (f"{format_points(entry['points'])} / {format_points(entry['possible'])}"
                      if entry["possible"] else "feedback only")
            lines.append(f"  {mark} {entry['visibility']} check ({earned}): {text}")
    return "\n".join(lines) + "\n"


def write_feedback(grades: list[Grade], folder: Path | str,
                   autograders: dict[str, dict]) -> None:
    """Replace ``folder`` with one text file per submission (see :func:`feedback_text`)."""
    folder = Path(folder)
    fresh = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    (fresh / FEEDBACK_MARK).write_text("make grade replaces this folder at every run\n")
    taken: set[str] = set()
    for grade in grades:
        (fresh / _feedback_name(grade.submission, taken)).write_text(
            feedback_text(grade, autograders), encoding="utf-8")
    fresh.chmod(0o755)
    old = None
    if folder.is_dir() and not folder.is_symlink():
        old = folder.parent / f".{folder.name}.old-{secrets.token_hex(4)}"
        folder.rename(old)
    elif folder.exists() or folder.is_symlink():
        folder.unlink()
    fresh.rename(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def grade_directory(submissions: Path | str, autograder_dir: Path | str, *,
                    timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None,
                    memory: int = DEFAULT_MEMORY, file_size: int = DEFAULT_FILE_SIZE,
                    unsafe: bool = False, chapter: str | None = None,
                    warn: Callable[[str], None] | None = None) -> list[Grade]:
    """Grade every submission in ``submissions``; write ``grades.csv`` and ``feedback/``.

    Parameters
    ----------
    submissions : path-like
        The folder of submitted files and per-student folders.
    autograder_dir : path-like
        ``_build/homework/autograder`` (written by ``make homework``).
    timeout : float
        Seconds each notebook's cells may run (its functions, called on the checks' inputs
        afterwards, get as long again, at most 10 s a call).
    jobs : int, optional
        How many submissions run at the same time (default: the number of CPUs).
    memory, file_size : int
        Bytes of address space each process of a submission may use, and of the largest file
        it may write.
    unsafe : bool
        Run without the sandbox (only where bubblewrap cannot run, for trusted notebooks).
    chapter : str, optional
        The chapter assigned: a notebook of another chapter is flagged, not graded, and one
        without a chapter in its metadata is graded as this one.
    warn : callable, optional
        Called with a line for every file skipped without a row (default: print to stderr).

    Returns
    -------
    list of Grade
        One per submission, sorted by name.

    Raises
    ------
    ValueError
        If a folder does not exist, the autograder folder is empty or of another version,
        ``chapter`` has no autograder, a limit is not positive, or ``feedback/`` is there but
        not the grader's.
    SandboxUnavailable
        If the sandbox cannot run here and ``unsafe`` is false.
    GradingInterrupted
        After SIGINT, SIGTERM or SIGHUP, once ``grades.csv`` holds what finished.
    """
    submissions, autograder_dir = Path(submissions), Path(autograder_dir)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder; {submissions} is not")
    autograders = _load_autograders(autograder_dir) if autograder_dir.is_dir() else {}
    if not autograders:
        raise ValueError(f"no autograder records in {autograder_dir}: run `make homework` first")
    if chapter is not None and chapter not in autograders:
        raise ValueError(f"no autograder for chapter {chapter!r}; the chapters are: "
                         f"{', '.join(sorted(autograders))}")
    for name, value in (("timeout", timeout), ("memory", memory), ("file_size", file_size)):
        if not value > 0:
            raise ValueError(f"{name} must be positive; got {value!r}")
    feedback = submissions / FEEDBACK_DIR
    if (feedback.exists() or feedback.is_symlink()) and not (feedback / FEEDBACK_MARK).is_file():
        raise ValueError(f"{feedback} exists and was not written by `make grade`, which replaces "
                         "that folder: rename it (a student's folder?) and grade again")
    warn = warn or (lambda line: print(f"warning: {line}", file=sys.stderr))
    found = find_submissions(submissions, warn)
    run = _Run(autograders, timeout=timeout, memory=memory, file_size=file_size, unsafe=unsafe,
               chapter=chapter)
    if run.no_process_limit:
        warn("grading as root without a writable pids cgroup: Linux does not apply the "
             "sandbox's process limit to root, so a fork bomb is stopped only by the time "
             "limit; grade as an ordinary user")
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            handlers[signum] = signal.signal(signum, lambda signum, _frame: run.stop(signum))
    results: dict[int, Grade] = {}
    try:
        workers = max(1, jobs or os.cpu_count() or 1)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
        futures = {pool.submit(run.grade, submission): index
                   for index, submission in enumerate(found)}
        pending = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(pending, timeout=0.2)
            for future in done:
                if not future.cancelled():
                    results[futures[future]] = future.result()
            if run.stopped is not None:
                for future in pending:
                    future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        run.close()
    grades = [results.get(index) or Grade(found[index].name, error="not graded: grading was "
                                                                    "stopped")
              for index in range(len(found))]
    for grade in grades:
        if run.stopped is not None and grade.error.startswith("not graded: grading was stopped"):
            grade.error = (f"not graded: grading was stopped by "
                           f"{signal.Signals(run.stopped).name}")
    write_csv(grades, submissions / CSV_NAME, autograders,
              [chapter] if chapter is not None else None)
    write_feedback(grades, submissions / FEEDBACK_DIR, autograders)
    if run.stopped is not None:
        raise GradingInterrupted(run.stopped, grades)
    return grades
