"""Tests for klutils.coding: Huffman codes, encoding and decoding, letter frequencies.

Optimality is checked against a brute-force search over every set of codeword lengths that
satisfies the Kraft inequality (a prefix code with those lengths exists exactly then), and the
entropy bounds against klutils.entropy.
"""

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from klutils import cross_entropy, entropy, kl_divergence
from klutils.coding import (
    average_code_length,
    code_lengths,
    decode,
    encode,
    huffman_code,
    is_prefix_free,
    kraft_sum,
    letter_frequencies,
)


def brute_force_optimal_length(p):
    """The smallest sum p_i l_i over all integer lengths 1..n-1 with sum 2^-l_i <= 1."""
    n = len(p)
    best = math.inf
    for lengths in itertools.product(range(1, n), repeat=n):
        if sum(2.0 ** -length for length in lengths) <= 1.0:
            best = min(best, sum(pi * li for pi, li in zip(p, lengths, strict=True)))
    return best


# ---------------------------------------------------------------------------------------------
# Huffman codes
# ---------------------------------------------------------------------------------------------


def test_dyadic_distribution_gets_lengths_minus_log2_p():
    p = [0.5, 0.25, 0.125, 0.0625, 0.0625]
    code = huffman_code(p, symbols="abcde")
    assert list(code) == list("abcde")  # the order of the symbols is kept
    assert code_lengths(code) == {s: int(-math.log2(pi)) for s, pi in zip("abcde", p,
                                                                           strict=True)}
    assert average_code_length(p, code) == pytest.approx(entropy(p, base=2), abs=1e-15)
    assert average_code_length(p, code) == 1.875


def test_known_examples():
    # Cover & Thomas, Example 5.6.1: lengths (2, 2, 2, 3, 3), average 2.3 bits
    code = huffman_code([0.25, 0.25, 0.2, 0.15, 0.15])
    assert sorted(code_lengths(code).values()) == [2, 2, 2, 3, 3]
    assert average_code_length([0.25, 0.25, 0.2, 0.15, 0.15], code) == pytest.approx(2.3)
    assert huffman_code([0.4, 0.3, 0.2, 0.1], "ABCD") == {"A": "0", "B": "10", "C": "111",
                                                          "D": "110"}
    assert huffman_code([0.25] * 4) == {0: "00", 1: "01", 2: "10", 3: "11"}


