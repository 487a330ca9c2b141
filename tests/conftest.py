import json

import numpy as np
import pytest

from lindblad_core.paths import REFERENCE_DATA


def _load(name):
    path = REFERENCE_DATA / name
    if not path.exists():
        pytest.fail(f"reference data {path} is missing (set LINDBLAD_SHARED to the shared/ folder)")
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def ness_points():
    return _load("ness_points.json")


@pytest.fixture(scope="session")
def tau_fig2cd():
    return _load("tau_fig2cd.json")


def as_complex(m):
    return np.asarray(m["real"]) + 1j * np.asarray(m["imag"])
