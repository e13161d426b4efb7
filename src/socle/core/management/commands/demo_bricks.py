"""`socle demo-bricks`: after `demo-data` and `provision-demo-accounts`, let each brick add its
part of the demo journeys (resources and licences, messages, indicators…). A brick takes part by
having a `demo` module with a `seed(stdout)` function; seeds are idempotent like `demo-data`."""

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# In dependency order: Pilotage reads what Ressources, Vie scolaire and Compétences seeded.
BRICKS = [
    "socle.echanges",
    "socle.ressources",
    "socle.ressources.gar",
    "socle.viescolaire",
    "socle.competences",
    "socle.pilotage",
]


class Command(BaseCommand):
    help = "Seed each brick's demo data for the demo personas (idempotent)."

    def handle(self, *args, **options):
        for package in BRICKS:
            try:
                demo = import_module(f"{package}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{package}.demo":
                    raise
                continue
            with transaction.atomic():
                demo.seed(self.stdout)
            self.stdout.write(f"Demo data: {package} ready.")
