"""Command line: the chain and a user's system file, one readable line or one JSON object, clear one-line
errors naming the flag, a size guard, exit statuses by one rule, and no traceback for SIGINT, a closed or full
stdout or a failed solver.

Run as a real subprocess where the process matters (signals, closed stdout), else through ``cli.main`` in-process.
"""

import importlib.util
import io
import json
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from cvxpy.error import SolverError

import lindblad_core as lc
from lindblad_core import cli
from lindblad_core.sdp import TauResult
from lindblad_core.paths import REPO
from lindblad_core.studies.reference import as_complex

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


# -- errors name the right flag, one line and exit 2 for any invalid input, size guard, pipes ---------------

DEGENERATE = ["--n-left", "1", "--n-middle", "1", "--n-right", "1", "--g", "0.5", "--beta-left", "1",
              "--beta-right", "1"]
TAU = ["tau", "pop", *NESS[1:]]


def run_main(capsys, *args):
    """``main`` in-process: (exit code, stdout, stderr). Usage errors leave through SystemExit, like argparse."""
    try:
        code = cli.main(list(args))
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


def with_flag(base, flag, value):
    args = list(base)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    return args


def assert_one_line_error(code, err, flag=None):
    """Exit 2, exactly one line on stderr, no traceback, naming ``flag`` (and no other flag) when given."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    if flag is not None:
        assert f"argument {flag}: " in lines[0], lines[0]
        assert lines[0].count("argument --") == 1, lines[0]


@pytest.mark.parametrize("command", ["ness", "tau"])
@pytest.mark.parametrize("flag, value", [("--g", "nan"), ("--s", "0"), ("--mu", "0.5"), ("--delta", "inf"),
                                         ("--bias", "nan"), ("--omega-c", "0"), ("--gamma", "-1"),
                                         ("--beta-left", "0"), ("--beta-right", "-1"), ("--n-left", "0"),
                                         ("--n-middle", "-1"), ("--n-right", "-1")])
def test_invalid_value_names_exactly_its_flag(capsys, command, flag, value):
    """The flag is read from the parameter the message names, not by substring ("must" contains "mu")."""
    base = NESS if command == "ness" else TAU
    code, out, err = run_main(capsys, *with_flag(base, flag, value))
    assert_one_line_error(code, err, flag)
    assert out == ""


@pytest.mark.parametrize("message, flag", [
    ("ChainSetup.g must be finite, got g=nan", "--g"),
    ("Bath.s must be finite and > 0, got s=0.0", "--s"),
    ("s must be finite and > 0, got s=0.0", "--s"),
    ("beta_left must be finite and > 0, got beta_left=-1.0", "--beta-left"),
    ("gamma must be a number or one value per bath site (2), got 3 values", "--gamma"),
    ("blocks must be 'left,right' or 'left' (or 'right'), got 'middle'", "--blocks"),
    ("solver SCS is not installed (installed: ['CLARABEL'])", "--solver"),
    ("the result must be ready", None),  # "must" contains "mu", "the" is no flag
    ("Bath.beta must be finite and > 0, got beta=0.0", None),  # a field with no flag of its own: none, not a wrong one
    ("hamiltonian is degenerate within 4.0e-09: E[2] = 1 and E[3] = 1", None),
    ("the zeroth-order NESS is not unique", None),
])
def test_flag_is_read_from_the_message_not_by_substring(message, flag):
    parser = cli.build_parser()
    tau = parser.parse_args(TAU).subparser
    assert cli.flag_for_message(message, tau) == flag


@pytest.mark.parametrize("command", [["ness"], ["tau", "pop"], ["tau", "popcoh"]])
def test_degenerate_spectrum_is_invalid_input_for_every_sub_command(capsys, command):
    code, out, err = run_main(capsys, *command, *DEGENERATE)
    assert_one_line_error(code, err)
    assert "degenerate" in err and out == ""


def test_degenerate_spectrum_subprocess_has_no_traceback():
    out = run_cli("ness", *DEGENERATE)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


@pytest.mark.parametrize("args, flag", [(with_flag(NESS, "--field", "x"), "--field"),
                                       (with_flag(NESS, "--g", "abc"), "--g"),
                                       (with_flag(TAU, "--blocks", "middle"), "--blocks"),
                                       (TAU + ["--free-trace"], "--free-trace"),
                                       (["tau", "popcoh", *NESS[1:], "--eigenbasis", "published"], "--eigenbasis"),
                                       (TAU + ["--eigenbasis", "computational"], "--eigenbasis")])
def test_usage_errors_are_one_line(capsys, args, flag):
    code, out, err = run_main(capsys, *args)
    assert_one_line_error(code, err, flag)


@pytest.mark.parametrize("command", [["ness"], ["tau", "pop"], ["tau", "popcoh"]])
def test_size_guard_refuses_up_front_naming_the_limit(capsys, command):
    """``--n-middle 20`` (128 TiB) is refused before anything is built."""
    code, out, err = run_main(capsys, *command, *with_flag(NESS[1:], "--n-middle", "20"))
    assert_one_line_error(code, err)
    line = err.strip()
    assert "argument --n-left/--n-middle/--n-right: " in line
    largest = cli.largest_accepted_qubits(command[-1], n_left=1, n_right=1)
    assert 8 <= largest < 22  # chains of 8 qubits, also for tau popcoh
    assert f"N <= {largest}" in line and "N = 22" in line and "GiB" in line


def test_size_guard_names_blocks_that_fit_at_no_length(capsys):
    """One block of 8 qubits: Γ is 65535 x 65535; no n_middle helps, and the message says so."""
    code, out, err = run_main(capsys, "tau", "popcoh", *with_flag(with_flag(NESS[1:], "--n-left", "8"),
                                                                   "--n-middle", "0"))
    assert_one_line_error(code, err)
    assert "no chain with n_left=8, n_right=1 fits" in err


@pytest.mark.parametrize("kind", ["ness", "pop", "popcoh"])
def test_size_guard_boundary(kind):
    """The guard accepts the largest N it names and refuses N + 1 (blocks of one qubit per bath)."""
    largest = cli.largest_accepted_qubits(kind, n_left=1, n_right=1)
    ok = lc.ChainSetup(n_left=1, n_middle=largest - 2, n_right=1)
    too_big = lc.ChainSetup(n_left=1, n_middle=largest - 1, n_right=1)
    assert cli.estimated_bytes(kind, ok) <= cli.MEMORY_LIMIT_BYTES < cli.estimated_bytes(kind, too_big)


@pytest.mark.parametrize("n_left, n_middle, n_right", [(1, 6, 1), (2, 4, 2), (3, 2, 3), (4, 0, 4), (1, 7, 0)])
def test_size_guard_accepts_eight_qubit_chains_for_ness_and_tau_pop(n_left, n_middle, n_right):
    setup = lc.ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
    assert cli.estimated_bytes("ness", setup) <= cli.MEMORY_LIMIT_BYTES
    assert cli.estimated_bytes("pop", setup) <= cli.MEMORY_LIMIT_BYTES
    assert cli.estimated_bytes("pop", setup, blocks="left") <= cli.MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("n_left, n_middle, n_right", [(1, 2, 1), (2, 2, 2), (3, 0, 3), (1, 4, 1), (2, 3, 2),
                                                       (2, 4, 2), (3, 2, 3), (1, 6, 1)])
def test_size_guard_accepts_the_papers_and_eight_qubit_tau_pop_coh_chains(n_left, n_middle, n_right):
    setup = lc.ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
    assert cli.estimated_bytes("popcoh", setup) <= cli.MEMORY_LIMIT_BYTES


def test_ness_on_an_eight_qubit_chain_runs(capsys):
    code, out, err = run_main(capsys, *with_flag(NESS, "--n-middle", "6"), "--json")
    assert code == 0, err
    assert len(json.loads(out)["populations"]) == 2**8


@pytest.mark.parametrize("extra", [["--json"], []])
def test_closed_pipe_exits_quietly(extra):
    """``lindblad-sdp ness … --json | head -c 10``: the reader is gone before the CLI writes anything, so the
    write fails whatever the output's size; the CLI stops quietly with the status of a writer killed by SIGPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "lindblad_core", *NESS, *extra], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=300)
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr  # 128 + SIGPIPE, as for a writer killed by the closed pipe
    assert proc.returncode == cli.EXIT_BROKEN_PIPE
    assert proc.stderr == ""


