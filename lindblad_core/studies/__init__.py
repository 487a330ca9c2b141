"""Studies built on the library: cached sweeps of any system (:mod:`.sweeps`, :mod:`.system_spec`), the paper's
figures and tables (:mod:`.paper`, :mod:`.reference`), its published variants (:mod:`.variants`), plots
(:mod:`.plots`), and example systems written as a user writes them (:mod:`.examples`)."""
