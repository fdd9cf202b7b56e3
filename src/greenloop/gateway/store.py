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

from greenloop.monitoring.records import Batch, BatchResult, DeviceEntry, PendingCommand

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

    def latest_command(self, every: float) -> list[str] | None:
        """The command line of the latest-values process
        (:mod:`greenloop.gateway.latest_process`) where the database lets
        it write beside the gateway (PostgreSQL); ``None``: the gateway
        updates them itself, in turn with its commits (SQLite, whose one
        writer would make the two wait for each other anyway)."""
        import sys

        from django.db import connection

        if connection.vendor == "sqlite":
            return None
        return [
            sys.executable,
            "-m",
            "greenloop.gateway.latest_worker",
            "--every",
            str(every),
            "--database-name",
            str(connection.settings_dict["NAME"]),
        ]

    def load_devices(self, mns: list[str]) -> dict[str, DeviceEntry]:
        """The registry entries of ``mns``, secrets decrypted here, once per
        stored value (docs/decisions/0017-secrets-at-rest.md): the gateway
        keeps the entries in its cache and never decrypts per packet."""
        from django.db import close_old_connections
        from django.db.models import CharField, ExpressionWrapper, F

        from greenloop.monitoring.models import Device
        from greenloop.monitoring.secrets import SecretUnavailable, decrypt

        close_old_connections()
        table = Device._meta.db_table
        rows = Device.objects.filter(mn__in=mns).values_list(
            "id",
            "mn",
            "status",
            "protocol_version",
            "site_id",
            "st",
            # The stored ciphertext, not the field's decrypted value: one
            # device whose secret cannot be read must not fail the others.
            ExpressionWrapper(F("password"), output_field=CharField()),
            ExpressionWrapper(F("sm4_key"), output_field=CharField()),
        )
        entries: dict[str, DeviceEntry] = {}
        for pk, mn, status, version, site_id, st, password, sm4_key in rows:
            try:
                plain_pw = decrypt(password, label=f"{table}.password")
                key = decrypt(sm4_key, label=f"{table}.sm4_key")
            except SecretUnavailable:
                logger.exception("Unable to decrypt the secrets of device %s", mn)
                continue
            entries[mn] = DeviceEntry(
                id=pk,
                mn=mn,
                password=plain_pw,
                status=status,
                version=_VERSIONS[version],
                sm4_key=bytes.fromhex(key) if key else None,
                site_id=site_id,
                st=st,
            )
        return entries

    def load_commands(self) -> list[PendingCommand]:
        from django.db import close_old_connections

        from greenloop.monitoring.commands import load_open_commands

        close_old_connections()
        return load_open_commands()

    def write_batch(self, batch: Batch) -> BatchResult:
        from django.db import close_old_connections, transaction

        from greenloop.monitoring.commands import apply_command_events, record_reports
        from greenloop.monitoring.ingest import store_batch

        close_old_connections()
        if not (batch.command_events or batch.reports):
            return store_batch(batch)
        with transaction.atomic():
            result = store_batch(batch)
            apply_command_events(batch.command_events)
            record_reports(batch.reports)
        return result

    def update_latest(self, result: BatchResult) -> None:
        from django.db import close_old_connections

        from greenloop.monitoring.ingest import update_latest_values

        close_old_connections()
        update_latest_values(result)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def _synchronous_full(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
