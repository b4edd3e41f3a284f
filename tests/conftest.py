"""Fixtures and markers shared by the test files.

Markers (registered in pyproject.toml): ``site`` reads the built book, ``browser`` drives
Chromium, ``slow`` takes more than a few seconds. ``make unit`` deselects all three, so it never
builds the book. A test that asks for a fixture that builds or grades something expensive is
marked here, by the fixture it uses, so that a test file cannot forget the marker:

- the ``site`` fixture (tests/test_site.py) builds ``_build/html`` when it is missing: ``site``;
- the ``graded`` fixture (tests/test_homework.py) grades every homework chapter: ``slow``.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest

#: Fixture name -> the marker every test using it gets.
MARKER_OF_FIXTURE = {"site": "site", "graded": "slow"}
#: The test files that take longest in ``make test``, longest first (seconds measured in a
#: fresh-clone make test: about 155, 110, 105, 60, 40 and 25). ``make test`` runs the files on
#: two processes, each file whole on the next free one (pytest-xdist's ``--dist loadfile
#: --no-loadscope-reorder``), in this order: the long ones first, the many short ones filling
#: in at the end. By default pytest-xdist would start with the files of the most tests, and these
#: few-test files came last, one process working alone for a minute or more.
LONGEST_FILES = ("test_homework.py", "test_browser.py", "test_platforms.py",
                 "test_fresh_clone.py", "test_lab.py", "test_site.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = MARKER_OF_FIXTURE.get(fixture)
            if marker is not None:
                item.add_marker(getattr(pytest.mark, marker))
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files stay whole


def png_of(widget) -> bytes:
    """The PNG a widget shows: the single display output of its ``output`` (see show_figure)."""
    [output] = widget.output.outputs
    assert output["output_type"] == "display_data"
    return base64.b64decode(output["data"]["image/png"])


@pytest.fixture(name="png_of")
def png_of_fixture():
    """:func:`png_of` as a fixture, for test files that do not import from conftest."""
    return png_of


@pytest.fixture(scope="session")
def logistic_model():
    """Chapter 9's one-weight Bayesian logistic regression: ten seeded points, prior N(0, 3^2)."""
    from klutils.regression import LogisticLogJoint, logistic_data

    x, y = logistic_data(10, 2.0, np.random.default_rng(2026))
    return LogisticLogJoint(x, y, prior_sd=3.0)


def normal_log_joint(scale: float = 2.5, mean: float = 1.0, sd: float = 0.7):
    """An unnormalised normal density: log Z = log(scale) exactly, posterior N(mean, sd^2)."""
    def log_joint(w):
        w = np.asarray(w, dtype=float)
        return (math.log(scale) - 0.5 * ((w - mean) / sd) ** 2
                - math.log(sd * math.sqrt(2 * math.pi)))
    return log_joint


@pytest.fixture(name="normal_log_joint")
def normal_log_joint_fixture():
    """:func:`normal_log_joint` as a fixture."""
    return normal_log_joint
