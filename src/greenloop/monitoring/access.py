"""Who sees which monitoring sites, devices and alerts.

Registered with :func:`greenloop.org.access.rule` when the app is ready, so
``Site.objects.visible_to(user)`` and ``get_for_user`` work as for the
organisation's own models. Monitoring is territorial: a territorial body
(党委、政府、委办, and the 生态环境局, which governs territory) sees the
sites in its region's subtree; a functional department sees none; the
system and security administrators see all, including quarantined devices
that have no site yet.
"""

from __future__ import annotations

from django.db.models import Q

from greenloop.org.access import Scope, rule

_NONE = Q(pk__in=[])


def _territorial(scope: Scope, prefix: str) -> Q:
    if scope.region_path is None:
        return _NONE
    if scope.region_path == "":
        return Q()
    return Q(**{f"{prefix}path__startswith": scope.region_path})


@rule("monitoring.site")
def _sites(scope: Scope) -> Q:
    return _territorial(scope, "region__")


@rule("monitoring.device")
def _devices(scope: Scope) -> Q:
    return _territorial(scope, "site__region__")


@rule("monitoring.monitoringalert")
def _alerts(scope: Scope) -> Q:
    return _territorial(scope, "device__site__region__")
