"""问责: the office records who was held accountable; records are seen by
whoever sees their unit or a linked case; counts per round."""

from __future__ import annotations

import datetime as dt

import pytest

from greenloop.cases import services, statistics
from greenloop.cases.errors import Refusal
from greenloop.cases.models import (
    AccountabilityForm,
    AccountabilityRecord,
    CaseEvent,
    InspectionRound,
    RoundKind,
)
from tests.cases.conftest import NOW, TODAY


@pytest.fixture
def central(loop_city):
    return InspectionRound.objects.create(kind=RoundKind.CENTRAL, name="中央督察")


@pytest.fixture
def provincial(loop_city):
    return InspectionRound.objects.create(kind=RoundKind.PROVINCIAL, name="省级督察")


def _record(loop, **extra):
    values = {
        "by": loop.user("dispatcher"),
        "now": NOW,
        "person_name": "张某",
        "form": AccountabilityForm.ADMONITION_TALK,
        "reason": "督察整改推进不力",
        "decided_date": TODAY,
        "unit": loop.city.county_gov,
        "post": "副区长",
    }
    return services.record_accountability(**{**values, **extra})


def test_recording_links_the_cases_and_writes_their_timelines(loop, central):
    case = loop.assign(loop.register(inspection_round=central))

    record = _record(loop, cases=[case], unit=None, unit_name="铁西区住建局")

    assert record.inspection_round == central  # taken from the case
    assert list(record.cases.all()) == [case]
    entry = CaseEvent.objects.get(case=case, action="greenloop.cases.case.accountability_recorded")
    assert entry.data["person_name"] == "张某" and entry.data["form"] == "ADMONITION_TALK"
    assert entry.comment == "督察整改推进不力" and entry.at == NOW


def test_the_unit_name_defaults_to_the_registers(loop):
    assert _record(loop).unit_name == "铁西区人民政府"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"person_name": " "}, "请填写被问责人姓名"),
        ({"form": "FINE"}, "问责方式无效"),
        ({"reason": ""}, "请填写问责事由"),
        ({"decided_date": TODAY + dt.timedelta(days=1)}, "不能晚于今天"),
        ({"unit": None, "unit_name": "某单位"}, "至少关联一个问题"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(loop, change, message):
    with pytest.raises(services.UnableToRecordAccountability, match=message):
        _record(loop, **change)

    assert not AccountabilityRecord.objects.exists()


def test_only_the_office_records_accountability(loop):
    with pytest.raises(services.UnableToRecordAccountability) as refused:
        _record(loop, by=loop.user("county_user"))

    assert refused.value.reason is Refusal.FORBIDDEN


def test_a_case_out_of_reach_cannot_be_linked(loop):
    from greenloop.org.models import Unit

    other_case = loop.register(region=loop.city.other_township)
    county_dispatcher = _county_dispatcher(loop)

    with pytest.raises(services.UnableToRecordAccountability, match="关联的问题"):
        _record(
            loop, by=county_dispatcher, cases=[other_case], unit=Unit.objects.get(code="U-TXGOV")
        )


def _county_dispatcher(loop):
    from greenloop.org.roles import Role
    from tests.cases.conftest import _add_persona

    user, _person = _add_persona("tx_dispatcher", "铁西调度", loop.city.county_gov, Role.DISPATCHER)
    return user


def test_records_follow_their_unit_or_a_visible_case(loop, central):
    tiexi = _record(loop)
    dongshan = _record(loop, person_name="李某", unit=loop.city.other_gov)
    dongshan_case = loop.register(region=loop.city.other_township, inspection_round=central)
    linked = _record(loop, person_name="王某", unit=None, unit_name="外单位", cases=[dongshan_case])

    assert set(AccountabilityRecord.objects.visible_to(loop.user("county_user"))) == {tiexi}
    assert set(AccountabilityRecord.objects.visible_to(loop.user("other_county"))) == {
        dongshan,
        linked,
    }
    assert AccountabilityRecord.objects.visible_to(loop.user("auditor")).count() == 0


def test_counts_per_round_count_people_once(loop, central, provincial):
    _record(loop, inspection_round=central, form=AccountabilityForm.PARTY_DISCIPLINE)
    _record(loop, inspection_round=central, form=AccountabilityForm.ORGANISATIONAL)
    _record(loop, inspection_round=central, person_name="李某")
    _record(loop, inspection_round=provincial, person_name="赵某")

    by_round = statistics.accountability_counts(
        AccountabilityRecord.objects.all(), "inspection_round"
    )
    by_form = statistics.accountability_counts(AccountabilityRecord.objects.all(), "form")

    assert [(r["name"], r["people"], r["records"]) for r in by_round] == [
        ("中央督察", 2, 3),
        ("省级督察", 1, 1),
    ]
    assert {r["key"]: r["records"] for r in by_form} == {
        "ADMONITION_TALK": 2,
        "PARTY_DISCIPLINE": 1,
        "ORGANISATIONAL": 1,
    }


# --- pages and API -----------------------------------------------------------------


def test_the_dispatcher_records_through_the_form_by_case_number(loop, central, login):
    case = loop.register(inspection_round=central)
    client = login(loop.user("dispatcher"))

    response = client.post(
        "/cases/accountability/new/",
        {
            "person_name": "孙某",
            "unit": "",
            "unit_name": "铁西区生态环境分局",
            "post": "局长",
            "form": "CIRCULATED_CRITICISM",
            "reason": "信访件办理不力",
            "decided_date": "2026-03-01",
            "case_numbers": f"{case.number}，",
        },
    )

    assert response.status_code == 302
    record = AccountabilityRecord.objects.get()
    assert list(record.cases.all()) == [case] and record.inspection_round == central


def test_an_unknown_case_number_is_shown_on_the_form(loop, login):
    client = login(loop.user("dispatcher"))

    response = client.post(
        "/cases/accountability/new/",
        {
            "person_name": "孙某",
            "unit_name": "某单位",
            "form": "CIRCULATED_CRITICISM",
            "reason": "信访件办理不力",
            "decided_date": "2026-03-01",
            "case_numbers": "督信-2099-0001",
        },
    )

    assert response.status_code == 200
    assert "督信-2099-0001" in response.content.decode()
    assert not AccountabilityRecord.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("dispatcher", 200), ("county_user", 403), ("auditor", 403)]
)
def test_the_form_is_for_the_office(loop, login, persona, status):
    assert login(loop.user(persona)).get("/cases/accountability/new/").status_code == status


