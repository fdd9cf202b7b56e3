"""Answers the platform and the device send each other (HJ 212-2017 §6.5).

All answers follow the reply checklist of hj212-2017.md §9.5: the QN, PW and
MN of the packet being answered, ``ST=91``, and a Flag with the answerer's
own version bits and neither A nor D set (2017: 4, 2025: 8, 2005: 0). The
version is the device's, from its profile, not the request's Flag hint.
"""

from __future__ import annotations

from typing import Final

from greenloop.hj212.codec import build_packet
from greenloop.hj212.crc import crc16
from greenloop.hj212.packet import Packet
from greenloop.hj212.versions import SPECS, DeviceProfile, Version

SYSTEM_INTERACTION: Final = "91"
"""ST of every answer (2017 §6.6.1, Table 5)."""

DATA_RESPONSE: Final = "9014"
NOTIFICATION_RESPONSE: Final = "9013"
REQUEST_RESPONSE: Final = "9011"
EXECUTION_RESPONSE: Final = "9012"
HEARTBEAT: Final = "9015"

NOTIFICATIONS: Final = frozenset({"1013", "2012", "2022", HEARTBEAT})
"""Commands answered with 9013 rather than 9014 (2017 C.4, C.11, C.13;
2025 Table 12 for the heartbeat)."""


def _answer(request: Packet, cn: str, version: Version, cp: dict[str, str]) -> Packet:
    return Packet(
        cn=cn,
        qn=request.qn,
        st=SYSTEM_INTERACTION,
        pw=request.pw,
        mn=request.mn,
        flag=SPECS[version].reply_flag,
        cp=cp,
    )


def data_response(request: Packet, *, version: Version) -> Packet:
    """9014 data answer to an upload with A = 1 (2017 §6.5, C.17).

    Examples
    --------
    >>> r = data_response(Packet(cn="2061", qn="1", pw="p", mn="m", flag=5),
    ...                   version=Version.HJ212_2017)
    >>> r.cn, r.qn, r.st, r.flag, r.cp
    ('9014', '1', '91', 4, {})
    """
    return _answer(request, DATA_RESPONSE, version, {})


def notification_response(request: Packet, *, version: Version) -> Packet:
    """9013 answer to a notification (1013, 2012, 2022) or a 9015 heartbeat."""
    return _answer(request, NOTIFICATION_RESPONSE, version, {})


def request_response(request: Packet, *, version: Version, qn_rtn: int = 1) -> Packet:
    """9011 request answer with ``QnRtn`` (2017 §6.1 step 2, Table 7; 1 = ready)."""
    return _answer(request, REQUEST_RESPONSE, version, {"QnRtn": str(qn_rtn)})


def execution_response(request: Packet, *, version: Version, exe_rtn: int = 1) -> Packet:
    """9012 execution result with ``ExeRtn`` (2017 §6.1 step 5, Table 6; 1 = done)."""
    return _answer(request, EXECUTION_RESPONSE, version, {"ExeRtn": str(exe_rtn)})


def heartbeat(
    *,
    mn: str,
    pw: str,
    qn: str | None = None,
    st: str = SYSTEM_INTERACTION,
    answer: bool = True,
    version: Version = Version.HJ212_2025,
) -> Packet:
    """A 9015 heartbeat, "to judge online status" (HJ 212-2025 Table 12).

    ⚠ The CP and ST of a heartbeat are not known from the text; an empty CP
    and ``ST=91`` are used, and bit A asks for the 9013 answer.
    """
    flag = SPECS[version].reply_flag | (1 if answer else 0)
    return Packet(cn=HEARTBEAT, qn=qn, st=st, pw=pw, mn=mn, flag=flag)


def response_to(request: Packet, *, version: Version) -> Packet | None:
    """The answer ``request`` asks for, or ``None`` if it asks for none.

    Uploads with Flag bit 0 (A) set get 9014, notifications and heartbeats
    9013 (2017 §6.5; 2025 Table 12). Answers (9011-9014) are never answered.
    Send the returned packet only after the data is stored (ARCHITECTURE.md,
    "Monitoring data path").
    """
    if not request.answer_required or request.cn in (
        DATA_RESPONSE,
        NOTIFICATION_RESPONSE,
        REQUEST_RESPONSE,
        EXECUTION_RESPONSE,
    ):
        return None
    if request.cn in NOTIFICATIONS:
        return notification_response(request, version=version)
    return data_response(request, version=version)


def answer_bytes(request: Packet, *, version: Version, profile: DeviceProfile) -> bytes | None:
    """The wire bytes of :func:`response_to`'s answer, or ``None``.

    The same bytes as ``build_packet(response_to(request, version=version),
    profile)``; an answer with an empty CP that is not encrypted (9013,
    9014 — every answer a gateway sends per packet) is written directly,
    without the checks ``build_packet`` makes of arbitrary packets: its
    QN, PW and MN come from a packet that was parsed, so they hold no ``;``
    and no control character.
    """
    answer = response_to(request, version=version)
    if answer is None:
        return None
    if answer.cp or answer.pollutants or profile.encrypts(answer.cn):
        return build_packet(answer, profile)
    items = [
        f"QN={answer.qn}" if answer.qn is not None else "",
        f"ST={answer.st}",
        f"CN={answer.cn}",
        f"PW={answer.pw}" if answer.pw is not None else "",
        f"MN={answer.mn}" if answer.mn is not None else "",
        f"Flag={answer.flag}",
    ]
    segment = (";".join(i for i in items if i) + ";CP=&&&&").encode()
    return b"##%04d%s%04X\r\n" % (len(segment), segment, crc16(segment))
