"""Homework tools (klutils.homework): student notebooks, checks, and grading of submissions.

The expensive part, grading a folder of submissions, runs once per session (``graded``): for
every chapter with homework metadata, the chapter itself (the master solution), its student
version and a copy with a broken answer; plus a corrupt file, a file that is not a notebook, an
infinite loop, a ``sys.exit`` and a notebook that deletes files, all in the same folder.
"""

from __future__ import annotations

import ast
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from klutils.homework import assign, exercise, grade_directory, make_assignment, stub_solution
from klutils.homework._runner import grading_notebook
from klutils.homework.checks import RESULTS
from klutils.homework.markup import HomeworkFormatError, chapter_of, iter_directives

ROOT = Path(__file__).resolve().parents[1]
#: Seconds each graded notebook may run here (the infinite loop costs this much, once).
TIMEOUT = 20.0
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


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


def _notebook(chapter: str, *sources: str):
    return new_notebook(cells=[new_code_cell(source) for source in sources],
                        metadata={"kernelspec": KERNELSPEC, "homework": {"chapter": chapter}})


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def homework(tmp_path_factory):
    """``make homework`` into a temporary folder: (folder, assignments by chapter)."""
    out = tmp_path_factory.mktemp("homework")
    made, _skipped = assign(ROOT / "chapters", out)
    return out, {assignment.chapter: assignment for assignment in made}


