"""Carrying the plan out through the case services, with the people the
workflow names."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from greenloop.audit.log import record
from greenloop.cases import services
from greenloop.cases.models import (
    AccountabilityForm,
    Case,
    CaseSource,
    CaseState,
    InspectionBatch,
    InspectionRound,
    RoundKind,
)
from greenloop.demo.inspection._catalogue import TASKS
from greenloop.demo.inspection._plan import (
    ACCOUNTABILITY,
    BATCHES,
    KEY,
    PETITIONS,
    PROBLEMS,
    ROUND_NAME,
    TEAM_NAME,
    PetitionPlan,
    RoundPlan,
    fill,
    local_at,
    next_january,
    plan_round,
)
from greenloop.demo.people import Staff
from greenloop.demo.regions import Place, RegionTree
from greenloop.demo.units import UnitSet
from greenloop.org.models import Person, Unit
from greenloop.org.roles import Role


def _png(width: int = 96, height: int = 64) -> bytes:
    """A small green-grey picture standing in for a site photo."""
    raw = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (60 + x, 120 + y, 80))
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


_PHOTO = _png()


def _photo(name: str = "整改后现场照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _PHOTO, content_type="image/png")


class _Actors:
    """The people who act in the round, each with a login account.

    The demo accounts are used where they fit (the office's dispatcher, the
    铁西区 handler, the 住建局 handler, the 铁西区 acceptance member, the
    leader); the other handlers and the city's acceptance and re-check
    members get accounts without a password.
    """

    def __init__(self, tree: RegionTree, units: UnitSet, staff: Staff, users: dict[str, Any]):
        self.units = units
        self.users = users
        self._by_unit: dict[int, Any] = {}
        self._branch_parent = {u.pk: u.parent_id for u in units.branches.values()}
        demo_people = {p.pk: users[k] for k, p in staff.demo.items()}
        by_unit_and_post = {(p.unit_id, p.posts): p for p in reversed(staff.people)}

        def account(person: Person, username: str) -> Any:
            if person.pk in demo_people:
                return demo_people[person.pk]
            user = get_user_model()(username=username)
            user.set_unusable_password()
            user.save()
            person.user = user
            person.save(update_fields=["user"])
            record(
                "greenloop.org.account.created",
                target=str(person),
                actor_name="演示数据",
                data={"username": username, "source": "demo", "password": "unset"},
            )
            return user

        for county in tree.counties:
            handler = staff.counties[county.code].handlers[0]
            self._by_unit[units.county_governments[county.code].pk] = account(
                handler, f"county{county.code[4:6]}"
            )
        for suffix in ("STHJ", "ZJ", "GA", "ZR", "NY"):
            dept = units.departments[suffix]
            handler = by_unit_and_post[dept.pk, "科员（生态环境保护工作联络员）"]
            self._by_unit[dept.pk] = account(handler, f"dept-{suffix.lower()}")
        office = units.office.pk
        acceptance = by_unit_and_post[office, "督察整改科科员，市级验收组成员"]
        self.city_acceptance = account(acceptance, "city-acceptance")
        recheck = next(
            p for p, role in staff.grants if role == Role.RECHECK and p.unit_id == office
        )
        self.city_recheck = account(recheck, "city-recheck")
        self.dispatcher = users["dispatcher"]
        self.leader = users["leader"]
        self.tiexi_acceptance = users["acceptance"]
        self._tiexi = next(c.code for c in tree.counties if c.name == "铁西区")

    def handler(self, lead: Unit) -> Any:
        """Who signs for, reports on and asks acceptance of ``lead``'s cases:
        its own handler, or that of the unit above (a bureau for its branch)."""
        unit_id: int | None = lead.pk
        while unit_id is not None and unit_id not in self._by_unit:
            unit_id = self._branch_parent.get(unit_id)
        if unit_id is None:
            raise LookupError(f"no demo handler for {lead.name}")
        return self._by_unit[unit_id]

    def acceptance(self, county_code: str, lead: Unit) -> Any:
        """The 铁西区 group for 铁西区 cases another unit leads (回避), else the city's."""
        if county_code == self._tiexi and lead.pk != self.units.county_governments[county_code].pk:
            return self.tiexi_acceptance
        return self.city_acceptance


