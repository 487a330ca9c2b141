"""The size guard: refuse, before building anything, a chain whose estimated peak memory exceeds a laptop's."""

from __future__ import annotations

import math

from lindblad_core.cli.errors import _invalid
from lindblad_core.lindblad.ansatz import paper_blocks
from lindblad_core.systems.baths import PV_BLOCK_BYTES
from lindblad_core.systems import open_system
from lindblad_core.systems.chain import ChainSetup
from lindblad_core.sdp.popcoh_formulations import SUBSPACE_KEEP_BYTES

# -- size guard ---------------------------------------------------------------------------------------------
# The CLI refuses, before building anything, a chain whose estimated peak memory exceeds this (16 GiB, a
# workstation's memory). The estimate (``estimated_bytes``) adds up the dense arrays each sub-command
# allocates for d = 2^N; neither sub-command builds the d² × d² Redfield superoperator (16 d⁴ bytes, refused
# by the library above ``redfield.SUPEROPERATOR_MAX_DIM``). Checked against peak RSS (``/usr/bin/time -v``, 2 BLAS
# threads, g = 0.05, β 1/5; benchmarks/results/large_chains.md), measured / estimated:
#   ness (the Redfield set-up) N=11 (2,7,2): 1.38 / 1.59 GiB; N=12 (2,8,2): 5.21 / 5.89 GiB;
#   tau pop N=10 (2,6,2): 0.86 / 1.14 GiB; N=11 (2,7,2): 2.91 / 4.02 GiB; N=12 (2,8,2): 11.15 / 15.44 GiB;
#   tau popcoh (spectral norm, fixed trace: the subspace method) N=8 (3,2,3): 1.21 / 1.41 GiB; N=10 (2,6,2):
#   3.10 / 4.45 GiB; N=11 (2,7,2): 5.44 / 5.47 GiB; N=12 (2,8,2): 14.90 / 15.69 GiB;
#   tau popcoh on the whole problem (another norm or a free trace; measured by the code of b91b5d2, 481e2b6)
#   N=8 (3,2,3): 1.98 / 2.44 GiB; N=10 (2,6,2): 3.56 / 5.38 GiB; N=11 (2,7,2): 7.50 / 9.01 GiB; N=12 (2,8,2) does
#   not fit: peak 11.90 GiB before the conic sector maps (2 × 5.2 GiB) pass a 16 GiB address-space cap;
#   estimated 34.4 GiB.
# With two qubits per bath the CLI thus accepts N <= 12 for ``ness``, ``tau pop`` and ``tau popcoh`` (spectral norm,
# fixed trace), N <= 11 for ``tau popcoh`` otherwise (at N = 12 the sector maps L_i and −L_i of the two LMIs of the
# whole problem, complex (129, n²) per sector, take 2 × 16 × 129 × C(24, 12) bytes alone).
MEMORY_LIMIT_BYTES = 16 * 2**30



_BASE_BYTES = 150 * 2**20  # interpreter with numpy, scipy and cvxpy imported (~130 MiB measured)



# dense complex d × d arrays of the Redfield set-up per bath site (S_ℓ in both bases, A_ℓ, B_ℓ) and besides
_REDFIELD_PER_BATH = 3
_REDFIELD_FIXED = 8



# The principal values run in blocks of baths.PV_BLOCK_BYTES; what grows with the number of Bohr frequencies is
# the coefficients' own vectors (frequencies, J, n, rounded copies, their sort, C and D): ~270 bytes per
# frequency measured with tracemalloc on 2e5 frequencies.
_PV_BYTES_PER_FREQUENCY = 320



# bytes per element of the energy-basis F_α: the chain's H_S, hence its eigenvectors, and the operator basis are real
_F_BYTES = 8



_POP_F_COPIES = 3  # temporaries of the size of one block's F_α stack in τ^pop's set-up (calibrated above)



_CONE_COPIES = 10  # dense (svec × svec) float64 blocks per PSD cone in Clarabel's KKT system (calibrated above)



_COH_OP_COPIES = 4  # (m + 4^k) d² stacks of F_α (real) and the Lamb-shift basis (complex) in τ^pop,coh (calibrated)



