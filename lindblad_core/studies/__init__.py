"""Studies built on the library: cached sweeps of any system (:mod:`.sweeps`, :mod:`.system_spec`), the paper's
figures and tables (:mod:`.paper`, :mod:`.reference`), its published variants (:mod:`.variants`), plots
(:mod:`.plots`), example systems written as a user writes them (:mod:`.examples`), and the exact (HEOM) steady
state as referee of the leading order (:mod:`.heom_referee`)."""
