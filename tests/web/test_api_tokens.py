from __future__ import annotations

from greenloop.org.models import ApiToken


def test_a_token_gives_the_api_the_same_scope_as_the_user(city, client):
    _, raw = ApiToken.issue(user=city.users["county_user"], name="脚本")

    response = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200
    assert {u["code"] for u in response.json()["items"]} == {"U-TXGOV", "U-ZJJ-TX"}


def test_a_forged_token_is_refused_with_401(city, client):
    ApiToken.issue(user=city.users["county_user"], name="脚本")

    response = client.get("/api/v1/units", HTTP_AUTHORIZATION="Bearer glp_forged-token-value")

    assert response.status_code == 401
    assert response.json()["detail"] == "未登录或令牌无效"


def test_a_revoked_token_stops_working(city, login):
    token, raw = ApiToken.issue(user=city.users["county_user"], name="脚本")
    client = login(city.users["county_user"])
    client.post("/accounts/tokens/", {"action": "revoke", "token": token.pk})
    client.logout()

    response = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 401


def test_issuing_a_token_shows_it_once_and_stores_only_a_hash(city, login):
    client = login(city.users["county_user"])

    page = client.post("/accounts/tokens/", {"action": "issue", "name": "数据对接"}).content.decode()

    token = ApiToken.objects.get(user=city.users["county_user"])
    raw = page.split("<code>")[1].split("</code>")[0]
    assert raw.startswith("glp_") and token.digest == ApiToken.digest_of(raw)
    assert raw not in str(ApiToken.objects.values_list())


def test_openapi_schema_and_docs_are_served(city, client):
    schema = client.get("/api/v1/openapi.json")

    assert schema.status_code == 200
    assert "/api/v1/regions" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_forms_that_change_state_are_refused_without_the_csrf_token(city):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(city.users["county_user"], backend="django.contrib.auth.backends.ModelBackend")

    response = client.post("/accounts/tokens/", {"action": "issue", "name": "x"})

    assert response.status_code == 403