# From open_system.SECTOR_PRODUCT_MIN_DIM on, τ^pop,coh keeps F_α (real) and the Lamb-shift basis B_h (complex,
# charges ±q) as their sector blocks, at most C(2N, N) entries per charge: per operator 8 + 2·16 bytes per entry,
# this many times over (the stacks, the charge groups' copies, the Lamb-shift directions on their supports and
# their orthonormal bases; calibrated above)
_COH_BLOCK_COPIES = 2



_MAP_COPIES = 4  # complex (n², coordinates) sector maps of τ^pop,coh alive at once (conic.py; calibrated above)
# … without the subspace method (another norm, a free trace): with it the maps are kept once up to
# popcoh_formulations.SUBSPACE_KEEP_BYTES, above made anew per sector, the largest sector's map and its
# products alive at once this many times over (calibrated above) …
_SECTOR_MAP_COPIES = 2
# … and with it the Redfield operators' resident part (16 d² per bath site this many times and per set-up) stands
# in for the set-up's transient peak, and the certified upper bound's complex d × d temporaries come after the
# solve (calibrated above: 3.4 GiB of them at N = 12, 13.5 × 16 d²)
_REDFIELD_RESIDENT = 3
_CERT_TEMPORARIES = 14



_CERT_COPIES = 1  # complex d² arrays per Lamb-shift basis element in the certificates (calibrated above)



_NNZ_BYTES = 64  # bytes per non-zero of the SDP's constraint matrix through cvxpy and the solver (calibrated)



_KINDS = ("ness", "pop", "popcoh")



def _svec(n: int) -> int:
    return n * (n + 1) // 2



def _charge_groups(k: int) -> list[int]:
    """Sizes of the charge blocks of Γ for a block of k qubits: the coefficients C(2k, k + q) of
    (x⁻¹ + 2 + x)^k, without the identity (charge 0)."""
    return [math.comb(2 * k, k + q) - (q == 0) for q in range(-k, k + 1)]



