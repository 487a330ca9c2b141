r"""Random open systems of qubits and qutrits for the metamorphic tests of the general-system API, and the
transformations that map a system onto an equivalent one.

A system is kept as a :class:`Spec` (plain arrays and bath parameters) so that each transformation acts on the
ingredients, and :meth:`Spec.build` makes the :class:`~lindblad_core.systems.open_system.OpenSystem`. Every transformation
returns the new spec and the unitary ``u`` (computational basis) with H' = u H u† + shift, so that a
basis-independent quantity X of the original maps to u X u† (``None`` when the map is the identity).

Two families (each a valid input of the theory of Sec. II.B):

* ``"u1"``: H_S commutes with the charge Q = Σ q_ℓ, q_ℓ = diag(0, −1, …) (random Hermitian within every
  charge sector: exact zeros between sectors), couplings in the exchange form through the site's lowering
  operator a (σ− on a qubit), times a random complex amplitude, plus sometimes a Hermitian coupling
  a + a† or a q-like diagonal operator: S has no element at Bohr frequency 0 where the form forbids it;
* ``"dense"``: a dense random Hermitian H_S, couplings in the Hermitian form through random Hermitian local
  operators (Bohr frequency 0 included).

Baths: Ohmic J = γ ω e^{−(ω/ω_c)²} or γ ω e^{−ω/ω_c}, or Drude–Lorentz 4λγω/(ω² + γ²), at β log-uniform in
[0.2, 5]. A draw whose spectrum has a gap below ``MIN_GAP`` of its width is drawn again (the check of
``system.DEGENERACY_RTOL`` is far below that; a tiny gap only makes the eigenvectors, and so every
comparison, less accurate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lindblad_core.systems.baths import BosonicBath, drude_lorentz, ohmic
from lindblad_core.systems.open_system import Coupling, OpenSystem, embed, site_charges

MIN_GAP = 1e-2  # smallest level spacing accepted, relative to the spectrum's width


@dataclass(frozen=True)
class BathSpec:
    kind: str  # "ohmic_gaussian", "ohmic_exponential" or "drude_lorentz"
    beta: float
    strength: float  # γ of the Ohmic J, λ of Drude–Lorentz
    scale: float  # ω_c, or the Drude cut-off γ

    def build(self) -> BosonicBath:
        if self.kind == "drude_lorentz":
            return BosonicBath(drude_lorentz(self.strength, self.scale), beta=self.beta)
        cutoff = self.kind.split("_")[1]
        return BosonicBath(ohmic(gamma=self.strength, omega_c=self.scale, cutoff=cutoff), beta=self.beta)

    def rescaled(self, c: float) -> "BathSpec":
        """J(c ω) → c J(ω) at β/c: ω_c → c ω_c (the Ohmic γ is a pure number for s = 1); λ, γ_DL → c λ, c γ_DL."""
        strength = self.strength * c if self.kind == "drude_lorentz" else self.strength
        return replace(self, beta=self.beta / c, strength=strength, scale=self.scale * c)


@dataclass(frozen=True)
class CouplingSpec:
    op: np.ndarray
    sites: tuple[int, ...]
    bath: BathSpec
    form: str


@dataclass(frozen=True)
class Spec:
    h: np.ndarray
    dims: tuple[int, ...]
    couplings: tuple[CouplingSpec, ...]
    family: str

    def build(self) -> OpenSystem:
        return OpenSystem(self.h, [Coupling(c.op, c.sites, c.bath.build(), form=c.form) for c in self.couplings],
                          dims=self.dims)

    @property
    def dim(self) -> int:
        return int(np.prod(self.dims))

    @property
    def coupled_sites(self) -> tuple[int, ...]:
        return tuple(sorted({s for c in self.couplings for s in c.sites}))


def lowering(k: int) -> np.ndarray:
    """a = Σ_n √(n+1) |n+1><n| on k levels: σ− = |1><0| for k = 2 (level 0 the excited one, as in the paper);
    it lowers the charge q = diag(0, −1, …) by one."""
    return np.diag(np.sqrt(np.arange(1.0, k)), k=-1)


def _random_hermitian(rng, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return 0.5 * (a + a.conj().T)


def _random_unitary(rng, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


def _bath(rng) -> BathSpec:
    kind = str(rng.choice(["ohmic_gaussian", "ohmic_exponential", "drude_lorentz"]))
    beta = float(10.0 ** rng.uniform(math.log10(0.2), math.log10(5.0)))
    if kind == "drude_lorentz":
        return BathSpec(kind, beta, float(rng.uniform(0.05, 0.5)), float(rng.uniform(0.5, 5.0)))
    return BathSpec(kind, beta, float(rng.uniform(0.2, 2.0)), float(rng.uniform(3.0, 12.0)))


def _u1_hamiltonian(rng, dims) -> np.ndarray:
    """Energies rising with the charge (level 0 of a site, charge 0, is its highest: ~n below it for level n, as
    the paper's n = diag(1, 0) on a qubit) plus random charge-conserving terms; :func:`lowering` lowers the energy."""
    q = site_charges(dims)
    d = len(q)
    h = np.zeros((d, d), dtype=complex)
    for value in np.unique(q):
        idx = np.flatnonzero(q == value)
        h[np.ix_(idx, idx)] = 0.15 * _random_hermitian(rng, len(idx))
    h += np.diag(q * 1.0 + 0.3 * rng.normal(size=d))
    return 0.5 * (h + h.conj().T)


def draw(rng, family: str | None = None) -> Spec:
    """One random system: 2 or 3 sites of dimension 2 or 3 (d ≤ 18), at least one coupling."""
    family = family or str(rng.choice(["u1", "dense"]))
    while True:
        n = int(rng.choice([2, 2, 3]))
        dims = tuple(int(rng.choice([2, 3])) for _ in range(n))
        if np.prod(dims) > 18:
            continue
        h = _u1_hamiltonian(rng, dims) if family == "u1" else _random_hermitian(rng, int(np.prod(dims)))
        e = np.linalg.eigvalsh(h)
        if np.min(np.diff(e)) < MIN_GAP * (e[-1] - e[0]):
            continue
        coupled = sorted(rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False).tolist())
        couplings = []
        for site in coupled:
            k = dims[site]
            if family == "u1":
                amp = complex(rng.normal(1.0, 0.3), rng.normal(0.0, 0.3))
                couplings.append(CouplingSpec(amp * lowering(k), (site,), _bath(rng), "exchange"))
                if rng.random() < 0.3:
                    a = lowering(k)
                    op = a + a.T if rng.random() < 0.5 else np.diag(rng.normal(size=k))
                    couplings.append(CouplingSpec(op, (site,), _bath(rng), "hermitian"))
            else:
                couplings.append(CouplingSpec(_random_hermitian(rng, k), (site,), _bath(rng), "hermitian"))
        return Spec(np.asarray(h), dims, tuple(couplings), family)


