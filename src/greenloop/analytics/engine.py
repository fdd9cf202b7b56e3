"""Which engine runs the analytics expressions.

The expressions in :mod:`greenloop.analytics.air` are plain Ibis and never
contain engine-specific SQL; the engine is chosen here, once, by the caller:

* ``duckdb`` (default): in-process, reads the Parquet lake directly. Ibis
  sets the DuckDB session time zone to UTC, which the expressions rely on
  (local hours are computed from epoch seconds plus 8 hours).
* ``pyspark`` (placeholder, for a lake that outgrows one machine): the same
  expressions on Apache Spark over the same Parquet files. Needs the
  ``pyspark`` package and a Java runtime, which this project does not
  install; the session must use ``spark.sql.session.timeZone=UTC``. Not
  exercised by the test suite.

Select with the ``engine`` argument or the ``GREENLOOP_ANALYTICS_ENGINE``
environment variable. ``GREENLOOP_ANALYTICS_THREADS`` and
``GREENLOOP_ANALYTICS_MEMORY`` (e.g. ``4GB``) limit DuckDB.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

ENGINES: tuple[str, ...] = ("duckdb", "pyspark")
ENV_ENGINE = "GREENLOOP_ANALYTICS_ENGINE"


class UnknownEngine(ValueError):
    """An engine name that is not one of :data:`ENGINES`."""


class EngineUnavailable(RuntimeError):
    """The engine's client library is not installed (not worth retrying)."""


def engine_name(engine: str | None = None) -> str:
    """The engine to use: ``engine``, else the environment, else ``duckdb``.

    Examples
    --------
    >>> engine_name("duckdb")
    'duckdb'
    """
    name = (engine or os.environ.get(ENV_ENGINE) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise UnknownEngine(f"分析引擎必须是 {', '.join(ENGINES)} 之一，而不是 {name!r}")
    return name


def connect(engine: str | None = None) -> BaseBackend:
    """Connect to the analytics engine.

    Parameters
    ----------
    engine
        ``"duckdb"`` or ``"pyspark"``; default from
        ``GREENLOOP_ANALYTICS_ENGINE``, else ``"duckdb"``.

    Raises
    ------
    UnknownEngine, EngineUnavailable
    """
    import ibis

    name = engine_name(engine)
    if name == "duckdb":
        config: dict[str, str] = {}
        if threads := os.environ.get("GREENLOOP_ANALYTICS_THREADS"):
            config["threads"] = threads
        if memory := os.environ.get("GREENLOOP_ANALYTICS_MEMORY"):
            config["memory_limit"] = memory
        con = ibis.duckdb.connect(**config)
        # Command-line output must not carry DuckDB's terminal progress bar.
        con.raw_sql("SET enable_progress_bar = false")
        return con
    try:  # pragma: no cover - pyspark is not installed here
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover
        raise EngineUnavailable(
            "pyspark 引擎需要安装 pyspark 与 Java 运行环境（pip install 'ibis-framework[pyspark]'）"
        ) from exc
    session = (  # pragma: no cover
        SparkSession.builder.appName("greenloop-analytics")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    return ibis.pyspark.connect(session)  # pragma: no cover
