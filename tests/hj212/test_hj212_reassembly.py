"""Split packets (HJ 212-2017 §6.3.2, Appendix C.49/C.50)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from greenloop.hj212 import Packet, PacketError, Reassembler


def part(pno: int, pnum: int = 2, **pollutants: str) -> Packet:
    return Packet(
        cn="2061",
        qn=f"2026010110000000{pno}",
        mn="M",
        flag=7,
        pnum=pnum,
        pno=pno,
        cp={"DataTime": "20260101090000"},
        pollutants={k: {"Avg": Decimal(v)} for k, v in pollutants.items()},
    )


def test_parts_arriving_out_of_order_give_one_packet_in_pno_order() -> None:
    reassembler = Reassembler()

    first = reassembler.add(part(2, w21003="0.5"), now=0.0)
    whole = reassembler.add(part(1, w01018="21.5"), now=1.0)

    assert first is None
    assert whole is not None
    assert list(whole.pollutants) == ["w01018", "w21003"]
    assert (whole.qn, whole.pnum, whole.pno, whole.data_time) == (
        "20260101100000001",
        None,
        None,
        "20260101090000",
    )
    assert len(reassembler) == 0


def test_a_packet_without_pnum_and_pno_passes_through_even_with_bit_d_set() -> None:
    packet = Packet(cn="2011", flag=7)

    assert Reassembler().add(packet, now=0.0) is packet


def test_a_resent_part_replaces_the_earlier_copy() -> None:
    reassembler = Reassembler()

    reassembler.add(part(1, w01018="1"), now=0.0)
    reassembler.add(part(1, w01018="1"), now=1.0)
    whole = reassembler.add(part(2, w21003="2"), now=2.0)

    assert whole is not None and len(whole.pollutants) == 2


def test_incomplete_sets_expire_after_the_timeout() -> None:
    reassembler = Reassembler(timeout=30.0)
    reassembler.add(part(1, pnum=3, a="1"), now=0.0)

    assert reassembler.expire(now=29.0) == []
    expired = reassembler.expire(now=30.0)

    assert [p.pno for p in expired[0]] == [1]
    assert len(reassembler) == 0


@pytest.mark.parametrize("pno", [0, 3])
def test_a_pno_outside_one_to_pnum_is_a_format_error(pno: int) -> None:
    with pytest.raises(PacketError) as caught:
        Reassembler().add(part(pno, pnum=2), now=0.0)

    assert caught.value.kind == "format"


def test_a_pnum_that_changes_within_a_set_drops_the_set() -> None:
    reassembler = Reassembler()
    reassembler.add(part(1, pnum=2), now=0.0)

    with pytest.raises(PacketError, match="PNUM"):
        reassembler.add(part(2, pnum=3), now=1.0)

    assert len(reassembler) == 0


def test_parts_that_disagree_on_a_value_are_a_format_error() -> None:
    reassembler = Reassembler()
    reassembler.add(part(1, a="1"), now=0.0)

    with pytest.raises(PacketError, match="disagree"):
        reassembler.add(part(2, a="2"), now=1.0)
