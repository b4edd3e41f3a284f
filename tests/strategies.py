"""Hypothesis strategies for the accuracy tests: the inputs where floating point is hardest.

Probability vectors with subnormal entries, signed zeros, a probability next to 1, sums off by
up to 9e-7, float32 and float16 storage; pairs that are independent, close at every scale down
to one ulp, renormalised copies, or straddle the series thresholds of the KL and JS terms;
logits of any size (up to ±1.8e308), with any common offset, one ulp apart, or -inf.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

#: Settings of the accuracy tests: enough examples to find the classes' corners, few enough
#: for ``make test`` (each example is checked against 256-bit mpmath). For a longer hunt:
#: ``KLUTILS_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_exactness.py``.
ACCURACY = settings(max_examples=int(os.environ.get("KLUTILS_EXAMPLES", "80")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

#: The series thresholds in s = (p - q)/(p + q) of the KL and JS terms, and the JS switch.
THRESHOLDS = (0.25, 0.5)

_weights = st.one_of(
    st.floats(0.0, 1.0),
    st.floats(1e-3, 1e3),
    st.floats(5e-324, 1e-300),  # subnormal and tiny
    st.sampled_from([0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e-16]),
)


@st.composite
def distributions(draw, size: int | None = None, *, unnormalised: bool = True,
                  narrow: bool = True) -> np.ndarray:
    """A probability vector (sums within the tolerance of its dtype), hard for floating point."""
    n = draw(st.integers(1, 12)) if size is None else size
    kind = draw(st.sampled_from(["weights", "near_one", "one_hot"]))
    if kind == "near_one" and n > 1:
        gap = draw(st.sampled_from([2.0**-53, 2.0**-52, 1e-16, 3e-15, 1e-10, 1e-5]))
        rest = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n - 1, max_size=n - 1)))
        rest = rest / rest.sum() * gap if rest.sum() > 0 else np.full(n - 1, gap / (n - 1))
        p = np.concatenate([[1.0 - gap], rest])
        p = p[draw(st.permutations(range(n)))]
    elif kind == "one_hot":
        p = np.zeros(n)
        p[draw(st.integers(0, n - 1))] = 1.0
        if draw(st.booleans()):
            p[p == 0] = -0.0
    else:
        raw = np.array(draw(st.lists(_weights, min_size=n, max_size=n)))
        assume(raw.sum() > 0)
        p = raw / raw.sum()
    if unnormalised and draw(st.booleans()):
        p = p * (1.0 + draw(st.floats(-9e-7, 9e-7)))
    if narrow:
        dtype = draw(st.sampled_from([np.float64, np.float64, np.float64, np.float32, np.float16]))
        p = p.astype(dtype)
        assume(float(p.astype(np.float64).sum()) > 0)
    return p


def _normalised(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


@st.composite
def pairs(draw, *, positive_q: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Two distributions over the same outcomes, from far apart to one ulp apart."""
    p = draw(distributions(narrow=False))
    n = len(p)
    kind = draw(st.sampled_from(["independent", "close", "one_ulp", "copy", "straddle",
                                 "tiny_mass"]))
    if kind == "independent":
        q = draw(distributions(n, narrow=False))
    elif kind == "close":
        scale = 10.0 ** -draw(st.integers(1, 15))
        noise = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
        q = _normalised(np.abs(p * (1.0 + scale * noise)))
    elif kind == "one_ulp":
        q = p.copy()
        for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n)):
            q[i] = np.nextafter(q[i], 2.0 if draw(st.booleans()) else 0.0)
    elif kind == "copy":
        q = p / p.sum()
    elif kind == "tiny_mass":  # one ulp apart, plus mass far below an ulp somewhere
        q = p.copy()
        i = draw(st.integers(0, n - 1))
        q[i] = np.nextafter(q[i], 2.0 if draw(st.booleans()) else 0.0)
        q[draw(st.integers(0, n - 1))] += 10.0 ** -draw(st.floats(17.0, 323.0))
    else:
        return draw(straddling_pairs())
    assume(np.all(np.isfinite(q)) and q.sum() > 0)
    if positive_q:
        assume(np.all(q > 0))
    if draw(st.booleans()):
        q = q * (1.0 + draw(st.floats(-9e-7, 9e-7)))
    q = np.where(q < 0, 0.0, q)
    if abs(float(q.sum()) - 1.0) > 1e-6:
        q = _normalised(q)
    return p, q


_logit_values = st.one_of(
    st.floats(-50.0, 50.0),
    st.floats(-1e308, 1e308),
    st.floats(-1e16, 1e16),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 745.0, -745.0, -np.inf]),
)


@st.composite
def logit_vectors(draw, size: int | None = None) -> np.ndarray:
    """Logits with at least one finite entry: moderate, huge (1e308), or -inf."""
    n = draw(st.integers(1, 8)) if size is None else size
    z = np.array(draw(st.lists(_logit_values, min_size=n, max_size=n)))
    assume(np.isfinite(z).any())
    return z


@st.composite
def logit_pairs(draw) -> tuple[np.ndarray, np.ndarray]:
    """Two logit vectors: independent, shifted by a common offset, close, or one ulp apart."""
    zp = draw(logit_vectors())
    n = len(zp)
    kind = draw(st.sampled_from(["independent", "offset", "close", "one_ulp"]))
    if kind == "independent":
        zq = draw(logit_vectors(n))
    elif kind == "offset":
        with np.errstate(over="ignore", invalid="ignore"):
            zq = zp + draw(st.one_of(st.floats(-1e300, 1e300), st.floats(-1e3, 1e3),
                                     st.sampled_from([1e15, -1e15, 2.0**60])))
        zq = draw(st.sampled_from([zq, zq + 1e-3 * np.arange(n)]))
    elif kind == "close":
        scale = 10.0 ** -draw(st.integers(1, 15))
        noise = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
        with np.errstate(over="ignore", invalid="ignore"):
            zq = zp + scale * noise * np.maximum(np.abs(zp), 1.0)
    else:
        zq = zp.copy()
        for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n)):
            with np.errstate(over="ignore"):
                zq[i] = np.nextafter(zq[i], np.inf if draw(st.booleans()) else -np.inf)
    zq = np.where(np.isnan(zq) | np.isposinf(zq), 0.0, zq)
    assume(np.isfinite(zq).any())
    if draw(st.booleans()):
        zp, zq = zq, zp
    return zp, zq


@st.composite
def straddling_pairs(draw) -> tuple[np.ndarray, np.ndarray]:
    """Normalised pairs whose every ``s = (p - q)/(p + q)`` lies within 1e-6 of a threshold.

    Outcomes come in couples with opposite ``s`` and equal mass, so both vectors have the same
    sum and renormalising them does not move ``s``.
    """
    couples = draw(st.integers(1, 6))
    p, q = [], []
    for _ in range(couples):
        s = draw(st.sampled_from(THRESHOLDS)) * (1.0 + draw(st.floats(-1e-6, 1e-6)))
        w = draw(st.floats(1e-3, 1.0))
        p += [w * (1 + s), w * (1 - s)]
        q += [w * (1 - s), w * (1 + s)]
    total = sum(p)
    return np.array(p) / total, np.array(q) / total
