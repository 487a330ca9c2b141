"""The paper's figures and tables as library functions: the comparison with the authors' published
points (Fig. 2(c,d)), panels (c, d) recomputed in the published variants and compared verdict by verdict,
the Lemma 1 table (App. B), the verdict columns of Tables I/II, and the check that a sweep holds only decided
results.

The notebooks call these and narrate; everything here works on :func:`~lindblad_core.studies.sweeps.run_sweep`
tables (pandas DataFrames with one row per solved point) and is unit tested in ``tests/studies/test_paper.py``.
"""

from __future__ import annotations

import numpy as np

from lindblad_core.studies import reference
from lindblad_core.studies.compare import VerdictComparison, compare_verdicts
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.lindblad.candidate import candidate_populations
from lindblad_core.redfield_equation import populations, redfield
from lindblad_core.sdp import DELTA_TOL, RESULT_STATUSES, lemma1_bound, tau_pop
from lindblad_core.studies.sweeps import SweepPoint, four_panel_points, grid, run_sweep

__all__ = [
    "PAPER_TABLES", "unresolved", "failed", "fig2cd_points", "compare_with_published", "FIG2AB_PUBLISHED_G",
    "CAPTION_G_GRID", "on_caption_grid",
    "table_columns", "paper_tables", "lemma1_table", "FIG4B_PUBLISHED_G", "fig4b_published_points",
    "FREE_TRACE_COLUMN", "FIGURE_ROWS", "free_trace_points", "free_trace_column",
    "PANELS", "panel", "PANEL_CD_VARIANTS", "panel_cd_points", "compare_panel_cd",
]

# Tables I (ε0 = 0) and II (ε0 = 0.01) of the paper: (N_L = N_R) → (correct populations, correct coherences).
PAPER_TABLES = {
    ("I", 1): ("Impossible", "Impossible"), ("I", 2): ("Maybe possible", "Impossible"),
    ("II", 1): ("Impossible", "Impossible"), ("II", 2): ("Maybe possible", "Impossible"),
}
TABLE_BIAS = {"I": 0.0, "II": 0.01}
# The figure behind each table row: (table, N_L = N_R) → figure.
FIGURE_ROWS = {("I", 1): "Fig. 2", ("I", 2): "Fig. 3", ("II", 1): "Fig. A1", ("II", 2): "Fig. A2"}
# Beyond the paper: the coherence column with Tr Γ_b free (tau_pop_coh(..., free_trace=True)).
FREE_TRACE_COLUMN = "correct coherences (free trace)"


def _decided(table) -> np.ndarray:
    """A row counts as a result (the rule of :attr:`~lindblad_core.sdp.solve.TauResult.is_result`, applied to
    records): status in :data:`~lindblad_core.sdp.solve.RESULT_STATUSES`, "optimal" or a tight certified
    interval, and a verdict. Failed solves ("solver_error", "infeasible", "inconsistent", the sweeps'
    "error" and "invalid") never count, whatever interval came with them."""
    status = table["status"].astype(str)
    solved = (status == "optimal") | table["certified"].astype(bool)
    return (solved & status.isin(RESULT_STATUSES) & (table["verdict"] != "inconclusive")).to_numpy()


def unresolved(table):
    """The rows of a sweep table that are *not* results: every row except degenerate spectra (outside the
    theory of Sec. II.B, listed separately) that is not decided (a row needs a status in
    :data:`~lindblad_core.sdp.solve.RESULT_STATUSES`, "optimal" or a tight certified interval, and a verdict). A notebook's Testing cell asserts that
    this is empty."""
    keep = (table["status"] != "degenerate").to_numpy() & ~_decided(table)
    return table[keep]


def failed(table):
    """The rows whose solve failed: a status outside :data:`~lindblad_core.sdp.solve.RESULT_STATUSES` ("solver_error",
    "infeasible", "inconsistent", the sweeps' "error" and "invalid"), degenerate spectra excepted. Unlike the
    other rows of :func:`unresolved` (a solved point whose certified interval, or the rounding of its data,
    cannot decide against δ_tol: honestly "inconclusive"), these are never acceptable in a figure."""
    status = table["status"].astype(str)
    return table[((status != "degenerate") & ~status.isin(RESULT_STATUSES)).to_numpy()]


