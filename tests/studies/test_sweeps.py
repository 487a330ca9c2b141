"""Sweeps: cache keyed by setting, code and solver versions; damaged records recomputed; transient errors
retried; read-only caches; Dask workers return records and the client writes them."""

import errno
import json
import os
import stat
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from lindblad_core.sdp.result import RESULT_STATUSES
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.studies.sweeps import SweepPoint, four_panel_points, grid, run_sweep

BASE = ChainSetup(n_left=1, n_middle=1, n_right=1, beta_left=1.0, beta_right=0.5)
TINY = ChainSetup(n_left=1, n_middle=0, n_right=1, beta_left=1.0, beta_right=0.5)  # 4×4, solves in ~0.05 s
DEGENERATE = ChainSetup(n_left=3, n_middle=0, n_right=0, g=1.0)  # E = 2 twice: outside Sec. II.B


def _count_evaluations(monkeypatch):
    """Record every point that run_sweep solves in this process (n_jobs=1)."""
    import lindblad_core.studies.sweeps as sw

    calls, original = [], sw.evaluate
    monkeypatch.setattr(sw, "evaluate", lambda p: calls.append(p) or original(p))
    return calls


def test_grid_is_keyed_by_parameter_name():
    pts = grid(BASE, g=[0.01, 0.1], beta_right=[5.0, 0.5])
    assert len(pts) == 8  # 2 × 2 settings × 2 quantities
    assert {p.setup.g for p in pts} == {0.01, 0.1} and {p.quantity for p in pts} == {"tau_pop", "tau_pop_coh"}
    assert len({p.key() for p in pts}) == 8


def test_resume_reads_cache_and_computes_only_missing(tmp_path, monkeypatch):
    pts = grid(BASE, "tau_pop", g=[0.02, 0.2, 0.5])
    first = run_sweep(pts[:2], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 2 and not first["cached"].any()
    calls = _count_evaluations(monkeypatch)
    second = run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls) == 1 and calls[0] == pts[2]  # only the missing point was solved
    assert second["cached"].tolist() == [True, True, False]
    np.testing.assert_allclose(second["value"][:2], first["value"], rtol=0)
    assert not list(tmp_path.glob(".tmp-*"))  # atomic writes leave no temporary files


def test_key_changes_with_setting_and_code_version(monkeypatch):
    key = SweepPoint(BASE, "tau_pop").key()
    assert key != SweepPoint(BASE.replace(g=0.02), "tau_pop").key()
    import lindblad_core.studies.sweeps as sw

    monkeypatch.setattr(sw, "code_version", lambda: "0.0.0+changed")
    assert SweepPoint(BASE, "tau_pop").key() != key  # results of other code are never reused


