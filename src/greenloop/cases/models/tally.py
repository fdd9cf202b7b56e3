"""The case figures kept per group, for the readers with a territory.

Written by :mod:`greenloop.cases.tally` only, in the transaction of each
change to a case; read by :func:`greenloop.cases.statistics.case_statistics`
(docs/cases-statistics.md, "Where it is computed").
"""

from __future__ import annotations

from django.db import models

from greenloop.cases.models.case import STAGE_TOTAL_FIELDS, CaseCategory, CaseSource, CaseState

# The figures of a group that do not depend on the day: the names of
# greenloop.cases.statistics.kept_aggregates() (a test holds them equal).
TALLY_FIGURES: tuple[str, ...] = (
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
    *(f"n_state_{v}" for v in CaseState.values),
    *(f"n_source_{v}" for v in CaseSource.values),
    *(f"n_category_{v}" for v in CaseCategory.values),
    *STAGE_TOTAL_FIELDS,
)


class CaseTally(models.Model):
    """The figures of :data:`TALLY_FIGURES` of every case of one group:
    lead unit, inspection round and the region path cut after its third
    level (the case's town, or its own region when higher) — fine enough
    for the region table of the city (counties) and of a county (towns).

    Plain ids, not foreign keys: a group whose cases all moved away keeps a
    row of zeros, which must not hold on to its unit or round. 0 stands
    for none (no lead unit, no round), so the key is unique on every
    database.
    """

    lead_unit_id = models.BigIntegerField()
    inspection_round_id = models.BigIntegerField()
    bucket = models.CharField(max_length=39)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead_unit_id", "inspection_round_id", "bucket"],
                name="cases_tally_group_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_unit_id}/{self.inspection_round_id}/{self.bucket}"


for _name in TALLY_FIGURES:
    CaseTally.add_to_class(_name, models.BigIntegerField(default=0))


class CaseTallyStatus(models.Model):
    """One row: whether the tally holds the figures of every case now.

    Not built (no row) after the migration that created it, and False
    after a region changed its path (its cases may now lie in another
    group); :func:`greenloop.cases.tally.rebuild` recounts it.
    """

    built = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"built={self.built}"
