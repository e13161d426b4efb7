from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socle.referentiel.importers.annuaire import import_annuaire


class Command(BaseCommand):
    help = (
        "Import the Annuaire de l'éducation CSV (2023 or 2026 schema) into the Référentiel: "
        "idempotent upsert by UAI, in one transaction, with a report of every rejected line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the ';'-separated UTF-8 CSV published on data.education.gouv.fr")
        parser.add_argument(
            "--full",
            action="store_true",
            help="the file lists every school of its départements: close those it does not list",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument("--actor", help="who runs the import (default: the OS user)")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, **options):
        actor_label = options["actor"]
        actor = None
        if actor_label:
            actor = get_user_model().objects.filter(username=actor_label).first()
        result = import_annuaire(
            options["path"],
            full=options["full"],
            dry_run=options["dry_run"],
            actor=actor,
            actor_label=actor_label,
            batch_size=options["batch_size"],
        )
        for line in result.report_lines():
            self.stdout.write(line)
        if result.fatal:
            raise CommandError(str(result.fatal), returncode=2)