def test_failed_points_are_kept_with_their_status(tmp_path):
    bad = SweepPoint(BASE, "tau_pop_coh", {"norm": "spectral", "solver": "SCS_NOT_A_SOLVER"})
    table = run_sweep([bad], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(table) == 1 and not table["ok"][0]
    assert table["status"][0] == "invalid" and "solver" in table["message"][0]
    assert table["verdict"][0] == "inconclusive"
    stored = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert stored["status"] == "invalid"


def test_degenerate_points_are_marked_and_cached(tmp_path, monkeypatch):
    """The uniform isotropic 3-site chain is exactly degenerate at g = 1 (E = 2 twice): outside Sec. II.B."""
    point = SweepPoint(DEGENERATE, "tau_pop")
    table = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert table["status"][0] == "degenerate" and not table["ok"][0]
    calls = _count_evaluations(monkeypatch)
    again = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert again["cached"][0] and again["status"][0] == "degenerate" and not calls  # deterministic: stored


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


# -- the cache: what is trusted, what is stored, where and how -------------------------------------------------

def _cache_warnings(record):
    return [w for w in record if issubclass(w.category, UserWarning) and "cache" in str(w.message)]


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],  # truncated: the machine died mid-write (before atomic writes)
    lambda text: "\x00\x17garbage{",  # garbage
    lambda text: "",  # empty file
    lambda text: b"\xff\xfe\x00\x9c",  # not even text
    lambda text: "[1, 2, 3]",  # valid JSON, but not a record
], ids=["truncated", "garbage", "empty", "binary", "not_an_object"])
def test_damaged_record_is_reported_and_recomputed(tmp_path, monkeypatch, damage):
    point = SweepPoint(TINY, "tau_pop")
    first = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    (path,) = tmp_path.glob("*.json")
    damaged = damage(path.read_text())
    path.write_bytes(damaged if isinstance(damaged, bytes) else damaged.encode())
    calls = _count_evaluations(monkeypatch)
    with pytest.warns(UserWarning, match=path.name):
        again = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert calls == [point] and not again["cached"][0]
    assert again["status"][0] in RESULT_STATUSES and again["value"][0] == pytest.approx(first["value"][0], rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the damaged file was overwritten by the recomputed record
        third = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert third["cached"][0] and len(calls) == 1


def _other_setting(data, others):
    return others["g"]


def _other_options(data, others):
    return others["symmetry"]


def _set(name, value):
    def change(data, others):
        data[name] = value
        return data
    return change


def _drop(name):
    def change(data, others):
        del data[name]
        return data
    return change


def _lower_above_upper(data, others):
    data["lower"] = data["upper"] + 1.0
    return data


@pytest.mark.parametrize("change", [
    _other_setting,  # another point's record under this point's key
    _other_options,  # same chain, other options (symmetry=False)
    _set("g", 0.5),  # a setting field edited
    _set("quantity", "tau_pop_coh"),
    _drop("lower"), _drop("upper"), _drop("status"),
    _set("lower", "small"), _set("upper", None), _set("lower", float("nan")), _set("lower", True),
    _set("status", 3), _set("status", ""),
    _lower_above_upper,
    _set("status", "error"),  # transient errors are never cached: such a record is not trusted either
    _set("upper", 5e-7),  # "impossible" (lower 0.005 ≥ δ_tol) with an upper bound below δ_tol: a contradiction
    _set("lower", float("-inf")),  # certified with an infinite lower bound
    _set("verdict", "possible"),
], ids=["other_setting", "other_options", "g_edited", "quantity_edited", "no_lower", "no_upper", "no_status",
        "lower_str", "upper_none", "lower_nan", "lower_bool", "status_int", "status_empty", "lower_above_upper",
        "status_error", "impossible_below_tol", "certified_infinite", "verdict_edited"])
@pytest.mark.parametrize("resigned", [False, True], ids=["checksum_stale", "checksum_resigned"])
def test_inconsistent_record_is_reported_and_recomputed(tmp_path, monkeypatch, change, resigned):
    """Each edit is caught by the checksum, and, when the checksum is recomputed for the edited content (a
    deliberate edit), by the record's own consistency checks."""
    from lindblad_core.studies.sweeps import checksum

    point = SweepPoint(TINY, "tau_pop")
    others = {"g": SweepPoint(TINY.replace(g=0.3), "tau_pop"),
              "symmetry": SweepPoint(TINY, "tau_pop", {"symmetry": False})}
    run_sweep([point, *others.values()], cache_dir=tmp_path, n_jobs=1, progress=False)
    path = tmp_path / f"{point.key()}.json"
    data = json.loads(path.read_text())
    others = {k: json.loads((tmp_path / f"{p.key()}.json").read_text()) for k, p in others.items()}
    edited = change(data, others)
    if resigned:
        edited["checksum"] = checksum(edited)
    path.write_text(json.dumps(edited))
    calls = _count_evaluations(monkeypatch)
    with pytest.warns(UserWarning, match=path.name):
        again = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert calls == [point] and not again["cached"][0]
    assert again["status"][0] in RESULT_STATUSES and again["g"][0] == TINY.g and again["lower"][0] <= again["upper"][0]
    third = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert third["cached"][0] and len(calls) == 1  # the record was overwritten with the recomputed one


def test_record_of_an_inconsistent_certificate_is_trusted(tmp_path, monkeypatch):
    """lower > upper is damage, unless the status itself reports it: then it is what the SDP returned."""
    point = SweepPoint(TINY, "tau_pop")
    run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    path = tmp_path / f"{point.key()}.json"
    data = json.loads(path.read_text())
    data.update(status="inconsistent", lower=data["upper"] + 1.0, verdict="inconclusive", certified=False)
    from lindblad_core.studies.sweeps import checksum

    data["checksum"] = checksum(data)
    path.write_text(json.dumps(data))
    calls = _count_evaluations(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert again["cached"][0] and again["status"][0] == "inconsistent" and not calls


def test_cache_warnings_have_their_own_category(tmp_path):
    from lindblad_core.studies.sweeps import CacheWarning

    point = SweepPoint(TINY, "tau_pop")
    (tmp_path / f"{point.key()}.json").write_text("{")
    with pytest.warns(CacheWarning):  # so that a user can filter them
        run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)


@pytest.mark.parametrize("error", [MemoryError("cannot allocate 128 TiB"), OSError("No space left on device"),
                                   RuntimeError("MOSEK licence server unreachable")],
                         ids=["memory", "os", "licence"])
def test_transient_errors_are_returned_but_not_cached(tmp_path, monkeypatch, error):
    import lindblad_core.studies.sweeps as sweeps

    def fail(*args, **kwargs):
        raise error

    point = SweepPoint(TINY, "tau_pop")
    with monkeypatch.context() as m:
        m.setattr(sweeps, "tau_pop", fail)
        table = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert table["status"][0] == "error" and str(error) in table["message"][0] and not table["ok"][0]
    assert table["verdict"][0] == "inconclusive"
    assert not list(tmp_path.glob("*.json"))  # not cached …
    retry = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert retry["status"][0] in RESULT_STATUSES and not retry["cached"][0]  # … so the next run solves it
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_invalid_input_is_cached(tmp_path, monkeypatch):
    """A ValueError (here: an unknown solver) is a deterministic outcome of the point: stored, not retried."""
    point = SweepPoint(TINY, "tau_pop", {"solver": "NOT_A_SOLVER"})
    table = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert table["status"][0] == "invalid" and "solver" in table["message"][0] and not table["ok"][0]
    assert table["verdict"][0] == "inconclusive"
    calls = _count_evaluations(monkeypatch)
    again = run_sweep([point], cache_dir=tmp_path, n_jobs=1, progress=False)
    assert again["cached"][0] and again["status"][0] == "invalid" and not calls


@pytest.fixture
def read_only(monkeypatch):
    """Make a folder read-only. As root, permissions do not stop writes: then creating files in it fails the
    way it would for a normal user (PermissionError)."""
    def make(folder):
        folder.chmod(0o555)
        probe = folder / ".probe"
        try:
            probe.touch()
        except PermissionError:
            return
        probe.unlink()
        mkstemp = tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == folder.resolve():
                raise PermissionError(errno.EACCES, "Permission denied", str(dir))
            return mkstemp(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return make


def test_read_only_cache_reads_what_is_there_computes_the_rest_and_warns_once(tmp_path, read_only):
    cache = tmp_path / "cache"
    points = grid(TINY, "tau_pop", g=[0.01, 0.1, 0.2])
    run_sweep(points[:1], cache_dir=cache, n_jobs=1, progress=False)
    read_only(cache)
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            table = run_sweep(points, cache_dir=cache, n_jobs=1, progress=False)
    finally:
        cache.chmod(0o755)
    (warning,) = _cache_warnings(record)
    assert str(cache) in str(warning.message)
    assert table["cached"].tolist() == [True, False, False]
    assert table["status"].isin(RESULT_STATUSES).all() and table["g"].tolist() == [0.01, 0.1, 0.2]
    assert len(list(cache.glob("*.json"))) == 1 and not list(cache.glob(".tmp-*"))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_uncreatable_cache_dir_computes_without_caching_and_warns_once(tmp_path, n_jobs):
    (tmp_path / "a_file").write_text("not a folder")
    cache = tmp_path / "a_file" / "cache"
    points = grid(TINY, "tau_pop", g=[0.01, 0.1])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table = run_sweep(points, cache_dir=cache, n_jobs=n_jobs, progress=False)
    (warning,) = _cache_warnings(record)
    assert str(cache) in str(warning.message)
    assert table["status"].isin(RESULT_STATUSES).all() and not table["cached"].any()


def test_tilde_in_cache_dir_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    run_sweep([SweepPoint(TINY, "tau_pop")], cache_dir="~/results", n_jobs=1, progress=False)
    assert len(list((tmp_path / "home" / "results").glob("*.json"))) == 1
    assert not list((tmp_path / "cwd").iterdir())  # no folder named "~"


def test_cache_files_are_readable_by_others(tmp_path):
    """0644, like any file written with open() under the usual umask (mkstemp alone gives 0600)."""
    run_sweep(grid(TINY, "tau_pop", g=[0.01, 0.1]), cache_dir=tmp_path, n_jobs=2, progress=False)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("*.json")}
    assert modes == {0o644}


def test_key_includes_solver_and_solver_versions(monkeypatch):
    import importlib.metadata

    import lindblad_core.studies.sweeps as sw

    point = SweepPoint(TINY, "tau_pop")
    key = point.key()
    assert key == SweepPoint(TINY, "tau_pop").key()
    assert SweepPoint(TINY, "tau_pop", {"solver": "CVXOPT"}).key() != key
    version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "999.0" if name.lower() == "clarabel" else version(name))
    sw._solver_versions.cache_clear()  # read once per process, like code_version
    try:
        assert point.key() != key  # a Clarabel upgrade invalidates the cache
    finally:
        sw._solver_versions.cache_clear()


