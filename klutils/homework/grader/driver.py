"""Grade one submission: its notebook runs in a sandbox, its checks run here, on data.

:mod:`klutils.homework.grader.grade` starts one of these processes per submission, as
``python -I -m klutils.homework.grader.driver``, and writes the job to its standard input (one
JSON object: the learner's code cells and where to take the answers out, the chapter's checks,
the limits, the sandbox and a per-run secret). This process never runs the learner's code. It

1. starts the sandbox (:mod:`klutils.homework.grader.sandbox`) with the runner
   (:mod:`klutils.homework.grader.runner`) and the learner's kernel inside;
2. runs the learner's cells there, in order, within the time limit; where the student notebook
   has an exercise's check cells, it takes out of the kernel, as data
   (:mod:`klutils.homework.grader.wire`), only the answers that exercise's checks name;
3. after the last learner cell, runs every check cell of the chapter (public and hidden) here,
   in a fresh namespace holding those answers, with a learner's function stood in for by a
   proxy that sends the inputs into the kernel and takes the return value out as data, with a
   time limit per call;
4. stops the sandbox (everything in it dies with it) and prints one line on its standard
   output: the secret, a space and the JSON result.

Expected values and hidden checks never enter the sandbox.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from klutils.homework.checks import RESULTS
from klutils.homework.grader import sandbox, wire

__all__ = ["CALL_LIMIT", "Grader", "LearnerFunction", "main", "run_job"]

#: Seconds one call of a learner's function may take.
CALL_LIMIT = 10.0
#: Seconds the runner may take beyond a request's own time limit (interrupting, reporting).
SLACK = 15.0
#: Seconds the kernel may take to start.
STARTUP = 60.0
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")


def _first_line(text: Any, width: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


class Sandbox:
    """The runner process in its sandbox, and the pipe to it (every reply is untrusted data)."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.stderr_tail = b""
        command, options = sandbox.runner_command(
            job["sandbox"], job["unsafe"], job["root"], job["notebook"], job["memory"],
            job["file_size"])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, **options)
        for fd in options.get("pass_fds", ()):
            os.close(fd)
        self.unsafe = bool(job["unsafe"])
        self.buffer = b""
        self.broken = False
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        for chunk in iter(lambda: self.process.stderr.read1(4096), b""):
            self.stderr_tail = (self.stderr_tail + chunk)[-2000:]

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for one reply line (``{"status": "stuck"}`` if none)."""
        if self.broken:
            return {"status": "dead", "log": "the sandbox had stopped"}
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            self.broken = True
            return {"status": "dead", "log": self.log()}
        deadline = time.monotonic() + timeout + SLACK
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.broken = True
                return {"status": "stuck"}
            if not self.selector.select(min(left, 1.0)):
                continue
            chunk = os.read(self.process.stdout.fileno(), 1 << 20)
            if not chunk:
                self.broken = True
                return {"status": "dead", "log": self.log()}
            self.buffer += chunk
            if len(self.buffer) > wire.MAX_TEXT + 4096 and b"\n" not in self.buffer:
                self.broken = True
                return {"status": "error", "ename": "TooLarge",
                        "evalue": "the notebook sent more data than the grader accepts"}
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("status"), str):
            return {"status": "error", "ename": "BadReply", "evalue": "an unreadable reply"}
        return reply

    def log(self) -> str:
        time.sleep(0.05)
        return _first_line(self.stderr_tail.decode(errors="replace"), 300)

    def close(self) -> None:
        """Stop the sandbox: with bubblewrap, everything inside dies with its first process."""
        with contextlib.suppress(OSError):
            if self.unsafe:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


class LearnerFunction:
    """A learner's function, called through the kernel: data in, data out, with a time limit.

    Raising inside the learner's function raises here an exception of the same type name and
    message; a call that runs past its limit raises :class:`TimeoutError`.
    """

    def __init__(self, grader: Grader, handle: int, name: str) -> None:
        self._grader, self._handle, self.__name__ = grader, handle, name

    def __repr__(self) -> str:
        return f"<function {self.__name__} from the notebook>"

    def __call__(self, *args: Any) -> Any:
        grader = self._grader
        if not grader.kernel_usable:
            raise RuntimeError(f"`{self.__name__}` could not be called: the notebook's Python "
                               f"had stopped ({grader.stopped})")
        try:
            text = wire.dumps(list(args))
        except (TypeError, ValueError) as error:  # a check passes something that cannot cross
            raise RuntimeError(f"the check's inputs cannot be sent: {error}") from None
        limit = min(CALL_LIMIT, grader.budget_left())
        if limit <= 0:
            raise TimeoutError("the time for calling the notebook's functions is used up")
        expression = f"__import__('_klgrade_wire').call({self._handle}, {text!r})"
        reply = grader.sandbox.request({"op": "eval", "expression": expression,
                                        "timeout": limit}, limit)
        status = reply["status"]
        if status == "timeout":
            if not reply.get("recovered"):
                grader.stop("it did not stop when interrupted after a call ran too long")
            raise TimeoutError(f"no result within {limit:g} s")
        if status in ("dead", "stuck"):
            grader.stop("it stopped during a call")
            raise RuntimeError("the notebook's Python stopped during the call")
        if status != "ok":
            raise RuntimeError(f"the call could not be made ({reply.get('ename')}: "
                               f"{_first_line(reply.get('evalue'), 100)})")
        try:
            outcome = wire.parse(reply.get("value"))
            if isinstance(outcome, dict) and set(outcome) == {"returned"}:
                return wire.decode(outcome["returned"], grader.proxy)
        except wire.WireError as error:
            raise RuntimeError(f"the result could not be read: {error}") from None
        if isinstance(outcome, dict) and set(outcome) == {"raised"} and isinstance(
                outcome["raised"], dict):
            raise _learner_error(outcome["raised"].get("type"), outcome["raised"].get("message"))
        raise RuntimeError("the call gave an unreadable result")


class LearnerError(Exception):
    """Base of the exceptions that stand for one raised in the learner's function."""


