"""The case figures kept per group, for the readers with a territory.

The statistics (docs/cases-statistics.md) are sums over the cases a reader
sees. Recounting the 100,000 cases of a city at each request costs
hundreds of milliseconds, so ``CaseTally`` keeps, per lead unit, inspection
round and town (the region path cut after its third level), every figure
that does not depend on the day (:func:`greenloop.cases.statistics.kept_aggregates`),
and the services keep it **in the transaction of every change** to a case:

* :func:`track` around a change: lock the cases, take their share of the
  figures (the same aggregates, over those cases only), make the change,
  take their share again and add the difference to their groups' rows;
* :func:`add` after registering or importing cases.

The share is computed by the statistics' own aggregates, so the tally
equals a recount by construction; ``tests/cases/test_case_tally.py`` checks
it against :func:`recount` after every kind of change.

A reader whose territory is the city or a county, without filters, gets
(:func:`rows`, one statement, so one snapshot): the tally's groups within
the territory; the two figures that depend on the day (``overdue``, part
of ``due``), counted over the open cases they see whose deadline has
passed; and the figures of the cases they see outside their territory
(``access_rules.beyond_territory_q``: cases their units lead or take part
in elsewhere), counted.

The tally follows each case's region path: a region that changes its path
(moved under another parent) marks it as not built
(:func:`region_path_changing`), and the next request that would read it
recounts it (:func:`rebuild`) — until then, and whenever it is not built,
the statistics scan the cases as for every other reader. Nothing else
writes cases: writers outside the services (bench fixtures, tests that
build rows directly) call :func:`rebuild`.

Changes to cases of one group at the same moment wait for each other on
its row until the first transaction ends (rows are locked in one order,
so two changes never wait for each other in a circle).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Substr
from django.utils import timezone

from greenloop.cases import statistics
from greenloop.cases.models import TALLY_FIGURES, Case, CaseTally, CaseTallyStatus
from greenloop.org.models import Region

# Region codes have 12 digits, so a path cut after its third level is 39
# characters long (13 per level): the town a case lies in, whatever its root.
BUCKET_WIDTH = 39

Key = tuple[int, int, str]


def _grouped(cases: QuerySet[Any]) -> QuerySet[Any]:
    return (
        cases.order_by()
        .annotate(bucket=Substr(F("region__path"), 1, BUCKET_WIDTH))
        .values("lead_unit", "inspection_round", "bucket")
        .annotate(**statistics.kept_aggregates())
    )


def _keyed(rows: Iterable[dict[str, Any]]) -> dict[Key, dict[str, int]]:
    return {
        (r["lead_unit"] or 0, r["inspection_round"] or 0, r["bucket"]): {
            n: int(r[n] or 0) for n in TALLY_FIGURES
        }
        for r in rows
    }


def recount(cases: QuerySet[Any] | None = None) -> dict[Key, dict[str, int]]:
    """The kept figures of ``cases`` (default: every case) per group,
    counted from the cases."""
    return _keyed(_grouped(Case.objects.all() if cases is None else cases))


# The statement of _share per database, time zone (closure dates are
# Beijing dates) and number of ids: its parameters, and where the ids go.
# Only for the few ids of one change; an imported ledger compiles its own.
_SHARES: dict[tuple[str, str, int], tuple[str, list[Any], list[int]]] = {}
_KEPT_UP_TO = 8


def _share(ids: list[int]) -> dict[Key, dict[str, int]]:
    """:func:`recount` of the cases ``ids``: their share of the tally.

    Made twice in every change, so its statement is compiled once per
    number of ids and kept: building some sixty aggregates costs the ORM
    several times what the database then takes to run them over one case.
    """
    if len(ids) > _KEPT_UP_TO:
        return recount(Case.objects.filter(pk__in=ids))
    key = (connection.alias, timezone.get_current_timezone_name(), len(ids))
    if key not in _SHARES:
        marks = [-(10**15) - i for i in range(len(ids))]
        sql, params = _grouped(Case.objects.filter(pk__in=marks)).query.sql_with_params()
        _SHARES[key] = (sql, list(params), [list(params).index(m) for m in marks])
    sql, template, positions = _SHARES[key]
    params = list(template)
    for position, pk in zip(positions, ids, strict=True):
        params[position] = pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return _keyed(dict(zip(names, row, strict=True)) for row in cursor.fetchall())


def kept() -> dict[Key, dict[str, int]]:
    """The tally as stored, without the groups that hold no case."""
    return {
        (r["lead_unit_id"], r["inspection_round_id"], r["bucket"]): {n: r[n] for n in TALLY_FIGURES}
        for r in CaseTally.objects.filter(total__gt=0).values()
    }


def _apply(after: dict[Key, dict[str, int]], before: dict[Key, dict[str, int]]) -> None:
    for lead, round_, bucket in sorted(set(after) | set(before)):
        new, old = after.get((lead, round_, bucket), {}), before.get((lead, round_, bucket), {})
        delta = {n: new.get(n, 0) - old.get(n, 0) for n in TALLY_FIGURES}
        delta = {n: d for n, d in delta.items() if d}
        if not delta:
            continue
        group = CaseTally.objects.filter(
            lead_unit_id=lead, inspection_round_id=round_, bucket=bucket
        )
        add = {n: F(n) + d for n, d in delta.items()}
        if group.update(**add):
            continue
        try:
            with transaction.atomic():
                CaseTally.objects.create(
                    lead_unit_id=lead, inspection_round_id=round_, bucket=bucket, **delta
                )
        except IntegrityError:
            # Another transaction created the group meanwhile.
            group.update(**add)


@contextmanager
def track(case_ids: Iterable[int]) -> Iterator[None]:
    """Keep the tally while the block changes the cases ``case_ids``.

    Inside the transaction of the change. The cases are locked first (in
    id order), so their share read before the change is the one the change
    starts from.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("tally.track() belongs inside the transaction of the change")
    ids = sorted(set(case_ids))
    list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    before = _share(ids)
    yield
    _apply(_share(ids), before)


