"""Property tests (hypothesis) of the divergences: the theorems of chapter 5, on random inputs."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from klutils import cross_entropy, entropy, js_divergence, kl_divergence

settings.register_profile("course", max_examples=150, deadline=None)
settings.load_profile("course")

weights = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def distributions(draw, size=None, positive=False):
    """A probability vector (float64, summing to 1), possibly with zeros."""
    n = draw(st.integers(1, 12)) if size is None else size
    elements = st.floats(1e-3, 1e3) if positive else weights
    raw = draw(arrays(np.float64, n, elements=elements))
    assume(raw.sum() > 0)
    return raw / raw.sum()


@st.composite
def pairs(draw, positive_q=True):
    """Two distributions over the same outcomes; Q strictly positive so KL(P||Q) is finite."""
    n = draw(st.integers(1, 12))
    return draw(distributions(n)), draw(distributions(n, positive=positive_q))


@given(pairs(positive_q=False))
def test_gibbs_inequality_non_negative(pq):
    p, q = pq
    assert kl_divergence(p, q) >= 0
    assert js_divergence(p, q) >= 0
    assert cross_entropy(p, q) >= 0
    assert entropy(p) >= 0


@given(pairs())
def test_zero_iff_equal(pq):
    p, q = pq
    assert kl_divergence(p, p) == 0.0
    assert js_divergence(q, q) == 0.0
    if not np.allclose(p, q, rtol=1e-6, atol=1e-9):
        assert kl_divergence(p, q) > 0
        assert js_divergence(p, q) > 0


@given(pairs())
def test_cross_entropy_is_entropy_plus_kl(pq):
    p, q = pq
    for base in (None, 2):
        left = cross_entropy(p, q, base=base)
        right = entropy(p, base=base) + kl_divergence(p, q, base=base)
        assert math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)


@given(pairs(), st.randoms(use_true_random=False))
def test_permutation_invariance(pq, random):
    p, q = pq
    order = list(range(len(p)))
    random.shuffle(order)
    assert math.isclose(kl_divergence(p[order], q[order]), kl_divergence(p, q),
                        rel_tol=1e-12, abs_tol=1e-300)


@given(pairs(), pairs())
def test_additive_over_independent_products(pq1, pq2):
    (p1, q1), (p2, q2) = pq1, pq2
    joint = kl_divergence(np.outer(p1, p2).ravel(), np.outer(q1, q2).ravel())
    assert math.isclose(joint, kl_divergence(p1, q1) + kl_divergence(p2, q2),
                        rel_tol=1e-10, abs_tol=1e-14)


@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_chain_rule(nx, ny, data):
    """KL(P(X,Y) || Q(X,Y)) = KL(P(X) || Q(X)) + E_{P(X)} KL(P(Y|X) || Q(Y|X))."""
    p = data.draw(distributions(nx * ny)).reshape(nx, ny)
    q = data.draw(distributions(nx * ny, positive=True)).reshape(nx, ny)
    px, qx = p.sum(axis=1), q.sum(axis=1)
    conditional = sum(px[i] * kl_divergence(p[i] / px[i], q[i] / qx[i])
                      for i in range(nx) if px[i] > 0)
    assert math.isclose(kl_divergence(p.ravel(), q.ravel()), kl_divergence(px, qx) + conditional,
                        rel_tol=1e-9, abs_tol=1e-13)


@given(pairs(positive_q=False))
def test_pinsker_inequality(pq):
    p, q = pq
    total_variation = 0.5 * np.abs(p - q).sum()
    assert total_variation <= math.sqrt(kl_divergence(p, q) / 2) + 1e-12


@given(st.integers(1, 12), st.floats(0, 1), st.data())
def test_joint_convexity(n, lam, data):
    p1, p2 = data.draw(distributions(n)), data.draw(distributions(n))
    q1, q2 = data.draw(distributions(n, positive=True)), data.draw(distributions(n, positive=True))
    p, q = lam * p1 + (1 - lam) * p2, lam * q1 + (1 - lam) * q2
    mixture_bound = lam * kl_divergence(p1, q1) + (1 - lam) * kl_divergence(p2, q2)
    assert kl_divergence(p / p.sum(), q / q.sum()) <= mixture_bound * (1 + 1e-9) + 1e-14


@given(pairs(), st.integers(1, 4))
def test_data_processing_merging_outcomes_never_increases_kl(pq, groups):
    p, q = pq
    labels = np.arange(len(p)) % groups
    merged_p = np.bincount(labels, weights=p, minlength=groups)
    merged_q = np.bincount(labels, weights=q, minlength=groups)
    assert kl_divergence(merged_p, merged_q) <= kl_divergence(p, q) * (1 + 1e-9) + 1e-14


@given(pairs(positive_q=False))
def test_js_symmetric_and_bounded(pq):
    p, q = pq
    assert math.isclose(js_divergence(p, q), js_divergence(q, p), rel_tol=1e-12, abs_tol=1e-300)
    assert js_divergence(p, q) <= math.log(2)
    assert js_divergence(p, q, base=2) <= 1.0


@given(pairs())
def test_batches_agree_with_single_pairs(pq):
    p, q = pq
    batch_p, batch_q = np.stack([p, q, p]), np.stack([q, q, p])
    expected = [kl_divergence(p, q), kl_divergence(q, q), kl_divergence(p, p)]
    # the series' length adapts to each block: a batch may differ from single calls in the last bit
    np.testing.assert_allclose(kl_divergence(batch_p, batch_q), expected, rtol=4e-16, atol=0)
