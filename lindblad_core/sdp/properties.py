r"""Other properties as SDPs: ask the SDP of Eqs. (29)/(33) a different question, one piece at a time.

The variables are always those of Eq. (23) — Γ_b ⪰ 0 and the Lamb shift H_LS^(b) on each bath block — so every
candidate obeys the **local conservation laws** of Eq. (22) by construction (:class:`LocalConservation` only names
the blocks). A *property* is a set of linear conditions on L2' that a physically consistent Lindbladian should meet:

* :class:`Populations` — <E_k|L2'(ρ0)|E_k> = 0 for every level: the leading-order NESS populations of the
  Redfield equation (Eqs. (25), (28));
* :class:`Coherences` — L2'(ρ0)_αν = L2(ρ0)_αν for all, or a chosen subset of, the energy-basis pairs α ≠ ν: the
  leading-order coherences (Eq. (27));
* :class:`Thermalization` — <E_k|L2'(ρ_β)|E_k> = 0 at the Gibbs state ρ_β ∝ e^{−β H_S} (optionally all of
  L2'(ρ_β) = 0): the question of Tupkary, Dhar, Kulkarni and Purkayastha, PRA 107, 062216 (2023);
* :class:`Current` — the leading-order steady-state particle or energy current through a bond equals the Redfield
  one (:mod:`.currents`).

:func:`tau_property` minimises a norm of the *objective* properties' residuals subject to the *constraint*
properties (residual 0, or Σ|r| ≤ ``constraint_tol`` each), Γ_b ⪰ 0 and Tr Γ_b = t_b, through the solver chain
of :func:`~lindblad_core.sdp.solve.solve_with_certificates`. Entry properties at the same state (Populations,
Coherences) are measured together, as entries of one matrix L2'(ρ) − T: under the spectral norm, Populations +
Coherences("all") is τ^pop,coh of Eq. (32), and under the l1 norm Populations alone is τ^pop of Eq. (28).

What is certified
-----------------
Two combinations are exactly the SDPs of the paper and are certified by :mod:`lindblad_core.certify`
(``PropertyResult.certificate``):

* ``"tau_pop"`` — a single populations-type objective (Populations, or Thermalization without coherences),
  norm "l1", no constraints, fixed traces: lower bound from the multipliers of the l1 epigraph
  (:func:`~lindblad_core.certify.pop.pop_lower_bound`), upper bound at the projected Γ
  (:func:`~lindblad_core.certify.pop.pop_upper_bound`);
* ``"tau_pop_coh"`` — all d² entries of one state (Populations + Coherences("all"), or Thermalization with
  coherences), norm "spectral" or "l2", no constraints: :mod:`lindblad_core.certify.popcoh` (free trace:
  :mod:`lindblad_core.certify.free_trace`).

Every other combination (a subset of coherences, currents, constraints, mixed objectives) is **not certified**:
``lower`` is the solver's optimal value and ``upper`` the objective at its candidate projected onto Γ_b ⪰ 0,
Tr Γ_b = t_b, both in plain floating point; ``certified`` is then False whatever the interval, and with
constraints the candidate meets them only to the solver's tolerance (``options["constraint_violation"]``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from lindblad_core.certify.arithmetic import U
from lindblad_core.certify.feasible import data_rtol, psd_project
from lindblad_core.certify.free_trace import free_trace_lower_bound
from lindblad_core.certify.pop import population_coefficient_errors, pop_lower_bound, pop_upper_bound
from lindblad_core.certify.popcoh import coh_data, coh_dual_estimate, coh_lower_bound, coh_upper_bound
from lindblad_core.lindblad.ansatz import traceless_hermitian_basis
from lindblad_core.lindblad.candidate import LindbladCandidate
from lindblad_core.redfield_equation import l2, populations
from lindblad_core.sdp.currents import CURRENT_KINDS, bond_charge, current_functional
from lindblad_core.sdp.lamb_shift import LAMB_NOISE_RTOL, lamb_shift_selection
from lindblad_core.sdp.lemma1 import lemma1_alpha
from lindblad_core.sdp.pop_dual import population_coefficients, population_flux
from lindblad_core.sdp.popcoh import target_norm
from lindblad_core.sdp.problem import as_traces, resolve
from lindblad_core.sdp.property_problem import (MAX_MATRIX_ENTRIES, NORMS, PropertyProblem, Rows, current_rows,
                                                dissipator_entries, group_columns, lamb_entries)
from lindblad_core.sdp.result import DELTA_TOL, TauResult
from lindblad_core.sdp.solve import CLARABEL_TIGHT, solve_with_certificates
from lindblad_core.systems.symmetry import gamma_groups, u1_structure

__all__ = ["Populations", "Coherences", "Thermalization", "Current", "LocalConservation", "PropertyResult",
           "tau_property", "gibbs_populations"]


@dataclass(frozen=True)
class Populations:
    """<E_k|L2'(ρ0)|E_k> = 0 for every level k (Eq. (25)): the Redfield NESS populations at leading order."""


