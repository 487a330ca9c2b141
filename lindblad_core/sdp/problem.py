r"""The input of both SDPs, converted and checked once: an open system, its Lindblad blocks and their traces.

:func:`resolve` turns an :class:`~lindblad_core.systems.open_system.OpenSystem` (or the paper's
:class:`~lindblad_core.systems.chain.ChainSetup`) and a choice of blocks into its Redfield equation and the
ansatz of Eq. (23); :func:`as_traces` checks Tr Γ_b.
"""

from __future__ import annotations

import numpy as np
from lindblad_core.lindblad.ansatz import Ansatz, Block, coupled_site_groups, paper_blocks
from lindblad_core.redfield_equation import Redfield, redfield
from lindblad_core.systems.chain import as_open_system, ChainSetup


# Tr Γ_b = t of Eqs. (29), (33) (1 in the paper) must lie in this range. τ^pop scales linearly with t while δ_tol is
# absolute, and the solvers' tolerances are absolute (~1e-8): at t = 1e8 the rounding of the data already moves
# τ^pop by more than δ_tol, and from t ≈ 1e10 on every solver of the chain fails; below 1e-6 the
# verdict against δ_tol = 1e-6 reflects the normalisation rather than the system.
TRACE_RANGE = (1e-6, 1e6)


def as_traces(blocks, trace) -> tuple[float, ...]:
    """Tr Γ_b for each block: one number in ``TRACE_RANGE`` for all, or one per block."""
    lo, hi = TRACE_RANGE
    message = (f"trace must be a number in [{lo:g}, {hi:g}] (Tr Gamma_b; 1 in the paper) or one such number per "
               f"block ({len(blocks)}), got trace={trace!r}")
    try:
        traces = (trace,) * len(blocks) if np.isscalar(trace) else tuple(trace)
        traces = tuple(float(t) for t in traces)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if len(traces) != len(blocks) or any(not lo <= t <= hi for t in traces):
        raise ValueError(message)
    return traces


def resolve(system, blocks) -> tuple[Redfield, Ansatz]:
    """The Redfield equation of ``system`` and the ansatz of Eq. (23) on ``blocks``.

    Parameters
    ----------
    system : OpenSystem or ChainSetup
    blocks : None, str or sequence of Block / site tuples / site indices
        None: for a ChainSetup its paper's blocks "left,right", for an OpenSystem one block per set of sites
        that couplings share (:func:`coupled_site_groups`). A ChainSetup also takes the paper's names
        "left,right", "left" or "right" (``paper_blocks``; "left" with a right bath is a published variant that
        leaves that bath without a Lindblad block). An explicit sequence must cover every coupled site.
    """
    named = isinstance(system, ChainSetup) and (blocks is None or isinstance(blocks, str))
    if named:
        blocks = paper_blocks(system, blocks or "left,right")
    elif isinstance(blocks, str):
        raise ValueError(f"blocks must be a sequence of site tuples for an OpenSystem, got blocks={blocks!r}")
    open_system = as_open_system(system)
    if blocks is None:
        blocks = coupled_site_groups(open_system)
    try:
        blocks = tuple(b if isinstance(b, Block) else Block((b,) if isinstance(b, (int, np.integer)) else tuple(b))
                       for b in blocks)
    except (TypeError, ValueError) as err:
        raise ValueError(f"blocks must be a sequence of disjoint site tuples, got blocks={blocks!r} ({err})") from None
    red = redfield(open_system)
    return red, Ansatz(red.system, blocks, cover_baths=not named)
