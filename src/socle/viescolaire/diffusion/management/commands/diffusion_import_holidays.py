"""`socle diffusion-import-holidays FILE.json`: load school holidays from the ministry's open data
set `fr-en-calendrier-scolaire` (JSON export). Idempotent; every rejected record is reported."""

from django.core.management.base import BaseCommand, CommandError

from socle.viescolaire.diffusion.importers.calendrier import import_file


class Command(BaseCommand):
    help = "Import school-holiday periods from data.education.gouv.fr's fr-en-calendrier-scolaire (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON export of fr-en-calendrier-scolaire")

    def handle(self, *args, path, **options):
        try:
            report = import_file(path)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        for line in report.rejected:
            self.stderr.write(f"rejected: {line}")
        self.stdout.write(
            f"Holidays: {report.created} created, {report.updated} updated, "
            f"{report.skipped} skipped (teachers only), {len(report.rejected)} rejected"
        )
