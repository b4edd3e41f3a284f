r"""Entropy, cross-entropy and KL side by side, and mutual information, a KL divergence too.

The identity :math:`H(P, Q) = H(P) + \mathrm{KL}(P \,\|\, Q)` splits the cost of describing
outcomes of P with a model Q into the part no model can remove (the entropy) and the part that
comes from using the wrong model (the KL divergence): :func:`entropy_decomposition`. Mutual
information is the KL divergence from a joint distribution to the product of its marginals:
:func:`mutual_information`.

Examples
--------
>>> parts = entropy_decomposition([0.5, 0.25, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25])
>>> [round(value, 6) for value in parts]  # H(P), KL(P‖Q), H(P, Q) in bits
[1.75, 0.25, 2.0]
>>> round(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2), 6)  # Y copies X: H(X) = 1 bit
1.0
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from klutils._validation import (
    as_float_array,
    check_distribution,
    log_of_base,
    single_distribution_pair,
)
from klutils.divergences import cross_entropy, entropy, kl_divergence

__all__ = [
    "EntropyDecomposition",
    "entropy_decomposition",
    "joint_entropy",
    "joint_table",
    "marginals",
    "mutual_information",
]


def joint_table(joint: ArrayLike) -> np.ndarray:
    """A 2-D table ``P(X = i, Y = j)`` of non-negative numbers summing to 1 (within 1e-6), as a
    float64 array, or ValueError."""
    table = as_float_array(joint, "joint")
    if table.ndim != 2:
        raise ValueError(f"joint must be a 2-D table P(X = i, Y = j); got shape {table.shape}")
    check_distribution(table.reshape(-1), "joint")
    return table


class EntropyDecomposition(NamedTuple):
    """The three terms of :math:`H(P, Q) = H(P) + \\mathrm{KL}(P \\,\\|\\, Q)`, in one unit."""

    #: H(P): the average surprise of P's outcomes under P itself.
    entropy: float
    #: KL(P‖Q): the extra average surprise from scoring with Q instead of P.
    kl: float
    #: H(P, Q): the average surprise of P's outcomes under Q.
    cross_entropy: float


def entropy_decomposition(p: ArrayLike, q: ArrayLike, *,
                          base: float | None = 2) -> EntropyDecomposition:
    """H(P), KL(P‖Q) and H(P, Q), each computed on its own by :mod:`klutils`.

    Parameters
    ----------
    p, q : array_like
        Two distributions over the same outcomes (1-D, summing to 1 within 1e-6).
    base : float or None, optional
        Logarithm base: 2 (default) gives bits, None gives nats.

    Returns
    -------
    EntropyDecomposition
        The named tuple ``(entropy, kl, cross_entropy)``; ``entropy + kl == cross_entropy``
        up to rounding (both sides ``inf`` when Q rules out an outcome that P allows).

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a 1-D distribution, they differ in length, or ``base`` is
        invalid.

    Examples
    --------
    >>> parts = entropy_decomposition([0.5, 0.5], [0.25, 0.75])
    >>> round(parts.entropy, 4), round(parts.kl, 4), round(parts.cross_entropy, 4)
    (1.0, 0.2075, 1.2075)
    """
    x, y = single_distribution_pair(p, q)
    log_of_base(base)
    return EntropyDecomposition(entropy(x, base=base), kl_divergence(x, y, base=base),
                                cross_entropy(x, y, base=base))


def marginals(joint: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The marginal distributions P(X) (row sums) and P(Y) (column sums) of a joint table.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1.

    Returns
    -------
    px, py : numpy.ndarray
        The row sums and the column sums.

    Raises
    ------
    ValueError
        If ``joint`` is not 2-D, has a negative or NaN entry, or does not sum to 1.

    Examples
    --------
    >>> px, py = marginals([[0.1, 0.2], [0.3, 0.4]])
    >>> px.round(6).tolist(), py.round(6).tolist()
    ([0.3, 0.7], [0.4, 0.6])
    """
    table = joint_table(joint)
    return table.sum(axis=1), table.sum(axis=0)


def joint_entropy(joint: ArrayLike, *, base: float | None = None) -> float:
    """The entropy H(X, Y) of a joint table, treating each cell as one outcome.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, summing to 1.
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        H(X, Y) = -sum_ij P(i, j) log P(i, j).

    Raises
    ------
    ValueError
        As :func:`marginals`, or if ``base`` is invalid.

    Examples
    --------
    >>> joint_entropy([[0.25, 0.25], [0.25, 0.25]], base=2)
    2.0
    """
    return entropy(joint_table(joint).reshape(-1), base=base)


def mutual_information(joint: ArrayLike, *, base: float | None = None) -> float:
    r"""Mutual information :math:`I(X; Y) = \mathrm{KL}(P(X, Y) \,\|\, P(X)\,P(Y))`.

    The KL divergence from the joint distribution to the product of its marginals: how far
    the table is from what it would be if X and Y were independent. It is computed with
    :func:`klutils.kl_divergence` on the flattened tables.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1 within
        1e-6.
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        I(X; Y) >= 0; zero exactly when the table is the product of its marginals. It equals
        H(X) + H(Y) - H(X, Y) and is at most min(H(X), H(Y)).

    Raises
    ------
    ValueError
        If ``joint`` is not a 2-D table of non-negative numbers summing to 1, or ``base`` is
        invalid.

    Examples
    --------
    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])  # independent
    0.0
    >>> round(mutual_information([[0.4, 0.1], [0.1, 0.4]], base=2), 4)
    0.2781
    """
    px, py = marginals(joint)
    table = joint_table(joint)
    return kl_divergence(table.reshape(-1), np.outer(px, py).reshape(-1), base=base)
