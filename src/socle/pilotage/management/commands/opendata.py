"""`socle opendata export DIR`: publish the Pilotage indicators as open data;
`socle opendata releases`: list the register of releases.

    socle opendata export /srv/opendata/pilotage [--vintage 2025-2026 ...] [--threshold 10] \
        [--min-schools 3] [--levels nation,region,academie,departement,school] \
        [--base-url https://data.example.fr/pilotage/]

Writes CSV (`;`, UTF-8) and Parquet files, their Table Schemas, a Frictionless datapackage.json
and a DCAT-AP JSON-LD record, with statistical disclosure control checked against every earlier
release (docs/pilotage-opendata.md). The directory is replaced atomically and the release is
recorded in the register."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socle.pilotage.opendata import register
from socle.pilotage.opendata.export import default_min_schools, default_threshold, export
from socle.pilotage.opendata.tables import EXPORTABLE_LEVELS, ExportError, parse_levels


class Command(BaseCommand):
    help = "Export Pilotage indicators as open data (statistical secrecy), or list the releases."

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
            help="Minimum number of persons behind a published figure, at least 5 "
            f"(default: setting SOCLE_OPENDATA_MIN_PERSONS, now {default_threshold()})",
        )
        run.add_argument(
            "--min-schools",
            type=int,
            default=None,
            help="Minimum number of schools contributing to a published figure about persons, at "
            f"least 3 (default: setting SOCLE_OPENDATA_MIN_SCHOOLS, now {default_min_schools()})",
        )
        run.add_argument(
            "--levels",
            default=None,
            help=f"Comma-separated levels to publish (default: {','.join(EXPORTABLE_LEVELS)})",
        )
        run.add_argument("--base-url", default=None, help="Public URL the files will be served from")
        sub.add_parser("releases", help="List the register of releases", called_from_command_line=cli)

    def handle(self, *args, **options) -> None:
        if options["action"] == "releases":
            self._releases()
            return
        try:
            report = export(
                options["directory"],
                vintages=options["vintages"],
                threshold=options["threshold"],
                min_schools=options["min_schools"],
                levels=parse_levels(options["levels"]),
                base_url=options["base_url"],
            )
        except ExportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Release {report.release} — {report.directory}: {report.rows} territorial rows "
            f"({', '.join(report.vintages)}), {report.suppressed_rows} under statistical secrecy "
            f"({report.primary_cells} sensitive cells, {report.secondary_cells} hidden to protect them; "
            f"threshold {report.threshold} persons, {report.min_schools} schools); "
            f"{report.school_rows} school rows"
        )
        for name in report.files:
            self.stdout.write(f"  {name}")

    def _releases(self) -> None:
        found = register.releases()
        if not found:
            self.stdout.write("No open-data release yet.")
            return
        for release in found:
            date = release.published_at or release.created_at
            self.stdout.write(
                f"{release.number:>4}  {date:%Y-%m-%d %H:%M}  {release.state:<9}  "
                f"{','.join(release.vintages)}  levels {','.join(release.levels)}  "
                f"threshold {release.threshold}/{release.min_contributors}  "
                f"{release.cells_published} published, {release.cells_suppressed} secret  {release.directory}"
            )
