"""Monitoring fixtures: a site and a device in each county of the city."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@dataclass
class Fleet:
    site: Any  # in 铁西区
    device: Any
    other_site: Any  # in 东山县
    other_device: Any


@pytest.fixture
def fleet(city: Any) -> Fleet:
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site, register_device

    site = create_site(
        code="TX-AIR-1",
        name="铁西国控站",
        kind=SiteKind.NATIONAL_AIR,
        region=city.county,
        lon=123.4,
        lat=41.8,
    )
    other_site = create_site(
        code="DS-WATER-1", name="东山断面", kind=SiteKind.WATER_SECTION, region=city.other
    )
    device = register_device(
        mn="010000A8900016F000169DC0",
        password="123456",
        site=site,
        now=NOW,
        st="22",
        expected_factors=["a34004", "a34002"],
        interval_seconds=3600,
    )
    other_device = register_device(
        mn="010000A8900016F000169DC1",
        password="654321",
        site=other_site,
        now=NOW,
        st="21",
        interval_seconds=3600,
    )
    return Fleet(site, device, other_site, other_device)


def ingest(batch: Any) -> Any:
    """What the gateway does with a batch: commit it, then the latest values
    (on PostgreSQL, as its latest-values process does: from the inbox rows'
    ``COPY`` text)."""
    from greenloop.monitoring.ingest import (
        store_batch,
        update_latest_from_texts,
        update_latest_values,
    )

    result = store_batch(batch)
    if result.fresh_text:
        update_latest_from_texts([result.fresh_text])
    else:
        update_latest_values(result)
    return result
