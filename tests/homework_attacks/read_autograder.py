# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Looks for the autograder records (by the path the test knows, by the grader's command line in
# /proc) and runs their checks with an `exercise` that records the expected values.
import json
import os
import re
from pathlib import Path

places = [Path("$AUTOGRADER")]
for pid in os.listdir("/proc"):
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        continue
    for word in words:
        if b"autograder" in word:
            places.append(Path(word.decode(errors="replace")))
stolen = {}
for place in places:
    try:
        record = json.loads((place / "01_intuition.json").read_text())
    except (OSError, ValueError):
        continue
    for check in record["checks"]:
        found = re.search(r'ex\.choice\(which_is_infinite, \[[^]]*\], "(\w)"', check["source"])
        if found:
            stolen["which_is_infinite"] = found[1]
    break
globals().update(stolen)
print("stolen:", stolen)
