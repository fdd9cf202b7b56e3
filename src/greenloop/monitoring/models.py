"""Monitoring models: the device registry, the ingestion store, alerts.

Registry
    :class:`Site` (a place that is monitored), :class:`Device` (one HJ 212
    data logger, known by its MN) and :class:`FactorCode` (names and units of
    the factor codes, loaded from :mod:`greenloop.hj212.factors`).
Ingestion store
    :class:`InboxPacket` holds every accepted data packet exactly once, as
    received (the wire bytes for audit) and decoded; :class:`LatestValue`
    holds the newest value of each factor of each device for live pages;
    :class:`RejectedPacket` and :class:`RejectCount` record what the gateway
    refused. Nothing here is ever updated to change what a device sent: data
    flags stay beside the values, and manual audit marks will be rows of
    their own.
Alerts
    :class:`MonitoringAlert`: a device offline, or online without data.

Member order follows STYLE.md §5: fields, managers, Meta, __str__, save,
other methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from greenloop.hj212 import DeviceProfile, Version
from greenloop.monitoring.secrets import EncryptedCharField
from greenloop.monitoring.values import number, value_field
from greenloop.org.models import Grid, Region, ScopedQuerySet


class SiteKind(models.TextChoices):
    NATIONAL_AIR = "NATIONAL_AIR", _("国控空气自动站")
    PROVINCIAL_AIR = "PROVINCIAL_AIR", _("省控空气自动站")
    MICRO_AIR = "MICRO_AIR", _("空气微站")
    WATER_SECTION = "WATER_SECTION", _("水质自动监测断面")
    ENTERPRISE_OUTLET = "ENTERPRISE_OUTLET", _("企业排放口")
    ELECTRICITY_METER = "ELECTRICITY_METER", _("用电监控点")
    DUST_MONITOR = "DUST_MONITOR", _("扬尘监测点")


class Site(models.Model):
    """A monitored place: an air station, a water section, an outlet…"""

    code = models.CharField(_("点位编码"), max_length=32, unique=True)
    name = models.CharField(_("点位名称"), max_length=100)
    kind = models.CharField(_("点位类型"), max_length=20, choices=SiteKind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="monitoring_sites",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monitoring_sites",
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测点位")
        verbose_name_plural = pgettext_lazy("plural", "监测点位")
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180),
                name="monitoring_site_lon_range",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="monitoring_site_lat_range",
            ),
        ]

    def __str__(self) -> str:
        code = pgettext("parenthetical remark", "（%(detail)s）") % {"detail": self.code}
        return f"{self.name}{code}"


class ProtocolVersion(models.TextChoices):
    """The HJ 212 version a device speaks; the value is the year."""

    HJT212_2005 = "2005", _("HJ/T 212-2005")
    HJ212_2017 = "2017", _("HJ 212-2017")
    HJ212_2025 = "2025", _("HJ 212-2025")


_KERNEL_VERSION = {
    ProtocolVersion.HJT212_2005: Version.HJT212_2005,
    ProtocolVersion.HJ212_2017: Version.HJ212_2017,
    ProtocolVersion.HJ212_2025: Version.HJ212_2025,
}
_VERSION_YEAR = {kernel: year for year, kernel in _KERNEL_VERSION.items()}


def protocol_version_of(version: Version) -> ProtocolVersion:
    """The registry choice for a kernel :class:`~greenloop.hj212.Version`."""
    return _VERSION_YEAR[version]


class DeviceStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("在用")
    # Seen by the gateway in onboarding mode but not yet accepted: its data
    # is refused until an administrator assigns a site and accepts it.
    QUARANTINED = "QUARANTINED", _("待接入")
    DISABLED = "DISABLED", _("停用")


class Device(models.Model):
    """One HJ 212 data logger (数采仪), identified by its MN."""

    mn = models.CharField(_("设备唯一标识(MN)"), max_length=64, unique=True)
    # The HJ 212 access password travels in clear text in every packet
    # (2017 §6.3.2); at rest it is encrypted like the SM4 key
    # (docs/decisions/0017-secrets-at-rest.md).
    password = EncryptedCharField(_("访问密码(PW)"), plain_max_length=64)
    st = models.CharField(_("系统编码(ST)"), max_length=2, blank=True)
    protocol_version = models.CharField(
        _("协议版本"),
        max_length=4,
        choices=ProtocolVersion.choices,
        default=ProtocolVersion.HJ212_2017,
    )
    # 32 hex digits (16 bytes, HJ 212-2025 §6.4.2), encrypted at rest; empty:
    # the device does not encrypt. Changed by the 1014 key flow
    # (monitoring.commands) only once the device has confirmed it.
    sm4_key = EncryptedCharField(
        _("SM4密钥(十六进制)"),
        plain_max_length=32,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9A-Fa-f]{32}$", _("SM4密钥为32位十六进制数字。")),
        ],
    )
    # SKCreateTime of the current key (HJ 212-2025 §6.4.3: rotate every 90 days).
    sm4_key_created_at = models.DateTimeField(_("密钥生成时间"), null=True, blank=True)
    # What the logger reported with CN 1001 (hj212-2025.md C3): logger id,
    # CPU id, MACs, reported_at; the MN assigned with 1002 derives from it.
    hardware = models.JSONField(_("硬件标识"), default=dict, blank=True)
    expected_factors = models.JSONField(_("应测因子"), default=list, blank=True)
    interval_seconds = models.PositiveIntegerField(_("上传间隔(秒)"), default=3600)
    site = models.ForeignKey(
        Site,
        verbose_name=_("监测点位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("接入时间"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最近通讯时间"), null=True, blank=True)
    last_data_at = models.DateTimeField(_("最近数据接收时间"), null=True, blank=True)
    last_peer = models.CharField(_("最近连接地址"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测设备")
        verbose_name_plural = pgettext_lazy("plural", "监测设备")
        constraints = [
            # A device whose data is stored must belong to a site.
            models.CheckConstraint(
                condition=~Q(status="ACTIVE") | Q(site__isnull=False),
                name="monitoring_device_active_has_site",
            ),
            # Secrets are stored encrypted (monitoring.secrets), never in clear.
            models.CheckConstraint(
                condition=Q(password="") | Q(password__startswith="gl1$"),  # noqa: S106
                name="monitoring_device_password_encrypted",
            ),
            models.CheckConstraint(
                condition=Q(sm4_key="") | Q(sm4_key__startswith="gl1$"),
                name="monitoring_device_sm4_key_encrypted",
            ),
            models.CheckConstraint(
                condition=Q(sm4_key="") | Q(protocol_version="2025"),
                name="monitoring_device_sm4_only_2025",
            ),
            models.CheckConstraint(
                condition=Q(interval_seconds__gte=1), name="monitoring_device_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.mn

    @property
    def profile(self) -> DeviceProfile:
        """How the codec reads and writes this device's packets."""
        key = bytes.fromhex(self.sm4_key) if self.sm4_key else None
        return DeviceProfile(
            version=_KERNEL_VERSION[ProtocolVersion(self.protocol_version)], sm4_key=key
        )

    def offline_after(self, missed_intervals: int) -> timedelta:
        """Silence after which the device counts as offline."""
        return timedelta(seconds=self.interval_seconds * missed_intervals)

    def is_online(self, *, now: datetime, missed_intervals: int) -> bool:
        """Heard from within ``missed_intervals`` upload intervals of ``now``."""
        if self.last_seen_at is None:
            return False
        return now - self.last_seen_at <= self.offline_after(missed_intervals)


