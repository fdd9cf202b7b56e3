"""Every transition of the state machine, done by the right person."""

from __future__ import annotations

import datetime as dt

from greenloop.cases import services
from greenloop.cases.models import Case, CaseEvent, CaseState, CaseUnit, UnitRole
from tests.cases.conftest import DUE, png


def _latest_event(case):
    return CaseEvent.objects.filter(case=case).order_by("-pk").first()


def test_registering_gives_a_readable_number_and_a_first_timeline_entry(loop):
    case = loop.register(title="化工厂夜间偷排废水")

    case.refresh_from_db()
    assert case.number == "督信-2026-0001"
    assert case.state == CaseState.REGISTERED
    assert case.version == 1
    event = _latest_event(case)
    assert event.action == "greenloop.cases.case.registered"
    assert event.actor_name == "王调度" and event.actor_roles == ["DISPATCHER"]
    assert event.actor_unit == "示范市生态环境保护委员会办公室"


def test_dispatcher_assigns_with_lead_responsible_and_cooperating_units(loop):
    city = loop.city
    case = loop.register()

    case = services.assign_case(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        lead_unit=city.county_gov,
        due_date=DUE,
        responsible_units=[city.dept_branch],
        cooperating_units=[city.dept],
        responsible_leader=city.people["leader"],
        comment="请于4月底前完成整改",
    )

    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED
    assert case.lead_unit == city.county_gov and case.due_date == DUE
    assert case.next_due_date == DUE
    assert case.responsible_leader == city.people["leader"]
    assert set(CaseUnit.objects.filter(case=case).values_list("unit_id", "role")) == {
        (city.dept_branch.pk, UnitRole.RESPONSIBLE),
        (city.dept.pk, UnitRole.COOPERATING),
    }
    event = _latest_event(case)
    assert event.action == "greenloop.cases.case.assigned"
    assert (event.from_state, event.to_state) == ("REGISTERED", "ASSIGNED")
    assert event.comment == "请于4月底前完成整改"
    assert event.data["lead_unit"] == {"id": city.county_gov.pk, "name": "铁西区人民政府"}


def test_lead_unit_signs_for_the_case_and_starts_the_first_rectification_cycle(loop):
    case = loop.to(CaseState.ASSIGNED)

    case = loop.start(case)

    assert case.state == CaseState.RECTIFYING
    assert case.rectification_cycle == 1
    assert _latest_event(case).action == "greenloop.cases.case.rectification_started"


def test_lead_unit_returns_a_wrongly_assigned_case_to_the_office(loop):
    case = loop.to(CaseState.ASSIGNED)

    case = services.return_assignment(
        case=case,
        by=loop.user("county_user"),
        now=loop.now,
        version=case.version,
        comment="该点位属东山县管辖",
    )

    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert case.lead_unit is None
    event = _latest_event(case)
    assert event.action == "greenloop.cases.case.assignment_returned"
    assert event.data["lead_unit"]["old"]["name"] == "铁西区人民政府"


def test_lead_unit_requests_acceptance_with_evidence_from_a_progress_report(loop):
    case = loop.to(CaseState.RECTIFYING)
    loop.evidence(case)

    case = loop.request(case)

    assert case.state == CaseState.ACCEPTANCE_REQUESTED
    assert _latest_event(case).action == "greenloop.cases.case.acceptance_requested"


def test_evidence_uploaded_with_the_request_itself_is_enough(loop):
    case = loop.to(CaseState.RECTIFYING)

    case = services.request_acceptance(
        case=case,
        by=loop.user("county_user"),
        now=loop.now,
        version=case.version,
        files=[png("整改后.png")],
    )

    assert case.state == CaseState.ACCEPTANCE_REQUESTED
    attachment = _latest_event(case).attachments.get()
    assert attachment.purpose == "EVIDENCE" and attachment.cycle == 1


def test_acceptance_group_of_the_county_accepts(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)

    case = loop.accept(case)

    assert case.state == CaseState.ACCEPTED
    assert _latest_event(case).actor_roles == ["ACCEPTANCE"]


def test_acceptance_sends_back_to_rectification_and_a_new_cycle_needs_new_evidence(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)

    case = services.send_back(
        case=case,
        by=loop.user("acceptance"),
        now=loop.now,
        version=case.version,
        comment="油烟净化设备未运行",
    )

    assert case.state == CaseState.RECTIFYING
    assert case.rectification_cycle == 2
    event = _latest_event(case)
    assert event.action == "greenloop.cases.case.acceptance_sent_back"
    assert event.comment == "油烟净化设备未运行"


def test_city_recheck_group_rechecks(loop):
    case = loop.to(CaseState.ACCEPTED)

    case = loop.recheck(case)

    assert case.state == CaseState.RECHECKED
    assert _latest_event(case).action == "greenloop.cases.case.rechecked"


