import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from socle.echanges import agreements
from socle.echanges.exporters.oneroster_csv import export_oneroster
from socle.echanges.importers.oneroster_csv import import_oneroster
from socle.echanges.oneroster.validate import read_package


def _instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise CommandError(
            f"--since {value!r}: expected an ISO 8601 date-time, e.g. 2025-09-01T00:00:00Z"
        ) from error
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant


class Command(BaseCommand):
    help = "OneRoster 1.2 CSV (French profile): export (bulk or delta), import, validate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write manifest.csv and the rostering files")
        export.add_argument("target", help="a directory, or a path ending in .zip")
        export.add_argument("--since", help="delta: records changed at or after this instant (ISO 8601)")
        export.add_argument("--agreement", help="export under this agreement (name or client id)")
        importer = sub.add_parser("import", help="read a package into the registry (bulk or delta)")
        importer.add_argument("source", help="a directory or a .zip")
        importer.add_argument("--dry-run", action="store_true")
        importer.add_argument("--actor", default="")
        validate = sub.add_parser("validate", help="check a package and print every problem")
        validate.add_argument("source", help="a directory or a .zip")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "export":
            since = _instant(options["since"]) if options.get("since") else None
            agreement = None
            try:
                if options.get("agreement"):
                    agreement = agreements.find(options["agreement"])
                result = export_oneroster(options["target"], since=since, agreement=agreement)
            except agreements.AgreementRefused as refusal:
                raise CommandError(f"refused: {refusal}", returncode=3) from refusal
            counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
            self.stdout.write(f"OneRoster {result.mode} export to {result.target}: {counts}")
        elif action == "import":
            report = import_oneroster(
                options["source"], actor_label=options["actor"], dry_run=options["dry_run"]
            )
            for line in report.lines(f"OneRoster CSV import of {options['source']}"):
                self.stdout.write(line)
            if report.fatal:
                raise CommandError(str(report.fatal), returncode=2)
        else:
            package = read_package(options["source"])
            for issue in package.issues:
                self.stdout.write(str(issue))
            rows = sum(len(table) for table in package.tables.values())
            if package.issues:
                raise CommandError(f"{len(package.issues)} problem(s) in {options['source']}", returncode=1)
            self.stdout.write(f"{options['source']}: valid OneRoster 1.2 package ({rows} records)")
