"""The ingestion store: one group commit writes a batch from the gateway.

:func:`store_batch` is the only writer of the inbox, the reject log and the
devices' last-seen times. It runs in a worker thread of the gateway and
writes everything of one batch in ONE transaction; the gateway sends the
9014 answers of the batch only after it has returned, then moves the live
pages' latest values forward with :func:`update_latest_values`
(ARCHITECTURE.md, "Monitoring data path": inbox, answer, latest values).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from django.db import connection, transaction
from django.db.models import F

from greenloop.hj212 import Version
from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    InboxPacket,
    LatestValue,
    RejectCount,
    RejectedPacket,
    protocol_version_of,
)
from greenloop.monitoring.records import Batch, BatchResult, Reading, Rejection

VALUE_FIELDS: Final = ("Rtd", "Avg", "ZsRtd", "ZsAvg", "Data", "DayData", "RS", "RT", "Cou", "Info")
"""Which field of a factor is its value on live pages, first present wins
(HJ 212-2017 Table 4: real-time value, period average, noise data, facility
running state and time, cumulative amount, device information)."""

RAW_SAMPLE_LIMIT: Final = 512
"""Bytes of a refused packet kept in the reject log."""

_Key = tuple[int, str, datetime | None, int]


def store_batch(batch: Batch) -> BatchResult:
    """Write one batch in one transaction.

    1. Drop readings already stored (a re-send) or repeated in the batch.
    2. Insert the rest into the inbox with ON CONFLICT DO NOTHING, so a
       re-send racing in from another gateway process is ignored too.
    3. Quarantine newcomers, update last-seen times, count rejections.

    Raises whatever the database raises; nothing of the batch is then
    stored and none of its packets may be acknowledged.
    """
    with transaction.atomic():
        fresh, duplicates = _fresh_readings(batch.readings)
        _insert_inbox(fresh)
        _quarantine(batch)
        _touch_devices(batch)
        _log_rejections(batch.rejections)
    return BatchResult(inserted=len(fresh), duplicates=duplicates, fresh=tuple(fresh))


def update_latest_values(readings: Sequence[Reading]) -> int:
    """Move the latest values forward with newly stored readings, never back.

    Runs after the batch is committed and answered, in its own transaction:
    latest values are derived data, and a crash between the two only
    leaves them one batch behind until the next packets.
    """
    with transaction.atomic():
        return _update_latest(readings)


def _key(reading: Reading) -> _Key:
    return (reading.device_id, reading.cn, reading.data_time, reading.pno)


def _fresh_readings(readings: list[Reading]) -> tuple[list[Reading], int]:
    """Readings not yet in the inbox, each once; and how many were not."""
    unique: dict[_Key, Reading] = {}
    undated: list[Reading] = []
    for reading in readings:
        if reading.data_time is None:
            undated.append(reading)
        else:
            unique.setdefault(_key(reading), reading)
    stored: set[_Key] = set()
    if unique:
        # One indexed query (monitoring_inbox_once) per batch; the superset
        # it returns is narrowed in Python.
        rows = InboxPacket.objects.filter(
            device_id__in={k[0] for k in unique}, data_time__in={k[2] for k in unique}
        ).values_list("device_id", "cn", "data_time", "pno")
        stored = {tuple(row) for row in rows} & unique.keys()  # type: ignore[misc]
    fresh = [r for k, r in unique.items() if k not in stored] + undated
    return fresh, len(readings) - len(fresh)


# The two hot statements are written in SQL, many rows per statement:
# building thousands of model instances and compiling them costs more time
# than the database takes to store them, and one statement per row costs a
# round trip per row on PostgreSQL. The SQL is the same on SQLite
# (3.24+) and PostgreSQL; values go through the backend's own adapters, as
# the ORM would send them.

# (column, PostgreSQL type of its array in the unnest form)
_INBOX_COLUMNS: Final = (
    ("device_id", "bigint"),
    ("mn", "text"),
    ("cn", "text"),
    ("data_time", "timestamptz"),
    ("pno", "integer"),
    ("pnum", "integer"),
    ("qn", "text"),
    ("st", "text"),
    ("flag", "integer"),
    ("rf", "integer"),
    ("received_at", "timestamptz"),
    ("raw", "bytea"),
    ("cp", "jsonb"),
    ("pollutants", "jsonb"),
)
_LATEST_COLUMNS: Final = (
    ("device_id", "bigint"),
    ("site_id", "bigint"),
    ("cn", "text"),
    ("factor_code", "text"),
    ("field", "text"),
    ("value", "double precision"),
    ("value_text", "text"),
    ("flag", "text"),
    ("fields", "jsonb"),
    ("data_time", "timestamptz"),
    ("received_at", "timestamptz"),
)


def _insert_rows(
    table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[object, ...]], tail: str
) -> None:
    """Insert ``rows`` (JSON columns as JSON text) followed by ``tail``.

    PostgreSQL: one ``INSERT … SELECT … FROM unnest(array, …)`` with one
    parameter per column, whatever the number of rows. SQLite: multi-row
    ``VALUES`` in as few statements as its 999 parameters allow.
    """
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c, _ in columns)
    head = f"INSERT INTO {q(table)} ({names})"
    if connection.vendor == "postgresql":
        _copy_insert(table, columns, rows, tail)
        return
    with connection.cursor() as cursor:
        limit = connection.features.max_query_params or 999
        per_statement = max(1, min(1000, limit // len(columns)))
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"{head} VALUES {', '.join([row_sql] * len(chunk))} {tail}",
                [value for row in chunk for value in row],
            )


def _copy_insert(
    table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[object, ...]], tail: str
) -> None:
    """PostgreSQL: ``COPY`` the rows into a temporary table, then one
    ``INSERT … SELECT … {tail}`` from it.

    COPY (psycopg 3 ``cursor.copy``, rows formatted in C) costs a fraction
    of binding the rows as query parameters; the ``ON CONFLICT`` clauses
    still apply, in the same transaction. The temporary table is the
    connection's own and is emptied at every commit.
    """
    import psycopg  # the PostgreSQL backend's driver

    q = connection.ops.quote_name
    staging = q(f"staging_{table}")
    names = ", ".join(q(c) for c, _ in columns)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"({', '.join(f'{q(c)} {kind}' for c, kind in columns)}) ON COMMIT DELETE ROWS"
        )
        with raw.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)
        # Identifiers are this module's constants; the values came by COPY.
        raw.execute(f"INSERT INTO {q(table)} ({names}) SELECT {names} FROM {staging} {tail}")  # noqa: S608
        raw.execute(f"TRUNCATE {staging}")


def _datetime_adapter() -> Callable[[datetime | None], object]:
    """The backend's datetime adaptation, once per distinct value: a batch
    shares a few received-at seconds and data times among many rows."""
    adapt = connection.ops.adapt_datetimefield_value
    memo: dict[datetime, object] = {}

    def when(value: datetime | None) -> object:
        if value is None:
            return None
        adapted = memo.get(value)
        if adapted is None:
            adapted = memo[value] = adapt(value)
        return adapted

    return when


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _insert_inbox(readings: list[Reading]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a re-send racing in from another
    gateway process is dropped by the monitoring_inbox_once constraint."""
    if not readings:
        return
    when = _datetime_adapter()
    rows: list[tuple[object, ...]] = [
        (
            r.device_id,
            r.mn[:64],
            r.cn[:4],
            when(r.data_time),
            r.pno,
            r.pnum,
            r.qn[:20],
            r.st[:2],
            r.flag,
            r.rf,
            when(r.received_at),
            r.raw,
            _json(r.cp),
            _json(r.pollutants),
        )
        for r in readings
    ]
    _insert_rows(InboxPacket._meta.db_table, _INBOX_COLUMNS, rows, "ON CONFLICT DO NOTHING")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _update_latest(readings: Sequence[Reading]) -> int:
    """Upsert the newest value per (device, CN, factor); older never wins.

    The condition is in the statement (``ON CONFLICT … DO UPDATE … WHERE``),
    so a late re-send cannot move a value back even with several gateway
    processes writing.
    """
    # First pick the newest reading per key, then build one row per key:
    # a batch holds many packets of each device, and only the newest of
    # each (device, CN, factor) is written.
    winners: dict[tuple[int, str, str], tuple[datetime, Reading, str]] = {}
    for reading in readings:
        at = reading.data_time or reading.received_at
        device_id, cn = reading.device_id, reading.cn
        for code in reading.pollutants:
            key = (device_id, cn, code[:16])
            held = winners.get(key)
            if held is None or held[0] <= at:
                winners[key] = (at, reading, code)
    when = _datetime_adapter()
    newest: dict[tuple[int, str, str], tuple[object, ...]] = {}
    for key, (_, reading, code) in winners.items():
        fields = reading.pollutants[code]
        field = next((f for f in VALUE_FIELDS if f in fields), "")
        text = fields.get(field, "") if field else ""
        newest[key] = (
            reading.device_id,
            reading.site_id,
            reading.cn,
            key[2],
            field,
            _number(text) if text else None,
            text[:32],
            fields.get("Flag", "")[:4],
            _json(fields),
            when(reading.data_time),
            when(reading.received_at),
        )
    if not newest:
        return 0
    q = connection.ops.quote_name
    table = q(LatestValue._meta.db_table)
    updated = [c for c, _ in _LATEST_COLUMNS if c not in ("device_id", "cn", "factor_code")]
    tail = "ON CONFLICT ({}, {}, {}) DO UPDATE SET {}".format(
        q("device_id"),
        q("cn"),
        q("factor_code"),
        ", ".join(f"{q(c)} = excluded.{q(c)}" for c in updated),
    ) + " WHERE COALESCE(excluded.{d}, excluded.{r}) >= COALESCE({t}.{d}, {t}.{r})".format(
        d=q("data_time"), r=q("received_at"), t=table
    )
    _insert_rows(LatestValue._meta.db_table, _LATEST_COLUMNS, list(newest.values()), tail)
    return len(newest)


