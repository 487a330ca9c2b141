r"""The standard master equations as second-order generators L2', against the SDP optimum .

Each equation is written as the ε² part L2' of dρ/dt = i[ρ, H_S] + ε² L2'(ρ) (Eq. (21)), in the energy
eigenbasis of H_S, for the paper's baths (Eqs. (35)–(42)): on every bath site ℓ the coupling
S_ℓ = σ−^(ℓ) exchanges quanta with a bosonic bath, H_SB = Σ_r κ B_r† σ− + h.c., so there are two
independent *channels* per site (⟨B B⟩ = 0 in a thermal state):

* emission, jump operator built from S_ℓ, golden-rule rate function γ_em(ω) = J(ω)(n(ω) + 1),
* absorption, built from S_ℓ†, with γ_abs(ω) = J(ω) n(ω),

with ω = E_γ − E_α the Bohr frequency of the element <E_α|S_ℓ|E_γ> (the energy the system gives away in the
emission) and J of Eq. (36) *including* its 2π: J(ω) = 2π Σ_k |κ_k|² δ(ω − Ω_k) is itself the golden-rule
rate, so a transition |E_γ> → |E_α> goes at J(ω)(n(ω) + 1)|<E_α|S|E_γ>|² (the population block of the
Redfield equation, :func:`lindblad_core.redfield_equation.rate_matrix`). With
S(ω) = Σ_{E_γ − E_α = ω} |E_α><E_α|S|E_γ><E_γ| the Bohr components and the half-sided transforms
D(ω) = γ_em(ω)/2 + i η_em(ω), C(ω) = γ_abs(ω)/2 + i Im C(ω) of Eq. (41) (``baths.coefficients``), the physical
Redfield dissipator (:mod:`lindblad_core.redfield_equation`, B_ℓ = Σ_ω D(ω)S(ω), A_ℓ = Σ_ω C(ω)S(ω)) is

.. math::

    \mathcal L_2(\rho) = \sum_\ell \sum_{\omega\omega'} D(\omega)\big(S(\omega)\rho S(\omega')^\dagger
        - S(\omega')^\dagger S(\omega)\rho\big) + C(\omega)\big(S(\omega')^\dagger\rho S(\omega)
        - \rho S(\omega)S(\omega')^\dagger\big) + \text{h.c.}

The equations (all with ``lamb_shift=True`` by default; ``False`` drops H_LS):

``"redfield"``
    L2 itself (:class:`RedfieldGenerator`): exact populations and coherences at leading order, not CP.
``"local"``
    σ∓ on each bath site at the bare on-site splitting, no Lamb shift: a point of the ansatz of Eq. (23)
    (:func:`lindblad_core.lindblad.candidate.local_lindblad_candidate`), returned as a
    :class:`~lindblad_core.lindblad.candidate.LindbladCandidate`.
``"secular"``
    Davies / global Lindblad equation: ω = ω' only. Jumps S(ω) at γ_em(ω), S(ω)† at γ_abs(ω), Lamb shift
    H_LS = Σ_ω η_em(ω) S(ω)†S(ω) − Im C(ω) S(ω)S(ω)†.
``"ule"``
    Universal Lindblad equation (Nathan & Rudner 2020): one jump operator per channel,
    L = Σ_{αγ} g(E_γ − E_α) |E_α><E_α|S|E_γ><E_γ| with g = √γ_em (and likewise √γ_abs for S†), and their
    Lamb shift, computed here (:func:`two_frequency_lamb_shift`).
``"partial_secular"``
    Partial secular approximation (Cattaneo et al. 2019): the Redfield terms with |ω − ω'| ≤ ``width`` are
    kept, the others dropped; made completely positive by evaluating D, C at one frequency ω̄_c per cluster
    of Bohr frequencies (the unified GKLS equation of Trushechkin 2021): jumps S_c = Σ_{ω∈c} S(ω) at
    γ(ω̄_c), H_LS = Σ_c η(ω̄_c) S_c†S_c. ``width → 0`` is the secular equation, ``width → ∞`` the local
    one (one cluster per site, S_c = σ−^(ℓ)).
``"memory_dressed"``
    The ULE for a dressed state and the near-identity map back to the physical one (Nathan & Rudner,
    arXiv:2206.02917; :mod:`.memory_dressed`): L2' = L_ULE + [𝒵, L0], Redfield's generator to this order, not CP.
``"psd_redfield"``
    Redfield with its Kossakowski matrix clipped to the nearest PSD one (D'Abbruzzo, Cavina, Giovannetti,
    arXiv:2211.04400; :mod:`.psd_redfield`).
``"game"``
    Geometric-arithmetic master equation (Davidović, Quantum 4, 326 (2020); :mod:`.game`): the ULE's jumps
    (geometric mean of the rates) with Redfield's canonical Hamiltonian.

2π conventions. Whatever the normalisation of the bath spectral function, the ULE's g(ω)² must be the
golden-rule rate function (|L_mn|² is the rate n → m). Nathan & Rudner normalise J_NR(ω) as the Fourier
transform of the bath correlation function with a 1/(2π) and take g = √(2π J_NR); here J of Eq. (36) already
carries the 2π and is itself that rate: 2π J_NR(ω) ↔ J(ω)(n(ω)+1) on the emission channel (J(ω) n(ω) on
the absorption one), i.e. g(ω) = √(J(ω)(n(ω)+1)). Their overall coupling γ is our ε² (Eq. (21)).
``tests/lindblad/test_master_equations.py`` checks |L_mn|² against J(n+1)|<m|σ−|n>|² computed from Eq. (42).

References
----------
.. [1] F. Nathan and M. S. Rudner, "Universal Lindblad equation for open quantum systems",
   Phys. Rev. B 102, 115109 (2020).
.. [2] M. Cattaneo, G. L. Giorgi, S. Maniscalco and R. Zambrini, "Local versus global master equation with
   common and separate baths: superiority of the global approach in partial secular approximation",
   New J. Phys. 21, 113045 (2019).
.. [3] A. Trushechkin, "Unified Gorini-Kossakowski-Lindblad-Sudarshan quantum master equation beyond the
   secular approximation", Phys. Rev. A 103, 062226 (2021).
.. [4] H.-P. Breuer and F. Petruccione, *The Theory of Open Quantum Systems* (OUP, 2002), Sec. 3.3.
"""

