"""Input checks shared by the divergence functions.

Every public function of :mod:`klutils` funnels its inputs through here, so that bad input always
gets the same clear ``ValueError`` (naming the argument and the problem) and never a wrong number.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

#: How far the sum of a probability vector may be from 1 (float32 softmax output passes).
SUM_TOLERANCE = 1e-6


def log_of_base(base: float | None) -> float:
    """Return ``log(base)``, the divisor that converts nats to ``base`` units (1.0 for nats).

    Raises
    ------
    ValueError
        If ``base`` is not a finite real number that is positive and not 1.
    """
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, Real | np.floating | np.integer):
        raise ValueError(f"base must be a positive number other than 1 (or None for nats); "
                         f"got {base!r}")
    value = float(base)
    if not math.isfinite(value) or value <= 0 or value == 1:
        raise ValueError(f"base must be a positive number other than 1 (or None for nats); "
                         f"got {base!r}")
    return math.log(value)


def as_float_array(x, name: str) -> np.ndarray:
    """Convert an array-like of real numbers to a float64 ndarray, or raise ``ValueError``."""
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers; {exc}") from None
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.floating)
                                   or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{name} must be an array of real numbers; got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{name} must be a distribution (at least one dimension); "
                         f"got the scalar {array.item()!r}")
    return np.asarray(array, dtype=np.float64)


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _describe_bad_entries(array: np.ndarray, name: str) -> str | None:
    """Say what is wrong with the entries of ``array`` (NaN, inf, negative), or None."""
    for mask, what in ((np.isnan(array), "NaN"), (np.isinf(array), "an infinite value")):
        if mask.any():
            return f"{name} contains {what} at index {_first_index(mask)}"
    negative = array < 0
    if negative.any():
        index = _first_index(negative)
        return (f"{name} has a negative entry ({float(array[index])!r} at index {index}); "
                f"probabilities must be non-negative")
    return None


def check_distribution(array: np.ndarray, name: str) -> np.ndarray:
    """Check that ``array`` holds probability vectors along its last axis; return their sums.

    The fast path is two reductions: the minimum (NaN propagates, so a NaN or a negative entry
    shows) and the sum (an infinity shows). Only when one of them looks wrong is the array
    searched again to say exactly what is wrong.

    Returns
    -------
    numpy.ndarray
        The sums along the last axis (each within :data:`SUM_TOLERANCE` of 1).
    """
    if array.shape[-1] == 0:
        raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
    if array.size == 0:
        raise ValueError(f"{name} is empty: shape {array.shape}")
    smallest = np.min(array, axis=-1)
    sums = np.sum(array, axis=-1)
    if not (np.all(smallest >= 0) and np.all(np.isfinite(sums))):
        problem = _describe_bad_entries(array, name)
        if problem is None:  # finite non-negative entries whose sum overflows
            problem = f"{name} sums to infinity"
        raise ValueError(problem)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if np.any(off):
        where = _first_index(off) if off.ndim else ()
        total = sums[where] if off.ndim else float(sums)
        at = f" for the distribution at batch index {where}" if off.ndim else ""
        raise ValueError(f"{name} must sum to 1 along the distribution axis (within "
                         f"{SUM_TOLERANCE:g}); sum = {total:.10g}{at}")
    return sums


def distributions(*named: tuple[object, str], axis: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate probability vectors, move ``axis`` last and broadcast the batch dimensions.

    Parameters
    ----------
    *named
        Pairs ``(array_like, name)``; ``name`` is used in error messages.
    axis
        The axis along which each distribution lies, in each array's own dimensions.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        For each input, the float64 array with the distribution axis last and the batch shape
        broadcast to the common one, and the sums along the distribution axis (batch shape).
    """
    arrays = [move_axis_last(as_float_array(value, name), axis, name) for value, name in named]
    sums = [check_distribution(array, name) for array, (_, name) in zip(arrays, named, strict=True)]
    arrays = broadcast_batch(arrays, [name for _, name in named], axis)
    batch = arrays[0].shape[:-1]
    return [(array, np.broadcast_to(total, batch))
            for array, total in zip(arrays, sums, strict=True)]


def move_axis_last(array: np.ndarray, axis: int, name: str) -> np.ndarray:
    """Move ``axis`` of ``array`` to the end, with a clear error when it does not exist."""
    try:
        return np.moveaxis(array, axis, -1)
    except np.exceptions.AxisError:
        raise ValueError(f"axis {axis} is out of range for {name} with shape "
                         f"{array.shape}") from None


