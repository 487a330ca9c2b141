"""Plots in the paper's layout: log τ, one curve per β_R with distinct markers, the δ_tol line, and the
certified interval [lower, upper] as error bars. A point is drawn solid only when it counts as a result
(:func:`drawn_solid`, the rule of ``TauResult.is_result``): status in ``solvers.RESULT_STATUSES``, "optimal"
(consistent with its interval: drawn at its value) or certified (drawn at ``upper``, the objective of a
checked Lindbladian), and a decided verdict. Every other point — inconsistent, ill-conditioned, an
interval that straddles δ_tol, a failed solve — is drawn hollow, from its certified interval only, and
listed in the legend as such: what is drawn always agrees with the verdict."""

from __future__ import annotations

import numpy as np

from lindblad_core.sdp import DELTA_TOL, RESULT_STATUSES

__all__ = ["drawn_solid", "plot_four_panels", "plot_tau_vs", "plot_with_variant", "plot_reference", "chain_title",
           "save_figure", "save_table", "markdown_table", "MARKERS", "FLOOR", "DPI"]

MARKERS = ("D", "o", "+", "x", "s", "^", "v", "*")  # blue diamond, circle, plus, cross (Figs. 2, 3)
# τ values at or below this (certified "possible" points, often ~1e-12 or a tiny negative solver value)
# are drawn on this floor of the log axis.
FLOOR = 1e-13
LABELS = {"tau_pop": r"$\tau^{\rm pop}_{\rm opt}$", "tau_pop_coh": r"$\tau^{\rm pop,coh}_{\rm opt}$",
          "g": r"$g$", "beta_left": r"$\beta_L$", "beta_right": r"$\beta_R$", "bias": r"$\varepsilon_0$",
          "continuity_violation": "continuity violation", "trace_distance": r"$\frac{1}{2}\|\rho_0' - \rho_0\|_1$",
          "n_middle": r"$N_M$", "gamma": r"$\gamma$"}
DPI = 200  # PNG resolution (the PDF is vector)
LEGEND_FONTSIZE = 8
# Marker size of the first curve; later curves shrink by MARKER_STEP so that coinciding points stay visible, each
# drawn inside the previous one (with a white edge).
MARKER_SIZE, MARKER_STEP = 7.5, 1.2


def drawn_solid(df) -> np.ndarray:
    """Rows that count as a result (``TauResult.is_result``): status in ``RESULT_STATUSES``, "optimal" or
    certified, and a verdict other than "inconclusive". Uses the stored ``is_result`` column when present
    (records written by this version), else recomputes the rule from the columns it needs."""
    status = df["status"].astype(str)
    ok = df["ok"].fillna(False).astype(bool) if "ok" in df else status == "optimal"
    certified = df["certified"].fillna(False).astype(bool) if "certified" in df else False
    decided = df["verdict"].astype(str) != "inconclusive" if "verdict" in df else False
    rule = (status.isin(RESULT_STATUSES) & (ok | certified) & decided).to_numpy()
    if "is_result" not in df:
        return rule
    stored = df["is_result"].to_numpy()
    known = ~df["is_result"].isna().to_numpy()
    return np.where(known, stored.astype(bool) if known.all() else np.where(known, stored, False).astype(bool),
                    rule)