from __future__ import annotations


import functools

import numpy as np
from lindblad_core.lindblad.ansatz import Ansatz, Block, coupled_site_groups, paper_blocks
from lindblad_core.lindblad.candidate import LindbladCandidate, local_lindblad_candidate
from lindblad_core.lindblad.game import geometric_arithmetic
from lindblad_core.lindblad.generators import LindbladForm, redfield_generator, redfield_of, sum_of_products
from lindblad_core.lindblad.memory_dressed import memory_dressed
from lindblad_core.lindblad.psd_redfield import psd_redfield
from lindblad_core.redfield_equation import Redfield, coupling_support, rate_matrix
from lindblad_core.systems import fermionic
from lindblad_core.systems.baths import (BosonicBath, occupation, principal_value_family,
                                         PV_CUTOFF_MULT, spectral_density)
from lindblad_core.systems.fermionic import bath_coefficients
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.operators import SIGMA_MINUS

EQUATIONS = ("redfield", "local", "secular", "ule", "partial_secular", "memory_dressed", "psd_redfield", "game")



# ε of Eq. (21) in the paper's figures (Table I caption): only used to set the default cluster width of the
# partial secular equation, which compares Bohr-frequency differences with the relaxation rates ε² W.
PAPER_EPSILON = 0.01



# Bohr frequencies closer than this (relative to max(1, max|E|)) are one frequency of the secular equation:
# eigenvalue differences that agree up to rounding (the XXZ chain has many exactly equal ones). The same
# relative scale as open_system.DEGENERACY_RTOL; the chains of the paper's grids have no genuine Bohr-frequency
# splitting below 1e-6.
SECULAR_RTOL = 1e-9



# Bohr-frequency differences Δ that agree to this many significant digits share one principal-value
# integrand in two_frequency_lamb_shift (as baths._DEDUP_DIGITS for single frequencies).
_DEDUP_DIGITS = 12



