"""``greenloop manage rotate_device_secrets [--add-key]``.

Re-encrypts the device passwords and SM4 keys with the current key of the
keyring (decision 0017). ``--add-key`` first puts a new key in front of
the key file under ``GREENLOOP_DATA_DIR``; with ``GREENLOOP_SECRETS_KEYS``
set, put the new key first there instead and run without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from greenloop.monitoring import secrets
from greenloop.monitoring.services import reencrypt_secrets


class Command(BaseCommand):
    help = "Re-encrypt device secrets with the current key (optionally adding a new key first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--add-key", action="store_true", help="Put a new key first in the key file."
        )

    def handle(self, *args: Any, add_key: bool = False, **options: Any) -> None:
        if add_key:
            if (
                getattr(settings, secrets.ENV_NAME, "")
                or os.environ.get(secrets.ENV_NAME)
                or os.environ.get(f"{secrets.ENV_NAME}_FILE")
            ):
                raise CommandError(
                    f"{secrets.ENV_NAME} is set: add the new key there (first), then run without --add-key."
                )
            path = Path(settings.DATA_DIR) / secrets.KEY_FILE_NAME
            ring = secrets.get_keyring().with_new_key()
            tmp = path.with_name(f".{path.name}.new")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("# GreenLoop device-secret keys: back up with the database.\n")
                handle.write(ring.format())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
            secrets.reset_keyring()
            self.stdout.write(f"新密钥 {ring.current} 已加入 {path}")
        count = reencrypt_secrets()
        self.stdout.write(f"已用密钥 {secrets.get_keyring().current} 重新加密 {count} 条记录。")
