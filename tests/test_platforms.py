"""The Python versions and platforms the README promises: requirements.txt resolves for each.

For every supported Python version (the ``Programming Language :: Python :: 3.X`` classifiers in
pyproject.toml) on every platform in ``PLATFORMS``, pip's own resolver installs requirements.txt
in a dry run (``pip install --dry-run --ignore-installed --only-binary=:all: --python-version V
--platform P --report``): nothing is downloaded but metadata, nothing is installed. A pin with no
wheel for one of them, or a dependency that needs a newer or older Python, fails that pair.

Two decisions:

- **Wheels only** (``--only-binary=:all:``), for every package, transitive ones included. A
  learner's laptop may have no compiler, and pip cannot read an sdist's dependencies for another
  platform without building it. All of today's packages ship wheels; a future sdist-only one
  fails here and needs a version with a wheel.
- **The target's environment markers.** pip evaluates markers such as ``sys_platform ==
  "win32"`` for the machine it runs on even under ``--platform``, so a plain dry run for Windows
  never looks at Windows-only dependencies (pywinpty, colorama). ``_PIP_AS_TARGET``
  runs pip with the marker environment of the target, and each test checks in pip's report that
  the markers it resolved with are the target's, so a pip that stops honouring the patch fails
  loudly instead of passing quietly.

``-e .`` (klutils) is pure Python (``test_klutils_is_pure_python``): its wheel fits every
platform, so the dry run checks its dependencies from pyproject.toml and
``test_requires_python_admits_exactly_the_supported_versions`` checks its ``requires-python``.

Cost: pip spends most of a resolve reading every file of long project pages (coverage,
hypothesis, ruff, numpy: 87,000 links in all), about 5 s of CPU. ``PrunedIndex`` serves each page,
fetched once for all targets, without the files pip would reject there anyway, which takes a
third of that off; the resolves run in parallel, one more at a time than there are cores. pip's
HTTP cache keeps package metadata as far as the index allows. The tests skip, saying why, only
when the package index cannot be reached. One resolve in full, straight from the index:
``.venv/bin/python tests/test_platforms.py 3.14 windows-amd64``.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from pip._internal.models.target_python import TargetPython

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def manylinux(arch: str, glibc: int = 28) -> list[str]:
    """Wheel platform tags a Linux with glibc 2.<glibc> accepts (pip does not expand them)."""
    oldest = 5 if arch in ("x86_64", "i686") else 17
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc, oldest - 1, -1)]
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    return tags + [f"{name}_{arch}" for minor, name in legacy.items() if minor >= oldest]


@dataclass(frozen=True)
class Platform:
    """A learner's machine: the wheel tags it accepts and its environment markers."""

    tags: tuple[str, ...]
    markers: dict[str, str]


def _markers(sys_platform: str, system: str, machine: str) -> dict[str, str]:
    """The environment markers (PEP 508) of a platform; the Python ones are added per resolve."""
    os_name = "nt" if sys_platform == "win32" else "posix"
    return {"sys_platform": sys_platform, "platform_system": system, "os_name": os_name,
            "platform_machine": machine, "platform_release": "", "platform_version": ""}


# pip expands a macOS tag to every older macOS release itself.
PLATFORMS = {
    "linux-x86_64": Platform(tuple(manylinux("x86_64")), _markers("linux", "Linux", "x86_64")),
    "linux-aarch64": Platform(tuple(manylinux("aarch64")), _markers("linux", "Linux", "aarch64")),
    "macos-x86_64": Platform(("macosx_12_0_x86_64",), _markers("darwin", "Darwin", "x86_64")),
    "macos-arm64": Platform(("macosx_12_0_arm64",), _markers("darwin", "Darwin", "arm64")),
    "windows-amd64": Platform(("win_amd64",), _markers("win32", "Windows", "AMD64")),
}

# Runs pip with the target's marker environment: argv[1] is a JSON object of marker values.
_PIP_AS_TARGET = """
import json, sys
from pip._vendor.packaging import markers
target, host = json.loads(sys.argv[1]), markers.default_environment
markers.default_environment = lambda: {**host(), **target}
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""

# What pip prints when it cannot reach the index (not when a pin has no build).
_NETWORK_ERRORS = ("NewConnectionError", "ConnectTimeout", "ReadTimeout", "Max retries exceeded",
                   "Could not fetch URL", "Name or service not known", "Temporary failure in name")


def supported_pythons() -> list[str]:
    """The Python versions pyproject.toml's classifiers claim, oldest first."""
    pattern = re.compile(r"Programming Language :: Python :: (3\.\d+)$")
    found = [m[1] for c in PYPROJECT["project"].get("classifiers", []) if (m := pattern.match(c))]
    return sorted(found, key=minor)


