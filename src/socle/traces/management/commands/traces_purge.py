"""`socle traces-purge [--days N]`: delete the statements older than the retention limit
(SOCLE_TRACES_RETENTION_DAYS by default)."""

from django.core.management.base import BaseCommand, CommandError

from socle.traces.privacy import purge_before, retention_cutoff


class Command(BaseCommand):
    help = "Delete the statements stored before the retention limit."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help="retention in days (default: SOCLE_TRACES_RETENTION_DAYS)"
        )

    def handle(self, *args, **options):
        cutoff = retention_cutoff(options["days"])
        if cutoff is None:
            raise CommandError("no retention limit: pass --days or set SOCLE_TRACES_RETENTION_DAYS")
        deleted = purge_before(cutoff)
        self.stdout.write(f"deleted {deleted} statement(s) stored before {cutoff.isoformat()}")