def local_lindblad(system, *, blocks=None, trace: float | None = None) -> LindbladCandidate:
    r"""The local Lindblad equation: σ−^(ℓ), σ+^(ℓ) on every bath site at J(ω_ℓ)(n(ω_ℓ)+1), J(ω_ℓ)n(ω_ℓ), with
    ω_ℓ the bare on-site splitting and no Lamb shift (:func:`lindblad_core.lindblad.candidate.local_lindblad_candidate`).

    Parameters
    ----------
    system : OpenSystem or ChainSetup
        Its couplings must be σ− exchange couplings, one per qubit site (the paper's; otherwise ValueError).
    blocks : None, "left,right", "left" or a sequence of site tuples
        None: the paper's "left,right" for a ChainSetup (:func:`lindblad_core.lindblad.ansatz.paper_blocks`),
        one block per set of sites the couplings share for an OpenSystem (:func:`~lindblad_core.lindblad.ansatz.coupled_site_groups`).
    trace : float or None
        None (default): the physical rates. A number rescales each block to Tr Γ_b = ``trace``, the
        normalisation of Eqs. (29), (33) (τ^pop is homogeneous of degree one in Γ).

    Returns
    -------
    LindbladCandidate, a point of Eq. (23): it satisfies Eq. (22) by construction.
    """
    red = redfield_of(system)
    for c in red.system.couplings:
        if len(c.sites) != 1 or red.system.dims[c.sites[0]] != 2 or not np.array_equal(c.op, SIGMA_MINUS):
            raise ValueError("system: the local equation needs σ− exchange couplings, one per qubit site, got a "
                             f"coupling on sites {c.sites}")
    if len(set(red.system.bath_sites)) != len(red.system.couplings):
        raise ValueError("system: the local equation needs one coupling per bath site")
    if isinstance(system, ChainSetup) and (blocks is None or isinstance(blocks, str)):
        named = paper_blocks(system, blocks or "left,right")
    else:
        named = tuple(Block(tuple(b)) for b in (coupled_site_groups(red.system) if blocks is None else blocks))
    return local_lindblad_candidate(Ansatz(red.system, named), red, trace=trace)



def bohr_frequencies(red: Redfield) -> np.ndarray:
    """ω[α, γ] = E_γ − E_α, the frequency of <E_α|S|E_γ> (as in :func:`lindblad_core.redfield_equation.redfield`)."""
    e = red.energies
    return e[None, :] - e[:, None]



def bohr_clusters(omega: np.ndarray, width: float) -> np.ndarray:
    """Single-linkage clusters of frequencies: sorted neighbours closer than or equal to ``width`` share a label.

    Parameters
    ----------
    omega : 1-d array of float
    width : float ≥ 0

    Returns
    -------
    labels : int array, same shape, 0 … n_clusters − 1 in ascending frequency.
    """
    omega = np.asarray(omega, dtype=float)
    if np.isnan(width) or width < 0:
        raise ValueError(f"width must be >= 0, got width={width!r}")
    order = np.argsort(omega, kind="stable")
    new = np.concatenate([[0], (np.diff(omega[order]) > width).astype(int)])
    labels = np.empty(omega.shape, dtype=int)
    labels[order] = np.cumsum(new)
    return labels



def _channel_elements(red: Redfield, ell: int):
    """Non-zero elements (α, γ) of S_ℓ in the energy basis and their Bohr frequencies."""
    mask = coupling_support(red.coupling[ell])
    rows, cols = np.nonzero(mask)
    return rows, cols, bohr_frequencies(red)[rows, cols]



