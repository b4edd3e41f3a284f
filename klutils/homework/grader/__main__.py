"""Command line: ``python -m klutils.homework.grader assign|grade`` (used by ``make homework``
and ``make grade``).

Examples
--------
``python -m klutils.homework.grader assign chapters --out _build/homework`` writes the learner
notebooks and the autograder records; ``python -m klutils.homework.grader grade submissions/
--autograder _build/homework/autograder --timeout 60`` writes ``submissions/grades.csv`` and
``submissions/feedback/``.
"""

from __future__ import annotations

import argparse
import re
import sys

from klutils.homework.grader.assignment import assign, format_points
from klutils.homework.grader.grade import (
    DEFAULT_MEMORY,
    DEFAULT_TIMEOUT,
    GradingInterrupted,
    SandboxUnavailable,
    grade_directory,
)
from klutils.homework.grader.markup import HomeworkFormatError

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_bytes(text: str) -> int:
    """``"2G"``, ``"2GiB"``, ``"512M"`` or ``"1048576"`` as a number of bytes.

    Examples
    --------
    >>> parse_bytes("2G"), parse_bytes("512MiB"), parse_bytes("1000")
    (2147483648, 536870912, 1000)
    """
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.I)
    if not found or float(found[1]) <= 0:
        raise argparse.ArgumentTypeError(f"not an amount of memory: {text!r} (e.g. 2G, 512M)")
    return int(float(found[1]) * _UNITS[found[2].lower()])


def _assign(arguments: argparse.Namespace) -> int:
    try:
        made, skipped = assign(arguments.chapters, arguments.out)
    except (HomeworkFormatError, ValueError) as error:
        print(f"make homework: {error}", file=sys.stderr)
        return 1
    for assignment in made:
        record = assignment.autograder
        points = ", ".join(f"{exercise['label']} {format_points(exercise['points'])}"
                           for exercise in record["exercises"])
        hidden = sum(check["visibility"] == "hidden" for check in record["checks"])
        print(f"{assignment.chapter}: {format_points(record['possible'])} points ({points}); "
              f"{len(record['checks'])} checks, {hidden} hidden")
    for name in skipped:
        print(f"{name}: no homework metadata, skipped")
    print(f"student notebooks: {arguments.out}/student/   autograder: {arguments.out}/autograder/")
    return 0


def _print(grades: list) -> None:
    width = max([len(grade.submission) for grade in grades] + [10])
    for grade in grades:
        possible = format_points(grade.possible) if grade.possible is not None else "-"
        note = f"  {grade.error}" if grade.error else ""
        print(f"{grade.submission:<{width}}  {grade.chapter or '-':<24} "
              f"{format_points(grade.score):>5} / {possible:<5}{note}")


def _grade(arguments: argparse.Namespace) -> int:
    folder = arguments.submissions.rstrip("/")
    if arguments.unsafe:
        print("warning: grading WITHOUT the sandbox (--unsafe): the notebooks can read and "
              "change your files and use the network", file=sys.stderr)
    try:
        grades = grade_directory(arguments.submissions, arguments.autograder,
                                 timeout=arguments.timeout, jobs=arguments.jobs,
                                 memory=arguments.memory, unsafe=arguments.unsafe,
                                 chapter=arguments.chapter)
    except SandboxUnavailable as error:
        print(f"make grade: the sandbox cannot run here: {error}.\n"
              "Install bubblewrap (`make sandbox` as root, or `sudo apt-get install "
              "bubblewrap`), or grade without a sandbox with UNSAFE=1 (--unsafe), only for "
              "notebooks you trust.", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"make grade: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before grading started: nothing to write
        print("make grade: stopped before any submission was graded", file=sys.stderr)
        return 130
    except GradingInterrupted as stop:
        _print(stop.grades)
        print(f"stopped by {stop}: {folder}/grades.csv holds the submissions that finished",
              file=sys.stderr)
        return 128 + stop.signum
    _print(grades)
    print(f"{len(grades)} submissions graded; grades in {folder}/grades.csv, feedback in "
          f"{folder}/feedback/")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m klutils.homework.grader",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("assign", help="student notebooks and autograder records")
    make.add_argument("chapters", nargs="?", default="chapters", help="folder of chapters")
    make.add_argument("--out", default="_build/homework", help="output folder")
    make.set_defaults(run=_assign)
    grade = commands.add_parser("grade", help="grade a folder of submissions into grades.csv")
    grade.add_argument("submissions", help="folder of submitted notebooks or student folders")
    grade.add_argument("--autograder", default="_build/homework/autograder")
    grade.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help="seconds each notebook's cells may run (default %(default)g)")
    grade.add_argument("--jobs", type=int, default=None,
                       help="submissions graded at the same time (default: number of CPUs)")
    grade.add_argument("--memory", type=parse_bytes, default=DEFAULT_MEMORY,
                       help="memory of each process of a submission (default 2G)")
    grade.add_argument("--chapter", default=None,
                       help="the chapter assigned: notebooks of other chapters are flagged")
    grade.add_argument("--unsafe", action="store_true",
                       help="grade without the sandbox (only for notebooks you trust)")
    grade.set_defaults(run=_grade)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
