"""The home page: one screen of where things stand, for each role, within
the reader's jurisdiction — cases, petitions, air quality, monitoring — each
figure linking to the page behind it, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from greenloop.cases import services as case_services
from greenloop.cases.models import CaseSource
from greenloop.complaints import services as petition_services
from greenloop.complaints.models import Channel
from greenloop.monitoring.models import AlertKind, Device, MonitoringAlert, SiteKind
from greenloop.monitoring.services import create_site, register_device
from greenloop.quality.models import HotspotAlert, Scope
from tests.cases.conftest import Loop
from tests.quality.factories import air_day, air_hour

HOME = reverse("home")
SMOKE = "宏达化工厂烟囱每天晚上冒黑烟，气味刺鼻"


@dataclass
class Standing:
    """What the city looks like when the page is read."""

    city: Any
    red_case: Any
    new_case: Any
    hour: dt.datetime  # of the latest hourly AQI


def _figure(page: str, anchor: str) -> str:
    """The figure of the card with id ``anchor``."""
    found = re.search(rf'id="{anchor}"><b>([^<]*)</b>', page)
    assert found, f"no figure {anchor}"
    return found.group(1)


def _href(page: str, anchor: str) -> str:
    found = re.search(rf'<a [^>]*href="([^"]*)"[^>]*id="{anchor}"', page)
    assert found, f"no link {anchor}"
    return html.unescape(found.group(1))


def _petition(
    city: Any, *, address: str, received_days_ago: int = 0, description: str = SMOKE
) -> Any:
    now = timezone.now()
    return petition_services.register_petition(
        by=city.users["dispatcher"],
        now=now,
        received_at=now - dt.timedelta(days=received_days_ago),
        channel=Channel.HOTLINE,
        category="AIR",
        description=description,
        enterprise_name="宏达化工厂" if description == SMOKE else "",
        address=address,
    ).petition


def _device(city: Any, *, code: str, region: Any, mn: str, online: bool) -> Any:
    site = create_site(
        code=code, name=code, kind=SiteKind.MICRO_AIR, region=region, lon=123.4, lat=41.8
    )
    device = register_device(
        mn=mn, password="123456", site=site, now=timezone.now(), interval_seconds=3600
    )
    if online:
        # What the gateway records when a packet from the device commits.
        Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    return device


def _hotspot(device: Any, district: Any) -> HotspotAlert:
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    return HotspotAlert.objects.create(
        site=device.site,
        district_code=district.code,
        pollutant="pm25",
        first_hour=hour - dt.timedelta(hours=3),
        last_hour=hour,
        hours=4,
        excess=0.6,
        opened_at=hour,
    )


@pytest.fixture
def standing(city: Any, settings: Any, tmp_path: Any) -> Standing:
    """铁西区: an overdue case, an overdue petition awaiting routing and a
    second one like it (a repeat candidate), an online device with a
    hotspot alert. 东山县: a new case, a new petition, an offline device
    with an open alert and a hotspot alert. The city's AQI this hour is 128
    (轻度污染, PM2.5), 铁西区's 160; the daily AQI 95 today, 132 yesterday."""
    settings.MEDIA_ROOT = tmp_path / "media"
    loop = Loop(city, timezone.now())
    past = timezone.now() - dt.timedelta(days=60)
    registered = loop.register(title="铁西区某餐馆油烟", source=CaseSource.PATROL)
    red = case_services.assign_case(
        case=registered,
        by=city.users["dispatcher"],
        now=past,
        version=registered.version,
        lead_unit=city.county_gov,
        due_date=timezone.localdate(past) + dt.timedelta(days=30),
    )
    new = loop.register(
        region=city.other_township, title="东山镇某砖厂扬尘", source=CaseSource.PATROL
    )

    _petition(city, address="兴盛街道和平路8号", received_days_ago=90)
    _petition(city, address="兴盛街道和平路8号")
    _petition(city, address="东山镇工业路1号", description="东山镇砖厂夜间施工噪声扰民")

    here = _device(city, code="TX-MICRO-1", region=city.township, mn="TXMN0001", online=True)
    there = _device(
        city, code="DS-MICRO-1", region=city.other_township, mn="DSMN0001", online=False
    )
    MonitoringAlert.objects.create(
        device=there, site=there.site, kind=AlertKind.OFFLINE, started_at=timezone.now()
    )
    _hotspot(here, city.county)
    _hotspot(there, city.other)

    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    air_hour(city.city.code, 128, scope=Scope.CITY, name="示范市", hour=hour, primary="pm25")
    air_hour(city.county.code, 160, scope=Scope.DISTRICT, name="铁西区", hour=hour, primary="pm10")
    today = timezone.localdate()
    air_day(city.city.code, today, 95, name="示范市", primary="pm10")
    air_day(city.city.code, today - dt.timedelta(days=1), 132, name="示范市", primary="pm25")
    return Standing(city, red, new, hour)


# --- the dispatcher: the whole city -----------------------------------------------------


