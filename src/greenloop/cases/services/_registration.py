"""Registering a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from greenloop.cases import tally
from greenloop.cases.attachments import check_uploads
from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.cases.models import (
    NUMBER_PREFIXES,
    AttachmentPurpose,
    Case,
    CaseCategory,
    CaseNumberSequence,
    CaseSource,
    CaseState,
    FeedbackAspect,
    InspectionBatch,
    InspectionRound,
)
from greenloop.cases.services._base import (
    Files,
    _check_place,
    _check_round,
    _log,
    _store,
    _tags,
    _today,
)
from greenloop.org.access import get_scope
from greenloop.org.models import Region
from greenloop.org.roles import Perm


class UnableToRegisterCase(UnableToActOnCase):
    pass


def _next_number(source: str, year: int) -> str:
    """The next readable number for ``source`` in ``year``.

    Race-safe: the sequence row is locked (``SELECT … FOR UPDATE``; SQLite
    serialises writers anyway) and incremented in the caller's transaction,
    so two registrations never receive the same number; ``Case.number`` is
    unique as a last line of defence.
    """
    seq, _created = CaseNumberSequence.objects.select_for_update().get_or_create(
        source=source, year=year
    )
    CaseNumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return f"{NUMBER_PREFIXES[source]}-{year}-{seq.last:04d}"


@transaction.atomic
def register_case(
    *,
    by: Any,
    now: dt.datetime,
    source: str,
    title: str,
    category: str,
    region: Region,
    description: str = "",
    external_number: str = "",
    inspection_round: InspectionRound | None = None,
    batch: InspectionBatch | None = None,
    feedback_aspect: str = "",
    problem_count: int = 1,
    address: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    enterprise_name: str = "",
    is_key: bool = False,
    tags: Sequence[str] = (),
    rectification_target: str = "",
    rectification_measures: str = "",
    files: Files = (),
) -> Case:
    """Register a problem: it gets its number and waits to be assigned."""
    error = UnableToRegisterCase
    if not get_scope(by).has(Perm.REGISTER_CASES):
        raise error(_("您的角色不能登记问题"), reason=Refusal.FORBIDDEN)
    _check_place(by=by, region=region, longitude=longitude, latitude=latitude, error=error)
    if source not in CaseSource.values:
        raise error(_("问题来源无效"))
    if category not in CaseCategory.values:
        raise error(_("污染类型无效"))
    if feedback_aspect and feedback_aspect not in FeedbackAspect.values:
        raise error(_("反馈问题类别无效"))
    if not title.strip():
        raise error(_("请填写问题标题"))
    if problem_count < 1:
        raise error(_("反映问题数至少为1"))
    inspection_round = _check_round(inspection_round, batch, error)
    types = check_uploads(files)

    case = Case.objects.create(
        number=_next_number(source, _today(now).year),
        external_number=external_number.strip(),
        source=source,
        inspection_round=inspection_round,
        batch=batch,
        feedback_aspect=feedback_aspect,
        title=title.strip(),
        description=description,
        category=category,
        problem_count=problem_count,
        region=region,
        address=address,
        longitude=longitude,
        latitude=latitude,
        enterprise_name=enterprise_name.strip(),
        is_key=is_key,
        rectification_target=rectification_target,
        rectification_measures=rectification_measures,
        state=CaseState.REGISTERED,
        state_changed_at=now,
        created_at=now,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        updated_at=now,
    )
    tally.add([case.pk])
    if tags:
        case.tags.set(_tags(tags))
    event = _log(
        case,
        "registered",
        by=by,
        now=now,
        to_state=CaseState.REGISTERED,
        data={"number": case.number},
    )
    _store(case, event, files, types, AttachmentPurpose.OTHER, by, now)
    return case
