"""`socle identite-retention`: apply the security log's retention (run daily from cron)."""

from django.core.management.base import BaseCommand

from socle.identite.retention import apply_retention


class Command(BaseCommand):
    help = "Pseudonymise old IP addresses and delete old events of Identité's security log."

    def add_arguments(self, parser):
        parser.add_argument("--ip-days", type=int, default=None, help="keep IP addresses in clear this long")
        parser.add_argument("--retention-days", type=int, default=None, help="delete events older than this")

    def handle(self, *args, ip_days=None, retention_days=None, **options):
        counts = apply_retention(ip_days=ip_days, retention_days=retention_days)
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