def neighbours(versions: list[str]) -> tuple[str, str]:
    """The Python versions just older and just newer than ``versions``."""
    return f"3.{minor(versions[0]) - 1}", f"3.{minor(versions[-1]) + 1}"


def minor(version: str) -> int:
    """The minor version: 14 for "3.14"."""
    return int(version.split(".")[1])


def requirement_lines() -> list[str]:
    """requirements.txt without comments and blank lines."""
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text()
             .splitlines()]
    return [line for line in lines if line]


def resolvable_requirements() -> list[str]:
    """requirements.txt with ``-e .`` replaced by klutils' dependencies (a wheel-only resolve)."""
    lines = requirement_lines()
    assert "-e ." in lines, "requirements.txt installs klutils with -e ."
    return [line for line in lines if line != "-e ."] + PYPROJECT["project"]["dependencies"]


@dataclass
class Resolve:
    """One dry run: pip's exit code, its stderr and its report (None when it failed)."""

    returncode: int
    stderr: str
    report: dict | None

    def errors(self) -> str:
        """pip's ERROR lines, each cut short (the list of available versions can be long)."""
        lines = [line[:300] for line in self.stderr.splitlines() if line.startswith("ERROR")]
        return "\n".join(lines[-4:]) or self.stderr[-1500:]

    def network_error(self) -> str | None:
        """The first line of pip's output that says the index did not answer, if any."""
        return next((line[:300] for line in self.stderr.splitlines()
                     if any(marker in line for marker in _NETWORK_ERRORS)), None)


def resolve(python: str, platform: str, requirements: list[str],
            index: str | None = None) -> Resolve:
    """Resolve ``requirements`` with pip's dry run for one Python version on one platform.

    ``index`` replaces pip's index URL (a ``PrunedIndex``); by default pip uses its own.
    """
    target = PLATFORMS[platform]
    markers = {**target.markers, "python_version": python, "python_full_version": f"{python}.0",
               "implementation_name": "cpython", "implementation_version": f"{python}.0",
               "platform_python_implementation": "CPython"}
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        command = [sys.executable, "-c", _PIP_AS_TARGET, json.dumps(markers),
                   "install", "--dry-run", "--ignore-installed", "--only-binary=:all:",
                   "--python-version", python, "--implementation", "cp",
                   *(f"--platform={tag}" for tag in target.tags),
                   "--quiet", "--no-input", "--timeout", "30", "--retries", "2",
                   *(["--index-url", index] if index else []),
                   "--report", str(report_path), *requirements]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        report = json.loads(report_path.read_text()) if done.returncode == 0 else None
    return Resolve(done.returncode, done.stderr, report)


def pip_setting(name: str) -> str | None:
    """A setting of the user's pip configuration (files or PIP_* variables), if set."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                            capture_output=True, text=True).stdout
    values = re.findall(rf"^\S*\.{name}='([^']+)'", listed, re.M)
    return values[0] if values else None


def index_url() -> str:
    """The index pip installs from: the user's pip configuration, else PyPI."""
    return (pip_setting("index-url") or "https://pypi.org/simple").rstrip("/") + "/"


def https_context() -> ssl.SSLContext:
    """Certificates as pip has them configured (``cert``), else the system's."""
    return ssl.create_default_context(cafile=pip_setting("cert"))


def index_unreachable() -> str | None:
    """Why the package index cannot be reached, or None when it answers."""
    url = index_url()
    try:
        with urllib.request.urlopen(url + "pip/", timeout=15, context=https_context()):
            return None
    except (urllib.error.URLError, OSError) as error:
        return f"the package index {url} is unreachable ({error}); not checked"


MATRIX = [(python, platform) for python in supported_pythons() for platform in PLATFORMS]


def wheel_tags(python: str, platform: str) -> frozenset[str]:
    """The wheel tags pip accepts for this target, from pip's own code."""
    target = TargetPython(platforms=list(PLATFORMS[platform].tags), implementation="cp",
                          py_version_info=tuple(int(n) for n in python.split(".")))
    return frozenset(str(tag) for tag in target.get_sorted_tags())


