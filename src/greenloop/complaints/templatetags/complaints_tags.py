"""``masked``: text with anything that looks like a phone number, ID number
or e-mail address starred out (lists and candidates never show them)."""

from __future__ import annotations

from django import template

from greenloop.cases.services import mask_personal_data

register = template.Library()


@register.filter
def masked(text: str) -> str:
    return mask_personal_data(str(text or ""))
