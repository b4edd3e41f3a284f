"""The package's layout rules: numerical modules never pull in figures or widgets, and every
module listed in the README exists."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import nbformat

import klutils

ROOT = Path(__file__).resolve().parents[1]

#: The modules that draw or interact; every other module of klutils is numerical.
PRESENTATION = {"klutils.plots", "klutils.widgets"}
MODULES = sorted(info.name for info in pkgutil.walk_packages(klutils.__path__, "klutils."))
NUMERICAL = [name for name in MODULES if name not in PRESENTATION]


def test_the_layers_are_what_the_layout_says():
    assert "klutils.divergences" in NUMERICAL and "klutils.gaussian" in NUMERICAL
    assert PRESENTATION <= set(MODULES)


def test_numerical_modules_import_neither_matplotlib_nor_ipywidgets():
    """Imported one after the other in a fresh interpreter, no numerical module loads plotting or
    widget code (the first module after which one appears is the one that loads it)."""
    code = ("import importlib, sys\n"
            f"for name in {NUMERICAL!r}:\n"
            "    importlib.import_module(name)\n"
            "    loaded = sorted({m.split('.')[0] for m in sys.modules} "
            "& {'matplotlib', 'ipywidgets'})\n"
            "    print(name, loaded)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    offenders = [line for line in result.stdout.splitlines() if not line.endswith("[]")]
    assert not offenders, f"loads figures or widgets: {offenders[:1]}"


#: KL(A‖B) written with spaces around ‖ or with || instead: the one spelling is "KL(P‖Q)".
OTHER_SPELLING = re.compile(r"KL\((?:[^()]|\([^()]*\))*?(?: ‖|‖ |\|\|)(?:[^()]|\([^()]*\))*?\)")

#: The modules whose strings reach a reader (figures, readouts).
PRESENTATION_FILES = [ROOT / "klutils" / f"{name.split('.')[-1]}.py" for name in PRESENTATION]


def _strings_shown(path: Path) -> list[str]:
    """The string constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_one_spelling_of_kl_in_what_klutils_shows():
    found = [(path.name, text) for path in PRESENTATION_FILES for text in _strings_shown(path)
             if OTHER_SPELLING.search(text)]
    assert not found, found


def test_one_spelling_of_kl_in_the_chapters_code():
    found = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            tags = set(cell.metadata.get("tags", []))
            if cell.cell_type == "code" and not {"public-check", "hidden-check"} & tags:
                found += [(path.name, index, m.group(0))
                          for m in OTHER_SPELLING.finditer(cell.source)]
    assert not found, found
    assert OTHER_SPELLING.search("KL(P ‖ Q)") and OTHER_SPELLING.search("KL(p || q(x))")
    assert not OTHER_SPELLING.search("KL(P‖Q) and KL(one-hot‖softmax(z))")


def test_the_readme_layout_lists_every_module_and_no_other():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout"):readme.index("## Adding a chapter")]
    package = layout[layout.index("\nklutils/"):layout.index("\ninstructors.md")]
    listed = set(re.findall(r"^  (\w+)(?:\.py|/)", package, re.M))
    top_level = {name.split(".")[1] for name in MODULES}
    assert listed == top_level, (sorted(listed - top_level), sorted(top_level - listed))
