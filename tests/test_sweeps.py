"""Sweeps: cache keyed by setting and code version, resume without recomputation, failures kept."""

import json

import numpy as np

from lindblad_core.chain import ChainSetup
from lindblad_core.sweeps import SweepPoint, four_panel_points, grid, run_sweep

BASE = ChainSetup(n_left=1, n_middle=1, n_right=1, beta_left=1.0, beta_right=0.5)


def test_grid_is_keyed_by_parameter_name():
    pts = grid(BASE, g=[0.01, 0.1], beta_right=[5.0, 0.5])
    assert len(pts) == 8  # 2 × 2 settings × 2 quantities
    assert {p.setup.g for p in pts} == {0.01, 0.1} and {p.quantity for p in pts} == {"tau_pop", "tau_pop_coh"}
    assert len({p.key() for p in pts}) == 8


def test_resume_reads_cache_and_computes_only_missing(tmp_path, monkeypatch):
    pts = grid(BASE, "tau_pop", g=[0.02, 0.2, 0.5])
    first = run_sweep(pts[:2], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 2 and not first["cached"].any()
    calls = []
    import lindblad_core.sweeps as sw

    original = sw.evaluate
    monkeypatch.setattr(sw, "evaluate", lambda p: calls.append(p) or original(p))
    second = run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 1 and calls[0] == pts[2]  # only the missing point was solved
    assert second["cached"].tolist() == [True, True, False]
    np.testing.assert_allclose(second["value"][:2], first["value"], rtol=0)
    assert not list(tmp_path.glob(".tmp-*"))  # atomic writes leave no temporary files


def test_key_changes_with_setting_and_code_version(monkeypatch):
    key = SweepPoint(BASE, "tau_pop").key()
    assert key != SweepPoint(BASE.replace(g=0.02), "tau_pop").key()
    import lindblad_core.sweeps as sw

    monkeypatch.setattr(sw, "code_version", lambda: "0.0.0+changed")
    assert SweepPoint(BASE, "tau_pop").key() != key  # results of other code are never reused


def test_failed_points_are_kept_with_their_status(tmp_path):
    bad = SweepPoint(BASE, "tau_pop_coh", {"norm": "spectral", "solver": "SCS_NOT_A_SOLVER"})
    table = run_sweep([bad], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(table) == 1 and not table["ok"][0]
    assert table["status"][0] == "error" and "solver" in table["message"][0]
    assert table["verdict"][0] == "inconclusive"
    stored = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert stored["status"] == "error"


def test_degenerate_points_are_marked(tmp_path):
    """The uniform isotropic 3-site chain is exactly degenerate at g = 1 (E = 2 twice): outside Sec. II.B."""
    point = SweepPoint(ChainSetup(n_left=3, n_middle=0, n_right=0, g=1.0), "tau_pop")
    table = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert table["status"][0] == "degenerate" and not table["ok"][0]


def test_parallel_matches_serial(tmp_path):
    pts = grid(BASE, "tau_pop", g=[0.03, 0.3])
    serial = run_sweep(pts, cache_dir=tmp_path / "a", n_jobs=1, progress=False)
    parallel = run_sweep(pts, cache_dir=tmp_path / "b", n_jobs=2, progress=False)
    np.testing.assert_allclose(parallel["value"], serial["value"], rtol=1e-9)


def test_four_panel_points_are_tagged():
    pts = four_panel_points(BASE, beta_right=[5.0], beta_left_grid=[0.5, 2.0], g_grid=[0.01, 0.1], g_fixed=0.01,
                            beta_left_fixed=1.0)
    assert {p.tag for p in pts} == {"vs_beta_left", "vs_g"}
    assert all(p.setup.g == 0.01 for p in pts if p.tag == "vs_beta_left")
    assert all(p.setup.beta_left == 1.0 for p in pts if p.tag == "vs_g")
