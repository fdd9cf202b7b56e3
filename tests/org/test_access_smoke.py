from __future__ import annotations

from greenloop.org.models import Region, Unit


def test_county_user_sees_only_their_county(city):
    codes = set(Region.objects.visible_to(city.users["county_user"]).values_list("code", flat=True))

    assert codes == {"210303000000", "210303001000", "210303001001"}


def test_department_user_sees_its_department_and_branch_only(city):
    units = set(Unit.objects.visible_to(city.users["dept_user"]).values_list("code", flat=True))

    assert units == {"U-ZJJ", "U-ZJJ-TX"}
