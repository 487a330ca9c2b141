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

The principal values for all frequencies are computed at once (vectorised) by singularity subtraction,

.. math::

    \mathcal P\!\int_0^X \frac{f(x)}{x-\omega}dx = \int_0^X \frac{f(x)-f(\omega)}{x-\omega}dx
        + f(\omega)\ln\frac{X-\omega}{\omega}, \qquad 0 < \omega < X,

on a composite Gauss–Legendre rule whose panels are graded geometrically towards x = 0 (where
ω^s n(ω) ~ ω^{s−1}/β is not smooth) and always have ω as a breakpoint, so no node sits on the
removable singularity. ``tests/test_baths.py`` checks it against QUADPACK's QAWC to 1e-10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Bath", "spectral_density", "occupation", "coefficients", "principal_value", "PV_CUTOFF_MULT"]

# The integrand carries exp(−(x/ω_c)²): at x = 8 ω_c it is e^{−64} ≈ 1.6e−28 of its scale, so the
# integral to ∞ equals the one to 8 ω_c far below double precision (the published data stopped at 5 ω_c,
# where e^{−25} ≈ 1e−11; docs/conventions.md).
PV_CUTOFF_MULT = 8.0
_GAUSS_NODES = 20  # Gauss–Legendre nodes per panel
_GEOMETRIC_PANELS = np.geomspace(1e-24, 1.0, 41)  # breakpoints near x = 0, in units of the cut-off X
_UNIFORM_PANELS = 48  # uniform panels on [0, X], merged with the geometric ones
_NEAR_NODE = 1e-6  # ω closer than this to a node is integrated on its own rule (see principal_value)
# Bohr frequencies equal to this many significant digits share one principal-value evaluation (the XXZ chain
# has many exactly equal ones that differ by rounding); the induced change of Im C, Im D is ~1e-12 |dC/dω|.
# The real parts (the rates) are evaluated at each frequency.
_DEDUP_DIGITS = 12


@dataclass(frozen=True, kw_only=True)
class Bath:
    r"""Bosonic bath on one site, Eq. (42): J(ω) = γ ω^s exp(−(ω/ω_c)²) Θ(ω).

    Parameters
    ----------
    beta : float
        Inverse temperature β > 0.
    gamma : float
        Coupling strength γ_ℓ ≥ 0.
    omega_c : float
        Cut-off frequency ω_c > 0 (10 in the paper).
    s : float
        Ohmicity s > 0 (1: Ohmic).
    mu : float
        Chemical potential μ ≤ 0: bosonic occupations n(ω) = 1/(e^{β(ω−μ)} − 1) must stay finite and
        positive for every bath mode ω > 0, which puts μ at or below the lowest mode and so strictly
        below every transition frequency of the system.
    """

    beta: float
    gamma: float = 1.0
    omega_c: float = 10.0
    s: float = 1.0
    mu: float = 0.0

    def __post_init__(self):
        checks = {
            "beta": (lambda v: v > 0, "finite and > 0"),
            "gamma": (lambda v: v >= 0, "finite and >= 0"),
            "omega_c": (lambda v: v > 0, "finite and > 0"),
            "s": (lambda v: v > 0, "finite and > 0"),
            "mu": (lambda v: v <= 0, "finite and <= 0 (below the lowest bath mode, hence below "
                                     "every transition frequency)"),
        }
        for name, (ok, allowed) in checks.items():
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"Bath.{name} must be a real number, got {name}={value!r}") from None
            if not (math.isfinite(value) and ok(value)):
                raise ValueError(f"Bath.{name} must be {allowed}, got {name}={value!r}")
            object.__setattr__(self, name, value)


def spectral_density(omega, bath: Bath) -> np.ndarray:
    """J(ω) of Eq. (42); zero for ω ≤ 0."""
    omega = np.asarray(omega, dtype=float)
    pos = np.where(omega > 0, omega, 1.0)
    power = pos if bath.s == 1.0 else pos**bath.s
    return np.where(omega > 0, bath.gamma * power * np.exp(-((pos / bath.omega_c) ** 2)), 0.0)


def occupation(omega, bath: Bath) -> np.ndarray:
    """Bose occupation n(ω) = 1/(e^{β(ω−μ)} − 1) of Eq. (37), for ω > μ."""
    omega = np.asarray(omega, dtype=float)
    with np.errstate(over="ignore"):  # e^{βω} overflows to inf for βω ≳ 700: n = 0 there, correctly
        return 1.0 / np.expm1(bath.beta * (omega - bath.mu))


