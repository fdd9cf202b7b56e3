"""The ingestion store: one group commit writes a batch from the gateway.

:func:`store_batch` is the only writer of the inbox, the reject log and the
devices' last-seen times. It runs in a worker thread of the gateway and
writes everything of one batch in ONE transaction; the gateway sends the
9014 answers of the batch only after it has returned, then moves the live
pages' latest values forward with :func:`update_latest_values`
(ARCHITECTURE.md, "Monitoring data path": inbox, answer, latest values).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

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

    1. Insert the readings into the inbox; a re-send (the same device, CN,
       DataTime and PNO) is dropped, also one racing in from another
       gateway process. On PostgreSQL the batch is first ``COPY``-ed
       straight into the inbox: when the once-only constraint refuses a
       row, that transaction rolls back and the batch goes in with ``ON
       CONFLICT DO NOTHING``, reporting the rows it added
       (:mod:`.ingest_postgres`). On SQLite the readings already stored or
       repeated in the batch are looked up first, so the result can name
       the fresh ones.
    2. Quarantine newcomers, update the last-seen times of sightings,
       count rejections.

    Raises whatever the database raises; nothing of the batch is then
    stored and none of its packets may be acknowledged.
    """
    postgres = connection.vendor == "postgresql"
    if not postgres:
        with transaction.atomic():
            fresh, duplicates = _fresh_readings(batch.readings)
            _insert_inbox(fresh)
            _side_records(batch)
        return BatchResult(inserted=len(fresh), duplicates=duplicates, fresh=tuple(fresh))
    text = _inbox_copy_text(batch.readings)
    if _direct.worth_trying():
        try:
            with transaction.atomic():
                ingest_postgres.copy_into(InboxPacket._meta.db_table, _INBOX_COLUMNS, text)
                _side_records(batch)
        except Exception as error:
            if not ingest_postgres.is_resend(error):
                raise
            _direct.refused()  # nothing of the batch was written; again, with the check
        else:
            readings = tuple(batch.readings)
            return BatchResult(len(readings), 0, fresh=readings, fresh_text=text)
    with transaction.atomic():
        fresh, duplicates = _copy_inbox(batch.readings, text)
        _side_records(batch)
    if duplicates:
        text = _inbox_copy_text(fresh)
    return BatchResult(len(fresh), duplicates, fresh=tuple(fresh), fresh_text=text)


def _side_records(batch: Batch) -> None:
    _quarantine(batch)
    _touch_devices(batch.sightings, batch.readings)
    _log_rejections(batch.rejections)


class _DirectCopy:
    """When to ``COPY`` a batch straight into the inbox (PostgreSQL).

    Straight in is one statement instead of four, but a single re-sent
    packet fails the whole ``COPY`` (and the batch is then written again
    the careful way). Devices re-send in runs (after a lost connection),
    so after a refusal the careful way is used for ``pause`` seconds.
    """

    def __init__(self, pause: float = 10.0) -> None:
        self.pause = pause
        self._until = 0.0

    def worth_trying(self) -> bool:
        return time.monotonic() >= self._until

    def refused(self) -> None:
        self._until = time.monotonic() + self.pause


_direct = _DirectCopy()


def update_latest_values(result: BatchResult) -> int:
    """Move the latest values and the devices' last-seen and last-data
    times forward with the readings commits stored, never back; the number
    of latest rows written.

    Runs after the batches are committed and answered, in its own
    transaction: these are derived data, and a crash between the two only
    leaves them behind until the devices' next packets. The readings are
    folded in Python first (:func:`fold_latest`), so the database writes
    one row per (device, CN) however many packets the commits held.
    """
    rows, seen = fold_latest(result.fresh)
    if not rows:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            ingest_postgres.upsert_latest(_LATEST_COLUMNS, _latest_copy_text(rows), seen)
        else:
            _upsert_latest(_latest_rows(rows))
            _move_forward(("last_seen_at", "last_data_at"), seen)
    return len(rows)


def update_latest_from_texts(texts: Iterable[bytes]) -> int:
    """:func:`update_latest_values` from inbox rows in ``COPY`` text, as the
    latest-values process receives them (:func:`latest_readings_from_text`)."""
    readings = tuple(r for text in texts for r in latest_readings_from_text(text))
    return update_latest_values(BatchResult(len(readings), 0, fresh=readings))


