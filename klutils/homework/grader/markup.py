"""The homework markup of a chapter notebook: which cells are solutions, which are checks.

The chapter notebook is the master. Its markup (all of it invisible in the book):

* notebook metadata ``{"homework": {"chapter": "<file stem>"}}`` makes the chapter homework;
* code cells tagged ``solution`` inside a sphinx-exercise solution block hold the answer. Inside
  them, otter-grader's markers say what the learner must write: the lines between
  ``# BEGIN SOLUTION`` and ``# END SOLUTION`` become one ``...`` (nothing at all with
  ``# BEGIN SOLUTION NO PROMPT``), and a statement ending in ``# SOLUTION`` keeps its left-hand
  side (``kl = p @ q  # SOLUTION`` becomes ``kl = ...``). A solution cell without markers is
  replaced as a whole by a comment;
* check cells are code cells tagged ``remove-cell`` (hidden in the book) and ``public-check``
  (kept in the learner's notebook) or ``hidden-check`` (only run by the grader), with cell
  metadata ``{"homework": {"exercise": "<label>", "points": <number>}}``. They call
  :func:`klutils.homework.exercise`. The grader runs them outside the learner's Python, with
  only the answers they name taken out of the learner's notebook: a check may read a
  notebook variable only if one of its ``ex.<method>(..., name="...")`` calls names it
  (:func:`answers_of`).

Examples
--------
>>> print(stub_solution("p = [0.5, 0.5]\\nkl = entropy(p)  # SOLUTION"))
p = [0.5, 0.5]
kl = ...
>>> print(stub_solution("def f(x):\\n    # BEGIN SOLUTION\\n    return 2 * x\\n    # END SOLUTION"))
def f(x):
    ...
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

__all__ = [
    "HIDDEN_TAG",
    "META_KEY",
    "PUBLIC_TAG",
    "REMOVE_TAG",
    "SOLUTION_TAG",
    "Check",
    "Directive",
    "HomeworkFormatError",
    "answers_of",
    "chapter_of",
    "check_of",
    "find_checks",
    "has_markers",
    "iter_directives",
    "stub_solution",
]

META_KEY = "homework"
SOLUTION_TAG = "solution"
PUBLIC_TAG = "public-check"
HIDDEN_TAG = "hidden-check"
REMOVE_TAG = "remove-cell"

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN\s+SOLUTION(?P<silent>\s+NO\s+PROMPT)?\s*$",
                    re.IGNORECASE)
_END = re.compile(r"^[ \t]*#\s*END\s+SOLUTION\s*$", re.IGNORECASE)
_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<code>\S.*?)\s*#\s*SOLUTION\s*$", re.IGNORECASE)
_DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>exercise-start|exercise-end|solution-start|solution-end)\}"
    r"(?P<argument>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$\n?",
    re.MULTILINE | re.DOTALL,
)


class HomeworkFormatError(ValueError):
    """A chapter's homework markup is inconsistent (the message says where and how)."""


@dataclass(frozen=True)
class Check:
    """One check cell of a master notebook.

    Attributes
    ----------
    exercise : str
        Label of the exercise it checks.
    points : float
        Points it is worth when it passes.
    visibility : str
        ``"public"`` (kept in the learner's notebook) or ``"hidden"`` (grader only).
    source : str
        The cell's code.
    cell_id : str
        The cell's id in the master notebook.
    answers : tuple of str
        The notebook variables it reads (see :func:`answers_of`).
    """

    exercise: str
    points: float
    visibility: str
    source: str
    cell_id: str
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Directive:
    """A sphinx-exercise gated directive found in a markdown cell."""

    name: str
    label: str
    start: int
    end: int


def chapter_of(notebook: Any) -> str | None:
    """Return the chapter id stored in a notebook's metadata, or None.

    Examples
    --------
    >>> chapter_of({"metadata": {"homework": {"chapter": "01_intuition"}}})
    '01_intuition'
    >>> chapter_of({"metadata": {}}) is None
    True
    """
    try:
        chapter = notebook["metadata"][META_KEY]["chapter"]
    except (KeyError, TypeError):
        return None
    return chapter if isinstance(chapter, str) and chapter else None


def tags_of(cell: Any) -> list[str]:
    """The tags of a cell (an empty list when it has none or they are malformed).

    Examples
    --------
    >>> tags_of({"metadata": {"tags": ["remove-cell", "public-check"]}})
    ['remove-cell', 'public-check']
    >>> tags_of({"metadata": {"tags": "oops"}})
    []
    """
    tags = cell.get("metadata", {}).get("tags", [])
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def is_check(cell: Any) -> bool:
    """Whether a cell is a public or hidden check cell.

    Examples
    --------
    >>> is_check({"cell_type": "code", "metadata": {"tags": ["remove-cell", "hidden-check"]}})
    True
    """
    tags = tags_of(cell)
    return cell.get("cell_type") == "code" and (PUBLIC_TAG in tags or HIDDEN_TAG in tags)


