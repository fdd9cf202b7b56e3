"""Refuse clear-text secrets in the database from now on (after 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_encrypt_device_secrets")]

    operations = [
        migrations.AddConstraint(
            model_name="device",
            constraint=models.CheckConstraint(
                condition=models.Q(("password", ""), ("password__startswith", "gl1$"), _connector="OR"),
                name="monitoring_device_password_encrypted",
            ),
        ),
        migrations.AddConstraint(
            model_name="device",
            constraint=models.CheckConstraint(
                condition=models.Q(("sm4_key", ""), ("sm4_key__startswith", "gl1$"), _connector="OR"),
                name="monitoring_device_sm4_key_encrypted",
            ),
        ),
    ]
