r"""Leading-order steady-state currents through a bond: the charge of one side, and its current at order ε².

For a charge Q_A of the sites A = {0, …, ℓ} left of bond ℓ (between sites ℓ and ℓ + 1), the operator
J = i[Q_A, H_S] is the rate at which H_S moves Q_A out of A through the bond. ρ0 is diagonal in the energy basis
and J has no diagonal there (J_να = i Q_να (E_α − E_ν)), so the NESS current starts at order ε² and only the
coherences of ρ2 carry it; with Eq. (15), ρ2_αν = −i L2(ρ0)_αν / (E_α − E_ν), it is

.. math::

    \langle J\rangle = \epsilon^2 \operatorname{Tr}(J\rho_2) + O(\epsilon^4)
        = \epsilon^2 \sum_{\alpha\ne\nu} (Q_A)_{\nu\alpha}\, \mathcal L_2(\rho_0)_{\alpha\nu} + O(\epsilon^4),

linear in L2(ρ0). The same formula with L2' and the zeroth-order NESS of a Lindbladian of Eq. (23) gives that
Lindbladian's current (:func:`leading_order_current`); :class:`~lindblad_core.sdp.properties.Current` compares it
with the Redfield value inside the SDP.
"""

from __future__ import annotations

import numpy as np

from lindblad_core.lindblad.candidate import LindbladCandidate, candidate_populations, l2_prime
from lindblad_core.redfield_equation import l2, populations, redfield
from lindblad_core.systems.chain import as_open_system
from lindblad_core.systems.open_system import embed

__all__ = ["CURRENT_KINDS", "bond_charge", "current_functional", "leading_order_current"]

CURRENT_KINDS = ("particle", "energy")


def bond_charge(system, bond: int, kind: str = "particle") -> np.ndarray:
    r"""The charge Q_A of the sites A = {0, …, ``bond``}, in the energy basis of H_S (ascending energies).

    Parameters
    ----------
    system : OpenSystem or ChainSetup
    bond : int
        The bond between sites ``bond`` and ``bond + 1``, 0 ≤ bond ≤ N − 2.
    kind : {"particle", "energy"}
        "particle": Q_A = Σ_{ℓ∈A} q_ℓ, q_ℓ = diag(0, −1, …) the U(1) charge of
        :func:`~lindblad_core.systems.open_system.site_charges` (on a qubit q = |0><0| − 1: the excitation number
        up to a constant, which carries no current); H_S must conserve Q. "energy": Q_A = Tr_B(H_S)/d_B ⊗ I_B,
        B the other sites, i.e. the terms of H_S supported on A (a bond term traceless on each side, like
        XX + YY + ΔZZ, counts on neither side).

    Returns
    -------
    (d, d) ndarray
        Q_A in the energy basis; J = i[Q_A, H_S] is the current out of A through the bond.

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> setup = lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5)
    >>> q = bond_charge(setup, 0)
    >>> bool(np.allclose(q, q.conj().T)), q.shape
    (True, (8, 8))
    """
    open_system = as_open_system(system)
    n, dims = open_system.n_sites, open_system.dims
    if isinstance(bond, bool) or not isinstance(bond, (int, np.integer)) or not 0 <= bond <= n - 2:
        raise ValueError(f"bond must be an integer in [0, {n - 2}] (the bond between sites bond and bond + 1 of "
                         f"the {n} sites), got bond={bond!r}")
    if kind == "particle":
        if not open_system.conserves_charge():
            raise ValueError("kind='particle' needs an H_S that conserves the charge Q = sum of site charges; "
                             "this one does not (use kind='energy')")
        q = sum(embed(np.diag(-np.arange(dims[s], dtype=float)), (s,), dims) for s in range(bond + 1))
    elif kind == "energy":
        d_a = int(np.prod(dims[: bond + 1]))
        d_b = open_system.dim // d_a
        h = np.asarray(open_system.hamiltonian).reshape(d_a, d_b, d_a, d_b)
        q = np.kron(np.trace(h, axis1=1, axis2=3) / d_b, np.eye(d_b))
    else:
        raise ValueError(f"kind must be one of {CURRENT_KINDS}, got kind={kind!r}")
    return open_system.to_energy_basis(np.asarray(q, dtype=complex))


def current_functional(q: np.ndarray, x: np.ndarray) -> float:
    r"""Σ_{α≠ν} (Q_A)_να x_αν: the ε² coefficient of the current out of A when x = L2(ρ0) (or L2'(ρ̄0))."""
    off = q.T * x
    return float(np.real(np.sum(off) - np.trace(off)))


def leading_order_current(system, bond: int, kind: str = "particle", candidate: LindbladCandidate | None = None
                          ) -> float:
    r"""The ε² coefficient of the steady-state current through ``bond`` (module docstring).

    Parameters
    ----------
    system : OpenSystem or ChainSetup
    bond, kind : as for :func:`bond_charge`
    candidate : LindbladCandidate, optional
        None: the Redfield equation's (hence the exact, Sec. II.C) leading-order current, from ρ0 and L2(ρ0).
        A Lindbladian of Eq. (23): its own leading-order current, from its zeroth-order NESS ρ̄0
        (:func:`~lindblad_core.lindblad.candidate.candidate_populations`) and L2'(ρ̄0).

    Returns
    -------
    float
        c with ⟨J⟩ = ε² c + O(ε⁴); positive when the charge flows from the sites ≤ ``bond`` to the others.

    Examples
    --------
    Heat flows from the hot left bath (β = 0.5) to the cold right one (β = 2):

    >>> import lindblad_core as lc
    >>> setup = lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=0.5, beta_right=2.0)
    >>> leading_order_current(setup, 1, "energy") > 0
    True
    """
    open_system = as_open_system(system)
    q = bond_charge(open_system, bond, kind)
    if candidate is None:
        red = redfield(open_system)
        x = l2(red, np.diag(populations(red)).astype(complex), basis="energy")
    else:
        if not isinstance(candidate, LindbladCandidate):
            raise ValueError(f"candidate must be None or a LindbladCandidate, got {type(candidate).__name__}")
        if candidate.ansatz.system.dim != open_system.dim:
            raise ValueError(f"candidate acts on a system of dimension {candidate.ansatz.system.dim}, not on this "
                             f"one ({open_system.dim})")
        x = l2_prime(candidate, np.diag(candidate_populations(candidate)).astype(complex))
    return current_functional(q, x)