def plot_tau_vs(ax, df, x: str, quantity: str, curve: str = "beta_right", *, label_fmt="{name} = {value:g}",
                ls: str = "-", marker: str | None = None, reference_line: bool = True):
    """One panel: τ (``quantity``) against column ``x``, one curve per value of column ``curve``.

    Results (:func:`drawn_solid`) are joined by a line (``ls``); anything else is drawn hollow, from its
    certified interval only. ``marker`` overrides the per-curve markers (e.g. "x" for an overlaid variant);
    ``reference_line`` draws δ_tol."""
    sub = df[df["quantity"] == quantity]
    for i, (value, part) in enumerate(sub.groupby(curve, sort=False)):
        part = part.sort_values(x)
        mk = marker or MARKERS[i % len(MARKERS)]
        color = f"C{i}"
        at_value = (part["status"].astype(str) == "optimal").to_numpy() & part["value"].notna().to_numpy()
        y = np.where(at_value, part["value"].astype(float).to_numpy(), part["upper"].astype(float).to_numpy())
        ok = drawn_solid(part)
        y = np.clip(y, FLOOR, None)
        lo = np.clip(part["lower"].astype(float).to_numpy(), FLOOR, None)
        hi = np.clip(part["upper"].astype(float).to_numpy(), FLOOR, None)
        xs = part[x].astype(float).to_numpy()
        name = LABELS.get(curve, curve)
        size = max(MARKER_SIZE - MARKER_STEP * i, 3.0)
        ax.errorbar(xs[ok], y[ok], yerr=[np.maximum(y[ok] - lo[ok], 0), np.maximum(hi[ok] - y[ok], 0)],
                    marker=mk, color=color, ls=ls, ms=size, mec="white" if mk not in "+x" else color, mew=0.6,
                    capsize=2, zorder=2 + i, label=label_fmt.format(name=name, value=value))
        bounded = ~ok & np.isfinite(hi)  # not a result, but a certified interval exists
        if np.any(bounded):
            mid = np.sqrt(lo[bounded] * hi[bounded])
            ax.errorbar(xs[bounded], mid, yerr=[mid - lo[bounded], hi[bounded] - mid], marker=mk, mfc="none",
                        color=color, ls="none", ms=size + 1.5, capsize=2, zorder=2 + i,
                        label=f"{label_fmt.format(name=name, value=value)}: certified interval only")
    if reference_line:
        ax.axhline(DELTA_TOL, color="k", ls="--", lw=1, label=r"$\delta_{\rm tol}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(LABELS.get(x, x))
    ax.set_ylabel(LABELS.get(quantity, quantity))


def plot_reference(ax, x, y, label: str = "published"):
    """Reference values (the authors' data) on top of a panel: black open circles above every curve."""
    ax.plot(x, y, ls="none", marker="o", ms=6, mfc="none", mec="k", mew=1.0, zorder=50, label=label)


def chain_title(df) -> str:
    """The chain of a results table in mathtext: N_L, N_M, N_R and the bias ε0 (each when it is one value)."""
    parts = []
    for column, symbol in (("n_left", "N_L"), ("n_middle", "N_M"), ("n_right", "N_R"), ("bias", r"\varepsilon_0")):
        if column in df and df[column].nunique() == 1:
            parts.append(f"{symbol} = {df[column].iloc[0]:g}")
    return "$" + r",\ ".join(parts) + "$" if parts else ""


def _fixed(df, columns) -> str:
    """The columns of ``df`` that hold one value, as a mathtext line for a panel (e.g. "$g = 0.01$")."""
    out = [f"{LABELS.get(c, c).strip('$')} = {df[c].iloc[0]:g}" for c in columns if c in df and df[c].nunique() == 1]
    return "$" + r",\ ".join(out) + "$" if out else ""


def plot_four_panels(df, title: str | None = None):
    """Panels (a) τ^pop vs β_L, (b) τ^pop,coh vs β_L, (c) τ^pop vs g, (d) τ^pop,coh vs g (Figs. 2, 3, A1, A2).

    ``df`` holds both sweeps, tagged "vs_beta_left" and "vs_g" (:func:`~lindblad_core.studies.sweeps.four_panel_points`).
    Each panel states its fixed parameters (g in (a, b), β_L in (c, d)); ``title`` defaults to the chain
    (:func:`chain_title`).
    """
    import matplotlib.pyplot as plt

    vs_beta = df[df["tag"] == "vs_beta_left"]
    vs_g = df[df["tag"] == "vs_g"]
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), constrained_layout=True)
    for ax, (part, x, q, tag) in zip(axes.ravel(), [(vs_beta, "beta_left", "tau_pop", "a"),
                                                    (vs_beta, "beta_left", "tau_pop_coh", "b"),
                                                    (vs_g, "g", "tau_pop", "c"), (vs_g, "g", "tau_pop_coh", "d")]):
        plot_tau_vs(ax, part, x, q)
        ax.set_title(f"({tag})", loc="left", fontweight="bold")
        fixed = _fixed(part, ["g"] if x == "beta_left" else ["beta_left"])
        if fixed:
            ax.set_title(fixed, loc="right", fontsize=9)
    axes[0, 0].legend(fontsize=LEGEND_FONTSIZE)
    title = chain_title(df) if title is None else title
    if title:
        fig.suptitle(title)
    return fig


