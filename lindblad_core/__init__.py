"""lindblad_core: Redfield steady states and the Lindblad-existence SDPs of Sarma, Kulkarni, Purkayastha
and Tupkary, "Semidefinite programming for understanding limitations of Lindblad equations".

Layers, each module one concept, each importing only modules of its own layer or above
(tests/test_layers.py):

1. ``model`` (sites, operators, the XXZ Hamiltonian), ``system`` (any finite open system: ``OpenSystem``,
   ``Coupling``, the shared energy basis), ``baths`` (``BosonicBath``, spectral densities and the
   coefficients of Eq. (41));
2. ``redfield`` (L2, ρ0, Eq. (15)), ``chain`` (the paper's serialisable setting);
3. ``ansatz`` (the operators of Eq. (23)), ``candidate`` (one Lindbladian of Eq. (23) and its checks),
   ``master_equations`` (local, secular, ULE, partial-secular, as points of Eq. (23) where they are);
4. ``symmetry`` (the U(1) reduction shared by both SDPs), ``sdp`` (Eqs. (29), (33), Lemma 1),
   ``certificates`` (rigorous bounds), ``solvers`` (solver chain and ``TauResult``), ``conic`` (conic
   problems assembled directly for Clarabel, and an interior-point method for Hermitian LMIs),
   ``qics_backend`` (the same conic problems solved by QICS);
5. ``sweeps`` (cached grids), ``paper`` (the paper's figures and tables), ``plots``;
6. ``cli`` (the ``lindblad-sdp`` command) and ``notebooks_runner`` on top, imported by nothing.
"""

from .baths import Bath, BosonicBath, coefficients, drude_lorentz, occupation, ohmic, spectral_density
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
from .system import Coupling, OpenSystem
from . import redfield as _redfield_module


class _CallableModule(type(_redfield_module)):
    """``lindblad_core.redfield`` stays the module (``from lindblad_core import redfield as rf; rf.l2(...)``)
    and is also callable as its function: ``lc.redfield(system)`` is ``lindblad_core.redfield.redfield(system)``."""

    def __call__(self, *args, **kwargs):
        return self.redfield(*args, **kwargs)


_redfield_module.__class__ = _CallableModule

_LAZY = {"tau_pop": "sdp", "tau_pop_coh": "sdp"}  # the SDP layer (cvxpy) is imported on first use


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "Bath", "BosonicBath", "ChainSetup", "Coupling", "OpenSystem", "drude_lorentz", "ohmic", "redfield",
    "tau_pop", "tau_pop_coh", "Redfield", "System", "coefficients", "l2", "l2_superoperator", "occupation",
    "populations", "rate_matrix", "rho0", "second_order_coherences", "spectral_density",
    "steady_state", "xxz_chain", "xxz_hamiltonian", "__version__",
]
