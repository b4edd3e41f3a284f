"""Checks on the repository itself: clean notebooks, a complete table of contents, pinned
requirements, and chapters that follow the template."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


def test_there_are_chapters():
    assert CHAPTERS, "chapters/ holds no notebook"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts; strip them"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_valid_and_uses_python3(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_follows_the_template(path):
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert re.search(r"^# ", markdown, re.M), "a title"
    assert "What you will learn" in markdown
    assert re.search(r"^#+ Summary", markdown, re.M), "a Summary section"
    assert "klutils" in code, "computations come from klutils"
    assert markdown.count("{exercise-start}") >= 3, "at least three exercises"
    assert markdown.count("{solution-start}") == markdown.count("{exercise-start}")
    assert markdown.count("{exercise-end}") == markdown.count("{exercise-start}")
    assert ":class: dropdown" in markdown, "solutions are closed dropdowns"
    hidden = [c for c in notebook.cells if "remove-cell" in c.metadata.get("tags", [])]
    assert any("assert" in c.source for c in hidden), "numbers in the prose are asserted"
    assert "ipywidgets" in code or "widget" in code, "an interactive widget"
    assert "default_rng(" in code or "random" not in code, "randomness is seeded"


def test_every_chapter_is_in_the_table_of_contents_and_every_entry_exists():
    listed = toc_files()
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in listed, f"{path.name} is missing from _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{suffix}").exists() for suffix in (".ipynb", ".md")), entry


def test_requirements_pin_every_direct_dependency():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text()
             .splitlines()]
    lines = [line for line in lines if line]
    assert "-e ." in lines, "klutils itself is installed from pyproject.toml"
    pinned = re.compile(r"[\w.\-\[\]]+==[\w.]+")
    unpinned = [line for line in lines if line != "-e ." and not pinned.fullmatch(line)]
    assert not unpinned, f"not pinned with ==: {unpinned}"
    jupyter_book = next(line for line in lines if line.startswith("jupyter-book=="))
    assert jupyter_book.split("==")[1].startswith("1."), "Jupyter Book 1.x, not 2"


def test_sphinx_exercise_is_enabled():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    assert config["execute"]["execute_notebooks"] == "cache"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    """A cell that shows a figure carries its alt text (myst-nb's mystnb.image.alt)."""
    notebook = nbformat.read(path, as_version=4)
    missing = [i for i, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and "plt.show()" in cell.source
               and not cell.metadata.get("mystnb", {}).get("image", {}).get("alt")]
    assert not missing, f"{path.name}: figure cells {missing} have no alt text"
