"""Filters for the figures of the round, 回头看 and statistics pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(rate: float | None, digits: int = 1) -> str:
    """A rate (0–1) as a percentage, "—" when there is none (0 of 0)."""
    if rate is None:
        return "—"
    return f"{rate * 100:.{int(digits)}f}%"


@register.filter
def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]``, or 0 when absent (counts by state)."""
    try:
        return mapping.get(key, 0)
    except AttributeError:
        return 0
