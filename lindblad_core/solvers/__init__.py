"""Conic solvers for the SDPs' data: the problem assembled as numpy arrays (Clarabel's standard form) and the
library's interior-point method for Hermitian linear matrix inequalities (:mod:`.conic`, :mod:`.ipm`)."""
