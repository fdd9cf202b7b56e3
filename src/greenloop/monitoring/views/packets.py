"""报文查询: search accepted and refused packets by MN and time, and look at
one packet as received, decoded again from its bytes, with its CRC."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from greenloop.hj212 import PLAIN, Version, command
from greenloop.monitoring.models import (
    Device,
    FactorCode,
    InboxPacket,
    RejectedPacket,
    RejectKind,
)
from greenloop.monitoring.views._common import PER_PAGE, SECRETS, flag_meaning, inspector
from greenloop.monitoring.views._inspect import inspect
from greenloop.org.access import get_for_user, scope_queryset

DEFAULT_WINDOW: Final = timedelta(hours=24)
_VERSION_LABELS: Final = {
    Version.HJT212_2005: "HJ/T 212-2005",
    Version.HJ212_2017: "HJ 212-2017",
    Version.HJ212_2025: "HJ 212-2025",
}


class PacketSearchForm(forms.Form):
    SOURCES = [("inbox", _("入站数据包")), ("rejected", _("拒收数据包"))]

    source = forms.ChoiceField(choices=SOURCES, required=False)
    mn = forms.CharField(label=_("设备MN"), required=False, max_length=64)
    start = forms.DateTimeField(label=_("接收时间起"), required=False)
    end = forms.DateTimeField(label=_("接收时间止"), required=False)
    cn = forms.CharField(label=_("命令编码(CN)"), required=False, max_length=4)
    kind = forms.ChoiceField(
        label=_("拒收原因"), required=False, choices=[("", _("全部原因")), *RejectKind.choices]
    )


@dataclass
class _Page:
    """One page of a list too long to count (a day of the inbox can hold
    millions of packets): the rows and whether there is a page after."""

    rows: list[Any]
    number: int
    has_next: bool

    @classmethod
    def of(cls, rows: Any, number: str | None) -> _Page:
        try:
            page = max(1, int(number or 1))
        except ValueError:
            page = 1
        start = (page - 1) * PER_PAGE
        found = list(rows[start : start + PER_PAGE + 1])
        return cls(found[:PER_PAGE], page, len(found) > PER_PAGE)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Any:
        return self.rows[index]

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _search(request: HttpRequest) -> tuple[PacketSearchForm, dict[str, Any]]:
    """The form and the filters it yields, defaulting to the last 24 hours;
    a value that does not parse is reported and ignored."""
    form = PacketSearchForm(request.GET)
    form.is_valid()
    data: dict[str, Any] = form.cleaned_data
    end = data.get("end")
    # Without an end the search runs up to whatever has just arrived.
    start = data.get("start") or (end or timezone.now()) - DEFAULT_WINDOW
    return form, {
        "source": data.get("source") or "inbox",
        "mn": (data.get("mn") or "").strip(),
        "start": start,
        "end": end,
        "start_local": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M:%S"),
        "end_local": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M:%S") if end else "",
        "cn": (data.get("cn") or "").strip(),
        "kind": data.get("kind") or "",
    }


@login_required
@require_GET
def packet_search(request: HttpRequest) -> HttpResponse:
    """Accepted (inbox) or refused packets received in a time range,
    optionally of one MN; newest first, 50 a page."""
    user = inspector(request)
    form, filters = _search(request)
    received: dict[str, Any] = {"received_at__gte": filters["start"]}
    if filters["end"]:
        received["received_at__lte"] = filters["end"]
    if filters["source"] == "rejected":
        rows: Any = scope_queryset(user, RejectedPacket.objects.filter(**received))
        if filters["kind"]:
            rows = rows.filter(kind=filters["kind"])
    else:
        rows = (
            scope_queryset(user, InboxPacket.objects.filter(**received))
            .select_related("device__site")
            .defer(*(f"device__{name}" for name in SECRETS))
        )
        if filters["cn"]:
            rows = rows.filter(cn=filters["cn"])
    if filters["mn"]:
        # The whole MN: the inbox index (mn, data_time) serves it.
        rows = rows.filter(mn=filters["mn"])
    # The list shows no bytes or values: leave them in the database.
    heavy = ("raw",) if filters["source"] == "rejected" else ("raw", "cp", "pollutants")
    rows = rows.defer(*heavy).order_by("-received_at", "-pk")
    page = _Page.of(rows, request.GET.get("page"))
    if filters["source"] == "inbox":
        for packet in page:
            found = command(packet.cn)
            packet.command_name = found.name_zh if found else ""
    query = request.GET.copy()
    query.pop("page", None)
    page_query = query.urlencode()
    query.pop("source", None)
    return render(
        request,
        "monitoring/packet_search.html",
        {
            "problems": [
                (form.fields[name].label or name, message)
                for name, errors in form.errors.items()
                for message in errors
            ],
            "filters": filters,
            "kinds": RejectKind.choices,
            "page": page,
            "query_without_source": query.urlencode(),
            "page_query": page_query,
            "sources": PacketSearchForm.SOURCES,
        },
    )


def _context(inspection: Any) -> dict[str, Any]:
    packet = inspection.packet
    factors: dict[str, FactorCode] = {}
    flags: dict[str, str] = {}
    if packet is not None:
        factors = {f.code: f for f in FactorCode.objects.filter(code__in=list(packet.pollutants))}
        for fields in packet.pollutants.values():
            flag = fields.get("Flag")
            if isinstance(flag, str):
                flags[flag] = flag_meaning(flag)
    found = command(packet.cn) if packet is not None else None
    return {
        "ins": inspection,
        "command_name": found.name_zh if found else "",
        "flag_version": _VERSION_LABELS.get(packet.flag_version, "")
        if packet is not None and packet.flag is not None
        else "",
        "pollutant_rows": [
            (code, factors.get(code), values) for code, values in inspection.pollutants
        ],
        "flag_meanings": sorted((k, v) for k, v in flags.items() if v),
    }


@login_required
@require_GET
def inbox_packet(request: HttpRequest, pk: int) -> HttpResponse:
    """One accepted packet, read again from the bytes the gateway kept."""
    user = inspector(request)
    stored = get_for_user(
        user,
        InboxPacket.objects.select_related("device__site__region").defer("device__password"),
        pk=pk,
    )
    context = _context(inspect(bytes(stored.raw), stored.device.profile))
    context.update(stored=stored, device=stored.device, rejected=None)
    return render(request, "monitoring/packet_detail.html", context)


@login_required
@require_GET
def rejected_packet(request: HttpRequest, pk: int) -> HttpResponse:
    """One refused packet (the sample the gateway kept) with why it was refused."""
    user = inspector(request)
    stored = get_for_user(user, RejectedPacket, pk=pk)
    device = (
        Device.objects.visible_to(user)
        .select_related("site__region")
        .defer("password")
        .filter(mn=stored.mn)
        .first()
        if stored.mn
        else None
    )
    context = _context(inspect(bytes(stored.raw), device.profile if device else PLAIN))
    context.update(stored=stored, device=device, rejected=stored)
    return render(request, "monitoring/packet_detail.html", context)
