r"""Bosonic baths: spectral functions, occupations and the Redfield coefficients of Eq. (41).

.. math::

    \mathfrak J(\omega) = \gamma\,\omega^s e^{-(\omega/\omega_c)^2}\,\Theta(\omega)  \quad (42),\qquad
    n(\omega) = \frac{1}{e^{\beta(\omega-\mu)} - 1}  \quad (37),

    C(\omega) = \frac{\mathfrak J n}{2}(\omega)
        - \frac{i}{2\pi}\,\mathcal P\!\int_0^\infty \frac{\mathfrak J(x) n(x)}{x-\omega}\,dx, \qquad
    D(\omega) = \frac{\mathfrak J (n+1)}{2}(\omega)
        - \frac{i}{2\pi}\,\mathcal P\!\int_0^\infty \frac{\mathfrak J(x)(n(x)+1)}{x-\omega}\,dx,

with ω = E_γ − E_α the Bohr frequency of the pair (α, γ). The 1/(2π) before the principal value is the
one the published data used (docs/conventions.md); Eq. (41) as printed lacks it.

The principal values are computed by singularity subtraction, vectorised over the Bohr frequencies,

.. math::

    \mathcal P\!\int_0^X \frac{f(x)}{x-\omega}dx = \int_0^X \frac{f(x)-f(\omega)}{x-\omega}dx
        + f(\omega)\ln\frac{X-\omega}{\omega}, \qquad 0 < \omega < X,

on a composite Gauss–Legendre rule whose panels are graded geometrically towards x = 0 (where
ω^s n(ω) ~ ω^{s−1}/β is not smooth) and always have ω as a breakpoint, so no node sits on the
removable singularity. ``tests/systems/test_baths.py`` checks it against QUADPACK's QAWC to 1e-10. The nodes and the
integrand's values at them are computed once and shared by all frequencies; the (frequencies × nodes) work runs
in blocks of bounded memory (``PV_BLOCK_BYTES``), each frequency's sum formed from its own row, so N = 12 qubits
(2.5e6 Bohr frequencies per bath) takes no more memory for it than N = 4.

General baths (:class:`BosonicBath`) take any vectorised J(ω ≥ 0). The rule above then covers
[0, X] with X = max(8 σ, 2 max|ω|) (σ the frequency scale of J), and the tail ∫_X^∞ f(x)/(x − ω) dx, regular
there, is added by adaptive quadrature to infinity (``scipy.integrate.quad_vec``): a slowly decaying J (the
1/ω tail of Drude–Lorentz) is integrated in full, not truncated. Only a J that declares its own
truncation point (the Gaussian cut-off: ``pv_cutoff = 8 ω_c``, where the integrand is e^{−64} of its scale)
skips the tail; the paper's baths (:func:`ohmic` with ``cutoff="gaussian"``) are such baths.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from lindblad_core.systems.spectral_densities import (PV_CUTOFF_MULT, DrudeLorentzSpectralDensity, OhmicSpectralDensity,
                                                     check_positive, drude_lorentz, ohmic)

__all__ = ["BosonicBath", "OhmicSpectralDensity", "DrudeLorentzSpectralDensity", "ohmic",
           "drude_lorentz", "as_bosonic_bath", "spectral_density", "occupation", "coefficients",
           "hermitian_coefficients", "zero_frequency_spectrum", "principal_value", "PV_CUTOFF_MULT"]

_GAUSS_NODES = 20  # Gauss–Legendre nodes per panel
_GEOMETRIC_PANELS = np.geomspace(1e-24, 1.0, 41)  # breakpoints near x = 0, in units of the cut-off X
_UNIFORM_PANELS = 48  # uniform panels on [0, X], merged with the geometric ones
_NEAR_NODE = 1e-6  # ω closer than this to a node is integrated on its own rule (see principal_value)
# Byte budget of the (frequencies × nodes) temporaries of the principal values: the frequencies are taken in
# blocks whose two float64 buffers fit in it (4 MiB: 148 frequencies of the 1760-node rule), so the memory does
# not grow with the number of Bohr frequencies (2.5e6 for N = 12 qubits); the values do not depend on it.
PV_BLOCK_BYTES = 4 * 2**20
# Bohr frequencies equal to this many significant digits share one principal-value evaluation (the XXZ chain
# has many exactly equal ones that differ by rounding); the induced change of Im C, Im D is ~1e-12 |dC/dω|.
# The real parts (the rates) are evaluated at each frequency.
_DEDUP_DIGITS = 12


# J is checked for finite, non-negative values on this grid of frequencies (geometric, 1e-8 … 1e8).
_PROBE = np.geomspace(1e-8, 1e8, 321)
# Generic J: its frequency scale σ is where J peaks on this grid (the rule on [0, 8σ] resolves that shape).
_SCALE_PROBE = np.geomspace(1e-4, 1e4, 161)
# Tail ∫_X^∞ f(x)/(x − ω) dx of a J without its own truncation point: relative tolerance of quad_vec.
TAIL_RTOL = 1e-12
# ... on this many frequencies at a time.
TAIL_BLOCK = 2**15
# Bytes of principal values kept per (bath with one of the library's immutable J, digest of the Bohr frequencies):
# systems that differ only in the other bath share them. A user's J (any callable) is never cached.
PV_CACHE_BYTES, _PV_CACHE = 64 * 2**20, collections.OrderedDict()
# J'(0) of a generic callable: Richardson extrapolation of J(h)/h over h = σ · _SLOPE_H0 · 2^{−k},
# k < _SLOPE_STEPS; accepted when the last two diagonal entries agree to _SLOPE_RTOL.
_SLOPE_H0 = 1e-3
_SLOPE_STEPS = 8
_SLOPE_RTOL = 1e-8


@dataclass(frozen=True)
class _QutipSpectralDensity:
    """J(ω) = 2 J_QuTiP(ω) of a QuTiP ``BosonicEnvironment`` (the convention of :func:`drude_lorentz`).

    An environment built from sampled or callable data with a support ``wMax`` (``from_spectral_density``,
    ``from_power_spectrum``) declares J = 0 beyond it (QuTiP: "the spectral density is essentially zero outside
    [−wMax, wMax]"); J is taken as 0 there, and ``wMax`` truncates the principal values, so a cubic spline
    through samples is never extrapolated."""

    env: object

    def __call__(self, omega) -> np.ndarray:
        omega = np.asarray(omega, dtype=float)
        inside = omega > 0
        if self.pv_cutoff is not None:
            inside &= omega <= self.pv_cutoff
        if not np.any(inside):
            return np.zeros(omega.shape)
        values = np.zeros(omega.shape, dtype=complex)
        values[inside] = 2.0 * np.asarray(self.env.spectral_density(omega[inside]))
        return values if np.any(values.imag != 0.0) else values.real

    @property
    def pv_cutoff(self) -> float | None:
        w_max = getattr(self.env, "wMax", None)
        return float(w_max) if w_max is not None and math.isfinite(float(w_max)) and float(w_max) > 0 else None


def probed_spectral_density(owner: str, spectral_density, probe: np.ndarray) -> np.ndarray:
    """``spectral_density(probe)`` as an array of the probe's shape; a ValueError naming
    ``<owner>.spectral_density`` when it is not callable, fails on an array, or is not vectorised. Whether the
    values are real, finite and non-negative is for the caller to check (bosonic and fermionic J differ)."""
    where = f"{owner}.spectral_density"
    if not callable(spectral_density):
        raise ValueError(f"{where} must be a vectorised callable J(omega), got spectral_density={spectral_density!r}")
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(spectral_density(probe))
    except Exception as err:  # noqa: BLE001 - any failure of the user's callable is an input error
        raise ValueError(f"{where} must accept an array of frequencies and return an array of the same shape; "
                         f"calling it failed: {err!r}") from None
    if values.shape != probe.shape:
        raise ValueError(f"{where} must be vectorised (array in, array of the same shape out), got shape "
                         f"{values.shape} for input shape {probe.shape}")
    return values


def _checked_values(values, omega: np.ndarray, where: str) -> np.ndarray:
    """J's values at the frequencies ``omega`` (> 0) as floats; ValueError naming ``spectral_density`` and the first
    frequency where J is not real, finite and ≥ 0 (``where`` says which frequencies these are)."""
    values = np.asarray(values)
    if values.dtype == np.float64 and values.shape == omega.shape and values.size:
        if values.min() >= 0.0 and values.max() < math.inf:  # the common case, cheaply (NaN fails the first test)
            return values
    if values.shape != omega.shape:
        raise ValueError("BosonicBath.spectral_density must be vectorised (array in, array of the same shape out), "
                         f"got shape {values.shape} for input shape {omega.shape}")
    if values.dtype == object or not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"BosonicBath.spectral_density must return real numbers, got dtype {values.dtype}")
    bad = np.iscomplexobj(values) and values.imag != 0.0
    if np.any(bad):
        k = np.unravel_index(np.argmax(bad), bad.shape)
        raise ValueError(f"BosonicBath.spectral_density must be real, got J({omega[k]:.8g}) = {values[k]:.6g}"
                         + (f" {where}" if where else ""))
    values = np.real(values).astype(float)
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        k = np.unravel_index(np.argmax(bad), bad.shape)
        raise ValueError("BosonicBath.spectral_density must be finite and >= 0 for omega > 0, got "
                         f"J({omega[k]:.8g}) = {values[k]:.6g}" + (f" {where}" if where else ""))
    return values


@dataclass(frozen=True)
class BosonicBath:
    r"""A bosonic bath at inverse temperature β and chemical potential μ with any spectral density J.

    Parameters
    ----------
    spectral_density : callable
        Vectorised J(ω) ≥ 0 for ω > 0 (values for ω ≤ 0 are never used), in the paper's convention
        J = 2π Σ_k |κ_k|² δ(ω − Ω_k) (Eq. (36)); e.g. :func:`ohmic`, :func:`drude_lorentz`. Checked to be finite and
        non-negative on a geometric grid 1e−8 … 1e8, and again, as real, finite and ≥ 0, at every frequency where it
        is evaluated (the Bohr frequencies and the quadrature nodes of Eq. (41)): a J that is negative, complex or
        not finite anywhere it is used is an error, never clipped. Optional attributes used when present: ``scale``
        (frequency scale σ), ``pv_cutoff`` (a point beyond which J is negligible) and
        ``zero_frequency_slope`` (exact J'(0)).
    beta : float
        Inverse temperature β > 0.
    mu : float
        Chemical potential μ ≤ 0 (n(ω) = 1/(e^{β(ω−μ)} − 1) must be ≥ 0 for every mode ω > 0).

    Notes
    -----
    A QuTiP ``BosonicEnvironment`` is converted by :func:`as_bosonic_bath` (J = 2 J_QuTiP, β = 1/T).

    Examples
    --------
    >>> import numpy as np
    >>> bath = BosonicBath(ohmic(gamma=1.0, omega_c=10.0), beta=2.0)
    >>> bath.scale
    10.0
    >>> BosonicBath(lambda w: -np.asarray(w), beta=1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: BosonicBath.spectral_density must be finite and >= 0 ...
    """

    spectral_density: Callable
    beta: float
    mu: float = 0.0

    def __post_init__(self):
        values = probed_spectral_density("BosonicBath", self.spectral_density, _PROBE)
        _checked_values(values, _PROBE, "(on the probe grid 1e-8 ... 1e8)")
        object.__setattr__(self, "beta", check_positive("BosonicBath.", "beta", self.beta))
        try:
            mu = float(self.mu)
        except (TypeError, ValueError):
            raise ValueError(f"BosonicBath.mu must be a real number, got mu={self.mu!r}") from None
        if not (math.isfinite(mu) and mu <= 0):
            raise ValueError(f"BosonicBath.mu must be finite and <= 0 (below the lowest bath mode), got mu={mu!r}")
        object.__setattr__(self, "mu", mu)

    @property
    def scale(self) -> float:
        """Frequency scale σ of J: its own ``scale`` attribute, else where J peaks on a geometric grid."""
        own = getattr(self.spectral_density, "scale", None)
        if own is not None:
            return float(own)
        with np.errstate(all="ignore"):
            values = _evaluate(self, _SCALE_PROBE, "(on the grid that finds its frequency scale)")
        return float(_SCALE_PROBE[int(np.argmax(values))]) if np.max(values) > 0 else 1.0


def _is_qutip_object(obj) -> bool:
    return any((getattr(c, "__module__", None) or "").split(".")[0] == "qutip" for c in type(obj).__mro__)


def _qutip_bosonic_environment(bath, name: str):
    """``bath`` if it is a QuTiP ``BosonicEnvironment`` whose spectral density can be evaluated at any frequency;
    ValueError naming ``name`` for a fermionic or other QuTiP environment, and for one built from a correlation
    function."""
    from qutip.core import environment

    if isinstance(bath, environment.FermionicEnvironment):
        raise ValueError(f"{name} must be a bosonic bath, got the QuTiP {type(bath).__name__} (a FermionicEnvironment): "
                         "a fermionic lead, with Fermi-Dirac statistics and its chemical potential mu, is not a bosonic "
                         "bath, and Eq. (35) couples the system to bosonic baths only")
    if not isinstance(bath, environment.BosonicEnvironment):
        raise ValueError(f"{name} must be a BosonicBath or a qutip BosonicEnvironment, got the QuTiP object "
                         f"{type(bath).__name__}")
    from_cf = getattr(environment, "_BosonicEnvironment_fromCF", None)
    if (from_cf is not None and isinstance(bath, from_cf)) or (
            getattr(bath, "tMax", None) is not None and getattr(bath, "wMax", None) is None):
        raise ValueError(
            f"{name}: a QuTiP environment built from a correlation function has no closed-form spectral density; "
            "QuTiP computes J(w) by an FFT with ~8 tMax max(w) / pi samples, and the Redfield coefficients need J up "
            "to many times the largest Bohr frequency and the bath's scale (1e8 on the probe grid: ~1e10 samples, "
            "~100 GB). Tabulate J on the range you trust and pass that instead, e.g. w = np.linspace(0, w_max, 4001); "
            "BosonicEnvironment.from_spectral_density(env.spectral_density(w), wlist=w, T=env.T) (J = 0 beyond w_max)")
    return bath


def as_bosonic_bath(bath, name: str = "bath") -> BosonicBath:
    """A :class:`BosonicBath` from a BosonicBath or a QuTiP ``BosonicEnvironment``
    (J = 2 × its ``spectral_density``, β = 1 / its ``T``; see :func:`drude_lorentz` for the factor 2).

    Any other QuTiP environment is refused: a ``FermionicEnvironment`` (e.g. ``LorentzianEnvironment``) describes a
    fermionic lead, not a bosonic bath. So is a ``BosonicEnvironment`` built from a correlation function
    (``from_correlation_function``), whose J QuTiP computes by an FFT of a size that grows with the largest
    frequency asked. An environment with a declared support ``wMax`` (``from_spectral_density``,
    ``from_power_spectrum``) has J = 0 beyond it (:class:`_QutipSpectralDensity`)."""
    if isinstance(bath, BosonicBath):
        return bath
    if _is_qutip_object(bath):
        env = _qutip_bosonic_environment(bath, name)
        temperature = getattr(env, "T", None)
        try:
            temperature = float(temperature)
        except (TypeError, ValueError):
            temperature = math.nan
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"{name}: a QuTiP environment needs a finite temperature T > 0, got T={env.T!r}")
        return BosonicBath(_QutipSpectralDensity(env), beta=1.0 / temperature)
    raise ValueError(f"{name} must be a BosonicBath or a qutip BosonicEnvironment, "
                     f"got {type(bath).__name__}")


def _evaluate(bath: BosonicBath, omega: np.ndarray, where: str) -> np.ndarray:
    """J at frequencies ``omega`` > 0, checked by :func:`_checked_values` (``where`` names the frequencies)."""
    return _checked_values(bath.spectral_density(omega), omega, where)


def spectral_density(omega, bath, *, where: str = "") -> np.ndarray:
    """J(ω) of the bath; zero for ω ≤ 0.

    Every value at ω > 0 is checked: ValueError naming ``spectral_density`` and the frequency where J is not real,
    finite and ≥ 0 (``where`` describes the frequencies in that message).
    """
    omega = np.asarray(omega, dtype=float)
    positive = omega > 0
    return np.where(positive, _evaluate(bath, np.where(positive, omega, 1.0), where), 0.0)


def occupation(omega, bath: BosonicBath) -> np.ndarray:
    """Bose occupation n(ω) = 1/(e^{β(ω−μ)} − 1) of Eq. (37), for ω > μ."""
    omega = np.asarray(omega, dtype=float)
    with np.errstate(over="ignore"):  # e^{βω} overflows to inf for βω ≳ 700: n = 0 there, correctly
        return 1.0 / np.expm1(bath.beta * (omega - bath.mu))


_PV_NODES = "(at a quadrature node of the principal values of Eq. (41))"


def _pv_density(x: np.ndarray, bath: BosonicBath) -> np.ndarray:
    """J(x) at the quadrature nodes of the principal values (checked like every evaluation of J)."""
    return spectral_density(x, bath, where=_PV_NODES)


def _absorption(x: np.ndarray, bath: BosonicBath) -> np.ndarray:
    """J(x) n(x) for x > 0, written so that x → 0 stays finite for s ≥ 1 (x/expm1(βx) → 1/β)."""
    return _pv_density(x, bath) * occupation(x, bath)


@functools.lru_cache(maxsize=4)
def _gauss_legendre(n: int):
    """Nodes and weights of the n-point Gauss–Legendre rule on [0, 1] (read-only, computed once per n)."""
    t, w = np.polynomial.legendre.leggauss(n)
    nodes, weights = 0.5 * (t + 1.0), 0.5 * w
    nodes.setflags(write=False)
    weights.setflags(write=False)
    return nodes, weights


def _panels(cutoff: float) -> np.ndarray:
    return np.union1d(_GEOMETRIC_PANELS * cutoff, np.linspace(0.0, cutoff, _UNIFORM_PANELS + 1))


def _composite_rule(edges: np.ndarray):
    """Nodes and weights of the composite Gauss–Legendre rule on panels ``edges[..., k:k+2]``."""
    t, w = _gauss_legendre(_GAUSS_NODES)
    a, b = edges[..., :-1], edges[..., 1:]
    x = a[..., None] + (b - a)[..., None] * t
    wx = (b - a)[..., None] * w
    return x.reshape(*edges.shape[:-1], -1), wx.reshape(*edges.shape[:-1], -1)


def principal_value(f, omega, cutoff: float) -> np.ndarray:
    r"""P∫_0^X f(x)/(x − ω) dx for every ω at once (X = ``cutoff``).

    ``f`` must be vectorised and smooth on (0, X], with at most an integrable x^{a}, a > −1, singularity
    at 0. For ω ≤ 0 the integral is regular (it diverges as ω → 0⁻ when f(0) ≠ 0; callers never
    need ω = 0, see :func:`coefficients`).

    Notes
    -----
    f is evaluated once on a fixed composite rule (:func:`_principal_value_rows`). The subtracted integrand
    (f(x) − f(ω))/(x − ω) loses about ε_mach |f| / |x − ω| to cancellation, so the few ω that fall within
    ``_NEAR_NODE`` of a node are redone on a rule that has ω itself as a breakpoint (no node closer than ~1e-3
    panel widths).
    """
    return _principal_value_rows([f], omega, cutoff)[0]


def _principal_value_rows(fs, omega, cutoff: float) -> list[np.ndarray]:
    r"""P∫_0^X f(x)/(x − ω) dx for each f in ``fs`` and every ω (the rule of :func:`principal_value`).

    The nodes x_j, weights w_j and values f(x_j) are computed once and shared by all frequencies and, with
    x_j − ω, by all integrands (:func:`_pv_sums`).
    """
    omega, inside, x, w = _pv_setup(omega, cutoff)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        f_om = [np.where(inside, f(np.where(inside, omega, 1.0)), 0.0) for f in fs]
        fx = [f(x)[None, :] for f in fs]
    which = np.zeros(len(omega), dtype=int)
    return _pv_sums(x, w, omega, inside, cutoff,
                    [(fx_k, f_om_k, which, lambda i, xi, f=f: f(xi)) for f, fx_k, f_om_k in zip(fs, fx, f_om)])


def principal_value_family(f, params, omega, which, cutoff: float) -> np.ndarray:
    r"""P∫_0^X f(x, p_k)/(x − ω_k) dx for each k, p_k = ``params[which[k]]``: one member of a family of integrands
    per frequency, on the rule of :func:`principal_value`. ``f(x, p)`` is vectorised and broadcasts x against p;
    each member is evaluated once on the nodes, f(x_j, params) as one (members × nodes) array."""
    omega, inside, x, w = _pv_setup(omega, cutoff)
    params, which = np.asarray(params, dtype=float), np.asarray(which, dtype=int)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        f_om = np.where(inside, f(np.where(inside, omega, 1.0), params[which]), 0.0)
        fx = f(x[None, :], params[:, None])
    return _pv_sums(x, w, omega, inside, cutoff, [(fx, f_om, which, lambda i, xi: f(xi, params[which[i]]))])[0]


def _pv_setup(omega, cutoff: float):
    """The frequencies as a 1-d array (checked below ``cutoff``), which of them are positive, and the rule's
    nodes and weights on [0, cutoff]."""
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    if np.any(omega >= cutoff):
        raise ValueError(f"Bohr frequencies must lie below the integration cut-off {cutoff:g}")
    return (omega, omega > 0) + _composite_rule(_panels(cutoff))


def _pv_sums(x, w, omega, inside, cutoff: float, integrands) -> list[np.ndarray]:
    r"""The principal values of :func:`principal_value` for each of ``integrands`` = [(fx, f_om, which, f_at)]:
    frequency k takes the row fx[which[k]] of the integrand's values on the nodes x (weights w), f_om[k] its
    value at ω_k (0 where ω_k ≤ 0) and f_at(k, x') its values on other nodes. The (frequencies × nodes) work runs
    in blocks of ``_pv_block_rows`` frequencies (at most ``PV_BLOCK_BYTES`` of temporaries, x_j − ω shared by
    the integrands); each frequency's sum Σ_j (f(x_j) − f(ω))/(x_j − ω) · w_j is formed from its own row alone,
    so the values do not depend on the block size. The subtracted integrand loses about ε_mach |f| / |x − ω|
    to cancellation, so the few ω within ``_NEAR_NODE`` of a node are redone on a rule that has ω itself as a
    breakpoint."""
    near = _nearest_node_gap(x, omega) < _NEAR_NODE * max(1.0, cutoff)
    results = [np.empty(omega.shape) for _ in integrands]
    rows = _pv_block_rows(len(x))
    dx = np.empty((min(rows, len(omega)), len(x)))
    term = np.empty_like(dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, len(omega), rows):
            block = slice(start, min(start + rows, len(omega)))
            n = block.stop - block.start
            np.subtract(x[None, :], omega[block, None], out=dx[:n])
            for (fx, f_om, which, _), out in zip(integrands, results):
                rows_fx = fx[0][None, :] if fx.shape[0] == 1 else fx[which[block]]
                np.subtract(rows_fx, f_om[block, None], out=term[:n])  # f(ω) = 0 where ω ≤ 0
                np.divide(term[:n], dx[:n], out=term[:n])
                np.multiply(term[:n], w, out=term[:n])
                out[block] = term[:n].sum(axis=1)
    for i in np.flatnonzero(near):
        xi, wi = _composite_rule(np.union1d(_panels(cutoff), [omega[i]]))
        for (_, f_om, _, f_at), out in zip(integrands, results):
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                num = f_at(i, xi) - f_om[i] if inside[i] else f_at(i, xi)
            out[i] = np.sum(num / (xi - omega[i]) * wi)
    log_term = np.log(np.where(inside, (cutoff - omega) / np.where(inside, omega, 1.0), 1.0))
    return [out + integrand[1] * log_term for out, integrand in zip(results, integrands)]


def _nearest_node_gap(x: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """min_j |x_j − ω| for each ω, ``x`` ascending: the two nodes around ω by bisection (fl(x_j − ω) is
    monotone in x_j, so this is the minimum over all nodes, as computed in floating point)."""
    k = np.searchsorted(x, omega)
    below = x[np.clip(k - 1, 0, len(x) - 1)]
    above = x[np.clip(k, 0, len(x) - 1)]
    return np.minimum(np.abs(below - omega), np.abs(above - omega))


def _pv_block_rows(n_nodes: int) -> int:
    """Frequencies per block of :func:`_principal_value_rows`: its two (rows × nodes) float64 buffers, shared by
    all integrands, within ``PV_BLOCK_BYTES``."""
    return max(1, PV_BLOCK_BYTES // (2 * 8 * n_nodes))


def _round_significant(x: np.ndarray, digits: int) -> np.ndarray:
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x))))
    return np.round(x * scale) / scale


def _frequency_cutoff(bath: BosonicBath, omega_max: float) -> tuple[float, bool]:
    """Upper end X of the composite rule and whether a tail ∫_X^∞ must be added."""
    own = getattr(bath.spectral_density, "pv_cutoff", None)
    if own is not None:
        return max(float(own), 2.0 * omega_max), False
    return max(PV_CUTOFF_MULT * bath.scale, 2.0 * omega_max), True


def _principal_values(fs, omega: np.ndarray, bath: BosonicBath) -> list[np.ndarray]:
    r"""P∫_0^∞ f(x)/(x − ω) dx for each f in ``fs`` and every ω (1-d array): the composite rule of
    :func:`principal_value` on [0, X] plus, unless J declares a truncation point, the regular tail
    ∫_X^∞ f(x)/(x − ω) dx (X ≥ 2 max|ω|) by adaptive quadrature on [X, ∞) to relative ``TAIL_RTOL``, for
    ``TAIL_BLOCK`` frequencies at a time (quad_vec keeps a vector of that length per subinterval; its error
    control, in the max norm over the block, is per block)."""
    from scipy.integrate import quad_vec

    cutoff, tail = _frequency_cutoff(bath, float(np.max(np.abs(omega), initial=0.0)))
    out = _principal_value_rows(fs, omega, cutoff)
    for start in range(0, len(omega) if tail else 0, TAIL_BLOCK):
        block = omega[start:start + TAIL_BLOCK]

        def integrand(x, block=block):
            with np.errstate(over="ignore", invalid="ignore"):
                return np.concatenate([f(np.array([x]))[0] / (x - block) for f in fs])

        values, _ = quad_vec(integrand, cutoff, np.inf, epsrel=TAIL_RTOL, epsabs=0.0, norm="max")
        for o, v in zip(out, np.split(np.asarray(values, dtype=float), len(fs))):
            o[start:start + len(block)] += v
    return out


def coefficients(omega, bath) -> tuple[np.ndarray, np.ndarray]:
    r"""The coefficients C(ω) and D(ω) of Eq. (41) (with the published 1/(2π), docs/conventions.md) for an array of ω.

    Parameters
    ----------
    omega : array_like of float
        Bohr frequencies E_γ − E_α, any shape; none may be 0 (the principal value of J n diverges there
        for an Ohmic J; Hermitian couplings use :func:`hermitian_coefficients`, which is finite at 0).
    bath : BosonicBath

    Returns
    -------
    C, D : complex arrays of the shape of ``omega``. Their real parts obey detailed balance,
        Re D(ω) = e^{β(ω−μ)} Re C(ω).
    """
    bath = as_bosonic_bath(bath)
    omega = np.asarray(omega, dtype=float)
    if np.any(omega == 0.0):
        raise ValueError("coefficients: omega must be non-zero (the principal value diverges at 0)")
    if np.any(~np.isfinite(omega)):
        raise ValueError("coefficients: omega must be finite")
    flat = omega.ravel()
    # The golden-rule parts are closed forms, evaluated at every ω itself: the deduplication below would
    # change e^{-βω} by β·1e-12 relative (1e-10 at β = 100), and the populations depend on nothing else.
    # J is evaluated (and checked) once at the Bohr frequencies; the rates and L2 both take these values.
    positive = np.where(flat > 0, flat, 1.0)  # Θ(ω): no real part for ω < 0
    with np.errstate(over="ignore"):
        j_bohr = np.where(flat > 0, spectral_density(positive, bath, where="at a Bohr frequency of the system"), 0.0)
        n_bohr = occupation(positive, bath)
        re_abs = np.where(flat > 0, j_bohr * n_bohr, 0.0)
        re_em = np.where(flat > 0, j_bohr * (n_bohr + 1.0), 0.0)
    # Deduplicate: many pairs (α, γ) share a Bohr frequency.
    uniq, inverse = np.unique(_round_significant(flat, _DEDUP_DIGITS), return_inverse=True)
    pv_abs, pv_j = _cached_principal_values(uniq, bath)
    pv_em = pv_abs + pv_j  # J(n + 1) = J n + J
    c = 0.5 * re_abs - 1j * pv_abs[inverse] / (2 * np.pi)
    d = 0.5 * re_em - 1j * pv_em[inverse] / (2 * np.pi)
    return c.reshape(omega.shape), d.reshape(omega.shape)


def _cached_principal_values(uniq: np.ndarray, bath: BosonicBath) -> tuple[np.ndarray, np.ndarray]:
    """P∫ J n/(x − ω), P∫ J/(x − ω) at ``uniq`` (:func:`_principal_values`), cached in ``_PV_CACHE``."""
    fs = [lambda x: _absorption(x, bath), lambda x: _pv_density(x, bath)]
    if type(bath.spectral_density) not in (OhmicSpectralDensity, DrudeLorentzSpectralDensity):
        return tuple(_principal_values(fs, uniq, bath))
    key = (bath, hashlib.sha256(uniq.tobytes()).digest())
    if key not in _PV_CACHE:
        _PV_CACHE[key] = tuple(v.setflags(write=False) or v for v in _principal_values(fs, uniq, bath))
        while sum(a.nbytes for pair in _PV_CACHE.values() for a in pair) > PV_CACHE_BYTES and len(_PV_CACHE) > 1:
            _PV_CACHE.popitem(last=False)
    _PV_CACHE.move_to_end(key)
    return _PV_CACHE[key]


def _zero_frequency_slope(bath: BosonicBath) -> float:
    """J'(0) = lim_{ω→0+} J(ω)/ω: the spectral density's own ``zero_frequency_slope`` when it has one, else
    Richardson extrapolation of J(h)/h to h = 0 over h = σ · 1e−3 · 2^{−k} (k = 0 … 7; σ = ``bath.scale``),
    which assumes J(h)/h smooth at 0 (J ∝ ω or ω^n, n ≥ 2 integer, near 0). Raises ValueError when the
    extrapolation does not converge to ``_SLOPE_RTOL`` (sub-Ohmic or fractional-power J)."""
    own = getattr(bath.spectral_density, "zero_frequency_slope", None)
    if own is not None:
        return float(own)
    h = bath.scale * _SLOPE_H0 * 0.5 ** np.arange(_SLOPE_STEPS)
    with np.errstate(all="ignore"):
        r = _evaluate(bath, h, "(near 0, where J'(0) is extrapolated for Bohr frequency 0)") / h
    table = [r.copy()]
    for j in range(1, _SLOPE_STEPS):  # Neville–Richardson for an expansion in powers of h (ratio 2)
        prev = table[-1]
        table.append(prev[1:] + (prev[1:] - prev[:-1]) / (2.0**j - 1.0))
    best, previous = table[-1][0], table[-2][-1]
    size = float(np.max(np.abs(r)))
    if not (np.isfinite(best) and abs(best - previous) <= _SLOPE_RTOL * max(size, np.finfo(float).tiny)):
        raise ValueError(
            "spectral_density: J'(0) = lim J(omega)/omega could not be extrapolated (J(h)/h = "
            f"{r[0]:.3g} at h = {h[0]:.3g}, {r[-1]:.3g} at h = {h[-1]:.3g}); Bohr frequency 0 needs an Ohmic "
            "or super-Ohmic J with J(omega)/omega smooth at 0 (or give the callable a zero_frequency_slope)")
    return max(float(best), 0.0)


def zero_frequency_spectrum(bath) -> float:
    r"""S(0) = lim_{ω→0+} J(ω)(n(ω) + 1) = lim_{ω→0+} J(ω) n(ω): the golden-rule rate at Bohr frequency 0.

    With μ = 0, n(ω) ≈ 1/(βω), so S(0) = J'(0)/β (γ/β for the Ohmic J of Eq. (42); QuTiP's 2 J'(0)/β in its
    convention J_QuTiP = J/2). With μ < 0, n(0) is finite and S(0) = J(0⁺)(n(0) + 1) = 0 for any J with a
    finite J'(0). J'(0) comes from :func:`_zero_frequency_slope`. Sub-Ohmic J (s < 1): ValueError (S(0) = ∞).
    """
    bath = as_bosonic_bath(bath)
    slope = _zero_frequency_slope(bath)
    if not math.isfinite(slope):
        raise ValueError("spectral_density: J(omega)/omega diverges as omega -> 0 (sub-Ohmic, s < 1): the rate "
                         "at Bohr frequency 0, lim J(omega)(n(omega) + 1), is infinite")
    return slope / bath.beta if bath.mu == 0.0 else 0.0


def hermitian_coefficients(omega, bath) -> np.ndarray:
    r"""Γ(ω) = ∫_0^∞ e^{iωt} <X(t) X> dt / (its Eq. (41) normalisation) for a Hermitian coupling S ⊗ X,
    X = B + B†, at every Bohr frequency ω = E_γ − E_α, **including ω = 0**:

    .. math::

        \Gamma(\omega) = D(\omega) + \overline{C(-\omega)}
            = \frac{S(\omega)}{2} - \frac{i}{2\pi}\Big(\mathcal P\!\!\int_0^\infty
              \frac{\mathfrak J(x)(n(x)+1)}{x-\omega}dx - \mathcal P\!\!\int_0^\infty
              \frac{\mathfrak J(x)n(x)}{x+\omega}dx\Big),

    S(ω) = J(ω)(n(ω)+1) for ω > 0, J(|ω|) n(|ω|) for ω < 0. At ω = 0 the two principal values diverge
    separately (∫ J n / x for Ohmic J) but their difference is finite:
    Γ(0) = S(0)/2 − (i/2π) ∫_0^∞ J(x)/x dx, with S(0) from :func:`zero_frequency_spectrum`.

    The Hermitian-form Redfield dissipator is then −[S, Λρ] + [S, ρΛ†] + …, Λ = S ∘ Γ (``redfield.py``).
    """
    bath = as_bosonic_bath(bath)
    omega = np.asarray(omega, dtype=float)
    if np.any(~np.isfinite(omega)):
        raise ValueError("hermitian_coefficients: omega must be finite")
    flat = omega.ravel()
    out = np.zeros(flat.shape, dtype=complex)
    nz = flat != 0.0
    if np.any(nz):
        c, d = coefficients(np.concatenate([-flat[nz], flat[nz]]), bath)
        k = int(np.sum(nz))
        out[nz] = d[k:] + np.conj(c[:k])
    if not np.all(nz):
        (pv_j,) = _principal_values([lambda x: _pv_density(x, bath)], np.array([0.0]), bath)
        out[~nz] = 0.5 * zero_frequency_spectrum(bath) - 1j * pv_j[0] / (2 * np.pi)
    return out.reshape(omega.shape)