def file_tags(filename: str) -> frozenset[str] | None:
    """A wheel's tags; empty for an sdist (never used: only-binary), None for pip to judge."""
    if not filename.endswith(".whl"):
        return frozenset()
    try:
        return frozenset(str(tag) for tag in parse_wheel_filename(filename)[3])
    except InvalidWheelFilename:
        return None


class PrunedIndex(ThreadingHTTPServer):
    """The real index as pip sees it from each target, on 127.0.0.1, for the 20 resolves.

    A project page at ``/<python>-<platform>/simple/<project>/`` is the real index's page (PEP
    691 JSON, fetched once for all targets) without the files pip would reject for that target
    anyway: sdists (``--only-binary=:all:``) and wheels whose tags it does not accept. pip still
    resolves everything; it just reads about five times fewer links, which is most of its time.
    A page that is not JSON, or cannot be fetched, is a redirect to the real one.
    ``test_the_pruned_index_changes_no_resolve`` checks that pip chooses the same files.
    """

    def __init__(self, upstream: str, targets: list[tuple[str, str]]) -> None:
        super().__init__(("127.0.0.1", 0), _PrunedPage)
        self.upstream = upstream
        self.tags = {f"{python}-{platform}": wheel_tags(python, platform)
                     for python, platform in targets}
        self.pages: dict[str, tuple[dict, list[frozenset[str] | None]] | None] = {}
        self.lock = threading.Lock()
        self.context = https_context()

    def __enter__(self) -> PrunedIndex:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def url(self, python: str, platform: str) -> str:
        """The index URL to give pip for this target."""
        return f"http://127.0.0.1:{self.server_address[1]}/{python}-{platform}/simple/"

    def page(self, url: str) -> tuple[dict, list[frozenset[str] | None]] | None:
        """The real index's JSON page at ``url`` (file URLs made absolute) and each file's wheel
        tags, parsed once for all targets; None when it is not a JSON page or cannot be had."""
        with self.lock:
            if url in self.pages:
                return self.pages[url]
        request = urllib.request.Request(url, headers={"Accept": JSON_PAGE})
        found = None
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as answer:
                if answer.headers.get_content_type() == JSON_PAGE:
                    page = json.loads(answer.read())
                    for file in page["files"]:
                        file["url"] = urljoin(answer.url, file["url"])
                    found = page, [file_tags(file["filename"]) for file in page["files"]]
        except (OSError, ValueError, KeyError):
            found = None
        with self.lock:
            self.pages[url] = found
        return found


JSON_PAGE = "application/vnd.pypi.simple.v1+json"