def _clustered_lindblad(red: Redfield, width: float, lamb_shift: bool, name: str, notes: str) -> LindbladForm:
    r"""Jumps S_c = Σ_{ω∈c} S(ω) at γ_em(ω̄_c) and S_c† at γ_abs(ω̄_c) for clusters c of the Bohr frequencies of
    each S_ℓ (``bohr_clusters`` with ``width``); ω̄_c is the mean of the cluster's distinct frequencies.
    H_LS = Σ_c Im D(ω̄_c) S_c†S_c − Im C(ω̄_c) S_c S_c† (Breuer & Petruccione Eq. (3.142) with the
    half-sided transforms of Eq. (41) at ω̄_c)."""
    d = red.dim
    s_e = red.coupling
    jumps, rates = [], []
    h = np.zeros((d, d), dtype=complex)
    for ell, bath in enumerate(red.baths):
        rows, cols, om = _channel_elements(red, ell)
        labels = bohr_clusters(om, width)
        n_c = labels.max(initial=-1) + 1
        distinct = np.unique(np.column_stack([labels, om]), axis=0)  # (label, frequency), each pair once
        bar = (np.bincount(distinct[:, 0].astype(int), weights=distinct[:, 1], minlength=n_c)
               / np.bincount(distinct[:, 0].astype(int), minlength=n_c))
        c_bar, d_bar = bath_coefficients(bar, bath)
        values = s_e[ell, rows, cols]
        ops = np.zeros((n_c, d, d), dtype=s_e.dtype)
        ops[labels, rows, cols] = values
        ops_d = np.conj(np.swapaxes(ops, 1, 2))
        jumps += [ops, ops_d]
        rates += [2.0 * d_bar.real, 2.0 * c_bar.real]
        if lamb_shift:  # by elements: S_c†S_c over the rows (c, a) of S_c, S_c S_c† over its columns (c, b)
            h += sum_of_products(labels * d + rows, cols, values, d_bar.imag[labels], n_c * d, d)
            h -= sum_of_products(labels * d + cols, rows, np.conj(values), c_bar.imag[labels], n_c * d, d)
    return LindbladForm(name, red.system, np.concatenate(jumps), np.concatenate(rates), h, notes)



def _secular_width(red: Redfield) -> float:
    return SECULAR_RTOL * max(1.0, float(np.max(np.abs(red.energies))))



def secular_lindblad(setup, *, lamb_shift: bool = True) -> LindbladForm:
    r"""The global secular (Davies) Lindblad equation [4]:

    .. math::

        \mathcal L_2'(\rho) = -i[H_{LS}, \rho] + \sum_{\ell,\omega} \gamma^\ell_{em}(\omega)
            \mathcal D[S_\ell(\omega)]\rho + \gamma^\ell_{abs}(\omega)\mathcal D[S_\ell(\omega)^\dagger]\rho,
        \quad H_{LS} = \sum_{\ell,\omega} \mathrm{Im}D_\ell(\omega) S_\ell(\omega)^\dagger S_\ell(\omega)
            - \mathrm{Im}C_\ell(\omega) S_\ell(\omega) S_\ell(\omega)^\dagger,

    D[L]ρ = LρL† − ½{L†L, ρ}, γ_em = J(n+1) = 2 Re D, γ_abs = J n = 2 Re C, ω over the distinct Bohr
    frequencies of S_ℓ (equal to rounding: ``SECULAR_RTOL``). It is the part of the Redfield superoperator
    that connects ρ_ab to ρ_cd with E_a − E_b = E_c − E_d (``tests/lindblad/test_master_equations.py``).

    Parameters
    ----------
    setup : ChainSetup or Redfield
    lamb_shift : bool
        Include H_LS (default). It commutes with H_S, so it changes neither τ^pop nor τ^pop,coh nor the
        NESS; only the continuity violation.
    """
    red = redfield_of(setup)
    notes = "global secular (Davies) equation, " + ("with" if lamb_shift else "without") + " its Lamb shift"
    return _clustered_lindblad(red, _secular_width(red), lamb_shift, "secular", notes)



def partial_secular_width(setup, epsilon: float = PAPER_EPSILON) -> float:
    r"""Default cluster width of :func:`partial_secular_lindblad`: ε² max_k |W_kk|, the fastest relaxation rate
    of the Redfield rate matrix W at coupling ε (Cattaneo et al.'s criterion [2]: a pair of Bohr frequencies
    must be treated together when their difference is not large against the relaxation rates)."""
    red = redfield_of(setup)
    epsilon = float(epsilon)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got epsilon={epsilon!r}")
    return epsilon**2 * float(np.max(np.abs(np.diag(rate_matrix(red)))))



