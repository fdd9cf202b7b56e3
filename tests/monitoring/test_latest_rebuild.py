"""Migration monitoring.0005 rebuilds the latest values from the inbox."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps

from greenloop.monitoring.models import InboxPacket, LatestValue
from tests.monitoring.conftest import NOW

pytestmark = pytest.mark.django_db

_migration = importlib.import_module(
    "greenloop.monitoring.migrations.0005_latest_values_per_command"
)


def _packet(device: Any, *, minutes: int, pollutants: dict[str, Any], pno: int = 0) -> None:
    InboxPacket.objects.create(
        device=device,
        mn=device.mn,
        cn="2011",
        data_time=NOW - timedelta(minutes=minutes),
        received_at=NOW - timedelta(minutes=minutes),
        pno=pno,
        raw=b"##",
        pollutants=pollutants,
    )


def test_the_upgrade_rebuilds_each_devices_newest_values_factor_by_factor(fleet: Any) -> None:
    _packet(fleet.device, minutes=30, pollutants={"a34004": {"Rtd": "20"}, "a34002": {"Rtd": "50"}})
    _packet(fleet.device, minutes=1, pollutants={"a34004": {"Rtd": "35"}})
    _packet(fleet.device, minutes=600, pollutants={"a21026": {"Rtd": "9"}})  # older than 2 h

    _migration.rebuild(apps, None)

    row = LatestValue.objects.get(device=fleet.device, cn="2011")
    assert {f.code: f.text for f in row.factors()} == {"a34004": "35", "a34002": "50"}
    assert {f.code: f.data_time for f in row.factors()} == {
        "a34004": NOW - timedelta(minutes=1),
        "a34002": NOW - timedelta(minutes=30),
    }
    assert (row.site_id, row.data_time) == (fleet.site.pk, NOW - timedelta(minutes=1))
