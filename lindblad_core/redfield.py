r"""The Redfield dissipator L2 (Eqs. (38)–(41)), the zeroth-order NESS (App. A) and its coherences (Eq. (15)).

Sign convention (SPEC.md): Eq. (40) as printed is *minus* the physical dissipator. Everything here is the
physical one,

.. math::

    \mathcal L_2(\rho) = -\sum_\ell \left([\rho A_\ell, S_\ell^\dagger] + [S_\ell^\dagger, B_\ell\rho]
        + \mathrm{h.c.}\right), \qquad
    A_\ell = \sum_{\alpha\gamma} |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|
        \,C_\ell(\alpha,\gamma),

(B_ℓ likewise with D_ℓ), so that dρ/dt = i[ρ, H_S] + ε² L2(ρ) is the Redfield equation. "h.c." is read
so that the map is linear and Hermiticity preserving for any argument: L2(X)† = L2(X†).

All arrays are in the energy eigenbasis internally; the public functions take ``basis="computational"``
(default) or ``"energy"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .baths import Bath, coefficients
from .model import System

__all__ = [
    "Redfield",
    "redfield",
    "l2",
    "l2_superoperator",
    "rate_matrix",
    "populations",
    "rho0",
    "second_order_coherences",
    "steady_state",
    "COUPLING_ATOL",
    "SUPEROPERATOR_MAX_DIM",
]

# Matrix elements <E_α|S_ℓ|E_γ> below this are rounding noise of the eigensolver (exact zeros by
# magnetisation conservation in the XXZ chain); their Bohr frequencies are not evaluated.
COUPLING_ATOL = 1e-12
# A dense d²×d² complex superoperator takes 16 d⁴ bytes: 4.3 GB at d = 128.
SUPEROPERATOR_MAX_DIM = 128
# The rate matrix of App. A must have a one-dimensional kernel; a second singular value below this
# (relative to the largest) means the zeroth-order NESS is not unique.
UNIQUENESS_RTOL = 1e-13


@dataclass(frozen=True, eq=False)
class Redfield:
    """The operators of Eq. (40) for one system and its baths, in the energy eigenbasis.

    Attributes
    ----------
    system : System
    baths : tuple of Bath, one per ``system.bath_sites`` entry.
    coupling : (n_baths, d, d) array, S_ℓ = σ−^(ℓ).
    a_ops, b_ops : (n_baths, d, d) arrays, A_ℓ = S_ℓ ∘ C_ℓ and B_ℓ = S_ℓ ∘ D_ℓ (element-wise).
    """

    system: System
    baths: tuple[Bath, ...]
    coupling: np.ndarray
    a_ops: np.ndarray
    b_ops: np.ndarray

    @property
    def dim(self) -> int:
        return self.system.dim

    @property
    def energies(self) -> np.ndarray:
        return self.system.energies


def redfield(system: System, baths) -> Redfield:
    """Assemble the Redfield operators A_ℓ, B_ℓ of Eq. (40) for ``system`` coupled to ``baths``.

    Parameters
    ----------
    system : System
    baths : Bath or sequence of Bath
        One bath per entry of ``system.bath_sites`` (a single Bath is used for every site).
    """
    if isinstance(baths, Bath):
        baths = (baths,) * len(system.bath_sites)
    baths = tuple(baths)
    if len(baths) != len(system.bath_sites):
        raise ValueError(f"baths must have one Bath per bath site ({len(system.bath_sites)}), got {len(baths)}")
    for b in baths:
        if not isinstance(b, Bath):
            raise ValueError(f"baths must hold Bath objects, got {type(b).__name__}")
    s_e = system.to_energy_basis(system.coupling_operators)
    e = system.energies
    omega = e[None, :] - e[:, None]  # ω[α, γ] = E_γ − E_α
    a_ops = np.zeros(s_e.shape, dtype=complex)
    b_ops = np.zeros(s_e.shape, dtype=complex)
    masks = np.abs(s_e) > COUPLING_ATOL
    for ell in range(len(baths)):
        if np.any(np.abs(omega[masks[ell]]) < 1e-12 * max(1.0, np.max(np.abs(e)))):
            raise ValueError(
                f"bath site {system.bath_sites[ell]} couples levels with Bohr frequency 0; the Redfield "
                "coefficients of Eq. (41) diverge there for s <= 1 (SPEC.md)"
            )
    for bath in dict.fromkeys(baths):  # sites with identical baths share one set of coefficients
        sites = [ell for ell, b in enumerate(baths) if b == bath]
        union = np.any(masks[sites], axis=0)
        c_mat = np.zeros(omega.shape, dtype=complex)
        d_mat = np.zeros(omega.shape, dtype=complex)
        c_mat[union], d_mat[union] = coefficients(omega[union], bath)
        a_ops[sites] = s_e[sites] * c_mat
        b_ops[sites] = s_e[sites] * d_mat
    return Redfield(system=system, baths=baths, coupling=s_e, a_ops=a_ops, b_ops=b_ops)


def _to_energy(red: Redfield, x: np.ndarray, basis: str) -> np.ndarray:
    if basis == "energy":
        return np.asarray(x)
    if basis == "computational":
        return red.system.to_energy_basis(np.asarray(x))
    raise ValueError(f"basis must be 'computational' or 'energy', got basis={basis!r}")


def _from_energy(red: Redfield, x: np.ndarray, basis: str) -> np.ndarray:
    return x if basis == "energy" else red.system.to_computational_basis(x)


def _adjoint_and_products(red: Redfield):
    """S_ℓ†, P = Σ_ℓ A_ℓ S_ℓ† and Q = Σ_ℓ S_ℓ† B_ℓ: the parts of Eq. (40) that do not depend on ρ."""
    sd = np.conj(np.swapaxes(red.coupling, 1, 2))
    return sd, np.einsum("lij,ljk->ik", red.a_ops, sd), np.einsum("lij,ljk->ik", sd, red.b_ops)


def l2(red: Redfield, rho: np.ndarray, *, basis: str = "computational") -> np.ndarray:
    r"""The physical Redfield dissipator L2(ρ) = −L2_eq40(ρ), Eqs. (38), (40).

    Parameters
    ----------
    red : Redfield
    rho : (d, d) array, any complex matrix (the map is linear).
    basis : {"computational", "energy"}, basis of ``rho`` and of the result.
    """
    x = _to_energy(red, rho, basis)
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd, p_op, q_op = _adjoint_and_products(red)
    # X(ρ) = ρ P + Q ρ − Σ (S† ρ A + B ρ S†);  Eq. (40) = X(ρ) + X(ρ†)†.
    xr = x @ p_op + q_op @ x - np.sum(sd @ x @ a + b @ x @ sd, axis=0)
    xh = x @ q_op.conj().T + p_op.conj().T @ x - np.sum(np.conj(np.swapaxes(a, 1, 2)) @ x @ s
                                                         + s @ x @ np.conj(np.swapaxes(b, 1, 2)), axis=0)
    return _from_energy(red, -(xr + xh), basis)


def l2_superoperator(red: Redfield) -> np.ndarray:
    r"""L2 as a d²×d² matrix in the energy basis, row-major vectorisation: vec(L2(ρ)) = L @ ρ.ravel().

    Uses vec(X ρ Y) = (X ⊗ Yᵀ) vec(ρ). Refused above ``SUPEROPERATOR_MAX_DIM`` (memory 16 d⁴ bytes).
    """
    d = red.dim
    if d > SUPEROPERATOR_MAX_DIM:
        raise ValueError(f"l2_superoperator: d = {d} exceeds SUPEROPERATOR_MAX_DIM = {SUPEROPERATOR_MAX_DIM} "
                         f"(the dense matrix would take {16 * d**4 / 1e9:.1f} GB); apply l2() instead")
    eye = np.eye(d)
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd, p_op, q_op = _adjoint_and_products(red)
    sup = np.kron(eye, p_op.T) + np.kron(q_op, eye) + np.kron(eye, q_op.conj()) + np.kron(p_op.conj().T, eye)
    for sl, sdl, al, bl in zip(s, sd, a, b):
        sup -= np.kron(sdl, al.T) + np.kron(bl, sdl.T) + np.kron(al.conj().T, sl.T) + np.kron(sl, bl.conj())
    return -sup


def rate_matrix(red: Redfield) -> np.ndarray:
    r"""The population block of L2 (App. A, Eq. (A5) with the physical sign): W[k, m] = <E_k|L2(|E_m><E_m|)|E_k>.

    Off-diagonal entries are transition rates m → k (≥ 0), columns sum to zero. Only the real parts of
    C, D (the golden-rule rates) enter; the principal values drop out.
    """
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd = np.conj(np.swapaxes(s, 1, 2))
    diag = np.einsum("lij,lji->i", a, sd) + np.einsum("lij,lji->i", sd, b)  # (A S† + S† B)_mm
    off = np.sum(sd * np.swapaxes(a, 1, 2) + b * np.swapaxes(sd, 1, 2), axis=0)  # S†_km A_mk + B_km S†_mk
    return -2.0 * np.real(np.diag(diag) - off)


def populations(red: Redfield) -> np.ndarray:
    r"""Zeroth-order NESS populations p (App. A): the unique solution of W p = 0 with Σ p = 1 (Eq. (14)).

    Raises ValueError when the kernel of W is not one-dimensional (the NESS is not unique).
    """
    w = rate_matrix(red)
    sv = np.linalg.svd(w, compute_uv=False)
    if sv.size > 1 and sv[-2] < UNIQUENESS_RTOL * sv[0]:
        raise ValueError("the zeroth-order NESS is not unique: the rate matrix of App. A has a kernel of "
                         "dimension > 1 (are some levels decoupled from every bath?)")
    d = w.shape[0]
    augmented = np.vstack([w, np.ones((1, d))])
    rhs = np.zeros(d + 1)
    rhs[-1] = 1.0
    p = np.linalg.lstsq(augmented, rhs, rcond=None)[0]
    return p


def rho0(red: Redfield, *, basis: str = "computational") -> np.ndarray:
    r"""ρ0 = Σ_a p_a |E_a><E_a| (Eq. (A1))."""
    return _from_energy(red, np.diag(populations(red)).astype(complex), basis)


def second_order_coherences(red: Redfield, *, basis: str = "energy") -> np.ndarray:
    r"""Leading-order coherences <E_α|ρ2|E_ν>, α ≠ ν, from Eq. (15).

    Order ε² of dρ/dt = i[ρ, H_S] + ε² L2(ρ) = 0 off the diagonal gives
    −i(E_α − E_ν) ρ2_αν + L2(ρ0)_αν = 0, i.e. ρ2_αν = −i L2(ρ0)_αν / (E_α − E_ν) with the physical L2
    (equivalently +i L2_eq40(ρ0)_αν / (E_α − E_ν), Eq. (15) as printed, whose L2 is L2_eq40). The
    diagonal of ρ2 needs L4 (Eq. (16)) and is returned as zero. ``tests/test_redfield.py`` checks this
    against the finite-ε steady state.
    """
    target = l2(red, rho0(red, basis="energy"), basis="energy")
    e = red.energies
    gaps = e[:, None] - e[None, :]
    np.fill_diagonal(gaps, 1.0)
    coh = -1j * target / gaps
    np.fill_diagonal(coh, 0.0)
    return _from_energy(red, coh, basis)


def steady_state(red: Redfield, epsilon: float, *, basis: str = "computational") -> np.ndarray:
    r"""The steady state of the full Redfield equation dρ/dt = i[ρ, H_S] + ε² L2(ρ) (Eq. (18)) at finite ε.

    Solves the d² linear equations directly (dense; d ≤ ``SUPEROPERATOR_MAX_DIM``), with one population
    equation replaced by Tr ρ = 1.
    """
    epsilon = float(epsilon)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got epsilon={epsilon!r}")
    d = red.dim
    e = red.energies
    lind = epsilon**2 * l2_superoperator(red)
    lind[np.diag_indices(d * d)] += (-1j * (e[:, None] - e[None, :])).ravel()  # L0: −i(E_α − E_ν) ρ_αν
    trace_row = np.eye(d).ravel()
    lind[0, :] = trace_row
    rhs = np.zeros(d * d, dtype=complex)
    rhs[0] = 1.0
    rho = np.linalg.solve(lind, rhs).reshape(d, d)
    rho = 0.5 * (rho + rho.conj().T)
    return _from_energy(red, rho, basis)
