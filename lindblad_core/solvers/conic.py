r"""Conic problems handed to Clarabel directly, without cvxpy's canonicalisation.

Clarabel solves

.. math::

    \min_x\ q^T x \quad\text{s.t.}\quad A x + s = b,\ s \in \mathcal K,

with :math:`\mathcal K` a product of zero, non-negative, second-order and PSD-triangle cones; its dual
variable z ∈ K* satisfies Aᵀz + q = 0 at the optimum. The SDPs of :mod:`lindblad_core.sdp` have few
variables (the real coordinates of Γ and of the Lamb shift) and large, dense affine maps per symmetry
sector; assembling A here from precomputed numpy arrays costs milliseconds and no more memory than A
itself, where cvxpy's canonicalisation of the same maps takes about a second at d = 64 and tens of GB at
d = 256 (benchmarks/bench_speed.py).

A Hermitian n×n matrix inequality X ⪰ 0 is written as its real representation
[[Re X, −Im X], [Im X, Re X]] ⪰ 0 (PSD iff X is, each eigenvalue doubled), vectorised as Clarabel's
PSD triangle: the upper triangle column by column, off-diagonal entries scaled by √2.

The library's own interior-point method (:mod:`lindblad_core.solvers.ipm`) takes the same problems, with the
Hermitian constraints as they are, through :meth:`ConicProblem.solve_ipm`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lindblad_core.solvers.ipm import IpmSolution, _Lmi, checked_step, checked_tolerances, solve_hermitian_lmi

log = logging.getLogger(__name__)

__all__ = ["realrep_svec", "svec_to_matrix", "ConicProblem", "clarabel_status"]

# Clarabel's status → the cvxpy status names the rest of the library uses (as cvxpy's own interface maps them)
_STATUS = {"Solved": "optimal", "AlmostSolved": "optimal_inaccurate", "PrimalInfeasible": "infeasible",
           "DualInfeasible": "unbounded", "AlmostPrimalInfeasible": "infeasible_inaccurate",
           "AlmostDualInfeasible": "unbounded_inaccurate", "MaxIterations": "user_limit", "MaxTime": "user_limit"}
_SOLUTION_PRESENT = ("optimal", "optimal_inaccurate")


def clarabel_status(status) -> str:
    """The cvxpy-style status name of a Clarabel ``SolverStatus`` (anything unknown: "solver_error")."""
    return _STATUS.get(str(status), "solver_error")


@functools.lru_cache(maxsize=32)
def _realrep_triangle(n: int):
    """For the real representation R (2n×2n) of a Hermitian n×n X: per entry of R's svec (upper triangle by
    columns), the row-major index into X, whether it takes Im (else Re), and the factor (±1, ×√2 off the
    diagonal)."""
    rows, cols = np.triu_indices(2 * n)  # row-major upper triangle; reorder to column-major below
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    i, j = rows % n, cols % n
    take_imag = (rows < n) != (cols < n)  # the off-diagonal blocks: −Im X (upper right)
    sign = np.where(take_imag, -1.0, 1.0) * np.where(rows == cols, 1.0, np.sqrt(2.0))
    return i * n + j, take_imag, sign


def realrep_svec(mat, n: int) -> np.ndarray:
    """Rows of svec(realrep(X)) for X = reshape(mat @ x, (n, n)) (row-major), as a real dense array.

    ``mat`` is a complex (n², k) array (or a vector of length n² for a constant X).
    """
    index, take_imag, sign = _realrep_triangle(n)
    rows = np.asarray(mat)[index]
    picked = np.where(take_imag.reshape((-1,) + (1,) * (rows.ndim - 1)), rows.imag, rows.real)
    return picked * sign.reshape((-1,) + (1,) * (rows.ndim - 1))


def svec_to_matrix(v: np.ndarray, size: int) -> np.ndarray:
    """The symmetric size×size matrix whose Clarabel svec is ``v`` (undoing the √2 scaling)."""
    rows, cols = np.triu_indices(size)
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    vals = np.where(rows == cols, v, v / np.sqrt(2.0))
    out = np.zeros((size, size))
    out[rows, cols] = vals
    out[cols, rows] = vals
    return out


@dataclass
class ConicProblem:
    r"""min qᵀx s.t. A x + s = b, s ∈ K, assembled row block by row block (see the module docstring).

    ``blocks`` records the rows of each named constraint: (name, kind, start, stop, size) with kind one of
    "zero", "nonneg", "soc", "psd" (size: the matrix side for "psd", the row count otherwise).
    """

    n_variables: int

    def __post_init__(self):
        self.q = np.zeros(self.n_variables)
        self._a, self._b, self.blocks = [], [], []
        self._rows = 0
        self.status, self.value, self.x, self.z, self.iterations = None, None, None, None, 0
        self._assembled = None
        self._ipm_duals = None
        self.lmis = []  # (name, vec C, linear (n², n_variables)) of each Hermitian constraint C + L(x) ⪰ 0

    def copy(self) -> "ConicProblem":
        """A new problem with the same objective and constraints (the arrays shared, read-only by use) and no
        solution: constraints added to it or a new ``q`` leave this one unchanged."""
        other = ConicProblem(self.n_variables)
        other.q = self.q.copy()
        other._a, other._b, other.blocks, other.lmis = list(self._a), list(self._b), list(self.blocks), list(self.lmis)
        other._rows = self._rows
        return other

    def add(self, name, kind: str, a_rows, b_rows, size: int | None = None) -> None:
        """Append constraint rows ``b − a_rows @ x ∈ K_kind`` (``a_rows`` dense or sparse)."""
        a_rows = sp.csr_matrix(a_rows)
        if a_rows.shape[1] != self.n_variables:
            raise ValueError(f"constraint {name}: {a_rows.shape[1]} columns for {self.n_variables} variables")
        k = a_rows.shape[0]
        self._a.append(a_rows)
        self._b.append(np.asarray(b_rows, float).reshape(k))
        self.blocks.append((name, kind, self._rows, self._rows + k, k if size is None else size))
        self._rows += k
        self._assembled = None

    def add_psd(self, name, const: np.ndarray, linear: np.ndarray, n: int) -> None:
        """Hermitian n×n constraint C + L(x) ⪰ 0, with vec(C) = ``const`` (n²) and vec(L(x)) = ``linear`` @ x.

        Clarabel's rows (the real representation, twice the entries) are only built when Clarabel is called.
        """
        k = (2 * n) * (2 * n + 1) // 2
        self._a.append(None)
        self._b.append(None)
        self.blocks.append((name, "psd", self._rows, self._rows + k, 2 * n))
        self._rows += k
        self._assembled = None
        self.lmis.append((name, np.asarray(const), np.asarray(linear)))

    def _cones(self):
        import clarabel

        cones = []
        for _, kind, start, stop, size in self.blocks:
            if kind == "zero":
                cones.append(clarabel.ZeroConeT(stop - start))
            elif kind == "nonneg":
                cones.append(clarabel.NonnegativeConeT(stop - start))
            elif kind == "soc":
                cones.append(clarabel.SecondOrderConeT(stop - start))
            else:
                cones.append(clarabel.PSDTriangleConeT(size))
        return cones

    def solve_ipm(self, *, gap_rtol: float | None = None, gap_atol: float | None = None,
                  res_tol: float | None = None, step=None, margin: float | None = None) -> str:
        """Solve with :func:`~lindblad_core.solvers.ipm.solve_hermitian_lmi` (zero, non-negative and Hermitian PSD
        constraints only; the non-negative rows as its block of scalar rows); sets ``status``, ``value``, ``x``
        and the multipliers read by :meth:`hermitian_dual` and :meth:`dual`.

        Parameters
        ----------
        gap_rtol, gap_atol, res_tol : float, optional
            The tolerances of the interior-point method (defaults ``ipm.IPM_TOL``, ``ipm.IPM_TOL_ABS``,
            ``ipm.IPM_RES_TOL``); gap_rtol and res_tol in (0, 1), gap_atol in (0, inf).
        step : pair (a, b), optional
            The step rule of the interior-point method (default ``ipm.IPM_STEP``; ``ipm.checked_step``).
        margin : float, optional
            Its stopping margin, in (0, 1) (default ``ipm.IPM_MARGIN``).

        Returns
        -------
        str
            The status: "optimal", "optimal_inaccurate" (x, value and multipliers set) or "solver_error".
        """
        tolerances = dict(checked_tolerances(gap_rtol, gap_atol, res_tol, margin), step=checked_step(step))
        lmis, e_rows, f_rows, g_rows, h_rows, ranges = [], [], [], [], [], {}
        n_eq = n_lp = 0
        for (name, kind, start, stop, size), a, b in zip(self.blocks, self._a, self._b):
            if kind == "zero":
                e_rows.append(a.toarray())
                f_rows.append(b)
                ranges[name] = ("zero", n_eq, n_eq + len(b))
                n_eq += len(b)
            elif kind == "nonneg":  # b − a x ≥ 0
                g_rows.append(-a)
                h_rows.append(b)
                ranges[name] = ("nonneg", n_lp, n_lp + len(b))
                n_lp += len(b)
            elif kind == "soc":
                raise ValueError("solve_ipm handles zero, non-negative and PSD constraints only")
        for name, const, linear in self.lmis:
            n = int(round(np.sqrt(const.size)))
            cols = np.flatnonzero(np.any(linear != 0, axis=0))
            # (variables, n²); a read-only view of ``linear`` when it was assembled transposed and every variable
            # enters (sdp.CohConic's large blocks), else one copy
            rows = linear.T if len(cols) == linear.shape[1] else linear.T[cols]
            lin = np.ascontiguousarray(rows).reshape(len(cols), n, n).view()
            lin.flags.writeable = False
            lmis.append(_Lmi(name, const.reshape(n, n).astype(complex), cols, lin))
        e = np.vstack(e_rows) if e_rows else np.zeros((0, self.n_variables))
        f = np.concatenate(f_rows) if f_rows else np.zeros(0)
        lp = (np.concatenate(h_rows), sp.vstack(g_rows, format="csr")) if g_rows else None
        try:
            sol = solve_hermitian_lmi(self.q, lmis, e, f, lp=lp, **tolerances)
        except (np.linalg.LinAlgError, FloatingPointError) as err:  # outside the iterations (which keep their
            log.info("interior-point method failed: %s", err)  # best iterate): reported, not raised
            sol = IpmSolution("solver_error", None, None, None, None, 0)
        self.status, self.iterations = sol.status, sol.iterations
        present = sol.status in _SOLUTION_PRESENT
        self.x = sol.y if present else None
        self.value = float(self.q @ sol.y) if present else None
        self.z = None
        self._ipm_duals = None
        if present:
            # in Clarabel's convention (Aᵀz + q = 0 over all rows): z of the scalar rows as they are, −u of E y = f
            self._ipm_duals = {lmi.name: x for lmi, x in zip(lmis, sol.x)}
            for name, (kind, lo, hi) in ranges.items():
                self._ipm_duals[name] = sol.z[lo:hi] if kind == "nonneg" else -sol.u[lo:hi]
        return self.status

    @property
    def has_dual(self) -> bool:
        """The last solve left multipliers (Clarabel's z or the interior-point method's)."""
        return self.z is not None or self._ipm_duals is not None

    def hermitian_dual(self, name) -> np.ndarray | None:
        """The complex Hermitian multiplier W of the named Hermitian constraint C + L(x) ⪰ 0, normalised so
        that Σ_k Re Tr(L_kj W_k) = q_j − (equality multipliers)_j: from the real-representation multiplier V
        of Clarabel as (V11 + V22) + i (V21 − V12), or directly from :meth:`solve_ipm`."""
        if self._ipm_duals is not None:
            return self._ipm_duals[name]
        v = self.dual(name)
        if v is None:
            return None
        v = 0.5 * (v + v.T)
        k = v.shape[0] // 2
        return (v[:k, :k] + v[k:, k:]) + 1j * (v[k:, :k] - v[:k, k:])

    def solve(self, **settings) -> str:
        """Solve with Clarabel (``settings``: attributes of ``clarabel.DefaultSettings``); sets ``status``
        (cvxpy names), ``value``, ``x`` and ``z`` (None without a solution) and returns the status."""
        import clarabel

        self._ipm_duals = None

        # Clarabel wants its zero cones first only for speed, not correctness; keep the order of addition
        if self._assembled is None:
            lmis = iter(self.lmis)
            a_rows, b_rows = [], []
            for (name, kind, start, stop, size), a, b in zip(self.blocks, self._a, self._b):
                if kind == "psd":
                    _, const, linear = next(lmis)
                    a, b = sp.csr_matrix(-realrep_svec(linear, size // 2)), realrep_svec(const, size // 2)
                a_rows.append(a)
                b_rows.append(b)
            a = sp.vstack(a_rows, format="csc") if a_rows else sp.csc_matrix((0, self.n_variables))
            self._assembled = (a, np.concatenate(b_rows) if b_rows else np.zeros(0), self._cones())
        a, b, cones = self._assembled
        opts = clarabel.DefaultSettings()
        opts.verbose = False
        for key, val in settings.items():
            if not hasattr(opts, key):
                raise ValueError(f"unknown Clarabel setting {key!r}")
            setattr(opts, key, val)
        p = sp.csc_matrix((self.n_variables, self.n_variables))
        try:
            sol = clarabel.DefaultSolver(p, self.q, a, b, cones, opts).solve()
        except BaseException as err:  # Clarabel raises Rust panics as PanicException (a BaseException)
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            log.info("Clarabel failed: %s", err)
            self.status, self.value, self.x, self.z = "solver_error", None, None, None
            return self.status
        self.status = clarabel_status(sol.status)
        self.iterations = sol.iterations
        present = self.status in _SOLUTION_PRESENT
        self.x = np.asarray(sol.x, float) if present else None
        self.z = np.asarray(sol.z, float) if present else None
        self.value = float(sol.obj_val) if present else None
        return self.status

    def dual(self, name) -> np.ndarray | None:
        """The dual variable of the named constraint: a symmetric matrix for "psd" (Clarabel only: the
        interior-point method's are read by :meth:`hermitian_dual`), else a vector (from either solver, in
        Clarabel's sign convention)."""
        if self._ipm_duals is not None and any(key == name and kind != "psd" for key, kind, *_ in self.blocks):
            return self._ipm_duals[name]
        if self.z is None:
            return None
        for key, kind, start, stop, size in self.blocks:
            if key == name:
                v = self.z[start:stop]
                return svec_to_matrix(v, size) if kind == "psd" else v
        raise KeyError(name)
