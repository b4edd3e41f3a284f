"""Answers as data: the one encoding between the learner's kernel and the grader.

The grader never unpickles, and never evaluates, anything that comes out of a learner's kernel.
What crosses is JSON in the small vocabulary below, and :func:`decode` builds from it only
builtin values and numeric or text numpy arrays, with bounded size:

==================  ========================================================================
Python value        JSON
==================  ========================================================================
None, bool, str     themselves (a ``str`` subclass crosses as a plain ``str``)
int, float          themselves (NaN and infinities as Python's ``json`` writes them);
                    an int of more than 18 digits as ``{"$": "int", "v": "<digits>"}``
list                a JSON list
tuple, dict         ``{"$": "tuple", "v": [...]}``, ``{"$": "dict", "v": [[key, value], ...]}``
``...``             ``{"$": "ellipsis"}``
complex             ``{"$": "complex", "re": x, "im": y}``
numpy array         ``{"$": "ndarray", "dtype": "<f8", "shape": [2, 3], "data": base64}``
                    (dtype kinds b, i, u, f, c, U, S only: never object arrays)
numpy scalar        ``{"$": "scalar", "dtype": "<i8", "data": base64}``
numpy Generator     ``{"$": "rng", "state": <bit generator state>}`` (hidden inputs may be
                    random generators)
a function          ``{"$": "function", "id": n, "name": "f"}``: a handle the grader calls
                    through the kernel (see :func:`call`)
anything else       ``{"$": "object", "type": "Series", "float": x}`` (its type name, and its
                    value as a float when ``float()`` accepts it)
a missing name      ``{"$": "undefined"}``
==================  ========================================================================

This file imports only the standard library and numpy: the sandbox gets a copy of it, and the
learner's kernel imports it to take its answers out (:func:`snapshot`) and to call its
functions on the grader's inputs (:func:`call`). That copy is the learner's to tamper with;
what it can change is only what the learner's own answers look like.

Examples
--------
>>> import numpy as np
>>> text = dumps([1.5, ("a", None), np.arange(3)])
>>> loads(text)
[1.5, ('a', None), array([0, 1, 2])]
>>> loads(dumps(np.float32(0.5))).dtype
dtype('float32')
"""

from __future__ import annotations

import base64
import json
import math
import numbers
import os
import re
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "MAX_DEPTH",
    "MAX_TEXT",
    "UNDEFINED",
    "Opaque",
    "WireError",
    "call",
    "decode",
    "dumps",
    "encode",
    "listdir",
    "loads",
    "parse",
    "snapshot",
]

#: Longest JSON text accepted from a kernel, in characters (about 48 MB of array data).
MAX_TEXT = 64 * 2**20
#: Deepest nesting of lists, tuples and dicts encoded or accepted.
MAX_DEPTH = 32
#: Array dtype kinds that cross: booleans, integers, floats, complex, text, bytes.
ARRAY_KINDS = "biufcUS"
#: Bit generators a random Generator may use.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")


class WireError(ValueError):
    """The data is not in the vocabulary above, or is too large."""


class _Undefined:
    """The value of a name the notebook did not define."""

    def __repr__(self) -> str:
        return "UNDEFINED"


#: What :func:`decode` returns for ``{"$": "undefined"}``.
UNDEFINED = _Undefined()


class Opaque:
    """Stands for a learner's object of a type that does not cross (only its type name does).

    Its class is named after the learner's type, so a check's message reads "not a Series".
    ``float()`` of it works when the kernel could take ``float()`` of the original.

    Examples
    --------
    >>> value = loads('{"$": "object", "type": "Fraction", "float": 0.5}')
    >>> type(value).__name__, float(value)
    ('Fraction', 0.5)
    """

    def __init__(self, number: float | None = None) -> None:
        self._number = number

    def __float__(self) -> float:
        if self._number is None:
            raise TypeError(f"a {type(self).__name__} from the notebook is not a number")
        return self._number

    def __repr__(self) -> str:
        return f"<a {type(self).__name__} from the notebook>"


_OPAQUE: dict[str, type] = {}


