"""Homework tools: student notebooks, checks, and grading of submissions, honest and hostile.

The expensive part, grading, runs once per session in one folder and one grading run
(``graded``), with as many jobs as CPUs: for every chapter with homework metadata, the chapter
itself (the master solution) and its student version, and for the first chapter a copy with a
broken answer; small chapter-1 notebooks for the honest cases (wrong types, NaN, a raising
function, a function too slow on the hidden inputs, a dead kernel after an answer,
``sys.exit``, deleted files, BOM, UTF-16, 50 MB, student folders as an LMS lays them out, odd
file names); and every attack in ``tests/homework_attacks/`` (text templates, filled in and run
only inside the sandbox). A few command-line runs (endless loops, Ctrl-C, SIGTERM,
``--chapter``, no sandbox) are small and separate. Every test that grades is marked ``slow``.
"""

from __future__ import annotations

import ast
import codecs
import contextlib
import csv
import functools
import json
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from klutils.homework import exercise
from klutils.homework.checks import RESULTS
from klutils.homework.grader import (
    HomeworkFormatError,
    assign,
    cgroup,
    driver,
    grade_directory,
    make_assignment,
    sandbox,
    stub_solution,
    wire,
)
from klutils.homework.grader.grade import Grade, _Run, grading_plan, read_notebook
from klutils.homework.grader.markup import answers_of, chapter_of, iter_directives

ROOT = Path(__file__).resolve().parents[1]
ATTACKS = Path(__file__).with_name("homework_attacks")
#: Seconds each graded notebook may run here: twice the default of `make grade`, as the tests
#: share a loaded 2-core machine (51 notebooks took 389 s there, two at a time, at a load
#: average of 10 to 12: 15 s each on average, the chapters longer).
TIMEOUT = 120.0
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
JOBS = os.cpu_count() or 1


def _homework_chapters() -> list[Path]:
    chapters = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        try:
            if chapter_of(nbformat.read(path, as_version=4)):
                chapters.append(path)
        except Exception:  # noqa: BLE001 - a chapter being written may not parse yet
            continue
    return chapters


CHAPTERS = _homework_chapters()
STEMS = [path.stem for path in CHAPTERS]
#: Chapters graded with a broken answer too. Every chapter's master (full marks) and student
#: version (zero) are graded; a broken copy is one more full run of a chapter, so only the first
#: chapter gets one (the partial-marks path is the same for all).
BROKEN = STEMS[:1]


