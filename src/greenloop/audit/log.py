"""Writing to the audit log."""

from __future__ import annotations

import contextvars
from typing import Any

from django.utils.translation import gettext_lazy as _

from greenloop.audit.models import AuditEvent

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)

ACTION_LABELS = {
    "greenloop.auth.login": _("登录成功"),
    "greenloop.auth.login_failed": _("登录失败"),
    "greenloop.auth.logout": _("退出登录"),
    "greenloop.auth.locked_out": _("账号锁定"),
    "greenloop.auth.unlocked": _("解除账号锁定"),
    "greenloop.auth.password_changed": _("修改密码"),
    "greenloop.org.role.granted": _("授予角色"),
    "greenloop.org.role.revoked": _("撤销角色"),
    "greenloop.org.account.created": _("创建账号"),
    "greenloop.org.account.disabled": _("停用账号"),
    "greenloop.org.import.committed": _("导入组织数据"),
    "greenloop.org.duties.published": _("发布责任清单"),
    "greenloop.org.duty_template.added": _("新增责任清单模板条目"),
    "greenloop.org.duty_template.changed": _("修改责任清单模板条目"),
    "greenloop.org.duty_template.removed": _("删除责任清单模板条目"),
    "greenloop.admin.addition": _("后台新增"),
    "greenloop.admin.change": _("后台修改"),
    "greenloop.admin.deletion": _("后台删除"),
    "greenloop.monitoring.device.registered": _("登记监测设备"),
    "greenloop.monitoring.device.accepted": _("接入监测设备"),
    "greenloop.monitoring.device.disabled": _("停用监测设备"),
    "greenloop.cases.ledger.imported": _("导入问题台账"),
    "greenloop.cases.ledger.exported": _("导出问题台账"),
    "greenloop.api.token.issued": _("签发API令牌"),
    "greenloop.api.token.revoked": _("吊销API令牌"),
}


def record(action: str, *, actor: Any = None, target: str = "", data: dict[str, Any] | None = None,
           actor_name: str = "") -> AuditEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        action=action,
        target=target[:200],
        data=data or {},
        ip=current_ip.get(),
    )
