"""The run log in the admin: the system administrator reads it, nobody edits it."""

from __future__ import annotations

from typing import Any

import pytest

from greenloop.jobs.models import JobRun, RunStatus
from tests.jobs.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_system_administrator_reads_failed_runs_in_the_admin(city: Any, login: Any) -> None:
    run = JobRun.objects.create(
        job="monitoring.move_to_lake",
        scheduled_at=NOW,
        started_at=NOW,
        finished_at=NOW,
        status=RunStatus.FAILED,
        error="OSError: [Errno 28] No space left on device",
    )
    admin = city.users["sysadmin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = login(admin)

    listing = client.get("/admin/jobs/jobrun/?status__exact=FAILED")
    detail = client.get(f"/admin/jobs/jobrun/{run.pk}/change/")

    assert listing.status_code == 200
    assert "monitoring.move_to_lake" in listing.content.decode()
    assert detail.status_code == 200
    assert "No space left on device" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
