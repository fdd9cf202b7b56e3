"""Browsing the organisation: regions, units, people, grids, chiefs.

Every query goes through ``visible_to``/``get_for_user``: out-of-reach
objects answer 404 exactly like missing ones.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from greenloop.org import services
from greenloop.org.access import can, get_for_user, get_scope, require_perm
from greenloop.org.models import (
    BaobaoAssignment,
    Chief,
    ChiefSystem,
    Grid,
    GridKind,
    Person,
    Region,
    RegionLevel,
    Unit,
    UnitKind,
)
from greenloop.org.roles import Perm, Role, translated_choices


def _page(request: HttpRequest, qs: Any, per_page: int = 50) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


@login_required
def regions(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    visible = Region.objects.visible_to(request.user)
    rows = list(visible.order_by("path").only("pk", "code", "name", "path", "level", "kind")[:5000])
    roots = [r for r in rows if not any(r.path != o.path and r.path.startswith(o.path) for o in rows)]
    return render(request, "org/regions.html", {"roots": roots})


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    obj = get_for_user(request.user, Region.objects.select_related("parent"), code=code)
    visible = Region.objects.visible_to(request.user)
    children = visible.filter(parent=obj).annotate(n_children=Count("children")).order_by("code")
    visible_codes = set(visible.filter(code__in=[a.code for a in obj.ancestors()]).values_list("code", flat=True))
    units = Unit.objects.visible_to(request.user).filter(region=obj).order_by("kind", "name")
    grids = Grid.objects.visible_to(request.user).filter(region=obj).order_by("level", "code")
    return render(request, "org/region.html", {
        "region": obj,
        "ancestors": [(a, a.code in visible_codes) for a in obj.ancestors()[:-1]],
        "children": children,
        "units": units,
        "grids": grids,
    })


@login_required
def units(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    qs = Unit.objects.visible_to(request.user).select_related("region").order_by("region__path", "kind", "name")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return render(request, "org/units.html", {"page": _page(request, qs), "q": q, "kind": kind, "kinds": translated_choices(UnitKind)})


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for_user(request.user, Unit.objects.select_related("region", "parent"), pk=pk)
    people = Person.objects.visible_to(request.user).filter(unit=obj).prefetch_related("role_grants").order_by("pk")
    show_phone = can(request.user, "view_phone", obj) if people else False
    published = services.published_list(unit=obj)
    baobao = (
        BaobaoAssignment.objects.visible_to(request.user)
        .filter(Q(unit=obj) | Q(leader__unit=obj))
        .select_related("leader", "unit")
        .annotate(n_visits=Count("visits"))
        .order_by("pk")
    )
    return render(request, "org/unit.html", {
        "unit": obj,
        "people": people,
        "show_phone": show_phone or get_scope(request.user).has(Perm.VIEW_PHONE),
        "published": published,
        "duties": published.duties.order_by("order", "pk") if published else [],
        "can_edit_duties": can(request.user, "edit_duties", obj),
        "baobao": baobao,
        "children": Unit.objects.visible_to(request.user).filter(parent=obj).order_by("name"),
    })


@login_required
def people(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    qs = Person.objects.visible_to(request.user).select_related("unit", "unit__region").order_by("unit__region__path", "unit__name", "pk")
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(unit__name__icontains=q) | Q(posts__icontains=q))
    if role:
        qs = qs.filter(role_grants__role=role)
    page = _page(request, qs)
    scope = get_scope(request.user)
    return render(request, "org/people.html", {
        "page": page, "q": q, "role": role, "roles": translated_choices(Role),
        "show_phone": scope.has(Perm.VIEW_PHONE), "my_person_id": scope.person_id,
    })


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for_user(request.user, Person.objects.select_related("unit__region", "user"), pk=pk)
    scope = get_scope(request.user)
    can_grant = scope.has(Perm.GRANT_ROLES)
    if request.method == "POST":
        require_perm(request.user, Perm.GRANT_ROLES)
        role = request.POST.get("role", "")
        if role not in Role.values:
            messages.error(request, _("未知角色"))
        elif request.POST.get("action") == "revoke":
            services.revoke_role(person=obj, role=role, by=request.user)
            messages.success(request, _("已撤销角色：%(role)s") % {"role": _(Role(role).label)})
        else:
            try:
                services.grant_role(person=obj, role=role, by=request.user)
                messages.success(request, _("已授予角色：%(role)s") % {"role": _(Role(role).label)})
            except services.UnableToGrantRole as exc:
                messages.error(request, str(exc))
        return redirect("org:person", pk=obj.pk)
    held = set(obj.role_grants.values_list("role", flat=True))
    return render(request, "org/person.html", {
        "person": obj,
        "held": [(r, _(Role(r).label)) for r in sorted(held)],
        "grantable": [(v, lbl) for v, lbl in translated_choices(Role) if v not in held],
        "can_grant": can_grant,
        "show_phone": can(request.user, "view_phone", obj),
        "grids": obj.grids.all().order_by("code")[:50],
        "chief_posts": obj.chief_posts.select_related("obj").order_by("pk"),
    })


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    visible = Grid.objects.visible_to(request.user)
    counts = {row["level"]: row["n"] for row in visible.filter(kind=GridKind.STANDARD).values("level").annotate(n=Count("pk"))}
    return render(request, "org/grid_map.html", {
        "tile_url": settings.GREENLOOP_TILE_URL,
        "tile_attribution": settings.GREENLOOP_TILE_ATTRIBUTION,
        "levels": [(v, lbl, counts.get(v, 0)) for v, lbl in translated_choices(RegionLevel)],
        "hotspots": visible.filter(kind=GridKind.HOTSPOT).count(),
    })


@login_required
def grid_geojson(request: HttpRequest) -> JsonResponse:
    """Grids of one level (and optionally only hotspots) as a GeoJSON
    FeatureCollection, scoped to the user."""
    require_perm(request.user, Perm.VIEW_ORG)
    try:
        level = int(request.GET.get("level", RegionLevel.COUNTY))
    except ValueError:
        level = RegionLevel.COUNTY
    qs = Grid.objects.visible_to(request.user).filter(boundary__isnull=False)
    if request.GET.get("kind") == GridKind.HOTSPOT:
        qs = qs.filter(kind=GridKind.HOTSPOT)
    else:
        qs = qs.filter(level=level, kind=GridKind.STANDARD)
    features = []
    separator = pgettext("separator between names in a list", "、")
    for g in qs.select_related("region").prefetch_related("officers").order_by("code")[:3000]:
        features.append({
            "type": "Feature",
            "geometry": g.boundary.get("geometry", g.boundary) if isinstance(g.boundary, dict) else g.boundary,
            "properties": {
                "code": g.code, "name": g.name, "level": g.get_level_display(), "kind": g.kind,
                "region": g.region.name, "officers": separator.join(p.name for p in g.officers.all()),
            },
        })
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
def chiefs(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, Perm.VIEW_ORG)
    system = request.GET.get("system", "")
    qs = Chief.objects.visible_to(request.user).select_related("person__unit", "obj__region").order_by("obj__system", "obj__code", "level")
    if system:
        qs = qs.filter(obj__system=system)
    return render(request, "org/chiefs.html", {"page": _page(request, qs), "system": system, "systems": translated_choices(ChiefSystem)})
