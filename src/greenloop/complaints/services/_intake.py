"""Taking a petition in: the public form, staff entry (12369, letters,
visits) and inspection-transferred cases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from greenloop.cases.errors import Refusal
from greenloop.cases.models import Case, CaseCategory, CaseSource, InspectionBatch
from greenloop.complaints.models import (
    NUMBER_PREFIXES,
    Channel,
    ChannelPolicy,
    Complainant,
    Petition,
    PetitionNumberSequence,
    PetitionState,
    Problem,
)
from greenloop.complaints.services import _tracking
from greenloop.complaints.services._base import (
    UnableToActOnPetition,
    log,
    refuse_markup,
    today_of,
)
from greenloop.complaints.services._duplicates import find_duplicates
from greenloop.complaints.services._photos import clean_photos, store_photo
from greenloop.complaints.services._routing import suggest_region, suggest_unit
from greenloop.org.access import get_scope
from greenloop.org.roles import Perm

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9Xx]$")
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True)
class Intake:
    """A new petition and its tracking code — shown once, stored nowhere."""

    petition: Petition
    tracking_code: str


def _next_number(channel: str, year: int) -> str:
    """Race-safe like the case numbers: the sequence row is locked and
    incremented in the caller's transaction."""
    seq, _created = PetitionNumberSequence.objects.select_for_update().get_or_create(
        channel=channel, year=year
    )
    PetitionNumberSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return f"{NUMBER_PREFIXES[channel]}-{year}-{seq.last:04d}"


def due_date_for(channel: str, received_at: dt.datetime) -> dt.date:
    return today_of(received_at) + dt.timedelta(days=ChannelPolicy.days_for(channel))


def _new_tracking() -> tuple[str, str]:
    while True:
        code = _tracking.new_code()
        digest = _tracking.digest_of(code)
        assert digest is not None
        if not Petition.objects.filter(tracking_digest=digest).exists():
            return code, digest


def _check(
    *,
    category: str,
    description: str,
    enterprise_name: str,
    address: str,
    longitude: float | None,
    latitude: float | None,
    is_anonymous: bool,
    name: str,
    phone: str,
    id_number: str,
    contact_address: str,
) -> None:
    refuse_markup(
        **{
            _("反映内容"): description,
            _("反映对象"): enterprise_name,
            _("地址"): address,
            _("姓名"): name,
            _("联系电话"): phone,
            _("联系地址"): contact_address,
        }
    )
    if category not in CaseCategory.values:
        raise UnableToActOnPetition(_("请选择污染类型"))
    if not description.strip():
        raise UnableToActOnPetition(_("请填写反映内容"))
    if len(description) > MAX_DESCRIPTION:
        raise UnableToActOnPetition(_("反映内容不能超过%(n)d字") % {"n": MAX_DESCRIPTION})
    if (longitude is None) != (latitude is None):
        raise UnableToActOnPetition(_("经度和纬度须同时填写"))
    if longitude is not None and not (-180 <= longitude <= 180 and -90 <= latitude <= 90):  # type: ignore[operator]
        raise UnableToActOnPetition(_("经纬度超出范围"))
    if longitude is None and not address.strip():
        raise UnableToActOnPetition(_("请在地图上标出位置，或填写地址"))
    if not is_anonymous:
        if not name.strip():
            raise UnableToActOnPetition(_("实名举报请填写姓名，或选择匿名举报"))
        if not _PHONE.match(phone.strip()):
            raise UnableToActOnPetition(_("请填写正确的联系电话"))
    if id_number and not _ID_NUMBER.match(id_number.strip()):
        raise UnableToActOnPetition(_("身份证号格式不正确"))


