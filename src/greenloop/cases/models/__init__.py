"""Models of the cases app, one module per topic."""

from __future__ import annotations

from greenloop.cases.models.accountability import AccountabilityForm, AccountabilityRecord
from greenloop.cases.models.case import (
    NUMBER_PREFIXES,
    OPEN_STATES,
    STAGE_STATES,
    STAGE_TOTAL_FIELDS,
    WORKING_STATES,
    Card,
    CardCounts,
    Case,
    CaseCategory,
    CaseMilestone,
    CaseNumberSequence,
    CaseQuerySet,
    CaseSource,
    CaseState,
    CaseUnit,
    FeedbackAspect,
    Tag,
    UnitRole,
    stay_micros_field,
    stays_field,
    yellow_card_days,
)
from greenloop.cases.models.disclosure import CaseDisclosure, DisclosureStatus
from greenloop.cases.models.inspection import InspectionBatch, InspectionRound, RoundKind
from greenloop.cases.models.review import ReviewCampaign, ReviewGroup, ReviewItem, ReviewOutcome
from greenloop.cases.models.saved_view import SavedView
from greenloop.cases.models.tally import TALLY_FIGURES, CaseTally, CaseTallyStatus
from greenloop.cases.models.timeline import (
    AttachmentKind,
    AttachmentPurpose,
    CaseAttachment,
    CaseEvent,
    CaseStageSpan,
    CaseStageTotals,
)

__all__ = [
    "NUMBER_PREFIXES",
    "OPEN_STATES",
    "STAGE_STATES",
    "STAGE_TOTAL_FIELDS",
    "TALLY_FIGURES",
    "WORKING_STATES",
    "AccountabilityForm",
    "AccountabilityRecord",
    "AttachmentKind",
    "AttachmentPurpose",
    "Card",
    "CardCounts",
    "Case",
    "CaseAttachment",
    "CaseCategory",
    "CaseDisclosure",
    "CaseEvent",
    "CaseMilestone",
    "CaseNumberSequence",
    "CaseQuerySet",
    "CaseSource",
    "CaseStageSpan",
    "CaseStageTotals",
    "CaseTally",
    "CaseTallyStatus",
    "CaseState",
    "CaseUnit",
    "DisclosureStatus",
    "FeedbackAspect",
    "InspectionBatch",
    "InspectionRound",
    "ReviewCampaign",
    "ReviewGroup",
    "ReviewItem",
    "ReviewOutcome",
    "RoundKind",
    "SavedView",
    "Tag",
    "UnitRole",
    "stay_micros_field",
    "stays_field",
    "yellow_card_days",
    "LedgerMapping",
]

from greenloop.cases.models.ledger import LedgerMapping  # noqa: E402

# --- robot webhooks (issue 3, item 4)
from greenloop.cases.models.webhook import (  # noqa: E402
    DeliveryStatus,
    WebhookDelivery,
    WebhookEvent,
    WebhookKind,
    WebhookTarget,
)

__all__ += ["DeliveryStatus", "WebhookDelivery", "WebhookEvent", "WebhookKind", "WebhookTarget"]
