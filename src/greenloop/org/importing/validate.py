"""Checking an import workbook against itself and the database.

:func:`validate` turns the sheets into a :class:`Plan`: the rows to create or
update and every problem found, each with sheet, Excel row number, column
and a reason in Chinese. It only reads the database; :mod:`.commit` writes a
plan that has no problems.

Rules:

* Codes are keys. A row whose 区划代码 or 单位编码 already exists updates that
  region or unit; a person is found by 登录账号 when the row has one and the
  account exists, otherwise by 单位编码 + 姓名.
* The import never erases: an empty optional cell leaves the stored value
  alone, and roles are only added, never revoked.
* Region levels are strict: a township's parent is county-level, a village's
  a township, and so on; the 12-digit code must extend its parent's code
  (省2 市2 县2 乡3 村3 digits) and end in zeros below its own level.
* A unit's parent sits in the unit's own region or one above it; parent
  chains of units may not loop.
* Role grants follow ``services.grant_role``: 三员分立 allows one person at
  most one of 系统管理员、安全管理员、安全审计员.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from greenloop.org.importing.plan import PersonRow, Plan, Problem, RegionRow, UnitRow
from greenloop.org.importing.schema import (
    CODE_DIGITS,
    INSTRUCTIONS_SHEET,
    NO,
    P_NAME,
    P_PHONE,
    P_POSTS,
    P_ROLES,
    P_UNIT,
    P_USERNAME,
    PERSON_SHEET,
    R_BOUNDARY,
    R_CODE,
    R_KIND,
    R_NAME,
    R_PARENT,
    REGION_KIND_BY_LABEL,
    REGION_SHEET,
    ROLE_BY_LABEL,
    ROLE_SEPARATORS,
    SHEETS,
    U_CODE,
    U_GOVERNS,
    U_KIND,
    U_NAME,
    U_PARENT,
    U_REGION,
    UNIT_KIND_BY_LABEL,
    UNIT_SHEET,
    YES,
    SheetSpec,
    kinds_of_level,
    level_label,
    normalize_header,
    region_level,
)
from greenloop.org.importing.workbook import RawSheet
from greenloop.org.models import Person, Region, RegionKind, RegionLevel, RoleGrant, Unit
from greenloop.org.roles import SEPARATED_ADMIN_ROLES, Role

DIVISION_CODE = re.compile(r"^\d{12}$")
UNIT_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,32}$")
MOBILE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
MAX_LENGTH = {R_NAME: 60, U_NAME: 100, P_NAME: 40, P_POSTS: 200, P_PHONE: 20, P_USERNAME: 150}
GEOJSON_TYPES = ("Polygon", "MultiPolygon", "Feature", "FeatureCollection")
# Where the header row may sit: a title row or two above it is common.
HEADER_SEARCH_ROWS = 10

# --- reading the sheets ----------------------------------------------------


def _text(value: Any) -> str:
    """A cell's value as the text the user sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Codes typed into number cells come back as floats.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


@dataclass(slots=True)
class _Table:
    spec: SheetSpec
    columns: dict[str, int]
    rows: list[tuple[int, dict[str, str]]]
    # Usable only when every required column is there.
    complete: bool
    # Every value in the key column, good rows or bad: references to them
    # are not reported again as unknown.
    keys: set[str]


