# The per-case stage totals (a table of their own, backfilled from the stays
# of cases.0007) and the tally of the figures per group, which starts "not
# built": the first request that reads it recounts it from the cases
# (greenloop.cases.tally.rebuild); until then the statistics scan the cases,
# as before. Names are copied, not
# imported: a migration must keep working when the code moves on.

import django.db.models.deletion
from django.db import migrations, models

STAGES = (
    "REGISTERED",
    "ASSIGNED",
    "RECTIFYING",
    "ACCEPTANCE_REQUESTED",
    "ACCEPTED",
    "RECHECKED",
    "UNFOUNDED",
)
OPEN = ["ACCEPTANCE_REQUESTED", "ACCEPTED", "ASSIGNED", "RECHECKED", "RECTIFYING", "REGISTERED"]
SOURCES = (
    "CENTRAL_FEEDBACK",
    "PROVINCIAL_FEEDBACK",
    "INSPECTION_PETITION",
    "PUBLIC_REPORT",
    "HOTLINE_12369",
    "PATROL",
    "MONITORING_ALERT",
    "LEADER_ASSIGNMENT",
    "REVIEW_FINDING",
    "OTHER",
)
CATEGORIES = ("AIR", "WATER", "SOIL", "WASTE", "NOISE", "ECOLOGY", "RADIATION", "OTHER")
STATES = (
    "REGISTERED",
    "ASSIGNED",
    "RECTIFYING",
    "ACCEPTANCE_REQUESTED",
    "ACCEPTED",
    "RECHECKED",
    "CLOSED",
    "UNFOUNDED",
    "DUPLICATE",
)
TOTALS = (
    *(f"stays_{s.lower()}" for s in STAGES),
    *(f"stay_micros_{s.lower()}" for s in STAGES),
    "closures",
    "close_micros",
)
TALLY_FIGURES = (
    "total",
    "problems",
    "key",
    "duplicates",
    "unfounded",
    "to_rectify",
    "done",
    "closed_on_time",
    "should_disclose",
    "disclosed",
    "published",
    *(f"n_state_{v}" for v in STATES),
    *(f"n_source_{v}" for v in SOURCES),
    *(f"n_category_{v}" for v in CATEGORIES),
    *TOTALS,
)


def backfill_stage_totals(apps, schema_editor):
    """Each case's totals are the sums of its ``CaseStageSpan`` rows, as the
    transition service adds them up from now on
    (greenloop.cases.services._transitions._record_stay): stays and their
    microseconds per stage, closures and microseconds from registration.
    One row per case with stays; cases that already have one are skipped,
    so running it again adds nothing.
    """
    connection = schema_editor.connection
    q = connection.ops.quote_name
    totals = q(apps.get_model("cases", "CaseStageTotals")._meta.db_table)
    span = q(apps.get_model("cases", "CaseStageSpan")._meta.db_table)
    columns, sums = [], []
    for state in STAGES:
        name = state.lower()
        columns += [f"stays_{name}", f"stay_micros_{name}"]
        sums.append(f"SUM(CASE WHEN state = '{state}' THEN 1 ELSE 0 END)")
        sums.append(f"SUM(CASE WHEN state = '{state}' THEN ROUND(seconds * 1000000) ELSE 0 END)")
    columns += ["closures", "close_micros"]
    sums.append("COUNT(seconds_since_registration)")
    sums.append("SUM(COALESCE(ROUND(seconds_since_registration * 1000000), 0))")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {totals} (case_id, {', '.join(columns)}) "  # noqa: S608 - fixed names
            f"SELECT case_id, {', '.join(sums)} FROM {span} "
            f"WHERE case_id NOT IN (SELECT case_id FROM {totals}) GROUP BY case_id"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_backfill_case_stage_spans"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseStageTotals",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="stage_totals",
                        serialize=False,
                        to="cases.case",
                    ),
                ),
                *(
                    (name, models.PositiveIntegerField(default=0))
                    if name.startswith("stays_") or name == "closures"
                    else (name, models.BigIntegerField(default=0))
                    for name in TOTALS
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state__in", sorted([*OPEN, "UNFOUNDED"]))),
                fields=["due_date"],
                name="cases_case_pending_due_idx",
            ),
        ),
        migrations.CreateModel(
            name="CaseTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lead_unit_id", models.BigIntegerField()),
                ("inspection_round_id", models.BigIntegerField()),
                ("bucket", models.CharField(max_length=39)),
                *((name, models.BigIntegerField(default=0)) for name in TALLY_FIGURES),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("lead_unit_id", "inspection_round_id", "bucket"),
                        name="cases_tally_group_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CaseTallyStatus",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("built", models.BooleanField(default=False)),
            ],
        ),
        migrations.RunPython(backfill_stage_totals, migrations.RunPython.noop, elidable=True),
    ]
