"""Writing to the audit log."""

from __future__ import annotations

import contextvars
from typing import Any

from greenloop.audit.models import AuditEvent

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)

ACTION_LABELS = {
    "greenloop.auth.login": "登录成功",
    "greenloop.auth.login_failed": "登录失败",
    "greenloop.auth.logout": "退出登录",
    "greenloop.auth.locked_out": "账号锁定",
    "greenloop.auth.unlocked": "解除账号锁定",
    "greenloop.auth.password_changed": "修改密码",
    "greenloop.org.role.granted": "授予角色",
    "greenloop.org.role.revoked": "撤销角色",
    "greenloop.org.account.created": "创建账号",
    "greenloop.org.account.disabled": "停用账号",
    "greenloop.org.import.committed": "导入组织数据",
    "greenloop.org.duties.published": "发布责任清单",
    "greenloop.org.duty_template.added": "新增责任清单模板条目",
    "greenloop.org.duty_template.changed": "修改责任清单模板条目",
    "greenloop.org.duty_template.removed": "删除责任清单模板条目",
    "greenloop.admin.addition": "后台新增",
    "greenloop.admin.change": "后台修改",
    "greenloop.admin.deletion": "后台删除",
    "greenloop.api.token.issued": "签发API令牌",
    "greenloop.api.token.revoked": "吊销API令牌",
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
