"""Suggestions for routing: region from the pin or the address, unit from
the responsibility lists."""

from __future__ import annotations

from typing import Any

from greenloop.complaints import services
from greenloop.org.models import Duty, DutyCategory, ListStatus, ResponsibilityList


def test_the_region_comes_from_the_pin_down_to_the_village(mapped_city: Any) -> None:
    assert (
        services.suggest_region(longitude=123.17, latitude=41.17, address="") == mapped_city.village
    )
    assert services.suggest_region(longitude=123.4, latitude=41.8, address="") == mapped_city.county
    assert (
        services.suggest_region(longitude=123.7, latitude=41.5, address="")
        == mapped_city.other_township
    )


def test_without_a_pin_the_address_names_the_region(mapped_city: Any) -> None:
    assert (
        services.suggest_region(longitude=None, latitude=None, address="东山县东山镇石料厂")
        == mapped_city.other_township
    )
    assert services.suggest_region(longitude=None, latitude=None, address="不知道在哪") is None


def test_the_unit_comes_from_a_published_responsibility_list(mapped_city: Any) -> None:
    rlist = ResponsibilityList.objects.create(
        unit=mapped_city.dept_branch, status=ListStatus.PUBLISHED
    )
    Duty.objects.create(rlist=rlist, category=DutyCategory.WASTE, text="负责建筑垃圾监管")

    waste = services.suggest_unit(region=mapped_city.village, category="WASTE")
    air = services.suggest_unit(region=mapped_city.village, category="AIR")

    assert waste == mapped_city.dept_branch
    assert air == mapped_city.county_gov
