"""`socle opendata export DIR`: publish the Pilotage indicators as open data.

    socle opendata export /srv/opendata/pilotage [--vintage 2025-2026 ...] [--threshold 10] \
        [--levels departement,academie,region,nation] [--base-url https://data.example.fr/pilotage/]

Writes CSV (`;`, UTF-8) and Parquet files, their Table Schemas, a Frictionless datapackage.json
and a DCAT-AP JSON-LD record, with statistical disclosure control (docs/pilotage-opendata.md).
The directory is replaced atomically."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socle.pilotage.opendata.export import default_threshold, export
from socle.pilotage.opendata.tables import EXPORTABLE_LEVELS, ExportError, parse_levels


class Command(BaseCommand):
    help = "Export Pilotage indicators as open data, with small cells suppressed."

    def add_arguments(self, parser: CommandParser) -> None:
        cli = getattr(parser, "called_from_command_line", None)
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        run = sub.add_parser(
            "export", help="Write the open-data files into DIR", called_from_command_line=cli
        )
        run.add_argument("directory", metavar="DIR", help="Target directory (created or replaced)")
        run.add_argument(
            "--vintage",
            dest="vintages",
            action="append",
            help="School year to export, e.g. 2025-2026 (repeat for several; default: every computed one)",
        )
        run.add_argument(
            "--threshold",
            type=int,
            default=None,
            help="Minimum number of persons behind a published cell "
            f"(default: setting SOCLE_OPENDATA_MIN_PERSONS, now {default_threshold()})",
        )
        run.add_argument(
            "--levels",
            default=None,
            help=f"Comma-separated levels to publish (default: {','.join(EXPORTABLE_LEVELS)})",
        )
        run.add_argument("--base-url", default=None, help="Public URL the files will be served from")

    def handle(self, *args, **options) -> None:
        try:
            report = export(
                options["directory"],
                vintages=options["vintages"],
                threshold=options["threshold"],
                levels=parse_levels(options["levels"]),
                base_url=options["base_url"],
            )
        except ExportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{report.directory}: {report.rows} rows ({', '.join(report.vintages)}), "
            f"{report.suppressed_rows} under statistical secrecy "
            f"({report.primary_cells} small territories, {report.secondary_cells} hidden to protect them; "
            f"threshold {report.threshold} persons)"
        )
        for name in report.files:
            self.stdout.write(f"  {name}")
