"""`socle compute-indicators`: compute the steering indicators of a school year.

socle compute-indicators [--vintage 2025-2026] [--engine duckdb|postgres|spark]
                         [--indicator CODE ...] [--incremental] [--uai UAI ...]
"""

from django.core.management.base import BaseCommand, CommandError

from socle.pilotage import services


class Command(BaseCommand):
    help = "Compute the steering indicators (all levels) of a school year."

    def add_arguments(self, parser):
        parser.add_argument("--vintage", help="school year code, e.g. 2025-2026 (default: the current one)")
        parser.add_argument("--engine", default="duckdb", choices=["duckdb", "postgres", "spark"])
        parser.add_argument(
            "--indicator", action="append", dest="indicators", help="indicator code (repeatable)"
        )
        parser.add_argument(
            "--incremental", action="store_true", help="recompute only the schools whose facts changed"
        )
        parser.add_argument(
            "--uai", action="append", dest="uais", help="recompute only this school (repeatable)"
        )

    def handle(
        self, *args, vintage=None, engine="duckdb", indicators=None, incremental=False, uais=None, **options
    ):
        try:
            report = services.recompute(
                vintage, engine=engine, indicators=indicators, incremental=incremental, uais=uais
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        for source, state in report.sources.items():
            self.stdout.write(f"source {source}: {state}")
        self.stdout.write(
            f"{report.mode} computation on {report.engine} of {', '.join(report.vintages)}: "
            f"{report.schools} school(s), {report.cells} cell(s) in {report.seconds} s"
        )