def test_the_dispatcher_sees_where_the_cases_of_the_city_stand(standing, login):
    page = login(standing.city.users["dispatcher"]).get(HOME).content.decode()

    assert _figure(page, "home-red") == "1"
    assert _figure(page, "home-inbox") == "1"  # the new case, to be assigned
    assert "在办问题 2 件" in page
    states = re.search(r'id="home-case-states">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"state=REGISTERED\">已登记</a><b>1</b>", states)
    assert re.search(r"state=ASSIGNED\">已交办</a><b>1</b>", states)
    regions = re.search(r'id="home-case-regions">(.*?)</table>', page, re.S).group(1)
    assert "铁西区" in regions and "东山县" in regions
    assert _href(page, "home-red") == reverse("cases:list") + "?deadline=overdue"
    assert _href(page, "home-inbox") == reverse("cases:inbox")
    assert _href(page, "home-overdue-link") == reverse("cases:overdue")


def test_the_on_time_closure_rate_is_blank_until_something_is_due(standing, login):
    page = login(standing.city.users["dispatcher"]).get(HOME).content.decode()

    # The overdue case is due and not closed: 0 of 1 closed on time.
    assert _figure(page, "home-on-time") == "0.0%"
    assert "按期办结 0 件，应办结 1 件" in page
    assert _href(page, "home-on-time") == reverse("cases:stats")


def test_the_dispatcher_sees_the_petitions_awaiting_routing_overdue_and_repeats(standing, login):
    page = login(standing.city.users["dispatcher"]).get(HOME).content.decode()

    assert _figure(page, "home-petitions-awaiting") == "3"
    assert _figure(page, "home-petitions-overdue") == "1"
    assert _figure(page, "home-petitions-repeats") == "1"
    assert _figure(page, "home-petitions-replied") == "0"
    queue = reverse("complaints:queue")
    assert _href(page, "home-petitions-awaiting") == queue + "?state=RECEIVED"
    assert _href(page, "home-petitions-overdue") == queue + "?overdue=1"
    assert _href(page, "home-petitions-repeats") == queue + "?duplicates=1"
    assert _href(page, "home-petitions-replied") == reverse("complaints:stats")


def test_the_links_of_the_petition_card_lead_to_the_same_petitions(standing, login):
    client = login(standing.city.users["dispatcher"])
    page = client.get(HOME).content.decode()

    for anchor in ("home-petitions-awaiting", "home-petitions-overdue", "home-petitions-repeats"):
        behind = client.get(_href(page, anchor))
        assert behind.status_code == 200
        assert behind.context["page"].paginator.count == int(_figure(page, anchor))


def test_the_dispatcher_sees_the_city_aqi_with_its_level_and_the_daily_aqi(standing, login):
    page = login(standing.city.users["dispatcher"]).get(HOME).content.decode()

    aqi = re.search(r'id="home-aqi">(.*?)</div>\s*</div>', page, re.S).group(1)
    assert "background:#ff7e00" in aqi and ">128<" in aqi
    assert "示范市" in aqi and "轻度污染" in aqi and "PM2.5" in aqi
    assert timezone.localtime(standing.hour).strftime("%m-%d %H时") in aqi
    assert "数据未更新" not in aqi
    assert 'id="home-aqi-district"' not in page  # the city office governs no single district
    assert ">95<" in re.search(r'id="home-aqi-today">(.*?)</li>', page, re.S).group(1)
    assert ">132<" in re.search(r'id="home-aqi-yesterday">(.*?)</li>', page, re.S).group(1)
    assert _figure(page, "home-hotspots") == "2"
    assert _href(page, "home-hotspots") == reverse("quality:hotspots")
    assert 'href="{}"'.format(reverse("quality:air_map")) in page


def test_an_aqi_hours_old_is_marked_as_not_current(city, login):
    old = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=5)
    air_hour(city.city.code, 40, scope=Scope.CITY, name="示范市", hour=old)

    page = login(city.users["dispatcher"]).get(HOME).content.decode()

    aqi = re.search(r'id="home-aqi">(.*?)</div>\s*</div>', page, re.S).group(1)
    assert ">40<" in aqi and "优" in aqi and "数据未更新" in aqi


def test_without_air_data_the_card_says_so(city, login):
    page = login(city.users["dispatcher"]).get(HOME).content.decode()

    assert 'id="home-aqi-none"' in page
    assert "暂无数据" in re.search(r'id="home-aqi-today">(.*?)</li>', page, re.S).group(1)


def test_the_dispatcher_sees_devices_online_offline_and_open_alerts(standing, login):
    page = login(standing.city.users["dispatcher"]).get(HOME).content.decode()

    assert _figure(page, "home-devices-online") == "1"
    assert _figure(page, "home-devices-offline") == "1"
    assert _figure(page, "home-monitoring-alerts") == "1"
    devices = reverse("monitoring:devices")
    assert _href(page, "home-devices-online") == devices + "?status=online"
    assert _href(page, "home-devices-offline") == devices + "?status=offline"
    assert _href(page, "home-monitoring-alerts") == reverse("monitoring:ingestion")


