import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from socle.competences.api import WRITE_SCOPE
from socle.competences.models import ProviderAccess
from socle.core.models import ApiToken
from socle.echanges import services as agreements


class Command(BaseCommand):
    help = (
        "Connect a Pix-like provider: issue its API token (scope competences:write) bound to a "
        "data-sharing agreement (client id or exact name), which every call is checked against. "
        "The token is printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the provider's name (e.g. 'Pix')")
        parser.add_argument("--agreement", required=True, help="the agreement's client id or exact name")
        parser.add_argument("--days", type=int, default=365, help="token lifetime in days (default 365)")

    def handle(self, *args, **options):
        try:
            agreement = agreements.find(options["agreement"])
            grant = agreements.check(agreement)
        except agreements.AgreementRefused as refused:
            raise CommandError(str(refused)) from refused
        if not grant.shares("competences"):
            raise CommandError(
                f"agreement {agreement.name!r} does not share 'competences' results: add the field key "
                "'competences.results' to its allowed fields first"
            )
        name = f"competences:{options['name']}"
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"a token named {name!r} already exists: revoke it in the admin first")
        with transaction.atomic():
            token, secret = ApiToken.issue(
                name, [WRITE_SCOPE], expires_at=timezone.now() + dt.timedelta(days=options["days"])
            )
            ProviderAccess.objects.create(
                name=options["name"], token=token, agreement=agreement.client_id or agreement.name
            )
        self.stdout.write(f"Provider {options['name']!r} connected under agreement {agreement.name!r}.")
        self.stdout.write(f"Token (shown once): {secret}")
