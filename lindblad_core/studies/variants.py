r"""The paper's published variants: the conventions behind stored data sets that differ from the rest.

Identified by reproducing the authors' stored ``.mat`` values (docs/conventions.md, "Published variants"):

- Figs. A1(c), A2(c): the diagonal of Eq. (28) taken in the eigenbasis of another Hamiltonian H'
  (:func:`published_hamiltonian`), passed to :func:`lindblad_core.sdp.tau_pop` as its ``basis``;
- Fig. 4(b): the target T = −L2(ρ0) of the chain with a Redfield bath on every site (:func:`all_sites_redfield`),
  passed to :func:`lindblad_core.sdp.tau_pop_coh` as its ``target``; and everywhere the published sign of the
  target, T = L2_eq40(ρ0) = −L2(ρ0).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lindblad_core.redfield_equation import Redfield, l2, populations, redfield
from lindblad_core.sdp import TauResult
from lindblad_core.sdp import tau_pop as sdp_tau_pop
from lindblad_core.sdp import tau_pop_coh as sdp_tau_pop_coh
from lindblad_core.systems.chain import ChainSetup, xxz_hamiltonian
from lindblad_core.systems.open_system import OpenSystem
from lindblad_core.systems.operators import SIGMA_Z, site_operator

__all__ = ["EIGENBASES", "TARGETS", "published_hamiltonian", "published_basis", "all_sites_redfield",
           "published_target", "tau_pop", "tau_pop_coh"]

EIGENBASES = ("energy", "published")  # the basis of the diagonal of Eq. (28) in τ^pop (docs/conventions.md)
# T of Eq. (33): L2(ρ0), L2_eq40(ρ0) = −L2(ρ0), or (the published Fig. 4(b)) L2_eq40(ρ0) with a Redfield bath on
# every site of the chain while ρ0 and the Lindblad ansatz keep the setup's baths (docs/conventions.md)
TARGETS = ("physical", "published", "published_all_baths")
# 0-based sites that carry the bias ε0 in H' of the published Figs. A1(c)/A2(c) (1-based sites 4–6)
PUBLISHED_BIAS_SITES = (3, 4, 5)


def published_hamiltonian(setup) -> np.ndarray:
    r"""H' = Σ_ℓ ω0 (1 + ε0·[ℓ ∈ {4, 5, 6}]) σz^(ℓ) + g Σ_ℓ (X X + Y Y + Δ Z Z), ℓ 1-based (docs/conventions.md).

    The Hamiltonian in whose eigenbasis (ascending) the published τ^pop of Figs. A1(c), A2(c) took the
    diagonal of Eq. (28): σz field instead of the projector, the bias on the 1-based sites 4–6 (only site 4
    when N = 4) instead of ℓ ≥ N//2. ρ0 still comes from ``setup.hamiltonian()``. With ε0 = 0 its
    eigenvectors are those of H_S (both are a uniform field plus the same coupling in each magnetisation
    sector).
    """
    n = setup.n_sites
    h = xxz_hamiltonian(n, g=setup.g, delta=setup.delta, omega0=setup.omega0, field="sigma_z")
    for site in PUBLISHED_BIAS_SITES:
        if site < n:
            h = h + setup.omega0 * setup.bias * site_operator(SIGMA_Z, site, n)
    return h


def published_basis(setup: ChainSetup) -> OpenSystem:
    """The eigenbasis of :func:`published_hamiltonian` (its ``eigenvectors``, with their rounding error), for the
    ``basis`` of :func:`lindblad_core.sdp.tau_pop`: the chain's couplings on H' (degenerate spectra allowed)."""
    system = setup.open_system()
    return OpenSystem(published_hamiltonian(setup), system.couplings, dims=system.dims, allow_degenerate=True)


def all_sites_redfield(setup) -> Redfield:
    """The Redfield equation of ``setup``'s chain with a bath on *every* site (β_L, γ, ω_c, s, μ of ``setup``).

    The target of the published Fig. 4(b) (``target="published_all_baths"`` of :func:`tau_pop_coh`): same H_S,
    hence the same computed energy basis (checked), so L2 of this equation acts on the setup's ρ0 directly.
    """
    if not isinstance(setup, ChainSetup):
        raise ValueError("target='published_all_baths' needs a ChainSetup (it adds a bath on every site), "
                         f"got {type(setup).__name__}")
    if setup.n_right and setup.beta_right != setup.beta_left:
        raise ValueError("target='published_all_baths' needs beta_right == beta_left (one temperature for the "
                         f"baths on every site), got beta_left={setup.beta_left!r}, beta_right={setup.beta_right!r}")
    if isinstance(setup.gamma, tuple) and len(set(setup.gamma)) > 1:
        raise ValueError(f"target='published_all_baths' needs one gamma for every site, got gamma={setup.gamma!r}")
    gamma = setup.gamma[0] if isinstance(setup.gamma, tuple) else setup.gamma
    everywhere = setup.replace(n_left=setup.n_sites, n_middle=0, n_right=0, beta_right=None, gamma=gamma)
    if not np.array_equal(everywhere.open_system().eigenvectors, setup.open_system().eigenvectors):
        raise ValueError("the chain with a bath on every site has another computed energy basis")  # not expected
    return redfield(everywhere)


def published_target(setup: ChainSetup, target: str) -> np.ndarray | None:
    """T of Eq. (33) for one of ``TARGETS``, in the energy basis (None for "physical": the default of
    :func:`lindblad_core.sdp.tau_pop_coh`)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got target={target!r}")
    if target == "physical":
        return None
    red = redfield(setup)
    rho0_e = np.diag(populations(red)).astype(complex)
    return -l2(all_sites_redfield(setup) if target == "published_all_baths" else red, rho0_e, basis="energy")


def tau_pop(setup, blocks=None, *, eigenbasis: str = "energy", **options) -> TauResult:
    """:func:`lindblad_core.sdp.tau_pop` with the basis of Eq. (28) named: "energy" or "published" (the eigenbasis of
    :func:`published_hamiltonian`, Figs. A1(c), A2(c); needs a ChainSetup). The name is kept in ``options``."""
    if eigenbasis not in EIGENBASES:
        raise ValueError(f"eigenbasis must be one of {EIGENBASES}, got eigenbasis={eigenbasis!r}")
    if eigenbasis == "published" and not isinstance(setup, ChainSetup):
        raise ValueError("eigenbasis='published' needs a ChainSetup (H' is built from its N, g and bias), "
                         f"got {type(setup).__name__}")
    basis = published_basis(setup) if eigenbasis == "published" else None
    res = sdp_tau_pop(setup, blocks, basis=basis, **options)
    return dataclasses.replace(res, options={**res.options, "eigenbasis": eigenbasis})


def tau_pop_coh(setup, blocks=None, *, target: str = "physical", **options) -> TauResult:
    """:func:`lindblad_core.sdp.tau_pop_coh` with the target named: one of ``TARGETS`` (:func:`published_target`;
    "published_all_baths" needs a ChainSetup). The name is kept in ``options``."""
    res = sdp_tau_pop_coh(setup, blocks, target=published_target(setup, target), **options)
    return dataclasses.replace(res, options={**res.options, "target": target})
