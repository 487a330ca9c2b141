"""refined_eigh: eigenvectors of near-degenerate levels and their error estimates, against mpmath at 40 digits."""

import mpmath as mp
import numpy as np
import pytest

from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.spectrum import refined_eigh

WIDE = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps  # an extended type wider than float64


def _exact_vectors(h):
    """Eigenvectors of h from mpmath at 40 digits (ascending), as complex128 columns."""
    with mp.workdps(40):
        if np.iscomplexobj(h):
            _, q = mp.eighe(mp.matrix(h.tolist()))
        else:
            _, q = mp.eigsy(mp.matrix(h.tolist()))
        n = h.shape[0]
        return np.array([[complex(q[i, j]) for j in range(n)] for i in range(n)])


def _errors(vectors, exact):
    """‖v_j − e^{iφ} x_j‖ with the phase φ that minimises it."""
    overlaps = np.sum(exact.conj() * vectors, axis=0)
    phases = overlaps / np.abs(overlaps)
    return np.linalg.norm(vectors - exact * phases, axis=0)


def _clustered(n, levels, complex_, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + (1j * rng.normal(size=(n, n)) if complex_ else 0)
    q, _ = np.linalg.qr(a)
    h = (q * levels) @ q.conj().T
    return (h + h.conj().T) / 2


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("split", [1e-7, 1e-9])
def test_near_degenerate_cluster_refined_and_bounded(complex_, split):
    rng = np.random.default_rng(7)
    levels = np.sort(rng.uniform(-3.0, 3.0, 14))
    levels[6], levels[7], levels[8] = levels[5] + split, levels[5] + 2.5 * split, levels[5] + 4 * split
    h = _clustered(14, levels, complex_, seed=3)
    energies, vectors, errors = refined_eigh(h)
    exact = _exact_vectors(h)
    actual = _errors(vectors, exact)
    # the estimate bounds the true error of every vector
    assert np.all(actual <= errors)
    # LAPACK alone is good to ~u‖H‖/gap (1e-8 at split 1e-7, 2e-7 at 1e-9); the refined cluster is far better,
    # and its estimate says so (the old a-priori d u ‖H‖/gap would be 5e-8 … 5e-6)
    if WIDE:
        assert np.max(actual[5:9]) < 1e-3 * 1e-16 * 3.0 / split
        assert np.max(errors) < 3e-17 / split
    np.testing.assert_allclose(vectors.conj().T @ vectors, np.eye(14), atol=1e-14)
    # LAPACK's phase convention kept: each vector overlaps the one it refines by a real positive number
    overlaps = np.sum(np.linalg.eigh(h)[1].conj() * vectors, axis=0)
    assert np.all(overlaps.real > 0.99) and np.all(np.abs(overlaps.imag) < 1e-6)
    np.testing.assert_allclose(np.sort(energies), energies)
    np.testing.assert_allclose(energies, np.linalg.eigvalsh(h), rtol=0, atol=1e-14)


def test_well_separated_levels_are_lapacks_own():
    h = _clustered(10, np.linspace(-2.0, 2.0, 10), True, seed=5)
    energies, vectors, errors = refined_eigh(h)
    e0, v0 = np.linalg.eigh(h)
    np.testing.assert_array_equal(energies, e0)
    np.testing.assert_array_equal(vectors, v0)
    assert np.all(_errors(vectors, _exact_vectors(h)) <= errors) and np.max(errors) < 1e-13


def test_exact_degeneracy_reported_as_undetermined():
    h = np.diag([0.0, 1.0, 1.0, 2.0])
    energies, vectors, errors = refined_eigh(h)
    np.testing.assert_allclose(h @ vectors, vectors * energies, atol=1e-15)
    assert np.all(errors[1:3] > 1e100) and np.all(errors[[0, 3]] < 1e-14)


def test_chain_eigenvectors_stay_in_their_sectors_and_are_bounded():
    """A 2+2+2 chain: sector-wise eigenvectors; the estimate bounds the error of each against mpmath."""
    system = ChainSetup(n_left=2, n_middle=2, n_right=2, g=0.05, beta_left=1.0, beta_right=5.0).open_system()
    h, charge = system.hamiltonian, system.charge
    energies, vectors, labels, errors = system._eigh
    assert system.eigenvector_error == np.max(errors) < 1e-11
    for value in np.unique(labels):
        rows, cols = np.flatnonzero(charge == value), np.flatnonzero(labels == value)
        outside = np.delete(vectors[:, cols], rows, axis=0)
        assert not outside.any()  # exact zeros outside the sector
        if 1 < len(rows) <= 20:
            block = vectors[np.ix_(rows, cols)]
            assert np.all(_errors(block, _exact_vectors(h[np.ix_(rows, rows)])) <= errors[cols])


def test_row_compressed_and_dense_extended_products_agree():
    """H v in extended precision through the padded rows of a sparse H (3 non-zeros a row) and as a dense product:
    the same to the extended type's rounding (each element sums at most nnz + 1 terms either way)."""
    from lindblad_core.systems.spectrum import _ell, _wide_matmul

    rng = np.random.default_rng(2)
    n = 40
    h = np.diag(rng.normal(size=n)) + np.diag(rng.normal(size=n - 1), 1) + np.diag(rng.normal(size=n - 1), -1)
    v = rng.normal(size=(n, 5)) + 1j * rng.normal(size=(n, 5))
    ell = _ell(h, 3)
    assert ell is not None and _ell(h, 11) is None  # a quarter of a row non-zero: dense
    sparse, dense = _wide_matmul(h, ell, v), _wide_matmul(h, None, v)
    assert sparse.dtype == dense.dtype == np.clongdouble or not WIDE
    np.testing.assert_allclose(sparse.astype(complex), h @ v, rtol=0, atol=1e-14)
    assert np.max(np.abs(sparse - dense)) <= 8 * np.finfo(np.longdouble).eps * np.max(np.abs(h) @ np.abs(v))
