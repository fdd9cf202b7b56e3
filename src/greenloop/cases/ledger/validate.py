"""Checking a ledger sheet against itself and the database.

:func:`validate` turns the sheets into a :class:`~.plan.LedgerPlan`: the
rows to register and every problem found, each with sheet, Excel row
number, column (as headed in the sheet) and a reason in Chinese. It only
reads the database; :mod:`.commit` writes a plan that has no problems.

Rules:

* one sheet per import: the chosen one, or the one whose header row (within
  the first ten rows) names the most ledger fields;
* a transferred petition needs its 受理编号; within one round a 受理编号
  may appear once — in the file and among the cases already registered;
* 行政区域 by 12-digit code or name, within the importer's territory; a name
  that several regions share must be qualified by its parent
  (铁西区兴盛街道);
* units by code or name among the units the importer sees; “市住建局”-style
  names without the city's name match when they are unique;
* 整改时限 not before the import date; a row with a lead unit (牵头单位, or
  the first 责任单位) and a deadline is assigned (交办) on import;
* 交办批次 needs a round; batches the round lacks are created;
* repeats of an earlier case about the same 反映对象 are *noted*, not
  refused: whether two petitions are one is the dispatcher's call (merge).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from greenloop.cases.ledger.columns import (
    BY_CODE,
    BadValue,
    cell_text,
    derive_title,
    format_batch,
    parse_aspect,
    parse_batch,
    parse_category,
    parse_count,
    parse_date,
    parse_yes_no,
    split_names,
)
from greenloop.cases.ledger.mapping import ColumnChoice, choose_columns
from greenloop.cases.ledger.plan import (
    SOURCE_KIND_LABELS,
    LedgerOptions,
    LedgerPlan,
    LedgerProblem,
    LedgerRow,
    SourceKind,
)
from greenloop.cases.models import Case, CaseSource, InspectionBatch, InspectionRound, RoundKind
from greenloop.org.access import get_scope
from greenloop.org.importing.workbook import RawSheet
from greenloop.org.models import Region, RegionLevel, Unit
from greenloop.org.roles import Perm

# Where the header row may sit: a title row or two above it is common.
HEADER_SEARCH_ROWS = 10
MAX_LENGTH = {
    "external_number": 64,
    "title": 200,
    "enterprise_name": 200,
    "address": 200,
}
# Notes about possible repeats, at most; the rest are counted.
MAX_REPEAT_NOTES = 30
_ASSIGN_FIELDS = ("lead_unit", "responsible_units", "cooperating_units", "due_date")
_SEPARATORS = re.compile(r"[\s/\\\-—·>＞]+")

_FEEDBACK_SOURCE = {
    RoundKind.CENTRAL: CaseSource.CENTRAL_FEEDBACK,
    RoundKind.PROVINCIAL: CaseSource.PROVINCIAL_FEEDBACK,
}


class _Regions:
    """Regions of the importer's territory, by code, name and qualified name."""

    def __init__(self, by: Any) -> None:
        scope = get_scope(by)
        qs = Region.objects.visible_to(by)
        if scope.region_path is None:
            qs = qs.none()
        elif scope.region_path:
            qs = qs.filter(path__startswith=scope.region_path)
        rows = list(qs.values_list("pk", "code", "name", "path"))
        ancestor_codes = {c for *_, path in rows for c in path.split("/") if c}
        names = dict(Region.objects.filter(code__in=ancestor_codes).values_list("code", "name"))
        self.by_code: dict[str, int] = {}
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.label: dict[int, str] = {}
        for pk, code, name, path in rows:
            self.by_code[code] = pk
            chain = [names.get(c, "") for c in path.split("/") if c][:-1]
            self.label[pk] = name
            key = _key(name)
            self.by_key[key].add(pk)
            for k in range(1, len(chain) + 1):
                self.by_key["".join(_key(n) for n in chain[-k:]) + key].add(pk)
        self._qualified: dict[int, str] = {}
        self._chains = {pk: path for pk, _, _, path in rows}
        self._names = names

    def qualified(self, pk: int) -> str:
        path = self._chains[pk]
        chain = [self._names.get(c, "") for c in path.split("/") if c]
        return "".join(chain[-2:]) if len(chain) > 1 else chain[-1]

    def resolve(self, text: str) -> tuple[int | None, str]:
        """(region id, "") or (None, the reason)."""
        if text.isdigit() and len(text) == 12:
            pk = self.by_code.get(text)
            if pk is None:
                return None, _("区划代码“%(code)s”不存在或不在您的管辖范围内") % {"code": text}
            return pk, ""
        found = self.by_key.get(_key(text), set())
        if len(found) == 1:
            return next(iter(found)), ""
        if not found:
            return None, _("未找到行政区域“%(name)s”，或该区域不在您的管辖范围内") % {"name": text}
        options = _("、").join(sorted(self.qualified(pk) for pk in found)[:4])
        return None, _(
            "“%(name)s”有%(count)d个同名区划（%(options)s），请写上级区划名称或12位代码"
        ) % {"name": text, "count": len(found), "options": options}


