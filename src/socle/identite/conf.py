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
    """Failures allowed per account and client before that client is locked out (throttle.py)."""
    return setting("SOCLE_THROTTLE_LIMIT", 5)


def throttle_account_limit() -> int:
    """Failures per account from clients that never signed in for it, within the window, before
    they are held back until the window ends. High: known browsers are never held back by it."""
    return setting("SOCLE_THROTTLE_ACCOUNT_LIMIT", 50)


def throttle_ip_limit() -> int:
    """Failures per address (unknown clients, any account) within the window: a school's NAT puts
    hundreds of users behind one address, so this only stops spraying."""
    return setting("SOCLE_THROTTLE_IP_LIMIT", 100)


def throttle_window_seconds() -> int:
    """The window of the overall counters, and the quiet time after which a client starts afresh."""
    return setting("SOCLE_THROTTLE_WINDOW_SECONDS", 3600)


def sent_codes_per_window() -> int:
    """Codes sent by e-mail or SMS to one account within the validity of a sent code: requests
    beyond are answered the same but send nothing (no flooding, no revoking)."""
    return setting("SOCLE_SENT_CODES_PER_WINDOW", 3)


def throttle_base_seconds() -> int:
    return setting("SOCLE_THROTTLE_BASE_SECONDS", 60)


def throttle_max_seconds() -> int:
    return setting("SOCLE_THROTTLE_MAX_SECONDS", 3600)


def sms_backend() -> str:
    return setting("SOCLE_SMS_BACKEND", "socle.identite.sms.ConsoleBackend")


def code_key() -> bytes:
    """The key of the stored hashes of activation and reset codes."""
    return _secret("SOCLE_CODE_KEY", "codes")
