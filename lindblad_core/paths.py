"""Where inputs and outputs live (one place, showyourwork style).

``SHARED`` is the project's ``shared/`` folder beside the checkout (``../shared``), overridable with the
environment variable ``LINDBLAD_SHARED``; reference data from the authors is in ``SHARED/reference-data``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LINDBLAD_SHARED", REPO.parent / "shared"))
REFERENCE_DATA = SHARED / "reference-data"
FIGURES = Path(os.environ.get("LINDBLAD_FIGURES", REPO / "figures"))
CACHE = Path(os.environ.get("LINDBLAD_CACHE", REPO / ".cache" / "results"))
NOTEBOOKS = REPO / "notebooks"
