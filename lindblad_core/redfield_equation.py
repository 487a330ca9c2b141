r"""The Redfield dissipator L2 (Eqs. (38)–(41)), the zeroth-order NESS (App. A) and its coherences (Eq. (15)).

Sign convention (docs/conventions.md): Eq. (40) as printed is *minus* the physical dissipator. Everything here is the
physical one,

.. math::

    \mathcal L_2(\rho) = -\sum_\ell \left([\rho A_\ell, S_\ell^\dagger] + [S_\ell^\dagger, B_\ell\rho]
        + \mathrm{h.c.}\right), \qquad
    A_\ell = \sum_{\alpha\gamma} |E_\alpha\rangle\langle E_\alpha|S_\ell|E_\gamma\rangle\langle E_\gamma|
        \,C_\ell(\alpha,\gamma),

(B_ℓ likewise with D_ℓ), so that dρ/dt = i[ρ, H_S] + ε² L2(ρ) is the Redfield equation. "h.c." is read
so that the map is linear and Hermiticity preserving for any argument: L2(X)† = L2(X†).

Hermitian couplings S ⊗ (B + B†), S = S† (:class:`~lindblad_core.systems.open_system.Coupling` with ``form="hermitian"``, or
an exchange coupling whose S happens to be Hermitian: the same operator) are written in the same frame with
A_ℓ = 0 and B_ℓ = Λ_ℓ = S_ℓ ∘ Γ_ℓ, Γ(ω) = D(ω) + conj(C(−ω)) (:func:`~lindblad_core.systems.baths.hermitian_coefficients`):

.. math::

    \mathcal L_2(\rho) = -[S, \Lambda\rho] + [S, \rho\Lambda^\dagger],

the standard non-secular Bloch–Redfield form, equal to the exchange expression with A = S ∘ C, B = S ∘ D
(B + A† = Λ) wherever both are defined, and finite at Bohr frequency 0 (the diagonal elements of S, where
C(0) and D(0) diverge separately for an Ohmic J but Γ(0) = S(0)/2 − (i/2π)∫J/x does not).

All arrays are in the energy eigenbasis internally; the public functions take ``basis="computational"``
(default) or ``"energy"``.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np

from lindblad_core.systems.baths import OhmicSpectralDensity
from lindblad_core.systems.fermionic import bath_coefficients, bath_hermitian_coefficients
from lindblad_core.solvers.markov import checked_rates, closed_class, gth, stationary_populations
from lindblad_core.systems.chain import as_open_system
from lindblad_core.systems.open_system import OpenSystem

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
    "COUPLING_RTOL",
    "coupling_support",
    "SUPEROPERATOR_MAX_DIM",
]

# Matrix elements <E_α|S_ℓ|E_γ> below this times the largest |<E_α|S_ℓ|E_γ>| are rounding noise of the
# eigensolver (exact zeros by magnetisation conservation in the XXZ chain); their Bohr frequencies are not
# evaluated. Relative, so that S_ℓ in any units (the rates scale as |S|²) keeps its support.
COUPLING_RTOL = 1e-12
# A dense d²×d² complex superoperator takes 16 d⁴ bytes: 4.3 GB at d = 128.
SUPEROPERATOR_MAX_DIM = 128
# Redfield equations of the most recently used systems kept (a sweep point asks for its system's several times).
REDFIELD_CACHE_SIZE = 8


@dataclass(frozen=True, eq=False)
class Redfield:
    """The operators of Eq. (40) for one system and its baths, in the energy eigenbasis.

    Attributes
    ----------
    system : OpenSystem
    baths : tuple of BosonicBath or FermionicBath, one per coupling.
    coupling : (n_couplings, d, d) array, S_ℓ in the energy basis.
    a_ops, b_ops : (n_couplings, d, d) arrays, A_ℓ = S_ℓ ∘ C_ℓ and B_ℓ = S_ℓ ∘ D_ℓ (element-wise); for a
        Hermitian coupling A_ℓ = 0 and B_ℓ = S_ℓ ∘ Γ_ℓ (module docstring).
    forms : tuple of str, ``"exchange"`` or ``"hermitian"`` per coupling.
    rates : (d, d) array, R[k, m] the golden-rule rate of the transition m → k of App. A (zero diagonal),
        formed from the same coefficients as ``a_ops``, ``b_ops``.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5))
    >>> red.dim, red.forms, red.a_ops.shape
    (8, ('exchange', 'exchange'), (2, 8, 8))
    """

    system: OpenSystem
    baths: tuple
    coupling: np.ndarray
    a_ops: np.ndarray
    b_ops: np.ndarray
    forms: tuple[str, ...] = ()
    rates: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return self.system.dim

    @property
    def energies(self) -> np.ndarray:
        return self.system.energies


def redfield(system) -> Redfield:
    """The Redfield operators A_ℓ, B_ℓ of Eq. (40) for an open system and its baths.

    Parameters
    ----------
    system : OpenSystem or ChainSetup
        Its couplings carry their baths; a :class:`~lindblad_core.systems.chain.ChainSetup` is taken as
        ``setup.open_system()``.

    Returns
    -------
    Redfield
        Read-only arrays in the energy eigenbasis of ``system``. The most recently used systems are cached
        (by identity: an ``OpenSystem`` is immutable), so asking again for the same system costs nothing.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=0, n_right=1, g=0.1, beta_left=1.0, beta_right=0.5))
    >>> red.a_ops.shape
    (2, 4, 4)
    """
    return _redfield(as_open_system(system))


def coupling_support(s: np.ndarray) -> np.ndarray:
    """Where the coupling operator(s) ``s`` (energy basis; (d, d) or a stack (n, d, d), one operator per
    coupling) have a non-zero element: ``|s| > COUPLING_RTOL · max|s|`` per operator. The elements outside
    are the eigensolver's rounding noise and drive no transition.

    Examples
    --------
    >>> coupling_support(np.array([[0.0, 1e-30], [1e-45, 0.0]]))  # a tiny S keeps its support
    array([[False,  True],
           [False, False]])
    """
    s = np.abs(np.asarray(s))
    return s > COUPLING_RTOL * np.max(s, axis=(-2, -1), keepdims=True)


@functools.lru_cache(maxsize=REDFIELD_CACHE_SIZE)
def _redfield(system: OpenSystem) -> Redfield:
    red = _assemble(system, system.baths, system.forms)
    for a in (red.coupling, red.a_ops, red.b_ops):
        a.setflags(write=False)
    return red


def _assemble(system, baths: tuple, forms: tuple[str, ...]) -> Redfield:
    s_e = system.to_energy_basis(system.coupling_operators)
    e = system.energies
    omega = e[None, :] - e[:, None]  # ω[α, γ] = E_γ − E_α
    a_ops = np.zeros(s_e.shape, dtype=complex)
    b_ops = np.zeros(s_e.shape, dtype=complex)
    masks = coupling_support(s_e)
    zero = np.abs(omega) <= system.degeneracy_tolerance  # the diagonal, and degenerate pairs if they are allowed
    for ell, form in enumerate(forms):
        sites = getattr(system, "couplings", None)
        where = f"coupling {ell} (sites {sites[ell].sites})" if sites else f"bath site {system.bath_sites[ell]}"
        if form == "exchange" and np.any(masks[ell]) and not np.any(masks[ell] & (omega > 0)):
            warnings.warn(_raising_coupling_message(where), UserWarning, stacklevel=3)
        if form == "exchange" and np.any(zero[masks[ell]]):
            raise ValueError(
                f"{where} couples levels with Bohr frequency 0 through a non-Hermitian S; the principal values "
                "of Eq. (41) diverge there for an Ohmic J (docs/conventions.md); a Hermitian S "
                "(form='hermitian') is finite at 0"
            )
    # couplings with identical baths and forms share one set of coefficients, evaluated only where one of their
    # S_ℓ connects two levels; the real (golden-rule) parts are kept for the rates
    real_parts = {}
    for bath, form in dict.fromkeys(zip(baths, forms)):
        group = [ell for ell, key in enumerate(zip(baths, forms)) if key == (bath, form)]
        union = np.any(masks[group], axis=0)
        if form == "hermitian":
            lam = np.zeros(omega.shape, dtype=complex)
            lam[union] = bath_hermitian_coefficients(np.where(zero, 0.0, omega)[union], bath)
            for ell in group:
                np.multiply(s_e[ell], lam, out=b_ops[ell])
            real_parts[bath, form] = (None, lam.real.copy())
        else:
            c_mat = np.zeros(omega.shape, dtype=complex)
            d_mat = np.zeros(omega.shape, dtype=complex)
            c_mat[union], d_mat[union] = bath_coefficients(omega[union], bath)
            for ell in group:
                np.multiply(s_e[ell], c_mat, out=a_ops[ell])
                np.multiply(s_e[ell], d_mat, out=b_ops[ell])
            real_parts[bath, form] = (c_mat.real.copy(), d_mat.real.copy())
    # Σ_ℓ |S_ℓ|² times the real part of each coefficient, in the order of ℓ: [m, k] = Σ_ℓ |S_mk|² Re C_ℓ(m, k) and
    # [k, m] = Σ_ℓ |S_km|² Re D_ℓ(k, m) (Re Γ_ℓ for a Hermitian coupling); see _transition_rates
    sum_a, sum_b = np.zeros(omega.shape), np.zeros(omega.shape)
    for ell, key in enumerate(zip(baths, forms)):
        re_c, re_d = real_parts[key]
        s_abs = np.abs(s_e[ell])
        if re_c is not None:
            sum_a += s_abs * (s_abs * re_c)
        sum_b += s_abs * (s_abs * re_d)
    rates = 2.0 * (sum_a.T + sum_b)
    np.fill_diagonal(rates, 0.0)
    rates.setflags(write=False)
    return Redfield(system=system, baths=tuple(baths), coupling=s_e, a_ops=a_ops, b_ops=b_ops, forms=tuple(forms),
                    rates=rates)


def _raising_coupling_message(where: str) -> str:
    return (f"{where}: S raises the energy of every transition it drives (<E_a|S|E_b> != 0 only where E_a > E_b), "
            "so in the exchange form S ⊗ B† + S† ⊗ B all its golden-rule rates vanish (Re C = Re D = 0 at negative "
            "Bohr frequencies, Eq. (41)) and it only shifts the levels. You probably meant its adjoint: the exchange "
            "form takes S as the lowering operator (σ− in Eq. (35)); pass op.conj().T")


def validated_epsilon(epsilon) -> float:
    """The system–bath coupling ε of Eq. (18) as a float: finite, > 0, with ε² a normal double (ε roughly in
    [1.5e-154, 1.3e154]); ValueError naming ``epsilon`` otherwise."""
    try:
        value = float(epsilon)
    except (TypeError, ValueError):
        raise ValueError(f"epsilon must be a real number > 0, got epsilon={epsilon!r}") from None
    square = value * value
    if not (math.isfinite(square) and square >= np.finfo(float).tiny and value > 0):
        raise ValueError("epsilon must be finite and > 0 with epsilon**2 a normal double (about 1.5e-154 to "
                         f"1.3e154), got epsilon={epsilon!r}")
    return value


def _check_redfield(red) -> None:
    if not isinstance(red, Redfield):
        raise ValueError(f"red must be a Redfield (from redfield(system)), got {type(red).__name__}")


def _to_energy(red: Redfield, x, basis: str, name: str = "rho") -> np.ndarray:
    """``x`` (a (d, d) array or a qutip.Qobj operator with the system's dims) in the energy basis."""
    _check_redfield(red)
    if basis not in ("computational", "energy"):
        raise ValueError(f"basis must be 'computational' or 'energy', got basis={basis!r}")
    d = red.dim
    if hasattr(x, "full") and callable(x.full):
        dims = [list(red.system.dims), list(red.system.dims)]
        if getattr(x, "isoper", True) is False or list(map(list, x.dims)) != dims:
            raise ValueError(f"{name} must be a {d} x {d} operator with dims {dims}, got a qutip.Qobj of type "
                             f"{getattr(x, 'type', '?')!r} with dims {x.dims}")
        x = x.full()
    try:
        m = np.asarray(x)
        ok = m.dtype != object and np.issubdtype(m.dtype, np.number)
    except (TypeError, ValueError):
        ok = False
    if not ok or m.shape != (d, d):
        raise ValueError(f"{name} must be a {d} x {d} array or qutip.Qobj, got "
                         f"{type(x).__name__}{' of shape ' + str(m.shape) if ok else ''}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name} must be finite")
    return m if basis == "energy" else red.system.to_energy_basis(m)


def _from_energy(red: Redfield, x: np.ndarray, basis: str) -> np.ndarray:
    return x if basis == "energy" else red.system.to_computational_basis(x)


# From this dimension on, l2 takes the shortcuts of a real diagonal or a Hermitian ρ and forms real × complex
# products as two real ones (at N = 12 a third of the products, each half the operations). Below, it forms
# every term as written: the same numbers, to rounding, but the free-trace points of Fig. 3(d) are so close to
# the interior-point method's tolerances that rounding-level changes of T decide whether it or QICS certifies three
# of them (benchmarks/bench_free_trace.py: 41 of 44 at the first solver with the shortcuts, 43 without)
L2_SHORTCUT_MIN_DIM = 2048


def _sum_of_products(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Σ_ℓ X_ℓ Y_ℓ for (L, d, d) stacks, as one matrix product over (ℓ, j) (BLAS; einsum's loop took 0.4 s at
    d = 256); a real factor times a complex one as two real products (half the operations of a complex one)."""
    def product(a, b):
        return np.tensordot(a, b, axes=([0, 2], [0, 1]))

    if np.iscomplexobj(x) and not np.iscomplexobj(y):
        return product(np.ascontiguousarray(x.real), y) + 1j * product(np.ascontiguousarray(x.imag), y)
    if np.iscomplexobj(y) and not np.iscomplexobj(x):
        return product(x, np.ascontiguousarray(y.real)) + 1j * product(x, np.ascontiguousarray(y.imag))
    return product(x, y)


def _adjoint_and_products(red: Redfield):
    """S_ℓ†, P = Σ_ℓ A_ℓ S_ℓ† and Q = Σ_ℓ S_ℓ† B_ℓ: the parts of Eq. (40) that do not depend on ρ."""
    sd = np.conj(np.swapaxes(red.coupling, 1, 2))
    if red.dim < L2_SHORTCUT_MIN_DIM:
        over = ([0, 2], [0, 1])  # Σ_ℓ as one matrix product over (ℓ, j)
        return sd, np.tensordot(red.a_ops, sd, axes=over), np.tensordot(sd, red.b_ops, axes=over)
    return sd, _sum_of_products(red.a_ops, sd), _sum_of_products(sd, red.b_ops)


def l2(red: Redfield, rho: np.ndarray, *, basis: str = "computational") -> np.ndarray:
    r"""The physical Redfield dissipator L2(ρ) = −L2_eq40(ρ), Eqs. (38), (40).

    Parameters
    ----------
    red : Redfield
    rho : (d, d) array or qutip.Qobj operator (dims of the system), any complex matrix (the map is linear).
    basis : {"computational", "energy"}, basis of ``rho`` and of the result.

    Returns
    -------
    (d, d) ndarray
        L2(ρ) in ``basis``.

    Examples
    --------
    L2 preserves the trace, and ρ0 is stationary at zeroth order (its diagonal in the energy basis vanishes):

    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> x = lc.l2(red, lc.rho0(red, basis="energy"), basis="energy")
    >>> bool(abs(np.trace(x)) < 1e-14), bool(np.max(np.abs(np.diag(x))) < 1e-14)
    (True, True)
    """
    x = _to_energy(red, rho, basis)
    s, a, b = red.coupling, red.a_ops, red.b_ops
    sd, p_op, q_op = _adjoint_and_products(red)
    # X(ρ) = ρ P + Q ρ − Σ (S† ρ A + B ρ S†);  Eq. (40) = X(ρ) + X(ρ†)†, = X(ρ) + X(ρ)† for Hermitian ρ
    shortcuts = red.dim >= L2_SHORTCUT_MIN_DIM
    if shortcuts and np.count_nonzero(x) == np.count_nonzero(np.diagonal(x)) and not np.any(np.imag(np.diagonal(x))):
        # a real diagonal ρ (ρ0 in the energy basis): ρ P and Q ρ scale rows and columns, and each sum over ℓ is
        # one matrix product over (ℓ, j)
        w = np.real(np.diagonal(x))
        xr = w[:, None] * p_op + q_op * w[None, :] - (_sum_of_products(sd * w, a) + _sum_of_products(b * w, sd))
        return _from_energy(red, -(xr + np.conj(xr.T)), basis)
    xr = x @ p_op + q_op @ x - np.sum(sd @ x @ a + b @ x @ sd, axis=0)
    if shortcuts and np.array_equal(x, np.conj(x.T)):
        return _from_energy(red, -(xr + np.conj(xr.T)), basis)
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


def _transition_rates(red: Redfield) -> np.ndarray:
    r"""R[k, m] = rate of the transition m → k (k ≠ m) of App. A, ≥ 0 by construction; zero diagonal.

    R[k, m] = 2 Σ_ℓ (|<E_m|S_ℓ|E_k>|² Re C_ℓ(m, k) + |<E_k|S_ℓ|E_m>|² Re D_ℓ(k, m)) (Re Γ_ℓ in place of Re C_ℓ,
    Re D_ℓ for a Hermitian coupling): only the golden-rule parts J n / 2 and J (n + 1) / 2 of Eq. (41) enter,
    never the principal values. :func:`redfield` forms them from the coefficient arrays that also build
    A_ℓ = S_ℓ ∘ C_ℓ and B_ℓ = S_ℓ ∘ D_ℓ, as |S| · (|S| · Re C): a product of non-negative numbers (J ≥ 0 is
    checked wherever it is evaluated, :func:`~lindblad_core.baths.spectral_density`), exactly 0 where Re C is
    (negative Bohr frequencies of an exchange coupling), and accurate to a few u relative for any S. (Forming
    Re(conj(S) ∘ A) instead leaves ±u |S|² |Im C| at those zeros for a complex S: spurious rates that decide
    the populations of a level without a genuine rate.) The population block of :func:`l2` equals these rates
    up to that rounding of L2 itself.
    """
    if red.rates is None:
        raise ValueError("red must be a Redfield built by redfield(system) (its transition rates are missing)")
    return np.array(red.rates)


def rate_matrix(red: Redfield) -> np.ndarray:
    r"""The population block of L2 (App. A, Eq. (A5) with the physical sign): W[k, m] = <E_k|L2(|E_m><E_m|)|E_k>.

    Off-diagonal entries are transition rates m → k (≥ 0); each column sums to zero (the diagonal is minus the
    total rate out of the level). Only the real parts of C, D (the golden-rule rates) enter; the principal values
    drop out.

    Parameters
    ----------
    red : Redfield

    Returns
    -------
    (d, d) ndarray
        W, energy basis (ascending energies).

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> w = lc.rate_matrix(red)
    >>> bool(np.allclose(w.sum(axis=0), 0, atol=1e-14)), bool((w - np.diag(np.diag(w)) >= 0).all())
    (True, True)
    """
    rates = _transition_rates(red)
    return rates - np.diag(rates.sum(axis=0))


def _no_rates_error(red: Redfield) -> ValueError:
    if not all(isinstance(b.spectral_density, OhmicSpectralDensity) for b in red.baths):
        return ValueError("every transition rate of App. A vanishes (J(ω)(n(ω)+1) = 0 at every Bohr frequency "
                          "the couplings connect): the zeroth-order NESS is undefined; check each bath's "
                          "spectral_density and the coupling operators")
    gammas = sorted({b.spectral_density.gamma for b in red.baths})
    if all(g == 0.0 for g in gammas):
        return ValueError(f"gamma must be > 0 on at least one bath: every transition rate of App. A vanishes "
                          f"and the zeroth-order NESS is undefined, got gamma={gammas[0]!r}")
    b = red.baths[0].spectral_density
    return ValueError(
        "every transition rate of App. A underflows to 0 in double precision (J(ω) = γ ω^s exp(−(ω/ω_c)²) at "
        f"the Bohr frequencies): the zeroth-order NESS is undefined; raise omega_c, got omega_c={b.omega_c!r} "
        f"(gamma={b.gamma!r}, beta={red.baths[0].beta!r})")


def populations(red: Redfield) -> np.ndarray:
    r"""Zeroth-order NESS populations p (App. A): the unique solution of W p = 0 with Σ p = 1 (Eq. (14)),
    W the population block of L2 (:func:`rate_matrix`), by :func:`stationary_populations` (GTH).

    Parameters
    ----------
    red : Redfield

    Returns
    -------
    (d,) ndarray
        p_a of the energy eigenstates |E_a> (ascending energies), Σ p = 1.

    Raises ValueError when every rate vanishes (γ = 0, or all rates underflow) or when the kernel of W is
    not one-dimensional (more than one closed class of levels: the NESS is not unique).

    Examples
    --------
    At equal temperatures the NESS is the Gibbs state p ∝ e^{−βE}:

    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> gibbs = np.exp(-2.0 * red.energies); gibbs /= gibbs.sum()
    >>> bool(np.allclose(lc.populations(red), gibbs, atol=1e-12))
    True
    """
    _check_redfield(red)
    return np.array(_populations(red))


@functools.lru_cache(maxsize=REDFIELD_CACHE_SIZE)
def _populations(red: Redfield) -> np.ndarray:
    """:func:`populations`, computed once per Redfield equation (read-only; an O(d³) solve at d = 4096)."""
    p = stationary_populations(_rates_of(red))
    p.setflags(write=False)
    return p


@functools.lru_cache(maxsize=REDFIELD_CACHE_SIZE)
def population_rounding_error(red: Redfield) -> float:
    """max_a |p_a − p̂_a| / p̂_a between :func:`populations` and the same GTH solve in extended precision
    (``np.longdouble``) on the same rates: the measured rounding error of the population solve itself (kept for
    the most recently used Redfield equations: both SDPs of a system ask for it)."""
    rates, keep = closed_class(checked_rates(_rates_of(red)))
    sub = rates.T[np.ix_(keep, keep)]
    p, p_ext = _populations(red)[keep], gth(sub, np.longdouble)  # the first is gth(sub), kept
    nz = p_ext > 0
    return float(np.max(np.abs(p[nz] - p_ext[nz]) / p_ext[nz], initial=0.0))


def _rates_of(red: Redfield) -> np.ndarray:
    """The transition rates of App. A, with errors that name the bath parameters."""
    rates = _transition_rates(red)
    if not np.all(np.isfinite(rates)):
        raise ValueError("the transition rates of App. A overflow: the bath parameters are out of range "
                         f"(gamma={getattr(red.baths[0], 'gamma', None)!r})")
    if not rates.max(initial=0.0) > 0.0:
        raise _no_rates_error(red)
    return rates


def rho0(red: Redfield, *, basis: str = "computational") -> np.ndarray:
    r"""ρ0 = Σ_a p_a |E_a><E_a| (Eq. (A1)), the zeroth-order NESS.

    Parameters
    ----------
    red : Redfield
    basis : {"computational", "energy"}

    Returns
    -------
    (d, d) ndarray
        ρ0 in ``basis`` (diagonal in the energy basis).

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> r0 = lc.rho0(red)
    >>> bool(np.isclose(np.trace(r0).real, 1.0)), bool(np.allclose(np.diag(lc.rho0(red, basis="energy")), lc.populations(red)))
    (True, True)
    """
    return _from_energy(red, np.diag(populations(red)).astype(complex), basis)


def second_order_coherences(red: Redfield, *, basis: str = "energy") -> np.ndarray:
    r"""Leading-order coherences <E_α|ρ2|E_ν>, α ≠ ν, from Eq. (15).

    Order ε² of dρ/dt = i[ρ, H_S] + ε² L2(ρ) = 0 off the diagonal gives
    −i(E_α − E_ν) ρ2_αν + L2(ρ0)_αν = 0, i.e. ρ2_αν = −i L2(ρ0)_αν / (E_α − E_ν) with the physical L2
    (equivalently +i L2_eq40(ρ0)_αν / (E_α − E_ν), Eq. (15) as printed, whose L2 is L2_eq40). The
    diagonal of ρ2 needs L4 (Eq. (16)) and is returned as zero. ``tests/test_redfield_equation.py`` checks this
    against the finite-ε steady state.

    Parameters
    ----------
    red : Redfield
    basis : {"energy", "computational"}

    Returns
    -------
    (d, d) ndarray
        ρ2 without its diagonal, Hermitian; the NESS is ρ0 + ε² ρ2 + O(ε⁴) off the diagonal.

    Examples
    --------
    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> rho2 = lc.second_order_coherences(red)
    >>> bool(np.allclose(rho2, rho2.conj().T)), bool(np.all(np.diag(rho2) == 0))
    (True, True)
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

    Parameters
    ----------
    red : Redfield
    epsilon : float
        The coupling ε > 0 of Eq. (18).
    basis : {"computational", "energy"}

    Returns
    -------
    (d, d) ndarray
        The steady state, Hermitian, unit trace.

    Examples
    --------
    As ε → 0 it tends to ρ0, the error shrinking as ε²:

    >>> import numpy as np, lindblad_core as lc
    >>> red = lc.redfield(lc.ChainSetup(n_left=1, n_middle=1, n_right=1, g=0.1, beta_left=2.0, beta_right=2.0))
    >>> r0 = lc.rho0(red)
    >>> errors = [np.abs(lc.steady_state(red, eps) - r0).max() for eps in (0.02, 0.01)]
    >>> bool(3.5 < errors[0] / errors[1] < 4.5)
    True
    """
    _check_redfield(red)
    epsilon = validated_epsilon(epsilon)
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
