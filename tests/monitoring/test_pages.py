"""The monitoring pages: devices, a site's live values and charts, the raw
packet inspector and ingestion health, as the personas see them."""

from __future__ import annotations

import html
import re
import sys
import types
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from greenloop.hj212 import DeviceProfile, Packet, Version, build_packet
from greenloop.monitoring.models import (
    AlertKind,
    InboxPacket,
    MonitoringAlert,
    ProtocolVersion,
    RejectCount,
    RejectedPacket,
    SiteKind,
)
from greenloop.monitoring.records import Batch, Reading, Rejection
from greenloop.monitoring.services import register_device
from greenloop.org.roles import Role
from greenloop.org.services import grant_role
from tests.monitoring.conftest import ingest

pytestmark = pytest.mark.django_db

SM4_KEY = "0123456789ABCDEF0123456789ABCDEF"


def _wire(
    device: Any,
    *,
    data_time: datetime,
    pollutants: dict[str, dict[str, str]],
    cn: str = "2011",
    profile: DeviceProfile | None = None,
) -> bytes:
    """The packet a data logger sends, ``##`` to CRC, as the gateway keeps it."""
    local = timezone.localtime(data_time)
    packet = Packet(
        cn=cn,
        qn=local.strftime("%Y%m%d%H%M%S") + "123",
        st=device.st or "22",
        pw=device.password,
        mn=device.mn,
        flag=5,
        cp={"DataTime": local.strftime("%Y%m%d%H%M%S")},
        pollutants={
            code: {k: Decimal(v) if k != "Flag" else v for k, v in fields.items()}
            for code, fields in pollutants.items()
        },
    )
    return build_packet(packet, profile or device.profile).rstrip(b"\r\n")


def _send(
    device: Any,
    *,
    minutes_ago: float = 0,
    received_minutes_ago: float | None = None,
    cn: str = "2011",
    values: dict[str, tuple[str, str]] | None = None,
) -> InboxPacket:
    """Store one accepted packet the way the gateway does; return its row."""
    now = timezone.now().replace(microsecond=0)
    data_time = now - timedelta(minutes=minutes_ago)
    received = now - timedelta(
        minutes=minutes_ago if received_minutes_ago is None else received_minutes_ago
    )
    field = "Avg" if cn == "2061" else "Rtd"
    values = values or {"a34004": ("35.0", "N")}
    pollutants = {code: {field: v, "Flag": flag} for code, (v, flag) in values.items()}
    ingest(
        Batch(
            readings=[
                Reading(
                    device_id=device.pk,
                    site_id=device.site_id,
                    mn=device.mn,
                    cn=cn,
                    data_time=data_time,
                    received_at=received,
                    raw=_wire(device, data_time=data_time, pollutants=pollutants, cn=cn),
                    qn="q",
                    st=device.st,
                    flag=5,
                    cp={"DataTime": timezone.localtime(data_time).strftime("%Y%m%d%H%M%S")},
                    pollutants=pollutants,
                    peer="10.0.0.7:40001",
                )
            ]
        )
    )
    return InboxPacket.objects.get(device=device, cn=cn, data_time=data_time)


def _reject(kind: str, raw: bytes, *, mn: str = "", message: str = "") -> RejectedPacket:
    ingest(
        Batch(
            rejections=[
                Rejection(
                    kind=kind,
                    received_at=timezone.now(),
                    message=message,
                    mn=mn,
                    peer="10.0.0.9:50000",
                    raw=raw,
                )
            ]
        )
    )
    return RejectedPacket.objects.order_by("-pk").first()  # type: ignore[return-value]