class _Units:
    """Units the importer sees, by code, name and name without the city's."""

    def __init__(self, by: Any) -> None:
        rows = list(Unit.objects.visible_to(by).values_list("pk", "code", "name"))
        cities = list(Region.objects.filter(level=RegionLevel.CITY).values_list("name", flat=True))
        self.by_code = {code.upper(): pk for pk, code, _ in rows}
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.by_alias: dict[str, set[int]] = defaultdict(set)
        self.name = {pk: name for pk, _, name in rows}
        for pk, _code, name in rows:
            self.by_name[_key(name)].add(pk)
            for city in cities:
                if name.startswith(city) and len(name) > len(city) + 1:
                    rest = name[len(city) :]
                    self.by_alias[_key(rest)].add(pk)
                    self.by_alias[_key("市" + rest)].add(pk)

    def resolve(self, text: str) -> tuple[int | None, str]:
        pk = self.by_code.get(text.upper())
        if pk is not None:
            return pk, ""
        for index in (self.by_name, self.by_alias):
            found = index.get(_key(text), set())
            if len(found) == 1:
                return next(iter(found)), ""
            if len(found) > 1:
                options = _("、").join(sorted(self.name[pk] for pk in found)[:4])
                return None, _(
                    "“%(name)s”对应多个单位（%(options)s），请填写单位全称或单位编码"
                ) % {"name": text, "options": options}
        return None, _("未找到单位“%(name)s”，或该单位不在您的管辖范围内") % {"name": text}


