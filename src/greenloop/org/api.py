"""Org endpoints: regions, units, people, grids, chiefs, duties.

Each endpoint makes one scoped query (``visible_to``/``get_for_user``), the
same the pages use, and returns declared schemas.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from greenloop.org.access import can, get_for_user, get_scope, require_perm
from greenloop.org.models import Chief, Duty, Grid, ListStatus, Person, Region, Unit
from greenloop.org.roles import Perm

router = Router(tags=["组织体系"])


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    level: int
    parent_code: str | None = Field(None, alias="parent.code")


class RegionDetailOut(RegionOut):
    boundary: dict[str, Any] | None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_code: str = Field(..., alias="region.code")
    parent_id: int | None
    governs_territory: bool


class PersonOut(Schema):
    id: int
    name: str
    unit_id: int
    posts: str
    phone: str
    roles: list[str]


class GridOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    region_code: str
    officer_ids: list[int]


class ChiefOut(Schema):
    id: int
    system: str = Field(..., alias="obj.system")
    object_code: str = Field(..., alias="obj.code")
    object_name: str = Field(..., alias="obj.name")
    level: int
    person_id: int
    person_name: str = Field(..., alias="person.name")


class DutyOut(Schema):
    id: int
    unit_id: int = Field(..., alias="rlist.unit_id")
    list_version: int = Field(..., alias="rlist.version")
    category: str
    text: str
    legal_basis: str
    order: int


def _viewer(request: HttpRequest) -> Any:
    require_perm(request.user, Perm.VIEW_ORG)
    return request.user


@router.get("/regions", response=list[RegionOut], summary="行政区划列表")
@paginate(LimitOffsetPagination)
def list_regions(request: HttpRequest, parent: str | None = None, level: int | None = None) -> Any:
    qs = Region.objects.visible_to(_viewer(request)).select_related("parent").order_by("path")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level:
        qs = qs.filter(level=level)
    return qs


@router.get("/regions/{code}", response=RegionDetailOut, summary="行政区划详情")
def get_region(request: HttpRequest, code: str) -> Any:
    return get_for_user(_viewer(request), Region.objects.select_related("parent"), code=code)


@router.get("/units", response=list[UnitOut], summary="单位列表")
@paginate(LimitOffsetPagination)
def list_units(request: HttpRequest, region: str | None = None, q: str | None = None) -> Any:
    qs = Unit.objects.visible_to(_viewer(request)).select_related("region").order_by("pk")
    if region:
        qs = qs.filter(region__code=region)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    return get_for_user(_viewer(request), Unit.objects.select_related("region"), pk=unit_id)


def _person_out(p: Person, show_phone: bool) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "unit_id": p.unit_id, "posts": p.posts,
        "phone": p.phone if show_phone else p.masked_phone,
        "roles": sorted(g.role for g in p.role_grants.all()),
    }


@router.get("/people", response=list[PersonOut], summary="人员列表（电话按权限脱敏）")
@paginate(LimitOffsetPagination)
def list_people(request: HttpRequest, unit: int | None = None, q: str | None = None) -> Any:
    user = _viewer(request)
    qs = Person.objects.visible_to(user).prefetch_related("role_grants").order_by("pk")
    if unit:
        qs = qs.filter(unit_id=unit)
    if q:
        qs = qs.filter(name__icontains=q)
    show = get_scope(user).has(Perm.VIEW_PHONE)
    return _LazyMap(qs, lambda p: _person_out(p, show or p.pk == get_scope(user).person_id))


@router.get("/people/{person_id}", response=PersonOut, summary="人员详情")
def get_person(request: HttpRequest, person_id: int) -> Any:
    user = _viewer(request)
    p = get_for_user(user, Person.objects.prefetch_related("role_grants"), pk=person_id)
    return _person_out(p, can(user, "view_phone", p))


@router.get("/grids", response=list[GridOut], summary="网格列表")
@paginate(LimitOffsetPagination)
def list_grids(request: HttpRequest, level: int | None = None, kind: str | None = None) -> Any:
    qs = Grid.objects.visible_to(_viewer(request)).select_related("region").prefetch_related("officers").order_by("code")
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    return _LazyMap(qs, lambda g: {
        "code": g.code, "name": g.name, "level": g.level, "kind": g.kind,
        "region_code": g.region.code, "officer_ids": [o.pk for o in g.officers.all()],
    })


@router.get("/chiefs", response=list[ChiefOut], summary="河长、林长、点位长")
@paginate(LimitOffsetPagination)
def list_chiefs(request: HttpRequest, system: str | None = None) -> Any:
    qs = Chief.objects.visible_to(_viewer(request)).select_related("obj", "person").order_by("pk")
    if system:
        qs = qs.filter(obj__system=system)
    return qs


@router.get("/duties", response=list[DutyOut], summary="已发布的责任清单条目")
@paginate(LimitOffsetPagination)
def list_duties(request: HttpRequest, unit: int | None = None) -> Any:
    qs = (
        Duty.objects.visible_to(_viewer(request))
        .filter(rlist__status=ListStatus.PUBLISHED)
        .select_related("rlist")
        .order_by("rlist__unit_id", "order", "pk")
    )
    if unit:
        qs = qs.filter(rlist__unit_id=unit)
    return qs


class _LazyMap:
    """A sliceable view of a queryset that maps rows as the paginator reads
    them, so pagination still happens in SQL."""

    def __init__(self, qs: Any, fn: Any) -> None:
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.fn(row) for row in self.qs[item]]
