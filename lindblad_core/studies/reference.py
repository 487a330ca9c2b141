"""The authors' published numbers, shipped with the package (``lindblad_core/data/reference``).

See ``lindblad_core/data/reference/README.md`` for their provenance and formulation.
"""

from __future__ import annotations

import functools
import json

import numpy as np

from lindblad_core.paths import REFERENCE_DATA

__all__ = ["load", "as_complex", "DATASETS"]

DATASETS = ("ness_points", "tau_fig2cd")


@functools.lru_cache(maxsize=None)
def _read(name: str) -> str:
    return (REFERENCE_DATA / f"{name}.json").read_text()


def load(name: str) -> list[dict]:
    """The records of one published data set: ``"ness_points"`` or ``"tau_fig2cd"`` (a fresh copy)."""
    if name not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}, got name={name!r}")
    return json.loads(_read(name))


def as_complex(matrix: dict) -> np.ndarray:
    """A stored matrix ``{"real": [[…]], "imag": [[…]]}`` as a complex array."""
    return np.asarray(matrix["real"], dtype=float) + 1j * np.asarray(matrix["imag"], dtype=float)