class _PrunedPage(BaseHTTPRequestHandler):
    """One project page of a ``PrunedIndex``."""

    server: PrunedIndex

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        target, simple, project = ([*self.path.strip("/").split("/"), "", ""])[:3]
        if simple != "simple" or target not in self.server.tags or not project:
            self.send_error(404)
            return
        upstream = f"{self.server.upstream}{project}/"
        found = self.server.page(upstream)
        if found is None:
            self.send_response(302)
            self.send_header("Location", upstream)
            self.end_headers()
            return
        page, tags = found
        accepted = self.server.tags[target]
        files = [file for file, its in zip(page["files"], tags, strict=True)
                 if its is None or not its.isdisjoint(accepted)]
        body = json.dumps(page | {"files": files}).encode()
        self.send_response(200)
        self.send_header("Content-Type", JSON_PAGE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: pip reports what matters."""


@cache
def resolve_matrix() -> dict[tuple[str, str], Resolve]:
    """Every supported Python on every platform, resolved in parallel through a pruned index."""
    requirements = resolvable_requirements()
    workers = min(8, (os.cpu_count() or 2) + 1)  # CPU-bound, but each also waits on the network
    with PrunedIndex(index_url(), MATRIX) as index, ThreadPoolExecutor(workers) as pool:
        results = pool.map(lambda pair: resolve(*pair, requirements, index.url(*pair)), MATRIX)
        return dict(zip(MATRIX, results, strict=True))


def skip_if_index_unreachable(result: Resolve | None = None) -> None:
    """Skip when the index cannot be reached; a failure with the index up stays a failure."""
    if result is not None and (result.returncode == 0 or not result.network_error()):
        return
    if reason := index_unreachable():
        pytest.skip(reason)


def resolve_or_skip(python: str, platform: str, requirements: list[str]) -> Resolve:
    """One resolve for the tests of the check itself."""
    skip_if_index_unreachable()
    result = resolve(python, platform, requirements)
    skip_if_index_unreachable(result)
    return result


@pytest.fixture(scope="module")
def matrix() -> dict[tuple[str, str], Resolve]:
    """The 20 resolves, run once for all the tests that read them."""
    skip_if_index_unreachable()
    return resolve_matrix()


@pytest.mark.slow
@pytest.mark.parametrize(("python", "platform"), MATRIX, ids=[f"{v}-{p}" for v, p in MATRIX])
def test_requirements_install_from_wheels(matrix, python, platform):
    result = matrix[(python, platform)]
    skip_if_index_unreachable(result)
    if result.returncode != 0:
        network = result.network_error()
        pytest.fail(f"requirements.txt does not install on Python {python}, {platform}:\n"
                    + result.errors() + (f"\n(pip met a network error: {network})" if network
                                         else ""), pytrace=False)
    environment = result.report["environment"]
    expected = {**PLATFORMS[platform].markers, "python_version": python}
    assert {key: environment[key] for key in expected} == expected, (
        "pip resolved with the wrong environment markers; _PIP_AS_TARGET no longer works")
    installed = {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
                 for item in result.report["install"]}
    for line in requirement_lines():
        if line != "-e .":
            requirement = Requirement(line)
            version = installed[canonicalize_name(requirement.name)]
            assert requirement.specifier.contains(version), f"{line} resolved to {version}"


@pytest.mark.slow
def test_the_pythons_next_to_the_supported_ones_cannot_install():
    """The claim is as wide as the pins allow: one version older or newer does not install."""
    for python in neighbours(supported_pythons()):
        result = resolve_or_skip(python, "linux-x86_64", resolvable_requirements())
        assert result.returncode != 0, (
            f"requirements.txt installs on Python {python} too: add it to pyproject.toml's "
            "classifiers and requires-python, environment.yml and the README")
        assert "No matching distribution found" in result.errors()
        # What the README says: "the pinned numpy has no build for them".
        assert "No matching distribution found for numpy==" in result.errors(), result.errors()


@pytest.mark.slow
def test_the_pruned_index_changes_no_resolve(matrix):
    """pip picks the same files through ``PrunedIndex`` as from the real index."""
    python, platform = supported_pythons()[-1], "windows-amd64"
    direct = resolve_or_skip(python, platform, resolvable_requirements())
    assert direct.returncode == 0, direct.errors()

    def files(result: Resolve) -> list[str]:
        return sorted(item["download_info"]["url"] for item in result.report["install"])

    assert files(matrix[(python, platform)]) == files(direct)


def test_supported_pythons_are_consecutive():
    versions = supported_pythons()
    assert versions, "pyproject.toml lists the supported versions as classifiers"
    minors = [minor(v) for v in versions]
    assert minors == list(range(minors[0], minors[-1] + 1)), f"a gap in {versions}"


def test_requires_python_admits_exactly_the_supported_versions():
    spec = SpecifierSet(PYPROJECT["project"]["requires-python"])
    for version in supported_pythons():
        assert spec.contains(f"{version}.0"), f"requires-python {spec} refuses {version}"
    older, newer = neighbours(supported_pythons())
    assert not spec.contains(f"{older}.99"), f"requires-python {spec} admits {older}"
    assert not spec.contains(f"{newer}.0"), f"requires-python {spec} admits {newer}"


def test_klutils_is_pure_python():
    """klutils builds one py3-none-any wheel, so checking its dependencies is enough."""
    compiled = [p.name for p in (ROOT / "klutils").rglob("*")
                if p.suffix in {".c", ".cpp", ".pyx", ".pxd", ".f90", ".rs"}]
    assert not compiled, f"klutils has sources to compile: {compiled}"
    assert "ext-modules" not in PYPROJECT.get("tool", {}).get("setuptools", {})


@pytest.mark.slow
def test_the_check_fails_for_a_pin_without_a_build():
    """scipy 1.14.1 has wheels for Python 3.10 to 3.13 only."""
    result = resolve_or_skip("3.14", "linux-x86_64", ["scipy==1.14.1"])
    assert result.returncode != 0
    assert "No matching distribution found for scipy==1.14.1" in result.errors()


@pytest.mark.slow
def test_the_check_resolves_windows_only_dependencies_for_windows():
    """pywinpty 3.0.0 has no Python 3.14 wheel; the marker makes it a Windows-only requirement."""
    windows_only = 'pywinpty==3.0.0; sys_platform == "win32"'
    on_windows = resolve_or_skip("3.14", "windows-amd64", [windows_only])
    assert on_windows.returncode != 0 and "pywinpty==3.0.0" in on_windows.errors()
    on_linux = resolve_or_skip("3.14", "linux-x86_64", [windows_only])
    assert on_linux.returncode == 0, on_linux.errors()
    assert on_linux.report["install"] == []


def test_an_unreachable_index_is_reported_not_passed(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    assert index_url() == "http://127.0.0.1:9/simple/"
    reason = index_unreachable()
    assert reason and "http://127.0.0.1:9/simple/ is unreachable" in reason


# ------------------------------------------------------------------------------------------------
# environment.yml: the same pins for conda and mamba users.

# PyPI name -> conda-forge name where they differ. conda-forge's `matplotlib` adds the Qt backend.
CONDA_NAMES = {"matplotlib": "matplotlib-base"}
# PyPI-only packages, installed by the pip section of environment.yml.
NOT_ON_CONDA_FORGE = {"sphinx-mathjax-offline"}


def environment_file() -> dict:
    """environment.yml, parsed."""
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_specs() -> dict[str, str]:
    """environment.yml's conda dependencies as name -> version constraint."""
    specs = {}
    for entry in environment_file()["dependencies"]:
        if isinstance(entry, str):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry.strip())
            assert match[1] not in specs, f"{match[1]} is listed twice"
            specs[match[1]] = match[2].strip()
    return specs


