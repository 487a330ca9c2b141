r"""The Redfield equation in canonical GKLS form, and with its Kossakowski matrix replaced by the nearest PSD one.

Canonical form. Every Hermiticity- and trace-preserving generator can be written, with traceless operators F_k,

.. math::

    \mathcal L_2(\rho) = -i[H, \rho] + \sum_{kl} K_{kl}\big(F_k\rho F_l^\dagger
        - \tfrac12\{F_l^\dagger F_k, \rho\}\big),

and then H (up to a multiple of the identity) and the Kossakowski matrix K in any orthonormal (Hilbert–Schmidt)
basis of the traceless operators are unique (Gorini, Kossakowski, Sudarshan 1976). The generator is completely
positive iff K ⪰ 0. :func:`canonical_form` computes H and K for the Redfield dissipator of
:mod:`lindblad_core.redfield_equation` from its operators (B_ℓ, S_ℓ, S_ℓ†, A_ℓ†) and its Kossakowski matrix
[[0, 1], [1, 0]] on them (:class:`~lindblad_core.lindblad.generators.RedfieldGenerator`), without forming the
d²×d² super-operator: K has rank at most 4 × (number of couplings), so it lives on the span of the traceless parts
of those operators, and :func:`orthonormal_kossakowski` writes it on an orthonormal basis of that span (QR).

The nearest PSD Redfield equation [1] (:func:`psd_redfield`) keeps H and replaces K by the PSD matrix closest to
it in the Frobenius norm, K₊ = V max(w, 0) V† for K = V w V† (eigenvalue clipping; Higham 1988). The basis is any
orthonormal basis of the traceless d×d operators (the energy-basis matrix units |a⟩⟨b|, a ≠ b, with the
generalised Gell-Mann diagonals, say): a change between two such bases is a unitary on K, which commutes with the
clipping, so K₊ and the resulting generator do not depend on which one. [1] clips the time-dependent Redfield
generator at every time; here it is clipped once, at t → ∞ (the Markovian generator of Eqs. (38)–(41)).

References
----------
.. [1] A. D'Abbruzzo, V. Cavina and V. Giovannetti, "A time-dependent regularization of the Redfield equation",
   arXiv:2211.04400.
.. [2] N. J. Higham, "Computing a nearest symmetric positive semidefinite matrix", Linear Algebra Appl. 103,
   103 (1988).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lindblad_core.lindblad.generators import LindbladForm, RedfieldGenerator, redfield_of

__all__ = ["CanonicalForm", "orthonormal_kossakowski", "canonical_form", "canonical_hamiltonian", "psd_redfield"]


def orthonormal_kossakowski(ops: np.ndarray, k: np.ndarray):
    r"""The Kossakowski matrix of a dissipator Σ_kl K_kl F_k ρ F_l† on an orthonormal basis of the span of the
    traceless parts of the F_k.

    With F̃_k = F_k − (Tr F_k / d) I and vec(F̃) = Q R (reduced QR, row-major vec, Q with orthonormal columns),
    Σ K_kl F̃_k ρ F̃_l† = Σ M_ij G_i ρ G_j† with G_i = unvec(Q[:, i]) and M = R K R†: the part of the canonical
    Kossakowski matrix that is not identically zero, whatever linear dependences the F_k have.

    Parameters
    ----------
    ops : (m, d, d) array, the F_k (m ≤ d²).
    k : (m, m) Hermitian array.

    Returns
    -------
    q : (d², m) array, orthonormal columns (the G_i, vectorised).
    m : (m, m) Hermitian array, the Kossakowski matrix on the G_i.
    traces : (m,) array, Tr F_k / d (the identity components removed).

    Examples
    --------
    >>> sm = np.array([[0.0, 0.0], [1.0, 0.0]])  # σ− at rate 2: K = 2 on F = σ−, one G = σ−
    >>> q, m, _ = orthonormal_kossakowski(sm[None], np.array([[2.0]]))
    >>> float(np.real(m[0, 0]))
    2.0
    """
    ops = np.asarray(ops, dtype=complex)
    n_ops, d, _ = ops.shape
    traces = np.einsum("kii->k", ops) / d
    traceless = ops - traces[:, None, None] * np.eye(d)[None]
    q, r = np.linalg.qr(traceless.reshape(n_ops, d * d).T)
    m = r @ np.asarray(k) @ r.conj().T
    return q, 0.5 * (m + m.conj().T), traces


@dataclass(frozen=True, eq=False)
class CanonicalForm:
    """A generator in canonical GKLS form (module docstring), its K diagonalised.

    Attributes
    ----------
    jumps : (m, d, d) array, orthonormal traceless eigen-operators G_j of K (energy basis).
    eigenvalues : (m,) array, the eigenvalues w_j of K (negative ones make the generator non-CP).
    hamiltonian : (d, d) Hermitian array, H (energy basis).
    """

    jumps: np.ndarray
    eigenvalues: np.ndarray
    hamiltonian: np.ndarray


def canonical_hamiltonian(ops: np.ndarray, k: np.ndarray, x: np.ndarray, traces: np.ndarray) -> np.ndarray:
    r"""H of the canonical form of L(ρ) = Σ_kl K_kl F_k ρ F_l† + Xρ + ρX†.

    With F_k = F̃_k + c_k I (c_k = ``traces``), Σ K F ρ F† = Σ K F̃ ρ F̃† + Zρ + ρZ† + (c†Kc) ρ, Z = Σ_kl K_kl c_l* F̃_k.
    Writing Y = X + Z + (c†Kc/2) I = −iH − ½ Σ K_kl F̃_l†F̃_k (trace preservation) gives H = (i/2)(Y − Y†).

    Parameters
    ----------
    ops, k : the F_k and K (as :func:`orthonormal_kossakowski`).
    x : (d, d) array, the operator X.
    traces : (m,) array, c_k = Tr F_k / d.

    Returns
    -------
    (d, d) Hermitian array.

    Examples
    --------
    >>> sm = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> x = -0.5 * (sm.T @ sm) - 1j * np.diag([0.3, 0.0])  # −½ L†L − iH with H = diag(0.3, 0)
    >>> canonical_hamiltonian(sm[None], np.eye(1), x, np.zeros(1)).real.round(12)
    array([[0.3, 0. ],
           [0. , 0. ]])
    """
    ops = np.asarray(ops, dtype=complex)
    d = ops.shape[1]
    traceless = ops - traces[:, None, None] * np.eye(d)[None]
    z = np.tensordot(np.asarray(k) @ np.conj(traces), traceless, axes=1)
    y = np.asarray(x) + z
    return 0.5j * (y - y.conj().T)


def canonical_form(system) -> CanonicalForm:
    r"""The Redfield dissipator L2 of ``system`` (Eqs. (38)–(41)) in canonical GKLS form (module docstring).

    L2(ρ) = Σ_ℓ (B_ℓρS_ℓ† + S_ℓρB_ℓ† + S_ℓ†ρA_ℓ + A_ℓ†ρS_ℓ) + Xρ + ρX† with X = −(Q + P†), P = Σ A_ℓS_ℓ†,
    Q = Σ S_ℓ†B_ℓ (:class:`~lindblad_core.lindblad.generators.RedfieldGenerator`); its K on the orthonormal
    basis of :func:`orthonormal_kossakowski` is diagonalised, K = Σ_j w_j v_j v_j†, and G_j = Σ_i (v_j)_i G_i.

    Parameters
    ----------
    system : OpenSystem, ChainSetup or Redfield

    Returns
    -------
    CanonicalForm
        LindbladForm(name, system, jumps, eigenvalues, hamiltonian) is L2 itself (with negative rates where
        Redfield is not completely positive).

    Examples
    --------
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> form = canonical_form(ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.2, beta_left=1.0, beta_right=0.5))
    >>> bool(form.eigenvalues.min() < 0)  # Redfield is not completely positive here
    True
    """
    red = redfield_of(system)
    gen = RedfieldGenerator(red)
    ops, k = gen.kossakowski()
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd = np.conj(np.swapaxes(s, 1, 2))
    p_op = np.tensordot(a, sd, axes=([0, 2], [0, 1]))
    q_op = np.tensordot(sd, b, axes=([0, 2], [0, 1]))
    q, m, traces = orthonormal_kossakowski(ops, k)
    w, v = np.linalg.eigh(m)
    d = red.dim
    jumps = (q @ v).T.reshape(len(w), d, d)
    h = canonical_hamiltonian(ops, k, -(q_op + p_op.conj().T), traces)
    return CanonicalForm(jumps=jumps, eigenvalues=w, hamiltonian=h)


def psd_redfield(system) -> LindbladForm:
    r"""The Redfield equation with its Kossakowski matrix replaced by the nearest PSD one [1]:

    .. math::

        \mathcal L_2'(\rho) = -i[H_R, \rho] + \sum_{w_j > 0} w_j\big(G_j\rho G_j^\dagger
            - \tfrac12\{G_j^\dagger G_j, \rho\}\big),

    H_R and K = Σ_j w_j v_j v_j† the canonical Hamiltonian and Kossakowski matrix of the Redfield dissipator
    (:func:`canonical_form`), G_j its orthonormal traceless eigen-operators; the clipped K₊ = Σ_{w_j>0} w_j v_j v_j†
    is the PSD matrix nearest to K in the Frobenius norm, in any orthonormal basis of the traceless operators
    (module docstring). CP by construction; equal to Redfield where its K is already PSD (one Bohr frequency per
    coupling, e.g.). The jumps are global operators (linear combinations of B_ℓ, S_ℓ, S_ℓ†, A_ℓ†): in general
    outside the ansatz of Eq. (23), breaking Eq. (22).

    Parameters
    ----------
    system : OpenSystem, ChainSetup or Redfield

    Returns
    -------
    LindbladForm named "psd_redfield".

    Examples
    --------
    >>> from lindblad_core.systems.chain import ChainSetup
    >>> gen = psd_redfield(ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.2, beta_left=1.0, beta_right=0.5))
    >>> bool(gen.rates.min() > 0)
    True
    """
    red = redfield_of(system)
    form = canonical_form(red)
    keep = form.eigenvalues > 0
    notes = ("Redfield equation with its Kossakowski matrix clipped to the nearest PSD one (Frobenius norm, "
             "D'Abbruzzo, Cavina, Giovannetti, arXiv:2211.04400), its canonical Hamiltonian kept")
    return LindbladForm("psd_redfield", red.system, form.jumps[keep], form.eigenvalues[keep], form.hamiltonian,
                        notes)