# --- a county user: their county only ------------------------------------------------------


def test_a_county_user_sees_only_the_figures_of_their_county(standing, login):
    page = login(standing.city.users["county_user"]).get(HOME).content.decode()

    assert _figure(page, "home-red") == "1"
    assert "在办问题 1 件" in page
    regions = re.search(r'id="home-case-regions">(.*?)</table>', page, re.S).group(1)
    assert "兴盛街道" in regions and "东山" not in regions
    assert _figure(page, "home-petitions-awaiting") == "2"
    assert _figure(page, "home-petitions-overdue") == "1"
    assert _figure(page, "home-devices-online") == "1"
    assert _figure(page, "home-devices-offline") == "0"
    assert _figure(page, "home-monitoring-alerts") == "0"
    assert _figure(page, "home-hotspots") == "1"
    # The page behind the alerts figure is one a county user may open.
    assert _href(page, "home-monitoring-alerts") == reverse("monitoring:devices")
    assert 'id="home-ingestion-link"' not in page


def test_a_county_user_sees_their_district_aqi_beside_the_city(standing, login):
    page = login(standing.city.users["county_user"]).get(HOME).content.decode()

    district = re.search(r'id="home-aqi-district">(.*?)</div>\s*</div>', page, re.S).group(1)
    assert "铁西区" in district and ">160<" in district and "中度污染" in district
    assert "PM10" in district
    assert ">128<" in re.search(r'id="home-aqi">(.*?)</div>\s*</div>', page, re.S).group(1)


def test_the_other_county_sees_its_own_figures(standing, login):
    page = login(standing.city.users["other_county"]).get(HOME).content.decode()

    assert _figure(page, "home-red") == "0"
    assert _figure(page, "home-petitions-awaiting") == "1"
    assert _figure(page, "home-petitions-overdue") == "0"
    assert _figure(page, "home-devices-offline") == "1"
    assert _figure(page, "home-monitoring-alerts") == "1"


# --- roles without a permission do not see its card -------------------------------------


def test_the_auditor_sees_none_of_the_figures_only_the_audit_log(standing, login):
    page = login(standing.city.users["auditor"]).get(HOME).content.decode()

    for card in ("case-stats", "petition-stats", "air-stats", "monitoring-stats", "org-stats"):
        assert f'id="{card}"' not in page
    assert ">128<" not in page  # no air quality either
    assert 'id="audit-summary"' in page
    assert reverse("audit_log") in page


def test_the_system_administrator_sees_air_and_devices_but_no_cases_or_petitions(standing, login):
    page = login(standing.city.users["sysadmin"]).get(HOME).content.decode()

    assert 'id="case-stats"' not in page and 'id="petition-stats"' not in page
    assert 'id="air-stats"' in page and 'id="monitoring-stats"' in page
    assert _figure(page, "home-devices-online") == "1"


def test_a_department_user_sees_no_territory_figures(standing, login):
    page = login(standing.city.users["dept_user"]).get(HOME).content.decode()

    assert 'id="case-stats"' in page
    assert _figure(page, "home-red") == "0"  # no case of theirs
    assert 'id="home-case-regions"' not in page
    assert _figure(page, "home-petitions-awaiting") == "0"
    assert _figure(page, "home-devices-online") == "0"
    # Air quality is public; hotspot counts are a territory's.
    assert ">128<" in page
    assert 'id="home-hotspots"' not in page and 'id="home-hotspots-link"' in page


def test_the_leader_sees_every_card_of_the_city(standing, login):
    page = login(standing.city.users["leader"]).get(HOME).content.decode()

    for card in ("case-stats", "petition-stats", "air-stats", "monitoring-stats"):
        assert f'id="{card}"' in page
    assert _figure(page, "home-red") == "1"
    assert _figure(page, "home-petitions-overdue") == "1"


# --- fast -----------------------------------------------------------------------------------


def test_the_dispatchers_home_page_asks_a_bounded_number_of_queries(
    standing, login, django_assert_max_num_queries
):
    client = login(standing.city.users["dispatcher"])

    with django_assert_max_num_queries(30):
        response = client.get(HOME)

    assert response.status_code == 200


def test_more_rows_do_not_cost_more_queries(standing, login, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(standing.city.users["dispatcher"])
    with CaptureQueriesContext(connection) as before:
        client.get(HOME)
    loop = Loop(standing.city, timezone.now())
    for n in range(5):
        loop.register(title=f"又一个问题{n}", source=CaseSource.PATROL)
        _petition(standing.city, address=f"东山镇工业路{n + 2}号", description=f"砖厂扬尘{n}")

    with django_assert_num_queries(len(before)):
        client.get(HOME)


def test_the_home_page_reads_nothing_from_the_lake(standing, login, monkeypatch):
    from greenloop.analytics import lake

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the home page must not read the lake")

    for name in ("read_readings", "read_stations", "readings_files", "partition_dates"):
        monkeypatch.setattr(lake, name, refuse)

    response = login(standing.city.users["dispatcher"]).get(HOME)

    assert response.status_code == 200
