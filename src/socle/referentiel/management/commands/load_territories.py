from django.core.management.base import BaseCommand

from socle.referentiel.territories import load_territories


class Command(BaseCommand):
    help = "Load régions académiques, académies and départements from the committed seed file."

    def handle(self, *args, **options):
        counts = load_territories()
        self.stdout.write(
            f"{counts['regions']} régions académiques, {counts['academies']} académies, "
            f"{counts['departements']} départements"
        )
