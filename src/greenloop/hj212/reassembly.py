"""Put split packets back together (HJ 212-2017 §6.3.2, Appendix C.49/C.50).

Each part of a split set is a complete packet with its own QN, length and
CRC, and ``PNUM``/``PNO``; parts are answered one by one with the QN of each
part, so reassembly only matters for storing the data. Parts are grouped by
``(MN, CN, DataTime)`` (hj212-2017.md §3.2) and keyed on the presence of the
PNUM/PNO fields, not on Flag bit D, which some devices set without them.
Time is passed in by the caller; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenloop.hj212.errors import PacketError
from greenloop.hj212.packet import CpValue, Packet

SetKey = tuple[str | None, str, str | None]


@dataclass(slots=True)
class _Pending:
    total: int
    first_seen: float
    parts: dict[int, Packet] = field(default_factory=dict)


class Reassembler:
    """Collect the parts of split packets until each set is complete.

    Parameters
    ----------
    timeout
        Seconds after the first part when an incomplete set is given up by
        :meth:`expire` (2017 §6.2: the command fails on execution timeout).

    Examples
    --------
    >>> r = Reassembler()
    >>> part = Packet(cn="2061", mn="M", pnum=2, pno=1, cp={"DataTime": "1"},
    ...               pollutants={"a": {"Avg": "x"}})
    >>> r.add(part, now=0.0) is None
    True
    >>> whole = r.add(Packet(cn="2061", mn="M", pnum=2, pno=2, cp={"DataTime": "1"},
    ...                      pollutants={"b": {"Avg": "y"}}), now=1.0)
    >>> sorted(whole.pollutants), whole.pnum
    (['a', 'b'], None)
    """

    def __init__(self, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._pending: dict[SetKey, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, packet: Packet, *, now: float) -> Packet | None:
        """Add one packet; return the whole packet once its set is complete.

        A packet without PNUM/PNO is returned as it is. A resent part
        replaces the earlier copy.

        Raises
        ------
        PacketError
            ``format``: PNO outside ``1..PNUM``, a PNUM that disagrees with
            earlier parts, or parts that give one item different values; the
            set is dropped.
        """
        if packet.pnum is None or packet.pno is None:
            return packet
        total, number = packet.pnum, packet.pno
        if not 1 <= number <= total:
            raise PacketError("format", f"PNO={number} outside 1..PNUM={total}")
        key: SetKey = (packet.mn, packet.cn, packet.data_time)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(total, now)
        elif pending.total != total:
            del self._pending[key]
            raise PacketError("format", f"PNUM={total} after PNUM={pending.total} in one set")
        pending.parts[number] = packet
        if len(pending.parts) < total:
            return None
        del self._pending[key]
        return _merge([pending.parts[n] for n in range(1, total + 1)])

    def expire(self, *, now: float) -> list[tuple[Packet, ...]]:
        """Drop and return the parts of sets older than ``timeout``."""
        stale = [k for k, p in self._pending.items() if now - p.first_seen >= self.timeout]
        return [tuple(self._pending.pop(k).parts.values()) for k in stale]


def _merge(parts: list[Packet]) -> Packet:
    """One packet with the header of part 1 and the CP items of all parts."""
    cp: dict[str, str] = {}
    pollutants: dict[str, dict[str, CpValue]] = {}
    for part in parts:
        for key, text in part.cp.items():
            if cp.setdefault(key, text) != text:
                raise PacketError("format", f"split parts disagree on {key}")
        for code, fields in part.pollutants.items():
            merged = pollutants.setdefault(code, {})
            for name, value in fields.items():
                if merged.setdefault(name, value) != value:
                    raise PacketError("format", f"split parts disagree on {code}-{name}")
    first = parts[0]
    return Packet(
        cn=first.cn,
        qn=first.qn,
        st=first.st,
        pw=first.pw,
        mn=first.mn,
        flag=first.flag,
        rf=first.rf,
        cp=cp,
        pollutants=pollutants,
        extra_header=first.extra_header,
    )
