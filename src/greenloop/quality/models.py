"""Results of the air and water computations, kept for the pages.

Air-quality figures are public information (the public sees live air
quality), so these tables carry no jurisdiction rules of their own; hotspot
alerts lead to cases, which do.

Scopes are identified by code, not foreign key, so that rows computed from
the lake (which knows site codes and 12-digit division codes, not database
ids) can be written without lookups:

* ``scope = "station"`` — ``code`` is ``monitoring.Site.code``;
* ``scope = "district"`` — ``code`` is the county-level ``org.Region.code``;
* ``scope = "city"`` — ``code`` is the city's ``org.Region.code``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Scope(models.TextChoices):
    STATION = "station", _("站点")
    DISTRICT = "district", _("区县")
    CITY = "city", _("全市")


class _AirFigures(models.Model):
    """Concentrations (µg/m³; CO mg/m³), IAQI, AQI and what follows from them."""

    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    so2 = models.FloatField(null=True, blank=True)
    no2 = models.FloatField(null=True, blank=True)
    pm10 = models.FloatField(null=True, blank=True)
    co = models.FloatField(null=True, blank=True)
    o3 = models.FloatField(null=True, blank=True)
    pm25 = models.FloatField(null=True, blank=True)
    #: {"so2": 12, "no2": 30, …}: the IAQI of each pollutant (missing → absent)
    iaqi = models.JSONField(_("空气质量分指数"), default=dict)
    aqi = models.PositiveSmallIntegerField(_("AQI"), null=True, blank=True)
    #: primary pollutants' keys joined by ";" (so2, no2, pm10, co, o3, pm25…), empty when AQI ≤ 50
    primary = models.CharField(_("首要污染物"), max_length=60, blank=True)
    level = models.PositiveSmallIntegerField(_("级别"), null=True, blank=True)
    #: rule-set code used, e.g. "HJ 633-2026"
    standard = models.CharField(_("依据标准"), max_length=20, blank=True)
    #: number of stations averaged (district/city rows); 1 for a station
    stations = models.PositiveSmallIntegerField(default=1)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        abstract = True


class AirHour(_AirFigures):
    """Real-time (hourly) AQI of a station, district or city (HJ 633 §5)."""

    #: start of the hour (HJ 663: the hour 00:00–01:00 is labelled 00:00)
    hour = models.DateTimeField(_("时段"))
    #: moving averages for display (HJ 663; reported precision), when valid:
    #: {"pm25_24h": 61.0, "pm10_24h": 98.0, "o3_8h": 140.0}
    moving = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("小时空气质量")
        verbose_name_plural = pgettext_lazy("plural", "小时空气质量")
        constraints = [
            models.UniqueConstraint(fields=["scope", "code", "hour"], name="quality_airhour_key")
        ]
        indexes = [models.Index(fields=["scope", "hour"])]

    def __str__(self) -> str:
        return f"{self.name or self.code} {self.hour:%Y-%m-%d %H}时 AQI {self.aqi}"


class AirDay(_AirFigures):
    """Daily AQI (HJ 633 §5, daily report) — ``o3`` is the daily maximum 8 h mean."""

    date = models.DateField(_("日期"))
    o3_1h = models.FloatField(null=True, blank=True)
    valid = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("日空气质量")
        verbose_name_plural = pgettext_lazy("plural", "日空气质量")
        constraints = [
            models.UniqueConstraint(fields=["scope", "code", "date"], name="quality_airday_key")
        ]
        indexes = [models.Index(fields=["scope", "date"])]

    def __str__(self) -> str:
        return f"{self.name or self.code} {self.date:%Y-%m-%d} AQI {self.aqi}"


class AirEvaluation(models.Model):
    """One row of an HJ 663 evaluation (monthly or annual) for a station,
    district or city, with the year-on-year comparison — the row of
    ``greenloop evaluate air --yoy`` (``analytics.evaluate.to_csv_frame``)."""

    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    #: "month" | "year"
    period_kind = models.CharField(_("评价周期"), max_length=8)
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    #: the output columns of the evaluation (column → value as text/number)
    figures = models.JSONField(default=dict)
    #: which rule sets were used on each side: {"current": {"standards":
    #: "HJ 633-2012+HJ 633-2026", "evaluation": …, "limits": …,
    #: "composite_method": …}, "previous": {…}}
    rules = models.JSONField(default=dict)
    rank_composite = models.PositiveSmallIntegerField(null=True, blank=True)
    rank_pm25 = models.PositiveSmallIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("空气质量评价")
        verbose_name_plural = pgettext_lazy("plural", "空气质量评价")
        constraints = [
            models.UniqueConstraint(
                fields=["period_start", "period_end", "scope", "code"], name="quality_aireval_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.code} {self.period_start}–{self.period_end}"


class WaterBody(models.TextChoices):
    RIVER = "river", _("河流")
    LAKE = "lake", _("湖库")


class WaterSection(models.Model):
    """What GB 3838 needs to know of a water section beyond the registry."""

    site = models.OneToOneField(
        "monitoring.Site",
        on_delete=models.CASCADE,
        related_name="water_section",
        verbose_name=_("断面"),
    )
    body = models.CharField(
        _("水体类型"), max_length=8, choices=WaterBody.choices, default=WaterBody.RIVER
    )
    #: target class 1–5 (I–V)
    target_class = models.PositiveSmallIntegerField(_("水质目标"), default=3)
    #: 国控 / 省控 / 市控
    control = models.CharField(_("控制级别"), max_length=8, blank=True)
    river = models.CharField(_("所在水体"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("水质断面")
        verbose_name_plural = pgettext_lazy("plural", "水质断面")

    def __str__(self) -> str:
        return str(self.site)


class HotspotAlert(models.Model):
    """A hotspot grid: a micro-station running hotter than its district's
    mean by the configured share for the configured number of consecutive
    hours. At most one open alert per station and pollutant; an open alert
    holds its case (source: monitoring alert) — no duplicate case."""

    site = models.ForeignKey(
        "monitoring.Site", on_delete=models.PROTECT, related_name="hotspot_alerts"
    )
    grid = models.ForeignKey(
        "org.Grid", null=True, blank=True, on_delete=models.SET_NULL, related_name="hotspot_alerts"
    )
    district_code = models.CharField(_("区县编码"), max_length=12)
    pollutant = models.CharField(_("污染物"), max_length=8)  # pm25 | pm10
    first_hour = models.DateTimeField(_("开始时段"))
    last_hour = models.DateTimeField(_("最近时段"))
    hours = models.PositiveSmallIntegerField(_("连续小时数"))
    #: worst excess over the district mean, as a share (0.5 = 50 % above)
    excess = models.FloatField(_("超出比例"))
    #: [{"hour": iso (UTC), "hour_local": "2026-11-24 18:00", "value": x,
    #:   "district_mean": y, "excess": x / y − 1, "hot": bool}, …]
    evidence = models.JSONField(default=list)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotspot_alerts",
    )
    opened_at = models.DateTimeField(_("告警时间"))
    closed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("热点网格告警")
        verbose_name_plural = pgettext_lazy("plural", "热点网格告警")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "pollutant"],
                condition=models.Q(closed_at__isnull=True),
                name="quality_hotspot_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.pollutant} {self.first_hour:%Y-%m-%d %H:%M}"
