"""pytest plugin for the nbval run over the chapters: each notebook must run in under 30 s.

nbval runs a notebook as one item per cell; the durations of all phases (setup includes starting
the kernel) are added up per notebook file, printed, and the session fails if one is too slow.
"""

from __future__ import annotations

import collections

import pytest

#: Wall-clock limit for one whole notebook, in seconds (the book's budget is well under 10 s).
NOTEBOOK_TIME_LIMIT = 30.0

_seconds: collections.Counter[str] = collections.Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.split("::")[0].endswith(".ipynb"):
        _seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    if not _seconds:
        return
    terminalreporter.section("notebook run times")
    for name, seconds in sorted(_seconds.items()):
        flag = "  TOO SLOW" if seconds > NOTEBOOK_TIME_LIMIT else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {name}{flag}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if any(seconds > NOTEBOOK_TIME_LIMIT for seconds in _seconds.values()):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