@dataclass(frozen=True)
class Coherences:
    """L2'(ρ0)_αν = L2(ρ0)_αν (Eq. (27)) on ``entries``: "all" pairs α ≠ ν, or a sequence of (α, ν) level
    indices (ascending energies; each pair also fixes (ν, α), the matrices being Hermitian)."""

    entries: object = "all"


@dataclass(frozen=True)
class Thermalization:
    r"""<E_k|L2'(ρ_β)|E_k> = 0 at ρ_β = e^{−β(H_S − μQ)}/Z: Eq. (25) at equal temperatures, the condition for the
    NESS to be the Gibbs state at leading order (Tupkary et al. 2023). ``beta``: None for the baths' common β
    (an error when they differ); μ is the baths' common chemical potential (Q the U(1) charge when μ ≠ 0).
    ``coherences=True`` asks for all of L2'(ρ_β) = 0: the Gibbs state stationary at order ε² as well."""

    beta: float | None = None
    coherences: bool = False


@dataclass(frozen=True)
class Current:
    """The ε² coefficient of the NESS current through ``bond`` (``kind`` "particle" or "energy",
    :mod:`.currents`) equals the Redfield one. Evaluated at ρ0: it is the Lindbladian's own current when its
    populations are those of ρ0 (impose :class:`Populations` as a constraint). ``weight`` scales the residual.
    The Lamb shift enters as i Tr([H_LS, Q_A] ρ0): zero for the particle current of a U(1) system, but for the
    energy current any H_LS not commuting with the block's part of H_A moves it, without bound in Eq. (23) — check
    such a candidate at finite ε (``candidate.to_qutip``)."""

    bond: int
    kind: str = "particle"
    weight: float = 1.0


@dataclass(frozen=True)
class LocalConservation:
    """Eq. (22): Lindblad operators and Lamb shift act only on ``blocks`` (Eq. (23)). Always imposed — it is the
    ansatz; this piece only chooses the blocks (as ``blocks=`` of :func:`tau_property`)."""

    blocks: object = None


PIECES = (Populations, Coherences, Thermalization, Current, LocalConservation)


@dataclass(frozen=True, eq=False)
class PropertyResult(TauResult):
    """A :class:`~lindblad_core.sdp.result.TauResult` of :func:`tau_property` (``quantity="tau_property"``).

    Attributes
    ----------
    certificate : "tau_pop", "tau_pop_coh" or None
        Which certified SDP the question is (module docstring); None: ``lower`` and ``upper`` are the solver's
        value and the float objective at its projected candidate, and ``certified`` is False.
    (others) : as for TauResult

    Examples
    --------
    >>> import lindblad_core as lc
    >>> res = tau_property(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5),
    ...                    [Coherences([(1, 2)])], norm="l2")
    >>> res.certificate, res.certified
    (None, False)
    """

    certificate: str | None = None

    @property
    def certified(self) -> bool:
        return self.certificate is not None and TauResult.certified.fget(self)

    def explain(self, tol: float = DELTA_TOL) -> str:
        if self.certificate is not None:
            return super().explain(tol)
        return (f"{self.verdict(tol)} by the solver's numbers, NOT certified: solver value {self.lower:.3g}, "
                f"objective at its projected candidate {self.upper:.3g}, against delta_tol = {tol:g}")


