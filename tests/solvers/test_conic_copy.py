"""ConicProblem.copy: a second problem on the same constraints (a new objective, added rows) that leaves the
first one as it was. Checked against the optima of the two one-variable problems, worked out by hand."""

import numpy as np
import pytest

from lindblad_core.solvers.conic import ConicProblem


def test_copy_takes_a_new_objective_and_rows_without_changing_the_original():
    p = ConicProblem(1)
    p.q[:] = 1.0  # min x  s.t.  [[1 + x, 0], [0, 3 − x]] ⪰ 0, i.e. x ∈ [−1, 3]
    p.add_psd("x", np.array([1.0, 0, 0, 3.0]), np.array([[1.0], [0], [0], [-1.0]]), 2)
    c = p.copy()
    c.q[:] = -1.0  # max x  s.t.  the same and 2 − x ≥ 0
    c.add("cap", "nonneg", np.ones((1, 1)), [2.0])
    c.solve_ipm()
    p.solve_ipm()
    assert c.value == pytest.approx(-2.0, abs=1e-7) and c.x[0] == pytest.approx(2.0, abs=1e-7)
    assert p.value == pytest.approx(-1.0, abs=1e-7) and p.q[0] == 1.0
    assert [b[0] for b in p.blocks] == ["x"] and [b[0] for b in c.blocks] == ["x", "cap"]
    assert p.solve() in ("optimal", "optimal_inaccurate") and p.value == pytest.approx(-1.0, abs=1e-7)  # Clarabel
