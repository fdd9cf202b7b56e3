"""Fixtures for petitions: the city of tests/conftest.py with boundaries,
a second dispatcher, photos, and reports made through the services.

Boundaries (GeoJSON boxes): 示范市 123.0–124.0 E, 41.0–42.0 N; 铁西区 the
western half (123.0–123.5), 东山县 the eastern half; 兴盛街道 inside 铁西区
(123.1–123.3, 41.1–41.3), 和平社区 inside it (123.15–123.2, 41.15–41.2).

Added persona: ``dispatcher2`` (示范市生态委办, DISPATCHER) — rewards need a
second person to review.

Time: services get ``now`` (2026-03-02 09:00 Beijing); pages read the clock.
The CAPTCHA runs in its test mode ("PASSED" is the answer); the rate limits
are generous unless a test lowers them; the cache is emptied per test.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from greenloop.cases.models import CaseCategory
from greenloop.complaints import services

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 Asia/Shanghai
TIANXI_POINT = (123.17, 41.17)  # in 和平社区, 兴盛街道, 铁西区
DONGSHAN_POINT = (123.8, 41.5)  # in 东山县
SMOKE = "兴盛街道宏达化工厂烟囱每天晚上冒黑烟，气味刺鼻"


@pytest.fixture(autouse=True)
def _complaint_settings(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    import captcha.conf.settings as captcha_settings
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    # django-simple-captcha reads its settings once, at import.
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", True)
    settings.GREENLOOP_COMPLAINT_REPORT_RATE = "1000/h"
    settings.GREENLOOP_COMPLAINT_TRACK_RATE = "1000/h"
    cache.clear()


@pytest.fixture
def now() -> dt.datetime:
    return NOW


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


@pytest.fixture
def mapped_city(city: Any) -> Any:
    """The test city with boundaries and a second dispatcher."""
    from greenloop.org.roles import Role
    from tests.cases.conftest import _add_persona

    for region, shape in [
        (city.city, box(123.0, 41.0, 124.0, 42.0)),
        (city.county, box(123.0, 41.0, 123.5, 42.0)),
        (city.other, box(123.5, 41.0, 124.0, 42.0)),
        (city.township, box(123.1, 41.1, 123.3, 41.3)),
        (city.village, box(123.15, 41.15, 123.2, 41.2)),
        (city.other_township, box(123.6, 41.4, 123.9, 41.6)),
    ]:
        region.boundary = shape
        region.save()
    city.users["dispatcher2"], city.people["dispatcher2"] = _add_persona(
        "dispatcher2", "冯调度", city.office, Role.DISPATCHER
    )
    return city


# --- files -----------------------------------------------------------------


def jpeg_bytes(*, exif: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG; with ``exif`` it carries a camera, a time and a GPS
    position (41°10'12"N 123°10'12"E, inside 和平社区)."""
    image = Image.new("RGB", size, (90, 90, 90))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "FancyCam"  # Make
        data[0x0110] = "FC-2000"  # Model
        data[0x0132] = "2026:03:01 20:15:00"  # DateTime
        gps = data.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (41.0, 10.0, 12.0)
        gps[3] = "E"
        gps[4] = (123.0, 10.0, 12.0)
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def photo(name: str = "现场.jpg", *, exif: bool = False) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(exif=exif), content_type="image/jpeg")


# --- reports through the services ------------------------------------------


def public_report(now: dt.datetime = NOW, **fields: Any) -> services.Intake:
    values: dict[str, Any] = {
        "category": CaseCategory.AIR,
        "description": SMOKE,
        "longitude": TIANXI_POINT[0],
        "latitude": TIANXI_POINT[1],
        "address": "兴盛街道和平路8号",
        "enterprise_name": "宏达化工厂",
        "is_anonymous": True,
    }
    values.update(fields)
    return services.submit_public_report(now=now, **values)


def route(petition: Any, city: Any, now: dt.datetime = NOW, **extra: Any) -> Any:
    return services.route_petition(
        petition=petition,
        by=city.users["dispatcher"],
        now=now,
        region=extra.pop("region", city.township),
        lead_unit=extra.pop("lead_unit", city.county_gov),
        **extra,
    )
