from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "greenloop.quality"
    label = "quality"
    verbose_name = _("环境质量")
    default_auto_field = "django.db.models.BigAutoField"
