"""The public air page (/public/air/): the live AQI of the official
stations, the districts and the city, for anyone, no login.

Micro-stations (a supervision tool, not part of the official network),
hotspot alerts and everything behind them stay inside."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from greenloop.quality.views._common import HtmxHttpRequest
from greenloop.quality.views.air import render_chart, render_live


@require_GET
def public_air(request: HttpRequest) -> HttpResponse:
    return render_live(request, public=True)


@require_GET
def public_air_station(request: HtmxHttpRequest, code: str) -> HttpResponse:
    return render_chart(request, code, public=True)
