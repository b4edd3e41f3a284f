"""The grader's child process: run one submission with its chapter's checks, print JSON.

Started by :mod:`klutils.homework.grade` as ``python -B -m klutils.homework._runner SUBMISSION
AUTOGRADER TIMEOUT PIDFILE`` (``AUTOGRADER`` is ``-`` to read the record from stdin) with its
working folder, ``HOME`` and ``TMPDIR`` inside a fresh
temporary folder. It executes the submission's code cells with nbclient in a new ``python3``
kernel (errors do not stop the run), with the chapter's public and hidden check cells put where
the submission's check cells are, and prints one JSON object on stdout: the points of every
exercise, the check outcomes and an error summary (empty when the notebook ran cleanly).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell

from klutils.homework.checks import MIME_TYPE
from klutils.homework.markup import META_KEY, is_check

__all__ = ["grading_notebook", "main", "run_submission", "score_outputs"]


def _exercise_of_check(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get(META_KEY)
    return meta.get("exercise") if isinstance(meta, dict) else None


def _answer_of(cell: Any) -> str | None:
    meta = cell.get("metadata", {}).get(META_KEY)
    return meta.get("answer") if isinstance(meta, dict) else None


def grading_notebook(submission: Any, autograder: dict) -> tuple[Any, list[tuple[str, int]]]:
    """The notebook the grader executes, and what each of its cells is.

    The submission's code cells are kept in order (outputs cleared); its own check cells are
    dropped, and all of the chapter's check cells of an exercise go where the submission's
    first check cell of that exercise was, or else after its last answer cell for that
    exercise, or else at the end.

    Returns
    -------
    (notebook, roles)
        ``roles[i]`` is ``("student", n)`` for the submission's cell number ``n`` (from 1) or
        ``("check", k)`` for ``autograder["checks"][k]``.
    """
    checks = autograder["checks"]
    by_exercise: dict[str, list[int]] = {}
    for k, check in enumerate(checks):
        by_exercise.setdefault(check["exercise"], []).append(k)
    cells = list(submission.get("cells", []))
    anchors: dict[str, tuple[int, bool]] = {}  # exercise -> (cell index, before it?)
    for index, cell in enumerate(cells):
        exercise = _exercise_of_check(cell) if is_check(cell) else None
        if exercise in by_exercise and (exercise not in anchors or not anchors[exercise][1]):
            anchors[exercise] = (index, True)
        answer = _answer_of(cell)
        if answer in by_exercise and not (answer in anchors and anchors[answer][1]):
            anchors[answer] = (index, False)

    new_cells: list[Any] = []
    roles: list[tuple[str, int]] = []

    def add_checks(exercise: str) -> None:
        for k in by_exercise[exercise]:
            new_cells.append(new_code_cell(checks[k]["source"], id=f"grader-check-{k}",
                                           metadata={META_KEY: {"grader": k}}))
            roles.append(("check", k))

    for index, cell in enumerate(cells):
        before = [ex for ex, (at, first) in anchors.items() if at == index and first]
        for exercise in before:
            add_checks(exercise)
        if cell.get("cell_type") == "code" and not is_check(cell):
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(source)
            new_cells.append(new_code_cell(str(source), id=f"student-{index + 1}"))
            roles.append(("student", index + 1))
        for exercise in [ex for ex, (at, first) in anchors.items() if at == index and not first]:
            add_checks(exercise)
    for exercise in by_exercise:
        if exercise not in anchors:
            add_checks(exercise)
    notebook = nbformat.v4.new_notebook(cells=new_cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    return notebook, roles


def score_outputs(notebook: Any, roles: list[tuple[str, int]], autograder: dict,
                  ran: int) -> dict[str, Any]:
    """Points per exercise and the check outcomes, from an executed grading notebook.

    A check cell earns its points when it ran (``index < ran``), raised nothing and every check
    it reported passed.
    """
    checks = autograder["checks"]
    scores = {exercise["label"]: 0.0 for exercise in autograder["exercises"]}
    feedback = []
    for index, (role, k) in enumerate(roles):
        if role != "check":
            continue
        check = checks[k]
        outputs = notebook.cells[index].get("outputs", []) if index < ran else []
        records = [output["data"][MIME_TYPE] for output in outputs
                   if output.get("output_type") in ("display_data", "execute_result")
                   and MIME_TYPE in output.get("data", {})]
        errors = [output for output in outputs if output.get("output_type") == "error"]
        passed = index < ran and bool(records) and not errors and all(
            record.get("passed") is True for record in records)
        if index >= ran:
            message = "not run"
        elif errors:
            message = f"the check raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
        elif not records:
            message = "the check reported nothing"
        else:
            message = next((r.get("message", "") for r in records if not r.get("passed")), "")
        if passed:
            scores[check["exercise"]] += check["points"]
        feedback.append({
            "exercise": check["exercise"], "visibility": check["visibility"],
            "points": check["points"] if passed else 0.0, "possible": check["points"],
            "passed": passed, "message": message,
            "answered": all(record.get("answered", True) for record in records),
        })
    return {"scores": scores, "feedback": feedback}


def _first_line(text: str, width: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_submission(submission: Any, autograder: dict, *, timeout: float, workdir: Path,
                   pidfile: Path | None = None, kernel_log: Path | None = None) -> dict[str, Any]:
    """Execute a submission with its checks and score it (see the module docstring)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook, roles = grading_notebook(submission, autograder)
    deadline = time.monotonic() + timeout

    def remaining(cell: Any) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    client = NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, timeout_func=remaining,
        interrupt_on_timeout=False, shutdown_kernel="immediate", record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    problems: list[str] = []
    ran = 0
    log = open(kernel_log or Path(workdir).parent / "kernel.log", "wb")
    try:
        with client.setup_kernel(stdout=log, stderr=log):
            if pidfile is not None and client.km is not None and client.km.provisioner:
                Path(pidfile).write_text(str(client.km.provisioner.pid))
            for index, cell in enumerate(notebook.cells):
                role, number = roles[index]
                where = (f"cell {number}" if role == "student"
                         else f"the check of {autograder['checks'][number]['exercise']}")
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    ran = index
                    problems.append(f"timed out after {timeout:g} s in {where} "
                                    "(an infinite loop?); later cells did not run")
                    break
                except DeadKernelError:
                    ran = index
                    problems.append(f"the notebook's Python stopped by {where} (exit(), "
                                    "os._exit(), a crash or no memory left); later cells did not "
                                    "run")
                    break
                ran = index + 1
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "error" and role == "student":
                        name, value = output.get("ename", "Error"), output.get("evalue", "")
                        if name == "SystemExit":
                            problems.append(f"{where} called sys.exit({value})")
                        else:
                            problems.append(f"{where} raised {name}: {_first_line(value, 80)}")
    except (CellTimeoutError, DeadKernelError, RuntimeError, OSError) as error:
        problems.append(f"the notebook could not be run: {_first_line(error)}")
    finally:
        log.close()
    result = score_outputs(notebook, roles, autograder, ran)
    if len(problems) > 3:
        problems = [*problems[:3], f"and {len(problems) - 3} more"]
    result["error"] = "; ".join(problems)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line of the child process (see the module docstring)."""
    submission_path, autograder_path, timeout, pidfile = (argv or sys.argv[1:])[:4]
    if autograder_path == "-":
        autograder = json.loads(sys.stdin.read())
        sys.stdin.close()
    else:
        autograder = json.loads(Path(autograder_path).read_text())
    submission = nbformat.read(submission_path, as_version=4)
    workdir = Path.cwd()
    before = {path.name for path in workdir.iterdir()}
    result = run_submission(submission, autograder, timeout=float(timeout), workdir=workdir,
                            pidfile=Path(pidfile))
    deleted = sorted(before - {path.name for path in workdir.iterdir()})
    if deleted:
        note = f"the notebook deleted files in its working folder: {', '.join(deleted)}"
        result["error"] = "; ".join(filter(None, [result["error"], note]))
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
