"""The demo fleet registered for the whole demo city."""

from __future__ import annotations

from typing import Any

import pytest

from greenloop.demo.fleet import load_sim_devices, provision_demo_fleet
from greenloop.hj212 import Version
from greenloop.monitoring.models import Device, Site, SiteKind

pytestmark = pytest.mark.django_db


def test_every_monitoring_point_and_river_of_the_demo_city_gets_a_device(
    demo: Any, demo_now: Any
) -> None:
    from greenloop.org.models import ChiefObject, ChiefSystem

    added = provision_demo_fleet(seed=2026, now=demo_now)
    again = provision_demo_fleet(seed=2026, now=demo_now)

    points = set(
        ChiefObject.objects.filter(system=ChiefSystem.POINT).values_list("code", flat=True)
    )
    kinds = {kind: Site.objects.filter(kind=kind).count() for kind in SiteKind.values}
    assert again == 0 and added == Device.objects.count()
    # One station, one site: every point-chief object is a site of its code,
    # and the air history's provincial and further micro-stations join them.
    assert points <= set(Site.objects.values_list("code", flat=True))
    assert kinds[SiteKind.NATIONAL_AIR] == 10 and kinds[SiteKind.PROVINCIAL_AIR] == 2
    assert kinds[SiteKind.MICRO_AIR] == 229
    assert kinds[SiteKind.WATER_SECTION] == 12
    assert kinds[SiteKind.ELECTRICITY_METER] == 2 * kinds[SiteKind.ENTERPRISE_OUTLET]
    devices = load_sim_devices()
    meters = [d for d in devices if d.kind == SiteKind.ELECTRICITY_METER]
    assert {d.role for d in meters} == {"production", "treatment"}
    assert all(d.version == Version.HJ212_2025 and d.sm4_key for d in meters)
    assert {d.version for d in devices} == set(Version)
