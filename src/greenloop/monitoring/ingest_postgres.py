"""The group commit on PostgreSQL: rows in by ``COPY``, the rest in SQL.

At thousands of packets a second the gateway's Python is the bottleneck,
not the database, so on PostgreSQL the per-packet work moves into the
server (docs/gateway.md, "Throughput"):

* :func:`insert_inbox` ``COPY``-s the batch into a temporary table and
  inserts it with ``ON CONFLICT DO NOTHING`` (a re-send is dropped by the
  ``monitoring_inbox_once`` constraint: no look-up before the insert),
  returning only how many rows went in and their id range.
* :func:`upsert_latest` merges the latest values, folded in Python to one
  row per (device, CN) (``ingest.fold_latest``), into the stored rows, and
  moves the devices' last-seen and last-data times forward, in two
  statements.

The definitions are those of :mod:`greenloop.monitoring.ingest`, which runs
the same steps in Python on SQLite; ``tests/monitoring/test_ingest.py``
runs on both databases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import connection

from greenloop.monitoring.models import Device, InboxPacket, LatestValue


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def copy_rows(
    staging: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]] | bytes
) -> None:
    """``COPY`` ``rows`` into the connection's temporary table ``staging``
    (created on first use; the caller empties it)."""

    create_staging(staging, columns)
    copy_into(staging, columns, rows)


def create_staging(staging: str, columns: Sequence[tuple[str, str]]) -> None:
    """Create the connection's temporary table ``staging`` unless it exists."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_q(staging)} "
            f"({', '.join(f'{_q(c)} {kind}' for c, kind in columns)}) ON COMMIT DELETE ROWS"
        )


def copy_into(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]] | bytes
) -> None:
    """``COPY`` ``rows`` into ``table``: tuples, or bytes already in the
    text format."""
    import psycopg

    names = ", ".join(_q(c) for c, _ in columns)
    connection.ensure_connection()
    with (
        psycopg.Cursor(connection.connection) as raw,
        raw.copy(f"COPY {_q(table)} ({names}) FROM STDIN") as copy,  # noqa: S608
    ):
        if isinstance(rows, bytes):
            copy.write(rows)
        else:
            for row in rows:
                copy.write_row(row)


def is_resend(error: Exception) -> bool:
    """Whether ``error`` is the inbox's once-only constraint refusing a row."""
    import psycopg

    return (
        isinstance(error, psycopg.errors.UniqueViolation)
        and error.diag.constraint_name == "monitoring_inbox_once"
    )


def insert_inbox(
    columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]] | bytes
) -> tuple[int, tuple[int, int] | None]:
    """Insert the inbox rows, re-sends dropped; how many went in and the
    range of their ids (``None`` when none did)."""
    table = InboxPacket._meta.db_table
    staging = f"staging_{table}"
    copy_rows(staging, columns, rows)
    names = ", ".join(_q(c) for c, _ in columns)
    with connection.cursor() as cursor:
        # Identifiers are the models' and this module's; values came by COPY.
        cursor.execute(
            f"WITH added AS (INSERT INTO {_q(table)} ({names}) "  # noqa: S608
            f"SELECT {names} FROM {_q(staging)} ON CONFLICT DO NOTHING RETURNING {_q('id')}) "
            f"SELECT count(*), min({_q('id')}), max({_q('id')}) FROM added"
        )
        count, low, high = cursor.fetchone()
        # Emptied now, not only at commit: a caller's outer transaction
        # (tests) may hold several batches. DELETE, not TRUNCATE: no files
        # to swap for a table this small.
        cursor.execute(f"DELETE FROM {_q(staging)}")  # noqa: S608
    return count, (low, high) if count else None


def inbox_keys(ids: tuple[int, int]) -> set[tuple[int, str, object, int]]:
    """The keys (device, CN, DataTime, PNO) of the inbox rows whose ids lie
    in ``ids``: which readings a batch added when some were re-sends."""
    inbox = _q(InboxPacket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT device_id, cn, data_time, pno FROM {inbox} "  # noqa: S608
            "WHERE id BETWEEN %s AND %s",
            list(ids),
        )
        return {tuple(row) for row in cursor.fetchall()}  # type: ignore[misc]


