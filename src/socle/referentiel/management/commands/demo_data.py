"""`socle demo-data --scale tiny|school|academie|national --seed N`: a synthetic, deterministic
demo world (nobody in it is a real person). Re-running the same command changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from socle.referentiel.demo.loader import SCALES, Options, run


class Command(BaseCommand):
    help = "Generate a synthetic demo world (schools, classes, pupils, families, staff)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="tiny")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--pupils", type=int, default=None, help="target pupil count (overrides the scale's)"
        )
        parser.add_argument("--academie", default=None, help="académie code, e.g. 14 (Rennes)")
        parser.add_argument("--departement", default=None, help="département INSEE code, e.g. 35")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="parallel worker processes on PostgreSQL (default: 2 for académie and national scales)",
        )
        parser.add_argument(
            "--writer", choices=["auto", "copy", "orm"], default="auto", help="auto: COPY on PostgreSQL"
        )

    def handle(self, *args, **options):
        def log(message: str) -> None:
            if options["verbosity"] > 0:
                self.stdout.write(message)

        opts = Options(
            scale=options["scale"],
            seed=options["seed"],
            pupils=options["pupils"],
            academie=options["academie"],
            departement=options["departement"],
            writer=options["writer"],
            workers=options["workers"] or (2 if options["scale"] in ("academie", "national") else 1),
            log=log,
        )
        try:
            run(opts)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
