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


# --- the ingestion store (monitoring pages) -------------------------------


def _whole_installation(scope: Scope) -> bool:
    """Whether the scope reaches every region: the administrators, or a
    territorial body seated at a root region (the city)."""
    path = scope.region_path
    return path is not None and (path == "" or path.count("/") == 1)


@rule("monitoring.inboxpacket")
def _inbox(scope: Scope) -> Q:
    return _territorial(scope, "device__site__region__")


@rule("monitoring.latestvalue")
def _latest(scope: Scope) -> Q:
    return _territorial(scope, "device__site__region__")


@rule("monitoring.rejectedpacket")
def _rejected(scope: Scope) -> Q:
    """A refusal belongs to the device registered under its MN; refusals of
    MNs that no site in reach owns (unknown devices, probes) only to scopes
    that reach the whole installation."""
    if _whole_installation(scope):
        return Q()
    if scope.region_path is None:
        return _NONE
    from greenloop.monitoring.models import Device

    mns = Device.objects.filter(site__region__path__startswith=scope.region_path).values("mn")
    return Q(mn__in=mns)


@rule("monitoring.rejectcount")
def _reject_counts(scope: Scope) -> Q:
    # Counts carry no MN: only the whole installation's view may read them.
    return Q() if _whole_installation(scope) else _NONE
