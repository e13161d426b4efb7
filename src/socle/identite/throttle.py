"""Lockout for Identité's credential endpoints that an attacker cannot aim at a victim.

django-axes guards the password per (login, address); this module guards the other forms a
guesser could use (TOTP, activation and reset codes, the current password on the change form, the
FranceConnect confirmation, the request forms that send messages) and adds to the password what
axes cannot express. docs/security.md ("Rate limiting and lockout") describes the model; in short:

- **A client** is the browser's *device cookie* when that browser has already completed a sign-in
  for the account (a signed cookie naming the accounts it signed in for — OWASP's "device
  cookies"), otherwise its IP address.
- **Per account and client**: `SOCLE_THROTTLE_LIMIT` (5) failures lock *that client* out of *that
  account* for `SOCLE_THROTTLE_BASE_SECONDS` (60 s), doubled at each new lockout up to
  `SOCLE_THROTTLE_MAX_SECONDS` (1 h): the genuine holder who mistypes is slowed down, and an
  attacker's failures from another client do not count against the victim's client.
- **Per account, unknown clients together**: `SOCLE_THROTTLE_ACCOUNT_LIMIT` (50) failures within
  `SOCLE_THROTTLE_WINDOW_SECONDS` (1 h) hold back every client that has not signed in for that
  account before, until the window ends — the bound on a guesser spread over many addresses.
  Known browsers are not affected.
- **Per address, unknown clients**: `SOCLE_THROTTLE_IP_LIMIT` (100) failures within the window,
  whatever the account — the bound on spraying many accounts from one address, high enough for a
  school's NAT.
- A genuine success clears the account's counters (that client's and the unknown clients') and
  marks the browser as known for the account.

Counters are keyed hashes (identifier, address, device id), in PostgreSQL, shared by every
process."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from . import conf
from .models import Throttle
from .security import client_ip, identifier_hash, ip_pseudonym

SCOPES = (
    "password",
    "totp",
    "code",
    "activation_request",
    "reset_request",
    "password_change",
    "federation",
)
DEVICE_COOKIE_SALT = "socle.identite.device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600  # CNIL: security cookies are exempt from consent, 13 months at most
DEVICE_MAX_ACCOUNTS = 5  # a family computer


# --- the device cookie -------------------------------------------------------------------------
def device_cookie_name() -> str:
    # The __Host- prefix wherever cookies are Secure (production), like the session cookie.
    return "__Host-socle_device" if settings.SESSION_COOKIE_SECURE else "socle_device"


def _account_tag(identifier: str) -> str:
    return identifier_hash(identifier)[:20]


def _device(request) -> dict | None:
    value = request.COOKIES.get(device_cookie_name()) if request is not None else None
    if not value:
        return None
    try:
        data = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("d"), str)
        or not isinstance(data.get("a"), list)
    ):
        return None
    return data


def known_device(request, identifier: str) -> str | None:
    """The id of this browser's device cookie if it has signed in for `identifier`, else None."""
    data = _device(request)
    if data is None or not identifier or _account_tag(identifier) not in data["a"]:
        return None
    return data["d"]


