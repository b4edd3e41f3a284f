"""klutils: the helper package of the executable course on Kullback-Leibler divergence.

Every number the chapters show is computed here. The divergences and the closed forms are
re-exported below (``klutils.kl_divergence``); everything else is imported from its module, laid
out by mathematical object (see the README's "Layout"): ``from klutils import gaussian, plots``.
"""

from klutils.closed_forms import kl_bernoulli, kl_beta, kl_dirichlet, kl_mvn, kl_normal, vae_kl
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
    "kl_beta",
    "kl_contributions",
    "kl_dirichlet",
    "kl_divergence",
    "kl_divergence_from_logits",
    "kl_mvn",
    "kl_normal",
    "vae_kl",
]
