"""The ansatz operators kept as charge-sector blocks (OperatorStack) against the dense (m, d, d) stacks.

On a small chain the sector products (normally from d = 2048 on) are switched on, so that F_α and the Lamb-shift
basis are stored by blocks. Checked: each operator equals a plain dense V†(f ⊗ I)V (numpy, to rounding) and is
bit for bit the matrix of the whole-stack transform; the blocks hold fewer than d² entries; and τ^pop,coh with
the operators as blocks gives the same certified interval, bit for bit, as with the same operators as dense
stacks (every consumer: Lamb-shift directions, commutators, conic maps, certificates).
"""

import numpy as np
import pytest

import lindblad_core.systems.open_system as open_system
from lindblad_core.lindblad.ansatz import Ansatz, paper_blocks, traceless_hermitian_basis
from lindblad_core.lindblad.operator_stack import OperatorStack
from lindblad_core.sdp import tau_pop_coh
from lindblad_core.systems.chain import ChainSetup


def _setup(n_middle=2):
    return ChainSetup(n_left=2, n_middle=n_middle, n_right=2, g=0.05, beta_left=1.0, beta_right=5.0)


@pytest.fixture
def sector_products(monkeypatch):
    """Energy-basis products by sector blocks at every size (a fresh system picks this up)."""
    monkeypatch.setattr(open_system, "SECTOR_PRODUCT_MIN_DIM", 0)


def test_stack_blocks_are_the_dense_operators(sector_products):
    setup = _setup()
    system = setup.open_system()
    ansatz = Ansatz(system, paper_blocks(setup))
    v = np.asarray(system.eigenvectors)
    d = system.dim
    for b, hb, fb in zip(ansatz.blocks, ansatz.hamiltonian_stacks, ansatz.operator_stacks):
        assert not hb.is_dense and not fb.is_dense
        assert len(hb) == b.dim**2 - 1 and hb.shape == (b.dim**2 - 1, d, d)
        comp = open_system.embed(traceless_hermitian_basis(b.dim), b.sites, system.dims)
        whole = system.to_energy_basis(comp)  # the whole stack at once
        for i in range(len(hb)):
            plain = v.T @ comp[i] @ v  # H_S is real: V† = Vᵀ
            assert np.max(np.abs(hb[i] - plain)) <= 1e-13
            assert np.array_equal(hb[i], whole[i])
            assert hb.nonzero_parts(i) == (bool(np.any(plain.real)), bool(np.any(plain.imag)))
        assert np.array_equal(np.asarray(hb[1:4]), whole[1:4])
        stored = sum(piece.size for blocks in hb._blocks for piece in blocks.values())
        assert stored < 0.5 * len(hb) * d * d  # the U(1) zeros are not stored
        assert np.array_equal(np.asarray(fb), ansatz.operators[ansatz.blocks.index(b)])


def _dense(stacks):
    return tuple(OperatorStack(dense=np.asarray(s)) for s in stacks)


@pytest.mark.parametrize("kw", [dict(), dict(norm="frobenius"), dict(free_trace=True)])
def test_tau_pop_coh_blocks_equal_dense(sector_products, monkeypatch, kw):
    setup = _setup()
    by_blocks = tau_pop_coh(setup, **kw)
    ham, ops = Ansatz.__dict__["hamiltonian_stacks"].func, Ansatz.__dict__["operator_stacks"].func
    monkeypatch.setattr(Ansatz, "hamiltonian_stacks", property(lambda self: _dense(ham(self))))
    monkeypatch.setattr(Ansatz, "operator_stacks", property(lambda self: _dense(ops(self))))
    dense = tau_pop_coh(_setup(), **kw)
    assert by_blocks.lower > 0 and by_blocks.lower <= by_blocks.upper
    assert (by_blocks.lower, by_blocks.upper) == (dense.lower, dense.upper)
