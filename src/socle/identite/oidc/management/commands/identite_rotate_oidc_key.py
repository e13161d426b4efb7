"""Add a new OIDC signing key (it signs from the next restart on); previous keys stay in the JWKS
so that tokens they signed still verify. `--keep N` deletes all but the N newest key files: run
it once the previous key's tokens have expired (ID/access token lifetime + JWKS cache max-age)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from jwcrypto.jwk import JWK

from socle.identite.oidc.keys import oidc_key_files, rotate_oidc_key


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--keys-dir", default=None, help="default: SOCLE_OIDC_KEYS_DIR or <var>/keys/oidc"
        )
        parser.add_argument("--keep", type=int, default=None, help="only prune: keep the N newest keys")

    def handle(self, *args, keys_dir=None, keep=None, **options):
        import os

        directory = Path(
            keys_dir or os.environ.get("SOCLE_OIDC_KEYS_DIR") or Path(settings.SOCLE_KEYS_DIR) / "oidc"
        )
        if keep is not None:
            if keep < 1:
                raise CommandError("--keep must be at least 1")
            files = oidc_key_files(directory)
            for path in files[: max(0, len(files) - keep)]:
                path.unlink()
                self.stdout.write(f"removed {path}")
            return
        path = rotate_oidc_key(directory)
        kid = JWK.from_pem(path.read_bytes()).thumbprint()
        self.stdout.write(f"new signing key {path} (kid {kid}); restart the application servers to use it")
