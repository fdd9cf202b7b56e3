"""check_device_health: online status, offline and data-gap alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from greenloop.monitoring.health import check_device_health
from greenloop.monitoring.models import AlertKind, MonitoringAlert
from greenloop.monitoring.records import Batch, Reading, Sighting
from tests.monitoring.conftest import NOW, ingest

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _hourly(device: Any, *, at: Any, codes: tuple[str, ...] = ("a34004", "a34002")) -> Reading:
    return Reading(
        device_id=device.pk,
        site_id=device.site_id,
        mn=device.mn,
        cn="2061",
        data_time=at,
        received_at=at + HOUR,
        raw=b"##",
        pollutants={code: {"Avg": "10", "Flag": "N"} for code in codes},
    )


def _open(kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (a.device.mn, a.detail)
        for a in MonitoringAlert.objects.filter(kind=kind, ended_at__isnull=True).order_by("pk")
    ]


def test_a_device_that_reports_is_online_and_raises_no_alert(fleet: Any) -> None:
    ingest(Batch(readings=[_hourly(fleet.device, at=NOW - HOUR)]))
    ingest(Batch(sightings=[Sighting(fleet.other_device.pk, NOW)]))
    fleet.other_device.expected_factors = []
    fleet.other_device.last_data_at = NOW
    fleet.other_device.save()

    report = check_device_health(now=NOW, missed_intervals=3)

    assert (report.online, report.offline, report.opened) == (2, 0, [])
    fleet.device.refresh_from_db()
    assert fleet.device.is_online(now=NOW, missed_intervals=3)


def test_a_silent_device_goes_offline_after_the_missed_intervals(fleet: Any) -> None:
    ingest(Batch(sightings=[Sighting(fleet.device.pk, NOW), Sighting(fleet.other_device.pk, NOW)]))

    still_online = check_device_health(now=NOW + 3 * HOUR, missed_intervals=3)
    ingest(Batch(sightings=[Sighting(fleet.other_device.pk, NOW + 3 * HOUR)]))
    report = check_device_health(now=NOW + 3 * HOUR + timedelta(seconds=1), missed_intervals=3)

    assert still_online.offline == 0
    assert report.offline == 1
    assert _open(AlertKind.OFFLINE) == [(fleet.device.mn, {"last_seen_at": NOW.isoformat()})]


def test_a_device_never_heard_from_counts_from_its_acceptance(fleet: Any) -> None:
    report = check_device_health(now=NOW + 4 * HOUR, missed_intervals=3)

    assert report.offline == 2
    assert {mn for mn, _ in _open(AlertKind.OFFLINE)} == {fleet.device.mn, fleet.other_device.mn}


def test_an_offline_alert_closes_when_the_device_is_back(fleet: Any) -> None:
    check_device_health(now=NOW + 4 * HOUR, missed_intervals=3)
    back = NOW + 5 * HOUR
    ingest(Batch(sightings=[Sighting(fleet.device.pk, back)]))

    report = check_device_health(now=back, missed_intervals=3)
    again = check_device_health(now=back, missed_intervals=3)

    (closed,) = report.closed
    assert (closed.device_id, closed.kind, closed.ended_at) == (
        fleet.device.pk,
        AlertKind.OFFLINE,
        back,
    )
    assert again.opened == [] and again.closed == []
    assert MonitoringAlert.objects.filter(kind=AlertKind.OFFLINE).count() == 2


def test_an_online_device_missing_an_expected_factor_has_a_data_gap(fleet: Any) -> None:
    now = NOW + 5 * HOUR
    ingest(
        Batch(
            readings=[
                _hourly(fleet.device, at=now - HOUR, codes=("a34004",)),
                _hourly(fleet.device, at=now - 4 * HOUR, codes=("a34002",)),
            ],
            sightings=[Sighting(fleet.device.pk, now)],
        )
    )

    check_device_health(now=now, missed_intervals=3)

    (gap,) = [d for mn, d in _open(AlertKind.DATA_GAP) if mn == fleet.device.mn]
    assert gap["factors"] == ["a34002"]


def test_a_newly_registered_device_has_no_data_gap_before_its_first_intervals(
    fleet: Any,
) -> None:
    # Online (it said hello) but no data yet: not a gap until 3 intervals pass.
    ingest(Batch(sightings=[Sighting(fleet.device.pk, NOW + HOUR)]))

    early = check_device_health(now=NOW + HOUR, missed_intervals=3)
    ingest(Batch(sightings=[Sighting(fleet.device.pk, NOW + 4 * HOUR)]))
    late = check_device_health(now=NOW + 4 * HOUR, missed_intervals=3)

    assert not [a for a in early.opened if a.kind == AlertKind.DATA_GAP]
    (gap,) = [d for mn, d in _open(AlertKind.DATA_GAP) if mn == fleet.device.mn]
    assert gap["factors"] == ["a34004", "a34002"]
    assert late.online >= 1


def test_a_data_gap_follows_the_missing_factors_and_closes(fleet: Any) -> None:
    now = NOW + 5 * HOUR
    ingest(Batch(sightings=[Sighting(fleet.device.pk, now)]))
    check_device_health(now=now, missed_intervals=3)
    ingest(Batch(readings=[_hourly(fleet.device, at=now - HOUR, codes=("a34004",))]))
    check_device_health(now=now, missed_intervals=3)
    narrowed = [d["factors"] for mn, d in _open(AlertKind.DATA_GAP) if mn == fleet.device.mn]
    ingest(Batch(readings=[_hourly(fleet.device, at=now - 2 * HOUR, codes=("a34002",))]))

    report = check_device_health(now=now, missed_intervals=3)

    assert narrowed == [["a34002"]]
    assert [a.device_id for a in report.closed if a.kind == AlertKind.DATA_GAP] == [fleet.device.pk]


def test_an_offline_device_has_no_separate_data_gap(fleet: Any) -> None:
    check_device_health(now=NOW + 10 * HOUR, missed_intervals=3)

    assert _open(AlertKind.DATA_GAP) == []


def test_the_number_of_missed_intervals_comes_from_settings(fleet: Any, settings: Any) -> None:
    settings.GREENLOOP_MONITORING_MISSED_INTERVALS = 10
    ingest(Batch(sightings=[Sighting(fleet.device.pk, NOW), Sighting(fleet.other_device.pk, NOW)]))

    report = check_device_health(now=NOW + 5 * HOUR)

    assert report.offline == 0


def test_a_check_takes_a_fixed_number_of_queries(
    fleet: Any, django_assert_max_num_queries: Any
) -> None:
    check_device_health(now=NOW + 10 * HOUR, missed_intervals=3)

    with django_assert_max_num_queries(5):
        check_device_health(now=NOW + 11 * HOUR, missed_intervals=3)
