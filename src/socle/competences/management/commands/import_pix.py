from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socle.competences.importers.pix_orga import import_pix
from socle.core.importing import add_import_arguments


class Command(BaseCommand):
    help = (
        "Import a Pix Orga campaign export (CSV, one row per participant): a profiles collection "
        "(level and pix per CRCN competence), or with --parcours-6e N an assessment campaign of the "
        "6e attestation. Pupils are identified by INE or Socle identifier; every rejected row is "
        "reported with its line, column and reason; a fatal error writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV exported from Pix Orga ('Exporter les résultats')")
        parser.add_argument(
            "--parcours-6e",
            type=int,
            choices=[1, 2, 3],
            help="the file is the export of the 6e parcours number N (assessment campaign)",
        )
        parser.add_argument(
            "--id-column",
            help="the column identifying the pupils (default: 'INE', 'Numéro INE', 'Identifiant Socle'…)",
        )
        parser.add_argument("--batch-size", type=int, default=1000)
        add_import_arguments(parser, mass_end=False)

    def handle(self, *args, **options):
        actor_label = options["actor"]
        actor = get_user_model().objects.filter(username=actor_label).first() if actor_label else None
        report = import_pix(
            options["path"],
            dry_run=options["dry_run"],
            wait=options["wait"],
            actor=actor,
            actor_label=actor_label,
            parcours_6e=options["parcours_6e"],
            id_column=options["id_column"],
            batch_size=max(1, options["batch_size"]),
        )
        for line in report.lines("Pix Orga import"):
            self.stdout.write(line)
        if report.fatal:
            raise CommandError(str(report.fatal), returncode=2)