def test_records_name_the_solver_versions(tmp_path):
    table = run_sweep([SweepPoint(TINY, "tau_pop")], cache_dir=tmp_path, n_jobs=1, progress=False)
    versions = json.loads(table["versions"][0])
    assert {"cvxpy", "clarabel", "cvxopt", "scs"} <= set(versions) and versions["clarabel"]


# -- Dask ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture
def workers_elsewhere(dask_cluster, tmp_path):
    """The workers run in their own folder: a relative cache path written by a worker would land there,
    as on a cluster whose nodes do not share the client's disk."""
    from dask.distributed import Client

    folder = tmp_path / "worker"
    folder.mkdir()
    with Client(dask_cluster.scheduler_address) as client:
        before = client.run(os.getcwd)
        client.run(os.chdir, str(folder))
        try:
            yield folder
        finally:
            for address, cwd in before.items():
                client.run(os.chdir, cwd, workers=[address])


@pytest.mark.slow  # starts a two-process Dask cluster
def test_dask_workers_compute_and_the_client_writes_the_cache(dask_cluster, workers_elsewhere, tmp_path,
                                                              monkeypatch):
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    monkeypatch.chdir(client_dir)
    points = [*grid(TINY, "tau_pop", g=[0.01, 0.1, 0.3]), SweepPoint(DEGENERATE, "tau_pop"),
              SweepPoint(TINY, "tau_pop", {"solver": "NOT_A_SOLVER"})]
    table = run_sweep(points, cache_dir="cache", scheduler=dask_cluster.scheduler_address, progress=False)
    assert not list(workers_elsewhere.rglob("*"))  # never written by a worker …
    assert len(list((client_dir / "cache").glob("*.json"))) == len(points)  # … but by the client
    statuses = table["status"].tolist()
    assert all(s in RESULT_STATUSES for s in statuses[:3]) and statuses[3:] == ["degenerate", "invalid"]
    serial = run_sweep(points[:3], cache_dir=tmp_path / "serial", n_jobs=1, progress=False)
    np.testing.assert_allclose(table["value"][:3], serial["value"], rtol=1e-9)
    again = run_sweep(points, cache_dir="cache", scheduler=dask_cluster.scheduler_address, progress=False)
    assert again["cached"].all() and again["status"].tolist() == table["status"].tolist()


