r"""One Lindbladian of the ansatz of Eq. (23) — a *candidate* — and what can be computed from it without a
solver: L2'(ρ), its super-operator, its population block (Eq. (B5)), its NESS, the checks of Sec. II.D.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lindblad_core.lindblad.ansatz import Ansatz, _block_basis, _embed, traceless_hermitian_basis
from lindblad_core.solvers.markov import stationary_populations
from lindblad_core.redfield_equation import (Redfield, populations, second_order_coherences,
                                            validated_epsilon)
from lindblad_core.systems.fermionic import golden_rule_rates
from lindblad_core.systems.open_system import embed
from lindblad_core.systems.operators import SIGMA_MINUS, SIGMA_PLUS, SIGMA_Z, site_operator

__all__ = ["LindbladCandidate", "l2_prime", "lindblad_superoperator", "candidate_rate_matrix",
           "local_lindblad_candidate", "CandidateCheck", "candidate_populations", "check_candidate",
           "population_rates"]


@dataclass(frozen=True, eq=False)
class LindbladCandidate:
    """One Lindbladian of the form of Eq. (23): per block a Γ ⪰ 0 and a Hermitian H_LS (block space).

    ``gammas[b]`` is (4^n − 1) × (4^n − 1) in the basis order of :func:`_block_basis`; ``hamiltonians[b]``
    is 2^n × 2^n in the block's computational basis. ``lamb_shift_coordinates[b]`` (optional) are the
    coordinates θ of H_LS on :func:`traceless_hermitian_basis`, i.e. of H_LS ⊗ I on ``Ansatz.hamiltonian_basis``:
    the SDPs certify the candidate in these coordinates (``hamiltonians`` is their rounded sum), and the
    energy-basis Lamb shift is then Σ_i θ_i B_i.
    """

    ansatz: Ansatz
    gammas: tuple[np.ndarray, ...]
    hamiltonians: tuple[np.ndarray, ...]
    lamb_shift_coordinates: tuple[np.ndarray, ...] | None = None

    def __post_init__(self):
        for b, g, h in zip(self.ansatz.blocks, self.gammas, self.hamiltonians):
            if g.shape != (b.n_operators,) * 2 or h.shape != (b.dim,) * 2:
                raise ValueError(f"block {b.name or b.sites}: Gamma must be {b.n_operators}x{b.n_operators} "
                                 f"and H_LS {b.dim}x{b.dim}")

    @property
    def traces(self) -> tuple[float, ...]:
        return tuple(float(np.real(np.trace(g))) for g in self.gammas)

    @property
    def min_eigenvalues(self) -> tuple[float, ...]:
        """λ_min(Γ_b): ≥ 0 for a completely positive generator."""
        return tuple(float(np.linalg.eigvalsh(0.5 * (g + g.conj().T))[0]) for g in self.gammas)

    def lamb_shift_energy_basis(self, b: int) -> np.ndarray:
        """H_LS ⊗ I of block b in the energy basis (Σ_i θ_i B_i when coordinates are given)."""
        if self.lamb_shift_coordinates is not None:
            return np.tensordot(np.asarray(self.lamb_shift_coordinates[b], float), self.ansatz.hamiltonian_basis[b],
                                axes=1)
        system = self.ansatz.system
        h = np.asarray(self.hamiltonians[b], dtype=complex)
        return system.to_energy_basis(_embed(h[None], self.ansatz.blocks[b].sites, system.dims)[0])

    def to_qutip(self, epsilon: float = 1.0):
        r"""The candidate's Liouvillian L0 + ε² L2' (Eqs. (18), (23)) as a ``qutip`` super-operator.

        L0(ρ) = i[ρ, H_S]; L2' has the Lamb shifts H_LS and the dissipators of Γ = Σ_j w_j v_j v_j† with
        jump operators L_j = Σ_α (v_j)_α F_α (``qutip.lindblad_dissipator`` weighted by w_j, so a Γ with
        rounding-size negative eigenvalues is represented as it is). Computational basis, ``dims`` of the
        system, QuTiP's column-stacking convention: ``qutip.steadystate`` and ``qutip.mesolve`` take it as is.

        Parameters
        ----------
        epsilon : float
            System–bath coupling ε > 0 (1: L0 + L2'), with ε² a normal double
            (:func:`~lindblad_core.redfield_equation.validated_epsilon`) and ε² L2' finite.
        """
        import qutip

        epsilon = validated_epsilon(epsilon)
        system = self.ansatz.system
        dims = [list(system.dims), list(system.dims)]
        h = np.array(system.hamiltonian, dtype=complex)
        sup = None
        for b, (f, g) in enumerate(zip(self.ansatz.operators, self.gammas)):
            h = h + epsilon**2 * system.to_computational_basis(self.lamb_shift_energy_basis(b))
            w, v = np.linalg.eigh(0.5 * (g + g.conj().T))
            jumps = system.to_computational_basis(np.tensordot(v.T, f, axes=(1, 0)))
            # the largest entry of ε² w_j D[L_j] is ~ε² |w_j| max|L_j|²
            if not (np.all(np.isfinite(h)) and np.isfinite(epsilon**2 * np.max(np.abs(w), initial=0.0)
                                                          * np.max(np.abs(jumps), initial=0.0) ** 2)):
                raise ValueError(f"epsilon={epsilon!r} is too large: epsilon**2 L2' overflows")
            for wj, lj in zip(w, jumps):
                if wj != 0.0:
                    term = epsilon**2 * wj * qutip.lindblad_dissipator(qutip.Qobj(lj, dims=dims))
                    sup = term if sup is None else sup + term
        liouvillian = qutip.liouvillian(qutip.Qobj(0.5 * (h + h.conj().T), dims=dims))
        return liouvillian if sup is None else liouvillian + sup


def l2_prime(candidate: LindbladCandidate, rho: np.ndarray) -> np.ndarray:
    """L2'(ρ) of Eq. (23) for ρ in the energy basis (numpy, exact; no solver involved)."""
    out = np.zeros_like(rho, dtype=complex)
    for b, (f, g) in enumerate(zip(candidate.ansatz.operators, candidate.gammas)):
        h = candidate.lamb_shift_energy_basis(b)
        out += 1j * (rho @ h - h @ rho)
        # Σ_ab Γ_ab F_b ρ F_a† = Σ_a G_a ρ F_a† with G_a = Σ_b Γ_ab F_b
        g_ops = np.tensordot(g, f, axes=(1, 0))
        fd = np.conj(np.swapaxes(f, 1, 2))
        out += np.sum(g_ops @ rho @ fd, axis=0)
        anti = np.sum(fd @ g_ops, axis=0)  # Σ_ab Γ_ab F_a† F_b
        out -= 0.5 * (anti @ rho + rho @ anti)
    return out


def candidate_rate_matrix(candidate: LindbladCandidate) -> np.ndarray:
    """C[k, a] = <E_k|L2'(|E_a><E_a|)|E_k> (Eq. (B5)): the population block of a candidate (H_LS drops out)."""
    d = candidate.ansatz.system.dim
    c = np.zeros((d, d))
    for f, g in zip(candidate.ansatz.operators, candidate.gammas):
        g_ops = np.tensordot(g, f, axes=(1, 0))  # G_a = Σ_b Γ_ab F_b
        c += np.real(np.sum(f.conj() * g_ops, axis=0))  # Σ_ab Γ_ab conj(F_a[k,a']) F_b[k,a']
        c -= np.diag(np.real(np.sum(f.conj() * g_ops, axis=(0, 1))))  # (Σ Γ_ab F_a†F_b)_kk
    return c


def lindblad_superoperator(candidate: LindbladCandidate) -> np.ndarray:
    """L2' as a d²×d² matrix (energy basis, row-major vec), for steady states of candidates."""
    d = candidate.ansatz.system.dim
    eye = np.eye(d)
    sup = np.zeros((d * d, d * d), dtype=complex)
    for b, (f, g) in enumerate(zip(candidate.ansatz.operators, candidate.gammas)):
        h = candidate.lamb_shift_energy_basis(b)
        sup += 1j * (np.kron(eye, h.T) - np.kron(h, eye))
        w, v = np.linalg.eigh(0.5 * (g + g.conj().T))  # Γ = Σ_j w_j v_j v_j†: jump ops L_j = Σ_b v_bj F_b
        jumps = np.tensordot(v.T, f, axes=(1, 0))
        for wj, lj in zip(w, jumps):
            if wj == 0.0:
                continue
            ldl = lj.conj().T @ lj
            sup += wj * (np.kron(lj, lj.conj()) - 0.5 * np.kron(ldl, eye) - 0.5 * np.kron(eye, ldl.T))
    return sup


def local_lindblad_candidate(ansatz: Ansatz, red, *, trace: float | None = 1.0) -> LindbladCandidate:
    r"""The standard local Lindblad equation as a point of Eq. (23).

    Each bath site ℓ gets jump operators σ−^(ℓ) and σ+^(ℓ) with the local rates J(ω_ℓ)(n(ω_ℓ)+1) and
    J(ω_ℓ) n(ω_ℓ) (J(ω_ℓ)(1 − f(ω_ℓ − μ)) and J(ω_ℓ) f(ω_ℓ − μ) for a fermionic lead) at the bare on-site
    splitting ω_ℓ = Tr[σz^(ℓ) H_S] / 2^{N−1} (the level spacing of site ℓ with the rest of the chain traced
    out: h_ℓ for ``field="projector"``, 2 h_ℓ for ``"sigma_z"``), no Lamb shift. With ``trace`` set, each
    block's Γ is rescaled to Tr Γ = ``trace`` (the normalisation of Eq. (29)).
    """
    system = ansatz.system
    n = system.n_sites
    gammas, hams = [], []
    for b, block in enumerate(ansatz.blocks):
        local, _ = _block_basis(block.n_qubits)
        m = block.n_operators
        gamma = np.zeros((m, m))
        for pos, site in enumerate(block.sites):
            bath = red.baths[system.bath_sites.index(site)]
            omega = np.real(np.trace(site_operator(SIGMA_Z, site, n) @ system.hamiltonian)) / 2 ** (n - 1)
            emission, absorption = (float(r) for r in golden_rule_rates(omega, bath))
            for op, rate in ((SIGMA_MINUS, emission), (SIGMA_PLUS, absorption)):
                # coordinates of σ±^(site) ⊗ I_rest-of-block in the orthonormal basis {f_α, I/√d_b}
                full = np.array([[1.0]])
                for s in block.sites:
                    full = np.kron(full, op if s == site else np.eye(2))
                coords = np.einsum("aij,ij->a", local.conj(), full)  # <f_α, σ>
                # L = σ ⊗ I_rest = √d_rest Σ_α c_α F_α; the identity component is zero for σ±
                d_rest = 2 ** (n - block.n_qubits)
                gamma += rate * d_rest * np.outer(coords.conj(), coords).T
        if trace is not None:
            gamma *= trace / np.trace(gamma)
        gammas.append(gamma)
        hams.append(np.zeros((block.dim, block.dim)))
    return LindbladCandidate(ansatz=ansatz, gammas=tuple(gammas), hamiltonians=tuple(hams))


@dataclass(frozen=True)
class CandidateCheck:
    """Physics of one candidate Lindbladian (Sec. II.D), computed without any solver.

    Attributes
    ----------
    population_l1 : ‖p' − p‖₁ between its zeroth-order NESS p' (C p' = 0, App. B) and the Redfield p.
    finite_epsilon_population_l1 : the same for the exact steady state of L0 + ε² L2' at ``epsilon``.
    coherence_error : max |ρ̄_ε[α≠ν]/ε² − ρ2[α≠ν]| against Eq. (15), relative to max |ρ2|.
    min_gamma_eigenvalue : min over blocks of λ_min(Γ_b) (≥ 0: completely positive).
    continuity_violation : max |Tr[O L2'(X)]| for O in a basis of the traceless observables of every site outside
        the blocks (σx, σy, σz on a qubit; Eq. (22)).
    """

    population_l1: float
    finite_epsilon_population_l1: float
    coherence_error: float
    min_gamma_eigenvalue: float
    continuity_violation: float
    epsilon: float


# Off-diagonal entries of a candidate's population block are rates Σ_ab Γ_ab conj(F_a[k,m]) F_b[k,m] ≥ 0 for
# Γ ⪰ 0; rounding can leave them this far (relative to the largest) below zero, and they are clipped there.
RATE_ROUNDING_RTOL = 1e-12


def population_rates(rate_matrix: np.ndarray) -> np.ndarray:
    """The transition rates (off-diagonal part, ≥ 0) of a population block W; ValueError if an off-diagonal
    entry is negative beyond rounding (not the population block of a completely positive generator)."""
    r = np.array(rate_matrix, dtype=float)
    np.fill_diagonal(r, 0.0)
    top = np.max(np.abs(r), initial=0.0)
    if np.min(r, initial=0.0) < -RATE_ROUNDING_RTOL * top:
        raise ValueError(f"rate_matrix has a negative transition rate {np.min(r):.3g} (largest {top:.3g}): "
                         "not the population block of a completely positive generator")
    return np.clip(r, 0.0, None)


def candidate_populations(candidate: LindbladCandidate) -> np.ndarray:
    """Zeroth-order NESS p' of a candidate: C p' = 0 (Eq. (B8)), by the GTH solver of the Redfield populations
    (:func:`~lindblad_core.solvers.markov.stationary_populations`)."""
    return stationary_populations(population_rates(candidate_rate_matrix(candidate)))


def check_candidate(candidate: LindbladCandidate, red: Redfield, *, epsilon: float = 0.01) -> CandidateCheck:
    """Build L0 + ε² L2' from a candidate and test it against the Redfield NESS."""
    epsilon = validated_epsilon(epsilon)
    system = red.system
    d = system.dim
    p = populations(red)
    p_bar = candidate_populations(candidate)
    e = system.energies
    sup = epsilon**2 * lindblad_superoperator(candidate)
    sup[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()
    sup[0, :] = np.eye(d).ravel()
    rhs = np.zeros(d * d, dtype=complex)
    rhs[0] = 1.0
    rho_eps = np.linalg.solve(sup, rhs).reshape(d, d)
    coh = second_order_coherences(red)
    off = rho_eps - np.diag(np.diag(rho_eps))
    coherence_error = float(np.max(np.abs(off / epsilon**2 - coh)) / max(np.max(np.abs(coh)), 1e-300))
    block_sites = {s for b in candidate.ansatz.blocks for s in b.sites}
    rng = np.random.default_rng(0)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    x = l2_prime(candidate, system.to_energy_basis(a @ a.conj().T))
    viol = 0.0
    for site in range(system.n_sites):
        if site in block_sites:
            continue
        # a basis of the site's traceless observables (σx, σy, σz up to normalisation on a qubit)
        local = traceless_hermitian_basis(system.dims[site]) * np.sqrt(2.0)
        for o in system.to_energy_basis(embed(local, (site,), tuple(system.dims))):
            viol = max(viol, abs(np.trace(o @ x)))
    return CandidateCheck(
        population_l1=float(np.sum(np.abs(p_bar - p))),
        finite_epsilon_population_l1=float(np.sum(np.abs(np.real(np.diag(rho_eps)) - p))),
        coherence_error=coherence_error,
        min_gamma_eigenvalue=min(candidate.min_eigenvalues),
        continuity_violation=float(viol),
        epsilon=epsilon,
    )
