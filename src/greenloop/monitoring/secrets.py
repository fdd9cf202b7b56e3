"""Device secrets encrypted at rest (docs/decisions/0017-secrets-at-rest.md).

The HJ 212 access password (PW) and the SM4 key of each device are stored
as AES-256-GCM ciphertext::

    gl1$<key id>$<base64url(12-byte nonce ‖ ciphertext ‖ 16-byte tag)>

The key id names the key of the :class:`Keyring` that encrypted the value,
so keys can be rotated: a new key is put first, every new value is written
with it, old values are still read with the old key until
``greenloop manage rotate_device_secrets`` has re-encrypted them. The
column name is bound into each ciphertext (GCM associated data), so a
value copied into another column does not decrypt.

Where the keys come from, first found wins:

1. ``GREENLOOP_SECRETS_KEYS`` (or ``GREENLOOP_SECRETS_KEYS_FILE``, or the
   Django setting of that name): ``id:base64key`` entries separated by
   commas or new lines, the current key first. Production sets this.
2. ``<GREENLOOP_DATA_DIR>/secrets_keys``, the same format, one per line,
   created once with mode 0600 when neither is set (like the Django secret
   key in ``settings.py``). Back it up with the database: without it the
   stored passwords and keys cannot be read.

Empty values stay empty (a device without an SM4 key has none to hide,
and ``sm4_key = ''`` stays a query that works).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import validators
from django.db import models

PREFIX: Final = "gl1$"
"""Format marker and version of a stored secret."""
KEY_FILE_NAME: Final = "secrets_keys"
ENV_NAME: Final = "GREENLOOP_SECRETS_KEYS"
_NONCE: Final = 12


class SecretUnavailable(Exception):
    """A stored secret cannot be decrypted: its key is missing or it was
    tampered with. Not worth retrying; restore the key."""


class BadKeyring(ValueError):
    """The configured keys cannot be used."""


@dataclass(frozen=True)
class Keyring:
    """The keys secrets are encrypted with; ``current`` encrypts."""

    current: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise BadKeyring("the current key is not in the keyring")
        for kid, key in self.keys.items():
            if not kid.isalnum() or len(key) != 32:
                raise BadKeyring(f"key {kid!r}: ids are letters and digits, keys 32 bytes")

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """Read ``id:base64key`` entries (comma or newline separated), current first.

        Examples
        --------
        >>> ring = Keyring.parse("k2:" + "A" * 43 + "=, k1:" + "B" * 43 + "=")
        >>> ring.current, sorted(ring.keys)
        ('k2', ['k1', 'k2'])
        """
        keys: dict[str, bytes] = {}
        current = ""
        for entry in text.replace(",", "\n").splitlines():
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            kid, sep, encoded = entry.partition(":")
            if not sep:
                raise BadKeyring("a key entry is id:base64key")
            try:
                key = base64.urlsafe_b64decode(encoded.strip().encode())
            except (binascii.Error, ValueError):
                raise BadKeyring(f"key {kid.strip()!r} is not base64") from None
            keys[kid.strip()] = key
            current = current or kid.strip()
        if not keys:
            raise BadKeyring("no key")
        return cls(current=current, keys=keys)

    def format(self) -> str:
        """The keyring as text for :meth:`parse`, current key first."""
        order = [self.current, *(k for k in self.keys if k != self.current)]
        return "".join(
            f"{kid}:{base64.urlsafe_b64encode(self.keys[kid]).decode()}\n" for kid in order
        )

    def with_new_key(self) -> Keyring:
        """This keyring with a fresh key in front (for a rotation)."""
        kid = _new_key_id(self.keys)
        return Keyring(current=kid, keys={kid: AESGCM.generate_key(256), **self.keys})


def _new_key_id(taken: Mapping[str, bytes] = {}) -> str:  # noqa: B006 - read only
    while True:
        kid = "k" + secrets.token_hex(4)
        if kid not in taken:
            return kid


def generate_key_file(path: Path) -> Keyring:
    """Create ``path`` with one new key, mode 0600, unless it exists.

    Written to a temporary file and linked into place, so two processes
    starting at once (web and gateway) end up with the same single key.
    """
    if path.exists():
        return Keyring.parse(path.read_text(encoding="utf-8"))
    kid = _new_key_id()
    ring = Keyring(current=kid, keys={kid: AESGCM.generate_key(256)})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# GreenLoop device-secret keys: back up with the database.\n")
            handle.write(ring.format())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return Keyring.parse(path.read_text(encoding="utf-8"))


_lock = threading.Lock()


@lru_cache(maxsize=1)
def get_keyring() -> Keyring:
    """The configured keyring (read once per process; see the module doc)."""
    from django.conf import settings

    from greenloop.lib.env import envstr

    with _lock:
        text = getattr(settings, ENV_NAME, "") or envstr(ENV_NAME)
        if text:
            return Keyring.parse(text)
        return generate_key_file(Path(settings.DATA_DIR) / KEY_FILE_NAME)


def reset_keyring() -> None:
    """Forget the keyring read so far (tests, and after a rotation)."""
    get_keyring.cache_clear()
    _decrypt_cached.cache_clear()


def encrypt(plain: str, *, label: str, keyring: Keyring | None = None) -> str:
    """Encrypt ``plain`` for the column ``label``; ``""`` stays ``""``."""
    if plain == "":
        return ""
    ring = keyring or get_keyring()
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plain.encode(), label.encode())
    token = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{PREFIX}{ring.current}${token}"


def decrypt(stored: str, *, label: str, keyring: Keyring | None = None) -> str:
    """The plaintext of a stored value.

    Raises
    ------
    SecretUnavailable
        Not in the stored format, unknown key id, or the value was changed.
    """
    if stored == "":
        return ""
    if keyring is None:
        return _decrypt_cached(stored, label)
    return _decrypt(stored, label, keyring)


@lru_cache(maxsize=65536)
def _decrypt_cached(stored: str, label: str) -> str:
    # Each ciphertext has its own nonce, so a cache hit is the same stored
    # value read again (the gateway re-reads its registry every few
    # seconds): decrypted once per process, not once per read.
    return _decrypt(stored, label, get_keyring())


def _decrypt(stored: str, label: str, keyring: Keyring) -> str:
    kid, token = key_id(stored), stored[len(PREFIX) :].partition("$")[2]
    key = keyring.keys.get(kid)
    if key is None:
        raise SecretUnavailable(f"no key {kid!r} in the keyring for {label}")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], label.encode())
    except (binascii.Error, ValueError, InvalidTag):
        raise SecretUnavailable(f"a stored {label} does not decrypt") from None
    return plain.decode()


def key_id(stored: str) -> str:
    """The id of the key a stored value was encrypted with.

    Raises
    ------
    SecretUnavailable
        ``stored`` is not an encrypted value.
    """
    if not stored.startswith(PREFIX) or stored.count("$") != 2:
        raise SecretUnavailable("not an encrypted value")
    return stored[len(PREFIX) :].partition("$")[0]


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A short text secret, plaintext in Python, AES-GCM ciphertext in the
    database (see the module doc).

    ``plain_max_length`` limits the plaintext (forms, ``full_clean``);
    ``max_length`` is the column, large enough for the ciphertext. Lookups
    other than ``= ''`` cannot match (every encryption differs).
    """

    description = "Text encrypted at rest"

    def __init__(self, *args: Any, plain_max_length: int = 64, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)
        self.validators.append(validators.MaxLengthValidator(plain_max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return value
        return decrypt(value, label=self.label)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, label=self.label)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"max_length": self.plain_max_length, **kwargs})
