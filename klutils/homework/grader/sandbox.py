"""The sandbox a submission runs in: bubblewrap, a read-only course environment, no network.

:func:`prepare` (once per ``make grade``) writes the read-only files every sandbox shares: a
copy of the learner-facing part of ``klutils`` (everything but this ``grader`` package), the
runner, the kernel launcher and :mod:`~klutils.homework.grader.wire` under their sandbox names,
a minimal ``/etc/passwd``, the course environment's ``pyvenv.cfg`` without the paths of the
course, and Matplotlib's font list. :func:`runner_command` gives the command that starts one
sandbox with bubblewrap (``bwrap``):

* its own user, PID, network, IPC, UTS and cgroup namespaces: no network at all (only a
  loopback of its own), no view of other processes, and every process inside is killed when
  the first one ends or the grader dies (``--die-with-parent``); no capabilities, no new user
  namespaces, a new terminal session;
* a file system made of ``/usr`` (and the ``/bin``, ``/lib`` links), the Python installation
  and the course environment, all read-only, ``/etc/ld.so.cache`` and the files above; the
  environment is mounted at ``/opt/course/env`` with its editable-install links to the course
  checkout masked, and the ``klutils`` copy at ``/opt/course/lib``, so nothing of the course
  repository, the autograder or the grader's files is there;
* a private home (``/home/learner``, holding the work folder ``homework/`` with a copy of the
  submission), ``/tmp`` and ``/dev/shm``: size-limited memory file systems, gone with the
  sandbox;
* an environment of exactly ``PATH``, ``LANG``, ``HOME`` and ``TMPDIR``;
* resource limits set by the runner before the kernel starts: address space (``MEMORY``), file
  size and the number of processes and threads (:data:`PROCESSES`, so a fork bomb stops
  there). Linux does not apply that last limit to processes of root; when the grader runs as
  root, :mod:`~klutils.homework.grader.grade` puts each submission in a ``pids`` cgroup of the
  same size instead.

Without bubblewrap (``--unsafe``) the runner runs as a plain process, in a temporary folder,
with the same environment and limits (but no process limit, which would count every process
of the instructor's), but it can read and write what the instructor's account
can and use the network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import klutils

__all__ = ["ENV", "HOME", "LIB", "PROCESSES", "WORK", "WORK_FILES", "prepare", "probe",
           "runner_command"]

LIB = "/opt/course/lib"
ENV = "/opt/course/env"
HOME = "/home/learner"
WORK = f"{HOME}/homework"
#: The files the work folder starts with.
WORK_FILES = ("submission.ipynb",)
#: Sizes of the sandbox's memory file systems, in bytes.
TMP_SIZE = 256 * 2**20
HOME_SIZE = 256 * 2**20
SHM_SIZE = 64 * 2**20
#: The files copied into the sandbox under another name.
_SCRIPTS = {"wire.py": "_klgrade_wire.py", "runner.py": "_klgrade_runner.py",
            "kernel_boot.py": "_klgrade_kernel.py"}
_UID = 1000
#: Processes and threads one sandbox may run at a time (18 on a 2-core machine once the kernel
#: has imported numpy, scipy, matplotlib and klutils; OpenBLAS adds a thread per core).
PROCESSES = 256


def _package_root() -> Path:
    return Path(klutils.__file__).resolve().parent


def _course_root() -> Path:
    return _package_root().parent


def copy_library(dest: Path) -> None:
    """Copy ``klutils`` without its grader, plus the sandbox scripts, into ``dest``."""
    package = _package_root()
    grader = Path(__file__).resolve().parent
    shutil.copytree(package, dest / "klutils", ignore=lambda folder, names: [
        name for name in names if name == "__pycache__" or name.startswith(".")
        or Path(folder, name).resolve() == grader])
    for source, name in _SCRIPTS.items():
        shutil.copyfile(grader / source, dest / name)


def _environment_masks(prefix: Path, course: Path) -> list[str]:
    """Files of the course environment that name the course checkout (editable install)."""
    masks: list[str] = []
    for site in sorted({path.resolve() for path in prefix.glob("lib*/python*/site-packages")}):
        for path in site.iterdir():
            if path.name.startswith("__editable__"):
                masks.append(str(path))
                continue
            if path.name.endswith(".pth"):
                candidates = [path]
            elif path.name.endswith(".dist-info"):
                candidates = [path / "direct_url.json"]
            else:
                continue
            for candidate in candidates:
                with contextlib.suppress(OSError):
                    if candidate.is_file() and candidate.stat().st_size < 1 << 20 and \
                            str(course) in candidate.read_text(errors="replace"):
                        masks.append(str(candidate))
    return [mask for mask in masks if mask.startswith(str(prefix) + os.sep)]


def prepare(run_dir: Path | str) -> dict[str, Any]:
    """Write the files every sandbox of one grading run shares; the setup for the driver.

    Returns
    -------
    dict
        JSON-ready: where the library copy, the environment, the interpreter and the extra
        files are on the instructor's side, and what to mask.
    """
    run_dir = Path(run_dir)
    lib = run_dir / "lib"
    copy_library(lib)
    etc = run_dir / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(f"learner:x:{_UID}:{_UID}:learner:{HOME}:/bin/sh\n"
                                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (etc / "group").write_text(f"learner:x:{_UID}:\nnogroup:x:65534:\n")
    base = Path(sys.base_prefix).resolve()
    prefix = Path(sys.prefix).resolve()
    executable = Path(sys.executable).resolve()
    setup: dict[str, Any] = {
        "lib": str(lib), "etc": str(etc), "base": str(base), "executable": str(executable),
        "venv": None, "masks": [], "fontlist": None, "pyvenv": None,
    }
    if prefix != base:
        setup["venv"] = str(prefix)
        setup["masks"] = _environment_masks(prefix, _course_root())
        (etc / "pyvenv.cfg").write_text(f"home = {executable.parent}\n"
                                        "include-system-site-packages = false\n")
        setup["pyvenv"] = str(etc / "pyvenv.cfg")
    with contextlib.suppress(Exception):  # only a speed-up: Matplotlib builds it otherwise
        import matplotlib

        found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
        if found:
            shutil.copyfile(found[-1], etc / found[-1].name)
            setup["fontlist"] = str(etc / found[-1].name)
    for path in (lib, etc):
        for folder, _dirs, files in os.walk(path):
            for name in files:
                os.chmod(os.path.join(folder, name), 0o444)
    return setup


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/", name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives"):
        args += ["--ro-bind-try", name, name]
    return args


def bwrap_command(setup: dict[str, Any], inner: list[str]) -> list[str]:
    """The bubblewrap command that runs ``inner`` (paths as seen inside) in a sandbox."""
    base = setup["base"]
    args = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(_UID), "--gid", str(_UID), "--hostname", "sandbox",
            *_system_mounts()]
    if not base.startswith("/usr/"):
        args += ["--ro-bind", base, base]
    python = setup["executable"]
    if setup["venv"]:
        args += ["--ro-bind", setup["venv"], ENV, "--ro-bind", setup["pyvenv"],
                 f"{ENV}/pyvenv.cfg"]
        for mask in setup["masks"]:
            inside = ENV + mask[len(setup["venv"]):]
            args += ["--ro-bind", "/dev/null", inside]
        args += ["--tmpfs", f"{ENV}/bin"]
        for name in ("python", "python3", Path(python).name):
            args += ["--symlink", python, f"{ENV}/bin/{name}"]
        args += ["--remount-ro", f"{ENV}/bin"]
        python = f"{ENV}/bin/python"
    etc = setup["etc"]
    args += ["--ro-bind", setup["lib"], LIB,
             "--ro-bind", f"{etc}/passwd", "/etc/passwd", "--ro-bind", f"{etc}/group",
             "/etc/group",
             "--proc", "/proc", "--dev", "/dev",
             "--size", str(SHM_SIZE), "--tmpfs", "/dev/shm",
             "--size", str(TMP_SIZE), "--tmpfs", "/tmp",
             "--size", str(HOME_SIZE), "--tmpfs", HOME,
             "--dir", WORK]
    if setup["fontlist"]:
        name = Path(setup["fontlist"]).name
        args += ["--ro-bind", setup["fontlist"], f"{HOME}/.cache/matplotlib/{name}"]
    path = f"{ENV}/bin:/usr/local/bin:/usr/bin:/bin" if setup["venv"] else \
        f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin"
    args += ["--clearenv", "--setenv", "PATH", path, "--setenv", "LANG", "C.UTF-8",
             "--setenv", "HOME", HOME, "--setenv", "TMPDIR", "/tmp", "--chdir", WORK]
    return [*args, "--", *[python if part == "{python}" else part for part in inner]]


def runner_command(setup: dict[str, Any], unsafe: bool, root: str, notebook: str, memory: int,
                   file_size: int) -> tuple[list[str], dict[str, Any]]:
    """The command that starts the runner on ``notebook`` (JSON text), and Popen options.

    ``setup`` comes from :func:`prepare`. The runner runs in bubblewrap, or with ``unsafe``
    as a plain process in ``root`` (a fresh folder of the grader's).
    """
    limits = [str(int(memory)), str(int(file_size)), str(0 if unsafe else PROCESSES)]
    if not unsafe:
        notebook_fd = _memory_file(notebook.encode())
        command = bwrap_command(setup, ["{python}", "-s", f"{LIB}/_klgrade_runner.py",
                                        *limits])
        at = command.index("--clearenv")
        command[at:at] = ["--perms", "0644", "--file", str(notebook_fd),
                          f"{WORK}/{WORK_FILES[0]}"]
        # The options go through a file descriptor: the sandbox's first process shows only
        # `bwrap --args N -- <the command>` as its command line, no path of the instructor's.
        split = command.index("--")
        args_fd = _memory_file(b"".join(part.encode() + b"\0" for part in command[1:split]))
        # And bubblewrap itself gets an empty environment: its first process stays in the
        # sandbox, and its /proc/1/environ would show the grader's.
        return [shutil.which("bwrap") or "bwrap", "--args", str(args_fd), *command[split:]], {
            "pass_fds": (notebook_fd, args_fd), "env": {}}
    root_path = Path(root)
    for name in ("work", "home", "tmp"):
        (root_path / name).mkdir(exist_ok=True)
    (root_path / "work" / WORK_FILES[0]).write_text(notebook)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
           "LANG": "C.UTF-8", "HOME": str(root_path / "home"), "TMPDIR": str(root_path / "tmp")}
    runner = str(Path(setup["lib"]) / "_klgrade_runner.py")
    return [sys.executable, "-s", runner, *limits], {
        "cwd": str(root_path / "work"), "env": env, "start_new_session": True}


def _memory_file(data: bytes) -> int:
    """A file descriptor of an anonymous in-memory file holding ``data``, read from the start."""
    fd = os.memfd_create("klgrade")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def probe(setup: dict[str, Any]) -> str | None:
    """None when a sandbox starts and imports the course's copy of klutils; else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    check = (f"import sys; sys.path.insert(0, '{LIB}'); "
             f"import klutils, ipykernel, jupyter_client; "
             f"assert klutils.__file__.startswith('{LIB}/'), klutils.__file__")
    try:
        command = bwrap_command(setup, ["{python}", "-s", "-c", check])
        command[0] = shutil.which("bwrap") or "bwrap"
        run = subprocess.run(command, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL, env={})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not run: {error}"
    if run.returncode != 0:
        return "bubblewrap could not start a sandbox here: " + " ".join(
            (run.stderr or run.stdout).split())[-300:]
    return None
