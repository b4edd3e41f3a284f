"""Tests of klutils.coins: simulation, flips needed, the Bernoulli MLE, the chapter-2 widget."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.stats

from klutils.coins import (
    CoinKLWidget,
    bernoulli_mle,
    coin_kl_readout,
    coin_kl_widget,
    flips_to_distinguish,
    log_likelihood_ratio_paths,
    plot_coin_kl,
    probability_correct_decision,
)


def kl_coin(p: float, q: float) -> float:
    """KL(Bern(p) || Bern(q)) in nats, straight from the definition (independent of klutils)."""
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def log_ratio_variance(p: float, q: float) -> float:
    """Variance of one flip's log-likelihood ratio under Bern(p)."""
    return p * (1 - p) * (math.log(p / q) - math.log((1 - p) / (1 - q))) ** 2


def brute_force_correct(p: float, q: float, n: int) -> float:
    """P(Lambda_n > 0) + P(Lambda_n = 0) / 2 by summing over every number of heads k."""
    k = np.arange(n + 1)
    llr = k * math.log(p / q) + (n - k) * math.log((1 - p) / (1 - q))
    pmf = scipy.stats.binom.pmf(k, n, p)
    scale = n * max(abs(math.log(p / q)), abs(math.log((1 - p) / (1 - q))))
    tie = np.abs(llr) <= 1e-12 * scale
    return float(pmf[(llr > 0) & ~tie].sum() + 0.5 * pmf[tie].sum())


# --- log_likelihood_ratio_paths -------------------------------------------------------------

@pytest.mark.parametrize(("p", "q"), [(0.5, 0.6), (0.3, 0.5), (0.9, 0.7)])
def test_mean_slope_is_kl_within_standard_error(p, q):
    n_flips, n_paths = 2000, 400
    paths = log_likelihood_ratio_paths(p, q, n_flips, n_paths, np.random.default_rng(7))
    slopes = paths[:, -1] / n_flips  # average evidence per flip of each path
    standard_error = math.sqrt(log_ratio_variance(p, q) / (n_flips * n_paths))
    assert abs(slopes.mean() - kl_coin(p, q)) < 4 * standard_error
    # the spread of the paths matches the per-flip variance too
    assert paths[:, -1].var() / n_flips == pytest.approx(log_ratio_variance(p, q), rel=0.25)


def test_paths_are_cumulative_sums_of_the_two_possible_steps():
    paths = log_likelihood_ratio_paths(0.5, 0.6, 50, 5, np.random.default_rng(0))
    steps = np.diff(paths, axis=1, prepend=0.0)
    head, tail = math.log(0.5 / 0.6), math.log(0.5 / 0.4)
    is_head = np.isclose(steps, head, rtol=0, atol=1e-12)
    is_tail = np.isclose(steps, tail, rtol=0, atol=1e-12)
    assert np.all(is_head ^ is_tail)
    assert paths.shape == (5, 50)


def test_paths_are_reproducible_with_the_seed():
    first = log_likelihood_ratio_paths(0.5, 0.6, 100, 3, np.random.default_rng(42))
    second = log_likelihood_ratio_paths(0.5, 0.6, 100, 3, np.random.default_rng(42))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("kwargs", [
    {"p": 0.0}, {"p": 1.0}, {"q": 0.0}, {"q": 1.2}, {"p": math.nan}, {"p": "0.5"}, {"p": True},
    {"n_flips": 0}, {"n_paths": -1}, {"n_flips": 2.5}, {"rng": 42}, {"rng": np.random},
    {"n_flips": 10**5, "n_paths": 10**4},
])
def test_paths_bad_input(kwargs):
    args = {"p": 0.5, "q": 0.6, "n_flips": 10, "n_paths": 2, "rng": np.random.default_rng(0)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=r"p|q|n_flips|n_paths|rng"):
        log_likelihood_ratio_paths(**args)


# --- probability_correct_decision and flips_to_distinguish ----------------------------------

