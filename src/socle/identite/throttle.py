"""Progressive lockout for Identité's own credential endpoints (activation, reset, TOTP).

django-axes protects the password check; this covers the other forms a guesser could use.
Failures are counted per (scope, identifier) and per (scope, IP address), both keyed hashes:
after `SOCLE_THROTTLE_LIMIT` failures the key is locked for `SOCLE_THROTTLE_BASE_SECONDS`,
doubled at each further lockout up to `SOCLE_THROTTLE_MAX_SECONDS`. A success clears the
identifier's counter (not the IP's)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import conf
from .models import Throttle
from .security import client_ip, identifier_hash, ip_pseudonym

SCOPES = ("activation", "activation_request", "reset", "reset_request", "totp", "password_change")


def _keys(request, identifier: str) -> list[str]:
    keys = []
    if identifier:
        keys.append("id:" + identifier_hash(identifier))
    ip = client_ip(request)
    if ip:
        keys.append("ip:" + ip_pseudonym(ip))
    return keys


def locked_until(scope: str, request, identifier: str = "") -> dt.datetime | None:
    """The end of the current lockout for this request, or None when it may proceed."""
    now = timezone.now()
    rows = Throttle.objects.filter(scope=scope, key_hash__in=_keys(request, identifier), locked_until__gt=now)
    ends = [row.locked_until for row in rows]
    return max(ends) if ends else None


def register_failure(scope: str, request, identifier: str = "") -> dt.datetime | None:
    """Count a failure; return the lockout end if this failure triggers one."""
    now = timezone.now()
    limit = conf.throttle_limit()
    locked = None
    with transaction.atomic():
        for key in _keys(request, identifier):
            row, _ = Throttle.objects.select_for_update().get_or_create(scope=scope, key_hash=key)
            # Ip keys get a larger allowance: a school's network puts many users behind one address.
            key_limit = limit * 4 if key.startswith("ip:") else limit
            if row.failures == 0:
                row.first_failure_at = now
            row.failures += 1
            if row.failures >= key_limit:
                seconds = min(conf.throttle_base_seconds() * (2**row.lockouts), conf.throttle_max_seconds())
                row.locked_until = now + dt.timedelta(seconds=seconds)
                row.lockouts += 1
                row.failures = 0
                locked = max(locked, row.locked_until) if locked else row.locked_until
            row.save()
    return locked


def register_success(scope: str, request, identifier: str = "") -> None:
    if identifier:
        Throttle.objects.filter(scope=scope, key_hash="id:" + identifier_hash(identifier)).update(
            failures=0, locked_until=None
        )