def test_warnings_do_not_break_the_one_line_error(capsys, monkeypatch):
    """A warning on the way to an invalid-input exit (e.g. overflowing rates) is not printed before the line."""
    def overflowing(red):
        warnings.warn("overflow encountered in multiply", RuntimeWarning)
        raise ValueError("the transition rates of App. A overflow")

    monkeypatch.setattr(cli, "rho0", overflowing)
    code, out, err = run_main(capsys, *NESS)
    assert_one_line_error(code, err)
    assert "overflow" in err and "RuntimeWarning" not in err


def test_warnings_of_a_successful_run_are_still_shown(capsys, monkeypatch):
    real = cli.rho0

    def noisy(red):
        warnings.warn("a harmless warning", RuntimeWarning)
        return real(red)

    monkeypatch.setattr(cli, "rho0", noisy)
    with pytest.warns(RuntimeWarning, match="a harmless warning"):  # re-emitted after the run
        code, out, err = run_main(capsys, *NESS, "--json")
    assert code == 0 and json.loads(out)["populations"]


# -- the published eigenbasis of Figs. A1(c)/A2(c) -------------------------------------------------------------

def test_tau_pop_published_eigenbasis_flips_the_figa2c_verdict(capsys):
    """Fig. A2(c) at g = 1e-3, β_R = 10: the published value ≈ 2e-4 (docs/conventions.md) with
    ``--eigenbasis published``, 9.6e-7 < δ_tol in the energy basis (the default)."""
    base = ["tau", "pop", "--n-left", "2", "--n-middle", "2", "--n-right", "2", "--g", "0.001", "--beta-left", "1",
            "--beta-right", "10", "--bias", "0.01", "--json"]
    runs = {}
    for basis in ("energy", "published"):
        code, out, err = run_main(capsys, *base, "--eigenbasis", basis)
        runs[basis] = json.loads(out)
        # 9.6e-7 lies within data_error of δ_tol: "inconclusive" there, and the exit status says so
        assert code == (0 if runs[basis]["verdict"] != "inconclusive" else cli.EXIT_UNDECIDED), err
    assert runs["published"]["eigenbasis"] == "published"
    assert runs["published"]["certified"] and runs["published"]["verdict"] == "impossible"
    assert 1.5e-4 < runs["published"]["lower"] <= runs["published"]["upper"] < 2.5e-4
    assert runs["energy"]["upper"] < 1e-6 and runs["energy"]["eigenbasis"] == "energy"


