"""Homework checks, the part of the homework tools a learner's notebook imports.

A chapter's check cells (tagged ``public-check`` or ``hidden-check``) open :func:`exercise` as a
context manager and call its methods on the learner's answer:
``with exercise("ch01-ex1") as ex: ex.number(kl_coin, name="kl_coin")`` shows one line, passed
or what is wrong, and never raises. See :mod:`klutils.homework.checks`.

The instructor's tools (``make homework``, ``make grade``) are the subpackage
:mod:`klutils.homework.grader`; learners never need it, and the grading sandbox does not
contain it.

Examples
--------
>>> with exercise("demo-ex1") as ex:
...     ex.choice("b", ["a", "b"], name="answer")
✔ demo-ex1: passed
"""

from __future__ import annotations

from klutils.homework.checks import CheckResult, Exercise, exercise

__all__ = ["CheckResult", "Exercise", "exercise"]
