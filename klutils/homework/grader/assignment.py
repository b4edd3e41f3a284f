"""``make homework``: a learner's notebook and the grader's checks from every chapter notebook.

For a chapter notebook with homework metadata (see :mod:`klutils.homework.grader.markup`),
:func:`make_assignment` builds

* the **student notebook**: the chapter as the book shows it (cells tagged ``remove-cell`` left
  out), each exercise headed with its points, each solution block replaced by a short "Your
  answer" note and the stubbed solution cells, the public check cells kept and the hidden ones
  removed, no outputs; its metadata keeps ``{"homework": {"chapter": ...}}`` so the grader
  finds the chapter from the notebook itself;
* the **autograder** record (JSON): every check cell (public and hidden) with its exercise and
  points, in the chapter's order.

Examples
--------
>>> import nbformat
>>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
>>> def check(kind, code):
...     code = "from klutils.homework import exercise\\n" + code
...     return new_code_cell(code, metadata={"tags": ["remove-cell", f"{kind}-check"],
...                          "homework": {"exercise": "demo-ex1", "points": 1}})
>>> master = new_notebook(metadata={"homework": {"chapter": "demo"}}, cells=[
...     new_markdown_cell("# Demo"),
...     new_markdown_cell("```{exercise-start}\\n:label: demo-ex1\\n```\\nDouble 21."),
...     new_markdown_cell("```{exercise-end}\\n```"),
...     new_markdown_cell("```{solution-start} demo-ex1\\n:class: dropdown\\n```\\nEasy."),
...     new_code_cell("answer = 2 * 21  # SOLUTION", metadata={"tags": ["solution"]}),
...     check("public", "with exercise('demo-ex1') as ex:\\n    ex.number(answer, name='answer')"),
...     check("hidden", "with exercise('demo-ex1') as ex:\\n    ex.number(answer, 42, name='answer')"),
...     new_markdown_cell("```{solution-end}\\n```")])
>>> assignment = make_assignment(master, source="demo.ipynb")
>>> [cell.source.splitlines()[0] for cell in assignment.student.cells[1:]]
['# Demo', '### Exercise demo-ex1 (2 points, checked automatically)', '**Your answer.** Replace each `...` below with your answer, run the cell, then run the check cell under it.', 'answer = ...', 'from klutils.homework import exercise']
>>> assignment.autograder["possible"], len(assignment.autograder["checks"])
(2.0, 2)
"""  # noqa: E501

from __future__ import annotations

import ast
import copy
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from klutils.homework.grader.markup import (
    META_KEY,
    PUBLIC_TAG,
    REMOVE_TAG,
    SOLUTION_TAG,
    Check,
    HomeworkFormatError,
    chapter_of,
    find_checks,
    has_markers,
    is_check,
    iter_directives,
    stub_solution,
    tags_of,
)

__all__ = ["AUTOGRADER_FORMAT", "Assignment", "assign", "format_points", "make_assignment"]

#: Version of the autograder JSON written by :func:`make_assignment`.
AUTOGRADER_FORMAT = 2
#: File names (without the suffix) that :func:`assign` may replace or remove: a chapter's.
_CHAPTER_FILE = re.compile(r"\d\d_[a-z0-9_]+")


@dataclass
class Assignment:
    """A chapter's student notebook and autograder record.

    Attributes
    ----------
    chapter : str
        The chapter id (the notebook's file name without ``.ipynb``).
    student : nbformat.NotebookNode
        The learner's notebook.
    autograder : dict
        What the grader needs: ``chapter``, ``title``, ``source``, ``exercises`` (label and
        points of each graded exercise), ``possible`` and ``checks``.
    """

    chapter: str
    student: Any
    autograder: dict


def format_points(points: float) -> str:
    """``2.0`` as ``"2"``, ``1.5`` as ``"1.5"``.

    Examples
    --------
    >>> format_points(2.0), format_points(1.5)
    ('2', '1.5')
    """
    return f"{points:g}"


def _title(master: Any) -> str:
    for cell in master.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if found:
                return found.group(1).strip()
    return ""


