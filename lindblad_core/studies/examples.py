r"""Small open systems, written as the factory functions a user writes for their own system.

Each returns an :class:`~lindblad_core.systems.open_system.OpenSystem` from numbers only, so that a
:class:`~lindblad_core.studies.system_spec.SystemSpec` (``"lindblad_core.studies.examples:two_qubits"``) can sweep it,
cache it and rebuild it.
"""

from __future__ import annotations

import numpy as np

from lindblad_core.systems.baths import BosonicBath, ohmic
from lindblad_core.systems.open_system import Coupling, OpenSystem
from lindblad_core.systems.operators import SIGMA_MINUS

__all__ = ["two_qubits"]


def two_qubits(g: float = 0.1, omega: float = 1.3, beta_hot: float = 0.8, beta_cold: float = 3.0) -> OpenSystem:
    r"""Two qubits with splittings 1 and ``omega``, exchange-coupled with strength ``g``, each on its own Ohmic bath.

    .. math::

        H_S = n_1 + \omega\, n_2 + g\,(\sigma_+^{(1)}\sigma_-^{(2)} + \sigma_-^{(1)}\sigma_+^{(2)}),

    n = |0><0| the excitation number, σ− couplings to Ohmic–Gaussian baths (Eq. (42), γ = 1, ω_c = 10) at β_hot
    (qubit 1) and β_cold (qubit 2).

    Parameters
    ----------
    g : float
        Exchange coupling.
    omega : float
        Splitting of the second qubit (the first's is 1); ``omega != 1`` keeps H_S non-degenerate at small g.
    beta_hot, beta_cold : float
        Inverse temperatures of the two baths.

    Returns
    -------
    OpenSystem

    Examples
    --------
    >>> system = two_qubits(g=0.1)
    >>> system.dims, [c.sites for c in system.couplings]
    ((2, 2), [(0,), (1,)])
    """
    n = np.diag([1.0, 0.0])
    eye = np.eye(2)
    h = (np.kron(n, eye) + omega * np.kron(eye, n)
         + g * (np.kron(SIGMA_MINUS.T, SIGMA_MINUS) + np.kron(SIGMA_MINUS, SIGMA_MINUS.T)))
    return OpenSystem(h, [Coupling(SIGMA_MINUS, 0, BosonicBath(ohmic(), beta=beta_hot)),
                          Coupling(SIGMA_MINUS, 1, BosonicBath(ohmic(), beta=beta_cold))])