# --- access -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["auditor", "secadmin"])
def test_the_security_administrator_and_the_auditor_are_refused_every_page(
    city: Any, fleet: Any, login: Any, persona: str
) -> None:
    client = login(city.users[persona])
    packet = _send(fleet.device)

    urls = [
        reverse("monitoring:devices"),
        reverse("monitoring:site", args=[fleet.site.pk]),
        reverse("monitoring:site_live", args=[fleet.site.pk]),
        reverse("monitoring:packets"),
        reverse("monitoring:inbox_packet", args=[packet.pk]),
        reverse("monitoring:ingestion"),
    ]

    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    assert "nav-monitoring" not in client.get(reverse("home")).content.decode()


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client: Any, fleet: Any) -> None:
    response = client.get(reverse("monitoring:devices"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_county_user_sees_monitoring_but_not_the_inspector(
    city: Any, fleet: Any, login: Any
) -> None:
    client = login(city.users["county_user"])

    home = client.get(reverse("home")).content.decode()

    assert 'id="nav-monitoring"' in home
    assert 'id="nav-packets"' not in home
    assert client.get(reverse("monitoring:packets")).status_code == 403
    assert client.get(reverse("monitoring:ingestion")).status_code == 403


def test_the_dispatcher_has_links_to_every_monitoring_page(
    city: Any, fleet: Any, login: Any
) -> None:
    home = login(city.users["dispatcher"]).get(reverse("home")).content.decode()

    for anchor in ("nav-monitoring", "nav-packets", "nav-ingestion"):
        assert f'id="{anchor}"' in home


# --- devices ------------------------------------------------------------------


def test_the_dispatcher_sees_every_device_with_its_status_and_the_counts(
    city: Any, fleet: Any, login: Any
) -> None:
    _send(fleet.device)
    MonitoringAlert.objects.create(
        device=fleet.other_device,
        site=fleet.other_site,
        kind=AlertKind.OFFLINE,
        started_at=timezone.now(),
    )

    response = login(city.users["dispatcher"]).get(reverse("monitoring:devices"))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<b id="count-online">1</b>' in page
    assert '<b id="count-offline">1</b>' in page
    assert '<b id="count-alerts">1</b>' in page
    rows = {d.mn: d for d in response.context["page"]}
    assert rows[fleet.device.mn].state == "online"
    assert rows[fleet.other_device.mn].state == "offline"
    assert rows[fleet.other_device.mn].open_alerts == 1
    assert "铁西国控站" in page and "东山断面" in page
    assert "国控空气自动站" in page and "HJ 212-2017" in page


def test_a_county_user_sees_only_the_devices_of_their_county(
    city: Any, fleet: Any, login: Any
) -> None:
    response = login(city.users["county_user"]).get(reverse("monitoring:devices"))

    assert [d.mn for d in response.context["page"]] == [fleet.device.mn]
    assert "东山断面" not in response.content.decode()


def test_a_department_user_sees_no_devices(city: Any, fleet: Any, login: Any) -> None:
    response = login(city.users["dept_user"]).get(reverse("monitoring:devices"))

    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "没有符合条件的设备" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "online"}, ["device"]),
        ({"status": "offline"}, ["other_device"]),
        ({"kind": SiteKind.WATER_SECTION}, ["other_device"]),
        ({"region": "210303000000"}, ["device"]),
        ({"q": "9DC1"}, ["other_device"]),
        ({"q": "铁西国控"}, ["device"]),
    ],
)
def test_filters_narrow_the_device_list(
    city: Any, fleet: Any, login: Any, params: dict[str, str], expected: list[str]
) -> None:
    _send(fleet.device)

    response = login(city.users["dispatcher"]).get(reverse("monitoring:devices"), params)

    assert [d.mn for d in response.context["page"]] == [
        getattr(fleet, name).mn for name in expected
    ]


def test_the_device_list_is_paginated_and_keeps_its_filters(
    city: Any, fleet: Any, login: Any
) -> None:
    for n in range(55):
        register_device(
            mn=f"MN-TX-{n:03d}",
            password="123456",
            site=fleet.site,
            now=timezone.now(),
            interval_seconds=60,
        )
    client = login(city.users["dispatcher"])

    first = client.get(reverse("monitoring:devices"), {"q": "MN-TX"})
    second = client.get(reverse("monitoring:devices"), {"q": "MN-TX", "page": 2})

    assert len(first.context["page"]) == 50
    assert [d.mn for d in second.context["page"]] == [f"MN-TX-{n:03d}" for n in range(50, 55)]
    assert "q=MN-TX&page=2" in first.content.decode()


def test_the_device_list_asks_the_same_number_of_queries_for_more_devices(
    city: Any, fleet: Any, login: Any
) -> None:
    client = login(city.users["dispatcher"])
    client.get(reverse("monitoring:devices"))  # session and scope warmed up

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("monitoring:devices"))
    for n in range(12):
        device = register_device(
            mn=f"MN-MORE-{n:02d}", password="123456", site=fleet.other_site, now=timezone.now()
        )
        MonitoringAlert.objects.create(
            device=device, site=fleet.other_site, kind=AlertKind.OFFLINE, started_at=timezone.now()
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("monitoring:devices"))

    assert len(many.captured_queries) == len(few.captured_queries)


