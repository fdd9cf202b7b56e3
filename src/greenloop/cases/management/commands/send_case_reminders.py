"""``greenloop manage send_case_reminders``: the daily yellow/red-card
reminders to robot webhooks, and the retry of failed messages.

Run it once a day (cron, systemd timer) until the scheduler takes it over;
running it again the same day sends no reminder twice. The robots accept
20 messages a minute each: when more are due, the command waits a minute
and goes on, for at most ``--max-wait`` minutes; what is left is sent by
the next run.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from greenloop.cases.notifications import (
    DeliveryReport,
    queue_card_reminders,
    retry_failed_deliveries,
)

_PAUSE_SECONDS = 60


class Command(BaseCommand):
    help = "发送问题临期（黄牌）和逾期（红牌）提醒到Webhook机器人，并重试发送失败的消息。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-wait",
            type=int,
            default=60,
            help="因机器人限流（每分钟20条）需要等待时，最多等待的分钟数；0为不等待。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        queued = queue_card_reminders(now)
        report = retry_failed_deliveries(now)
        deadline = time.monotonic() + 60 * max(options["max_wait"], 0)
        while report.rate_limited and time.monotonic() + _PAUSE_SECONDS <= deadline:
            time.sleep(_PAUSE_SECONDS)
            report = _merge(report, retry_failed_deliveries(timezone.now()))
        self.stdout.write(
            f"新增提醒 {queued} 条；发送成功 {report.sent} 条，"
            f"失败待重试 {report.failed} 条，放弃 {report.gave_up} 条，"
            f"留待下次 {report.rate_limited + report.target_down} 条。"
        )


def _merge(earlier: DeliveryReport, later: DeliveryReport) -> DeliveryReport:
    """Totals of two rounds; what is still held back is the later round's."""
    merged = earlier + later
    merged.rate_limited, merged.target_down = later.rate_limited, later.target_down
    return merged