def remember_device(response, request, identifier: str):
    """Mark the browser as known for `identifier` (after a genuine success); returns `response`."""
    if not identifier:
        return response
    data = _device(request) or {"d": secrets.token_urlsafe(16), "a": []}
    tag = _account_tag(identifier)
    accounts = [tag, *[other for other in data["a"] if other != tag]][:DEVICE_MAX_ACCOUNTS]
    response.set_cookie(
        device_cookie_name(),
        signing.dumps({"d": data["d"], "a": accounts}, salt=DEVICE_COOKIE_SALT, compress=True),
        max_age=DEVICE_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def axes_whitelisted(request, credentials) -> bool:
    """django-axes (AXES_WHITELIST_CALLABLE): a browser that has signed in for this login before is
    not subject to axes' per (login, address) lockout — it has its own counter here (scope
    "password"), so a guesser behind the same address cannot lock it out."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    return bool(username) and known_device(request, username) is not None


# --- the counters ------------------------------------------------------------------------------
def _keys(request, identifier: str, *, account_cap: bool) -> dict[str, str]:
    """The counters a request is checked against: its client's for the account and, for an
    unknown client, the account's and the address's overall counters."""
    keys: dict[str, str] = {}
    ident = identifier_hash(identifier) if identifier else ""
    ip = ip_pseudonym(client_ip(request))
    device = known_device(request, identifier)
    if device is not None:
        client = "d" + conf.keyed_hash(conf.log_pseudonym_key(), "device", device)[:31]
    else:
        client = "i" + ip
    if ident:
        keys["client"] = "c:" + conf.keyed_hash(conf.log_pseudonym_key(), "client", f"{ident}|{client}")
    if device is None:
        if ident and account_cap:
            keys["account"] = "a:" + ident
        if ip:
            keys["ip"] = "i:" + ip
    return keys


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=conf.throttle_window_seconds())


def locked_until(
    scope: str, request, identifier: str = "", *, account_cap: bool = True
) -> dt.datetime | None:
    """The end of the current lockout for this request, or None when it may proceed."""
    keys = _keys(request, identifier, account_cap=account_cap)
    rows = Throttle.objects.filter(scope=scope, key_hash__in=keys.values(), locked_until__gt=timezone.now())
    ends = [row.locked_until for row in rows]
    return max(ends) if ends else None


def _count_client(row: Throttle, now: dt.datetime) -> dt.datetime | None:
    """Progressive lockout of one client for one account."""
    last = max(value for value in (row.first_failure_at, row.locked_until) if value is not None)
    if now - last > _window():
        row.failures, row.lockouts = 0, 0  # quiet for a whole window: start afresh
    if row.failures == 0:
        row.first_failure_at = now
    row.failures += 1
    if row.failures < conf.throttle_limit():
        return None
    seconds = min(conf.throttle_base_seconds() * (2**row.lockouts), conf.throttle_max_seconds())
    row.locked_until = now + dt.timedelta(seconds=seconds)
    row.lockouts += 1
    row.failures = 0
    return row.locked_until


def _count_overall(row: Throttle, now: dt.datetime, limit: int) -> dt.datetime | None:
    """A fixed window: `limit` failures within it hold back until the window ends (never longer)."""
    if row.failures == 0 or now - row.first_failure_at > _window():
        row.failures, row.first_failure_at = 0, now
    row.failures += 1
    if row.failures < limit:
        return None
    row.locked_until = row.first_failure_at + _window()
    row.lockouts += 1
    return row.locked_until


def register_failure(
    scope: str, request, identifier: str = "", *, account_cap: bool = True
) -> dt.datetime | None:
    """Count a failure; return the end of the lockout it triggers for this request, if any."""
    now = timezone.now()
    keys = _keys(request, identifier, account_cap=account_cap)
    locked = []
    with transaction.atomic():
        for kind, key in keys.items():
            row, _created = Throttle.objects.select_for_update().get_or_create(scope=scope, key_hash=key)
            if kind == "client":
                until = _count_client(row, now)
            elif kind == "account":
                until = _count_overall(row, now, conf.throttle_account_limit())
            else:
                until = _count_overall(row, now, conf.throttle_ip_limit())
            row.save()
            if until is not None:
                locked.append(until)
    return max(locked) if locked else None


def register_success(scope: str, request, identifier: str = "") -> None:
    """A genuine success: clear this client's and the account's counters (not the address's,
    which other accounts share)."""
    if not identifier:
        return
    keys = _keys(request, identifier, account_cap=True)
    keys["account"] = "a:" + identifier_hash(identifier)
    keys.pop("ip", None)
    Throttle.objects.filter(scope=scope, key_hash__in=keys.values()).update(
        failures=0, lockouts=0, locked_until=None
    )