def check_of(cell: Any, where: str = "a check cell") -> Check:
    """Read the :class:`Check` a check cell declares, or raise :class:`HomeworkFormatError`.

    Examples
    --------
    >>> cell = {"cell_type": "code", "source": "...", "id": "c1", "metadata": {
    ...     "tags": ["remove-cell", "hidden-check"],
    ...     "homework": {"exercise": "ch01-ex1", "points": 2}}}
    >>> check_of(cell).points, check_of(cell).visibility
    (2.0, 'hidden')
    """
    tags = tags_of(cell)
    if (PUBLIC_TAG in tags) == (HIDDEN_TAG in tags):
        raise HomeworkFormatError(f"{where}: tag it either {PUBLIC_TAG!r} or {HIDDEN_TAG!r}")
    if REMOVE_TAG not in tags:
        raise HomeworkFormatError(f"{where}: tag it {REMOVE_TAG!r} too, so the book hides it")
    meta = cell.get("metadata", {}).get(META_KEY)
    if not isinstance(meta, dict) or not isinstance(meta.get("exercise"), str):
        raise HomeworkFormatError(
            f'{where}: give it cell metadata {{"{META_KEY}": {{"exercise": "<label>", '
            f'"points": <number>}}}}')
    points = meta.get("points")
    if isinstance(points, bool) or not isinstance(points, Real) or not points >= 0:
        raise HomeworkFormatError(f"{where}: points must be a number >= 0, not {points!r}")
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    try:
        answers = answers_of(source)
    except HomeworkFormatError as error:
        raise HomeworkFormatError(f"{where}: {error}") from None
    return Check(exercise=meta["exercise"], points=float(points),
                 visibility="public" if PUBLIC_TAG in tags else "hidden",
                 source=source, cell_id=str(cell.get("id", "")), answers=answers)


#: The check methods whose ``name=`` declares the answer a check reads.
ANSWER_METHODS = ("number", "integer", "choice", "function", "answered")


def _free_names(table: symtable.SymbolTable, top: bool, bound: set[str]) -> set[str]:
    names = set()
    for symbol in table.get_symbols():
        if top:
            if symbol.is_referenced() and symbol.get_name() not in bound:
                names.add(symbol.get_name())
        elif symbol.is_referenced() and symbol.is_global() and symbol.get_name() not in bound:
            names.add(symbol.get_name())
    for child in table.get_children():
        names |= _free_names(child, False, bound)
    return names


def answers_of(source: str) -> tuple[str, ...]:
    """The notebook variables a check cell reads, each declared by a check's ``name=``.

    A check cell runs outside the learner's Python, in a namespace holding only the answers it
    reads. Those are the names it uses without defining them (by assignment, import, ``def``,
    ``for``, ``with ... as``) that are not Python builtins; each must be the ``name=`` (a
    string literal) of one of its ``ex.number``, ``ex.integer``, ``ex.choice``,
    ``ex.function`` or ``ex.answered`` calls, so that a check never reads a notebook variable
    that is not an answer (which a learner could have redefined).

    Raises
    ------
    HomeworkFormatError
        If the cell is not valid Python, or reads a name it does not declare.

    Examples
    --------
    >>> answers_of("import numpy as np\\nfrom klutils.homework import exercise\\n"
    ...            "with exercise('e') as ex:\\n    ex.number(kl, np.log(2), name='kl')\\n"
    ...            "    ex.expect(kl > 0, 'positive')")
    ('kl',)
    >>> answers_of("from klutils.homework import exercise\\nwith exercise('e') as ex:\\n"
    ...            "    ex.number(kl, kl_divergence(P, Q), name='kl')")
    Traceback (most recent call last):
    ...
    klutils.homework.grader.markup.HomeworkFormatError: the check reads `P`, `Q`, `kl_divergence`, which it neither defines (import or assign them in the cell) nor declares as answers (name="..." of an ex.number/integer/choice/function call)
    """  # noqa: E501
    try:
        tree = ast.parse(source)
        table = symtable.symtable(source, "<check>", "exec")
    except SyntaxError as error:
        raise HomeworkFormatError(f"the check is not valid Python: {error.msg}, line "
                                  f"{error.lineno}") from None
    bound = {symbol.get_name() for symbol in table.get_symbols()
             if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()}
    used = _free_names(table, True, bound) - set(dir(builtins))
    declared = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ANSWER_METHODS:
            for keyword in node.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    declared.add(keyword.value.value)
    undeclared = sorted(used - declared)
    if undeclared:
        listed = ", ".join(f"`{name}`" for name in undeclared)
        raise HomeworkFormatError(
            f"the check reads {listed}, which it neither defines (import or assign them in the "
            'cell) nor declares as answers (name="..." of an ex.number/integer/choice/function '
            "call)")
    return tuple(sorted(used))


