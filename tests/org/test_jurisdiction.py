"""A county user sees and acts only in their county; a department user only
in its department's world — by page and by API, both ways."""

from __future__ import annotations

import pytest

from greenloop.org.models import Grid, GridKind, Person, RegionLevel


@pytest.fixture
def grids(city):
    mine = Grid.objects.create(code="G-TX", name="铁西区网格", level=RegionLevel.COUNTY, region=city.county)
    theirs = Grid.objects.create(code="G-DS", name="东山县网格", level=RegionLevel.COUNTY, region=city.other)
    hot = Grid.objects.create(code="G-HOT", name="东山镇热点网格", level=RegionLevel.TOWNSHIP,
                              kind=GridKind.HOTSPOT, region=city.other_township)
    return mine, theirs, hot


def test_county_user_opens_their_own_region_page(city, login):
    client = login(city.users["county_user"])

    response = client.get(f"/org/regions/{city.county.code}/")

    assert response.status_code == 200
    assert "兴盛街道" in response.content.decode()


def test_county_user_gets_404_for_the_other_countys_region_unit_and_person(city, login):
    client = login(city.users["county_user"])
    other_person = city.people["other_county"]

    pages = [
        f"/org/regions/{city.other.code}/",
        f"/org/units/{city.other_gov.pk}/",
        f"/org/people/{other_person.pk}/",
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "不在您的管辖范围内" in response.content.decode()


def test_other_county_user_gets_404_for_the_first_countys_objects(city, login):
    client = login(city.users["other_county"])

    assert client.get(f"/org/regions/{city.county.code}/").status_code == 404
    assert client.get(f"/org/units/{city.county_gov.pk}/").status_code == 404
    assert client.get(f"/org/regions/{city.other.code}/").status_code == 200


def test_county_lists_leave_out_the_other_county(city, login):
    client = login(city.users["county_user"])

    units_page = client.get("/org/units/").content.decode()
    people_page = client.get("/org/people/").content.decode()

    assert "铁西区人民政府" in units_page and "东山县人民政府" not in units_page
    assert "李铁西" in people_page and "赵东山" not in people_page


def test_city_dispatcher_sees_both_counties(city, login):
    client = login(city.users["dispatcher"])

    assert client.get(f"/org/regions/{city.county.code}/").status_code == 200
    assert client.get(f"/org/regions/{city.other.code}/").status_code == 200


def test_department_user_sees_its_branch_but_no_county_government(city, login):
    client = login(city.users["dept_user"])

    assert client.get(f"/org/units/{city.dept_branch.pk}/").status_code == 200
    assert client.get(f"/org/units/{city.county_gov.pk}/").status_code == 404
    assert client.get(f"/org/regions/{city.county.code}/").status_code == 404


def test_grid_geojson_only_carries_grids_in_reach(city, login, grids):
    client = login(city.users["county_user"])

    data = client.get("/org/grids/geojson/?level=2").json()
    hot = client.get("/org/grids/geojson/?kind=HOTSPOT").json()

    assert [f["properties"]["code"] for f in data["features"]] == []  # no boundaries stored
    Grid.objects.filter(code__in=["G-TX", "G-DS"]).update(boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    data = client.get("/org/grids/geojson/?level=2").json()
    assert [f["properties"]["code"] for f in data["features"]] == ["G-TX"]
    assert hot["features"] == []


def test_api_lists_are_scoped_like_the_pages(city, login, grids):
    client = login(city.users["county_user"])

    regions = client.get("/api/v1/regions").json()["items"]
    units = client.get("/api/v1/units").json()["items"]
    people = client.get("/api/v1/people").json()["items"]
    grid_codes = [g["code"] for g in client.get("/api/v1/grids").json()["items"]]

    assert {r["code"] for r in regions} == {city.county.code, city.township.code, city.village.code}
    assert {u["code"] for u in units} == {"U-TXGOV", "U-ZJJ-TX"}
    assert {p["name"] for p in people} == {"李铁西"}
    assert grid_codes == ["G-TX"]


def test_api_answers_404_for_the_other_countys_objects(city, login):
    client = login(city.users["county_user"])

    assert client.get(f"/api/v1/regions/{city.other.code}").status_code == 404
    assert client.get(f"/api/v1/units/{city.other_gov.pk}").status_code == 404
    assert client.get(f"/api/v1/people/{city.people['other_county'].pk}").status_code == 404
    assert client.get(f"/api/v1/regions/{city.county.code}").status_code == 200


def test_phones_are_masked_for_handlers_and_shown_to_leaders(city, login):
    colleague = Person.objects.create(name="陈同事", unit=city.county_gov, phone="13900001111")

    handler_view = login(city.users["county_user"]).get(f"/api/v1/people/{colleague.pk}").json()
    leader_view = login(city.users["leader"]).get(f"/api/v1/people/{colleague.pk}").json()

    assert handler_view["phone"] == "139****1111"
    assert leader_view["phone"] == "13900001111"


def test_anonymous_visitors_are_sent_to_login_and_refused_by_the_api(city, client):
    assert client.get("/org/regions/").status_code == 302
    assert client.get("/api/v1/regions").status_code == 401