def _intro(chapter: str, title: str, points: dict[str, float]) -> Any:
    table = "\n".join(f"| {label} | {format_points(p)} |" for label, p in points.items())
    text = (
        f"**Homework: {title or chapter}** (chapter `{chapter}`)\n\n"
        "This is your copy of the chapter, with the exercises to answer at the end. For each "
        "exercise, replace every `...` in the cells under **Your answer**, run them, then run "
        "the check cell under them: it says *passed* or, in one line, what is wrong. Passing "
        "these checks does not guarantee full marks: more tests run when your notebook is "
        "graded.\n\n"
        "Keep the names the answer cells define (variables and functions), do not delete the "
        "check cells, make sure the notebook runs from top to bottom (*Restart Kernel and Run "
        "All Cells*), and hand in this `.ipynb` file (under any file name).\n\n"
        f"| exercise | points |\n|---|---|\n{table}\n| total | "
        f"{format_points(sum(points.values()))} |"
    )
    return new_markdown_cell(text, id="homework-intro")


def _answer_note(label: str, graded: bool) -> Any:
    if graded:
        text = ("**Your answer.** Replace each `...` below with your answer, run the cell, then "
                "run the check cell under it.")
    else:
        text = "**Your answer** (not graded)."
    return new_markdown_cell(text, id=f"homework-{label}-answer")


def _same_id(cell: Any) -> dict[str, str]:
    """Keyword arguments giving a new cell the id of ``cell`` (a fresh id if it has none)."""
    return {"id": cell["id"]} if cell.get("id") else {}


def _stub_cell(cell: Any, label: str, source: str) -> Any:
    metadata = copy.deepcopy(dict(cell.metadata))
    tags = [tag for tag in tags_of(cell) if tag != SOLUTION_TAG]
    if tags:
        metadata["tags"] = tags
    else:
        metadata.pop("tags", None)
    metadata[META_KEY] = {"answer": label}
    return new_code_cell(source, metadata=metadata, **_same_id(cell))


def _check_stub(source: str, where: str) -> None:
    if any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        return  # IPython magics: not plain Python
    try:
        ast.parse(source)
    except SyntaxError as error:
        message = f"{error.msg}, line {error.lineno}"
        raise HomeworkFormatError(f"{where}: the learner's stub is not valid Python ({message}); "
                                  "check the markers") from None


def _student_cells(master: Any, points: dict[str, float], chapter: str) -> list[Any]:
    """The learner's cells (see the module docstring)."""
    cells: list[Any] = []
    in_solution: str | None = None
    for index, cell in enumerate(master.cells):
        where = f"{chapter}, cell {index}"
        if cell.cell_type == "markdown":
            text, pieces, position, opened = cell.source, [], 0, None
            for directive in iter_directives(text):
                if in_solution is None:
                    pieces.append(text[position:directive.start])
                if directive.name == "exercise-start":
                    earned = points.get(directive.label)
                    how = (f"{format_points(earned)} points, checked automatically"
                           if earned is not None else "not graded")
                    pieces.append(f"### Exercise {directive.label} ({how})\n\n")
                elif directive.name == "solution-start":
                    if in_solution is not None:
                        raise HomeworkFormatError(f"{where}: a solution starts inside another")
                    in_solution = opened = directive.label
                elif directive.name == "solution-end":
                    if in_solution is None:
                        raise HomeworkFormatError(f"{where}: {{solution-end}} without a start")
                    in_solution = None
                position = directive.end
            if in_solution is None:
                pieces.append(text[position:])
            kept = re.sub(r"\n{3,}", "\n\n", "".join(pieces)).strip()
            if kept:
                cells.append(new_markdown_cell(kept, metadata=copy.deepcopy(dict(cell.metadata)),
                                               **_same_id(cell)))
            if opened is not None:
                cells.append(_answer_note(opened, opened in points))
            continue
        tags = tags_of(cell)
        if is_check(cell):
            if PUBLIC_TAG in tags:
                public = copy.deepcopy(cell)
                public.outputs, public.execution_count = [], None
                cells.append(public)
            continue
        is_solution = cell.cell_type == "code" and SOLUTION_TAG in tags
        if in_solution is not None and not is_solution:
            continue  # an assert, a raw cell or other part of the solution
        if is_solution:
            label = in_solution or "the exercise"
            if has_markers(cell.source):
                try:
                    stub = stub_solution(cell.source)
                except HomeworkFormatError as error:
                    raise HomeworkFormatError(f"{where}: {error}") from None
                _check_stub(stub, where)
                cells.append(_stub_cell(cell, label, stub))
            elif not (cells and cells[-1].get("metadata", {}).get(META_KEY) == {"answer": label}
                      and cells[-1].source.startswith("# Your code")):
                cells.append(_stub_cell(cell, label, f"# Your code for exercise {label}."))
            continue
        if REMOVE_TAG in tags:
            continue
        kept = copy.deepcopy(cell)
        if kept.cell_type == "code":
            kept.outputs, kept.execution_count = [], None
        cells.append(kept)
    if in_solution is not None:
        raise HomeworkFormatError(f"{chapter}: the solution of {in_solution!r} never ends")
    return cells


