r"""Lemma 1 (Eq. (31)): a lower bound on the trace distance of ANY admissible LE's populations from the NESS.

‖p − p'‖₁ ≥ τ^pop_opt / α with α = 2 Σ_b t_b (d_b³ − d_b), d_b the dimension of block b.
"""

from __future__ import annotations

import numpy as np
from lindblad_core.lindblad.ansatz import Block
from lindblad_core.sdp.result import TauResult

def _block_dim(block) -> int:
    """d_b of a Block, of an int (d_b itself) or of a tuple of qubit sites."""
    if isinstance(block, Block):
        return block.dim
    if isinstance(block, (int, np.integer)):
        return int(block)
    return 2 ** len(block)



def lemma1_alpha(blocks, traces) -> float:
    r"""α = 2 Σ_b t_b (d_b³ − d_b) of Eq. (31) (= 2(t_L d_L³ + t_R d_R³ − t_L d_L − t_R d_R) for two blocks).

    ``blocks``: per block a :class:`~lindblad_core.lindblad.ansatz.Block` (any local dimensions), its dimension d_b,
    or a tuple of qubit sites."""
    return 2.0 * sum(t * (_block_dim(b) ** 3 - _block_dim(b)) for b, t in zip(blocks, traces))



def lemma1_bound(result: TauResult) -> float:
    r"""Lemma 1 (Eq. (31)): ‖p − p'‖₁ ≥ τ^pop_opt / α for the zeroth-order NESS p' of *any* LE of Eq. (23)
    with these traces.

    The paper calls ‖p − p'‖₁ the trace distance (App. B, below Eq. (B8)): it is twice the usual ½‖ρ − σ‖₁.

    Parameters
    ----------
    result : TauResult
        A τ^pop result (:func:`lindblad_core.sdp.tau_pop`); its certified ``lower`` is used, so the bound is rigorous.

    Returns
    -------
    float
        The lower bound on ‖p − p'‖₁, α = 2 Σ_b t_b (d_b³ − d_b) (:func:`lemma1_alpha`).

    Examples
    --------
    >>> import lindblad_core as lc
    >>> res = lc.tau_pop(lc.ChainSetup(n_left=1, n_middle=2, n_right=1, g=0.01, beta_left=1.0, beta_right=0.5))
    >>> bound = lc.lemma1_bound(res)
    >>> bool(bound > 0 and abs(bound - res.lower / (2 * 2 * (2**3 - 2))) < 1e-15)
    True
    """
    if result.quantity != "tau_pop":
        raise ValueError("lemma1_bound needs a tau_pop result")
    blocks = result.options.get("block_dims") or result.options["blocks"]
    return result.lower / lemma1_alpha(blocks, result.options["traces"])