def find_checks(notebook: Any) -> list[Check]:
    """Every check cell of a master notebook, in order, validated.

    Raises
    ------
    HomeworkFormatError
        When a check cell is malformed, checks an exercise the notebook does not have, when
        the check cells of one exercise are not next to each other, or when an exercise with
        checks has no public check or no points.
    """
    labels = {d.label for cell in notebook["cells"] if cell.get("cell_type") == "markdown"
              for d in iter_directives(cell.get("source", "")) if d.name == "exercise-start"}
    checks: list[Check] = []
    current: str | None = None
    done: set[str] = set()
    for index, cell in enumerate(notebook["cells"]):
        if not is_check(cell):
            if current is not None:
                done.add(current)
            current = None
            continue
        check = check_of(cell, f"cell {index}")
        if check.exercise not in labels:
            raise HomeworkFormatError(f"cell {index}: checks {check.exercise!r}, but no "
                                      f"{{exercise-start}} has that label")
        if check.exercise != current:
            if current is not None:
                done.add(current)
            if check.exercise in done:
                raise HomeworkFormatError(f"cell {index}: the check cells of {check.exercise!r} "
                                          "must sit next to each other")
            current = check.exercise
        checks.append(check)
    for label in dict.fromkeys(check.exercise for check in checks):
        mine = [check for check in checks if check.exercise == label]
        if not any(check.visibility == "public" for check in mine):
            raise HomeworkFormatError(f"{label}: needs at least one public check, so the "
                                      "learner gets feedback")
        if sum(check.points for check in mine) <= 0:
            raise HomeworkFormatError(f"{label}: its checks are worth no points")
    return checks


def iter_directives(markdown: str) -> Iterator[Directive]:
    """The sphinx-exercise gated directives of a markdown cell, in order.

    Examples
    --------
    >>> text = "```{exercise-start}\\n:label: ch01-ex1\\n```\\nCompute it."
    >>> [(d.name, d.label) for d in iter_directives(text)]
    [('exercise-start', 'ch01-ex1')]
    """
    for match in _DIRECTIVE.finditer(markdown):
        name = match["name"]
        label = match["argument"].strip()
        if name == "exercise-start":
            found = re.search(r"^:label:\s*(\S+)", match["body"], re.MULTILINE)
            label = found.group(1) if found else ""
        yield Directive(name=name, label=label, start=match.start(), end=match.end())


def has_markers(source: str) -> bool:
    """Whether a solution cell uses ``# BEGIN SOLUTION`` / ``# SOLUTION`` markers."""
    return any(_BEGIN.match(line) or _END.match(line) or _LINE.match(line)
               for line in source.splitlines())


def _stub_statement(indent: str, code: str) -> str:
    """``name = ...`` for an assignment, ``return ...`` for a return, else ``...``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        raise HomeworkFormatError(f"a line marked '# SOLUTION' must be one whole statement: "
                                  f"{code!r}") from None
    if len(tree.body) != 1:
        raise HomeworkFormatError(f"a line marked '# SOLUTION' must be one statement: {code!r}")
    statement = tree.body[0]
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign) and statement.value:
        offset = statement.value.col_offset  # in UTF-8 bytes
        return indent + code.encode()[:offset].decode().rstrip() + " ..."
    if isinstance(statement, ast.Return) and statement.value is not None:
        return indent + "return ..."
    return indent + "..."


def stub_solution(source: str) -> str:
    """Replace the marked parts of a solution cell by ``...`` (see the module docstring).

    Raises
    ------
    HomeworkFormatError
        If markers are unbalanced or nested, or a ``# SOLUTION`` line is not one statement.

    Examples
    --------
    >>> print(stub_solution("x = 1\\n# BEGIN SOLUTION NO PROMPT\\nprint(x)\\n# END SOLUTION"))
    x = 1
    """
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        begin = _BEGIN.match(line)
        if begin:
            if inside:
                raise HomeworkFormatError(f"line {number}: '# BEGIN SOLUTION' inside another")
            inside = True
            if not begin["silent"]:
                out.append(begin["indent"] + "...")
            continue
        if _END.match(line):
            if not inside:
                raise HomeworkFormatError(f"line {number}: '# END SOLUTION' without a BEGIN")
            inside = False
            continue
        if inside:
            continue
        marked = _LINE.match(line)
        out.append(_stub_statement(marked["indent"], marked["code"]) if marked else line)
    if inside:
        raise HomeworkFormatError("'# BEGIN SOLUTION' without '# END SOLUTION'")
    return "\n".join(out)


def solution_lines(source: str) -> list[str]:
    """The lines of a solution cell that its stub hides (stripped; all lines without markers).

    Examples
    --------
    >>> solution_lines("a = 1\\nb = a + 1  # SOLUTION")
    ['b = a + 1']
    """
    if not has_markers(source):
        return [line.strip() for line in source.splitlines() if line.strip()]
    hidden: list[str] = []
    inside = False
    for line in source.splitlines():
        if _BEGIN.match(line):
            inside = True
        elif _END.match(line):
            inside = False
        elif inside:
            if line.strip():
                hidden.append(line.strip())
        else:
            marked = _LINE.match(line)
            if marked:
                hidden.append(marked["code"].strip())
    return hidden
