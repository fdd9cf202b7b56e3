"""Organisation models: the city's regions, units, people and the duties
and posts that tie them together.

Member order follows STYLE.md §5: fields, managers, Meta, __str__, save,
other methods.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from greenloop.org.roles import Role, translated_choices

DIVISION_CODE = RegexValidator(r"^\d{12}$", _("统计用区划代码必须是12位数字"))


class RegionLevel(models.IntegerChoices):
    CITY = 1, gettext_noop("市级")
    COUNTY = 2, gettext_noop("县级")
    TOWNSHIP = 3, gettext_noop("乡级")
    VILLAGE = 4, gettext_noop("村级")


class RegionKind(models.TextChoices):
    CITY = "CITY", gettext_noop("市")
    DISTRICT = "DISTRICT", gettext_noop("市辖区")
    COUNTY = "COUNTY", gettext_noop("县")
    ZONE = "ZONE", gettext_noop("开发区")
    TOWNSHIP = "TOWNSHIP", gettext_noop("乡镇")
    STREET = "STREET", gettext_noop("街道")
    VILLAGE = "VILLAGE", gettext_noop("行政村")
    COMMUNITY = "COMMUNITY", gettext_noop("社区")


KIND_LEVEL: dict[str, int] = {
    RegionKind.CITY: RegionLevel.CITY,
    RegionKind.DISTRICT: RegionLevel.COUNTY,
    RegionKind.COUNTY: RegionLevel.COUNTY,
    RegionKind.ZONE: RegionLevel.COUNTY,
    RegionKind.TOWNSHIP: RegionLevel.TOWNSHIP,
    RegionKind.STREET: RegionLevel.TOWNSHIP,
    RegionKind.VILLAGE: RegionLevel.VILLAGE,
    RegionKind.COMMUNITY: RegionLevel.VILLAGE,
}


class ScopedQuerySet(models.QuerySet[Any]):
    """A queryset that knows how to narrow itself to what a user may see.

    The rule itself lives in :mod:`greenloop.org.access`; this only routes
    ``Model.objects.visible_to(user)`` there, so every page, API call and
    export filters the same way.
    """

    def visible_to(self, user: Any) -> models.QuerySet[Any]:
        from greenloop.org.access import scope_queryset

        return scope_queryset(user, self)


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[DIVISION_CODE])
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=12, choices=translated_choices(RegionKind))
    level = models.PositiveSmallIntegerField(_("层级"), choices=translated_choices(RegionLevel))
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Codes from the root down to this region, each followed by "/": subtree
    # queries become one indexed prefix match on every database.
    path = models.CharField(max_length=80, db_index=True, editable=False)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)
    center_lat = models.FloatField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.level = KIND_LEVEL[self.kind]
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:region", args=[self.code])

    def subtree(self) -> models.QuerySet[Region]:
        return Region.objects.filter(path__startswith=self.path)

    def ancestors(self) -> list[Region]:
        codes = [c for c in self.path.split("/") if c]
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]


class UnitKind(models.TextChoices):
    COMMITTEE_OFFICE = "COMMITTEE_OFFICE", gettext_noop("生态环境保护委员会办公室")
    PARTY_COMMITTEE = "PARTY_COMMITTEE", gettext_noop("党委")
    GOVERNMENT = "GOVERNMENT", gettext_noop("人民政府")
    DEPARTMENT = "DEPARTMENT", gettext_noop("职能部门")
    TOWNSHIP_BODY = "TOWNSHIP_BODY", gettext_noop("乡镇（街道）党委政府")
    VILLAGE_BODY = "VILLAGE_BODY", gettext_noop("村（社区）两委")
    WORKING_GROUP = "WORKING_GROUP", gettext_noop("工作组")


class Unit(models.Model):
    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=20, choices=translated_choices(UnitKind))
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Territorial bodies (党委、政府、委办) answer for everything in their
    # region's subtree; a functional department only for its own world.
    governs_territory = models.BooleanField(_("属地管辖"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("org:unit", args=[self.pk])


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=40)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="people")
    posts = models.CharField(_("职务"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="person",
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = pgettext_lazy("plural", "人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.name}）"

    @property
    def masked_phone(self) -> str:
        if len(self.phone) < 7:
            return "*" * len(self.phone)
        return self.phone[:3] + "****" + self.phone[-4:]


class RoleGrant(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=translated_choices(Role))
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = pgettext_lazy("plural", "角色授权")
        constraints = [models.UniqueConstraint(fields=["person", "role"], name="rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.person.name}: {Role(self.role).label}"


class GridKind(models.TextChoices):
    STANDARD = "STANDARD", gettext_noop("网格")
    HOTSPOT = "HOTSPOT", gettext_noop("大气污染热点网格")


class Grid(models.Model):
    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("网格名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("网格层级"), choices=translated_choices(RegionLevel))
    kind = models.CharField(_("类型"), max_length=10, choices=translated_choices(GridKind), default=GridKind.STANDARD)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="grids")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    officers = models.ManyToManyField(Person, verbose_name=pgettext_lazy("plural", "网格员"), blank=True, related_name="grids")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = pgettext_lazy("plural", "网格")

    def __str__(self) -> str:
        return self.name


class ChiefSystem(models.TextChoices):
    RIVER = "RIVER", gettext_noop("河长制")
    FOREST = "FOREST", gettext_noop("林长制")
    POINT = "POINT", gettext_noop("点位长制")


class ChiefObject(models.Model):
    """What a chief answers for: a river reach, a forest area or an air
    monitoring point."""

    system = models.CharField(_("制度"), max_length=10, choices=translated_choices(ChiefSystem))
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    geometry = models.JSONField(_("位置(GeoJSON)"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任对象")
        verbose_name_plural = pgettext_lazy("plural", "责任对象")

    def __str__(self) -> str:
        return self.name


class Chief(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="chief_posts")
    obj = models.ForeignKey(ChiefObject, verbose_name=_("责任对象"), on_delete=models.CASCADE, related_name="chiefs")
    level = models.PositiveSmallIntegerField(_("层级"), choices=translated_choices(RegionLevel))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("河长/林长/点位长")
        verbose_name_plural = pgettext_lazy("plural", "河长/林长/点位长")
        constraints = [models.UniqueConstraint(fields=["person", "obj"], name="chief_unique")]

    def __str__(self) -> str:
        # The plain (untranslated) labels: __str__ names the object in the
        # admin's and the audit log's records, whatever the reader's language.
        level = RegionLevel(self.level).label
        return f"{self.obj.name} {level}{ChiefSystem(self.obj.system).label[:-1]}：{self.person.name}"

    @property
    def title(self) -> str:
        return {
            ChiefSystem.RIVER: gettext("河长"),
            ChiefSystem.FOREST: gettext("林长"),
            ChiefSystem.POINT: gettext("点位长"),
        }[ChiefSystem(self.obj.system)]


class BaobaoAssignment(models.Model):
    """包保: a leader answers for a unit and visits it at least monthly."""

    leader = models.ForeignKey(Person, verbose_name=_("包保领导"), on_delete=models.PROTECT, related_name="baobao")
    unit = models.ForeignKey(Unit, verbose_name=_("包保单位"), on_delete=models.PROTECT, related_name="baobao")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("包保关系")
        verbose_name_plural = pgettext_lazy("plural", "包保关系")

    def __str__(self) -> str:
        return f"{self.leader.name} 包保 {self.unit.name}"


class BaobaoVisit(models.Model):
    assignment = models.ForeignKey(BaobaoAssignment, on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField(_("走访日期"))
    checked = models.TextField(_("检查内容"))
    clues = models.TextField(_("移交问题线索"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("包保走访记录")
        verbose_name_plural = pgettext_lazy("plural", "包保走访记录")

    def __str__(self) -> str:
        return f"{self.assignment} {self.visit_date}"


class DutyCategory(models.TextChoices):
    LEADERSHIP = "LEADERSHIP", gettext_noop("领导责任")
    AIR = "AIR", gettext_noop("大气污染防治")
    WATER = "WATER", gettext_noop("水污染防治")
    SOIL = "SOIL", gettext_noop("土壤污染防治")
    WASTE = "WASTE", gettext_noop("固体废物污染防治")
    ECOLOGY = "ECOLOGY", gettext_noop("生态保护与修复")
    SUPERVISION = "SUPERVISION", gettext_noop("监督管理")
    INSPECTION = "INSPECTION", gettext_noop("督察整改")


class DutyTemplate(models.Model):
    """A duty every unit of one level and kind carries; generates lists."""

    level = models.PositiveSmallIntegerField(_("层级"), choices=translated_choices(RegionLevel))
    unit_kind = models.CharField(_("单位类型"), max_length=20, choices=translated_choices(UnitKind))
    category = models.CharField(_("责任类别"), max_length=12, choices=translated_choices(DutyCategory))
    text = models.TextField(_("责任内容"))
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("序号"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任清单模板条目")
        verbose_name_plural = _("责任清单模板")

    def __str__(self) -> str:
        return self.text[:30]


class ListStatus(models.TextChoices):
    DRAFT = "DRAFT", gettext_noop("草稿")
    PUBLISHED = "PUBLISHED", gettext_noop("已发布")
    SUPERSEDED = "SUPERSEDED", gettext_noop("已被新版本替代")


class ResponsibilityList(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="duty_lists")
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=12, choices=translated_choices(ListStatus), default=ListStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任清单")
        verbose_name_plural = pgettext_lazy("plural", "责任清单")
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="dutylist_unit_version"),
            # At most one draft per unit: edits always land in the same place.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(status="DRAFT"), name="dutylist_one_draft_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}生态环境保护责任清单（第{self.version}版）"


class Duty(models.Model):
    rlist = models.ForeignKey(ResponsibilityList, on_delete=models.CASCADE, related_name="duties")
    category = models.CharField(_("责任类别"), max_length=12, choices=translated_choices(DutyCategory))
    text = models.TextField(_("责任内容"))
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("序号"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任条目")
        verbose_name_plural = pgettext_lazy("plural", "责任条目")

    def __str__(self) -> str:
        return self.text[:30]


class ApiToken(models.Model):
    """A bearer token for API clients. Only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = pgettext_lazy("plural", "API令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: Any, name: str) -> tuple[ApiToken, str]:
        raw = "glp_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[4:12], digest=cls.digest_of(raw))
        return token, raw
