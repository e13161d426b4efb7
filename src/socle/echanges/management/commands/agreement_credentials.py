"""`socle agreement-credentials --agreement NAME|CLIENT_ID`: (re)issue the OAuth 2 client
credentials of a data-sharing agreement without a Python shell.

The agreement keeps its client id (so the consumer only changes its secret) unless
`--new-client-id` is given; the secret is printed once and only its SHA-256 digest is stored, so
the previous secret stops working at once. Tokens already issued stay valid until they expire
(one hour) unless `--revoke-tokens` is given."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from socle.echanges import agreements
from socle.echanges.models import AccessToken, Agreement


class Command(BaseCommand):
    help = "Issue new OAuth 2 client credentials for a data-sharing agreement; prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("--agreement", required=True, help="the agreement's exact name or client id")
        parser.add_argument(
            "--new-client-id", action="store_true", help="also replace the client id (default: keep it)"
        )
        parser.add_argument(
            "--revoke-tokens", action="store_true", help="revoke the bearer tokens already issued"
        )

    def handle(self, *args, agreement: str, new_client_id: bool, revoke_tokens: bool, **options):
        target = self._find(agreement)
        with transaction.atomic():
            if new_client_id:
                target.client_id = None
            client_id, secret = target.issue_client_credentials()
            revoked = AccessToken.objects.filter(agreement=target).delete()[0] if revoke_tokens else 0
            agreements.log_access(
                target,
                "token",
                "client credentials issued by an operator",
                granted=True,
                detail={"new_client_id": new_client_id, "revoked_tokens": revoked},
            )
        self.stdout.write(f"Agreement: {target.name} (reference {target.reference or '—'})")
        self.stdout.write(f"client_id: {client_id}")
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write("The secret is shown only now: give it to the consumer over a secure channel.")
        if revoke_tokens:
            self.stdout.write(f"Revoked tokens: {revoked}")

    @staticmethod
    def _find(name_or_client_id: str) -> Agreement:
        # Names are not unique: an ambiguous name must not silently pick one consumer's agreement.
        by_client = Agreement.objects.filter(client_id=name_or_client_id).first()
        if by_client is not None:
            return by_client
        named = list(Agreement.objects.filter(name=name_or_client_id))
        if len(named) > 1:
            clients = ", ".join(a.client_id or f"#{a.pk} (no client id)" for a in named)
            raise CommandError(
                f"--agreement {name_or_client_id!r}: {len(named)} agreements have this name "
                f"({clients}); give the client id instead"
            )
        if not named:
            raise CommandError(
                f"--agreement {name_or_client_id!r}: no agreement with this name or client id "
                "(expected an agreement's exact name or client id, see the Django admin)"
            )
        return named[0]