def gibbs_populations(open_system, beta: float, mu: float = 0.0) -> np.ndarray:
    r"""p_k ∝ exp(−β(E_k − μ Q_k)) in the energy basis (ascending energies), Q the U(1) charge (used when μ ≠ 0)."""
    x = -beta * np.asarray(open_system.energies, float)
    if mu != 0.0:
        if not open_system.conserves_charge():
            raise ValueError("a chemical potential mu != 0 needs an H_S that conserves the charge Q")
        v = open_system.eigenvectors
        x = x + beta * mu * np.real(np.einsum("ia,i,ia->a", v.conj(), open_system.charge, v))
    w = np.exp(x - np.max(x))
    return w / np.sum(w)


class _Context:
    """The system, its Redfield equation and ansatz, and the states properties refer to (computed once)."""

    def __init__(self, red, ansatz):
        self.red, self.ansatz, self.system, self.d = red, ansatz, red.system, red.dim
        self._states = {}

    def state(self, key):
        """(p, target T (d×d), (η_p, η_V)) of the state ``key``: ("redfield",) or ("gibbs", β, μ)."""
        if key not in self._states:
            if key[0] == "redfield":
                p = populations(self.red)
                tmat = l2(self.red, np.diag(p).astype(complex), basis="energy")
                np.fill_diagonal(tmat, 0.0)  # Eq. (14): zero by construction of ρ0 (rounding left out)
                eta = data_rtol(self.red)
            else:
                _, beta, mu = key
                p = gibbs_populations(self.system, beta, mu)
                tmat = np.zeros((self.d, self.d), complex)
                spread = float(np.max(np.abs(self.system.energies)))  # first-order estimate, like data_rtol
                eta = ((self.d + 8) * U + 2 * beta * (self.d * U * spread), self.system.eigenvector_error)
            self._states[key] = (p, tmat, eta)
        return self._states[key]


def _terms(piece, ctx: _Context) -> list[tuple]:
    """A piece as ("entries", state key, mask) and ("current", charge Q, weight) terms."""
    d = ctx.d
    if isinstance(piece, Populations):
        return [("entries", ("redfield",), np.eye(d, dtype=bool))]
    if isinstance(piece, Coherences):
        mask = ~np.eye(d, dtype=bool)
        if not (isinstance(piece.entries, str) and piece.entries == "all"):
            try:
                pairs = np.array([tuple(int(i) for i in pair) for pair in piece.entries], dtype=int).reshape(-1, 2)
            except (TypeError, ValueError):
                pairs = None
            if pairs is None or not len(pairs) or np.any(pairs < 0) or np.any(pairs >= d) or np.any(
                    pairs[:, 0] == pairs[:, 1]):
                raise ValueError(f"Coherences.entries must be 'all' or a non-empty sequence of level pairs (a, n) "
                                 f"with a != n in [0, {d - 1}], got entries={piece.entries!r}")
            mask = np.zeros((d, d), dtype=bool)
            mask[pairs[:, 0], pairs[:, 1]] = mask[pairs[:, 1], pairs[:, 0]] = True
        return [("entries", ("redfield",), mask)]
    if isinstance(piece, Thermalization):
        betas = {b.beta for b in ctx.system.baths}
        mus = {b.mu for b in ctx.system.baths}
        if len(mus) != 1:
            raise ValueError(f"Thermalization needs baths with one chemical potential, got mu = {sorted(mus)}")
        beta = piece.beta
        if beta is None:
            if len(betas) != 1:
                raise ValueError("Thermalization.beta must be given when the baths' temperatures differ "
                                 f"(beta = {sorted(betas)})")
            beta = betas.pop()
        if not (np.isfinite(beta) and beta > 0):
            raise ValueError(f"Thermalization.beta must be finite and > 0, got beta={piece.beta!r}")
        mask = np.ones((d, d), dtype=bool) if piece.coherences else np.eye(d, dtype=bool)
        return [("entries", ("gibbs", float(beta), mus.pop()), mask)]
    if isinstance(piece, Current):
        if not (np.isfinite(piece.weight) and piece.weight > 0):
            raise ValueError(f"Current.weight must be finite and > 0, got weight={piece.weight!r}")
        if piece.kind not in CURRENT_KINDS:
            raise ValueError(f"Current.kind must be one of {CURRENT_KINDS}, got kind={piece.kind!r}")
        return [("current", bond_charge(ctx.system, piece.bond, piece.kind), float(piece.weight))]
    if isinstance(piece, LocalConservation):
        return []
    raise ValueError(f"a property must be one of {[p.__name__ for p in PIECES]}, got {piece!r}")


