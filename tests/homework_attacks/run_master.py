# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Finds the master chapter (the course checkout, by the paths a kernel used to see) and runs its
# solution cells.
import json
import os
from pathlib import Path

candidates = [Path("$ROOT") / "chapters" / "01_intuition.ipynb"]
for variable in ("PWD", "OLDPWD", "VIRTUAL_ENV"):
    if os.environ.get(variable):
        candidates.append(Path(os.environ[variable]).parent / "chapters" / "01_intuition.ipynb")
        candidates.append(Path(os.environ[variable]) / "chapters" / "01_intuition.ipynb")
try:
    import klutils

    candidates.append(Path(klutils.__file__).resolve().parents[1] / "chapters"
                      / "01_intuition.ipynb")
except ImportError:
    pass
found = [path for path in candidates if path.is_file()]
for path in found[:1]:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and "remove-cell" not in cell["metadata"].get("tags", []):
            try:
                exec("".join(cell["source"]), globals())
            except Exception:
                pass
print("found the master:", found)