def _lead(p: PetitionPlan, units: UnitSet) -> Unit:
    lead = p.kind.lead
    if lead == "eco":
        return units.branches["STHJ", p.county.code]
    if lead == "county":
        return units.county_governments[p.county.code]
    return units.departments[lead.upper()]


def _cooperating(
    codes: tuple[str, ...], units: UnitSet, county: Place, township: Place
) -> list[Unit]:
    found: list[Unit] = []
    for code in codes:
        if code == "township":
            found.append(units.township_bodies[township.code])
        elif code == "county":
            found.append(units.county_governments[county.code])
        elif code == "eco":
            found.append(units.branches["STHJ", county.code])
        else:
            found.append(units.departments[code])
    return found


def _carry_out(
    p: PetitionPlan,
    *,
    actors: _Actors,
    units: UnitSet,
    inspection_round: InspectionRound,
    batch: InspectionBatch,
    cases: dict[int, Case],
) -> Case:
    dispatcher = actors.dispatcher
    lead = _lead(p, units)
    handler = actors.handler(lead)
    values = {
        "county": p.county.name,
        "township": p.township.name,
        "obj": p.enterprise_name or p.township.name + p.village.name,
        "place": p.township.name,
    }
    case: Case | None = None
    for step in p.steps:
        now = step.at
        if step.action == "register":
            case = services.register_case(
                by=dispatcher,
                now=now,
                source=CaseSource.INSPECTION_PETITION,
                title=p.title,
                category=p.kind.category,
                region=p.village.region,
                description=p.description,
                external_number=p.external_number,
                inspection_round=inspection_round,
                batch=batch,
                problem_count=p.problem_count,
                address=p.township.name + p.village.name,
                enterprise_name=p.enterprise_name,
                is_key=p.is_key,
                rectification_measures=p.kind.measures,
            )
            continue
        assert case is not None
        common = {"case": case, "now": now, "version": case.version}
        if step.action == "merge":
            case = services.merge_case(
                **common, by=dispatcher, into=cases[p.duplicate_of or 0], comment=step.text
            )
        elif step.action == "assign":
            case = services.assign_case(
                **common,
                by=dispatcher,
                lead_unit=lead,
                due_date=p.due_date,
                cooperating_units=[
                    u
                    for u in _cooperating(p.kind.cooperating, units, p.county, p.township)
                    if u.pk != lead.pk
                ],
                comment="请按期办结，办理结果及时报市生态委办。",
            )
        elif step.action == "instruct":
            services.instruct_case(case=case, by=actors.leader, now=now, text=step.text)
        elif step.action == "start":
            case = services.start_rectification(**common, by=handler)
        elif step.action == "investigation":
            services.report_progress(
                case=case, by=handler, now=now, text=fill(p.kind.finding, **values)
            )
        elif step.action == "verify_unfounded":
            case = services.verify_unfounded(
                **common, by=dispatcher, finding=fill(p.kind.finding, **values)
            )
        elif step.action == "evidence":
            services.report_progress(
                case=case, by=handler, now=now, text=p.kind.progress, files=[_photo()]
            )
        elif step.action == "progress":
            services.report_progress(
                case=case,
                by=handler,
                now=now,
                text="整改工程正在推进，已完成主体工程约六成，预计按期完成。",
                files=[_photo("整改进展照片.png")],
            )
        elif step.action == "request":
            case = services.request_acceptance(
                **common, by=handler, comment="已按整改措施完成整改，申请验收。"
            )
        elif step.action == "send_back":
            case = services.send_back(
                **common, by=actors.acceptance(p.county.code, lead), comment=step.text
            )
        elif step.action == "accept":
            case = services.accept_case(
                **common,
                by=actors.acceptance(p.county.code, lead),
                comment="经现场验收，整改措施落实到位，同意通过验收。",
            )
        elif step.action == "recheck":
            case = services.recheck_case(
                **common, by=actors.city_recheck, comment="经复核，整改成效稳定，同意销号。"
            )
        elif step.action == "close":
            case = services.close_case(**common, by=dispatcher)
        else:  # pragma: no cover - the plan names only the steps above
            raise ValueError(step.action)
    assert case is not None
    if case.state == CaseState.CLOSED:
        result = fill(p.kind.finding, **values) if case.is_unfounded else p.kind.progress
        _disclose(case, f"{p.title}。办理结果：{result}", by=dispatcher)
    return case


