from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "greenloop.complaints"
    label = "complaints"
    verbose_name = _("信访举报")
    default_auto_field = "django.db.models.BigAutoField"
