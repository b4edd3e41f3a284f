"""The checks a chapter's check cells run: one readable line per exercise, never a traceback.

A check cell of a chapter (tagged ``public-check`` or ``hidden-check``, see
:mod:`klutils.homework.grader.markup`) opens :func:`exercise` as a context manager and calls its
methods on the learner's answer. The first method that finds a problem ends the check; whatever
happens inside the ``with`` block (a wrong value, a ``...`` left in place, a ``NameError``, an
exception raised by the learner's function) becomes a single line such as
``✘ ch01-ex1: not answered yet ...``, and the cell itself does not raise, so the cells after it
still run. No message shows the expected answer. Every outcome is printed and appended to
:data:`RESULTS`.

The same code runs in two places: in the learner's notebook (the public checks, for feedback), and
in the grader's own process (:mod:`klutils.homework.grader.driver`), where the answers are plain
data taken out of the learner's sandboxed kernel and a learner's function is a stand-in that calls
it there. Nothing here depends on which.

Examples
--------
>>> with exercise("demo-ex1") as ex:
...     ex.number(0.737, 0.737, name="kl_coin")
✔ demo-ex1: passed
>>> with exercise("demo-ex1") as ex:
...     ex.number(..., 0.737, name="kl_coin")
✘ demo-ex1: not answered yet: `kl_coin` is still `...`; put your answer in its place, run that cell, then this check
>>> with exercise("demo-ex2") as ex:
...     ex.choice("c", ["a", "b", "c"], "a", name="answer", message="think about which terms are infinite")
✘ demo-ex2: `answer` = 'c' is not the right choice: think about which terms are infinite
>>> RESULTS[-1].passed
False
"""  # noqa: E501

from __future__ import annotations

import copy
import math
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["RESULTS", "CheckResult", "Exercise", "exercise"]

