"""What lets the Redfield set-up reach N = 12 qubits gives the numbers of the plain dense computation.

References are independent of the code under test: an element-by-element construction of op ⊗ I, the dense
product V†·O·V, and the dense-path Redfield operators of the same system.
"""

import itertools

import numpy as np
import pytest

import lindblad_core.systems.open_system as open_system
from lindblad_core.redfield_equation import _assemble, populations
from lindblad_core.systems.baths import BosonicBath, ohmic
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.open_system import Coupling, OpenSystem, embed

SX = np.array([[0.0, 1.0], [1.0, 0.0]])
A3 = np.diag([1.0, np.sqrt(2.0)], k=1)  # qutrit lowering operator


def _embed_elementwise(op, sites, dims):
    """op ⊗ I element by element: F[i, j] = op[i_sites, j_sites] when i and j agree on every other site."""
    d = int(np.prod(dims))
    k_dims = [dims[s] for s in sites]
    states = list(itertools.product(*(range(n) for n in dims)))
    out = np.zeros((d, d), dtype=np.result_type(op, float))
    for i, si in enumerate(states):
        for j, sj in enumerate(states):
            if all(si[s] == sj[s] for s in range(len(dims)) if s not in sites):
                out[i, j] = op[np.ravel_multi_index([si[s] for s in sites], k_dims),
                               np.ravel_multi_index([sj[s] for s in sites], k_dims)]
    return out


@pytest.mark.parametrize("dims, sites", [((2, 2, 2), (0, 1)), ((2, 2, 2), (1, 2)), ((2, 3, 2), (2, 0)),
                                         ((3, 2, 2, 2), (1, 3)), ((2, 2, 3), (1,))])
def test_embed_is_op_tensor_identity_on_the_other_sites(dims, sites):
    rng = np.random.default_rng(len(dims) + sum(sites))
    k = int(np.prod([dims[s] for s in sites]))
    op = rng.normal(size=(k, k)) + 1j * rng.normal(size=(k, k))
    expected = _embed_elementwise(op, sites, dims)
    assert np.array_equal(embed(op, sites, dims), expected)
    stack = np.stack([op.real, -op.imag])
    assert np.array_equal(embed(stack, sites, dims), np.stack([expected.real, -expected.imag]))


def _sector_wise(system_factory, monkeypatch):
    """The same system built twice: dense products, and sector-wise ones (threshold lowered to d = 1)."""
    dense = system_factory()
    assert dense._sector_pieces is None  # decided once per system, at d < SECTOR_PRODUCT_MIN_DIM
    monkeypatch.setattr(open_system, "SECTOR_PRODUCT_MIN_DIM", 1)
    return dense, system_factory()


def _fresh_chain():
    setup = ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.05, beta_left=1.0, beta_right=5.0)
    base = setup.open_system()
    return OpenSystem(base.hamiltonian, base.couplings, dims=base.dims)


def _qutrit_qubit():
    h = np.kron(np.diag([0.0, 1.0, 2.3]), np.eye(2)) + np.kron(np.eye(3), np.diag([0.0, 0.7]))
    sigma_minus = np.array([[0.0, 0.0], [1.0, 0.0]])
    h += 0.1 * (np.kron(A3, sigma_minus) + np.kron(A3.T, sigma_minus.T))  # conserves the charge
    couplings = [Coupling(A3, (0,), BosonicBath(ohmic(), beta=1.0)),
                 Coupling(np.array([[0.0, 0.0], [1.0, 0.0]]), (1,), BosonicBath(ohmic(), beta=3.0))]
    return OpenSystem(h, couplings, dims=(3, 2))


@pytest.mark.parametrize("factory", [_fresh_chain, _qutrit_qubit])
def test_sector_wise_basis_changes_equal_the_dense_products(factory, monkeypatch):
    dense, sectored = _sector_wise(factory, monkeypatch)
    assert sectored._sector_pieces is not None
    v = dense.eigenvectors
    rng = np.random.default_rng(7)
    ops = rng.normal(size=(3, dense.dim, dense.dim)) + 1j * rng.normal(size=(3, dense.dim, dense.dim))
    ops[1] = dense.coupling_operators[0]  # definite charge: most sector pairs are skipped
    expected = v.conj().T @ ops @ v
    got = sectored.to_energy_basis(ops)
    assert np.max(np.abs(got - expected)) <= 1e-14 * np.max(np.abs(expected))
    labels = sectored._eigh[2]
    pairs = labels[:, None] * 1000 + labels[None, :]
    connected = np.isin(pairs, pairs[np.abs(expected[1]) > 1e-12])
    assert np.all(got[1][~connected] == 0)  # between sectors the coupling does not connect: exact zeros
    back = sectored.to_computational_basis(got)
    assert np.max(np.abs(back - ops)) <= 1e-13 * np.max(np.abs(ops))


def test_sector_wise_redfield_operators_and_populations_equal_the_dense_ones(monkeypatch):
    dense, sectored = _sector_wise(_fresh_chain, monkeypatch)
    red_d = _assemble(dense, dense.baths, dense.forms)
    red_s = _assemble(sectored, sectored.baths, sectored.forms)
    for a, b in [(red_d.coupling, red_s.coupling), (red_d.a_ops, red_s.a_ops), (red_d.b_ops, red_s.b_ops)]:
        assert np.max(np.abs(a - b)) <= 1e-13 * np.max(np.abs(a))
    p_d, p_s = populations(red_d), populations(red_s)
    assert np.max(np.abs(p_d - p_s) / p_d) <= 1e-11


def test_without_exact_sectors_the_products_are_dense(monkeypatch):
    monkeypatch.setattr(open_system, "SECTOR_PRODUCT_MIN_DIM", 1)
    h = np.kron(np.diag([0.0, 1.0]), np.eye(2)) + 0.3 * np.kron(SX, np.eye(2)) + np.kron(np.eye(2), np.diag([0.0, 1.4]))
    system = OpenSystem(h, [Coupling(SX, (1,), BosonicBath(ohmic(), beta=1.0))], dims=(2, 2))
    assert system._sector_pieces is None
    v = system.eigenvectors
    assert np.array_equal(system.to_energy_basis(system.coupling_operators), v.conj().T @ system.coupling_operators @ v)