def partial_secular_lindblad(setup, *, width: float | None = None, lamb_shift: bool = True) -> LindbladForm:
    r"""Partial secular approximation [2] in the completely positive, unified form of [3].

    The Bohr frequencies of each S_ℓ are grouped into clusters (single linkage: neighbours at most ``width``
    apart). Redfield terms S(ω)ρS(ω')† with ω, ω' in one cluster are kept, the others dropped (the partial
    secular approximation of [2]), and D, C are evaluated at the cluster's mean frequency ω̄_c, which makes
    the kept terms a Lindblad form with one jump per cluster [3]:

    .. math::

        \mathcal L_2'(\rho) = -i[H_{LS}, \rho] + \sum_{\ell,c} \gamma_{em}(\bar\omega_c)\mathcal D[S_c]\rho
            + \gamma_{abs}(\bar\omega_c)\mathcal D[S_c^\dagger]\rho, \qquad
        S_c = \sum_{\omega\in c} S_\ell(\omega),

    H_LS = Σ_c Im D(ω̄_c) S_c†S_c − Im C(ω̄_c) S_c S_c†. ``width`` → 0 gives :func:`secular_lindblad`; a width
    larger than the spread of each site's Bohr frequencies gives S_c = σ−^(ℓ): a local equation (rates and
    Lamb shift at the mean Bohr frequency), which satisfies Eq. (22).

    Parameters
    ----------
    setup : ChainSetup or Redfield
    width : float ≥ 0, optional
        Cluster width in units of ω0. Default :func:`partial_secular_width` (ε = 0.01).
    lamb_shift : bool
        Include H_LS (default).
    """
    red = redfield_of(setup)
    if width is None:
        width = partial_secular_width(red)
    width = float(width)
    if np.isnan(width) or width < 0:
        raise ValueError(f"width must be >= 0, got width={width!r}")
    width = max(width, _secular_width(red))  # never split frequencies that are equal to rounding
    notes = (f"partial secular equation (Cattaneo et al. 2019) in unified form (Trushechkin 2021), cluster "
             f"width {width:.3g}, " + ("with" if lamb_shift else "without") + " its Lamb shift")
    return _clustered_lindblad(red, width, lamb_shift, "partial_secular", notes)



def two_frequency_lamb_shift(amplitude, w1, w2, *, omega_c: float) -> np.ndarray:
    r"""The ULE's Lamb-shift kernel for amplitudes a(ω) = √γ(ω) supported on ω > 0 [1]:

    .. math::

        \eta(\omega_1, \omega_2) = -\frac{1}{2\pi}\,\mathcal P\!\int_{-\infty}^{\infty}
            \frac{a(\omega_1 + u)\,a(\omega_2 + u)}{u}\,du
        = -\frac{1}{2\pi}\,\mathcal P\!\int_0^\infty \frac{a(y)\,a(y + |\omega_2 - \omega_1|)}
            {y - \min(\omega_1, \omega_2)}\,dy,

    symmetric, and η(ω, ω) = −(1/2π) P∫ γ(x)/(x − ω) dx, the imaginary part of the half-sided transform of
    Eq. (41) (Im D for γ = J(n+1), Im C for γ = J n). It is the imaginary part of
    Γ(ω1, ω2) = ∫ du/(2π) a(ω1+u) a(ω2+u) [π δ(u) − i P/u], whose real part ½ a(ω1) a(ω2) is the ULE's
    dissipator and whose diagonal is the Redfield Γ(ω).

    Parameters
    ----------
    amplitude : callable, vectorised, a(x) for x > 0 (smooth on (0, ∞), decaying like the cut-off)
    w1, w2 : arrays of float, same shape
    omega_c : float, the bath cut-off (sets the integration range, as ``baths.coefficients``)

    Returns
    -------
    η : array of the shape of w1.
    """
    w1, w2 = np.broadcast_arrays(np.asarray(w1, dtype=float), np.asarray(w2, dtype=float))
    lo = np.minimum(w1, w2).ravel()
    delta = np.abs(w2 - w1).ravel()
    if lo.size == 0:
        return np.zeros(w1.shape)
    scale = np.where(delta > 0, 10.0 ** (_DEDUP_DIGITS - 1 - np.floor(np.log10(np.where(delta > 0, delta, 1.0)))),
                     1.0)
    delta_key = np.round(delta * scale) / scale
    lo_scale = 10.0 ** (_DEDUP_DIGITS - 1 - np.floor(np.log10(np.where(lo != 0, np.abs(lo), 1.0))))
    lo_key = np.round(lo * lo_scale) / lo_scale
    # many pairs share (min ω, |Δω|) (degenerate Bohr frequencies): one integral each
    keys, first, back = np.unique(np.stack([delta_key, lo_key]), axis=1, return_index=True, return_inverse=True)
    cutoff = max(PV_CUTOFF_MULT * omega_c, 2.0 * float(np.max(np.abs(lo))) + 1.0)
    uniq, inverse = np.unique(keys[0], return_inverse=True)
    # one integrand a(y) a(y + Δω) per distinct Δω, all evaluated on the rule's nodes at once
    values = principal_value_family(lambda y, dlt: amplitude(y) * amplitude(y + dlt), uniq, lo[first],
                                    np.ravel(inverse), cutoff)
    out = values[np.ravel(back)]
    return (-out / (2.0 * np.pi)).reshape(w1.shape)