def test_the_list_shows_each_reader_their_records_and_the_counts(
    loop, central, login, django_assert_max_num_queries
):
    _record(loop, inspection_round=central)
    _record(loop, person_name="李某", unit=loop.city.other_gov, inspection_round=central)
    client = login(loop.user("county_user"))

    with django_assert_max_num_queries(20):
        page = client.get("/cases/accountability/").content.decode()

    assert "张某" in page and "李某" not in page
    assert 'id="fig-people">1<' in page
    assert "中央督察" in page
    assert login(loop.user("auditor")).get("/cases/accountability/").status_code == 403


def test_the_api_records_lists_and_counts(loop, central, login):
    client = login(loop.user("dispatcher"))
    case = loop.register(inspection_round=central)

    created = client.post(
        "/api/v1/cases/accountability",
        {
            "person_name": "周某",
            "form": "GOVERNMENT_SANCTION",
            "reason": "整改弄虚作假",
            "decided_date": "2026-03-01",
            "unit_id": loop.city.county_gov.pk,
            "case_ids": [case.pk],
        },
        content_type="application/json",
    )
    listed = client.get("/api/v1/cases/accountability", {"inspection_round": central.pk}).json()
    counts = client.get("/api/v1/cases/accountability/counts").json()
    refused = login(loop.user("county_user")).post(
        "/api/v1/cases/accountability",
        {
            "person_name": "某",
            "form": "GOVERNMENT_SANCTION",
            "reason": "x",
            "decided_date": "2026-03-01",
        },
        content_type="application/json",
    )

    assert created.status_code == 201
    assert created.json()["cases"] == [{"id": case.pk, "number": case.number}]
    assert created.json()["inspection_round"]["name"] == "中央督察"
    assert listed["count"] == 1 and listed["items"][0]["form_label"] == "政务处分"
    assert counts["people"] == 1 and counts["by_round"][0]["name"] == "中央督察"
    assert refused.status_code == 403
