"""Identité's settings, each with a default, and the keys it derives.

Secrets come from the environment only (SOCLE_PAIRWISE_KEY, SOCLE_LOG_PSEUDONYM_KEY); in dev and
tests they are derived from SECRET_KEY so that nothing needs configuring. `checks.py` refuses a
production deployment (`check --deploy`) without them."""

from __future__ import annotations

import hashlib
import hmac
import os

from django.conf import settings


def setting(name: str, default):
    return getattr(settings, name, default)


def _secret(name: str, purpose: str) -> bytes:
    value = getattr(settings, name, None) or os.environ.get(name, "")
    if value:
        return value.encode()
    # Dev/test only: a key derived from SECRET_KEY, distinct per purpose.
    return hmac.new(
        settings.SECRET_KEY.encode(), f"socle.identite.{purpose}".encode(), hashlib.sha256
    ).digest()


def pairwise_key() -> bytes:
    """The key of pairwise subjects (OIDC sub, CAS/SAML NameID, GAR IDO) and of the INE hash."""
    return _secret("SOCLE_PAIRWISE_KEY", "pairwise")


def log_pseudonym_key() -> bytes:
    """The key used to pseudonymise IP addresses and identifiers in the security log."""
    return _secret("SOCLE_LOG_PSEUDONYM_KEY", "log-pseudonym")


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256(key, purpose NUL value), hex. The purpose separates the uses of one key."""
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def activation_code_days() -> int:
    """Validity of the codes printed on school letters."""
    return setting("SOCLE_ACTIVATION_CODE_DAYS", 30)


def sent_code_minutes() -> int:
    """Validity of the codes sent by e-mail or SMS (self-activation, password reset)."""
    return setting("SOCLE_SENT_CODE_MINUTES", 20)


def log_retention_days() -> int:
    """Security events older than this are deleted (CNIL: 6 to 12 months)."""
    return setting("SOCLE_SECURITY_LOG_RETENTION_DAYS", 365)


def log_ip_days() -> int:
    """IP addresses of security events older than this are replaced by a keyed pseudonym."""
    return setting("SOCLE_SECURITY_LOG_IP_DAYS", 30)


def throttle_limit() -> int:
    """Failures allowed per identifier and per IP address before a lockout."""
    return setting("SOCLE_THROTTLE_LIMIT", 5)


def throttle_base_seconds() -> int:
    return setting("SOCLE_THROTTLE_BASE_SECONDS", 60)


def throttle_max_seconds() -> int:
    return setting("SOCLE_THROTTLE_MAX_SECONDS", 3600)


def sms_backend() -> str:
    return setting("SOCLE_SMS_BACKEND", "socle.identite.sms.ConsoleBackend")


def code_key() -> bytes:
    """The key of the stored hashes of activation and reset codes."""
    return _secret("SOCLE_CODE_KEY", "codes")


def async_delivery() -> bool:
    """Send e-mails and SMS in a background thread, so that a request's duration does not reveal
    whether a code was sent (no user enumeration by timing). Off in tests."""
    return setting("SOCLE_IDENTITE_ASYNC_DELIVERY", False)
