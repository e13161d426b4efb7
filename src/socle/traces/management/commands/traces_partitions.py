"""`socle traces-partitions [--months-ahead 3]`: create the monthly partitions of the statement
table ahead of time (PostgreSQL; run it from cron) and list them."""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand

from socle.traces import partitions


class Command(BaseCommand):
    help = "Create the coming monthly partitions of the statement table and list them."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)

    def handle(self, *args, **options):
        if not partitions.is_partitioned():
            self.stdout.write(
                "the statement table is not partitioned (SQLite, or migration 0002 not applied)"
            )
            return
        start = partitions.month_start(datetime.now(UTC))
        end = start
        for _ in range(options["months_ahead"]):
            end = partitions.next_month(end)
        partitions.ensure_partitions(start, end)
        for name, first, last in partitions.partitions():
            self.stdout.write(f"{name}\t{first:%Y-%m-%d}\t{last:%Y-%m-%d}")