@functools.cache
def sandbox_problem() -> str | None:
    """Why bubblewrap cannot run here (None when it can); asked once."""
    folder = Path(tempfile.mkdtemp(prefix="klgrade-probe-"))
    try:
        return sandbox.probe(sandbox.prepare(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def needs_sandbox():
    """Skip, saying why, where the grading sandbox cannot run."""
    if sandbox_problem() is not None:
        pytest.skip(f"the grading sandbox cannot run here ({sandbox_problem()}); `make sandbox` "
                    "installs bubblewrap where apt-get can")


def _unsafe() -> list[str]:
    """The command-line option that grades without the sandbox, where it cannot run."""
    return ["--unsafe"] if sandbox_problem() else []


# ----------------------------------------------------------------------------- helpers

def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _marked_lines(source: str) -> set[int]:
    """Line numbers (from 1) that otter-style markers give to the solution."""
    marked, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        text = line.strip().upper().replace(" ", "")
        if text.startswith("#BEGINSOLUTION"):
            inside = True
            marked.add(number)
        elif text.startswith("#ENDSOLUTION"):
            inside = False
            marked.add(number)
        elif inside or text.endswith("#SOLUTION"):
            marked.add(number)
    return marked


def _solution_code(source: str) -> list[str]:
    """The solution's own lines: marked lines (markers removed), or every line if unmarked."""
    marked = _marked_lines(source)
    lines = source.splitlines()
    chosen = [lines[n - 1] for n in sorted(marked)] if marked else lines
    code = [re.sub(r"#\s*SOLUTION\s*$", "", line).strip() for line in chosen]
    return [line for line in code if line and not line.startswith("#")]


def _answer_names(source: str) -> list[str]:
    """Names bound by the marked statements of a solution cell (what the checks read)."""
    marked = _marked_lines(source)
    names: list[str] = []
    for node in ast.parse(source).body:
        if not marked & set(range(node.lineno, node.end_lineno + 1)):
            continue
        if isinstance(node, ast.FunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target,
                                                                          ast.Name):
            names.append(node.target.id)
    return names


def _solution_blocks(notebook):
    """(label, cell) for every cell inside a {solution-start} ... {solution-end} block."""
    label = None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for directive in iter_directives(cell.source):
                if directive.name == "solution-start":
                    label = directive.label
                elif directive.name == "solution-end":
                    yield label, cell
                    label = None
        if label is not None:
            yield label, cell


BREAK = '''

def _broken(value):
    if callable(value):
        return lambda *args, **kwargs: _broken(value(*args, **kwargs))
    if isinstance(value, str):
        return value + "?"
    try:
        return value * 1.5 + 1.0
    except TypeError:
        return None
'''


def _broken_copy(master, graded: set[str]):
    """The master with the answer of its first graded exercise made wrong; and that label."""
    notebook = nbformat.from_dict(master)
    for label, cell in _solution_blocks(notebook):
        if (label in graded and cell.cell_type == "code" and "solution" in _tags(cell)
                and _marked_lines(cell.source) and _answer_names(cell.source)):
            names = _answer_names(cell.source)
            cell.source += BREAK + "".join(f"{name} = _broken({name})\n" for name in names)
            return notebook, label
    raise AssertionError("no graded answer cell to break")


def _notebook(chapter: str | None, *cells):
    """A notebook of ``chapter`` (None: no homework metadata) from sources or cells."""
    metadata = {"kernelspec": KERNELSPEC}
    if chapter is not None:
        metadata["homework"] = {"chapter": chapter}
    return new_notebook(cells=[new_code_cell(cell) if isinstance(cell, str) else cell
                               for cell in cells], metadata=metadata)


def _check_cell(label: str):
    """Where the student notebook has the check cell of ``label`` (its answers are read here)."""
    return new_code_cell(f"# the check of {label}", metadata={
        "tags": ["remove-cell", "public-check"], "homework": {"exercise": label, "points": 0}})


KL_COIN = ("import numpy as np\n\np_coin, q_coin = np.array([0.5, 0.5]), np.array([0.9, 0.1])\n"
           "kl_coin = (p_coin * np.log2(p_coin / q_coin)).sum()")
LARGEST = '''
import numpy as np


def largest_contribution(p, q, labels):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return labels[int(np.argmax(terms))]
'''

#: Honest chapter-1 submissions: cells, points per exercise, words expected in the feedback.
HONEST = {
    "wrong-types.ipynb": (
        ['kl_coin = "0.737"', "which_is_infinite = 1",
         "def largest_contribution(p, q, labels):\n    return 3"],
        {"ch01-ex1": 0, "ch01-ex2": 0, "ch01-ex3": 0},
        ["should be a single real number, not a str", "should be one of the strings",
         "gives a wrong result"]),
    "nan.ipynb": (
        ["kl_coin = float('nan')", 'which_is_infinite = "a"'],
        {"ch01-ex1": 0, "ch01-ex2": 2, "ch01-ex3": 0},
        ["`kl_coin` is nan, but the answer is a finite number", "`largest_contribution` is not "
         "defined"]),
    "raises.ipynb": (
        [KL_COIN, 'which_is_infinite = "(A)"',
         "def largest_contribution(p, q, labels):\n    raise ValueError('no idea')"],
        {"ch01-ex1": 2, "ch01-ex2": 2, "ch01-ex3": 0},
        ["raised ValueError: no idea on test input 1 of 1"]),
    "slow-function.ipynb": (
        [KL_COIN, LARGEST + "\n\nslow = largest_contribution\n\n\n"
         "def largest_contribution(p, q, labels):\n    while len(p) > 3:\n        pass\n"
         "    return slow(p, q, labels)"],
        {"ch01-ex1": 2, "ch01-ex2": 0, "ch01-ex3": 1},
        ["raised TimeoutError: no result within"]),
    "dies-after-answer.ipynb": (
        [KL_COIN, _check_cell("ch01-ex1"), "import os\nos._exit(1)", 'which_is_infinite = "a"'],
        {"ch01-ex1": 2, "ch01-ex2": 0, "ch01-ex3": 0},
        ["the notebook's Python stopped in cell 3"]),
    "exits.ipynb": (
        ["import sys\nsys.exit(3)", "print('after the exit')"],
        {"ch01-ex1": 0, "ch01-ex2": 0, "ch01-ex3": 0},
        ["cell 1 called sys.exit(3)"]),
    "deletes.ipynb": (
        ["import os\nfor name in os.listdir('.'):\n    os.remove(name)\n"
         "open('stray.txt', 'w').write('x')\n"
         "open(os.path.expanduser('~/stray.txt'), 'w').write('x')", KL_COIN],
        {"ch01-ex1": 2, "ch01-ex2": 0, "ch01-ex3": 0},
        ["deleted files in its working folder: submission.ipynb"]),
    "all-correct.ipynb": (
        [KL_COIN, 'which_is_infinite = "a"', LARGEST],
        {"ch01-ex1": 2, "ch01-ex2": 2, "ch01-ex3": 3}, []),
}
#: The same, written in other encodings, or very large.
ENCODED = {"bom.ipynb": "utf-8-sig", "utf16.ipynb": "utf-16"}
#: What each attack may earn: only what it answered.
ATTACK_POINTS = {path.stem: {"ch01-ex1": 0, "ch01-ex2": 0, "ch01-ex3": 0}
                 for path in sorted(ATTACKS.glob("*.txt"))}
for _name in ("delete_outside", "huge_output"):  # they answer ch01-ex1 honestly
    ATTACK_POINTS[_name]["ch01-ex1"] = 2
#: Honest cases that delete or write files: run only in the sandbox, like the attacks.
SANDBOX_ONLY = {"deletes.ipynb"}


GUARD = 'assert "$TOKEN".startswith("kltoken")'


def test_attack_templates_are_text_that_stops_at_its_first_line():
    """Attack code is never a .py file (``pytest --doctest-modules`` would import it, outside any
    sandbox), and each of its cells stops at once unless the test filled in its placeholders."""
    assert not list(ATTACKS.glob("*.py")) and len(ATTACK_POINTS) >= 14
    assert [path.name for path in ATTACKS.iterdir()] == [
        path.name for path in ATTACKS.iterdir() if path.suffix in (".txt", ".md")]
    for path in ATTACKS.glob("*.txt"):
        # pytest collects test*.txt files as doctests by default (--doctest-glob): never that.
        assert not path.name.startswith("test") and ">>>" not in path.read_text(), path.name
        cells = re.split(r"^# %%.*$", path.read_text(), flags=re.M)
        assert all(cell.strip("\n").startswith(GUARD) for cell in cells), path.name
        with pytest.raises(AssertionError, match="an attack template"):
            exec(compile(cells[0], str(path), "exec"), {})


def _attack_notebook(path: Path, values: dict[str, str]):
    text = string.Template(path.read_text()).substitute(values)
    cells = [cell.strip("\n") for cell in re.split(r"^# %%.*$", text, flags=re.M)]
    return _notebook("01_intuition", *[cell for cell in cells if cell])


class Listener:
    """A TCP service on 127.0.0.1 that records who connects."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections: list[tuple] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                connection, address = self.server.accept()
            except OSError:
                continue
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def _processes() -> dict[int, bytes]:
    """Command lines of the processes of this machine."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
    return found


def _descendants(pid: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _our_temp_folders() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("klgrade-run-")}


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def homework(tmp_path_factory):
    """``make homework`` into a temporary folder: (folder, assignments by chapter)."""
    out = tmp_path_factory.mktemp("homework")
    made, _skipped = assign(ROOT / "chapters", out)
    return out, {assignment.chapter: assignment for assignment in made}


@pytest.fixture(scope="session")
def graded(homework, tmp_path_factory):
    """Grade one folder holding every kind of submission, honest and hostile, once."""
    out, made = homework
    folder = tmp_path_factory.mktemp("submissions")
    expected, broken_labels = {}, {}
    for number, chapter in enumerate(sorted(made)):
        # File names that do not tell the chapter: the grader must read it from the notebook.
        master = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
        nbformat.write(master, folder / f"solution {number}.ipynb")
        nbformat.write(made[chapter].student, folder / f"untouched-{number}.ipynb")
        expected.update({f"solution {number}.ipynb": chapter, f"untouched-{number}.ipynb": chapter})
        if chapter in BROKEN:
            graded_labels = {e["label"] for e in made[chapter].autograder["exercises"]}
            broken, label = _broken_copy(master, graded_labels)
            nbformat.write(broken, folder / f"attempt_{number}.ipynb")
            expected[f"attempt_{number}.ipynb"] = chapter
            broken_labels[f"attempt_{number}.ipynb"] = label
    for name, (cells, _points, _words) in HONEST.items():
        if name not in SANDBOX_ONLY or sandbox_problem() is None:
            nbformat.write(_notebook("01_intuition", *cells), folder / name)
    text = nbformat.writes(_notebook("01_intuition", KL_COIN))
    for name, encoding in ENCODED.items():
        (folder / name).write_bytes(text.encode(encoding))
    big = _notebook("01_intuition", KL_COIN)
    big.cells[0].outputs = [new_output("stream", name="stdout", text="x" * (50 * 2**20))]
    nbformat.write(big, folder / "big.ipynb")
    lms = folder / "Alice Smith_1234_assignsubmission_file_"
    lms.mkdir()
    nbformat.write(_notebook("01_intuition", KL_COIN, 'which_is_infinite = "a"'),
                   lms / "homework1.ipynb")
    (lms / "notes.pdf").write_bytes(b"%PDF-1.4")
    (lms / ".ipynb_checkpoints").mkdir()
    nbformat.write(_notebook("01_intuition"), lms / ".ipynb_checkpoints" / "x-checkpoint.ipynb")
    (folder / "bob").mkdir()
    nbformat.write(_notebook("01_intuition", KL_COIN), folder / "bob" / "first.ipynb")
    (folder / "bob" / "second.ipynb").write_text("{ not json")
    (folder / "carol").mkdir()
    (folder / "carol" / "answers.txt").write_text("a, b, c")
    (folder / "=HYPERLINK(1).txt").write_text("a formula in a file name")
    (folder / "ghost.ipynb").symlink_to(folder / "no-such-file.ipynb")
    (folder / "shadow.ipynb").symlink_to(ROOT / "chapters" / "01_intuition.ipynb")
    (folder / "bob" / "linked.ipynb").symlink_to(ROOT / "chapters" / "01_intuition.ipynb")
    (folder / ".DS_Store").write_bytes(b"\0")
    text = (folder / "untouched-0.ipynb").read_text()
    (folder / "corrupt.ipynb").write_text(text[: len(text) // 2])
    (folder / "notes.txt").write_text("not a notebook")
    nbformat.write(_notebook("no_such_chapter", "x = 1"), folder / "stranger.ipynb")
    nbformat.write(_notebook(None, "x = 1"), folder / "blank.ipynb")

    token = f"kltoken{os.getpid()}x{time.time_ns() % 10**9}"
    outside = tmp_path_factory.mktemp("outside")
    decoys = [outside / f"decoy-{token}.txt", folder.parent / f"decoy-{token}.txt",
              Path(tempfile.gettempdir()) / f"decoy-{token}.txt"]
    for decoy in decoys:
        decoy.write_text("keep me")
    listener = Listener()
    env_name = f"KLGRADE_SECRET_{token.upper()}"
    attacks = []
    if sandbox_problem() is None:
        values = {"ROOT": str(ROOT), "AUTOGRADER": str(out / "autograder"),
                  "GRADES": str(folder / "grades.csv"), "FEEDBACK": str(folder / "feedback"),
                  "DECOY": str(decoys[0]),
                  "DECOY_NAME": decoys[0].name, "PORT": str(listener.port),
                  "ENV_NAME": env_name, "TOKEN": token}
        for path in sorted(ATTACKS.glob("*.txt")):
            nbformat.write(_attack_notebook(path, values), folder / f"attack-{path.stem}.ipynb")
            attacks.append(path.stem)
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()
              if not path.is_symlink()}
    records = {path.name: path.read_bytes() for path in (out / "autograder").iterdir()}
    temp_before = _our_temp_folders()
    warnings: list[str] = []
    os.environ[env_name] = "a"
    started = time.monotonic()
    try:
        grades = grade_directory(folder, out / "autograder", timeout=TIMEOUT, jobs=JOBS,
                                 unsafe=sandbox_problem() is not None, warn=warnings.append)
    finally:
        del os.environ[env_name]
        listener.close()
    returned = time.monotonic()
    csv_bytes = (folder / "grades.csv").read_bytes()
    yield {
        "folder": folder, "before": before, "expected": expected, "broken": broken_labels,
        "grades": {grade.submission: grade for grade in grades}, "made": made,
        "warnings": warnings, "decoys": decoys, "connections": listener.connections,
        "token": token, "attacks": attacks, "csv": csv_bytes, "returned": returned,
        "temp_before": temp_before, "seconds": returned - started, "records": records,
        "autograder": out / "autograder",
    }
    for decoy in decoys:
        decoy.unlink(missing_ok=True)


def _points(made, chapter: str) -> dict[str, float]:
    return {e["label"]: e["points"] for e in made[chapter].autograder["exercises"]}


def _row(graded, kind: str, chapter: str):
    for name, grade in graded["grades"].items():
        if name.startswith(kind) and graded["expected"].get(name) == chapter:
            return grade
    raise AssertionError(f"no {kind} submission for {chapter}")


def _messages(grade) -> str:
    return " | ".join(entry["message"] for entry in grade.feedback)


# ----------------------------------------------------------------------------- chapters

def test_chapters_01_to_03_have_homework():
    assert {"01_intuition", "02_coin_toss", "03_classification"} <= set(STEMS)


@pytest.mark.parametrize("chapter", STEMS)
def test_chapter_has_three_graded_exercises_of_each_kind(homework, chapter):
    record = homework[1][chapter].autograder
    assert len(record["exercises"]) >= 3
    assert all(exercise["points"] > 0 for exercise in record["exercises"])
    hidden = "\n".join(c["source"] for c in record["checks"] if c["visibility"] == "hidden")
    assert "ex.function(" in hidden, "a function graded on hidden inputs"
    assert "ex.number(" in hidden, "a number"
    assert "ex.choice(" in hidden or "ex.number(" in hidden, "reasoning, by a proxy"
    assert "ex.choice(" in hidden, "reasoning, as multiple choice"


# ----------------------------------------------------------------------------- student versions

@pytest.mark.parametrize("chapter", STEMS)
def test_student_version_contains_no_solution_code(homework, chapter):
    master = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    student = homework[1][chapter].student
    in_block = {id(cell) for _label, cell in _solution_blocks(master)}
    elsewhere = {line.strip() for cell in master.cells if cell.cell_type == "code"
                 and id(cell) not in in_block and "solution" not in _tags(cell)
                 for line in cell.source.splitlines()}
    student_code = {line.strip() for cell in student.cells if cell.cell_type == "code"
                    for line in cell.source.splitlines()}
    student_text = "\n".join(cell.source for cell in student.cells)
    solutions = [line for cell in master.cells if "solution" in _tags(cell)
                 for line in _solution_code(cell.source)]
    assert solutions
    leaked = [line for line in solutions if line in student_code and line not in elsewhere]
    assert not leaked, f"solution code in the student notebook: {leaked}"
    public = {line.strip() for cell in master.cells if "public-check" in _tags(cell)
              for line in cell.source.splitlines()}
    hidden_only = [line.strip() for cell in master.cells if "hidden-check" in _tags(cell)
                   for line in cell.source.splitlines()
                   if line.strip() and line.strip() not in public | elsewhere]
    assert not [line for line in hidden_only if line in student_code], "hidden checks leaked"
    prose = [line.strip() for _label, cell in _solution_blocks(master)
             if cell.cell_type == "markdown" for line in cell.source.splitlines()
             if len(line.strip()) > 25 and "{solution" not in line]
    assert not [line for line in prose if line in student_text], "solution text leaked"


@pytest.mark.parametrize("chapter", STEMS)
def test_student_version_keeps_public_checks_and_the_chapter(homework, chapter):
    student = homework[1][chapter].student
    out = homework[0]
    assert (out / "student" / f"{chapter}.ipynb").exists()
    assert (out / "autograder" / f"{chapter}.json").exists()
    assert student.metadata["homework"]["chapter"] == chapter
    nbformat.validate(student)
    tags = [_tags(cell) for cell in student.cells]
    assert not any("hidden-check" in t or "solution" in t for t in tags)
    publics = sum("public-check" in t for t in tags)
    assert publics == sum(c["visibility"] == "public"
                          for c in homework[1][chapter].autograder["checks"])
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in student.cells if cell.cell_type == "code")
    assert any("..." in cell.source for cell in student.cells if cell.cell_type == "code")


# ----------------------------------------------------------------------------- grading: honest

@pytest.mark.slow
@pytest.mark.parametrize("chapter", STEMS)
def test_master_solution_gets_full_marks(graded, chapter):
    grade = _row(graded, "solution", chapter)
    assert grade.chapter == chapter
    assert grade.error == ""
    assert grade.scores == _points(graded["made"], chapter)
    assert grade.score == grade.possible > 0
    assert all(entry["passed"] for entry in grade.feedback), _messages(grade)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", STEMS)
def test_student_version_runs_through_and_gets_zero(graded, chapter):
    grade = _row(graded, "untouched", chapter)
    assert grade.chapter == chapter
    assert grade.error == "", "every cell of the student notebook runs without an error"
    assert grade.score == 0 and grade.possible > 0
    assert grade.feedback and all(not entry["passed"] for entry in grade.feedback)
    assert all("not answered yet" in entry["message"] for entry in grade.feedback), \
        _messages(grade)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", BROKEN)
def test_broken_answer_gets_partial_marks(graded, chapter):
    grade = _row(graded, "attempt", chapter)
    label = graded["broken"][grade.submission]
    assert 0 < grade.score < grade.possible
    assert grade.scores[label] < _points(graded["made"], chapter)[label]


@pytest.mark.slow
@pytest.mark.parametrize("name", HONEST)
def test_honest_cases_get_the_points_they_answered(graded, name):
    if name in SANDBOX_ONLY and sandbox_problem() is not None:
        pytest.skip(f"{name} deletes and writes files: graded only in the sandbox "
                    f"({sandbox_problem()})")
    grade = graded["grades"][name]
    _cells, points, words = HONEST[name]
    assert grade.chapter == "01_intuition" and grade.possible == 7
    assert grade.scores == points, _messages(grade) + " / " + grade.error
    for word in words:
        assert word in _messages(grade) + " | " + grade.error


@pytest.mark.slow
@pytest.mark.parametrize("name", [*ENCODED, "big.ipynb"])
def test_other_encodings_and_large_notebooks_are_read(graded, name):
    grade = graded["grades"][name]
    assert grade.error == "" and grade.scores == {"ch01-ex1": 2, "ch01-ex2": 0, "ch01-ex3": 0}


@pytest.mark.slow
def test_student_folders_are_graded_under_their_name(graded):
    grades, warnings = graded["grades"], graded["warnings"]
    alice = grades["Alice Smith_1234_assignsubmission_file_"]
    assert alice.score == 4 and alice.error == ""
    assert grades[os.path.join("bob", "first.ipynb")].score == 2
    assert "not a readable notebook" in grades[os.path.join("bob", "second.ipynb")].error
    assert grades["carol"].error == "no notebook in this folder (it holds answers.txt)"
    assert any("notes.pdf: not a notebook" in line for line in warnings), warnings
    assert any(".ipynb_checkpoints" in line for line in warnings), warnings
    assert any(".DS_Store" in line for line in warnings), warnings


@pytest.mark.slow
def test_bad_files_get_error_rows_and_the_others_are_graded(graded):
    grades = graded["grades"]
    assert "not a readable notebook" in grades["corrupt.ipynb"].error
    assert "not a notebook" in grades["notes.txt"].error
    assert "a link to a file that does not exist" in grades["ghost.ipynb"].error
    assert "a link to another file, not read" in grades["shadow.ipynb"].error
    assert any("linked.ipynb: a link" in line for line in graded["warnings"])
    assert grades["stranger.ipynb"].error == ("no autograder for chapter 'no_such_chapter': run "
                                              "`make homework`")
    assert grades["blank.ipynb"].error.startswith("no homework chapter in the notebook's metadata")
    for name in ("corrupt.ipynb", "notes.txt", "ghost.ipynb", "shadow.ipynb", "stranger.ipynb",
                 "blank.ipynb"):
        assert grades[name].score == 0
    for name in graded["expected"]:
        assert grades[name].chapter == graded["expected"][name]


@pytest.mark.slow
def test_grading_writes_only_grades_csv_and_feedback(graded):
    folder = graded["folder"]
    after = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()
             if not path.is_symlink()}
    assert set(after) == set(graded["before"]) | {"grades.csv", "feedback"}
    assert all(after[name] == stamp for name, stamp in graded["before"].items())
    assert not (ROOT / "stray.txt").exists() and not (Path.home() / "stray.txt").exists()


@pytest.mark.slow
def test_grades_csv_has_one_row_per_submission_and_no_formulas(graded):
    with open(graded["folder"] / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    labels = [e["label"] for chapter in sorted(graded["made"])
              for e in graded["made"][chapter].autograder["exercises"]]
    assert header == ["submission", "chapter", *labels, "score", "possible", "error"]
    names = sorted(name if not name.startswith("=") else "'" + name for name in graded["grades"])
    assert sorted(row[0] for row in body) == names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    first = _row(graded, "solution", STEMS[0])
    row = by_name[first.submission]
    assert float(row["score"]) == float(row["possible"]) == first.possible
    assert row["error"] == ""
    assert by_name["corrupt.ipynb"]["error"].startswith("not a readable notebook")
    assert by_name["'=HYPERLINK(1).txt"]["error"] == "not a notebook: a .txt file"
    assert not [path for path in graded["folder"].iterdir() if path.name.startswith(".grades")]


@pytest.mark.slow
def test_feedback_has_one_readable_file_per_submission(graded):
    files = sorted((graded["folder"] / "feedback").glob("*.txt"))
    assert len(files) == len(graded["grades"])
    text = (graded["folder"] / "feedback" / "wrong-types.ipynb.txt").read_text()
    assert text.startswith("Submission: wrong-types.ipynb\nChapter: 01_intuition")
    assert "Score: 0 / 7" in text and "should be a single real number, not a str" in text
    full = (graded["folder"] / "feedback" / "all-correct.ipynb.txt").read_text()
    assert "Score: 7 / 7" in full and "✘" not in full


# ----------------------------------------------------------------------------- grading: attacks

@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACK_POINTS))
def test_attack_earns_no_point_it_did_not_answer(needs_sandbox, graded, attack):
    grade = graded["grades"][f"attack-{attack}.ipynb"]
    assert grade.chapter == "01_intuition" and grade.possible == 7
    assert grade.scores == ATTACK_POINTS[attack], _messages(grade) + " / " + grade.error


