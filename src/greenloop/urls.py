from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from greenloop.api import api
from greenloop.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/lockouts/", views.lockouts, name="lockouts"),
    path("audit/", views.audit_log, name="audit_log"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("greenloop.org.urls")),
    path("cases/", include("greenloop.cases.urls")),
    path("monitoring/", include("greenloop.monitoring.urls")),
    path("quality/", include("greenloop.quality.urls")),
    path("complaints/", include("greenloop.complaints.urls")),
    path("captcha/", include("captcha.urls")),
    path("public/", include("greenloop.org.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "greenloop.web.views.forbidden"
handler404 = "greenloop.web.views.not_found"
