"""The group commit on PostgreSQL: rows in by ``COPY``, the rest in SQL.

At thousands of packets a second the gateway's Python is the bottleneck,
not the database, so on PostgreSQL the per-packet work moves into the
server (docs/gateway.md, "Throughput"):

* :func:`insert_inbox` ``COPY``-s the batch into a temporary table and
  inserts it with ``ON CONFLICT DO NOTHING`` (a re-send is dropped by the
  ``monitoring_inbox_once`` constraint: no look-up before the insert),
  returning only how many rows went in and their id range.
* :func:`derive` moves the latest values and the devices' last-seen and
  last-data times forward from the inbox rows of an id range, in two
  statements, whatever the number of packets and factors — instead of a
  Python loop over every factor of every packet.

The definitions are those of :mod:`greenloop.monitoring.ingest`, which runs
the same steps in Python on SQLite; ``tests/monitoring/test_ingest.py``
runs on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from greenloop.monitoring.models import Device, InboxPacket, LatestValue


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def copy_rows(
    staging: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]]
) -> None:
    """``COPY`` ``rows`` into the connection's temporary table ``staging``
    (created on first use; the caller empties it)."""
    import psycopg  # the PostgreSQL backend's driver

    names = ", ".join(_q(c) for c, _ in columns)
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_q(staging)} "
            f"({', '.join(f'{_q(c)} {kind}' for c, kind in columns)}) ON COMMIT DELETE ROWS"
        )
        with raw.copy(f"COPY {_q(staging)} ({names}) FROM STDIN") as copy:  # noqa: S608
            for row in rows:
                copy.write_row(row)


def insert_inbox(
    columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]]
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


def derive(ids: tuple[int, int]) -> int:
    """Move the latest values and the devices' times forward with the inbox
    rows whose ids lie in ``ids`` (inclusive); the number of latest rows
    written.

    Per (device, CN) and factor the newest row wins (ties to the later
    packet); the factors are gathered back into one row per (device, CN)
    and merged into the stored row factor by factor: a factor is replaced
    only by one at least as new (a device sending old hours late moves
    nothing back), the others are kept (``ingest._update_latest`` does the
    same on SQLite). Rows of
    another gateway process that fall in the range are taken too: moving
    forward twice to the same values changes nothing.
    """
    inbox, latest, device = (_q(m._meta.db_table) for m in (InboxPacket, LatestValue, Device))
    low, high = ids
    newer = (
        "coalesce(excluded.data_time, excluded.received_at) >= coalesce(t.data_time, t.received_at)"
    )
    # Every new factor at least as new as the stored row's newest packet
    # (the usual case): a plain ``||`` is then the factor-by-factor merge,
    # at a fraction of its cost.
    all_newer = (
        "(SELECT min(value::numeric) FROM jsonb_each_text(excluded.factor_times))"
        " >= extract(epoch FROM coalesce(t.data_time, t.received_at))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {latest} AS t (device_id, site_id, cn, "values", factor_times,
                                      data_time, received_at)
            SELECT f.device_id, min(d.site_id), f.cn,
                   jsonb_object_agg(f.code, f.fields),
                   jsonb_object_agg(f.code, extract(epoch FROM f.at)),
                   (array_agg(f.data_time ORDER BY f.at DESC, f.id DESC))[1],
                   (array_agg(f.received_at ORDER BY f.at DESC, f.id DESC))[1]
            FROM (
                SELECT DISTINCT ON (i.device_id, i.cn, left(p.key, 16))
                       i.id, i.device_id, i.cn, left(p.key, 16) AS code, p.value AS fields,
                       coalesce(i.data_time, i.received_at) AS at, i.data_time, i.received_at
                FROM {inbox} i CROSS JOIN LATERAL jsonb_each(i.pollutants) p
                WHERE i.id BETWEEN %s AND %s AND jsonb_typeof(p.value) = 'object'
                ORDER BY i.device_id, i.cn, left(p.key, 16),
                         coalesce(i.data_time, i.received_at) DESC, i.id DESC
            ) f
            JOIN {device} d ON d.id = f.device_id
            GROUP BY f.device_id, f.cn
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
            [low, high],
        )
        written = cursor.rowcount
        # Kept to the second, as ingest._touch_devices keeps them.
        cursor.execute(
            f"""
            UPDATE {device} AS d
            SET last_seen_at = greatest(d.last_seen_at, m.at),
                last_data_at = greatest(d.last_data_at, m.at)
            FROM (SELECT device_id, date_trunc('second', max(received_at)) AS at
                  FROM {inbox} WHERE id BETWEEN %s AND %s GROUP BY device_id) m
            WHERE d.id = m.device_id
              AND (d.last_seen_at IS NULL OR d.last_seen_at < m.at
                   OR d.last_data_at IS NULL OR d.last_data_at < m.at)
            """,  # noqa: S608
            [low, high],
        )
    return written
