"""Command line: one JSON object, physical sign, clear one-line errors, a size guard, quiet closed pipes.

Run as a real subprocess where the process matters (exit status, pipes), else through ``cli.main`` in-process.
"""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from lindblad_core import cli
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


# -- issue 10: errors name the right flag, one line and exit 2 for any invalid input, size guard, pipes ------

DEGENERATE = ["--n-left", "1", "--n-middle", "1", "--n-right", "1", "--g", "0.5", "--beta-left", "1"]
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
    """Issue 10: "--g nan" and "--s 0" were reported as "argument --mu" ("must" contains "mu")."""
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
    """Issue 10: ``ness`` on a degenerate chain printed a traceback and exited 1 (``tau`` exited 2)."""
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
    """Issue 10: ``--n-middle 20`` tried to allocate 128 TiB; it is refused before anything is built."""
    code, out, err = run_main(capsys, *command, *with_flag(NESS[1:], "--n-middle", "20"))
    assert_one_line_error(code, err)
    line = err.strip()
    assert "argument --n-left/--n-middle/--n-right: " in line
    largest = cli.largest_accepted_qubits(command[-1], n_left=1, n_right=1)
    assert 8 <= largest < 22  # issue 11: chains of 8 qubits, also for tau popcoh
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
    ok = cli.ChainSetup(n_left=1, n_middle=largest - 2, n_right=1)
    too_big = cli.ChainSetup(n_left=1, n_middle=largest - 1, n_right=1)
    assert cli.estimated_bytes(kind, ok) <= cli.MEMORY_LIMIT_BYTES < cli.estimated_bytes(kind, too_big)


@pytest.mark.parametrize("n_left, n_middle, n_right", [(1, 6, 1), (2, 4, 2), (3, 2, 3), (4, 0, 4), (1, 7, 0)])
def test_size_guard_accepts_eight_qubit_chains_for_ness_and_tau_pop(n_left, n_middle, n_right):
    setup = cli.ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
    assert cli.estimated_bytes("ness", setup) <= cli.MEMORY_LIMIT_BYTES
    assert cli.estimated_bytes("pop", setup) <= cli.MEMORY_LIMIT_BYTES
    assert cli.estimated_bytes("pop", setup, blocks="left") <= cli.MEMORY_LIMIT_BYTES


@pytest.mark.parametrize("n_left, n_middle, n_right", [(1, 2, 1), (2, 2, 2), (3, 0, 3), (1, 4, 1), (2, 3, 2),
                                                       (2, 4, 2), (3, 2, 3), (1, 6, 1)])
def test_size_guard_accepts_the_papers_and_eight_qubit_tau_pop_coh_chains(n_left, n_middle, n_right):
    setup = cli.ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
    assert cli.estimated_bytes("popcoh", setup) <= cli.MEMORY_LIMIT_BYTES


def test_ness_on_an_eight_qubit_chain_runs(capsys):
    code, out, err = run_main(capsys, *with_flag(NESS, "--n-middle", "6"), "--json")
    assert code == 0, err
    assert len(json.loads(out)["populations"]) == 2**8


@pytest.mark.parametrize("extra", [["--json"], []])
def test_closed_pipe_exits_quietly(extra):
    """Issue 10: ``lindblad-sdp ness … --json | head -c 10`` ended in a BrokenPipeError traceback.

    The reader is gone before the CLI writes anything, so the write fails whatever the output's size.
    """
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


# -- issue 12: the published eigenbasis of Figs. A1(c)/A2(c) ---------------------------------------------------

def test_tau_pop_published_eigenbasis_flips_the_figa2c_verdict(capsys):
    """Fig. A2(c) at g = 1e-3, β_R = 10: the published value ≈ 2e-4 (docs/conventions.md) with
    ``--eigenbasis published``, 9.6e-7 < δ_tol in the energy basis (the default)."""
    base = ["tau", "pop", "--n-left", "2", "--n-middle", "2", "--n-right", "2", "--g", "0.001", "--beta-left", "1",
            "--beta-right", "10", "--bias", "0.01", "--json"]
    runs = {}
    for basis in ("energy", "published"):
        code, out, err = run_main(capsys, *base, "--eigenbasis", basis)
        assert code == 0, err
        runs[basis] = json.loads(out)
    assert runs["published"]["eigenbasis"] == "published"
    assert runs["published"]["certified"] and runs["published"]["verdict"] == "impossible"
    assert 1.5e-4 < runs["published"]["lower"] <= runs["published"]["upper"] < 2.5e-4
    assert runs["energy"]["upper"] < 1e-6 and "eigenbasis" not in runs["energy"]


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
