from django.core.management.base import BaseCommand, CommandError

from socle.echanges.importers.aaf import import_aaf


class Command(BaseCommand):
    help = (
        "Import AAF XML files (ENT_<UAI>_<Complet|Delta>_<date>_<Type>_0000.xml) into the Référentiel: "
        "streaming, idempotent, one transaction, every rejected record reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="AAF files (any order: processed by type)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
        parser.add_argument("--actor", default="", help="who runs the import (default: the OS user)")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        report = import_aaf(
            options["paths"],
            actor_label=options["actor"],
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
        )
        for line in report.lines(f"AAF import of {len(options['paths'])} file(s)"):
            self.stdout.write(line)
        if report.fatal:
            raise CommandError(str(report.fatal), returncode=2)
