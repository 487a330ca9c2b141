r"""Qubit operators and their embedding in a chain of qubits.

Conventions (``docs/conventions.md``): ħ = 1; qubit basis ``|0> = spin up`` (σz = +1), ``|1> = spin down``;
σ− = |1><0|; site 0 is the left-most, slowest Kronecker factor.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SIGMA_MINUS", "SIGMA_PLUS", "SIGMA_X", "SIGMA_Y", "SIGMA_Z", "PROJECTOR_UP", "site_operator"]

SIGMA_MINUS = np.array([[0.0, 0.0], [1.0, 0.0]])  # |1><0|: lowers σz from +1 to −1
SIGMA_PLUS = SIGMA_MINUS.T.copy()
SIGMA_Z = np.diag([1.0, -1.0])
SIGMA_X = np.array([[0.0, 1.0], [1.0, 0.0]])
SIGMA_Y = np.array([[0.0, -1j], [1j, 0.0]])
PROJECTOR_UP = np.diag([1.0, 0.0])  # |0><0| = (1 + σz)/2


def site_operator(op: np.ndarray, site: int, n_sites: int) -> np.ndarray:
    """``I ⊗ … ⊗ op ⊗ … ⊗ I`` with ``op`` on ``site`` (0-based, site 0 the slowest factor)."""
    op = np.asarray(op)
    return np.kron(np.kron(np.eye(2**site), op), np.eye(2 ** (n_sites - site - 1)))
