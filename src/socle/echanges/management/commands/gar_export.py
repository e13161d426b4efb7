import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from socle.echanges import agreements
from socle.echanges.gar.export import GarExportError, export_gar


class Command(BaseCommand):
    help = "Write the nightly GAR-ENT files (XSD-validated), packaged as tar.gz + .md5."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--agreement", help="the GAR's agreement (name or client id)")
        parser.add_argument("--date", help="export date, YYYY-MM-DD (default: today)")
        parser.add_argument("--ent-id", default="SOCLE", help="the ENT project code")

    def handle(self, *args, **options):
        at = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        try:
            agreement = agreements.find(options["agreement"]) if options.get("agreement") else None
            result = export_gar(options["directory"], agreement=agreement, at=at, ent_id=options["ent_id"])
        except agreements.AgreementRefused as refusal:
            raise CommandError(f"refused: {refusal}", returncode=3) from refusal
        except GarExportError as error:
            raise CommandError(str(error), returncode=2) from error
        counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
        self.stdout.write(f"GAR-ENT export {result.archive} (md5 {result.md5}): {counts}")
