# Data migration: the finished stays of the cases recorded before 0006, from
# their timelines, as the transition service records them from now on
# (greenloop.cases.services._transitions._record_stay). The helper is copied
# here, not imported: a migration must keep working when the code moves on.

import datetime as dt

from django.db import migrations

BATCH = 5000
REGISTERED = "REGISTERED"
CLOSED = "CLOSED"


def backfill_stage_spans(apps, schema_editor):
    """One ``CaseStageSpan`` per timeline entry that ended a stay.

    1. Read the state-changing entries (``to_state`` set: registration and
       transitions) of every case in order (case, ``at``, id), in chunks.
    2. An entry whose ``from_state`` is the state the case's previous such
       entry moved it into ends a stay in that state: from the previous
       entry's ``at`` to its own.
    3. On a stay ended by a move into ``CLOSED``, also the seconds since
       the case's earliest entry into ``REGISTERED``, if any.
    4. Entries that already have a stay are skipped, so running it again
       adds nothing.
    """
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseStageSpan = apps.get_model("cases", "CaseStageSpan")
    done = set(CaseStageSpan.objects.values_list("event_id", flat=True))
    entries = (
        CaseEvent.objects.exclude(to_state="")
        .order_by("case_id", "at", "pk")
        .values_list("pk", "case_id", "at", "from_state", "to_state")
    )
    pending = []
    current_case = None
    previous: tuple[dt.datetime, str] | None = None
    registered: dt.datetime | None = None
    for pk, case_id, at, from_state, to_state in entries.iterator(chunk_size=BATCH):
        if case_id != current_case:
            current_case, previous, registered = case_id, None, None
        if previous is not None and previous[1] == from_state and pk not in done:
            since = None
            if to_state == CLOSED and registered is not None:
                since = (at - registered).total_seconds()
            pending.append(
                CaseStageSpan(
                    case_id=case_id,
                    event_id=pk,
                    state=from_state,
                    started_at=previous[0],
                    ended_at=at,
                    seconds=(at - previous[0]).total_seconds(),
                    seconds_since_registration=since,
                )
            )
            if len(pending) >= BATCH:
                CaseStageSpan.objects.bulk_create(pending)
                pending = []
        if to_state == REGISTERED and registered is None:
            registered = at
        previous = (at, to_state)
    CaseStageSpan.objects.bulk_create(pending)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_case_stage_span"),
    ]

    operations = [
        migrations.RunPython(backfill_stage_spans, migrations.RunPython.noop, elidable=True),
    ]
