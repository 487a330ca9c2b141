"""lindblad_core: Redfield steady states and the Lindblad-existence SDPs of Sarma, Kulkarni, Purkayastha
and Tupkary, "Semidefinite programming for understanding limitations of Lindblad equations".

Modules, one concept each: ``model`` (qubit chains, energy basis), ``baths`` (spectral functions and the
coefficients of Eq. (41)), ``chain`` (the paper's serialisable setting), ``redfield`` (L2, ρ0, Eq. (15)),
``lindblad`` (the ansatz of Eq. (23)), ``sdp`` (Eqs. (29), (33), Lemma 1), ``sweeps``, ``plots``.
"""

from .baths import Bath, coefficients, occupation, spectral_density
from .chain import ChainSetup, xxz_chain
from .model import System, xxz_hamiltonian
from .redfield import (
    Redfield,
    l2,
    l2_superoperator,
    populations,
    rate_matrix,
    rho0,
    second_order_coherences,
    steady_state,
)

__version__ = "0.1.0"

__all__ = [
    "Bath", "ChainSetup", "Redfield", "System", "coefficients", "l2", "l2_superoperator", "occupation",
    "populations", "rate_matrix", "rho0", "second_order_coherences", "spectral_density",
    "steady_state", "xxz_chain", "xxz_hamiltonian", "__version__",
]
