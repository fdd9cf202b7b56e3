"""The device registry: services, constraints, visibility, factor codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from greenloop.hj212 import Version
from greenloop.monitoring.models import Device, DeviceStatus, FactorCode, ProtocolVersion, Site
from greenloop.monitoring.services import (
    UnableToAcceptDevice,
    accept_device,
    disable_device,
    register_device,
    sync_factor_codes,
)
from tests.monitoring.conftest import NOW

pytestmark = pytest.mark.django_db


def test_factor_codes_are_loaded_from_the_kernel() -> None:
    pm25 = FactorCode.objects.get(code="a34004")

    assert (pm25.name, pm25.name_en) == ("细颗粒物", "PM2.5")
    assert FactorCode.objects.get(code="w01018").code_2005 == "011"
    assert sync_factor_codes() == FactorCode.objects.count()


def test_a_device_profile_follows_its_registration(fleet: Any) -> None:
    device = register_device(
        mn="2025DEVICE",
        password="pw",
        site=fleet.site,
        now=NOW,
        protocol_version=ProtocolVersion.HJ212_2025,
        sm4_key="30" * 16,
    )

    assert device.profile.version == Version.HJ212_2025
    assert device.profile.sm4_key == b"0" * 16
    assert fleet.device.profile.sm4_key is None


def test_an_sm4_key_must_be_32_hex_digits_of_a_2025_device(fleet: Any) -> None:
    with pytest.raises(ValidationError):
        register_device(mn="K1", password="pw", site=fleet.site, now=NOW, sm4_key="30" * 15)
    with pytest.raises(ValidationError):
        register_device(mn="K2", password="pw", site=fleet.site, now=NOW, sm4_key="30" * 16)


def test_an_active_device_needs_a_site(fleet: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(
            mn="NOSITE", password="pw", status=DeviceStatus.ACTIVE, created_at=NOW
        )


def test_an_administrator_accepts_a_quarantined_device(city: Any, fleet: Any) -> None:
    waiting = Device.objects.create(
        mn="NEW1", password="pw", st="22", status=DeviceStatus.QUARANTINED, created_at=NOW
    )

    device = accept_device(
        device=waiting,
        site=fleet.site,
        now=NOW,
        expected_factors=["a34004"],
        actor=city.users["sysadmin"],
    )

    device.refresh_from_db()
    assert (device.status, device.site, device.accepted_at, device.password) == (
        DeviceStatus.ACTIVE,
        fleet.site,
        NOW,
        "pw",
    )
    assert device.expected_factors == ["a34004"]
    from greenloop.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="greenloop.monitoring.device.accepted", target="NEW1"
    ).exists()


def test_only_a_quarantined_device_can_be_accepted(fleet: Any) -> None:
    with pytest.raises(UnableToAcceptDevice):
        accept_device(device=fleet.device, site=fleet.site, now=NOW)


def test_a_disabled_device_keeps_its_site(fleet: Any) -> None:
    device = disable_device(device=fleet.device)

    assert (device.status, device.site) == (DeviceStatus.DISABLED, fleet.site)


@pytest.mark.parametrize(
    ("persona", "sites"),
    [
        ("dispatcher", {"TX-AIR-1", "DS-WATER-1"}),
        ("county_user", {"TX-AIR-1"}),
        ("other_county", {"DS-WATER-1"}),
        ("dept_user", set()),
        ("auditor", set()),
        ("sysadmin", {"TX-AIR-1", "DS-WATER-1"}),
    ],
)
def test_sites_and_devices_are_visible_by_territory(
    city: Any, fleet: Any, persona: str, sites: set[str]
) -> None:
    user = city.users[persona]

    visible_sites = set(Site.objects.visible_to(user).values_list("code", flat=True))
    visible_devices = set(Device.objects.visible_to(user).values_list("site__code", flat=True))

    assert visible_sites == sites
    assert visible_devices == sites


def test_quarantined_devices_are_visible_to_the_system_administrator_only(
    city: Any, fleet: Any
) -> None:
    Device.objects.create(mn="NEW1", password="pw", status=DeviceStatus.QUARANTINED, created_at=NOW)

    seen_by_admin = Device.objects.visible_to(city.users["sysadmin"]).filter(mn="NEW1").exists()
    seen_by_city = Device.objects.visible_to(city.users["dispatcher"]).filter(mn="NEW1").exists()

    assert seen_by_admin and not seen_by_city
