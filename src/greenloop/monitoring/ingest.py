"""The ingestion store: one group commit writes a batch from the gateway.

:func:`store_batch` is the only writer of the inbox, the reject log and the
devices' last-seen times. It runs in a worker thread of the gateway and
writes everything of one batch in ONE transaction; the gateway sends the
9014 answers of the batch only after it has returned, then moves the live
pages' latest values forward with :func:`update_latest_values`
(ARCHITECTURE.md, "Monitoring data path": inbox, answer, latest values).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import orjson
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce, Greatest

from greenloop.hj212 import Version
from greenloop.monitoring import ingest_postgres
from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    InboxPacket,
    LatestValue,
    RejectCount,
    RejectedPacket,
    protocol_version_of,
)
from greenloop.monitoring.records import Batch, BatchResult, Reading, Rejection, Sighting

RAW_SAMPLE_LIMIT: Final = 512
"""Bytes of a refused packet kept in the reject log."""

_Key = tuple[int, str, datetime | None, int]


def store_batch(batch: Batch) -> BatchResult:
    """Write one batch in one transaction.

    1. Insert the readings into the inbox with ON CONFLICT DO NOTHING:
       a re-send (the same device, CN, DataTime and PNO) is dropped, also
       one racing in from another gateway process. On SQLite the readings
       already stored or repeated in the batch are looked up first, so the
       result can name the fresh ones; on PostgreSQL the insert reports
       the id range of the rows it added (:mod:`.ingest_postgres`).
    2. Quarantine newcomers, update the last-seen times of sightings,
       count rejections.

    Raises whatever the database raises; nothing of the batch is then
    stored and none of its packets may be acknowledged.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            inserted, ids = _copy_inbox(batch.readings)
            result = BatchResult(
                inserted=inserted, duplicates=len(batch.readings) - inserted, inbox_ids=ids
            )
        else:
            fresh, duplicates = _fresh_readings(batch.readings)
            _insert_inbox(fresh)
            result = BatchResult(inserted=len(fresh), duplicates=duplicates, fresh=tuple(fresh))
        _quarantine(batch)
        _touch_devices(batch.sightings, batch.readings)
        _log_rejections(batch.rejections)
    return result


def update_latest_values(result: BatchResult) -> int:
    """Move the latest values and the devices' last-seen and last-data
    times forward with the readings a commit stored, never back.

    Runs after the batch is committed and answered, in its own transaction:
    these are derived data, and a crash between the two only leaves them
    one batch behind until the next packets.
    """
    with transaction.atomic():
        if result.inbox_ids is not None:
            return ingest_postgres.derive(result.inbox_ids)
        _touch_times(result.fresh)
        return _update_latest(result.fresh)


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
    ("values", "jsonb"),
    ("factor_times", "jsonb"),
    ("data_time", "timestamptz"),
    ("received_at", "timestamptz"),
)


def _insert_rows(
    table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[object, ...]], tail: str
) -> None:
    """SQLite: insert ``rows`` (JSON columns as JSON text) followed by
    ``tail``, in multi-row ``VALUES`` of as few statements as its 999
    parameters allow."""
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c, _ in columns)
    head = f"INSERT INTO {q(table)} ({names})"
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
    return orjson.dumps(value).decode()


def _inbox_rows(readings: list[Reading]) -> list[tuple[object, ...]]:
    when = _datetime_adapter()
    dumps = orjson.dumps
    return [
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
            dumps(r.cp).decode(),
            dumps(r.pollutants).decode(),
        )
        for r in readings
    ]


def _insert_inbox(readings: list[Reading]) -> None:
    """SQLite: INSERT … ON CONFLICT DO NOTHING of the fresh readings; a
    re-send racing in from another gateway process is dropped by the
    monitoring_inbox_once constraint."""
    if readings:
        _insert_rows(
            InboxPacket._meta.db_table,
            _INBOX_COLUMNS,
            _inbox_rows(readings),
            "ON CONFLICT DO NOTHING",
        )


def _copy_inbox(readings: list[Reading]) -> tuple[int, tuple[int, int] | None]:
    """PostgreSQL: ``COPY`` and insert, re-sends dropped by the constraint."""
    if not readings:
        return 0, None
    return ingest_postgres.insert_inbox(_INBOX_COLUMNS, _inbox_rows(readings))


