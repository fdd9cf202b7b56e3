"""The monitoring lake: Parquet files partitioned by data kind and local date.

Layout (``docs/lake.md``)::

    <lake>/readings/kind=<realtime|minute|hour|day>/date=YYYY-MM-DD/part-0.parquet
    <lake>/meta/stations.parquet

Readings are in *long* format, one row per device, factor and time
(:data:`READINGS_SCHEMA`). ``data_time`` is an aware UTC timestamp holding
the HJ 212 ``DataTime`` as sent: the *start* of the period for minute, hour
and day data (HJ 212-2017 §6.6.4, example C.17: ``DataTime=20160801080000``
is the hour 08:00–09:00), the acquisition moment for real-time data. The
partition ``date`` is the local (Beijing) date of ``data_time``, so the
hours of a partition are exactly the hours of that day in the sense of
HJ 663, and the rule sets that switch on 2026-03-01 apply to whole
partitions.

Writes are atomic per partition file (written beside it under a hidden
name, flushed, then ``os.replace``) and idempotent: ``(mn, factor,
data_time)`` is unique in the lake, and writing a row again replaces it.
Nothing here knows about Django; the mover job calls
:func:`write_readings` with rows taken from the inbox.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

try:  # POSIX advisory locks; elsewhere a single writer is assumed.
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms we run on
    fcntl = None  # type: ignore[assignment]

#: Kinds of readings, one per HJ 212 data command family: real-time (2011),
#: minute (2051), hour (2061), day (2031).
KINDS: tuple[str, ...] = ("realtime", "minute", "hour", "day")
Kind = Literal["realtime", "minute", "hour", "day"]

#: Beijing time is UTC+8 all year (no daylight saving since 1991): local
#: dates and hours are computed with this fixed offset, here and in the
#: analytics expressions alike.
LOCAL_OFFSET = dt.timedelta(hours=8)
LOCAL_TZ = dt.timezone(LOCAL_OFFSET, "Asia/Shanghai")

#: Data flags (HJ 212-2017 Table 8) whose values are valid for statistics.
#: N = instrument working normally; F stopped, M maintenance, S manual set
#: value, D fault, C calibration, T above the measuring range, B
#: communication fault — and any unknown letter (2005-era ``P``) — are not.
VALID_FLAGS: frozenset[str] = frozenset({"N"})

#: Key of a reading: unique in the lake.
KEY: tuple[str, ...] = ("mn", "factor", "data_time")

#: Columns of a readings file. Value fields are those of HJ 212 CP data
#: (``Rtd``, ``Avg``, ``Min``, ``Max``, ``Cou``, the converted ``Zs*``
#: values of flue gas); absent fields are null.
READINGS_SCHEMA = pa.schema(
    [
        pa.field("mn", pa.string(), nullable=False),
        pa.field("site", pa.string(), nullable=False),
        pa.field("factor", pa.string(), nullable=False),
        pa.field("data_time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("rtd", pa.float64()),
        pa.field("avg", pa.float64()),
        pa.field("min", pa.float64()),
        pa.field("max", pa.float64()),
        pa.field("cou", pa.float64()),
        pa.field("zs_rtd", pa.float64()),
        pa.field("zs_avg", pa.float64()),
        pa.field("zs_min", pa.float64()),
        pa.field("zs_max", pa.float64()),
        pa.field("flag", pa.string()),
        pa.field("eflag", pa.string()),
        pa.field("valid", pa.bool_(), nullable=False),
    ]
)
_REQUIRED = ("mn", "site", "factor", "data_time")
_VALUES = ("rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg", "zs_min", "zs_max")

#: Columns of ``meta/stations.parquet``: one row per air station.
#: ``kind`` is ``national`` (国控), ``provincial`` (省控) or ``micro`` (微站);
#: ``district`` and ``city`` are 12-digit division codes.
STATIONS_SCHEMA = pa.schema(
    [
        pa.field("site", pa.string(), nullable=False),
        pa.field("mn", pa.string()),
        pa.field("name", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("district", pa.string()),
        pa.field("district_name", pa.string()),
        pa.field("city", pa.string()),
        pa.field("city_name", pa.string()),
        pa.field("grid", pa.string()),
        pa.field("lon", pa.float64()),
        pa.field("lat", pa.float64()),
    ]
)
STATION_KINDS: tuple[str, ...] = ("national", "provincial", "micro")

PART = "part-0.parquet"
_DAY_US = 86_400 * 10**6
_OFFSET_US = int(LOCAL_OFFSET.total_seconds()) * 10**6


class InvalidReadings(ValueError):
    """Rows handed to the lake break its schema; nothing was written."""


class UnknownKind(ValueError):
    """A kind of readings that the lake does not have."""


class MissingStations(LookupError):
    """The lake has no ``meta/stations.parquet``."""


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """What :func:`write_readings` did."""

    partitions: tuple[dt.date, ...]
    """Local dates whose partition file was (re)written."""
    rows: int
    """Rows handed in, after removing repeats within the batch."""
    replaced: int
    """Rows that were already in the lake under the same key (merge mode)."""
    files: tuple[Path, ...]


def default_lake_dir() -> Path:
    """``$GREENLOOP_DATA_DIR/lake`` (default ``./greenloop-data/lake``).

    Read from the environment directly, so that commands which do not load
    Django find the same lake as the web process.
    """
    return Path(os.environ.get("GREENLOOP_DATA_DIR", "./greenloop-data")) / "lake"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownKind(f"数据类型必须是 {', '.join(KINDS)} 之一，而不是 {kind!r}")


def partition_dir(lake_dir: Path | str, kind: str, day: dt.date) -> Path:
    """Directory of one partition.

    Examples
    --------
    >>> partition_dir("lake", "hour", dt.date(2026, 3, 1)).as_posix()
    'lake/readings/kind=hour/date=2026-03-01'
    """
    _check_kind(kind)
    return Path(lake_dir) / "readings" / f"kind={kind}" / f"date={day.isoformat()}"


def partition_dates(lake_dir: Path | str, kind: str) -> list[dt.date]:
    """Local dates that have a partition file, ascending."""
    _check_kind(kind)
    root = Path(lake_dir) / "readings" / f"kind={kind}"
    if not root.is_dir():
        return []
    days = []
    for child in root.iterdir():
        if child.name.startswith("date=") and (child / PART).is_file():
            with contextlib.suppress(ValueError):
                days.append(dt.date.fromisoformat(child.name[5:]))
    return sorted(days)


def readings_files(lake_dir: Path | str, kind: str, start: dt.date, end: dt.date) -> list[Path]:
    """Partition files of ``kind`` for local dates ``start`` … ``end`` (inclusive)."""
    return [
        partition_dir(lake_dir, kind, day) / PART
        for day in partition_dates(lake_dir, kind)
        if start <= day <= end
    ]


def local_days(data_time: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Local (Beijing) day of each timestamp, as days since 1970-01-01.

    Examples
    --------
    >>> t = pa.array([dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)], pa.timestamp("us", "UTC"))
    >>> local_days(t).astype("datetime64[D]").tolist()
    [datetime.date(2026, 3, 1)]
    """
    micros = np.asarray(
        data_time.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), dtype=np.int64
    )
    days: np.ndarray = np.floor_divide(micros + _OFFSET_US, _DAY_US)
    return days


