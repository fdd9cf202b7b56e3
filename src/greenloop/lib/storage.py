"""Where uploaded files live: Django's ``STORAGES["default"]`` from the
environment.

``GREENLOOP_STORAGE`` picks the backend:

* ``filesystem`` (the default): ``FileSystemStorage`` under ``MEDIA_ROOT``,
  ``<data dir>/media``;
* ``s3``: django-storages' S3 backend (AWS S3, MinIO, and the S3 interfaces
  of Chinese clouds' object storage), from ``GREENLOOP_S3_BUCKET``
  (required), ``GREENLOOP_S3_ENDPOINT_URL``, ``GREENLOOP_S3_ACCESS_KEY``,
  ``GREENLOOP_S3_SECRET_KEY``, ``GREENLOOP_S3_REGION`` and
  ``GREENLOOP_S3_ADDRESSING_STYLE`` (``path`` or ``virtual``). Each also
  reads ``NAME_FILE``. Needs the ``storage`` extra (django-storages with
  boto3), imported only when a file is first stored or read.

A pure function of the environment mapping it is given (it imports
neither Django's storage nor boto3), so tests build the dict directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from greenloop.lib.env import BadSetting

FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"

_S3_OPTIONS = {
    # environment variable -> django-storages option
    "GREENLOOP_S3_ENDPOINT_URL": "endpoint_url",
    "GREENLOOP_S3_ACCESS_KEY": "access_key",
    "GREENLOOP_S3_SECRET_KEY": "secret_key",
    "GREENLOOP_S3_REGION": "region_name",
    "GREENLOOP_S3_ADDRESSING_STYLE": "addressing_style",
}
_ADDRESSING_STYLES = {"auto", "path", "virtual"}


def _read(env: Mapping[str, str], name: str) -> str:
    """``name`` from ``env``, or the contents of the file ``NAME_FILE``
    names (container secrets), stripped."""
    file_name = env.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return env.get(name, "").strip()


def default_storage_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry the environment asks for.

    >>> default_storage_from_env({})
    {'BACKEND': 'django.core.files.storage.FileSystemStorage'}
    >>> default_storage_from_env({"GREENLOOP_STORAGE": "s3", "GREENLOOP_S3_BUCKET": "gl"})
    {'BACKEND': 'storages.backends.s3.S3Storage', 'OPTIONS': {'bucket_name': 'gl', \
'default_acl': None, 'file_overwrite': False, 'querystring_auth': True}}
    """
    kind = _read(env, "GREENLOOP_STORAGE").lower() or "filesystem"
    if kind == "filesystem":
        # No location: FileSystemStorage follows MEDIA_ROOT.
        return {"BACKEND": FILESYSTEM_BACKEND}
    if kind != "s3":
        raise BadSetting(f"GREENLOOP_STORAGE must be 'filesystem' or 's3', not {kind!r}")
    bucket = _read(env, "GREENLOOP_S3_BUCKET")
    if not bucket:
        raise BadSetting("GREENLOOP_STORAGE=s3 needs GREENLOOP_S3_BUCKET")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        # Attachments are private (served through the permission-checking
        # download view), never replaced (random names; the timeline is
        # append-only), and any URL the storage makes expires.
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
    }
    for name, option in _S3_OPTIONS.items():
        value = _read(env, name)
        if value:
            options[option] = value
    if options.get("addressing_style", "auto") not in _ADDRESSING_STYLES:
        raise BadSetting(
            "GREENLOOP_S3_ADDRESSING_STYLE must be auto, path or virtual, "
            f"not {options['addressing_style']!r}"
        )
    if bool(options.get("access_key")) != bool(options.get("secret_key")):
        raise BadSetting("GREENLOOP_S3_ACCESS_KEY and GREENLOOP_S3_SECRET_KEY go together")
    return {"BACKEND": S3_BACKEND, "OPTIONS": dict(sorted(options.items()))}


def storages_from_env(
    env: Mapping[str, str], base: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Django's ``STORAGES``: ``base`` (static files) with the default
    storage taken from ``env``."""
    return {**base, "default": default_storage_from_env(env)}
