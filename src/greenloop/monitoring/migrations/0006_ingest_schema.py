"""The ingestion tables tuned for their write rate
(docs/decisions/0019-ingest-schema.md): no index the unique constraints
already provide, no database foreign key on the inbox, and on PostgreSQL
room in each page of the rows updated in place (latest values, devices'
last-seen times) so their updates are HOT: no index entry per update."""

import django.db.models.deletion
from django.db import migrations, models

# (table, fillfactor): the latest values are rewritten every few seconds,
# the devices' times about as often; the rest of a device row rarely.
FILLFACTORS = (("monitoring_latestvalue", 50), ("monitoring_device", 70))


def set_fillfactors(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, percent in FILLFACTORS:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(percent)})")


def reset_fillfactors(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _ in FILLFACTORS:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0005_latest_values_per_command")]

    operations = [
        migrations.AlterField(
            model_name="inboxpacket",
            name="device",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="monitoring.device",
            ),
        ),
        migrations.AlterField(
            model_name="latestvalue",
            name="device",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="latest_values",
                to="monitoring.device",
            ),
        ),
        migrations.AlterField(
            model_name="latestvalue",
            name="site",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="latest_values",
                to="monitoring.site",
            ),
        ),
        migrations.RunPython(set_fillfactors, reset_fillfactors),
    ]