#: Longest message shown, in characters (messages are one line).
MAX_MESSAGE = 300


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one ``with exercise(...)`` block.

    Attributes
    ----------
    exercise : str
        The exercise label, e.g. ``"ch01-ex1"``.
    passed : bool
        Whether every check in the block passed.
    answered : bool
        False when the answer is still the ``...`` stub (or a stub function returned ``None``).
    message : str
        One readable line; empty when the check passed.

    Examples
    --------
    >>> CheckResult("ch01-ex1", True, True, "").line()
    '✔ ch01-ex1: passed'
    """

    exercise: str
    passed: bool
    answered: bool
    message: str

    def line(self) -> str:
        """Return the line shown to the learner."""
        if self.passed:
            return f"✔ {self.exercise}: passed"
        return f"✘ {self.exercise}: {self.message}"


#: Every check outcome of this Python process, oldest first.
RESULTS: list[CheckResult] = []


class _CheckFailed(Exception):
    """Ends a check block with a readable message (caught by :class:`Exercise`)."""

    def __init__(self, message: str, *, answered: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.answered = answered


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _short(value: Any, width: int = 60) -> str:
    """A short one-line repr of a test input or a returned value."""
    if isinstance(value, np.ndarray) or (
        isinstance(value, list | tuple) and value and all(isinstance(v, Real) for v in value)
    ):
        try:
            text = np.array2string(np.asarray(value, dtype=float), precision=4, threshold=8,
                                   separator=", ")
        except (TypeError, ValueError):
            text = repr(value)
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _as_real(value: Any, name: str) -> float:
    """``value`` as a float, or a failure saying it is not a single real number."""
    if isinstance(value, bool | np.bool_ | str | bytes | complex | np.complexfloating):
        raise _CheckFailed(f"`{name}` should be a single real number, "
                           f"not a {type(value).__name__}")
    if isinstance(value, Real | np.integer | np.floating):
        return float(value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _CheckFailed(f"`{name}` should be a single real number, "
                           f"not a {type(value).__name__}") from None
    if array.size != 1:
        raise _CheckFailed(f"`{name}` should be a single number, but it holds {array.size} "
                           f"values (shape {array.shape})")
    return float(array.reshape(()))


def _same(got: Any, want: Any, rtol: float, atol: float) -> bool:
    """Whether a returned value matches the expected one (numbers and arrays within tolerance)."""
    try:
        if isinstance(want, str) or isinstance(got, str):
            return isinstance(got, str) and isinstance(want, str) and got == want
        if isinstance(want, bool | np.bool_):
            return isinstance(got, bool | np.bool_) and bool(got) == bool(want)
        want_array = np.asarray(want)
        if want_array.dtype.kind in "iuf":
            got_array = np.asarray(got, dtype=float)
            return got_array.shape == want_array.shape and bool(
                np.allclose(got_array, want_array.astype(float), rtol=rtol, atol=atol,
                            equal_nan=True))
        return bool(np.all(got == want))
    except Exception:  # any failure to compare means "not the same"
        return False


def _report(result: CheckResult) -> None:
    """Record ``result`` and print its line."""
    RESULTS.append(result)
    print(result.line())


class Exercise:
    """Context manager that checks one exercise and reports the outcome as one line.

    Use it through :func:`exercise`. Inside the ``with`` block, call the check methods; the first
    one that fails ends the block. Any ``Exception`` raised inside the block (for example by the
    learner's function) is reported instead of propagated. ``KeyboardInterrupt`` and
    ``SystemExit`` are not caught.

    Parameters
    ----------
    label : str
        The exercise label used by the chapter, e.g. ``"ch01-ex1"``.

    Examples
    --------
    >>> with Exercise("demo-ex3") as ex:
    ...     ex.expect(1 + 1 == 3, "one plus one is not three")
    ✘ demo-ex3: one plus one is not three
    """

    def __init__(self, label: str) -> None:
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"label must be a non-empty string such as 'ch01-ex1'; got {label!r}")
        self.label = label.strip()
        self.result: CheckResult | None = None

    def __enter__(self) -> Exercise:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: types.TracebackType | None) -> bool:
        if exc_type is not None and not issubclass(exc_type, Exception):
            return False  # KeyboardInterrupt, SystemExit: not ours to swallow
        if exc is None:
            result = CheckResult(self.label, True, True, "")
        elif isinstance(exc, _CheckFailed):
            result = CheckResult(self.label, False, exc.answered, _one_line(exc.message))
        elif isinstance(exc, NameError):
            name = getattr(exc, "name", None) or str(exc)
            result = CheckResult(self.label, False, False, _one_line(
                f"`{name}` is not defined: not answered yet, or the cell with your answer has "
                f"not been run"))
        else:
            result = CheckResult(self.label, False, True, _one_line(
                f"checking your answer raised {type(exc).__name__}: {exc}"))
        self.result = result
        _report(result)
        return True

    def fail(self, message: str) -> None:
        """End the check with ``message``."""
        raise _CheckFailed(message)

    def answered(self, value: Any, name: str = "your answer") -> None:
        """Fail with "not answered yet" when ``value`` is still the ``...`` stub.

        Examples
        --------
        >>> with exercise("demo-ex4") as ex:
        ...     ex.answered(..., "q_model")
        ✘ demo-ex4: not answered yet: `q_model` is still `...`; put your answer in its place, run that cell, then this check
        """  # noqa: E501
        if value is Ellipsis:
            raise _CheckFailed(
                f"not answered yet: `{name}` is still `...`; put your answer in its place, run "
                f"that cell, then this check", answered=False)

    def expect(self, condition: Any, message: str) -> None:
        """Fail with ``message`` unless ``condition`` is true."""
        if not bool(condition):
            raise _CheckFailed(message)

    def number(self, value: Any, expected: float | None = None, *, name: str = "your answer",
               rtol: float = 1e-6, atol: float = 0.0, finite: bool = True,
               message: str | None = None) -> None:
        """Check that ``value`` is a single real number, and equals ``expected`` if given.

        Parameters
        ----------
        value : object
            The learner's answer.
        expected : float, optional
            The right value (only in hidden checks: a public check must not show it). Without
            it, only the form of the answer is checked.
        name : str
            The variable's name, used in messages.
        rtol, atol : float
            Relative and absolute tolerance of the comparison.
        finite : bool
            Whether the answer must be finite.
        message : str, optional
            Shown when the value is wrong (a hint, never the answer).

        Examples
        --------
        >>> with exercise("demo-ex5") as ex:
        ...     ex.number([0.1, 0.2], name="kl_bits")
        ✘ demo-ex5: `kl_bits` should be a single number, but it holds 2 values (shape (2,))
        """
        self.answered(value, name)
        x = _as_real(value, name)
        if finite and not math.isfinite(x):
            raise _CheckFailed(f"`{name}` is {x}, but the answer is a finite number")
        if expected is None:
            return
        want = float(expected)
        if math.isinf(want) or math.isnan(want):
            close = x == want or (math.isnan(want) and math.isnan(x))
        else:
            close = abs(x - want) <= atol + rtol * abs(want)
        if not close:
            raise _CheckFailed(f"`{name}` is not the right value"
                               + (f": {message}" if message else ""))

    def integer(self, value: Any, expected: int | None = None, *, name: str = "your answer",
                minimum: int | None = None, message: str | None = None) -> None:
        """Check that ``value`` is a whole number (a count), and equals ``expected`` if given.

        An ``int`` or numpy integer counts, and so does a float with no fractional part (such
        as ``279.0``, from a formula); ``True``/``False``, ``"279"`` or ``279.5`` do not.

        Parameters
        ----------
        value : object
            The learner's answer.
        expected : int, optional
            The right count (only in hidden checks). Compared exactly.
        name : str
            The variable's name, used in messages.
        minimum : int, optional
            The smallest count that makes sense (e.g. ``1`` for a number of flips).
        message : str, optional
            Shown when the value is wrong (a hint, never the answer).

        Examples
        --------
        >>> with exercise("demo-ex9") as ex:
        ...     ex.integer(279.0, 279, name="flips")
        ✔ demo-ex9: passed
        >>> with exercise("demo-ex9") as ex:
        ...     ex.integer(278.6, name="flips")
        ✘ demo-ex9: `flips` should be a whole number; it is 278.6
        """
        self.answered(value, name)
        x = _as_real(value, name)
        if not math.isfinite(x) or x != math.floor(x):
            raise _CheckFailed(f"`{name}` should be a whole number; it is {_short(value, 30)}")
        count = int(x)
        if minimum is not None and count < minimum:
            raise _CheckFailed(f"`{name}` should be at least {minimum}; it is {count}")
        if expected is not None and count != int(expected):
            raise _CheckFailed(f"`{name}` is not the right count"
                               + (f": {message}" if message else ""))

    def choice(self, value: Any, options: Sequence[str], expected: str | None = None, *,
               name: str = "your answer", message: str | None = None) -> None:
        """Check a multiple-choice answer: one of ``options``, and ``expected`` if given.

        Letters are compared without case, surrounding spaces, brackets or a full stop, so
        ``"(B)"`` counts as ``"b"``.

        Examples
        --------
        >>> with exercise("demo-ex6") as ex:
        ...     ex.choice("e", ["a", "b", "c"], name="which")
        ✘ demo-ex6: `which` should be one of 'a', 'b', 'c'; it is 'e'
        >>> with exercise("demo-ex6") as ex:
        ...     ex.choice(" (B)", ["a", "b", "c"], "b", name="which")
        ✔ demo-ex6: passed
        """
        self.answered(value, name)
        allowed = [str(option).strip().lower() for option in options]
        listed = ", ".join(repr(option) for option in allowed)
        if not isinstance(value, str):
            raise _CheckFailed(f"`{name}` should be one of the strings {listed}; "
                               f"it is a {type(value).__name__}")
        given = value.strip().strip("().").strip().lower()
        if given not in allowed:
            raise _CheckFailed(f"`{name}` should be one of {listed}; it is {value!r}")
        if expected is not None and given != str(expected).strip().lower():
            raise _CheckFailed(f"`{name}` = {value!r} is not the right choice"
                               + (f": {message}" if message else ""))

    def function(self, func: Any, cases: Sequence[tuple], expected: Sequence[Any] | None = None,
                 *, reference: Callable[..., Any] | None = None, name: str = "your function",
                 rtol: float = 1e-9, atol: float = 0.0, message: str | None = None,
                 show_input: bool = True) -> None:
        """Call the learner's function on ``cases`` and compare with the right results.

        Parameters
        ----------
        func : callable
            The learner's function.
        cases : sequence of tuple
            Positional arguments of each call, e.g. ``[(p, q, labels), ...]``. Each call gets
            deep copies, so a function that changes its inputs cannot change the reference.
        expected : sequence, optional
            The right result of each case.
        reference : callable, optional
            Computes the right result from the same arguments (exactly one of ``expected`` and
            ``reference`` is given).
        name : str
            The function's name, used in messages.
        rtol, atol : float
            Tolerances for numeric results (arrays compared element by element; strings and
            other objects with ``==``).
        message : str, optional
            A hint shown when a result is wrong.
        show_input : bool
            Whether the message shows the input and the returned value (never the expected one).

        Examples
        --------
        >>> def double(x):
        ...     return x + x
        >>> with exercise("demo-ex7") as ex:
        ...     ex.function(double, [(1,), (2.5,)], reference=lambda x: 2 * x, name="double")
        ✔ demo-ex7: passed
        >>> def stub(x):
        ...     ...
        >>> with exercise("demo-ex7") as ex:
        ...     ex.function(stub, [(1,)], [2], name="double")
        ✘ demo-ex7: not answered yet: `double` returned None (write its body, or a `return` is missing)
        """  # noqa: E501
        if (expected is None) == (reference is None):
            raise ValueError("give exactly one of expected and reference")
        self.answered(func, name)
        if not callable(func):
            raise _CheckFailed(f"`{name}` should be a function; it is a {type(func).__name__}")
        cases = list(cases)
        if expected is not None and len(expected) != len(cases):
            raise ValueError("expected must have one result per case")
        for i, args in enumerate(cases):
            where = f"test input {i + 1} of {len(cases)}"
            call = f"{name}({', '.join(_short(arg, 40) for arg in args)})"
            try:
                got = func(*copy.deepcopy(tuple(args)))
            except Exception as exc:  # reported, not raised
                shown = f": {call}" if show_input else ""
                raise _CheckFailed(f"`{name}` raised {type(exc).__name__}: {exc} on {where}"
                                   f"{shown}") from None
            if i == 0 and got is Ellipsis:
                raise _CheckFailed(f"not answered yet: `{name}` still returns `...`; write its "
                                   "body", answered=False)
            if i == 0 and got is None:
                raise _CheckFailed(f"not answered yet: `{name}` returned None (write its body, "
                                   "or a `return` is missing)", answered=False)
            want = expected[i] if expected is not None else reference(*copy.deepcopy(tuple(args)))
            if not _same(got, want, rtol, atol):
                shown = f": {call} returned {_short(got, 40)}" if show_input else ""
                hint = f" ({message})" if message else ""
                raise _CheckFailed(f"`{name}` gives a wrong result on {where}{shown}{hint}")


def exercise(label: str) -> Exercise:
    """Start checking the exercise ``label``; use as ``with exercise("ch01-ex1") as ex: ...``.

    Examples
    --------
    >>> kl_coin = 0.7370
    >>> with exercise("demo-ex8") as ex:
    ...     ex.number(kl_coin, name="kl_coin")
    ...     ex.expect(kl_coin > 0, "a KL divergence between two different coins is positive")
    ✔ demo-ex8: passed
    """
    return Exercise(label)
