"""The figures the office reports, over any (already scoped) set of cases.

Definitions (also in docs/cases.md, where pages will link them):

* ``total`` — cases registered, duplicates included (as a batch is
  received: "91 cases");
* ``problems`` — the sum of ``problem_count`` over them ("100 problems");
* ``key`` — key cases (重点件), duplicates excluded;
* ``duplicates`` — merged into another case; counted once, there;
* ``unfounded`` — verified untrue (不属实), closed or not;
* ``to_rectify`` — neither duplicate nor unfounded ("61 needed
  rectification");
* ``done`` — of those, closed (销号) ("53 done");
* ``in_progress`` — ``to_rectify - done`` ("8 in progress");
* ``overdue`` — open cases whose next deadline has passed (red cards);
* ``due`` — cases that should be finished by ``today``: not duplicates, and
  closed or with a deadline before ``today``;
* ``closed_on_time`` — closed, and closed (Beijing date) on or before the
  deadline, or closed with no deadline (unfounded before assignment);
* ``on_time_rate = closed_on_time / due`` and ``completion_rate = done /
  to_rectify``, ``None`` when the denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db.models import Count, F, Q, Sum

from greenloop.cases.models import OPEN_STATES, CaseQuerySet, CaseState


class Summary(TypedDict):
    total: int
    problems: int
    key: int
    duplicates: int
    unfounded: int
    to_rectify: int
    done: int
    in_progress: int
    overdue: int
    due: int
    closed_on_time: int
    on_time_rate: float | None
    completion_rate: float | None


def summarize(cases: CaseQuerySet, today: dt.date) -> Summary:
    """All the figures in one query."""
    not_duplicate = ~Q(state=CaseState.DUPLICATE)
    to_rectify = not_duplicate & Q(is_unfounded=False)
    closed = Q(state=CaseState.CLOSED)
    # closed_at__date is the date in the current time zone (Asia/Shanghai).
    on_time = closed & (Q(due_date__isnull=True) | Q(closed_at__date__lte=F("due_date")))
    row = cases.order_by().aggregate(
        total=Count("pk"),
        problems=Sum("problem_count", default=0),
        key=Count("pk", filter=not_duplicate & Q(is_key=True)),
        duplicates=Count("pk", filter=~not_duplicate),
        unfounded=Count("pk", filter=Q(is_unfounded=True)),
        to_rectify=Count("pk", filter=to_rectify),
        done=Count("pk", filter=to_rectify & closed),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, next_due_date__lt=today)),
        due=Count("pk", filter=not_duplicate & (closed | Q(due_date__lt=today))),
        closed_on_time=Count("pk", filter=on_time),
    )
    return Summary(
        total=row["total"],
        problems=row["problems"],
        key=row["key"],
        duplicates=row["duplicates"],
        unfounded=row["unfounded"],
        to_rectify=row["to_rectify"],
        done=row["done"],
        in_progress=row["to_rectify"] - row["done"],
        overdue=row["overdue"],
        due=row["due"],
        closed_on_time=row["closed_on_time"],
        on_time_rate=row["closed_on_time"] / row["due"] if row["due"] else None,
        completion_rate=row["done"] / row["to_rectify"] if row["to_rectify"] else None,
    )