def _quarantine(batch: Batch) -> None:
    if not batch.newcomers:
        return
    Device.objects.bulk_create(
        [
            Device(
                mn=n.mn[:64],
                password=n.password[:64],
                st=n.st[:2],
                protocol_version=protocol_version_of(Version(n.version)),
                status=DeviceStatus.QUARANTINED,
                created_at=n.seen_at,
                last_seen_at=n.seen_at,
                last_peer=n.peer[:64],
                hardware={**n.hardware, "reported_at": n.seen_at.isoformat()} if n.hardware else {},
            )
            for n in batch.newcomers
        ],
        ignore_conflicts=True,
    )


def _touch_devices(batch: Batch) -> None:
    """Move last-seen and last-data times forward, in a few UPDATEs.

    Times are kept to the second, so one UPDATE per distinct second covers
    every device of a batch; the peer address is written only when a
    connection reports it (its first packet of a device).
    """
    seen: dict[int, datetime] = {}
    data: dict[int, datetime] = {}
    peers: dict[int, tuple[datetime, str]] = {}
    for device, at, peer in [
        *((s.device_id, s.seen_at, s.peer) for s in batch.sightings),
        *((r.device_id, r.received_at, r.peer) for r in batch.readings),
    ]:
        if device not in seen or seen[device] < at:
            seen[device] = at
        if peer and (device not in peers or peers[device][0] <= at):
            peers[device] = (at, peer)
    for reading in batch.readings:
        if reading.device_id not in data or data[reading.device_id] < reading.received_at:
            data[reading.device_id] = reading.received_at
    for field, times in (("last_seen_at", seen), ("last_data_at", data)):
        by_second: dict[datetime, list[int]] = {}
        for device, at in times.items():
            by_second.setdefault(at.replace(microsecond=0), []).append(device)
        for at, devices in by_second.items():
            Device.objects.filter(pk__in=devices).update(**{field: at})
    for device, (_, peer) in peers.items():
        Device.objects.filter(pk=device).update(last_peer=peer[:64])


def _log_rejections(rejections: list[Rejection]) -> None:
    if not rejections:
        return
    RejectedPacket.objects.bulk_create(
        [
            RejectedPacket(
                kind=r.kind,
                message=r.message[:200],
                mn=r.mn[:64],
                peer=r.peer[:64],
                raw=r.raw[:RAW_SAMPLE_LIMIT],
                received_at=r.received_at,
            )
            for r in rejections
            if r.sample
        ],
        batch_size=500,
    )
    counts = Counter(
        (r.received_at.replace(minute=0, second=0, microsecond=0), r.kind) for r in rejections
    )
    # Insert-or-ignore the counter rows, then add: safe with several
    # gateway processes writing the same hour at once.
    RejectCount.objects.bulk_create(
        [RejectCount(hour=hour, kind=kind, count=0) for hour, kind in counts],
        ignore_conflicts=True,
    )
    for (hour, kind), n in counts.items():
        RejectCount.objects.filter(hour=hour, kind=kind).update(count=F("count") + n)