class Folded:
    """The newest values of one (device, CN) among a run of readings."""

    __slots__ = ("reading", "stamp", "values", "times")

    def __init__(
        self,
        reading: Reading,
        stamp: float,
        values: dict[str, dict[str, str]],
        times: dict[str, float],
    ) -> None:
        self.reading = reading
        """The newest reading (by measured time, ties to the later one)."""
        self.stamp = stamp
        self.values = values
        """``code -> fields`` from the newest reading that carried the code."""
        self.times = times
        """``code -> Unix seconds`` of the reading each code came from."""


def fold_latest(
    readings: Iterable[Reading],
) -> tuple[list[Folded], dict[int, datetime]]:
    """Fold readings, in the order they were stored, into one row per
    (device, CN); and each device's newest receipt, to the second.

    Per factor the reading measured last wins (its DataTime, else its
    receipt; ties to the later reading), so the parts of a split packet
    make one set of values and an old hour sent late (补发) adds only the
    factors the row lacks. The usual case, a newer reading with every
    factor the row holds, replaces the row whole without a loop over the
    factors.
    """
    folded: dict[tuple[int, str], Folded] = {}
    seen: dict[int, datetime] = {}
    for reading in readings:
        received = reading.received_at
        device = reading.device_id
        if device not in seen or seen[device] < received:
            seen[device] = received
        at = reading.data_time or received
        stamp = at.timestamp()
        pollutants = reading.pollutants
        key = (device, reading.cn)
        held = folded.get(key)
        if held is None or (stamp >= held.stamp and pollutants.keys() >= held.values.keys()):
            folded[key] = Folded(reading, stamp, dict(pollutants), dict.fromkeys(pollutants, stamp))
            continue
        if stamp >= held.stamp:
            held.reading, held.stamp = reading, stamp
        values, times = held.values, held.times
        for code, fields in pollutants.items():
            if times.get(code, stamp) <= stamp:
                values[code] = fields
                times[code] = stamp
    return list(folded.values()), {device: at.replace(microsecond=0) for device, at in seen.items()}


def _latest_rows(rows: list[Folded]) -> list[tuple[object, ...]]:
    when = _datetime_adapter()
    dumps = orjson.dumps
    return [
        (
            row.reading.device_id,
            row.reading.site_id,
            row.reading.cn,
            dumps(row.values).decode(),
            dumps(row.times).decode(),
            when(row.reading.data_time),
            when(row.reading.received_at),
        )
        for row in rows
    ]


def _copy_text(text: str) -> bytes:
    """A text value for ``COPY … FROM STDIN`` (text format): backslash,
    tab, CR and LF escaped."""
    data = text.encode()
    if b"\\" in data or b"\t" in data or b"\n" in data or b"\r" in data:
        data = (
            data.replace(b"\\", b"\\\\")
            .replace(b"\t", b"\\t")
            .replace(b"\n", b"\\n")
            .replace(b"\r", b"\\r")
        )
    return data


_NULL: Final = b"\\N"


def _int_text(value: int | None) -> bytes:
    return _NULL if value is None else b"%d" % value


def _stamp_text() -> Callable[[datetime | None], bytes]:
    """A timestamp's ``COPY`` text, made once per distinct value (a batch
    shares a few received-at seconds and data times among many rows)."""
    memo: dict[datetime | None, bytes] = {None: _NULL}

    def text(at: datetime | None) -> bytes:
        found = memo.get(at)
        if found is None:
            found = memo[at] = at.isoformat().encode()  # type: ignore[union-attr]
        return found

    return text


def _json_text(value: object) -> bytes:
    """JSON as ``COPY`` text. orjson writes no tab or line break, only
    backslashes (its own escapes), which ``COPY`` would take as escapes of
    its own: they are doubled."""
    return orjson.dumps(value).replace(b"\\", b"\\\\")


def _inbox_copy_text(readings: list[Reading]) -> bytes:
    """The inbox rows of ``readings`` as ``COPY`` text in the order of
    ``_INBOX_COLUMNS``, in one piece (the writer's thread shares the
    interpreter with the event loop: one call instead of one per row and
    column). Texts are cut to their columns' lengths; the packet's bytes go
    as ``bytea`` hex."""
    stamp = _stamp_text()
    return b"".join(
        b"%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\\\\x%s\t%s\t%s\n"
        % (
            r.device_id,
            _copy_text(r.mn[:64]),
            _copy_text(r.cn[:4]),
            stamp(r.data_time),
            r.pno,
            _int_text(r.pnum),
            _copy_text(r.qn[:20]),
            _copy_text(r.st[:2]),
            _int_text(r.flag),
            _int_text(r.rf),
            stamp(r.received_at),
            r.raw.hex().encode(),
            _json_text(r.cp),
            _json_text(r.pollutants),
        )
        for r in readings
    )


