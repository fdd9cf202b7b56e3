"""Case pages under /cases/ (namespace ``cases``)."""

from __future__ import annotations

from django.urls import path

from greenloop.cases.views import detail, lists, register

urlpatterns = [
    path("", lists.case_list, name="list"),
    path("new/", register.case_new, name="new"),
    path("inbox/", lists.inbox, name="inbox"),
    path("overdue/", lists.overdue, name="overdue"),
    path("bulk-assign/", lists.bulk_assign, name="bulk_assign"),
    path("bulk-assign/form/", lists.bulk_assign_form, name="bulk_assign_form"),
    path("views/", lists.save_view, name="save_view"),
    path("views/<int:pk>/delete/", lists.delete_view, name="delete_view"),
    path("<int:pk>/", detail.case_detail, name="detail"),
    path("<int:pk>/actions/<slug:action>/", detail.case_act, name="act"),
    path("<int:pk>/progress/", detail.case_progress, name="progress"),
    path("<int:pk>/comments/", detail.case_comment, name="comment"),
    path("<int:pk>/instructions/", detail.case_instruct, name="instruct"),
    path("<int:pk>/milestones/", detail.milestone_add, name="milestone_add"),
    path(
        "<int:pk>/milestones/<int:milestone_id>/done/",
        detail.milestone_done,
        name="milestone_done",
    ),
    path("<int:pk>/files/<int:attachment_id>/", detail.attachment, name="attachment"),
]
