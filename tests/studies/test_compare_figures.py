"""scripts/compare_figures.py on two tiny figures folders built in tmp_path."""

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compare_figures.py"
_spec = importlib.util.spec_from_file_location("compare_figures", _SCRIPT)
compare_figures = sys.modules["compare_figures"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_figures)

TABLE = pd.DataFrame({"quantity": ["tau_pop", "tau_pop_coh"], "g": [0.01, 0.1], "lower": [2.9218970591e-4, 0.0],
                      "upper": [2.9218971479e-4, float("inf")], "verdict": ["impossible", "inconclusive"],
                      "reason": [None, "degenerate"], "seconds": [6.3, 0.2]})
MARKDOWN = "| table | N_L = N_R | correct coherences |\n|---|---|---|\n| II | 1 | Impossible 0.113 |\n"


def _folder(path: Path, table: pd.DataFrame = TABLE, markdown: str = MARKDOWN) -> Path:
    path.mkdir()
    table.to_csv(path / "fig2.csv", index=False)
    (path / "tables.md").write_text(markdown)
    return path


def _run(capsys, *argv):
    code = compare_figures.main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_equal_folders(tmp_path, capsys):
    before = _folder(tmp_path / "before")
    other = TABLE.assign(seconds=[9.9, 9.9])  # a wall time is not a result
    code, out = _run(capsys, before, _folder(tmp_path / "after", other))
    assert code == 0
    # 2 rows x 6 columns (seconds left out) + 3 lines x 3 cells of the markdown table
    assert out.splitlines()[-1] == "2 files, 21 values compared, 0 differ"


def test_value_off_by_one_part_in_a_million(tmp_path, capsys):
    before = _folder(tmp_path / "before")
    after = _folder(tmp_path / "after", TABLE.assign(lower=[2.9218970591e-4 * (1 + 1e-6), 0.0]))
    code, out = _run(capsys, before, after)
    assert code == 1
    assert "1 numbers and 0 texts differ" in out and "row 1, lower" in out and "relative 1.00e-06" in out
    assert out.splitlines()[-1].endswith(", 1 differ")
    assert _run(capsys, before, after, "--rtol", "2e-6")[0] == 0
    code, out = _run(capsys, before, after, "--atol", "1e-9")  # 2.9e-10 apart: inside the floor, and counted
    assert code == 0 and "(1 within atol only)" in out


def test_changed_verdict(tmp_path, capsys):
    before = _folder(tmp_path / "before")
    after = _folder(tmp_path / "after", TABLE.assign(verdict=["impossible", "possible"]))
    code, out = _run(capsys, before, after)
    assert code == 1
    assert "0 numbers and 1 texts differ (in verdict)" in out
    assert "row 2, verdict: 'inconclusive' vs 'possible'" in out


def test_changed_markdown_cell(tmp_path, capsys):
    before = _folder(tmp_path / "before")
    after = _folder(tmp_path / "after", markdown=MARKDOWN.replace("Impossible", "Possible"))
    code, out = _run(capsys, before, after)
    assert code == 1 and "line 3, correct coherences: 'Impossible 0.113' vs 'Possible 0.113'" in out


def test_missing_file(tmp_path, capsys):
    before = _folder(tmp_path / "before")
    after = _folder(tmp_path / "after")
    (after / "tables.md").unlink()
    code, out = _run(capsys, before, after)
    assert code == 1
    assert f"only in {before}" in out


def test_missing_folder_is_an_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        compare_figures.main([str(tmp_path / "nowhere"), str(tmp_path)])
    assert "before must be a folder" in capsys.readouterr().err
