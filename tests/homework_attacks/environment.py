# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Reads a variable of the grader's environment (the test sets it to "a", the right answer), from
# its own environment and from every /proc/*/environ it can read.
import os

which_is_infinite = os.environ.get("$ENV_NAME", "d")
for pid in os.listdir("/proc"):
    try:
        for entry in open(f"/proc/{pid}/environ", "rb").read().split(b"\0"):
            if entry.startswith(b"$ENV_NAME="):
                which_is_infinite = entry.split(b"=", 1)[1].decode()
    except OSError:
        pass
