"""Closed-form KL divergences between Bernoulli and (multivariate) normal distributions.

All results are in nats unless ``base`` is given (``base=2`` gives bits). Parameters broadcast
against each other like numpy arrays; an empty batch gives an empty array (as
:func:`klutils.kl_divergence` does).

The formulas are arranged so that no catastrophic cancellation occurs, also when the two
distributions are almost equal.  Everything is reduced to the non-negative function

.. math:: \\varphi(t) = t - \\log(1 + t), \\qquad t > -1,

(:func:`klutils._series.t_minus_log1p`, a series near 0 and the closed form elsewhere), with
arguments ``t`` built from differences of the inputs, which are exact in floating point when the
inputs are close (Sterbenz lemma). Extreme scales (standard deviations of 1e-300 and 1e300,
means 1e308 apart) give the finite value when it is representable and ``inf`` when it is not,
never NaN.
"""

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import solve_triangular

from klutils._series import t_minus_log1p
from klutils._validation import as_result, log_of_base, real_array

__all__ = ["kl_bernoulli", "kl_normal", "kl_mvn"]

#: How far a covariance may be from symmetric: ``|S_ij - S_ji| <= SYMMETRY_TOLERANCE *
#: sqrt(S_ii S_jj)`` (rounding in a computed covariance is far below; a typo is far above).
SYMMETRY_TOLERANCE = 1e-12

_EPS = float(np.finfo(np.float64).eps)


def _finish(value: np.ndarray, base: float | None) -> float | np.ndarray:
    return as_result(value / log_of_base(base))


def _log_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(a / b)`` for ``a, b >= 0``, also when ``a / b`` over- or underflows."""
    with np.errstate(all="ignore"):
        r = a / b
        normal = (r >= np.finfo(float).tiny) & np.isfinite(r)
        return np.where(normal, np.log(np.where(normal, r, 1.0)), np.log(a) - np.log(b))


def _difference(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(a - b) / scale``, also when ``a - b`` overflows but the quotient does not."""
    with np.errstate(over="ignore", invalid="ignore"):
        direct = (a - b) / scale
        return np.where(np.isfinite(a - b), direct, a / scale - b / scale)


