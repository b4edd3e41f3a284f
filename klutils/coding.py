r"""Prefix codes: Huffman codes, encoding and decoding bit strings, letter frequencies.

A *prefix code* gives each symbol a codeword, a string of ``"0"`` and ``"1"``, such that no
codeword is the beginning of another; a stream of codewords can then be read back without
separators. The Huffman code built from a distribution P has the smallest average length
:math:`L = \sum_i p_i \ell_i` (bits per symbol) of all prefix codes, and
:math:`H(P) \le L < H(P) + 1` with :math:`H(P)` the entropy in bits. Chapter 4 uses these
functions to *measure* what coding with a code built for the wrong distribution Q costs.

Codes are plain dictionaries ``{symbol: codeword}``; :func:`huffman_code` returns the symbols in
the order they were given, so the probabilities and the code stay aligned.

Examples
--------
>>> code = huffman_code([0.5, 0.25, 0.125, 0.125], symbols="abcd")
>>> code
{'a': '0', 'b': '10', 'c': '110', 'd': '111'}
>>> bits = encode("abad", code)
>>> bits
'0100111'
>>> "".join(decode(bits, code))
'abad'
>>> average_code_length([0.5, 0.25, 0.125, 0.125], code)
1.75
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import integer, real_number, single_distribution

__all__ = [
    "average_code_length",
    "code_lengths",
    "decode",
    "encode",
    "huffman_code",
    "is_prefix_free",
    "kraft_sum",
    "letter_frequencies",
]


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _symbol_list(symbols: Iterable[Hashable] | None, n: int, name: str = "symbols") -> list:
    """The symbols as a list of ``n`` distinct hashable values (default ``0, 1, ..., n - 1``)."""
    if symbols is None:
        return list(range(n))
    values = list(symbols)
    if len(values) != n:
        raise ValueError(f"{name} must name every outcome: got {len(values)} symbols for "
                         f"{n} probabilities")
    try:
        distinct = len(set(values))
    except TypeError:
        raise ValueError(f"{name} must be hashable (usable as dictionary keys)") from None
    if distinct != n:
        duplicate = next(s for s, count in Counter(values).items() if count > 1)
        raise ValueError(f"{name} must be distinct; {duplicate!r} appears more than once")
    return values


def _checked_code(code: Mapping[Hashable, str]) -> dict:
    """Check that ``code`` is a non-empty prefix code of ``"0"``/``"1"`` strings; return a dict."""
    if not isinstance(code, Mapping):
        raise ValueError(f"code must be a mapping {{symbol: codeword}}; got {type(code).__name__}")
    if not code:
        raise ValueError("code is empty: it must give at least one symbol a codeword")
    for symbol, word in code.items():
        if not isinstance(word, str) or not word or set(word) - {"0", "1"}:
            raise ValueError(f"the codeword of {symbol!r} must be a non-empty string of 0s and "
                             f"1s; got {word!r}")
    clash = _prefix_clash(code)
    if clash is not None:
        raise ValueError(f"code is not prefix-free: the codeword {clash[0]!r} is a prefix of "
                         f"{clash[1]!r}")
    return dict(code)


def _prefix_clash(code: Mapping[Hashable, str]) -> tuple[str, str] | None:
    """Two codewords of which the first is a prefix of the second, or None.

    After sorting, a codeword that is a prefix of others is immediately followed by one of them.
    """
    words = sorted(code.values())
    for first, second in itertools.pairwise(words):
        if second.startswith(first):
            return first, second
    return None


# ---------------------------------------------------------------------------------------------
# Building codes
# ---------------------------------------------------------------------------------------------


def huffman_code(p: ArrayLike, symbols: Iterable[Hashable] | None = None) -> dict:
    """The binary Huffman code of a distribution: a prefix code of minimal average length.

    The two least probable nodes are merged again and again (with :mod:`heapq`) until one tree
    is left; the codeword of a symbol is its path from the root, ``"0"`` for the first of the
    two merged nodes and ``"1"`` for the second. Ties between equal probabilities are broken by
    age: symbols in the order given come first, then merged nodes in the order they were made.
    The result is therefore the same on every run and every platform.

    Parameters
    ----------
    p : array_like
        The probabilities of the symbols (1-D, non-negative, summing to 1 within 1e-6). Symbols
        of probability 0 get (long) codewords too, so that every symbol can be encoded.
    symbols : iterable of hashable, optional
        Names of the symbols, one per probability, all distinct (default: 0, 1, 2, ...).

    Returns
    -------
    dict
        ``{symbol: codeword}`` in the order of ``symbols``; codewords are strings of ``"0"``
        and ``"1"``. A single symbol gets the codeword ``"0"`` (one bit).

    Raises
    ------
    ValueError
        If ``p`` is empty, not 1-D, has a negative or NaN entry or does not sum to 1, or if
        ``symbols`` does not give one distinct hashable name per probability.

    Examples
    --------
    >>> huffman_code([0.4, 0.3, 0.2, 0.1], symbols=["sun", "cloud", "rain", "snow"])
    {'sun': '0', 'cloud': '10', 'rain': '111', 'snow': '110'}
    >>> huffman_code([0.25, 0.25, 0.25, 0.25])
    {0: '00', 1: '01', 2: '10', 3: '11'}
    """
    probabilities = single_distribution(p, "p")
    names = _symbol_list(symbols, len(probabilities))
    if len(names) == 1:
        return {names[0]: "0"}
    # A node is a leaf index (int) or a pair of nodes; the counter breaks ties by age and
    # keeps heapq from ever comparing two nodes.
    counter = itertools.count()
    heap: list[tuple[float, int, object]] = [(float(weight), next(counter), index)
                                            for index, weight in enumerate(probabilities)]
    heapq.heapify(heap)
    while len(heap) > 1:
        weight_0, _, node_0 = heapq.heappop(heap)
        weight_1, _, node_1 = heapq.heappop(heap)
        heapq.heappush(heap, (weight_0 + weight_1, next(counter), (node_0, node_1)))
    words = [""] * len(names)
    stack = [(heap[0][2], "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, tuple):
            stack.append((node[0], prefix + "0"))
            stack.append((node[1], prefix + "1"))
        else:
            words[node] = prefix
    return dict(zip(names, words, strict=True))


def code_lengths(code: Mapping[Hashable, str]) -> dict:
    """The length in bits of every codeword.

    Parameters
    ----------
    code : mapping
        A prefix code ``{symbol: codeword}``.

    Returns
    -------
    dict
        ``{symbol: number of bits}`` in the order of ``code``.

    Raises
    ------
    ValueError
        If ``code`` is empty, a codeword is not a non-empty string of 0s and 1s, or the code is
        not prefix-free.

    Examples
    --------
    >>> code_lengths({"a": "0", "b": "10", "c": "11"})
    {'a': 1, 'b': 2, 'c': 2}
    """
    return {symbol: len(word) for symbol, word in _checked_code(code).items()}


def is_prefix_free(code: Mapping[Hashable, str]) -> bool:
    """Whether no codeword of ``code`` is a prefix of another (equal codewords count as clashing).

    Examples
    --------
    >>> is_prefix_free({"a": "0", "b": "10", "c": "11"})
    True
    >>> is_prefix_free({"a": "0", "b": "01"})
    False
    """
    return _prefix_clash(code) is None


def kraft_sum(lengths: Iterable[int] | Mapping[Hashable, str]) -> float:
    r"""The Kraft sum :math:`\sum_i 2^{-\ell_i}` of codeword lengths (or of a code's codewords).

    A prefix code with lengths :math:`\ell_i` exists if and only if the sum is at most 1.

    Parameters
    ----------
    lengths : iterable of int, or mapping
        Codeword lengths (positive integers), or a code ``{symbol: codeword}``.

    Returns
    -------
    float
        The Kraft sum (exact for up to 52-bit codewords).

    Raises
    ------
    ValueError
        If a length is not a positive integer, or there are none.

    Examples
    --------
    >>> kraft_sum([1, 2, 3, 3])
    1.0
    >>> kraft_sum({"a": "0", "b": "10"})
    0.75
    """
    values = ([len(word) for word in lengths.values()] if isinstance(lengths, Mapping)
              else list(lengths))
    if not values:
        raise ValueError("lengths is empty: a code needs at least one codeword")
    return math.fsum(2.0 ** -integer(value, "a codeword length", minimum=1) for value in values)


# ---------------------------------------------------------------------------------------------
# Using codes
# ---------------------------------------------------------------------------------------------


def encode(symbols_seq: Iterable[Hashable], code: Mapping[Hashable, str]) -> str:
    """Concatenate the codewords of a sequence of symbols into one bit string.

    Parameters
    ----------
    symbols_seq : iterable of hashable
        The message, symbol by symbol (a string is a sequence of one-character symbols).
    code : mapping
        A prefix code ``{symbol: codeword}`` that covers every symbol of the message.

    Returns
    -------
    str
        The bits, as a string of ``"0"`` and ``"1"``.

    Raises
    ------
    ValueError
        If a symbol has no codeword, or ``code`` is not a valid prefix code.

    Examples
    --------
    >>> encode(["sun", "rain", "sun"], {"sun": "0", "cloud": "10", "rain": "11"})
    '0110'
    """
    table = _checked_code(code)
    try:
        return "".join([table[symbol] for symbol in symbols_seq])
    except KeyError as error:
        raise ValueError(f"the symbol {error.args[0]!r} has no codeword in code") from None


def decode(bits: str, code: Mapping[Hashable, str]) -> list:
    """Read a bit string back into the symbols it encodes (the inverse of :func:`encode`).

    Parameters
    ----------
    bits : str
        A string of ``"0"`` and ``"1"``, a concatenation of codewords of ``code``.
    code : mapping
        The prefix code ``{symbol: codeword}`` used to encode.

    Returns
    -------
    list
        The symbols, in order.

    Raises
    ------
    ValueError
        If ``bits`` contains another character, is not a concatenation of codewords (an
        unknown codeword or bits left over at the end), or ``code`` is not a prefix code.

    Examples
    --------
    >>> decode("0110", {"sun": "0", "cloud": "10", "rain": "11"})
    ['sun', 'rain', 'sun']
    """
    table = _checked_code(code)
    if not isinstance(bits, str):
        raise ValueError(f"bits must be a string of 0s and 1s; got {type(bits).__name__}")
    if set(bits) - {"0", "1"}:
        bad = next(c for c in bits if c not in "01")
        raise ValueError(f"bits must contain only 0 and 1; found {bad!r}")
    symbol_of = {word: symbol for symbol, word in table.items()}
    longest = max(len(word) for word in symbol_of)
    message = []
    start = 0
    for end in range(1, len(bits) + 1):
        word = bits[start:end]
        if word in symbol_of:
            message.append(symbol_of[word])
            start = end
        elif end - start >= longest:
            raise ValueError(f"bits {start}..{end - 1} ({word!r}) begin no codeword of code")
    if start != len(bits):
        raise ValueError(f"bits end in the middle of a codeword: {bits[start:]!r} is left over")
    return message


def average_code_length(p: ArrayLike, code: Mapping[Hashable, str],
                        symbols: Iterable[Hashable] | None = None) -> float:
    r"""The expected codeword length :math:`\sum_i p_i \ell_i` in bits per symbol.

    Parameters
    ----------
    p : array_like
        The probabilities of the symbols the source emits (1-D, summing to 1 within 1e-6).
    code : mapping
        A prefix code ``{symbol: codeword}`` covering every symbol.
    symbols : iterable of hashable, optional
        The symbol of each probability. Default: the keys of ``code`` in their order, which is
        the order :func:`huffman_code` was given.

    Returns
    -------
    float
        Bits per symbol. With the Huffman code of P this lies in :math:`[H(P), H(P) + 1)`.

    Raises
    ------
    ValueError
        If ``p`` is not a distribution, ``symbols`` does not match it, a symbol has no
        codeword, or ``code`` is not a prefix code.

    Examples
    --------
    >>> average_code_length([0.5, 0.5], {"a": "0", "b": "10", "c": "11"}, symbols="bc")
    2.0
    """
    probabilities = single_distribution(p, "p")
    table = _checked_code(code)
    names = _symbol_list(list(table) if symbols is None else symbols, len(probabilities))
    missing = [s for s in names if s not in table]
    if missing:
        raise ValueError(f"the symbol {missing[0]!r} has no codeword in code")
    lengths = np.array([len(table[s]) for s in names], dtype=np.float64)
    return float(probabilities @ lengths)


def letter_frequencies(text: str, *, alphabet: Sequence[str] | None = None,
                       pseudocount: float = 0.0) -> tuple[list[str], np.ndarray]:
    """The relative frequencies of the letters of a text (case folded).

    Parameters
    ----------
    text : str
        Any text; it is lower-cased, and characters outside the alphabet are ignored.
    alphabet : sequence of str, optional
        The symbols to count, each a single character (lower case). Default: every letter
        (``str.isalpha``) that occurs in the text, sorted.
    pseudocount : float, optional
        Added to the count of every symbol of the alphabet (Laplace smoothing with 1), so that
        a symbol absent from the text still has a positive probability. Default 0.

    Returns
    -------
    symbols : list of str
        The symbols, in alphabet order.
    probabilities : numpy.ndarray
        ``(count + pseudocount) / (total + pseudocount * len(symbols))``, summing to 1.

    Raises
    ------
    ValueError
        If ``text`` is not a string, the alphabet has repeated or multi-character symbols,
        ``pseudocount`` is negative or not finite, or nothing at all is counted.

    Examples
    --------
    >>> symbols, probabilities = letter_frequencies("Abba!")
    >>> symbols, probabilities.tolist()
    (['a', 'b'], [0.5, 0.5])
    >>> letter_frequencies("aaa", alphabet="ab", pseudocount=1)[1].tolist()
    [0.8, 0.2]
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string; got {type(text).__name__}")
    pseudocount = real_number(pseudocount, "pseudocount", low=0.0)
    folded = text.lower()
    if alphabet is None:
        symbols = sorted({c for c in folded if c.isalpha()})
    else:
        symbols = list(alphabet)
        for symbol in symbols:
            if not isinstance(symbol, str) or len(symbol) != 1:
                raise ValueError(f"alphabet symbols must be single characters; got {symbol!r}")
        _symbol_list(symbols, len(symbols), "alphabet")
    counts = Counter(c for c in folded if c in set(symbols))
    weights = np.array([counts[s] + pseudocount for s in symbols], dtype=np.float64)
    total = weights.sum()
    if total <= 0:
        raise ValueError("nothing to count: the text has no letters of the alphabet "
                         "(and pseudocount is 0)")
    return symbols, weights / total
