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

import pytest

#: Fixture name -> the marker every test using it gets.
MARKER_OF_FIXTURE = {"site": "site", "graded": "slow"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = MARKER_OF_FIXTURE.get(fixture)
            if marker is not None:
                item.add_marker(getattr(pytest.mark, marker))


def png_of(widget) -> bytes:
    """The PNG a widget shows: the single display output of its ``output`` (see show_figure)."""
    [output] = widget.output.outputs
    assert output["output_type"] == "display_data"
    return base64.b64decode(output["data"]["image/png"])


@pytest.fixture(name="png_of")
def png_of_fixture():
    """:func:`png_of` as a fixture, for test files that do not import from conftest."""
    return png_of