# -- transformations ---------------------------------------------------------------------------------------

def shift(spec: Spec, c: float):
    """H → H + c·I."""
    return replace(spec, h=spec.h + c * np.eye(spec.dim)), None


def local_unitary(spec: Spec, site: int, u: np.ndarray):
    """H → U H U†, S → U S U† for every coupling on ``site`` (U acting on ``site`` only)."""
    full = embed(u, (site,), spec.dims)
    couplings = []
    for c in spec.couplings:
        if site in c.sites:
            local = embed(u, (c.sites.index(site),), tuple(spec.dims[s] for s in c.sites))
            c = replace(c, op=local @ c.op @ local.conj().T)
        couplings.append(c)
    return replace(spec, h=full @ spec.h @ full.conj().T, couplings=tuple(couplings)), full


def random_local_unitary(spec: Spec, rng):
    site = int(rng.integers(len(spec.dims)))
    return local_unitary(spec, site, _random_unitary(rng, spec.dims[site]))


def local_permutation(spec: Spec, rng):
    """A permutation of one site's basis states (a local unitary that is a permutation matrix)."""
    site = int(rng.integers(len(spec.dims)))
    k = spec.dims[site]
    perm = rng.permutation(k)
    while np.all(perm == np.arange(k)):
        perm = rng.permutation(k)
    return local_unitary(spec, site, np.eye(k)[perm])


def site_permutation(spec: Spec, rng):
    """Relabel the sites: new site i is old site ``order[i]`` (H's tensor factors permuted, couplings'
    sites renamed; each coupling keeps its operator and its own site order)."""
    n = len(spec.dims)
    order = rng.permutation(n)
    while np.all(order == np.arange(n)):
        order = rng.permutation(n)
    new_of_old = np.argsort(order)
    dims = tuple(spec.dims[i] for i in order)
    d = spec.dim
    perm = np.arange(d).reshape(spec.dims).transpose(order).ravel()  # new index -> old index
    p = np.eye(d)[perm]  # p @ v_old = v_new
    couplings = tuple(replace(c, sites=tuple(int(new_of_old[s]) for s in c.sites)) for c in spec.couplings)
    return replace(spec, h=p @ spec.h @ p.T, dims=dims, couplings=couplings), p


def reorder_couplings(spec: Spec, rng):
    order = rng.permutation(len(spec.couplings))
    return replace(spec, couplings=tuple(spec.couplings[i] for i in order)), None


def split_coupling(spec: Spec, rng, weight: float = math.sqrt(0.5)):
    """One coupling S (to its bath) → two couplings w·S, each to its own, independent bath with the same J and β.

    With w = √½ the Redfield L2 is unchanged: each coupling is an independent bath, so L2 is Σ_ℓ of terms
    quadratic in S_ℓ, and 2 · (√½)² = 1. (Two couplings S/2 to independent baths give half of L2; S/2 + S/2 to
    one bath — correlated — would give L2 again, but that is one coupling S.)"""
    k = int(rng.integers(len(spec.couplings)))
    c = spec.couplings[k]
    half = replace(c, op=weight * c.op)
    return replace(spec, couplings=spec.couplings[:k] + (half, half) + spec.couplings[k + 1:]), None


def rescale(spec: Spec, c: float):
    """H → c H, J(c ω) → c J(ω), β → β/c: L2 → c L2 in the energy basis, ρ0 unchanged."""
    couplings = tuple(replace(cp, bath=cp.bath.rescaled(c)) for cp in spec.couplings)
    return replace(spec, h=c * spec.h, couplings=couplings), None