def test_recheck_sends_back_to_rectification(loop):
    case = loop.to(CaseState.ACCEPTED)

    case = services.send_back(
        case=case,
        by=loop.user("recheck"),
        now=loop.now,
        version=case.version,
        comment="复核发现仍有油烟直排",
    )

    assert case.state == CaseState.RECTIFYING
    assert case.rectification_cycle == 2
    assert _latest_event(case).action == "greenloop.cases.case.recheck_sent_back"


def test_office_closes_a_rechecked_case_and_stamps_the_closure(loop):
    case = loop.to(CaseState.RECHECKED)

    case = loop.close(case)

    assert case.state == CaseState.CLOSED
    assert case.closed_at == loop.now
    assert _latest_event(case).action == "greenloop.cases.case.closed"


def test_the_whole_loop_writes_one_entry_per_step_and_counts_versions(loop):
    case = loop.to(CaseState.CLOSED)

    actions = list(
        CaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True)
    )
    assert [a.rsplit(".", 1)[1] for a in actions] == [
        "registered",
        "assigned",
        "rectification_started",
        "progress_reported",
        "acceptance_requested",
        "accepted",
        "rechecked",
        "closed",
    ]
    assert case.version == 7


def test_office_verifies_a_report_unfounded_then_closes_it(loop):
    case = loop.register()

    case = services.verify_unfounded(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        finding="经现场核查，该餐馆已于2025年关停，反映问题不属实",
    )
    assert case.state == CaseState.UNFOUNDED
    assert case.is_unfounded
    assert case.verification_finding.startswith("经现场核查")

    case = loop.close(case)

    assert case.state == CaseState.CLOSED and case.is_unfounded


def test_unfounded_verification_is_possible_during_rectification(loop):
    case = loop.to(CaseState.RECTIFYING)

    case = services.verify_unfounded(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        finding="核查不属实",
    )

    assert case.state == CaseState.UNFOUNDED


def test_a_repeat_is_merged_into_its_original_and_both_timelines_say_so(loop):
    original = loop.to(CaseState.ASSIGNED)
    repeat = loop.register(title="同一餐馆油烟扰民（重复反映）")

    repeat = services.merge_case(
        case=repeat,
        into=original,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=repeat.version,
        comment="与前件反映同一问题",
    )

    assert repeat.state == CaseState.DUPLICATE
    assert repeat.duplicate_of == original
    assert _latest_event(repeat).data["duplicate_of"]["number"] == original.number
    note = _latest_event(original)
    assert note.action == "greenloop.cases.case.duplicate_received"
    assert note.data["duplicate"]["number"] == repeat.number
    original.refresh_from_db()
    assert original.state == CaseState.ASSIGNED  # the original is untouched


def test_review_relapse_reopens_a_closed_case_with_reason_and_new_deadline(loop):
    case = loop.to(CaseState.CLOSED)
    new_due = dt.date(2026, 6, 30)

    case = services.reopen_case(
        case=case,
        by=loop.user("recheck"),
        now=loop.now,
        version=case.version,
        reason="回头看发现油烟净化设备已拆除，问题反弹",
        due_date=new_due,
    )

    assert case.state == CaseState.RECTIFYING
    assert case.closed_at is None
    assert case.due_date == new_due and case.next_due_date == new_due
    assert case.rectification_cycle == 2
    event = _latest_event(case)
    assert event.action == "greenloop.cases.case.reopened"
    assert event.data["due_date"] == {"old": "2026-04-30", "new": "2026-06-30"}


def test_reopening_a_case_closed_as_unfounded_needs_a_lead_unit(loop):
    case = loop.register()
    case = services.verify_unfounded(
        case=case, by=loop.user("dispatcher"), now=loop.now, version=case.version, finding="不属实"
    )
    case = loop.close(case)

    case = services.reopen_case(
        case=case,
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        reason="回头看发现确有其事",
        due_date=dt.date(2026, 5, 31),
        lead_unit=loop.city.county_gov,
    )

    assert case.state == CaseState.RECTIFYING
    assert not case.is_unfounded and case.verification_finding == ""
    assert case.lead_unit == loop.city.county_gov


def test_act_on_case_dispatches_by_action_code(loop):
    case = loop.register()

    case = services.act_on_case(
        case=case,
        action="assign",
        by=loop.user("dispatcher"),
        now=loop.now,
        version=case.version,
        lead_unit=loop.city.county_gov,
        due_date=DUE,
    )

    assert Case.objects.get(pk=case.pk).state == CaseState.ASSIGNED


def test_available_actions_follow_the_user_and_the_state(loop):
    case = loop.to(CaseState.ACCEPTANCE_REQUESTED)

    acceptance = services.get_available_actions(case=case, user=loop.user("acceptance"))
    county = services.get_available_actions(case=case, user=loop.user("county_user"))

    assert [t.action for t in acceptance] == ["accept", "send_back"]
    assert county == []
