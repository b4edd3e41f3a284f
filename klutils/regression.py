r"""Regression models and their KL divergences: the one-weight Bayesian logistic regression
of chapter 6's variational inference.

Examples
--------
>>> model = LogisticLogJoint([1.0, -1.0], [1, 0], prior_sd=1.0)
>>> round(float(model(0.0)), 6)  # log N(0; 0, 1) + 2 log(1/2)
-2.305233
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from klutils._validation import (
    binary_array,
    integer,
    positive_number,
    random_generator,
    real_array,
    real_number,
)

__all__ = ["LogisticLogJoint", "logistic_data"]


def logistic_data(n: int, w_true: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""A tiny seeded data set for logistic regression through the origin.

    Inputs :math:`x_i \sim N(0, 1)`; labels :math:`y_i \sim \mathrm{Bernoulli}(\sigma(w x_i))`
    with :math:`\sigma(z) = 1/(1 + e^{-z})` and :math:`w` = ``w_true``.

    Parameters
    ----------
    n : int
        Number of examples (>= 1).
    w_true : float
        The true weight.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    x : numpy.ndarray
        Shape ``(n,)``, float.
    y : numpy.ndarray
        Shape ``(n,)``, 0 or 1 (int).

    Raises
    ------
    ValueError
        On invalid parameters.

    Examples
    --------
    >>> x, y = logistic_data(4, 2.0, np.random.default_rng(0))
    >>> x.shape, sorted(set(y.tolist()) | {0, 1})
    ((4,), [0, 1])
    """
    n = integer(n, "n", minimum=1)
    w = real_number(w_true, "w_true")
    random_generator(rng)
    x = rng.standard_normal(int(n))
    y = (rng.random(int(n)) < special.expit(w * x)).astype(np.int64)
    return x, y


@dataclass(frozen=True, eq=False)
class LogisticLogJoint:
    r"""The log joint :math:`\log p(w) + \sum_i \log p(y_i \mid x_i, w)` of a one-weight logistic
    regression with a normal prior :math:`w \sim N(0, s^2)`, in nats.

    .. math:: \log p(w, \mathcal D) = \log N(w; 0, s^2)
              + \sum_i \bigl[y_i \log\sigma(w x_i) + (1 - y_i)\log\sigma(-w x_i)\bigr].

    Call it with a number or an array of weights (vectorised; computed with
    :func:`scipy.special.log_expit`, so no overflow).

    Parameters
    ----------
    x : array_like
        Inputs, 1-D, finite.
    y : array_like
        Labels, 0 or 1, same length.
    prior_sd : float
        Prior standard deviation :math:`s` (> 0).

    Examples
    --------
    >>> model = LogisticLogJoint([1.0], [1], prior_sd=1.0)
    >>> round(float(model(0.0)), 6)  # log N(0; 0, 1) + log(1/2)
    -1.612086
    >>> model(np.array([0.0, 1.0])).shape
    (2,)
    """

    x: np.ndarray
    y: np.ndarray
    prior_sd: float

    def __post_init__(self) -> None:
        x = real_array(self.x, "x", ndim=1)
        y = binary_array(self.y, "y")
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length; got shapes {x.shape} and "
                             f"{y.shape}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y.astype(np.float64))
        object.__setattr__(self, "prior_sd", positive_number(self.prior_sd, "prior_sd"))

    def __call__(self, w: ArrayLike) -> np.ndarray:
        weights = np.asarray(w, dtype=np.float64)
        z = np.multiply.outer(weights, self.x)
        log_likelihood = np.sum(self.y * special.log_expit(z)
                                + (1.0 - self.y) * special.log_expit(-z), axis=-1)
        s = self.prior_sd
        log_prior = -0.5 * (weights / s) ** 2 - math.log(s * math.sqrt(2 * math.pi))
        return log_prior + log_likelihood