# -- Fig. 2(c,d) against the published points ---------------------------------------------------------------

CAPTION_G_GRID = tuple(float(g) for g in np.logspace(-3, 0, 12))  # the g axis of the figures' panels (c, d)


def on_caption_grid(g: float) -> float:
    """``g`` replaced by the value of ``CAPTION_G_GRID`` it rounds (the published data store g to six significant
    digits, 0.00187382 for 0.001873817…), so that a published point and the same point of a figure's sweep are
    one point of the result cache; any other g as it is."""
    nearest = min(CAPTION_G_GRID, key=lambda v: abs(v - g))
    return nearest if abs(nearest - g) <= 1e-5 * abs(g) else float(g)


def fig2cd_points(beta_right=None, g_index=None):
    """Sweep points of every published Fig. 2(c,d) value, in the published formulation (both blocks with
    Tr Γ = 1; τ^pop,coh with the spectral norm and the target L2_eq40(ρ0)).

    ``beta_right`` (sequence) and ``g_index`` (indices into each curve's grid) select a subset.
    Returns ``(points, published)``: the points and, aligned with them, the published values.
    """

    points, published = [], []
    for rec in reference.load("tau_fig2cd"):
        if beta_right is not None and rec["fixed"]["beta_right"] not in beta_right:
            continue
        if rec["quantity"] == "tau_pop_coh" and rec["norm"] != "spectral":
            raise ValueError(f"unexpected norm {rec['norm']!r} in the published data")
        # the same options as the Fig. 2 sweep, so that both share the result cache
        options = {} if rec["quantity"] == "tau_pop" else {"target": "published"}
        for i, (g, value) in enumerate(zip(rec["grid"], rec["values"])):
            if g_index is not None and i not in g_index:
                continue
            setup = ChainSetup(**rec["fixed"], g=on_caption_grid(g))
            points.append(SweepPoint(setup, rec["quantity"], options, tag="published"))
            published.append(value)
    return points, published


# the g of the stored data of the published Fig. 2(a, b), per quantity (the caption says g = 0.01), docs/conventions.md
FIG2AB_PUBLISHED_G = {"tau_pop": 0.1, "tau_pop_coh": 0.0016}

# the g grid of the stored Fig. 4(b) data (10 points; the other panels use 12), docs/conventions.md
FIG4B_PUBLISHED_G = tuple(float(g) for g in np.logspace(-3, 0, 10))


def fig4b_published_points(n_middle_values=(0, 1, 2, 3), g_grid=FIG4B_PUBLISHED_G, beta: float = 1.0):
    """Sweep points of the published Fig. 4(b) variant (docs/conventions.md, "Published variants").

    N_L = 3, N_R = 0, β = 1; the coupling −g for g in ``g_grid`` (the stored inputs used the ferromagnetic
    sign); ρ0 from the Redfield baths on the first 3 sites (at one temperature: the Gibbs state); the target
    L2_eq40(ρ0) with a Redfield bath on *every* site (``target="published_all_baths"``); the Lindblad ansatz on
    the first 3 sites with Tr Γ = 1; spectral norm. Tagged ``"published Fig. 4(b)"``; ``g`` in the records is
    negative.
    """

    points = []
    for nm in n_middle_values:
        base = ChainSetup(n_left=3, n_middle=nm, n_right=0, beta_left=beta)
        points += grid(base, "tau_pop_coh", {"target": "published_all_baths"}, tag="published Fig. 4(b)",
                       g=[-float(g) for g in g_grid])
    return points


