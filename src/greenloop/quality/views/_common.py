"""Helpers shared by the air and water pages: AQI levels and their colours,
pollutant names, the staff check and the Excel answer."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from greenloop.org.access import require_perm
from greenloop.org.roles import Perm
from greenloop.quality import exports


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def login_required_htmx(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``login_required`` that moves the whole page to the login form when an
    htmx request (a station chart) arrives after the session expired."""
    guarded = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.htmx and not request.user.is_authenticated:
            here = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here).url)
        return guarded(request, *args, **kwargs)

    return wrapper


#: Upper AQI bound of levels 1–5 (HJ 633-2012 Table 2, HJ 633-2026 Table 1).
LEVEL_BOUNDS: tuple[int, ...] = (50, 100, 150, 200, 300)

#: Colour of levels 1–6: HJ 633 Appendix A, Table A.1 (green is 0,228,0).
LEVEL_COLOURS: tuple[str, ...] = ("#00e400", "#ffff00", "#ff7e00", "#ff0000", "#99004c", "#7e0023")

#: Text on top of a level colour: dark on green/yellow/orange, white on the rest.
LEVEL_INK: tuple[str, ...] = ("#1e2a24", "#1e2a24", "#1e2a24", "#ffffff", "#ffffff", "#ffffff")

#: Category (类别) of levels 1–6, translated where shown.
LEVEL_CATEGORIES = (
    gettext_lazy("优"),
    gettext_lazy("良"),
    gettext_lazy("轻度污染"),
    gettext_lazy("中度污染"),
    gettext_lazy("重度污染"),
    gettext_lazy("严重污染"),
)

#: Level names (级别) 1–6.
LEVEL_NAMES = (
    gettext_lazy("一级"),
    gettext_lazy("二级"),
    gettext_lazy("三级"),
    gettext_lazy("四级"),
    gettext_lazy("五级"),
    gettext_lazy("六级"),
)

#: What people should do at each level (HJ 633 Table 2, 建议采取的措施).
LEVEL_ADVICE = (
    gettext_lazy("各类人群可正常活动。"),
    gettext_lazy("极少数异常敏感人群应减少户外活动。"),
    gettext_lazy("儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。"),
    gettext_lazy(
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，"
        "一般人群适量减少户外运动。"
    ),
    gettext_lazy(
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动。"
    ),
    gettext_lazy("儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动。"),
)

#: Pollutant keys as the AirHour/AirDay rows hold them, in display order.
POLLUTANTS: tuple[str, ...] = ("pm25", "pm10", "o3", "no2", "so2", "co")

#: How a pollutant or indicator key is written on the pages.
POLLUTANT_LABELS: dict[str, str] = {
    "so2": "SO2",
    "so2_24h": "SO2(24h)",
    "no2": "NO2",
    "pm10": "PM10",
    "pm10_24h": "PM10(24h)",
    "co": "CO",
    "o3": "O3",
    "o3_1h": "O3(1h)",
    "o3_8h": "O3(8h)",
    "pm25": "PM2.5",
    "pm25_24h": "PM2.5(24h)",
}


def level_of(aqi: int | None, stored: int | None = None) -> int | None:
    """AQI level 1–6; the stored level when the row has one."""
    if stored:
        return stored
    if aqi is None:
        return None
    for level, bound in enumerate(LEVEL_BOUNDS, start=1):
        if aqi <= bound:
            return level
    return 6


@dataclass(frozen=True)
class Level:
    number: int
    colour: str
    ink: str
    category: str
    name: str
    advice: str


def level_info(level: int | None) -> Level | None:
    if not level or not 1 <= level <= 6:
        return None
    i = level - 1
    return Level(
        level,
        LEVEL_COLOURS[i],
        LEVEL_INK[i],
        str(LEVEL_CATEGORIES[i]),
        str(LEVEL_NAMES[i]),
        str(LEVEL_ADVICE[i]),
    )


def legend() -> list[tuple[Level, str]]:
    """Each level with its AQI range, for the legends."""
    ranges = ("0–50", "51–100", "101–150", "151–200", "201–300", ">300")
    return [(level_info(n), r) for n, r in enumerate(ranges, start=1)]  # type: ignore[misc]


def primary_label(primary: str) -> str:
    """``"pm25;pm10"`` → ``"PM2.5、PM10"``; empty stays empty."""
    keys = [k for k in (primary or "").split(";") if k]
    return _("、").join(POLLUTANT_LABELS.get(k, k) for k in keys)


def staff(request: HttpRequest) -> Any:
    """The user, who must be staff (``org.view``): air quality is public
    information, so every staff member sees all of it; the three
    administrators who hold no business view answer 403."""
    require_perm(request.user, Perm.VIEW_ORG)
    return request.user


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def xlsx_response(
    filename: str, sheets: Sequence[exports.Sheet], *, fallback: str = "quality.xlsx"
) -> HttpResponse:
    response = HttpResponse(exports.workbook(sheets), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = exports.attachment_header(filename, fallback=fallback)
    return response


def local_hour_label(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H时")


def number(value: Any) -> float | None:
    """A figure from a JSON column (number or text; empty = missing)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if result != result else result  # NaN


def fmt(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:.{decimals}f}"


def choice(request: HttpRequest, name: str, allowed: Sequence[str], default: str) -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def parse_month(text: str | None) -> dt.date | None:
    """``"2026-03"`` → 2026-03-01; anything else → None."""
    try:
        year, month = (int(p) for p in (text or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def add_months(month: dt.date, n: int) -> dt.date:
    i = month.year * 12 + month.month - 1 + n
    return dt.date(i // 12, i % 12 + 1, 1)