@pytest.fixture(scope="session")
def graded(homework, tmp_path_factory):
    """Grade one folder holding every kind of submission, once."""
    out, made = homework
    folder = tmp_path_factory.mktemp("submissions")
    expected, broken_labels = {}, {}
    for number, chapter in enumerate(sorted(made)):
        # File names that do not tell the chapter: the grader must read it from the notebook.
        master = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
        nbformat.write(master, folder / f"solution {number}.ipynb")
        nbformat.write(made[chapter].student, folder / f"untouched-{number}.ipynb")
        graded_labels = {e["label"] for e in made[chapter].autograder["exercises"]}
        broken, label = _broken_copy(master, graded_labels)
        nbformat.write(broken, folder / f"attempt_{number}.ipynb")
        expected.update({f"solution {number}.ipynb": chapter, f"untouched-{number}.ipynb": chapter,
                         f"attempt_{number}.ipynb": chapter})
        broken_labels[f"attempt_{number}.ipynb"] = label
    first = sorted(made)[0]
    nbformat.write(_notebook(first, "import time\nwhile True:\n    time.sleep(0.2)",
                             "print('never')"), folder / "loop.ipynb")
    nbformat.write(_notebook(first, "import sys\nsys.exit(3)", "print('after the exit')"),
                   folder / "exits.ipynb")
    nbformat.write(_notebook(first, "import os\nfor name in os.listdir('.'):\n    os.remove(name)\n"
                             "open('stray.txt', 'w').write('x')\n"
                             "open(os.path.expanduser('~/stray.txt'), 'w').write('x')"),
                   folder / "deletes.ipynb")
    text = (folder / "untouched-0.ipynb").read_text()
    (folder / "corrupt.ipynb").write_text(text[: len(text) // 2])
    (folder / "notes.txt").write_text("not a notebook")
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    grades = grade_directory(folder, out / "autograder", timeout=TIMEOUT, jobs=3)
    return {
        "folder": folder, "before": before, "expected": expected, "broken": broken_labels,
        "grades": {grade.submission: grade for grade in grades}, "made": made,
    }


def _points(made, chapter: str) -> dict[str, float]:
    return {e["label"]: e["points"] for e in made[chapter].autograder["exercises"]}


def _row(graded, kind: str, chapter: str):
    for name, grade in graded["grades"].items():
        if name.startswith(kind) and graded["expected"].get(name) == chapter:
            return grade
    raise AssertionError(f"no {kind} submission for {chapter}")


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


# ----------------------------------------------------------------------------- grading

@pytest.mark.parametrize("chapter", STEMS)
def test_master_solution_gets_full_marks(graded, chapter):
    grade = _row(graded, "solution", chapter)
    assert grade.chapter == chapter
    assert grade.error == ""
    assert grade.scores == _points(graded["made"], chapter)
    assert grade.score == grade.possible > 0
    assert all(entry["passed"] for entry in grade.feedback)


@pytest.mark.parametrize("chapter", STEMS)
def test_student_version_runs_through_and_gets_zero(graded, chapter):
    grade = _row(graded, "untouched", chapter)
    assert grade.chapter == chapter
    assert grade.error == "", "every cell of the student notebook runs without an error"
    assert grade.score == 0 and grade.possible > 0
    assert grade.feedback and all(not entry["passed"] for entry in grade.feedback)
    assert all("not answered yet" in entry["message"] for entry in grade.feedback)


@pytest.mark.parametrize("chapter", STEMS)
def test_broken_answer_gets_partial_marks(graded, chapter):
    grade = _row(graded, "attempt", chapter)
    label = graded["broken"][grade.submission]
    assert 0 < grade.score < grade.possible
    assert grade.scores[label] < _points(graded["made"], chapter)[label]


def test_bad_submissions_get_error_rows_and_the_others_are_graded(graded):
    grades = graded["grades"]
    assert "not a readable notebook" in grades["corrupt.ipynb"].error
    assert "not a notebook" in grades["notes.txt"].error
    assert "timed out after 20 s" in grades["loop.ipynb"].error
    assert "sys.exit(3)" in grades["exits.ipynb"].error
    assert "deleted files" in grades["deletes.ipynb"].error
    for name in ("corrupt.ipynb", "notes.txt", "loop.ipynb", "exits.ipynb", "deletes.ipynb"):
        assert grades[name].score == 0
    assert grades["loop.ipynb"].chapter == STEMS[0]
    assert grades["loop.ipynb"].possible > 0
    for name in graded["expected"]:
        assert grades[name].chapter == graded["expected"][name]


def test_grading_writes_only_grades_csv(graded):
    folder = graded["folder"]
    after = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert set(after) == set(graded["before"]) | {"grades.csv"}
    assert all(after[name] == stamp for name, stamp in graded["before"].items())
    assert not (ROOT / "stray.txt").exists() and not (Path.home() / "stray.txt").exists()


def test_grades_csv_has_one_row_per_submission(graded):
    with open(graded["folder"] / "grades.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    labels = [e["label"] for chapter in sorted(graded["made"])
              for e in graded["made"][chapter].autograder["exercises"]]
    assert header == ["submission", "chapter", *labels, "score", "possible", "error"]
    assert sorted(row[0] for row in body) == sorted(graded["grades"])
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    first = _row(graded, "solution", STEMS[0])
    row = by_name[first.submission]
    assert float(row["score"]) == float(row["possible"]) == first.possible
    assert row["error"] == ""
    assert by_name["corrupt.ipynb"]["error"].startswith("not a readable notebook")


def test_grade_command_exits_0_on_bad_files(homework, tmp_path):
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "essay.pdf").write_bytes(b"%PDF-1.4")
    nbformat.write(_notebook("no_such_chapter", "x = 1"), tmp_path / "stranger.ipynb")
    run = subprocess.run([sys.executable, "-m", "klutils.homework", "grade", str(tmp_path),
                          "--autograder", str(homework[0] / "autograder")],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(open(tmp_path / "grades.csv", newline="")))
    assert len(rows) == 3 and all(row["error"] and row["score"] == "0" for row in rows)
    assert "no autograder for chapter 'no_such_chapter'" in {r["submission"]: r["error"]
                                                              for r in rows}["stranger.ipynb"]


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


def _check(tags, points=1, exercise_label="demo-ex1"):
    return new_code_cell("with exercise('demo-ex1') as ex:\n    ex.number(answer, 42)",
                         metadata={"tags": tags, "homework": {"exercise": exercise_label,
                                                               "points": points}})


@pytest.mark.parametrize("cells, problem", [
    ([_check(["remove-cell", "hidden-check"])], "needs at least one public check"),
    ([_check(["public-check"])], "tag it 'remove-cell' too"),
    ([_check(["remove-cell", "public-check"], points=-1)], "points must be a number >= 0"),
    ([_check(["remove-cell", "public-check"], exercise_label="demo-ex9")], "no {exercise-start}"),
    ([_check(["remove-cell", "public-check"], points=0)], "worth no points"),
])
def test_assignment_refuses_inconsistent_markup(cells, problem):
    with pytest.raises(HomeworkFormatError, match=re.escape(problem)):
        make_assignment(_master(*cells))


def test_grader_puts_checks_where_the_submission_has_them_or_at_the_end():
    record = make_assignment(_master(_check(["remove-cell", "public-check"]),
                                     _check(["remove-cell", "hidden-check"], 2))).autograder
    submission = new_notebook(cells=[
        new_code_cell("answer = 42", metadata={"homework": {"answer": "demo-ex1"}}),
        new_code_cell("print(1)"),
    ])
    _notebook_, roles = grading_notebook(submission, record)
    assert roles == [("student", 1), ("check", 0), ("check", 1), ("student", 2)]
    no_anchor = new_notebook(cells=[new_code_cell("answer = 42"), new_code_cell("x = 1")])
    assert grading_notebook(no_anchor, record)[1] == [("student", 1), ("student", 2),
                                                      ("check", 0), ("check", 1)]


def test_assign_writes_every_homework_chapter(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nbformat.write(_master(_check(["remove-cell", "public-check"])), chapters / "demo.ipynb")
    nbformat.write(new_notebook(), chapters / "plain.ipynb")
    made, skipped = assign(chapters, tmp_path / "out")
    assert [a.chapter for a in made] == ["demo"] and skipped == ["plain.ipynb"]
    assert (tmp_path / "out" / "student" / "demo.ipynb").exists()
    shutil.copy(chapters / "demo.ipynb", chapters / "other.ipynb")
    with pytest.raises(HomeworkFormatError, match="must be the file name"):
        assign(chapters, tmp_path / "out")
