"""`socle gar-distributor --code C --name N [--fingerprint SHA256]... [--token]`: register or
update a distributor of the subscription web service; --token prints a new bearer token once."""

from django.core.management.base import BaseCommand, CommandError

from socle.ressources.gar.models import Distributor


class Command(BaseCommand):
    help = "Register a distributor of the subscription web service (certificate fingerprints, token)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", required=True, help="idDistributeurCom (the catalogue's distributor code)"
        )
        parser.add_argument("--name", default="")
        parser.add_argument("--fingerprint", action="append", default=[], help="client certificate SHA-256")
        parser.add_argument("--token", action="store_true", help="issue a new bearer token (printed once)")

    def handle(self, *args, code, name, fingerprint, token, **options):
        if not code.strip():
            raise CommandError("--code must not be empty")
        distributor, created = Distributor.objects.get_or_create(code=code, defaults={"name": name or code})
        if name:
            distributor.name = name
        for value in fingerprint:
            normal = Distributor.normalise_fingerprint(value)
            if len(normal) not in (40, 64) or any(ch not in "0123456789abcdef" for ch in normal):
                raise CommandError(f"--fingerprint {value!r}: expected a hexadecimal SHA-256 (64 digits)")
            if normal not in distributor.fingerprints():
                distributor.certificate_fingerprints += f"{normal}\n"
        distributor.save()
        self.stdout.write(f"Distributor {distributor.code} {'created' if created else 'updated'}.")
        if token:
            self.stdout.write(f"Bearer token (shown once): {distributor.issue_token()}")
