"""`socle import-scolomfr FILE... --provider CODE [--submit-as USERNAME]`: import ScoLOMFR notices."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from socle.ressources.importers import import_scolomfr
from socle.ressources.models import Provider


class Command(BaseCommand):
    help = (
        "Import ScoLOMFR (LOM-FR) XML notices for a provider. Valid notices are written in one "
        "transaction; every rejected notice is listed as FILE:LINE: FIELD: REASON and the command "
        "then exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="ScoLOMFR XML files (one or many <lom:lom> each)")
        parser.add_argument("--provider", required=True, help="the provider's distributor code")
        parser.add_argument(
            "--submit-as", default="", help="username of a provider member: submit the notices for review"
        )

    def handle(self, *args, **options):
        provider = Provider.objects.filter(distributor_code=options["provider"]).first()
        if provider is None:
            raise CommandError(f"unknown provider {options['provider']!r} (distributor code)")
        submit_as = None
        if options["submit_as"]:
            submit_as = get_user_model().objects.filter(username=options["submit_as"]).first()
            if submit_as is None or not provider.members.filter(pk=submit_as.pk).exists():
                raise CommandError(f"{options['submit_as']!r} is not a member of {provider.name}")
        report = import_scolomfr(options["files"], provider, submit_as=submit_as)
        self.stdout.write(
            f"{len(report.created)} notice(s) created, {len(report.updated)} updated, "
            f"{len(report.rejected)} problem(s)"
        )
        for rejection in report.rejected:
            self.stderr.write(str(rejection))
        if report.rejected:
            raise CommandError(
                f"{len(report.rejected)} problem(s) in the notices; valid notices were imported"
            )
