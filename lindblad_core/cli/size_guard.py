"""The size guard: refuse, before building anything, a chain whose estimated peak memory exceeds a laptop's."""

from __future__ import annotations

import math

from lindblad_core.cli.errors import _invalid
from lindblad_core.lindblad.ansatz import paper_blocks
from lindblad_core.systems.chain import ChainSetup

# -- size guard ---------------------------------------------------------------------------------------------
# The CLI refuses, before building anything, a chain whose estimated peak memory exceeds this (16 GiB, a
# workstation's memory). The estimate (``estimated_bytes``) adds up the dense arrays each sub-command
# allocates for d = 2^N; neither sub-command builds the d² × d² Redfield superoperator (16 d⁴ bytes, refused
# by the library above ``redfield.SUPEROPERATOR_MAX_DIM``). Checked against peak RSS (``/usr/bin/time``):
#   ness N=9 (1,7,1) bias 0.37: 2.5 GB measured, 3.3 GB estimated; N=9 (4,1,4): 2.6 vs 3.5 GB;
#   ness N=10 (1,8,1) g=0.01: 2.5 GB measured (degenerate Bohr frequencies are merged), 12.3 GB estimated;
#   tau pop N=8 (3,2,3): 0.35 vs 1.6 GB;
#   tau popcoh with the default formulation="conic" (benchmarks/results/speed.md, peak RSS of a child process):
#   N=8 (2,4,2): 0.37 GB measured, 1.5 GB estimated; N=8 (3,2,3): 2.0 vs 4.1 GB; N=10 (2,6,2): 3.8 GB measured,
#   20 GB estimated (refused: the principal-value term assumes all C(2N, N−1) Bohr frequencies distinct; the
#   library itself solves it).
# With blocks of one qubit per bath the CLI thus accepts N <= 10 for ``ness``, ``tau pop`` and ``tau popcoh``
# (N = 11 is refused for the principal-value quadrature of its ~6.5e5 Bohr frequencies).
MEMORY_LIMIT_BYTES = 16 * 2**30



_BASE_BYTES = 150 * 2**20  # interpreter with numpy, scipy and cvxpy imported (~130 MiB measured)



_PV_NODES = 1760  # nodes of the composite rule of baths.principal_value (20 Gauss nodes on 88 panels)



_PV_ARRAYS = 5  # (Bohr frequencies × nodes) float64 temporaries alive at once in principal_value



_CONE_COPIES = 10  # dense (svec × svec) float64 blocks per PSD cone in Clarabel's KKT system (calibrated above)



_MAP_COPIES = 4  # complex (n², coordinates) sector maps of τ^pop,coh alive at once (conic.py; calibrated above)



_CERT_COPIES = 8  # complex d² arrays per Lamb-shift basis element in the certificates (calibrated above)



_NNZ_BYTES = 64  # bytes per non-zero of the SDP's constraint matrix through cvxpy and the solver (calibrated)



_KINDS = ("ness", "pop", "popcoh")



def _svec(n: int) -> int:
    return n * (n + 1) // 2



def _charge_groups(k: int) -> list[int]:
    """Sizes of the charge blocks of Γ for a block of k qubits: the coefficients C(2k, k + q) of
    (x⁻¹ + 2 + x)^k, without the identity (charge 0)."""
    return [math.comb(2 * k, k + q) - (q == 0) for q in range(-k, k + 1)]



