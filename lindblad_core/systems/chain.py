r"""The paper's setting in one serialisable record: an XXZ chain with left/middle/right parts and its baths.

``ChainSetup`` holds only scalars (and a per-site γ tuple), so ``dataclasses.asdict`` of it is stored next to
every result and keys the sweep cache. It is a pure record: the derived ``System``/``Redfield`` are cached
outside it (``functools.lru_cache`` keyed by the frozen, hashable record). Site layout (Fig. 1, Eq. (35)):
sites ``0 … N_L−1`` couple to the left bath(s) at β_L, the last ``N_R`` sites to the right bath(s) at β_R, the
``N_M`` sites between to none.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass, fields, replace

from lindblad_core.systems.baths import Bath
from lindblad_core.systems.operators import FIELDS, SIGMA_MINUS, System, xxz_hamiltonian
from lindblad_core.redfield import Redfield, redfield
from lindblad_core.systems.open_system import Coupling, OpenSystem

# Derived objects of the most recently used setups (a sweep asks each setup for its Redfield several times).
_DERIVED_CACHE_SIZE = 8

__all__ = ["ChainSetup", "xxz_chain"]


@dataclass(frozen=True, kw_only=True)
class ChainSetup:
    r"""An isotropic-XXZ-type chain coupled to bosonic baths (Sec. III, Eq. (35), App. C).

    Parameters
    ----------
    n_left, n_middle, n_right : int
        N_L ≥ 1 qubits on the left bath(s), N_M ≥ 0 uncoupled, N_R ≥ 0 on the right bath(s).
    g, delta, omega0, bias, field
        Hamiltonian parameters of :func:`lindblad_core.systems.operators.xxz_hamiltonian`.
    beta_left, beta_right : float
        Inverse temperatures of the left and right baths (β_R defaults to β_L).
    gamma : float or tuple of float
        Coupling strength γ_ℓ; a tuple gives one value per bath site, left to right (Fig. 5).
    omega_c, s, mu : float
        Cut-off, Ohmicity and chemical potential, shared by all baths (Eq. (42)).
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
        self.baths  # validates β, γ, ω_c, s, μ with messages naming them

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
    def baths(self) -> tuple[Bath, ...]:
        gammas = self.gamma if isinstance(self.gamma, tuple) else (self.gamma,) * len(self.bath_sites)
        betas = (self.beta_left,) * self.n_left + (self.beta_right,) * self.n_right
        out = []
        for site, beta, gamma in zip(self.bath_sites, betas, gammas):
            try:
                out.append(Bath(beta=beta, gamma=gamma, omega_c=self.omega_c, s=self.s, mu=self.mu))
            except ValueError as err:  # name the setup's own field (beta_left / beta_right)
                msg = str(err)
                if "Bath.beta" in msg:
                    side = "beta_left" if site in self.left_sites else "beta_right"
                    msg = msg.replace("Bath.beta", side).replace("beta=", f"{side}=")
                raise ValueError(msg.replace("Bath.", "")) from None
        return tuple(out)

    def hamiltonian(self):
        return xxz_hamiltonian(self.n_sites, g=self.g, delta=self.delta, omega0=self.omega0,
                               bias=self.bias, field=self.field)

    @property
    def system(self) -> System:
        """The paper's :class:`System` (cached per setup value)."""
        return _system(self)

    @property
    def redfield(self) -> Redfield:
        """:func:`redfield` of ``system`` with ``baths`` (cached per setup value)."""
        return _redfield(self)

    def open_system(self) -> OpenSystem:
        """The same model as an :class:`OpenSystem`: one exchange coupling σ− ⊗ B† + σ+ ⊗ B per bath site
        (Eq. (35)) to the paper's Ohmic–Gaussian bath of that site. ``redfield(setup.open_system())`` equals
        ``setup.redfield`` (``tests/test_open_system.py``)."""
        couplings = [Coupling(SIGMA_MINUS, (site,), bath.to_bosonic(), form="exchange")
                     for site, bath in zip(self.bath_sites, self.baths)]
        return OpenSystem(self.hamiltonian(), couplings, dims=(2,) * self.n_sites)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        if isinstance(d["gamma"], tuple):
            d["gamma"] = list(d["gamma"])
        return d

    def replace(self, **changes) -> "ChainSetup":
        return replace(self, **changes)


@functools.lru_cache(maxsize=_DERIVED_CACHE_SIZE)
def _system(setup: ChainSetup) -> System:
    return System(setup.hamiltonian(), setup.bath_sites)


@functools.lru_cache(maxsize=_DERIVED_CACHE_SIZE)
def _redfield(setup: ChainSetup) -> Redfield:
    return redfield(_system(setup), setup.baths)


def xxz_chain(**kwargs) -> ChainSetup:
    """Shorthand for :class:`ChainSetup` (the paper's Eq. (35) setting)."""
    return ChainSetup(**kwargs)