_UNESCAPE: Final = {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r"}
_ESCAPE: Final = re.compile(rb"\\(.)", re.DOTALL)


def _from_copy_text(data: bytes) -> bytes:
    """The value of a ``COPY`` text field (the inverse of :func:`_copy_text`)."""
    if b"\\" not in data:
        return data
    return _ESCAPE.sub(lambda m: _UNESCAPE.get(m.group(1), m.group(1)), data)


def latest_readings_from_text(text: bytes) -> list[Reading]:
    """The readings of inbox rows in ``COPY`` text (:func:`_inbox_copy_text`),
    with what the latest values are made of: device, CN, DataTime, receipt
    and values. The site is left to the device's row.

    The gateway sends the latest-values process the text it has just
    stored (``BatchResult.fresh_text``): no second encoding of the readings
    in the gateway's interpreter, whose lock the event loop shares.
    """
    stamps: dict[bytes, datetime | None] = {_NULL: None}

    def stamp(field: bytes) -> datetime | None:
        found = stamps.get(field, stamps)
        if found is stamps:
            found = stamps[field] = datetime.fromisoformat(field.decode())
        return found  # type: ignore[return-value]

    column = {name: n for n, (name, _) in enumerate(_INBOX_COLUMNS)}
    device, cn, data_time = column["device_id"], column["cn"], column["data_time"]
    received_at, pollutants = column["received_at"], column["pollutants"]
    readings = []
    loads = orjson.loads
    for line in text.split(b"\n")[:-1]:
        fields = line.split(b"\t")
        received = stamp(fields[received_at])
        assert received is not None  # the column is NOT NULL
        readings.append(
            Reading(
                device_id=int(fields[device]),
                site_id=None,
                mn="",
                cn=_from_copy_text(fields[cn]).decode(),
                data_time=stamp(fields[data_time]),
                received_at=received,
                raw=b"",
                pollutants=loads(_from_copy_text(fields[pollutants])),
            )
        )
    return readings


def _latest_copy_text(rows: list[Folded]) -> bytes:
    """The folded rows as ``COPY`` text in the order of ``_LATEST_COLUMNS``,
    in one piece, as :func:`_inbox_copy_text`."""
    stamp = _stamp_text()
    return b"".join(
        b"%d\t%s\t%s\t%s\t%s\t%s\t%s\n"
        % (
            row.reading.device_id,
            _int_text(row.reading.site_id),
            _copy_text(row.reading.cn),
            _json_text(row.values),
            _json_text(row.times),
            stamp(row.reading.data_time),
            stamp(row.reading.received_at),
        )
        for row in rows
    )


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


def _copy_inbox(readings: list[Reading], text: bytes) -> tuple[list[Reading], int]:
    """PostgreSQL: ``COPY`` and insert (``text``: the rows of ``readings``
    as ``COPY`` text), re-sends dropped by the constraint; the readings
    that went in, and how many did not.

    The insert reports only how many rows went in and their ids: when that
    is all of them (the usual case) nothing is looked up. Otherwise the
    keys of the rows it added say which readings they were, the first of
    each key (a re-send in the same batch is dropped like any other).
    """
    if not readings:
        return [], 0
    count, ids = ingest_postgres.insert_inbox(_INBOX_COLUMNS, text)
    if count == len(readings):
        return readings, 0
    added = ingest_postgres.inbox_keys(ids) if ids is not None else set()
    fresh = []
    for reading in readings:
        key = _key(reading)
        if key in added:
            added.discard(key)
            fresh.append(reading)
    return fresh, len(readings) - len(fresh)


def _upsert_latest(rows: list[tuple[object, ...]]) -> None:
    """SQLite: merge the folded rows into the stored ones factor by factor,
    a factor replaced only by one at least as new (the rule is in the
    statement, so a late packet cannot move values back even with several
    gateway processes writing). ``ingest_postgres.upsert_latest`` does the
    same on PostgreSQL.
    """
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
