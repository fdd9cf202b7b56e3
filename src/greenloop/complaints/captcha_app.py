"""django-simple-captcha, installed without its translations.

The library ships a zh_Hans catalogue that also translates Django's own
"This field is required." (as 这个字段是必须的). App catalogues take
precedence over Django's, so installing it as is would change that message
on every form of the site. This AppConfig roots the app at a folder without
``locale/`` (``captcha_support/``); its models, migrations and views load
from the ``captcha`` package as usual, and its widget template is replaced
by ``complaints/templates/captcha/widgets/captcha.html`` (Chinese text).
"""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaptchaConfig(AppConfig):
    name = "captcha"
    label = "captcha"
    verbose_name = _("验证码")
    default_auto_field = "django.db.models.AutoField"
    path = str(Path(__file__).resolve().parent / "captcha_support")
