"""Models of the complaints app, one module per topic."""

from __future__ import annotations

from greenloop.complaints.models.duplicates import DuplicateCandidate, DuplicateDecision
from greenloop.complaints.models.petition import (
    NUMBER_PREFIXES,
    OPEN_PETITION_STATES,
    Channel,
    Complainant,
    Finding,
    Petition,
    PetitionEvent,
    PetitionNumberSequence,
    PetitionPhoto,
    PetitionQuerySet,
    PetitionState,
    Problem,
    Satisfaction,
)
from greenloop.complaints.models.policy import DEFAULT_TIME_LIMIT_DAYS, ChannelPolicy
from greenloop.complaints.models.reward import RewardRecord, RewardStatus

__all__ = [
    "DEFAULT_TIME_LIMIT_DAYS",
    "NUMBER_PREFIXES",
    "OPEN_PETITION_STATES",
    "Channel",
    "ChannelPolicy",
    "Complainant",
    "DuplicateCandidate",
    "DuplicateDecision",
    "Finding",
    "Petition",
    "PetitionEvent",
    "PetitionNumberSequence",
    "PetitionPhoto",
    "PetitionQuerySet",
    "PetitionState",
    "Problem",
    "RewardRecord",
    "RewardStatus",
    "Satisfaction",
]
