"""Historical closed cases: a previous year's ledger taken in closed, with one
timeline entry each, all or nothing; a 回头看 may then re-open them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from greenloop.cases import services
from greenloop.cases.errors import Refusal
from greenloop.cases.models import (
    Case,
    CaseCategory,
    CaseEvent,
    CaseNumberSequence,
    CaseSource,
    CaseState,
    ReviewOutcome,
)
from greenloop.org.roles import Role
from tests.cases.conftest import NOW, TODAY, _add_persona

LEDGER = "示范市生态环境问题整改台账（2023—2025年）"
BEIJING = timezone.get_default_timezone()


def _record(city, **changes):
    values = {
        "source": CaseSource.PUBLIC_REPORT,
        "title": "某砂石厂粉尘污染",
        "category": CaseCategory.AIR,
        "region": city.village,
        "lead_unit": city.county_gov,
        "registered_date": dt.date(2024, 3, 5),
        "closed_date": dt.date(2024, 4, 20),
        "result": "料场已全封闭，道路硬化。",
    }
    values.update(changes)
    values.setdefault("due_date", values["closed_date"] + dt.timedelta(days=10))
    return services.ClosedCaseRecord(**values)


def _import(loop, records, by="dispatcher"):
    return services.import_closed_cases(by=loop.user(by), now=NOW, ledger=LEDGER, records=records)


def test_it_creates_the_case_closed_on_the_ledgers_dates(loop):
    (case,) = _import(loop, [_record(loop.city)])

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.number == "举报-2024-0001"
    assert case.closed_at == dt.datetime(2024, 4, 20, 12, tzinfo=BEIJING)
    assert case.state_changed_at == case.closed_at
    assert case.created_at == dt.datetime(2024, 3, 5, 12, tzinfo=BEIJING)
    assert (case.lead_unit, case.due_date) == (loop.city.county_gov, dt.date(2024, 4, 30))
    assert (case.version, case.rectification_cycle, case.is_unfounded) == (1, 1, False)
    assert case.created_by == loop.user("dispatcher")


def test_it_writes_one_timeline_entry_with_the_ledger_and_the_original_dates(loop):
    (case,) = _import(loop, [_record(loop.city)])

    (entry,) = CaseEvent.objects.filter(case=case)

    assert entry.action == "greenloop.cases.case.imported_closed"
    assert (entry.from_state, entry.to_state, entry.at) == ("", CaseState.CLOSED, NOW)
    assert entry.comment == "料场已全封闭，道路硬化。"
    assert entry.actor_name == "王调度"
    assert entry.data == {
        "ledger": LEDGER,
        "number": "举报-2024-0001",
        "registered_date": "2024-03-05",
        "closed_date": "2024-04-20",
        "due_date": "2024-04-30",
        "lead_unit": {"id": loop.city.county_gov.pk, "name": "铁西区人民政府"},
        "unfounded": False,
    }
    assert entry.action_label == "从历史台账导入（已销号）"


def test_numbers_follow_the_registration_order_per_source_and_year(loop):
    records = [
        _record(loop.city, registered_date=dt.date(2024, 6, 1), closed_date=dt.date(2024, 7, 1)),
        _record(loop.city, registered_date=dt.date(2024, 2, 1), closed_date=dt.date(2024, 3, 1)),
        _record(loop.city, registered_date=dt.date(2023, 5, 1), closed_date=dt.date(2024, 1, 9)),
        _record(
            loop.city,
            source=CaseSource.HOTLINE_12369,
            registered_date=dt.date(2024, 1, 2),
            closed_date=dt.date(2024, 1, 20),
        ),
    ]

    cases = _import(loop, records)

    assert [c.number for c in cases] == [
        "举报-2024-0002",
        "举报-2024-0001",
        "举报-2023-0001",
        "12369-2024-0001",
    ]


def test_numbers_never_meet_those_of_registrations(loop):
    registered = loop.register(source=CaseSource.PUBLIC_REPORT)  # 2026
    history = _import(
        loop,
        [_record(loop.city, registered_date=dt.date(2026, 1, 5), closed_date=dt.date(2026, 2, 1))],
    )
    later = loop.register(source=CaseSource.PUBLIC_REPORT)

    assert [registered.number, history[0].number, later.number] == [
        "举报-2026-0001",
        "举报-2026-0002",
        "举报-2026-0003",
    ]


def test_a_record_with_a_finding_is_closed_as_unfounded(loop):
    (case,) = _import(loop, [_record(loop.city, unfounded_finding="经核查，反映问题不属实。")])

    case.refresh_from_db()
    entry = CaseEvent.objects.get(case=case)
    assert case.state == CaseState.CLOSED and case.is_unfounded
    assert case.verification_finding == "经核查，反映问题不属实。"
    assert case.rectification_cycle == 0
    assert entry.data["unfounded"] is True and entry.comment == "经核查，反映问题不属实。"


def test_the_single_case_form_imports_one_record(loop):
    case = services.import_closed_case(
        by=loop.user("dispatcher"),
        now=NOW,
        ledger=LEDGER,
        source=CaseSource.PATROL,
        title="河道垃圾",
        category=CaseCategory.WASTE,
        region=loop.city.township,
        lead_unit=loop.city.county_gov,
        registered_date=dt.date(2025, 8, 1),
        closed_date=dt.date(2025, 8, 10),
    )

    assert case.number == "巡查-2025-0001" and case.due_date is None
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED


def test_the_returned_cases_still_refuse_a_state_change_on_save(loop):
    (case,) = _import(loop, [_record(loop.city)])

    case.state = CaseState.RECTIFYING

    with pytest.raises(TypeError):
        case.save()


def test_the_number_of_queries_does_not_grow_with_the_ledger(loop):
    def queries(n):
        records = [_record(loop.city, title=f"问题{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            _import(loop, records)
        return len(captured)

    queries(1)  # the user's scope and name, and the sequence row, once

    # Within one insert batch (SQLite caps the parameters of a statement,
    # so larger ledgers take one more INSERT per batch, nothing per case).
    assert queries(3) == queries(25)


# --- refusals ---------------------------------------------------------------------


def _refusal(loop, records, by="dispatcher"):
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(services.UnableToImportCase) as raised:
        _import(loop, records, by=by)
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    assert not CaseNumberSequence.objects.filter(last__gt=0).exists()
    return raised.value


@pytest.mark.parametrize("user", ["county_user", "recheck", "leader"])
def test_only_the_office_may_import_a_ledger(loop, user):
    refusal = _refusal(loop, [_record(loop.city)], by=user)

    assert refusal.reason == Refusal.FORBIDDEN


def test_a_region_outside_the_territory_refuses_the_whole_ledger(loop):
    county_office, _person = _add_persona(
        "tiexi_dispatcher", "铁西调度", loop.city.county_gov, Role.DISPATCHER
    )
    records = [
        _record(loop.city),
        _record(loop.city, region=loop.city.other_township, lead_unit=loop.city.other_gov),
    ]
    loop.city.users["tiexi_dispatcher"] = county_office

    refusal = _refusal(loop, records, by="tiexi_dispatcher")

    assert refusal.reason == Refusal.FORBIDDEN
    assert str(refusal).startswith("第2条")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"closed_date": TODAY + dt.timedelta(days=1)}, "销号日期不能晚于今天"),
        (
            {"registered_date": dt.date(2024, 5, 1), "closed_date": dt.date(2024, 4, 1)},
            "登记日期不能晚于销号日期",
        ),
        ({"due_date": dt.date(2024, 1, 1)}, "整改时限不能早于登记日期"),
        ({"title": "  "}, "请填写问题标题"),
        ({"source": "NOPE"}, "问题来源无效"),
        ({"category": "NOPE"}, "污染类型无效"),
        ({"problem_count": 0}, "反映问题数至少为1"),
    ],
)
def test_a_bad_record_refuses_the_whole_ledger_and_names_its_row(loop, changes, words):
    records = [_record(loop.city), _record(loop.city), _record(loop.city, **changes)]

    refusal = _refusal(loop, records)

    assert refusal.reason == Refusal.INVALID
    assert str(refusal) == f"第3条：{words}"


def test_a_lead_unit_out_of_reach_is_refused(loop):
    county_office, _person = _add_persona(
        "tiexi_dispatcher", "铁西调度", loop.city.county_gov, Role.DISPATCHER
    )
    loop.city.users["tiexi_dispatcher"] = county_office

    refusal = _refusal(
        loop, [_record(loop.city, lead_unit=loop.city.other_gov)], "tiexi_dispatcher"
    )

    assert str(refusal) == "第1条：牵头单位不存在或不在您的管辖范围内"


def test_an_empty_or_unnamed_ledger_is_refused(loop):
    with pytest.raises(services.UnableToImportCase):
        _import(loop, [])
    with pytest.raises(services.UnableToImportCase):
        services.import_closed_cases(
            by=loop.user("dispatcher"), now=NOW, ledger=" ", records=[_record(loop.city)]
        )


# --- then a 回头看 ------------------------------------------------------------------


def test_a_review_selects_imported_cases_and_a_relapse_reopens_one(loop):
    rectified, unfounded = _import(
        loop, [_record(loop.city), _record(loop.city, unfounded_finding="不属实")]
    )
    campaign = services.create_review_campaign(
        by=loop.user("dispatcher"),
        now=NOW,
        name="历史问题回头看",
        selection=services.ReviewSelection(closed_to=dt.date(2025, 12, 31)),
    )
    (item,) = campaign.items.all()

    services.record_review_outcome(
        item=item,
        by=loop.user("recheck"),
        now=NOW,
        outcome=ReviewOutcome.RELAPSED,
        note="复查发现粉尘污染反弹",
        due_date=TODAY + dt.timedelta(days=60),
    )

    rectified.refresh_from_db()
    assert item.case_id == rectified.pk != unfounded.pk
    assert rectified.state == CaseState.RECTIFYING
    assert (rectified.rectification_cycle, rectified.closed_at) == (2, None)
    assert CaseEvent.objects.filter(case=rectified, action="greenloop.cases.case.reopened").exists()
