"""Robot webhooks (DingTalk, WeCom) that hear about cases, and the log of
every message posted to them.

Targets are configuration as data: the system administrator keeps them in
the Django admin. Deliveries are written by
:mod:`greenloop.cases.notifications` only; the admin shows them read-only
and without the message body, which carries case content (三员分立).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from greenloop.cases.models.case import Case
from greenloop.cases.models.timeline import CaseEvent
from greenloop.org.models import Region, Unit
from greenloop.org.roles import translated_choices


class WebhookKind(models.TextChoices):
    DINGTALK = "DINGTALK", gettext_noop("钉钉群机器人")
    WECOM = "WECOM", gettext_noop("企业微信群机器人")


class WebhookEvent(models.TextChoices):
    """What a target can subscribe to."""

    ASSIGNED = "ASSIGNED", gettext_noop("交办")
    SENT_BACK = "SENT_BACK", gettext_noop("验收/复核退回")
    OVERDUE = "OVERDUE", gettext_noop("红牌（逾期）提醒")
    DUE_SOON = "DUE_SOON", gettext_noop("黄牌（临期）提醒")
    REOPENED = "REOPENED", gettext_noop("重新整改（回头看反弹）")
    INSTRUCTED = "INSTRUCTED", gettext_noop("领导批示")


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", gettext_noop("待发送")
    SENT = "SENT", gettext_noop("已发送")
    FAILED = "FAILED", gettext_noop("发送失败（待重试）")
    GAVE_UP = "GAVE_UP", gettext_noop("发送失败（已放弃）")


def validate_webhook_events(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("请至少选择一种通知事件"))
    unknown = [v for v in value if v not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("未知的通知事件：%(events)s") % {"events": ", ".join(map(str, unknown))}
        )


class WebhookTarget(models.Model):
    """A group robot and which cases it hears about.

    ``region`` narrows it to cases in that region's subtree, ``unit`` to
    cases that unit leads or takes part in (responsible, cooperating); both
    empty means every case.
    """

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=10, choices=translated_choices(WebhookKind))
    # The robot's address carries its access token: treat it as a secret.
    url = models.CharField(
        _("Webhook地址"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("机器人的完整Webhook地址（含access_token或key）"),
    )
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人安全设置“加签”的密钥（SEC开头）；未启用加签则留空"),
    )
    keyword = models.CharField(
        _("自定义关键词"),
        max_length=20,
        blank=True,
        help_text=_("钉钉机器人安全设置“自定义关键词”之一；消息中没有时自动附上"),
    )
    events = models.JSONField(_("通知事件"), default=list, validators=[validate_webhook_events])
    region = models.ForeignKey(
        Region,
        verbose_name=_("限定区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("只通知该区域（含下级）的问题；留空为全部区域"),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("限定单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("只通知该单位牵头、责任或配合的问题；留空为全部单位"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("Webhook通知")
        verbose_name_plural = pgettext_lazy("plural", "Webhook通知")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=WebhookKind.values), name="cases_webhook_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One message to one target, with every attempt's outcome.

    ``payload`` is the message body as first rendered, so a retry sends what
    was true at the time; a DingTalk signature is computed afresh on every
    attempt (it expires after an hour). ``dedup_key`` makes reminders once
    per case, day and target.
    """

    target = models.ForeignKey(
        WebhookTarget,
        verbose_name=_("通知目标"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="+"
    )
    case_event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField(_("通知事件"), max_length=12, choices=translated_choices(WebhookEvent))
    dedup_key = models.CharField(max_length=80, blank=True, editable=False)
    payload = models.JSONField(default=dict, editable=False)
    status = models.CharField(
        _("状态"),
        max_length=8,
        choices=translated_choices(DeliveryStatus),
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送成功时间"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("HTTP状态码"), null=True, blank=True)
    response_body = models.CharField(_("响应内容（节选）"), max_length=500, blank=True)
    error = models.CharField(_("错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Webhook投递记录")
        verbose_name_plural = pgettext_lazy("plural", "Webhook投递记录")
        indexes = [
            # retry_failed_deliveries(): what is due, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["PENDING", "FAILED"]),
                name="cases_webhook_due_idx",
            ),
            # The per-target rate window and circuit breaker.
            models.Index(fields=["target", "last_attempt_at"], name="cases_webhook_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="cases_webhook_status_valid"
            ),
            # One reminder per case, day and target, even with two runs at once.
            models.UniqueConstraint(
                fields=["target", "dedup_key"],
                condition=~Q(dedup_key=""),
                name="cases_webhook_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.event} #{self.case_id} {self.status}"
