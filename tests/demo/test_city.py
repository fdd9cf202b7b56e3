"""build_demo_city: the figures of PRODUCT.md, a consistent region tree with
boundaries that tile, one working login per role, and pages that walk."""

from __future__ import annotations

import pytest

from greenloop.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from greenloop.demo.city import UnableToBuildDemoCity, build_demo_city, is_empty
from greenloop.demo.inspection import PASSWORDLESS_ACCOUNTS
from greenloop.demo.review import REVIEW_ACCOUNTS
from greenloop.org.models import (
    BaobaoAssignment,
    Chief,
    ChiefObject,
    ChiefSystem,
    Grid,
    GridKind,
    ListStatus,
    Person,
    Region,
    RegionKind,
    RegionLevel,
    ResponsibilityList,
    RoleGrant,
    Unit,
    UnitKind,
)
from greenloop.org.roles import SEPARATED_ADMIN_ROLES, Role

pytestmark = pytest.mark.django_db

DEMO_ROLES = {
    "dispatcher": Role.DISPATCHER,
    "county": Role.UNIT_HANDLER,
    "department": Role.UNIT_HANDLER,
    "acceptance": Role.ACCEPTANCE,
    "leader": Role.LEADER,
    "sysadmin": Role.SYSADMIN,
    "secadmin": Role.SECADMIN,
    "auditor": Role.AUDITOR,
}
PREFIX = {RegionLevel.CITY: 4, RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9}


def _bbox(geojson):
    ring = geojson["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _area(geojson):
    west, south, east, north = _bbox(geojson)
    return (east - west) * (north - south)


def test_it_builds_the_figures_of_the_product_brief(demo):
    assert demo.county_regions == 8
    assert 55 <= demo.townships <= 65
    assert 550 <= demo.villages <= 650
    assert demo.departments == 20
    assert 750 <= demo.people <= 850
    assert demo.hotspot_grids == 29
    # One login per role, plus the inspection round's handlers and the
    # 回头看 groups' liaisons (no password).
    assert demo.accounts == len(DEMO_ACCOUNTS) + PASSWORDLESS_ACCOUNTS + REVIEW_ACCOUNTS
    assert demo.review_items == 1095


def test_county_level_has_four_districts_three_counties_and_a_zone_with_tiexi(demo):
    kinds = list(Region.objects.filter(level=RegionLevel.COUNTY).values_list("kind", flat=True))

    assert sorted(kinds) == sorted(
        [RegionKind.DISTRICT] * 4 + [RegionKind.COUNTY] * 3 + [RegionKind.ZONE]
    )
    assert Region.objects.get(name="铁西区").kind == RegionKind.DISTRICT


def test_codes_are_twelve_digits_and_extend_their_parents_prefix(demo):
    regions = {r.pk: r for r in Region.objects.all()}

    for region in regions.values():
        assert len(region.code) == 12 and region.code.isdigit()
        if region.parent_id is None:
            assert region.level == RegionLevel.CITY
            continue
        parent = regions[region.parent_id]
        n = PREFIX[parent.level]
        assert region.level == parent.level + 1
        assert region.code[:n] == parent.code[:n] and parent.code[n:] == "0" * (12 - n)
        assert region.code != parent.code
        assert region.path == parent.path + region.code + "/"


def test_names_are_unique_within_their_parent(demo):
    names = list(Region.objects.values_list("parent_id", "name"))

    assert len(names) == len(set(names))


def test_every_boundary_is_a_polygon_and_children_tile_their_parent(demo):
    regions = list(Region.objects.all())
    children: dict[int, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)

    for region in regions:
        geojson = region.boundary
        assert geojson["type"] == "Polygon"
        ring = geojson["coordinates"][0]
        assert len(ring) >= 4 and ring[0] == ring[-1]
        assert all(120 < lon < 126 and 39 < lat < 43 for lon, lat in ring)
        west, south, east, north = _bbox(geojson)
        assert west <= region.center_lon <= east and south <= region.center_lat <= north
        kids = children.get(region.pk, [])
        for kid in kids:
            assert west <= kid.center_lon <= east and south <= kid.center_lat <= north
            k_west, k_south, k_east, k_north = _bbox(kid.boundary)
            assert west <= k_west and k_east <= east and south <= k_south and k_north <= north
        if kids:
            assert sum(_area(k.boundary) for k in kids) == pytest.approx(_area(geojson), rel=1e-9)


def test_grids_mirror_the_region_tree_and_village_grids_have_officers(demo):
    standard = Grid.objects.filter(kind=GridKind.STANDARD)
    village_grids = standard.filter(level=RegionLevel.VILLAGE)

    assert set(standard.values_list("level", flat=True)) == {1, 2, 3, 4}
    assert standard.count() == Region.objects.count()
    assert village_grids.count() == Region.objects.filter(level=RegionLevel.VILLAGE).count()
    assert not village_grids.filter(officers__isnull=True).exists()
    assert Person.objects.filter(grids__isnull=False, role_grants__role=Role.GRID_OFFICER).exists()


def test_hotspot_grids_lie_inside_their_township_and_each_has_a_point_chief(demo):
    hotspots = list(Grid.objects.filter(kind=GridKind.HOTSPOT).select_related("region"))

    for grid in hotspots:
        assert grid.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
        assert grid.name.endswith("热点网格")
        west, south, east, north = _bbox(grid.region.boundary)
        h_west, h_south, h_east, h_north = _bbox(grid.boundary)
        assert west <= h_west < h_east <= east and south <= h_south < h_north <= north
        assert Chief.objects.filter(obj__system=ChiefSystem.POINT, obj__region=grid.region).exists()


def test_rivers_forests_and_air_points_have_chiefs_at_their_levels(demo):
    reaches = ChiefObject.objects.filter(system=ChiefSystem.RIVER, region__level=RegionLevel.COUNTY)
    river_levels = set(
        Chief.objects.filter(obj__system=ChiefSystem.RIVER).values_list("level", flat=True)
    )

    assert reaches.count() >= 8
    assert all(o.geometry["type"] == "LineString" for o in reaches)
    assert river_levels == {1, 2, 3, 4}
    assert ChiefObject.objects.filter(system=ChiefSystem.FOREST).count() >= 3
    assert ChiefObject.objects.filter(system=ChiefSystem.POINT, code__startswith="GK").count() == 10
    assert not ChiefObject.objects.filter(chiefs__isnull=True).exists()


def test_county_leaders_baobao_townships_of_their_county_and_visit_monthly(demo, demo_now):
    assignments = BaobaoAssignment.objects.filter(unit__kind=UnitKind.TOWNSHIP_BODY).select_related(
        "leader__unit__region", "unit__region"
    )

    per_leader: dict[int, int] = {}
    for assignment in assignments:
        per_leader[assignment.leader_id] = per_leader.get(assignment.leader_id, 0) + 1
        assert assignment.unit.region.parent_id == assignment.leader.unit.region_id
        dates = list(assignment.visits.values_list("visit_date", flat=True))
        assert len({(d.year, d.month) for d in dates}) == len(dates) >= 3
        assert all(d <= demo_now.date() for d in dates)
    assert set(per_leader.values()) <= {1, 2}
    assert len(per_leader) == 24


def test_every_unit_has_one_published_responsibility_list(demo):
    published = ResponsibilityList.objects.filter(status=ListStatus.PUBLISHED)

    assert published.count() == Unit.objects.count()
    assert published.values("unit").distinct().count() == Unit.objects.count()
    assert not published.filter(duties__isnull=True).exists()
    assert not published.filter(duties__text__contains="{单位}").exists()


def test_the_three_administrators_are_three_different_people(demo):
    holders = RoleGrant.objects.filter(role__in=SEPARATED_ADMIN_ROLES).values_list(
        "person_id", flat=True
    )

    assert len(holders) == len(set(holders)) == 3


@pytest.mark.parametrize(("username", "label"), DEMO_ACCOUNTS)
def test_each_demo_account_logs_in_and_holds_its_role(demo, client, username, label):
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})

    person = Person.objects.get(user__username=username)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.user_id
    assert DEMO_ROLES[username] in set(person.role_grants.values_list("role", flat=True))


