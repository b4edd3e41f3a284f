"""Command line: ``python -m klutils.homework assign|grade`` (used by ``make homework`` and
``make grade``).

Examples
--------
``python -m klutils.homework assign chapters --out _build/homework`` writes the learner
notebooks and the autograder records; ``python -m klutils.homework grade submissions/
--autograder _build/homework/autograder --timeout 60`` writes ``submissions/grades.csv``.
"""

from __future__ import annotations

import argparse
import sys

from klutils.homework.assignment import assign, format_points
from klutils.homework.grade import DEFAULT_TIMEOUT, grade_directory
from klutils.homework.markup import HomeworkFormatError


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


def _grade(arguments: argparse.Namespace) -> int:
    try:
        grades = grade_directory(arguments.submissions, arguments.autograder,
                                 timeout=arguments.timeout, jobs=arguments.jobs)
    except ValueError as error:
        print(f"make grade: {error}", file=sys.stderr)
        return 2
    width = max([len(grade.submission) for grade in grades] + [10])
    for grade in grades:
        possible = format_points(grade.possible) if grade.possible is not None else "-"
        note = f"  {grade.error}" if grade.error else ""
        print(f"{grade.submission:<{width}}  {grade.chapter or '-':<24} "
              f"{format_points(grade.score):>5} / {possible:<5}{note}")
    print(f"{len(grades)} files graded; grades in {arguments.submissions.rstrip('/')}/grades.csv")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m klutils.homework", description=__doc__
                                     .split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("assign", help="student notebooks and autograder records")
    make.add_argument("chapters", nargs="?", default="chapters", help="folder of chapters")
    make.add_argument("--out", default="_build/homework", help="output folder")
    make.set_defaults(run=_assign)
    grade = commands.add_parser("grade", help="grade a folder of submissions into grades.csv")
    grade.add_argument("submissions", help="folder of submitted notebooks")
    grade.add_argument("--autograder", default="_build/homework/autograder")
    grade.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                       help="seconds each notebook may run (default %(default)g)")
    grade.add_argument("--jobs", type=int, default=None,
                       help="submissions graded at the same time (default: number of CPUs)")
    grade.set_defaults(run=_grade)
    arguments = parser.parse_args(argv)
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