def _opaque_type(name: Any) -> type:
    name = name if isinstance(name, str) and _TYPE_NAME.fullmatch(name) else "object"
    if name not in _OPAQUE:
        _OPAQUE[name] = type(name, (Opaque,), {"__module__": "notebook"})
    return _OPAQUE[name]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(value: Any, register: Callable[[Any], int] | None = None, depth: int = 0) -> Any:
    """``value`` as JSON-ready data (see the module docstring).

    Parameters
    ----------
    value : object
        What to encode.
    register : callable, optional
        Gives a function a handle (``register(f) -> int``); without it a function is encoded as
        an opaque object.
    depth : int
        Nesting level reached so far (deeper containers become opaque objects).

    Examples
    --------
    >>> encode((1, [2.0, "x"], ...))
    {'$': 'tuple', 'v': [1, [2.0, 'x'], {'$': 'ellipsis'}]}
    """
    kind = type(value)
    if value is None or kind is bool or kind is float:
        return value
    if kind is int:
        return value if abs(value) < 10**18 else _big_int(value)
    if isinstance(value, str):
        return str.__str__(value)  # a subclass crosses as a plain str
    if value is Ellipsis:
        return {"$": "ellipsis"}
    if depth >= MAX_DEPTH:
        return {"$": "object", "type": kind.__name__}
    if kind is list:
        return [encode(item, register, depth + 1) for item in value]
    if kind is tuple:
        return {"$": "tuple", "v": [encode(item, register, depth + 1) for item in value]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(key, register, depth + 1),
                                    encode(item, register, depth + 1)]
                                   for key, item in value.items()]}
    if kind is complex:
        return {"$": "complex", "re": value.real, "im": value.imag}
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind in ARRAY_KINDS and array.dtype.fields is None:
            return {"$": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                    "data": _b64(np.ascontiguousarray(array).tobytes())}
        return {"$": "object", "type": "ndarray"}
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        return {"$": "scalar", "dtype": value.dtype.str, "data": _b64(value.tobytes())}
    if isinstance(value, np.random.Generator):
        return {"$": "rng", "state": value.bit_generator.state}
    if isinstance(value, bool | int):  # subclasses of int (not bool itself)
        return encode(int(value), register, depth)
    if isinstance(value, float):
        return float.__float__(value)
    if callable(value) and register is not None and not isinstance(value, type):
        name = getattr(value, "__name__", None)
        return {"$": "function", "id": register(value),
                "name": name[:100] if isinstance(name, str) else kind.__name__}
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        number = float(value)
    except Exception:  # noqa: BLE001 - any object may refuse
        number = None
    return {"$": "object", "type": kind.__name__[:80], "float": number}


def _big_int(value: int) -> Any:
    try:
        return {"$": "int", "v": str(value)}
    except ValueError:  # more digits than Python converts
        return {"$": "object", "type": "int"}


def decode(data: Any, proxy: Callable[[int, str], Any] | None = None, depth: int = 0) -> Any:
    """Build the value that :func:`encode` encoded, from trusted types only.

    Parameters
    ----------
    data : object
        Parsed JSON.
    proxy : callable, optional
        Makes a callable stand-in from a function's handle and name; without it a function
        becomes an :class:`Opaque` named ``function``.
    depth : int
        Nesting level reached so far.

    Raises
    ------
    WireError
        If the data is not in the vocabulary or nests deeper than :data:`MAX_DEPTH`.

    Examples
    --------
    >>> decode({"$": "ndarray", "dtype": "<i8", "shape": [2], "data": "AQAAAAAAAAACAAAAAAAAAA=="})
    array([1, 2])
    >>> decode({"$": "code", "v": "__import__('os')"})
    Traceback (most recent call last):
    ...
    klutils.homework.grader.wire.WireError: unknown tag 'code'
    """
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if depth >= MAX_DEPTH:
        raise WireError("the answer nests too deeply")
    if kind is list:
        return [decode(item, proxy, depth + 1) for item in data]
    if kind is not dict:
        raise WireError(f"unexpected JSON value of type {kind.__name__}")
    tag = data.get("$")
    if tag == "tuple":
        return tuple(decode(item, proxy, depth + 1) for item in _list(data.get("v")))
    if tag == "dict":
        pairs = [_list(pair) for pair in _list(data.get("v"))]
        if any(len(pair) != 2 for pair in pairs):
            raise WireError("a dict is a list of [key, value] pairs")
        try:
            return {decode(key, proxy, depth + 1): decode(value, proxy, depth + 1)
                    for key, value in pairs}
        except TypeError as error:  # an unhashable key
            raise WireError(f"a dict key is not hashable: {error}") from None
    if tag == "ellipsis":
        return Ellipsis
    if tag == "undefined":
        return UNDEFINED
    if tag == "int":
        digits = data.get("v")
        if not isinstance(digits, str) or not re.fullmatch(r"-?[0-9]{1,4000}", digits):
            raise WireError("a big int is a string of at most 4000 digits")
        return int(digits)
    if tag == "complex":
        real, imag = data.get("re"), data.get("im")
        if not all(type(part) in (int, float) for part in (real, imag)):
            raise WireError("a complex number has a real and an imaginary part")
        return complex(real, imag)
    if tag in ("ndarray", "scalar"):
        return _decode_array(data, scalar=tag == "scalar")
    if tag == "rng":
        return _decode_rng(data.get("state"))
    if tag == "function":
        handle, name = data.get("id"), data.get("name")
        if type(handle) is not int or not isinstance(name, str):
            raise WireError("a function has an integer id and a name")
        return proxy(handle, name[:100]) if proxy is not None else _opaque_type("function")()
    if tag == "object":
        number = data.get("float")
        number = float(number) if type(number) in (int, float) else None
        return _opaque_type(data.get("type"))(number)
    raise WireError(f"unknown tag {tag!r}")