_ERRORS: dict[str, type] = {}


def _learner_error(name: Any, message: Any) -> Exception:
    name = name if isinstance(name, str) and _NAME.fullmatch(name) else "Exception"
    if name not in _ERRORS:
        _ERRORS[name] = type(name, (LearnerError,), {"__module__": "notebook"})
    return _ERRORS[name](_first_line(message if isinstance(message, str) else "", 300))


@dataclass
class Grader:
    """State of one grading: the sandbox, the answers taken out, the checks' outcomes."""

    job: dict[str, Any]
    sandbox: Sandbox
    problems: list[str] = field(default_factory=list)
    snapshots: dict[str, Any] = field(default_factory=dict)
    kernel_usable: bool = True
    stopped: str = ""
    budget_end: float = 0.0

    def stop(self, why: str) -> None:
        self.kernel_usable = False
        self.stopped = self.stopped or why

    def budget_left(self) -> float:
        return self.budget_end - time.monotonic()

    def proxy(self, handle: int, name: str) -> LearnerFunction:
        return LearnerFunction(self, handle, name)

    def run_cells(self) -> None:
        """Run the learner's cells and take the answers out where the checks were."""
        timeout = float(self.job["timeout"])
        deadline = time.monotonic() + timeout
        self.budget_end = time.monotonic() + timeout
        for step in self.job["steps"]:
            if "snapshot" in step:
                self.take_snapshot(step["snapshot"], step["names"])
                continue
            where = f"cell {step['cell']}"
            left = deadline - time.monotonic()
            if left <= 0:
                self.problems.append(f"timed out after {timeout:g} s before {where}; later "
                                     "cells did not run")
                self.stop("the time limit")
                return
            reply = self.sandbox.request({"op": "execute", "code": step["code"],
                                          "timeout": left}, left)
            status = reply["status"]
            if status == "error":
                name, value = reply.get("ename", "Error"), reply.get("evalue", "")
                if name == "SystemExit":
                    self.problems.append(f"{where} called sys.exit({_first_line(value, 40)})")
                else:
                    self.problems.append(f"{where} raised {_first_line(name, 60)}: "
                                         f"{_first_line(value, 80)}")
            elif status == "timeout" or status == "stuck":
                self.problems.append(f"timed out after {timeout:g} s in {where} (an infinite "
                                     "loop?); later cells did not run")
                if not reply.get("recovered"):
                    self.stop("it did not stop when interrupted")
                self.budget_end = time.monotonic() + timeout
                return
            elif status == "dead":
                self.problems.append(f"the notebook's Python stopped in {where} (exit(), "
                                     "os._exit(), a crash or no memory left); later cells did "
                                     "not run")
                self.stop("it had stopped")
                return
        self.budget_end = time.monotonic() + timeout

    def take_snapshot(self, exercise: str, names: list[str]) -> None:
        """Take the answers ``names`` of ``exercise`` out of the kernel, as data."""
        if not self.kernel_usable:
            return
        expression = f"__import__('_klgrade_wire').snapshot({list(names)!r})"
        reply = self.sandbox.request({"op": "eval", "expression": expression,
                                      "timeout": CALL_LIMIT}, CALL_LIMIT)
        if reply["status"] != "ok" or not isinstance(reply.get("value"), str):
            if reply["status"] in ("dead", "stuck"):
                self.stop("it stopped while its answers were read")
            self.snapshots[exercise] = ("the answers could not be read from the notebook "
                                        f"({reply.get('ename') or reply['status']})")
            return
        try:
            data = wire.parse(reply["value"])
            if not isinstance(data, dict):
                raise wire.WireError("not a JSON object")
            answers = {name: wire.decode(data[name], self.proxy) for name in names
                       if name in data}
        except wire.WireError as error:
            self.snapshots[exercise] = f"the answers could not be read: {error}"
            return
        self.snapshots[exercise] = answers

    def deleted_files(self) -> list[str]:
        """Names of the working folder's first files that the notebook deleted."""
        if not self.kernel_usable:
            return []
        reply = self.sandbox.request({"op": "eval", "timeout": CALL_LIMIT,
                                      "expression": "__import__('_klgrade_wire').listdir()"},
                                     CALL_LIMIT)
        try:
            names = json.loads(reply["value"]) if reply["status"] == "ok" else None
        except (TypeError, ValueError):
            names = None
        if not isinstance(names, list):
            return []
        return [name for name in sandbox.WORK_FILES if name not in names]

    def run_check(self, check: dict[str, Any]) -> dict[str, Any]:
        """Run one check cell here, on the answers taken out; its outcome."""
        answers = self.snapshots.get(check["exercise"])
        if answers is None:
            return {"ran": False, "passed": False, "answered": False, "message": "not run"}
        if isinstance(answers, str):
            return {"ran": True, "passed": False, "answered": True, "message": answers}
        namespace: dict[str, Any] = {"__builtins__": builtins, "__name__": "__check__"}
        namespace.update({name: value for name, value in answers.items()
                          if name in check["answers"] and value is not wire.UNDEFINED})
        first = len(RESULTS)
        error = None
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(check["source"], f"<check of {check['exercise']}>", "exec"),
                     namespace)
            except Exception as exc:  # noqa: BLE001 - reported as the check's outcome
                error = f"the check raised {type(exc).__name__}: {_first_line(exc, 200)}"
        records = RESULTS[first:]
        del RESULTS[first:]
        passed = error is None and bool(records) and all(record.passed for record in records)
        if error is not None:
            message = error
        elif not records:
            message = "the check reported nothing"
        else:
            message = next((record.message for record in records if not record.passed), "")
        return {"ran": True, "passed": passed, "message": message,
                "answered": all(record.answered for record in records)}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Grade the submission described by ``job`` (see the module docstring)."""
    box = Sandbox(job)
    grader = Grader(job, box)
    try:
        started = box.request({"op": "start"}, STARTUP)
        if started["status"] != "ok":
            detail = started.get("log") or box.log()
            grader.problems.append("the notebook's Python could not be started"
                                   + (f": {_first_line(detail, 200)}" if detail else ""))
            grader.stop("it never started")
        else:
            grader.run_cells()
            deleted = grader.deleted_files()
            if deleted:
                grader.problems.append("the notebook deleted files in its working folder: "
                                       + ", ".join(deleted))
        checks = [grader.run_check(check) for check in job["checks"]]
    finally:
        box.close()
    problems = grader.problems
    if len(problems) > 3:
        problems = [*problems[:3], f"and {len(problems) - 3} more"]
    return {"checks": checks, "error": "; ".join(problems)}


def main() -> int:
    """Read the job from standard input, grade, print the secret and the result."""
    job = json.loads(sys.stdin.read())
    secret = job.pop("secret")
    result = run_job(job)
    sys.stdout.write(f"{secret} {json.dumps(result)}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
