"""`socle diffusion-deliver-due`: the safety sweep. Run it from cron (e.g. every 5 minutes) or
after restoring a queue: it delivers every due publication whose task was lost, retries failed
notifications and reports the counts. Idempotent."""

from django.core.management.base import BaseCommand

from socle.viescolaire.diffusion import clock, delivery


class Command(BaseCommand):
    help = "Deliver held vie-scolaire publications that are due (safety sweep; idempotent)."

    def handle(self, *args, **options):
        counts = delivery.sweep(clock.now())
        summary = ", ".join(f"{key}={value}" for key, value in sorted(counts.items()))
        self.stdout.write(f"Diffusion sweep: {summary}")
