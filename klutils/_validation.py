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
