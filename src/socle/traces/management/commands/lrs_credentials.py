"""`socle lrs-credentials create --name N --scopes all [--tenant T]`: prints the key and secret of
a new LRS client (HTTP Basic). `list` and `revoke --name N` manage them."""

from django.core.management.base import BaseCommand, CommandError

from socle.traces.http import forget_cached_credentials
from socle.traces.models import Credential

SCOPES = {
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "profile",
    "all",
    "all/read",
    "define",
}


class Command(BaseCommand):
    help = "Create, list or revoke the HTTP Basic credentials of LRS clients."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--name")
        parser.add_argument("--scopes", default="all", help="comma- or space-separated xAPI scopes")
        parser.add_argument(
            "--tenant", default="default", help="the provider whose statements this client sees"
        )
        parser.add_argument("--key", help="fixed key (default: random)")
        parser.add_argument("--secret", help="fixed secret (default: random; for test rigs only)")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            for credential in Credential.objects.order_by("name"):
                state = "active" if credential.is_active else "revoked"
                self.stdout.write(
                    f"{credential.name}\t{credential.key}\t{credential.tenant}\t{','.join(credential.scopes)}\t{state}"
                )
            return
        if not options["name"]:
            raise CommandError("--name is required")
        if action == "revoke":
            updated = Credential.objects.filter(name=options["name"]).update(is_active=False)
            forget_cached_credentials()
            if not updated:
                raise CommandError(f"no credential named {options['name']!r}")
            self.stdout.write(f"revoked {options['name']}")
            return
        scopes = [s for s in options["scopes"].replace(",", " ").split() if s]
        unknown = set(scopes) - SCOPES
        if unknown:
            raise CommandError(
                f"unknown scope(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(SCOPES))}"
            )
        if Credential.objects.filter(name=options["name"]).exists():
            raise CommandError(f"a credential named {options['name']!r} exists already")
        credential, secret = Credential.issue(options["name"], scopes, options["tenant"])
        if options["key"] or options["secret"]:
            credential.key = options["key"] or credential.key
            secret = options["secret"] or secret
            credential.secret_digest = Credential.digest(secret)
            credential.save()
        self.stdout.write(f"key: {credential.key}\nsecret: {secret}")
