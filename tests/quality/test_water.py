"""Water sections by month and the city's water-quality index over the lake
(reference water-gb3838.md §4)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pyarrow as pa
import pytest

from greenloop.analytics.lake import write_readings
from greenloop.quality.water import WATER_FACTORS, city_index, section_months

BEIJING = dt.timezone(dt.timedelta(hours=8))
#: Reference §4 examples 1 and 2, without selenium and anionic surfactant
#: (no HJ 212 factor code): their indices 0.04 and 0.25 leave the sum.
EXAMPLE = {
    "ph": 7.8, "do": 6.4, "codmn": 4.6, "cod": 17.0, "bod5": 3.1, "nh3n": 0.82, "tp": 0.16,
    "cu": 0.004, "zn": 0.02, "f": 0.45, "as": 0.002, "hg": 0.00002, "cd": 0.0001,
    "cr6": 0.004, "pb": 0.001, "cn": 0.002, "phenol": 0.0008, "oil": 0.02, "sulfide": 0.005,
}  # fmt: skip
EXAMPLE_CWQI = 6.9119 - 0.04 - 0.25


@pytest.fixture
def sections(city: Any) -> dict[str, Any]:
    from greenloop.monitoring.models import SiteKind
    from greenloop.monitoring.services import create_site
    from greenloop.quality.models import WaterBody, WaterSection

    out = {}
    for code, name, body, target, control in (
        ("SZ01", "清水河出境断面", WaterBody.RIVER, 3, "国控"),
        ("SZ02", "青云湖点位", WaterBody.LAKE, 2, "省控"),
    ):
        site = create_site(code=code, name=name, kind=SiteKind.WATER_SECTION, region=city.county)
        out[code] = WaterSection.objects.create(
            site=site, body=body, target_class=target, control=control, river=name[:3]
        )
    return out


def _samples(lake_dir: Any, site: str, day: dt.date, values: dict[str, float]) -> None:
    at = dt.datetime.combine(day, dt.time(0), tzinfo=BEIJING).astimezone(dt.UTC)
    table = pa.table(
        {
            "mn": [f"MN{site}"] * len(values),
            "site": [site] * len(values),
            "factor": [WATER_FACTORS[k] for k in values],
            "data_time": pa.array([at] * len(values), pa.timestamp("us", "UTC")),
            "avg": [float(v) for v in values.values()],
            "flag": ["N"] * len(values),
        }
    )
    write_readings(lake_dir, "day", table, durable=False)


def test_a_river_section_is_class_iii_and_a_lake_point_class_v_with_their_cwqi(
    sections: Any, tmp_path: Any
) -> None:
    for site in ("SZ01", "SZ02"):
        _samples(tmp_path, site, dt.date(2026, 10, 12), EXAMPLE)

    months = section_months(dt.date(2026, 10, 1), dt.date(2026, 11, 30), lake_dir=tmp_path)

    river, river_nov, lake, _lake_nov = months
    assert (river.site_code, river.month, river.water_class, river.meets) == (
        "SZ01",
        dt.date(2026, 10, 1),
        3,
        True,
    )
    assert river.exceeding == [] and river.control == "国控" and river.body == "river"
    assert river.cwqi == pytest.approx(EXAMPLE_CWQI, abs=1e-4)
    assert (river_nov.water_class, river_nov.meets, river_nov.cwqi) == (None, None, None)
    # TP 0.16 at a lake point: class Ⅴ (≤ 0.2); against the class-Ⅱ target.
    assert (lake.water_class, lake.target_class, lake.meets) == (5, 2, False)
    names = [name for name, _ in lake.exceeding]
    assert names[0] == "总磷" and lake.exceeding[0][1] == pytest.approx(0.16 / 0.025 - 1)
    assert "溶解氧" not in names  # DO 6.4 meets class Ⅱ (≥ 6)


def test_the_month_is_the_mean_of_its_samples(sections: Any, tmp_path: Any) -> None:
    _samples(tmp_path, "SZ01", dt.date(2026, 10, 5), {**EXAMPLE, "nh3n": 1.4})
    _samples(tmp_path, "SZ01", dt.date(2026, 10, 20), {**EXAMPLE, "nh3n": 1.8})

    (october, *_), *_ = [section_months(dt.date(2026, 10, 1), dt.date(2026, 10, 31),
                                        lake_dir=tmp_path)]  # fmt: skip

    # NH3-N (1.4 + 1.8) / 2 = 1.6: class Ⅴ, 0.6 times over the class-Ⅲ limit.
    assert october.water_class == 5 and october.meets is False
    assert october.exceeding == [("氨氮", pytest.approx(0.6))]


def test_the_city_index_weights_rivers_and_lakes_and_compares_with_last_year(
    sections: Any, tmp_path: Any
) -> None:
    for site in ("SZ01", "SZ02"):
        _samples(tmp_path, site, dt.date(2025, 10, 12), {**EXAMPLE, "cod": 20.0})
        _samples(tmp_path, site, dt.date(2026, 10, 12), EXAMPLE)

    october, november = city_index(dt.date(2026, 10, 1), dt.date(2026, 11, 30), lake_dir=tmp_path)

    # One river section and one lake point: the mean of the two parts, the
    # lake part with the lake TP limit (0.16 / 0.05 instead of 0.16 / 0.2).
    lake_cwqi = EXAMPLE_CWQI - 0.8 + 0.16 / 0.05
    assert october.sections == 2
    assert october.cwqi == pytest.approx((EXAMPLE_CWQI + lake_cwqi) / 2, abs=1e-4)
    before = (EXAMPLE_CWQI + lake_cwqi) / 2 + (20 - 17) / 20
    assert october.change == pytest.approx((october.cwqi - before) / before, rel=1e-3)
    assert (november.cwqi, november.sections, november.change) == (None, 0, None)
    assert not math.isnan(october.change)
