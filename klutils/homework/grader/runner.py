"""Inside the sandbox: start the learner's IPython kernel and run what the grader asks.

The grader's per-submission process (:mod:`klutils.homework.grader.driver`) starts this file
inside the sandbox as ``python _klgrade_runner.py MEMORY FILE_SIZE PROCESSES``. It sets the
resource limits (which every process it starts inherits), starts an IPython kernel
(``_klgrade_kernel.py``) with only ``PATH``, ``LANG``, ``HOME`` and ``TMPDIR`` in its
environment, and then answers requests, one JSON object per line on its standard input, with
one JSON line each on its standard output:

* ``{"op": "execute", "code": ..., "timeout": s}``: run a learner's cell as Jupyter would
  (``{"status": "ok"}``, ``"error"`` with ``ename`` and ``evalue``, ``"timeout"`` with
  ``recovered`` when an interrupt brought the kernel back, or ``"dead"``);
* ``{"op": "eval", "expression": ..., "timeout": s}``: evaluate one expression silently, as a
  Jupyter ``user_expression`` (nothing enters the learner's namespace or history), and return
  the string it gives (``{"status": "ok", "value": text}``).

Everything here runs next to the learner's code and can be tampered with by it; the grader
treats every line as untrusted data. The kernel's own output goes nowhere: it does not hold the
pipe to the grader.
"""

from __future__ import annotations

import ast
import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Seconds to wait for a kernel to answer after an interrupt.
INTERRUPT_WAIT = 5.0
#: Seconds a kernel may take to start.
STARTUP = 60.0
KERNEL_SCRIPT = Path(__file__).with_name("_klgrade_kernel.py")


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG).

    Inside bubblewrap everything dies with the sandbox anyway; this keeps an unsandboxed run
    (``--unsafe``) from leaving a kernel behind when the grader is killed.
    """
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to do
        return
    if os.getppid() != parent:  # the parent died before the request
        os._exit(1)


def set_limits(memory: int, file_size: int, processes: int = 0) -> None:
    """Address space, file size and process limits for this process and every one it starts.

    ``processes`` (RLIMIT_NPROC, threads included; 0: none) counts, inside bubblewrap's user
    namespace, only the sandbox's own processes; Linux does not apply it to a process whose user
    outside is root (the grader then uses a ``pids`` cgroup, see ``grade.py``).
    """
    for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, file_size),
                         (resource.RLIMIT_NPROC, processes)):
        if value > 0:
            resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Kernel:
    """The learner's kernel and a client that speaks to it (shell channel only)."""

    def __init__(self) -> None:
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.connect import write_connection_file

        env = {name: os.environ[name] for name in ("PATH", "LANG", "HOME", "TMPDIR")
               if name in os.environ}
        runtime = Path(tempfile.mkdtemp(prefix="kernel-"))
        connection = runtime / "connection.json"
        write_connection_file(str(connection), ip="127.0.0.1", transport="tcp",
                              key=secrets.token_hex(16).encode())
        self.log = open(runtime / "kernel.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(KERNEL_SCRIPT), "-f", str(connection)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log, env=env,
            close_fds=True)
        self.log_path = runtime / "kernel.log"
        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(connection))
        self.client.start_channels(shell=True, iopub=False, stdin=False, hb=False,
                                   control=False)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self) -> str:
        try:
            return " ".join(self.log_path.read_bytes()[-600:].decode(errors="replace").split())
        except OSError:
            return ""

    def _reply(self, msg_id: str, deadline: float) -> dict[str, Any] | None:
        """The shell reply to ``msg_id``, or None at the deadline or when the kernel died."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.alive():
                return None
            try:
                message = self.client.get_shell_msg(timeout=min(left, 0.5))
            except Exception:  # queue.Empty
                continue
            if message.get("parent_header", {}).get("msg_id") == msg_id:
                return message["content"]

    def request(self, msg_id: str, timeout: float) -> dict[str, Any]:
        """Wait for a reply; interrupt the kernel at the time limit (see the module docstring)."""
        content = self._reply(msg_id, time.monotonic() + timeout)
        if content is not None:
            return {"status": "reply", "content": content}
        if not self.alive():
            return {"status": "dead", "log": self.log_tail()}
        self.process.send_signal(signal.SIGINT)
        content = self._reply(msg_id, time.monotonic() + INTERRUPT_WAIT)
        if content is None and not self.alive():
            return {"status": "dead", "log": self.log_tail()}
        return {"status": "timeout", "recovered": content is not None}

    def start(self) -> dict[str, Any]:
        msg_id = self.client.kernel_info()
        content = self._reply(msg_id, time.monotonic() + STARTUP)
        if content is None:
            return {"status": "dead" if not self.alive() else "timeout", "recovered": False,
                    "log": self.log_tail()}
        return {"status": "ok"}

    def execute(self, code: str, timeout: float) -> dict[str, Any]:
        msg_id = self.client.execute(code, silent=False, store_history=True, allow_stdin=False,
                                     stop_on_error=False)
        outcome = self.request(msg_id, timeout)
        if outcome["status"] != "reply":
            return outcome
        content = outcome["content"]
        if content.get("status") == "error":
            return {"status": "error", "ename": str(content.get("ename", ""))[:100],
                    "evalue": str(content.get("evalue", ""))[:300]}
        return {"status": "ok"}

    def eval(self, expression: str, timeout: float) -> dict[str, Any]:
        msg_id = self.client.execute("", silent=True, store_history=False, allow_stdin=False,
                                     stop_on_error=False, user_expressions={"r": expression})
        outcome = self.request(msg_id, timeout)
        if outcome["status"] != "reply":
            return outcome
        result = (outcome["content"].get("user_expressions") or {}).get("r") or {}
        if result.get("status") != "ok":
            return {"status": "error", "ename": str(result.get("ename", ""))[:100],
                    "evalue": str(result.get("evalue", ""))[:300]}
        try:
            value = ast.literal_eval(result["data"]["text/plain"])
        except (KeyError, TypeError, ValueError, SyntaxError, MemoryError, RecursionError):
            return {"status": "error", "ename": "BadReply", "evalue": "not a string"}
        if not isinstance(value, str):
            return {"status": "error", "ename": "BadReply", "evalue": "not a string"}
        return {"status": "ok", "value": value}


def main(argv: list[str]) -> int:
    """Serve the grader's requests (see the module docstring)."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    die_with_parent()
    set_limits(*(int(value) for value in argv[:3]))
    kernel: Kernel | None = None

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    for line in requests:
        request = json.loads(line)
        op, timeout = request.get("op"), float(request.get("timeout", 10))
        if op == "start":
            try:
                kernel = Kernel()
                reply(kernel.start())
            except Exception as error:  # noqa: BLE001 - reported to the grader
                reply({"status": "dead", "log": f"{type(error).__name__}: {error}"})
        elif kernel is None:
            reply({"status": "dead", "log": "no kernel"})
        elif op == "execute":
            reply(kernel.execute(request["code"], timeout))
        elif op == "eval":
            reply(kernel.eval(request["expression"], timeout))
        else:
            reply({"status": "error", "ename": "BadRequest", "evalue": str(op)})
    if kernel is not None:
        kernel.process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
