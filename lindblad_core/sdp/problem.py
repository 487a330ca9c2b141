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


def as_traces(blocks, trace) -> tuple[float, ...]:
    """Tr Γ_b for each block: one positive finite number for all, or one per block."""
    traces = (trace,) * len(blocks) if np.isscalar(trace) else tuple(trace)
    if len(traces) != len(blocks) or any(not (np.isfinite(t) and t > 0) for t in traces):
        raise ValueError(f"trace must be a positive number or one per block, got trace={trace!r}")
    return tuple(float(t) for t in traces)


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
