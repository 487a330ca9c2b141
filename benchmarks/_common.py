"""Shared by the benchmark scripts (imported before numpy so thread settings take effect)."""

import os

# OpenBLAS, OpenMP, MKL, rayon (Clarabel) and numba (QICS's kernels)
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


def _apply_thread_flag(argv) -> str:
    """``--threads N`` must act before numpy/BLAS load: set the thread variables of OpenBLAS, OpenMP, MKL, rayon
    (Clarabel) and numba from the command line, here, ahead of the heavy imports. Child processes inherit them."""
    n = None
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            n = argv[i + 1]
        elif arg.startswith("--threads="):
            n = arg.split("=", 1)[1]
    if n is not None:
        for var in THREAD_VARIABLES:
            os.environ[var] = str(int(n))
    return os.environ.get("OPENBLAS_NUM_THREADS", "library default")
