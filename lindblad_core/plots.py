"""Plots in the paper's layout: log τ, one curve per β_R with distinct markers, the δ_tol line, and the
certified interval [lower, upper] as error bars. A point is solid when the solver reported "optimal" (at
its value) or when its certified interval is tight (at ``upper``, the objective of a checked Lindbladian).
Every other point is drawn hollow, from its certified interval only, and listed in the legend as such:
a solver's unconfirmed number never appears as a solid value."""

from __future__ import annotations

import numpy as np

from .sdp import DELTA_TOL

__all__ = ["plot_four_panels", "plot_tau_vs", "save_figure", "markdown_table", "MARKERS", "FLOOR"]

MARKERS = ("D", "o", "+", "x", "s", "^", "v", "*")  # blue diamond, circle, plus, cross (Figs. 2, 3)
# τ values at or below this (certified "possible" points, often ~1e-12 or a tiny negative solver value)
# are drawn on this floor of the log axis.
FLOOR = 1e-13
LABELS = {"tau_pop": r"$\tau^{\rm pop}_{\rm opt}$", "tau_pop_coh": r"$\tau^{\rm pop,coh}_{\rm opt}$",
          "g": r"$g$", "beta_left": r"$\beta_L$", "beta_right": r"$\beta_R$"}


def plot_tau_vs(ax, df, x: str, quantity: str, curve: str = "beta_right", *, label_fmt="{name} = {value:g}"):
    """One panel: τ (``quantity``) against column ``x``, one curve per value of column ``curve``."""
    sub = df[df["quantity"] == quantity]
    for i, (value, part) in enumerate(sub.groupby(curve, sort=False)):
        part = part.sort_values(x)
        marker = MARKERS[i % len(MARKERS)]
        color = f"C{i}"
        ok = part["ok"].astype(bool).to_numpy()
        certified = part["certified"].astype(bool).to_numpy() if "certified" in part else np.zeros_like(ok)
        y = np.where(ok, part["value"].astype(float).fillna(np.nan).to_numpy(), part["upper"].astype(float).to_numpy())
        ok = ok | certified
        y = np.clip(y, FLOOR, None)
        lo = np.clip(part["lower"].astype(float).to_numpy(), FLOOR, None)
        hi = np.clip(part["upper"].astype(float).to_numpy(), FLOOR, None)
        xs = part[x].astype(float).to_numpy()
        name = LABELS.get(curve, curve)
        ax.errorbar(xs[ok], y[ok], yerr=[np.maximum(y[ok] - lo[ok], 0), np.maximum(hi[ok] - y[ok], 0)],
                    marker=marker, color=color, ls="-", ms=5, capsize=2,
                    label=label_fmt.format(name=name, value=value))
        bounded = ~ok & np.isfinite(hi)  # solver not optimal but a certified interval exists
        if np.any(bounded):
            mid = np.sqrt(lo[bounded] * hi[bounded])
            ax.errorbar(xs[bounded], mid, yerr=[mid - lo[bounded], hi[bounded] - mid], marker=marker, mfc="none",
                        color=color, ls="none", ms=7, capsize=2,
                        label=f"{label_fmt.format(name=name, value=value)}: certified interval only")
    ax.axhline(DELTA_TOL, color="k", ls="--", lw=1, label=r"$\delta_{\rm tol}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(LABELS.get(x, x))
    ax.set_ylabel(LABELS.get(quantity, quantity))


def plot_four_panels(df, title: str = ""):
    """Panels (a) τ^pop vs β_L, (b) τ^pop,coh vs β_L, (c) τ^pop vs g, (d) τ^pop,coh vs g (Figs. 2, 3, A1, A2).

    ``df`` holds both sweeps, tagged "vs_beta_left" and "vs_g" (:func:`~lindblad_core.sweeps.four_panel_points`).
    """
    import matplotlib.pyplot as plt

    vs_beta = df[df["tag"] == "vs_beta_left"]
    vs_g = df[df["tag"] == "vs_g"]
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), constrained_layout=True)
    for ax, (part, x, q, tag) in zip(axes.ravel(), [(vs_beta, "beta_left", "tau_pop", "a"),
                                                    (vs_beta, "beta_left", "tau_pop_coh", "b"),
                                                    (vs_g, "g", "tau_pop", "c"), (vs_g, "g", "tau_pop_coh", "d")]):
        plot_tau_vs(ax, part, x, q)
        ax.set_title(f"({tag})", loc="left")
    axes[0, 0].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    return fig


def save_figure(fig, name: str, folder=None) -> list:
    """Save ``fig`` as ``name.pdf`` and ``name.png`` in ``folder`` (default :func:`paths.figures_dir`);
    returns the paths. No time stamp is written, so the same figure gives the same bytes."""
    from pathlib import Path

    from .paths import figures_dir

    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{ext}" for ext in ("pdf", "png")]
    for p in paths:
        metadata = {"CreationDate": None} if p.suffix == ".pdf" else {}
        fig.savefig(p, dpi=150, metadata=metadata)
    return paths


def markdown_table(df) -> str:
    """A GitHub-flavoured markdown table of a DataFrame (no extra dependency)."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"
