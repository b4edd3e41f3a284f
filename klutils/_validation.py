"""Input checks shared by the divergence functions.

Every public function of :mod:`klutils` funnels its inputs through here, so that bad input always
gets the same clear ``ValueError`` (naming the argument and the problem) and never a wrong number.

Arrays: real numbers only (integers and float16/32/64; not bool, complex, object, datetime or
timedelta, not a masked array with masked entries). ``longdouble`` is refused where it is wider
than float64, because klutils computes in float64 and would round it silently.
Axes: a single integer or None, as numpy's reductions take it; the arguments are broadcast
together first and then reduced along that axis of the broadcast shape.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

#: How far the sum of a float64 (or integer) probability vector may be from 1 (float32 softmax
#: output passes). Narrower floats get a tolerance that fits their precision:
#: :func:`sum_tolerance`.
SUM_TOLERANCE = 1e-6


def log_of_base(base: float | None) -> float:
    """Return ``log(base)``, the divisor that converts nats to ``base`` units (1.0 for nats).

    Raises
    ------
    ValueError
        If ``base`` is not a finite real number greater than 1 (a base below 1 would turn every
        divergence negative).
    """
    if base is None:
        return 1.0
    if isinstance(base, bool | np.bool_) or not isinstance(base, Real | np.floating | np.integer):
        raise ValueError(f"base must be a finite number greater than 1 (2 for bits, None for "
                         f"nats); got {base!r}")
    value = float(base)
    if not math.isfinite(value) or value <= 1:
        raise ValueError(f"base must be a finite number greater than 1 (2 for bits, None for "
                         f"nats); got {base!r}")
    return math.log(value)


def _real_source(x, name: str) -> np.ndarray:
    """``np.asarray(x)`` if it holds real numbers klutils can compute with, else ValueError.

    Refused: bool, complex, object, string, datetime and timedelta dtypes; masked arrays with
    masked entries; ``longdouble`` wider than float64 (it would be rounded silently).
    """
    if isinstance(x, np.ma.MaskedArray):
        if np.ma.is_masked(x):
            raise ValueError(f"{name} is a masked array with masked entries; fill them or drop "
                             f"them first (numpy.ma.filled or .compressed())")
        x = np.ma.getdata(x)
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {array.dtype}")
    if array.dtype.kind == "f" and np.finfo(array.dtype).nmant > np.finfo(np.float64).nmant:
        raise ValueError(f"{name} has dtype {array.dtype}, wider than float64; klutils computes "
                         f"in float64, so convert it explicitly (.astype(np.float64)) if the "
                         f"rounding is acceptable")
    return array


def as_float_array(x, name: str) -> np.ndarray:
    """Convert an array-like of real numbers to a float64 ndarray, or raise ``ValueError``.

    The dtype checks of :func:`real_array`; a 0-d scalar is refused (a distribution has an
    axis); NaN, infinite and negative entries are left to :func:`check_distribution`.
    """
    return np.asarray(_distribution_source(x, name), dtype=np.float64)


def _distribution_source(x, name: str) -> np.ndarray:
    """:func:`_real_source` of at least one dimension."""
    array = _real_source(x, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must be a distribution (at least one dimension); "
                         f"got the scalar {array.item()!r}")
    return array


def sum_tolerance(dtype: np.dtype) -> float:
    """How far from 1 a probability vector of ``dtype`` may sum: 1e-6, or 8 ulps of 1 if wider.

    float16 gets 8 * 2**-10 (about 7.8e-3): its entries alone are rounded to 2**-11 relative.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return max(SUM_TOLERANCE, 8.0 * float(np.finfo(dtype).eps))
    return SUM_TOLERANCE


def check_axis(axis: object, ndim: int, name: str) -> int | None:
    """Return ``axis`` as a non-negative int for an array of ``ndim`` dimensions (or None).

    Raises
    ------
    ValueError
        If ``axis`` is not a single integer (bools, floats and tuples are refused) or is out of
        range for ``name`` with ``ndim`` dimensions.
    """
    if axis is None:
        return None
    if isinstance(axis, bool | np.bool_) or not isinstance(axis, Integral | np.integer):
        raise ValueError(f"axis must be a single integer (or None for the whole array); got "
                         f"{axis!r}: a distribution lies along one axis")
    index = int(axis)
    if not -ndim <= index < ndim:
        raise ValueError(f"axis {index} is out of range for {name} with {ndim} dimension"
                         f"{'s' if ndim != 1 else ''}")
    return index % ndim


def check_keepdims(keepdims: object) -> bool:
    """Return ``keepdims`` if it is a bool, else raise ``ValueError``."""
    if not isinstance(keepdims, bool | np.bool_):
        raise ValueError(f"keepdims must be True or False; got {keepdims!r}")
    return bool(keepdims)


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


def check_distribution(array: np.ndarray, name: str, *,
                       tolerance: float = SUM_TOLERANCE) -> np.ndarray:
    """Check that ``array`` holds probability vectors along its last axis; return their sums.

    The fast path is two reductions: the minimum (NaN propagates, so a NaN or a negative entry
    shows) and the sum (an infinity shows). Only when one of them looks wrong is the array
    searched again to say exactly what is wrong. A batch with no distribution in it is refused.

    Returns
    -------
    numpy.ndarray
        The sums along the last axis (each within ``tolerance`` of 1).
    """
    if array.shape[-1] == 0:
        raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
    if array.size == 0:
        raise ValueError(f"{name} is empty: shape {array.shape}")
    return _checked_sums(array, array, name, tolerance, axis_text="the distribution axis")