def _key(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _repeat_key(name: str) -> str:
    return _key(name).replace("（", "(").replace("）", ")")


class _Validator:
    def __init__(
        self, *, options: LedgerOptions, by: Any, today: dt.date, remembered: Mapping[str, str]
    ) -> None:
        self.options = options
        self.by = by
        self.today = today
        self.remembered = remembered
        self.plan = LedgerPlan(options=options)
        self.round: InspectionRound | None = None

    def bad(self, row: int | None, column: str, reason: str) -> None:
        self.plan.problems.append(LedgerProblem(self.plan.sheet, row, column, reason))

    def note(self, reason: str, row: int | None = None, column: str = "") -> None:
        self.plan.notes.append(LedgerProblem(self.plan.sheet, row, column, reason))

    # -- what may be imported at all ---------------------------------------

    def setup(self) -> bool:
        scope = get_scope(self.by)
        if not scope.has(Perm.REGISTER_CASES):
            self.bad(None, "", _("您的角色不能登记问题，不能导入台账（需要调度员角色）"))
            return False
        options = self.options
        if options.round_id is not None:
            self.round = (
                InspectionRound.objects.visible_to(self.by).filter(pk=options.round_id).first()
            )
            if self.round is None:
                self.bad(None, "", _("所选督察轮次不存在"))
                return False
            self.plan.round_name = self.round.name
        if options.kind == SourceKind.PETITION:
            self.plan.source = CaseSource.INSPECTION_PETITION
        elif options.kind == SourceKind.FEEDBACK:
            if self.round is None:
                self.bad(None, "", _("导入督察反馈问题须选择督察轮次"))
                return False
            self.plan.source = _FEEDBACK_SOURCE[RoundKind(self.round.kind)]
        else:
            self.bad(None, "", _("未知的台账类型“%(kind)s”") % {"kind": options.kind})
            return False
        if options.batch_number is not None:
            if self.round is None:
                self.bad(None, "", _("指定交办批次须先选择督察轮次"))
                return False
            if not 1 <= options.batch_number <= 999:
                self.bad(None, "", _("交办批次号应在1到999之间"))
                return False
        return True

    # -- the sheet and its header -------------------------------------------

    def _header_at(self, raw: RawSheet, chosen: Mapping[int, str]) -> tuple[int, int]:
        """(index into raw.rows of the header row, number of fields it names)."""
        best, best_score = 0, 0
        for i, (_number, values) in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
            columns = choose_columns(values, remembered=self.remembered, chosen=chosen)
            score = len({c.field for c in columns if c.field})
            if score > best_score:
                best, best_score = i, score
        return best, best_score

    def pick_sheet(self, sheets: list[RawSheet]) -> tuple[RawSheet, int] | None:
        self.plan.sheets = [s.title for s in sheets]
        wanted = self.options.sheet
        if wanted:
            raw = next((s for s in sheets if s.title == wanted), None)
            if raw is None:
                self.bad(None, "", _("工作簿中没有工作表“%(sheet)s”") % {"sheet": wanted})
                return None
            candidates = [raw]
        else:
            candidates = [s for s in sheets if s.rows]
        chosen = self.options.chosen if wanted else {}
        scored: list[tuple[int, int, RawSheet]] = [
            (*self._header_at(s, chosen), s) for s in candidates
        ]
        if not scored or max(score for _at, score, _raw in scored) < 2:
            self.plan.sheet = wanted
            if candidates and candidates[0].rows:
                # Show the first row's cells, so they can be mapped by hand.
                first = candidates[0]
                self.plan.sheet = first.title
                self.plan.header_row, header = first.rows[0]
                self.plan.columns = choose_columns(
                    header, remembered=self.remembered, chosen=self.options.chosen
                )
            self.bad(
                None,
                "",
                _(
                    "没有找到台账表头：前10行中没有一行包含“受理编号”“反映问题”“行政区域”“污染类型”等列名；"
                    "请检查工作表，或在对应关系中指定各列"
                ),
            )
            return None
        at, _score, raw = max(scored, key=lambda t: t[1])  # first of the best on ties
        self.plan.sheet = raw.title
        for other in sheets:
            if other is not raw and other.rows:
                self.note(_("工作表“%(sheet)s”未导入：一次导入一个工作表") % {"sheet": other.title})
        return raw, at

    def read_header(self, raw: RawSheet, at: int) -> dict[str, ColumnChoice] | None:
        chosen = self.options.chosen if self.options.sheet == raw.title else {}
        header_row, header = raw.rows[at]
        self.plan.header_row = header_row
        columns = choose_columns(header, remembered=self.remembered, chosen=chosen)
        self.plan.columns = columns
        if at + 1 < len(raw.rows):
            first = raw.rows[at + 1][1]
            self.plan.samples = {
                c.index: cell_text(first[c.index])[:40] for c in columns if c.index < len(first)
            }
        by_field: dict[str, ColumnChoice] = {}
        ok = True
        for column in columns:
            if not column.field:
                self.note(
                    _("“%(header)s”列（第%(letter)s列）未对应任何字段，不导入")
                    % {"header": column.header, "letter": column.letter}
                )
                continue
            field = BY_CODE[column.field]
            if column.field in by_field:
                first_col = by_field[column.field]
                self.bad(
                    header_row,
                    column.header,
                    _(
                        "第%(first_letter)s列“%(first_header)s”和第%(letter)s列“%(header)s”"
                        "都对应“%(field)s”，请在对应关系中只保留一列"
                    )
                    % {
                        "first_letter": first_col.letter,
                        "first_header": first_col.header,
                        "letter": column.letter,
                        "header": column.header,
                        "field": field.header,
                    },
                )
                ok = False
                continue
            if not field.imported:
                self.note(
                    _("“%(header)s”列仅用于导出（%(field)s），导入时不读取")
                    % {"header": column.header, "field": field.header}
                )
                continue
            by_field[column.field] = column
        if self.options.kind == SourceKind.PETITION and "feedback_aspect" in by_field:
            column = by_field.pop("feedback_aspect")
            self.note(
                _("“%(header)s”列只用于督察反馈问题，导入交办信访件时不读取")
                % {"header": column.header}
            )
        required = [("region",), ("category",), ("title", "description")]
        if self.options.kind == SourceKind.PETITION:
            required.append(("external_number",))
        for fields in required:
            if not any(f in by_field for f in fields):
                names = _("”或“").join(BY_CODE[f].header for f in fields)
                self.bad(
                    header_row,
                    "",
                    _("缺少“%(columns)s”列：请在对应关系中指定对应的列") % {"columns": names},
                )
                ok = False
        if "batch" in by_field and self.round is None:
            self.bad(header_row, by_field["batch"].header, _("填写交办批次须先选择督察轮次"))
            ok = False
        assigning = [by_field[f].header for f in _ASSIGN_FIELDS if f in by_field]
        if assigning and not get_scope(self.by).has(Perm.ASSIGN_CASES):
            self.bad(
                header_row,
                assigning[0],
                _("您的角色不能交办问题：请删除责任单位、配合单位和整改时限列，或由调度员导入"),
            )
            ok = False
        return by_field if ok else None

    # -- rows ----------------------------------------------------------------

    def rows(self, raw: RawSheet, at: int, columns: dict[str, ColumnChoice]) -> None:
        regions = _Regions(self.by)
        units = _Units(self.by)
        seen_numbers: dict[str, int] = {}
        seen_objects: dict[str, int] = {}
        good: list[LedgerRow] = []
        data = raw.rows[at + 1 :]
        for n, values in data:
            cells = {
                f: values[c.index] if c.index < len(values) else None for f, c in columns.items()
            }
            if all(cell_text(v) == "" for v in cells.values()):
                continue
            self.plan.data_rows += 1
            row = self._row(n, cells, columns, regions, units)
            if row is None:
                continue
            if row.external_number:
                earlier = seen_numbers.setdefault(row.external_number, n)
                if earlier != n:
                    self.bad(
                        n,
                        columns["external_number"].header,
                        _("受理编号“%(number)s”与第%(row)d行重复")
                        % {"number": row.external_number, "row": earlier},
                    )
                    continue
            if row.enterprise_name:
                key = _repeat_key(row.enterprise_name)
                earlier = seen_objects.setdefault(key, n)
                if earlier != n:
                    self.note(
                        _(
                            "反映对象“%(name)s”与第%(row)d行相同，可能是重复件；"
                            "导入后可在问题页面合并"
                        )
                        % {"name": row.enterprise_name, "row": earlier},
                        n,
                        columns["enterprise_name"].header,
                    )
            good.append(row)
        good = self._against_database(good, columns)
        self.plan.rows = good
        if self.round is not None:
            wanted = {r.batch_number for r in good if r.batch_number is not None}
            existing = set(
                InspectionBatch.objects.filter(
                    inspection_round=self.round, number__in=wanted
                ).values_list("number", flat=True)
            )
            self.plan.new_batches = sorted(wanted - existing)
        if not self.plan.data_rows:
            self.bad(None, "", _("表头下面没有数据行"))

    def _row(
        self,
        n: int,
        cells: dict[str, Any],
        columns: dict[str, ColumnChoice],
        regions: _Regions,
        units: _Units,
    ) -> LedgerRow | None:
        before = len(self.plan.problems)

        def header(field: str) -> str:
            return columns[field].header

        def read(field: str, parse: Callable[[Any], Any], default: Any) -> Any:
            if field not in cells:
                return default
            try:
                return parse(cells[field])
            except BadValue as exc:
                self.bad(n, header(field), str(exc))
                return default

        def text(field: str) -> str:
            value = cell_text(cells.get(field))
            limit = MAX_LENGTH.get(field)
            if limit and len(value) > limit:
                self.bad(
                    n,
                    header(field),
                    _("最多%(limit)d个字，实际%(length)d个字")
                    % {"limit": limit, "length": len(value)},
                )
            return value

        external_number = text("external_number")
        petition = self.options.kind == SourceKind.PETITION
        if "external_number" in columns and not external_number and petition:
            self.bad(n, header("external_number"), _("交办信访件的受理编号不能为空"))
        description = text("description")
        title = text("title") or derive_title(description, cell_text(cells.get("enterprise_name")))
        if not title:
            column = header("title") if "title" in columns else header("description")
            self.bad(n, column, _("问题标题和反映问题不能都为空"))
        enterprise_name = text("enterprise_name")
        address = text("address")

        region_id: int | None = None
        region_text = cell_text(cells.get("region"))
        if not region_text:
            self.bad(n, header("region"), _("行政区域不能为空"))
        else:
            region_id, reason = regions.resolve(region_text)
            if reason:
                self.bad(n, header("region"), reason)

        category = ""
        if not cell_text(cells.get("category")):
            self.bad(n, header("category"), _("污染类型不能为空"))
        else:
            category = read("category", parse_category, "")

        problem_count = read("problem_count", parse_count, 1)
        is_key = read("is_key", parse_yes_no, False)
        aspect = read("feedback_aspect", parse_aspect, "")
        batch_number = read("batch", parse_batch, None)
        if batch_number is None:
            batch_number = self.options.batch_number
        due_date = read("due_date", parse_date, None)
        if due_date is not None and due_date < self.today:
            self.bad(
                n,
                header("due_date"),
                _("整改时限%(due)s早于今天（%(today)s），不能交办")
                % {"due": f"{due_date:%Y-%m-%d}", "today": f"{self.today:%Y-%m-%d}"},
            )

        lead_id, responsible, cooperating = self._units(n, cells, columns, units)

        if len(self.plan.problems) != before or region_id is None or not category:
            return None
        return LedgerRow(
            row=n,
            title=title,
            description=description,
            category=category,
            region_id=region_id,
            region_name=regions.label[region_id],
            external_number=external_number,
            batch_number=batch_number,
            enterprise_name=enterprise_name,
            address=address,
            problem_count=problem_count,
            is_key=is_key,
            feedback_aspect=aspect,
            lead_unit_id=lead_id,
            lead_unit_name=units.name[lead_id] if lead_id else "",
            responsible_unit_ids=responsible,
            cooperating_unit_ids=cooperating,
            due_date=due_date,
            rectification_target=cell_text(cells.get("rectification_target")),
            rectification_measures=cell_text(cells.get("rectification_measures")),
        )

    def _units(
        self, n: int, cells: dict[str, Any], columns: dict[str, ColumnChoice], units: _Units
    ) -> tuple[int | None, list[int], list[int]]:
        """Lead, responsible and cooperating unit ids; problems reported."""
        resolved: dict[str, list[int]] = {}
        named = False
        for field in ("lead_unit", "responsible_units", "cooperating_units"):
            names = split_names(cells.get(field))
            named |= bool(names) and field != "cooperating_units"
            if field == "lead_unit" and len(names) > 1:
                self.bad(n, columns[field].header, _("牵头单位只能填写一个"))
                names = names[:1]
            ids: list[int] = []
            for name in names:
                pk, reason = units.resolve(name)
                if pk is None:
                    self.bad(n, columns[field].header, reason)
                elif pk not in ids:
                    ids.append(pk)
            resolved[field] = ids
        lead = resolved["lead_unit"][0] if resolved["lead_unit"] else None
        responsible = resolved["responsible_units"]
        if lead is None and responsible:
            lead, responsible = responsible[0], responsible[1:]
        responsible = [u for u in responsible if u != lead]
        cooperating = resolved["cooperating_units"]
        both = [u for u in cooperating if u == lead or u in responsible]
        if both:
            self.bad(
                n,
                columns["cooperating_units"].header,
                _("“%(unit)s”已是牵头或责任单位，不能同时作为配合单位")
                % {"unit": units.name[both[0]]},
            )
        if not named and cooperating:
            self.bad(n, columns["cooperating_units"].header, _("填写配合单位时须同时填写责任单位"))
        return lead, responsible, cooperating

    def _against_database(
        self, rows: list[LedgerRow], columns: dict[str, ColumnChoice]
    ) -> list[LedgerRow]:
        """Refuse 受理编号 already registered; note possible repeats."""
        scope_filter: dict[str, Any] = (
            {"inspection_round": self.round}
            if self.round is not None
            else {"inspection_round__isnull": True, "source": self.plan.source}
        )
        numbers = [r.external_number for r in rows if r.external_number]
        stored: dict[str, tuple[int, str]] = {}
        if numbers:
            for pk, external, number in Case.objects.filter(
                external_number__in=numbers, **scope_filter
            ).values_list("pk", "external_number", "number"):
                stored.setdefault(external, (pk, number))
        visible = set(
            Case.objects.visible_to(self.by)
            .filter(pk__in=[pk for pk, _ in stored.values()])
            .values_list("pk", flat=True)
        )
        good = []
        for r in rows:
            found = stored.get(r.external_number)
            if found is None:
                good.append(r)
                continue
            pk, number = found
            self.bad(
                r.row,
                columns["external_number"].header,
                self._already_registered(r.external_number, number if pk in visible else None),
            )
        if self.round is not None:
            self._note_repeats(good, columns)
        return good

    def _already_registered(self, external_number: str, number: str | None) -> str:
        """The refusal of a 受理编号 already registered (as ``number``, or
        out of the user's reach when None)."""
        values = {"external": external_number, "number": number}
        if self.round is not None:
            values["round"] = self.round.name
            if number is None:
                message = _(
                    "受理编号“%(external)s”已在“%(round)s”中登记（不在您的管辖范围内），不能重复导入"
                )
            else:
                message = _(
                    "受理编号“%(external)s”已在“%(round)s”中登记为 %(number)s，不能重复导入"
                )
        elif number is None:
            message = _("受理编号“%(external)s”已在系统中登记（不在您的管辖范围内），不能重复导入")
        else:
            message = _("受理编号“%(external)s”已在系统中登记为 %(number)s，不能重复导入")
        return message % values

    def _note_repeats(self, rows: list[LedgerRow], columns: dict[str, ColumnChoice]) -> None:
        names = {r.enterprise_name for r in rows if r.enterprise_name}
        if not names:
            return
        earlier: dict[str, str] = {}
        for name, number in (
            Case.objects.visible_to(self.by)
            .filter(inspection_round=self.round, enterprise_name__in=names)
            .order_by("pk")
            .values_list("enterprise_name", "number")
        ):
            earlier.setdefault(_repeat_key(name), number)
        shown = 0
        for r in rows:
            number = earlier.get(_repeat_key(r.enterprise_name)) if r.enterprise_name else None
            if number is None:
                continue
            if shown < MAX_REPEAT_NOTES:
                self.note(
                    _(
                        "反映对象“%(name)s”与本轮已登记的 %(number)s 相同，可能是重复件；"
                        "导入后可在问题页面合并"
                    )
                    % {"name": r.enterprise_name, "number": number},
                    r.row,
                    columns["enterprise_name"].header,
                )
            shown += 1
        if shown > MAX_REPEAT_NOTES:
            self.note(
                _("另有%(count)d行的反映对象与本轮已登记的问题相同")
                % {"count": shown - MAX_REPEAT_NOTES}
            )


def validate(
    sheets: list[RawSheet],
    *,
    options: LedgerOptions,
    by: Any,
    today: dt.date,
    remembered: Mapping[str, str],
) -> LedgerPlan:
    """Check ``sheets`` as a ledger of ``options.kind``; read the database only."""
    v = _Validator(options=options, by=by, today=today, remembered=remembered)
    if not v.setup():
        return v.plan
    picked = v.pick_sheet(sheets)
    if picked is None:
        return v.plan
    raw, at = picked
    columns = v.read_header(raw, at)
    if columns is None:
        return v.plan
    v.rows(raw, at, columns)
    v.plan.problems.sort(key=lambda p: p.row or 0)
    return v.plan


def describe_batches(numbers: list[int]) -> str:
    return _("、").join(format_batch(n) for n in numbers)


__all__ = ["SOURCE_KIND_LABELS", "describe_batches", "validate"]