def test_demo_accounts_sit_in_the_units_their_labels_name(demo):
    units = dict(
        Person.objects.filter(user__isnull=False).values_list("user__username", "unit__name")
    )

    assert units["county"] == "铁西区人民政府"
    assert units["acceptance"] == "铁西区人民政府"
    assert units["department"] == "辽东市住房和城乡建设局"
    assert units["dispatcher"] == "辽东市生态环境保护委员会办公室"
    assert Person.objects.get(user__username="sysadmin").user.is_staff


def test_the_county_demo_user_sees_only_its_countys_regions(demo):
    user = Person.objects.get(user__username="county").user
    tiexi = Region.objects.get(name="铁西区")

    visible = set(Region.objects.visible_to(user).values_list("code", flat=True))

    assert visible == set(tiexi.subtree().values_list("code", flat=True))
    assert len(visible) > 50


def test_the_department_demo_user_sees_its_own_department_only(demo):
    user = Person.objects.get(user__username="department").user

    units = set(Unit.objects.visible_to(user).values_list("code", flat=True))

    assert units == {"219900000000-ZJ"}


def test_it_refuses_to_build_over_an_existing_city(demo, demo_now):
    assert not is_empty()

    with pytest.raises(UnableToBuildDemoCity):
        build_demo_city(seed=1, now=demo_now)


PAGES = ["/", "/org/regions/", "/org/units/", "/org/people/", "/org/grids/map/", "/org/chiefs/"]


def _login(client, username):
    user = Person.objects.get(user__username=username).user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("username", ["dispatcher", "county", "department", "leader"])
def test_demo_users_open_the_org_pages(demo, client, username):
    client = _login(client, username)

    statuses = {path: client.get(path).status_code for path in PAGES}

    assert statuses == dict.fromkeys(PAGES, 200)


def test_the_county_user_walks_region_unit_and_list_but_not_the_neighbours(demo, client):
    client = _login(client, "county")
    tiexi = Region.objects.get(name="铁西区")
    government = Unit.objects.get(name="铁西区人民政府")
    neighbour = Unit.objects.get(name="铁东区人民政府")

    region_page = client.get(f"/org/regions/{tiexi.code}/")
    unit_page = client.get(f"/org/units/{government.pk}/")

    assert region_page.status_code == 200
    assert unit_page.status_code == 200
    assert "铁西区人民政府对本行政区域环境质量负责" in unit_page.content.decode()
    assert client.get(f"/org/regions/{neighbour.region.code}/").status_code == 404
    assert client.get(f"/org/units/{neighbour.pk}/").status_code == 404
