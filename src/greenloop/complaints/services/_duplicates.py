"""Repeats (重复件): proposed on intake, decided by the dispatcher.

On intake the new petition is compared (``similarity.candidates``) with
every petition received in the 365 days before it that is not itself a
repeat; the candidates are kept with their score and reasons. Merging marks
the new petition as a repeat of the earlier one (it stays a petition — a
person wrote it, and gets an answer) and makes each of its problems' cases
a duplicate of the earlier petition's case through the case engine
(``merge_case``), so the problem is counted once, there. A problem not yet
routed gets its case registered in the earlier case's region and merged at
once, so the ledger still shows the repeat.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from greenloop.cases import services as case_services
from greenloop.cases.errors import Refusal
from greenloop.cases.models import Case, CaseState
from greenloop.complaints import similarity
from greenloop.complaints.models import (
    DuplicateCandidate,
    DuplicateDecision,
    Petition,
    PetitionState,
)
from greenloop.complaints.services._base import (
    UnableToActOnPetition,
    log,
    require,
    require_state,
    transition,
)
from greenloop.complaints.signals import registering_for_petition

LOOKBACK = dt.timedelta(days=365)


def _report(p: Petition) -> similarity.Report:
    return similarity.Report(
        key=str(p.pk),
        text=p.description,
        lon=p.longitude,
        lat=p.latitude,
        address=p.address,
        enterprise=p.enterprise_name,
        category=p.category,
        received=p.received_at,
    )


def find_duplicates(*, petition: Petition, now: dt.datetime) -> list[DuplicateCandidate]:
    """Compare ``petition`` with the last year's petitions; keep the candidates."""
    pool = (
        Petition.objects.filter(received_at__gte=petition.received_at - LOOKBACK)
        .exclude(pk=petition.pk)
        .exclude(state=PetitionState.MERGED)
        .only(
            "pk",
            "description",
            "longitude",
            "latitude",
            "address",
            "enterprise_name",
            "category",
            "received_at",
        )
    )
    found = similarity.candidates(_report(petition), (_report(p) for p in pool.iterator()))
    rows = [
        DuplicateCandidate(
            petition=petition,
            earlier_id=int(c.key),
            score=round(float(c.score), 4),
            is_likely=bool(c.is_likely),
            reasons=list(c.reasons),
            text_similarity=round(float(c.text_similarity), 4),
            distance_m=None if c.distance_m is None else round(float(c.distance_m), 1),
            same_enterprise=bool(c.same_enterprise),
        )
        for c in found
    ]
    existing = set(
        DuplicateCandidate.objects.filter(petition=petition).values_list("earlier_id", flat=True)
    )
    rows = [r for r in rows if r.earlier_id not in existing]
    DuplicateCandidate.objects.bulk_create(rows)
    return rows


def _original_case(petition: Petition) -> Case | None:
    problem = (
        petition.problems.filter(case__isnull=False).select_related("case").order_by("seq").first()
    )
    if problem is None:
        return None
    case = problem.case
    assert case is not None
    while case.duplicate_of_id is not None:
        case = Case.objects.get(pk=case.duplicate_of_id)
    return case


def _decided(candidate: DuplicateCandidate, decision: str, by: Any, now: dt.datetime) -> None:
    updated = DuplicateCandidate.objects.filter(
        pk=candidate.pk, decision=DuplicateDecision.PENDING
    ).update(decision=decision, decided_by=by, decided_at=now)
    if updated != 1:
        raise UnableToActOnPetition(_("该疑似重复件已被他人处理，请刷新页面"), reason=Refusal.STALE)
    candidate.refresh_from_db()


@transaction.atomic
def merge_duplicate(
    *, candidate: DuplicateCandidate, by: Any, now: dt.datetime, comment: str = ""
) -> Petition:
    """Confirm that ``candidate.petition`` repeats ``candidate.earlier``."""
    petition = candidate.petition
    earlier = candidate.earlier
    require(by, "complaints.handle", petition, _("您的角色不能合并重复件"))
    require_state(petition, {PetitionState.RECEIVED, PetitionState.ROUTED}, _("合并"))
    if earlier.state == PetitionState.MERGED:
        raise UnableToActOnPetition(
            _("%(number)s 本身是重复件，请并入其原件") % {"number": earlier.number}
        )
    if Petition.objects.filter(duplicate_of=petition).exists():
        raise UnableToActOnPetition(_("已有重复件并入此信访件，不能再将它并入其他信访件"))
    target = _original_case(earlier)
    merged: list[str] = []
    if target is not None:
        with registering_for_petition():
            for problem in petition.problems.select_related("case").order_by("seq"):
                case = problem.case
                if case is None:
                    from greenloop.complaints.services._routing import CASE_SOURCE, case_title

                    case = case_services.register_case(
                        by=by,
                        now=now,
                        source=CASE_SOURCE[petition.channel],
                        title=case_title(petition, problem.category),
                        category=problem.category,
                        region=target.region,
                        description=case_services.mask_personal_data(problem.description),
                        external_number=petition.number,
                        batch=petition.batch,
                        enterprise_name=petition.enterprise_name,
                    )
                    problem.case = case
                    problem.save(update_fields=["case"])
                if case.state == CaseState.DUPLICATE:
                    continue
                if case.state not in (CaseState.REGISTERED, CaseState.ASSIGNED):
                    raise UnableToActOnPetition(
                        _("问题%(number)s已在整改，不能再作为重复件合并") % {"number": case.number},
                        reason=Refusal.CONFLICT,
                    )
                case_services.merge_case(
                    case=case,
                    into=target,
                    by=by,
                    now=now,
                    version=case.version,
                    comment=comment
                    or _("信访件%(a)s与%(b)s重复")
                    % {
                        "a": petition.number,
                        "b": earlier.number,
                    },
                )
                merged.append(case.number)
    _decided(candidate, DuplicateDecision.MERGED, by, now)
    petition = transition(
        petition,
        sources={PetitionState.RECEIVED, PetitionState.ROUTED},
        target=PetitionState.MERGED,
        now=now,
        duplicate_of=earlier,
    )
    log(
        petition,
        "duplicate_merged",
        by=by,
        now=now,
        public=True,
        comment=_("经核实与此前已受理的举报反映同一问题，合并办理"),
        data={"earlier": earlier.number, "score": candidate.score, "cases": merged},
    )
    log(earlier, "repeat_received", by=by, now=now, data={"repeat": petition.number})
    return petition


def reject_duplicate(
    *, candidate: DuplicateCandidate, by: Any, now: dt.datetime
) -> DuplicateCandidate:
    """Not a repeat: the candidate is kept, marked rejected."""
    require(by, "complaints.handle", candidate.petition, _("您的角色不能处理疑似重复件"))
    _decided(candidate, DuplicateDecision.REJECTED, by, now)
    log(
        candidate.petition,
        "duplicate_rejected",
        by=by,
        now=now,
        data={"earlier": candidate.earlier.number},
    )
    return candidate
