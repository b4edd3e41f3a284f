# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Starts a process in a new session that outlives the notebook and later rewrites grades.csv.
import subprocess
import sys

script = """
import time, pathlib
time.sleep(3)
for target in ["$GRADES", "/tmp/$TOKEN.txt"]:
    try:
        pathlib.Path(target).write_text("submission,score\\ndetached.ipynb,1000\\n")
    except OSError:
        pass
time.sleep(60)  # $TOKEN
"""
subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