class _Validator:
    def __init__(self, *, may_grant_roles: bool = True) -> None:
        self.may_grant_roles = may_grant_roles
        self.plan = Plan()
        # (sheet, row) pairs with a problem in the parent column.
        self._bad_parent: set[tuple[str, int]] = set()
        # Regions as they will be: code -> (kind, parent code), stored ones
        # with the file laid over; and their names.
        self.final_regions: dict[str, tuple[str, str]] = {}
        self.region_names: dict[str, str] = {}
        # Codes that references may point at without being reported unknown.
        self.region_keys: set[str] = set()
        self.unit_keys: set[str] = set()

    def bad(self, sheet: str, row: int | None, column: str, reason: str) -> None:
        self.plan.problems.append(Problem(sheet, row, column, reason))
        if row is not None and column in (R_PARENT, U_PARENT):
            self._bad_parent.add((sheet, row))

    def note(self, sheet: str, reason: str) -> None:
        self.plan.notes.append(Problem(sheet, None, "", reason))

    # -- structure ---------------------------------------------------------

    def tables(self, sheets: list[RawSheet]) -> dict[str, _Table]:
        by_title = {spec.title: spec for spec in SHEETS}
        found: dict[str, _Table] = {}
        for raw in sheets:
            title = raw.title.strip()
            spec = by_title.get(title)
            if spec is None:
                if title != INSTRUCTIONS_SHEET:
                    self.note(
                        title,
                        gettext("工作表“%(sheet)s”不是导入表（应为%(expected)s），已忽略")
                        % {"sheet": title, "expected": _quoted(by_title)},
                    )
                continue
            table = self._table(raw, spec)
            if table is not None:
                found[title] = table
                self.plan.sheets.append(title)
        if not any(spec.title in {r.title.strip() for r in sheets} for spec in SHEETS):
            present = gettext("、").join(f"“{r.title}”" for r in sheets) or gettext("无")
            self.bad(
                "",
                None,
                "",
                gettext("工作簿中没有%(expected)s中的任何一个工作表（现有工作表：%(present)s）")
                % {"expected": _quoted(by_title), "present": present},
            )
        return found

    def _table(self, raw: RawSheet, spec: SheetSpec) -> _Table | None:
        if not raw.rows:
            self.note(
                spec.title, gettext("工作表“%(sheet)s”是空的，已跳过") % {"sheet": spec.title}
            )
            return None
        header_at = 0
        for i, (_, values) in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
            if spec.key in (normalize_header(v) for v in values):
                header_at = i
                break
        header_row, header = raw.rows[header_at]
        known = {c.name for c in spec.columns}
        columns: dict[str, int] = {}
        for index, value in enumerate(header):
            name = normalize_header(value)
            if not name:
                continue
            if name in columns:
                self.bad(
                    spec.title,
                    header_row,
                    name,
                    gettext("列“%(column)s”出现了两次（第%(first)s列和第%(second)s列）")
                    % {
                        "column": name,
                        "first": _letter(columns[name]),
                        "second": _letter(index),
                    },
                )
            elif name in known:
                columns[name] = index
            else:
                self.note(
                    spec.title,
                    gettext("“%(sheet)s”表的列“%(column)s”不是导入列，已忽略")
                    % {"sheet": spec.title, "column": name},
                )
        missing = [name for name in spec.required_columns if name not in columns]
        for name in missing:
            self.bad(
                spec.title, header_row, name, gettext("缺少必填列“%(column)s”") % {"column": name}
            )
        rows = []
        for number, values in raw.rows[header_at + 1 :]:
            cells = {
                name: _text(values[index]) if index < len(values) else ""
                for name, index in columns.items()
            }
            if any(cells.values()):
                rows.append((number, cells))
        keys = {cells.get(spec.key, "") for _, cells in rows} - {""}
        return _Table(spec, columns, rows, complete=not missing, keys=keys)

    def _required(self, spec: SheetSpec, row: int, cells: dict[str, str]) -> bool:
        ok = True
        for column in spec.columns:
            if column.name not in cells:
                continue
            value = cells[column.name]
            if column.required and not value:
                self.bad(
                    spec.title,
                    row,
                    column.name,
                    gettext("“%(column)s”不能为空") % {"column": column.name},
                )
                ok = False
            limit = MAX_LENGTH.get(column.name)
            if limit and len(value) > limit:
                self.bad(
                    spec.title,
                    row,
                    column.name,
                    gettext("“%(column)s”最多%(limit)d个字，实际%(length)d个字")
                    % {"column": column.name, "limit": limit, "length": len(value)},
                )
                ok = False
        return ok

    # -- regions -----------------------------------------------------------

    def regions(self, table: _Table | None) -> None:
        db = {
            code: (name, kind, parent or "")
            for code, name, kind, parent in Region.objects.values_list(
                "code", "name", "kind", "parent__code"
            )
        }
        rows: list[RegionRow] = []
        if table is not None and table.complete:
            rows = self._region_rows(table, db)
        final = {code: (kind, parent) for code, (_, kind, parent) in db.items()}
        final.update({r.code: (r.kind, r.parent_code) for r in rows})
        self.final_regions = final
        self.region_names = {code: v[0] for code, v in db.items()} | {r.code: r.name for r in rows}
        self.region_keys = set(final) | (table.keys if table else set())
        sheet = REGION_SHEET.title
        children: dict[str, list[str]] = defaultdict(list)
        for code, (_, _, parent) in db.items():
            if parent:
                children[parent].append(code)
        in_file = {r.code for r in rows}
        good: list[RegionRow] = []
        for r in rows:
            before = len(self.plan.problems)
            self._region_structure(r, final)
            if r.exists and region_level(r.kind) != region_level(db[r.code][1]):
                for child in sorted(children[r.code]):
                    if child in in_file:
                        continue  # checked on its own row
                    name, kind, _ = db[child]
                    if region_level(kind) != region_level(r.kind) + 1:
                        self.bad(
                            sheet,
                            r.row,
                            R_KIND,
                            gettext(
                                "“%(code)s”在系统中已有下级区划“%(name)s（%(child)s）”（%(kind)s），"
                                "改为%(new_kind)s后层级不一致"
                            )
                            % {
                                "code": r.code,
                                "name": name,
                                "child": child,
                                "kind": gettext(RegionKind(kind).label),
                                "new_kind": gettext(RegionKind(r.kind).label),
                            },
                        )
                        break
            if len(self.plan.problems) == before:
                good.append(r)
        for r in rows:
            if (sheet, r.row) not in self._bad_parent:
                loop = _cycle(r.code, {c: p for c, (_, p) in final.items()})
                if loop:
                    self.bad(
                        sheet,
                        r.row,
                        R_PARENT,
                        gettext("上级关系形成循环：%(loop)s") % {"loop": " → ".join(loop)},
                    )
                    good = [g for g in good if g is not r]
        self.plan.regions = good

    def _region_rows(self, table: _Table, db: dict[str, tuple[str, str, str]]) -> list[RegionRow]:
        sheet = table.spec.title
        seen: dict[str, int] = {}
        rows: list[RegionRow] = []
        boundaries = (
            dict(
                Region.objects.filter(code__in=table.keys, boundary__isnull=False).values_list(
                    "code", "boundary"
                )
            )
            if R_BOUNDARY in table.columns
            else {}
        )
        for n, cells in table.rows:
            ok = self._required(table.spec, n, cells)
            code, kind_label, parent = cells[R_CODE], cells[R_KIND], cells[R_PARENT]
            if code:
                if not DIVISION_CODE.match(code):
                    self.bad(
                        sheet,
                        n,
                        R_CODE,
                        gettext("区划代码必须是12位数字，实际为“%(code)s”") % {"code": code},
                    )
                    ok = False
                elif code in seen:
                    self.bad(
                        sheet,
                        n,
                        R_CODE,
                        gettext("区划代码“%(code)s”与第%(row)d行重复")
                        % {"code": code, "row": seen[code]},
                    )
                    ok = False
                else:
                    seen[code] = n
            kind = _choice(kind_label, REGION_KIND_BY_LABEL)
            if kind_label and kind is None:
                self.bad(
                    sheet,
                    n,
                    R_KIND,
                    gettext("未知的区划类型“%(kind)s”，应为：%(kinds)s")
                    % {"kind": kind_label, "kinds": gettext("、").join(REGION_KIND_BY_LABEL)},
                )
                ok = False
            if parent and not DIVISION_CODE.match(parent):
                self.bad(
                    sheet,
                    n,
                    R_PARENT,
                    gettext("上级区划代码必须是12位数字，实际为“%(code)s”") % {"code": parent},
                )
                ok = False
            boundary = None
            text = cells.get(R_BOUNDARY, "")
            if text:
                boundary, reason = _geojson(text)
                if reason:
                    self.bad(sheet, n, R_BOUNDARY, reason)
                    ok = False
            if not ok or kind is None:
                continue
            row = RegionRow(n, code, cells[R_NAME], kind, parent, boundary, exists=code in db)
            if row.exists:
                name, old_kind, old_parent = db[code]
                row.changes = _changed(
                    [
                        (R_NAME, name, row.name),
                        (R_KIND, old_kind, row.kind),
                        (R_PARENT, old_parent, row.parent_code),
                        (
                            R_BOUNDARY,
                            boundaries.get(code),
                            boundary if boundary is not None else boundaries.get(code),
                        ),
                    ]
                )
            rows.append(row)
        return rows

    def _region_structure(self, r: RegionRow, final: dict[str, tuple[str, str]]) -> None:
        sheet = REGION_SHEET.title
        level = region_level(r.kind)
        kind_label = RegionKind(r.kind).label
        parent = r.parent_code
        if level == RegionLevel.CITY:
            if parent:
                self.bad(
                    sheet,
                    r.row,
                    R_PARENT,
                    gettext("类型为“市”的区划是最上级，不能填写上级区划代码"),
                )
                return
        elif not parent:
            self.bad(
                sheet,
                r.row,
                R_PARENT,
                gettext("“上级区划代码”不能为空：%(kind)s的上级应为%(level)s区划（%(kinds)s）")
                % {
                    "kind": kind_label,
                    "level": level_label(level - 1),
                    "kinds": kinds_of_level(level - 1),
                },
            )
            return
        elif parent == r.code:
            self.bad(sheet, r.row, R_PARENT, gettext("上级区划不能是自己"))
            return
        elif parent not in self.region_keys:
            self.bad(
                sheet,
                r.row,
                R_PARENT,
                gettext("上级区划代码“%(code)s”在本文件和系统中都不存在") % {"code": parent},
            )
            return
        elif parent in final:
            parent_kind = final[parent][0]
            parent_level = region_level(parent_kind)
            if parent_level != level - 1:
                self.bad(
                    sheet,
                    r.row,
                    R_PARENT,
                    gettext(
                        "%(kind)s属于%(level)s，上级应为%(parent_level)s区划（%(kinds)s），"
                        "而“%(parent)s”是%(actual_kind)s（%(actual_level)s）"
                    )
                    % {
                        "kind": kind_label,
                        "level": level_label(level),
                        "parent_level": level_label(level - 1),
                        "kinds": kinds_of_level(level - 1),
                        "parent": parent,
                        "actual_kind": gettext(RegionKind(parent_kind).label),
                        "actual_level": level_label(parent_level),
                    },
                )
                return
        else:
            return  # the parent's own row is bad and reported there
        reason = _code_mismatch(r.code, level, parent)
        if reason:
            self.bad(sheet, r.row, R_CODE, reason)

    # -- units -------------------------------------------------------------

    def units(self, table: _Table | None) -> None:
        db = {
            code: (name, kind, region or "", parent or "", governs)
            for code, name, kind, region, parent, governs in Unit.objects.values_list(
                "code", "name", "kind", "region__code", "parent__code", "governs_territory"
            )
        }
        rows: list[UnitRow] = []
        if table is not None and table.complete:
            rows = self._unit_rows(table, db)
        final = {code: (v[2], v[3]) for code, v in db.items()}
        final.update(
            {u.code: (u.region_code, u.parent_code or final.get(u.code, ("", ""))[1]) for u in rows}
        )
        self.unit_keys = set(final) | (table.keys if table else set())
        sheet = UNIT_SHEET.title
        good: list[UnitRow] = []
        for u in rows:
            before = len(self.plan.problems)
            self._unit_structure(u, final)
            if len(self.plan.problems) == before:
                good.append(u)
        parents = {code: parent for code, (_, parent) in final.items()}
        for u in rows:
            if (sheet, u.row) not in self._bad_parent:
                loop = _cycle(u.code, parents)
                if loop:
                    self.bad(
                        sheet,
                        u.row,
                        U_PARENT,
                        gettext("上级单位关系形成循环：%(loop)s") % {"loop": " → ".join(loop)},
                    )
                    good = [g for g in good if g is not u]
        self.plan.units = good

    def _unit_rows(
        self, table: _Table, db: dict[str, tuple[str, str, str, str, bool]]
    ) -> list[UnitRow]:
        sheet = table.spec.title
        seen: dict[str, int] = {}
        rows: list[UnitRow] = []
        for n, cells in table.rows:
            ok = self._required(table.spec, n, cells)
            code, kind_label, region, parent = (
                cells[U_CODE],
                cells[U_KIND],
                cells[U_REGION],
                cells[U_PARENT],
            )
            if code:
                if not UNIT_CODE.match(code):
                    self.bad(
                        sheet,
                        n,
                        U_CODE,
                        gettext(
                            "单位编码“%(code)s”不合规：只能由字母、数字和“-”“_”“.”组成，最长32位"
                        )
                        % {"code": code},
                    )
                    ok = False
                elif code in seen:
                    self.bad(
                        sheet,
                        n,
                        U_CODE,
                        gettext("单位编码“%(code)s”与第%(row)d行重复")
                        % {"code": code, "row": seen[code]},
                    )
                    ok = False
                else:
                    seen[code] = n
            kind = _choice(kind_label, UNIT_KIND_BY_LABEL)
            if kind_label and kind is None:
                self.bad(
                    sheet,
                    n,
                    U_KIND,
                    gettext("未知的单位类型“%(kind)s”，应为：%(kinds)s")
                    % {"kind": kind_label, "kinds": gettext("、").join(UNIT_KIND_BY_LABEL)},
                )
                ok = False
            if region and not DIVISION_CODE.match(region):
                self.bad(
                    sheet,
                    n,
                    U_REGION,
                    gettext("所在区划代码必须是12位数字，实际为“%(code)s”") % {"code": region},
                )
                ok = False
            governs_text = cells[U_GOVERNS].upper()
            governs = governs_text in YES
            if governs_text and governs_text not in YES | NO:
                self.bad(
                    sheet,
                    n,
                    U_GOVERNS,
                    gettext("属地管辖应填“是”或“否”，实际为“%(value)s”")
                    % {"value": cells[U_GOVERNS]},
                )
                ok = False
            if not ok or kind is None:
                continue
            row = UnitRow(n, code, cells[U_NAME], kind, region, parent, governs, exists=code in db)
            if row.exists:
                name, old_kind, old_region, old_parent, old_governs = db[code]
                row.changes = _changed(
                    [
                        (U_NAME, name, row.name),
                        (U_KIND, old_kind, row.kind),
                        (U_REGION, old_region, row.region_code),
                        (U_PARENT, old_parent, row.parent_code or old_parent),
                        (U_GOVERNS, old_governs, row.governs),
                    ]
                )
            rows.append(row)
        return rows

    def _unit_structure(self, u: UnitRow, final: dict[str, tuple[str, str]]) -> None:
        sheet = UNIT_SHEET.title
        if u.region_code not in self.region_keys:
            self.bad(
                sheet,
                u.row,
                U_REGION,
                gettext("所在区划代码“%(code)s”在本文件和系统中都不存在") % {"code": u.region_code},
            )
            return
        parent = u.parent_code
        if not parent:
            return
        if parent == u.code:
            self.bad(sheet, u.row, U_PARENT, gettext("上级单位不能是自己"))
        elif parent not in self.unit_keys:
            self.bad(
                sheet,
                u.row,
                U_PARENT,
                gettext("上级单位编码“%(code)s”在本文件和系统中都不存在") % {"code": parent},
            )
        elif parent in final and u.region_code in self.final_regions:
            parent_region = final[parent][0]
            if parent_region in self.final_regions and parent_region not in self._lineage(
                u.region_code
            ):
                self.bad(
                    sheet,
                    u.row,
                    U_PARENT,
                    gettext(
                        "上级单位“%(parent)s”位于“%(parent_region)s”，"
                        "不是本单位所在区划“%(region)s”或其上级区划"
                    )
                    % {
                        "parent": parent,
                        "parent_region": self._region_name(parent_region),
                        "region": self._region_name(u.region_code),
                    },
                )

    def _lineage(self, code: str) -> list[str]:
        """The region and its ancestors, as they will be."""
        chain: list[str] = []
        while code and code in self.final_regions and code not in chain:
            chain.append(code)
            code = self.final_regions[code][1]
        return chain

    def _region_name(self, code: str) -> str:
        name = self.region_names.get(code)
        return f"{name}（{code}）" if name else code

    # -- people ------------------------------------------------------------

    def people(self, table: _Table | None) -> None:
        if table is None or not table.complete:
            return
        sheet = table.spec.title
        parsed = self._person_cells(table)
        usernames = {p.username for p in parsed if p.username}
        pairs = {(p.unit_code, p.name) for p in parsed}
        user_model = get_user_model()
        accounts: dict[str, int | None] = dict(
            user_model.objects.filter(username__in=usernames).values_list("username", "person__pk")
        )
        by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pk, name, unit_code in Person.objects.filter(
            unit__code__in={u for u, _ in pairs}, name__in={n for _, n in pairs}
        ).values_list("pk", "name", "unit__code"):
            if (unit_code, name) in pairs:
                by_pair[(unit_code, name)].append(pk)
        candidates = {pk for pk in accounts.values() if pk} | {
            pk for pks in by_pair.values() for pk in pks
        }
        stored = {
            d["pk"]: d
            for d in Person.objects.filter(pk__in=candidates).values(
                "pk", "name", "unit__code", "posts", "phone", "user__username"
            )
        }
        held: dict[int, set[str]] = defaultdict(set)
        for person_id, role in RoleGrant.objects.filter(person_id__in=candidates).values_list(
            "person_id", "role"
        ):
            held[person_id].add(role)

        targets: dict[int, int] = {}
        for p in parsed:
            if p.unit_code not in self.unit_keys:
                self.bad(
                    sheet,
                    p.row,
                    P_UNIT,
                    gettext("单位编码“%(code)s”在本文件和系统中都不存在") % {"code": p.unit_code},
                )
                continue
            matched, person_id = self._match(p, accounts, by_pair, stored)
            if not matched:
                continue
            p.person_id = person_id
            if person_id is not None:
                if person_id in targets:
                    self.bad(
                        sheet,
                        p.row,
                        P_NAME,
                        gettext("与第%(row)d行是系统中的同一人员“%(name)s”")
                        % {"row": targets[person_id], "name": stored[person_id]["name"]},
                    )
                    continue
                targets[person_id] = p.row
            current = held[person_id] if person_id is not None else set()
            wanted = set(p.new_roles)
            admin = (current | wanted) & SEPARATED_ADMIN_ROLES
            if len(admin) > 1:
                self.bad(sheet, p.row, P_ROLES, _separation_message(p.name, current, wanted))
                continue
            p.new_roles = tuple(r for r in Role.values if r in wanted - current)
            if person_id is not None:
                s = stored[person_id]
                p.changes = _changed(
                    [
                        (P_NAME, s["name"], p.name),
                        (P_UNIT, s["unit__code"], p.unit_code),
                        (P_POSTS, s["posts"], p.posts or s["posts"]),
                        (P_PHONE, s["phone"], p.phone or s["phone"]),
                    ]
                )
                if p.new_roles:
                    p.changes.append(
                        gettext("新增角色：%(roles)s")
                        % {"roles": gettext("、").join(gettext(Role(r).label) for r in p.new_roles)}
                    )
            p.create_account = bool(p.username) and p.username not in accounts
            if p.create_account and person_id is not None:
                p.changes.append(gettext("创建登录账号"))
            self.plan.people.append(p)

    def _person_cells(self, table: _Table) -> list[PersonRow]:
        sheet = table.spec.title
        username_field = get_user_model()._meta.get_field("username")
        by_username: dict[str, int] = {}
        by_pair: dict[tuple[str, str], int] = {}
        rows: list[PersonRow] = []
        for n, cells in table.rows:
            ok = self._required(table.spec, n, cells)
            name, unit_code = cells[P_NAME], cells[P_UNIT]
            phone = re.sub(r"\s+", "", cells[P_PHONE])
            if phone and not (MOBILE.match(phone) or LANDLINE.match(phone)):
                self.bad(
                    sheet,
                    n,
                    P_PHONE,
                    gettext(
                        "联系电话“%(phone)s”格式不正确：应为11位手机号，或带区号的固定电话（如 024-12345678）"
                    )
                    % {"phone": cells[P_PHONE]},
                )
                ok = False
            roles: list[str] = []
            unknown: list[str] = []
            for token in ROLE_SEPARATORS.split(cells[P_ROLES]):
                if not token:
                    continue
                role = _choice(token, ROLE_BY_LABEL)
                if role is None:
                    unknown.append(token)
                elif role not in roles:
                    roles.append(role)
            if unknown:
                self.bad(
                    sheet,
                    n,
                    P_ROLES,
                    gettext("未知角色“%(roles)s”，应为：%(known)s（多个角色用“、”或“;”分隔）")
                    % {
                        "roles": gettext("”“").join(unknown),
                        "known": gettext("、").join(ROLE_BY_LABEL),
                    },
                )
                ok = False
            if roles and not self.may_grant_roles:
                # 三员分立: granting roles is the security administrator's
                # part; an import by anyone else must not become a back door.
                self.bad(
                    sheet,
                    n,
                    P_ROLES,
                    gettext(
                        "角色须由安全管理员授予（三员分立）：请清空“角色”列后导入，或由安全管理员导入/在人员页面授予"
                    ),
                )
                ok = False
            username = cells.get(P_USERNAME, "")
            if username:
                try:
                    for validator in username_field.validators:
                        validator(username)
                except ValidationError:
                    self.bad(
                        sheet,
                        n,
                        P_USERNAME,
                        gettext(
                            "登录账号“%(username)s”不合规：只能包含字母、数字、汉字和 @ . + - _，最长150位"
                        )
                        % {"username": username},
                    )
                    ok = False
                else:
                    if username in by_username:
                        self.bad(
                            sheet,
                            n,
                            P_USERNAME,
                            gettext("登录账号“%(username)s”与第%(row)d行重复")
                            % {"username": username, "row": by_username[username]},
                        )
                        ok = False
                    else:
                        by_username[username] = n
            elif name and unit_code:
                if (unit_code, name) in by_pair:
                    self.bad(
                        sheet,
                        n,
                        P_NAME,
                        gettext(
                            "与第%(row)d行重复：单位“%(unit)s”中已有“%(name)s”；"
                            "如是同名的不同人员，请分别填写登录账号"
                        )
                        % {"row": by_pair[(unit_code, name)], "unit": unit_code, "name": name},
                    )
                    ok = False
                else:
                    by_pair[(unit_code, name)] = n
            if ok:
                rows.append(
                    PersonRow(n, name, unit_code, cells[P_POSTS], phone, tuple(roles), username)
                )
        return rows

    def _match(
        self,
        p: PersonRow,
        accounts: dict[str, int | None],
        by_pair: dict[tuple[str, str], list[int]],
        stored: dict[int, dict[str, Any]],
    ) -> tuple[bool, int | None]:
        """(False, None) if unclear; else (True, the stored person or None for a new one)."""
        sheet = PERSON_SHEET.title
        if p.username and p.username in accounts:
            person_id = accounts[p.username]
            if person_id is None:
                self.bad(
                    sheet,
                    p.row,
                    P_USERNAME,
                    gettext(
                        "登录账号“%(username)s”已存在但未关联人员，导入不能把人员绑定到已有账号，请联系系统管理员处理"
                    )
                    % {"username": p.username},
                )
                return False, None
            return True, person_id
        found = by_pair.get((p.unit_code, p.name), [])
        if len(found) > 1:
            self.bad(
                sheet,
                p.row,
                P_NAME,
                gettext(
                    "系统中单位“%(unit)s”有%(count)d名“%(name)s”，无法确定要更新哪一位；"
                    "请在系统中处理，或填写其登录账号"
                )
                % {"unit": p.unit_code, "count": len(found), "name": p.name},
            )
            return False, None
        if not found:
            return True, None
        person_id = found[0]
        account = stored[person_id]["user__username"]
        if p.username and account and account != p.username:
            self.bad(
                sheet,
                p.row,
                P_USERNAME,
                gettext(
                    "系统中单位“%(unit)s”的“%(name)s”已有登录账号“%(account)s”，与表中的“%(username)s”不一致；"
                    "导入不能修改登录账号"
                )
                % {
                    "unit": p.unit_code,
                    "name": p.name,
                    "account": account,
                    "username": p.username,
                },
            )
            return False, None
        return True, person_id


