"""Public pages of this app, mounted at /public/ without a namespace."""

from __future__ import annotations

urlpatterns: list = []