def _as_pieces(pieces, name: str) -> tuple:
    pieces = (pieces,) if isinstance(pieces, PIECES) else tuple(pieces)
    for p in pieces:
        if not isinstance(p, PIECES):
            raise ValueError(f"{name} must be a property or a sequence of them ({[c.__name__ for c in PIECES]}), "
                             f"got {p!r}")
    return pieces


def _assemble(ctx: _Context, objective, constraints, structure):
    """The :class:`Rows` of all properties (entry terms merged per role and state, currents one row each), the
    scales of the Lamb-shift columns, the Lamb-shift directions per state, and the state of each entry group."""
    groups = []  # (name, role, state key or None, mask or charge, weight)
    for role, pieces in (("objective", objective), ("constraint", constraints)):
        merged = {}
        for piece in pieces:
            for kind, what, extra in _terms(piece, ctx):
                if kind == "entries":
                    merged[what] = merged.get(what, False) | extra
                else:
                    groups.append((f"{role}: current {len(groups)}", role, None, what, extra))
        groups += [(f"{role}: entries at {key}", role, key, mask, 1.0) for key, mask in merged.items()]
    ansatz, d = ctx.ansatz, ctx.d
    sizes = tuple(f.shape[0] for f in ansatz.operators)
    n_rows = sum(int(np.sum(g[3])) if g[2] is not None else 1 for g in groups)
    if n_rows * sum(m * m for m in sizes) > MAX_MATRIX_ENTRIES:
        raise ValueError(f"the properties need a {n_rows} x {sum(m * m for m in sizes)} matrix, more than "
                         f"MAX_MATRIX_ENTRIES = {MAX_MATRIX_ENTRIES}: ask fewer entries or use lc.tau_pop / "
                         "lc.tau_pop_coh (symmetry-reduced)")
    keys = {g[2] for g in groups if g[2] is not None} | ({("redfield",)} if any(g[2] is None for g in groups) else set())
    keep = [np.zeros(len(hb), dtype=bool) for hb in ansatz.hamiltonian_basis]
    dirs = {}
    if any(g[2] is None or not np.array_equal(g[3], np.eye(d, dtype=bool)) for g in groups):
        for key in keys:  # the Lamb-shift directions resolved at each state (lamb_shift_selection)
            sel, dirs[key] = lamb_shift_selection(ansatz, ctx.state(key)[0])
            keep = [k | s for k, s in zip(keep, sel)]
        if structure is not None:  # the twirl leaves a charge-conserving H_LS (as for τ^pop,coh)
            keep = [k & (hq == 0) for k, hq in zip(keep, ansatz.hamiltonian_charges)]
    gamma_grps = tuple(gamma_groups(q, by_charge=structure is not None) for q in ansatz.charges)
    columns = [group_columns(m, grp) for m, grp in zip(sizes, gamma_grps)]
    lamb_index = tuple((b, int(h)) for b, k in enumerate(keep) for h in np.flatnonzero(k))
    blocks_out, lamb_out, units, targets, real, slices, positions, start = [], [], [], [], [], [], {}, 0
    for name, role, key, what, weight in groups:
        if key is None:  # a current at ρ0
            p, tmat, _ = ctx.state(("redfield",))
            parts = [current_rows(f, hb[k], p, what) for f, hb, k in zip(ansatz.operators, ansatz.hamiltonian_basis, keep)]
            blocks_out.append([weight * r[None] for r, _ in parts])
            lamb_out.append(weight * np.concatenate([lb for _, lb in parts])[None])
            targets.append([weight * current_functional(what, l2(ctx.red, np.diag(p).astype(complex), basis="energy"))])
            real.append([True])
            units.append([weight * np.sqrt(np.sum(np.abs(what) ** 2))])
            n = 1
        else:
            p, tmat, _ = ctx.state(key)
            flat = np.flatnonzero(what.ravel())
            i, j = np.divmod(flat, d)
            blocks_out.append([dissipator_entries(f, p, i, j) for f in ansatz.operators])
            lamb_out.append(np.concatenate([lamb_entries(hb[k], p, i, j) for hb, k in
                                            zip(ansatz.hamiltonian_basis, keep)], axis=1))
            targets.append(tmat.ravel()[flat])
            real.append(i == j)
            positions[name] = flat
            units.append(np.ones(len(flat)))
            n = len(flat)
        slices.append((name, slice(start, start + n), role))
        start += n
    lamb = np.concatenate(lamb_out, axis=0)
    # A direction i[ρ, B_h] whose rows are rounding noise of its size (‖i D∘B_h‖_F over all entries; a current
    # row counted in units of ‖Q‖_F) is not a direction of these rows (LAMB_NOISE_RTOL, as for τ^pop,coh): the
    # solver would scale it up without bound.
    basis = [hb[k] for hb, k in zip(ansatz.hamiltonian_basis, keep)]
    size = np.zeros(lamb.shape[1])
    for key in keys:
        p = ctx.state(key)[0]
        dmat = p[:, None] - p[None, :]
        size = np.maximum(size, np.concatenate([np.sqrt(np.sum(np.abs(b * dmat) ** 2, axis=(1, 2))) for b in basis]))
    reach = np.sqrt(np.sum(np.abs(lamb / np.concatenate(units)[:, None]) ** 2, axis=0))
    live = np.flatnonzero(reach > LAMB_NOISE_RTOL * size)
    scale = np.sqrt(np.sum(np.abs(lamb[:, live]) ** 2, axis=0))
    matrix = np.hstack([np.vstack([b[k] for b in blocks_out])[:, cols] for k, cols in enumerate(columns)]
                       + [lamb[:, live] / scale])
    rows = Rows(matrix, np.concatenate(targets).astype(complex), np.concatenate(real).astype(bool), tuple(slices),
                positions, gamma_grps, sizes, tuple(lamb_index[c] for c in live))
    return rows, scale, dirs, {g[0]: g[2] for g in groups}