def broadcast_batch(arrays: list[np.ndarray], names: list[str], axis: int) -> list[np.ndarray]:
    """Broadcast the batch dimensions of arrays whose last axes must have equal lengths."""
    joined = " and ".join(names)
    shapes = " and ".join(str(np.moveaxis(a, -1, axis).shape) for a in arrays)
    if len({a.shape[-1] for a in arrays}) > 1:
        raise ValueError(f"{joined} must have the same number of outcomes along axis {axis}; "
                         f"got shapes {shapes}")
    try:
        batch = np.broadcast_shapes(*(a.shape[:-1] for a in arrays))
    except ValueError:
        raise ValueError(f"the batch shapes of {joined} do not broadcast; got shapes "
                         f"{shapes}") from None
    return [np.broadcast_to(a, (*batch, a.shape[-1])) for a in arrays]


def as_result(values: np.ndarray) -> float | np.ndarray:
    """Return a Python float for a single result, else the ndarray."""
    values = np.asarray(values, dtype=np.float64)
    return float(values) if values.ndim == 0 else values


# --- single distributions, the scalars of the widgets' controls, outcome names ---------------

#: Sums closer than this to 1 are rounding error: :func:`renormalised` leaves such inputs as
#: given, so that an outcome with p = q keeps a term of exactly 0.
ROUNDING_TOLERANCE = 1e-12


def single_distribution(p, name: str) -> np.ndarray:
    """A single 1-D probability vector (non-negative, summing to 1 within 1e-6), or ValueError.

    The array is returned as given (float64), not divided by its sum.
    """
    array = as_float_array(p, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a single 1-D distribution; got shape {array.shape}")
    check_distribution(array, name)
    return array


def single_distribution_pair(p, q) -> tuple[np.ndarray, np.ndarray]:
    """Two single 1-D distributions ``p`` and ``q`` over the same outcomes, or ValueError.

    Both are checked by :func:`single_distribution` and returned as given (float64).
    """
    x, y = single_distribution(p, "p"), single_distribution(q, "q")
    if len(x) != len(y):
        raise ValueError(f"p and q must have the same number of outcomes; got {len(x)} and "
                         f"{len(y)}")
    return x, y


def renormalised(values: np.ndarray) -> np.ndarray:
    """Divide a 1-D array by its sum, unless the sum is 1 up to :data:`ROUNDING_TOLERANCE`."""
    total = values.sum()
    return values if abs(float(total) - 1.0) <= ROUNDING_TOLERANCE else values / total


def outcome_labels(labels, n: int) -> list[str]:
    """Return ``n`` outcome names (default ``"0", "1", ...``), or raise ``ValueError``."""
    if labels is None:
        return [str(i) for i in range(n)]
    if isinstance(labels, str):
        raise ValueError(f"labels must be a sequence of {n} names, not the string {labels!r}")
    names = [str(label) for label in labels]
    if len(names) != n:
        raise ValueError(f"labels must name each of the {n} outcomes; got {len(names)} labels")
    return names


def probability(value: object, name: str, *, low: float = 0.0, high: float = 1.0,
                open_interval: bool = False) -> float:
    """A real number in ``[low, high]`` (``(low, high)`` when ``open_interval``), or ValueError.

    ``low`` and ``high`` narrow the probabilities allowed (a slider's range, say).
    """
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    number = float(value)
    inside = low < number < high if open_interval else low <= number <= high  # False for NaN
    if not inside:
        interval = f"({low:g}, {high:g})" if open_interval else f"[{low:g}, {high:g}]"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}")
    return number


def random_generator(rng: object) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``, else raise ``ValueError``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); "
                         f"got {type(rng).__name__}")
    return rng


# --- checks of numbers, counts, arrays and functions, for every module built on the above -----
# The modules outside divergences.py and closed_forms.py use only these (and the functions
# above), so that the same mistake gets the same message everywhere.