def _gen_kl_term(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``x log(x/y) - x + y >= 0`` for ``x, y >= 0``, given ``d = y - x`` (exact if close)."""
    with np.errstate(all="ignore"):
        t = d / x  # y / x - 1
        near = (t >= -2.0 / 3.0) & (t <= 2.0)  # y within a factor 3 of x: phi has no cancellation
        far = d + x * _log_ratio(x, y)  # at most 2.5x cancellation outside `near`
        term = np.where(near, x * t_minus_log1p(np.where(near, t, 0.0)), far)
    return np.where(x == 0, y, term)


def kl_bernoulli(p: ArrayLike, q: ArrayLike, *, base: float | None = None) -> float | np.ndarray:
    r"""KL divergence between two Bernoulli distributions, KL(Bern(p) || Bern(q)).

    Parameters
    ----------
    p, q : array_like
        Success probabilities in [0, 1]; they broadcast against each other like numpy arrays.
    base : float, optional
        Base of the logarithm, greater than 1; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence, a Python ``float`` for scalar inputs and an array otherwise (empty for
        an empty batch, as :func:`klutils.kl_divergence`).  Never negative, exactly ``0.0``
        where ``p == q``, and ``inf`` where ``p > 0 = q`` or ``p < 1 = q``.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not real, NaN, infinite or outside [0, 1], or ``base`` is invalid.

    Notes
    -----
    .. math::
        \mathrm{KL} = p \log\frac{p}{q} + (1-p)\log\frac{1-p}{1-q}
                    = f(p, q) + f(1-p, 1-q),
        \qquad f(x, y) = x \log\frac{x}{y} - x + y = x\,\varphi\!\left(\frac{y-x}{x}\right),

    with :math:`0 \log 0 = 0` and :math:`\varphi(t) = t - \log(1+t)`.  Both terms are
    non-negative, so their sum does not cancel; :math:`y - x` is computed as ``q - p`` (exact
    when ``p`` and ``q`` are close) and :math:`\varphi` by a series for small arguments, which
    keeps full relative accuracy even for ``q = p (1 + 1e-9)``, subnormal ``p`` and ``p`` one
    ulp below 1 (within 1e-14 of the exact value, ``tests/test_closed_forms.py``).

    Examples
    --------
    >>> round(kl_bernoulli(0.5, 0.6), 6)
    0.020411
    >>> round(kl_bernoulli(0.5, 0.6, base=2), 6)
    0.029447
    >>> kl_bernoulli(0.3, 0.3)
    0.0
    >>> kl_bernoulli(1.0, 0.0)
    inf
    >>> kl_bernoulli([0.0, 0.5, 1.0], 0.5).round(6).tolist()
    [0.693147, 0.0, 0.693147]
    """
    p = real_array(p, "p", allow_empty=True)
    q = real_array(q, "q", allow_empty=True)
    for name, a in (("p", p), ("q", q)):
        bad = (a < 0) | (a > 1)
        if np.any(bad):
            raise ValueError(f"{name} must lie in [0, 1]; got {a[bad].flat[0]}")
    try:
        p, q = np.broadcast_arrays(p + 0.0, q + 0.0)  # + 0.0 turns -0.0 into 0.0
    except ValueError:
        raise ValueError(f"the shapes of p and q do not broadcast; got {p.shape} and "
                         f"{q.shape}") from None
    d = q - p
    kl = _gen_kl_term(p, q, d) + _gen_kl_term(1.0 - p, 1.0 - q, -d)
    return _finish(kl, base)


def kl_normal(
    mu_p: ArrayLike,
    sigma_p: ArrayLike,
    mu_q: ArrayLike,
    sigma_q: ArrayLike,
    *,
    base: float | None = None,
) -> float | np.ndarray:
    r"""KL divergence between univariate normals, KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)).

    Parameters
    ----------
    mu_p, sigma_p : array_like
        Mean and standard deviation (> 0) of the first distribution P.
    mu_q, sigma_q : array_like
        Mean and standard deviation (> 0) of the second distribution Q.
    base : float, optional
        Base of the logarithm, greater than 1; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence, broadcast over the inputs; a Python ``float`` for scalar inputs.
        ``inf`` only where the exact value exceeds the float range.

    Raises
    ------
    ValueError
        If a parameter is not real or not finite, a standard deviation is not positive, the
        shapes do not broadcast, or ``base`` is invalid.

    Notes
    -----
    With :math:`r = \sigma_p/\sigma_q`, :math:`t = r^2 - 1` and
    :math:`\delta = (\mu_p - \mu_q)/\sigma_q`,

    .. math::
        \mathrm{KL} = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p-\mu_q)^2}
                      {2\sigma_q^2} - \frac12
                    = \frac12\left[\bigl(t - \log(1+t)\bigr) + \delta^2\right].

    The textbook first form cancels badly when P is close to Q.  Here
    :math:`t = a (a + 2)` with :math:`a = (\sigma_p - \sigma_q)/\sigma_q`, where the difference is
    exact when the sigmas are close, and :math:`t - \log(1+t)` is evaluated without cancellation
    (series for small :math:`|t|`; :math:`t - 2\log r` when :math:`r^2 < 1/3`; :math:`t/2 -
    \log r` with :math:`t/2 = (a/2)(a + 2)` when :math:`t` would overflow, so that
    ``kl_normal(0, 1, 0, 6.4e-155)`` is 1.22e308, not ``inf``).  Within 1e-14 of the exact
    value over the whole float range (``tests/test_closed_forms.py``).

    Examples
    --------
    >>> kl_normal(0, 1, 1, 1)
    0.5
    >>> round(kl_normal(0, 1, 0, 2), 6)  # log 2 + 1/8 - 1/2
    0.318147
    >>> kl_normal(0.0, [1.0, 2.0], 0.0, 1.0).round(6).tolist()
    [0.0, 0.806853]
    """
    mu_p = real_array(mu_p, "mu_p", allow_empty=True)
    mu_q = real_array(mu_q, "mu_q", allow_empty=True)
    sigma_p = real_array(sigma_p, "sigma_p", allow_empty=True)
    sigma_q = real_array(sigma_q, "sigma_q", allow_empty=True)
    for name, s in (("sigma_p", sigma_p), ("sigma_q", sigma_q)):
        if np.any(s <= 0):
            raise ValueError(f"{name} must be positive; got {s[s <= 0].flat[0]}")
    try:
        mu_p, sigma_p, mu_q, sigma_q = np.broadcast_arrays(mu_p, sigma_p, mu_q, sigma_q)
    except ValueError:
        raise ValueError("the shapes of mu_p, sigma_p, mu_q and sigma_q do not broadcast") from None
    with np.errstate(over="ignore", invalid="ignore"):
        a = (sigma_p - sigma_q) / sigma_q
        t = a * (a + 2.0)
        log_r = _log_ratio(sigma_p, sigma_q)
        half_phi = np.where(t < -2.0 / 3.0, 0.5 * t - log_r,  # r^2 < 1/3: 1 + t is inexact
                            0.5 * t_minus_log1p(np.where(t < -2.0 / 3.0, 0.0, t)))
        huge = ~(t < 1e300)  # t/2 - log r, with t/2 formed without overflow
        half_phi = np.where(huge, (0.5 * a) * (a + 2.0) - log_r, half_phi)
        delta = _difference(mu_p, mu_q, sigma_q)
        kl = half_phi + (0.5 * delta) * delta
    return _finish(kl, base)


def _checked_covariance(cov: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a stack of covariances; return it symmetrised and its diagonal's square root.

    Symmetry is judged relative to the diagonal scale ``sqrt(S_ii S_jj)``; positive
    definiteness on the correlation matrix (unit diagonal), refusing a smallest eigenvalue
    below ``8 k eps`` times the largest: such a matrix is singular to working precision and
    the divergence would have no correct digit.
    """
    k = cov.shape[-1]
    diagonal = np.diagonal(cov, axis1=-2, axis2=-1)
    if np.any(diagonal <= 0):
        raise ValueError(f"{name} must be positive definite; a diagonal entry is "
                         f"{float(diagonal[diagonal <= 0].flat[0])!r}")
    scale = np.sqrt(diagonal)
    outer = scale[..., :, None] * scale[..., None, :]
    with np.errstate(over="ignore"):
        asymmetry = np.abs(cov - np.swapaxes(cov, -1, -2))
    bad = asymmetry > SYMMETRY_TOLERANCE * outer
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0][-2:])
        raise ValueError(f"{name} must be symmetric: entries {index} and {index[::-1]} differ "
                         f"by more than {SYMMETRY_TOLERANCE:g} of the diagonal scale "
                         f"sqrt(S_ii S_jj)")
    symmetric = 0.5 * cov + 0.5 * np.swapaxes(cov, -1, -2)  # exact no-op on symmetric input
    correlation = symmetric / outer
    if k:
        eigenvalues = np.linalg.eigvalsh(correlation)
        smallest, largest = eigenvalues[..., 0], eigenvalues[..., -1]
        singular = smallest <= 8.0 * k * _EPS * largest
        if np.any(singular):
            where = tuple(int(i) for i in np.argwhere(singular)[0]) if singular.ndim else ()
            at = f" (at batch index {where})" if where else ""
            raise ValueError(f"{name} must be positive definite{at}; its correlation matrix has "
                             f"eigenvalues from {float(np.min(smallest)):.3g} to "
                             f"{float(np.max(largest)):.3g}, singular to working precision")
    return symmetric, scale


