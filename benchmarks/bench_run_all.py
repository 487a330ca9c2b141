"""Benchmark: a cold ``./run_all.sh`` — every notebook with an empty result cache — and where its time goes.

Runs ``python -m lindblad_core.notebooks_runner --force`` (extra arguments, e.g. ``--jobs 1`` or ``--only 00 01``,
are passed on) with a fresh, empty result cache and figures folder under ``--scratch`` (``LINDBLAD_CACHE``,
``LINDBLAD_FIGURES``), and prints:

* the runner's own lines (each notebook's wall seconds and the CPU seconds of its kernel and sweep workers);
* the wall seconds of the whole run, its CPU seconds sampled from the process tree with psutil (every process
  below this one, including kernels and sweep workers), and the 1-minute load average at the start, every
  minute and at the end: the machine is shared, and a wall time means little without the load;
* the papermill wall seconds of the slowest cells of each executed notebook (``build/notebooks/``): sweeps,
  plots, imports;
* the result cache: points solved, their summed in-worker seconds (``seconds`` of each record) and the
  share of each quantity and chain.

Usage (from the repository root; the runner writes the executed notebooks back into ``notebooks/``):

    .venv/bin/python benchmarks/bench_run_all.py [--scratch DIR] [runner arguments ...]

Nothing here asserts a timing. Compare the output folders of two runs with ``scripts/compare_figures.py``.
"""

from __future__ import annotations

import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sampler(pid: int, totals: dict, stop: threading.Event, period: float = 0.25) -> None:
    """Add the CPU seconds of ``pid`` and its descendants to ``totals["cpu"]``, sampled every ``period``; the
    load average once a minute to ``totals["load"]``."""
    import psutil

    last: dict[int, float] = {}
    root = psutil.Process(pid)
    next_load = 0.0
    while not stop.is_set():
        try:
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            used = t.user + t.system
            totals["cpu"] += used - last.get(p.pid, 0.0)
            last[p.pid] = used
        now = time.perf_counter()
        if now >= next_load:
            totals["load"].append(round(os.getloadavg()[0], 2))
            next_load = now + 60
        stop.wait(period)


def _cells(folder: Path, names: list[str], at_least: float = 2.0) -> None:
    for name in names:
        path = folder / name
        if not path.exists():
            continue
        nb = json.loads(path.read_text())
        rows, total = [], 0.0
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            seconds = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
            total += seconds
            lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip() and not ln.startswith("#")]
            rows.append((seconds, (lines[0] if lines else "")[:80]))
        whole = nb["metadata"].get("papermill", {}).get("duration") or 0.0
        print(f"  {name}: {whole:.0f} s, of which cells {total:.0f} s (kernel start-up and the rest "
              f"{whole - total:.0f} s)")
        for seconds, first in rows:
            if seconds >= at_least:
                print(f"    {seconds:6.1f} s  {first}")


def _cache_profile(cache: Path) -> None:
    by = collections.defaultdict(lambda: [0, 0.0])
    for path in glob.glob(str(cache / "*.json")):
        rec = json.loads(Path(path).read_text())
        chain = f"{rec.get('n_left', '?')}+{rec.get('n_middle', '?')}+{rec.get('n_right', '?')}"
        quantity = rec.get("quantity")
        if rec.get("free_trace"):
            quantity += " (free trace)"
        entry = by[(quantity, chain)]
        entry[0] += 1
        entry[1] += rec.get("seconds") or 0.0
    total = sum(s for _, s in by.values())
    print(f"result cache: {sum(n for n, _ in by.values())} points, {total:.0f} s in the workers (wall, per point)")
    for (quantity, chain), (n, seconds) in sorted(by.items(), key=lambda kv: -kv[1][1]):
        print(f"  {quantity:28s} {chain:7s} {n:4d} points {seconds:7.1f} s ({100 * seconds / max(total, 1e-9):4.1f} %)")


def main(argv: list[str]) -> int:
    scratch = Path("/tmp/bench_run_all")
    if argv[:1] == ["--scratch"]:
        scratch, argv = Path(argv[1]), argv[2:]
    figures, cache = scratch / "figures", scratch / "cache"
    shutil.rmtree(scratch, ignore_errors=True)
    figures.mkdir(parents=True)
    env = {**os.environ, "LINDBLAD_FIGURES": str(figures), "LINDBLAD_CACHE": str(cache),
           "JUPYTER_PATH": str(ROOT / ".venv" / "share" / "jupyter")}
    command = [sys.executable, "-m", "lindblad_core.notebooks_runner", "--force", *argv]
    print("command:", " ".join(command), "| cold cache", cache, "| figures", figures, flush=True)
    start_load = os.getloadavg()
    totals = {"cpu": 0.0, "load": []}
    stop = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = threading.Thread(target=_sampler, args=(proc.pid, totals, stop), daemon=True)
    sampler.start()
    executed = []
    for line in proc.stdout:
        if "Kernel is running over TCP" in line:
            continue
        print(line, end="", flush=True)
        if line.startswith("== ") and line.rstrip().endswith("grids)"):
            executed.append(line.split()[1])
    code = proc.wait()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    end_load = os.getloadavg()
    print(f"whole run: {wall:.0f} s wall, {totals['cpu']:.0f} s CPU (process tree, sampled); exit code {code}")
    print(f"load average (1, 5, 15 min) at start {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}, "
          f"at end {end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}; 1-min every minute: {totals['load']}")
    print("slowest cells (papermill):")
    _cells(ROOT / "build" / "notebooks", executed)
    _cache_profile(cache)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
