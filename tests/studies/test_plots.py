"""Figures: what is drawn agrees with the verdict, each panel states its fixed parameters, and figures are saved at
publication resolution without touching the user's figures/."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lindblad_core.studies import plots  # noqa: E402


def _table():
    rows = []
    for q in ("tau_pop", "tau_pop_coh"):
        for tag in ("vs_beta_left", "vs_g"):
            for br in (10.0, 0.5):
                for x in (0.1, 1.0, 10.0):
                    undecided = x == 1.0 and br == 0.5
                    rows.append(dict(quantity=q, tag=tag, beta_right=br, beta_left=x if tag == "vs_beta_left" else 1.0,
                                     g=x if tag == "vs_g" else 0.01, value=2e-3, lower=5e-7 if undecided else 2e-3,
                                     upper=2e-3, status="optimal", ok=not undecided, certified=not undecided,
                                     verdict="inconclusive" if undecided else "impossible", n_left=1, n_middle=2,
                                     n_right=1, bias=0.0))
    return pd.DataFrame(rows)


def test_four_panels_state_their_fixed_parameters_and_the_chain():
    fig = plots.plot_four_panels(_table())
    assert fig._suptitle.get_text() == r"$N_L = 1,\ N_M = 2,\ N_R = 1,\ \varepsilon_0 = 0$"
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["(a)", "(b)", "(c)", "(d)"]
    assert [ax.get_title(loc="right") for ax in fig.axes] == ["$g = 0.01$"] * 2 + [r"$\beta_L = 1$"] * 2
    assert all(ax.get_ylabel().startswith("$") and ax.get_xlabel().startswith("$") for ax in fig.axes)


def test_undecided_points_are_hollow_and_labelled_as_intervals():
    fig = plots.plot_four_panels(_table())
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("certified interval only" in lab for lab in labels)
    hollow = [line for line in fig.axes[0].lines if line.get_markerfacecolor() == "none"]
    assert hollow and all(np.allclose(line.get_xdata(), [1.0]) for line in hollow)


def test_reference_points_are_drawn_on_top():
    fig = plots.plot_four_panels(_table())
    ax = fig.axes[2]
    plots.plot_reference(ax, [0.1, 10.0], [2e-3, 2e-3])
    ref = ax.lines[-1]
    assert ref.get_zorder() > max(line.get_zorder() for line in ax.lines[:-1])
    assert ref.get_markerfacecolor() == "none" and ref.get_markeredgecolor() == "k"


def test_saved_at_publication_resolution(tmp_path):
    from matplotlib.image import imread

    fig = plots.plot_four_panels(_table())
    paths = plots.save_figure(fig, "panels", folder=tmp_path)
    assert sorted(p.suffix for p in paths) == [".pdf", ".png"] and all(p.parent == tmp_path for p in paths)
    height, width = imread(paths[1]).shape[:2]
    w_in, h_in = fig.get_size_inches()
    assert (width, height) == (round(w_in * plots.DPI), round(h_in * plots.DPI)) and plots.DPI >= 200


def test_saved_figure_keeps_the_layout_of_its_first_draw(tmp_path):
    """save_figure writes the PDF and the PNG and leaves the figure without an active layout engine: the axes stay
    where constrained layout put them at the first draw (a later draw, e.g. the notebook's inline image, moves
    nothing), and a figure with a colorbar is saved too."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, constrained_layout=True)
    axes[0].plot([1, 2], [3, 4])
    axes[0].set_title("a long title that constrained layout makes room for")
    written = plots.save_figure(fig, "frozen", folder=tmp_path)
    assert [p.name for p in written] == ["frozen.pdf", "frozen.png"] and all(p.stat().st_size > 0 for p in written)
    engine = fig.get_layout_engine()
    assert engine is None or type(engine).__name__ == "PlaceHolderLayoutEngine"
    before = [ax.get_position().bounds for ax in axes]
    assert before[0] != (0.125, 0.11, 0.3522727272727273, 0.77)  # not matplotlib's default: laid out
    fig.set_size_inches(9, 3)  # constrained layout would move the axes on this draw
    fig.canvas.draw()
    assert [ax.get_position().bounds for ax in axes] == before
    plt.close(fig)
    fig, ax = plt.subplots(constrained_layout=True)
    fig.colorbar(ax.imshow(np.eye(3)))
    assert len(plots.save_figure(fig, "with_colorbar", folder=tmp_path)) == 2
    plt.close(fig)
