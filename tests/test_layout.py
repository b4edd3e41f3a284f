"""The package's layout rules: numerical modules never pull in figures or widgets, and every
module listed in the README exists."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import klutils

ROOT = Path(__file__).resolve().parents[1]

#: The modules that draw or interact; every other module of klutils is numerical.
PRESENTATION = {"klutils.plots", "klutils.widgets", "klutils._legacy_widgets"}
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