def plot_with_variant(table, variant, x: str, quantity: str, *, label_fmt: str, title: str = "",
                      curve: str = "beta_right", variant_x: str | None = None, variant_curve: str | None = None):
    """One panel of ``quantity`` against ``x``: ``table`` as :func:`plot_tau_vs` draws it (solid lines, δ_tol)
    and ``variant``, the same points in another formulation, on top (dotted lines, crosses; its degenerate
    spectra left out). ``label_fmt`` labels the variant's curves; ``variant_x`` and ``variant_curve`` name its
    columns when they differ from ``x`` and ``curve``. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.2), constrained_layout=True)
    plot_tau_vs(ax, table, x, quantity, curve=curve)
    plot_tau_vs(ax, variant[(variant["status"] != "degenerate").to_numpy()], variant_x or x, quantity,
                curve=variant_curve or curve, ls=":", marker="x", reference_line=False, label_fmt=label_fmt)
    ax.legend(fontsize=6)
    ax.set_title(title, loc="left", fontsize=9)
    return fig


def save_figure(fig, name: str, folder=None) -> list:
    """Save ``fig`` as ``name.pdf`` and ``name.png`` (``DPI``) in ``folder`` (default :func:`paths.figures_dir`);
    returns the paths. No time stamp is written, so the same figure gives the same bytes. The figure then keeps
    the layout of its first draw (its layout engine is switched off, :func:`_freeze_layout`): to change it and
    lay it out again, ``fig.set_layout_engine("constrained")`` first."""
    from pathlib import Path

    from lindblad_core.paths import figures_dir

    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{ext}" for ext in ("pdf", "png")]
    for p in paths:
        metadata = {"CreationDate": None} if p.suffix == ".pdf" else {}
        fig.savefig(p, dpi=DPI, metadata=metadata)
        _freeze_layout(fig)
    return paths


def _freeze_layout(fig) -> None:
    """Keep the axes where the figure's layout engine (constrained layout) has just put them: the next draws
    (the PNG, the notebook's inline image) skip the layout, ~40 % of a draw of a four-panel figure. Where
    matplotlib refuses the switch, the figure keeps its engine."""
    if fig.get_layout_engine() is not None:
        try:
            fig.set_layout_engine("none")
        except RuntimeError:
            pass


def save_table(df, name: str, formats=("csv",), folder=None) -> list:
    """Write ``df`` as ``name.csv`` (without the index) and/or ``name.md`` (:func:`markdown_table`) in ``folder``
    (default :func:`paths.figures_dir`); returns the paths."""
    from pathlib import Path

    from lindblad_core.paths import figures_dir

    unknown = set(formats) - {"csv", "md"}
    if unknown:
        raise ValueError(f"formats must be among ('csv', 'md'), got formats={tuple(formats)!r}")
    folder = Path(folder) if folder is not None else figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{ext}" for ext in formats]
    for p in paths:
        if p.suffix == ".csv":
            df.to_csv(p, index=False)
        else:
            p.write_text(markdown_table(df))
    return paths


def markdown_table(df) -> str:
    """A GitHub-flavoured markdown table of a DataFrame (no extra dependency)."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"
