r"""Spectral densities J(ω) in the paper's convention J = 2π Σ_k |κ_k|² δ(ω − Ω_k) (Eq. (36)).

:func:`ohmic` (Eq. (42) with the Gaussian cut-off, or an exponential one) and :func:`drude_lorentz` build vectorised
J's that carry their frequency scale, their truncation point for the principal values and their exact J'(0);
:class:`~lindblad_core.systems.baths.BosonicBath` takes them or any other vectorised callable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["OhmicSpectralDensity", "DrudeLorentzSpectralDensity", "ohmic", "drude_lorentz", "check_positive",
           "PV_CUTOFF_MULT"]


# The integrand carries exp(−(x/ω_c)²): at x = 8 ω_c it is e^{−64} ≈ 1.6e−28 of its scale, so the
# integral to ∞ equals the one to 8 ω_c far below double precision (the published data stopped at 5 ω_c,
# where e^{−25} ≈ 1e−11; docs/conventions.md).
PV_CUTOFF_MULT = 8.0


_CUTOFFS = ("gaussian", "exponential")


@dataclass(frozen=True)
class OhmicSpectralDensity:
    r"""J(ω) = γ ω^s e^{−(ω/ω_c)²} (``cutoff="gaussian"``, Eq. (42)) or γ ω^s e^{−ω/ω_c} (``"exponential"``),
    zero for ω ≤ 0. Built by :func:`ohmic`."""

    gamma: float = 1.0
    omega_c: float = 10.0
    s: float = 1.0
    cutoff: str = "gaussian"

    def __call__(self, omega) -> np.ndarray:
        omega = np.asarray(omega, dtype=float)
        pos = np.where(omega > 0, omega, 1.0)
        power = pos if self.s == 1.0 else pos**self.s
        decay = (pos / self.omega_c) ** 2 if self.cutoff == "gaussian" else pos / self.omega_c
        return np.where(omega > 0, self.gamma * power * np.exp(-decay), 0.0)

    @property
    def scale(self) -> float:
        return self.omega_c

    @property
    def pv_cutoff(self) -> float | None:
        """Truncation of the principal values: 8 ω_c for the Gaussian (e^{−64} ≈ 1.6e−28), none otherwise."""
        return PV_CUTOFF_MULT * self.omega_c if self.cutoff == "gaussian" else None

    @property
    def zero_frequency_slope(self) -> float:
        """J'(0) = lim_{ω→0+} J(ω)/ω: γ for s = 1, 0 for s > 1, ∞ (sub-Ohmic) for s < 1."""
        return self.gamma if self.s == 1.0 else (0.0 if self.s > 1.0 else math.inf)


@dataclass(frozen=True)
class DrudeLorentzSpectralDensity:
    r"""J(ω) = 4 λ γ ω / (ω² + γ²) for ω > 0 (twice QuTiP's 2 λ γ ω / (ω² + γ²): see :func:`drude_lorentz`)."""

    lam: float
    gamma: float

    def __call__(self, omega) -> np.ndarray:
        omega = np.asarray(omega, dtype=float)
        pos = np.where(omega > 0, omega, 0.0)
        return 4.0 * self.lam * self.gamma * pos / (pos**2 + self.gamma**2)

    @property
    def scale(self) -> float:
        return self.gamma

    pv_cutoff = None  # the 1/ω tail is integrated to infinity

    @property
    def zero_frequency_slope(self) -> float:
        return 4.0 * self.lam / self.gamma


def check_positive(where: str, name: str, value, allow_zero: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}{name} must be a real number, got {name}={value!r}") from None
    if not (math.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        raise ValueError(f"{where}{name} must be finite and {'>= 0' if allow_zero else '> 0'}, "
                         f"got {name}={value!r}")
    return value


def ohmic(gamma: float = 1.0, omega_c: float = 10.0, s: float = 1.0,
          cutoff: str = "gaussian") -> OhmicSpectralDensity:
    r"""The (sub/super-)Ohmic spectral density J(ω) = γ ω^s e^{−(ω/ω_c)²} (Eq. (42), ``cutoff="gaussian"``,
    the paper's) or γ ω^s e^{−ω/ω_c} (``cutoff="exponential"``).

    Parameters
    ----------
    gamma : float
        Coupling strength γ ≥ 0 (J in the paper's convention J = 2π Σ_k |κ_k|² δ(ω − Ω_k), Eq. (36)).
    omega_c : float
        Cut-off ω_c > 0.
    s : float
        Ohmicity s > 0 (1: Ohmic). Bohr frequency 0 (Hermitian couplings) needs s ≥ 1.
    cutoff : {"gaussian", "exponential"}

    Returns
    -------
    OhmicSpectralDensity
        A vectorised J(ω), zero for ω ≤ 0, for :class:`BosonicBath`.

    Examples
    --------
    >>> import numpy as np
    >>> J = ohmic(gamma=1.0, omega_c=10.0)
    >>> J(np.array([-1.0, 1.0, 10.0]))  # γ ω e^{−(ω/ω_c)²}
    array([0.        , 0.99004983, 3.67879441])
    """
    gamma = check_positive("ohmic: ", "gamma", gamma, allow_zero=True)
    omega_c = check_positive("ohmic: ", "omega_c", omega_c)
    s = check_positive("ohmic: ", "s", s)
    if cutoff not in _CUTOFFS:
        raise ValueError(f"ohmic: cutoff must be one of {_CUTOFFS}, got cutoff={cutoff!r}")
    return OhmicSpectralDensity(gamma=gamma, omega_c=omega_c, s=s, cutoff=cutoff)


def drude_lorentz(lam: float, gamma: float) -> DrudeLorentzSpectralDensity:
    r"""The Drude–Lorentz (overdamped) spectral density, in the paper's convention:

    .. math::

        \mathfrak J(\omega) = \frac{4\lambda\gamma\omega}{\omega^2 + \gamma^2}
                            = 2\,J_{\rm QuTiP}(\omega), \qquad \omega > 0.

    The paper's J (Eq. (36)) is J = 2π Σ_k |κ_k|² δ(ω − Ω_k) for B = Σ_k κ_k b_k; the golden-rule emission
    rate of a Hermitian coupling S ⊗ (B + B†) is |S_αγ|² J(ω)(n(ω) + 1). QuTiP's environments describe a
    coupling Q ⊗ X with the power spectrum S(ω) = 2 J_QuTiP(ω)(n(ω) + 1), so the same physical bath has
    J = 2 J_QuTiP. With this factor, ``drude_lorentz(lam, gamma)`` coupled through ``form="hermitian"`` is
    QuTiP's ``DrudeLorentzEnvironment(T, lam, gamma)`` coupled through Q, and λ keeps its meaning of
    reorganisation energy: (1/2π) ∫_0^∞ J(ω)/ω dω = λ (``tests/systems/test_baths.py`` checks both numerically).

    Parameters
    ----------
    lam : float
        Reorganisation energy λ ≥ 0.
    gamma : float
        Drude cut-off (inverse bath correlation time) γ > 0.

    Returns
    -------
    DrudeLorentzSpectralDensity
        A vectorised J(ω), zero for ω ≤ 0, for :class:`BosonicBath`.

    Examples
    --------
    >>> J = drude_lorentz(lam=0.1, gamma=5.0)
    >>> float(J(5.0))  # 4 λ γ ω / (ω² + γ²) at ω = γ: 2 λ
    0.2
    """
    lam = check_positive("drude_lorentz: ", "lam", lam, allow_zero=True)
    gamma = check_positive("drude_lorentz: ", "gamma", gamma)
    return DrudeLorentzSpectralDensity(lam=lam, gamma=gamma)
