r"""The paper's model: the XXZ chain of Eq. (35) (with the bias of App. C) and its baths, as one serialisable record.

.. math::

    H_S = \sum_\ell h_\ell Z_\ell + g \sum_\ell (X_\ell X_{\ell+1} + Y_\ell Y_{\ell+1}
          + \Delta Z_\ell Z_{\ell+1}),

with ``Z_ℓ = |0><0|_ℓ`` for ``field="projector"`` (the authors' published data) or ``Z_ℓ = σz`` for
``field="sigma_z"`` (the paper's text), and the bias of App. C: ``h_ℓ = ω0`` on the first ``N // 2``
sites and ``ω0 + ε0`` on the rest.

:class:`ChainSetup` holds only scalars (and a per-site γ tuple), so its ``to_dict()`` is stored next to every
result and keys the sweep cache. It builds the :class:`~lindblad_core.systems.open_system.OpenSystem` that every
computation takes (:meth:`ChainSetup.open_system`, cached per record value). Site layout (Fig. 1, Eq. (35)):
sites ``0 … N_L−1`` couple to the left bath(s) at β_L, the last ``N_R`` sites to the right bath(s) at β_R, the
``N_M`` sites between to none, each through σ− to a bath of its own.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, fields, replace

import numpy as np

from lindblad_core.systems.baths import BosonicBath, ohmic
from lindblad_core.systems.open_system import Coupling, OpenSystem
from lindblad_core.systems.operators import PROJECTOR_UP, SIGMA_MINUS, SIGMA_PLUS, SIGMA_Z, site_operator

# Open systems of the most recently used setups (a sweep asks each setup for its system several times; equal
# records share one OpenSystem, hence one cached Redfield equation, :func:`lindblad_core.redfield_equation.redfield`).
_DERIVED_CACHE_SIZE = 8

__all__ = ["ChainSetup", "FIELDS", "as_open_system", "xxz_chain", "xxz_hamiltonian"]

FIELDS = {"projector": PROJECTOR_UP, "sigma_z": SIGMA_Z}


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def _check_finite(name: str, value) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return value


def xxz_hamiltonian(
    n_sites: int,
    *,
    g: float,
    delta: float = 1.0,
    omega0: float = 1.0,
    bias: float = 0.0,
    field: str = "projector",
) -> np.ndarray:
    r"""The XXZ chain of Eq. (35) with the on-site bias of App. C, as a real ``2^N × 2^N`` array.

    Parameters
    ----------
    n_sites : int
        Number of qubits N ≥ 1.
    g : float
        Nearest-neighbour coupling (``+g``: antiferromagnetic for ``g > 0``).
    delta : float
        Anisotropy Δ of the ``Z_ℓ Z_{ℓ+1}`` term (Δ = 1: isotropic, the paper's case).
    omega0 : float
        On-site field ω0 (1 in the paper).
    bias : float
        Energy bias ε0 of App. C, added to the field of sites ``ℓ >= N // 2``.
    field : {"projector", "sigma_z"}
        On-site operator: ``|0><0|`` (published data) or ``σz`` (paper's text).

    Notes
    -----
    The coupling uses Pauli matrices in both conventions; only the on-site term differs (docs/conventions.md).
    """
    n_sites = _check_count("n_sites", n_sites, 1)
    g, delta, omega0, bias = (_check_finite(k, v) for k, v in
                              (("g", g), ("delta", delta), ("omega0", omega0), ("bias", bias)))
    if field not in FIELDS:
        raise ValueError(f"field must be one of {sorted(FIELDS)}, got field={field!r}")
    d = 2**n_sites
    h = np.zeros((d, d))
    for site in range(n_sites):
        h_site = omega0 + (bias if site >= n_sites // 2 else 0.0)
        h += h_site * site_operator(FIELDS[field], site, n_sites)
    # XX + YY = 2 (σ+σ− + σ−σ+): real, avoids complex arithmetic.
    hopping = 2.0 * (np.kron(SIGMA_PLUS, SIGMA_MINUS) + np.kron(SIGMA_MINUS, SIGMA_PLUS))
    bond = hopping + delta * np.kron(SIGMA_Z, SIGMA_Z)
    for site in range(n_sites - 1):
        h += g * np.kron(np.kron(np.eye(2**site), bond), np.eye(2 ** (n_sites - site - 2)))
    return h


@dataclass(frozen=True, kw_only=True)
class ChainSetup:
    r"""An isotropic-XXZ-type chain coupled to bosonic baths (Sec. III, Eq. (35), App. C).

    Parameters
    ----------
    n_left, n_middle, n_right : int
        N_L ≥ 1 qubits on the left bath(s), N_M ≥ 0 uncoupled, N_R ≥ 0 on the right bath(s).
    g, delta, omega0, bias, field
        Hamiltonian parameters of :func:`xxz_hamiltonian`.
    beta_left, beta_right : float
        Inverse temperatures of the left and right baths (β_R defaults to β_L).
    gamma : float or tuple of float
        Coupling strength γ_ℓ; a tuple gives one value per bath site, left to right (Fig. 5).
    omega_c, s, mu : float
        Cut-off, Ohmicity and chemical potential, shared by all baths (Eq. (42)).

    Examples
    --------
    >>> setup = ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5)
    >>> setup.dim, setup.bath_sites
    (16, (0, 3))
    >>> system = setup.open_system()  # what every computation takes
    >>> [c.sites for c in system.couplings], system.dims
    ([(0,), (3,)], (2, 2, 2, 2))
    >>> setup.replace(g=0.1).g
    0.1
    """

    n_left: int = 1
    n_middle: int = 2
    n_right: int = 1
    g: float = 0.01
    delta: float = 1.0
    omega0: float = 1.0
    bias: float = 0.0
    field: str = "projector"
    beta_left: float = 1.0
    beta_right: float | None = None
    gamma: float | tuple[float, ...] = 1.0
    omega_c: float = 10.0
    s: float = 1.0
    mu: float = 0.0

    def __post_init__(self):
        for name, minimum in (("n_left", 1), ("n_middle", 0), ("n_right", 0)):
            v = getattr(self, name)
            integral = isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer())
            if isinstance(v, bool) or not integral or v < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={v!r}")
            object.__setattr__(self, name, int(v))
        for name in ("g", "delta", "omega0", "bias"):
            v = float(getattr(self, name))
            if not math.isfinite(v):
                raise ValueError(f"{name} must be finite, got {name}={v!r}")
            object.__setattr__(self, name, v)
        if self.field not in FIELDS:
            raise ValueError(f"field must be one of {sorted(FIELDS)}, got field={self.field!r}")
        if self.beta_right is None:
            object.__setattr__(self, "beta_right", self.beta_left)
        gamma = self.gamma
        if isinstance(gamma, (list, tuple)):
            gamma = tuple(float(x) for x in gamma)
            if len(gamma) != self.n_left + self.n_right:
                raise ValueError(f"gamma must be a number or one value per bath site "
                                 f"({self.n_left + self.n_right}), got {len(gamma)} values")
        else:
            gamma = float(gamma)
        object.__setattr__(self, "gamma", gamma)
        for name in ("beta_left", "beta_right", "omega_c", "s", "mu"):
            try:
                object.__setattr__(self, name, float(getattr(self, name)))
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a real number, got {name}={getattr(self, name)!r}") from None
        self._check_baths()

    # -- derived objects ---------------------------------------------------------------------------
    @property
    def n_sites(self) -> int:
        return self.n_left + self.n_middle + self.n_right

    @property
    def dim(self) -> int:
        return 2**self.n_sites

    @property
    def left_sites(self) -> tuple[int, ...]:
        return tuple(range(self.n_left))

    @property
    def right_sites(self) -> tuple[int, ...]:
        return tuple(range(self.n_sites - self.n_right, self.n_sites))

    @property
    def bath_sites(self) -> tuple[int, ...]:
        return self.left_sites + self.right_sites

    @property
    def baths(self) -> tuple[BosonicBath, ...]:
        """One bath per bath site, left to right: J = γ_ℓ ω^s exp(−(ω/ω_c)²) (Eq. (42)) at β_L or β_R."""
        gammas = self.gamma if isinstance(self.gamma, tuple) else (self.gamma,) * len(self.bath_sites)
        betas = (self.beta_left,) * self.n_left + (self.beta_right,) * self.n_right
        return tuple(BosonicBath(ohmic(gamma=g, omega_c=self.omega_c, s=self.s), beta=b, mu=self.mu)
                     for b, g in zip(betas, gammas))

    def _check_baths(self) -> None:
        """β, γ, ω_c, s, μ of Eq. (42), with messages naming this record's fields."""
        gammas = self.gamma if isinstance(self.gamma, tuple) else (self.gamma,)
        checks = [("beta_left", self.beta_left, self.beta_left > 0, "> 0"),
                  ("beta_right", self.beta_right, self.beta_right > 0, "> 0"),
                  ("omega_c", self.omega_c, self.omega_c > 0, "> 0"),
                  ("s", self.s, self.s > 0, "> 0"),
                  ("mu", self.mu, self.mu <= 0, "<= 0 (below the lowest bath mode, hence below every "
                                                "transition frequency)")]
        checks += [("gamma", g, g >= 0, ">= 0") for g in gammas]
        for name, value, ok, allowed in checks:
            if not (math.isfinite(value) and ok):
                raise ValueError(f"{name} must be finite and {allowed}, got {name}={value!r}")

    def hamiltonian(self) -> np.ndarray:
        """H_S of Eq. (35) with the bias of App. C (:func:`xxz_hamiltonian`)."""
        return xxz_hamiltonian(self.n_sites, g=self.g, delta=self.delta, omega0=self.omega0,
                               bias=self.bias, field=self.field)

    def open_system(self) -> OpenSystem:
        """The chain as an :class:`OpenSystem`: one exchange coupling σ− ⊗ B† + σ+ ⊗ B per bath site (Eq. (35))
        to the Ohmic–Gaussian bath of that site (:attr:`baths`). Equal records return the same object."""
        return _open_system(self)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        if isinstance(d["gamma"], tuple):
            d["gamma"] = list(d["gamma"])
        return d

    def replace(self, **changes) -> "ChainSetup":
        return replace(self, **changes)


@functools.lru_cache(maxsize=_DERIVED_CACHE_SIZE)
def _open_system(setup: ChainSetup) -> OpenSystem:
    couplings = [Coupling(SIGMA_MINUS, (site,), bath, form="exchange")
                 for site, bath in zip(setup.bath_sites, setup.baths)]
    return OpenSystem(setup.hamiltonian(), couplings, dims=(2,) * setup.n_sites)


def as_open_system(system, name: str = "system") -> OpenSystem:
    """``system`` as an :class:`OpenSystem`: an OpenSystem as it is, a :class:`ChainSetup` through
    :meth:`ChainSetup.open_system`; anything else is an error naming ``name``."""
    if isinstance(system, OpenSystem):
        return system
    if isinstance(system, ChainSetup):
        return system.open_system()
    raise ValueError(f"{name} must be an OpenSystem or a ChainSetup, got {type(system).__name__}")


def xxz_chain(**kwargs) -> ChainSetup:
    """Shorthand for :class:`ChainSetup` (the paper's Eq. (35) setting)."""
    return ChainSetup(**kwargs)