def _full_thetas(rows: Rows, scale, r, ansatz) -> list[np.ndarray]:
    """Lamb-shift coordinates on each block's whole traceless basis from the solver's scaled r."""
    thetas = [np.zeros(len(hb)) for hb in ansatz.hamiltonian_basis]
    for (b, h), x in zip(rows.lamb_index, np.asarray(r, float) / scale):
        thetas[b][h] = x
    return thetas


def _candidate(ansatz, gammas, thetas) -> LindbladCandidate:
    hams = tuple(np.tensordot(t, traceless_hermitian_basis(blk.dim), axes=1) for t, blk in zip(thetas, ansatz.blocks))
    return LindbladCandidate(ansatz, tuple(gammas), hams, tuple(thetas))


def _objective_value(rows: Rows, r: np.ndarray, norm: str, d: int) -> float:
    obj = r[rows.rows_of("objective")]
    if norm == "l1":
        return float(np.sum(np.abs(obj)))
    if norm == "l2":
        return float(np.sqrt(np.sum(np.abs(obj) ** 2)))
    x = np.zeros(d * d, complex)
    x[np.concatenate([rows.positions[n] for n, _, role in rows.groups if role == "objective"])] = obj
    x = x.reshape(d, d)
    return float(np.max(np.abs(np.linalg.eigvalsh(0.5 * (x + x.conj().T)))))


