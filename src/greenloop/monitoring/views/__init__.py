"""The monitoring pages: devices, a site's live values and charts, the raw
packet inspector and ingestion health. Every query goes through
:mod:`greenloop.org.access`."""

from __future__ import annotations

from greenloop.monitoring.views.devices import device_list
from greenloop.monitoring.views.ingestion import ingestion_health
from greenloop.monitoring.views.packets import inbox_packet, packet_search, rejected_packet
from greenloop.monitoring.views.sites import site_detail, site_live

__all__ = [
    "device_list",
    "inbox_packet",
    "ingestion_health",
    "packet_search",
    "rejected_packet",
    "site_detail",
    "site_live",
]