@pytest.mark.parametrize(("p", "q"), [(0.5, 0.6), (0.6, 0.5), (0.3, 0.7), (0.9, 0.2), (0.01, 0.5)])
def test_probability_matches_brute_force(p, q):
    n = np.arange(1, 120)
    expected = [brute_force_correct(p, q, int(m)) for m in n]
    np.testing.assert_allclose(probability_correct_decision(p, q, n), expected, rtol=1e-12,
                               atol=1e-15)


def test_ties_count_one_half():
    # p = 1 - q: Lambda_n = 0 exactly when heads = tails; two flips HT or TH (prob 2 * 0.21).
    assert probability_correct_decision(0.3, 0.7, 2) == pytest.approx(0.49 + 0.5 * 0.42)
    assert probability_correct_decision(0.5, 0.6, 1) == 0.5


def test_probability_matches_simulation():
    p, q, n = 0.5, 0.6, 279
    paths = log_likelihood_ratio_paths(p, q, n, 4000, np.random.default_rng(3))
    simulated = np.mean(paths[:, -1] > 0)
    exact = probability_correct_decision(p, q, n)
    assert abs(simulated - exact) < 4 * math.sqrt(exact * (1 - exact) / 4000)


@pytest.mark.parametrize(("p", "q", "confidence"),
                         [(0.5, 0.6, 0.95), (0.5, 0.9, 0.95), (0.2, 0.3, 0.9), (0.99, 0.5, 0.95),
                          (0.5, 0.6, 0.99)])
def test_flips_is_where_the_probability_stays_above_the_confidence(p, q, confidence):
    n = flips_to_distinguish(p, q, confidence)
    beyond = np.arange(n, 20 * n + 200)
    assert np.all(probability_correct_decision(p, q, beyond) >= confidence)
    assert probability_correct_decision(p, q, n - 1 if n > 1 else 1) < confidence or n == 1


def test_flips_scale_like_one_over_kl():
    qs = [0.51, 0.52, 0.55, 0.6]
    counts = np.array([flips_to_distinguish(0.5, q) for q in qs])
    kls = np.array([kl_coin(0.5, q) for q in qs])
    slope = np.polyfit(np.log(kls), np.log(counts), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.05)
    # for nearby coins, n ~ (z sigma / KL)^2 = 2 z^2 / KL (normal approximation)
    z = scipy.stats.norm.ppf(0.95)
    assert counts[0] * kls[0] == pytest.approx(2 * z**2, rel=0.03)


def test_flips_symmetric_under_swapping_heads_and_tails():
    assert flips_to_distinguish(0.3, 0.45) == flips_to_distinguish(0.7, 0.55)


def test_flips_grow_with_confidence():
    assert flips_to_distinguish(0.5, 0.6, 0.8) < flips_to_distinguish(0.5, 0.6, 0.99)


@pytest.mark.parametrize("kwargs", [
    {"q": 0.5}, {"p": 0.0}, {"q": 1.0}, {"confidence": 0.5}, {"confidence": 1.0},
    {"confidence": "high"}, {"max_flips": 10}, {"max_flips": 0},
])
def test_flips_bad_input(kwargs):
    args = {"p": 0.5, "q": 0.6, "confidence": 0.95}
    args.update(kwargs)
    with pytest.raises(ValueError, match=r"p|q|confidence|max_flips"):
        flips_to_distinguish(**args)


@pytest.mark.parametrize("n_flips", [0, [1, -2], 2.5, [True]])
def test_probability_bad_flips(n_flips):
    with pytest.raises(ValueError, match="n_flips"):
        probability_correct_decision(0.5, 0.6, n_flips)


# --- bernoulli_mle --------------------------------------------------------------------------

