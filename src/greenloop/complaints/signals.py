"""Inspection-transferred cases become 督察转办 petitions.

The case engine's ledger import (and the case form and API) register
transferred petitions as cases of source ``INSPECTION_PETITION``. A
``post_save`` receiver on :class:`~greenloop.cases.models.Case`, connected
in ``ComplaintsConfig.ready``, calls
:func:`greenloop.complaints.services.petition_for_case` for each new one,
inside the same transaction: the import stays all-or-nothing and the case
engine needs no change. A second receiver, on the case timeline, notices
a case of such a petition being *assigned* in the case engine (the import,
the case page) and marks the petition routed (``follow_case_assignment``).
Bulk-created cases (the historical closed-case
import) send no signal and get no petition, on purpose — their loop
happened outside the system.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db.models.signals import post_save

_UID = "greenloop.complaints.petition_for_inspection_case"
# Set while the complaints services themselves register cases for a
# petition's problems: those cases already have their petition.
_from_petition: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "greenloop_complaints_from_petition", default=False
)


@contextlib.contextmanager
def registering_for_petition() -> Iterator[None]:
    token = _from_petition.set(True)
    try:
        yield
    finally:
        _from_petition.reset(token)


def _case_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    from greenloop.cases.models import CaseSource
    from greenloop.complaints.services import petition_for_case

    if _from_petition.get():
        return
    if created and not raw and instance.source == CaseSource.INSPECTION_PETITION:
        petition_for_case(instance)


def _event_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """A case assigned in the case engine routes the petition behind it."""
    if _from_petition.get() or not created or raw:
        return
    if instance.action != "greenloop.cases.case.assigned":
        return
    from greenloop.complaints.services import follow_case_assignment

    follow_case_assignment(case=instance.case, by=instance.actor, now=instance.at)


def connect() -> None:
    from greenloop.cases.models import Case, CaseEvent

    post_save.connect(_case_saved, sender=Case, dispatch_uid=_UID)
    post_save.connect(_event_saved, sender=CaseEvent, dispatch_uid=_UID + ".assigned")