def compare_with_published(table, published, *, noise_floor: float = 1e-7):
    """Our certified results next to the authors' values (same order as ``published``).

    Adds the columns ``published``, ``published_verdict`` (τ ≥ δ_tol → "impossible", else "possible"),
    ``ours`` (the solver's value when "optimal", else the certified ``upper``), ``rel_deviation`` (for
    published values above ``noise_floor``, the published solver's noise floor; NaN below it),
    ``within_interval`` (published value inside [lower, upper] to 1e-4 relative) and ``same_verdict``.
    """
    out = table.copy()
    value = np.asarray(published, dtype=float)
    out["published"] = value
    out["published_verdict"] = np.where(value >= DELTA_TOL, "impossible", "possible")
    ours = np.where(out["ok"].astype(bool), out["value"].astype(float), out["upper"].astype(float))
    out["ours"] = ours
    above = value > noise_floor
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_deviation"] = np.where(above, np.abs(ours - value) / value, np.nan)
    out["within_interval"] = ~above | ((out["lower"] <= value * (1 + 1e-4)) & (value <= out["upper"] * (1 + 1e-4)))
    out["same_verdict"] = out["verdict"] == out["published_verdict"]
    return out


# -- Panels (c, d) recomputed another way ----------------------------------------------------------------------

# The panels of a four-panel figure (four_panel_points): letter → (tag, quantity).
PANELS = {"a": ("vs_beta_left", "tau_pop"), "b": ("vs_beta_left", "tau_pop_coh"),
          "c": ("vs_g", "tau_pop"), "d": ("vs_g", "tau_pop_coh")}

# Panels (c, d) (versus g at fixed β_L) in another formulation (docs/conventions.md, "Published variants"):
# the quantities recomputed, their options (on top of the figure's target), changes to the chain, the tag of
# the points, and the labels of the figure's formulation and of the variant (compare_verdicts).
PANEL_CD_VARIANTS = {
    "physical target": {"quantities": ("tau_pop_coh",), "options": {"target": "physical"}, "changes": {},
                        "tag": "vs_g", "labels": ("published", "physical")},
    "left-only blocks": {"quantities": ("tau_pop", "tau_pop_coh"), "options": {"blocks": "left"}, "changes": {},
                         "tag": "vs_g", "labels": ("both", "left")},
    "no bias": {"quantities": ("tau_pop",), "options": {}, "changes": {"bias": 0.0}, "tag": "vs_g",
                "labels": ("biased", "unbiased")},
    "published eigenbasis": {"quantities": ("tau_pop",), "options": {"eigenbasis": "published"}, "changes": {},
                             "tag": "vs_g, published eigenbasis", "labels": ("energy", "published")},
    "free trace": {"quantities": ("tau_pop_coh",), "options": {"free_trace": True}, "changes": {},
                   "tag": "vs_g_free", "labels": ("fixed", "free")},
}


def panel(table, letter: str):
    """The rows of panel ``letter`` ("a", "b", "c" or "d", :data:`PANELS`) of a four-panel sweep table."""
    if letter not in PANELS:
        raise ValueError(f"letter must be one of {sorted(PANELS)}, got letter={letter!r}")
    tag, quantity = PANELS[letter]
    return table[((table["tag"] == tag) & (table["quantity"] == quantity)).to_numpy()]


def _variant(variant: str) -> dict:
    if variant not in PANEL_CD_VARIANTS:
        raise ValueError(f"variant must be one of {sorted(PANEL_CD_VARIANTS)}, got variant={variant!r}")
    return PANEL_CD_VARIANTS[variant]


