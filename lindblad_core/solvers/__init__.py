"""Conic solvers for the SDPs' data: the problem assembled as numpy arrays (Clarabel's standard form), the
library's interior-point method for Hermitian linear matrix inequalities (:mod:`.conic`, :mod:`.ipm`), the same
method on growing eigen-subspaces of large spectral-norm LMIs (:mod:`.norm_subspace`) and QICS (:mod:`.qics`)."""
