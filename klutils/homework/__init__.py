"""Homework from the chapters: learner notebooks, instant feedback, and grading.

The chapter notebooks are the single source: the book page, the learner's notebook and the
grader's checks all come from the same ``.ipynb``. Three parts:

* :mod:`klutils.homework.checks`, imported by the chapters' check cells:
  ``with exercise("ch01-ex1") as ex: ex.number(kl_coin, name="kl_coin")`` prints one line,
  passed or what is wrong, and never raises;
* :mod:`klutils.homework.assignment` (``make homework``): writes
  ``_build/homework/student/<chapter>.ipynb`` (solutions replaced by ``...``, hidden checks
  removed) and ``_build/homework/autograder/<chapter>.json``;
* :mod:`klutils.homework.grade` (``make grade SUBMISSIONS=DIR``): runs every submission in its
  own process with a time limit, public and hidden checks together, and writes
  ``DIR/grades.csv``.

The markup a chapter uses is described in :mod:`klutils.homework.markup` and, for instructors,
in the book's page "Homework and grading" (``instructors.md``).

Examples
--------
>>> with exercise("demo-ex1") as ex:
...     ex.choice("b", ["a", "b"], name="answer")
✔ demo-ex1: passed
"""

from __future__ import annotations

import importlib
from typing import Any

from klutils.homework.checks import CheckResult, Exercise, exercise

__all__ = [
    "Assignment",
    "CheckResult",
    "Exercise",
    "Grade",
    "HomeworkFormatError",
    "assign",
    "exercise",
    "grade_directory",
    "grade_file",
    "make_assignment",
    "stub_solution",
]

# The instructor's tools load on first use: a check cell imports only `checks` (nbformat's
# import takes about a second, which every check cell would otherwise pay).
_LAZY = {
    "Assignment": "assignment", "assign": "assignment", "make_assignment": "assignment",
    "Grade": "grade", "grade_directory": "grade", "grade_file": "grade",
    "HomeworkFormatError": "markup", "stub_solution": "markup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"klutils.homework.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'klutils.homework' has no attribute {name!r}")
