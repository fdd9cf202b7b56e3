"""Shared pieces of the petition services: the refusal, the history writer,
the clock helpers and the markup check."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from greenloop.cases.errors import Refusal, UnableToActOnCase
from greenloop.complaints.models import Petition, PetitionEvent
from greenloop.org.access import ACTIONS, get_scope, is_visible

EVENT = "greenloop.complaints.petition."


class UnableToActOnPetition(UnableToActOnCase):
    """A petition service refused; ``str(exc)`` is for the user."""


def today_of(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


# Anything that looks like a tag, an entity or a script URL. Reports are
# plain text; refusing markup outright (rather than escaping it) keeps it
# out of every later export, Word report and robot message too.
_MARKUP = re.compile(
    r"<\s*/?\s*[a-zA-Z!?]|&#?[a-zA-Z0-9]+;|javascript\s*:|\bon[a-z]+\s*=",
    re.IGNORECASE,
)


def has_markup(text: str) -> bool:
    return bool(_MARKUP.search(text or ""))


def refuse_markup(**fields: str) -> None:
    """Refuse text that carries HTML or script, naming the field."""
    for label, text in fields.items():
        if has_markup(text):
            raise UnableToActOnPetition(
                _("“%(field)s”中不能包含HTML标签或脚本，请只填写文字") % {"field": label}
            )


def actor_name(by: Any) -> str:
    from greenloop.org.models import Person

    scope = get_scope(by)
    if scope.person_id:
        person = Person.objects.filter(pk=scope.person_id).only("name").first()
        if person is not None:
            return person.name
    return by.get_username() if by is not None and hasattr(by, "get_username") else ""


def log(
    petition: Petition,
    action: str,
    *,
    by: Any,
    now: dt.datetime,
    public: bool = False,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> PetitionEvent:
    authenticated = getattr(by, "is_authenticated", False)
    return PetitionEvent.objects.create(
        petition=petition,
        action=EVENT + action,
        at=now,
        actor=by if authenticated else None,
        actor_name=actor_name(by) if authenticated else "",
        public=public,
        comment=comment,
        data=data or {},
    )


def require(by: Any, action: str, petition: Petition, message: str) -> None:
    """Visible (else NOT_FOUND, like a missing row) and allowed (else FORBIDDEN)."""
    if not is_visible(by, petition):
        raise UnableToActOnPetition(_("信访件不存在或不在您的管辖范围内"), reason=Refusal.NOT_FOUND)
    if not ACTIONS[action](get_scope(by), petition):
        raise UnableToActOnPetition(message, reason=Refusal.FORBIDDEN)


def transition(
    petition: Petition, *, sources: set[str], target: str, now: dt.datetime, **changes: Any
) -> Petition:
    """The one place a petition's state is written: a conditional UPDATE
    from one of ``sources``; no row means another action won the race."""
    updated = Petition.objects.filter(pk=petition.pk, state__in=sorted(sources))._apply_transition(
        state=target, state_changed_at=now, updated_at=now, **changes
    )
    if updated != 1:
        raise UnableToActOnPetition(
            _("该信访件刚刚已被他人办理，请刷新页面后重试"), reason=Refusal.STALE
        )
    petition.refresh_from_db()
    return petition


def state_label(state: str) -> str:
    from greenloop.complaints.models import PetitionState

    return _(PetitionState(state).label)


def require_state(petition: Petition, states: set[str], action: str) -> None:
    if petition.state not in states:
        raise UnableToActOnPetition(
            _("信访件当前状态为“%(state)s”，不能%(action)s")
            % {"state": state_label(petition.state), "action": action},
            reason=Refusal.CONFLICT,
        )
