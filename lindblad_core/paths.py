"""Where inputs and outputs live (one place, showyourwork style).

Outputs are resolved when they are used, not at import, so that a test or a notebook check can point them
at a temporary folder through the environment:

- ``LINDBLAD_FIGURES``: figures, CSV data and tables (default ``<repo>/figures``);
- ``LINDBLAD_CACHE``: the per-point result cache of :mod:`lindblad_core.studies.sweeps` (default
  ``<repo>/.cache/results``).

Inputs ship with the package: the authors' published numbers are in ``lindblad_core/data/reference``
(read them with :func:`lindblad_core.studies.reference.load`).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REPO = PACKAGE.parent
REFERENCE_DATA = PACKAGE / "data" / "reference"
NOTEBOOKS = REPO / "notebooks"


def _from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def figures_dir() -> Path:
    """Folder for figures, CSV data and tables: ``$LINDBLAD_FIGURES`` or ``<repo>/figures`` (created if missing)."""
    folder = _from_env("LINDBLAD_FIGURES", REPO / "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_dir() -> Path:
    """Folder of the sweep result cache: ``$LINDBLAD_CACHE`` or ``<repo>/.cache/results``."""
    return _from_env("LINDBLAD_CACHE", REPO / ".cache" / "results")