def estimated_bytes(kind: str, setup: ChainSetup, blocks: str = "left,right", subspace: bool = True) -> int:
    r"""Estimated peak memory of ``lindblad-sdp ness`` / ``tau pop`` / ``tau popcoh`` for ``setup``.

    The sum of the dominant dense allocations, with d = 2^N and P = C(2N, N−1) the number of
    energy-basis matrix elements of σ− (it maps magnetisation sector M to M−1; H_XXZ conserves M):

    * Redfield, all kinds: H, its eigenvectors, S_ℓ, A_ℓ, B_ℓ, masks, the coefficients of one bath and L2
      temporaries, 16 d² (``_REDFIELD_PER_BATH`` n_bath + ``_REDFIELD_FIXED``), and the principal values: one
      block of ``baths.PV_BLOCK_BYTES`` and ``_PV_BYTES_PER_FREQUENCY`` per connected Bohr frequency (at most P).
    * ``pop``, per block of k qubits (m = 4^k − 1 operators): F_α, 8 m d² (real: the chain's H_S is), and
      ``_POP_F_COPIES`` such stacks of the largest block while its coefficients are formed; the coefficient stacks
      G_k, 5 × 16 d m²; one PSD cone per charge group c (``_CONE_COPIES`` × 8 svec(c)²) and d c² non-zeros.
    * ``popcoh`` (the default ``formulation="conic"``, solved on the n × n Hermitian sectors), per block:
      F_α and the Lamb-shift basis, ``_COH_OP_COPIES`` × (8 m + 16 · 4^k) d²; the certificates' Lamb-shift
      directions, ``_CERT_COPIES`` × 16 · 4^k d²; and the sector maps, 16 n² per real coordinate of Γ (Σ_c c²)
      and of H_LS (C(2k, k)) over the sectors of n = C(N, M) states (Σ n² = C(2N, N)): with ``subspace`` (the
      spectral norm with a fixed trace, which the interior-point method solves on subspaces of the sectors) once,
      or above ``popcoh_formulations.SUBSPACE_KEEP_BYTES`` the largest sector's ``_SECTOR_MAP_COPIES`` times;
      else (the whole problem's ± LMIs and the solver's products with them) ``_MAP_COPIES`` times.

    ``MEMORY_LIMIT_BYTES`` documents how the estimate compares with measured peaks (conservative, up to ~5×
    above for chains whose Bohr frequencies are degenerate). The SDP terms assume Clarabel, the default.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got kind={kind!r}")
    n = setup.n_sites
    d = 2**n
    n_bath = setup.n_left + setup.n_right
    total = (_BASE_BYTES + 16 * d * d * (_REDFIELD_PER_BATH * n_bath + _REDFIELD_FIXED) + PV_BLOCK_BYTES
             + _PV_BYTES_PER_FREQUENCY * math.comb(2 * n, n - 1))
    if kind == "ness":
        return total
    sizes = [b.n_qubits for b in paper_blocks(setup, blocks)]
    columns = 0
    for k in sizes:
        m = 4**k - 1
        groups = _charge_groups(k)
        if kind == "pop":
            total += _F_BYTES * m * d * d + 5 * 16 * d * m * m  # F_α (kept for every block), G_k
            total += sum(_CONE_COPIES * 8 * _svec(c) ** 2 + _NNZ_BYTES * d * c * c for c in groups)
        else:
            if d >= open_system.SECTOR_PRODUCT_MIN_DIM:  # F_α and B_h by sector blocks (lindblad.operator_stack)
                total += _COH_BLOCK_COPIES * (_F_BYTES + 32) * m * math.comb(2 * n, n)
                total += 8 * math.comb(2 * k, k) * d * d  # the Lamb-shift term of the upper bound (charge 0)
            else:
                total += _COH_OP_COPIES * (_F_BYTES * m + 16 * 4**k) * d * d
                total += _CERT_COPIES * 16 * 4**k * d * d
            columns += sum(c * c for c in groups) + math.comb(2 * k, k)
    if kind == "popcoh":  # the sector maps: 16 bytes per state pair of a sector and per real coordinate
        all_maps = 16 * math.comb(2 * n, n) * columns  # Σ_M C(N, M)² = C(2N, N)
        if not subspace:
            total += _MAP_COPIES * all_maps
        else:  # the Redfield set-up's temporaries are gone by then; the certificates' come after the solve
            total -= 16 * d * d * (_REDFIELD_FIXED - _REDFIELD_RESIDENT)
            certificates = _CERT_TEMPORARIES * 16 * d * d
            if all_maps <= SUBSPACE_KEEP_BYTES:  # kept for the rounds and through the certificates
                total += all_maps + certificates
            else:  # made anew per sector and round: the largest sector's at a time, before the certificates
                total += max(_SECTOR_MAP_COPIES * 16 * math.comb(n, n // 2) ** 2 * columns, certificates)
    if kind == "pop":  # the coefficients' and their error bounds' copies of one block's F_α, one block at a time
        total += _POP_F_COPIES * _F_BYTES * (4 ** max(sizes) - 1) * d * d
    return total



def largest_accepted_qubits(kind: str, n_left: int, n_right: int, blocks: str = "left,right",
                            subspace: bool = True) -> int | None:
    """The largest N = n_left + n_middle + n_right the CLI accepts for these baths (None: not even n_middle = 0)."""
    largest = None
    for n_middle in range(64):
        setup = ChainSetup(n_left=n_left, n_middle=n_middle, n_right=n_right)
        if estimated_bytes(kind, setup, blocks, subspace) > MEMORY_LIMIT_BYTES:
            break
        largest = setup.n_sites
    return largest



def _format_bytes(b: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while b >= 1024 and i < len(units) - 1:
        b, i = b / 1024, i + 1
    return f"{b:.3g} {units[i]}"



def _check_size(kind: str, setup: ChainSetup, parser, blocks: str = "left,right", subspace: bool = True) -> None:
    need = estimated_bytes(kind, setup, blocks, subspace)
    if need <= MEMORY_LIMIT_BYTES:
        return
    largest = largest_accepted_qubits(kind, setup.n_left, setup.n_right, blocks, subspace)
    what = {"ness": "ness", "pop": "tau pop", "popcoh": "tau popcoh"}[kind]
    limit = (f"with n_left={setup.n_left}, n_right={setup.n_right} it accepts N <= {largest}" if largest
             else f"no chain with n_left={setup.n_left}, n_right={setup.n_right} fits")
    _invalid(parser, f"a chain of N = {setup.n_sites} qubits needs an estimated {_format_bytes(need)} for "
                     f"{what}, above the CLI's limit of {_format_bytes(MEMORY_LIMIT_BYTES)} "
                     f"(lindblad_core.cli.MEMORY_LIMIT_BYTES); {limit}", "--n-left/--n-middle/--n-right")