def add(case_ids: Iterable[int]) -> None:
    """Count new cases (registered or imported, in this transaction)."""
    if not connection.in_atomic_block:
        raise RuntimeError("tally.add() belongs inside the transaction of the change")
    ids = sorted(set(case_ids))
    added: dict[Key, dict[str, int]] = {}
    # In chunks: an imported ledger may bring more ids than a statement
    # takes parameters (SQLite).
    for start in range(0, len(ids), _CHUNK):
        for key, figures in _share(ids[start : start + _CHUNK]).items():
            into = added.setdefault(key, dict.fromkeys(figures, 0))
            for name, n in figures.items():
                into[name] += n
    _apply(added, {})


_CHUNK = 5000


def rebuild() -> None:
    """Recount the tally from the cases and mark it built.

    On PostgreSQL the tally is locked against writers first (readers go
    on): a change that already wrote to it has committed before the
    recount starts, one that has not yet waits and then adds its
    difference to the recounted rows.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {connection.ops.quote_name(CaseTally._meta.db_table)} "
                    "IN EXCLUSIVE MODE"
                )
        CaseTally.objects.all().delete()
        CaseTally.objects.bulk_create(
            (
                CaseTally(lead_unit_id=lead, inspection_round_id=round_, bucket=bucket, **figures)
                for (lead, round_, bucket), figures in sorted(recount().items())
            ),
            batch_size=500,
        )
        if not CaseTallyStatus.objects.update(built=True):
            CaseTallyStatus.objects.create(built=True)


def region_path_changing(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """``pre_save`` of ``Region``: a region whose path changes may take
    cases to another group; the tally is recounted before it is read
    again. (The org import repairs the paths below a moved region with
    ``bulk_update``, which sends no signal; it saves the moved region
    itself first, which does.)"""
    if raw or instance.pk is None:
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("path", flat=True).first()
    if stored is not None and stored != instance.path:
        CaseTallyStatus.objects.update(built=False)


# --- reading -------------------------------------------------------------------

_DAY_FIGURES = ("overdue", "due_pending")


def _arm(kind: str, query: QuerySet[Any], columns: dict[str, str]) -> tuple[str, list[Any]]:
    """``query`` (a values() query) as one arm of the UNION in :func:`rows`:
    the kind, the group, then every figure, 0 where ``query`` has none.
    ``columns`` names the query's own columns for the group."""
    q = connection.ops.quote_name
    sql, params = query.query.sql_with_params()
    have = set(query.query.annotations) | set(query.query.values_select)
    figures = [q(n) if n in have else "0" for n in (*TALLY_FIGURES, *_DAY_FIGURES)]
    group = [q(columns[c]) for c in ("lead_unit", "inspection_round", "bucket")]
    select = ", ".join([f"'{kind}'", *group, *figures])
    # Names from the models, values as parameters.
    return f"SELECT {select} FROM ({sql}) {q('arm_' + kind)}", list(params)  # noqa: S608