def _absorption(x: np.ndarray, bath: Bath) -> np.ndarray:
    """J(x) n(x) for x > 0, written so that x → 0 stays finite for s ≥ 1 (x/expm1(βx) → 1/β)."""
    return spectral_density(x, bath) * occupation(x, bath)


def _emission(x: np.ndarray, bath: Bath) -> np.ndarray:
    """J(x) (n(x) + 1) for x > 0."""
    return spectral_density(x, bath) * (occupation(x, bath) + 1.0)


def _gauss_legendre(n: int):
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1.0), 0.5 * w  # on [0, 1]


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
    f is evaluated once on a fixed composite rule. The subtracted integrand (f(x) − f(ω))/(x − ω) loses
    about ε_mach |f| / |x − ω| to cancellation, so the few ω that fall within ``_NEAR_NODE`` of a node
    are redone on a rule that has ω itself as a breakpoint (no node closer than ~1e-3 panel widths).
    """
    omega = np.atleast_1d(np.asarray(omega, dtype=float))
    if np.any(omega >= cutoff):
        raise ValueError(f"Bohr frequencies must lie below the integration cut-off {cutoff:g}")
    inside = omega > 0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        f_om = np.where(inside, f(np.where(inside, omega, 1.0)), 0.0)
        x, w = _composite_rule(_panels(cutoff))
        fx = f(x)
    dx = x[None, :] - omega[:, None]
    near = np.min(np.abs(dx), axis=1) < _NEAR_NODE * max(1.0, cutoff)
    numerator = np.where(inside[:, None], fx[None, :] - f_om[:, None], fx[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(near, 0.0, np.sum(np.where(near[:, None], 0.0, numerator / dx) * w, axis=1))
    for i in np.flatnonzero(near):
        edges = np.union1d(_panels(cutoff), [omega[i]])
        xi, wi = _composite_rule(edges)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            num = f(xi) - f_om[i] if inside[i] else f(xi)
        result[i] = np.sum(num / (xi - omega[i]) * wi)
    log_term = np.log(np.where(inside, (cutoff - omega) / np.where(inside, omega, 1.0), 1.0))
    return result + f_om * log_term


def _round_significant(x: np.ndarray, digits: int) -> np.ndarray:
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x))))
    return np.round(x * scale) / scale


def coefficients(omega, bath: Bath) -> tuple[np.ndarray, np.ndarray]:
    r"""The coefficients C(ω) and D(ω) of Eq. (41) (with the published 1/(2π), docs/conventions.md) for an array of ω.

    Parameters
    ----------
    omega : array_like of float
        Bohr frequencies E_γ − E_α, any shape; none may be 0 (for σ− couplings ω = 0 never multiplies
        a non-zero matrix element, and the principal value diverges there for s ≤ 1).
    bath : Bath

    Returns
    -------
    C, D : complex arrays of the shape of ``omega``. Their real parts obey detailed balance,
        Re D(ω) = e^{β(ω−μ)} Re C(ω).
    """
    omega = np.asarray(omega, dtype=float)
    if np.any(omega == 0.0):
        raise ValueError("coefficients: omega must be non-zero (the principal value diverges at 0)")
    if np.any(~np.isfinite(omega)):
        raise ValueError("coefficients: omega must be finite")
    flat = omega.ravel()
    # Deduplicate: many pairs (α, γ) share a Bohr frequency.
    uniq, inverse = np.unique(_round_significant(flat, _DEDUP_DIGITS), return_inverse=True)
    cutoff = max(PV_CUTOFF_MULT * bath.omega_c, 2.0 * float(np.max(np.abs(uniq))))
    pv_abs = principal_value(lambda x: _absorption(x, bath), uniq, cutoff)
    pv_j = principal_value(lambda x: spectral_density(x, bath), uniq, cutoff)
    pv_em = pv_abs + pv_j  # J(n + 1) = J n + J
    # The golden-rule parts are closed forms, evaluated at every ω itself: the deduplication above would
    # change e^{-βω} by β·1e-12 relative (1e-10 at β = 100), and the populations depend on nothing else.
    positive = np.where(flat > 0, flat, 1.0)  # Θ(ω): no real part for ω < 0
    with np.errstate(over="ignore"):
        re_abs = np.where(flat > 0, _absorption(positive, bath), 0.0)
        re_em = np.where(flat > 0, _emission(positive, bath), 0.0)
    c = 0.5 * re_abs - 1j * pv_abs[inverse] / (2 * np.pi)
    d = 0.5 * re_em - 1j * pv_em[inverse] / (2 * np.pi)
    return c.reshape(omega.shape), d.reshape(omega.shape)
