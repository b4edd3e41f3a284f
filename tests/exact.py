"""Exact references for the accuracy tests: the true value of a function at the float inputs.

Sums, differences and ratios of the inputs are exact rationals (``fractions.Fraction``); the
logarithms and exponentials are taken with mpmath at 256 bits, plus as many bits as the
cancellation inside a term can cost, so that every reference is correct to far beyond 1e-16
relative, for subnormal entries, logits of 1e308 and pairs one ulp apart alike.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np

#: Working precision of the references, in bits (77 digits).
BITS = 256
#: Subnormal slack per outcome in :func:`assert_accurate` (64 subnormal ulps).
SUBNORMAL_SLACK = 64 * 2.0**-1074


def _mp(value: Fraction) -> mpmath.mpf:
    """A rational as an mpmath number at the working precision."""
    return mpmath.mpf(value.numerator) / value.denominator


def _fractions(values) -> list[Fraction]:
    return [Fraction(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def _bits_for(t: Fraction) -> int:
    """Working bits for a term that cancels like 1/|t| for small |t|."""
    if t == 0:
        return BITS
    exponent = abs(t.numerator).bit_length() - t.denominator.bit_length()
    return BITS + max(0, 64 - exponent)


def _kl_term(x: Fraction, y: Fraction) -> mpmath.mpf:
    """``x log(x/y) - x + y >= 0`` exactly for rationals ``x, y >= 0``."""
    if x == 0:
        return _mp(y)
    if y == 0:
        return mpmath.inf
    t = x / y - 1  # exact
    if abs(t) >= Fraction(1, 2):  # no cancellation: log of the exact ratio
        return +(_mp(x) * mpmath.log(_mp(x / y)) - _mp(x - y))
    with mpmath.workprec(_bits_for(t)):
        tm = _mp(t)
        return +(_mp(y) * ((1 + tm) * mpmath.log1p(tm) - tm))


def _js_term(x: Fraction, y: Fraction) -> mpmath.mpf:
    """``x log(2x/(x+y)) + y log(2y/(x+y)) >= 0`` exactly for rationals ``x, y >= 0``."""
    w = x + y
    if w == 0:
        return mpmath.mpf(0)
    s = (x - y) / w
    if abs(s) >= Fraction(1, 2):  # no cancellation: logs of the exact ratios
        return +sum((_mp(v) * mpmath.log(_mp(2 * v / w)) for v in (x, y) if v), mpmath.mpf(0))
    with mpmath.workprec(_bits_for(s)):
        sm = _mp(s)
        g = (1 + sm) * mpmath.log1p(sm) + (1 - sm) * mpmath.log1p(-sm)
        return +(_mp(w) / 2 * g)


def kl(p, q) -> mpmath.mpf:
    """KL(p/sum p || q/sum q) of 1-D float arrays, exact to 256 bits (``inf`` if infinite)."""
    ps, qs = _fractions(p), _fractions(q)
    a, b = sum(ps), sum(qs)
    with mpmath.workprec(BITS):
        return mpmath.fsum(_kl_term(x / a, y / b) for x, y in zip(ps, qs, strict=True))


def js(p, q) -> mpmath.mpf:
    """Jensen-Shannon divergence of the renormalised 1-D float arrays ``p`` and ``q``."""
    ps, qs = _fractions(p), _fractions(q)
    a, b = sum(ps), sum(qs)
    with mpmath.workprec(BITS):
        return mpmath.fsum(_js_term(x / a, y / b) for x, y in zip(ps, qs, strict=True)) / 2


def entropy(p) -> mpmath.mpf:
    """Entropy of the renormalised 1-D float array ``p``."""
    ps = _fractions(p)
    a = sum(ps)
    total = mpmath.mpf(0)
    with mpmath.workprec(BITS):
        for x in ps:
            if x == 0:
                continue
            ratio = x / a
            if 2 * x > a:  # log of a ratio next to 1: log1p of the exact rest
                rest = (x - a) / a
                log_ratio = mpmath.log1p(_mp(rest))
            else:
                log_ratio = mpmath.log(_mp(ratio))
            total -= _mp(ratio) * log_ratio
        return +total


def cross_entropy(p, q) -> mpmath.mpf:
    """Cross-entropy of the renormalised 1-D float arrays: H(P) + KL(P || Q)."""
    return entropy(p) + kl(p, q)


def _log_sum_exp_offsets(z: list[Fraction]) -> tuple[Fraction, mpmath.mpf]:
    """``(max z, log sum exp(z - max z))`` for finite or ``None`` (-inf) entries."""
    finite = [v for v in z if v is not None]
    top = max(finite)
    total = mpmath.fsum(mpmath.exp(_mp(v - top)) for v in finite)
    return top, mpmath.log(total)


def kl_from_logits(zp, zq) -> mpmath.mpf:
    """KL(softmax(zp) || softmax(zq)) for 1-D float arrays (``-inf`` allowed), exact."""
    def parse(values):
        return [None if math.isinf(v) else Fraction(v) for v in map(float, values)]

    ps, qs = parse(zp), parse(zq)
    # log sum exp must resolve the smallest difference between the logits' offsets next to 1
    top_p = max(v for v in ps if v is not None)
    top_q = max(v for v in qs if v is not None)
    gaps = [abs((x - top_p) - (y - top_q))
            for x, y in zip(ps, qs, strict=True) if x is not None and y is not None]
    gaps = [g for g in gaps if g] or [Fraction(1)]
    smallest = min(gaps)
    bits = BITS + 64 + max(0, smallest.denominator.bit_length() - smallest.numerator.bit_length())
    with mpmath.workprec(bits):
        top_p, log_p = _log_sum_exp_offsets(ps)
        top_q, log_q = _log_sum_exp_offsets(qs)
        terms = []
        for x, y in zip(ps, qs, strict=True):
            if x is None:  # p = 0: the generalised term is q
                if y is not None:
                    terms.append(mpmath.exp(_mp(y - top_q) - log_q))
                continue
            if y is None:
                return mpmath.inf
            e = (x - top_p) - (y - top_q)  # exact
            with mpmath.workprec(bits + 2200):
                r = _mp(e) - (log_p - log_q)
            log_p_i = _mp(x - top_p) - log_p
            if abs(r) > 1:  # p (e^-r - 1 + r) = q - p + p r
                log_q_i = _mp(y - top_q) - log_q
                terms.append(mpmath.exp(log_q_i) - mpmath.exp(log_p_i) * (1 - r))
                continue
            with mpmath.workprec(BITS + max(0, 64 - int(mpmath.mag(r)) if r else 0)):
                terms.append(mpmath.exp(log_p_i) * (mpmath.expm1(-r) + r))
        return mpmath.fsum(terms)


def relative_error(got: float, exact: mpmath.mpf) -> float:
    """``|got - exact| / |exact|`` (0 when both are 0 or both infinite)."""
    if math.isinf(float(exact)) or math.isinf(got):
        return 0.0 if got == float(exact) else math.inf
    if exact == 0:
        return 0.0 if got == 0 else math.inf
    with mpmath.workprec(BITS):
        return float(abs(mpmath.mpf(got) - exact) / abs(exact))


def assert_accurate(got: float, exact: mpmath.mpf, n: int, rtol: float = 1e-14) -> float:
    """Assert ``got`` is within ``rtol`` of ``exact`` (or inf where it is infinite).

    A result below the normal range may instead be within :data:`SUBNORMAL_SLACK` per outcome.
    Returns the relative error.
    """
    assert not math.isnan(got), f"NaN where the exact value is {mpmath.nstr(exact, 17)}"
    if math.isinf(float(exact)):
        assert got == math.inf, f"got {got!r}, exact value {mpmath.nstr(exact, 5)} overflows"
        return 0.0
    error = relative_error(got, exact)
    if error <= rtol:
        return error
    with mpmath.workprec(BITS):
        absolute = float(abs(mpmath.mpf(got) - exact))
    assert absolute <= n * SUBNORMAL_SLACK, (
        f"got {got!r}, exact {mpmath.nstr(exact, 20)}, relative error {error:.3g}")
    return 0.0


def kl_bernoulli(p: float, q: float) -> mpmath.mpf:
    """KL(Bern(p) || Bern(q)) of floats ``p, q`` in [0, 1]."""
    x, y = Fraction(float(p)), Fraction(float(q))
    with mpmath.workprec(BITS):
        return _kl_term(x, y) + _kl_term(1 - x, 1 - y)


def kl_normal(mu_p: float, sigma_p: float, mu_q: float, sigma_q: float) -> mpmath.mpf:
    """KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) of floats: ((t - log(1+t)) + delta^2)/2."""
    mu_p, sigma_p, mu_q, sigma_q = (Fraction(float(v)) for v in (mu_p, sigma_p, mu_q, sigma_q))
    ratio = (sigma_p / sigma_q) ** 2
    t = ratio - 1
    delta = (mu_p - mu_q) / sigma_q
    with mpmath.workprec(_bits_for(t)):
        phi = _mp(t) - (mpmath.log(_mp(ratio)) if t < -Fraction(1, 2) else mpmath.log1p(_mp(t)))
        return +((phi + _mp(delta * delta)) / 2)