@pytest.mark.slow
def test_attacks_reach_nothing_outside_the_sandbox(needs_sandbox, graded):
    assert graded["attacks"] == sorted(ATTACK_POINTS)
    assert all(decoy.read_text() == "keep me" for decoy in graded["decoys"])
    assert graded["connections"] == [], "the listener on 127.0.0.1 was reached"
    assert not (Path(tempfile.gettempdir()) / f"{graded['token']}.txt").exists()
    records = {path.name: path.read_bytes() for path in graded["autograder"].iterdir()}
    assert records == graded["records"], "an autograder record was written"
    feedback = graded["folder"] / "feedback" / "attack-write_results.ipynb.txt"
    assert "Score: 0 / 7" in feedback.read_text()


@pytest.mark.slow
def test_nothing_is_left_running_or_on_disk_and_grades_stay(graded):
    time.sleep(max(0.0, graded["returned"] + 6 - time.monotonic()))  # the detached one waits 3 s
    assert (graded["folder"] / "grades.csv").read_bytes() == graded["csv"]
    left = [line for line in _processes().values()
            if graded["token"].encode() in line or b"_klgrade_" in line]
    assert not left, left
    assert _our_temp_folders() <= graded["temp_before"]
    root = cgroup.pids_root()
    assert root is None or not list(root.glob("klgrade-*")), "a pids cgroup was left"