def rows(
    today: Any, *, cases: QuerySet[Any], parent: Region, beyond: Q
) -> list[dict[str, Any]] | None:
    """The rows :func:`greenloop.cases.statistics.case_statistics` adds up
    for a reader whose territory is ``parent`` (the city or a county) and
    who sees ``cases``: the territory plus the cases of ``beyond``
    (``access_rules.beyond_territory_q``). Per lead unit, round and child
    of ``parent``: the kept figures and ``overdue`` and ``due`` as of
    ``today``.

    Rebuilds the tally first when it is not built; None when it still is
    not, or when ``parent`` lies deeper than the tally's groups (the caller
    scans the cases).
    """
    width = len(parent.path) + 13
    if width > BUCKET_WIDTH:
        return None
    child = Substr(F("region__path"), 1, width)
    kept_query = (
        CaseTally.objects.filter(bucket__startswith=parent.path)
        .annotate(b=Substr("bucket", 1, width))
        .order_by()
        .values("lead_unit_id", "inspection_round_id", "b")
        .annotate(**{n: Sum(n) for n in TALLY_FIGURES})
    )
    day_query = (
        statistics.passed_deadlines(cases, today)
        .annotate(b=child)
        .order_by()
        .values("lead_unit", "inspection_round", "b")
        .annotate(**statistics.day_aggregates(today))
    )
    status = (
        CaseTallyStatus.objects.filter(built=True)
        .annotate(lead_unit=Value(0), inspection_round=Value(0), b=Value(""))
        .values("lead_unit", "inspection_round", "b")
    )
    own = {"lead_unit": "lead_unit", "inspection_round": "inspection_round", "bucket": "b"}
    arms = [
        _arm("b", status, own),
        _arm(
            "t",
            kept_query,
            {"lead_unit": "lead_unit_id", "inspection_round": "inspection_round_id", "bucket": "b"},
        ),
        _arm("d", day_query, own),
    ]
    if beyond != Q(pk__in=[]):
        beyond_query = (
            Case.objects.filter(beyond)
            .annotate(b=child)
            .order_by()
            .values("lead_unit", "inspection_round", "b")
            .annotate(**statistics.kept_aggregates())
        )
        arms.append(_arm("x", beyond_query, own))
    sql = " UNION ALL ".join(a for a, _p in arms)
    params = [p for _a, ps in arms for p in ps]
    for attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        if any(r[0] == "b" for r in found):
            break
        if attempt == 0:
            rebuild()
    else:
        return None
    names = (*TALLY_FIGURES, *_DAY_FIGURES)
    groups: dict[tuple[Any, Any, str], dict[str, Any]] = {}
    for kind, lead, round_, bucket, *figures in found:
        if kind == "b":
            continue
        key = (lead or None, round_ or None, bucket)
        row = groups.get(key)
        if row is None:
            row = groups[key] = {
                "lead_unit": key[0],
                "inspection_round": key[1],
                "bucket": bucket,
                **dict.fromkeys(names, 0),
            }
        for name, n in zip(names, figures, strict=True):
            row[name] += int(n or 0)
    result = []
    for row in groups.values():
        if not row["total"]:
            continue  # a group whose cases all moved to other groups
        row["due"] = row["n_state_CLOSED"] + row.pop("due_pending")
        result.append(row)
    return result
