r"""An independent numpy evaluation of the objectives of Eqs. (29) and (33), for the metamorphic tests.

Nothing here calls the code under test (``lindblad_core.lindblad.ansatz`` / ``lindblad_core.lindblad.candidate`` / ``lindblad_core.sdp``): the operators
F_α of Eq. (23) are built from their definition (docs/conventions.md: per qubit {−σz/√2, σ−, σ+, I/√2}, first qubit of
a block slowest, the last product I/√d_b dropped, F = f ⊗ I_rest/√d_rest on the left block and
I_rest/√d_rest ⊗ f on the right one), the dissipator is applied in its jump-operator form
Σ_j w_j (L_j ρ L_j† − ½{L_j†L_j, ρ}) with Γ = Σ_j w_j v_j v_j† and L_j = Σ_b conj(v_j[b]) F_b (the
library contracts Γ directly), and everything is evaluated in the computational basis. Only the problem's data
come from the library: the energy eigenvectors, the zeroth-order populations p (App. A) and the Redfield
target L2(ρ0) (Eqs. (38)–(40)), none of which the SDPs compute.

.. math::

    \mathcal L_2'(\rho) = \sum_b \Big( i[\rho, H^{(b)}_{LS}\otimes I]
        + \sum_{ab} \Gamma^{(b)}_{ab}\big(F_b\rho F_a^\dagger - \tfrac12\{F_a^\dagger F_b, \rho\}\big)\Big)
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools

import numpy as np

from lindblad_core.redfield_equation import redfield

from lindblad_core.redfield_equation import l2, populations

EPS = np.finfo(float).eps
# Rounding allowance of one evaluation below: EVAL_ROUNDING_FACTOR · d² · eps · (sum of the norms of the
# terms). Generous (the γ_n bound of a d-term dot product is d·eps per entry, the τ^pop sum adds d entries).
EVAL_ROUNDING_FACTOR = 16.0

_SZ = np.diag([1.0, -1.0])
_SM = np.array([[0.0, 0.0], [1.0, 0.0]])  # σ− = |1><0|, |0> = spin up
_SP = _SM.T.copy()
_QUBIT = (-_SZ / np.sqrt(2.0), _SM, _SP, np.eye(2) / np.sqrt(2.0))


def block_basis(n_qubits: int) -> np.ndarray:
    """The 4^n − 1 block operators f_α (first qubit slowest), without I/√(2^n)."""
    ops = []
    for idx in itertools.product(range(4), repeat=n_qubits):
        op = np.ones((1, 1))
        for i in idx:
            op = np.kron(op, _QUBIT[i])
        ops.append(op)
    return np.array(ops[:-1])


@contextlib.contextmanager
def single_threaded_blas():
    """Run OpenBLAS (numpy's and scipy's copies) on one thread inside the block, where this can be done.

    On a loaded 2-core machine multi-threaded BLAS on 64×64 matrices is 3–25× slower than one thread (the
    threads wait for each other). Finds the loaded OpenBLAS libraries in /proc/self/maps and calls their
    ``*_set_num_threads*`` (what threadpoolctl does); a no-op where that is not possible.
    """
    restore = []
    try:
        with open("/proc/self/maps") as fh:
            paths = sorted({line.split()[-1] for line in fh if "openblas" in line.lower() and ".so" in line})
    except OSError:
        paths = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            for prefix in ("scipy_openblas", "openblas"):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    put.argtypes = [ctypes.c_int]
                    restore.append((put, int(get())))
                    put(1)
                    break
            else:
                continue
            break
    try:
        yield
    finally:
        for put, n in restore:
            put(n)


class Reference:
    """Problem data of one ``ChainSetup`` with blocks "left,right" (the right one only when N_R > 0)."""

    def __init__(self, setup):
        self.setup = setup
        n, nl, nr = setup.n_sites, setup.n_left, setup.n_right
        self.d = d = 2**n
        self.blocks = [("left", nl)] + ([("right", nr)] if nr else [])
        self.operators, self.embed = [], []
        for side, nb in self.blocks:
            rest = np.eye(2 ** (n - nb))
            f = block_basis(nb)
            if side == "left":
                self.operators.append(np.array([np.kron(x, rest) for x in f]) / np.sqrt(rest.shape[0]))
                self.embed.append(lambda h, rest=rest: np.kron(h, rest))
            else:
                self.operators.append(np.array([np.kron(rest, x) for x in f]) / np.sqrt(rest.shape[0]))
                self.embed.append(lambda h, rest=rest: np.kron(rest, h))
        red = redfield(setup)
        self.vectors = np.asarray(setup.open_system().eigenvectors)
        self.p = np.asarray(populations(red))
        self.rho0 = (self.vectors * self.p) @ self.vectors.conj().T
        self.target = l2(red, self.rho0, basis="computational")  # physical L2(ρ0)
        assert self.rho0.shape == (d, d)

    # -- candidates --------------------------------------------------------------------------------
    def block_sizes(self):
        return [(4**nb - 1, 2**nb) for _, nb in self.blocks]

    def random_candidate(self, rng, traces=None, h_scale=1.0):
        """Random Γ_b ⪰ 0 (random rank, Tr Γ_b = traces[b], or a random trace when None) and Hermitian H_b."""
        gammas, hams = [], []
        for b, (m, k) in enumerate(self.block_sizes()):
            rank = int(rng.integers(1, m + 1))
            a = rng.normal(size=(m, rank)) + 1j * rng.normal(size=(m, rank))
            g = a @ a.conj().T
            t = traces[b] if traces is not None else 10.0 ** rng.uniform(-2, 1)
            gammas.append(g * (t / np.trace(g).real))
            h = rng.normal(size=(k, k)) + 1j * rng.normal(size=(k, k))
            hams.append(h_scale * (h + h.conj().T) / 2)
        return gammas, hams

    # -- the map and the objectives ----------------------------------------------------------------
    def l2_prime(self, rho, gammas, hams):
        out = np.zeros((self.d, self.d), dtype=complex)
        for f, emb, g, h in zip(self.operators, self.embed, gammas, hams):
            hf = emb(np.asarray(h, dtype=complex))
            out += 1j * (rho @ hf - hf @ rho)
            w, v = np.linalg.eigh(0.5 * (g + g.conj().T))
            jumps = np.tensordot(v.conj().T, f, axes=(1, 0))  # L_j = Σ_b conj(v[b, j]) F_b
            jumps_d = np.conj(np.swapaxes(jumps, 1, 2))
            out += np.einsum("j,jik->ik", w, jumps @ rho @ jumps_d)
            ldl = np.einsum("j,jik->ik", w, jumps_d @ jumps)  # Σ_j w_j L_j† L_j
            out -= 0.5 * (ldl @ rho + rho @ ldl)
        return out

    def _scale(self, gammas, hams):
        s = 0.0
        for f, g, h in zip(self.operators, gammas, hams):
            f_norm2 = max(np.linalg.norm(x, 2) ** 2 for x in f)
            s += 2 * np.linalg.norm(h, 2) + 2 * np.sum(np.abs(np.linalg.eigvalsh(0.5 * (g + g.conj().T)))) * f_norm2
        return s

    def eval_slack(self, gammas, hams, with_target=False):
        """Rounding allowance of :meth:`tau_pop` / :meth:`tau_pop_coh` at this candidate."""
        s = self._scale(gammas, hams) + (np.linalg.norm(self.target, 2) if with_target else 0.0)
        return EVAL_ROUNDING_FACTOR * self.d**2 * EPS * s

    def tau_pop(self, gammas, hams):
        """Σ_α |<E_α|L2'(ρ0)|E_α>| (Eq. (28))."""
        x = self.l2_prime(self.rho0, gammas, hams)
        diag = np.einsum("ia,ij,ja->a", self.vectors.conj(), x, self.vectors)
        return float(np.sum(np.abs(diag)))

    def tau_pop_coh(self, gammas, hams, norm="spectral"):
        """‖L2'(ρ0) − L2(ρ0)‖ (Eq. (32)) with the physical target."""
        x = self.l2_prime(self.rho0, gammas, hams) - self.target
        s = np.linalg.svd(x, compute_uv=False)
        return float({"spectral": s[0], "nuclear": np.sum(s), "frobenius": np.sqrt(np.sum(s**2))}[norm])


def newton_matrix_by_traces(lmis, xs, ss, m: int) -> np.ndarray:
    """The HKM Newton matrix H_ij = Σ_k Re Tr(L_ki X_k L_kj S_k⁻¹) of the LMIs ``lmis`` (objects with ``cols`` and
    ``lin``) at the multipliers ``xs`` and slacks ``ss``, term by term with explicit inverses."""
    expected = np.zeros((m, m))
    for lmi, x, s in zip(lmis, xs, ss):
        inv = np.linalg.inv(s)
        for a, i in enumerate(lmi.cols):
            for b, j in enumerate(lmi.cols):
                expected[i, j] += np.real(np.trace(lmi.lin[a] @ x @ lmi.lin[b] @ inv))
    return expected
