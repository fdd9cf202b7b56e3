"""Latest values: one row per (device, CN) with every factor, instead of one
row per factor (docs/gateway.md, "Throughput"). The rows are derived data:
the old ones are dropped and the new ones rebuilt from the last two hours of
the inbox (every device uploads at least hourly); anything older fills in
with each device's next packet."""

from datetime import timedelta

from django.db import migrations, models

REBUILD_HOURS = 2


def rebuild(apps, schema_editor):  # type: ignore[no-untyped-def]
    inbox = apps.get_model("monitoring", "InboxPacket")
    latest = apps.get_model("monitoring", "LatestValue")
    device = apps.get_model("monitoring", "Device")
    newest = inbox.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    if newest is None:
        return
    sites = dict(device.objects.values_list("pk", "site_id"))
    rows: dict[tuple[int, str], dict] = {}
    recent = (
        inbox.objects.filter(received_at__gte=newest - timedelta(hours=REBUILD_HOURS))
        .order_by("received_at", "pk")
        .values_list("device_id", "cn", "data_time", "received_at", "pollutants")
    )
    for device_id, cn, data_time, received_at, pollutants in recent.iterator(chunk_size=5000):
        at = data_time or received_at
        row = rows.setdefault(
            (device_id, cn), {"values": {}, "times": {}, "at": at, "data": data_time, "recv": received_at}
        )
        if at < row["at"]:
            continue
        row.update(at=at, data=data_time, recv=received_at)
        for code, fields in (pollutants or {}).items():
            if isinstance(fields, dict):
                row["values"][code[:16]] = fields
                row["times"][code[:16]] = at.timestamp()
    latest.objects.bulk_create(
        [
            latest(
                device_id=device_id,
                site_id=sites.get(device_id),
                cn=cn,
                values=row["values"],
                factor_times=row["times"],
                data_time=row["data"],
                received_at=row["recv"],
            )
            for (device_id, cn), row in rows.items()
        ],
        batch_size=1000,
    )


def clear(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("monitoring", "LatestValue").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_device_secrets_encrypted_constraints")]

    operations = [
        migrations.RunPython(clear, clear),
        migrations.RemoveConstraint(model_name="latestvalue", name="monitoring_latest_once"),
        migrations.RemoveIndex(model_name="latestvalue", name="monitoring_latest_site"),
        migrations.RemoveField(model_name="latestvalue", name="factor_code"),
        migrations.RemoveField(model_name="latestvalue", name="field"),
        migrations.RemoveField(model_name="latestvalue", name="value"),
        migrations.RemoveField(model_name="latestvalue", name="value_text"),
        migrations.RemoveField(model_name="latestvalue", name="flag"),
        migrations.RemoveField(model_name="latestvalue", name="fields"),
        migrations.AddField(
            model_name="latestvalue", name="values", field=models.JSONField(default=dict)
        ),
        migrations.AddField(
            model_name="latestvalue", name="factor_times", field=models.JSONField(default=dict)
        ),
        migrations.AddConstraint(
            model_name="latestvalue",
            constraint=models.UniqueConstraint(
                fields=("device", "cn"), name="monitoring_latest_once"
            ),
        ),
        migrations.AddIndex(
            model_name="latestvalue",
            index=models.Index(fields=["site", "cn"], name="monitoring_latest_site"),
        ),
        migrations.RunPython(rebuild, clear),
    ]
