"""One JSON object per packet: the line format of ``greenloop hj212``.

::

    {"ok": true, "qn": "…", "st": "22", "cn": "2011", "pw": "…", "mn": "…",
     "flag": 5, "pnum": null, "pno": null, "cp": {"DataTime": "…"},
     "pollutants": {"a34004": {"Rtd": 35.0, "Flag": "N"}}}
    {"ok": false, "error": "crc: CRC 1C81 != computed 1C80"}

Header fields the packet lacks are ``null``. Two keys appear only when the
packet has them, so 2017 output keeps exactly the shape above: ``"rf"`` (the
HJ 212-2025 re-send flag) and ``"header_extra"`` (header fields the standard
does not define).

How numbers round-trip: a number is written with the digits the device sent
(``2.69700`` stays ``2.69700``, a valid JSON number), and :func:`loads`
reads JSON numbers as :class:`~decimal.Decimal`, so ``parse | build``
reproduces the wire text of every number written in plain decimal notation.
A JSON number given to ``build`` in exponent form (``1e-07``) is written in
plain notation (``0.0000001``). ``build`` accepts numbers only in the
numeric fields (``Rtd``, ``Avg``…) and text elsewhere, and refuses text that
is a number in a numeric field, so ``parse(build(x)) == x`` holds for every
``x`` that ``build`` accepts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from greenloop.hj212.errors import PacketError
from greenloop.hj212.packet import CpValue, Packet

_KEYS: Final = frozenset(
    {"ok", "qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno", "rf", "cp", "pollutants"}
    | {"header_extra"}
)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _value(value: CpValue) -> str:
    return format(value, "f") if isinstance(value, Decimal) else _string(value)


def _optional(value: str | int | None) -> str:
    if value is None:
        return "null"
    return str(value) if isinstance(value, int) else _string(value)


def dumps(packet: Packet) -> str:
    """The JSON line of a parsed packet (no newline, ``ensure_ascii=False``).

    Examples
    --------
    >>> dumps(Packet(cn="9014", flag=4))
    '{"ok": true, "qn": null, "st": null, "cn": "9014", "pw": null, "mn": null, \
"flag": 4, "pnum": null, "pno": null, "cp": {}, "pollutants": {}}'
    """
    parts = [
        '{"ok": true',
        f'"qn": {_optional(packet.qn)}',
        f'"st": {_optional(packet.st)}',
        f'"cn": {_string(packet.cn)}',
        f'"pw": {_optional(packet.pw)}',
        f'"mn": {_optional(packet.mn)}',
        f'"flag": {_optional(packet.flag)}',
        f'"pnum": {_optional(packet.pnum)}',
        f'"pno": {_optional(packet.pno)}',
    ]
    if packet.rf is not None:
        parts.append(f'"rf": {packet.rf}')
    if packet.extra_header:
        extra = ", ".join(f"{_string(k)}: {_string(v)}" for k, v in packet.extra_header)
        parts.append(f'"header_extra": {{{extra}}}')
    cp = ", ".join(f"{_string(k)}: {_string(v)}" for k, v in packet.cp.items())
    parts.append(f'"cp": {{{cp}}}')
    codes = []
    for code, fields in packet.pollutants.items():
        inner = ", ".join(f"{_string(k)}: {_value(v)}" for k, v in fields.items())
        codes.append(f"{_string(code)}: {{{inner}}}")
    parts.append(f'"pollutants": {{{", ".join(codes)}}}}}')
    return ", ".join(parts)


def dumps_error(error: PacketError) -> str:
    """The JSON line of a packet that could not be read."""
    return json.dumps({"ok": False, "error": str(error)}, ensure_ascii=False)


def loads(line: str) -> Any:
    """Read a JSON line keeping the text of every non-integer number.

    Raises
    ------
    PacketError
        ``format``: not JSON.
    """
    try:
        return json.loads(line, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError as exc:  # JSONDecodeError, or the constant refused below
        raise PacketError("format", f"not JSON: {exc}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def from_record(record: object) -> Packet:
    """The packet a JSON object (as :func:`dumps` writes it) describes.

    Raises
    ------
    PacketError
        ``format``: an unknown key or a value of the wrong JSON type.
    """
    if not isinstance(record, dict):
        raise PacketError("format", "a packet is a JSON object")
    unknown = set(record) - _KEYS
    if unknown:
        raise PacketError("format", f"unknown keys: {', '.join(sorted(unknown))}")
    if record.get("ok", True) is not True:
        raise PacketError("format", 'only "ok": true records describe a packet')
    cn = record.get("cn")
    if not isinstance(cn, str):
        raise PacketError("format", "cn must be a string")
    return Packet(
        cn=cn,
        qn=_opt_str(record, "qn"),
        st=_opt_str(record, "st"),
        pw=_opt_str(record, "pw"),
        mn=_opt_str(record, "mn"),
        flag=_opt_int(record, "flag"),
        pnum=_opt_int(record, "pnum"),
        pno=_opt_int(record, "pno"),
        rf=_opt_int(record, "rf"),
        cp=_text_map(record.get("cp", {}), "cp"),
        pollutants=_pollutants(record.get("pollutants", {})),
        extra_header=tuple(_text_map(record.get("header_extra", {}), "header_extra").items()),
    )


def _opt_str(record: Mapping[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise PacketError("format", f"{key} must be a string or null")
    return value


def _opt_int(record: Mapping[str, object], key: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PacketError("format", f"{key} must be an integer or null")
    return value


def _text_map(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise PacketError("format", f"{where} must map strings to strings")
    return value


def _pollutants(value: object) -> dict[str, dict[str, CpValue]]:
    if not isinstance(value, dict):
        raise PacketError("format", "pollutants must be an object")
    result: dict[str, dict[str, CpValue]] = {}
    for code, fields in value.items():
        if not isinstance(fields, dict):
            raise PacketError("format", f"pollutants.{code} must be an object")
        result[code] = {name: _cp_value(f"{code}-{name}", v) for name, v in fields.items()}
    return result


def _cp_value(key: str, value: object) -> CpValue:
    if isinstance(value, bool) or value is None:
        raise PacketError("format", f"{key} must be a number or a string")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float from plain json.loads: its shortest repr is what was meant.
        return Decimal(repr(value))
    if isinstance(value, Decimal | str):
        return value
    raise PacketError("format", f"{key} must be a number or a string")
