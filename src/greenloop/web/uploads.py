"""Uploads that wait between a preview and a confirmation.

Both spreadsheet imports (organisation data, case ledgers) take a file,
show what it would do, and import it only when the user confirms. The file
waits under ``DATA_DIR/imports`` with a random name, bound to the session:

* :class:`SizeLimitedUpload` stops reading an oversized body while it
  streams in, so such a file is never stored;
* :func:`store_pending`, :func:`get_pending` and :func:`drop_pending` keep,
  find and delete the waiting file; files nobody confirmed are swept after
  a day.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
# Uploads nobody confirmed or cancelled are swept after a day.
_PENDING_SECONDS = 24 * 3600
# Room for the multipart framing and the CSRF field around the file.
_MULTIPART_SLACK = 64 * 1024


class SizeLimitedUpload(FileUploadHandler):
    """Stops reading an upload as soon as it is known to be too big.

    Runs before Django's own handlers, so an oversized file is neither kept
    in memory nor written to a temporary file; the rest of the body is read
    and discarded so the connection stays usable. Install it before anything
    reads the body (CSRF included).
    """

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.body_size = 0
        self.refused_size: int | None = None

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.body_size = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.body_size > self.limit + _MULTIPART_SLACK:
            self._refuse(self.body_size)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self._refuse(max(self.body_size, start + len(raw_data)))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self, size: int) -> None:
        self.refused_size = size
        raise StopUpload(connection_reset=False)


def _imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def get_pending(request: HttpRequest, key: str) -> tuple[Path, dict[str, Any]] | None:
    """The waiting file under session ``key`` and what was stored with it."""
    data = request.session.get(key)
    if not isinstance(data, dict) or not _TOKEN.match(str(data.get("token", ""))):
        return None
    path = _imports_dir() / f"{data['token']}.xlsx"
    if not path.exists():
        request.session.pop(key, None)
        return None
    return path, data


def drop_pending(request: HttpRequest, key: str) -> None:
    data = request.session.pop(key, None)
    if isinstance(data, dict) and _TOKEN.match(str(data.get("token", ""))):
        (_imports_dir() / f"{data['token']}.xlsx").unlink(missing_ok=True)


def _sweep_stale(folder: Path, now: float) -> None:
    for path in folder.glob("*.xlsx"):
        try:
            if now - path.stat().st_mtime > _PENDING_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            logger.warning("Unable to remove stale import file", exc_info=True)


def store_pending(
    request: HttpRequest, key: str, upload: UploadedFile, extra: dict[str, Any] | None = None
) -> None:
    """Keep ``upload`` (owner-only) for this session, replacing any earlier one."""
    drop_pending(request, key)
    folder = _imports_dir()
    _sweep_stale(folder, time.time())
    token = secrets.token_hex(16)
    fd = os.open(folder / f"{token}.xlsx", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[key] = {"token": token, "name": (upload.name or "")[:120], **(extra or {})}