def panel_cd_points(base: ChainSetup, variant: str | None = None, *, beta_right, g_grid, beta_left_fixed=1.0,
                    target="published"):
    """Sweep points of panels (c, d) of a four-panel figure (versus g at β_L = ``beta_left_fixed``, one curve
    per β_R), in the figure's own formulation (``variant=None``: both quantities, the target ``target``) or in
    one of :data:`PANEL_CD_VARIANTS`.

    Parameters
    ----------
    base : ChainSetup
        The figure's chain (N_L, N_M, N_R, bias, …); β_L, β_R and g are set here.
    variant : str, optional
        A key of :data:`PANEL_CD_VARIANTS`: "physical target" (T = L2(ρ0) in Eq. (33)), "left-only blocks"
        (a Lindblad block on the left bath sites only), "no bias" (ε0 = 0), "published eigenbasis" (the
        diagonal of Eq. (28) in the eigenbasis of H', Figs. A1(c), A2(c)), "free trace" (Tr Γ_b free).
    beta_right, g_grid : sequence of float
        The curves and the g axis.
    beta_left_fixed : float
        β_L of panels (c, d).
    target : str
        The figure's target of τ^pop,coh (``studies.variants.TARGETS``), kept unless the variant sets one.

    Returns
    -------
    list of SweepPoint
        In the order β_R, then g, then quantity, as :func:`~lindblad_core.studies.sweeps.grid` makes them.

    Examples
    --------
    >>> base = ChainSetup(n_left=1, n_middle=2, n_right=1)
    >>> points = panel_cd_points(base, "physical target", beta_right=[10.0, 0.5], g_grid=[0.001, 0.1])
    >>> len(points), points[0].quantity, dict(points[0].options), points[0].setup.beta_left
    (4, 'tau_pop_coh', {'target': 'physical'}, 1.0)
    """
    spec = ({"quantities": ("tau_pop", "tau_pop_coh"), "options": {}, "changes": {}, "tag": "vs_g"}
            if variant is None else _variant(variant))
    setup = base.replace(beta_left=float(beta_left_fixed), **spec["changes"])
    return grid(setup, spec["quantities"], {"target": target, **spec["options"]}, tag=spec["tag"],
                beta_right=beta_right, g=g_grid)


def compare_panel_cd(table, variant_table, variant: str) -> VerdictComparison:
    """The verdicts of panels (c, d) of a four-panel sweep ``table`` against the same points recomputed as
    ``variant`` (``variant_table``, from :func:`panel_cd_points`), setting by setting (quantity, β_R, g).

    Parameters
    ----------
    table : pandas.DataFrame
        The figure's sweep (its rows tagged "vs_g" are used; those of the variant's quantities only).
    variant_table : pandas.DataFrame
        The sweep of ``panel_cd_points(base, variant, …)``.
    variant : str
        The key of :data:`PANEL_CD_VARIANTS`; its labels name the two sides.

    Returns
    -------
    VerdictComparison
        :func:`~lindblad_core.studies.compare.compare_verdicts` on ``["quantity", "beta_right", "g"]``;
        degenerate spectra set aside.

    Examples
    --------
    >>> import pandas as pd
    >>> figure = pd.DataFrame({"tag": "vs_g", "quantity": "tau_pop_coh", "beta_right": 10.0, "g": [0.001, 0.1],
    ...                        "status": "optimal", "verdict": ["impossible", "impossible"]})
    >>> physical = figure.assign(verdict=["impossible", "impossible"])
    >>> print(compare_panel_cd(figure, physical, "physical target").conclusion("the physical target"))
    With the physical target, the verdict is unchanged at all 2 points compared.
    """
    spec = _variant(variant)
    figure = table[((table["tag"] == "vs_g") & table["quantity"].isin(spec["quantities"])).to_numpy()]
    return compare_verdicts(figure, variant_table, on=["quantity", "beta_right", "g"], labels=spec["labels"])


# -- Tables I and II -----------------------------------------------------------------------------------------

def _column(verdicts) -> str:
    verdicts = list(verdicts)
    if any(v == "possible" for v in verdicts):
        return "Maybe possible"
    if verdicts and all(v == "impossible" for v in verdicts):
        return "Impossible"
    return "Inconclusive"


def table_columns(table) -> dict:
    """The two verdict columns of Tables I/II from a four-panel sweep table.

    Only non-equilibrium points (β_L ≠ β_R) with a non-degenerate spectrum count. "Maybe possible" when at
    least one such point is certified possible, "Impossible" when every one is certified impossible,
    otherwise "Inconclusive" (a failed or undecided point never counts as either).
    """
    rows = table[~np.isclose(table["beta_left"], table["beta_right"]) & (table["status"] != "degenerate")]
    decided = rows[_decided(rows)]
    out = {}
    for column, quantity in (("correct populations", "tau_pop"), ("correct coherences", "tau_pop_coh")):
        q = rows[rows["quantity"] == quantity]
        dq = decided[decided["quantity"] == quantity]
        label = _column(dq["verdict"])
        if label == "Impossible" and len(dq) < len(q):  # an undecided point could be possible
            label = "Inconclusive"
        out[column] = label
    return out


