"""The notebook logic as library functions (lindblad_core.studies.paper): published-point comparison, Tables I/II
columns, the "every point decided" check and the Lemma 1 table."""

import numpy as np
import pandas as pd
import pytest

from lindblad_core.studies import paper
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.studies.sweeps import run_sweep


def _row(quantity="tau_pop", beta_left=1.0, beta_right=5.0, status="optimal", certified=True, verdict="possible"):
    return {"quantity": quantity, "beta_left": beta_left, "beta_right": beta_right, "status": status,
            "certified": certified, "verdict": verdict}


def test_unresolved_never_counts_failed_solves_as_results():
    table = pd.DataFrame([
        _row(),                                                              # optimal: a result
        _row(status="optimal_inaccurate", certified=True),                   # certified: a result
        _row(status="optimal_inaccurate", certified=False, verdict="impossible"),  # neither
        _row(status="solver_error", certified=True, verdict="impossible"),   # failed, even if tight
        _row(status="infeasible", certified=False, verdict="inconclusive"),
        _row(status="optimal", certified=False, verdict="inconclusive"),     # no verdict
        _row(status="degenerate", certified=False, verdict="inconclusive"),  # listed separately
    ])
    bad = paper.unresolved(table)
    assert list(bad.index) == [2, 3, 4, 5]


def test_table_columns_follow_the_papers_rule():
    eq = dict(beta_left=5.0, beta_right=5.0)
    rows = [_row("tau_pop", verdict="impossible"), _row("tau_pop", verdict="possible"),
            _row("tau_pop_coh", verdict="impossible"), _row("tau_pop_coh", verdict="impossible"),
            _row("tau_pop_coh", verdict="possible", **eq)]  # equilibrium points do not count
    assert paper.table_columns(pd.DataFrame(rows)) == {"correct populations": "Maybe possible",
                                                       "correct coherences": "Impossible"}


def test_table_columns_an_undecided_point_blocks_impossible():
    rows = [_row("tau_pop", verdict="impossible"),
            _row("tau_pop", status="solver_error", certified=False, verdict="inconclusive"),
            _row("tau_pop_coh", verdict="impossible"),
            _row("tau_pop_coh", status="solver_error", certified=True, verdict="possible"),  # failed: not "possible"
            _row("tau_pop_coh", status="degenerate", certified=False, verdict="inconclusive")]  # excluded
    cols = paper.table_columns(pd.DataFrame(rows))
    assert cols == {"correct populations": "Inconclusive", "correct coherences": "Inconclusive"}


def test_paper_tables_constant_is_the_papers():
    # Tables I and II of the paper, read off the text: one qubit per bath impossible for both; two qubits
    # per bath "maybe possible" for populations.
    assert paper.PAPER_TABLES[("I", 1)] == ("Impossible", "Impossible")
    assert paper.PAPER_TABLES[("II", 2)] == ("Maybe possible", "Impossible")


def test_published_points_reproduced(tmp_path):
    """Two published Fig. 2(c) and two Fig. 2(d) values (the authors' data, not our code) at the ends of
    the g grid for beta_R = 0.5."""
    points, published = paper.fig2cd_points(beta_right=[0.5], g_index=[0, 11])
    assert len(points) == 4 and {p.quantity for p in points} == {"tau_pop", "tau_pop_coh"}
    table = run_sweep(points, cache_dir=tmp_path, n_jobs=1, progress=False)
    cmp = paper.compare_with_published(table, published)
    assert cmp["same_verdict"].all()
    assert cmp["within_interval"].all()
    assert np.nanmax(cmp["rel_deviation"]) < 1e-4
    assert paper.unresolved(table).empty


def test_compare_with_published_flags_a_wrong_value():
    table = pd.DataFrame([{"ok": True, "value": 2e-3, "lower": 2e-3, "upper": 2e-3, "verdict": "impossible"}])
    cmp = paper.compare_with_published(table, [1e-3])
    assert not cmp["within_interval"].iloc[0]
    assert cmp["rel_deviation"].iloc[0] == pytest.approx(1.0)
    cmp = paper.compare_with_published(table, [5e-7])
    assert not cmp["same_verdict"].iloc[0]


def test_lemma1_table_bound_below_actual_and_degenerate_listed():
    setups = [ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.3, beta_left=1.0, beta_right=10.0),
              ChainSetup(n_left=1, n_middle=1, n_right=1, g=1.0, beta_left=1.0, beta_right=1.0)]  # degenerate
    table = paper.lemma1_table(setups)
    assert list(table["status"])[1] == "degenerate"
    good = table.iloc[0]
    assert good["bound"] > 0  # Fig. 2: tau_pop is certified well above 0 for one qubit per bath
    assert good["bound"] <= good["actual"]


