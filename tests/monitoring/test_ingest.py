"""store_batch and update_latest_values: the group commit, against the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from greenloop.monitoring.models import (
    Device,
    DeviceStatus,
    InboxPacket,
    LatestValue,
    RejectCount,
    RejectedPacket,
)
from greenloop.monitoring.records import Batch, Newcomer, Reading, Rejection, Sighting
from tests.monitoring.conftest import NOW, ingest

pytestmark = pytest.mark.django_db


def _reading(
    device: Any, *, minutes: int = 0, value: str = "35.0", cn: str = "2011", **kw: Any
) -> Reading:
    fields = {
        "device_id": device.pk,
        "site_id": device.site_id,
        "mn": device.mn,
        "cn": cn,
        "data_time": NOW - timedelta(minutes=minutes),
        "received_at": NOW,
        "raw": b"##0000QN=...&&ABCD",
        "qn": "20261124100000123",
        "flag": 5,
        "cp": {"DataTime": "20261124100000"},
        "pollutants": {"a34004": {"Rtd": value, "Flag": "N"}},
        "peer": "10.0.0.7:40001",
    }
    fields.update(kw)
    return Reading(**fields)


def test_it_stores_a_batch_with_the_packet_as_received(fleet: Any) -> None:
    readings = [_reading(fleet.device, minutes=m) for m in range(3)]

    result = ingest(Batch(readings=readings))

    assert (result.inserted, result.duplicates) == (3, 0)
    row = InboxPacket.objects.order_by("data_time").first()
    assert row is not None
    assert bytes(row.raw) == b"##0000QN=...&&ABCD"
    assert row.pollutants == {"a34004": {"Rtd": "35.0", "Flag": "N"}}
    assert (row.mn, row.cn, row.pno, row.qn) == (fleet.device.mn, "2011", 0, "20261124100000123")


def test_it_stores_any_bytes_and_text_exactly(fleet: Any) -> None:
    # On PostgreSQL the rows go as COPY text: its escapes must not show.
    raw = bytes(range(256)) + b"\\N\\x00"
    cp = {"DataTime": "20261124100000", "Note": "a\\tb\\\\N \"q\" 中文"}
    pollutants = {"i12001": {"Info": "C:\\log\\n"}}
    reading = _reading(fleet.device, raw=raw, qn="1\\2", cp=cp, pollutants=pollutants)

    ingest(Batch(readings=[reading]))

    row = InboxPacket.objects.get()
    assert (bytes(row.raw), row.qn, row.cp, row.pollutants) == (raw, "1\\2", cp, pollutants)


def test_a_resent_packet_is_stored_once(fleet: Any) -> None:
    ingest(Batch(readings=[_reading(fleet.device)]))

    result = ingest(Batch(readings=[_reading(fleet.device), _reading(fleet.device)]))

    assert (result.inserted, result.duplicates) == (0, 2)
    assert InboxPacket.objects.count() == 1


def test_a_batch_with_a_resend_among_new_packets_stores_the_new_ones_only(fleet: Any) -> None:
    # On PostgreSQL the batch is first copied straight in; the re-send makes
    # that fail as a whole, and the batch goes in again with the check.
    ingest(Batch(readings=[_reading(fleet.device, minutes=5, value="10")]))
    resent = _reading(fleet.device, minutes=5, value="77")  # same packet, other text
    new = [_reading(fleet.device, minutes=m, value="12") for m in (60, 61)]

    result = ingest(Batch(readings=[new[0], resent, new[1]]))

    assert (result.inserted, result.duplicates) == (2, 1)
    assert result.fresh == (new[0], new[1])
    assert InboxPacket.objects.count() == 3
    stored = InboxPacket.objects.get(data_time=NOW - timedelta(minutes=5))
    assert stored.pollutants["a34004"]["Rtd"] == "10"
    # The re-send is not a newer value: the latest stays what was stored.
    assert _latest(fleet.device, "a34004").text == "10"

    # And the next batch without re-sends goes in whole.
    after = ingest(Batch(readings=[_reading(fleet.device, minutes=m) for m in (1, 2)]))
    assert (after.inserted, after.duplicates) == (2, 0)
    assert InboxPacket.objects.count() == 5


def test_the_database_refuses_a_second_row_for_the_same_packet(fleet: Any) -> None:
    from django.db import IntegrityError, transaction

    ingest(Batch(readings=[_reading(fleet.device)]))
    row = InboxPacket.objects.get()
    row.pk = None

    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_split_parts_are_stored_one_row_each(fleet: Any) -> None:
    parts = [_reading(fleet.device, pno=n, pnum=2) for n in (1, 2)]

    ingest(Batch(readings=parts))

    assert sorted(InboxPacket.objects.values_list("pno", flat=True)) == [1, 2]


def _latest(device: Any, code: str, cn: str = "2011") -> Any:
    row = LatestValue.objects.get(device=device, cn=cn)
    return {f.code: f for f in row.factors()}[code]


def test_latest_values_move_forward_and_never_back(fleet: Any) -> None:
    ingest(Batch(readings=[_reading(fleet.device, minutes=0, value="40.5")]))

    ingest(Batch(readings=[_reading(fleet.device, minutes=60, value="12.0")]))

    latest = _latest(fleet.device, "a34004")
    assert (latest.value, latest.text, latest.flag, latest.field) == (40.5, "40.5", "N", "Rtd")
    assert latest.data_time == NOW
    assert LatestValue.objects.get(device=fleet.device).site_id == fleet.site.pk


def test_a_late_packet_adds_its_missing_factors_but_moves_none_back(fleet: Any) -> None:
    # A device sending an old hour late (补发): the factor only it carries
    # is taken, the newer value of the factor both carry is kept.
    ingest(Batch(readings=[_reading(fleet.device, minutes=0, value="40.5")]))
    late = _reading(
        fleet.device,
        minutes=60,
        pollutants={"a34004": {"Rtd": "12.0", "Flag": "N"}, "a34002": {"Rtd": "80", "Flag": "N"}},
    )

    ingest(Batch(readings=[late]))

    assert (_latest(fleet.device, "a34004").text, _latest(fleet.device, "a34004").data_time) == (
        "40.5",
        NOW,
    )
    assert (_latest(fleet.device, "a34002").text, _latest(fleet.device, "a34002").data_time) == (
        "80",
        NOW - timedelta(minutes=60),
    )
    assert LatestValue.objects.get(device=fleet.device).data_time == NOW


def test_the_parts_of_a_split_packet_make_one_set_of_latest_values(fleet: Any) -> None:
    parts = [
        _reading(fleet.device, pno=1, pnum=2, pollutants={"a34004": {"Rtd": "35", "Flag": "N"}}),
        _reading(fleet.device, pno=2, pnum=2, pollutants={"a34002": {"Rtd": "60", "Flag": "N"}}),
    ]

    ingest(Batch(readings=parts[:1]))
    ingest(Batch(readings=parts[1:]))

    row = LatestValue.objects.get(device=fleet.device)
    assert {f.code: f.text for f in row.factors()} == {"a34004": "35", "a34002": "60"}


def test_latest_values_keep_real_time_and_hourly_apart(fleet: Any) -> None:
    hourly = _reading(fleet.device, cn="2061", pollutants={"a34004": {"Avg": "30", "Flag": "N"}})

    ingest(Batch(readings=[_reading(fleet.device), hourly]))

    assert {r.cn: r.factors()[0].field for r in LatestValue.objects.all()} == {
        "2011": "Rtd",
        "2061": "Avg",
    }


@pytest.mark.parametrize(
    # Backslashes and quotes: escapes of JSON and of COPY's text format.
    "text", ["//正常//", "1e999", "NaN", "12,5", "0x1F", "C:\\log\\n", '"x" \\N']
)
def test_a_value_that_is_not_a_number_is_kept_as_text(fleet: Any, text: str) -> None:
    reading = _reading(fleet.device, pollutants={"i12001": {"Info": text}})

    ingest(Batch(readings=[reading]))

    latest = _latest(fleet.device, "i12001")
    assert (latest.value, latest.text) == (None, text)


def test_it_counts_rejections_per_hour_and_keeps_samples(fleet: Any) -> None:
    rejections = [
        Rejection(kind="crc", received_at=NOW, raw=b"##0101QN", peer="p", mn="M"),
        Rejection(kind="crc", received_at=NOW, sample=False),
        Rejection(kind="unknown_device", received_at=NOW, raw=b"x" * 2000),
    ]

    ingest(Batch(rejections=rejections))
    ingest(Batch(rejections=rejections[:1]))

    counts = dict(RejectCount.objects.values_list("kind", "count"))
    assert counts == {"crc": 3, "unknown_device": 1}
    assert RejectedPacket.objects.count() == 3
    assert max(len(bytes(r.raw)) for r in RejectedPacket.objects.all()) == 512


def test_it_quarantines_newcomers_once(fleet: Any) -> None:
    newcomer = Newcomer(mn="NEW0001", password="pw", st="32", version=2, seen_at=NOW, peer="p")

    ingest(Batch(newcomers=[newcomer, newcomer]))
    ingest(Batch(newcomers=[newcomer]))

    device = Device.objects.get(mn="NEW0001")
    assert (device.status, device.site, device.protocol_version, device.password) == (
        DeviceStatus.QUARANTINED,
        None,
        "2025",
        "pw",
    )


def test_it_updates_last_seen_and_last_data(fleet: Any) -> None:
    later = NOW + timedelta(minutes=5)

    ingest(
        Batch(
            readings=[_reading(fleet.device)],
            sightings=[
                Sighting(fleet.device.pk, later, "10.0.0.8:1"),
                Sighting(fleet.other_device.pk, NOW),
            ],
        )
    )

    fleet.device.refresh_from_db()
    fleet.other_device.refresh_from_db()
    assert (fleet.device.last_seen_at, fleet.device.last_data_at) == (later, NOW)
    assert fleet.device.last_peer == "10.0.0.8:1"
    assert (fleet.other_device.last_seen_at, fleet.other_device.last_data_at) == (NOW, None)


def test_a_batch_takes_a_fixed_number_of_queries(
    fleet: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection

    from greenloop.monitoring.ingest import store_batch, update_latest_values

    readings = [_reading(fleet.device, minutes=m) for m in range(200)]
    readings += [_reading(fleet.other_device, minutes=m) for m in range(200)]
    # Multi-row INSERTs: SQLite takes 999 parameters a statement (14 per
    # inbox row), PostgreSQL 65535 (1000 rows a statement at most).
    per_statement = min(1000, (connection.features.max_query_params or 65_535) // 14)
    inserts = -(-len(readings) // per_statement)

    with django_assert_max_num_queries(8 + inserts):
        result = store_batch(Batch(readings=readings, sightings=[Sighting(fleet.device.pk, NOW)]))
    # A few statements whatever the number of packets (on PostgreSQL the
    # staging table, the merge and its emptying), in a savepoint here.
    with django_assert_max_num_queries(5):
        update_latest_values(result)

    assert InboxPacket.objects.count() == 400
    assert LatestValue.objects.count() == 2  # one per device and CN