# --- a site ---------------------------------------------------------------------


def test_the_site_page_shows_the_live_values_with_name_unit_and_flag(
    city: Any, fleet: Any, login: Any
) -> None:
    _send(fleet.device, minutes_ago=5, values={"a34004": ("35.0", "N"), "a34002": ("61.5", "D")})

    response = login(city.users["county_user"]).get(
        reverse("monitoring:site", args=[fleet.site.pk])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "铁西国控站" in page
    (group,) = response.context["live_groups"]
    assert group.cn == "2011"
    rows = {r.code: r for r in group.rows}
    assert (rows["a34004"].name, rows["a34004"].value, rows["a34004"].unit) == (
        "细颗粒物",
        "35.0",
        "ng/m³",
    )
    assert (rows["a34002"].flag, rows["a34002"].flag_meaning) == ("D", "仪器故障")
    assert "仪器故障" in page and "工作正常" in page
    assert 'hx-trigger="every 30s"' in page


def test_the_site_page_draws_a_24_hour_chart_per_factor(city: Any, fleet: Any, login: Any) -> None:
    for minutes, value in [(200, "20.5"), (100, "40.25"), (10, "33.0")]:
        _send(fleet.device, minutes_ago=minutes, values={"a34004": (value, "N")})
    _send(fleet.device, minutes_ago=60 * 30, values={"a34004": ("8765.4", "N")})

    response = login(city.users["dispatcher"]).get(reverse("monitoring:site", args=[fleet.site.pk]))

    (chart,) = response.context["charts"]
    assert (chart.code, chart.name, chart.unit) == ("a34004", "细颗粒物", "ng/m³")
    svg = str(chart.svg)
    points = re.findall(r'<desc class="value">([^<]*)</desc>', svg)
    assert "<svg" in svg
    assert sorted(points) == ["20.5", "33", "40.25"]  # none older than 24 hours
    assert response.context["chart_cn"] == "2011"


def test_the_site_page_can_chart_hourly_averages(city: Any, fleet: Any, login: Any) -> None:
    _send(fleet.device, minutes_ago=10, values={"a34004": ("33.0", "N")})
    _send(fleet.device, minutes_ago=120, cn="2061", values={"a34004": ("28.75", "N")})
    client = login(city.users["dispatcher"])

    response = client.get(reverse("monitoring:site", args=[fleet.site.pk]), {"series": "2061"})

    assert response.context["chart_cn"] == "2061"
    assert '<desc class="value">28.75</desc>' in str(response.context["charts"][0].svg)
    assert "小时数据" in response.content.decode()


def test_a_county_user_cannot_open_a_site_of_another_county(
    city: Any, fleet: Any, login: Any
) -> None:
    client = login(city.users["county_user"])

    assert client.get(reverse("monitoring:site", args=[fleet.other_site.pk])).status_code == 404
    assert (
        client.get(reverse("monitoring:site_live", args=[fleet.other_site.pk])).status_code == 404
    )


def test_the_live_values_refresh_only_when_new_data_arrived(
    city: Any, fleet: Any, login: Any
) -> None:
    _send(fleet.device, minutes_ago=10, values={"a34004": ("35.0", "N")})
    client = login(city.users["county_user"])
    site_page = client.get(reverse("monitoring:site", args=[fleet.site.pk])).content.decode()
    poll_url = html.unescape(re.search(r'id="live-values" hx-get="([^"]+)"', site_page)[1])

    unchanged = client.get(poll_url, headers={"HX-Request": "true"})
    _send(fleet.device, minutes_ago=0, values={"a34004": ("48.5", "N")})
    changed = client.get(poll_url, headers={"HX-Request": "true"})

    assert poll_url.startswith(reverse("monitoring:site_live", args=[fleet.site.pk]))
    assert unchanged.status_code == 204
    assert 'id="live-values"' in changed.content.decode()
    assert "<html" not in changed.content.decode()
    assert changed.status_code == 200
    assert "48.5" in changed.content.decode()


# --- the raw packet inspector ---------------------------------------------------


def test_the_inspector_finds_packets_by_mn_and_time_range(
    city: Any, fleet: Any, login: Any
) -> None:
    recent = _send(fleet.device, minutes_ago=30)
    old = _send(fleet.device, minutes_ago=60 * 30)
    _send(fleet.other_device, minutes_ago=20)
    client = login(city.users["dispatcher"])

    default = client.get(reverse("monitoring:packets"), {"mn": fleet.device.mn})
    since = timezone.localtime(timezone.now() - timedelta(hours=40)).strftime("%Y-%m-%dT%H:%M")
    wider = client.get(reverse("monitoring:packets"), {"mn": fleet.device.mn, "start": since})

    assert [p.pk for p in default.context["page"]] == [recent.pk]
    assert [p.pk for p in wider.context["page"]] == [recent.pk, old.pk]
    assert "铁西国控站" in default.content.decode()


def test_the_inspector_pages_through_the_packets_newest_first(
    city: Any, fleet: Any, login: Any
) -> None:
    sent = [_send(fleet.device, minutes_ago=minutes) for minutes in range(55)]
    client = login(city.users["dispatcher"])
    query = {"mn": fleet.device.mn}

    first = client.get(reverse("monitoring:packets"), query)
    second = client.get(reverse("monitoring:packets"), {**query, "page": 2})

    assert [p.pk for p in first.context["page"]] == [p.pk for p in sent[:50]]
    assert [p.pk for p in second.context["page"]] == [p.pk for p in sent[50:]]
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' not in first.content.decode()
    assert 'rel="prev"' in second.content.decode() and 'rel="next"' not in second.content.decode()


def test_the_inbox_packet_page_decodes_the_raw_bytes_and_masks_the_password(
    city: Any, fleet: Any, login: Any
) -> None:
    packet = _send(fleet.device, values={"a34004": ("35.0", "N"), "a34002": ("61.5", "D")})

    response = login(city.users["dispatcher"]).get(
        reverse("monitoring:inbox_packet", args=[packet.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert fleet.device.password not in page
    assert "PW=******" in page
    assert '<dd class="mono" data-field="PW">******' in page
    assert f'data-field="MN">{fleet.device.mn}' in page
    assert "校验通过" in page
    assert '<tr data-factor="a34002">' in page and "可吸入颗粒物" in page
    assert "61.5" in page and "仪器故障" in page


def test_a_rejected_packet_shows_its_error_kind_and_the_crc_expected_and_received(
    city: Any, fleet: Any, login: Any
) -> None:
    good = _wire(
        fleet.device, data_time=timezone.now(), pollutants={"a34004": {"Rtd": "1.0", "Flag": "N"}}
    )
    bad = good[:-4] + b"ABCD"
    rejected = _reject("crc", bad, message="CRC ABCD != computed " + good[-4:].decode())

    response = login(city.users["dispatcher"]).get(
        reverse("monitoring:rejected_packet", args=[rejected.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "CRC校验错误" in page
    assert "校验失败" in page
    assert response.context["ins"].crc.expected == good[-4:].decode()
    assert response.context["ins"].crc.got == "ABCD"
    assert 'id="decoded-despite-crc"' in page  # decoded all the same, marked as such
    assert f'data-field="MN">{fleet.device.mn}' in page
    assert fleet.device.password not in page


def test_a_packet_with_a_wrong_password_is_listed_with_its_reason_and_the_password_hidden(
    city: Any, fleet: Any, login: Any
) -> None:
    device = fleet.device
    device.password = "wrong-pw-777"
    raw = _wire(device, data_time=timezone.now(), pollutants={"a34004": {"Rtd": "1.0"}})
    _reject("bad_password", raw, mn=device.mn, message="PW does not match")
    client = login(city.users["dispatcher"])

    listing = client.get(reverse("monitoring:packets"), {"source": "rejected"})
    detail = client.get(reverse("monitoring:rejected_packet", args=[listing.context["page"][0].pk]))

    assert "密码错误" in listing.content.decode()
    assert "密码错误" in detail.content.decode()
    assert "wrong-pw-777" not in detail.content.decode()
    assert "校验通过" in detail.content.decode()


def test_an_encrypted_2025_packet_is_shown_as_hex_and_decoded_with_the_device_key(
    city: Any, fleet: Any, login: Any
) -> None:
    meter = register_device(
        mn="MN2025METER0001",
        password="888888",
        site=fleet.site,
        now=timezone.now(),
        protocol_version=ProtocolVersion.HJ212_2025,
        sm4_key=SM4_KEY,
    )
    profile = DeviceProfile(version=Version.HJ212_2025, sm4_key=bytes.fromhex(SM4_KEY))
    assert meter.profile == profile
    packet = _send(meter, values={"e70201": ("12.5", "N")})

    response = login(city.users["dispatcher"]).get(
        reverse("monitoring:inbox_packet", args=[packet.pk])
    )

    page = response.content.decode()
    assert response.context["ins"].encrypted
    assert 'id="raw-hex"' in page
    assert "数据区为SM4密文" in page
    assert "12.5" in page  # decrypted with the registered key
    assert "888888" not in page
    dumped = bytes.fromhex(
        "".join(line[6:53] for line in response.context["ins"].hex_lines).replace(" ", "")
    )
    assert b"PW=******;" in dumped  # the PW bytes of the dump are masked too


def test_an_inspector_with_a_county_scope_cannot_open_another_countys_packets(
    city: Any, fleet: Any, login: Any
) -> None:
    grant_role(person=city.people["county_user"], role=Role.DISPATCHER)
    theirs = _send(fleet.other_device)
    unknown = _reject("unknown_device", b"##0010QN=1;CP=&&&&0000", mn="NOBODY")
    client = login(city.users["county_user"])

    listing = client.get(reverse("monitoring:packets"))

    assert client.get(reverse("monitoring:inbox_packet", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("monitoring:rejected_packet", args=[unknown.pk])).status_code == 404
    assert list(listing.context["page"]) == []


# --- ingestion health -------------------------------------------------------------


def test_ingestion_health_shows_rates_rejects_devices_and_alerts(
    city: Any, fleet: Any, login: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(sys.modules, "greenloop.monitoring.mover", None)  # no mover yet
    for minutes in (0.2, 0.5, 3, 30):
        _send(fleet.device, minutes_ago=minutes)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    RejectCount.objects.create(hour=hour, kind="crc", count=7)
    RejectCount.objects.create(hour=hour - timedelta(hours=1), kind="crc", count=3)
    RejectCount.objects.create(hour=hour, kind="bad_password", count=2)
    RejectCount.objects.create(hour=hour - timedelta(hours=30), kind="format", count=99)

    response = login(city.users["sysadmin"]).get(reverse("monitoring:ingestion"))

    assert response.status_code == 200
    assert [(r["minutes"], r["count"]) for r in response.context["rates"]] == [
        (1, 2),
        (5, 3),
        (60, 4),
    ]
    assert [(r["kind"], r["count"]) for r in response.context["rejects"]] == [
        ("crc", 10),
        ("bad_password", 2),
    ]
    page = response.content.decode()
    assert "CRC校验错误" in page and "格式错误" not in page
    assert '<b id="count-online">1</b>' in page
    assert '<b id="count-offline">1</b>' in page
    assert '<dd id="lake-lag">—</dd>' in page


def test_ingestion_health_shows_the_lake_status_from_the_mover(
    city: Any, fleet: Any, login: Any, monkeypatch: Any
) -> None:
    @dataclass
    class LakeStatus:
        inbox_depth: int
        oldest_unmoved: datetime | None
        lake_lag: timedelta | None
        last_move: datetime | None

    mover = types.ModuleType("greenloop.monitoring.mover")
    mover.lake_status = lambda now: LakeStatus(  # type: ignore[attr-defined]
        inbox_depth=4321,
        oldest_unmoved=now - timedelta(hours=50),
        lake_lag=timedelta(hours=2, minutes=5),
        last_move=now - timedelta(minutes=3),
    )
    monkeypatch.setitem(sys.modules, "greenloop.monitoring.mover", mover)

    page = login(city.users["dispatcher"]).get(reverse("monitoring:ingestion")).content.decode()

    assert "4321 包" in page
    assert '<dd id="lake-lag">2 小时 5 分钟</dd>' in page


def test_ingestion_health_refreshes_its_figures_without_reloading_the_page(
    city: Any, fleet: Any, login: Any
) -> None:
    client = login(city.users["dispatcher"])
    page = client.get(reverse("monitoring:ingestion")).content.decode()
    _send(fleet.device, minutes_ago=0.1)

    fragment = client.get(reverse("monitoring:ingestion"), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 30s"' in page
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="health-figures"')
    assert "<html" not in body
    one_minute = re.search(r'data-minutes="1">(.*?)</div>', body, re.S)[1]
    assert "共 1 包" in one_minute
