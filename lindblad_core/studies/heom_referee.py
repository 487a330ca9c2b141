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

**Fermionic leads.** :func:`heom_steady_state` also takes tunnel couplings c ⊗ b† + c† ⊗ b to
:func:`~lindblad_core.systems.fermionic.lorentzian` leads (QuTiP's fermionic ``LorentzianEnvironment``, the same J:
docs/fermionic_leads.md). For the resonant level H_S = ε_d c†c (:func:`resonant_level`) the exact steady state is
known in closed form (the level is non-interacting): with the retarded self-energy of the leads

.. math::

    \Sigma(\omega) = \sum_\ell \frac{1}{2\pi}\int \frac{\mathfrak J_\ell(x)\,dx}{\omega - x + i0}
        = \sum_\ell \frac{\gamma_\ell W_\ell/2}{\omega - \omega_\ell + iW_\ell}
        = \Lambda(\omega) - \tfrac{i}{2}\Gamma(\omega), \qquad \Gamma_\ell(\omega) = \mathfrak J_\ell(\omega),

(:func:`lead_self_energy`) the occupation is the Landauer / non-equilibrium Green's function integral

.. math::

    n = \int_{-\infty}^{\infty} \frac{d\omega}{2\pi}\, A(\omega)\,
        \frac{\sum_\ell \Gamma_\ell(\omega) f_\ell(\omega - \mu_\ell)}{\Gamma(\omega)}, \qquad
    A(\omega) = \frac{\Gamma(\omega)}{(\omega - \varepsilon_d - \Lambda(\omega))^2 + (\Gamma(\omega)/2)^2},

(:func:`resonant_level_occupation`). As J → λJ, n → (Γ_L f_L + Γ_R f_R)/(Γ_L + Γ_R) at ω = ε_d, the ρ0 of the
Redfield equation (ε² = λ), with an O(λ) correction.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

from lindblad_core.systems.fermionic import (FermionicBath, LorentzianSpectralDensity, as_fermionic_bath, fermi,
                                             is_fermionic)
from lindblad_core.systems.open_system import Coupling, OpenSystem
from lindblad_core.systems.operators import PROJECTOR_UP, SIGMA_MINUS
from lindblad_core.systems.spectral_densities import DrudeLorentzSpectralDensity

__all__ = ["heom_steady_state", "mean_force_coherences", "resonant_level", "lead_self_energy",
           "resonant_level_occupation"]

EXPANSIONS = ("pade", "matsubara")


def _drude_lorentz_coupling(ell, coupling, op):
    """(S_ℓ embedded, λ_ℓ, γ_ℓ, β_ℓ); ValueError for what HEOM's Drude–Lorentz bath cannot take."""
    sd = coupling.bath.spectral_density
    if not isinstance(sd, DrudeLorentzSpectralDensity):
        raise ValueError(f"coupling {ell}: the referee needs a drude_lorentz(lam, gamma) spectral density, "
                         f"got {type(sd).__name__}")
    if not coupling.is_hermitian:
        raise ValueError(f"coupling {ell}: the referee needs a Hermitian S (form='hermitian')")
    return np.asarray(op), sd.lam, sd.gamma, coupling.bath.beta


def _drude_lorentz_couplings(system):
    """(S_ℓ embedded, λ_ℓ, γ_ℓ, β_ℓ) per coupling."""
    return [_drude_lorentz_coupling(ell, coupling, op)
            for ell, (coupling, op) in enumerate(zip(system.couplings, system.coupling_operators))]


def _lorentzian_spectral_density(where: str, lead: FermionicBath) -> LorentzianSpectralDensity:
    sd = lead.spectral_density
    if not isinstance(sd, LorentzianSpectralDensity):
        raise ValueError(f"{where}: the referee needs a lorentzian(gamma, width, center) lead, "
                         f"got {type(sd).__name__}")
    return sd


def _heom_bath(ell, coupling, op, n_pade, expansion):
    """(QuTiP's exponentially decomposed environment, its coupling operator Q) for one coupling."""
    if is_fermionic(coupling.bath):
        from qutip.core.environment import LorentzianEnvironment

        sd = _lorentzian_spectral_density(f"coupling {ell}", coupling.bath)
        if coupling.form != "exchange":
            raise ValueError(f"coupling {ell}: the referee needs a tunnelling coupling c (form='exchange') to a "
                             f"fermionic lead, got form={coupling.form!r}")
        env = LorentzianEnvironment(T=1.0 / coupling.bath.beta, mu=coupling.bath.mu, gamma=sd.gamma, W=sd.width,
                                    omega0=sd.center)
        approx = env.approx_by_pade(n_pade) if expansion == "pade" else env.approx_by_matsubara(n_pade)
        return approx, np.asarray(op)
    from qutip.core.environment import DrudeLorentzEnvironment

    op, lam, gamma, beta = _drude_lorentz_coupling(ell, coupling, op)
    return DrudeLorentzEnvironment(T=1.0 / beta, lam=lam, gamma=gamma).approximate(expansion, Nk=n_pade), op