def pip_section() -> list[str]:
    """The lines environment.yml hands to pip."""
    sections = [e["pip"] for e in environment_file()["dependencies"] if isinstance(e, dict)]
    assert len(sections) == 1, "one pip section"
    return [line.strip() for line in sections[0]]


def test_environment_file_uses_conda_forge_only():
    assert environment_file()["channels"] == ["conda-forge", "nodefaults"]


def test_environment_file_pins_exactly_what_requirements_pin():
    specs = conda_specs()
    assert specs.pop("pip") == "", "pip itself, unpinned, for the pip section"
    specs.pop("python")
    expected_conda, expected_pip = {}, []
    for line in requirement_lines():
        if line == "-e .":
            expected_pip.append(line)
            continue
        requirement = Requirement(line)
        if requirement.name in NOT_ON_CONDA_FORGE:
            expected_pip.append(line)
        else:
            expected_conda[CONDA_NAMES.get(requirement.name, requirement.name)] = str(
                requirement.specifier)
    assert specs == expected_conda, "environment.yml's conda pins differ from requirements.txt"
    assert sorted(pip_section()) == sorted(expected_pip), "the pip section differs"


def test_environment_file_python_matches_requires_python():
    python = SpecifierSet(conda_specs()["python"])
    assert python == SpecifierSet(PYPROJECT["project"]["requires-python"])


# ------------------------------------------------------------------------------------------------
# The README says what is tested here.


def test_readme_states_the_tested_versions_and_platforms():
    readme = (ROOT / "README.md").read_text()
    versions = supported_pythons()
    assert f"Python {versions[0]} to {versions[-1]}" in readme
    glibc = re.search(r"manylinux_2_(\d+)_", PLATFORMS["linux-x86_64"].tags[0])[1]
    macos = {re.search(r"macosx_(\d+)_", PLATFORMS[name].tags[0])[1]
             for name in ("macos-x86_64", "macos-arm64")}
    assert f"glibc 2.{glibc}" in readme
    assert all(f"macOS {version}" in readme for version in macos)
    assert "Windows" in readme and "environment.yml" in readme
    assert "tests/test_platforms.py" in readme


if __name__ == "__main__":  # python tests/test_platforms.py 3.14 windows-amd64
    outcome = resolve(sys.argv[1], sys.argv[2], resolvable_requirements())
    print(outcome.errors() if outcome.returncode else "\n".join(
        f"{item['metadata']['name']}=={item['metadata']['version']}  "
        f"{item['download_info']['url'].rsplit('/', 1)[1]}" for item in outcome.report["install"]))
    sys.exit(outcome.returncode)
