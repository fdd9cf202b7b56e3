"""The registry in the admin: the system administrator accepts devices."""

from __future__ import annotations

from typing import Any

import pytest

from greenloop.monitoring.models import Device, DeviceStatus
from tests.monitoring.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_system_administrator_accepts_a_quarantined_device_with_a_site(
    city: Any, fleet: Any, login: Any
) -> None:
    waiting = Device.objects.create(
        mn="NEW1", password="pw", status=DeviceStatus.QUARANTINED, created_at=NOW, site=fleet.site
    )
    no_site = Device.objects.create(
        mn="NEW2", password="pw", status=DeviceStatus.QUARANTINED, created_at=NOW
    )
    # As `greenloop createadmin` makes the installation's first account.
    city.users["sysadmin"].is_staff = city.users["sysadmin"].is_superuser = True
    city.users["sysadmin"].save()
    client = login(city.users["sysadmin"])

    response = client.post(
        "/admin/monitoring/device/",
        {"action": "accept", "_selected_action": [waiting.pk, no_site.pk]},
        follow=True,
    )

    assert response.status_code == 200
    waiting.refresh_from_db()
    no_site.refresh_from_db()
    assert waiting.status == DeviceStatus.ACTIVE and waiting.accepted_at is not None
    assert no_site.status == DeviceStatus.QUARANTINED


@pytest.mark.parametrize("page", ["device", "inboxpacket", "rejectedpacket", "monitoringalert"])
def test_the_monitoring_admin_pages_open(city: Any, fleet: Any, login: Any, page: str) -> None:
    # As `greenloop createadmin` makes the installation's first account.
    city.users["sysadmin"].is_staff = city.users["sysadmin"].is_superuser = True
    city.users["sysadmin"].save()
    client = login(city.users["sysadmin"])

    assert client.get(f"/admin/monitoring/{page}/").status_code == 200


def _sysadmin_client(city: Any, login: Any) -> Any:
    # As `greenloop createadmin` makes the installation's first account.
    city.users["sysadmin"].is_staff = city.users["sysadmin"].is_superuser = True
    city.users["sysadmin"].save()
    return login(city.users["sysadmin"])


def _meter(fleet: Any, mn: str, **extra: Any) -> Device:
    from greenloop.monitoring.services import register_device

    return register_device(
        mn=mn,
        password="pw",
        site=fleet.site,
        now=NOW,
        protocol_version="2025",
        sm4_key="30" * 16,
        **extra,
    )


def test_the_administrator_issues_a_new_key_for_the_gateway_to_deliver(
    city: Any, fleet: Any, login: Any
) -> None:
    from greenloop.monitoring.models import CommandStatus, DeviceCommand

    meter = _meter(fleet, "2025METER1")
    client = _sysadmin_client(city, login)

    response = client.post(
        "/admin/monitoring/device/",
        {"action": "issue_key", "_selected_action": [meter.pk, fleet.device.pk]},
    )

    assert response.status_code == 302
    command = DeviceCommand.objects.get()  # not for the 2017 device
    assert (command.device, command.kind, command.status) == (meter, "1014", CommandStatus.PENDING)
    assert len(command.new_sm4_key) == 32 and command.new_sm4_key != meter.sm4_key
    meter.refresh_from_db()
    assert meter.sm4_key == "30" * 16  # unchanged until the device confirms


def test_the_administrator_assigns_an_mn_from_the_hardware_fingerprint(
    city: Any, fleet: Any, login: Any
) -> None:
    from greenloop.monitoring.commands import mn_from_hardware
    from greenloop.monitoring.models import DeviceCommand

    meter = _meter(fleet, "2025METER2")
    Device.objects.filter(pk=meter.pk).update(hardware={"logger_id": "DL1", "cpu_id": "C1"})
    client = _sysadmin_client(city, login)

    client.post(
        "/admin/monitoring/device/", {"action": "assign_mn", "_selected_action": [meter.pk]}
    )

    command = DeviceCommand.objects.get()
    assert command.kind == "1002" and command.logger_id == "DL1"
    assert command.new_mn == mn_from_hardware({"logger_id": "DL1", "cpu_id": "C1"})


def test_the_device_page_never_shows_the_sm4_key(city: Any, fleet: Any, login: Any) -> None:
    meter = _meter(fleet, "2025METER3")
    client = _sysadmin_client(city, login)

    page = client.get(f"/admin/monitoring/device/{meter.pk}/change/").content.decode()

    assert "30" * 16 not in page


def test_saving_a_device_without_typing_the_key_keeps_it(city: Any, fleet: Any, login: Any) -> None:
    meter = _meter(fleet, "2025METER4")
    client = _sysadmin_client(city, login)

    response = client.post(
        f"/admin/monitoring/device/{meter.pk}/change/",
        {
            "mn": meter.mn,
            "password": "newpw",
            "st": "44",
            "protocol_version": "2025",
            "sm4_key": "",
            "expected_factors": "[]",
            "interval_seconds": "60",
            "site": fleet.site.pk,
            "status": "ACTIVE",
            "commands-TOTAL_FORMS": "0",
            "commands-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    meter.refresh_from_db()
    assert (meter.password, meter.sm4_key) == ("newpw", "30" * 16)