def test_decided_rows_agree_with_tau_result_is_result():
    """The record rule of paper.unresolved and TauResult.is_result are the same rule."""
    from lindblad_core.sdp import tau_pop

    res = tau_pop(ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5))
    record = pd.DataFrame([res.to_dict()])
    assert res.is_result and paper.unresolved(record).empty
    broken = record.assign(status="inconsistent")
    assert len(paper.unresolved(broken)) == 1


def test_failed_rows_are_the_failed_solves_only():
    table = pd.DataFrame([
        _row(),
        _row(status="optimal", certified=False, verdict="inconclusive"),  # honest: undecided, not failed
        _row(status="solver_error", certified=True, verdict="impossible"),
        _row(status="inconsistent", certified=False, verdict="inconclusive"),
        _row(status="degenerate", certified=False, verdict="inconclusive"),
    ])
    assert list(paper.failed(table).index) == [2, 3]
    assert list(paper.unresolved(table).index) == [1, 2, 3]


def test_free_trace_column_follows_the_tables_rule():
    """Issue 12: the same rule as the fixed-trace columns; equilibrium, degenerate and failed points."""
    eq = dict(beta_left=5.0, beta_right=5.0)
    impossible = [_row("tau_pop_coh", verdict="impossible"), _row("tau_pop_coh", verdict="impossible", **eq),
                  _row("tau_pop_coh", status="degenerate", certified=False, verdict="inconclusive")]
    assert paper.free_trace_column(pd.DataFrame(impossible)) == "Impossible"
    # an undecided (solved, not tight, interval across δ_tol) point blocks "Impossible"
    undecided = impossible + [_row("tau_pop_coh", certified=False, status="optimal_inaccurate", verdict="inconclusive")]
    assert paper.free_trace_column(pd.DataFrame(undecided)) == "Inconclusive"
    possible = impossible + [_row("tau_pop_coh", verdict="possible")]
    assert paper.free_trace_column(pd.DataFrame(possible)) == "Maybe possible"
    # only equilibrium points possible: they do not count
    assert paper.free_trace_column(pd.DataFrame(impossible + [_row("tau_pop_coh", verdict="possible", **eq)])) \
        == "Impossible"


def test_free_trace_points_are_panel_d_with_a_free_trace():
    base = ChainSetup(n_left=1, n_middle=2, n_right=1)
    pts = paper.free_trace_points(base, beta_right=[10.0, 0.5], g_grid=[0.001, 0.1])
    assert len(pts) == 4
    assert all(p.quantity == "tau_pop_coh" and dict(p.options)["free_trace"] and dict(p.options)["target"] == "published"
               and p.setup.beta_left == 1.0 for p in pts)
    assert sorted({(p.setup.beta_right, p.setup.g) for p in pts}) == [(0.5, 0.001), (0.5, 0.1), (10.0, 0.001),
                                                                     (10.0, 0.1)]


def test_free_trace_column_on_a_solved_point(tmp_path):
    """One real solve: a Fig. 3(d) point is certified impossible with a free trace."""
    base = ChainSetup(n_left=1, n_middle=2, n_right=1, beta_right=10.0)
    table = run_sweep(paper.free_trace_points(base, beta_right=[10.0], g_grid=[0.001]), cache_dir=tmp_path, n_jobs=1)
    assert bool(table["certified"].iloc[0]) and table["lower"].iloc[0] > 0
    assert paper.free_trace_column(table) == "Impossible"


def test_published_fig2cd_points_are_the_sweep_points_of_the_figure():
    """The published Fig. 2(c, d) data store g to six significant digits; their points take the g of the
    figure's own axis, logspace(-3, 0, 12), so that each is the cache entry of the figure's sweep point (not a
    second solve at a g 1e-7 away); a g off that axis is kept as it is."""
    from lindblad_core.studies.sweeps import SweepPoint

    points, _ = paper.fig2cd_points()
    axis = np.logspace(-3, 0, 12)
    assert {p.setup.g for p in points} == set(axis.tolist())
    for p in points[:24]:
        exact = SweepPoint(p.setup.replace(g=float(axis[np.argmin(abs(axis - p.setup.g))])), p.quantity,
                           dict(p.options), tag="caption")
        assert exact.key() == p.key()
    assert paper.on_caption_grid(0.00187382) == axis[1] and paper.on_caption_grid(0.0018) == 0.0018