def valid_from_flags(
    flags: pa.ChunkedArray | pa.Array, valid_flags: Collection[str] = VALID_FLAGS
) -> pa.ChunkedArray | pa.Array:
    """``valid`` column from data flags: a flag in ``valid_flags``, or no flag.

    A missing flag counts as ``N``: HJ/T 212-2005 loggers may send none, and
    nothing abnormal was reported.

    Examples
    --------
    >>> valid_from_flags(pa.array(["N", "M", None, "D"])).to_pylist()
    [True, False, True, False]
    """
    listed = pc.is_in(flags, value_set=pa.array(sorted(valid_flags), pa.string()))
    return pc.or_(listed, pc.is_null(flags)) if flags.null_count else listed


def conform_readings(rows: pa.Table, *, valid_flags: Collection[str] = VALID_FLAGS) -> pa.Table:
    """Check ``rows`` and cast them to :data:`READINGS_SCHEMA`.

    1. ``mn``, ``site``, ``factor``, ``data_time`` are required and never
       null; ``data_time`` must be timezone-aware (it is stored in UTC).
    2. Value columns that are absent become null; ``NaN`` becomes null.
    3. ``valid`` is derived from ``flag`` (:func:`valid_from_flags`) where
       not given.

    Raises
    ------
    InvalidReadings
        Naming the column at fault.
    """
    names = set(rows.column_names)
    missing = [c for c in _REQUIRED if c not in names]
    if missing:
        raise InvalidReadings(f"缺少必需的列：{', '.join(missing)}")
    unknown = sorted(names - set(READINGS_SCHEMA.names))
    if unknown:
        raise InvalidReadings(f"未知的列：{', '.join(unknown)}")
    n = rows.num_rows
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name in _REQUIRED:
        column = rows.column(name)
        if column.null_count:
            raise InvalidReadings(f"列 {name} 不能有空值（{column.null_count} 行为空）")
        columns[name] = column
    time_type = rows.schema.field("data_time").type
    if not pa.types.is_timestamp(time_type) or time_type.tz is None:
        raise InvalidReadings(f"列 data_time 必须是带时区的时间戳，而不是 {time_type}")
    columns["data_time"] = columns["data_time"].cast(pa.timestamp("us", tz="UTC"))
    for name in ("mn", "site", "factor"):
        columns[name] = columns[name].cast(pa.string())
    for name in _VALUES:
        if name in names:
            try:
                values = rows.column(name).cast(pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise InvalidReadings(f"列 {name} 必须是数值：{exc}") from exc
            # NaN is not a measurement: store it as a missing value.
            columns[name] = pc.if_else(pc.is_nan(values), None, values)
        else:
            columns[name] = pa.nulls(n, pa.float64())
    for name in ("flag", "eflag"):
        columns[name] = (
            rows.column(name).cast(pa.string()) if name in names else pa.nulls(n, pa.string())
        )
    derived = valid_from_flags(columns["flag"], valid_flags)
    if "valid" in names:
        given = rows.column("valid").cast(pa.bool_())
        columns["valid"] = pc.coalesce(given, derived)
    else:
        columns["valid"] = derived
    return pa.Table.from_arrays([columns[f.name] for f in READINGS_SCHEMA], schema=READINGS_SCHEMA)


def _keep_last(table: pa.Table) -> pa.Table:
    """Drop earlier rows of a repeated key; the last one wins."""
    if table.num_rows < 2:
        return table
    seq = pa.array(np.arange(table.num_rows, dtype=np.int64))
    keyed = pa.table({**{k: table.column(k) for k in KEY}, "_seq": seq})
    last = keyed.group_by(list(KEY), use_threads=False).aggregate([("_seq", "max")])
    if last.num_rows == table.num_rows:
        return table
    keep = np.sort(np.asarray(last.column("_seq_max")))
    return table.take(pa.array(keep))


def _sorted(table: pa.Table) -> pa.Table:
    # Sorted by station, factor and time: runs compress well and readers
    # can skip row groups by site.
    return table.sort_by(
        [
            ("site", "ascending"),
            ("factor", "ascending"),
            ("data_time", "ascending"),
            ("mn", "ascending"),
        ]
    )


def write_readings(
    lake_dir: Path | str,
    kind: str,
    rows: pa.Table,
    *,
    mode: Literal["merge", "replace"] = "merge",
    valid_flags: Collection[str] = VALID_FLAGS,
    durable: bool = True,
) -> WriteSummary:
    """Write readings into their date partitions, atomically and idempotently.

    The API of the mover job: take the closed rows from the inbox, call
    this, and delete them from the inbox only after it returns. Repeating a
    call with the same rows (after a crash between the two steps) leaves the
    lake unchanged.

    1. Rows are checked and conformed (:func:`conform_readings`); within
       the batch, the last row of a repeated key wins.
    2. Rows are split by the local date of ``data_time``.
    3. Per partition, under an advisory lock: with ``mode="merge"`` the
       existing file is read and rows with the same ``(mn, factor,
       data_time)`` are replaced by the new ones; with ``mode="replace"``
       the rows given are the whole partition (backfills, the demo).
    4. The partition is written to a hidden file in its directory, flushed
       to disk and renamed over ``part-0.parquet`` (``os.replace``), so a
       reader sees the old file or the new one, never a torn one.

    Parameters
    ----------
    lake_dir
        Root of the lake.
    kind
        ``realtime``, ``minute``, ``hour`` or ``day``.
    rows
        A :class:`pyarrow.Table` with at least ``mn, site, factor,
        data_time`` (aware) and any of the value columns of
        :data:`READINGS_SCHEMA`; ``valid`` is derived from ``flag`` when
        absent. Values in the units of the registry (ambient air: µg/m³,
        CO mg/m³).
    mode
        ``"merge"`` (default) or ``"replace"``.
    valid_flags
        Flags whose values are valid (default: ``N``).
    durable
        ``fsync`` each file and its directory before returning (the mover
        needs this: it deletes inbox rows next). ``False`` for bulk loads
        that can be redone.

    Returns
    -------
    WriteSummary

    Raises
    ------
    InvalidReadings, UnknownKind

    Examples
    --------
    >>> import tempfile
    >>> rows = pa.table({"mn": ["M1"], "site": ["S1"], "factor": ["a34004"],
    ...     "data_time": pa.array([dt.datetime(2026, 3, 1, 8, tzinfo=LOCAL_TZ)],
    ...                           pa.timestamp("us", "Asia/Shanghai")),
    ...     "avg": [35.0], "flag": ["N"]})
    >>> lake = tempfile.mkdtemp()
    >>> write_readings(lake, "hour", rows).partitions
    (datetime.date(2026, 3, 1),)
    >>> write_readings(lake, "hour", rows).replaced
    1
    """
    _check_kind(kind)
    if mode not in ("merge", "replace"):
        raise ValueError(f"mode must be 'merge' or 'replace', not {mode!r}")
    table = _keep_last(conform_readings(rows, valid_flags=valid_flags))
    if table.num_rows == 0:
        return WriteSummary((), 0, 0, ())
    days = local_days(table.column("data_time"))
    order = np.argsort(days, kind="stable")
    table = table.take(pa.array(order))
    days = days[order]
    starts = np.flatnonzero(np.concatenate([[True], days[1:] != days[:-1]]))
    ends = np.concatenate([starts[1:], [len(days)]])
    written: list[dt.date] = []
    files: list[Path] = []
    replaced = 0
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[lo]))
        part = table.slice(lo, hi - lo)
        directory = partition_dir(lake_dir, kind, day)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / PART
        with _locked(directory):
            if mode == "merge" and path.exists():
                existing = _read_part(path)
                merged = _keep_last(pa.concat_tables([existing, part]))
                replaced += existing.num_rows + part.num_rows - merged.num_rows
                part = merged
            _write_atomically(_sorted(part), path, durable=durable)
        written.append(day)
        files.append(path)
    return WriteSummary(tuple(written), table.num_rows, replaced, tuple(files))


