"""Packaging / environment consistency checks (pyproject.toml, requirements.lock,
environment.yml, README.md, .ci/run, run scripts)."""

import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def _req_name(req: str) -> str:
    # "dask[distributed]>=2023.10 ; python_version>'3'" -> "dask"
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
    assert m, f"cannot parse requirement {req!r}"
    return _norm(m.group(1))


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)", line)
        if m:
            pins[_norm(m.group(1))] = m.group(3)
    return pins


def _readme_test_command() -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    assert m, "README.md has no fenced code block"
    lines = [ln.strip() for ln in m.group(1).splitlines() if ln.strip().startswith("./run_tests.sh")]
    assert lines, "README's first code block has no ./run_tests.sh line"
    return lines[0].split("#", 1)[0].strip()


def test_runtime_and_test_deps_are_pinned_in_lock():
    project = _pyproject()["project"]
    wanted = [_req_name(r) for r in project["dependencies"]]
    test_extra = {_req_name(r) for r in project["optional-dependencies"]["test"]}
    assert {"pytest", "qutip"} <= test_extra
    wanted += ["pytest", "qutip"]
    pins = _lock_pins()
    missing = [n for n in wanted if n not in pins]
    assert not missing, f"not pinned (==) in requirements.lock: {missing}"


def test_lock_is_portable():
    text = (ROOT / "requirements.lock").read_text()
    assert "file://" not in text
    for line in text.splitlines():
        s = line.strip()
        assert not s.startswith(("--index-url", "--extra-index-url", "--find-links", "-f ", "-i ")), s
        if s and not s.startswith("#"):
            assert "==" in s or s.startswith("-"), f"unpinned line in lock: {s!r}"
    assert str(ROOT) not in text


def test_environment_yml_uses_lock():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*-r\s+requirements\.lock\s*$", text, flags=re.M)
    assert re.search(r"^\s*-\s*-e\s+\.\s*$", text, flags=re.M)
    assert re.search(r"^\s*-\s*python\s*=\s*3\.11\b", text, flags=re.M)


def test_ci_run_matches_readme_command():
    cmd = _readme_test_command()
    assert cmd == "./run_tests.sh"
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert cmd in ci_lines, f".ci/run does not contain the README test command {cmd!r}"


@pytest.mark.parametrize(
    "script", ["run_tests.sh", "run_all.sh", ".ci/run", "scripts/setup_env.sh", "scripts/lock.sh"]
)
def test_scripts_are_executable(script):
    path = ROOT / script
    assert path.is_file(), f"missing {script}"
    assert os.access(path, os.X_OK), f"{script} is not executable"


def _tracked_files():
    import subprocess

    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / f for f in out.stdout.splitlines()]


def test_nothing_reads_outside_the_repository():
    """A bare clone has nothing beside it: no tracked file may refer to a shared folder outside it."""
    needles = ("../" + "shared", "LINDBLAD_" + "SHARED")  # spelled apart so this file does not match itself
    offenders = []
    for path in _tracked_files():
        if path.is_file() and path.suffix in {".py", ".sh", ".md", ".ipynb", ".toml", ".yml", ".cfg", ""}:
            text = path.read_text(errors="ignore")
            if any(n in text for n in needles):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_reference_data_ships_with_the_package():
    from lindblad_core.studies import reference

    assert len(reference.load("ness_points")) == 6
    assert len(reference.load("tau_fig2cd")) == 8
    with pytest.raises(ValueError, match="name"):
        reference.load("nonexistent")


def test_console_script_declared():
    assert _pyproject()["project"]["scripts"]["lindblad-sdp"] == "lindblad_core.cli:main"


def test_no_generator_holds_notebook_code():
    """Each notebook has one source: the .ipynb itself."""
    assert not (ROOT / "scripts" / "build_notebooks.py").exists()
    assert not (ROOT / "notebooks" / "ci").exists()


def test_committed_figure_notebooks_show_their_figures():
    """Opened on the repository's web page, every notebook that makes a figure shows it (the outputs of the
    full-grid run are committed; ./run_all.sh refreshes them)."""
    import nbformat

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks
    missing = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        if not any("save_figure(" in c.source for c in code):
            continue
        images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        quick = any("quick = True" in c.source for c in code if "injected-parameters" in c.metadata.get("tags", []))
        if not images or quick:
            missing.append(path.name)
    assert not missing, f"notebooks without inline figures from the full grids: {missing}"


def test_readme_quick_start_runs_as_printed(capsys):
    """The README's quick start, executed: what it prints matches the output block below it (timings aside),
    against the SDPs' independent checks of the verdict it states."""
    import re as _re

    pytest.importorskip("qutip")
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Quick start"):]
    code = _re.search(r"```python\n(.*?)```", section, _re.S).group(1)
    expected = _re.search(r"prints\n\n```text\n(.*?)```", section, _re.S).group(1).strip().splitlines()
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.strip().splitlines()
    # the solver's status, name and time depend on the machine; the interval, verdict and explanation must not
    run_details = lambda line: _re.sub(r"; \w+, \w+, [\d.]+ s\)", ")", line)  # noqa: E731
    assert [run_details(x) for x in printed] == [run_details(x) for x in expected]