def _list(value: Any) -> list:
    if type(value) is not list:
        raise WireError("expected a list")
    return value


def _decode_array(data: dict, *, scalar: bool) -> Any:
    try:
        dtype = np.dtype(data.get("dtype"))
    except (TypeError, ValueError):
        raise WireError(f"not an array dtype: {data.get('dtype')!r}") from None
    if (dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None
            or dtype.itemsize == 0):
        raise WireError(f"arrays of dtype {dtype} do not cross")
    shape = [] if scalar else data.get("shape")
    if (type(shape) is not list or len(shape) > MAX_DEPTH
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise WireError("an array's shape is a list of sizes")
    text = data.get("data")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise WireError("an array's data is a base64 string")
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise WireError("an array's data is not valid base64") from None
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("an array's data does not match its shape and dtype")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return array[()] if scalar else array


def _decode_rng(state: Any) -> np.random.Generator:
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        raise WireError("a random generator needs the state of a known bit generator")
    generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise WireError(f"not a valid generator state: {error}") from None
    return generator


def dumps(value: Any, register: Callable[[Any], int] | None = None) -> str:
    """:func:`encode` then JSON text."""
    return json.dumps(encode(value, register), separators=(",", ":"))


def parse(text: Any) -> Any:
    """JSON text of at most :data:`MAX_TEXT` characters, parsed (not yet decoded).

    Raises
    ------
    WireError
        If the text is not a string, too long or not JSON.
    """
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise WireError("the answer is too large to grade")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not valid JSON: {error}") from None


def loads(text: str, proxy: Callable[[int, str], Any] | None = None) -> Any:
    """:func:`parse` then :func:`decode`.

    Raises
    ------
    WireError
        If the text is too long, not JSON, or not in the vocabulary.
    """
    return decode(parse(text), proxy)


# ----------------------------------------------------------------------------- kernel side
# These run inside the learner's kernel, called by the grader through IPython's
# user_expressions; each returns JSON text.

_FUNCTIONS: list[Any] = []


def _register(function: Any) -> int:
    _FUNCTIONS.append(function)
    return len(_FUNCTIONS) - 1


def _namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def snapshot(names: list[str]) -> str:
    """The values of ``names`` in the notebook's namespace, as JSON (functions get handles)."""
    namespace = _namespace()
    out = {}
    for name in names:
        if name in namespace:
            out[name] = encode(namespace[name], _register)
        else:
            out[name] = {"$": "undefined"}
    return json.dumps(out, separators=(",", ":"))


def _text(value: Any, width: int = 300) -> str:
    try:
        return str(value)[:width]
    except Exception:  # noqa: BLE001 - a learner's __str__ may fail
        return "(no message)"


def call(handle: int, arguments: str) -> str:
    """Call the function with this handle on the JSON-encoded arguments; JSON of the outcome:
    ``{"returned": value}`` or ``{"raised": {"type": name, "message": text}}``."""
    function = _FUNCTIONS[handle]
    args = decode(json.loads(arguments))
    try:
        result = function(*args)
    except BaseException as error:  # noqa: BLE001 - reported to the grader, as data
        return json.dumps({"raised": {"type": type(error).__name__[:80],
                                      "message": _text(error)}})
    return json.dumps({"returned": encode(result, _register)}, separators=(",", ":"))


def listdir() -> str:
    """The names in the notebook's working folder, as JSON."""
    return json.dumps(sorted(os.listdir(".")))
