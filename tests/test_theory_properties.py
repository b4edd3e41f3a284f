"""Property tests (hypothesis) of the general claims of chapters 4, 7 and 8, at the inputs where
they are most likely to break: tables and channels with subnormal entries, signed zeros, an entry
next to 1, sums off from 1 by up to 9e-7, nearly deterministic and nearly useless channels; pairs
of distributions from far apart to one ulp apart. Each claim is a theorem; what is allowed is the
rounding of the two sides, stated in each test."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from strategies import ACCURACY, distributions, pairs

from klutils import kl_divergence
from klutils.exponential_family import chernoff_information
from klutils.f_divergences import f_divergences, pinsker_bound
from klutils.information import (
    bayes_error,
    channel_joint,
    conditional_entropy,
    fano_error_bound,
    information_diagram,
    mutual_information,
)

#: Relative rounding allowed between the two sides of an identity or an inequality.
ROUNDING = 1e-12
#: Absolute slack for results near 0 (a divergence that is zero up to the last bits).
TINY = 1e-300


@st.composite
def tables(draw, max_side: int = 6) -> np.ndarray:
    """A joint table P(X = i, Y = j): one hard probability vector laid out as rows x columns."""
    rows = draw(st.integers(1, max_side))
    columns = draw(st.integers(1, max_side))
    return draw(distributions(rows * columns, narrow=False)).reshape(rows, columns)


@st.composite
def channels(draw, n_in: int, max_out: int = 6) -> np.ndarray:
    """A channel: ``n_in`` rows, each a hard distribution over the same outputs, normalised (a
    product of two channels whose rows are each off by 9e-7 could be off by 2e-6)."""
    n_out = draw(st.integers(1, max_out))
    rows = np.array([draw(distributions(n_out, narrow=False)) for _ in range(n_in)])
    return rows / rows.sum(axis=1, keepdims=True)


@ACCURACY
@given(tables())
def test_chain_rule_and_the_diagram(table):
    """H(X, Y) = H(X) + H(Y | X) = H(Y) + H(X | Y); I = H(X) - H(X | Y) = H(Y) - H(Y | X) >= 0;
    0 <= H(Y | X) <= H(Y)."""
    d = information_diagram(table)
    scale = d.h_xy + TINY
    assert abs(d.h_xy - (d.h_x + d.h_y_given_x)) <= ROUNDING * scale
    assert abs(d.h_xy - (d.h_y + d.h_x_given_y)) <= ROUNDING * scale
    assert abs(d.mutual_information - (d.h_x - d.h_x_given_y)) <= ROUNDING * scale
    assert abs(d.mutual_information - (d.h_y - d.h_y_given_x)) <= ROUNDING * scale
    assert d.mutual_information >= 0
    assert 0 <= d.h_y_given_x <= d.h_y * (1 + ROUNDING) + TINY
    assert 0 <= d.h_x_given_y <= d.h_x * (1 + ROUNDING) + TINY


@ACCURACY
@given(st.data())
def test_data_processing_inequality(data):
    """I(X; Z) <= I(X; Y) for every chain X -> Y -> Z (Z depends on X only through Y).

    Allowed: the rounding of the conditional distributions, about eps sqrt(I) absolute (see
    :func:`klutils.information.mutual_information`), which matters only for I below ~1e-28."""
    p_x = data.draw(distributions(data.draw(st.integers(1, 6)), narrow=False))
    w_xy = data.draw(channels(len(p_x)))
    w_yz = data.draw(channels(w_xy.shape[1]))
    i_xy = mutual_information(channel_joint(p_x, w_xy))
    i_xz = mutual_information(channel_joint(p_x, w_xy @ w_yz))
    assert i_xz <= i_xy * (1 + ROUNDING) + 1e-15 * math.sqrt(max(i_xy, i_xz)) + TINY


@ACCURACY
@given(tables())
def test_fano_bound_is_below_the_best_guess_error(table):
    """Fano: the best guess of X from Y errs at least fano_error_bound(H(X | Y), K)."""
    k = table.shape[0]
    if k < 2:
        assert bayes_error(table) == 0.0
        return
    h = conditional_entropy(table, given="y")
    bound = fano_error_bound(h, k)
    assert 0.0 <= bound <= (k - 1) / k
    assert bayes_error(table) >= bound * (1 - ROUNDING) - 1e-15


@ACCURACY
@given(st.floats(0.0, 1.0), st.integers(2, 10**6))
def test_fano_bound_is_the_root(fraction, k):
    """The bound e solves h(e) + e log(K - 1) = H(X | Y) where H < log K, and is monotone."""
    h = fraction * math.log(k)
    e = fano_error_bound(h, k)
    assert 0.0 <= e <= (k - 1) / k
    if 0 < e < (k - 1) / k:
        side = -e * math.log(e) - (1 - e) * math.log1p(-e) + e * math.log(k - 1)
        # the right side's slope is log((K - 1)(1 - e)/e); its rounding ~ a few ulps of log K
        assert abs(side - h) <= 1e-13 * math.log(k) + 1e-300
    assert fano_error_bound(min(h * 1.5, math.log(k)), k) >= e


@ACCURACY
@given(pairs())
def test_f_divergence_inequalities(pair):
    """H^2 <= TV <= sqrt(2) H, Pinsker TV <= sqrt(KL / 2), KL <= log(1 + chi^2),
    JS <= log(2) TV and JS <= log 2, and each member >= 0, on hard pairs."""
    p, q = pair
    d = f_divergences(p, q)
    for value in d:
        assert value >= 0
    tv, h2 = d.total_variation, d.squared_hellinger
    assert h2 <= tv * (1 + ROUNDING) + TINY
    assert tv <= math.sqrt(2 * h2) * (1 + ROUNDING) + TINY
    assert tv <= pinsker_bound(d.kl) * (1 + ROUNDING) + TINY
    assert d.kl <= math.log1p(d.chi_square) * (1 + ROUNDING) + TINY
    assert d.jensen_shannon <= math.log(2) * tv * (1 + ROUNDING) + TINY
    assert d.jensen_shannon <= math.log(2) * (1 + ROUNDING)
    assert tv <= 1 and h2 <= 1


@ACCURACY
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_f_divergence_inequalities_on_coins(a, b):
    """The same on two coins, the family where Pinsker and H^2 <= TV are tight."""
    test_f_divergence_inequalities.hypothesis.inner_test((np.array([a, 1 - a]),
                                                          np.array([b, 1 - b])))


@ACCURACY
@given(pairs())
def test_chernoff_is_below_both_kl(pair):
    """C(P, Q) = C(Q, P) <= min(KL(P‖Q), KL(Q‖P)), with its weight in [0, 1]."""
    p, q = pair
    c = chernoff_information(p, q)
    assert 0 <= c.information and 0 <= c.weight <= 1
    smaller = min(kl_divergence(p, q), kl_divergence(q, p))
    assert c.information <= smaller * (1 + ROUNDING) + TINY
    back = chernoff_information(q, p).information
    assert abs(back - c.information) <= 1e-12 * c.information + TINY or \
        back == c.information == math.inf
