r"""Entropy, cross-entropy and KL side by side, and mutual information, a KL divergence too.

The identity :math:`H(P, Q) = H(P) + \mathrm{KL}(P \,\|\, Q)` splits the cost of describing
outcomes of P with a model Q into the part no model can remove (the entropy) and the part that
comes from using the wrong model (the KL divergence): :func:`entropy_decomposition`. Mutual
information is the KL divergence from a joint distribution to the product of its marginals:
:func:`mutual_information`.

Two variables in one table: the conditional entropies (:func:`conditional_entropy`), every
quantity of the information diagram (:func:`information_diagram`: the chain rule
:math:`H(X, Y) = H(X) + H(Y \mid X)` and :math:`I(X; Y) = H(X) - H(X \mid Y)`), the joint table
of a noisy channel (:func:`channel_joint`; channels in a chain compose by matrix product, which
is how the data-processing inequality :math:`I(X; Z) \le I(X; Y)` for :math:`X \to Y \to Z` is
computed), and guessing one variable from the other: the best guess's error probability
(:func:`bayes_error`) and Fano's lower bound on it (:func:`fano_error_bound`).

Examples
--------
>>> parts = entropy_decomposition([0.5, 0.25, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25])
>>> [round(value, 6) for value in parts]  # H(P), KL(P‖Q), H(P, Q) in bits
[1.75, 0.25, 2.0]
>>> round(mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2), 6)  # Y copies X: H(X) = 1 bit
1.0
>>> round(conditional_entropy([[0.5, 0.0], [0.0, 0.5]]), 6)  # ... and nothing is left of Y
0.0
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from klutils._validation import (
    as_float_array,
    check_distribution,
    integer,
    log_of_base,
    real_number,
    single_distribution,
    single_distribution_pair,
)
from klutils.divergences import cross_entropy, entropy, kl_divergence

__all__ = [
    "EntropyDecomposition",
    "InformationDiagram",
    "bayes_error",
    "channel_joint",
    "conditional_entropy",
    "entropy_decomposition",
    "fano_error_bound",
    "information_diagram",
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


# --- conditional entropy, the information diagram, channels, guessing (chapter 4) -------------


def conditional_entropy(joint: ArrayLike, *, given: str = "x",
                        base: float | None = None) -> float:
    r"""Conditional entropy of one variable of a joint table given the other.

    With ``given="x"`` (default), :math:`H(Y \mid X) = \sum_x p(x)\, H(Y \mid X = x)`: the
    entropy of each row's conditional distribution :math:`p(y \mid x) = p(x, y) / p(x)`,
    averaged over the rows. With ``given="y"``, :math:`H(X \mid Y)`, the same over the columns.
    Rows (columns) of probability 0 do not count.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1.
    given : {"x", "y"}, optional
        The variable that is known: the rows ("x") or the columns ("y").
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    float
        The conditional entropy, between 0 (the known variable determines the other) and the
        other's entropy (independence). The chain rule
        :math:`H(X, Y) = H(X) + H(Y \mid X)` holds up to rounding.

    Raises
    ------
    ValueError
        If ``joint`` is not a 2-D table of probabilities, ``given`` is not "x" or "y", or
        ``base`` is invalid.

    Examples
    --------
    >>> conditional_entropy([[0.25, 0.25], [0.5, 0.0]], base=2)  # H(Y | X): 1 bit half the time
    0.5
    >>> round(conditional_entropy([[0.25, 0.25], [0.5, 0.0]], given="y", base=2), 4)
    0.6887
    """
    table = joint_table(joint)
    if given not in ("x", "y"):
        raise ValueError(f'given must be "x" (H(Y | X)) or "y" (H(X | Y)); got {given!r}')
    log_of_base(base)
    if given == "y":
        table = table.T
    weights = table.sum(axis=1)
    rows = table[weights > 0] / weights[weights > 0, None]
    return float(np.dot(weights[weights > 0], entropy(rows, base=base)))


class InformationDiagram(NamedTuple):
    """The quantities of the information diagram of two variables, in one unit."""

    #: H(X): the entropy of the rows' variable.
    h_x: float
    #: H(Y): the entropy of the columns' variable.
    h_y: float
    #: H(X, Y): the entropy of the pair, the whole diagram.
    h_xy: float
    #: H(X | Y): what is left of X once Y is known.
    h_x_given_y: float
    #: H(Y | X): what is left of Y once X is known.
    h_y_given_x: float
    #: I(X; Y): the overlap, what each tells about the other.
    mutual_information: float


def information_diagram(joint: ArrayLike, *, base: float | None = None) -> InformationDiagram:
    r"""Every quantity of the information diagram of a joint table, each computed on its own.

    The diagram's identities hold up to rounding:
    :math:`H(X, Y) = H(X) + H(Y \mid X) = H(Y) + H(X \mid Y)` (the chain rule) and
    :math:`I(X; Y) = H(X) - H(X \mid Y) = H(Y) - H(Y \mid X) = H(X) + H(Y) - H(X, Y)`.
    The mutual information is computed as a KL divergence (:func:`mutual_information`), so it
    is never negative.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1.
    base : float or None, optional
        None (default) gives nats, 2 gives bits.

    Returns
    -------
    InformationDiagram
        ``(h_x, h_y, h_xy, h_x_given_y, h_y_given_x, mutual_information)``.

    Raises
    ------
    ValueError
        As :func:`conditional_entropy`.

    Examples
    --------
    >>> parts = information_diagram([[0.25, 0.25], [0.5, 0.0]], base=2)
    >>> [round(value, 4) for value in parts]
    [1.0, 0.8113, 1.5, 0.6887, 0.5, 0.3113]
    """
    table = joint_table(joint)
    px, py = marginals(table)
    return InformationDiagram(entropy(px, base=base), entropy(py, base=base),
                              joint_entropy(table, base=base),
                              conditional_entropy(table, given="y", base=base),
                              conditional_entropy(table, given="x", base=base),
                              mutual_information(table, base=base))


def channel_joint(p_x: ArrayLike, channel: ArrayLike) -> np.ndarray:
    r"""The joint table of an input X and the output Y of a noisy channel.

    :math:`P(X = i, Y = j) = p(i)\, W(j \mid i)`, where row ``i`` of ``channel`` is the
    distribution of the output when the input is ``i``. Channels compose by matrix product:
    for a chain :math:`X \to Y \to Z`, the table of X and Z is
    ``channel_joint(p_x, w_xy @ w_yz)``.

    Parameters
    ----------
    p_x : array_like
        The input distribution (1-D, summing to 1).
    channel : array_like
        2-D array, one row per input, each row a distribution over the outputs.

    Returns
    -------
    numpy.ndarray
        The joint table, shape ``channel.shape``.

    Raises
    ------
    ValueError
        If ``p_x`` is not a distribution, a row of ``channel`` is not one, or the number of
        rows differs from the number of inputs.

    Examples
    --------
    >>> channel_joint([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]]).tolist()
    [[0.45, 0.05], [0.1, 0.4]]
    """
    px = single_distribution(p_x, "p_x")
    w = as_float_array(channel, "channel")
    if w.ndim != 2 or w.shape[0] != len(px):
        raise ValueError(f"channel must be a 2-D array with one row per input ({len(px)}); "
                         f"got shape {w.shape}")
    check_distribution(w, "channel (each row)")
    return px[:, None] * w


def bayes_error(joint: ArrayLike) -> float:
    r"""The error probability of the best guess of X (the rows) from Y (the columns).

    Seeing :math:`Y = y`, the guess with the fewest errors is the most probable row,
    :math:`\arg\max_x p(x, y)`; it is right with probability :math:`\sum_y \max_x p(x, y)`,
    so :math:`P_e = 1 - \sum_y \max_x p(x, y)`. No guessing rule does better.

    Parameters
    ----------
    joint : array_like
        2-D table with ``joint[i, j] = P(X = i, Y = j)``, non-negative, summing to 1.

    Returns
    -------
    float
        :math:`P_e`, between 0 and :math:`1 - \max_x p(x)` (guessing without looking at Y).

    Raises
    ------
    ValueError
        If ``joint`` is not a 2-D table of probabilities.

    Examples
    --------
    >>> round(bayes_error([[0.4, 0.1], [0.1, 0.4]]), 12)
    0.2
    """
    table = joint_table(joint)
    return float(max(0.0, 1.0 - table.max(axis=0).sum()))


def fano_error_bound(conditional_entropy: float, n_outcomes: int, *,
                     base: float | None = None) -> float:
    r"""Fano's lower bound on the probability of guessing X wrongly from Y.

    Fano's inequality: any guess :math:`\hat X(Y)` of a variable X with K possible values
    errs with a probability :math:`P_e` such that

    .. math:: H(X \mid Y) \le h(P_e) + P_e \log (K - 1),

    where :math:`h(e) = -e \log e - (1 - e) \log(1 - e)` is the binary entropy. The right side
    increases from 0 to :math:`\log K` as :math:`P_e` goes from 0 to :math:`(K-1)/K`, so the
    inequality gives the smallest error probability compatible with :math:`H(X \mid Y)`: the
    root of the equation, found by bracketing (scipy's brentq).

    Parameters
    ----------
    conditional_entropy : float
        :math:`H(X \mid Y)`, non-negative, in the unit given by ``base``.
    n_outcomes : int
        K, the number of values X can take (at least 2).
    base : float or None, optional
        The unit of ``conditional_entropy``: None (default) for nats, 2 for bits.

    Returns
    -------
    float
        The bound, in :math:`[0, (K-1)/K]`; it is :math:`(K-1)/K` when
        :math:`H(X \mid Y) \ge \log K` (up to rounding).

    Raises
    ------
    ValueError
        If ``conditional_entropy`` is negative, NaN or infinite, ``n_outcomes`` is not an
        integer of at least 2, or ``base`` is invalid.

    Notes
    -----
    Measured against 50-digit mpmath: relative error below 1e-13 for
    :math:`H(X \mid Y)` from 1e-300 log K to 0.999999 log K
    (``tests/test_information_diagram.py``). Closer to :math:`\log K` the right side is flat and
    the bound is ill-conditioned: a relative change :math:`\epsilon` in the entropy moves it by
    about :math:`\epsilon / \sqrt{1 - H(X \mid Y) / \log K}`.

    Examples
    --------
    >>> round(fano_error_bound(1.0, 4, base=2), 4)  # 1 bit of doubt about 4 values
    0.1893
    >>> fano_error_bound(0.0, 3)
    0.0
    """
    divisor = log_of_base(base)
    h = real_number(conditional_entropy, "conditional_entropy", low=0.0) * divisor  # nats
    k = integer(n_outcomes, "n_outcomes", minimum=2)
    top = (k - 1) / k

    def excess(e: float) -> float:
        binary = -special.xlogy(e, e) - special.xlog1py(1.0 - e, -e)
        return binary + e * math.log(k - 1) - h

    if h == 0.0:
        return 0.0
    if excess(top) <= 0.0:
        return top
    return float(optimize.brentq(excess, 0.0, top, xtol=5e-324, rtol=4 * np.finfo(float).eps,
                                 maxiter=500))
