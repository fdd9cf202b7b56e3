"""三员分立: the system administrator, the security administrator and the
auditor are separate, and each can do only their own part."""

from __future__ import annotations

import pytest

from greenloop.audit.log import record
from greenloop.audit.models import AuditEvent
from greenloop.org.models import RoleGrant
from greenloop.org.roles import Role
from greenloop.org.services import UnableToGrantRole, grant_role


def test_one_person_cannot_hold_two_of_the_three_administrator_roles(city):
    with pytest.raises(UnableToGrantRole, match="三员分立"):
        grant_role(person=city.people["sysadmin"], role=Role.AUDITOR)

    assert set(RoleGrant.objects.filter(person=city.people["sysadmin"]).values_list("role", flat=True)) == {Role.SYSADMIN}


def test_system_administrator_cannot_read_the_audit_log(city, login):
    client = login(city.users["sysadmin"])

    assert client.get("/audit/").status_code == 403


def test_auditor_reads_the_audit_log_with_the_administrators_actions(city, login):
    record("greenloop.admin.change", actor=city.users["sysadmin"], target="单位: 铁西区人民政府")
    client = login(city.users["auditor"])

    page = client.get("/audit/").content.decode()

    assert "后台修改" in page and "sysadmin" in page


def test_auditor_cannot_see_or_change_organisation_data(city, login):
    client = login(city.users["auditor"])

    assert client.get(f"/org/units/{city.county_gov.pk}/").status_code == 404
    assert client.get("/org/people/").status_code == 403
    assert client.get("/api/v1/units").status_code == 403
    assert client.get("/admin/").status_code == 404


def test_only_the_system_administrator_opens_the_django_admin(city, login):
    city.users["sysadmin"].is_staff = True
    city.users["sysadmin"].save()

    assert login(city.users["sysadmin"]).get("/admin/").status_code == 200
    assert login(city.users["dispatcher"]).get("/admin/").status_code == 404
    assert login(city.users["secadmin"]).get("/admin/").status_code == 404


def test_security_administrator_grants_roles_and_the_grant_is_audited(city, login):
    target = city.people["county_user"]
    client = login(city.users["secadmin"])

    response = client.post(f"/org/people/{target.pk}/", {"action": "grant", "role": Role.ACCEPTANCE})

    assert response.status_code == 302
    assert RoleGrant.objects.filter(person=target, role=Role.ACCEPTANCE).exists()
    event = AuditEvent.objects.get(action="greenloop.org.role.granted", actor=city.users["secadmin"])
    assert event.target.startswith("李铁西") and event.data == {"role": Role.ACCEPTANCE}


def test_system_administrator_cannot_grant_roles(city, login):
    target = city.people["county_user"]

    response = login(city.users["sysadmin"]).post(f"/org/people/{target.pk}/", {"action": "grant", "role": Role.DISPATCHER})

    assert response.status_code == 403
    assert not RoleGrant.objects.filter(person=target, role=Role.DISPATCHER).exists()


def test_the_audit_log_cannot_be_edited_or_deleted(city):
    event = record("greenloop.auth.login", actor=city.users["dispatcher"])

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")
    assert AuditEvent.objects.filter(pk=event.pk, action="greenloop.auth.login").exists()
