"""`socle viescolaire-purge [--dry-run] [--today YYYY-MM-DD]`: delete school-life conversations
and homework past their retention (see socle.viescolaire.retention)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from socle.viescolaire.retention import purge, retention_days


class Command(BaseCommand):
    help = "Delete school-life messages and homework past their retention (end of school year + N days)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")
        parser.add_argument("--today", help="Apply the rule as on this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as error:
                raise CommandError(
                    f"--today: expected a date YYYY-MM-DD, got {options['today']!r}"
                ) from error
        result = purge(today, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {result.threads} conversation(s) and {result.homework} homework entrie(s) dated on or "
            f"before {result.cutoff} (retention: end of school year + {retention_days()} days)."
        )