def _solve_lower(lower: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve ``L X = B`` for a stack of lower-triangular ``L`` (N, k, k) and ``B`` (N, k, m).

    One matrix goes to LAPACK; a stack is solved by forward substitution over the k rows, each
    step vectorised over the stack (scipy's batched solve_triangular loops in Python).
    """
    if lower.shape[0] == 1:
        return solve_triangular(lower[0], rhs[0], lower=True, check_finite=False)[None]
    solution = np.empty_like(rhs)
    for i in range(lower.shape[-1]):
        known = np.einsum("nj,njm->nm", lower[:, i, :i], solution[:, :i, :])
        solution[:, i, :] = (rhs[:, i, :] - known) / lower[:, i, i, None]
    return solution


def _log_det_correlation(cholesky: np.ndarray) -> np.ndarray:
    """``log det C`` from the Cholesky factor of a correlation matrix ``C``."""
    return 2.0 * np.sum(np.log(np.diagonal(cholesky, axis1=-2, axis2=-1)), axis=-1)


def _half_squared_norm(y: np.ndarray) -> np.ndarray:
    """``||y||^2 / 2`` along the last axis without overflow before the result overflows."""
    largest = np.max(np.abs(y), axis=-1, initial=0.0)
    safe = np.where((largest > 0) & np.isfinite(largest), largest, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        value = (0.5 * largest) * np.sum((y / safe[..., None]) ** 2, axis=-1) * largest
    return np.where(np.isfinite(largest), value, np.inf)


def kl_mvn(
    mu_p: ArrayLike,
    cov_p: ArrayLike,
    mu_q: ArrayLike,
    cov_q: ArrayLike,
    *,
    base: float | None = None,
) -> float | np.ndarray:
    r"""KL divergence between multivariate normals, KL(N(mu_p, cov_p) || N(mu_q, cov_q)).

    Parameters
    ----------
    mu_p, mu_q : array_like, shape (..., k)
        Means of P and Q.
    cov_p, cov_q : array_like, shape (..., k, k)
        Symmetric positive definite covariance matrices of P and Q.  Leading batch dimensions
        broadcast against each other and against those of the means; ``k = 0`` is allowed
        (the divergence is 0).
    base : float, optional
        Base of the logarithm, greater than 1; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence; a Python ``float`` without batch dimensions, else an array of the
        broadcast batch shape.  ``inf`` only where the exact value exceeds the float range.

    Raises
    ------
    ValueError
        If an entry is not real or not finite, a covariance is not square, not symmetric
        (relative to its diagonal scale: :data:`SYMMETRY_TOLERANCE` of
        :math:`\sqrt{\Sigma_{ii}\Sigma_{jj}}`) or not positive definite (including singular to
        working precision: the smallest eigenvalue of its correlation matrix below
        :math:`8 k \epsilon` times the largest), the shapes do not match or broadcast, or
        ``base`` is invalid.

    Notes
    -----
    .. math::
        \mathrm{KL} = \frac12\left[\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) - k
            - \log\det(\Sigma_q^{-1}\Sigma_p) + (\mu_q-\mu_p)^\top\Sigma_q^{-1}(\mu_q-\mu_p)\right]
          = \frac12\left[\sum_i \bigl(t_i - \log(1 + t_i)\bigr) + \lVert L^{-1}(\mu_p-\mu_q)\rVert^2
            \right],

    computed in the coordinates where :math:`\Sigma_q` has unit diagonal (the divergence does not
    change under this scaling, and it keeps 1e-300 and 1e300 scales finite): there
    :math:`\Sigma_q = L L^\top` (Cholesky) and :math:`t_i` are the eigenvalues of
    :math:`L^{-1}(\Sigma_p - \Sigma_q)L^{-\top}`, so that nothing cancels when
    :math:`\Sigma_p \approx \Sigma_q`.  No matrix is inverted explicitly; batches are computed
    together (stacked linear algebra, forward substitution vectorised over the batch: 2000 pairs
    of 3x3 take milliseconds).  If some :math:`1 + t_i < 1/2`, the log-determinant is taken from
    the Cholesky factors of both correlation matrices instead.

    **Accuracy is limited by the condition number** :math:`\kappa` of the correlation matrices
    (the covariances scaled to unit diagonal; scaling does not count): the Cholesky factor, the
    triangular solves and the eigenvalues carry relative errors of order :math:`k \kappa
    \epsilon`, and so does the result. Measured against 60-digit mpmath for :math:`k \le 5` and
    :math:`\kappa` from 10 to 1e12 (random, nearly equal and scaled covariances): at most
    :math:`0.3\, k \kappa \epsilon`, so about 1e-14 for well-conditioned covariances and 1e-4 at
    :math:`\kappa = 10^{12}` (``tests/test_closed_forms.py`` holds it to :math:`k \kappa
    \epsilon`).
    A covariance with :math:`\kappa > 1/(8 k \epsilon)` is refused.

    Examples
    --------
    >>> kl_mvn([0, 0], [[1, 0], [0, 1]], [1, 0], [[1, 0], [0, 1]])
    0.5
    >>> round(kl_mvn([0, 0], [[1, 0.5], [0.5, 1]], [0, 0], [[1, 0], [0, 1]]), 6)
    0.143841
    >>> kl_mvn(np.zeros((3, 2)), np.eye(2), [1.0, 0.0], 4 * np.eye(2)).round(4).tolist()
    [0.7613, 0.7613, 0.7613]
    """
    mu_p = real_array(mu_p, "mu_p", allow_empty=True)
    mu_q = real_array(mu_q, "mu_q", allow_empty=True)
    cov_p = real_array(cov_p, "cov_p", allow_empty=True)
    cov_q = real_array(cov_q, "cov_q", allow_empty=True)
    for mu, cov, mu_name, cov_name in ((mu_p, cov_p, "mu_p", "cov_p"),
                                       (mu_q, cov_q, "mu_q", "cov_q")):
        if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]:
            raise ValueError(f"{cov_name} must be a square matrix; got shape {cov.shape}")
        if mu.ndim < 1 or mu.shape[-1] != cov.shape[-1]:
            raise ValueError(f"{mu_name} of shape {mu.shape} does not match {cov_name} of "
                             f"shape {cov.shape}")
    k = cov_p.shape[-1]
    if cov_q.shape[-1] != k:
        raise ValueError(f"cov_p is {k}x{k} but cov_q is {cov_q.shape[-1]}x{cov_q.shape[-1]}")
    try:
        batch = np.broadcast_shapes(
            mu_p.shape[:-1], mu_q.shape[:-1], cov_p.shape[:-2], cov_q.shape[:-2]
        )
    except ValueError:
        raise ValueError("batch dimensions of the inputs do not broadcast") from None
    sym_p, scale_p = _checked_covariance(cov_p, "cov_p")
    sym_q, scale_q = _checked_covariance(cov_q, "cov_q")
    if k == 0:
        return _finish(np.zeros(batch), base)
    size = math.prod(batch)

    def stack(array, tail):
        return np.broadcast_to(array, batch + tail).reshape((size, *tail))

    sym_p, sym_q = stack(sym_p, (k, k)), stack(sym_q, (k, k))
    scale_p, scale_q = stack(scale_p, (k,)), stack(scale_q, (k,))
    outer_q = scale_q[:, :, None] * scale_q[:, None, :]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        corr_q = sym_q / outer_q
        p_in_q = sym_p / outer_q  # Sigma_p in the coordinates where Sigma_q has unit diagonal
        gap = _difference(sym_p, sym_q, outer_q)  # exact difference first: no cancellation
        z = _difference(stack(mu_p, (k,)), stack(mu_q, (k,)), scale_q)
    lower = np.linalg.cholesky(corr_q)
    kl = np.full(size, np.inf)
    finite = np.all(np.isfinite(p_in_q), axis=(-2, -1))  # else tr(Sigma_q^-1 Sigma_p) overflows
    if finite.any():
        low = lower[finite]
        with np.errstate(under="ignore"):
            half = _solve_lower(low, gap[finite])
            tmat = _solve_lower(low, np.swapaxes(half, -1, -2))
            t = np.linalg.eigvalsh(0.5 * tmat + 0.5 * np.swapaxes(tmat, -1, -2))
            trace_logdet = np.sum(t_minus_log1p(np.maximum(t, -1.0)), axis=-1)
            far = t[:, 0] < -0.5  # some eigenvalue ratio below 1/2: log det from Cholesky
            if far.any():
                corr_p = sym_p[finite][far] / (scale_p[finite][far][:, :, None]
                                              * scale_p[finite][far][:, None, :])
                log_det = (2.0 * np.sum(_log_ratio(scale_p[finite][far], scale_q[finite][far]),
                                        axis=-1)
                           + _log_det_correlation(np.linalg.cholesky(corr_p))
                           - _log_det_correlation(low[far]))
                trace = np.trace(tmat[far], axis1=-2, axis2=-1)
                trace_logdet[far] = trace - log_det
            kl[finite] = 0.5 * trace_logdet
    with np.errstate(over="ignore", invalid="ignore"):
        y = _solve_lower(lower, z[:, :, None])[:, :, 0]
    with np.errstate(over="ignore"):
        kl = kl + _half_squared_norm(y)
    return _finish(np.maximum(kl, 0.0).reshape(batch), base)


# --- Dirichlet and Beta distributions -------------------------------------------------------
# (Appended to the module: imports local to the functions, so that the code above is untouched.)


def kl_dirichlet(alpha_p: ArrayLike, alpha_q: ArrayLike, *,
                 base: float | None = None) -> float | np.ndarray:
    r"""KL divergence between Dirichlet distributions, KL(Dir(alpha_p) || Dir(alpha_q)).

    Parameters
    ----------
    alpha_p, alpha_q : array_like, shape (..., K)
        Concentration parameters (> 0) of P and Q along the last axis (K >= 2); leading batch
        dimensions broadcast.
    base : float, optional
        Base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence (>= 0; exactly 0 where the parameters are equal); a float without batch
        dimensions.

    Raises
    ------
    ValueError
        If a parameter is not a finite number > 0, or the last axes differ or hold fewer than
        two outcomes.

    Notes
    -----
    With :math:`\alpha_0 = \sum_i \alpha_i`, :math:`\beta_0 = \sum_i \beta_i` (for Q), the
    log-gamma function and the digamma function :math:`\psi`,

    .. math::
        \mathrm{KL} = \log\Gamma(\alpha_0) - \sum_i \log\Gamma(\alpha_i) - \log\Gamma(\beta_0)
                      + \sum_i \log\Gamma(\beta_i)
                      + \sum_i (\alpha_i - \beta_i)\bigl(\psi(\alpha_i) - \psi(\alpha_0)\bigr).

    The Beta distribution is the case K = 2 (:func:`kl_beta`).

    Examples
    --------
    >>> kl_dirichlet([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    0.0
    >>> round(kl_dirichlet([2.0, 1.0], [1.0, 1.0]), 6)  # log 2 - 1/2
    0.193147
    """
    from scipy import special

    from klutils._validation import as_result, log_of_base, real_array

    a = real_array(alpha_p, "alpha_p", low=0.0, low_open=True)
    b = real_array(alpha_q, "alpha_q", low=0.0, low_open=True)
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-1] or a.shape[-1] < 2:
        raise ValueError(f"alpha_p and alpha_q must hold the same number (at least 2) of "
                         f"parameters along the last axis; got shapes {a.shape} and {b.shape}")
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError:
        raise ValueError(f"the batch shapes of alpha_p {a.shape} and alpha_q {b.shape} do not "
                         f"broadcast") from None
    a0, b0 = a.sum(axis=-1), b.sum(axis=-1)
    kl = (special.gammaln(a0) - special.gammaln(a).sum(axis=-1) - special.gammaln(b0)
          + special.gammaln(b).sum(axis=-1)
          + ((a - b) * (special.digamma(a) - special.digamma(a0)[..., None])).sum(axis=-1))
    kl = np.where(np.all(a == b, axis=-1), 0.0, np.maximum(kl, 0.0))
    return as_result(kl / log_of_base(base))


def kl_beta(a_p: ArrayLike, b_p: ArrayLike, a_q: ArrayLike, b_q: ArrayLike, *,
            base: float | None = None) -> float | np.ndarray:
    r"""KL divergence between Beta distributions, KL(Beta(a_p, b_p) || Beta(a_q, b_q)).

    The Dirichlet divergence (:func:`kl_dirichlet`) with two outcomes; all four parameters
    (> 0) broadcast. ``base=2`` gives bits.

    Notes
    -----
    With :math:`B` the Beta function and :math:`\psi` the digamma function,

    .. math::
        \mathrm{KL} = \log\frac{B(a_q, b_q)}{B(a_p, b_p)} + (a_p - a_q)\,\psi(a_p)
                      + (b_p - b_q)\,\psi(b_p) + (a_q - a_p + b_q - b_p)\,\psi(a_p + b_p).

    Examples
    --------
    >>> kl_beta(2, 3, 2, 3)
    0.0
    >>> round(kl_beta(3, 2, 1, 1), 6)  # after 2 heads and 1 tail, from a uniform prior
    0.234907
    >>> kl_beta([1, 2], 1, 1, 1).round(6).tolist()
    [0.0, 0.193147]
    """
    from klutils._validation import real_array

    ap, bp, aq, bq = np.broadcast_arrays(*(real_array(v, name, low=0.0, low_open=True)
                                           for v, name in ((a_p, "a_p"), (b_p, "b_p"),
                                                           (a_q, "a_q"), (b_q, "b_q"))))
    return kl_dirichlet(np.stack([ap, bp], axis=-1), np.stack([aq, bq], axis=-1), base=base)


# --- the KL term of a variational autoencoder -----------------------------------------------


def _encoder_parameters(mu: ArrayLike, log_var: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    from klutils._validation import real_array

    mu = real_array(mu, "mu")
    log_var = real_array(log_var, "log_var")
    try:
        mu, log_var = np.broadcast_arrays(mu, log_var)
    except ValueError:
        raise ValueError(f"mu and log_var must have the same (or broadcastable) shapes; got "
                         f"{mu.shape} and {log_var.shape}") from None
    if np.any(np.abs(log_var) > 700):
        raise ValueError("log_var must lie in [-700, 700] (sigma^2 = exp(log_var) must be a "
                         "positive finite float)")
    return mu, log_var


def vae_kl(mu: ArrayLike, log_var: ArrayLike) -> float | np.ndarray:
    r"""KL(N(μ, diag σ²) ‖ N(0, I)): the KL term of a VAE, summed over the latent dimensions.

    Parameters
    ----------
    mu : array_like, shape (..., d)
        Encoder means; the last axis runs over the d latent dimensions (a scalar is one
        dimension).
    log_var : array_like, shape (..., d)
        Encoder log-variances :math:`\log \sigma^2` (what an encoder network outputs);
        broadcasts against ``mu``.

    Returns
    -------
    float or numpy.ndarray
        The divergence in nats, summed over the last axis: a float for one code, an array of
        the batch shape otherwise.

    Raises
    ------
    ValueError
        If an input is empty or not finite, the shapes do not broadcast, or ``log_var`` is
        outside [-700, 700].

    Notes
    -----
    Each dimension is :func:`kl_normal` :math:`(\mu_j, \sigma_j, 0, 1)` with
    :math:`\sigma_j = \exp(\tfrac12 \log\sigma_j^2)`, whose closed form is
    :math:`\tfrac12(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2)`; independent dimensions add.

    Examples
    --------
    >>> vae_kl(0.0, 0.0)
    0.0
    >>> vae_kl([1.0, 0.0], [0.0, 0.0])  # the mean term 1/2 in the first dimension
    0.5
    >>> vae_kl([[0.0, 0.0], [1.0, 1.0]], 0.0).tolist()
    [0.0, 1.0]
    """
    mu, log_var = _encoder_parameters(mu, log_var)
    per_dimension = np.asarray(kl_normal(mu, np.exp(0.5 * log_var), 0.0, 1.0))
    total = per_dimension if per_dimension.ndim == 0 else per_dimension.sum(axis=-1)
    return float(total) if np.ndim(total) == 0 else total
