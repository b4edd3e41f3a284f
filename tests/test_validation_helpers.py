"""The shared checks at the end of klutils._validation: every bad input is a ValueError that
names the argument, and every good one comes back in one type."""

import math

import numpy as np
import pytest

from klutils._validation import (
    binary_array,
    integer,
    integer_array,
    log_density_values,
    positive_number,
    real_array,
    real_number,
)


@pytest.mark.parametrize("value", [1, 1.5, np.float32(2.5), np.int64(3), -0.0])
def test_real_number_accepts_python_and_numpy_reals(value):
    number = real_number(value, "x")
    assert type(number) is float and number == float(value)


@pytest.mark.parametrize("value, kwargs, message", [
    (True, {}, "x must be a real number; got True"),
    ("1", {}, "x must be a real number; got '1'"),
    (1j, {}, "x must be a real number"),
    (math.nan, {}, "x must be a finite number; got nan"),
    (math.inf, {}, "x must be a finite number; got inf"),
    (0.0, {"low": 0, "low_open": True}, "x must be positive; got 0.0"),
    (-1, {"low": 0}, "x must be non-negative; got -1"),
    (1.0, {"low": 0, "high": 1, "high_open": True}, r"x must lie in \[0, 1\); got 1.0"),
    (2, {"low": 0, "high": 1}, r"x must lie in \[0, 1\]; got 2"),
])
def test_real_number_names_the_problem(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        real_number(value, "x", **kwargs)


def test_real_number_allows_infinity_only_when_asked():
    assert real_number(-math.inf, "lower", allow_infinite=True) == -math.inf
    with pytest.raises(ValueError, match="finite"):
        real_number(math.nan, "lower", allow_infinite=True)


def test_positive_number():
    assert positive_number(1e-300, "sigma") == 1e-300
    with pytest.raises(ValueError, match="sigma must be positive"):
        positive_number(0, "sigma")


@pytest.mark.parametrize("value, kwargs, message", [
    (2.0, {}, "n must be an integer; got 2.0"),
    (True, {}, "n must be an integer; got True"),
    (0, {"minimum": 1}, "n must be an integer >= 1; got 0"),
    (11, {"minimum": 0, "maximum": 10}, r"n must be an integer in \[0, 10\]; got 11"),
    (11, {"maximum": 10}, r"n must be an integer in \[-inf, 10\]; got 11"),
])
def test_integer_names_the_problem(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        integer(value, "n", **kwargs)


def test_integer_accepts_numpy_integers():
    assert integer(np.int32(4), "n", minimum=0, maximum=4) == 4


def test_real_array_returns_float64_and_keeps_scalars():
    assert real_array(3, "x").shape == () and real_array([1, 2], "x").dtype == np.float64
    assert np.isinf(real_array([np.inf], "x", allow_infinite=True)).all()
    assert real_array([], "x", allow_empty=True).size == 0


@pytest.mark.parametrize("value, kwargs, message", [
    ([True, False], {}, "x must hold real numbers; got dtype bool"),
    (["a"], {}, "x must hold real numbers"),
    ([[1.0], [1.0, 2.0]], {}, "x must be an array of real numbers"),
    ([], {}, "x is empty"),
    ([1.0, np.nan], {}, "x must be finite numbers; it contains nan"),
    ([1.0, np.inf], {}, "x must be finite numbers; it contains inf"),
    ([1.0, 2.0], {"ndim": 2}, r"x must have 2 dimension\(s\); got shape \(2,\)"),
    ([1.0, 0.0], {"low": 0, "low_open": True}, "x must be positive; got 0.0"),
])
def test_real_array_names_the_problem(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        real_array(value, "x", **kwargs)


def test_integer_array():
    assert integer_array(np.array([1, 2], dtype=np.int8), "k", minimum=0).dtype == np.int64
    with pytest.raises(ValueError, match="k must hold integers; got dtype float64"):
        integer_array([1.0], "k")
    with pytest.raises(ValueError, match="k must hold integers; got dtype bool"):
        integer_array([True], "k")
    with pytest.raises(ValueError, match=r"k must lie in \[0, 2\]; got 3"):
        integer_array([0, 3], "k", minimum=0, maximum=2)


def test_binary_array():
    assert binary_array([], "flips").size == 0
    assert binary_array(np.array([1.0, 0.0]), "flips").tolist() == [1, 0]
    for bad in ([0, 2], ["1"], [0.5]):
        with pytest.raises(ValueError, match="flips must hold only 0 and 1"):
            binary_array(bad, "flips")
    with pytest.raises(ValueError, match="flips must be a 1-D sequence"):
        binary_array([[0, 1]], "flips")


def test_log_density_values():
    points = np.array([0.0, 1.0])
    assert log_density_values(lambda x: -x, points, "log_p").tolist() == [-0.0, -1.0]
    assert log_density_values(lambda x: np.full(len(x), -np.inf), points, "log_p")[0] == -np.inf
    with pytest.raises(ValueError, match="log_p must be a function; got int"):
        log_density_values(3, points, "log_p")
    with pytest.raises(ValueError, match="log_p must be vectorised"):
        log_density_values(lambda x: 0.0, points, "log_p")
    with pytest.raises(ValueError, match=r"log_p returned NaN or \+inf"):
        log_density_values(lambda x: np.full(len(x), np.inf), points, "log_p")
