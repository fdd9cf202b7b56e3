"""The gateway's database side: sync functions run in worker threads.

Each call starts with ``close_old_connections()`` so a connection the
database dropped, or one past ``CONN_MAX_AGE``, is replaced instead of
failing the batch (healthchecks/healthchecks: hc/api/management/commands/
smtpd.py). Django is imported inside the functions: importing this module
does not set Django up.
"""

from __future__ import annotations

import logging
from typing import Any

from greenloop.monitoring.records import Batch, BatchResult, DeviceEntry

logger = logging.getLogger(__name__)

_VERSIONS = {"2005": 0, "2017": 1, "2025": 2}


class DjangoStore:
    """The registry and the ingestion store through the Django ORM.

    Parameters
    ----------
    sqlite_synchronous_full
        On SQLite, make every commit of this process fsync the WAL
        (``PRAGMA synchronous=FULL``), so an acknowledged packet survives a
        power failure, not only a crash of the gateway. Group commit pays
        one fsync per batch.
    """

    def __init__(self, *, sqlite_synchronous_full: bool = True) -> None:
        if sqlite_synchronous_full:
            from django.db.backends.signals import connection_created

            connection_created.connect(_synchronous_full, weak=False, dispatch_uid=__name__)

    def load_devices(self, mns: list[str]) -> dict[str, DeviceEntry]:
        from django.db import close_old_connections

        from greenloop.monitoring.models import Device

        close_old_connections()
        rows = Device.objects.filter(mn__in=mns).values(
            "id", "mn", "password", "status", "protocol_version", "sm4_key", "site_id"
        )
        return {
            row["mn"]: DeviceEntry(
                id=row["id"],
                mn=row["mn"],
                password=row["password"],
                status=row["status"],
                version=_VERSIONS[row["protocol_version"]],
                sm4_key=bytes.fromhex(row["sm4_key"]) if row["sm4_key"] else None,
                site_id=row["site_id"],
            )
            for row in rows
        }

    def write_batch(self, batch: Batch) -> BatchResult:
        from django.db import close_old_connections

        from greenloop.monitoring.ingest import store_batch

        close_old_connections()
        return store_batch(batch)

    def update_latest(self, result: BatchResult) -> None:
        from django.db import close_old_connections

        from greenloop.monitoring.ingest import update_latest_values

        close_old_connections()
        update_latest_values(result.fresh)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def _synchronous_full(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
