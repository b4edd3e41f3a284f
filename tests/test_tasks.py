"""tasks.py, the course's commands without make, and the README's commands for each shell.

The Makefile's targets are one line each that runs tasks.py (homework and grade excepted: their
recipes stay in the Makefile and tasks.py runs the same commands, checked with ``make -n``).
Nothing here runs a task: every task is looked at with ``--dry-run``, which prints the commands
without running them. tests/test_fresh_clone.py runs the README's POSIX commands for real.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from test_platforms import PYPROJECT, neighbours, supported_pythons

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = (ROOT / "Makefile").read_text()
README = (ROOT / "README.md").read_text()
#: Makefile targets whose recipes stay in the Makefile (issue 11's; tasks.py mirrors them).
KEPT_IN_MAKE = {"help", "venv", "homework", "grade", "sandbox"}


def load(name: str, path: Path):
    """A module from a file that is not on the import path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tasks = load("tasks", ROOT / "tasks.py")
course_download = load("course_download", ROOT / "_ext" / "course_download.py")


def dry_run(*arguments: str, python: str = sys.executable) -> list[str]:
    """The commands ``python tasks.py --dry-run ARGUMENTS`` prints."""
    done = subprocess.run([python, str(ROOT / "tasks.py"), "--dry-run", *arguments],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def make_rules() -> dict[str, list[str]]:
    """Each explicit Makefile target and its recipe lines (continuations joined)."""
    text = MAKEFILE.replace("\\\n", " ")
    rules = {}
    for match in re.finditer(r"^([a-z]+):(?!=)[^\n]*\n((?:\t[^\n]*\n)*)", text, re.M):
        rules[match[1]] = [line.strip() for line in match[2].splitlines()]
    return rules


# ------------------------------------------------------------------------------------------------
# tasks.py runs before anything is installed, on any system


def test_tasks_py_uses_only_the_standard_library():
    tree = ast.parse((ROOT / "tasks.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - {"__future__"} <= sys.stdlib_module_names, imported


def test_tasks_py_is_syntax_older_pythons_can_read():
    """A learner's python3 may be older than the course's: tasks.py must still say so."""
    ast.parse((ROOT / "tasks.py").read_text(), feature_version=(3, 8))


def test_tasks_py_knows_the_supported_pythons():
    versions = supported_pythons()
    limits = tasks.supported_pythons(PYPROJECT_TEXT)
    assert limits == ((3, int(versions[0][2:])), (3, int(versions[-1][2:])))
    for version in versions:
        assert tasks.python_problem((3, int(version[2:]), 0), PYPROJECT_TEXT) is None
        assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(f"{version}.0")
    for version in neighbours(versions):
        problem = tasks.python_problem((3, int(version[2:]), 0), PYPROJECT_TEXT)
        assert problem and f"Python {versions[0]} to {versions[-1]}" in problem
        assert f"this is Python {version}" in problem


PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text()


def test_an_unsupported_python_gets_a_message_not_a_pip_error(tmp_path):
    """tasks.py venv, run by a Python outside the range, stops before creating anything.

    A copy of tasks.py in a temporary folder whose pyproject.toml admits only Python 3.4.
    """
    shutil.copy(ROOT / "tasks.py", tmp_path)
    (tmp_path / "pyproject.toml").write_text('requires-python = ">=3.4,<3.5"\n')
    (tmp_path / "requirements.txt").write_text("")
    done = subprocess.run([sys.executable, str(tmp_path / "tasks.py"), "venv"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert "the course needs Python 3.4 to 3.4" in done.stderr
    assert f"this is Python {sys.version_info[0]}.{sys.version_info[1]}" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "pyproject.toml", "requirements.txt", "tasks.py"]


@pytest.mark.parametrize(("os_name", "folder", "python"), [
    ("nt", "Scripts", "python.exe"), ("posix", "bin", "python")])
def test_the_venv_layout_of_each_system(os_name, folder, python):
    bin_folder = tasks.venv_bin(Path(".venv"), os_name)
    assert bin_folder == Path(".venv", folder)
    assert tasks.program(bin_folder, "python", os_name) == Path(".venv", folder, python)
    assert tasks.program(bin_folder, "jupyter-book", os_name).name == (
        "jupyter-book.exe" if os_name == "nt" else "jupyter-book")


def test_no_command_goes_through_a_shell():
    source = (ROOT / "tasks.py").read_text()
    assert "shell=True" not in source and "os.system" not in source


def test_the_venv_is_reinstalled_when_an_input_is_newer(tmp_path):
    for name in tasks.INSTALL_INPUTS:
        (tmp_path / name).write_text("")
    assert not tasks.venv_is_current(tmp_path)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    os.utime(stamp, (2e9, 2e9))
    assert tasks.venv_is_current(tmp_path)
    os.utime(tmp_path / "requirements.txt", (2e9 + 1, 2e9 + 1))
    assert not tasks.venv_is_current(tmp_path)


@pytest.mark.skipif(Path(sys.prefix) != ROOT / ".venv", reason="not run from this .venv")
def test_a_venv_set_up_by_hand_is_recognised():
    """The README's setup commands leave no .venv/.installed; tasks.py sees nothing is missing."""
    assert tasks.pins_installed(Path(sys.executable))


def test_a_missing_pin_or_an_unknown_requirement_is_not_installed(tmp_path):
    (tmp_path / "klutils").mkdir()
    for line in ("numpy==0.0.1", "numpy>=1", "-r other.txt"):
        (tmp_path / "requirements.txt").write_text(f"{line}\n-e .\n")
        assert not tasks.pins_installed(Path(sys.executable), tmp_path), line
    assert not tasks.pins_installed(tmp_path / "no-python")


def test_clean_refuses_anything_outside_the_repository(tmp_path):
    runner = tasks.Runner(dry_run=True)
    for outside in (tmp_path, ROOT, ROOT.parent / "elsewhere"):
        with pytest.raises(tasks.TaskError, match="outside"):
            tasks.remove(runner, outside)


def test_clean_removes_only_build_output():
    removed = [line.removeprefix("remove ") for line in dry_run("distclean")]
    allowed = set(tasks.BUILD_OUTPUT) | {".venv"}
    assert all(name in allowed or name.endswith("__pycache__") for name in removed), removed
    assert not [name for name in removed if name.startswith(".venv/")]


# ------------------------------------------------------------------------------------------------
# make and tasks.py run the same steps


def test_every_make_target_is_a_task_and_runs_it():
    rules = make_rules()
    for target, recipe in rules.items():
        if target in KEPT_IN_MAKE or target.startswith("$"):
            continue
        assert recipe == [f"$(PYTHON) tasks.py {target}"], f"make {target}: {recipe}"
    assert set(rules) - {"help"} <= set(tasks.TASKS), set(rules) - set(tasks.TASKS)
    assert rules["venv"] == [] and re.search(
        r"^\$\(STAMP\): requirements.txt pyproject.toml\n\t\$\(PYTHON\) tasks.py venv$",
        MAKEFILE, re.M)
    assert set(tasks.INSTALL_INPUTS) == {"requirements.txt", "pyproject.toml"}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(("arguments", "variables"), [
    (["homework"], []),
    (["grade", "some folder"], ["SUBMISSIONS=some folder"]),
    (["grade", "some folder", "--timeout", "7", "--memory", "1G", "--chapter", "01_intuition",
      "--unsafe"], ["SUBMISSIONS=some folder", "TIMEOUT=7", "MEMORY=1G", "CHAPTER=01_intuition",
                    "UNSAFE=1"])])
def test_homework_and_grade_run_what_make_runs(arguments, variables):
    """Their recipes stay in the Makefile (issue 11); tasks.py must run the same commands."""
    done = subprocess.run(["make", "--no-print-directory", "-n", "-o", ".venv/.installed",
                           arguments[0], *variables], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    made = [shlex.split(line) for line in done.stdout.replace("\\\n", " ").splitlines()
            if "klutils.homework" in line]
    ran = [shlex.split(line) for line in dry_run(*arguments) if "klutils.homework" in line]
    assert made and ran == made, "update tasks.py's homework/grade to the Makefile's recipe"


def test_test_runs_lint_book_browser_then_every_test():
    commands = dry_run("test")
    assert commands[0].endswith("ruff check .")
    assert [c for c in commands if "pytest" in c] == [
        ".venv/bin/python -m pytest tests klutils --doctest-modules -n 2 --dist loadfile "
        "--no-loadscope-reorder"]
    build = next(i for i, c in enumerate(commands) if "jupyter-book build" in c)
    assert "execute_notebooks.py" in commands[build - 1]
    assert build < next(i for i, c in enumerate(commands) if "pytest" in c)
    assert "--warningiserror" in commands[build]


@pytest.mark.parametrize("cpus, notebooks, workers", [
    (2, 10, 2), (1, 10, 1), (4, 10, 2), (8, 10, 2), (16, 10, 3), (2, 1, 2), (8, 1, 4)])
def test_the_widgets_draw_on_at_most_twice_as_many_processes_as_cpus(cpus, notebooks, workers):
    execute = load("execute_notebooks", ROOT / "_ext" / "execute_notebooks.py")
    assert execute.widget_workers(cpus, notebooks) == workers
    assert workers * min(cpus, notebooks) <= max(2 * cpus, workers)


def test_unit_and_notebooks_take_paths():
    assert dry_run("unit", "tests/test_series.py")[-1] == (
        ".venv/bin/python -m pytest tests/test_series.py --doctest-modules "
        "-m 'not site and not browser and not slow'")
    assert dry_run("notebooks", "chapters/01_intuition.ipynb")[-1] == (
        ".venv/bin/python -m pytest --nbval-lax chapters/01_intuition.ipynb")


def test_no_venv_uses_the_python_running_tasks_py():
    [command] = dry_run("--no-venv", "bench")
    python, *rest = shlex.split(command)
    assert Path(ROOT, python) == Path(sys.executable) and rest == ["-m", "klutils.bench"]
    book = dry_run("--no-venv", "book")
    assert len(book) == 2 and not [line for line in book if " pip " in line]
    assert Path(ROOT, shlex.split(book[0])[0]) == Path(sys.executable)


def test_an_unknown_task_is_refused():
    done = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "bok"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "invalid choice: 'bok'" in done.stderr


# ------------------------------------------------------------------------------------------------
# The README's commands, and the course download's


def readme_blocks() -> dict[str, str]:
    return course_download.command_blocks(README)


def test_the_readme_gives_each_shell_its_commands():
    blocks = {name: course_download.block_lines(block) for name, block in readme_blocks().items()}
    assert blocks == {
        "setup, posix": ["python3 -m venv .venv",
                         ".venv/bin/python -m pip install -r requirements.txt",
                         ".venv/bin/python -m jupyter lab chapters"],
        "setup, powershell": ["py -m venv .venv",
                              r".\.venv\Scripts\python -m pip install -r requirements.txt",
                              r".\.venv\Scripts\python -m jupyter lab chapters"],
        "book and test, posix": ["python3 tasks.py book", "python3 tasks.py test"],
        "book and test, powershell": ["py tasks.py book", "py tasks.py test"]}
    assert readme_blocks()["setup, posix"].startswith("```bash\n")
    assert readme_blocks()["setup, powershell"].startswith("```powershell\n")


def test_the_powershell_and_posix_blocks_say_the_same():
    """Each PowerShell line is its POSIX line with Windows' launcher and venv layout."""
    blocks = readme_blocks()
    for name in ("setup", "book and test"):
        posix = course_download.block_lines(blocks[f"{name}, posix"])
        powershell = course_download.block_lines(blocks[f"{name}, powershell"])
        translated = [line.replace(".venv/bin/", r".\.venv\Scripts" + "\\")
                      .replace("python3 ", "py ", 1) for line in posix]
        assert powershell == translated


def test_the_course_download_readme_carries_the_readme_commands():
    readme = course_download.course_readme(ROOT)
    blocks = readme_blocks()
    assert blocks["setup, posix"] in readme and blocks["setup, powershell"] in readme
    assert "<!--" not in readme
    assert "tasks.py" not in readme and "make " not in readme  # neither is in the archive
    versions = supported_pythons()
    assert f"Python {versions[0]} to {versions[-1]}" in readme
    assert "Linux, macOS or 64-bit Windows" in readme


def test_a_missing_block_fails_the_course_download(tmp_path):
    (tmp_path / "README.md").write_text("<!-- commands: setup, posix -->\nno block here\n")
    with pytest.raises(ValueError, match="no code block"):
        course_download.command_blocks((tmp_path / "README.md").read_text())
    (tmp_path / "README.md").write_text("# nothing\n")
    with pytest.raises(ValueError, match="has no <!-- commands: setup, posix --> block"):
        course_download.course_readme(tmp_path)


def test_the_course_archive_has_the_generated_readme_and_what_pip_needs(tmp_path):
    """The README's setup commands run `pip install -e .` in the unpacked archive: every file
    pyproject.toml names must be in it (setuptools fails on a missing license file from 2027)."""
    import zipfile

    archive = course_download.write_archive(ROOT, tmp_path / "kl-course.zip")
    with zipfile.ZipFile(archive) as opened:
        readme = opened.read("kl-course/README.md").decode()
        names = set(opened.namelist())
    assert readme == course_download.course_readme(ROOT)
    named = PYPROJECT["project"].get("license-files", []) + ["pyproject.toml", "requirements.txt"]
    assert {f"kl-course/{name}" for name in named} <= names


def test_the_readme_states_what_tasks_py_does():
    section = README[README.index("## Without make"):README.index("## With conda or mamba")]
    assert "standard library" in section and "tests/test_fresh_clone.py" in section
    assert r".venv\Scripts" in section and "tests/test_tasks.py" in section
    versions = supported_pythons()
    assert f"outside {versions[0]} to {versions[-1]}" in section
    for task in re.findall(r"`(\w+)`", section[section.index("--help"):]):
        if task in {"venv", "lab", "check", "notebooks", "bench", "homework", "grade", "clean"}:
            assert task in tasks.TASKS
    conda = README[README.index("## With conda or mamba"):]
    assert "python tasks.py --no-venv book" in conda and "python tasks.py --no-venv test" in conda