def test_mle_is_the_fraction_of_heads_and_minimises_kl():
    flips = np.random.default_rng(5).random(37) < 0.3
    p_hat = bernoulli_mle(flips)
    assert p_hat == flips.sum() / 37

    def kl_from_empirical(q):  # KL(empirical || Bern(q)), written out with 0 log 0 = 0
        return sum(w * math.log(w / v) for w, v in ((p_hat, q), (1 - p_hat, 1 - q)) if w > 0)

    best = scipy.optimize.minimize_scalar(kl_from_empirical, bounds=(1e-6, 1 - 1e-6),
                                          method="bounded", options={"xatol": 1e-10})
    assert best.x == pytest.approx(p_hat, abs=1e-6)
    grid = np.linspace(0.001, 0.999, 999)
    values = [kl_from_empirical(q) for q in grid]
    assert abs(grid[int(np.argmin(values))] - p_hat) <= 0.001


def test_mle_also_maximises_the_likelihood():
    flips = [1, 0, 0, 1, 0, 0, 0, 1]
    grid = np.linspace(0.005, 0.995, 199)  # contains 3/8
    log_likelihood = [sum(math.log(q if x else 1 - q) for x in flips) for q in grid]
    assert grid[int(np.argmax(log_likelihood))] == pytest.approx(bernoulli_mle(flips))


@pytest.mark.parametrize("flips", [[], [0, 1, 2], [0.5], [[0, 1], [1, 0]], ["h", "t"],
                                   [0, math.nan]])
def test_mle_bad_input(flips):
    with pytest.raises(ValueError, match="flips"):
        bernoulli_mle(flips)


# --- figure and widget ----------------------------------------------------------------------

def test_readout_shows_both_directions():
    text = coin_kl_readout(0.5, 0.6)
    assert f"KL(P‖Q) = {kl_coin(0.5, 0.6):.4f} nats" in text
    assert f"KL(Q‖P) = {kl_coin(0.6, 0.5):.4f} nats" in text
    assert f"({kl_coin(0.5, 0.6) / math.log(2):.4f} bits)" in text


def test_plot_marks_the_model_on_both_curves():
    from matplotlib.figure import Figure

    ax = plot_coin_kl(Figure().subplots(), 0.3, 0.8)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(float(line.get_ydata()[0]) for line in dots) == pytest.approx(
        sorted([kl_coin(0.3, 0.8), kl_coin(0.8, 0.3)]))
    assert all(float(line.get_xdata()[0]) == 0.8 for line in dots)
    assert ax.get_xlabel() and "nats" in ax.get_ylabel() and ax.get_title()


def _dots(widget: CoinKLWidget) -> list[tuple[float, float]]:
    ax = widget.figure.axes[0]
    return sorted((float(line.get_xdata()[0]), float(line.get_ydata()[0]))
                  for line in ax.lines if line.get_marker() == "o")


def test_widget_slider_changes_readout_and_figure():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a missing glyph would fail here
        widget = coin_kl_widget(0.5, 0.6)
        assert f"{kl_coin(0.5, 0.6):.4f} nats" in widget.readout.value
        before_png = widget.output.outputs[0]["data"]["image/png"]
        widget.q_slider.value = 0.8
    assert f"KL(P‖Q) = {kl_coin(0.5, 0.8):.4f} nats" in widget.readout.value
    assert f"KL(Q‖P) = {kl_coin(0.8, 0.5):.4f} nats" in widget.readout.value
    expected = sorted([(0.8, kl_coin(0.5, 0.8)), (0.8, kl_coin(0.8, 0.5))])
    np.testing.assert_allclose(_dots(widget), expected, rtol=1e-12)
    assert widget.output.outputs[0]["data"]["image/png"] != before_png
    widget.p_slider.value = 0.2
    assert f"KL(P‖Q) = {kl_coin(0.2, 0.8):.4f} nats" in widget.readout.value
    assert widget.p_slider in widget.children[0].children
    assert widget.readout in widget.children and widget.output in widget.children


@pytest.mark.parametrize(("p", "q"), [(0.0, 0.6), (0.5, 1.0), (0.005, 0.5), ("a", 0.5)])
def test_widget_bad_input(p, q):
    with pytest.raises(ValueError, match=r"p|q"):
        coin_kl_widget(p, q)