def make_assignment(master: Any, *, source: str = "") -> Assignment:
    """Build the student notebook and the autograder record of one master notebook.

    Parameters
    ----------
    master : nbformat.NotebookNode
        A chapter notebook with ``metadata["homework"]["chapter"]``.
    source : str
        Where the master lives (recorded in the autograder record).

    Returns
    -------
    Assignment

    Raises
    ------
    HomeworkFormatError
        If the notebook has no homework metadata or its markup is inconsistent.
    """
    chapter = chapter_of(master)
    if chapter is None:
        raise HomeworkFormatError(f'{source or "notebook"}: no metadata '
                                  f'{{"{META_KEY}": {{"chapter": ...}}}}')
    try:
        checks: list[Check] = find_checks(master)
    except HomeworkFormatError as error:
        raise HomeworkFormatError(f"{chapter}: {error}") from None
    points: dict[str, float] = {}
    for check in checks:
        points[check.exercise] = points.get(check.exercise, 0.0) + check.points
    title = _title(master)
    student = nbformat.v4.new_notebook(
        cells=[_intro(chapter, title, points), *_student_cells(master, points, chapter)],
        metadata={key: copy.deepcopy(value) for key, value in master.metadata.items()
                  if key in ("kernelspec", "language_info")},
    )
    student.metadata[META_KEY] = {"chapter": chapter, "role": "student"}
    nbformat.validate(student)
    autograder = {
        "format": AUTOGRADER_FORMAT,
        "chapter": chapter,
        "title": title,
        "source": source,
        "exercises": [{"label": label, "points": p} for label, p in points.items()],
        "possible": sum(points.values()),
        "checks": [asdict(check) for check in checks],
    }
    return Assignment(chapter=chapter, student=student, autograder=autograder)


def assign(chapters: Path | str, out: Path | str) -> tuple[list[Assignment], list[str]]:
    """Write ``out/student/<chapter>.ipynb`` and ``out/autograder/<chapter>.json`` for every
    chapter notebook in ``chapters`` that carries homework metadata.

    Files an earlier run wrote there for chapters (named like ``01_intuition``) are removed
    first, so the two folders hold the current chapters; nothing else in them is touched.

    Returns
    -------
    (assignments, skipped)
        The assignments written, and the file names of the notebooks without homework metadata.

    Raises
    ------
    HomeworkFormatError
        If a chapter's markup is inconsistent, or its chapter id is not its file name.
    ValueError
        If ``chapters`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> scratch = tempfile.TemporaryDirectory()
    >>> folder = Path(scratch.name)
    >>> nbformat.write(nbformat.v4.new_notebook(), folder / "plain.ipynb")
    >>> assign(folder, folder / "out")
    ([], ['plain.ipynb'])
    >>> scratch.cleanup()
    """
    chapters, out = Path(chapters), Path(out)
    if not chapters.is_dir():
        raise ValueError(f"chapters must be a folder of notebooks; {chapters} is not")
    made: list[Assignment] = []
    skipped: list[str] = []
    for path in sorted(chapters.glob("*.ipynb")):
        master = nbformat.read(path, as_version=4)
        chapter = chapter_of(master)
        if chapter is None:
            skipped.append(path.name)
            continue
        if chapter != path.stem:
            raise HomeworkFormatError(f"{path.name}: metadata says chapter {chapter!r}, but "
                                      f"the chapter id must be the file name {path.stem!r}")
        made.append(make_assignment(master, source=f"{chapters.name}/{path.name}"))
    for sub, suffix in (("student", ".ipynb"), ("autograder", ".json")):
        (out / sub).mkdir(parents=True, exist_ok=True)
        # Only what an earlier run wrote is removed (a chapter renamed since): files named like a
        # chapter, never a folder or anything else the instructor keeps there.
        for old in (out / sub).glob(f"*{suffix}"):
            if _CHAPTER_FILE.fullmatch(old.stem) and old.is_file() and not old.is_symlink():
                old.unlink()
    for assignment in made:
        nbformat.write(assignment.student, out / "student" / f"{assignment.chapter}.ipynb")
        (out / "autograder" / f"{assignment.chapter}.json").write_text(
            json.dumps(assignment.autograder, indent=1, ensure_ascii=False) + "\n")
    return made, skipped