def free_trace_points(base: ChainSetup, *, beta_right, g_grid, beta_left_fixed=1.0, target="published"):
    """The points of panel (d) (τ^pop,coh versus g at β_L = ``beta_left_fixed``, one curve per β_R) with
    Tr Γ_b free, tagged "vs_g_free": :func:`panel_cd_points` of the variant "free trace"."""
    return panel_cd_points(base, "free trace", beta_right=beta_right, g_grid=g_grid,
                           beta_left_fixed=beta_left_fixed, target=target)


def free_trace_column(table) -> str:
    """The free-trace coherence column from a :func:`free_trace_points` sweep, by the rule of
    :func:`table_columns`: "Impossible" when every non-equilibrium, non-degenerate point is decided
    impossible (its certified lower bound ≥ δ_tol), "Maybe possible" when one is certified possible,
    otherwise "Inconclusive"."""
    rows = table[~np.isclose(table["beta_left"], table["beta_right"]) & (table["status"] != "degenerate")]
    decided = rows[_decided(rows)]
    label = _column(decided["verdict"])
    if label == "Impossible" and len(decided) < len(rows):
        label = "Inconclusive"
    return label


def paper_tables(*, beta_right, beta_left_grid, g_grid, g_fixed=0.01, beta_left_fixed=1.0, progress=None,
                 free_trace: bool = False):
    """Tables I (ε0 = 0) and II (ε0 = 0.01) from the certified four-panel sweeps of Figs. 2, 3, A1, A2
    (read from the result cache when the figure notebooks have run). One row per (table, N_L = N_R) with
    the two verdict columns, the paper's entry and whether they match. With ``free_trace`` a column
    ``FREE_TRACE_COLUMN`` is added, from the panel-(d) points with Tr Γ_b free (:func:`free_trace_points`,
    cached by notebook 10); it is not part of "matches paper"."""
    import pandas as pd

    rows = []
    for (name, n_lr), expected in PAPER_TABLES.items():
        base = ChainSetup(n_left=n_lr, n_middle=2, n_right=n_lr, bias=TABLE_BIAS[name])
        points = four_panel_points(base, beta_right=beta_right, beta_left_grid=beta_left_grid, g_grid=g_grid,
                                   g_fixed=g_fixed, beta_left_fixed=beta_left_fixed,
                                   options={"target": "published"})
        cols = table_columns(run_sweep(points, progress=progress))
        if free_trace:
            free = run_sweep(free_trace_points(base, beta_right=beta_right, g_grid=g_grid,
                                               beta_left_fixed=beta_left_fixed), progress=progress)
            cols[FREE_TRACE_COLUMN] = free_trace_column(free)
        rows.append({"table": name, "N_L = N_R": n_lr, **cols, "paper": " / ".join(expected),
                     "matches paper": (cols["correct populations"], cols["correct coherences"]) == expected})
    return pd.DataFrame(rows)


# -- Lemma 1 (App. B) ------------------------------------------------------------------------------------------

def lemma1_table(setups):
    """Lemma 1 (Eq. (31)) at each setting: the certified bound on ‖p − p'‖₁ for any LE of Eq. (23), next to
    the actual ‖p − p'‖₁ of the optimal candidate (which the bound must not exceed).

    Degenerate spectra are outside Sec. II.B: they are returned as rows with ``status = "degenerate"``
    and NaN numbers. Columns: the setting, ``bound``, ``actual``, ``status``, ``certified``.
    """
    import pandas as pd

    rows = []
    for s in setups:
        row = {"n_left": s.n_left, "n_middle": s.n_middle, "n_right": s.n_right, "g": s.g,
               "beta_left": s.beta_left, "beta_right": s.beta_right}
        try:
            r = tau_pop(s)
        except ValueError as err:
            if "degenerate" not in str(err):
                raise
            rows.append({**row, "bound": np.nan, "actual": np.nan, "status": "degenerate", "certified": False})
            continue
        actual = float(np.sum(np.abs(candidate_populations(r.candidate) - populations(redfield(s)))))
        rows.append({**row, "bound": lemma1_bound(r), "actual": actual, "status": r.status,
                     "certified": r.certified})
    return pd.DataFrame(rows)
