"""Water sections: GB 3838 class against the target month by month, the
items exceeding class III with their multiples, and the city's CWQI."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from greenloop.quality.exports import Sheet, filename
from greenloop.quality.models import WaterBody
from greenloop.quality.views._common import (
    add_months,
    fmt,
    parse_month,
    staff,
    wants_xlsx,
    xlsx_response,
)

#: GB 3838 classes I–V, and 6 for worse than V (劣Ⅴ类).
CLASS_NAMES = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}
MAX_MONTHS = 36


def class_name(water_class: int | None) -> str:
    if water_class is None:
        return ""
    return _("%(name)s类") % {"name": CLASS_NAMES.get(water_class, str(water_class))}


def exceeding_text(items: Any) -> str:
    """``[("总磷", 0.5)]`` → ``总磷(0.50倍)``: item and exceedance multiple."""
    parts = []
    for item in items or ():
        name, multiple = item[0], item[1]
        if multiple is None or math.isnan(multiple):
            # Dissolved oxygen and pH fail their class without a multiple.
            parts.append(str(name))
        else:
            parts.append(
                _("%(item)s(%(multiple)s倍)") % {"item": name, "multiple": f"{multiple:.2f}"}
            )
    return _("、").join(parts)


def body_label(body: str) -> str:
    try:
        return str(WaterBody(body).label)
    except ValueError:
        return body


def change_percent(change: float | None) -> float | None:
    """``city_index`` gives the change as a share (−0.05 = 5 % better)."""
    return None if change is None else change * 100


def meets_text(meets: bool | None) -> str:
    if meets is None:
        return _("无数据")
    return _("达标") if meets else _("不达标")


@dataclass(frozen=True)
class Trend:
    site_code: str
    name: str
    river: str
    target: str
    cells: list[Any]


def _range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    this_month = timezone.localdate().replace(day=1)
    end = parse_month(request.GET.get("end")) or this_month
    start = parse_month(request.GET.get("start")) or add_months(end, -11)
    if start > end:
        start, end = end, start
    start = max(start, add_months(end, -(MAX_MONTHS - 1)))
    return start, end


def _month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


@login_required
@require_GET
def water(request: HttpRequest) -> HttpResponse:
    staff(request)
    # Lazily: the module belongs to the jobs that fill the lake.
    from greenloop.quality import water as water_data

    start, end = _range(request)
    sections = sorted(
        water_data.section_months(start, _month_end(end)),
        key=lambda s: (s.site_code, s.month),
    )
    index = sorted(water_data.city_index(start, _month_end(end)), key=lambda c: c.month)
    months = sorted({s.month for s in sections} | {c.month for c in index})
    # Months with a result: the detail opens on the latest of them.
    measured = sorted({s.month for s in sections if s.water_class is not None})
    shown = parse_month(request.GET.get("month"))
    if shown not in measured:
        shown = measured[-1] if measured else None
    detail = [s for s in sections if s.month == shown]
    trends: dict[str, Trend] = {}
    for s in sections:
        trend = trends.setdefault(
            s.site_code,
            Trend(s.site_code, s.name, s.river, class_name(s.target_class), [None] * len(months)),
        )
        trend.cells[months.index(s.month)] = (
            s,
            class_name(s.water_class),
            exceeding_text(s.exceeding),
        )
    title = _("水质断面 %(start)s至%(end)s") % {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"}
    if wants_xlsx(request):
        return xlsx_response(
            filename(title),
            [
                Sheet(
                    _("断面水质类别"),
                    [
                        _("月份"),
                        _("断面编码"),
                        _("断面名称"),
                        _("所在水体"),
                        _("水体类型"),
                        _("控制级别"),
                        _("水质类别"),
                        _("水质目标"),
                        _("是否达标"),
                        _("超标项目（超标倍数）"),
                        "CWQI",
                    ],
                    [
                        [
                            f"{s.month:%Y-%m}",
                            s.site_code,
                            s.name,
                            s.river,
                            body_label(s.body),
                            s.control,
                            class_name(s.water_class),
                            class_name(s.target_class),
                            meets_text(s.meets),
                            exceeding_text(s.exceeding),
                            round(s.cwqi, 4) if s.cwqi is not None else None,
                        ]
                        for s in sections
                    ],
                ),
                Sheet(
                    _("城市水质指数"),
                    [_("月份"), "CWQI", _("断面数"), _("同比变化（%）")],
                    [
                        [
                            f"{c.month:%Y-%m}",
                            round(c.cwqi, 4) if c.cwqi is not None else None,
                            c.sections,
                            round(change_percent(c.change), 2) if c.change is not None else None,
                        ]
                        for c in index
                    ],
                ),
            ],
        )
    from greenloop.web.charts import line_chart

    chart = None
    if any(c.cwqi is not None for c in index):
        chart = line_chart(
            [f"{c.month:%Y-%m}" for c in index],
            {"CWQI": [c.cwqi for c in index]},
            y_title="CWQI",
            height=240,
            # At most a dozen labels: pygal shortens crowded ones to "…".
            show_every=-(-len(index) // 12),
        )
    meeting = sum(1 for s in detail if s.meets)
    judged = sum(1 for s in detail if s.meets is not None)
    return render(
        request,
        "quality/water.html",
        {
            "start": start,
            "end": end,
            "months": months,
            "measured": measured,
            "shown": shown,
            "detail": [
                (
                    s,
                    class_name(s.water_class),
                    class_name(s.target_class),
                    meets_text(s.meets),
                    exceeding_text(s.exceeding),
                    fmt(s.cwqi, 2),
                )
                for s in detail
            ],
            "trends": list(trends.values()),
            "index": [(c, fmt(c.cwqi, 2), fmt(change_percent(c.change), 1)) for c in index],
            "chart": chart,
            "meeting": meeting,
            "judged": judged,
            "title": title,
        },
    )