def upsert_latest(
    columns: Sequence[tuple[str, str]], copy_text: bytes, seen: Mapping[int, datetime]
) -> None:
    """Merge folded latest-value rows into the stored ones, and move the
    devices' last-seen and last-data times forward to ``seen``.

    The rows go by ``COPY`` (``copy_text``, in the text format, in the
    order of ``columns``) into a temporary table; one statement merges
    them factor by factor: a factor is replaced only by one at least as new
    (a device sending old hours late moves nothing back; the rule is in the
    statement, on the locked row, so two gateway processes writing one
    device cannot move it back either). When every new factor is at least
    as new as the stored row's newest packet (the usual case), a plain
    ``||`` is that merge; the per-factor subqueries run only for late data.
    ``ingest._upsert_latest`` does the same on SQLite.
    """
    latest, device = (_q(m._meta.db_table) for m in (LatestValue, Device))
    staging = f"staging_{LatestValue._meta.db_table}"
    create_staging(staging, columns)
    copy_into(staging, columns, copy_text)
    names = ", ".join(_q(c) for c, _ in columns)
    newer = (
        "coalesce(excluded.data_time, excluded.received_at) >= coalesce(t.data_time, t.received_at)"
    )
    all_newer = (
        "(SELECT min(value::numeric) FROM jsonb_each_text(excluded.factor_times))"
        " >= extract(epoch FROM coalesce(t.data_time, t.received_at))"
    )
    # A row without a site (from the latest-values process, which gets the
    # inbox rows) takes the device's.
    chosen = ", ".join(
        f"coalesce(s.{_q(c)}, d.{_q(c)})" if c == "site_id" else f"s.{_q(c)}" for c, _ in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {latest} AS t ({names})
            SELECT {chosen} FROM {_q(staging)} AS s LEFT JOIN {device} AS d ON d.id = s.device_id
            ON CONFLICT (device_id, cn) DO UPDATE SET
                site_id = excluded.site_id,
                "values" = CASE WHEN {all_newer} THEN t."values" || excluded."values" ELSE (
                    SELECT jsonb_object_agg(k, CASE
                        WHEN (excluded.factor_times ->> k)::numeric
                             >= coalesce((t.factor_times ->> k)::numeric, '-Infinity')
                        THEN excluded."values" -> k ELSE t."values" -> k END)
                    FROM (SELECT jsonb_object_keys(t.factor_times)
                          UNION SELECT jsonb_object_keys(excluded.factor_times)) u (k)) END,
                factor_times = CASE WHEN {all_newer} THEN t.factor_times || excluded.factor_times
                ELSE (
                    SELECT jsonb_object_agg(k, greatest((excluded.factor_times ->> k)::numeric,
                                                        (t.factor_times ->> k)::numeric))
                    FROM (SELECT jsonb_object_keys(t.factor_times)
                          UNION SELECT jsonb_object_keys(excluded.factor_times)) u (k)) END,
                data_time = CASE WHEN {newer} THEN excluded.data_time ELSE t.data_time END,
                received_at = CASE WHEN {newer} THEN excluded.received_at ELSE t.received_at END
            """,  # noqa: S608
        )
        cursor.execute(f"DELETE FROM {_q(staging)}")  # noqa: S608
    move_times_forward(seen)


def move_times_forward(seen: Mapping[int, datetime]) -> None:
    """Set each device's last-seen and last-data time to ``seen[device]``
    where that is later, in one statement."""
    import psycopg

    if not seen:
        return
    device = _q(Device._meta.db_table)
    connection.ensure_connection()
    # Bound on the server (psycopg's own cursor, binary arrays): Django's
    # cursor would quote thousands of times into the SQL text.
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(
            f"""
            UPDATE {device} AS d
            SET last_seen_at = greatest(d.last_seen_at, m.at),
                last_data_at = greatest(d.last_data_at, m.at)
            FROM unnest(%s::bigint[], %s::timestamptz[]) AS m (device_id, at)
            WHERE d.id = m.device_id
              AND (d.last_seen_at IS NULL OR d.last_seen_at < m.at
                   OR d.last_data_at IS NULL OR d.last_data_at < m.at)
            """,  # noqa: S608
            [list(seen), list(seen.values())],
        )
