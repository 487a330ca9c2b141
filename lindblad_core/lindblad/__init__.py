"""Lindblad equations: the ansatz of Eq. (23), one candidate Lindbladian, and the standard master equations.

- :mod:`.ansatz`: the operators F_α of each block and the Lamb-shift basis;
- :mod:`.candidate`: one Lindbladian of Eq. (23) (Γ_b, H_LS), its L2'(ρ) and its QuTiP super-operator;
- :mod:`.generators`: second-order generators (GKLS form, or the Redfield dissipator itself);
- :mod:`.master_equations` and its sibling modules (:mod:`.game`, :mod:`.psd_redfield`, :mod:`.memory_dressed`): the
  local, secular, universal, partial-secular and newer master equations;
- :mod:`.comparison`: what each equation gets right and wrong next to the SDP optimum.
"""