def test_master_equation_points_are_cached_and_match_a_direct_evaluation(tmp_path, monkeypatch):
    from lindblad_core.lindblad.comparison import COLUMNS, master_equation_records
    from lindblad_core.studies.sweeps import master_equation_points

    pts = master_equation_points([TINY, DEGENERATE], equations=("local", "secular"))
    first = run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert first.status.tolist() == ["computed", "computed", "degenerate", "degenerate"]
    direct = {r["equation"]: r for r in master_equation_records(TINY, equations=("local", "secular"))}
    for _, row in first.iloc[:2].iterrows():
        for col in COLUMNS:
            assert row[col] == direct[row.equation][col], col
    calls = _count_evaluations(monkeypatch)
    second = run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert not calls and second["cached"].all()  # degenerate set-ups are cached too
    assert second.iloc[:2][list(COLUMNS)].equals(first.iloc[:2][list(COLUMNS)])


def test_damaged_master_equation_record_is_recomputed(tmp_path):
    from lindblad_core.studies.sweeps import CacheWarning, checksum, master_equation_points

    pts = master_equation_points([TINY], equations=("local",))
    run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    path = tmp_path / f"{pts[0].key()}.json"
    data = json.loads(path.read_text())
    data["trace_distance"] = None
    data["checksum"] = checksum(data)  # a deliberate edit: the content check, not the checksum, must catch it
    path.write_text(json.dumps(data))
    with pytest.warns(CacheWarning, match="trace_distance"):
        again = run_sweep(pts, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert not again["cached"].any() and isinstance(again.trace_distance[0], float)


# -- the cache key covers the code; a user's own system is swept like the chain ---------------------------------

def test_every_package_source_but_the_front_ends_keys_the_cache():
    """A module that can change a number cannot be left out of the cache key: the hashed set is every .py file of
    the package (found here independently) except the command-line and notebook front ends, which exist."""
    from lindblad_core.studies import sweeps

    package = Path(sweeps.__file__).resolve().parents[1]
    every = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    hashed = {p.relative_to(package).as_posix() for p in sweeps.physics_sources()}
    front = {f for f in every if f in ("__main__.py", "notebooks_runner.py") or f.startswith("cli/")}
    assert all(any(f.startswith(e) for f in front) for e in sweeps.FRONT_ENDS)  # each front end exists
    assert len(front) >= 4 and hashed == every - front
    assert {"solvers/conic.py", "systems/open_system.py", "sdp/pop.py", "certify/popcoh.py"} <= hashed


_FACTORY = '''
import numpy as np
import lindblad_core as lc

def build(g=0.1, beta_hot=0.5):
    sm = np.array([[0, 0], [1, 0.]]); n = np.diag([1., 0]); I = np.eye(2)
    H = np.kron(n, I) + 1.3 * np.kron(I, n) + g * (np.kron(sm.T, sm) + np.kron(sm, sm.T))
    return lc.OpenSystem(H, [lc.Coupling(sm, 0, lc.BosonicBath(lc.ohmic(), beta=beta_hot)),
                             lc.Coupling(sm, 1, lc.BosonicBath(lc.ohmic(), beta=3.0))])
'''


def test_a_users_system_is_swept_cached_and_recomputed_when_its_code_changes(tmp_path):
    import lindblad_core as lc
    from lindblad_core.studies.sweeps import SystemSpec

    model = tmp_path / "two_qubits.py"  # outside the repository
    model.write_text(_FACTORY)
    base = SystemSpec(f"{model}:build", {"g": 0.1})
    points = grid(base, "tau_pop_coh", g=[0.05, 0.2])
    table = run_sweep(points, cache_dir=tmp_path / "cache", n_jobs=1, progress=False)
    direct = [lc.tau_pop_coh(p.setup.build()) for p in points]  # the same systems, solved directly
    np.testing.assert_allclose(table["upper"], [r.upper for r in direct], rtol=1e-12)
    assert list(table["g"]) == [0.05, 0.2] and set(table["factory"]) == {f"{model}:build"}
    # a second run reads the cache; a changed model (another temperature) is recomputed, not served
    again = run_sweep(points, cache_dir=tmp_path / "cache", n_jobs=1, progress=False)
    np.testing.assert_array_equal(again["upper"], table["upper"])
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2
    model.write_text(_FACTORY.replace("beta=3.0", "beta=2.0"))
    changed = run_sweep(grid(base, "tau_pop_coh", g=[0.05, 0.2]), cache_dir=tmp_path / "cache", n_jobs=1,
                        progress=False)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 4
    assert not np.allclose(changed["upper"], table["upper"])


@pytest.mark.parametrize("factory, params, name", [
    ("nofile.py:build", {}, "no such file"), ("two_qubits.py:nothing", {}, "no function"),
    ("two_qubits.py:build", {"h": 1.0}, "params"), ("two_qubits.py:build", {"g": object()}, "params"),
    ("build", {}, "factory"),
])
def test_bad_system_spec_is_named(tmp_path, factory, params, name):
    from lindblad_core.studies.sweeps import SystemSpec

    (tmp_path / "two_qubits.py").write_text(_FACTORY)
    ref = str(tmp_path / factory) if ".py:" in factory else factory
    with pytest.raises(ValueError, match=name):
        SystemSpec(ref, params)


def test_worker_groups_keep_a_system_together_and_start_with_the_largest():
    from lindblad_core.studies.sweeps import master_equation_points, worker_groups

    small = ChainSetup(n_left=1, n_middle=0, n_right=1, beta_left=1.0, beta_right=0.5)
    large = ChainSetup(n_left=2, n_middle=1, n_right=2, beta_left=1.0, beta_right=0.5)
    points = (grid(small, g=[0.01, 0.1]) + grid(large, g=[0.01])
              + master_equation_points([small.replace(g=0.01)], equations=("ule", "memory_dressed")))
    groups = worker_groups(points, range(len(points)))
    assert sorted(i for g in groups for i in g) == list(range(len(points)))  # every point once
    for g in groups:  # one system per group, in the order given
        assert len({points[i].setup for i in g}) == 1 and g == sorted(g)
    assert {points[i].setup for i in groups[0]} == {large.replace(g=0.01)}
    # the two SDPs and both ULE-based equations of small at g = 0.01 share a worker
    assert [points[i].quantity for i in groups[1]] == ["tau_pop", "tau_pop_coh", "master_equation", "master_equation"]
    assert worker_groups(points, [3, 0]) == [[3], [0]]  # two systems of one size: in the order asked


def test_sweep_jobs_from_the_environment(tmp_path, monkeypatch):
    """LINDBLAD_SWEEP_JOBS=1 (what the notebook runner gives each kernel when two run at a time) solves the points
    in this process, as n_jobs=1 does; a value that is not a positive integer is named."""
    calls = _count_evaluations(monkeypatch)
    monkeypatch.setenv("LINDBLAD_SWEEP_JOBS", "1")
    table = run_sweep(grid(TINY, g=[0.01]), cache_dir=tmp_path, progress=False)
    assert len(calls) == 2 and table["ok"].all()
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("LINDBLAD_SWEEP_JOBS", bad)
        with pytest.raises(ValueError, match="LINDBLAD_SWEEP_JOBS"):
            run_sweep(grid(TINY, g=[0.02]), cache_dir=tmp_path, progress=False)
