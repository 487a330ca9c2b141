r"""Exact steady states to referee ρ0 and ε²ρ2: QuTiP's HEOM, and the mean-force Gibbs state to second order.

For a system coupled through Hermitian operators S_ℓ ⊗ (B_ℓ + B_ℓ†) to Drude–Lorentz baths
(:func:`~lindblad_core.systems.spectral_densities.drude_lorentz`), J_ℓ(ω) = 4λ_ℓγ_ℓω/(ω² + γ_ℓ²) is linear in
the reorganisation energy λ_ℓ. The Redfield dissipator L2 (Eq. (40)) is linear in J, so a system built with
``drude_lorentz(lam_ref, gamma)`` has ε² = λ/λ_ref in dρ/dt = i[ρ, H_S] + ε² L2(ρ) (Eq. (18)): with
λ_ref = 1, ε² = λ and the NESS is ρ0 + λ ρ2 + O(λ²) off the diagonal (Eq. (15)), ρ0 independent of λ.

:func:`heom_steady_state` is the steady state of the full model H_S + Σ_ℓ S_ℓ ⊗ X_ℓ + H_B (no counterterm, like
the Redfield equation's Lamb shift), from QuTiP's hierarchical equations of motion with a Padé decomposition of
each bath correlation function. :func:`mean_force_coherences` is the order-λ off-diagonal part of the mean-force
Gibbs state Tr_B e^{−β(H_S + S ⊗ X + H_B)}/Z (Cresser & Anders, PRL 127, 250601 (2021)), from the imaginary-time
(Kubo) expansion

.. math::

    \rho^{(2)}_{nm} = \frac{e^{-\beta E_n}}{Z_S} \sum_k S_{nk} S_{km}
        \int_0^\beta du\, K(u)\, e^{u(E_n - E_k)} \frac{e^{(\beta - u)(E_n - E_m)} - 1}{E_n - E_m},
    \qquad n \neq m,

with K(u) = (1/π) ∫_0^∞ J_QuTiP(ω) cosh(ω(β/2 − u))/sinh(βω/2) dω the imaginary-time bath correlation
function, J_QuTiP = J/2. Both are computed independently of the Redfield operators.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

from lindblad_core.systems.spectral_densities import DrudeLorentzSpectralDensity

__all__ = ["heom_steady_state", "mean_force_coherences"]


def _drude_lorentz_couplings(system):
    """(S_ℓ embedded, λ_ℓ, γ_ℓ, β_ℓ) per coupling; ValueError for what HEOM's Drude–Lorentz bath cannot take."""
    out = []
    for ell, (coupling, op) in enumerate(zip(system.couplings, system.coupling_operators)):
        sd = coupling.bath.spectral_density
        if not isinstance(sd, DrudeLorentzSpectralDensity):
            raise ValueError(f"coupling {ell}: the referee needs a drude_lorentz(lam, gamma) spectral density, "
                             f"got {type(sd).__name__}")
        if not coupling.is_hermitian:
            raise ValueError(f"coupling {ell}: the referee needs a Hermitian S (form='hermitian')")
        out.append((np.asarray(op), sd.lam, sd.gamma, coupling.bath.beta))
    return out


def heom_steady_state(system, n_pade: int = 4, max_depth: int = 3) -> np.ndarray:
    """The steady state of H_S + Σ_ℓ S_ℓ ⊗ X_ℓ + H_B from QuTiP's HEOM, each bath a Padé-decomposed
    ``DrudeLorentzEnvironment(T, lam, gamma)`` (the same bath as ``BosonicBath(drude_lorentz(lam, gamma), 1/T)``).

    Parameters
    ----------
    system : OpenSystem
        Hermitian couplings to baths with :func:`~lindblad_core.systems.spectral_densities.drude_lorentz`
        spectral densities.
    n_pade : int
        Padé terms Nk ≥ 1 per bath (besides the Drude pole).
    max_depth : int
        Hierarchy depth ≥ 1.

    Returns
    -------
    (d, d) ndarray
        ρ_HEOM in the computational basis, Hermitian, unit trace.

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> sz, sx = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> bath = lc.BosonicBath(lc.drude_lorentz(0.01, 2.0), beta=1.0)
    >>> system = lc.OpenSystem(0.5 * sz + 0.25 * sx, [lc.Coupling(sz, 0, bath, form="hermitian")])
    >>> rho = heom_steady_state(system, n_pade=2, max_depth=2)
    >>> bool(np.isclose(np.trace(rho).real, 1.0))
    True
    """
    import qutip
    from qutip.core.environment import DrudeLorentzEnvironment
    from qutip.solver.heom import HEOMSolver

    if int(n_pade) != n_pade or n_pade < 1:
        raise ValueError(f"n_pade must be an integer >= 1, got n_pade={n_pade!r}")
    if int(max_depth) != max_depth or max_depth < 1:
        raise ValueError(f"max_depth must be an integer >= 1, got max_depth={max_depth!r}")
    dims = [list(system.dims), list(system.dims)]
    baths = []
    for op, lam, gamma, beta in _drude_lorentz_couplings(system):
        env = DrudeLorentzEnvironment(T=1.0 / beta, lam=lam, gamma=gamma)
        baths.append((env.approximate("pade", Nk=int(n_pade)), qutip.Qobj(op, dims=dims)))
    h = qutip.Qobj(system.hamiltonian, dims=dims)
    solver = HEOMSolver(h, baths, max_depth=int(max_depth), options={"progress_bar": False})
    rho, _ = solver.steady_state()
    rho = rho.full()
    return 0.5 * (rho + rho.conj().T)