def channel_amplitudes(bath: BosonicBath):
    """The ULE's g of the two channels of one bath: (a_em, a_abs) = (√(J(n+1)), √(J n)) as vectorised functions
    of x > 0, zero for x ≤ 0 (Θ of Eq. (42)); g(ω)² is the golden-rule rate at Bohr frequency ω. A fermionic lead:
    (√(J(1 − f)), √(J f)) on the whole real axis (:func:`lindblad_core.systems.fermionic.channel_amplitudes`)."""
    if fermionic.is_fermionic(bath):
        return fermionic.channel_amplitudes(bath)
    def amplitude(x, extra):
        x = np.asarray(x, dtype=float)
        pos = np.where(x > 0, x, 1.0)
        with np.errstate(over="ignore"):  # n(x) = 0 where e^{βx} overflows: correct
            return np.where(x > 0, np.sqrt(spectral_density(pos, bath) * (occupation(pos, bath) + extra)), 0.0)

    return (lambda x: amplitude(x, 1.0)), (lambda x: amplitude(x, 0.0))



def _ule_lamb_shift(red: Redfield, ell: int, a_em, a_abs) -> np.ndarray:
    r"""Λ = Σ_k [S*_km S_kn η_em(ω_km, ω_kn)] − [S_mk S*_nk η_abs(ω_mk, ω_nk)] for site ℓ (energy basis),
    with ω_km = E_m − E_k the frequency of <E_k|S|E_m>: the two-frequency generalisation of
    Im D(ω) S(ω)†S(ω) − Im C(ω) S(ω)S(ω)† (the sign of the absorption term as in the secular equation)."""
    s = red.coupling[ell]
    om = bohr_frequencies(red)
    d = red.dim
    mask = coupling_support(s)
    lam = np.zeros((d, d), dtype=complex)
    bath = red.baths[ell]
    # emission: pairs of elements in one row k of S; absorption: pairs in one column k of S (rows of Sᵀ)
    for amp, sign, mat, freq, msk in ((a_em, 1.0, s, om, mask), (a_abs, -1.0, s.T, om.T, mask.T)):
        kk, mm, nn = [], [], []
        for k in range(d):
            idx = np.flatnonzero(msk[k])
            kk.append(np.full(idx.size**2, k))
            mm.append(np.repeat(idx, idx.size))
            nn.append(np.tile(idx, idx.size))
        kk, mm, nn = (np.concatenate(x).astype(int) for x in (kk, mm, nn))
        if kk.size == 0:
            continue
        if fermionic.is_fermionic(bath):
            eta = fermionic.two_frequency_lamb_shift(amp, freq[kk, mm], freq[kk, nn], bath)
        else:
            eta = two_frequency_lamb_shift(amp, freq[kk, mm], freq[kk, nn], omega_c=bath.scale)
        # emission: S*_km S_kn; absorption (mat = Sᵀ): S_mk S*_nk
        coef = np.conj(mat[kk, mm]) * mat[kk, nn] if sign > 0 else mat[kk, mm] * np.conj(mat[kk, nn])
        np.add.at(lam, (mm, nn), sign * coef * eta)
    return lam