def _update_latest(readings: Sequence[Reading]) -> int:
    """SQLite: fold the readings into one row per (device, CN), then upsert.

    Per factor the newest reading of the commits wins (ties to the later
    packet); the row is then merged into the stored one factor by factor,
    a factor replaced only by one at least as new (the rule is in the
    statement, so a late packet cannot move values back even with several
    gateway processes writing). ``ingest_postgres.derive`` does the same
    on PostgreSQL.
    """
    folded: dict[tuple[int, str], tuple[Reading, datetime, dict[str, Any], dict[str, float]]] = {}
    for reading in readings:
        at = reading.data_time or reading.received_at
        key = (reading.device_id, reading.cn)
        held = folded.get(key)
        if held is None:
            held = folded[key] = (reading, at, {}, {})
        elif held[1] <= at:
            held = folded[key] = (reading, at, held[2], held[3])
        values, times = held[2], held[3]
        stamp = at.timestamp()
        for code, fields in reading.pollutants.items():
            code = code[:16]
            if times.get(code, stamp) <= stamp:
                values[code] = fields
                times[code] = stamp
    if not folded:
        return 0
    when = _datetime_adapter()
    rows: list[tuple[object, ...]] = [
        (
            reading.device_id,
            reading.site_id,
            reading.cn,
            _json(values),
            _json(times),
            when(reading.data_time),
            when(reading.received_at),
        )
        for reading, _, values, times in folded.values()
    ]
    q = connection.ops.quote_name
    table = q(LatestValue._meta.db_table)

    values, times = q("values"), q("factor_times")
    keys = (
        f"(SELECT key AS k FROM json_each({table}.{times}) "  # noqa: S608
        f"UNION SELECT key FROM json_each(excluded.{times})) u"
    )

    def item(row: str, column: str) -> str:
        return f"(SELECT value FROM json_each({row}.{column}) WHERE key = u.k)"  # noqa: S608

    # Factor by factor: replaced only by one at least as new. Identifiers
    # only; the values are parameters.
    take_new = (
        f"{item('excluded', times)} IS NOT NULL AND ({item(table, times)} IS NULL "
        f"OR {item('excluded', times)} >= {item(table, times)})"
    )
    newer = "COALESCE(excluded.{d}, excluded.{r}) >= COALESCE({t}.{d}, {t}.{r})".format(
        d=q("data_time"), r=q("received_at"), t=table
    )
    tail = (
        f"ON CONFLICT ({q('device_id')}, {q('cn')}) DO UPDATE SET "  # noqa: S608
        f"{q('site_id')} = excluded.{q('site_id')}, "
        f"{values} = (SELECT json_group_object(u.k, json(CASE WHEN {take_new} "
        f"THEN {item('excluded', values)} ELSE {item(table, values)} END)) FROM {keys}), "
        f"{times} = (SELECT json_group_object(u.k, CASE WHEN {take_new} "
        f"THEN {item('excluded', times)} ELSE {item(table, times)} END) FROM {keys}), "
        f"{q('data_time')} = CASE WHEN {newer} THEN excluded.{q('data_time')} "
        f"ELSE {table}.{q('data_time')} END, "
        f"{q('received_at')} = CASE WHEN {newer} THEN excluded.{q('received_at')} "
        f"ELSE {table}.{q('received_at')} END"
    )
    _insert_rows(LatestValue._meta.db_table, _LATEST_COLUMNS, rows, tail)
    return len(rows)


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


def _move_forward(fields: tuple[str, ...], times: dict[int, datetime]) -> None:
    """Set ``fields`` of each device to its time, never back, in one UPDATE
    per distinct second (times are kept to the second)."""
    by_second: dict[datetime, list[int]] = {}
    for device, at in times.items():
        by_second.setdefault(at.replace(microsecond=0), []).append(device)
    for at, devices in by_second.items():
        when = Value(at, output_field=DateTimeField())
        Device.objects.filter(pk__in=devices).update(
            **{f: Greatest(Coalesce(f, when), when) for f in fields}
        )


def _newest(pairs: Iterable[tuple[int, datetime]]) -> dict[int, datetime]:
    newest: dict[int, datetime] = {}
    for device, at in pairs:
        if device not in newest or newest[device] < at:
            newest[device] = at
    return newest


def _touch_devices(sightings: list[Sighting], readings: list[Reading]) -> None:
    """Last-seen times of sightings, and the peer address where a
    connection reports it (its first packet of a device). The readings'
    own times move with the latest values (:func:`update_latest_values`)."""
    _move_forward(("last_seen_at",), _newest((s.device_id, s.seen_at) for s in sightings))
    peers: dict[int, tuple[datetime, str]] = {}
    for device, at, peer in [
        *((s.device_id, s.seen_at, s.peer) for s in sightings),
        *((r.device_id, r.received_at, r.peer) for r in readings),
    ]:
        if peer and (device not in peers or peers[device][0] <= at):
            peers[device] = (at, peer)
    if peers:
        # One statement for the many first packets of a gateway's start.
        Device.objects.bulk_update(
            [Device(pk=device, last_peer=peer[:64]) for device, (_, peer) in peers.items()],
            ["last_peer"],
            batch_size=500,
        )


def _touch_times(readings: Sequence[Reading]) -> None:
    """Last-seen and last-data times of the stored readings, never back."""
    _move_forward(
        ("last_seen_at", "last_data_at"), _newest((r.device_id, r.received_at) for r in readings)
    )


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
