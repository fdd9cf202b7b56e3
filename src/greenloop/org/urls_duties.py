"""Responsibility lists (责任清单) and 包保 visits, in the ``org`` namespace."""

from __future__ import annotations

from django.urls import URLPattern, path
from django.views.generic import RedirectView

from greenloop.org.views import baobao, duties

urlpatterns: list[URLPattern] = [
    path("duties/", duties.duty_lists, name="duty_lists"),
    path("duties/templates/", duties.duty_templates, name="duty_templates"),
    path("duties/templates/add/", duties.duty_template_add, name="duty_template_add"),
    path(
        "duties/templates/generate/", duties.duty_templates_generate, name="duty_templates_generate"
    ),
    path("duties/templates/<int:tpk>/", duties.duty_template_change, name="duty_template_change"),
    path(
        "duties/templates/<int:tpk>/remove/",
        duties.duty_template_remove,
        name="duty_template_remove",
    ),
    path("units/<int:pk>/duties/edit/", duties.duty_edit, name="duty_edit"),
    path("units/<int:pk>/duties/draft/", duties.duty_draft, name="duty_draft"),
    path("units/<int:pk>/duties/add/", duties.duty_add, name="duty_add"),
    path("units/<int:pk>/duties/publish/", duties.duty_publish, name="duty_publish"),
    path("units/<int:pk>/duties/<int:duty_pk>/", duties.duty_row, name="duty_row"),
    path("units/<int:pk>/duties/<int:duty_pk>/change/", duties.duty_change, name="duty_change"),
    path("units/<int:pk>/duties/<int:duty_pk>/remove/", duties.duty_remove, name="duty_remove"),
    path("units/<int:pk>/duties.<str:fmt>", duties.duty_export, name="duty_export"),
    # The public page lives at /public/duties/<pk>/ (no login, no namespace);
    # this name keeps links inside the org namespace working.
    path(
        "units/<int:pk>/duties/public/",
        RedirectView.as_view(pattern_name="public_duty_list"),
        name="duty_list_public",
    ),
    path("baobao/", baobao.baobao, name="baobao"),
    path("baobao/<int:pk>/", baobao.baobao_detail, name="baobao_detail"),
]
