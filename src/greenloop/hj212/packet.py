"""The decoded form of an HJ 212 packet.

A :class:`Packet` is what the data segment says, with the transport
(``##``, length, CRC, ``CR LF``) and the SM4 layer already taken off.

How values are typed (HJ 212-2017 §6.3.3, Table 4):

* Header fields are text, except ``Flag``, ``PNUM``, ``PNO`` and ``RF``,
  which are integers. Absent fields are ``None``.
* CP items without a factor code (``DataTime``, ``QnRtn``, ``PolId``…) stay
  text in :attr:`Packet.cp`: they are times and codes, not measurements.
* ``code-Field`` items go to :attr:`Packet.pollutants`. The fields in
  :data:`NUMERIC_FIELDS` become :class:`~decimal.Decimal` when their text is
  a number; every other field (``Flag``, ``EFlag``, ``SampleTime``, ``Info``,
  unknown ones) stays text.

Numbers are ``Decimal`` because it keeps the text the device sent:
``Decimal("2.69700")`` is written back as ``2.69700``, so building a parsed
packet gives the same bytes. Only numbers in an unusual spelling change
(``007`` → ``7``, ``+1.5`` → ``1.5``, ``.5`` → ``0.5``, ``1.`` → ``1``); the
raw packet is what the audit log keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeAlias

from greenloop.hj212.versions import Version, version_from_flag

CpValue: TypeAlias = Decimal | str
"""A pollutant field value: a number, or text."""

NUMERIC_FIELDS: Final[frozenset[str]] = frozenset(
    {
        # Measured values and their converted (折算) forms, 2017 Table 4.
        "Rtd",
        "Min",
        "Avg",
        "Max",
        "ZsRtd",
        "ZsMin",
        "ZsAvg",
        "ZsMax",
        "Cou",
        # Facility running state and running time (SBxxx-RS, SBxxx-RT).
        "RS",
        "RT",
        # Noise period / day / night values.
        "Data",
        "DayData",
        "NightData",
    }
)
"""``code-Field`` suffixes whose values are numbers (2017 Table 4)."""

FLAG_ANSWER: Final = 0x01
"""Flag bit 0: the sender wants an answer (2017 Table 3, bit A)."""
FLAG_PACKET_NO: Final = 0x02
"""Flag bit 1: PNUM/PNO are present (2017 Table 3, bit D)."""


@dataclass(frozen=True, slots=True)
class Packet:
    """One HJ 212 data segment, decoded (HJ 212-2017 §6.3.2, Table 3).

    Examples
    --------
    >>> p = Packet(cn="2011", flag=5, cp={"DataTime": "20240801120000"},
    ...            pollutants={"a34004": {"Rtd": Decimal("35.0"), "Flag": "N"}})
    >>> p.answer_required, p.flag_version.name
    (True, 'HJ212_2017')
    """

    cn: str
    qn: str | None = None
    st: str | None = None
    pw: str | None = None
    mn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    rf: int | None = None
    """Re-send flag of HJ 212-2025 (``RF=1``: data that failed to upload)."""
    cp: Mapping[str, str] = field(default_factory=dict)
    """CP items without a factor code, as text, in wire order."""
    pollutants: Mapping[str, Mapping[str, CpValue]] = field(default_factory=dict)
    """``code -> field -> value``, in wire order."""
    extra_header: tuple[tuple[str, str], ...] = ()
    """Header fields the standard does not define, kept in wire order."""
    trailing_semicolon: bool = field(default=False, compare=False)
    """Layout only: the CP ended in ``;`` (seen in circulated examples)."""

    @property
    def answer_required(self) -> bool:
        """Flag bit 0 (A): the sender waits for an answer (2017 §3.1)."""
        return self.flag is not None and bool(self.flag & FLAG_ANSWER)

    @property
    def flag_version(self) -> Version:
        """The version the Flag claims; a hint only (see ``DeviceProfile``)."""
        return version_from_flag(self.flag)

    @property
    def data_time(self) -> str | None:
        """``DataTime`` of the CP, ``YYYYMMDDhhmmss``, if present."""
        return self.cp.get("DataTime")
