"""`socle traces-export [--dir D]`: write the statements stored since the last run as Parquet."""

from pathlib import Path

from django.core.management.base import BaseCommand

from socle.traces import conf
from socle.traces.export import export_parquet


class Command(BaseCommand):
    help = "Export the statements stored since the last run into a Parquet file."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="output directory (default: SOCLE_TRACES_EXPORT_DIR)")
        parser.add_argument("--cursor", default="parquet", help="name of the export cursor")

    def handle(self, *args, **options):
        directory = Path(options["dir"] or conf.export_dir())
        count, path = export_parquet(directory, options["cursor"])
        if path is None:
            self.stdout.write("nothing new to export")
        else:
            self.stdout.write(f"exported {count} statement(s) to {path}")
