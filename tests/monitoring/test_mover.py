"""The lake mover: closed inbox packets to Parquet, then out of the inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from greenloop.analytics import lake
from greenloop.monitoring import mover
from greenloop.monitoring.models import InboxPacket
from greenloop.monitoring.records import Batch, Reading
from tests.monitoring.conftest import ingest

pytestmark = pytest.mark.django_db

# 2026-11-24 10:00 Beijing. With 48 h of retention the cutoff is 2026-11-22
# 10:00 Beijing: data of 2026-11-21 (Beijing) and before may move.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NOV21_BEIJING = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 2026-11-21 00:00 Beijing
NOV22_BEIJING = NOV21_BEIJING + timedelta(days=1)


def _packet(
    device: Any,
    data_time: datetime | None,
    *,
    cn: str = "2061",
    received_at: datetime | None = None,
    pollutants: dict[str, dict[str, str]] | None = None,
    raw: bytes = b"##0101QN=20261121000000000;ST=22;CN=2061;...&&ABCD",
) -> Reading:
    return Reading(
        device_id=device.pk,
        site_id=device.site_id,
        mn=device.mn,
        cn=cn,
        data_time=data_time,
        received_at=received_at or (data_time or NOW) + timedelta(minutes=3),
        raw=raw,
        pollutants={"a34004": {"Avg": "35.0", "Flag": "N"}} if pollutants is None else pollutants,
    )


def _lake_rows(lake_dir: Path, kind: str = "hour") -> list[dict[str, Any]]:
    files = sorted((lake_dir / "readings" / f"kind={kind}").glob("date=*/part-0.parquet"))
    rows = [row for f in files for row in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: (r["mn"], r["factor"], r["data_time"]))


def _move(lake_dir: Path, **kw: Any) -> mover.MoveSummary:
    return mover.move_closed_packets(
        now=NOW, lake_dir=lake_dir, retention=timedelta(hours=48), **kw
    )


def test_closed_days_move_to_the_lake_and_recent_data_stays_in_the_inbox(
    fleet: Any, tmp_path: Path
) -> None:
    closed = [_packet(fleet.device, NOV21_BEIJING + timedelta(hours=h)) for h in range(24)]
    # 2026-11-22 01:00 Beijing: its day had not ended 48 h before NOW.
    open_day = _packet(fleet.device, NOV22_BEIJING + timedelta(hours=1))
    ingest(Batch(readings=[*closed, open_day]))

    summary = _move(tmp_path)

    assert (summary.packets, summary.data_packets, summary.readings) == (24, 24, 24)
    assert list(InboxPacket.objects.values_list("data_time", flat=True)) == [open_day.data_time]
    rows = _lake_rows(tmp_path)
    assert len(rows) == 24
    assert {(r["mn"], r["site"], r["factor"], r["avg"], r["valid"]) for r in rows} == {
        (fleet.device.mn, "TX-AIR-1", "a34004", 35.0, True)
    }
    assert lake.partition_dates(tmp_path, "hour") == [datetime(2026, 11, 21).date()]


def test_a_packet_received_within_the_retention_window_stays_even_for_an_old_day(
    fleet: Any, tmp_path: Path
) -> None:
    resent = _packet(fleet.device, NOV21_BEIJING, received_at=NOW - timedelta(hours=1))
    ingest(Batch(readings=[resent]))

    summary = _move(tmp_path)

    assert summary.packets == 0
    assert InboxPacket.objects.count() == 1


def test_each_command_goes_to_its_kind(fleet: Any, tmp_path: Path) -> None:
    at = NOV21_BEIJING + timedelta(hours=8)
    ingest(
        Batch(
            readings=[
                _packet(fleet.device, at, cn="2011", pollutants={"a34004": {"Rtd": "31.5"}}),
                _packet(fleet.device, at, cn="2051", pollutants={"a34004": {"Avg": "32"}}),
                _packet(fleet.device, at, cn="2061", pollutants={"a34004": {"Avg": "33"}}),
                _packet(fleet.device, at, cn="2031", pollutants={"a34004": {"Avg": "34"}}),
            ]
        )
    )

    _move(tmp_path)

    assert [r["rtd"] for r in _lake_rows(tmp_path, "realtime")] == [31.5]
    assert [r["avg"] for r in _lake_rows(tmp_path, "minute")] == [32.0]
    assert [r["avg"] for r in _lake_rows(tmp_path, "hour")] == [33.0]
    assert [r["avg"] for r in _lake_rows(tmp_path, "day")] == [34.0]


def test_2005_codes_are_normalised_and_flags_and_validity_kept(fleet: Any, tmp_path: Path) -> None:
    ingest(
        Batch(
            readings=[
                _packet(
                    fleet.device,
                    NOV21_BEIJING,
                    pollutants={
                        "02": {"Avg": "12", "Min": "10", "Max": "15"},  # SO2, 2005, no flag
                        "a21004": {"Avg": "40", "Flag": "M"},
                        "a34004": {"Avg": "35", "Flag": "N", "EFlag": "A01"},
                        "a01001": {"Info": "no value field"},
                    },
                )
            ]
        )
    )

    _move(tmp_path)

    got = {
        r["factor"]: (r["avg"], r["min"], r["max"], r["flag"], r["eflag"], r["valid"])
        for r in _lake_rows(tmp_path)
    }
    assert got == {
        "a21026": (12.0, 10.0, 15.0, None, None, True),
        "a21004": (40.0, None, None, "M", None, False),
        "a34004": (35.0, None, None, "N", "A01", True),
    }


def test_a_failed_lake_write_deletes_nothing_and_a_rerun_writes_each_row_once(
    fleet: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(
        Batch(
            readings=[_packet(fleet.device, NOV21_BEIJING + timedelta(hours=h)) for h in range(3)]
        )
    )
    real_write = lake.write_readings

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lake, "write_readings", disk_full)
    with pytest.raises(OSError, match="No space left"):
        _move(tmp_path)
    assert InboxPacket.objects.count() == 3
    monkeypatch.setattr(lake, "write_readings", real_write)

    summary = _move(tmp_path)

    assert summary.packets == 3
    assert InboxPacket.objects.count() == 0
    assert [r["data_time"].hour for r in _lake_rows(tmp_path)] == [16, 17, 18]


def test_a_crash_after_the_write_and_before_the_delete_is_repaired_by_the_next_run(
    fleet: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(
        Batch(
            readings=[_packet(fleet.device, NOV21_BEIJING + timedelta(hours=h)) for h in range(3)]
        )
    )
    real_delete = mover._delete

    def killed(ids: list[int]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(mover, "_delete", killed)
    with pytest.raises(KeyboardInterrupt):
        _move(tmp_path)
    assert InboxPacket.objects.count() == 3 and len(_lake_rows(tmp_path)) == 3
    monkeypatch.setattr(mover, "_delete", real_delete)

    _move(tmp_path)

    assert InboxPacket.objects.count() == 0
    rows = _lake_rows(tmp_path)
    assert len(rows) == 3
    assert len({(r["mn"], r["factor"], r["data_time"]) for r in rows}) == 3


def test_other_packets_leave_after_retention_and_all_but_key_flows_are_kept_raw(
    fleet: Any, tmp_path: Path
) -> None:
    heartbeat = _packet(
        fleet.device,
        None,
        cn="9013",
        received_at=NOW - timedelta(hours=50),
        pollutants={},
        raw=b"##0040QN=20261122000000000;ST=91;CN=9013;&&&&ABCD",
    )
    recent_heartbeat = _packet(
        fleet.device, None, cn="9013", received_at=NOW - timedelta(hours=1), pollutants={}
    )
    data = _packet(fleet.device, NOV21_BEIJING)
    new_key = _packet(
        fleet.device,
        None,
        cn="1014",
        received_at=NOW - timedelta(hours=50),
        pollutants={},
        raw=b"##0060QN=20261122000000001;ST=22;CN=1014;CP=&&NewSK=0123456789ABCDEF&&ABCD",
    )
    ingest(Batch(readings=[heartbeat, recent_heartbeat, data, new_key]))

    summary = _move(tmp_path)

    assert (summary.packets, summary.data_packets) == (3, 1)
    assert list(InboxPacket.objects.values_list("received_at", flat=True)) == [
        recent_heartbeat.received_at
    ]
    raw = [
        row
        for f in sorted((tmp_path / "raw").glob("date=*/part-*.parquet"))
        for row in pq.read_table(f).to_pylist()
    ]
    assert sorted((r["cn"], r["raw"]) for r in raw) == [
        ("2061", data.raw),
        ("9013", heartbeat.raw),
    ]
    assert all(r["mn"] == fleet.device.mn for r in raw)


def test_one_run_reads_the_inbox_in_bounded_batches_and_leaves_the_rest(
    fleet: Any, tmp_path: Path
) -> None:
    ingest(
        Batch(
            readings=[_packet(fleet.device, NOV21_BEIJING + timedelta(hours=h)) for h in range(5)]
        )
    )

    first = _move(tmp_path, batch_size=2, max_batches=2)
    second = _move(tmp_path, batch_size=2, max_batches=2)

    assert (first.packets, first.batches, first.more) == (4, 2, True)
    assert (second.packets, second.more) == (1, False)
    assert len(_lake_rows(tmp_path)) == 5


def test_packets_already_flushed_leave_the_inbox_when_a_later_flush_fails(
    fleet: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(
        Batch(
            readings=[_packet(fleet.device, NOV21_BEIJING + timedelta(hours=h)) for h in range(4)]
        )
    )
    real_write = lake.write_readings
    calls: list[int] = []

    def fails_the_second_time(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(5, "I/O error")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(lake, "write_readings", fails_the_second_time)

    with pytest.raises(OSError, match="I/O error"):
        _move(tmp_path, batch_size=2, flush_rows=2)

    assert InboxPacket.objects.count() == 2
    assert [r["data_time"].hour for r in _lake_rows(tmp_path)] == [16, 17]


def test_lake_status_reports_the_inbox_and_the_lake(
    fleet: Any, tmp_path: Path, settings: Any
) -> None:
    from greenloop.jobs.models import JobRun, RunStatus

    settings.GREENLOOP_LAKE_DIR = tmp_path
    empty = mover.lake_status(NOW)
    ingest(
        Batch(readings=[_packet(fleet.device, NOV21_BEIJING), _packet(fleet.device, NOV22_BEIJING)])
    )
    _move(tmp_path)
    JobRun.objects.create(
        job=mover.MOVER_JOB, scheduled_at=NOW, started_at=NOW, finished_at=NOW, status=RunStatus.OK
    )

    status = mover.lake_status(NOW)

    assert empty == mover.LakeStatus(0, None, None, None)
    assert status.inbox_depth == 1
    assert status.oldest_unmoved == NOV22_BEIJING + timedelta(minutes=3)
    # The lake holds 2026-11-21 (Beijing), which ended at 11-22 00:00 Beijing.
    assert status.lake_lag == NOW - NOV22_BEIJING
    assert status.last_move == NOW


def test_the_stations_snapshot_lists_air_sites_with_district_city_and_device(
    city: Any, fleet: Any, tmp_path: Path
) -> None:
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site, register_device
    from greenloop.org.models import Grid

    grid = Grid.objects.create(code="G-TX-01", name="兴盛网格", level=3, region=city.township)
    micro = create_site(
        code="TX-MICRO-1",
        name="兴盛微站",
        kind=SiteKind.MICRO_AIR,
        region=city.village,
        lon=123.41,
        lat=41.81,
    )
    micro.grid = grid
    micro.save()
    register_device(mn="MICRO0001", password="123456", site=micro, now=NOW)
    city_site = create_site(
        code="CITY-AIR", name="市监测站", kind=SiteKind.PROVINCIAL_AIR, region=city.city
    )

    count = mover.refresh_stations(tmp_path)

    table = lake.read_stations(tmp_path).to_pylist()
    assert count == 3
    assert [row["site"] for row in table] == [
        "CITY-AIR",
        "TX-AIR-1",
        "TX-MICRO-1",
    ]  # no water section
    by_site = {row["site"]: row for row in table}
    assert by_site["TX-MICRO-1"] == {
        "site": "TX-MICRO-1",
        "mn": "MICRO0001",
        "name": "兴盛微站",
        "kind": "micro",
        "district": city.county.code,
        "district_name": "铁西区",
        "city": city.city.code,
        "city_name": "示范市",
        "grid": "G-TX-01",
        "lon": 123.41,
        "lat": 41.81,
    }
    assert (by_site["TX-AIR-1"]["kind"], by_site["TX-AIR-1"]["mn"]) == ("national", fleet.device.mn)
    assert (by_site["CITY-AIR"]["district"], by_site["CITY-AIR"]["city"]) == (None, city.city.code)
    assert by_site["CITY-AIR"]["mn"] is None and city_site.pk


def test_without_air_sites_the_stations_table_is_left_alone(city: Any, tmp_path: Path) -> None:
    assert mover.refresh_stations(tmp_path) == 0
    assert not lake.stations_path(tmp_path).exists()


def test_the_mover_job_summarises_what_it_moved(fleet: Any, tmp_path: Path, settings: Any) -> None:
    from greenloop.monitoring.jobs import move_to_lake

    settings.GREENLOOP_LAKE_DIR = tmp_path
    settings.GREENLOOP_INBOX_RETENTION_HOURS = 48
    ingest(Batch(readings=[_packet(fleet.device, NOV21_BEIJING)]))

    summary = move_to_lake(NOW)

    assert summary == "移出 1 个数据包（其中数据包 1 个，写入读数 1 条）"
