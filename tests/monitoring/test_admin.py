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
