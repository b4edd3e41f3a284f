"""The instructor's homework tools: ``make homework`` and ``make grade``.

The chapter notebooks are the single source: the book page, the learner's notebook and the
grader's checks all come from the same ``.ipynb``.

* :mod:`~klutils.homework.grader.markup`: which cells of a chapter are solutions and checks;
* :mod:`~klutils.homework.grader.assignment` (``make homework``): writes
  ``_build/homework/student/<chapter>.ipynb`` (solutions replaced by ``...``, hidden checks
  removed) and ``_build/homework/autograder/<chapter>.json``;
* :mod:`~klutils.homework.grader.grade` (``make grade SUBMISSIONS=DIR``): grades every
  submission of a folder into ``DIR/grades.csv`` and ``DIR/feedback/``, each submission by a
  :mod:`~klutils.homework.grader.driver` process that runs the notebook in a
  :mod:`~klutils.homework.grader.sandbox` and the checks outside it, on the answers taken out
  as data (:mod:`~klutils.homework.grader.wire`).

``python -m klutils.homework.grader assign|grade`` is the command line.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Assignment",
    "Grade",
    "HomeworkFormatError",
    "assign",
    "grade_directory",
    "grade_file",
    "make_assignment",
    "stub_solution",
]

# Loaded on first use: the per-submission process imports only what it needs (nbformat alone
# takes about a second to import).
_LAZY = {
    "Assignment": "assignment", "assign": "assignment", "make_assignment": "assignment",
    "Grade": "grade", "grade_directory": "grade", "grade_file": "grade",
    "HomeworkFormatError": "markup", "stub_solution": "markup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"klutils.homework.grader.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'klutils.homework.grader' has no attribute {name!r}")