def _imaginary_time_correlation(u: float, lam: float, gamma: float, beta: float) -> float:
    """K(u) = Tr[ρ_B e^{uH_B} X e^{−uH_B} X] for a Drude–Lorentz bath, 0 < u < β (module docstring)."""
    def integrand(w):
        if w == 0.0:
            return 4.0 * lam / (np.pi * gamma * beta)
        j = 2.0 * lam * gamma * w / (w * w + gamma * gamma)
        return j / np.pi * (np.exp(-w * u) + np.exp(-w * (beta - u))) / -np.expm1(-beta * w)
    return quad(integrand, 0.0, np.inf, limit=400, epsabs=1e-13, epsrel=1e-11)[0]


def mean_force_coherences(system) -> np.ndarray:
    r"""The order-λ off-diagonal part of the mean-force Gibbs state per unit reorganisation energy λ, for one
    Drude–Lorentz bath coupled through a Hermitian S (independent of the bath's own λ).

    Parameters
    ----------
    system : OpenSystem
        One Hermitian coupling to a :func:`~lindblad_core.systems.spectral_densities.drude_lorentz` bath.

    Returns
    -------
    (d, d) ndarray
        ρ^(2)/λ without its diagonal in the energy basis, returned in the computational basis: the mean-force
        Gibbs state is e^{−βH_S}/Z_S + λ ρ^(2)/λ + O(λ²) off the energy diagonal, and ρ^(2)/λ is ρ2 of a
        system built with ``drude_lorentz(1.0, gamma)`` (ε² = λ).

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> sz, sx = np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> bath = lc.BosonicBath(lc.drude_lorentz(1.0, 2.0), beta=1.0)
    >>> system = lc.OpenSystem(0.5 * sz + 0.25 * sx, [lc.Coupling(sz, 0, bath, form="hermitian")])
    >>> bool(np.allclose(mean_force_coherences(system), lc.second_order_coherences(lc.redfield(system),
    ...                                                                             basis="computational")))
    True
    """
    couplings = _drude_lorentz_couplings(system)
    if len(couplings) != 1:
        raise ValueError(f"the mean-force Gibbs state needs exactly one bath, got {len(couplings)} couplings")
    op, lam, gamma, beta = couplings[0]
    e = system.energies
    s = system.to_energy_basis(op)
    z = np.exp(-beta * (e - e[0])).sum()
    d = len(e)
    out = np.zeros((d, d), dtype=complex)
    kernel = {}

    def k_of(u):
        if u not in kernel:
            kernel[u] = _imaginary_time_correlation(u, 1.0, gamma, beta)
        return kernel[u]

    for n in range(d):
        for m in range(d):
            if n == m or not np.any(s[n] * s[:, m]):
                continue
            gap = e[n] - e[m]

            def part(u, take):
                total = np.sum(s[n] * s[:, m] * np.exp(u * (e[n] - e))) * np.expm1((beta - u) * gap) / gap
                return take(total) * k_of(u)

            re = quad(part, 0.0, beta, args=(np.real,), limit=200, epsabs=1e-13)[0]
            im = quad(part, 0.0, beta, args=(np.imag,), limit=200, epsabs=1e-13)[0]
            out[n, m] = np.exp(-beta * (e[n] - e[0])) * (re + 1j * im) / z
    return system.to_computational_basis(out)
