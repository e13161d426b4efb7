"""`socle api-token create|list|revoke`: operator bearer tokens for the JSON APIs.

    socle api-token create --name ent-bretagne --scope referentiel:read [--scope referentiel:read:persons] \
        [--expires-days 365] [--user USERNAME]
    socle api-token list
    socle api-token revoke --name ent-bretagne

The token is printed once, at creation; only its SHA-256 digest is stored."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils import timezone

from socle.core.models import ApiToken

# The scopes the platform's APIs check: core's own plus those a brick declares as `api_scopes`
# (a dict scope -> description) on its AppConfig. An unknown scope is refused at creation, so that
# a typo does not yield a token that silently grants nothing.
CORE_SCOPES = {
    "referentiel:read": "territories, schools, classes, names of pupils and teachers",
    "referentiel:read:persons": "pupils' INE, birth date and sex; contact channels (with referentiel:read)",
}


def known_scopes() -> dict[str, str]:
    from django.apps import apps

    scopes = dict(CORE_SCOPES)
    for config in apps.get_app_configs():
        scopes.update(getattr(config, "api_scopes", {}))
    return scopes


class Command(BaseCommand):
    help = "Create, list or revoke operator API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        cli = getattr(parser, "called_from_command_line", None)
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="Issue a token, print it once", called_from_command_line=cli)
        create.add_argument("--name", required=True, help="Unique name: who or what uses the token")
        create.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            required=True,
            choices=sorted(known_scopes()),
            help="Scope granted (repeat for several)",
        )
        create.add_argument(
            "--expires-days", type=int, default=None, help="Expire after D days (default never)"
        )
        create.add_argument(
            "--user",
            default=None,
            help="Acts for this account (its roles scope what the token sees and is recorded as the "
            "author of what it writes); default: an operator token bound to no person",
        )
        sub.add_parser("list", help="List tokens (never the secrets)", called_from_command_line=cli)
        revoke = sub.add_parser("revoke", help="Revoke a token by name", called_from_command_line=cli)
        revoke.add_argument("--name", required=True)

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["name"], options["scopes"], options["expires_days"], options["user"])
        elif action == "list":
            self._list()
        else:
            self._revoke(options["name"])

    def _create(self, name: str, scopes: list[str], expires_days: int | None, username: str | None) -> None:
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days")
        extra = {}
        if username is not None:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"--user: no active account named {username!r}")
            extra["created_by"] = user
        if "referentiel:read:persons" in scopes and "referentiel:read" not in scopes:
            raise CommandError("referentiel:read:persons only adds fields: grant referentiel:read as well")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            token, secret = ApiToken.issue(name, sorted(set(scopes)), expires_at=expires_at, **extra)
        except IntegrityError as exc:
            raise CommandError(f"A token named {name!r} already exists") from exc
        self.stdout.write(secret)
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}" if token.expires_at else "never expires"
        self.stderr.write(
            f"Token {name!r} created with scopes {', '.join(token.scopes)}; {expiry}. "
            "It is shown once: store it now."
        )

    def _list(self) -> None:
        now = timezone.now()
        tokens = ApiToken.objects.order_by("name")
        if not tokens:
            self.stdout.write("No API tokens.")
            return
        for token in tokens:
            if not token.is_active:
                state = "revoked"
            elif token.expires_at and token.expires_at <= now:
                state = "expired"
            else:
                state = "active"
            expires = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "never"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.name}\t{token.prefix}…\t{state}\tscopes={','.join(token.scopes)}\t"
                f"expires={expires}\tlast_used={used}"
            )

    def _revoke(self, name: str) -> None:
        updated = ApiToken.objects.filter(name=name, is_active=True).update(is_active=False)
        if not updated:
            if ApiToken.objects.filter(name=name).exists():
                raise CommandError(f"Token {name!r} is already revoked")
            raise CommandError(f"No token named {name!r}")
        self.stdout.write(f"Token {name!r} revoked.")
