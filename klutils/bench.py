"""Speed of :func:`klutils.kl_divergence` against ``scipy.stats.entropy``, printed as ratios.

Run with ``make bench`` (or ``python -m klutils.bench``). This is a measurement, not a test:
it prints the median of repeated runs, side by side in one process, for

* random pairs of length 10**7 and a batch of shape (10**4, 1000);
* nearly identical pairs (Q = P perturbed by a relative 1e-6), where klutils takes the careful
  path and scipy is wrong in most digits;

and the ratio to one plain memory pass (``np.add(p, q)``), the memory-bandwidth floor.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import scipy.stats

from klutils.divergences import kl_divergence


def median_seconds(function: Callable[[], object], repeats: int = 7) -> float:
    """Median wall-clock time of ``function()`` over ``repeats`` runs, after one warm-up."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_cases(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The benchmark inputs: random and nearly identical pairs, long and batched."""
    cases = {}
    for shape in [(10**7,), (10**4, 1000)]:
        p = rng.random(shape)
        p /= p.sum(axis=-1, keepdims=True)
        q = rng.random(shape)
        q /= q.sum(axis=-1, keepdims=True)
        near = p * (1.0 + 1e-6 * rng.standard_normal(shape))
        near /= near.sum(axis=-1, keepdims=True)
        cases[f"random {shape}"] = (p, q)
        cases[f"nearly identical {shape}"] = (p, near)
    return cases


def main() -> None:
    """Print one line per case: times and the ratios klutils/scipy and klutils/memory pass."""
    cases = make_cases(np.random.default_rng(2026))
    print(f"{'case':34s} {'scipy':>9s} {'klutils':>9s} {'add':>9s} "
          f"{'klutils/scipy':>14s} {'klutils/add':>12s}")
    for name, (p, q) in cases.items():
        t_scipy = median_seconds(lambda p=p, q=q: scipy.stats.entropy(p, q, axis=-1))
        t_klutils = median_seconds(lambda p=p, q=q: kl_divergence(p, q))
        t_add = median_seconds(lambda p=p, q=q: np.add(p, q))
        print(f"{name:34s} {t_scipy:8.3f}s {t_klutils:8.3f}s {t_add:8.3f}s "
              f"{t_klutils / t_scipy:14.2f} {t_klutils / t_add:12.1f}")
    print("Targets: klutils/scipy <= 1 on random pairs, <= 1.5 on nearly identical pairs.")


if __name__ == "__main__":
    main()
