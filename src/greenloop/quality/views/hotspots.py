"""Hotspot-grid alerts: micro-stations running hotter than their district."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from greenloop.cases.models import Case
from greenloop.org.models import Region
from greenloop.quality.exports import Sheet, filename
from greenloop.quality.models import HotspotAlert
from greenloop.quality.views._common import (
    POLLUTANT_LABELS,
    choice,
    staff,
    wants_xlsx,
    xlsx_response,
)

STATES = ("open", "closed", "all")
PER_PAGE = 50


def state_labels() -> dict[str, str]:
    return {"open": _("未解除"), "closed": _("已解除"), "all": _("全部")}


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@login_required
@require_GET
def hotspots(request: HttpRequest) -> HttpResponse:
    """Alerts, newest first; the case of an alert is linked only for
    readers who may see that case."""
    user = staff(request)
    state = choice(request, "state", STATES, "open")
    pollutant = choice(request, "pollutant", ["", "pm25", "pm10"], "")
    alerts = HotspotAlert.objects.select_related("site", "grid", "case")
    if state == "open":
        alerts = alerts.filter(closed_at__isnull=True)
    elif state == "closed":
        alerts = alerts.filter(closed_at__isnull=False)
    if pollutant:
        alerts = alerts.filter(pollutant=pollutant)
    alerts = alerts.order_by("-opened_at", "-pk")
    export = wants_xlsx(request)
    rows = list(alerts) if export else None
    page = None if export else Paginator(alerts, PER_PAGE).get_page(request.GET.get("page"))
    shown = rows if rows is not None else list(page)  # type: ignore[arg-type]
    case_ids = {a.case_id for a in shown if a.case_id}
    visible = (
        set(Case.objects.visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True))
        if case_ids
        else set()
    )
    districts = dict(
        Region.objects.filter(code__in={a.district_code for a in shown}).values_list("code", "name")
    )
    items = [
        {
            "alert": a,
            "district": districts.get(a.district_code, a.district_code),
            "pollutant": POLLUTANT_LABELS.get(a.pollutant, a.pollutant),
            "excess": f"{a.excess * 100:.0f}%",
            "case": a.case if a.case_id in visible else None,
            "has_case": a.case_id is not None,
        }
        for a in shown
    ]
    if export:
        title = _("热点网格告警（%(state)s）") % {"state": state_labels()[state]}
        return xlsx_response(
            filename(title),
            [
                Sheet(
                    title,
                    [
                        _("站点"),
                        _("站点编码"),
                        _("网格"),
                        _("区县"),
                        _("污染物"),
                        _("开始时段"),
                        _("最近时段"),
                        _("连续小时数"),
                        _("超出区县均值（%）"),
                        _("告警时间"),
                        _("解除时间"),
                        _("问题编号"),
                    ],
                    [
                        [
                            i["alert"].site.name,
                            i["alert"].site.code,
                            i["alert"].grid.name if i["alert"].grid else "",
                            i["district"],
                            i["pollutant"],
                            _when(i["alert"].first_hour),
                            _when(i["alert"].last_hour),
                            i["alert"].hours,
                            round(i["alert"].excess * 100, 1),
                            _when(i["alert"].opened_at),
                            _when(i["alert"].closed_at),
                            i["case"].number if i["case"] else "",
                        ]
                        for i in items
                    ],
                )
            ],
        )
    return render(
        request,
        "quality/hotspots.html",
        {
            "items": items,
            "page": page,
            "state": state,
            "states": list(state_labels().items()),
            "pollutant": pollutant,
            "pollutants": [("pm25", "PM2.5"), ("pm10", "PM10")],
        },
    )
