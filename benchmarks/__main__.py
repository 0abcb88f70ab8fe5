"""``python -m benchmarks``: see :mod:`benchmarks.compare`."""

from benchmarks.compare import main

raise SystemExit(main())
