"""Compare the data and tables of two figures folders (e.g. two full ``./run_all.sh`` runs).

Usage::

    python scripts/compare_figures.py BEFORE_DIR AFTER_DIR [--rtol 1e-9] [--atol 0] [--ignore COL ...]
                                      [--key COL ...] [--show 5]

Every ``*.csv``, ``*.md`` and ``*.txt`` file of either folder is compared with its namesake in the other
(figures, ``*.pdf`` and ``*.png``, are not). A file present on one side only is a difference.

CSV files must have the same columns and the same number of rows. Rows are compared in file order, or,
with ``--key``, matched on the given columns (in files that have all of them). A column whose non-empty
cells all parse as numbers in both files is numeric: two values agree when both are empty (NaN), or equal
(``inf`` included), or ``|a - b| <= rtol * max(|a|, |b|) + atol``. Every other column (verdicts, statuses,
solver names, flags) must be exactly equal. Columns that describe the run rather than its results (wall
times, package versions, the code hash, whether a point was read from the cache) are left out; see
``--ignore``.

Markdown and text files must have the same lines; a table row is split into cells on ``|``, any other
line is one cell, and cells are compared as above (numeric when both parse as numbers). Tables print
rounded numbers, so a value whose CSV twin agrees to ``rtol`` can still differ in its last printed digit.

Prints one line per file (rows, values compared, largest relative difference, numbers and texts that differ,
and the columns of the differing texts: verdicts, statuses, solver names), the first differences of each
file, and a final line ``N files, M values compared, K differ``. Exits 0 only if nothing differs.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

PATTERNS = ("*.csv", "*.md", "*.txt")

# Columns that describe the run, not the result: timings, versions, the code hash, cache hits.
RUN_COLUMNS = ("seconds", "solve_seconds", "setup_seconds", "versions", "code_version", "cached")


@dataclass
class FileReport:
    """Outcome of comparing one file: counts, the largest relative difference and the first differences."""

    name: str
    rows: int = 0
    values: int = 0
    numbers_differ: int = 0
    texts_differ: int = 0
    text_columns: list[str] = field(default_factory=list)  # columns where a text differs
    floored: int = 0  # numeric values that agree only thanks to atol
    max_rel: float = 0.0
    failure: str = ""  # the files cannot be compared cell by cell
    notes: list[str] = field(default_factory=list)

    @property
    def differ(self) -> int:
        return self.numbers_differ + self.texts_differ + bool(self.failure)


def _numbers(cells: pd.Series) -> pd.Series | None:
    """``cells`` (strings, "" for empty) as floats, or None if a non-empty cell is not a number."""
    values = pd.to_numeric(cells.replace("", np.nan), errors="coerce")
    return None if (values.isna() & (cells != "")).any() else values.astype(float)


def _compare_cells(report: FileReport, a: pd.Series, b: pd.Series, labels: list[str], column: str,
                   rtol: float, atol: float, show: int) -> None:
    """Compare two aligned series of string cells into ``report`` (numeric if both sides parse)."""
    report.values += len(a)
    x, y = _numbers(a), _numbers(b)
    if x is not None and y is not None:
        x, y = x.to_numpy(), y.to_numpy()
        with np.errstate(invalid="ignore"):
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            scale = np.maximum(np.abs(x), np.abs(y))
            rel = np.where(same, 0.0, np.abs(x - y) / scale)
            rel = np.where(np.isnan(rel), np.inf, rel)  # one side empty, or inf against a number
            within_rtol = rel <= rtol
            ok = within_rtol | (np.abs(x - y) <= rtol * scale + atol)
        report.floored += int((ok & ~within_rtol).sum())
        report.max_rel = max(report.max_rel, float(rel.max(initial=0.0)))
        bad = ~ok
        report.numbers_differ += int(bad.sum())
        shown = [f"{labels[i]}, {column}: {float(x[i])!r} vs {float(y[i])!r} (relative {rel[i]:.2e})"
                 for i in np.flatnonzero(bad)]
    else:
        bad = (a != b).to_numpy()
        report.texts_differ += int(bad.sum())
        if bad.any() and column not in report.text_columns:
            report.text_columns.append(column)
        shown = [f"{labels[i]}, {column}: {a.iloc[i]!r} vs {b.iloc[i]!r}" for i in np.flatnonzero(bad)]
    report.notes.extend(shown[: max(show - len(report.notes), 0)])


def compare_csv(before: Path, after: Path, *, rtol: float, atol: float, ignore=RUN_COLUMNS, key=(),
                show: int = 5) -> FileReport:
    """Compare two CSV files cell by cell (module docstring)."""
    report = FileReport(before.name)
    a = pd.read_csv(before, dtype=str, keep_default_na=False)
    b = pd.read_csv(after, dtype=str, keep_default_na=False)
    a, b = (t[[c for c in t.columns if c not in ignore]] for t in (a, b))  # ignored columns may be on one side only
    report.rows = len(a)
    if list(a.columns) != list(b.columns):
        report.failure = (f"columns differ: only before {sorted(set(a.columns) - set(b.columns))}, only after "
                          f"{sorted(set(b.columns) - set(a.columns))}"
                          + (" (same set, other order)" if set(a.columns) == set(b.columns) else ""))
        return report
    if len(a) != len(b):
        report.failure = f"{len(a)} rows before, {len(b)} after"
        return report
    key = list(key) if key and all(k in a.columns for k in key) else []
    if key:
        if a.duplicated(key).any() or b.duplicated(key).any():
            report.failure = f"the key columns {key} do not identify the rows"
            return report
        a, b = a.set_index(key).sort_index(), b.set_index(key).sort_index()
        if not a.index.equals(b.index):
            report.failure = f"the key columns {key} take other values before and after"
            return report
        labels = [f"{dict(zip(key, k if isinstance(k, tuple) else (k,)))}" for k in a.index]
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    else:
        labels = [f"row {i + 1}" for i in range(len(a))]
    for column in a.columns:
        if column not in ignore:
            _compare_cells(report, a[column], b[column], labels, column, rtol, atol, show)
    return report


def _cells(path: Path) -> list[tuple[str, str, str]]:
    """(line, column, text) of each cell of a markdown or text file: table rows split on ``|`` (column: the
    table's header cell), other lines whole (column: "line")."""
    cells, header = [], None
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line.startswith("|"):
            cells.append((f"line {n}", "line", line))
            header = None
            continue
        parts = [part.strip() for part in line.strip("|").split("|")]
        header = parts if header is None else header
        cells.extend((f"line {n}", header[j] if j < len(header) else f"cell {j + 1}", part)
                     for j, part in enumerate(parts))
    return cells


def compare_text(before: Path, after: Path, *, rtol: float, atol: float, show: int = 5) -> FileReport:
    """Compare two markdown or text tables cell by cell (module docstring)."""
    report = FileReport(before.name)
    a, b = _cells(before), _cells(after)
    report.rows = len(before.read_text().splitlines())
    if len(a) != len(b):
        report.failure = f"{len(a)} cells before, {len(b)} after"
        return report
    for (label, column, x), (_, _, y) in zip(a, b):  # cell by cell: a text column need not be all numbers
        _compare_cells(report, pd.Series([x]), pd.Series([y]), [label], column, rtol, atol, show)
    return report


def compare_folders(before: Path, after: Path, *, rtol: float = 1e-9, atol: float = 0.0, ignore=RUN_COLUMNS,
                    key=(), show: int = 5) -> list[FileReport]:
    """Compare every CSV, markdown and text file of two folders; one :class:`FileReport` per file name."""
    names = sorted({p.name for folder in (before, after) for pattern in PATTERNS for p in folder.glob(pattern)})
    reports = []
    for name in names:
        x, y = before / name, after / name
        if not (x.is_file() and y.is_file()):
            report = FileReport(name, failure=f"only in {before if x.is_file() else after}")
        elif name.endswith(".csv"):
            report = compare_csv(x, y, rtol=rtol, atol=atol, ignore=ignore, key=key, show=show)
        else:
            report = compare_text(x, y, rtol=rtol, atol=atol, show=show)
        reports.append(report)
    return reports


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Absolute floor: --atol defaults to 0, so every numeric value must agree to rtol relative (the "
               "same arithmetic on the same BLAS kernel gives the same bits). Some values are rounding noise: "
               "in master_equations.csv, tau_pop of the Redfield, secular and ULE equations and the continuity "
               "violation of the local one are 1e-17 to 1e-14, and another order of floating-point operations "
               "or another BLAS kernel changes them by up to tens of percent. --atol 1e-12 accepts those; it "
               "is 1e6 times below the verdict threshold delta_tol = 1e-6 of Eqs. (30), (34). The summary "
               "then says how many values agreed only thanks to the floor.")
    parser.add_argument("before", type=Path, help="folder of the reference run")
    parser.add_argument("after", type=Path, help="folder of the run to check")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance (default 1e-9)")
    parser.add_argument("--atol", type=float, default=0.0, help="absolute floor added to rtol * max(|a|, |b|) "
                        "(default 0)")
    parser.add_argument("--ignore", nargs="*", default=list(RUN_COLUMNS), metavar="COL",
                        help=f"CSV columns left out (default: {' '.join(RUN_COLUMNS)})")
    parser.add_argument("--key", nargs="*", default=[], metavar="COL",
                        help="match CSV rows on these columns instead of by order (files that have them all)")
    parser.add_argument("--show", type=int, default=5, help="differences printed per file (default 5)")
    args = parser.parse_args(argv)
    for name in ("before", "after"):
        if not getattr(args, name).is_dir():
            parser.error(f"{name} must be a folder, got {getattr(args, name)}")
    if not (args.rtol >= 0 and args.atol >= 0):
        parser.error(f"--rtol and --atol must be >= 0, got rtol={args.rtol}, atol={args.atol}")
    reports = compare_folders(args.before, args.after, rtol=args.rtol, atol=args.atol, ignore=set(args.ignore),
                              key=args.key, show=args.show)
    for r in reports:
        if r.failure:
            print(f"{r.name}: {r.failure}")
            continue
        floor = f", {r.floored} within atol only" if r.floored else ""
        texts = f" (in {', '.join(r.text_columns)})" if r.text_columns else ""
        print(f"{r.name}: {r.rows} rows, {r.values} values, max relative difference {r.max_rel:.2e}, "
              f"{r.numbers_differ} numbers and {r.texts_differ} texts differ{texts}{floor}")
        for note in r.notes:
            print(f"    {note}")
    if not reports:
        print(f"no CSV, markdown or text files in {args.before} or {args.after}")
    values, differ = sum(r.values for r in reports), sum(r.differ for r in reports)
    floored = sum(r.floored for r in reports)
    print(f"{len(reports)} files, {values} values compared, {differ} differ"
          + (f" ({floored} within atol only)" if floored else ""))
    return 0 if differ == 0 and reports else 1


if __name__ == "__main__":
    raise SystemExit(main())
