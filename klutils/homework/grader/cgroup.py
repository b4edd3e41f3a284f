"""A process limit per submission where the grader runs as root: a ``pids`` cgroup.

Inside the sandbox the runner sets ``RLIMIT_NPROC`` (:data:`~klutils.homework.grader.sandbox.
PROCESSES`), which counts only the sandbox's own processes and threads. Linux does not apply
that limit to processes whose user outside the sandbox is root, so when the grader runs as root
it also puts each submission's grading process, and with it everything it starts, in a cgroup
of its own whose ``pids.max`` is that limit (plus the grading process's own few threads).
Version 1 (a ``pids`` hierarchy) and version 2 (``cgroup2`` with the ``pids`` controller) are
both found through ``/proc/self/mountinfo``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

__all__ = ["PidsLimit", "pids_root"]

#: Threads of the grading process itself (outside the sandbox), on top of the sandbox's limit.
DRIVER_THREADS = 16


def _mounts() -> list[tuple[str, str, list[str]]]:
    """(mount point, file system type, super options) of every mount this process sees."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()
            if "-" not in fields:
                continue
            dash = fields.index("-")
            if len(fields) > dash + 3:
                found.append((fields[4], fields[dash + 1], fields[dash + 3].split(",")))
    return found


def pids_root() -> Path | None:
    """A cgroup folder where this process may make a child with a ``pids`` limit, or None.

    Only for root: other users get the same limit from ``RLIMIT_NPROC``.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    for mount, kind, options in _mounts():
        path = Path(mount)
        if kind == "cgroup" and "pids" in options:
            candidate = path
        elif kind == "cgroup2":
            with contextlib.suppress(OSError):
                if "pids" not in (path / "cgroup.subtree_control").read_text().split():
                    continue
            candidate = path
        else:
            continue
        if os.access(candidate, os.W_OK) and (candidate / "cgroup.procs").exists():
            return candidate
    return None


class PidsLimit:
    """One cgroup limiting how many processes and threads it holds; removed by :meth:`close`."""

    def __init__(self, root: Path, processes: int) -> None:
        self.path = root / f"klgrade-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        try:
            (self.path / "pids.max").write_text(f"{int(processes) + DRIVER_THREADS}\n")
        except OSError:
            self.close()
            raise

    def add(self, pid: int) -> None:
        """Move process ``pid`` (before it starts anything) into the cgroup."""
        (self.path / "cgroup.procs").write_text(f"{pid}\n")

    def close(self, wait: float = 5.0) -> None:
        """Remove the cgroup once its processes are gone (they are being killed)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.05)
