"""The petition ledger (信访件台账) as an Excel workbook.

Who reported is **masked** by default (``张*``, ``138****5678``, the ID
number starred, the contact address left out) and so is personal data the
resident wrote into the text. An unmasked ledger is an explicit choice of a
holder of ``complaints.view_identity``; even then only the complainants the
access rules give that reader (their territory) are written in full, the
others stay masked. The view records every export in the audit log
(:func:`audit_export`).

The functions take querysets already scoped by the caller
(``Petition.objects.visible_to(user)``) and return bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from greenloop.audit.log import record
from greenloop.cases.models import CaseCategory
from greenloop.cases.services import mask_personal_data
from greenloop.complaints.models import (
    Channel,
    Complainant,
    Finding,
    Petition,
    PetitionState,
    Satisfaction,
)
from greenloop.org.exports import XLSX_CONTENT_TYPE  # noqa: F401 - one definition, re-exported

EXPORTED = "greenloop.complaints.ledger_exported"
EXPORTED_UNMASKED = "greenloop.complaints.ledger_exported_unmasked"

# Characters XML 1.0 cannot carry; openpyxl refuses them.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_IDENTITY_COLUMNS = 5  # 举报方式, 姓名, 联系电话, 身份证号, 联系地址


def headers() -> list[str]:
    return [
        _("信访件编号"),
        _("来源渠道"),
        _("来件编号"),
        _("受理时间"),
        _("交办批次"),
        _("污染类型"),
        _("反映内容"),
        _("反映对象"),
        _("地址"),
        _("经度"),
        _("纬度"),
        _("属地"),
        _("承办单位"),
        _("办理时限"),
        _("状态"),
        _("重复于"),
        _("核查结论"),
        _("核查情况"),
        _("答复时间"),
        _("答复意见"),
        _("办结时间"),
        _("满意度"),
        _("公开文本"),
        _("举报方式"),
        _("姓名"),
        _("联系电话"),
        _("身份证号"),
        _("联系地址"),
    ]


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    return value


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def _identity(complainant: Complainant | None, *, way: str, in_full: bool) -> list[str]:
    if complainant is None:
        return [way, "", "", "", ""]
    if in_full:
        return [
            way,
            complainant.name,
            complainant.phone,
            complainant.id_number,
            complainant.contact_address,
        ]
    return [
        way,
        complainant.masked_name,
        complainant.masked_phone,
        complainant.masked_id_number,
        "",
    ]


def rows(petitions: QuerySet[Petition], *, unmasked_ids: Iterable[int] = ()) -> Iterable[list[Any]]:
    """One row per petition; identity columns in full only for the
    petitions in ``unmasked_ids``, the text's personal data likewise."""
    full = set(unmasked_ids)
    anonymous, named = _("匿名"), _("实名")
    # Labels translated once, not per row (gettext per cell is most of the time).
    labels = {
        field: {value: _(label) for value, label in choices.choices}
        for field, choices in (
            ("channel", Channel),
            ("category", CaseCategory),
            ("state", PetitionState),
            ("finding", Finding),
            ("satisfaction", Satisfaction),
        )
    }
    qs = petitions.select_related(
        "region", "suggested_region", "lead_unit", "duplicate_of", "batch"
    )
    qs = qs.select_related("batch__inspection_round").order_by("received_at", "pk")
    complainants = {
        c.petition_id: c
        for c in Complainant.objects.filter(petition__in=petitions.values("pk")).order_by()
    }
    for p in qs.iterator(chunk_size=500):
        in_full = p.pk in full
        region = p.region or p.suggested_region
        yield [
            p.number,
            labels["channel"].get(p.channel, p.channel),
            p.external_number,
            _local(p.received_at),
            f"{p.batch.inspection_round.name} 第{p.batch.number}批" if p.batch else "",
            labels["category"].get(p.category, p.category),
            p.description if in_full else mask_personal_data(p.description),
            p.enterprise_name,
            p.address if in_full else mask_personal_data(p.address),
            p.longitude,
            p.latitude,
            region.name if region else "",
            p.lead_unit.name if p.lead_unit else "",
            p.due_date,
            labels["state"].get(p.state, p.state),
            p.duplicate_of.number if p.duplicate_of else "",
            labels["finding"].get(p.finding, ""),
            p.finding_text,
            _local(p.replied_at),
            p.reply_text,
            _local(p.closed_at),
            labels["satisfaction"].get(p.satisfaction, ""),
            p.public_text if p.public_text_approved_at else "",
            *_identity(
                complainants.get(p.pk),
                way=anonymous if p.is_anonymous else named,
                in_full=in_full,
            ),
        ]


def ledger_workbook(
    petitions: QuerySet[Petition], *, unmasked_ids: Iterable[int] = (), title: str = ""
) -> bytes:
    """The ledger as ``.xlsx`` bytes: a title row, the header row (repeated
    on every printed page), one row per petition."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("信访件台账")
    names = headers()
    ws.append([title or _("信访件台账")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(names)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows(petitions, unmasked_ids=unmasked_ids):
        ws.append([_text(v) for v in row])
    # Text from the public must never become a formula (openpyxl takes a
    # string starting with "=" for one).
    for cells in ws.iter_rows(min_row=3):
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"
    widths = {1: 16, 4: 17, 7: 50, 8: 20, 9: 24, 18: 30, 20: 30, 23: 30}
    for i in range(1, len(names) + 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(i, 12)
    ws.freeze_panes = "B3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def audit_export(
    *, by: Any, count: int, unmasked: bool, filters: dict[str, Any], reason: str = ""
) -> None:
    """One audit entry per export: who, how many rows, which filters, and
    whether identities were written in full (with the reason given)."""
    record(
        EXPORTED_UNMASKED if unmasked else EXPORTED,
        actor=by,
        target=_("信访件台账（%(n)d件）") % {"n": count},
        data={
            "count": count,
            "unmasked": unmasked,
            "filters": {k: str(v) for k, v in filters.items() if v not in ("", None, False)},
            "reason": reason.strip()[:200],
        },
    )
