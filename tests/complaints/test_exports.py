"""The petition ledger export: masked by default, unmasked only for the
identity permission as an explicit, audited choice."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from greenloop.audit.models import AuditEvent
from greenloop.complaints import exports
from tests.complaints.conftest import DONGSHAN_POINT, public_report

NAME, PHONE = "测试乙", "13900002222"


def _sheet(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def _named(now: Any, **extra: Any) -> Any:
    return public_report(
        now=now,
        is_anonymous=False,
        name=NAME,
        phone=PHONE,
        description=f"宏达化工厂冒黑烟，我的电话{PHONE}",
        **extra,
    ).petition


def test_the_ledger_is_masked_by_default_and_the_export_is_logged(
    mapped_city: Any, login: Any, now: Any
) -> None:
    petition = _named(now)

    response = login(mapped_city.users["dispatcher"]).get("/complaints/export/")

    rows = _sheet(response)
    text = repr(rows)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert rows[1][0] == "信访件编号"
    assert rows[2][0] == petition.number
    assert "测**" in text and "139****2222" in text
    assert NAME not in text and PHONE not in text  # not even in the text
    event = AuditEvent.objects.get(action=exports.EXPORTED)
    assert event.actor == mapped_city.users["dispatcher"]
    assert event.data["count"] == 1 and event.data["unmasked"] is False


def test_the_ledger_follows_the_queues_filters_and_the_readers_scope(
    mapped_city: Any, login: Any, now: Any
) -> None:
    tiexi = _named(now)
    public_report(
        now=now,
        longitude=DONGSHAN_POINT[0],
        latitude=DONGSHAN_POINT[1],
        address="东山镇",
        description="东山镇石材厂粉尘",
        category="NOISE",
    )

    county = _sheet(login(mapped_city.users["county_user"]).get("/complaints/export/"))
    noise = _sheet(login(mapped_city.users["dispatcher"]).get("/complaints/export/?category=NOISE"))

    assert [r[0] for r in county[2:]] == [tiexi.number]
    assert len(noise) == 3 and noise[2][0] != tiexi.number


def test_a_user_without_the_identity_permission_cannot_export_unmasked(
    mapped_city: Any, login: Any, now: Any
) -> None:
    _named(now)
    client = login(mapped_city.users["county_user"])

    page = client.get("/complaints/export/unmasked/")
    post = client.post("/complaints/export/unmasked/", {"confirm": "1", "reason": "看看"})

    assert page.status_code == post.status_code == 403
    assert NAME not in post.content.decode(errors="replace")
    assert not AuditEvent.objects.filter(action=exports.EXPORTED_UNMASKED).exists()


def test_the_dispatcher_confirms_an_unmasked_export_and_it_is_audited_with_the_reason(
    mapped_city: Any, login: Any, now: Any
) -> None:
    _named(now)
    client = login(mapped_city.users["dispatcher"])

    confirm = client.get("/complaints/export/unmasked/")
    logged_before = AuditEvent.objects.filter(action=exports.EXPORTED_UNMASKED).count()
    response = client.post(
        "/complaints/export/unmasked/", {"confirm": "1", "reason": "奖励发放核对"}
    )

    assert confirm.status_code == 200 and "审计日志" in confirm.content.decode()
    assert logged_before == 0  # the confirmation page exports nothing
    rows = _sheet(response)
    assert NAME in rows[2] and PHONE in rows[2]
    event = AuditEvent.objects.get(action=exports.EXPORTED_UNMASKED)
    assert event.actor == mapped_city.users["dispatcher"]
    assert event.data["reason"] == "奖励发放核对" and event.data["count"] == 1
    audit_page = login(mapped_city.users["auditor"]).get("/audit/").content.decode()
    assert "导出信访件台账（含举报人信息）" in audit_page


def test_text_from_the_public_never_becomes_a_formula(
    mapped_city: Any, login: Any, now: Any
) -> None:
    public_report(now=now, enterprise_name='=HYPERLINK("http://evil.example","点我")')

    response = login(mapped_city.users["dispatcher"]).get("/complaints/export/")

    book = load_workbook(io.BytesIO(response.content))
    cell = book.active.cell(row=3, column=8)
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
