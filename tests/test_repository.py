"""Checks on the repository itself: clean notebooks, a complete table of contents, pinned
requirements, and chapters that follow the template."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
#: Where a chapter's widgets come from (klutils._legacy_widgets until issue 15 is done).
WIDGET_MODULES = {"klutils.widgets", "klutils._legacy_widgets"}


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
    assert "default_rng(" in code or "random" not in code, "randomness is seeded"


def _widget_builders(notebook) -> set[str]:
    """Names a chapter imports from klutils' widget modules (directly or as a module alias)."""
    names = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and node.module in WIDGET_MODULES:
                names |= {alias.asname or alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module == "klutils":
                names |= {f"{alias.asname or alias.name}." for alias in node.names
                          if f"klutils.{alias.name}" in WIDGET_MODULES}
    return names


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_shows_an_interactive_widget(path):
    """Some code cell ends by building a widget from klutils' widget modules (its value is what
    Jupyter displays), not merely mentions the word."""
    notebook = nbformat.read(path, as_version=4)
    builders = _widget_builders(notebook)
    shown = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        last = ast.parse(cell.source).body[-1]
        value = last.value if isinstance(last, ast.Expr) else None
        if isinstance(value, ast.Name):  # `widget = build(...)` then `widget`
            value = next((node.value for node in ast.parse(cell.source).body
                          if isinstance(node, ast.Assign)
                          and any(getattr(t, "id", None) == value.id for t in node.targets)),
                         None)
        if isinstance(value, ast.Call):
            called = ast.unparse(value.func)
            if called in builders or any(called.startswith(b) for b in builders if b[-1] == "."):
                shown.append(called)
    assert shown, f"{path.name}: no cell displays a widget built by {sorted(WIDGET_MODULES)}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_import_cell_is_short(path):
    """The first code cell imports modules, not lists of names: at most 8 lines of code."""
    notebook = nbformat.read(path, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    lines = [line for line in first.source.splitlines() if line.strip()]
    assert len(lines) <= 8, f"{path.name}: the import cell has {len(lines)} lines"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_hidden_cells_are_collapsed_in_jupyterlab(path):
    """remove-cell (the asserts) and hide-input cells are collapsed in JupyterLab too."""
    notebook = nbformat.read(path, as_version=4)
    open_cells = [i for i, cell in enumerate(notebook.cells)
                  if {"remove-cell", "hide-input"} & set(cell.metadata.get("tags", []))
                  and not {"public-check", "hidden-check"} & set(cell.metadata.get("tags", []))
                  and not cell.metadata.get("jupyter", {}).get("source_hidden")]
    assert not open_cells, f"{path.name}: cells {open_cells} lack jupyter.source_hidden"


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


def test_exercise_labels_are_unique_and_every_solution_names_its_exercise():
    """sphinx-exercise links a solution to its exercise by label: a typo or a copied label
    would attach a solution to the wrong exercise (or to none)."""
    seen = {}
    for path in CHAPTERS:
        markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                             if c.cell_type == "markdown")
        labels = re.findall(r"\{exercise-start\}\s*\n:label: (\S+)", markdown)
        solved = re.findall(r"\{solution-start\} (\S+)", markdown)
        assert labels == solved, f"{path.name}: exercises {labels}, solutions {solved}"
        prefix = f"ch{path.name[:2]}-ex"
        assert all(label.startswith(prefix) for label in labels), (path.name, labels)
        for label in labels:
            assert label not in seen, f"{label} in {path.name} and {seen[label]}"
            seen[label] = path.name


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_exercise_is_graded(path):
    """Each exercise has a hidden check worth points, and no check grades an unknown label."""
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    labels = set(re.findall(r"\{exercise-start\}\s*\n:label: (\S+)", markdown))
    graded = {c.metadata["homework"]["exercise"] for c in notebook.cells
              if "hidden-check" in c.metadata.get("tags", [])
              and c.metadata.get("homework", {}).get("points", 0) > 0}
    assert labels == graded, f"{path.name}: not graded {labels - graded}, unknown {graded - labels}"


def test_multiple_choice_answers_are_spread_over_the_letters():
    """No letter is the right answer of more than a third of the multiple-choice questions."""
    answers = [m.group(1) for path in CHAPTERS
               for cell in nbformat.read(path, as_version=4).cells
               if "hidden-check" in cell.metadata.get("tags", [])
               for m in re.finditer(r'ex\.choice\(\w+, \[[^\]]*\], "([a-z])"', cell.source)]
    assert len(answers) >= 4
    counts = {letter: answers.count(letter) for letter in set(answers)}
    assert max(counts.values()) <= len(answers) / 3, counts


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    """A cell that shows a figure carries its alt text (myst-nb's mystnb.image.alt)."""
    notebook = nbformat.read(path, as_version=4)
    missing = [i for i, cell in enumerate(notebook.cells)
               if cell.cell_type == "code" and "plt.show()" in cell.source
               and not cell.metadata.get("mystnb", {}).get("image", {}).get("alt")]
    assert not missing, f"{path.name}: figure cells {missing} have no alt text"
