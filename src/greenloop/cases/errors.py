"""The base of every anticipated refusal in the cases app.

Each module raises its own subclass (``services.UnableToTransitionCase``,
``attachments.UnableToAttachFile``…); ``reason`` says what kind of refusal
it is, so interfaces map it in one place (the API: 404, 403, 409, 400).
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # missing or out of reach, deliberately alike
    FORBIDDEN = "FORBIDDEN"  # the role or the jurisdiction does not allow it
    CONFLICT = "CONFLICT"  # the case's state does not allow it
    STALE = "STALE"  # the case changed since the page was loaded; retry after reloading
    INVALID = "INVALID"  # missing or wrong input


class UnableToActOnCase(Exception):
    """``str(exc)`` is a message for the user, in their language."""

    def __init__(self, message: str, *, reason: Refusal = Refusal.INVALID) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def retryable(self) -> bool:
        return self.reason is Refusal.STALE
