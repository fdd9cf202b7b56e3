"""Tracking codes (查询码): how a resident follows a report without an
account. Design and threat model: docs/decisions/0010-tracking-codes.md.

* 20 symbols of Crockford's base 32 from :mod:`secrets`: 100 bits, shown
  as five groups of four (``7QX2-…``); the alphabet has no I, L, O or U, and
  reading it back forgives case, spaces, dashes and the look-alikes
  (O→0, I/L→1).
* Only an HMAC-SHA256 of the normalised code, keyed with ``SECRET_KEY``
  (Django's ``salted_hmac`` with this module's salt), is stored; the code
  itself is shown once and kept nowhere, so a copy of the database does not
  reveal it and cannot be used to look reports up. Lookups compute the
  digest and find the row by it (unique index). Keys in
  ``SECRET_KEY_FALLBACKS`` are tried too, so rotating the key keeps old
  codes working while the old key stays listed.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
LENGTH = 20  # 20 × 5 bits = 100 bits
GROUP = 4
_SALT = "greenloop.complaints.tracking-code"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code in its readable form, ``XXXX-XXXX-XXXX-XXXX-XXXX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalise(code: str) -> str | None:
    """The 20 symbols of ``code`` as typed, or ``None`` if it cannot be one."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch not in " -\t\r\n")
    cleaned = cleaned.translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def _digest(normalised: str, secret: str | None = None) -> str:
    return salted_hmac(_SALT, normalised, secret=secret, algorithm="sha256").hexdigest()


def digest_of(code: str) -> str | None:
    """The stored form of ``code`` under the current key."""
    normalised = normalise(code)
    return None if normalised is None else _digest(normalised)


def candidate_digests(code: str) -> list[str]:
    """Digests under the current key and every fallback key (rotation)."""
    normalised = normalise(code)
    if normalised is None:
        return []
    keys = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_digest(normalised, secret=key) for key in keys]
