r"""The geometric-arithmetic master equation (GAME) of Davidović [1, 2].

Written with the Bohr components S_ℓ(ω) of each coupling (:mod:`.master_equations`) and the half-sided transforms
D(ω) = γ(ω)/2 + iη(ω) of Eq. (41), the Redfield dissipator of the emission channel of a bath is, in canonical form
(:mod:`.psd_redfield`: the traceless S_ℓ(ω) as jump operators, gains and losses with one coefficient matrix),

.. math::

    -i[H_R, \rho] + \sum_{\omega\omega'} \Big(\frac{\gamma(\omega) + \gamma(\omega')}{2}
        + i\big(\eta(\omega) - \eta(\omega')\big)\Big)
        \big(S(\omega)\rho S(\omega')^\dagger - \tfrac12\{S(\omega')^\dagger S(\omega), \rho\}\big),
    \qquad
    H_R = \sum_{\omega\omega'} \Big(\frac{\eta(\omega) + \eta(\omega')}{2}
        - i\,\frac{\gamma(\omega) - \gamma(\omega')}{4}\Big) S(\omega')^\dagger S(\omega),

and likewise for absorption (jumps S(ω)†, C(ω) = γ_abs/2 + i Im C; its part of H_R is
Σ [−(Im C(ω) + Im C(ω'))/2 + i(γ_abs(ω) − γ_abs(ω'))/4] S(ω)S(ω')†). The coefficient matrix is an arithmetic mean of the rates, not PSD.
The GAME keeps the Hamiltonian H_R of this "symmetrised" form (the arithmetic mean of the principal values,
Redfield's Lamb shift) and swaps the arithmetic mean of the rates for the geometric one, √(γ(ω)γ(ω')), a rank-one
PSD matrix: one jump operator per channel,

.. math::

    L^{em}_\ell = \sum_\omega \sqrt{\gamma^\ell_{em}(\omega)}\, S_\ell(\omega), \qquad
    L^{abs}_\ell = \sum_\omega \sqrt{\gamma^\ell_{abs}(\omega)}\, S_\ell(\omega)^\dagger,

γ_em = 2 Re D = J(n + 1), γ_abs = 2 Re C = J n (Eq. (36)'s J carries the 2π: |⟨E_α|L|E_γ⟩|² is the golden-rule
rate, the same jumps as the ULE's, :func:`~lindblad_core.lindblad.master_equations.universal_lindblad`). The
imaginary part i(η(ω) − η(ω')) of Redfield's coefficient matrix has no PSD counterpart and is dropped; it vanishes
at ω = ω', where the GAME is the secular equation: its secular part (E_a − E_b = E_c − E_d) and its population
block are Redfield's, so τ^pop = 0 and its zeroth-order NESS is ρ0. For a Hermitian coupling (A_ℓ = 0) there is
one channel, with Γ(ω) = D(ω) + conj(C(−ω)) in place of D.

[1] builds the GAME in two steps: renormalise H_S so that gains and losses carry the same coefficients, then
replace the arithmetic mean of the spectral density in them by the geometric one. The first step is read here as
the canonical form, whose Hamiltonian is unique once the jump operators are traceless; the second as above.

References
----------
.. [1] D. Davidović, "Completely positive, simple, and possibly highly accurate approximation of the Redfield
   equation", Quantum 4, 326 (2020).
.. [2] D. Davidović, "Geometric-arithmetic master equation in large and fast open quantum systems",
   J. Phys. A 55, 455301 (2022).
"""

from __future__ import annotations

import numpy as np

from lindblad_core.lindblad.generators import LindbladForm, redfield_of
from lindblad_core.lindblad.psd_redfield import canonical_form
from lindblad_core.redfield_equation import Redfield, coupling_support

__all__ = ["channel_rates", "geometric_arithmetic"]


def channel_rates(red: Redfield, ell: int):
    r"""The golden-rule rates of coupling ``ell`` per matrix element of S_ℓ (energy basis).

    γ_B[α, γ] = 2 Re(B_ℓ[α, γ] / S_ℓ[α, γ]) = 2 Re D_ℓ(ω_αγ) (J(n + 1) for an exchange coupling, 2 Re Γ for a
    Hermitian one) and γ_A = 2 Re(A_ℓ / S_ℓ) = J n, zero off the support of S_ℓ
    (:func:`~lindblad_core.redfield_equation.coupling_support`); rounding below zero is clipped.

    Parameters
    ----------
    red : Redfield
    ell : int, the coupling.

    Returns
    -------
    gamma_b, gamma_a : (d, d) arrays of float ≥ 0.

    Examples
    --------
    >>> from lindblad_core.redfield_equation import redfield
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> red = redfield(ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5))
    >>> gb, ga = channel_rates(red, 0)
    >>> bool(np.all(gb >= ga))  # J(n+1) ≥ J n
    True
    """
    s = red.coupling[ell]
    mask = coupling_support(s)
    out = []
    for ops in (red.b_ops[ell], red.a_ops[ell]):
        rate = np.zeros(s.shape)
        rate[mask] = np.clip(2.0 * np.real(ops[mask] / s[mask]), 0.0, None)
        out.append(rate)
    return tuple(out)


def geometric_arithmetic(system) -> LindbladForm:
    r"""The geometric-arithmetic master equation [1] (module docstring):

    .. math::

        \mathcal L_2'(\rho) = -i[H_R, \rho] + \sum_{\ell,c} L^c_\ell\rho L^{c\dagger}_\ell
            - \tfrac12\{L^{c\dagger}_\ell L^c_\ell, \rho\},
        \qquad \langle E_\alpha|L^{em}_\ell|E_\gamma\rangle = \sqrt{\gamma^\ell_{em}(\omega_{\alpha\gamma})}\,
            \langle E_\alpha|S_\ell|E_\gamma\rangle,

    L^abs_ℓ likewise with γ_abs and S_ℓ†, H_R Redfield's canonical Hamiltonian
    (:func:`~lindblad_core.lindblad.psd_redfield.canonical_form`). CP by construction. Its jumps act on the whole
    chain: outside the ansatz of Eq. (23) (they break Eq. (22)) unless each S_ℓ has a single Bohr frequency.

    Parameters
    ----------
    system : OpenSystem, ChainSetup or Redfield

    Returns
    -------
    LindbladForm named "game", rates 1 (the rates sit in the jumps).

    Examples
    --------
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> gen = geometric_arithmetic(ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.05, beta_left=1.0,
    ...                                       beta_right=0.5))
    >>> gen.jumps.shape  # emission and absorption on each bath site
    (4, 16, 16)
    """
    red = redfield_of(system)
    jumps = []
    for ell in range(red.coupling.shape[0]):
        s = red.coupling[ell]
        gamma_b, gamma_a = channel_rates(red, ell)
        for rate, adjoint in ((gamma_b, False), (gamma_a, True)):
            if not np.any(rate > 0):
                continue  # a Hermitian coupling has no A channel; a bath at T = 0 no absorption
            op = s * np.sqrt(rate)
            jumps.append(op.conj().T if adjoint else op)
    d = red.dim
    jumps = np.array(jumps) if jumps else np.zeros((0, d, d))
    notes = ("geometric-arithmetic master equation (Davidovic, Quantum 4, 326 (2020)): geometric mean of the "
             "rates, Redfield's canonical Hamiltonian (arithmetic mean of the principal values)")
    return LindbladForm("game", red.system, jumps, np.ones(len(jumps)), canonical_form(red).hamiltonian, notes)
