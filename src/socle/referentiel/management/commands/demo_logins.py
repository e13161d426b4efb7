from django.conf import settings
from django.core.management.base import BaseCommand

from socle.referentiel.demo.personas import DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "Print where the platform listens and the demo logins (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        if not settings.SOCLE_SHOW_DEMO_LOGINS:
            self.stdout.write(f"Socle: {url}")
            return
        width = max(len(p.username) for p in PERSONAS)
        lines = [
            "",
            f"Socle is starting at {url}",
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
            *(f"  {p.username.ljust(width)}  {p.display_name} — {p.description}" for p in PERSONAS),
            "",
        ]
        self.stdout.write("\n".join(lines))
