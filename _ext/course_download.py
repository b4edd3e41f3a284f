"""Local Sphinx extension: the whole course as one download, ``kl-course.zip`` at the site's root.

The archive holds what a reader needs to run any chapter without git: the chapter notebooks (as
committed, without outputs), the ``klutils`` package, ``requirements.txt`` and ``pyproject.toml``
(``pip install -r requirements.txt`` installs klutils from them) and a short README with the two
commands (``_ext/course_README.md``). Everything sits in one folder, ``kl-course/``. The archive
is the same byte for byte when its sources are (sorted entries, fixed timestamps), so an
unchanged rebuild does not change the site. The home page links to it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ARCHIVE = "kl-course.zip"
FOLDER = "kl-course"
README = Path(__file__).with_name("course_README.md")
#: (source pattern, relative to the book's root) of every file the archive holds.
PATTERNS = ("chapters/*.ipynb", "klutils/**/*.py", "requirements.txt", "pyproject.toml")
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)


def course_files(root: Path) -> dict[str, Path]:
    """The archive's entries (name inside the archive: source file), sorted by name."""
    files = {f"{FOLDER}/README.md": README}
    for pattern in PATTERNS:
        for path in root.glob(pattern):
            if "__pycache__" not in path.parts and path.is_file():
                files[f"{FOLDER}/{path.relative_to(root).as_posix()}"] = path
    return dict(sorted(files.items()))


def write_archive(root: Path, target: Path) -> Path:
    """Write the course archive of the book at ``root`` to ``target``; return ``target``."""
    temporary = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in course_files(root).items():
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, source.read_bytes())
    temporary.replace(target)
    return target


def build_archive(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        write_archive(Path(app.srcdir), Path(app.outdir) / ARCHIVE)


def setup(app):
    app.connect("build-finished", build_archive)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