def _feedback_tasks(
    rng: random.Random,
    plan: RoundPlan,
    *,
    tree: RegionTree,
    actors: _Actors,
    units: UnitSet,
    staff: Staff,
    inspection_round: InspectionRound,
    today: dt.date,
) -> list[Case]:
    """The 9 rectification tasks of the feedback report, with milestones."""
    registered = plan.tasks_at
    day = timezone.localtime(registered).date()
    january = next_january(today)
    year_end = dt.date(january.year, 12, 31)
    dispatcher = actors.dispatcher
    leader = staff.city.vice_mayors[0]  # 分管生态环境
    values = {"city": tree.city.name, "river": plan.river}
    found: list[Case] = []
    for i, task in enumerate(TASKS):
        now = registered + dt.timedelta(minutes=10 * i)
        case = services.register_case(
            by=dispatcher,
            now=now,
            source=CaseSource.CENTRAL_FEEDBACK,
            title=fill(task.title, **values),
            category=task.category,
            region=tree.city.region,
            description=fill(task.description, **values),
            inspection_round=inspection_round,
            feedback_aspect=task.aspect,
            is_key=True,
            rectification_target=fill(task.target, **values),
            rectification_measures=task.measures,
        )
        lead = units.departments[task.lead]
        handler = actors.handler(lead)
        now += dt.timedelta(hours=1)
        case = services.assign_case(
            case=case,
            by=dispatcher,
            now=now,
            version=case.version,
            lead_unit=lead,
            due_date=year_end if task.deadline == "year" else january,
            cooperating_units=[units.departments[s] for s in task.cooperating],
            responsible_leader=leader,
            comment="按照整改方案明确的时限和措施抓好落实，每月25日前报送整改进展。",
        )
        milestones = [
            ("完成排查摸底，建立问题清单和整改台账", day + dt.timedelta(days=20)),
            ("完成集中整治，形成阶段性整改报告", day + dt.timedelta(days=55)),
        ]
        if task.deadline == "year":
            milestones.append(("完成年度整改任务，通过市级验收", january))
        stones = []
        for title, due in milestones:
            now += dt.timedelta(minutes=5)
            case.refresh_from_db()
            stones.append(
                services.add_milestone(
                    case=case,
                    by=dispatcher,
                    now=now,
                    version=case.version,
                    title=title,
                    due_date=due,
                )
            )
        case.refresh_from_db()
        start = local_at(day + dt.timedelta(days=1), 9, rng.randrange(0, 60))
        case = services.start_rectification(case=case, by=handler, now=start, version=case.version)
        for n, stone in enumerate(stones):
            if stone.due_date >= today:
                continue
            report = local_at(stone.due_date - dt.timedelta(days=rng.randrange(2, 5)), 15)
            case.refresh_from_db()
            services.report_progress(
                case=case,
                by=handler,
                now=report,
                text=f"第{n + 1}阶段整改任务已完成：{stone.title}。",
                files=[_photo("阶段整改报告附图.png")],
            )
            services.complete_milestone(
                milestone=stone, by=handler, now=report + dt.timedelta(hours=1)
            )
        case.refresh_from_db()
        last = local_at(day + dt.timedelta(days=57), 10)
        if task.state in (CaseState.ACCEPTANCE_REQUESTED, CaseState.CLOSED):
            case = services.request_acceptance(
                case=case,
                by=handler,
                now=last,
                version=case.version,
                comment="整改任务已完成，申请验收。",
            )
        if task.state == CaseState.CLOSED:
            steps = (
                (
                    services.accept_case,
                    actors.city_acceptance,
                    3,
                    "整改任务全部完成，同意通过验收。",
                ),
                (services.recheck_case, actors.city_recheck, 6, "经复核，整改到位，同意销号。"),
                (services.close_case, dispatcher, 8, ""),
            )
            for action, by, days, comment in steps:
                case = action(
                    case=case,
                    by=by,
                    now=last + dt.timedelta(days=days),
                    version=case.version,
                    comment=comment,
                )
            _disclose(case, f"{case.title}。整改情况：{task.measures}，已全部完成。", by=dispatcher)
        found.append(case)
    return found