def universal_lindblad(setup, *, lamb_shift: bool = True) -> LindbladForm:
    r"""The universal Lindblad equation (ULE) of Nathan & Rudner [1], one jump per channel:

    .. math::

        L^{em}_\ell = \sum_{\alpha\gamma} \sqrt{J(\omega_{\alpha\gamma})(n(\omega_{\alpha\gamma})+1)}\,
            |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|, \qquad
        L^{abs}_\ell = \Big(\sum_{\alpha\gamma} \sqrt{J(\omega_{\alpha\gamma}) n(\omega_{\alpha\gamma})}\,
            |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|\Big)^\dagger,

    ω_αγ = E_γ − E_α, both at rate 1 (g(ω) = √(golden-rule rate); see the module docstring for the mapping to
    Nathan & Rudner's 2π convention), and the ULE Lamb shift

    .. math::

        \Lambda_{mn} = \sum_{\ell,k} S^*_{km}S_{kn}\,\eta_{em}(\omega_{km}, \omega_{kn})
            - S_{mk}S^*_{nk}\,\eta_{abs}(\omega_{mk}, \omega_{nk})

    (:func:`two_frequency_lamb_shift` with a = √(J(n+1)) and √(J n)); on the diagonal ω_km = ω_kn it is the
    secular Lamb shift. CP by construction. Its population block is the Redfield one exactly
    (|L_km|² = golden-rule rate), so τ^pop = 0 and its zeroth-order NESS is ρ0.

    Parameters
    ----------
    setup : ChainSetup or Redfield
    lamb_shift : bool
        Include Λ (default; costs one principal-value integral per distinct pair of Bohr frequencies).
    """
    red = redfield_of(setup)
    d = red.dim
    jumps = []
    h = np.zeros((d, d), dtype=complex)
    for ell, bath in enumerate(red.baths):
        rows, cols, freqs = _channel_elements(red, ell)
        c, dd = bath_coefficients(freqs, bath)
        for rate in (2.0 * dd.real, 2.0 * c.real):
            op = np.zeros((d, d), dtype=red.coupling.dtype)
            op[rows, cols] = red.coupling[ell, rows, cols] * np.sqrt(np.clip(rate, 0.0, None))
            jumps.append(op)
        jumps[-1] = jumps[-1].conj().T
        if lamb_shift:
            h += _ule_lamb_shift(red, ell, *channel_amplitudes(bath))
    notes = "universal Lindblad equation (Nathan & Rudner 2020), " + ("with" if lamb_shift else "without") + \
        " its Lamb shift"
    return LindbladForm("ule", red.system, np.array(jumps), np.ones(len(jumps)), h, notes)



@functools.lru_cache(maxsize=2)
def _universal_lindblad_of(red: Redfield, lamb_shift: bool) -> LindbladForm:
    """:func:`universal_lindblad` of ``red``, kept for the ULE and the memory-dressed ULE of the same system (its
    Lamb shift, one principal value per pair of Bohr frequencies, is most of the cost of both); read-only."""
    form = universal_lindblad(red, lamb_shift=lamb_shift)
    for array in (form.jumps, form.rates, form.hamiltonian):
        array.setflags(write=False)
    return form


def master_equation(system, equation: str, *, lamb_shift: bool = True, width: float | None = None,
                    local_trace: float | None = None):
    """One of ``EQUATIONS`` for an OpenSystem or ChainSetup: a RedfieldGenerator, a LindbladCandidate ("local") or a
    LindbladForm.

    ``lamb_shift`` applies to "secular", "ule", "partial_secular" and "memory_dressed" (its ULE); ``width`` to
    "partial_secular"; ``local_trace`` to "local" (see :func:`local_lindblad`). "memory_dressed"
    (:func:`~lindblad_core.lindblad.memory_dressed.memory_dressed`) is a MemoryDressedGenerator, "psd_redfield"
    (:func:`~lindblad_core.lindblad.psd_redfield.psd_redfield`) and "game"
    (:func:`~lindblad_core.lindblad.game.geometric_arithmetic`) LindbladForms.
    """
    if equation == "redfield":
        return redfield_generator(system)
    if equation == "local":
        return local_lindblad(system, trace=local_trace)
    if equation == "secular":
        return secular_lindblad(system, lamb_shift=lamb_shift)
    if equation == "ule":
        return _universal_lindblad_of(redfield_of(system), lamb_shift)
    if equation == "partial_secular":
        return partial_secular_lindblad(system, width=width, lamb_shift=lamb_shift)
    if equation == "memory_dressed":
        return memory_dressed(_universal_lindblad_of(redfield_of(system), lamb_shift))
    if equation == "psd_redfield":
        return psd_redfield(system)
    if equation == "game":
        return geometric_arithmetic(system)
    raise ValueError(f"equation must be one of {EQUATIONS}, got equation={equation!r}")
