"""The lake mover: closed inbox packets to the Parquet lake, then out of the inbox.

A packet is *closed* when it was received more than the retention window
ago (``GREENLOOP_INBOX_RETENTION_HOURS``, default 48: live pages read the
last 24–48 h from the inbox) and, for a data packet, its Beijing day had
ended by then. Closed packets are read in batches of at most
``GREENLOOP_MOVER_BATCH_SIZE``:

1. every packet of a batch, data or not (status, running time,
   parameters…), is written as received to ``raw/date=…/`` (the audit
   copy), except key flows (:data:`NO_RAW_COPY`);
2. data packets (CN 2011 real-time, 2051 minute, 2061 hour, 2031 day) are
   expanded into long rows (one per factor; 2005 codes normalised), held
   until :data:`FLUSH_ROWS` have gathered, then merged into
   ``readings/kind=…/date=…`` with
   :func:`greenloop.analytics.lake.write_readings`, which fsyncs;
3. only then are the packets read so far deleted from the inbox.

A crash between any two steps leaves the packets in the inbox, so the next
run writes them again: the readings merge on their key ``(mn, factor,
data_time)`` and stay unique; the raw area may then hold a packet twice,
under the same ``id`` (readers keep one row per ``id``).

No per-device unit conversion: the registry keeps one unit per factor code,
and values are written as the device sent them.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db.models import Count, Min, Q

from greenloop.hj212 import normalise_code
from greenloop.monitoring.models import Device, DeviceStatus, InboxPacket, Site

if TYPE_CHECKING:
    import pyarrow as pa

#: The data commands that go to the lake, and the kind they go to.
DATA_KINDS: Final = {"2011": "realtime", "2051": "minute", "2061": "hour", "2031": "day"}

#: HJ 212 fields of a factor → lake columns (``docs/lake.md``).
VALUE_COLUMNS: Final = {
    "Rtd": "rtd",
    "Avg": "avg",
    "Min": "min",
    "Max": "max",
    "Cou": "cou",
    "ZsRtd": "zs_rtd",
    "ZsAvg": "zs_avg",
    "ZsMin": "zs_min",
    "ZsMax": "zs_max",
}
FLAG_COLUMNS: Final = {"Flag": "flag", "EFlag": "eflag"}

#: Commands whose packets leave the inbox without a raw copy: HJ 212-2025
#: key flows (1014 with ``NewSK``) carry SM4 key material, which must not
#: spread beyond the registry.
NO_RAW_COPY: Final = frozenset({"1014"})

MOVER_JOB: Final = "monitoring.move_to_lake"

#: Readings held before they are merged into the lake (about 150 bytes each).
FLUSH_ROWS: Final = 500_000

_BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
_DELETE_CHUNK: Final = 500


@dataclass(frozen=True, slots=True)
class LakeStatus:
    """How far the inbox → lake path is behind, for the ingestion-health page."""

    inbox_depth: int
    """Packets in the inbox (waiting to move or within retention)."""
    oldest_unmoved: datetime | None
    """When the oldest packet still in the inbox was received."""
    lake_lag: timedelta | None
    """``now`` minus the end of the newest Beijing day in the lake
    (any kind); ``None`` when the lake is empty, 0 when it reaches ``now``.
    Normally between the retention window and a day more."""
    last_move: datetime | None
    """When the mover job last finished without error."""


@dataclass(frozen=True, slots=True)
class MoveSummary:
    """What one :func:`move_closed_packets` did."""

    packets: int
    """Packets removed from the inbox (data and other)."""
    data_packets: int
    readings: int
    """Long rows written to ``readings/``."""
    batches: int
    more: bool
    """Closed packets were left for the next run (``max_batches`` reached)."""


def lake_dir_setting() -> Path:
    return Path(getattr(settings, "GREENLOOP_LAKE_DIR", Path(settings.DATA_DIR) / "lake"))


def retention_setting() -> timedelta:
    return timedelta(hours=int(getattr(settings, "GREENLOOP_INBOX_RETENTION_HOURS", 48)))


def batch_size_setting() -> int:
    return int(getattr(settings, "GREENLOOP_MOVER_BATCH_SIZE", 5000))


def lake_status(now: datetime) -> LakeStatus:
    """The inbox depth, its oldest packet, the lake's lag and the last move."""
    from greenloop.jobs.models import JobRun, RunStatus

    inbox = InboxPacket.objects.aggregate(depth=Count("pk"), oldest=Min("received_at"))
    newest_day = _newest_lake_day(lake_dir_setting())
    lag = None
    if newest_day is not None:
        end = datetime.combine(newest_day + timedelta(days=1), time(0), _BEIJING)
        lag = max(now - end, timedelta(0))
    last = (
        JobRun.objects.filter(job=MOVER_JOB, status=RunStatus.OK, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return LakeStatus(
        inbox_depth=inbox["depth"],
        oldest_unmoved=inbox["oldest"],
        lake_lag=lag,
        last_move=last,
    )


def _newest_lake_day(lake_dir: Path) -> date | None:
    """The newest ``date=`` partition holding a file, over all kinds
    (a directory listing; no Parquet is read)."""
    newest: date | None = None
    root = lake_dir / "readings"
    if not root.is_dir():
        return None
    for kind_dir in root.glob("kind=*"):
        for part in kind_dir.glob("date=*/part-*.parquet"):
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(part.parent.name[5:])
                newest = day if newest is None or day > newest else newest
    return newest


def closed_filter(now: datetime, retention: timedelta) -> Q:
    """Inbox rows that may leave at ``now``.

    Received before ``now - retention``; a data packet also needs its
    Beijing day to have ended by then (``data_time`` before the local
    midnight that starts the day of ``now - retention``).
    """
    cutoff = now - retention
    boundary = datetime.combine(cutoff.astimezone(_BEIJING).date(), time(0), _BEIJING)
    data = Q(cn__in=list(DATA_KINDS), data_time__isnull=False)
    return Q(received_at__lte=cutoff) & (~data | Q(data_time__lt=boundary))


_FIELDS: Final = (
    "pk",
    "device_id",
    "mn",
    "cn",
    "data_time",
    "pno",
    "pnum",
    "qn",
    "st",
    "flag",
    "rf",
    "received_at",
    "raw",
    "pollutants",
)


def move_closed_packets(
    *,
    now: datetime,
    lake_dir: Path | str | None = None,
    retention: timedelta | None = None,
    batch_size: int | None = None,
    max_batches: int | None = 50,
    flush_rows: int = FLUSH_ROWS,
) -> MoveSummary:
    """Move the closed inbox packets to the lake (see the module docstring).

    1. Read closed packets in id order, ``batch_size`` at a time.
    2. Write each batch's packets to the raw area at once, and keep its
       readings as compact Arrow tables, per kind.
    3. When ``flush_rows`` readings are held (or at the end), merge them into
       the lake, then delete every packet read so far from the inbox.

    Holding readings across batches makes a day's partition be rewritten
    once per ``flush_rows`` rather than once per batch; memory stays bounded
    by one batch of packets plus ``flush_rows`` readings. ``max_batches``
    bounds one run; what is left goes with the next run. Raises what the
    lake or the database raises; packets not yet flushed stay in the inbox.
    """
    lake_dir = Path(lake_dir) if lake_dir is not None else lake_dir_setting()
    retention = retention_setting() if retention is None else retention
    size = batch_size or batch_size_setting()
    closed = InboxPacket.objects.filter(closed_filter(now, retention))
    pending = _Pending(lake_dir)
    packets = data_packets = readings = batches = 0
    after = 0
    more = False
    while True:
        if max_batches is not None and batches >= max_batches:
            more = closed.filter(pk__gt=after).exists()
            break
        batch = list(closed.filter(pk__gt=after).order_by("pk").values(*_FIELDS)[:size])
        if not batch:
            break
        after = batch[-1]["pk"]
        write_raw_packets(lake_dir, batch)
        data_packets += pending.add(batch)
        batches += 1
        if pending.rows >= flush_rows:
            moved, written = pending.flush()
            packets, readings = packets + moved, readings + written
    moved, written = pending.flush()
    return MoveSummary(packets + moved, data_packets, readings + written, batches, more=more)


class _Pending:
    """Readings read from the inbox and not yet in the lake, with the ids of
    the packets that may leave the inbox once they are."""

    def __init__(self, lake_dir: Path) -> None:
        self.lake_dir = lake_dir
        self.tables: dict[str, list[pa.Table]] = defaultdict(list)
        self.ids: list[int] = []
        self.rows = 0

    def add(self, batch: list[dict[str, Any]]) -> int:
        """Take a batch's readings; returns how many of its packets are data."""
        sites = _site_codes({row["device_id"] for row in batch})
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in batch:
            kind = DATA_KINDS.get(row["cn"])
            if kind is not None and row["data_time"] is not None:
                by_kind[kind].append(row)
        for kind, rows in by_kind.items():
            table = readings_table(rows, sites)
            if table.num_rows:
                self.tables[kind].append(table)
                self.rows += table.num_rows
        self.ids.extend(row["pk"] for row in batch)
        return sum(len(rows) for rows in by_kind.values())

    def flush(self) -> tuple[int, int]:
        """Merge the readings into the lake (fsynced), then delete the
        packets; returns (packets deleted, readings written)."""
        import pyarrow as pa

        from greenloop.analytics import lake

        written = 0
        for kind, tables in sorted(self.tables.items()):
            table = pa.concat_tables(tables)
            written += lake.write_readings(self.lake_dir, kind, table, mode="merge").rows
        _delete(self.ids)
        deleted = len(self.ids)
        self.tables.clear()
        self.ids = []
        self.rows = 0
        return deleted, written


def _site_codes(device_ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: code or ""
        for pk, code in Device.objects.filter(pk__in=list(device_ids)).values_list(
            "pk", "site__code"
        )
    }


def _number(text: object) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(str(text))
    except ValueError:
        return None


def readings_table(rows: Iterable[dict[str, Any]], sites: dict[int, str]) -> pa.Table:
    """Long rows (``docs/lake.md``) of inbox data packets: one per factor
    that carries at least one value field; 2005 codes normalised."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {
        name: []
        for name in ("mn", "site", "factor", "data_time", *VALUE_COLUMNS.values(), "flag", "eflag")
    }
    for row in rows:
        site = sites.get(row["device_id"], "")
        for code, fields in (row["pollutants"] or {}).items():
            if not any(field in fields for field in VALUE_COLUMNS):
                continue  # e.g. only Info or SampleTime: not a reading
            columns["mn"].append(row["mn"])
            columns["site"].append(site)
            columns["factor"].append(normalise_code(code))
            columns["data_time"].append(row["data_time"])
            for field, name in VALUE_COLUMNS.items():
                columns[name].append(_number(fields.get(field)))
            for field, name in FLAG_COLUMNS.items():
                flag = fields.get(field)
                columns[name].append(str(flag) if flag not in (None, "") else None)
    types = {name: pa.float64() for name in VALUE_COLUMNS.values()}
    types |= {"mn": pa.string(), "site": pa.string(), "factor": pa.string()}
    types |= {"flag": pa.string(), "eflag": pa.string()}
    types["data_time"] = pa.timestamp("us", tz="UTC")
    return pa.table({name: pa.array(values, types[name]) for name, values in columns.items()})


#: Columns of the raw area: every inbox packet as received.
def raw_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("mn", pa.string(), nullable=False),
            pa.field("cn", pa.string(), nullable=False),
            pa.field("data_time", pa.timestamp("us", tz="UTC")),
            pa.field("pno", pa.int32()),
            pa.field("pnum", pa.int32()),
            pa.field("qn", pa.string()),
            pa.field("st", pa.string()),
            pa.field("flag", pa.int32()),
            pa.field("rf", pa.int32()),
            pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("raw", pa.binary(), nullable=False),
        ]
    )


def raw_dir(lake_dir: Path | str, day: date) -> Path:
    return Path(lake_dir) / "raw" / f"date={day.isoformat()}"


def write_raw_packets(lake_dir: Path | str, batch: list[dict[str, Any]]) -> list[Path]:
    """Write the packets of a batch as received to ``raw/date=<Beijing date
    of reception>/part-<first id>-<last id>.parquet``, atomically and fsynced
    (except key flows, :data:`NO_RAW_COPY`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = raw_schema()
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in batch:
        if row["cn"] not in NO_RAW_COPY:
            by_day[row["received_at"].astimezone(_BEIJING).date()].append(row)
    paths = []
    for day, rows in sorted(by_day.items()):
        ids = [row["pk"] for row in rows]
        table = pa.table(
            {
                "id": ids,
                **{
                    name: [row[name] for row in rows]
                    for name in ("mn", "cn", "data_time", "pno", "pnum", "qn", "st", "flag", "rf")
                },
                "received_at": [row["received_at"] for row in rows],
                "raw": [bytes(row["raw"]) for row in rows],
            },
            schema=schema,
        )
        directory = raw_dir(lake_dir, day)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"part-{min(ids)}-{max(ids)}.parquet"
        tmp = directory / f".{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            with open(tmp, "wb") as handle:
                pq.write_table(table, handle, compression="zstd")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        _fsync_dir(directory)
        paths.append(path)
    return paths


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _delete(ids: list[int]) -> None:
    """Step 3: the batch leaves the inbox (its rows are in the lake)."""
    for start in range(0, len(ids), _DELETE_CHUNK):
        InboxPacket.objects.filter(pk__in=ids[start : start + _DELETE_CHUNK]).delete()


# --- the stations snapshot: meta/stations.parquet ---------------------------

#: Air site kinds of the registry → ``kind`` of the stations table.
STATION_KINDS: Final = {
    "NATIONAL_AIR": "national",
    "PROVINCIAL_AIR": "provincial",
    "MICRO_AIR": "micro",
}


def stations_rows() -> list[dict[str, Any]]:
    """One row per air site of the registry (``docs/lake.md``, Stations).

    ``district`` is the site region's county-level ancestor (itself when the
    site is placed on a county), ``city`` its city-level ancestor; ``mn`` is
    the site's active device (the lowest id if several), else any device.
    Three queries, whatever the number of sites.
    """
    from greenloop.org.models import Region, RegionLevel

    sites = list(
        Site.objects.filter(kind__in=list(STATION_KINDS))
        .select_related("region", "grid")
        .order_by("code")
    )
    codes = {c for site in sites for c in site.region.path.split("/") if c}
    regions = {
        r.code: r for r in Region.objects.filter(code__in=codes).only("code", "name", "level")
    }
    devices: dict[int, tuple[bool, str]] = {}
    for site_id, mn, status in (
        Device.objects.filter(site__in=sites).order_by("pk").values_list("site_id", "mn", "status")
    ):
        active = status == DeviceStatus.ACTIVE
        if site_id not in devices or (active and not devices[site_id][0]):
            devices[site_id] = (active, mn)
    rows = []
    for site in sites:
        ancestors = [regions[c] for c in site.region.path.split("/") if c in regions]
        district = next((r for r in ancestors if r.level == RegionLevel.COUNTY), None)
        city = next((r for r in ancestors if r.level == RegionLevel.CITY), None)
        rows.append(
            {
                "site": site.code,
                "mn": devices[site.pk][1] if site.pk in devices else None,
                "name": site.name,
                "kind": STATION_KINDS[site.kind],
                "district": district.code if district else None,
                "district_name": district.name if district else None,
                "city": city.code if city else None,
                "city_name": city.name if city else None,
                "grid": site.grid.code if site.grid else None,
                "lon": site.lon,
                "lat": site.lat,
            }
        )
    return rows


def refresh_stations(lake_dir: Path | str | None = None) -> int:
    """Rewrite ``meta/stations.parquet`` from the registry; the number of
    stations. A registry without air sites leaves an existing file alone
    (the demo's history brings its own)."""
    import pyarrow as pa

    from greenloop.analytics import lake

    rows = stations_rows()
    if not rows:
        return 0
    target = Path(lake_dir) if lake_dir is not None else lake_dir_setting()
    lake.write_stations(target, pa.Table.from_pylist(rows, schema=lake.STATIONS_SCHEMA))
    return len(rows)
