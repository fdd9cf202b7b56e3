"""The CP data area: ``k=v,k=v;k=v`` (HJ 212-2017 §6.3.3; 2025 §6.3.4.1).

Different values of one item are separated by ``,``, different items by
``;``, a field and its value by ``=``. Log texts (``i11001-Info``) are
wrapped in ``//…//`` and may hold separators, so a value that starts with
``//`` runs to the next ``//``.

Writing is canonical: the items without a factor code first, each on its
own, then one ``;`` group per factor code with its fields joined by ``,``,
which is the layout of every example in both references. A trailing ``;``
(seen in circulated examples) is kept as a layout flag on the packet.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from greenloop.hj212.errors import PacketError
from greenloop.hj212.packet import NUMERIC_FIELDS, CpValue

_QUOTE: Final = "//"

CpFields = dict[str, str]
Pollutants = dict[str, dict[str, CpValue]]


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a number as HJ 212 writes one (N14.2, 2017 §6.3.3).

    Signed plain decimals only: no exponent, no spaces, ASCII digits, so
    ``Decimal(text)`` keeps the digits that were sent. Written without a
    regular expression because it runs once per value on the hot path.

    Examples
    --------
    >>> [is_number_text(t) for t in ("-1.50", ".5", "1.", "1e5", " 1", "", "-", "1.2.3")]
    [True, True, True, False, False, False, False, False]
    """
    digits = text[1:] if text[:1] in ("+", "-") else text
    return digits.isascii() and digits.replace(".", "", 1).isdigit()


def parse_cp(text: str, *, numbers: bool = True) -> tuple[CpFields, Pollutants, bool]:
    """Split a CP data area into plain items and per-factor fields.

    Returns ``(cp, pollutants, trailing_semicolon)``. With ``numbers=False``
    every value stays the text that was sent (the gateway stores text and
    saves the ``Decimal`` round trip).

    Raises
    ------
    PacketError
        ``format``: an item without ``=``, an empty key, a duplicate key or
        an unterminated ``//`` value.

    Examples
    --------
    >>> parse_cp("DataTime=20160801085857;w01018-Rtd=2.2,w01018-Flag=N")
    ({'DataTime': '20160801085857'}, {'w01018': {'Rtd': Decimal('2.2'), 'Flag': 'N'}}, False)
    """
    cp: CpFields = {}
    pollutants: Pollutants = {}
    if not text:
        return cp, pollutants, False
    trailing = text.endswith(";")
    body = text[:-1] if trailing else text
    # Without a quoted value plain splitting is exact (the usual, fast path).
    items = _scan_quoted(body) if _QUOTE in body else body.replace(";", ",").split(",")
    numeric = NUMERIC_FIELDS if numbers else frozenset()
    number = is_number_text
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PacketError("format", f"CP item without a key: {item!r}")
        code, dash, name = key.rpartition("-")
        if not dash:
            if key in cp:
                raise PacketError("format", f"duplicate CP item {key}")
            cp[key] = value
            continue
        if not code or not name:
            raise PacketError("format", f"CP key without code or field: {key!r}")
        fields = pollutants.get(code)
        if fields is None:
            fields = pollutants[code] = {}
        elif name in fields:
            raise PacketError("format", f"duplicate CP item {key}")
        fields[name] = Decimal(value) if name in numeric and number(value) else value
    return cp, pollutants, trailing


def _scan_quoted(body: str) -> list[str]:
    """Split ``body`` into ``k=v`` items, honouring ``//…//`` values."""
    items: list[str] = []
    pos, end = 0, len(body)
    while True:
        eq = body.find("=", pos)
        stop = _next_separator(body, pos)
        if eq < 0 or eq > stop:
            raise PacketError("format", f"CP item without a key: {body[pos:stop]!r}")
        if body.startswith(_QUOTE, eq + 1):
            close = body.find(_QUOTE, eq + 3)
            if close < 0:
                raise PacketError("format", "CP value opened with // is not closed")
            stop = close + 2
            if stop < end and body[stop] not in ";,":
                raise PacketError("format", "text after a //…// CP value")
        items.append(body[pos:stop])
        if stop >= end:
            return items
        pos = stop + 1


def _next_separator(body: str, pos: int) -> int:
    semi, comma = body.find(";", pos), body.find(",", pos)
    if semi < 0:
        return comma if comma >= 0 else len(body)
    return semi if comma < 0 else min(semi, comma)


def format_cp(
    cp: Mapping[str, str],
    pollutants: Mapping[str, Mapping[str, CpValue]],
    *,
    trailing_semicolon: bool = False,
) -> str:
    """Write a CP data area that :func:`parse_cp` reads back unchanged.

    Numbers are written in plain notation (``format(value, "f")``). A field
    of :data:`~greenloop.hj212.packet.NUMERIC_FIELDS` may hold text only if
    that text is not a number, and other fields hold only text, so that
    ``parse_cp(format_cp(x)) == x`` for every ``x`` this accepts.

    Raises
    ------
    PacketError
        ``format``: a key or value that cannot be written unambiguously.

    Examples
    --------
    >>> format_cp({"DataTime": "20160801085857"},
    ...           {"w01018": {"Rtd": Decimal("2.20"), "Flag": "N"}})
    'DataTime=20160801085857;w01018-Rtd=2.20,w01018-Flag=N'
    """
    parts: list[str] = []
    for name, text in cp.items():
        _check_key(name, dash_allowed=False)
        parts.append(f"{name}={_text(name, text)}")
    for code, fields in pollutants.items():
        _check_key(code, dash_allowed=True)
        if not fields:
            raise PacketError("format", f"factor {code} has no fields")
        values: list[str] = []
        for name, value in fields.items():
            _check_key(name, dash_allowed=False)
            key = f"{code}-{name}"
            if name in NUMERIC_FIELDS and isinstance(value, Decimal):
                values.append(f"{key}={_number(key, value)}")
            elif name in NUMERIC_FIELDS and isinstance(value, str) and is_number_text(value):
                raise PacketError("format", f"{key} is a number; give it as a number")
            else:
                values.append(f"{key}={_text(key, value)}")
        parts.append(",".join(values))
    text = ";".join(parts)
    return text + ";" if trailing_semicolon and text else text


def _check_key(key: object, *, dash_allowed: bool) -> None:
    if not isinstance(key, str) or not key or any(c in key for c in "=;,"):
        raise PacketError("format", f"CP key cannot be written: {key!r}")
    if not dash_allowed and "-" in key:
        raise PacketError("format", f"CP key cannot hold '-': {key!r}")
    if key.startswith(_QUOTE):
        raise PacketError("format", f"CP key cannot start with //: {key!r}")


def _number(key: str, value: Decimal) -> str:
    if not value.is_finite():
        raise PacketError("format", f"{key} is not a finite number: {value}")
    return format(value, "f")


def _text(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise PacketError("format", f"{key} is text; got {type(value).__name__}")
    if value.startswith(_QUOTE):
        # A quoted value runs to the first // after the opening one.
        if len(value) < 4 or value.find(_QUOTE, 2) != len(value) - 2:
            raise PacketError("format", f"{key}: //…// value is not closed once: {value!r}")
    elif ";" in value or "," in value:
        raise PacketError("format", f"{key}: ';' or ',' needs a //…// value: {value!r}")
    return value
