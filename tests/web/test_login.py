from __future__ import annotations

from django.conf import settings

from greenloop.audit.models import AuditEvent
from tests.conftest import PASSWORD


def test_wrong_password_shows_a_chinese_message_and_is_audited(city, client):
    response = client.post("/accounts/login/", {"username": "county_user", "password": "wrong-password"})

    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="greenloop.auth.login_failed", actor_name="county_user").count() == 1


def test_right_password_logs_in_lands_on_home_and_is_audited(city, client):
    response = client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD}, follow=True)

    assert "您好，李铁西" in response.content.decode()
    assert AuditEvent.objects.filter(action="greenloop.auth.login", actor=city.users["county_user"]).exists()


def test_repeated_failures_lock_the_account_even_for_the_right_password(city, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "county_user", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})

    assert response.status_code == 429
    assert "账号已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sessions_expire_after_inactivity_and_at_browser_close(city, client):
    client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})

    assert client.session.get_expire_at_browser_close()
    assert settings.SESSION_COOKIE_AGE == 8 * 3600


def test_an_expired_session_sends_the_user_back_to_login(city, client):
    client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})
    session = client.session
    session.set_expiry(-1)
    session.save()

    response = client.get("/org/regions/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_logout_needs_a_post_and_is_audited(city, login):
    client = login(city.users["county_user"])

    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")

    assert AuditEvent.objects.filter(action="greenloop.auth.logout").exists()
    assert client.get("/").status_code == 302


def test_login_page_lists_demo_accounts_only_in_demo_mode(city, client, settings):
    settings.DEMO_MODE = False
    assert "演示账号" not in client.get("/accounts/login/").content.decode()

    settings.DEMO_MODE = True
    assert "演示账号" in client.get("/accounts/login/").content.decode()


def test_pages_are_chinese_by_default_and_english_on_request(city, client):
    zh = client.get("/accounts/login/")
    en = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert zh["Content-Language"] == "zh-hans"
    assert en["Content-Language"] == "en"


def test_security_administrator_releases_a_locked_account_and_it_is_audited(city, client, login):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "county_user", "password": "wrong-password"})
    admin = login(city.users["secadmin"])

    assert "county_user" in admin.get("/accounts/lockouts/").content.decode()
    admin.post("/accounts/lockouts/", {"username": "county_user"})
    admin.logout()

    response = client.post("/accounts/login/", {"username": "county_user", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="greenloop.auth.unlocked", target="county_user").exists()


def test_only_the_security_administrator_opens_the_lockout_page(city, login):
    assert login(city.users["sysadmin"]).get("/accounts/lockouts/").status_code == 403
    assert login(city.users["auditor"]).get("/accounts/lockouts/").status_code == 403


def test_a_user_changes_their_password_under_the_validators(city, login):
    client = login(city.users["county_user"])

    weak = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    strong = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Qing-Shan-Lv-Shui-9", "new_password2": "Qing-Shan-Lv-Shui-9"})

    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    assert strong.status_code == 302
    city.users["county_user"].refresh_from_db()
    assert city.users["county_user"].check_password("Qing-Shan-Lv-Shui-9")
    assert AuditEvent.objects.filter(action="greenloop.auth.password_changed").exists()