@pytest.mark.parametrize("seed", range(20))
def test_huffman_is_prefix_free_complete_and_optimal(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    p = rng.dirichlet(np.ones(n) * 0.7)
    code = huffman_code(p)
    assert is_prefix_free(code)
    words = list(code.values())
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert len(set(words)) == n
    assert kraft_sum(code) == 1.0  # a full binary tree: no codeword could be shortened
    average = average_code_length(p, code)
    assert average == pytest.approx(brute_force_optimal_length(p), abs=1e-12)
    assert entropy(p, base=2) - 1e-12 <= average < entropy(p, base=2) + 1


@pytest.mark.parametrize("seed", range(5))
def test_average_length_within_one_bit_of_entropy_for_larger_alphabets(seed):
    rng = np.random.default_rng(100 + seed)
    p = rng.dirichlet(np.ones(40) * 0.3)
    code = huffman_code(p)
    h = entropy(p, base=2)
    assert h <= average_code_length(p, code) < h + 1
    assert is_prefix_free(code)


def test_huffman_is_deterministic_with_ties():
    p = [0.2] * 5
    first = huffman_code(p)
    assert all(huffman_code(p) == first for _ in range(3))
    assert first == {0: "110", 1: "111", 2: "00", 3: "01", 4: "10"}


def test_zero_probability_symbols_still_get_codewords():
    code = huffman_code([0.5, 0.5, 0.0], symbols=["x", "y", "z"])
    assert set(code) == {"x", "y", "z"} and is_prefix_free(code)
    assert decode(encode("zxy", code), code) == ["z", "x", "y"]
    assert average_code_length([0.5, 0.5, 0.0], code) < 2


def test_single_symbol_gets_one_bit():
    assert huffman_code([1.0], symbols=["only"]) == {"only": "0"}


@pytest.mark.parametrize(("p", "symbols", "message"), [
    ([], None, "empty"),
    ([0.5, -0.1, 0.6], None, "negative"),
    ([0.5, 0.4], None, "sum to 1"),
    ([[0.5, 0.5]], None, "1-D"),
    ([0.5, np.nan], None, "NaN"),
    ([0.5, 0.5], ["a"], "every outcome"),
    ([0.5, 0.5], ["a", "a"], "distinct"),
    ([0.5, 0.5], [["a"], ["b"]], "hashable"),
    ("ab", None, "real numbers"),
])
def test_huffman_rejects_bad_input(p, symbols, message):
    with pytest.raises(ValueError, match=message):
        huffman_code(p, symbols)


# ---------------------------------------------------------------------------------------------
# Encoding and decoding
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_encode_decode_round_trip(seed):
    rng = np.random.default_rng(seed)
    symbols = ["sun", "cloud", "rain", "snow", "fog", "hail"]
    p = rng.dirichlet(np.ones(len(symbols)))
    code = huffman_code(p, symbols)
    message = [symbols[i] for i in rng.choice(len(symbols), size=500, p=p)]
    bits = encode(message, code)
    assert set(bits) <= {"0", "1"}
    assert len(bits) == sum(len(code[s]) for s in message)
    assert decode(bits, code) == message


def test_sample_cost_approaches_the_average_length():
    rng = np.random.default_rng(7)
    p, q = [0.5, 0.25, 0.125, 0.125], [0.125, 0.125, 0.25, 0.5]
    code_q = huffman_code(q)
    sample = rng.choice(4, size=50_000, p=p).tolist()
    per_symbol = len(encode(sample, code_q)) / len(sample)
    assert average_code_length(p, code_q) == pytest.approx(cross_entropy(p, q, base=2))
    assert per_symbol == pytest.approx(2.625, abs=0.02)
    # with dyadic Q each codeword has exactly -log2 q bits, so the sample cost is the sample's
    # average surprise under Q, exactly
    assert per_symbol == pytest.approx(np.mean(-np.log2(np.asarray(q)[sample])), rel=1e-14)
    extra = average_code_length(p, code_q) - average_code_length(p, huffman_code(p))
    assert extra == pytest.approx(kl_divergence(p, q, base=2), abs=1e-12)


def test_encode_and_decode_examples():
    code = {"a": "0", "b": "10", "c": "11"}
    assert encode("abcab", code) == "01011010"
    assert encode([], code) == ""
    assert decode("", code) == []
    assert decode("01011010", code) == list("abcab")


@pytest.mark.parametrize(("bits", "message"), [
    ("0102", "only 0 and 1"),
    ("01", "left over"),
    ("10", "left over"),
    ("110", "begin no codeword"),
    (b"01", "string"),
])
def test_decode_rejects_bad_bits(bits, message):
    code = {"a": "0", "b": "100", "c": "101"}
    with pytest.raises(ValueError, match=message):
        decode(bits, code)


def test_decode_rejects_a_codeword_that_is_not_in_a_non_complete_code():
    with pytest.raises(ValueError, match="begin no codeword"):
        decode("0110", {"a": "0", "b": "10"})


@pytest.mark.parametrize(("code", "message"), [
    ({}, "empty"),
    ({"a": "0", "b": "01"}, "not prefix-free"),
    ({"a": "0", "b": "0"}, "not prefix-free"),
    ({"a": "0", "b": "12"}, "0s and 1s"),
    ({"a": "0", "b": ""}, "non-empty"),
    ({"a": 0}, "string"),
    ([("a", "0")], "mapping"),
])
def test_invalid_codes_are_rejected(code, message):
    for function in (lambda: encode("a", code), lambda: decode("0", code),
                     lambda: code_lengths(code)):
        with pytest.raises(ValueError, match=message):
            function()


def test_encode_rejects_a_symbol_without_codeword():
    with pytest.raises(ValueError, match="'z' has no codeword"):
        encode("abz", {"a": "0", "b": "1"})


def test_is_prefix_free_and_kraft_sum():
    assert is_prefix_free({"a": "0", "b": "10", "c": "11"})
    assert not is_prefix_free({"a": "1", "b": "10"})
    assert kraft_sum([1, 2, 3, 3]) == 1.0
    assert kraft_sum(np.array([2, 2, 2])) == 0.75
    assert kraft_sum({"a": "0", "b": "10"}) == 0.75
    for bad in ([], [0, 1], [1.5], [True]):
        with pytest.raises(ValueError):
            kraft_sum(bad)


# ---------------------------------------------------------------------------------------------
# Average length and letter frequencies
# ---------------------------------------------------------------------------------------------


def test_average_code_length_by_hand():
    code = {"a": "0", "b": "10", "c": "110", "d": "111"}
    p = [0.1, 0.2, 0.3, 0.4]
    assert average_code_length(p, code) == pytest.approx(0.1 + 0.4 + 0.9 + 1.2)
    assert average_code_length(p, code, symbols="dcba") == pytest.approx(0.3 + 0.6 + 0.6
                                                                         + 0.4)
    with pytest.raises(ValueError, match="no codeword"):
        average_code_length([0.5, 0.5], code, symbols="az")
    with pytest.raises(ValueError, match="every outcome"):
        average_code_length([0.5, 0.5], code)
    with pytest.raises(ValueError, match="sum to 1"):
        average_code_length([0.5, 0.2, 0.2, 0.2], code)


def test_letter_frequencies_count_letters_only():
    text = "Hello, World! 42 times."
    symbols, p = letter_frequencies(text)
    letters = [c for c in text.lower() if c.isalpha()]
    counts = Counter(letters)
    assert symbols == sorted(counts)
    np.testing.assert_allclose(p, [counts[s] / len(letters) for s in symbols], rtol=1e-15)
    assert p.sum() == pytest.approx(1.0)


def test_letter_frequencies_with_alphabet_and_pseudocount():
    symbols, p = letter_frequencies("aab", alphabet="abc")
    assert symbols == ["a", "b", "c"]
    np.testing.assert_allclose(p, [2 / 3, 1 / 3, 0.0])
    _, smoothed = letter_frequencies("aab", alphabet="abc", pseudocount=1)
    np.testing.assert_allclose(smoothed, [3 / 6, 2 / 6, 1 / 6])
    _, only_pseudo = letter_frequencies("xyz", alphabet="ab", pseudocount=0.5)
    np.testing.assert_allclose(only_pseudo, [0.5, 0.5])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": ""}, "nothing to count"),
    ({"text": "123 !"}, "nothing to count"),
    ({"text": "xyz", "alphabet": "ab"}, "nothing to count"),
    ({"text": 42}, "string"),
    ({"text": "ab", "alphabet": ["ab"]}, "single characters"),
    ({"text": "ab", "alphabet": "aab"}, "distinct"),
    ({"text": "ab", "pseudocount": -1}, "non-negative"),
    ({"text": "ab", "pseudocount": math.nan}, "pseudocount must be a finite number"),
])
def test_letter_frequencies_reject_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        letter_frequencies(**kwargs)