@transaction.atomic
def register_petition(
    *,
    by: Any,
    now: dt.datetime,
    channel: str,
    category: str,
    description: str,
    received_at: dt.datetime | None = None,
    enterprise_name: str = "",
    address: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
    is_anonymous: bool = True,
    name: str = "",
    phone: str = "",
    id_number: str = "",
    contact_address: str = "",
    reward_requested: bool = False,
    photos: Sequence[Any] = (),
    external_number: str = "",
    batch: InspectionBatch | None = None,
) -> Intake:
    """Take a petition in: number, deadline, suggestions, photos cleaned,
    a tracking code, the first problem, and the duplicate check.

    ``by`` is a staff user holding ``complaints.handle`` (hotline, letters,
    visits), or ``None`` for the public web form (channel WEB only).
    """
    if by is None or not getattr(by, "is_authenticated", False):
        if channel != Channel.WEB:
            raise UnableToActOnPetition(_("只有网上举报可以匿名提交"), reason=Refusal.FORBIDDEN)
        by = None
    elif not get_scope(by).has(Perm.HANDLE_COMPLAINTS):
        raise UnableToActOnPetition(_("您的角色不能登记信访件"), reason=Refusal.FORBIDDEN)
    if channel not in Channel.values:
        raise UnableToActOnPetition(_("来源渠道无效"))
    received_at = received_at or now
    if received_at > now:
        raise UnableToActOnPetition(_("受理时间不能晚于现在"))
    _check(
        category=category,
        description=description,
        enterprise_name=enterprise_name,
        address=address,
        longitude=longitude,
        latitude=latitude,
        is_anonymous=is_anonymous,
        name=name,
        phone=phone,
        id_number=id_number,
        contact_address=contact_address,
    )
    cleaned = clean_photos(photos)
    from_photo = False
    if longitude is None:
        gps = next((p.gps for p in cleaned if p.gps is not None), None)
        if gps is not None:
            longitude, latitude = gps
            from_photo = True
    region = suggest_region(longitude=longitude, latitude=latitude, address=address)
    code, digest = _new_tracking()
    petition = Petition.objects.create(
        number=_next_number(channel, today_of(received_at).year),
        channel=channel,
        external_number=external_number.strip(),
        received_at=received_at,
        batch=batch,
        category=category,
        description=description.strip(),
        enterprise_name=enterprise_name.strip(),
        address=address.strip(),
        longitude=longitude,
        latitude=latitude,
        location_from_photo=from_photo,
        is_anonymous=is_anonymous,
        reward_requested=reward_requested,
        suggested_region=region,
        suggested_unit=suggest_unit(region=region, category=category),
        due_date=due_date_for(channel, received_at),
        state=PetitionState.RECEIVED,
        state_changed_at=now,
        tracking_digest=digest,
        created_at=now,
        created_by=by,
        updated_at=now,
    )
    if not is_anonymous or phone.strip() or id_number.strip():
        Complainant.objects.create(
            petition=petition,
            name=name.strip(),
            phone=phone.strip(),
            id_number=id_number.strip().upper(),
            contact_address=contact_address.strip(),
        )
    Problem.objects.create(
        petition=petition, seq=1, category=category, description=petition.description
    )
    for photo in cleaned:
        store_photo(petition, photo, now)
    log(
        petition,
        "received",
        by=by,
        now=now,
        public=True,
        data={"channel": channel, "photos": len(cleaned)},
    )
    find_duplicates(petition=petition, now=now)
    return Intake(petition=petition, tracking_code=code)


def submit_public_report(**fields: Any) -> Intake:
    """The public web form (网上举报): no account, channel WEB."""
    return register_petition(by=None, channel=Channel.WEB, **fields)


def add_problem(
    *, petition: Petition, by: Any, now: dt.datetime, category: str, description: str
) -> Problem:
    """One more problem the petition reports (before routing)."""
    from greenloop.complaints.services._base import require, require_state

    require(by, "complaints.handle", petition, _("您的角色不能修改信访件"))
    require_state(petition, {PetitionState.RECEIVED}, _("补充反映问题"))
    if category not in CaseCategory.values:
        raise UnableToActOnPetition(_("请选择污染类型"))
    if not description.strip():
        raise UnableToActOnPetition(_("请填写问题描述"))
    refuse_markup(**{_("问题描述"): description})
    seq = (petition.problems.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    problem = Problem.objects.create(
        petition=petition, seq=seq, category=category, description=description.strip()
    )
    log(petition, "problem_added", by=by, now=now, data={"seq": seq, "category": category})
    return problem


def petition_for_case(case: Case) -> Petition | None:
    """The 督察转办 petition of an inspection-transferred case.

    Called for every newly registered case of source INSPECTION_PETITION
    (the ledger import, the case form, the API) by the ``post_save``
    receiver in :mod:`greenloop.complaints.signals`; safe to call again
    (returns the existing petition). The case keeps its region, unit and
    deadline; the petition follows it (no tracking code: the inspection
    team, not a resident, follows it up) and is checked for repeats.
    """
    if case.source != CaseSource.INSPECTION_PETITION:
        return None
    existing = Problem.objects.filter(case=case).select_related("petition").first()
    if existing is not None:
        return existing.petition
    now = case.created_at
    petition = Petition.objects.create(
        number=_next_number(Channel.INSPECTION, today_of(now).year),
        channel=Channel.INSPECTION,
        external_number=case.external_number or case.number,
        received_at=now,
        batch=case.batch,
        category=case.category,
        description=case.description or case.title,
        enterprise_name=case.enterprise_name,
        address=case.address,
        longitude=case.longitude,
        latitude=case.latitude,
        is_anonymous=True,
        suggested_region=case.region,
        suggested_unit=case.lead_unit or suggest_unit(region=case.region, category=case.category),
        region=case.region,
        due_date=case.due_date or due_date_for(Channel.INSPECTION, now),
        state=PetitionState.RECEIVED,
        state_changed_at=now,
        created_at=now,
        created_by=case.created_by,
        updated_at=now,
    )
    Problem.objects.create(
        petition=petition,
        seq=1,
        category=case.category,
        description=case.description or case.title,
        case=case,
    )
    log(
        petition,
        "received",
        by=case.created_by,
        now=now,
        public=True,
        data={"channel": Channel.INSPECTION, "case": case.number},
    )
    find_duplicates(petition=petition, now=now)
    return petition