@pytest.mark.parametrize("kind", ["pop", "popcoh"])
def test_solver_ipm_is_a_choice_and_agrees_with_clarabel(capsys, kind):
    """``--solver IPM`` (the library's interior-point method, first in the default chain) is accepted by both
    SDPs and its certified interval overlaps Clarabel's at a Fig. 2 point."""
    base = ["tau", kind, "--n-left", "1", "--n-middle", "2", "--n-right", "1", "--g", "0.01", "--beta-left", "1",
            "--beta-right", "5", "--json"]
    runs = {}
    for solver in ("ipm", "clarabel"):
        code, out, err = run_main(capsys, *base, "--solver", solver)
        assert code == 0, err
        runs[solver] = json.loads(out)
    assert runs["ipm"]["solver"] == "IPM" and runs["clarabel"]["solver"] == "CLARABEL"
    assert runs["ipm"]["lower"] <= runs["clarabel"]["upper"] and runs["clarabel"]["lower"] <= runs["ipm"]["upper"]


# -- the user's own system: --system FILE.py:FUNC --param NAME=VALUE ----------------------------------------------

FIXTURE = REPO / "tests" / "fixtures" / "two_qubits.py"
LINE = re.compile(r"^(tau_pop(?:_coh)?) ∈ \[(\S+), (\S+)\] (impossible|possible|inconclusive) "
                  r"\((certified|not certified, \w+)(?:, relative (\S+|\[\S+, \S+\]))?\) (\S+) s(?:: .+)?$")


