"""The notebook runner's stamps: a notebook is skipped only when re-executing it could change nothing."""

import nbformat

from lindblad_core import notebooks_runner as runner


def _notebook(path, code):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)


def _stamp(nb, figures, outputs):
    return {"inputs": runner._input_hash(nb), "notebook": runner._sha256(nb),
            "outputs": {name: runner._sha256(figures / name) for name in outputs}}


def test_stamp_detects_every_change(tmp_path):
    nb, figures = tmp_path / "01_x.ipynb", tmp_path / "figures"
    figures.mkdir()
    _notebook(nb, "x = 1")
    (figures / "fig.png").write_bytes(b"png")
    stamp = _stamp(nb, figures, ["fig.png"])
    assert runner._up_to_date(stamp, nb, runner._input_hash(nb), figures)

    (figures / "fig.png").write_bytes(b"other")  # an output changed
    assert not runner._up_to_date(stamp, nb, runner._input_hash(nb), figures)
    (figures / "fig.png").unlink()  # an output is missing
    assert not runner._up_to_date(stamp, nb, runner._input_hash(nb), figures)

    (figures / "fig.png").write_bytes(b"png")
    _notebook(nb, "x = 2")  # the code changed: new inputs, and the notebook file differs from the stamp
    assert runner._input_hash(nb) != stamp["inputs"]
    assert not runner._up_to_date(stamp, nb, runner._input_hash(nb), figures)
    assert not runner._up_to_date(None, nb, runner._input_hash(nb), figures)  # never executed


def test_markdown_edits_do_not_change_inputs_but_do_change_the_notebook(tmp_path):
    nb, figures = tmp_path / "01_x.ipynb", tmp_path / "figures"
    figures.mkdir()
    _notebook(nb, "x = 1")
    stamp = _stamp(nb, figures, [])
    parsed = nbformat.read(nb, as_version=4)
    parsed.cells[0].source = "# another title"
    nbformat.write(parsed, nb)
    assert runner._input_hash(nb) == stamp["inputs"]
    assert not runner._up_to_date(stamp, nb, runner._input_hash(nb), figures)  # re-executed all the same


def _paths(*names):
    from pathlib import Path

    return [Path(f"{name}_x.ipynb") for name in names]


def test_a_notebook_waits_for_the_notebooks_whose_points_it_reads():
    pending = _paths("00", "01", "02", "05", "06", "08", "10", "11", "12")
    startable = {nb.name[:2] for nb in runner.ready(pending, running=set())}
    assert startable == {"00", "01", "02", "12"}  # 05 after 01, 06 after 02, 08/10/11 after the figures
    # 01 has finished (no longer pending), 02 still runs: 05 and 11 wait no more for 01, 06, 08, 10 and 11 for 02
    startable = {nb.name[:2] for nb in runner.ready(_paths("05", "06", "08", "10", "11"), running={"02"})}
    assert startable == {"05"}
    # a notebook that is not part of the run is not waited for
    assert [nb.name[:2] for nb in runner.ready(_paths("08"), running=set())] == ["08"]


def test_the_head_of_the_longest_chain_starts_first():
    pending = _paths("00", "01", "02", "03", "05", "06", "10")
    # never timed: each counts 1 s, so 01 and 02 (each heading 01/02 -> 05/06 -> 10) come before 00 and 03
    assert [nb.name[:2] for nb in runner.ready(pending, running=set())][:2] == ["01", "02"]
    seconds = {"00_x.ipynb": 5, "01_x.ipynb": 20, "02_x.ipynb": 30, "03_x.ipynb": 80, "05_x.ipynb": 15,
               "06_x.ipynb": 45, "10_x.ipynb": 150}
    # 02 -> 06 -> 10 takes 225 s, 01 -> 05 -> 10 185 s, 03 alone 80 s
    assert [nb.name[:2] for nb in runner.ready(pending, set(), seconds)] == ["02", "01", "03", "00"]


def test_the_papers_notebooks_start_before_the_others():
    """Notebook 11 (beyond the paper) heads the longest waiting time here, yet the paper's 03 and 04 start first;
    once they run, 11 comes before the shorter 12."""
    seconds = {"03_x.ipynb": 80, "04_x.ipynb": 15, "11_x.ipynb": 120, "12_x.ipynb": 10}
    pending = _paths("03", "04", "11", "12")
    assert [nb.name[:2] for nb in runner.ready(pending, set(), seconds)] == ["03", "04", "11", "12"]
    assert [nb.name[:2] for nb in runner.ready(_paths("11", "12"), {"03", "04"}, seconds)] == ["11", "12"]


def test_collect_moves_what_a_notebook_wrote_and_overwrites_older_outputs(tmp_path):
    staging, figures = tmp_path / "build" / "01_x", tmp_path / "figures"
    staging.mkdir(parents=True)
    figures.mkdir()
    (figures / "fig2.csv").write_text("old")
    (figures / "other.csv").write_text("kept")
    (staging / "fig2.csv").write_text("new")
    (staging / "fig2.pdf").write_bytes(b"pdf")
    assert runner._collect(staging, figures) == ["fig2.csv", "fig2.pdf"]
    assert (figures / "fig2.csv").read_text() == "new" and (figures / "other.csv").read_text() == "kept"
    assert not staging.exists()
    assert runner._collect(staging, figures) == []  # nothing written (e.g. the notebook failed at once)


def test_recorded_seconds_are_papermills(tmp_path):
    nb = tmp_path / "01_x.ipynb"
    _notebook(nb, "x = 1")
    assert runner.recorded_seconds(nb) is None  # never executed
    parsed = nbformat.read(nb, as_version=4)
    parsed.metadata["papermill"] = {"duration": 12.5}
    nbformat.write(parsed, nb)
    assert runner.recorded_seconds(nb) == 12.5