class FactorCode(models.Model):
    """A factor (monitoring parameter) code with its name and unit
    (HJ 212-2017 Appendix B), loaded from :mod:`greenloop.hj212.factors`."""

    code = models.CharField(_("因子编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    unit = models.CharField(_("浓度单位"), max_length=16, blank=True)
    amount_unit = models.CharField(_("排放量单位"), max_length=16, blank=True)
    data_type = models.CharField(_("数据类型"), max_length=12, blank=True)
    code_2005 = models.CharField(_("原编码(2005)"), max_length=8, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("监测因子")
        verbose_name_plural = pgettext_lazy("plural", "监测因子")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InboxPacket(models.Model):
    """One accepted packet, exactly once: the ingestion inbox.

    Rows are written only by the gateway's group commit and never changed;
    the lake mover removes them once they are safely in Parquet.
    """

    # No index of its own (monitoring_inbox_once leads with it) and no
    # database constraint: each would cost every insert, the constraint a
    # lock on the device row per packet (docs/decisions/0019-ingest-schema.md).
    # PROTECT is Django's: a device with packets cannot be deleted.
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    mn = models.CharField(max_length=64)
    cn = models.CharField(max_length=4)
    # DataTime of the CP (device local time, stored in UTC); NULL for the
    # few uploads without one, which therefore cannot be de-duplicated.
    data_time = models.DateTimeField(null=True)
    # Part number of a split packet (2017 §6.3.2, PNO); 0 when not split.
    # Parts share (MN, CN, DataTime) and are stored one row each.
    pno = models.PositiveSmallIntegerField(default=0)
    pnum = models.PositiveSmallIntegerField(null=True)
    qn = models.CharField(max_length=20, blank=True)
    st = models.CharField(max_length=2, blank=True)
    flag = models.PositiveSmallIntegerField(null=True)
    # HJ 212-2025 re-send flag (RF=1: the device re-sends older data).
    rf = models.PositiveSmallIntegerField(null=True)
    received_at = models.DateTimeField()
    # The packet as it came off the wire, "##" to CRC: the audit copy.
    raw = models.BinaryField()
    cp = models.JSONField(default=dict)
    # code -> field -> value as sent; numbers stay text to keep their digits.
    pollutants = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("入站数据包")
        verbose_name_plural = pgettext_lazy("plural", "入站数据包")
        constraints = [
            # A re-sent packet is the same row: the gateway inserts with
            # ON CONFLICT DO NOTHING and acknowledges it again
            # (hj212-2017.md §9.5, item 7).
            models.UniqueConstraint(
                fields=["device", "cn", "data_time", "pno"], name="monitoring_inbox_once"
            ),
        ]
        indexes = [
            # The lake mover and the raw-packet inspector read by time.
            models.Index(fields=["received_at"], name="monitoring_inbox_received"),
            models.Index(fields=["mn", "data_time"], name="monitoring_inbox_mn_time"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.mn} {self.cn} {self.data_time:%Y-%m-%d %H:%M:%S}" if self.data_time else self.mn
        )

    @property
    def raw_text(self) -> str:
        """The wire bytes as text; bytes that are not UTF-8 (SM4) as escapes."""
        return bytes(self.raw).decode("utf-8", "backslashreplace")


class LatestValue(models.Model):
    """The newest values of one device, per command: what live pages show.

    One row per (device, CN): the latest real-time values (2011) and the
    latest hourly averages (2061) are different quantities. ``values`` holds
    each factor's fields as the device sent them (text), from the newest
    packet that carried the factor, and ``factor_times`` when that packet
    was measured (its DataTime, else its receipt; Unix seconds). Moved
    forward after each commit of the gateway, never back: a packet older
    than the row changes nothing (:func:`greenloop.monitoring.ingest.update_latest_values`).
    One row per device and command rather than per factor: a packet then
    costs the database one row instead of one per factor.
    """

    # The unique (device, CN) and the (site, CN) indexes serve both keys:
    # no index of their own, which every non-HOT update would also write.
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="latest_values", db_index=False
    )
    site = models.ForeignKey(
        Site, null=True, on_delete=models.CASCADE, related_name="latest_values", db_index=False
    )
    cn = models.CharField(max_length=4)
    values = models.JSONField(default=dict)
    """``factor code -> field -> text``, e.g. ``{"a34004": {"Rtd": "35", "Flag": "N"}}``."""
    factor_times = models.JSONField(default=dict)
    """``factor code -> Unix seconds`` of the packet each factor came in."""
    data_time = models.DateTimeField(null=True)
    """DataTime of the newest packet."""
    received_at = models.DateTimeField()
    """Receipt of the newest packet."""

    class Meta:
        verbose_name = _("最新监测值")
        verbose_name_plural = pgettext_lazy("plural", "最新监测值")
        constraints = [
            models.UniqueConstraint(fields=["device", "cn"], name="monitoring_latest_once"),
        ]
        indexes = [models.Index(fields=["site", "cn"], name="monitoring_latest_site")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.cn} ({len(self.values)})"

    def factors(self) -> list[LatestFactor]:
        """Each factor with its value field, value text, flag and time, by code."""
        out = []
        for code in sorted(self.values):
            fields = self.values[code]
            if not isinstance(fields, dict):
                continue
            name = value_field(fields)
            seconds = self.factor_times.get(code)
            out.append(
                LatestFactor(
                    code=code,
                    field=name,
                    text=str(fields.get(name, "")) if name else "",
                    flag=str(fields.get("Flag", "")),
                    fields=fields,
                    data_time=datetime.fromtimestamp(seconds, UTC)
                    if isinstance(seconds, int | float)
                    else self.data_time,
                )
            )
        return out


@dataclass(frozen=True)
class LatestFactor:
    """One factor of a :class:`LatestValue` row."""

    code: str
    field: str
    """Which field is the value (``values.VALUE_FIELDS``); "" if none."""
    text: str
    flag: str
    """The instrument's data flag (2017 Table 8) as sent, never applied."""
    fields: dict[str, str]
    data_time: datetime | None

    @property
    def value(self) -> float | None:
        return number(self.text)


class RejectKind(models.TextChoices):
    """Why the gateway refused a packet: the codec's kinds, then its own."""

    CRC = "crc", _("CRC校验错误")
    LENGTH = "length", _("长度错误")
    FORMAT = "format", _("格式错误")
    DECRYPT = "decrypt", _("解密失败")
    TOO_LARGE = "too_large", _("数据包过长")
    TRUNCATED = "truncated", _("数据包不完整")
    UNKNOWN_DEVICE = "unknown_device", _("未登记设备")
    BAD_PASSWORD = "bad_password", _("密码错误")
    QUARANTINED = "quarantined", _("设备待接入")
    DISABLED = "disabled", _("设备已停用")
    INTERNAL = "internal", _("内部错误")


class RejectedPacket(models.Model):
    """A sample of what the gateway refused, for diagnosis; never data.

    The gateway logs a bounded number of samples per connection; exact
    counts are in :class:`RejectCount`.
    """

    kind = models.CharField(max_length=16, choices=RejectKind.choices)
    message = models.CharField(max_length=200, blank=True)
    mn = models.CharField(max_length=64, blank=True)
    peer = models.CharField(max_length=64, blank=True)
    # The offending bytes, truncated.
    raw = models.BinaryField()
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("拒收数据包")
        verbose_name_plural = pgettext_lazy("plural", "拒收数据包")
        indexes = [models.Index(fields=["received_at"], name="monitoring_rejected_received")]

    def __str__(self) -> str:
        return f"{self.kind} {self.peer} {self.received_at:%Y-%m-%d %H:%M:%S}"


class RejectCount(models.Model):
    """How many packets of one kind were refused in one hour (UTC)."""

    hour = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=RejectKind.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("拒收统计")
        verbose_name_plural = pgettext_lazy("plural", "拒收统计")
        constraints = [
            models.UniqueConstraint(fields=["hour", "kind"], name="monitoring_rejectcount_once")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.kind}: {self.count}"


class AlertKind(models.TextChoices):
    OFFLINE = "OFFLINE", _("设备离线")
    DATA_GAP = "DATA_GAP", _("数据缺失")


class MonitoringAlert(models.Model):
    """An offline or data-gap episode of one device, open until it ends."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="alerts")
    site = models.ForeignKey(Site, null=True, on_delete=models.SET_NULL, related_name="alerts")
    kind = models.CharField(_("类型"), max_length=10, choices=AlertKind.choices)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测告警")
        verbose_name_plural = pgettext_lazy("plural", "监测告警")
        constraints = [
            # check_device_health opens at most one episode per kind.
            models.UniqueConstraint(
                fields=["device", "kind"],
                condition=Q(ended_at__isnull=True),
                name="monitoring_alert_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class CommandKind(models.TextChoices):
    """Platform-initiated HJ 212-2025 commands the registry drives."""

    SET_MN = "1002", _("设置数采仪入网编码(1002)")
    SET_KEY = "1014", _("下发新密钥(1014)")


class CommandStatus(models.TextChoices):
    PENDING = "PENDING", _("待下发")
    SENT = "SENT", _("已下发")
    # 9011 with QnRtn=1: the device is ready to execute.
    ACKNOWLEDGED = "ACKNOWLEDGED", _("设备已应答")
    # 9012 with ExeRtn=1 (or, for a key, data encrypted with the new key).
    DONE = "DONE", _("已完成")
    FAILED = "FAILED", _("失败")
    CANCELLED = "CANCELLED", _("已撤销")


OPEN_COMMAND_STATUSES = (CommandStatus.PENDING, CommandStatus.SENT, CommandStatus.ACKNOWLEDGED)


class DeviceCommand(models.Model):
    """A request the platform sends a device (request mode, 2017 §6.1):
    stored when an administrator asks, delivered by the gateway when the
    device is connected, finished by the device's 9011 and 9012.

    Services in :mod:`greenloop.monitoring.commands`.
    """

    device = models.ForeignKey(
        Device, verbose_name=_("监测设备"), on_delete=models.CASCADE, related_name="commands"
    )
    kind = models.CharField(_("命令"), max_length=4, choices=CommandKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=CommandStatus.choices, default=CommandStatus.PENDING
    )
    # The QN of the request; 9011 and 9012 carry it back (2017 §9.3).
    qn = models.CharField(_("请求编码(QN)"), max_length=20)
    new_mn = models.CharField(_("新入网编码(MN)"), max_length=64, blank=True)
    logger_id = models.CharField(_("数采仪编号"), max_length=64, blank=True)
    new_sm4_key = EncryptedCharField(_("新密钥"), plain_max_length=32, blank=True)
    sk_created_at = models.DateTimeField(_("新密钥生成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.CharField(_("发起人"), max_length=150, blank=True)
    sent_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("下发次数"), default=0)
    answered_at = models.DateTimeField(_("请求应答时间"), null=True, blank=True)
    qn_rtn = models.PositiveSmallIntegerField(_("请求应答(QnRtn)"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    exe_rtn = models.PositiveSmallIntegerField(_("执行结果(ExeRtn)"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("设备命令")
        verbose_name_plural = pgettext_lazy("plural", "设备命令")
        constraints = [
            # One open command of each kind per device: a second key or MN
            # while one is on its way would leave the outcome ambiguous.
            models.UniqueConstraint(
                fields=["device", "kind"],
                condition=Q(status__in=["PENDING", "SENT", "ACKNOWLEDGED"]),
                name="monitoring_command_one_open",
            ),
            models.CheckConstraint(
                condition=Q(new_sm4_key="") | Q(new_sm4_key__startswith="gl1$"),
                name="monitoring_command_key_encrypted",
            ),
        ]
        indexes = [models.Index(fields=["status", "device"], name="monitoring_command_open")]

    def __str__(self) -> str:
        return f"{self.device} {self.kind} {self.qn}"
