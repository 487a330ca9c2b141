"""lindblad_core: Redfield steady states and the Lindblad-existence SDPs of Sarma, Kulkarni, Purkayastha
and Tupkary, "Semidefinite programming for understanding limitations of Lindblad equations".

The public API is the names below (``lindblad_core.__all__``). The subpackages, each importing only those
listed before it (``tests/test_layers.py``):

- ``systems``: an open system (``OpenSystem``, ``Coupling``), its baths (``BosonicBath``, Eq. (41)) and fermionic
  leads (``FermionicBath``, docs/fermionic_leads.md), the paper's XXZ chain (``ChainSetup``), the U(1) symmetry;
- ``redfield_equation``: L2, ρ0 and the coherences of Eq. (15) for any ``OpenSystem``;
- ``lindblad``: the ansatz of Eq. (23), one candidate Lindbladian, the standard master equations;
- ``solvers``: conic problems for Clarabel, the library's interior-point method and QICS;
- ``certify``: rigorous floating-point bounds on both SDPs;
- ``sdp``: τ^pop (Eq. (29)), τ^pop,coh (Eq. (33)), Lemma 1, the solver chain and ``TauResult``;
- ``studies``: cached sweeps, the paper's figures and tables and its published variants, plots;
- ``cli`` and ``notebooks_runner``: front ends, imported by nothing.
"""

from lindblad_core.redfield_equation import (
    Redfield,
    l2,
    populations,
    rate_matrix,
    redfield,
    rho0,
    second_order_coherences,
    steady_state,
)
from lindblad_core.systems.baths import BosonicBath
from lindblad_core.systems.spectral_densities import drude_lorentz, ohmic
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.systems.fermionic import FermionicBath, flat_band, lorentzian
from lindblad_core.systems.open_system import Coupling, OpenSystem

from lindblad_core._version import __version__  # noqa: F401

# The SDP layer is imported on first use of one of these names (and the solvers' packages, cvxpy ~0.5 s, QICS,
# only when a solve reaches them: the default chain's interior-point method needs neither).
_LAZY = {"tau_pop": "lindblad_core.sdp", "tau_pop_coh": "lindblad_core.sdp", "TauResult": "lindblad_core.sdp",
         "lemma1_bound": "lindblad_core.sdp", "DELTA_TOL": "lindblad_core.sdp",
         "best_lindbladian": "lindblad_core.sdp.best_lindbladian"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "OpenSystem", "Coupling", "BosonicBath", "ohmic", "drude_lorentz", "FermionicBath", "lorentzian", "flat_band",
    "ChainSetup",
    "redfield", "Redfield", "populations", "rho0", "l2", "rate_matrix", "second_order_coherences", "steady_state",
    "tau_pop", "tau_pop_coh", "TauResult", "lemma1_bound", "DELTA_TOL", "best_lindbladian",
]