@pytest.mark.slow
def test_sandbox_shows_no_course_no_grader_and_no_environment(needs_sandbox, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    setup = sandbox.prepare(run_dir)
    os.environ["KLGRADE_SECRET_VIEW"] = "secret"
    job = {"notebook": "{}", "memory": 2**31, "file_size": 2**28, "sandbox": setup,
           "unsafe": False, "root": str(run_dir)}
    box = driver.Sandbox(job)
    try:
        assert box.request({"op": "start"}, 60)["status"] == "ok"
        probe = (
            "__import__('json').dumps({'env': dict(__import__('os').environ), "
            "'klutils': __import__('klutils').__file__, "
            f"'course': __import__('os').path.exists({str(ROOT)!r}), "
            f"'run': __import__('os').path.exists({str(run_dir)!r}), "
            "'grader': __import__('importlib').util.find_spec('klutils.homework.grader'), "
            "'uid': __import__('os').getuid(), 'cwd': __import__('os').getcwd(), "
            "'processes': [open(f'/proc/{p}/cmdline').read() for p in "
            "__import__('os').listdir('/proc') if p.isdigit()], "
            "'environs': [open(f'/proc/{p}/environ', 'rb').read().decode() for p in "
            "__import__('os').listdir('/proc') if p.isdigit()]}, default=str)")
        reply = box.request({"op": "eval", "expression": probe, "timeout": 10}, 10)
    finally:
        box.close()
        del os.environ["KLGRADE_SECRET_VIEW"]
    view = json.loads(reply["value"])
    assert {"PATH", "LANG", "HOME", "TMPDIR"} <= set(view["env"])
    assert "KLGRADE_SECRET_VIEW" not in view["env"] and "PWD" not in view["env"]
    assert not any("KLGRADE_SECRET_VIEW" in environ for environ in view["environs"])
    assert view["env"]["HOME"] == sandbox.HOME and view["cwd"] == sandbox.WORK
    assert view["klutils"] == f"{sandbox.LIB}/klutils/__init__.py"
    assert view["course"] is False and view["run"] is False and view["grader"] is None
    assert view["uid"] == 1000
    assert len(view["processes"]) == 3, view["processes"]  # bwrap's init, the runner, the kernel
    assert not any(str(ROOT) in line or "driver" in line for line in view["processes"])


# ----------------------------------------------------------------------------- the command line

def _grade_command(folder: Path, autograder: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "klutils.homework.grader", "grade", str(folder),
            "--autograder", str(autograder), *options]


@pytest.mark.slow
def test_grade_command_flags_other_chapters_and_bad_files(homework, tmp_path):
    out, made = homework
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "essay.pdf").write_bytes(b"%PDF-1.4")
    nbformat.write(made["02_coin_toss"].student, tmp_path / "chapter2.ipynb")
    nbformat.write(_notebook(None, KL_COIN), tmp_path / "no-metadata.ipynb")
    nbformat.write(_notebook("01_intuition", KL_COIN, _check_cell("ch01-ex1"),
                             "while True:\n    pass", 'which_is_infinite = "a"'),
                   tmp_path / "loop-after-answer.ipynb")
    nbformat.write(_notebook("01_intuition", KL_COIN, _check_cell("ch01-ex1"),
                             "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                             "while True:\n    pass", 'which_is_infinite = "a"'),
                   tmp_path / "deaf-loop.ipynb")  # an endless loop that ignores Ctrl-C
    unsafe = _unsafe()
    run = subprocess.run(_grade_command(tmp_path, out / "autograder", "--chapter",
                                        "01_intuition", "--timeout", "8", *unsafe),
                         capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert run.returncode == 0, run.stderr
    rows = {row["submission"]: row for row in csv.DictReader(
        open(tmp_path / "grades.csv", newline="", encoding="utf-8"))}
    assert list(next(csv.reader(open(tmp_path / "grades.csv")))) == [
        "submission", "chapter", "ch01-ex1", "ch01-ex2", "ch01-ex3", "score", "possible", "error"]
    assert rows["chapter2.ipynb"]["error"] == ("this notebook is the homework of chapter "
                                               "02_coin_toss, not of 01_intuition: not graded")
    assert rows["chapter2.ipynb"]["score"] == "0"
    assert rows["no-metadata.ipynb"]["score"] == "2"
    assert "graded as 01_intuition" in rows["no-metadata.ipynb"]["error"]
    assert rows["broken.ipynb"]["error"].startswith("not a readable notebook")
    assert rows["essay.pdf"]["error"] == "not a notebook: a .pdf file"
    loop = rows["loop-after-answer.ipynb"]  # an endless loop keeps the points earned before it
    assert loop["score"] == "2" and loop["ch01-ex1"] == "2"
    assert loop["error"].startswith("timed out after 8 s in cell 3 (an infinite loop?)")
    deaf = rows["deaf-loop.ipynb"]  # its kernel is given up, the points before it are kept
    assert deaf["score"] == "2" and deaf["ch01-ex1"] == "2" and deaf["ch01-ex2"] == "0"
    assert deaf["error"].startswith("timed out after 8 s in cell 3 (an infinite loop?)")
    run = subprocess.run(_grade_command(tmp_path, out / "autograder", "--chapter", "99_nothing"),
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and "no autograder for chapter '99_nothing'" in run.stderr
    shutil.rmtree(tmp_path / "feedback")
    (tmp_path / "feedback").mkdir()  # a student called Feedback: never replaced
    (tmp_path / "feedback" / "work.ipynb").write_text("{}")
    run = subprocess.run(_grade_command(tmp_path, out / "autograder", "--chapter",
                                        "01_intuition"),
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and "was not written by `make grade`" in run.stderr
    assert (tmp_path / "feedback" / "work.ipynb").exists()


@pytest.mark.slow
def test_grade_command_refuses_without_a_sandbox_unless_unsafe(homework, tmp_path):
    out, _made = homework
    nbformat.write(_notebook("01_intuition", KL_COIN), tmp_path / "honest.ipynb")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no bwrap on this PATH
    run = subprocess.run(_grade_command(tmp_path, out / "autograder"), capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env=env)
    assert run.returncode == 2
    assert "the sandbox cannot run here" in run.stderr and "UNSAFE=1" in run.stderr
    assert not (tmp_path / "grades.csv").exists()
    run = subprocess.run(_grade_command(tmp_path, out / "autograder", "--unsafe"),
                         capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert run.returncode == 0 and "WITHOUT the sandbox" in run.stderr
    assert "honest.ipynb,01_intuition,2,0,0,2,7," in (tmp_path / "grades.csv").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_everything_and_keeps_what_finished(homework, tmp_path, signum):
    out, _made = homework
    nbformat.write(_notebook("01_intuition", KL_COIN), tmp_path / "a-quick.ipynb")
    nbformat.write(_notebook("01_intuition", "while True:\n    pass"), tmp_path / "b-loop.ipynb")
    unsafe = _unsafe()
    temp_before = _our_temp_folders()
    child = subprocess.Popen(_grade_command(tmp_path, out / "autograder", "--jobs", "1",
                                            "--timeout", "120", *unsafe),
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: set[int] = set()
    runners: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(runners) < 2:
        current = _descendants(child.pid)
        seen |= current
        for pid in current - runners:  # looked at again each time: a fork is not yet its exec
            with contextlib.suppress(OSError):
                words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                if not words[0].endswith(b"bwrap") and b"_klgrade_runner" in b" ".join(words):
                    runners.add(pid)
        time.sleep(0.1)
    assert len(runners) == 2, "the second submission never started"
    time.sleep(1.0)
    seen |= _descendants(child.pid)
    stopped_at = time.monotonic()
    child.send_signal(signum)
    _stdout, stderr = child.communicate(timeout=30)
    assert time.monotonic() - stopped_at < 10, "the grader took long to stop"
    assert child.returncode == 128 + signum, stderr
    rows = {row["submission"]: row for row in csv.DictReader(
        open(tmp_path / "grades.csv", newline="", encoding="utf-8"))}
    assert rows["a-quick.ipynb"]["score"] == "2" and rows["a-quick.ipynb"]["error"] == ""
    assert rows["b-loop.ipynb"]["error"] == (f"not graded: grading was stopped by "
                                             f"{signal.Signals(signum).name}")
    time.sleep(0.5)
    alive = [pid for pid in seen if _running(pid)]
    assert not alive, [_processes().get(pid) for pid in alive]
    assert _our_temp_folders() <= temp_before
    assert (tmp_path / "feedback" / "a-quick.ipynb.txt").exists()


# ----------------------------------------------------------------------------- the check API

def test_checks_report_one_line_and_never_raise(capsys):
    kl_coin = 0.7370
    with exercise("t-ex1") as ex:
        ex.number(kl_coin, 0.7370, name="kl_coin")
    with exercise("t-ex1") as ex:
        ex.number(0.5, 0.7370, name="kl_coin", message="in bits?")
    with exercise("t-ex1") as ex:
        ex.number(..., name="kl_coin")
    with exercise("t-ex1") as ex:
        ex.number(undefined_name, name="undefined_name")  # noqa: F821 - the point of the test
    with exercise("t-ex1") as ex:
        raise AssertionError("bare")
    with exercise("t-ex1") as ex:
        ex.number("0.737", name="kl_coin")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[0] == "✔ t-ex1: passed"
    assert lines[1] == "✘ t-ex1: `kl_coin` is not the right value: in bits?"
    assert "0.737" not in lines[1], "the expected value is never shown"
    assert "not answered yet" in lines[2]
    assert "`undefined_name` is not defined" in lines[3]
    assert lines[4] == "✘ t-ex1: checking your answer raised AssertionError: bare"
    assert "should be a single real number, not a str" in lines[5]
    assert [r.passed for r in RESULTS[-6:]] == [True] + [False] * 5


def test_choice_and_function_checks(capsys):
    with exercise("t-ex2") as ex:
        ex.choice("(C)", ["a", "b", "c"], "c", name="letter")
    with exercise("t-ex2") as ex:
        ex.choice("a", ["a", "b", "c"], "c", name="letter")

    def square(x):
        return x * x

    def wrong(x):
        return x + x

    def crashes(x):
        raise ZeroDivisionError("boom")

    cases = [(2.0,), (1.0,), (-3.0,)]
    for function in (square, wrong, crashes):
        with exercise("t-ex3") as ex:
            ex.function(function, cases, reference=lambda x: x**2, name="square")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✔ t-ex2: passed"
    assert lines[1] == "✘ t-ex2: `letter` = 'a' is not the right choice"
    assert lines[2] == "✔ t-ex3: passed"
    assert lines[3].startswith("✘ t-ex3: `square` gives a wrong result on test input 2 of 3")
    assert "square(1.0) returned 2.0" in lines[3] and "returned 1" not in lines[3]
    assert "raised ZeroDivisionError: boom on test input 1 of 3" in lines[4]


@pytest.mark.parametrize("value, expected, line", [
    (279, 279, "✔ t-ex4: passed"),
    (np.int64(279), 279, "✔ t-ex4: passed"),
    (279.0, 279, "✔ t-ex4: passed"),
    (280, 279, "✘ t-ex4: `flips` is not the right count: more or fewer?"),
    (278.5, 279, "✘ t-ex4: `flips` should be a whole number; it is 278.5"),
    (True, 1, "✘ t-ex4: `flips` should be a single real number, not a bool"),
    ("279", 279, "✘ t-ex4: `flips` should be a single real number, not a str"),
    (0, None, "✘ t-ex4: `flips` should be at least 1; it is 0"),
    (..., 279, "✘ t-ex4: not answered yet: `flips` is still `...`; put your answer in its place, "
               "run that cell, then this check"),
])
def test_integer_check(capsys, value, expected, line):
    with exercise("t-ex4") as ex:
        ex.integer(value, expected, name="flips", minimum=1, message="more or fewer?")
    assert capsys.readouterr().out.strip() == line


def test_stub_solution_follows_otter_markers():
    source = ("from math import log\n\n\ndef f(x):\n    # explain\n    # BEGIN SOLUTION\n"
              "    y = log(x)\n    return y\n    # END SOLUTION\n\n\nanswer = f(2)  # SOLUTION\n"
              "total += 1  # SOLUTION\nprint(answer)  # SOLUTION\n"
              "# BEGIN SOLUTION NO PROMPT\nprint('secret')\n# END SOLUTION")
    assert stub_solution(source) == ("from math import log\n\n\ndef f(x):\n    # explain\n"
                                     "    ...\n\n\nanswer = ...\ntotal += ...\n...")
    for bad in ("# BEGIN SOLUTION\nx = 1", "# END SOLUTION", "x = (1,  # SOLUTION\n 2)"):
        with pytest.raises(HomeworkFormatError):
            stub_solution(bad)


# ----------------------------------------------------------------------------- what checks read

@pytest.mark.parametrize("source, names", [
    ("with exercise('e') as ex:\n    ex.number(kl, name='kl')", ("kl",)),
    ("import numpy as np\nwith exercise('e') as ex:\n    _cases = [(np.ones(2),)]\n"
     "    ex.function(f, _cases, reference=lambda x: np.sum(x), name='f')\n"
     "    ex.expect(all(f(*c) > 0 for c in _cases), 'positive')", ("f",)),
    ("with exercise('e') as ex:\n    for _name in ['a']:\n        pass\n"
     "    ex.choice(letter, ['a', 'b'], 'a', name='letter')", ("letter",)),
])
def test_answers_of_lists_what_a_check_reads(source, names):
    assert answers_of("from klutils.homework import exercise\n" + source) == names


@pytest.mark.parametrize("source, culprit", [
    ("with exercise('e') as ex:\n    ex.number(kl, kl_divergence(P, Q), name='kl')", "`P`"),
    ("with exercise('e') as ex:\n    for v, n in [(kl, 'kl')]:\n        ex.number(v, name=n)",
     "`kl`"),
    ("with exercise('e') as ex:\n    ex.number(kl, np.log(2), name='kl')", "`np`"),
    ("with exercise('e') as ex:\n    ex.expect(f(1) == 2, 'two')", "`f`"),
])
def test_a_check_may_read_only_the_answers_it_names(source, culprit):
    with pytest.raises(HomeworkFormatError, match=re.escape(culprit)):
        answers_of("from klutils.homework import exercise\n" + source)


@pytest.mark.parametrize("chapter", STEMS)
def test_every_check_of_the_chapters_reads_only_its_answers(homework, chapter):
    """Audit: every check cell names what it reads, and each name is an answer cell's."""
    master = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    solutions = "\n".join(cell.source for cell in master.cells if "solution" in _tags(cell))
    defined = {name for cell in master.cells if "solution" in _tags(cell)
               for name in _answer_names(cell.source)}
    for check in homework[1][chapter].autograder["checks"]:
        assert check["answers"], f"{check['exercise']}: a check that reads no answer"
        for name in check["answers"]:
            assert name in defined or re.search(rf"\b{name}\b", solutions), (check, name)


# ----------------------------------------------------------------------------- answers as data

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(max_size=20), st.complex_numbers(allow_nan=False))


def _containers(inner):
    return st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                     st.dictionaries(st.text(max_size=5), inner, max_size=3))


_values = st.recursive(_scalars, _containers, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_wire_round_trips_plain_values(value):
    assert wire.loads(wire.dumps(value)) == value


@pytest.mark.parametrize("value", [
    np.arange(6, dtype=np.int32).reshape(2, 3), np.array([np.nan, -0.0, np.inf, 5e-324]),
    np.array(["sun", "rain"]), np.array([True, False]), np.array([], dtype=np.float32),
    np.array([1 + 2j]), np.asfortranarray(np.ones((2, 3)))[:, ::2],
])
def test_wire_round_trips_arrays_exactly(value):
    back = wire.loads(wire.dumps(value))
    assert back.dtype == value.dtype and back.shape == value.shape and back.flags.writeable
    assert np.array_equal(back, value, equal_nan=value.dtype.kind in "fc")


def test_wire_carries_scalars_generators_and_stand_ins():
    assert wire.loads(wire.dumps(np.float32(0.25))).dtype == np.float32
    assert wire.loads(wire.dumps(float("nan"))) != wire.loads(wire.dumps(float("nan")))
    assert wire.loads(wire.dumps(...)) is Ellipsis
    rng = np.random.default_rng(7)
    copy = wire.loads(wire.dumps(rng))
    assert copy.random() == rng.random()
    from fractions import Fraction

    assert wire.loads(wire.dumps(Fraction(1, 4))) == 0.25
    stand_in = wire.loads(wire.dumps(np.array([object()], dtype=object)))
    assert type(stand_in).__name__ == "ndarray" and isinstance(stand_in, wire.Opaque)

    class Sneaky(str):
        def strip(self, *args):
            return "the answer"

    plain = wire.loads(wire.dumps(Sneaky("b")))
    assert type(plain) is str and plain.strip() == "b"


@pytest.mark.parametrize("data", [
    '{"$": "pickle", "v": "gASV"}', '{"$": "ndarray", "dtype": "O", "shape": [1], "data": ""}',
    '{"$": "ndarray", "dtype": "<f8", "shape": [3], "data": "AAAAAAAA8D8="}',
    '{"$": "rng", "state": {"bit_generator": "os.system"}}', '{"$": "int", "v": "1e5"}',
    "[" * 40 + "]" * 40, '{"a": 1}', "not json",
])
def test_wire_refuses_anything_else(data):
    with pytest.raises(wire.WireError):
        wire.loads(data)


# ----------------------------------------------------------------------------- markup

def _master(*check_cells):
    return new_notebook(metadata={"homework": {"chapter": "demo"}}, cells=[
        new_markdown_cell("# Demo"),
        new_markdown_cell("```{exercise-start}\n:label: demo-ex1\n```\nDouble 21."),
        new_markdown_cell("```{exercise-end}\n```"),
        new_markdown_cell("```{solution-start} demo-ex1\n:class: dropdown\n```"),
        new_code_cell("answer = 42  # SOLUTION", metadata={"tags": ["solution"]}),
        *check_cells,
        new_markdown_cell("```{solution-end}\n```"),
    ])


def _check(tags, points=1, exercise_label="demo-ex1", source=None):
    source = "from klutils.homework import exercise\n" + (
        source or "with exercise('demo-ex1') as ex:\n    ex.number(answer, 42, name='answer')")
    return new_code_cell(source, metadata={"tags": tags, "homework": {"exercise": exercise_label,
                                                                      "points": points}})


@pytest.mark.parametrize("cells, problem", [
    ([_check(["remove-cell", "hidden-check"])], "needs at least one public check"),
    ([_check(["public-check"])], "tag it 'remove-cell' too"),
    ([_check(["remove-cell", "public-check"], points=-1)], "points must be a number >= 0"),
    ([_check(["remove-cell", "public-check"], exercise_label="demo-ex9")], "no {exercise-start}"),
    ([_check(["remove-cell", "public-check"], points=0)], "worth no points"),
    ([_check(["remove-cell", "public-check"], source="with exercise('demo-ex1') as ex:\n"
                                                     "    ex.number(answer, P[0], name='answer')")],
     "reads `P`"),
])
def test_assignment_refuses_inconsistent_markup(cells, problem):
    with pytest.raises(HomeworkFormatError, match=re.escape(problem)):
        make_assignment(_master(*cells))


def test_grading_plan_reads_answers_where_the_submission_has_its_checks_or_at_the_end():
    record = make_assignment(_master(_check(["remove-cell", "public-check"]),
                                     _check(["remove-cell", "hidden-check"], 2))).autograder
    assert [list(check["answers"]) for check in record["checks"]] == [["answer"], ["answer"]]
    submission = new_notebook(cells=[
        new_code_cell("answer = 42", metadata={"homework": {"answer": "demo-ex1"}}),
        new_code_cell("print(1)"),
    ])
    assert grading_plan(submission, record) == [
        {"cell": 1, "code": "answer = 42"}, {"snapshot": "demo-ex1", "names": ["answer"]},
        {"cell": 2, "code": "print(1)"}]
    no_anchor = new_notebook(cells=[new_code_cell("answer = 42"), new_code_cell("x = 1")])
    assert [list(step)[0] for step in grading_plan(no_anchor, record)] == [
        "cell", "cell", "snapshot"]


@pytest.mark.parametrize("outcomes, scores", [
    ([{"passed": True}] * 3, {"demo-ex1": 2.0, "demo-ex2": 1.0}),  # 4 points of checks, 2 worth
    ([{"passed": True}, {"passed": False}, {"passed": "yes"}], {"demo-ex1": 2.0, "demo-ex2": 0.0}),
    ([{"passed": True}] * 7, {"demo-ex1": 0.0, "demo-ex2": 0.0}),  # not one outcome per check
    ("all passed", {"demo-ex1": 0.0, "demo-ex2": 0.0}),
])
def test_scores_are_clamped_and_need_one_outcome_per_check(outcomes, scores):
    record = {"exercises": [{"label": "demo-ex1", "points": 2}, {"label": "demo-ex2", "points": 1}],
              "checks": [{"exercise": "demo-ex1", "visibility": "hidden", "points": 2},
                         {"exercise": "demo-ex1", "visibility": "hidden", "points": 2},
                         {"exercise": "demo-ex2", "visibility": "hidden", "points": 1000}]}
    grade = Grade("x.ipynb", "demo", {"demo-ex1": 0.0, "demo-ex2": 0.0}, 3.0)
    _Run._score(grade, record, {"checks": outcomes, "error": ""})
    assert grade.scores == scores and grade.score <= 3.0


def test_assign_writes_every_homework_chapter(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nbformat.write(_master(_check(["remove-cell", "public-check"])), chapters / "demo.ipynb")
    nbformat.write(new_notebook(), chapters / "plain.ipynb")
    (tmp_path / "out" / "student" / "keep").mkdir(parents=True)
    (tmp_path / "out" / "student" / "my notes.ipynb").write_text("{}")
    (tmp_path / "out" / "student" / "07_renamed.ipynb").write_text("{}")
    made, skipped = assign(chapters, tmp_path / "out")
    assert [a.chapter for a in made] == ["demo"] and skipped == ["plain.ipynb"]
    assert sorted(path.name for path in (tmp_path / "out" / "student").iterdir()) == [
        "demo.ipynb", "keep", "my notes.ipynb"]  # an old chapter's file goes, nothing else
    shutil.copy(chapters / "demo.ipynb", chapters / "other.ipynb")
    with pytest.raises(HomeworkFormatError, match="must be the file name"):
        assign(chapters, tmp_path / "out")


def test_read_notebook_reads_every_unicode_encoding(tmp_path):
    text = nbformat.writes(_notebook("demo", "x = 'é ✓'"))
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        (tmp_path / "n.ipynb").write_bytes(text.encode(encoding))
        assert read_notebook(tmp_path / "n.ipynb").cells[0].source == "x = 'é ✓'", encoding
    (tmp_path / "n.ipynb").write_bytes(codecs.BOM_UTF8 + b"{ not json")
    with pytest.raises(ValueError):
        read_notebook(tmp_path / "n.ipynb")