def _quoted(names: Iterable[str]) -> str:
    return "".join(f"“{n}”" for n in names)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _choice(text: str, by_label: dict[str, str]) -> str | None:
    """A choice's stored value from its Chinese label (or the code itself)."""
    if not text:
        return None
    if text in by_label:
        return by_label[text]
    upper = text.upper()
    return upper if upper in by_label.values() else None


def _changed(pairs: list[tuple[str, Any, Any]]) -> list[str]:
    return [label for label, old, new in pairs if (old or None) != (new or None)]


def _geojson(text: str) -> tuple[dict[str, Any] | None, str]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, gettext("边界GeoJSON不是有效的JSON（第%(column)s个字符附近有误）") % {
            "column": getattr(exc, "colno", "?")
        }
    if not isinstance(value, dict) or value.get("type") not in GEOJSON_TYPES:
        return None, gettext("边界GeoJSON的type必须是%(types)s之一") % {
            "types": gettext("、").join(GEOJSON_TYPES)
        }
    return value, ""


def _code_mismatch(code: str, level: int, parent: str) -> str:
    """Why ``code`` cannot be a region of ``level`` under ``parent``; "" if it can."""
    start, end = CODE_DIGITS[level - 1], CODE_DIGITS[level]
    name = level_label(level)
    if code[end:].strip("0"):
        return gettext("%(level)s区划代码的第%(first)d–12位应全为0，实际为“%(code)s”") % {
            "level": name,
            "first": end + 1,
            "code": code,
        }
    if level > RegionLevel.CITY:
        if not code[start:end].strip("0"):
            return gettext(
                "区划代码“%(code)s”的第%(first)d–%(last)d位是%(level)s本级代码，不能全为0"
            ) % {"code": code, "first": start + 1, "last": end, "level": name}
        if code[:start] != parent[:start]:
            return gettext(
                "区划代码“%(code)s”的前%(digits)d位应与上级区划代码“%(parent)s”的前%(digits)d位“%(prefix)s”一致"
            ) % {"code": code, "digits": start, "parent": parent, "prefix": parent[:start]}
    return ""


