"""Closed-form KL divergences between Bernoulli and (multivariate) normal distributions.

All results are in nats unless ``base`` is given (``base=2`` gives bits).

The formulas are arranged so that no catastrophic cancellation occurs, also when the two
distributions are almost equal.  Everything is reduced to the non-negative function

.. math:: \\varphi(t) = t - \\log(1 + t), \\qquad t > -1,

evaluated by a Taylor series for small :math:`|t|` (where ``t - log1p(t)`` would cancel) and
directly otherwise.  Arguments ``t`` are built from differences of the inputs, which are exact in
floating point when the inputs are close (Sterbenz lemma).
"""

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import LinAlgError, cho_factor, solve_triangular

from klutils._validation import as_result, log_of_base

__all__ = ["kl_bernoulli", "kl_normal", "kl_mvn"]

# Below |t| < _PHI_SERIES_MAX, phi(t) = sum_{k>=2} (-t)^k / k is summed up to k = 18: the first
# omitted term relative to t^2/2 is 2 |t|^17 / 19 < 1.1e-18 (x 1/(1 - |t|) for t < 0).  Above it,
# t - log1p(t) loses about 3e-16 / |t| relative, i.e. < 3e-15 at the threshold.
_PHI_SERIES_MAX = 0.1
_PHI_COEFFS = [(-1) ** k / k for k in range(18, 1, -1)]  # highest degree first, for polyval


def _as_float_array(x: ArrayLike, name: str) -> np.ndarray:
    try:
        a = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} must be an array of real numbers; {exc}") from None
    if a.dtype.kind not in "iuf":  # no bools, strings, complex or objects
        raise ValueError(f"{name} must be real numbers; got dtype {a.dtype}")
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite; got {a[~np.isfinite(a)].flat[0]}")
    return a


def _finish(value: np.ndarray, base: float | None) -> float | np.ndarray:
    return as_result(value / log_of_base(base))


def _phi(t: np.ndarray) -> np.ndarray:
    """``t - log1p(t)`` for ``t >= -1`` without cancellation (``inf`` at ``t = -1, inf``)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        series = t * t * np.polyval(_PHI_COEFFS, t)
        direct = np.where(np.isposinf(t), np.inf, t - np.log1p(t))
    return np.where(np.abs(t) < _PHI_SERIES_MAX, series, direct)


def _log_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(a / b)`` for ``a, b >= 0``, also when ``a / b`` over- or underflows."""
    with np.errstate(all="ignore"):
        r = a / b
        normal = (r >= np.finfo(float).tiny) & np.isfinite(r)
        return np.where(normal, np.log(np.where(normal, r, 1.0)), np.log(a) - np.log(b))