def heom_steady_state(system, n_pade: int = 4, max_depth: int = 3, expansion: str = "pade") -> np.ndarray:
    """The steady state of H_S + Σ_ℓ S_ℓ ⊗ X_ℓ + H_B from QuTiP's HEOM, each bosonic bath a Padé-decomposed
    ``DrudeLorentzEnvironment(T, lam, gamma)`` (the same bath as ``BosonicBath(drude_lorentz(lam, gamma), 1/T)``),
    each fermionic lead a Padé-decomposed ``LorentzianEnvironment(T, mu, gamma, W, omega0)`` (the same lead as
    ``FermionicBath(lorentzian(gamma, W, omega0), 1/T, mu)``) coupled through its c.

    Parameters
    ----------
    system : OpenSystem
        Hermitian couplings to baths with :func:`~lindblad_core.systems.spectral_densities.drude_lorentz`
        spectral densities, and tunnelling couplings (form 'exchange') to
        :func:`~lindblad_core.systems.fermionic.lorentzian` leads.
    n_pade : int
        Terms Nk ≥ 1 of the expansion per bath (besides the pole of J).
    max_depth : int
        Hierarchy depth ≥ 1 (for fermionic leads and a quadratic H_S, depth 2 is exact).
    expansion : {"pade", "matsubara"}
        Padé or Matsubara decomposition of the Fermi/Bose function.

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
    from qutip.solver.heom import HEOMSolver

    if int(n_pade) != n_pade or n_pade < 1:
        raise ValueError(f"n_pade must be an integer >= 1, got n_pade={n_pade!r}")
    if int(max_depth) != max_depth or max_depth < 1:
        raise ValueError(f"max_depth must be an integer >= 1, got max_depth={max_depth!r}")
    if expansion not in EXPANSIONS:
        raise ValueError(f"expansion must be one of {EXPANSIONS}, got expansion={expansion!r}")
    dims = [list(system.dims), list(system.dims)]
    baths = []
    for ell, (coupling, op) in enumerate(zip(system.couplings, system.coupling_operators)):
        env, q = _heom_bath(ell, coupling, op, int(n_pade), expansion)
        baths.append((env, qutip.Qobj(q, dims=dims)))
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


def resonant_level(eps_d: float, leads) -> OpenSystem:
    r"""The resonant level H_S = ε_d c†c (one qubit site, |0⟩ = occupied, c = σ−) tunnel-coupled to each lead.

    Parameters
    ----------
    eps_d : float
        Level energy ε_d ≠ 0 (ε_d = 0 is degenerate with the empty state: shift the energy origin).
    leads : sequence of FermionicBath or QuTiP FermionicEnvironment
        One coupling c ⊗ b_ℓ† + c† ⊗ b_ℓ per lead.

    Returns
    -------
    OpenSystem

    Examples
    --------
    >>> import lindblad_core as lc
    >>> system = resonant_level(0.3, [lc.FermionicBath(lc.lorentzian(1.0, 5.0), beta=2.0, mu=1.0)])
    >>> [round(float(e), 3) for e in system.energies]
    [0.0, 0.3]
    """
    return OpenSystem(float(eps_d) * PROJECTOR_UP, [Coupling(SIGMA_MINUS, 0, lead) for lead in leads])


def _lorentzian_leads(leads) -> list[tuple[FermionicBath, LorentzianSpectralDensity]]:
    out = []
    for ell, lead in enumerate(leads):
        lead = as_fermionic_bath(lead, f"leads[{ell}]")
        out.append((lead, _lorentzian_spectral_density(f"leads[{ell}]", lead)))
    if not out:
        raise ValueError("leads must hold at least one lead, got none")
    return out


def lead_self_energy(omega, leads) -> np.ndarray:
    r"""Retarded self-energy Σ(ω) = Λ(ω) − iΓ(ω)/2 of a level tunnel-coupled to Lorentzian leads (module
    docstring).

    Parameters
    ----------
    omega : array_like
        Real frequencies.
    leads : sequence of FermionicBath or QuTiP LorentzianEnvironment
        Leads with :func:`~lindblad_core.systems.fermionic.lorentzian` spectral densities
        J_ℓ = γ_ℓW_ℓ²/((ω − ω_ℓ)² + W_ℓ²).

    Returns
    -------
    ndarray
        Σ_ℓ (γ_ℓW_ℓ/2)/(ω − ω_ℓ + iW_ℓ): the level shift Λ = (1/2π) P∫ J(x)/(ω − x) dx and −Γ/2 = −J/2.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> lead = lc.FermionicBath(lc.lorentzian(1.0, 5.0), beta=2.0)
    >>> complex(lead_self_energy(0.0, [lead]))   # Λ(ω0) = 0, Γ(ω0) = γ
    -0.5j
    """
    return _self_energy(omega, _lorentzian_leads(leads))


def _self_energy(omega, pairs) -> np.ndarray:
    omega = np.asarray(omega, dtype=float)
    return sum(0.5 * sd.gamma * sd.width / (omega - sd.center + 1j * sd.width) for _, sd in pairs)


def resonant_level_occupation(eps_d: float, leads) -> float:
    r"""Exact steady-state occupation of the resonant level between Lorentzian leads (module docstring):

    .. math::

        n = \int_{-\infty}^{\infty} \frac{d\omega}{2\pi}
            \frac{\sum_\ell \mathfrak J_\ell(\omega) f_\ell(\omega - \mu_\ell)}
                 {(\omega - \varepsilon_d - \Lambda(\omega))^2 + (\Gamma(\omega)/2)^2}.

    The integral is split at the resonance ε_d + Λ(ε_d) (± 1, 10, 100 half-widths Γ(ε_d)/2), at each μ_ℓ
    (± 10, 50 temperatures) and at each ω_ℓ (± W_ℓ, 10 W_ℓ), and each piece goes to ``scipy.integrate.quad``.

    Parameters
    ----------
    eps_d : float
        Level energy ε_d.
    leads : sequence of FermionicBath or QuTiP LorentzianEnvironment
        :func:`~lindblad_core.systems.fermionic.lorentzian` leads, each at its own β_ℓ and μ_ℓ, with Γ(ε_d) > 0.

    Returns
    -------
    float
        n = ⟨c†c⟩ of the full (system + leads) steady state.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> leads = [lc.FermionicBath(lc.lorentzian(g, 5.0), beta=2.0, mu=m)
    ...           for g, m in ((1e-4, 1.0), (2e-4, -0.5))]
    >>> n0 = (1 * lc.systems.fermionic.fermi(0.3, leads[0]) + 2 * lc.systems.fermionic.fermi(0.3, leads[1])) / 3
    >>> bool(abs(resonant_level_occupation(0.3, leads) - n0) < 1e-3)   # weak coupling: the rate equation's n0
    True
    """
    pairs = _lorentzian_leads(leads)
    eps_d = float(eps_d)
    if not np.isfinite(eps_d):
        raise ValueError(f"eps_d must be finite, got eps_d={eps_d!r}")
    sigma_d = complex(_self_energy(eps_d, pairs))
    half_width = -sigma_d.imag
    if not half_width > 0:
        raise ValueError("leads: the level needs Gamma(eps_d) = sum of J_l(eps_d) > 0 (some gamma > 0), got 0")

    def integrand(w):
        sigma = complex(_self_energy(w, pairs))
        weight = sum(float(sd(w)) * float(fermi(w, lead)) for lead, sd in pairs)
        return weight / ((w - eps_d - sigma.real) ** 2 + sigma.imag**2) / (2.0 * np.pi)

    peak = eps_d + sigma_d.real
    points = [peak + k * half_width for k in (-100.0, -10.0, -1.0, 0.0, 1.0, 10.0, 100.0)]
    for lead, sd in pairs:
        points += [lead.mu + k / lead.beta for k in (-50.0, -10.0, 0.0, 10.0, 50.0)]
        points += [sd.center + k * sd.width for k in (-10.0, -1.0, 0.0, 1.0, 10.0)]
    points = np.unique(points)
    options = {"limit": 400, "epsabs": 1e-15, "epsrel": 1e-12}
    total = quad(integrand, -np.inf, points[0], **options)[0] + quad(integrand, points[-1], np.inf, **options)[0]
    total += sum(quad(integrand, a, b, **options)[0] for a, b in zip(points[:-1], points[1:]))
    return float(total)
