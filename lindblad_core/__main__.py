from lindblad_core.cli import main

raise SystemExit(main())
