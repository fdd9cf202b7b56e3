"""The channels' default time limits, as rows the admin can change.

Copied here (not imported) so the migration stays what it was: see
docs/decisions/0011-petition-time-limits.md for the figures.
"""

from django.db import migrations

DEFAULTS = [
    ("INSPECTION", 15, "督察组交办信访件：按督察组要求限期办结并公开（边督边改）"),
    ("WEB", 30, "网上举报：本市规定，短于《信访工作条例》第三十二条的60日"),
    ("HOTLINE", 30, "12369环保举报热线：本市规定，短于《信访工作条例》第三十二条的60日"),
    ("LETTER", 60, "《信访工作条例》第三十二条：自受理之日起60日内办结"),
    ("VISIT", 60, "《信访工作条例》第三十二条：自受理之日起60日内办结"),
    ("OTHER", 60, "《信访工作条例》第三十二条：自受理之日起60日内办结"),
]


def add_defaults(apps, schema_editor):
    ChannelPolicy = apps.get_model("complaints", "ChannelPolicy")
    for channel, days, basis in DEFAULTS:
        ChannelPolicy.objects.get_or_create(
            channel=channel, defaults={"time_limit_days": days, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_petitions")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
