"""Helpers shared by the monitoring pages: permissions, online status,
data flags and the region filter."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from greenloop.monitoring.health import missed_intervals_setting
from greenloop.monitoring.models import Device, DeviceStatus
from greenloop.org.access import require_perm
from greenloop.org.models import Region, RegionLevel
from greenloop.org.roles import Perm

PER_PAGE: Final = 50

#: Device fields encrypted at rest: pages that do not need them leave them
#: in the database (no decryption per row, no secret in memory).
SECRETS: Final = ("password", "sm4_key")

#: Instrument data flags, HJ 212-2017 Table 8 (§4.2); ``P`` is the power
#: failure flag HJ/T 212-2005 loggers still send.
DATA_FLAGS: Final = {
    "N": _("工作正常"),
    "F": _("停运"),
    "M": _("维护期间数据"),
    "S": _("手工输入的设定值"),
    "D": _("仪器故障"),
    "C": _("校准状态"),
    "T": _("超测量上限"),
    "B": _("与数采仪通讯异常"),
    "P": _("电源故障"),
}

#: Data commands whose values the site page shows, in this order.
DATA_COMMANDS: Final = {
    "2011": _("实时数据"),
    "2051": _("分钟数据"),
    "2061": _("小时数据"),
    "2031": _("日数据"),
}


def flag_meaning(flag: str) -> str:
    """What a data flag says, or ``""`` for a flag the tables do not know."""
    return str(DATA_FLAGS.get(flag, "")) if flag else ""


def viewer(request: HttpRequest) -> Any:
    """The user, who must hold ``monitoring.view`` (403 otherwise)."""
    require_perm(request.user, Perm.VIEW_MONITORING)
    return request.user


def inspector(request: HttpRequest) -> Any:
    """The user, who must hold ``monitoring.inspect`` (403 otherwise)."""
    require_perm(request.user, Perm.INSPECT_PACKETS)
    return request.user


def online_q(devices: QuerySet[Device], *, now: datetime) -> Q:
    """Active devices heard from within ``missed × interval`` of ``now``.

    The same rule as :meth:`Device.is_online`, as a filter: one condition
    per upload interval in use (a handful), so it stays an indexable
    comparison on every database.
    """
    missed = missed_intervals_setting()
    intervals = sorted(set(devices.order_by().values_list("interval_seconds", flat=True)))
    q = Q(pk__in=[])
    for seconds in intervals:
        q |= Q(
            interval_seconds=seconds,
            last_seen_at__gte=now - timedelta(seconds=seconds * missed),
        )
    return Q(status=DeviceStatus.ACTIVE) & q


def device_state(device: Device, *, now: datetime) -> str:
    """``online``, ``offline``, ``quarantined`` or ``disabled``."""
    if device.status == DeviceStatus.QUARANTINED:
        return "quarantined"
    if device.status == DeviceStatus.DISABLED:
        return "disabled"
    return (
        "online"
        if device.is_online(now=now, missed_intervals=missed_intervals_setting())
        else "offline"
    )


STATE_LABELS: Final = {
    "online": _("在线"),
    "offline": _("离线"),
    "quarantined": _("待接入"),
    "disabled": _("停用"),
}


def region_choices(user: Any) -> list[tuple[str, str]]:
    """City, counties and townships in reach, indented by level."""
    regions = (
        Region.objects.visible_to(user)
        .filter(level__lte=RegionLevel.TOWNSHIP)
        .order_by("path")
        .only("code", "name", "level")
    )
    return [(r.code, "\u3000" * (r.level - 1) + r.name) for r in regions]


def login_required_htmx(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``login_required`` that sends the whole page to the login form when a
    polling htmx request finds the session expired (a plain redirect would
    swap the login form into the page)."""
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        htmx = getattr(request, "htmx", None)
        if htmx and not request.user.is_authenticated:
            here = htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here).url)
        return guarded(request, *args, **kwargs)

    return wrapper
