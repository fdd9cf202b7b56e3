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

from functools import lru_cache
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from greenloop.hj212.errors import PacketError

BLOCK: Final = 16
_TEXT_FORM_START: Final = b"{0x"
_HEX: Final = b"0123456789abcdefABCDEF"


@lru_cache(maxsize=256)
def _cipher(key: bytes) -> Cipher[modes.ECB]:
    # One Cipher per key: building it costs more than a block or two.
    return Cipher(algorithms.SM4(key), modes.ECB())


def encrypt_cp(plain: bytes, key: bytes) -> bytes:
    """Encrypt the full 16-byte blocks of ``plain``; keep the tail clear.

    Examples
    --------
    >>> encrypt_cp(b"DataTime=20240520210600;g=N", b"0" * 16)[16:]
    b'10600;g=N'
    """
    full = len(plain) - len(plain) % BLOCK
    if not full:
        return plain
    encryptor = _cipher(key).encryptor()
    return encryptor.update(plain[:full]) + encryptor.finalize() + plain[full:]


def decrypt_cp(data: bytes, key: bytes) -> bytes:
    """Undo :func:`encrypt_cp`; also reads the ``{0xNN,…}`` text form.

    Raises
    ------
    PacketError
        ``decrypt``: a text form that is not a list of bytes in whole blocks.
    """
    if data.startswith(_TEXT_FORM_START):
        blocks, tail = _read_text_form(data)
    else:
        full = len(data) - len(data) % BLOCK
        blocks, tail = data[:full], data[full:]
    if not blocks:
        return tail
    decryptor = _cipher(key).decryptor()
    return decryptor.update(blocks) + decryptor.finalize() + tail


def _read_text_form(data: bytes) -> tuple[bytes, bytes]:
    close = data.find(b"}")
    if close < 0:
        raise PacketError("decrypt", "ciphertext opened with {0x is not closed")
    try:
        blocks = bytes(_hex_byte(item) for item in data[1:close].split(b","))
    except ValueError as exc:
        raise PacketError("decrypt", f"ciphertext list is not bytes: {exc}") from None
    if len(blocks) % BLOCK:
        raise PacketError("decrypt", f"ciphertext of {len(blocks)} bytes is not whole blocks")
    return blocks, data[close + 1 :]


def _hex_byte(item: bytes) -> int:
    text = item.strip()
    if len(text) != 4 or text[:2] not in (b"0x", b"0X") or text[2:].translate(None, _HEX):
        raise ValueError(repr(item))
    return int(text[2:], 16)
