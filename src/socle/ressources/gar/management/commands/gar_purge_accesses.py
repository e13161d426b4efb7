"""`socle gar-purge-accesses`: delete resource-access log rows older than the retention period
(SOCLE_GAR_ACCESS_LOG_DAYS, default 400 days), and the individual licences of subscriptions
that ended that long ago. Run it daily."""

from django.core.management.base import BaseCommand

from socle.ressources.gar import services


class Command(BaseCommand):
    help = "Delete resource-access log rows older than SOCLE_GAR_ACCESS_LOG_DAYS (default 400)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention period.")

    def handle(self, *args, days=None, **options):
        deleted = services.purge_access_log(days=days)
        licences = services.purge_ended_licences(days=days)
        self.stdout.write(
            f"{deleted} access log row(s), {licences} licence(s) of ended subscriptions deleted."
        )
