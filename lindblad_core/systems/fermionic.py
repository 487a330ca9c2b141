r"""Fermionic leads: spectral densities on the whole real axis, the Fermi function, and the Redfield
coefficients, the fermionic analogue of Eq. (41) (docs/fermionic_leads.md).

A lead of fermionic modes b_k (energies Ω_k ∈ ℝ) at inverse temperature β and chemical potential μ is coupled
through an exchange term c ⊗ b† + c† ⊗ b, b = Σ_k κ_k b_k, with c a fermion annihilation operator of the
system written with its Jordan–Wigner string. With J(ω) = 2π Σ_k |κ_k|² δ(ω − Ω_k) (Eq. (36), now on the whole
real axis) and f(x) = 1/(e^{βx} + 1), the coefficients of the Redfield equation are those of Eq. (41) with
n(ω) → f(ω − μ) in the absorption part and n(ω) + 1 → 1 − f(ω − μ) in the emission part:

.. math::

    C(\omega) = \frac{\mathfrak J(\omega) f(\omega-\mu)}{2}
        - \frac{i}{2\pi}\,\mathcal P\!\int_{-\infty}^{\infty} \frac{\mathfrak J(x) f(x-\mu)}{x-\omega}\,dx,

    D(\omega) = \frac{\mathfrak J(\omega)\,(1 - f(\omega-\mu))}{2}
        - \frac{i}{2\pi}\,\mathcal P\!\int_{-\infty}^{\infty} \frac{\mathfrak J(x)(1 - f(x-\mu))}{x-\omega}\,dx,

with the published 1/(2π) (docs/conventions.md). Re D = e^{β(ω−μ)} Re C (detailed balance at μ).

Principal values: the real axis is split at μ, where the Fermi function has its step, into two half-lines
y = ±(x − μ) ≥ 0. On each, the pole lies in [0, X], X = 2 max|ω − μ|, and the composite Gauss–Legendre rule of
:func:`lindblad_core.systems.baths.principal_value` (panels graded towards y = 0, i.e. towards the step) takes
it; the regular rest ∫_X^∞ goes to adaptive quadrature (``scipy.integrate.quad_vec``) with breakpoints at the
features of J and of f. A frequency at μ itself (|ω − μ| ≤ ``RESONANCE_RTOL`` X) uses the symmetric form
∫_0^∞ [F(μ + y) − F(μ − y)]/y dy. A structure of J inside the window narrower than X/``RESOLUTION``, which the
rule's uniform panels would not resolve, is refused by name. ``tests/systems/test_fermionic.py`` checks the result against QUADPACK's QAWC and
against the one-sided Fourier transforms of QuTiP's fermionic correlation functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit

from lindblad_core.systems.baths import (TAIL_RTOL, BosonicBath, as_bosonic_bath, coefficients as bosonic_coefficients,
                                         hermitian_coefficients as bosonic_hermitian_coefficients, occupation,
                                         principal_value, probed_spectral_density, spectral_density)

__all__ = ["FermionicBath", "LorentzianSpectralDensity", "FlatBandSpectralDensity", "lorentzian", "flat_band",
           "fermi", "as_fermionic_bath", "is_fermionic", "as_bath", "coefficients", "hermitian_coefficients",
           "golden_rule_rates", "bath_coefficients", "bath_hermitian_coefficients", "check_fermionic_coupling",
           "channel_amplitudes", "two_frequency_lamb_shift", "RESONANCE_RTOL", "RESOLUTION"]

# J is checked for real, finite, non-negative values on this symmetric grid (±1e-8 … ±1e8 and 0).
_HALF_PROBE = np.geomspace(1e-8, 1e8, 161)
_PROBE = np.concatenate([-_HALF_PROBE[::-1], [0.0], _HALF_PROBE])
# J at ±1e8 above this fraction of its maximum does not decay (the principal values would not converge).
_TAIL_FRACTION = 1e-3
# |ω − μ| ≤ RESONANCE_RTOL · X counts as ω = μ (the symmetric form of the principal value); the error of
# that substitution is |ω − μ| |dP/dω| ≲ 1e-13 X β |J|.
RESONANCE_RTOL = 1e-13
# A feature of J (Lorentzian width, band-edge softness) inside the window [0, X] of the composite rule must be
# at least X / RESOLUTION wide: the rule has 48 uniform panels of 20 nodes on [0, X], and a pole of the
# integrand at distance X/64 from a panel of half-width X/96 leaves a Gauss–Legendre error ~ 3.3^{-40} ≈ 1e-21.
RESOLUTION = 64.0
# Breakpoints for the adaptive rest, in units of 1/β from μ: the Fermi step is e^{-50} ≈ 2e-22 flat beyond.
_FERMI_POINTS = (1.0, 10.0, 50.0)
# Breakpoints for the adaptive rest at each structure (position p, width w) of J: p + k w for these k.
_FEATURE_POINTS = (-50.0, -10.0, 0.0, 10.0, 50.0)
# The adaptive rest (quad_vec, relative tolerance TAIL_RTOL): at most this many subintervals, and an estimated
# error above _QUAD_ACCEPT times the largest value is a failure (a J that does not decay), not a result.
_QUAD_LIMIT = 2000
_QUAD_ACCEPT = 1e-8
# Largest |{S, P}| (relative to max|S|) of a coupling operator S and the parity P on its sites.
PARITY_RTOL = 1e-12


@dataclass(frozen=True)
class LorentzianSpectralDensity:
    r"""J(ω) = γ W² / ((ω − ω0)² + W²) on the whole real axis (QuTiP's ``LorentzianEnvironment``, factor 1)."""

    gamma: float
    width: float
    center: float = 0.0

    def __call__(self, omega) -> np.ndarray:
        omega = np.asarray(omega, dtype=float)
        return self.gamma * self.width**2 / ((omega - self.center) ** 2 + self.width**2)

    @property
    def scale(self) -> float:
        return self.width

    @property
    def features(self) -> tuple[tuple[float, float], ...]:
        """(position, width) of the structures of J: the peak."""
        return ((self.center, self.width),)


@dataclass(frozen=True)
class FlatBandSpectralDensity:
    r"""J(ω) = γ / ((1 + e^{(ω − D)/δ})(1 + e^{−(ω + D)/δ})): flat (= γ) for |ω| ≪ D, soft edges of width δ."""

    gamma: float
    half_width: float
    softness: float

    def __call__(self, omega) -> np.ndarray:
        omega = np.asarray(omega, dtype=float)
        d, s = self.half_width, self.softness
        return self.gamma * expit((d - omega) / s) * expit((d + omega) / s)

    @property
    def scale(self) -> float:
        return self.half_width

    @property
    def features(self) -> tuple[tuple[float, float], ...]:
        """(position, width) of the structures of J: the two edges."""
        return ((-self.half_width, self.softness), (self.half_width, self.softness))


@dataclass(frozen=True, eq=False)
class _QutipSpectralDensity:
    """J(ω) = J_QuTiP(ω) of a QuTiP ``FermionicEnvironment`` (the same convention: :func:`as_fermionic_bath`)."""

    env: object

    def __call__(self, omega) -> np.ndarray:
        return np.asarray(self.env.spectral_density(np.asarray(omega, dtype=float)))


def _number(where: str, name: str, value, *, positive: bool = False, allow_zero: bool = False) -> float:
    if isinstance(value, (complex, np.complexfloating)) and value.imag != 0:
        raise ValueError(f"{where}{name} must be a real number, got {name}={value!r}")
    try:
        value = float(np.real(value))
    except (TypeError, ValueError):
        raise ValueError(f"{where}{name} must be a real number, got {name}={value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}{name} must be finite, got {name}={value!r}")
    if positive and not (value > 0 or (allow_zero and value == 0)):
        raise ValueError(f"{where}{name} must be {'>= 0' if allow_zero else '> 0'}, got {name}={value!r}")
    return value


def lorentzian(gamma: float, width: float, center: float = 0.0) -> LorentzianSpectralDensity:
    r"""The Lorentzian lead J(ω) = γ W² / ((ω − ω0)² + W²), ω ∈ ℝ.

    Parameters
    ----------
    gamma : float
        Height γ ≥ 0 = J(ω0), in the convention J = 2π Σ_k |κ_k|² δ(ω − Ω_k) (Eq. (36)): J(ε) is the rate at
        which a level at ε empties into an empty lead.
    width : float
        Half-width W > 0 (the band's soft cut-off).
    center : float
        Centre ω0 of the band.

    Returns
    -------
    LorentzianSpectralDensity
        A vectorised J for :class:`FermionicBath`.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> float(lc.lorentzian(0.5, 10.0)(10.0))
    0.25
    """
    return LorentzianSpectralDensity(gamma=_number("lorentzian: ", "gamma", gamma, positive=True, allow_zero=True),
                                     width=_number("lorentzian: ", "width", width, positive=True),
                                     center=_number("lorentzian: ", "center", center))


def flat_band(gamma: float, half_width: float, softness: float | None = None) -> FlatBandSpectralDensity:
    r"""A flat band with soft (Fermi-function) edges, ω ∈ ℝ:

    .. math::

        \mathfrak J(\omega) = \frac{\gamma}{\big(1 + e^{(\omega - D)/\delta}\big)\big(1 + e^{-(\omega + D)/\delta}\big)}.

    Parameters
    ----------
    gamma : float
        The flat value γ ≥ 0 (Eq. (36) convention, as :func:`lorentzian`).
    half_width : float
        Half-width D > 0 of the band.
    softness : float, optional
        Width δ > 0 of the edges; default D/10.

    Returns
    -------
    FlatBandSpectralDensity
        A vectorised J for :class:`FermionicBath`.

    Examples
    --------
    >>> import lindblad_core as lc
    >>> band = lc.flat_band(1.0, 20.0, softness=1.0)
    >>> [round(float(band(w)), 6) for w in (0.0, 20.0, 40.0)]  # flat, half at the edge, gone beyond
    [1.0, 0.5, 0.0]
    """
    half_width = _number("flat_band: ", "half_width", half_width, positive=True)
    softness = half_width / 10.0 if softness is None else _number("flat_band: ", "softness", softness, positive=True)
    return FlatBandSpectralDensity(gamma=_number("flat_band: ", "gamma", gamma, positive=True, allow_zero=True),
                                   half_width=half_width, softness=softness)


def _real_values(where: str, values, omega) -> np.ndarray:
    """J's values as a float array: refused when complex (non-zero imaginary part), not finite or negative."""
    values = np.asarray(values)
    omega = np.broadcast_to(np.asarray(omega, dtype=float), values.shape)
    if np.iscomplexobj(values):
        bad = values.imag != 0
        if np.any(bad):
            i = np.argmax(bad)
            raise ValueError(f"{where} must be real, got J({omega.flat[i]:.6g}) = {values.flat[i]!r}")
        values = values.real
    values = values.astype(float)
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        i = np.argmax(bad)
        raise ValueError(f"{where} must be finite and >= 0, got J({omega.flat[i]:.6g}) = {values.flat[i]!r}")
    return values


@dataclass(frozen=True)
class FermionicBath:
    r"""A fermionic lead at inverse temperature β and chemical potential μ with spectral density J on ℝ.

    Parameters
    ----------
    spectral_density : callable
        Vectorised J(ω) ≥ 0 for every real ω, in the convention J = 2π Σ_k |κ_k|² δ(ω − Ω_k) (Eq. (36)); e.g.
        :func:`lorentzian`, :func:`flat_band`. Checked to be real, finite and non-negative on ±1e−8 … ±1e8 and
        at every Bohr frequency it is used at. Optional attributes used when present: ``scale`` and
        ``features`` ((position, width) pairs), which place the breakpoints of the principal values.
    beta : float
        Inverse temperature β > 0.
    mu : float
        Chemical potential μ (any finite value): f(ω − μ) = 1/(e^{β(ω−μ)} + 1).

    A QuTiP ``FermionicEnvironment`` is converted by :func:`as_fermionic_bath` (J = J_QuTiP, β = 1/T, μ = mu).

    Examples
    --------
    >>> import lindblad_core as lc
    >>> lead = lc.FermionicBath(lc.lorentzian(gamma=1.0, width=10.0), beta=2.0, mu=0.5)
    >>> float(lc.systems.fermionic.fermi(0.5, lead))
    0.5
    """

    spectral_density: Callable
    beta: float
    mu: float = 0.0

    def __post_init__(self):
        values = probed_spectral_density("FermionicBath", self.spectral_density, _PROBE)
        values = _real_values("FermionicBath.spectral_density", values, _PROBE)
        tails = max(values[0], values[-1])
        if tails > _TAIL_FRACTION * values.max():
            raise ValueError("FermionicBath.spectral_density must decay at large |omega| (its principal values run "
                             f"over the whole real axis), got J(+-{_HALF_PROBE[-1]:.0e}) = {tails:.3g} against max J = "
                             f"{values.max():.3g}; give a flat band a cut-off (flat_band)")
        object.__setattr__(self, "beta", _number("FermionicBath.", "beta", self.beta, positive=True))
        object.__setattr__(self, "mu", _number("FermionicBath.", "mu", self.mu))

    def _profile(self) -> tuple[float, float]:
        """Where J peaks on the probe grid and its half-width at half maximum there (the narrower side; 1e8
        when J never falls to half)."""
        with np.errstate(all="ignore"):
            values = _real_values("FermionicBath.spectral_density", self.spectral_density(_PROBE), _PROBE)
        if not values.max() > 0:
            return 0.0, 1.0
        k = int(np.argmax(values))
        low = np.flatnonzero(values < 0.5 * values[k])
        sides = [abs(_PROBE[i] - _PROBE[k]) for i in (low[low < k][-1:].tolist() + low[low > k][:1].tolist())]
        return float(_PROBE[k]), max(min(sides, default=_HALF_PROBE[-1]), _HALF_PROBE[0])

    @property
    def scale(self) -> float:
        """Frequency scale σ of J: its own ``scale``, else its half-width at half maximum on the probe grid."""
        own = getattr(self.spectral_density, "scale", None)
        return float(own) if own is not None else self._profile()[1]

    @property
    def features(self) -> tuple[tuple[float, float], ...]:
        """(position, width) of the structures of J: its own ``features``, else its peak and half-width."""
        own = getattr(self.spectral_density, "features", None)
        return tuple(own) if own is not None else (self._profile(),)


def _qutip_kind(obj) -> str | None:
    """"fermionic" / "bosonic" for QuTiP environments (read from the class hierarchy, without importing qutip)."""
    names = {cls.__name__ for cls in type(obj).__mro__}
    if "FermionicEnvironment" in names:
        return "fermionic"
    if "BosonicEnvironment" in names:
        return "bosonic"
    return None


def is_fermionic(bath) -> bool:
    """Whether ``bath`` is a :class:`FermionicBath` or a QuTiP ``FermionicEnvironment``."""
    return isinstance(bath, FermionicBath) or _qutip_kind(bath) == "fermionic"


def as_fermionic_bath(bath, name: str = "bath") -> FermionicBath:
    r"""A :class:`FermionicBath` from a FermionicBath or a QuTiP ``FermionicEnvironment``.

    QuTiP's fermionic environments use J_QuTiP(ω) = 2π Σ_k |g_k|² δ(ω − ω_k) for H_I = Σ_k g_k c† b_k + h.c.
    (BoFiN, Eq. (46) of Lambert et al. 2023), the convention of Eq. (36): J = J_QuTiP (factor 1; their power
    spectra are J f and J (1 − f)). β = 1/T, μ = mu. A ``LorentzianEnvironment`` becomes :func:`lorentzian`
    with its γ, W and ω0. ``tests/systems/test_fermionic.py`` checks the factor against QuTiP's correlation functions.
    """
    if isinstance(bath, FermionicBath):
        return bath
    kind = _qutip_kind(bath)
    if isinstance(bath, BosonicBath) or kind == "bosonic":
        raise ValueError(f"{name}: a bosonic bath ({type(bath).__name__}) was given where a fermionic lead is "
                         "expected; use FermionicBath or a qutip FermionicEnvironment")
    if kind != "fermionic":
        raise ValueError(f"{name} must be a FermionicBath or a qutip FermionicEnvironment, got {type(bath).__name__}")
    temperature, mu = getattr(bath, "T", None), getattr(bath, "mu", None)
    if temperature is None or not (math.isfinite(float(temperature)) and float(temperature) > 0):
        raise ValueError(f"{name}: a QuTiP fermionic environment needs a finite temperature T > 0, got T={temperature!r}")
    if mu is None or not math.isfinite(float(mu)):
        raise ValueError(f"{name}: a QuTiP fermionic environment needs a finite chemical potential mu, got mu={mu!r}")
    if type(bath).__name__ == "LorentzianEnvironment":
        sd = lorentzian(bath.gamma, bath.W, bath.omega0)
    else:
        sd = _QutipSpectralDensity(bath)
    return FermionicBath(sd, beta=1.0 / float(temperature), mu=float(mu))


def as_bath(bath, name: str = "bath"):
    """A :class:`FermionicBath` for a fermionic lead (or QuTiP ``FermionicEnvironment``), else
    :func:`lindblad_core.systems.baths.as_bosonic_bath`."""
    return as_fermionic_bath(bath, name) if is_fermionic(bath) else as_bosonic_bath(bath, name)


def fermi(omega, bath: FermionicBath) -> np.ndarray:
    """Fermi occupation f(ω − μ) = 1/(e^{β(ω−μ)} + 1) of the lead (``expit``: no overflow, no cancellation)."""
    return expit(-bath.beta * (np.asarray(omega, dtype=float) - bath.mu))


def _spectral(omega, bath: FermionicBath) -> np.ndarray:
    return np.asarray(bath.spectral_density(np.asarray(omega, dtype=float)), dtype=float)


def _absorption(x, bath):
    """J(x) f(x − μ)."""
    return _spectral(x, bath) * fermi(x, bath)


def _emission(x, bath):
    """J(x) (1 − f(x − μ)), with 1 − f(x − μ) = f(μ − x) (no cancellation)."""
    return _spectral(x, bath) * expit(bath.beta * (np.asarray(x, dtype=float) - bath.mu))


def _window(bath: FermionicBath, w: np.ndarray, points=()) -> float:
    """Upper end X of the composite rule on each half-line (2 max|ω − μ|), after checking that every feature of J
    inside it is resolved (:data:`RESOLUTION`)."""
    reach = float(np.max(np.abs(w), initial=0.0))
    cutoff = 2.0 * reach if reach > 0 else min(1.0 / bath.beta, bath.scale)
    for position, width in bath.features:
        if abs(position - bath.mu) < cutoff + 10.0 * width and width < cutoff / RESOLUTION:
            raise ValueError(
                f"spectral_density: a structure of J at omega = {position:.6g} of width {width:.3g} is narrower than "
                f"X/{RESOLUTION:g} = {cutoff / RESOLUTION:.3g}, with X = 2 max|omega - mu| = {cutoff:.3g} set by the "
                "Bohr frequencies; the principal values would not resolve it (use a width >= "
                f"{cutoff / RESOLUTION:.3g} or a bath whose features lie away from the Bohr frequencies)")
    return cutoff


def _principal_values(fs, omega: np.ndarray, bath: FermionicBath, points=()) -> list[np.ndarray]:
    r"""P∫_{−∞}^{∞} F(x)/(x − ω) dx for each F in ``fs`` (vectorised, smooth but at the features of J and the
    step of f at μ) and every ω of a 1-d array (module docstring). ``points``: further breakpoints (x values)."""
    from scipy.integrate import quad_vec

    mu = bath.mu
    w = omega - mu
    cutoff = _window(bath, w)
    at_mu = np.abs(w) <= RESONANCE_RTOL * cutoff
    halves = []
    for f in fs:  # g_R(y) = F(μ + y), g_L(y) = F(μ − y) for y ≥ 0; 0 for y < 0 (principal_value's panel [ω, 0])
        halves.append((lambda y, f=f: np.where(y >= 0, f(mu + np.abs(y)), 0.0),
                       lambda y, f=f: np.where(y >= 0, f(mu - np.abs(y)), 0.0)))
    out = []
    for g_r, g_l in halves:
        value = np.empty(w.shape)
        off = ~at_mu
        if np.any(off):
            value[off] = principal_value(g_r, w[off], cutoff) - principal_value(g_l, -w[off], cutoff)
        if np.any(at_mu):
            value[at_mu] = principal_value(lambda y: g_r(y) - g_l(y), np.zeros(int(at_mu.sum())), cutoff)
        out.append(value)
    # the regular rest ∫_X^∞ [g_R(y)/(y − w) − g_L(y)/(y + w)] dy, breakpoints at the structures of J and f
    marks = [k / bath.beta for k in _FERMI_POINTS] + [abs(p - mu) for p in points] + [bath.scale]
    marks += [abs(p + k * width - mu) for p, width in bath.features for k in _FEATURE_POINTS]
    marks = sorted({m for m in marks if cutoff < m < np.inf})

    def integrand(y):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.concatenate([g_r(np.array([y]))[0] / (y - w) - g_l(np.array([y]))[0] / (y + w)
                                   for g_r, g_l in halves])

    try:
        values, error, info = quad_vec(integrand, cutoff, np.inf, epsrel=TAIL_RTOL, epsabs=0.0, norm="max",
                                       points=marks or None, limit=_QUAD_LIMIT, full_output=True)
        values, status = np.asarray(values, dtype=float), info.status
    except ValueError:  # scipy's quad_vec itself can fail on a non-integrable tail
        values, error, status = np.full(sum(w.size for _ in fs), np.nan), np.inf, -1
    if status != 0 or not np.all(np.isfinite(values)) or error > _QUAD_ACCEPT * np.max(np.abs(values)):
        raise ValueError("spectral_density: the principal values of J f and J (1 - f) over the real axis did not "
                         f"converge (estimated error {error:.3g}); J must be integrable, e.g. decay faster than "
                         "1/|omega|^a, a > 0, away from mu (a flat J needs a cut-off: flat_band)")
    rest = np.split(values, len(fs))
    return [o + r for o, r in zip(out, rest)]


def _frequencies(omega, where: str) -> np.ndarray:
    omega = np.asarray(omega)
    if np.iscomplexobj(omega) or not np.issubdtype(omega.dtype, np.number):
        raise ValueError(f"{where}: omega must be real, got dtype {omega.dtype}")
    omega = omega.astype(float)
    if np.any(~np.isfinite(omega)):
        raise ValueError(f"{where}: omega must be finite")
    return omega


def coefficients(omega, bath) -> tuple[np.ndarray, np.ndarray]:
    r"""C(ω) and D(ω) of a fermionic lead (the analogue of Eq. (41); module docstring), for an array of ω.

    Parameters
    ----------
    omega : array_like of float
        Bohr frequencies E_γ − E_α (any real value, 0 included), any shape.
    bath : FermionicBath or qutip FermionicEnvironment

    Returns
    -------
    C, D : complex arrays of the shape of ``omega``; Re C = J f/2, Re D = J (1 − f)/2 (golden rule), so
        Re D(ω) = e^{β(ω−μ)} Re C(ω).

    Examples
    --------
    >>> import lindblad_core as lc
    >>> from lindblad_core.systems.fermionic import coefficients
    >>> c, d = coefficients([0.5], lc.FermionicBath(lc.lorentzian(1.0, 10.0), beta=2.0, mu=0.5))
    >>> round(float(c.real[0]), 12), round(float(d.real[0]), 12)  # J(0.5) f(0)/2, J(0.5)(1 − f(0))/2
    (0.249376558603, 0.249376558603)
    """
    bath = as_fermionic_bath(bath)
    omega = _frequencies(omega, "coefficients")
    flat = omega.ravel()
    j = _real_values("spectral_density", bath.spectral_density(flat), flat)
    uniq, inverse = np.unique(flat, return_inverse=True)
    pv_abs, pv_em = _principal_values([lambda x: _absorption(x, bath), lambda x: _emission(x, bath)], uniq, bath)
    c = 0.5 * j * fermi(flat, bath) - 1j * pv_abs[inverse] / (2 * np.pi)
    d = 0.5 * j * expit(bath.beta * (flat - bath.mu)) - 1j * pv_em[inverse] / (2 * np.pi)
    return c.reshape(omega.shape), d.reshape(omega.shape)


def hermitian_coefficients(omega, bath) -> np.ndarray:
    r"""Γ(ω) = D(ω) + conj(C(−ω)) for a Hermitian (Majorana-type) coupling S ⊗ (b + b†), S = S†, of a fermionic
    lead: the coefficient of the Hermitian-form dissipator (``redfield_equation``), finite at every ω."""
    omega = _frequencies(omega, "hermitian_coefficients")
    flat = omega.ravel()
    c, d = coefficients(np.concatenate([-flat, flat]), bath)
    return (d[flat.size:] + np.conj(c[:flat.size])).reshape(omega.shape)


def bath_coefficients(omega, bath) -> tuple[np.ndarray, np.ndarray]:
    """C(ω), D(ω) of Eq. (41) for a bosonic bath (:func:`lindblad_core.systems.baths.coefficients`) or of its
    fermionic analogue for a fermionic lead (:func:`coefficients`)."""
    return coefficients(omega, bath) if is_fermionic(bath) else bosonic_coefficients(omega, bath)


def bath_hermitian_coefficients(omega, bath) -> np.ndarray:
    """Γ(ω) = D(ω) + conj C(−ω) for a bosonic bath (:func:`lindblad_core.systems.baths.hermitian_coefficients`)
    or a fermionic lead (:func:`hermitian_coefficients`)."""
    return hermitian_coefficients(omega, bath) if is_fermionic(bath) else bosonic_hermitian_coefficients(omega, bath)


def golden_rule_rates(omega, bath) -> tuple[np.ndarray, np.ndarray]:
    r"""Emission and absorption rates (2 Re D, 2 Re C) at Bohr frequencies ω: J(ω)(n(ω) + 1) and J(ω) n(ω) for a
    bosonic bath (0 for ω ≤ 0), J(ω)(1 − f(ω − μ)) and J(ω) f(ω − μ) for a fermionic lead."""
    omega = np.asarray(omega, dtype=float)
    if is_fermionic(bath):
        bath = as_fermionic_bath(bath)
        j = _real_values("spectral_density", bath.spectral_density(omega), omega)
        return j * expit(bath.beta * (omega - bath.mu)), j * fermi(omega, bath)
    bath = as_bosonic_bath(bath)
    pos = np.where(omega > 0, omega, 1.0)
    j, n = spectral_density(pos, bath), occupation(pos, bath)
    return np.where(omega > 0, j * (n + 1.0), 0.0), np.where(omega > 0, j * n, 0.0)


def channel_amplitudes(bath):
    """The universal Lindblad equation's g of the two channels of a fermionic lead: (√(J(1 − f)), √(J f)) as
    vectorised functions on ℝ; g(ω)² is the golden-rule rate at Bohr frequency ω."""
    bath = as_fermionic_bath(bath)
    return (lambda x: np.sqrt(np.clip(_emission(x, bath), 0.0, None)),
            lambda x: np.sqrt(np.clip(_absorption(x, bath), 0.0, None)))


def two_frequency_lamb_shift(amplitude, w1, w2, bath) -> np.ndarray:
    r"""The universal Lindblad equation's Lamb-shift kernel for amplitudes a on the whole real axis:

    .. math::

        \eta(\omega_1, \omega_2) = -\frac{1}{2\pi}\,\mathcal P\!\int_{-\infty}^{\infty}
            \frac{a(y)\,a(y + |\omega_2 - \omega_1|)}{y - \min(\omega_1, \omega_2)}\,dy,

    (the fermionic counterpart of :func:`lindblad_core.lindblad.master_equations.two_frequency_lamb_shift`),
    by the principal values of :func:`coefficients` with breakpoints at both Fermi steps, μ and μ − |ω2 − ω1|.
    η(ω, ω) = Im D(ω) for a = √(J(1 − f)), Im C(ω) for a = √(J f).
    """
    bath = as_fermionic_bath(bath)
    w1, w2 = np.broadcast_arrays(np.asarray(w1, dtype=float), np.asarray(w2, dtype=float))
    lo = np.minimum(w1, w2).ravel()
    delta = np.abs(w2 - w1).ravel()
    out = np.empty(lo.shape)
    for dlt in np.unique(delta):
        sel = np.flatnonzero(delta == dlt)
        uniq, inverse = np.unique(lo[sel], return_inverse=True)
        (pv,) = _principal_values([lambda y, dlt=dlt: amplitude(y) * amplitude(y + dlt)], uniq, bath,
                                  points=(bath.mu - dlt,))
        out[sel] = pv[inverse]
    return (-out / (2.0 * np.pi)).reshape(w1.shape)


def check_fermionic_coupling(op: np.ndarray, sites: tuple[int, ...]) -> None:
    r"""A coupling to a fermionic lead acts on qubit sites (one fermionic mode each, |0> occupied: c = σ− on a
    single site) and is parity-odd: S anticommutes with P = (−1)^N on its sites, as a fermion operator with its
    Jordan–Wigner string does. Raises ValueError naming ``Coupling.op`` otherwise."""
    k = op.shape[0]
    if k != 2 ** len(sites):
        raise ValueError(f"Coupling.op of a fermionic lead must act on qubit sites (one fermionic mode per site), "
                         f"got a {k} x {k} operator on sites {sites}")
    parity = np.array([(-1.0) ** bin(i).count("1") for i in range(k)])
    anti = op * parity[None, :] + parity[:, None] * op
    size = float(np.max(np.abs(anti), initial=0.0))
    if size > PARITY_RTOL * float(np.max(np.abs(op), initial=0.0)):
        raise ValueError("Coupling.op of a fermionic lead must be parity-odd (a fermion operator with its "
                         "Jordan-Wigner string: S P = -P S with P = (-1)^N on its sites), got "
                         f"max|S P + P S| = {size:.3g}")

