"""Command line: one JSON object, physical sign, clear errors (run as a real subprocess)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lindblad_core.paths import REPO

from lindblad_core.reference import as_complex

NESS = ["ness", "--n-left", "1", "--n-middle", "2", "--n-right", "1", "--g", "0.01", "--beta-left", "1",
        "--beta-right", "0.5"]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "lindblad_core", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def test_ness_json_matches_reference_point(ness_points):
    out = run_cli(*NESS, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"energies", "populations", "rho0", "L2_rho0"} <= data.keys()
    ref = next(p for p in ness_points if (p["n_left"], p["beta_right"], p["bias"]) == (1, 0.5, 0.0))
    np.testing.assert_allclose(as_complex(data["rho0"]), as_complex(ref["rho0"]), atol=1e-7)
    # L2_rho0 carries the physical sign: minus the published L2_eq40(ρ0).
    np.testing.assert_allclose(as_complex(data["L2_rho0"]), -as_complex(ref["L2_eq40_rho0"]), atol=1e-7)
    assert np.all(np.diff(data["energies"]) > 0)
    assert sum(data["populations"]) == pytest.approx(1.0)


@pytest.mark.parametrize("change, flag", [(("--beta-left", "-1"), "--beta-left"), (("--n-left", "0"), "--n-left"),
                                          (("--gamma", "-2"), "--gamma"), (("--mu", "0.5"), "--mu"),
                                          (("--field", "x"), "--field")])
def test_invalid_arguments_exit_nonzero_naming_the_flag(change, flag):
    args = list(NESS)
    i = args.index(change[0]) if change[0] in args else None
    if i is None:
        args += list(change)
    else:
        args[i + 1] = change[1]
    out = run_cli(*args, "--json")
    assert out.returncode != 0
    assert flag in out.stderr