_ACCOUNTABILITY_FORMS = (
    AccountabilityForm.ADMONITION_TALK,
    AccountabilityForm.ADMONITION_TALK,
    AccountabilityForm.CIRCULATED_CRITICISM,
    AccountabilityForm.GOVERNMENT_SANCTION,
    AccountabilityForm.PARTY_DISCIPLINE,
    AccountabilityForm.ORGANISATIONAL,
)


def _accountability(
    rng: random.Random,
    plan: RoundPlan,
    *,
    cases: dict[int, Case],
    units: UnitSet,
    staff: Staff,
    actors: _Actors,
    inspection_round: InspectionRound,
) -> None:
    """A few of the people held accountable over key petitions."""
    key = [p for p in plan.petitions if p.is_key and p.outcome == CaseState.CLOSED]
    branch_heads = {p.unit_id: p for p in staff.people if p.posts == "分局局长"}
    for n, (p, form) in enumerate(
        zip(rng.sample(key, ACCOUNTABILITY), _ACCOUNTABILITY_FORMS, strict=True)
    ):
        lead = _lead(p, units)
        if p.kind.lead == "eco":
            person = branch_heads[lead.pk]
        else:
            person = staff.townships[p.township.code].leader
        decided = plan.end + dt.timedelta(days=100 + 7 * n)
        services.record_accountability(
            by=actors.dispatcher,
            now=local_at(decided, 16),
            person_name=person.name,
            form=form,
            reason=f"对“{p.title}”问题履行监管职责不到位，导致问题长期存在，群众反映强烈。",
            decided_date=decided,
            unit=person.unit,
            post=person.posts,
            inspection_round=inspection_round,
            cases=[cases[p.index]],
        )


def _disclose(case: Case, text: str, *, by: Any) -> None:
    """信息公开: the office publishes the result the day after closing."""
    assert case.closed_at is not None
    at = local_at(timezone.localdate(case.closed_at) + dt.timedelta(days=1), 10)
    services.draft_disclosure(case=case, by=by, now=at, text=text)
    services.publish_disclosure(case=case, by=by, now=at + dt.timedelta(minutes=20))


def build_inspection_round(
    *,
    tree: RegionTree,
    units: UnitSet,
    staff: Staff,
    users: dict[str, Any],
    rng: random.Random,
    now: dt.datetime,
) -> InspectionRound:
    """Plan the round, then carry it out through the case services.

    1. The round and its 30 batches.
    2. Each petition in the order it arrived: registered and assigned
       within the hour of its batch, then signed for, rectified with
       evidence, accepted, re-checked and closed — or merged as a repeat,
       found untrue, or left in progress.
    3. The feedback report's 9 tasks with their milestones.
    4. Accountability records for a few key petitions.

    Every closed case's result is published (信息公开) the day after.
    """
    today = timezone.localdate(now)
    plan = plan_round(rng, tree, today)
    inspection_round = InspectionRound.objects.create(
        kind=RoundKind.CENTRAL,
        name=ROUND_NAME,
        team_name=TEAM_NAME,
        stationed_start_date=plan.start,
        stationed_end_date=plan.end,
        feedback_date=plan.feedback,
        note=(
            f"督察组于{plan.start:%Y年%m月%d日}进驻{tree.city.name}，{plan.end:%m月%d日}撤离；"
            f"进驻期间分{BATCHES}批转交群众信访举报{PETITIONS}件（{PROBLEMS}个问题），其中重点件{KEY}件。"
        ),
    )
    batches = {
        n: InspectionBatch.objects.create(
            inspection_round=inspection_round, number=n, received_date=d
        )
        for n, d in enumerate(plan.batch_dates, start=1)
    }
    actors = _Actors(tree, units, staff, users)
    cases: dict[int, Case] = {}
    for p in plan.petitions:
        cases[p.index] = _carry_out(
            p,
            actors=actors,
            units=units,
            inspection_round=inspection_round,
            batch=batches[p.batch],
            cases=cases,
        )
    _feedback_tasks(
        rng,
        plan,
        tree=tree,
        actors=actors,
        units=units,
        staff=staff,
        inspection_round=inspection_round,
        today=today,
    )
    _accountability(
        rng,
        plan,
        cases=cases,
        units=units,
        staff=staff,
        actors=actors,
        inspection_round=inspection_round,
    )
    return inspection_round