@pytest.fixture
def system_file(tmp_path):
    """The two-qubit system file copied outside the repository: (path, its module loaded independently)."""
    path = tmp_path / "user_model" / "f.py"
    path.parent.mkdir()
    shutil.copy(FIXTURE, path)
    spec = importlib.util.spec_from_file_location("independent_two_qubits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not path.resolve().is_relative_to(REPO)
    return path, module


def write_file(tmp_path, text, name="m.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_tau_popcoh_of_a_system_file_is_one_line_matching_the_library(capsys, system_file):
    """Two coupled qubits on Ohmic baths at β = 0.8 and 3: the CLI's line and JSON against lc.tau_pop_coh
    called in-process on the same system."""
    path, module = system_file
    ref = lc.tau_pop_coh(module.build(g=0.1))
    code, out, err = run_main(capsys, "tau", "popcoh", "--system", f"{path}:build", "--param", "g=0.1")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1, out
    m = LINE.match(lines[0])
    assert m, lines[0]
    quantity, lower, upper, verdict, certified, relative = m.group(1, 2, 3, 4, 5, 6)
    assert quantity == "tau_pop_coh" and verdict == ref.verdict() == "impossible"
    # three significant digits
    assert float(lower) == pytest.approx(ref.lower, rel=5e-3) and float(upper) == pytest.approx(ref.upper, rel=5e-3)
    assert re.fullmatch(r"\d\.\d\de-?\d+", lower) and re.fullmatch(r"\d\.\d\de-?\d+", upper)
    assert certified == ("certified" if ref.certified else certified)
    assert float(relative) == pytest.approx(ref.relative[1], rel=5e-3)
    code, out, err = run_main(capsys, "tau", "popcoh", "--system", f"{path}:build", "--param", "g=0.1", "--json")
    data = json.loads(out)
    assert code == 0 and abs(data["lower"] - ref.lower) <= 1e-9 and abs(data["upper"] - ref.upper) <= 1e-9
    assert data["system"] == {"file": str(path.resolve()), "function": "build", "params": {"g": 0.1}}
    assert data["elapsed_s"] > 0 and data["verdict"] == "impossible"


def test_tau_pop_of_a_system_file_matches_the_library(capsys, system_file):
    path, module = system_file
    ref = lc.tau_pop(module.build(g=0.05, beta_hot=1.5))
    code, out, err = run_main(capsys, "tau", "pop", "--system", f"{path}:build", "--param", "g=0.05",
                              "--param", "beta_hot=1.5", "--json")
    data = json.loads(out)
    assert abs(data["lower"] - ref.lower) <= 1e-9 and abs(data["upper"] - ref.upper) <= 1e-9
    assert code == (0 if ref.verdict() != "inconclusive" else cli.EXIT_UNDECIDED)
    assert data["lemma1_bound"] >= 0


def test_ness_of_a_system_file_at_one_temperature_is_the_gibbs_state(capsys, system_file):
    """Both baths at β = 2: the zeroth-order NESS is the Gibbs state of H_S (an analytic limit)."""
    path, module = system_file
    argv = ["ness", "--system", f"{path}:build", "--param", "beta_hot=2", "--param", "beta_cold=2"]
    code, out, err = run_main(capsys, *argv, "--json")
    assert code == 0, err
    data = json.loads(out)
    energies = np.linalg.eigvalsh(module.build(beta_hot=2, beta_cold=2).hamiltonian)
    gibbs = np.exp(-2 * (energies - energies.min()))
    np.testing.assert_allclose(data["populations"], gibbs / gibbs.sum(), atol=1e-9)
    np.testing.assert_allclose(data["energies"], energies, atol=1e-12)
    assert {"energies", "populations", "rho0", "L2_rho0", "system", "elapsed_s"} <= data.keys()
    code, out, err = run_main(capsys, *argv)
    assert code == 0
    lines = out.splitlines()
    assert 3 <= len(lines) <= 8 and lines[0].startswith("ness:")
    shown = next(line for line in lines if line.startswith("populations"))
    values = [float(v) for v in shown.split(":")[1].split()]
    np.testing.assert_allclose(values, gibbs / gibbs.sum(), rtol=5e-3)


def test_blocks_of_a_system_file(capsys, system_file):
    """``--blocks 0,1`` (one Lindblad bath on both qubits) against lc.tau_pop_coh with the same block; a malformed
    group and a block that leaves a bath site out are refused naming --blocks."""
    path, module = system_file
    ref = lc.tau_pop_coh(module.build(), [(0, 1)])
    code, out, err = run_main(capsys, "tau", "popcoh", "--system", f"{path}:build", "--blocks", "0,1", "--json")
    data = json.loads(out)
    assert data["blocks"] == [[0, 1]] and abs(data["upper"] - ref.upper) <= 1e-9
    default = lc.tau_pop_coh(module.build())
    code, out, err = run_main(capsys, "tau", "popcoh", "--system", f"{path}:build", "--blocks", "0", "1", "--json")
    assert json.loads(out)["blocks"] == [[0], [1]] and abs(json.loads(out)["upper"] - default.upper) <= 1e-9
    for bad in (["x,1"], ["0"]):
        code, out, err = run_main(capsys, "tau", "popcoh", "--system", f"{path}:build", "--blocks", *bad)
        assert_one_line_error(code, err, "--blocks")


@pytest.mark.parametrize("text, value", [("3", 3), ("-2", -2), ("0.1", 0.1), ("1e-3", 1e-3), ("-1e-3", -1e-3),
                                         ("inf", math.inf), ("1+2j", 1 + 2j), ("true", True), ("False", False),
                                         ("abc", "abc"), ("j", "j"), ("a=b", "a=b")])
def test_param_values_are_read_as_numbers_where_they_are(text, value):
    got = cli.parse_param_value(text)
    assert got == value and type(got) is type(value)


def test_params_reach_the_function_with_their_types(capsys, tmp_path, system_file):
    path, _ = system_file
    model = write_file(tmp_path, f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("two", {str(path)!r})
        two = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(two)
        SEEN = {{}}

        def build(n, x=0.0, z=0j, flag=False, label="a", **rest):
            SEEN.update(n=n, x=x, z=z, flag=flag, label=label, **rest)
            return two.build()
        """, "typed.py")
    code, out, err = run_main(capsys, "ness", "--system", f"{model}:build", "--param", "n=3", "--param", "x=-1e-3",
                              "--param", "z=1-2j", "--param", "flag=true", "--param", "label=hot", "--param",
                              "extra=7", "--json")
    assert code == 0, err
    seen = cli.load_system_function(f"{model}:build")[1].__globals__["SEEN"]  # the module the CLI called
    assert seen == {"n": 3, "x": -1e-3, "z": 1 - 2j, "flag": True, "label": "hot", "extra": 7}
    assert [type(seen[k]) for k in ("n", "x", "z", "flag", "label")] == [int, float, complex, bool, str]
    assert json.loads(out)["system"]["params"]["z"] == {"real": 1.0, "imag": -2.0}


@pytest.mark.parametrize("spec, params, flag, words", [
    ("missing.py:build", [], "--system", "no such file"),
    ("{model}", [], "--system", "FILE.py:FUNC"),
    ("{model}:nothing", [], "--system", "its functions: build, crashing, needs, other, raising"),
    ("{model}:build", ["h=1"], "--param h", "its parameters: g, omega_b"),
    ("{model}:build", ["g"], "--param", "NAME=VALUE"),
    ("{model}:build", ["g=1", "g=2"], "--param g", "given twice"),
    ("{model}:build", ["g=nan"], "--param g", "NaN"),
    ("{model}:needs", [], "--param k", "--param k=VALUE"),
    ("{model}:other", [], "--system", "returned a dict, not a lindblad_core.OpenSystem"),
    ("{model}:raising", ["k=2"], "--param k", "k must be odd"),
    ("{model}:crashing", [], "--system", "ZeroDivisionError"),
    ("{model}:build", ["g=0", "omega_b=1"], "--system", "non-degenerate"),
    ("{broken}:build", [], "--system", "SyntaxError"),
])
def test_system_file_errors_are_one_line_naming_the_flag(capsys, tmp_path, system_file, spec, params, flag, words):
    path, _ = system_file
    model = write_file(tmp_path, f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("two", {str(path)!r})
        two = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(two)

        def build(g=0.1, omega_b=1.3):
            return two.build(g=g, omega_b=omega_b)

        def other():
            return {{}}

        def needs(k):
            return two.build()

        def raising(k):
            raise ValueError(f"k must be odd, got k={{k}}")

        def crashing():
            return 1 / 0
        """)
    broken = write_file(tmp_path, "def build(:\n", "broken.py")
    argv = ["tau", "pop", "--system", spec.format(model=model, broken=broken)]
    for p in params:
        argv += ["--param", p]
    code, out, err = run_main(capsys, *argv)
    assert_one_line_error(code, err, flag)
    assert words in err and "allow_degenerate" not in err and out == ""


def test_system_and_chain_flags_do_not_mix(capsys, system_file):
    path, _ = system_file
    code, out, err = run_main(capsys, "ness", "--system", f"{path}:build", "--g", "0.1")
    assert_one_line_error(code, err, "--g")
    assert "--param" in err
    code, out, err = run_main(capsys, *NESS, "--param", "g=0.1")
    assert_one_line_error(code, err, "--param")
    code, out, err = run_main(capsys, "ness", "--g", "0.1")
    assert_one_line_error(code, err)
    assert "--n-left, --n-middle, --n-right, --beta-left" in err and "--system" in err


# -- output, help -------------------------------------------------------------------------------------------

def test_tau_line_format():
    res = TauResult(quantity="tau_pop_coh", value=0.08021, lower=0.08021, upper=0.0802100001, status="optimal",
                    solver="IPM", solve_seconds=0.1, setup_seconds=0.0, scale=0.08021 / 0.88)
    assert cli.format_tau_line(res, 0.1234) == \
        "tau_pop_coh ∈ [8.02e-2, 8.02e-2] impossible (certified, relative 0.88) 0.12 s"
    wide = TauResult(quantity="tau_pop", value=None, lower=0.0, upper=3.3e-6, status="optimal_inaccurate",
                     solver="CLARABEL", solve_seconds=2.0, setup_seconds=0.0)
    line = cli.format_tau_line(wide, 2.34)
    assert line.startswith("tau_pop ∈ [0, 3.30e-6] inconclusive (not certified, optimal_inaccurate) 2.3 s: ")
    assert "delta_tol" in line and "\n" not in line


def test_tau_chain_output_is_one_line_and_json_keeps_its_keys(capsys):
    code, out, err = run_main(capsys, *TAU)
    assert code == 0 and len(out.splitlines()) == 1 and LINE.match(out.strip()), out
    code, out, err = run_main(capsys, *TAU, "--json")
    data = json.loads(out)
    keys = {"quantity", "value", "lower", "upper", "status", "certified", "verdict", "solver", "solve_seconds",
            "setup_seconds", "reason", "data_error", "is_result", "scale", "relative_lower", "relative_upper",
            "setup", "ok", "lemma1_bound", "elapsed_s"}
    assert keys <= data.keys()
    assert data["elapsed_s"] >= data["solve_seconds"]


def test_ascii_stdout_gets_ascii_stand_ins():
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert cli._encodable("tau ∈ [1, 2] …", ascii_stream) == "tau in [1, 2] ..."
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert cli._encodable("tau ∈ [1, 2]", utf8) == "tau ∈ [1, 2]"


def _help(capsys, *argv):
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_help_per_sub_command_with_defaults_and_the_exit_statuses(capsys):
    top, tau, pop, coh, ness = (_help(capsys, *a) for a in ([], ["tau"], ["tau", "pop"], ["tau", "popcoh"],
                                                            ["ness"]))
    assert pop != coh != tau
    assert "--norm" in coh and "--norm" not in pop and "--eigenbasis" in pop and "--eigenbasis" not in coh
    flat = {name: " ".join(text.split()) for name, text in (("pop", pop), ("coh", coh), ("ness", ness))}
    for text in flat.values():
        assert "--system FILE.py:FUNC" in text and "--param NAME=VALUE" in text
        assert "(default: 10.0)" in text and "(required)" in text  # --omega-c, --n-left
    assert "(default: spectral)" in flat["coh"] and "(default: physical)" in flat["coh"]
    assert "(default: energy)" in flat["pop"]
    for text in (top, tau, pop, coh, ness):
        assert "``" not in text and ":class:" not in text and ":func:" not in text  # no raw RST
        for status in (cli.EXIT_OK, cli.EXIT_INVALID, cli.EXIT_UNDECIDED, cli.EXIT_OUTPUT, cli.EXIT_INTERRUPTED,
                       cli.EXIT_BROKEN_PIPE):
            assert re.search(rf"^\s+{status}\s+\S", text, re.MULTILINE), (status, text)


def test_every_flag_has_help():
    parser = cli.build_parser()
    leaves = [parser.parse_args(a).subparser for a in (NESS, TAU, ["tau", "popcoh", *NESS[1:]])]
    for leaf in leaves:
        for action in leaf._actions:
            if action.option_strings:
                assert action.help and len(action.help) > 10, (leaf.prog, action.option_strings)


def test_progress_note_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr(cli.output, "PROGRESS_AFTER_S", 0.0)
    code, out, err = run_main(capsys, *TAU)
    assert code == 0
    assert err.splitlines()[0] == "solving tau_pop (d = 16) …" and err.splitlines()[1].startswith("done in ")
    monkeypatch.setattr(cli.output, "PROGRESS_AFTER_S", 1e9)
    code, out, err = run_main(capsys, *TAU)
    assert code == 0 and err == ""


# -- trust: exit statuses, flags, signals, stdout ----------------------------------------------------------------

def test_beta_right_required_with_a_right_bath_and_refused_without(capsys):
    code, out, err = run_main(capsys, *[a for a in NESS if a not in ("--beta-right", "0.5")])
    assert_one_line_error(code, err, "--beta-right")
    assert "required" in err
    code, out, err = run_main(capsys, *with_flag(NESS, "--n-right", "0"))
    assert_one_line_error(code, err, "--beta-right")
    no_right = [a for a in with_flag(NESS, "--n-right", "0") if a not in ("--beta-right", "0.5")]
    code, out, err = run_main(capsys, *no_right, "--json")
    assert code == 0 and json.loads(out)["setup"]["n_right"] == 0


def test_degenerate_chain_is_worded_for_the_cli(capsys):
    code, out, err = run_main(capsys, *with_flag(NESS, "--g", "0"))
    assert_one_line_error(code, err)
    assert "degenerate" in err and "allow_degenerate" not in err and "--g" in err


def test_huge_site_count_is_refused_naming_its_flag(capsys):
    code, out, err = run_main(capsys, "ness", "--n-left", "99999999999999999999", "--n-middle", "1", "--n-right",
                              "1", "--g", "0.01", "--beta-left", "1", "--beta-right", "1")
    assert_one_line_error(code, err, "--n-left")


@pytest.mark.parametrize("flag, value", [("--mu", "-1e-3"), ("--mu", "-1E-3"), ("--bias", "-0.25"), ("--g", "-1e-2"),
                                         ("--mu", "-.5")])
def test_negative_numbers_are_values(capsys, flag, value):
    code, out, err = run_main(capsys, *with_flag(NESS, flag, value), "--json")
    assert code == 0, err
    assert json.loads(out)["setup"][flag[2:].replace("-", "_")] == float(value)


@pytest.mark.parametrize("flag, value", [("--s", "50"), ("--gamma", "1e308"), ("--beta-left", "1e-300"),
                                         ("--beta-right", "1e-300"), ("--omega-c", "1e-300"), ("--gamma", "nan"),
                                         ("--mu", "-inf"), ("--s", "nan"), ("--omega-c", "nan")])
@pytest.mark.parametrize("command", [["ness"], ["tau", "popcoh"]])
def test_out_of_range_bath_values_name_their_flag(capsys, command, flag, value):
    code, out, err = run_main(capsys, *command, *with_flag(NESS[1:], flag, value))
    assert_one_line_error(code, err, flag)


def _result(**kw):
    base = dict(quantity="tau_pop_coh", value=0.05, lower=0.05, upper=0.05, status="optimal", solver="IPM",
                solve_seconds=0.01, setup_seconds=0.0, scale=0.1)
    return TauResult(**{**base, **kw})


@pytest.mark.parametrize("res, code", [
    (_result(), 0),  # impossible
    (_result(value=0.0, lower=0.0, upper=1e-9), 0),  # possible
    (_result(value=1e-6, lower=1e-7, upper=1e-5), 3),  # inconclusive: the interval contains δ_tol
    (_result(value=0.2, status="inconsistent", reason="inconsistent: CLARABEL reported 'optimal' …"), 3),
    (_result(value=None, lower=0.0, upper=math.inf, status="solver_error"), 3),
])
def test_exit_zero_only_for_a_decided_verdict(capsys, monkeypatch, res, code):
    monkeypatch.setattr(cli, "tau_pop_coh", lambda *a, **k: res)
    got, out, err = run_main(capsys, "tau", "popcoh", *NESS[1:])
    assert got == code, (out, err)
    assert len(out.splitlines()) == 1 and LINE.match(out.strip()).group(4) == res.verdict()
    assert f"  {cli.EXIT_UNDECIDED}    no result" in cli.EXIT_STATUS_HELP


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def test_json_of_a_failed_solve_is_standard_json(capsys, monkeypatch):
    """No value and an unbounded upper end: ``null`` for both (Python's json would write NaN / Infinity, which
    strict readers such as jq reject); the finite fields keep their values."""
    res = _result(value=None, lower=0.0, upper=math.inf, status="solver_error")
    monkeypatch.setattr(cli, "tau_pop_coh", lambda *a, **k: res)
    code, out, err = run_main(capsys, "tau", "popcoh", *NESS[1:], "--json")
    data = json.loads(out, parse_constant=_reject_constant)
    assert code == cli.EXIT_UNDECIDED
    assert data["value"] is None and data["upper"] is None and data["lower"] == 0.0
    assert data["verdict"] == res.verdict()


def test_inconclusive_free_trace_point_exits_by_the_rule(capsys):
    """A free-trace point whose certified interval has straddled δ_tol (lower ~1e-7, upper ~4e-5): the exit status
    follows the verdict, whatever this machine's solver returns."""
    code, out, err = run_main(capsys, "tau", "popcoh", "--n-left", "2", "--n-middle", "0", "--n-right", "2", "--g",
                              "0.001", "--beta-left", "1", "--beta-right", "0.5", "--free-trace", "--solver",
                              "CLARABEL", "--json")
    verdict = json.loads(out)["verdict"]
    assert code == (0 if verdict in ("impossible", "possible") else cli.EXIT_UNDECIDED)


@pytest.mark.parametrize("error", [ArithmeticError("1"), np.linalg.LinAlgError("Singular matrix"),
                                   SolverError("Solver 'CVXOPT' failed"), MemoryError()])
def test_a_failed_solve_is_one_line(capsys, monkeypatch, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli, "tau_pop_coh", fail)
    code, out, err = run_main(capsys, "tau", "popcoh", *NESS[1:])
    assert code == cli.EXIT_UNDECIDED and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "the computation failed" in err


def test_huge_trace_is_refused_naming_the_flag(capsys):
    """Tr Γ = 1e20 lies outside the range where the verdict against δ_tol means anything (sdp.problem.TRACE_RANGE):
    one line naming --trace, exit 2, no traceback."""
    code, out, err = run_main(capsys, "tau", "pop", *NESS[1:], "--trace", "1e20")
    assert_one_line_error(code, err, "--trace")
    assert out == "" and "Traceback" not in err


def test_keyboard_interrupt_in_process(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "tau_pop", interrupted)
    code, out, err = run_main(capsys, *TAU)
    assert code == cli.EXIT_INTERRUPTED == 130
    assert err == "lindblad-sdp: interrupted\n" and out == ""


def _default_sigint():
    """In the child, SIGINT as a terminal delivers it: a suite started in the background (``pytest … &``) runs with
    SIGINT ignored, which its children inherit, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_during_a_solve_exits_130_without_traceback():
    """SIGINT once the progress note says the solve has run a second (d = 512: tens of seconds, so that the signal
    arrives well before its end on any machine)."""
    proc = subprocess.Popen([sys.executable, "-m", "lindblad_core", "tau", "popcoh", "--n-left", "2", "--n-middle",
                             "5", "--n-right", "2", "--g", "0.01", "--beta-left", "1", "--beta-right", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            preexec_fn=_default_sigint)
    try:
        first = proc.stderr.readline()
        assert first.startswith("solving tau_pop_coh (d = 512)"), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    assert err == "lindblad-sdp: interrupted\n" and out == ""


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"])
@pytest.mark.parametrize("extra", [["--json"], []])
def test_closed_or_full_stdout_is_one_line(redirect, extra):
    if redirect == ">/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "lindblad_core", *NESS, *extra])
    proc = subprocess.run(f"{command} {redirect}", shell=True, stderr=subprocess.PIPE, text=True, cwd=REPO,
                          timeout=300)
    assert proc.returncode == cli.EXIT_OUTPUT == 74, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr and "stdout" in lines[0]


def test_solver_qics_is_a_choice(capsys):
    """--solver QICS solves on the same conic data; its certified interval overlaps the default chain's."""
    code, out, err = run_main(capsys, "tau", "popcoh", *NESS[1:], "--solver", "QICS", "--json")
    assert code in (0, cli.EXIT_UNDECIDED), err
    qics = json.loads(out)
    code, out, err = run_main(capsys, "tau", "popcoh", *NESS[1:], "--json")
    ref = json.loads(out)
    assert qics["solver"] == "QICS" and max(qics["lower"], ref["lower"]) <= min(qics["upper"], ref["upper"]) + 1e-9


# Peak resident memory (kB, ``/usr/bin/time -v``, 2 BLAS threads) of chains the library was measured to run at the
# benchmark's setting (benchmarks/results/large_chains.md: ``benchmarks/bench_large_chain.py``); τ^pop,coh with the
# spectral norm and a fixed trace, which the interior-point method solves on subspaces of the sectors.
MEASURED_PEAK_KB = {("ness", (2, 7, 2)): 1_445_940, ("ness", (2, 8, 2)): 5_461_444,
                    ("pop", (2, 6, 2)): 904_404, ("pop", (2, 7, 2)): 3_053_436, ("pop", (2, 8, 2)): 11_695_764,
                    ("popcoh", (3, 2, 3)): 1_266_600, ("popcoh", (2, 6, 2)): 3_255_200,
                    ("popcoh", (2, 7, 2)): 5_708_156, ("popcoh", (2, 8, 2)): 15_620_976}
# τ^pop,coh on the whole problem (its ± LMIs on the full sectors: another norm or a free trace), measured by the
# code of b91b5d2 / 481e2b6 (large_chains.md's earlier runs); 2+8+2 did not fit in 16 GiB (an address-space cap
# stopped it): refused.
MEASURED_PEAK_WHOLE_KB = {(3, 2, 3): 2_077_932, (2, 6, 2): 3_732_400, (2, 7, 2): 7_867_724}
MEASURED_TOO_BIG_WHOLE = [(2, 8, 2)]


def _benchmark_chain(chain):
    return lc.ChainSetup(n_left=chain[0], n_middle=chain[1], n_right=chain[2], g=0.05, beta_left=1.0,
                         beta_right=5.0)


@pytest.mark.parametrize("kind, chain", sorted(MEASURED_PEAK_KB))
def test_size_guard_accepts_the_chains_measured_to_fit_and_estimates_at_least_their_peak(kind, chain):
    estimate = cli.estimated_bytes(kind, _benchmark_chain(chain))
    assert MEASURED_PEAK_KB[kind, chain] * 1024 <= estimate <= cli.MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("chain", sorted(MEASURED_PEAK_WHOLE_KB))
def test_size_guard_without_the_subspace_method_estimates_at_least_the_measured_peak(chain):
    estimate = cli.estimated_bytes("popcoh", _benchmark_chain(chain), subspace=False)
    assert MEASURED_PEAK_WHOLE_KB[chain] * 1024 <= estimate <= cli.MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("chain", MEASURED_TOO_BIG_WHOLE)
def test_size_guard_refuses_the_chains_measured_not_to_fit(chain):
    assert cli.estimated_bytes("popcoh", _benchmark_chain(chain), subspace=False) > cli.MEMORY_LIMIT_BYTES


def test_size_guard_counts_the_whole_problem_for_other_norms(capsys):
    """tau popcoh with the nuclear norm solves the whole problem: the guard refuses N = 12 (2+8+2) up front,
    where the spectral norm (the subspace method) is accepted by the estimate."""
    big = ["--n-left", "2", "--n-middle", "8", "--n-right", "2", "--g", "0.05", "--beta-left", "1", "--beta-right", "5"]
    assert cli.estimated_bytes("popcoh", _benchmark_chain((2, 8, 2))) <= cli.MEMORY_LIMIT_BYTES
    code, _, err = run_main(capsys, "tau", "popcoh", *big, "--norm", "nuclear")
    assert code == 2 and "tau popcoh" in err and "N <= 11" in err

