import pytest

from lindblad_core.studies import reference


@pytest.fixture(autouse=True, scope="session")
def _outputs_in_a_temporary_folder(tmp_path_factory):
    """No test writes into the user's figures/ or result cache: both point at a temporary folder."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("outputs")
    mp.setenv("LINDBLAD_FIGURES", str(root / "figures"))
    mp.setenv("LINDBLAD_CACHE", str(root / "cache"))
    yield root
    mp.undo()


@pytest.fixture(scope="session")
def ness_points():
    return reference.load("ness_points")


@pytest.fixture(scope="session")
def tau_fig2cd():
    return reference.load("tau_fig2cd")
