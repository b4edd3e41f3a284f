"""Local Sphinx extension: the whole course as one download, ``kl-course.zip`` at the site's root.

The archive holds what a reader needs to run any chapter without git: the chapter notebooks (as
committed, without outputs), the ``klutils`` package, ``requirements.txt`` and ``pyproject.toml``
(``pip install -r requirements.txt`` installs klutils from them), ``LICENSE`` and a short
README. Everything sits in one folder, ``kl-course/``. The archive is the same byte for byte when
its sources are (sorted entries, fixed timestamps), so an unchanged rebuild does not change the
site. The home page links to it.

The README is ``_ext/course_README.md`` with each line ``<!-- commands: NAME -->`` replaced by
the code block that follows the same line in the repository's README.md (the commands that
create the environment and open JupyterLab, for POSIX shells and PowerShell), so the download
and the repository give the same instructions. A marker without its block fails the build.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

ARCHIVE = "kl-course.zip"
FOLDER = "kl-course"
README = Path(__file__).with_name("course_README.md")
#: A line that names the code block after it: ``<!-- commands: setup, posix -->``.
MARKER = re.compile(r"^<!-- commands: ([^>]+?) -->\n", re.M)
#: A fenced code block, fences included.
FENCE = re.compile(r"```[\w-]*\n.*?^```\n", re.M | re.S)
#: (source pattern, relative to the book's root) of every file the archive holds.
#: LICENSE: the licences travel with the course, and pyproject.toml's license-files names it
#: (setuptools warns when it is missing, and will fail from 2027-02-18).
PATTERNS = ("chapters/*.ipynb", "klutils/**/*.py", "requirements.txt", "pyproject.toml",
            "LICENSE")
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def command_blocks(markdown: str) -> dict[str, str]:
    """Each ``<!-- commands: NAME -->`` line's name and the fenced code block right after it."""
    blocks = {}
    for marker in MARKER.finditer(markdown):
        block = FENCE.match(markdown, marker.end())
        if block is None:
            raise ValueError(f"no code block right after <!-- commands: {marker[1]} -->")
        if marker[1] in blocks:
            raise ValueError(f"<!-- commands: {marker[1]} --> is there twice")
        blocks[marker[1]] = block[0]
    return blocks


def block_lines(block: str) -> list[str]:
    """The commands of a fenced code block: its lines without the fences and the comments."""
    lines = [line.split(" #")[0].strip() for line in block.splitlines()[1:-1]]
    return [line for line in lines if line and not line.startswith("#")]


def course_readme(root: Path) -> str:
    """The archive's README: the template with the commands of the repository's README."""
    blocks = command_blocks((root / "README.md").read_text(encoding="utf-8"))

    def block(marker: re.Match) -> str:
        if marker[1] not in blocks:
            raise ValueError(f"README.md has no <!-- commands: {marker[1]} --> block, which "
                             f"{README.name} asks for")
        return blocks[marker[1]]

    return MARKER.sub(block, README.read_text(encoding="utf-8"))


def course_files(root: Path) -> dict[str, Path]:
    """The archive's entries but the README (name inside the archive: source file)."""
    files = {}
    for pattern in PATTERNS:
        for path in root.glob(pattern):
            if "__pycache__" not in path.parts and path.is_file():
                files[f"{FOLDER}/{path.relative_to(root).as_posix()}"] = path
    return files


def write_archive(root: Path, target: Path) -> Path:
    """Write the course archive of the book at ``root`` to ``target``; return ``target``."""
    contents = {name: path.read_bytes() for name, path in course_files(root).items()}
    contents[f"{FOLDER}/README.md"] = course_readme(root).encode("utf-8")
    temporary = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(contents.items()):
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    temporary.replace(target)
    return target


def build_archive(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        write_archive(Path(app.srcdir), Path(app.outdir) / ARCHIVE)


def setup(app):
    app.connect("build-finished", build_archive)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