def _read_part(path: Path) -> pa.Table:
    """A partition file conformed to the current schema (older files may
    lack columns added since)."""
    table = pq.read_table(path)
    if table.schema.equals(READINGS_SCHEMA):
        return table
    return conform_readings(table)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Advisory lock of one partition: two movers never interleave a
    read-merge-write of the same file. (On object storage, run one mover.)"""
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(table: pa.Table, path: Path, *, durable: bool = True) -> None:
    # The temporary name starts with "." and does not end in ".parquet":
    # globs of readers (DuckDB, Spark's hidden-file rule) never pick it up.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable once the directory entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_readings(
    con: BaseBackend,
    lake_dir: Path | str,
    kind: str,
    start: dt.date,
    end: dt.date,
    *,
    extra: Sequence[tuple[dt.date, dt.date]] = (),
) -> ir.Table:
    """The readings of local dates ``start`` … ``end`` as an Ibis table.

    Only the partition files of those dates are read (the partition
    pruning is done here, by listing directories, so it works the same on
    every engine). ``extra`` adds further date ranges to the same table
    (e.g. the same period of the previous year).

    Returns
    -------
    ibis.expr.types.Table
        Columns of :data:`READINGS_SCHEMA`; empty when no partition exists.
    """
    import ibis

    files: list[Path] = []
    for lo, hi in [(start, end), *extra]:
        files.extend(readings_files(lake_dir, kind, lo, hi))
    files = sorted(set(files))
    if not files:
        return ibis.memtable(READINGS_SCHEMA.empty_table())
    table = con.read_parquet([str(f) for f in files])
    return table.select(*READINGS_SCHEMA.names)


def stations_path(lake_dir: Path | str) -> Path:
    return Path(lake_dir) / "meta" / "stations.parquet"


def write_stations(lake_dir: Path | str, stations: pa.Table) -> Path:
    """Write ``meta/stations.parquet`` (whole file, atomically).

    Raises
    ------
    InvalidReadings
        If ``site`` is missing, null or repeated, a ``kind`` is unknown or a
        ``district``/``city`` is not a 12-digit division code.
    """
    if "site" not in stations.column_names:
        raise InvalidReadings("站点表缺少 site 列")
    unknown = sorted(set(stations.column_names) - set(STATIONS_SCHEMA.names))
    if unknown:
        raise InvalidReadings(f"站点表有未知的列：{', '.join(unknown)}")
    n = stations.num_rows
    arrays = []
    for field in STATIONS_SCHEMA:
        if field.name in stations.column_names:
            arrays.append(stations.column(field.name).cast(field.type))
        else:
            arrays.append(pa.nulls(n, field.type))
    table = pa.Table.from_arrays(arrays, schema=STATIONS_SCHEMA)
    sites = table.column("site")
    if sites.null_count or pc.count_distinct(sites).as_py() != n:
        raise InvalidReadings("站点表的 site 列不能为空或重复")
    kinds = set(pc.unique(table.column("kind")).to_pylist()) - {None}
    if kinds - set(STATION_KINDS):
        raise InvalidReadings(f"站点类型必须是 {', '.join(STATION_KINDS)} 之一：{sorted(kinds)}")
    for name in ("district", "city"):
        codes = table.column(name).drop_null()
        if len(codes) and not pc.all(pc.match_substring_regex(codes, r"^\d{12}$")).as_py():
            raise InvalidReadings(f"站点表 {name} 列必须是 12 位区划代码")
    path = stations_path(lake_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(table.sort_by("site"), path)
    return path


def read_stations(lake_dir: Path | str) -> pa.Table:
    """``meta/stations.parquet`` as a small Arrow table.

    Raises
    ------
    MissingStations
        When the lake has no stations table.
    """
    path = stations_path(lake_dir)
    if not path.is_file():
        raise MissingStations(f"湖中没有站点表：{path}")
    return pq.read_table(path)
