"""klutils: the helper package of the executable course on Kullback-Leibler divergence.

Every number the chapters show is computed here. The public names are re-exported below.
"""

from klutils.closed_forms import kl_bernoulli, kl_mvn, kl_normal
from klutils.divergences import (
    cross_entropy,
    entropy,
    js_divergence,
    kl_contributions,
    kl_divergence,
    kl_divergence_from_logits,
)

__all__ = [
    "cross_entropy",
    "entropy",
    "js_divergence",
    "kl_bernoulli",
    "kl_contributions",
    "kl_divergence",
    "kl_divergence_from_logits",
    "kl_mvn",
    "kl_normal",
]
