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
