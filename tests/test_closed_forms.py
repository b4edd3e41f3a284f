"""Tests for klutils.closed_forms: hand values, 50-digit references, integration, Monte Carlo."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from klutils._validation import log_of_base
from klutils.closed_forms import kl_bernoulli, kl_mvn, kl_normal

RTOL = 1e-12


# ---------------------------------------------------------------------------------------------
# 50-digit references, computed from exactly the same float64 inputs
# ---------------------------------------------------------------------------------------------


def ref_bernoulli(p: float, q: float) -> mp.mpf:
    with mp.workdps(50):
        p, q = mp.mpf(float(p)), mp.mpf(float(q))
        t1 = 0 if p == 0 else p * mp.log(p / q)
        # log1p: log(1 - q) of a tiny q must not be rounded away at 50 digits
        t2 = 0 if p == 1 else (1 - p) * (mp.log1p(-p) - mp.log1p(-q))
        return t1 + t2


def ref_normal(mu_p: float, s_p: float, mu_q: float, s_q: float) -> mp.mpf:
    with mp.workdps(50):
        mu_p, s_p, mu_q, s_q = (mp.mpf(float(v)) for v in (mu_p, s_p, mu_q, s_q))
        # textbook formula, grouped so that a tiny mean term is not lost next to 1/2
        var_part = mp.log(s_q / s_p) + (s_p**2 - s_q**2) / (2 * s_q**2)
        return var_part + (mu_p - mu_q) ** 2 / (2 * s_q**2)


def ref_mvn(mu_p, cov_p, mu_q, cov_q) -> mp.mpf:
    with mp.workdps(50):
        k = len(mu_p)
        cp, cq = mp.matrix(np.asarray(cov_p).tolist()), mp.matrix(np.asarray(cov_q).tolist())
        d = mp.matrix(np.asarray(mu_q).tolist()) - mp.matrix(np.asarray(mu_p).tolist())
        a = mp.inverse(cq) * cp
        maha = (d.T * mp.lu_solve(cq, d))[0, 0]
        return (sum(a[i, i] for i in range(k)) - k - mp.log(mp.det(a)) + maha) / 2


def rel_err(value: float, ref: mp.mpf) -> float:
    """Relative error; below the normal float range (results underflow) relative to 2.2e-308."""
    with mp.workdps(50):
        return float(abs(mp.mpf(value) - ref) / max(abs(ref), np.finfo(float).tiny))


def textbook_kl_normal(mu_p, s_p, mu_q, s_q):
    """The formula used by torch / TF Probability, kept here to show why it is not used."""
    return math.log(s_q / s_p) + (s_p**2 + (mu_p - mu_q) ** 2) / (2 * s_q**2) - 0.5


def random_spd(rng, k, cond=10.0):
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    c = (q * np.logspace(0, np.log10(cond), k)) @ q.T
    return 0.5 * (c + c.T)


# ---------------------------------------------------------------------------------------------
# Hand values
# ---------------------------------------------------------------------------------------------


def test_hand_values():
    # 0.5 log(5/6) + 0.5 log(5/4) = 0.02041099726...
    assert kl_bernoulli(0.5, 0.6) == pytest.approx(0.0204110, abs=1e-7)
    assert kl_bernoulli(0.5, 0.6, base=2) == pytest.approx(0.0294468, abs=1e-7)
    assert kl_normal(0, 1, 1, 1) == 0.5
    assert kl_normal(0, 1, 0, 2) == pytest.approx(math.log(2) + 1 / 8 - 1 / 2, rel=1e-15)
    assert kl_mvn([0.0], [[1.0]], [1.0], [[1.0]]) == 0.5


def test_base():
    nats = kl_normal(0.3, 1.2, -0.4, 0.8)
    assert kl_normal(0.3, 1.2, -0.4, 0.8, base=2) == pytest.approx(nats / math.log(2), rel=1e-15)
    assert kl_bernoulli(0.2, 0.7, base=10) == pytest.approx(
        kl_bernoulli(0.2, 0.7) / math.log(10), rel=1e-15
    )
    assert kl_mvn([0, 0], np.eye(2), [1, 1], np.eye(2), base=math.e) == pytest.approx(1.0)
    assert log_of_base(None) == 1.0
    assert log_of_base(2) == math.log(2)
    assert log_of_base(np.float32(4.0)) == math.log(4)
    with pytest.raises(ValueError, match="greater than 1"):
        log_of_base(np.float32(0.5))  # a base below 1 would make every divergence negative
    assert kl_bernoulli(np.array([0, 1]), np.array([1, 0]), base=np.int64(2)).tolist() == [
        math.inf,
        math.inf,
    ]


# ---------------------------------------------------------------------------------------------
# Accuracy against mpmath, including almost-equal distributions
# ---------------------------------------------------------------------------------------------


def bernoulli_cases():
    rng = np.random.default_rng(0)
    ps = np.concatenate(
        [rng.uniform(0, 1, 40), 10 ** rng.uniform(-12, -1, 40), 1 - 10 ** rng.uniform(-12, -1, 40)]
    )
    cases = [(p, rng.uniform(0, 1)) for p in ps]  # random
    cases += [(p, p * (1 + 1e-9)) for p in ps if p * (1 + 1e-9) < 1]
    cases += [(p, p + s) for p in ps for s in (1e-12, -1e-12) if 0 < p + s < 1]
    cases += [(p, p * (1 + f)) for p in ps for f in (-0.3, -0.09, 0.11) if p * (1 + f) < 1]
    return np.array(cases).T


def test_bernoulli_against_mpmath():
    p, q = bernoulli_cases()
    assert np.all(p != q)
    kl = kl_bernoulli(p, q)  # vectorised call ...
    for pi, qi, ki in zip(p, q, kl, strict=True):
        assert rel_err(ki, ref_bernoulli(pi, qi)) <= RTOL, (pi, qi)
        assert kl_bernoulli(pi, qi) == ki  # ... gives the same as the scalar one


def normal_cases():
    rng = np.random.default_rng(1)
    cases = []
    for _ in range(40):
        m_p, m_q = rng.normal(0, 3, 2)
        s_p, s_q = 10 ** rng.uniform(-3, 3, 2)
        cases.append((m_p, s_p, m_q, s_q))  # random
        for dm in (1e-3, 1e-8, 0.0):
            for f in (1.0, 1 + 1e-8, 1 - 1e-8, 1 + 1e-3):
                if dm or f != 1.0:
                    cases.append((m_p, s_p, m_p + dm, s_p * f))
                    cases.append((m_p, s_p * f, m_p + dm, s_p))
    return np.array(cases).T


def test_normal_against_mpmath():
    mu_p, s_p, mu_q, s_q = normal_cases()
    kl = kl_normal(mu_p, s_p, mu_q, s_q)
    for args, ki in zip(zip(mu_p, s_p, mu_q, s_q, strict=True), kl, strict=True):
        assert rel_err(ki, ref_normal(*args)) <= RTOL, args


def test_textbook_normal_formula_fails_when_nearly_equal():
    # Sigmas a factor 1 + 1e-8 apart, means 1e-8 apart: KL ~ 1.5e-16, cancellation in the
    # textbook formula leaves (almost) no correct digit, the careful version keeps them all.
    args = (0.3, 1.7, 0.3 + 1e-8, 1.7 * (1 + 1e-8))
    ref = ref_normal(*args)
    assert rel_err(textbook_kl_normal(*args), ref) > 1e-2
    assert rel_err(kl_normal(*args), ref) <= RTOL


def test_mvn_against_mpmath():
    rng = np.random.default_rng(2)
    for k in (1, 2, 3, 5):
        for _ in range(6):
            mu_p, mu_q = rng.normal(size=(2, k))
            cov_p, cov_q = random_spd(rng, k), random_spd(rng, k)
            kl = kl_mvn(mu_p, cov_p, mu_q, cov_q)
            assert rel_err(kl, ref_mvn(mu_p, cov_p, mu_q, cov_q)) <= RTOL
            for eps in (1e-8, 1e-4):  # nearly equal covariances and means
                e = rng.normal(size=(k, k))
                cov_p = cov_q + eps * (e + e.T)
                for mu_p in (mu_q, mu_q + eps * rng.normal(size=k)):
                    kl = kl_mvn(mu_p, cov_p, mu_q, cov_q)
                    assert rel_err(kl, ref_mvn(mu_p, cov_p, mu_q, cov_q)) <= RTOL
            for scale in (1e-6, 0.4, 0.6, 50.0):  # one branch each side of lambda = 1/2
                cov_p = scale * cov_q
                kl = kl_mvn(mu_q, cov_p, mu_q, cov_q)
                assert rel_err(kl, ref_mvn(mu_q, cov_p, mu_q, cov_q)) <= RTOL


def correlation_condition(cov) -> float:
    scale = np.sqrt(np.diag(cov))
    return float(np.linalg.cond(cov / np.outer(scale, scale)))


@pytest.mark.parametrize("cond", [1e1, 1e3, 1e6, 1e9, 1e12])
def test_mvn_error_is_bounded_by_the_condition_number(cond):
    """The documented limit: relative error at most k * kappa * eps, kappa the condition number
    of the correlation matrices, for random, nearly equal and scaled covariances."""
    rng = np.random.default_rng(int(math.log10(cond)))
    for _ in range(4):
        k = int(rng.integers(2, 6))
        cov_q = random_spd(rng, k, cond)
        e = rng.normal(size=(k, k))
        for cov_p in (random_spd(rng, k, cond), 0.3 * cov_q,
                      cov_q + 1e-8 * np.abs(cov_q).max() * (e + e.T)):
            if np.linalg.eigvalsh(cov_p).min() <= 0:
                continue
            mu_q = rng.normal(size=k)
            mu_p = mu_q + 1e-6 * rng.normal(size=k)
            kappa = max(correlation_condition(cov_p), correlation_condition(cov_q))
            error = rel_err(kl_mvn(mu_p, cov_p, mu_q, cov_q), ref_mvn(mu_p, cov_p, mu_q, cov_q))
            assert error <= k * kappa * np.finfo(float).eps


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_bernoulli_property_accurate_and_nonnegative(p, q):
    kl = kl_bernoulli(p, q)
    assert kl >= 0.0  # also fails for NaN
    if (p > 0 and q == 0) or (p < 1 and q == 1):
        assert kl == math.inf
    else:
        assert rel_err(kl, ref_bernoulli(p, q)) <= RTOL


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e6, 1e6),
    st.floats(1e-6, 1e6),
    st.floats(-1e6, 1e6),
    st.floats(1e-6, 1e6),
)
def test_normal_property_accurate(mu_p, s_p, mu_q, s_q):
    assert rel_err(kl_normal(mu_p, s_p, mu_q, s_q), ref_normal(mu_p, s_p, mu_q, s_q)) <= RTOL


finite = st.floats(allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0, exclude_min=True, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite, positive, finite, positive)
def test_normal_property_never_negative_or_nan(mu_p, s_p, mu_q, s_q):
    assert kl_normal(mu_p, s_p, mu_q, s_q) >= 0.0  # may overflow to inf, never NaN


# ---------------------------------------------------------------------------------------------
# Independent checks: numerical integration and Monte Carlo
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mu_p, s_p, mu_q, s_q",
    [(0.0, 1.0, 1.0, 1.0), (0.5, 0.3, -1.0, 2.0), (2.0, 3.0, 0.0, 0.5), (0.0, 1.0, 0.1, 1.1)],
)
def test_normal_against_quadrature(mu_p, s_p, mu_q, s_q):
    def integrand(x):
        lp = stats.norm.logpdf(x, mu_p, s_p)
        return math.exp(lp) * (lp - stats.norm.logpdf(x, mu_q, s_q))

    value, abserr = integrate.quad(integrand, mu_p - 40 * s_p, mu_p + 40 * s_p, points=[mu_p])
    assert kl_normal(mu_p, s_p, mu_q, s_q) == pytest.approx(value, rel=1e-9, abs=10 * abserr)


@pytest.mark.parametrize("k", [2, 3])
def test_mvn_against_monte_carlo(k):
    rng = np.random.default_rng(42 + k)
    mu_p, mu_q = rng.normal(size=(2, k))
    cov_p, cov_q = random_spd(rng, k, 5.0), random_spd(rng, k, 5.0)
    x = rng.multivariate_normal(mu_p, cov_p, size=100_000)
    log_ratio = stats.multivariate_normal(mu_p, cov_p).logpdf(x) - stats.multivariate_normal(
        mu_q, cov_q
    ).logpdf(x)
    stderr = log_ratio.std(ddof=1) / math.sqrt(len(x))
    assert abs(kl_mvn(mu_p, cov_p, mu_q, cov_q) - log_ratio.mean()) < 4 * stderr


def test_mvn_1d_matches_normal():
    rng = np.random.default_rng(4)
    for _ in range(20):
        m_p, m_q = rng.normal(size=2)
        s_p, s_q = 10 ** rng.uniform(-2, 2, 2)
        expected = kl_normal(m_p, s_p, m_q, s_q)
        assert kl_mvn([m_p], [[s_p**2]], [m_q], [[s_q**2]]) == pytest.approx(expected, rel=1e-14)


def test_mvn_diagonal_is_sum_of_normals():
    rng = np.random.default_rng(5)
    mu_p, mu_q = rng.normal(size=(2, 4))
    s_p, s_q = 10 ** rng.uniform(-1, 1, (2, 4))
    expected = np.sum(kl_normal(mu_p, s_p, mu_q, s_q))
    kl = kl_mvn(mu_p, np.diag(s_p**2), mu_q, np.diag(s_q**2))
    assert kl == pytest.approx(expected, rel=1e-13)


# ---------------------------------------------------------------------------------------------
# Edge cases, shapes and types
# ---------------------------------------------------------------------------------------------


def test_bernoulli_zero_and_inf_conventions(recwarn):
    assert kl_bernoulli(0.0, 0.3) == pytest.approx(-math.log(0.7), rel=1e-15)  # 0 log 0 = 0
    assert kl_bernoulli(1.0, 0.3) == pytest.approx(-math.log(0.3), rel=1e-15)
    assert kl_bernoulli(0.2, 0.0) == math.inf
    assert kl_bernoulli(0.2, 1.0) == math.inf
    assert kl_bernoulli(1.0, 0.0) == math.inf
    assert kl_bernoulli(0.0, 1.0) == math.inf
    for p in (0.0, 1.0):
        assert kl_bernoulli(p, p) == 0.0
    assert kl_bernoulli(1e-300, 0.5) == pytest.approx(math.log(2), rel=1e-15)
    assert kl_bernoulli(5e-324, 1.0 - 2**-53) == pytest.approx(53 * math.log(2), rel=1e-12)
    assert len(recwarn) == 0  # no RuntimeWarnings from log(0) or 0 * inf


def test_identical_inputs_give_exact_zero():
    p = np.linspace(0, 1, 101)
    assert np.all(kl_bernoulli(p, p) == 0.0)
    assert kl_normal(1.5, 0.3, 1.5, 0.3) == 0.0
    cov = random_spd(np.random.default_rng(6), 4)
    assert kl_mvn(np.ones(4), cov, np.ones(4), cov) == 0.0


def test_scalar_inputs_return_python_float():
    for value in (
        kl_bernoulli(0.2, 0.4),
        kl_bernoulli(np.float64(0.2), 0.4),
        kl_bernoulli(0.3, 0.3),
        kl_normal(0, 1, 2, 3),
        kl_mvn([0, 0], np.eye(2), [1, 0], np.eye(2)),
    ):
        assert type(value) is float


def test_broadcasting_shapes():
    p = np.linspace(0.1, 0.9, 3)[:, None]
    q = np.linspace(0.2, 0.8, 4)
    out = kl_bernoulli(p, q)
    assert isinstance(out, np.ndarray) and out.shape == (3, 4)
    assert out[2, 1] == kl_bernoulli(p[2, 0], q[1])
    assert kl_bernoulli([0.5], 0.5).shape == (1,)
    assert kl_normal(np.zeros((2, 1)), 1.0, np.arange(3.0), [1.0, 2.0, 3.0]).shape == (2, 3)


def test_mvn_batch():
    rng = np.random.default_rng(7)
    mu = rng.normal(size=(4, 3))
    covs = np.stack([random_spd(rng, 3) for _ in range(4)])
    out = kl_mvn(mu, covs, np.zeros(3), np.eye(3))
    assert out.shape == (4,)
    for i in range(4):
        assert out[i] == kl_mvn(mu[i], covs[i], np.zeros(3), np.eye(3))
    assert kl_mvn(mu[None], covs[:, None], mu[0], np.eye(3)).shape == (4, 4)


def test_mvn_accepts_asymmetry_below_tolerance():
    cov = np.array([[2.0, 0.5], [0.5 + 1e-13, 1.0]])
    assert kl_mvn([0, 0], cov, [0, 0], cov) == 0.0


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------

spd2 = np.array([[2.0, 0.3], [0.3, 1.0]])
BAD_BASE = "base must be a finite number greater than 1"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: kl_bernoulli(1.2, 0.5), r"p must lie in \[0, 1\]; got 1\.2"),
        (lambda: kl_bernoulli(0.5, -0.1), r"q must lie in \[0, 1\]; got -0\.1"),
        (lambda: kl_bernoulli([0.2, 1.5], 0.5), r"p must lie in \[0, 1\]; got 1\.5"),
        (lambda: kl_bernoulli(math.nan, 0.5), r"p must be finite numbers; it contains nan"),
        (lambda: kl_bernoulli(0.5, math.inf), r"q must be finite numbers; it contains inf"),
        (lambda: kl_bernoulli(0.5, 0.5, base=0), BAD_BASE),
        (lambda: kl_bernoulli(0.5, 0.5, base=1), BAD_BASE),
        (lambda: kl_normal(0, 1, 0, 1, base=-2), BAD_BASE),
        (lambda: kl_normal(0, 1, 0, 1, base=math.inf), BAD_BASE),
        (lambda: kl_normal(0, 1, 0, 1, base=math.nan), BAD_BASE),
        (lambda: kl_normal(0, 1, 0, 1, base="two"), BAD_BASE),
        (lambda: kl_normal(0, 1, 0, 1, base=True), BAD_BASE),
        (lambda: kl_bernoulli("0.5", 0.5), r"p must hold real numbers; got dtype <U3"),
        (lambda: kl_bernoulli(0.5, [True]), "q must hold real numbers; got dtype bool"),
        (lambda: kl_normal(0, 1, 1j, 1), "mu_q must hold real numbers; got dtype complex"),
        (lambda: kl_mvn([0, 0], [[1.0], [0, 1]], [0, 0], spd2), "cov_p must be an array of"),
        (lambda: kl_normal(0, 0.0, 0, 1), r"sigma_p must be positive; got 0\.0"),
        (lambda: kl_normal(0, 1, 0, [1.0, -2.0]), r"sigma_q must be positive; got -2\.0"),
        (lambda: kl_normal(math.nan, 1, 0, 1), "mu_p must be finite"),
        (lambda: kl_normal(0, 1, -math.inf, 1), "mu_q must be finite"),
        (lambda: kl_normal(0, math.inf, 0, 1), "sigma_p must be finite"),
        (lambda: kl_mvn([0, 0], np.ones((2, 3)), [0, 0], spd2), "cov_p must be a square matrix"),
        (lambda: kl_mvn([0, 0], spd2, [0, 0], [1.0, 2.0]), "cov_q must be a square matrix"),
        (lambda: kl_mvn([0, 0, 0], spd2, [0, 0], spd2), "mu_p of shape .* does not match cov_p"),
        (lambda: kl_mvn([0, 0], spd2, 0.0, spd2), "mu_q of shape .* does not match cov_q"),
        (lambda: kl_mvn([0], [[1.0]], [0, 0], spd2), "cov_p is 1x1 but cov_q is 2x2"),
        (lambda: kl_mvn([0, 0], [[1, 0.5], [0.4, 1]], [0, 0], spd2), "cov_p must be symmetric"),
        (lambda: kl_mvn([0, 0], spd2, [0, 0], [[1, 2], [2, 1]]), "cov_q must be positive definite"),
        (lambda: kl_mvn([0, 0], -spd2, [0, 0], spd2), "cov_p must be positive definite"),
        (lambda: kl_mvn([0, math.nan], spd2, [0, 0], spd2), "mu_p must be finite"),
        (lambda: kl_mvn([0, 0], spd2, [0, 0], [[1, math.inf], [0, 1]]), "cov_q must be finite"),
        (
            lambda: kl_mvn(np.zeros((3, 2)), spd2, np.zeros((4, 2)), spd2),
            "batch dimensions of the inputs do not broadcast",
        ),
    ],
)
def test_bad_inputs_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------------------------
# Extreme scales and the whole float range, against exact references (tests/exact.py)
# ---------------------------------------------------------------------------------------------

import exact  # noqa: E402
from hypothesis import example  # noqa: E402
from strategies import ACCURACY  # noqa: E402

probabilities = st.one_of(st.floats(0, 1), st.floats(0, 1e-300), st.floats(1 - 1e-10, 1),
                          st.sampled_from([5e-324, 1 - 2**-53, 0.5, 1.0, 0.0]))


@ACCURACY
@given(probabilities, probabilities)
@example(5e-324, 1 - 2**-53)
@example(1 - 2**-53, 1 - 2**-52)
def test_bernoulli_exact_over_the_whole_range(p, q):
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        got = kl_bernoulli(p, q)
    exact.assert_accurate(got, exact.kl_bernoulli(p, q), n=2, rtol=1e-14)


positive_scales = st.one_of(st.floats(1e-300, 1e300), st.floats(5e-324, 1e-300),
                            st.floats(1e300, 1.7e308), st.floats(0.5, 2.0))
locations = st.one_of(st.floats(-1e308, 1e308), st.floats(-10, 10))


@ACCURACY
@given(locations, positive_scales, locations, positive_scales)
@example(0.0, 1.0, 0.0, 6.4e-155)
@example(1e308, 1e300, -1e308, 1e300)
@example(0.0, 5e-324, 0.0, 1.7e308)
def test_normal_exact_over_the_whole_range(mu_p, s_p, mu_q, s_q):
    """Finite where the exact value is representable (kl_normal(0, 1, 0, 6.4e-155) = 1.22e308),
    inf where it is not, never NaN, no warning."""
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        got = kl_normal(mu_p, s_p, mu_q, s_q)
    exact.assert_accurate(got, exact.kl_normal(mu_p, s_p, mu_q, s_q), n=2, rtol=1e-14)


def exact_mvn_diagonal(mu_p, var_p, mu_q, var_q):
    """Sum over the axes of the exact univariate KL, from the variances themselves."""
    from fractions import Fraction

    import mpmath
    total = mpmath.mpf(0)
    with mpmath.workprec(exact.BITS + 2200):
        for a, va, b, vb in zip(mu_p, var_p, mu_q, var_q, strict=True):
            ratio = Fraction(float(va)) / Fraction(float(vb))
            delta2 = (Fraction(float(a)) - Fraction(float(b))) ** 2 / Fraction(float(vb))
            t = exact._mp(ratio - 1)
            total += (t - mpmath.log(exact._mp(ratio)) + exact._mp(delta2)) / 2
    return total


@pytest.mark.parametrize("scale_p, scale_q", [(1e300, 1e-300), (1e-300, 1e300), (1e300, 1e300),
                                              (1e-300, 1e-300), (1e150, 1.0), (1.0, 1e-150)])
def test_mvn_at_extreme_scales_is_finite_or_inf_never_nan(scale_p, scale_q):
    rng = np.random.default_rng(8)
    var_p = scale_p * rng.uniform(0.5, 2, 3)
    var_q = scale_q * rng.uniform(0.5, 2, 3)
    mu_p, mu_q = rng.normal(size=(2, 3)) * math.sqrt(scale_q)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        got = kl_mvn(mu_p, np.diag(var_p), mu_q, np.diag(var_q))
    exact.assert_accurate(got, exact_mvn_diagonal(mu_p, var_p, mu_q, var_q), n=3, rtol=1e-13)


def test_mvn_means_far_apart_overflow_only_when_the_value_does():
    assert kl_mvn([1e308], [[1.6e308]], [-1e308], [[1.6e308]]) == pytest.approx(1.25e308,
                                                                                 rel=1e-14)
    assert kl_mvn([1e308], [[1.0]], [-1e308], [[1.0]]) == math.inf
    assert kl_mvn([0.0, 0.0], np.eye(2) * 1e300, [0.0, 0.0], np.eye(2) * 1e-300) == math.inf


# ---------------------------------------------------------------------------------------------
# kl_mvn: batches, dimension 0, refusals relative to the diagonal scale
# ---------------------------------------------------------------------------------------------


def test_mvn_batches_are_computed_together_and_match_single_pairs():
    rng = np.random.default_rng(9)
    n, k = 2000, 3
    mu_p, mu_q = rng.normal(size=(2, n, k))
    cov_p = np.stack([random_spd(rng, k) for _ in range(n)])
    cov_q = np.stack([random_spd(rng, k) for _ in range(n)])
    batch = kl_mvn(mu_p, cov_p, mu_q, cov_q)
    assert batch.shape == (n,)
    for i in range(0, n, 97):
        assert batch[i] == pytest.approx(kl_mvn(mu_p[i], cov_p[i], mu_q[i], cov_q[i]),
                                         rel=1e-14)


def test_mvn_dimension_zero_is_zero():
    assert kl_mvn(np.zeros(0), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))) == 0.0
    assert kl_mvn(np.zeros((4, 0)), np.zeros((0, 0)), np.zeros(0),
                  np.zeros((0, 0))).tolist() == [0.0] * 4


def test_mvn_refuses_rank_deficient_covariance():
    """A rank-1 covariance (P on a line) has no density: refused rather than a finite number."""
    v = np.array([1.0, 2.0, 3.0])
    singular = np.outer(v, v) + np.diag([0.0, 1e-17, 0.0])
    with pytest.raises(ValueError, match="cov_p must be positive definite.*singular"):
        kl_mvn(np.zeros(3), singular, np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="cov_q must be positive definite"):
        kl_mvn(np.zeros(3), np.eye(3), np.zeros(3), singular)
    with pytest.raises(ValueError, match="positive definite; a diagonal entry is 0.0"):
        kl_mvn([0, 0], [[0.0, 0.0], [0.0, 1.0]], [0, 0], np.eye(2))


def test_mvn_symmetry_is_judged_relative_to_the_diagonal_scale():
    with pytest.raises(ValueError, match=r"cov_p must be symmetric: entries \(0, 1\) and"):
        kl_mvn([0, 0], [[1e10, 0.5], [0.0, 1e10]], [0, 0], np.eye(2))
    tiny = np.array([[1e-20, 3e-21], [3e-21 * (1 + 1e-14), 1e-20]])  # asymmetric by rounding
    assert kl_mvn([0, 0], tiny, [0, 0], tiny) == 0.0
    rng = np.random.default_rng(10)
    x = rng.normal(size=(50, 4)) * [1e-3, 1.0, 1e3, 1e6]
    computed = x.T @ x / 50  # symmetric up to rounding
    assert kl_mvn(np.zeros(4), computed, np.zeros(4), computed.T) == 0.0


def test_bernoulli_empty_batch_is_empty_like_kl_divergence():
    from klutils import kl_divergence
    assert kl_bernoulli([], 0.5).shape == (0,)
    assert kl_divergence(np.empty((0, 2)), [0.5, 0.5]).shape == (0,)
    assert kl_normal([], 1.0, 0.0, 1.0).shape == (0,)