def _gen_kl_term(x: np.ndarray, y: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``x log(x/y) - x + y >= 0`` for ``x, y >= 0``, given ``d = y - x`` (exact if close)."""
    with np.errstate(all="ignore"):
        t = d / x  # y / x - 1
        near = (t >= -0.5) & (t <= 1.0)  # y within a factor 2 of x: d is exact, t accurate
        far = d + x * _log_ratio(x, y)  # at most ~3.6x cancellation outside `near`
        term = np.where(near, x * _phi(np.where(near, t, 0.0)), far)
    return np.where(x == 0, y, term)


def kl_bernoulli(p: ArrayLike, q: ArrayLike, *, base: float | None = None) -> float | np.ndarray:
    r"""KL divergence between two Bernoulli distributions, KL(Bern(p) || Bern(q)).

    Parameters
    ----------
    p, q : array_like
        Success probabilities in [0, 1]; they broadcast against each other like numpy arrays.
    base : float, optional
        Base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence, a Python ``float`` for scalar inputs.  Never negative, exactly ``0.0``
        where ``p == q``, and ``inf`` where ``p > 0 = q`` or ``p < 1 = q``.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is NaN, infinite or outside [0, 1], or ``base`` is invalid.

    Notes
    -----
    .. math::
        \mathrm{KL} = p \log\frac{p}{q} + (1-p)\log\frac{1-p}{1-q}
                    = f(p, q) + f(1-p, 1-q),
        \qquad f(x, y) = x \log\frac{x}{y} - x + y = x\,\varphi\!\left(\frac{y-x}{x}\right),

    with :math:`0 \log 0 = 0` and :math:`\varphi(t) = t - \log(1+t)`.  Both terms are
    non-negative, so their sum does not cancel; :math:`y - x` is computed as ``q - p`` (exact
    when ``p`` and ``q`` are close) and :math:`\varphi` by a series for small arguments, which
    keeps full relative accuracy even for ``q = p (1 + 1e-9)``.

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
    p = _as_float_array(p, "p")
    q = _as_float_array(q, "q")
    for name, a in (("p", p), ("q", q)):
        bad = (a < 0) | (a > 1)
        if np.any(bad):
            raise ValueError(f"{name} must lie in [0, 1]; got {a[bad].flat[0]}")
    p, q = np.broadcast_arrays(p, q)
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
        Base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence, broadcast over the inputs; a Python ``float`` for scalar inputs.

    Raises
    ------
    ValueError
        If a parameter is not finite, a standard deviation is not positive, or ``base`` is
        invalid.

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
    (series for small :math:`|t|`; :math:`t - 2\log r` when :math:`r^2 < 1/2`).

    Examples
    --------
    >>> kl_normal(0, 1, 1, 1)
    0.5
    >>> round(kl_normal(0, 1, 0, 2), 6)  # log 2 + 1/8 - 1/2
    0.318147
    >>> kl_normal(0.0, [1.0, 2.0], 0.0, 1.0).round(6).tolist()
    [0.0, 0.806853]
    """
    mu_p = _as_float_array(mu_p, "mu_p")
    mu_q = _as_float_array(mu_q, "mu_q")
    sigma_p = _as_float_array(sigma_p, "sigma_p")
    sigma_q = _as_float_array(sigma_q, "sigma_q")
    for name, s in (("sigma_p", sigma_p), ("sigma_q", sigma_q)):
        if np.any(s <= 0):
            raise ValueError(f"{name} must be positive; got {s[s <= 0].flat[0]}")
    with np.errstate(over="ignore"):
        a = (sigma_p - sigma_q) / sigma_q
        t = a * (a + 2.0)
        delta = (mu_p - mu_q) / sigma_q
        small_r = t < -0.5  # 1 + t = r^2 is inaccurate as r -> 0; use log r directly
        phi = np.where(small_r, t - 2.0 * _log_ratio(sigma_p, sigma_q), _phi(t))
        kl = 0.5 * (phi + delta * delta)
    return _finish(kl, base)


def _check_mvn(mu: np.ndarray, cov: np.ndarray, mu_name: str, cov_name: str) -> np.ndarray:
    """Validate one (possibly batched) mean/covariance pair; return the symmetrised covariance."""
    if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{cov_name} must be a square matrix; got shape {cov.shape}")
    if mu.ndim < 1 or mu.shape[-1] != cov.shape[-1]:
        raise ValueError(
            f"{mu_name} of shape {mu.shape} does not match {cov_name} of shape {cov.shape}"
        )
    asym = np.abs(cov - np.swapaxes(cov, -1, -2))
    if np.any(asym > 1e-10 * np.max(np.abs(cov), axis=(-2, -1), keepdims=True)):
        raise ValueError(f"{cov_name} must be symmetric")
    return 0.5 * (cov + np.swapaxes(cov, -1, -2))  # exact no-op on symmetric input


def _cholesky(cov: np.ndarray, name: str) -> np.ndarray:
    try:
        return cho_factor(cov, lower=True, check_finite=False)[0]
    except LinAlgError:
        raise ValueError(f"{name} must be positive definite") from None


def _kl_mvn_single(mu_p: np.ndarray, cov_p: np.ndarray, mu_q: np.ndarray, cov_q: np.ndarray):
    lq = _cholesky(cov_q, "cov_q")
    lp = _cholesky(cov_p, "cov_p")
    # T = L^-1 (cov_p - cov_q) L^-T = L^-1 cov_p L^-T - I, with cov_q = L L^T.
    half = solve_triangular(lq, cov_p - cov_q, lower=True, check_finite=False)
    tmat = solve_triangular(lq, half.T, lower=True, check_finite=False)
    t = np.linalg.eigvalsh(0.5 * (tmat + tmat.T))  # eigenvalues lambda_i - 1
    if t.min() >= -0.5:
        trace_logdet = np.sum(_phi(t))
    else:  # some lambda_i small: take log det from the Cholesky factors instead
        logdet = 2.0 * (np.sum(np.log(np.diag(lp))) - np.sum(np.log(np.diag(lq))))
        trace_logdet = np.trace(tmat) - logdet
    z = solve_triangular(lq, mu_p - mu_q, lower=True, check_finite=False)
    return 0.5 * (trace_logdet + z @ z)


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
        Symmetric positive definite covariance matrices of P and Q.  Optional leading batch
        dimensions broadcast against each other and against those of the means.
    base : float, optional
        Base of the logarithm; ``None`` (default) gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        The divergence; a Python ``float`` without batch dimensions, else an array of the
        broadcast batch shape.

    Raises
    ------
    ValueError
        If an entry is not finite, a covariance is not square, not symmetric (relative
        tolerance 1e-10) or not positive definite, the shapes do not match, or ``base`` is
        invalid.

    Notes
    -----
    .. math::
        \mathrm{KL} = \frac12\left[\operatorname{tr}(\Sigma_q^{-1}\Sigma_p) - k
            - \log\det(\Sigma_q^{-1}\Sigma_p) + (\mu_q-\mu_p)^\top\Sigma_q^{-1}(\mu_q-\mu_p)\right]
          = \frac12\left[\sum_i \bigl(t_i - \log(1 + t_i)\bigr) + \lVert L^{-1}(\mu_p-\mu_q)\rVert^2
            \right],

    where :math:`\Sigma_q = L L^\top` (Cholesky) and :math:`t_i` are the eigenvalues of
    :math:`L^{-1}(\Sigma_p - \Sigma_q)L^{-\top}`, so that nothing cancels when
    :math:`\Sigma_p \approx \Sigma_q`.  No matrix is inverted explicitly.  If some
    :math:`1 + t_i < 1/2`, the log-determinant is taken from the Cholesky factors instead.

    Examples
    --------
    >>> kl_mvn([0, 0], [[1, 0], [0, 1]], [1, 0], [[1, 0], [0, 1]])
    0.5
    >>> round(kl_mvn([0, 0], [[1, 0.5], [0.5, 1]], [0, 0], [[1, 0], [0, 1]]), 6)
    0.143841
    """
    mu_p = _as_float_array(mu_p, "mu_p")
    mu_q = _as_float_array(mu_q, "mu_q")
    cov_p = _check_mvn(mu_p, _as_float_array(cov_p, "cov_p"), "mu_p", "cov_p")
    cov_q = _check_mvn(mu_q, _as_float_array(cov_q, "cov_q"), "mu_q", "cov_q")
    k = cov_p.shape[-1]
    if cov_q.shape[-1] != k:
        raise ValueError(f"cov_p is {k}x{k} but cov_q is {cov_q.shape[-1]}x{cov_q.shape[-1]}")
    try:
        batch = np.broadcast_shapes(
            mu_p.shape[:-1], mu_q.shape[:-1], cov_p.shape[:-2], cov_q.shape[:-2]
        )
    except ValueError:
        raise ValueError("batch dimensions of the inputs do not broadcast") from None
    args = [
        np.broadcast_to(mu_p, batch + (k,)),
        np.broadcast_to(cov_p, batch + (k, k)),
        np.broadcast_to(mu_q, batch + (k,)),
        np.broadcast_to(cov_q, batch + (k, k)),
    ]
    kl = np.empty(batch)
    for idx in np.ndindex(batch):
        kl[idx] = _kl_mvn_single(*(a[idx] for a in args))
    return _finish(kl, base)


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
