"""Tests of klutils.plots: every drawing function keeps the drawing contract, and draws and
reads out what the numerical modules compute."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from klutils import kl_beta, plots
from klutils.coding import average_code_length, huffman_code
from klutils.gaussian import gaussian_fits
from klutils.information import entropy_decomposition

MIXTURE = ([0.6, 0.4], [-3.0, 3.0], [1.0, 1.0])  # d = 6, far apart
P = [0.5, 0.25, 0.125, 0.125]
Q = [0.125, 0.125, 0.25, 0.5]
LABELS = ["sun", "cloud", "rain", "snow"]
WEATHER_UMBRELLA = [[0.05, 0.45], [0.10, 0.15], [0.20, 0.05]]


def kl_coin(p: float, q: float) -> float:
    """KL(Bern(p) || Bern(q)) in nats, straight from the definition (independent of klutils)."""
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


#: (drawing function, number of axes it draws on, its arguments after the axes)
DRAWINGS = [
    (plots.draw_coin_kl, 1, (0.3, 0.8)),
    (plots.draw_logits, 1, ("dog", ("cat", "dog"), (0.0, 1.0))),
    (plots.draw_cross_entropy_panel, 2, ([0.5, 0.5], [0.9, 0.1])),
    (plots.draw_additive_smoothing, 2, ([0.2, 0.3, 0.5], [0.0, 0.3, 0.7], 0.1)),
    (plots.draw_joint_panel, 2, ([[0.4, 0.1], [0.1, 0.4]], ["a", "b"], ["c", "d"])),
    (plots.draw_gaussian_fits, 1, (MIXTURE, gaussian_fits(*MIXTURE))),
    (plots.draw_beta_posterior, 1, ((2, 2), (5, 3))),
    (plots.draw_vae_kl, 1, (1.0, -1.0)),
    (plots.draw_information_diagram, 1, (WEATHER_UMBRELLA,)),
    (plots.draw_fisher_parabola, 1, (0.3,)),
    (plots.draw_covariance_ellipse, 1, ([0.0, 1.0], [[1.0, 0.9], [0.9, 1.0]], "C1")),
    (plots.draw_f_generators, 1, ()),
    (plots.draw_f_divergences, 2, ([0.2, 0.3, 0.5], [0.6, 0.3, 0.1])),
]


@pytest.mark.parametrize("draw, n_axes, args", DRAWINGS, ids=lambda x: getattr(x, "__name__", ""))
def test_drawing_contract(draw, n_axes, args):
    """Draws only on the axes it is given, adds to them (no clearing), sets no title, returns
    nothing."""
    fig = Figure()
    axes = fig.subplots(1, n_axes + 1)
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="already there")
    given = axes[0] if n_axes == 1 else axes[:n_axes]
    assert draw(given, *args) is None
    for ax in axes[:n_axes]:
        assert ax.lines[0].get_label() == "already there", "the axes were cleared"
        assert len(ax.lines) + len(ax.patches) + len(ax.images) + len(ax.collections) > 1
        assert ax.get_title() == "", "the notebook sets the title"
    spare = axes[n_axes]
    assert len(spare.lines) == 1 and not spare.patches, "drew on axes it was not given"
    assert len(fig.axes) == n_axes + 1 or draw is plots.draw_joint_panel  # colorbars


def test_units_and_amounts():
    assert [plots.unit_name(b) for b in (None, math.e, 2, 10)] == [
        "nats", "nats", "bits", "log-base-10 units"]
    assert plots.format_amount(0.5, "bits", 2) == "0.50 bits"
    assert plots.format_amount(math.inf, "nats") == "∞"
    with pytest.raises(ValueError, match="base"):
        plots.unit_name(1)


def test_coin_figure_marks_the_model_on_both_curves():
    ax = Figure().subplots()
    plots.draw_coin_kl(ax, 0.3, 0.8)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(float(line.get_ydata()[0]) for line in dots) == pytest.approx(
        sorted([kl_coin(0.3, 0.8), kl_coin(0.8, 0.3)]))
    assert all(float(line.get_xdata()[0]) == 0.8 for line in dots)
    assert ax.get_xlabel() and "nats" in ax.get_ylabel()
    with pytest.raises(ValueError, match="q must lie in"):
        plots.draw_coin_kl(ax, 0.5, 1.0)


def test_coin_readout_shows_both_directions():
    text = plots.coin_kl_readout(0.5, 0.6)
    assert f"KL(P‖Q) = {kl_coin(0.5, 0.6):.4f} nats" in text
    assert f"KL(Q‖P) = {kl_coin(0.6, 0.5):.4f} nats" in text
    assert f"({kl_coin(0.5, 0.6) / math.log(2):.4f} bits)" in text
    assert np.isclose(kl_coin(0.5, 0.6), 0.0204, atol=1e-4)


def test_logits_figure_draws_label_and_softmax():
    ax = Figure().subplots()
    plots.draw_logits(ax, "dog", ("cat", "dog"), (0.0, 0.0))
    assert [patch.get_height() for patch in ax.patches] == pytest.approx([0.0, 1.0, 0.5, 0.5])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat\nlogit 0.0", "dog\nlogit 0.0"]


def test_logits_readout_gives_the_kl_three_ways():
    z = np.array([2.0, 3.0, -1.0])
    q = np.exp(z) / np.exp(z).sum()
    text = plots.logits_readout("cat", ("cat", "dog", "rabbit"), z)
    assert f"KL(P‖Q) = {-math.log(q[0]):.4f} nats" in text
    assert f"cross-entropy {-math.log(q[0]):.4f} nats" in text and f"−log {q[0]:.4f}" in text


# ---------------------------------------------------------------------------------------------
# Entropy + KL = cross-entropy, and mutual information (chapter 4)
# ---------------------------------------------------------------------------------------------


def test_cross_entropy_panel_draws_the_three_numbers_and_the_huffman_lengths():
    axes = Figure().subplots(1, 2)
    plots.draw_cross_entropy_panel(axes, P, Q, LABELS)
    ax_pq, ax_bar = axes
    np.testing.assert_allclose([bar.get_height() for bar in ax_pq.patches], P + Q)
    heights = [bar.get_height() for bar in ax_bar.patches]
    bottoms = [bar.get_y() for bar in ax_bar.patches]
    np.testing.assert_allclose(heights, [1.75, 1.75, 0.875], rtol=1e-14)
    np.testing.assert_allclose(bottoms, [0.0, 0.0, 1.75], rtol=1e-14)
    [diamonds] = [line for line in ax_bar.lines if line.get_marker() == "D"]
    np.testing.assert_allclose(diamonds.get_ydata(), [average_code_length(P, huffman_code(P)),
                                                      average_code_length(P, huffman_code(Q))])
    assert "bits" in ax_bar.get_ylabel()
    legend = [text.get_text() for text in ax_bar.get_legend().get_texts()]
    assert "H(P) = 1.750" in legend and "KL(P‖Q) = 0.875" in legend
    assert "probability" in ax_pq.get_ylabel()
    # nats: no Huffman marks
    axes = Figure().subplots(1, 2)
    plots.draw_cross_entropy_panel(axes, P, P, LABELS, base=None)
    assert len(axes[1].patches) == 3 and "nats" in axes[1].get_ylabel()
    assert not [line for line in axes[1].lines if line.get_marker() == "D"]
    assert axes[1].patches[2].get_height() == pytest.approx(0.0, abs=1e-15)


def test_cross_entropy_panel_marks_an_infinite_kl():
    axes = Figure().subplots(1, 2)
    plots.draw_cross_entropy_panel(axes, P, [0.5, 0.5, 0.0, 0.0], LABELS)
    kl_bar = axes[1].patches[2]
    assert kl_bar.get_hatch() == "//" and np.isfinite(kl_bar.get_height())
    assert "KL = ∞" in [text.get_text() for text in axes[1].texts]


def test_cross_entropy_panel_rejects_bad_input():
    with pytest.raises(ValueError, match="two"):
        plots.draw_cross_entropy_panel(Figure().subplots(1, 3), P, Q)
    with pytest.raises(ValueError, match="labels"):
        plots.draw_cross_entropy_panel(Figure().subplots(1, 2), P, Q, ["a", "b"])


def test_joint_panel_shows_the_table_and_the_product():
    axes = Figure().subplots(1, 2)
    plots.draw_joint_panel(axes, WEATHER_UMBRELLA, ["sun", "cloud", "rain"],
                           ["umbrella", "none"], x_name="weather", y_name="umbrella?")
    joint_image, product_image = (ax.get_images()[0] for ax in axes)
    np.testing.assert_allclose(joint_image.get_array(), WEATHER_UMBRELLA)
    np.testing.assert_allclose(product_image.get_array(),
                               np.outer([0.5, 0.25, 0.25], [0.35, 0.65]), rtol=1e-14)
    assert joint_image.get_clim() == product_image.get_clim()  # one colour scale
    assert axes[0].get_ylabel() == "weather" and axes[0].get_xlabel() == "umbrella?"
    assert "0.450" in [text.get_text() for text in axes[0].texts]
    with pytest.raises(ValueError, match="labels"):
        plots.draw_joint_panel(Figure().subplots(1, 2), WEATHER_UMBRELLA, ["a", "b"], ["c", "d"])


def test_cross_entropy_readout():
    text = plots.cross_entropy_readout(P, Q, LABELS)
    parts = entropy_decomposition(P, Q)
    for value in parts:
        assert f"{value:.4f} bits" in text
    code = huffman_code(Q, LABELS)
    assert all(f"<code>{word}</code>" in text for word in code.values())
    assert f"{average_code_length(P, code):.4f} bits" in text
    assert "∞" in plots.cross_entropy_readout(P, [0.5, 0.5, 0.0, 0.0])


# --- a two-mode mixture and its Gaussian fits (chapter 6) ------------------------------------

def test_draw_gaussian_fits_draws_p_and_both_fits_in_the_course_colours():
    ax = Figure().subplots()
    fits = gaussian_fits(*MIXTURE)
    plots.draw_gaussian_fits(ax, MIXTURE, fits, xlim=(-9, 9))
    mixture_line, forward_line, reverse_line = ax.lines
    assert to_hex(mixture_line.get_color()) == plots.P_COLOR
    assert to_hex(forward_line.get_color()) == plots.Q_COLOR == to_hex(reverse_line.get_color())
    x = forward_line.get_xdata()
    assert x[0] == -9 and x[-1] == 9
    pdf = sum(w * scipy.stats.norm(m, s).pdf(x) for w, m, s in zip(*MIXTURE, strict=True))
    np.testing.assert_allclose(mixture_line.get_ydata(), pdf, rtol=1e-12)
    np.testing.assert_allclose(reverse_line.get_ydata(),
                               scipy.stats.norm(*fits.reverse).pdf(x), rtol=1e-12)
    assert f"{fits.reverse_kl[1]:.3f} nats" in reverse_line.get_label()
    assert f"{fits.forward_kl[0]:.3f} nats" in forward_line.get_label()
    assert "density" in ax.get_ylabel()


def test_gaussian_fits_readout_lists_both_fits_and_both_divergences():
    fits = gaussian_fits(*MIXTURE)
    text = plots.gaussian_fits_readout(fits)
    for value in (*fits.forward, *fits.reverse):
        assert f"<td>{value:.3f}</td>" in text
    for value in (*fits.forward_kl, *fits.reverse_kl):
        assert f"{value:.4f} nats" in text


# --- a Beta prior and its posterior (chapter 9) -----------------------------------------------

def test_beta_posterior_figure_and_readout():
    ax = Figure().subplots()
    plots.draw_beta_posterior(ax, (2, 2), (5, 3), p_true=0.7)
    posterior, prior, truth = ax.lines
    theta = posterior.get_xdata()
    np.testing.assert_allclose(posterior.get_ydata(), scipy.stats.beta.pdf(theta, 5, 3))
    np.testing.assert_allclose(prior.get_ydata(), scipy.stats.beta.pdf(theta, 2, 2))
    assert truth.get_xdata()[0] == 0.7
    text = plots.beta_posterior_readout(2, 2, [1, 1, 1, 0])
    gain = kl_beta(5, 3, 2, 2)
    assert "3 heads in 4 flips" in text and "posterior Beta(5, 3)" in text
    assert f"KL(posterior‖prior) = {gain:.4f} nats = {gain / math.log(2):.4f} bits" in text
    assert "½ log n = −∞" in plots.beta_posterior_readout(1, 1, [])


# --- a VAE's encoder against its prior (chapter 10) -------------------------------------------

def test_vae_figure_draws_prior_and_encoder_in_the_course_colours():
    ax = Figure().subplots()
    plots.draw_vae_kl(ax, mu=1.0, log_var=-1.0)
    assert [to_hex(line.get_color()) for line in ax.lines] == [plots.P_COLOR, plots.Q_COLOR]
    z, density = ax.lines[1].get_data()
    np.testing.assert_allclose(density, scipy.stats.norm(1.0, math.exp(-0.5)).pdf(z), rtol=1e-12)
    assert ax.get_xlabel() and ax.get_ylabel()


def test_vae_readout_splits_the_kl_into_a_mean_and_a_spread_part():
    text = plots.vae_kl_readout(2.0, math.log(4.0))
    spread = 0.5 * (4.0 - 1.0 - math.log(4.0))
    assert "mean part ½μ² 2.0000" in text and f"{spread:.4f}" in text
    assert f"KL(Q‖P) = {2.0 + spread:.4f} nats" in text


# --- chapters 4, 7 and 8: the information diagram, Fisher, ellipses, f-divergences -------------

def test_information_diagram_draws_the_computed_lengths_end_to_end():
    from klutils.information import information_diagram

    ax = Figure().subplots()
    plots.draw_information_diagram(ax, WEATHER_UMBRELLA, x_name="weather", y_name="umbrella")
    d = information_diagram(WEATHER_UMBRELLA, base=2)
    bars = {(round(p.get_y() + p.get_height() / 2), round(p.get_x(), 12)): p.get_width()
            for p in ax.patches}
    assert bars[(2, 0.0)] == pytest.approx(d.h_x_given_y)
    assert bars[(2, round(d.h_x_given_y, 12))] == pytest.approx(d.mutual_information)
    row_0 = sorted((x, w) for (row, x), w in bars.items() if row == 0)
    assert sum(w for _, w in row_0) == pytest.approx(d.h_xy, rel=1e-12)  # the chain rule
    row_1 = [w for (row, _), w in bars.items() if row == 1]
    assert sum(row_1) == pytest.approx(d.h_y, rel=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "H(weather, umbrella)", "H(umbrella)", "H(weather)"]
    assert ax.get_xlabel() == "information (bits)"


@pytest.mark.parametrize("coordinates", ["probability", "log-odds"])
def test_fisher_parabola_touches_kl_at_p_and_readout_compares_them(coordinates):
    ax = Figure().subplots()
    plots.draw_fisher_parabola(ax, 0.3, coordinates=coordinates)
    forward, backward, parabola = ax.lines[0], ax.lines[1], ax.lines[2]
    centre = ax.lines[3].get_xdata()[0]
    x = forward.get_xdata()
    near = np.abs(x - centre) < 0.02 * (x[-1] - x[0])
    np.testing.assert_allclose(parabola.get_ydata()[near], forward.get_ydata()[near], rtol=0.1,
                               atol=1e-6)
    assert forward.get_color() == plots.P_COLOR and backward.get_color() == plots.Q_COLOR
    text = plots.fisher_readout(0.3, coordinates)
    assert "KL(P‖Q) / KL(Q‖P)" in text and "½ I δ²" in text
    with pytest.raises(ValueError, match="coordinates"):
        plots.draw_fisher_parabola(ax, 0.3, coordinates="logit")
    with pytest.raises(ValueError, match="p must lie"):
        plots.fisher_readout(0.999)


def test_covariance_ellipse_lies_on_the_contour():
    ax = Figure().subplots()
    mean, cov = np.array([1.0, -1.0]), np.array([[2.0, 0.8], [0.8, 1.0]])
    plots.draw_covariance_ellipse(ax, mean, cov, color="C3", radius=2.0)
    points = np.vstack([ax.lines[0].get_xdata(), ax.lines[0].get_ydata()]).T - mean
    distances = np.einsum("ij,jk,ik->i", points, np.linalg.inv(cov), points)
    np.testing.assert_allclose(distances, 4.0, rtol=1e-12)
    for bad, message in [([[1.0, 2.0], [2.0, 1.0]], "positive definite"),
                         ([[1.0, 0.5], [0.4, 1.0]], "symmetric"), ([1.0, 1.0], "2 x 2")]:
        with pytest.raises(ValueError, match=message):
            plots.draw_covariance_ellipse(ax, mean, bad, color="C3")


def test_f_divergence_bars_show_values_infinity_and_maxima():
    from klutils.f_divergences import f_divergences

    axes = Figure().subplots(1, 2)
    plots.draw_f_divergences(axes, [0.5, 0.5, 0.0], [0.2, 0.0, 0.8], ["a", "b", "c"])
    labels = [t.get_text() for t in axes[1].get_yticklabels()]
    assert labels[::-1] == ["KL(P‖Q)", "KL(Q‖P)", "χ²(P‖Q)", "H²(P, Q)", "TV(P, Q)", "JS(P, Q)"]
    texts = [t.get_text().strip() for t in axes[1].texts]
    values = f_divergences([0.5, 0.5, 0.0], [0.2, 0.0, 0.8])
    assert texts.count("∞") == 3  # KL both ways and chi-square
    assert f"{values.total_variation:.3f}" in texts
    hatched = [p for p in axes[1].patches if p.get_hatch()]
    assert len(hatched) == 3
    assert len(axes[1].lines) == 3  # the maxima of H², TV and JS
    readout = plots.f_divergences_readout([0.5, 0.5, 0.0], [0.2, 0.0, 0.8])
    assert readout.count("∞") == 3 and "at most ln 2" in readout


def test_f_generators_are_convex_and_zero_at_one():
    ax = Figure().subplots()
    plots.draw_f_generators(ax, t_max=3.0)
    for line in ax.lines[:6]:
        t, f = line.get_xdata(), line.get_ydata()
        assert np.interp(1.0, t, f) == pytest.approx(0.0, abs=1e-2)
        assert np.all(np.diff(f, 2) >= -1e-12)  # convex (an even grid)