def _range_text(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if high == math.inf and low == 0:
        return "positive" if low_open else "non-negative"
    return (f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}")


def real_number(value: object, name: str, *, low: float = -math.inf, high: float = math.inf,
                low_open: bool = False, high_open: bool = False,
                allow_infinite: bool = False) -> float:
    """A real number (not a bool, not NaN; finite unless ``allow_infinite``) in a range.

    The range is ``[low, high]``; ``low_open``/``high_open`` exclude an end. Returns a float.

    Raises
    ------
    ValueError
        Naming ``name``, what it must be, and the value given.

    Examples
    --------
    >>> real_number(2, "sigma", low=0, low_open=True)
    2.0
    >>> real_number(0.0, "sigma", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be positive; got 0.0
    """
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    number = float(value)
    if math.isnan(number) or (math.isinf(number) and not allow_infinite):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if too_low or too_high:
        what = _range_text(low, high, low_open, high_open)
        raise ValueError(f"{name} must be {what}; got {value!r}" if what[0] != "i"
                         else f"{name} must lie {what}; got {value!r}")
    return number


def positive_number(value: object, name: str) -> float:
    """A finite real number > 0 (a standard deviation, a rate, a temperature), or ValueError."""
    return real_number(value, name, low=0.0, low_open=True)


def integer(value: object, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """A Python int (from an int or a numpy integer, not a bool) in ``[minimum, maximum]``.

    Examples
    --------
    >>> integer(3, "n", minimum=1)
    3
    >>> integer(2.0, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer; got 2.0
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    number = int(value)
    if minimum is not None and number < minimum and maximum is None:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "-inf" if minimum is None else minimum
        raise ValueError(f"{name} must be an integer in [{low}, {maximum}]; got {value!r}")
    return number


def real_array(value: object, name: str, *, ndim: int | None = None,
               low: float = -math.inf, low_open: bool = False,
               allow_infinite: bool = False, allow_empty: bool = False) -> np.ndarray:
    """A float64 array of real numbers (not NaN; finite unless ``allow_infinite``), or ValueError.

    ``ndim`` requires a number of dimensions (a scalar is allowed when it is None); ``low`` and
    ``low_open`` bound the entries from below (``low=0, low_open=True``: all positive).

    Examples
    --------
    >>> real_array([1, 2], "x").tolist()
    [1.0, 2.0]
    >>> real_array([1.0, -1.0], "sigma", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be positive; got -1.0
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    array = array.astype(np.float64)
    bad = np.isnan(array) | (np.isinf(array) if not allow_infinite else False)
    if np.any(bad):
        raise ValueError(f"{name} must be {'numbers' if allow_infinite else 'finite numbers'}; "
                         f"it contains {float(array[bad].flat[0])!r}")
    too_low = array <= low if low_open else array < low
    if np.any(too_low):
        raise ValueError(f"{name} must be {_range_text(low, math.inf, low_open, True)}; got "
                         f"{float(array[too_low].flat[0])!r}")
    return array


def integer_array(value: object, name: str, *, minimum: int | None = None,
                  maximum: int | None = None, ndim: int | None = None) -> np.ndarray:
    """An int64 array of integers (not bools) in ``[minimum, maximum]``, or ValueError.

    Examples
    --------
    >>> integer_array([0, 2], "labels", minimum=0, maximum=2).tolist()
    [0, 2]
    """
    array = np.asarray(value)
    if array.dtype == bool or array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers; got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {array.shape}")
    outside = np.zeros(array.shape, dtype=bool)
    if minimum is not None:
        outside |= array < minimum
    if maximum is not None:
        outside |= array > maximum
    if np.any(outside):
        low = "-inf" if minimum is None else minimum
        high = "inf" if maximum is None else maximum
        raise ValueError(f"{name} must lie in [{low}, {high}]; got {int(array[outside].flat[0])!r}")
    return array.astype(np.int64)


def binary_array(value: object, name: str) -> np.ndarray:
    """A 1-D int64 array of 0s and 1s (given as bools, integers or floats), or ValueError.

    Examples
    --------
    >>> binary_array([True, 0, 1.0], "flips").tolist()
    [1, 0, 1]
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a 1-D sequence of 0s and 1s; {exc}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of 0s and 1s; got shape {array.shape}")
    if array.size and (array.dtype.kind not in "biuf" or not np.all((array == 0) | (array == 1))):
        raise ValueError(f"{name} must hold only 0 and 1")
    return array.astype(np.int64)


def function(value: object, name: str) -> object:
    """``value`` if it is callable, else ValueError (a log-density, a log joint, ...)."""
    if not callable(value):
        raise ValueError(f"{name} must be a function; got {type(value).__name__}")
    return value


def log_density_values(log_density: object, points: np.ndarray, name: str,
                       shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Evaluate a vectorised log-density at ``points``: right shape, no NaN, no +inf.

    ``shape`` is the shape the values must have (default: that of ``points``); ``-inf``
    (probability 0) is allowed.
    """
    values = np.asarray(function(log_density, name)(points), dtype=np.float64)
    expected = points.shape if shape is None else shape
    if values.shape != expected:
        raise ValueError(f"{name} must be vectorised: for points of shape {points.shape} it "
                         f"must return shape {expected}; got {values.shape}")
    if np.any(np.isnan(values)) or np.any(values == np.inf):
        raise ValueError(f"{name} returned NaN or +inf")
    return values