def _checked_sums(array: np.ndarray, original: np.ndarray, name: str, tolerance: float,
                  axis_text: str, note: str = "") -> np.ndarray:
    """Sums along the last axis of ``array``; bad entries are reported in ``original``'s indices."""
    smallest = np.min(array, axis=-1)
    sums = np.sum(array, axis=-1)
    if not (np.all(smallest >= 0) and np.all(np.isfinite(sums))):
        problem = _describe_bad_entries(original, name)
        if problem is None:  # finite non-negative entries whose sum overflows
            problem = f"{name} sums to infinity"
        raise ValueError(problem)
    off = np.abs(sums - 1.0) > tolerance
    if np.any(off):
        where = _first_index(off) if off.ndim else ()
        total = sums[where] if off.ndim else float(sums)
        at = f" for the distribution at batch index {where}" if off.ndim else ""
        raise ValueError(f"{name} must sum to 1 along {axis_text} (within {tolerance:g}); "
                         f"sum = {total:.10g}{at}{note}")
    return sums


def broadcast_along_axis(arrays: list[np.ndarray], names: list[str], axis: object
                         ) -> tuple[list[np.ndarray], int | None]:
    """Broadcast ``arrays`` together as numpy does; return them and the checked axis.

    The error for a mismatch along the distribution axis names it; any other mismatch says that
    the shapes do not broadcast.
    """
    joined = " and ".join(names)
    shapes = " and ".join(str(a.shape) for a in arrays)
    ndim = max(a.ndim for a in arrays)
    index = check_axis(axis, ndim, joined)
    for a, name in zip(arrays, names, strict=True):
        if (a.size == 0 if index is None else
                a.ndim >= ndim - index and a.shape[index - ndim] == 0):
            raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
    if index is not None:
        lengths = {a.shape[index - ndim] for a in arrays if a.ndim >= ndim - index}
        if len(lengths - {1}) > 1:
            shown = axis if isinstance(axis, Integral | np.integer) else index
            raise ValueError(f"{joined} must have the same number of outcomes along axis "
                             f"{shown}; got shapes {shapes}")
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise ValueError(f"the shapes of {joined} do not broadcast; got shapes {shapes}") from None
    return [a if a.shape == shape else np.broadcast_to(a, shape) for a in arrays], index


def distribution_views(arrays: list[np.ndarray], index: int | None) -> list[np.ndarray]:
    """The broadcast ``arrays`` with the distribution axis last (flattened for ``index=None``)."""
    if index is None:
        return [a.reshape(-1) for a in arrays]
    if index == arrays[0].ndim - 1:
        return list(arrays)
    return [np.moveaxis(a, index, -1) for a in arrays]


def distributions(*named: tuple[object, str], axis: object
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate probability vectors, broadcast them together, and move ``axis`` last.

    Parameters
    ----------
    *named
        Pairs ``(array_like, name)``; ``name`` is used in error messages.
    axis
        The axis of the broadcast shape along which each distribution lies (an int), or None
        for the whole (broadcast) array as one distribution.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        For each input, the float64 array of the broadcast shape with the distribution axis
        last, and the sums along it (batch shape), each within :func:`sum_tolerance` of its
        input's dtype of 1. A batch with no distribution in it is allowed (empty arrays); a
        distribution with no outcome is not.
    """
    sources = [_distribution_source(value, name) for value, name in named]
    arrays = [np.asarray(source, dtype=np.float64) for source in sources]
    names = [name for _, name in named]
    broadcast, index = broadcast_along_axis(arrays, names, axis)
    views = distribution_views(broadcast, index)
    if views[0].shape[-1] == 0:
        raise ValueError(f"{names[0]} is empty: a distribution needs at least one outcome")
    batch = views[0].shape[:-1]
    axis_text = "the whole array" if index is None else f"axis {axis}"
    result = []
    for source, array, view, name in zip(sources, arrays, views, names, strict=True):
        if view.size == 0:
            result.append((view, np.zeros(batch)))
            continue
        compact = _compact_view(array, view, index)
        note = ""
        if array.shape != broadcast[0].shape:
            note = (f" ({name} of shape {array.shape} was first broadcast to "
                    f"{broadcast[0].shape}, as numpy does)")
        sums = _checked_sums(compact, array, name, sum_tolerance(source.dtype), axis_text, note)
        result.append((view, np.broadcast_to(sums, batch)))
    return result


def _compact_view(array: np.ndarray, view: np.ndarray, index: int | None) -> np.ndarray:
    """The smallest array whose rows are the distributions in ``view`` (no broadcast copies).

    For an input that was broadcast only in its batch dimensions, its own rows; else the view.
    """
    if index is None or array.shape == view.shape:
        return view
    ndim = view.ndim
    padded = array.reshape((1,) * (ndim - array.ndim) + array.shape)
    if padded.shape[index] != view.shape[-1]:
        return view  # stretched along the distribution axis itself
    return np.moveaxis(padded, index, -1)


def move_axis_last(array: np.ndarray, axis: int, name: str) -> np.ndarray:
    """Move ``axis`` of ``array`` to the end, with a clear error when it does not exist."""
    index = check_axis(axis, array.ndim, name)
    return np.moveaxis(array, index, -1)


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


def reduced_shape(values: np.ndarray, full_ndim: int, index: int | None,
                  keepdims: bool) -> np.ndarray:
    """Give batch-shaped ``values`` the reduced axis back (length 1) when ``keepdims``."""
    if not keepdims:
        return values
    if index is None:
        return np.reshape(values, (1,) * full_ndim)
    return np.expand_dims(values, index)


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
    array = _real_source(value, name)  # no bool, complex, datetime, masked or longdouble
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
