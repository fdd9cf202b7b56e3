"""The transitions of the state machine (``greenloop.cases.workflow``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from greenloop.cases import tally
from greenloop.cases.access_rules import case_matches, territory_q
from greenloop.cases.attachments import check_uploads
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.filetypes import FileType
from greenloop.cases.models import (
    STAGE_STATES,
    AttachmentPurpose,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseStageSpan,
    CaseStageTotals,
    CaseState,
    stay_micros_field,
    stays_field,
)
from greenloop.cases.services._base import (
    Files,
    _check_units,
    _log,
    _next_due_date,
    _plain,
    _set_units,
    _state_label,
    _store,
    _today,
)
from greenloop.cases.workflow import (
    ACTION_LABELS,
    Reach,
    Transition,
    get_transition,
    transitions_from,
)
from greenloop.org.access import ACTIONS, get_scope, is_visible
from greenloop.org.models import Person, Unit


class UnableToTransitionCase(UnableToActOnCase):
    pass


def _why_not(row: Transition, case: Case, by: Any) -> str:
    scope = get_scope(by)
    label = _(row.label)
    if not scope.has(row.perm):
        return _("您的角色不能办理“%(action)s”") % {"action": label}
    if row.reach is Reach.INDEPENDENT and case_matches(case, territory_q(scope)):
        return _("不能对本单位牵头整改的问题办理“%(action)s”") % {"action": label}
    return _("该问题不在您的办理范围内，不能办理“%(action)s”") % {"action": label}


def _guard(
    *, case: Case, action: str, by: Any, version: int, comment: str, files: Files
) -> tuple[Transition, list[FileType]]:
    """Check everything a transition needs, in the order a user would want
    to hear about it; return the table row and the detected file types."""
    error = UnableToTransitionCase
    if not is_visible(by, case):
        raise error(_("问题不存在或不在您的管辖范围内"), reason=Refusal.NOT_FOUND)
    if version != case.version:
        raise error(
            _("该问题已被他人更新（当前状态：%(state)s），请刷新页面后重试")
            % {"state": _state_label(case.state)},
            reason=Refusal.STALE,
        )
    row = get_transition(case.state, action)
    if row is None:
        if action not in ACTION_LABELS:
            raise error(_("未知的操作“%(action)s”") % {"action": action})
        raise error(
            _("问题当前状态为“%(state)s”，不能办理“%(action)s”")
            % {"state": _state_label(case.state), "action": _(ACTION_LABELS[action])},
            reason=Refusal.CONFLICT,
        )
    if not ACTIONS[f"cases.{action}"](get_scope(by), case):
        raise error(_why_not(row, case, by), reason=Refusal.FORBIDDEN)
    if row.needs_comment and not comment.strip():
        raise error(_("“%(action)s”必须填写意见或理由") % {"action": _(row.label)})
    types = check_uploads(files)
    if row.needs_evidence and not files and not _has_evidence(case):
        raise error(
            _("申请验收前须上传整改佐证材料：请在整改进展中上传照片或文件，或随申请一并上传")
        )
    return row, types


def _has_evidence(case: Case) -> bool:
    return CaseAttachment.objects.filter(
        case=case, purpose=AttachmentPurpose.EVIDENCE, cycle=case.rectification_cycle
    ).exists()


def _commit(
    *,
    case: Case,
    row: Transition,
    by: Any,
    now: dt.datetime,
    version: int,
    comment: str,
    files: Files = (),
    types: list[FileType] | None = None,
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    after: Callable[[Case, CaseEvent], None] | None = None,
) -> Case:
    values: dict[str, Any] = {
        "state": row.target,
        "version": F("version") + 1,
        "state_changed_at": now,
        "updated_at": now,
        **(changes or {}),
    }
    if row.starts_cycle:
        values["rectification_cycle"] = F("rectification_cycle") + 1
    with transaction.atomic(), tally.track([case.pk]):
        # The one place a case's state is written. The row count decides
        # between concurrent actions: the loser's WHERE no longer matches.
        updated = Case.objects.filter(
            pk=case.pk, version=version, state=row.source
        )._apply_transition(**values)
        if updated != 1:
            raise UnableToTransitionCase(
                _("该问题刚刚已被他人办理，请刷新页面后重试"), reason=Refusal.STALE
            )
        case.refresh_from_db()
        entered = _latest_state_entry(case, now)
        event = _log(
            case,
            row.event_code,
            by=by,
            now=now,
            comment=comment.strip(),
            data=data,
            from_state=row.source,
            to_state=row.target,
        )
        _record_stay(entered, event)
        purpose = AttachmentPurpose.EVIDENCE if row.needs_evidence else AttachmentPurpose.OTHER
        _store(case, event, files, types or [], purpose, by, now)
        if after is not None:
            after(case, event)
    return case


def _latest_state_entry(case: Case, now: dt.datetime) -> CaseEvent | None:
    """The state-changing entry (registration or transition) that moved the
    case into the state the transition leaves: the latest by ``at``, then
    id, up to ``now``. Read after the conditional UPDATE, which holds the
    case row, so no other transition of the case can come in between."""
    return (
        CaseEvent.objects.filter(case_id=case.pk, at__lte=now)
        .exclude(to_state="")
        .order_by("-at", "-pk")
        .first()
    )


def _record_stay(entered: CaseEvent | None, left: CaseEvent) -> None:
    """Record the stay the transition entry ``left`` ended, for the
    days-per-stage statistics (docs/cases-statistics.md, ``stage_days``).

    1. The stay runs from ``entered`` (the entry that moved the case into
       the state ``left`` leaves) to ``left``; none when the timeline does
       not show the case entering that state.
    2. A move into ``CLOSED`` also records the time since the case's
       earliest entry into ``REGISTERED`` (``days_to_close``); imported
       historical cases have no such entry.
    3. The case's stage totals (``CaseStageTotals``) add the stay: they
       stay the sums of its ``CaseStageSpan`` rows.

    Migrations ``cases.0007`` and ``cases.0008`` compute the same from
    older timelines.
    """
    if entered is None or entered.to_state != left.from_state:
        return
    since: dt.timedelta | None = None
    if left.to_state == CaseState.CLOSED:
        registered = (
            CaseEvent.objects.filter(case_id=left.case_id, to_state=CaseState.REGISTERED)
            .order_by("at", "pk")
            .values_list("at", flat=True)
            .first()
        )
        if registered is not None:
            since = left.at - registered
    length = left.at - entered.at
    CaseStageSpan.objects.create(
        case_id=left.case_id,
        event=left,
        state=left.from_state,
        started_at=entered.at,
        ended_at=left.at,
        seconds=length.total_seconds(),
        seconds_since_registration=None if since is None else since.total_seconds(),
    )
    added: dict[str, int] = {}
    if left.from_state in STAGE_STATES:
        added[stays_field(left.from_state)] = 1
        added[stay_micros_field(left.from_state)] = length // _MICROSECOND
    if since is not None:
        added["closures"] = 1
        added["close_micros"] = since // _MICROSECOND
    # No other transaction creates the row: the case row is locked by the
    # transition's UPDATE.
    if added and not CaseStageTotals.objects.filter(case_id=left.case_id).update(
        **{f: F(f) + n for f, n in added.items()}
    ):
        CaseStageTotals.objects.create(case_id=left.case_id, **added)


_MICROSECOND = dt.timedelta(microseconds=1)


def _plain_transition(
    action: str, *, case: Case, by: Any, now: dt.datetime, version: int, comment: str, files: Files
) -> Case:
    """A transition that needs no input beyond a comment and files."""
    row, types = _guard(
        case=case, action=action, by=by, version=version, comment=comment, files=files
    )
    changes = {"closed_at": now} if row.target == CaseState.CLOSED else {}
    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=comment,
        files=files,
        types=types,
        changes=changes,
    )


def start_rectification(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str = "", files: Files = ()
) -> Case:
    """签收: the lead unit takes the case on; a rectification cycle begins."""
    return _plain_transition(
        "start", case=case, by=by, now=now, version=version, comment=comment, files=files
    )


def request_acceptance(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str = "", files: Files = ()
) -> Case:
    """The lead unit asks for acceptance; needs evidence of the current
    cycle, already uploaded or in ``files``."""
    return _plain_transition(
        "request_acceptance",
        case=case,
        by=by,
        now=now,
        version=version,
        comment=comment,
        files=files,
    )


def accept_case(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str = "", files: Files = ()
) -> Case:
    """The acceptance group accepts the rectification."""
    return _plain_transition(
        "accept", case=case, by=by, now=now, version=version, comment=comment, files=files
    )


def recheck_case(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str = "", files: Files = ()
) -> Case:
    """The re-check group confirms the acceptance."""
    return _plain_transition(
        "recheck", case=case, by=by, now=now, version=version, comment=comment, files=files
    )


def send_back(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str, files: Files = ()
) -> Case:
    """Acceptance or re-check sends the case back to rectification; the
    comment says why."""
    return _plain_transition(
        "send_back", case=case, by=by, now=now, version=version, comment=comment, files=files
    )


def close_case(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str = "", files: Files = ()
) -> Case:
    """销号: the office closes a re-checked or unfounded case."""
    return _plain_transition(
        "close", case=case, by=by, now=now, version=version, comment=comment, files=files
    )


def assign_case(
    *,
    case: Case,
    by: Any,
    now: dt.datetime,
    version: int,
    lead_unit: Unit | None,
    due_date: dt.date | None,
    responsible_units: Sequence[Unit] = (),
    cooperating_units: Sequence[Unit] = (),
    responsible_leader: Person | None = None,
    comment: str = "",
    files: Files = (),
) -> Case:
    """交办: give the case a lead unit, other units and a deadline."""
    row, types = _guard(
        case=case, action="assign", by=by, version=version, comment=comment, files=files
    )
    error = UnableToTransitionCase
    if lead_unit is None:
        raise error(_("交办须指定牵头单位"))
    if due_date is None:
        raise error(_("交办须指定整改时限"))
    if due_date < _today(now):
        raise error(_("整改时限不能早于今天"))
    _check_units(by, lead_unit, responsible_units, cooperating_units, error)
    if (
        responsible_leader is not None
        and not Person.objects.visible_to(by).filter(pk=responsible_leader.pk).exists()
    ):
        raise error(_("所选责任领导不存在或不在您的管辖范围内"))
    changes: dict[str, Any] = {
        "lead_unit": lead_unit,
        "due_date": due_date,
        "next_due_date": _next_due_date(case.pk, due_date),
    }
    if responsible_leader is not None:
        changes["responsible_leader"] = responsible_leader
    data = {
        "lead_unit": _plain(lead_unit),
        "due_date": _plain(due_date),
        "responsible_units": _plain(list(responsible_units)),
        "cooperating_units": _plain(list(cooperating_units)),
    }
    if responsible_leader is not None:
        data["responsible_leader"] = _plain(responsible_leader)
    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=comment,
        files=files,
        types=types,
        changes=changes,
        data=data,
        after=lambda c, e: _set_units(c, responsible_units, cooperating_units),
    )


def return_assignment(
    *, case: Case, by: Any, now: dt.datetime, version: int, comment: str, files: Files = ()
) -> Case:
    """退回交办: the lead unit says the case is not theirs; the office
    assigns it again. The lead unit is cleared."""
    row, types = _guard(
        case=case, action="return_assignment", by=by, version=version, comment=comment, files=files
    )
    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=comment,
        files=files,
        types=types,
        changes={"lead_unit": None},
        data={"lead_unit": {"old": _plain(case.lead_unit), "new": None}},
    )


def verify_unfounded(
    *, case: Case, by: Any, now: dt.datetime, version: int, finding: str, files: Files = ()
) -> Case:
    """不实: the verification found the report untrue; the finding is kept."""
    row, types = _guard(
        case=case, action="verify_unfounded", by=by, version=version, comment=finding, files=files
    )
    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=finding,
        files=files,
        types=types,
        changes={"is_unfounded": True, "verification_finding": finding.strip()},
    )


def merge_case(
    *, case: Case, into: Case | None, by: Any, now: dt.datetime, version: int, comment: str = ""
) -> Case:
    """Merge a repeat into the case it repeats; it is counted once, there."""
    row, types = _guard(
        case=case, action="merge", by=by, version=version, comment=comment, files=()
    )
    error = UnableToTransitionCase
    if into is None or not is_visible(by, into):
        raise error(_("请指定要并入的问题（须在您的管辖范围内）"))
    if into.pk == case.pk:
        raise error(_("问题不能并入自身"))
    if into.state == CaseState.DUPLICATE:
        raise error(_("%(number)s 本身是重复件，请并入其原件") % {"number": into.number})
    if Case.objects.filter(duplicate_of=case).exists():
        raise error(_("已有重复件并入此问题，不能再将它并入其他问题"))

    def note_on_target(merged: Case, event: CaseEvent) -> None:
        _log(
            into,
            "duplicate_received",
            by=by,
            now=now,
            comment=comment.strip(),
            data={"duplicate": {"id": merged.pk, "number": merged.number}},
        )

    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=comment,
        changes={"duplicate_of": into},
        data={"duplicate_of": {"id": into.pk, "number": into.number}},
        after=note_on_target,
    )


def reopen_case(
    *,
    case: Case,
    by: Any,
    now: dt.datetime,
    version: int,
    reason: str,
    due_date: dt.date | None,
    lead_unit: Unit | None = None,
    files: Files = (),
) -> Case:
    """回头看 found a relapse: the closed case goes back to rectification
    with a reason and a new deadline."""
    row, types = _guard(
        case=case, action="reopen", by=by, version=version, comment=reason, files=files
    )
    error = UnableToTransitionCase
    lead = lead_unit or case.lead_unit
    if lead is None:
        raise error(_("重新整改须指定牵头单位"))
    if due_date is None:
        raise error(_("重新整改须指定新的整改时限"))
    if due_date < _today(now):
        raise error(_("整改时限不能早于今天"))
    _check_units(by, lead, [], [], error)
    data: dict[str, Any] = {"due_date": {"old": _plain(case.due_date), "new": _plain(due_date)}}
    if lead.pk != case.lead_unit_id:
        data["lead_unit"] = {"old": _plain(case.lead_unit), "new": _plain(lead)}
    if case.is_unfounded:
        data["verification_finding"] = {"old": case.verification_finding, "new": ""}
    return _commit(
        case=case,
        row=row,
        by=by,
        now=now,
        version=version,
        comment=reason,
        files=files,
        types=types,
        data=data,
        changes={
            "closed_at": None,
            "is_unfounded": False,
            "verification_finding": "",
            "lead_unit": lead,
            "due_date": due_date,
            "next_due_date": _next_due_date(case.pk, due_date),
        },
    )


def act_on_case(
    *,
    case: Case,
    action: str,
    by: Any,
    now: dt.datetime,
    version: int,
    comment: str = "",
    files: Files = (),
    lead_unit: Unit | None = None,
    due_date: dt.date | None = None,
    responsible_units: Sequence[Unit] = (),
    cooperating_units: Sequence[Unit] = (),
    responsible_leader: Person | None = None,
    into: Case | None = None,
) -> Case:
    """Perform ``action`` by its code (pages and API post an action name)."""
    common = {"case": case, "by": by, "now": now, "version": version}
    if action == "assign":
        return assign_case(
            **common,
            lead_unit=lead_unit,
            due_date=due_date,
            responsible_units=responsible_units,
            cooperating_units=cooperating_units,
            responsible_leader=responsible_leader,
            comment=comment,
            files=files,
        )
    if action == "merge":
        return merge_case(**common, into=into, comment=comment)
    if action == "verify_unfounded":
        return verify_unfounded(**common, finding=comment, files=files)
    if action == "reopen":
        return reopen_case(
            **common, reason=comment, due_date=due_date, lead_unit=lead_unit, files=files
        )
    if action == "return_assignment":
        return return_assignment(**common, comment=comment, files=files)
    simple = {
        "start": start_rectification,
        "request_acceptance": request_acceptance,
        "accept": accept_case,
        "recheck": recheck_case,
        "send_back": send_back,
        "close": close_case,
    }.get(action)
    if simple is None:
        raise UnableToTransitionCase(_("未知的操作“%(action)s”") % {"action": action})
    return simple(**common, comment=comment, files=files)


def get_available_actions(*, case: Case, user: Any) -> list[Transition]:
    """The transitions ``user`` may perform on ``case`` now (for buttons)."""
    scope = get_scope(user)
    if not is_visible(user, case):
        return []
    return [t for t in transitions_from(case.state) if ACTIONS[f"cases.{t.action}"](scope, case)]
