"""Speed of :func:`klutils.kl_divergence` against ``scipy.stats.entropy``, printed as ratios.

Run with ``make bench`` (or ``python -m klutils.bench``). This is a measurement, not a test: it
prints the median CPU time of repeated runs, side by side in one process, and the machine's load
average before and after (on a shared machine, ratios still move with it), for pairs of length
10**7 and batches of shape (10**4, 1000):

* random pairs, against scipy and against the naive ``np.sum(p * np.log(p / q))`` (aim: at most
  2x the naive sum, which is fast and wrong for close pairs);
* nearly identical pairs (Q = P perturbed by a relative 1e-6);
* tiny KL (below 1e-14): Q = P perturbed by a relative 1e-9, and renormalised copies
  ``q = p / p.sum()``, where klutils takes its careful path and scipy is wrong in most digits
  (target: at most 1.5x scipy);

and, apart, :func:`klutils.kl_mvn` on 2000 pairs of 3x3 covariances (one batched call).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import scipy.stats

from klutils.closed_forms import kl_mvn
from klutils.divergences import kl_divergence

#: Target ratio of klutils to scipy on tiny-KL inputs.
TINY_KL_TARGET = 1.5
#: Aimed ratio of klutils to the naive sum on random inputs.
RANDOM_AIM = 2.0


def median_seconds(function: Callable[[], object], repeats: int = 7) -> float:
    """Median CPU time of ``function()`` over ``repeats`` runs, after one warm-up.

    CPU time of this process, not wall-clock time: every function here runs on one core, so on
    an idle machine the two agree, and on a shared one the CPU time is not inflated by waiting
    for a core (cache contention still shows).
    """
    function()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def make_cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """The benchmark inputs: ``name -> (p, q, kind)`` with kind "random", "near" or "tiny"."""
    cases = {}
    for shape in [(10**7,), (10**4, 1000)]:
        p = rng.random(shape)
        p /= p.sum(axis=-1, keepdims=True)
        q = rng.random(shape)
        q /= q.sum(axis=-1, keepdims=True)
        near = p * (1.0 + 1e-6 * rng.standard_normal(shape))
        near /= near.sum(axis=-1, keepdims=True)
        tiny = p * (1.0 + 1e-9 * rng.standard_normal(shape))
        tiny /= tiny.sum(axis=-1, keepdims=True)
        copy = p / p.sum(axis=-1, keepdims=True)
        cases[f"random {shape}"] = (p, q, "random")
        cases[f"nearly identical {shape}"] = (p, near, "near")
        cases[f"tiny KL, 1e-9 apart {shape}"] = (p, tiny, "tiny")
        cases[f"tiny KL, renormalised {shape}"] = (p, copy, "tiny")
    return cases


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    """Print one line per case: times, ratios, and the target each ratio is held to."""
    print(f"before: {_load()}; median CPU seconds of 7 runs")
    cases = make_cases(np.random.default_rng(2026))
    print(f"{'case':38s} {'scipy':>8s} {'klutils':>8s} {'naive':>8s} "
          f"{'k/scipy':>8s} {'k/naive':>8s}  target")
    for name, (p, q, kind) in cases.items():
        t_scipy = median_seconds(lambda p=p, q=q: scipy.stats.entropy(p, q, axis=-1))
        t_klutils = median_seconds(lambda p=p, q=q: kl_divergence(p, q))
        t_naive = median_seconds(lambda p=p, q=q: np.sum(p * np.log(p / q), axis=-1))
        by_scipy, by_naive = t_klutils / t_scipy, t_klutils / t_naive
        if kind == "tiny":
            verdict = "met" if by_scipy <= TINY_KL_TARGET else "MISSED"
            target = f"k/scipy <= {TINY_KL_TARGET}: {verdict}"
        elif kind == "random":
            verdict = "met" if by_naive <= RANDOM_AIM else "not met"
            target = f"aim k/naive <= {RANDOM_AIM}: {verdict}"
        else:
            target = ""
        print(f"{name:38s} {t_scipy:7.3f}s {t_klutils:7.3f}s {t_naive:7.3f}s "
              f"{by_scipy:8.2f} {by_naive:8.2f}  {target}")
    rng = np.random.default_rng(7)
    a = rng.normal(size=(2, 2000, 3, 3))
    covariances = a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(3)
    means = rng.normal(size=(2, 2000, 3))
    t_mvn = median_seconds(lambda: kl_mvn(means[0], covariances[0], means[1], covariances[1]))
    print(f"kl_mvn, 2000 pairs of 3x3 covariances in one call: {t_mvn * 1e3:.1f} ms")
    print(f"after: {_load()}")


if __name__ == "__main__":
    main()
