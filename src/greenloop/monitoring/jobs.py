"""Scheduled jobs of monitoring: the lake mover, the stations snapshot and
the device health check (run by ``greenloop worker``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from greenloop.jobs import job


@job(
    "monitoring.move_to_lake",
    every=timedelta(minutes=10),
    description="将已封闭时段的入站数据包写入数据湖并移出收件箱",
)
def move_to_lake(now: datetime) -> str:
    """Move closed inbox packets to the Parquet lake (docs/lake.md)."""
    from greenloop.monitoring.mover import move_closed_packets

    moved = move_closed_packets(now=now)
    summary = _("移出 %(packets)d 个数据包（其中数据包 %(data)d 个，写入读数 %(rows)d 条）") % {
        "packets": moved.packets,
        "data": moved.data_packets,
        "rows": moved.readings,
    }
    if moved.more:
        summary += _("；尚有待移出的数据包")
    return summary


@job(
    "monitoring.refresh_stations",
    every=timedelta(hours=1),
    offset=timedelta(minutes=3),
    description="由监测点位登记刷新数据湖站点表 meta/stations.parquet",
)
def refresh_stations(now: datetime) -> str:
    """Rewrite the lake's stations table from the device registry."""
    from greenloop.monitoring.mover import refresh_stations as refresh

    count = refresh()
    if not count:
        return _("没有空气站点，站点表未改动")
    return _("站点表已刷新：%(count)d 个站点") % {"count": count}


@job(
    "monitoring.device_health",
    every=timedelta(minutes=5),
    description="检查设备在线状态，开启或关闭离线、数据缺失告警",
)
def device_health(now: datetime) -> str:
    """Open and close offline and data-gap alerts."""
    from greenloop.monitoring.health import check_device_health

    report = check_device_health(now=now)
    return _("在线 %(online)d，离线 %(offline)d；新告警 %(opened)d，已恢复 %(closed)d") % {
        "online": report.online,
        "offline": report.offline,
        "opened": len(report.opened),
        "closed": len(report.closed),
    }
