"""SM4 of the CP data area (HJ 212-2025 §6.4, Appendix A.2).

§6.4.2: SM4 with a 16-byte key in ECB mode, "Nopadding". A.2 shows what that
means: each full 16-byte group of the characters between ``CP=&&`` and the
closing ``&&`` is encrypted; a shorter remainder stays in plaintext, so the
ciphertext is as long as the plaintext and the length field does not change.
The block cipher is the one of the ``cryptography`` package; only the
block/tail split is done here.

Wire form of the ciphertext (hj212-2025.md B7, ⚠): raw bytes are written,
which is what the length field of the A.2 examples implies. The ``{0xE4,…}``
text that the standard prints, and some implementations send, is accepted
when reading.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK: Final = 16
_TEXT_FORM_START: Final = b"{0x"
# One to many whole blocks of 16 listed bytes, upper or lower case hex.
_TEXT_FORM: Final = re.compile(
    rb"\{((?:0x[0-9A-Fa-f]{2},){15}0x[0-9A-Fa-f]{2}(?:(?:,0x[0-9A-Fa-f]{2}){16})*)\}"
)


@lru_cache(maxsize=256)
def _cipher(key: bytes) -> Cipher[modes.ECB]:
    # One Cipher per key: building it costs more than a block or two. ECB is
    # what HJ 212-2025 §6.4.2 prescribes, not a choice made here.
    return Cipher(algorithms.SM4(key), modes.ECB())  # noqa: S305


def encrypt_cp(plain: bytes, key: bytes) -> bytes:
    """Encrypt the full 16-byte blocks of ``plain``; keep the tail clear.

    Examples
    --------
    >>> encrypt_cp(b"DataTime=20240520210600;g=N", b"0" * 16)[16:]
    b'0210600;g=N'
    """
    full = len(plain) - len(plain) % BLOCK
    if not full:
        return plain
    encryptor = _cipher(key).encryptor()
    return encryptor.update(plain[:full]) + encryptor.finalize() + plain[full:]


def decrypt_cp(data: bytes, key: bytes) -> bytes:
    """Undo :func:`encrypt_cp`; also reads the ``{0xNN,…}`` text form.

    Data that starts like the text form but is not a list of whole blocks
    is taken as raw ciphertext; a wrong reading then fails as ``decrypt``
    when the caller checks the plaintext.
    """
    listed = _read_text_form(data) if data.startswith(_TEXT_FORM_START) else None
    if listed is not None:
        blocks, tail = listed
    else:
        full = len(data) - len(data) % BLOCK
        blocks, tail = data[:full], data[full:]
    if not blocks:
        return tail
    decryptor = _cipher(key).decryptor()
    return decryptor.update(blocks) + decryptor.finalize() + tail


def _read_text_form(data: bytes) -> tuple[bytes, bytes] | None:
    """``{0xNN,…}`` + clear tail, or ``None`` if ``data`` is not that form.

    Only a complete list of whole blocks counts: raw ciphertext starts with
    ``{0x`` once in 2**24 packets, but never continues as such a list.
    """
    match = _TEXT_FORM.match(data)
    if match is None:
        return None
    blocks = bytes.fromhex(match.group(1).replace(b",", b"").replace(b"0x", b"").decode())
    return blocks, data[match.end() :]
