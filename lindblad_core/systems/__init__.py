"""Open systems: a Hamiltonian on sites of any local dimension and its couplings to baths.

- :mod:`.open_system`: :class:`~.open_system.OpenSystem`, :class:`~.open_system.Coupling` and the shared energy basis;
- :mod:`.baths`: bosonic baths, spectral densities and the Redfield coefficients of Eq. (41);
- :mod:`.chain`: the paper's XXZ chain (Eq. (35), App. C) as a serialisable record that builds an OpenSystem;
- :mod:`.operators`: qubit operators and their embedding in a chain;
- :mod:`.symmetry`: the U(1) structure that both SDPs exploit.
"""