def _cycle(start: str, parents: dict[str, str]) -> list[str]:
    """The loop through ``start`` in the parent links, or [] if there is none."""
    chain = [start]
    code = parents.get(start, "")
    while code and code not in chain:
        chain.append(code)
        code = parents.get(code, "")
    if code == start:
        return [*chain, start]
    return []


def _separation_message(name: str, held: set[str], wanted: set[str]) -> str:
    """The reason ``services.grant_role`` would give for the first bad grant."""
    already = held & SEPARATED_ADMIN_ROLES
    extra = (wanted & SEPARATED_ADMIN_ROLES) - already
    if already and extra:
        clash = gettext(Role(sorted(already)[0]).label)
        role = gettext(Role(sorted(extra)[0]).label)
        return gettext("三员分立：%(name)s已是%(held)s，不能再授予%(role)s") % {
            "name": name,
            "held": clash,
            "role": role,
        }
    labels = gettext("、").join(
        gettext(Role(r).label) for r in Role.values if r in (held | wanted) & SEPARATED_ADMIN_ROLES
    )
    return gettext("三员分立：%(roles)s必须由不同的人担任，%(name)s只能担任其中一个") % {
        "roles": labels,
        "name": name,
    }


def validate(sheets: list[RawSheet], *, may_grant_roles: bool = True) -> Plan:
    """Check the sheets against each other and the database; write nothing.

    ``may_grant_roles`` is false when the importing account does not hold
    the role-granting permission; any 角色 cell is then a problem.
    """
    v = _Validator(may_grant_roles=may_grant_roles)
    tables = v.tables(sheets)
    v.regions(tables.get(REGION_SHEET.title))
    v.units(tables.get(UNIT_SHEET.title))
    v.people(tables.get(PERSON_SHEET.title))
    v.plan.problems.sort(key=Problem.sort_key)
    return v.plan
