"""Monitoring analytics: the Parquet lake, engine selection, Ibis expressions.

* :mod:`~greenloop.analytics.lake` — layout of the lake and its I/O
  (:func:`~greenloop.analytics.lake.write_readings` is the mover's API);
* :mod:`~greenloop.analytics.engine` — which engine runs the expressions
  (DuckDB by default);
* :mod:`~greenloop.analytics.air` — HJ 663 daily statistics and means as
  engine-neutral Ibis expressions;
* :mod:`~greenloop.analytics.evaluate` — the air evaluation of a date range:
  the engine reduces the hours to daily values, the kernel
  (:mod:`greenloop.airquality`) does the evaluation;
* :mod:`~greenloop.analytics.cli` — ``greenloop evaluate air``;
* :mod:`~greenloop.analytics.reference` — the same daily values by the pure
  kernel on pandas: the tests' oracle and the benchmark's baseline.

No Django here: the web process, the worker and the command line use the
same functions. See ``docs/lake.md``.
"""

from __future__ import annotations
