r"""Certified bounds for the SDPs of Eqs. (29) and (33): rigorous floating-point evaluation.

Modules: :mod:`.arithmetic` (rounding bounds, error-free transformations, enclosures), :mod:`.feasible`
(feasible Γ from a solver's candidate, data errors), :mod:`.pop` (τ^pop), :mod:`.dissipator` and :mod:`.lamb`
(the pieces of L2'(ρ0) with error bounds), :mod:`.popcoh` (τ^pop,coh), :mod:`.free_trace` (its free-trace dual).

Every solve (:func:`lindblad_core.sdp.tau_pop`, :func:`lindblad_core.sdp.tau_pop_coh`) returns a
:class:`~lindblad_core.sdp.TauResult` with a *certified* interval ``[lower, upper]`` for the optimum:

* ``upper``: the objective at a Lindbladian of Eq. (23) built from the solver's candidate (each Γ projected
  onto {Γ ⪰ 0, Tr Γ = t}, then shifted by the rigorous bound on its smallest eigenvalue and rescaled, so
  that it is feasible in exact arithmetic), evaluated with a bound on every rounding error.
* ``lower``: the dual objective at a dual-feasible point repaired from the solver's dual, evaluated with
  a bound on every rounding error: a bound by weak duality, independent of the solver's tolerance.

What "certified" guarantees
---------------------------
``lower ≤ τ_opt ≤ upper`` holds for the exact optimum of the problem defined by the computed (float64)
data — the populations p (ρ0 = diag p), the target T, the operators F_α and the traceless Lamb-shift basis
(``Ansatz.operators``, ``Ansatz.hamiltonian_basis``) in the computed energy eigenbasis, the Lamb shift
ranging over the commutator directions i[ρ0, B_h] that are resolved above rounding (``LAMB_NOISE_RTOL`` of
:mod:`lindblad_core.sdp`:
basis elements diagonal in the energy basis up to rounding, i.e. conserved, are not directions) — with
every rounding error of the certificate itself included. The tools are those of verified SDP solvers (VSDP,
Jansson, Chaykin, Keil 2007): a floating-point evaluation plus the a-priori bound γ_n = n u / (1 − n u)
(Higham, *Accuracy and Stability*, Ch. 3) on each matrix product; eigenvalues and norms through the
residual of the computed eigen-decomposition (Weyl, Ostrowski, Hoffman–Wielandt, see
:func:`.arithmetic.hermitian_enclosure`); the Lamb-shift term, whose coordinates can reach 1e9–1e35 at low
temperature, by an error-free compensated dot product (Ogita, Rump, Oishi 2005); the dual constraint
A_H^*(Z) = 0 not by a projection "up to rounding" but by an exact correction whose size is enclosed by a
verified linear solve (:func:`.popcoh.coh_lower_bound`). ``certified`` means: this interval is tight (``CERT_ATOL``,
``CERT_RTOL`` of :mod:`lindblad_core.sdp.solve`), nothing is inconsistent, and the data's own rounding (``data_error``) cannot change the
verdict.

Where the data have the exact zeros of the U(1) structure (:mod:`lindblad_core.systems.symmetry`; sector-wise
eigenvectors make them exact), products are evaluated block by block on the non-zero blocks only
(:class:`_OperatorBlocks`, :class:`_LambDirections`, the block-diagonal case of :func:`.arithmetic.hermitian_enclosure`):
the zeros are read off the float data, never assumed, so the exact values are those of the full products and
every rounding bound still holds (its sums only get shorter).

It does not guarantee the optimum of the problem with *exact* inputs. The computed data are themselves
rounded: populations to a relative O(d³u) (GTH, :func:`~lindblad_core.redfield_equation.populations`; measured
~3e-16 against extended precision), the eigenbasis to a first-order error estimated from each vector's residual,
near-degenerate levels refined in extended precision (3e-15 … 5e-11 on the paper's grids,
``OpenSystem.eigenvector_error``), the principal values of Eq. (41) to ~1e-10 relative
(``feasible.PRINCIPAL_VALUE_RTOL``). τ^pop moves by at most α ‖δp‖₁ under a change δp of the populations (the
argument of Lemma 1) and τ^pop,coh by at most ‖δT‖ under a change of the target; the Lamb-shift term
magnifies eigenbasis errors by the size of the optimal Lamb shift. ``TauResult.data_error`` is this
first-order estimate at the solution found (≤ 1.5e-10 on Fig. 2's panel (c, d) points, ≤ 2.5e-8 on
Fig. 3's, where α = 240); when it could flip the verdict,
the verdict is "inconclusive".

Free trace
----------
Without Tr Γ_b = t_b the dual of Eq. (33) needs A_Γb^*(Z) ⪰ 0 exactly, where the solver meets it only to its
tolerance; :func:`.free_trace.free_trace_lower_bound` repairs Z by a projection onto a face of that cone and a shift
along a direction W with A_H^*(W) = 0 and A_Γb^*(W) ≻ 0, every piece enclosed as above.
"""
