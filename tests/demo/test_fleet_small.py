"""The demo fleet without the demo city: the small test city, or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from greenloop.demo.fleet import UnableToProvision, load_sim_devices, provision_demo_fleet
from greenloop.monitoring.models import Device

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


def test_without_a_city_there_is_nothing_to_provision() -> None:
    with pytest.raises(UnableToProvision):
        provision_demo_fleet(seed=1, now=NOW)


def test_the_simulator_runs_the_registry_devices_it_is_given(city: Any) -> None:
    provision_demo_fleet(seed=7, now=NOW)

    devices = load_sim_devices(limit=3)

    assert len(devices) == 3
    assert [d.mn for d in devices] == list(
        Device.objects.order_by("pk").values_list("mn", flat=True)[:3]
    )