def estimated_bytes(kind: str, setup: ChainSetup, blocks: str = "left,right") -> int:
    r"""Estimated peak memory of ``lindblad-sdp ness`` / ``tau pop`` / ``tau popcoh`` for ``setup``.

    The sum of the dominant dense allocations, with d = 2^N and P = C(2N, N−1) the number of
    energy-basis matrix elements of σ− (it maps magnetisation sector M to M−1; H_XXZ conserves M):

    * Redfield, all kinds: H, its eigenvectors, S_ℓ, A_ℓ, B_ℓ, masks and L2 temporaries,
      16 d² (6 n_bath + 8), and the principal-value quadrature, at most P distinct Bohr frequencies ×
      ``_PV_NODES`` × ``_PV_ARRAYS`` float64.
    * ``pop``, per block of k qubits (m = 4^k − 1 operators): F_α, 3 × 16 m d²; the coefficient stacks
      G_k, 5 × 16 d m²; one PSD cone per charge group c (``_CONE_COPIES`` × 8 svec(c)²) and d c² non-zeros.
    * ``popcoh`` (the default ``formulation="conic"``, solved on the n × n Hermitian sectors), per block:
      F_α and the Lamb-shift basis, 3 × 16 (m + 4^k) d²; the sector maps, ``_MAP_COPIES`` × 16 n² per real
      coordinate of Γ (Σ_c c²) and of H_LS (C(2k, k)) over the sectors of n = C(N, M) states (Σ n² =
      C(2N, N)); the certificates' Lamb-shift directions, ``_CERT_COPIES`` × 16 · 4^k d².

    ``MEMORY_LIMIT_BYTES`` documents how the estimate compares with measured peaks (conservative, up to ~5×
    above for chains whose Bohr frequencies are degenerate). The SDP terms assume Clarabel, the default.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got kind={kind!r}")
    n = setup.n_sites
    d = 2**n
    n_bath = setup.n_left + setup.n_right
    total = _BASE_BYTES + 16 * d * d * (6 * n_bath + 8) + 8 * _PV_NODES * _PV_ARRAYS * math.comb(2 * n, n - 1)
    if kind == "ness":
        return total
    sizes = [b.n_qubits for b in paper_blocks(setup, blocks)]
    for k in sizes:
        m = 4**k - 1
        groups = _charge_groups(k)
        if kind == "pop":
            total += 3 * 16 * m * d * d + 5 * 16 * d * m * m
            total += sum(_CONE_COPIES * 8 * _svec(c) ** 2 + _NNZ_BYTES * d * c * c for c in groups)
        else:
            total += 3 * 16 * (m + 4**k) * d * d
            columns = sum(c * c for c in groups) + math.comb(2 * k, k)
            total += _MAP_COPIES * 16 * math.comb(2 * n, n) * columns  # Σ_M C(N, M)² = C(2N, N)
            total += _CERT_COPIES * 16 * 4**k * d * d
    return total



def largest_accepted_qubits(kind: str, n_left: int, n_right: int, blocks: str = "left,right") -> int | None:
    """The largest N = n_left + n_middle + n_right the CLI accepts for these baths (None: not even n_middle = 0)."""
    largest = None
    for n_middle in range(64):
        setup = ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
        if estimated_bytes(kind, setup, blocks) > MEMORY_LIMIT_BYTES:
            break
        largest = setup.n_sites
    return largest



def _format_bytes(b: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while b >= 1024 and i < len(units) - 1:
        b, i = b / 1024, i + 1
    return f"{b:.3g} {units[i]}"



def _check_size(kind: str, setup: ChainSetup, parser, blocks: str = "left,right") -> None:
    need = estimated_bytes(kind, setup, blocks)
    if need <= MEMORY_LIMIT_BYTES:
        return
    largest = largest_accepted_qubits(kind, setup.n_left, setup.n_right, blocks)
    what = {"ness": "ness", "pop": "tau pop", "popcoh": "tau popcoh"}[kind]
    limit = (f"with n_left={setup.n_left}, n_right={setup.n_right} it accepts N <= {largest}" if largest
             else f"no chain with n_left={setup.n_left}, n_right={setup.n_right} fits")
    _invalid(parser, f"a chain of N = {setup.n_sites} qubits needs an estimated {_format_bytes(need)} for "
                     f"{what}, above the CLI's limit of {_format_bytes(MEMORY_LIMIT_BYTES)} "
                     f"(lindblad_core.cli.MEMORY_LIMIT_BYTES); {limit}", "--n-left/--n-middle/--n-right")