def tau_property(system, objective, constraints=(), *, blocks=None, norm: str = "l1", trace=1.0,
                 constraint_tol: float = 0.0, solver: str | None = None, symmetry: bool = True) -> PropertyResult:
    r"""min ‖residual of ``objective``‖ over the Lindbladians of Eq. (23) that meet ``constraints``.

    Parameters
    ----------
    system : OpenSystem or ChainSetup
    objective : property or sequence of properties
        :class:`Populations`, :class:`Coherences`, :class:`Thermalization`, :class:`Current` (at least one);
        :class:`LocalConservation` only names the blocks. Entry properties at one state are merged (module
        docstring); a current adds one row.
    constraints : sequence of properties
        Each must hold: residual 0 (``constraint_tol`` = 0), or Σ_k |r_k| ≤ ``constraint_tol`` per property.
    blocks : as for :func:`lindblad_core.sdp.tau_pop` (or a :class:`LocalConservation` piece)
    norm : {"l1", "l2", "spectral"}
        Of the stacked objective residual: Σ|r_k| (Eq. (28)), its Euclidean norm, or (entries of one state
        only) the spectral norm of L2'(ρ) − T restricted to them (Eq. (32)).
    trace : float, sequence of float, or None
        Tr Γ_b (1 in Eqs. (29), (33)); None leaves it free (meaningful only with a non-zero target).
    constraint_tol : float
        ≥ 0, see ``constraints``.
    solver : None or str
        As for :func:`lindblad_core.sdp.tau_pop_coh` (the default chain without "IPM").
    symmetry : bool
        Under the U(1) structure (:func:`~lindblad_core.systems.symmetry.u1_structure`) split Γ_b by charge and
        the spectral norm by sector (exact; the certificates evaluate the full problem).

    Returns
    -------
    PropertyResult
        ``quantity="tau_property"``, the interval, ``certificate`` (which certified SDP the question is, or
        None: not certified), the ``candidate`` and ``options`` (properties, norm, blocks, traces,
        ``constraint_violation``: Σ|r| of the worst constraint at the candidate).

    Examples
    --------
    The question of Tupkary et al. (2023): a 3-qubit XXZ chain whose first qubit touches a bath at β = 1. No
    Lindbladian of Eq. (23) thermalises it, and the certified bound says by how much:

    >>> import lindblad_core as lc
    >>> from lindblad_core.sdp.properties import Thermalization, tau_property
    >>> res = tau_property(lc.ChainSetup(n_left=1, n_middle=2, n_right=0, g=0.1, beta_left=1.0), Thermalization())
    >>> res.certificate, res.certified, res.verdict()
    ('tau_pop', True, 'impossible')
    >>> round(res.lower, 4)
    0.0134
    """
    t_start = time.perf_counter()
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got norm={norm!r}")
    if not (np.isfinite(constraint_tol) and constraint_tol >= 0):
        raise ValueError(f"constraint_tol must be finite and >= 0, got constraint_tol={constraint_tol!r}")
    objective, constraints = _as_pieces(objective, "objective"), _as_pieces(constraints, "constraints")
    if not any(not isinstance(p, LocalConservation) for p in objective):
        raise ValueError("objective must hold at least one property other than LocalConservation")
    named = [p.blocks for p in objective + constraints if isinstance(p, LocalConservation) and p.blocks is not None]
    named += [] if blocks is None else [blocks]
    if any(b != named[0] for b in named):
        raise ValueError(f"blocks are named twice and differently: blocks={blocks!r}, LocalConservation {named}")
    red, ansatz = resolve(system, named[0] if named else None)
    traces = None if trace is None else as_traces(ansatz.blocks, trace)
    ctx = _Context(red, ansatz)
    structure = u1_structure(red.system) if symmetry else None
    rows, lamb_scale, dirs, states = _assemble(ctx, objective, constraints, structure)
    obj_groups = [g for g in rows.groups if g[2] == "objective"]
    entry_obj = [g for g in obj_groups if g[0] in rows.positions]
    if norm == "spectral" and (len(entry_obj) != 1 or len(obj_groups) != 1):
        raise ValueError("norm='spectral' needs the objective to be entries of one state (Populations, Coherences "
                         "or one Thermalization), without currents")
    positions = rows.positions[entry_obj[0][0]] if norm == "spectral" else None
    problem = PropertyProblem(rows, norm, traces, constraint_tol, ctx.d, positions,
                              None if structure is None else structure.sectors())
    setup_s = time.perf_counter() - t_start

    certificate, key = None, None
    if len(obj_groups) == 1 and len(entry_obj) == 1 and not rows.rows_of("constraint").size:
        key = states[entry_obj[0][0]]
        flat = rows.positions[entry_obj[0][0]]
        diag_only = np.array_equal(flat, np.arange(ctx.d) * (ctx.d + 1))
        if norm == "l1" and diag_only and traces is not None:
            certificate = "tau_pop"
        elif norm in ("spectral", "l2") and len(flat) == ctx.d ** 2:
            certificate = "tau_pop_coh"
    nb = len(ansatz.blocks)
    fixed = traces if traces is not None else (None,) * nb

    if certificate == "tau_pop":
        p, _, (eta_p, eta_v) = ctx.state(key)
        coeffs, coeff_err = population_coefficients(ansatz, p), population_coefficient_errors(ansatz, p)
        data_error = lemma1_alpha(ansatz.blocks, traces) * (eta_p + 2 * eta_v)
        scale = population_flux(red, p)

        def certify():
            y = problem.population_dual()
            lower = 0.0 if y is None else max(pop_lower_bound(coeffs, coeff_err, s * np.clip(y, -1, 1), traces)
                                              for s in (1.0, -1.0))
            gammas, _ = problem.point()
            upper, stored = pop_upper_bound(coeffs, coeff_err, [psd_project(g, t) for g, t in zip(gammas, traces)],
                                            traces)
            cand = None if stored is None else _candidate(ansatz, stored, [np.zeros(len(h)) for h in ansatz.hamiltonian_basis])
            return max(0.0, lower), upper, cand, data_error
    elif certificate == "tau_pop_coh":
        p, tmat, eta = ctx.state(key)
        cnorm = "spectral" if norm == "spectral" else "frobenius"
        data = coh_data(ansatz, p, tmat, traces or (1.0,) * nb, cnorm, traces is None, eta, dirs[key], ())
        scale = target_norm(tmat, cnorm)

        def certify():
            gammas, r = problem.point()
            upper, stored, data_error = coh_upper_bound([psd_project(g, t) for g, t in zip(gammas, fixed)],
                                                        _full_thetas(rows, lamb_scale, r, ansatz), data)
            cand = None if stored is None else _candidate(ansatz, stored, _full_thetas(rows, lamb_scale, r, ansatz))
            z = problem.matrix_dual()
            if z is None:
                return 0.0, upper, cand, data_error
            z = max((z, z.T, -z, -z.T), key=lambda v: coh_dual_estimate(v, data))
            bound = free_trace_lower_bound if traces is None else coh_lower_bound
            return bound(z, data), upper, cand, data_error
    else:
        currents = [g for g in obj_groups if g[0] not in rows.positions]
        scale = (abs(float(np.real(rows.target[currents[0][1]][0]))) if len(obj_groups) == 1 and currents
                 else float("nan"))

        def certify():
            gammas, r = problem.point()
            gammas = [psd_project(g, t) for g, t in zip(gammas, fixed)]
            thetas = _full_thetas(rows, lamb_scale, r, ansatz)
            upper = _objective_value(rows, rows.residual(gammas, r), norm, ctx.d)
            value = problem.value
            lower = float(value) if value is not None and np.isfinite(value) else 0.0
            return min(lower, upper), max(lower, upper), _candidate(ansatz, gammas, thetas), 0.0

    data_scale = max([float(np.max(np.abs(rows.target), initial=0.0))] + list(traces or ()))
    out = solve_with_certificates(problem, solver, certify, clarabel=CLARABEL_TIGHT if certificate == "tau_pop" else None,
                                  scale=data_scale)
    violation = 0.0
    if out.candidate is not None and rows.rows_of("constraint").size:
        gammas = out.candidate.gammas
        r = np.zeros(len(rows.lamb_index))
        for c, (b, h) in enumerate(rows.lamb_index):
            r[c] = out.candidate.lamb_shift_coordinates[b][h] * lamb_scale[c]
        res = rows.residual(gammas, r)
        violation = max(float(np.sum(np.abs(res[sl]))) for _, sl, role in rows.groups if role == "constraint")
    options = {"objective": [repr(p) for p in objective], "constraints": [repr(p) for p in constraints],
               "norm": norm, "blocks": [b.sites for b in ansatz.blocks], "traces": list(traces or ()),
               "free_trace": traces is None, "constraint_tol": constraint_tol, "certificate": certificate,
               "constraint_violation": violation, "attempts": out.attempts}
    return PropertyResult("tau_property", out.value, out.lower, out.upper, out.status, out.solver, out.seconds,
                          setup_s, out.candidate, options, reason=out.reason, data_error=out.data_error, scale=scale,
                          certificate=certificate)
