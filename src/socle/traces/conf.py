"""Settings of the Traces brick, with their defaults. Override any of them in the Django
settings (or, for secrets, through the environment variables named below)."""

import hashlib
import os

from django.conf import settings

SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")


def _get(name, default):
    return getattr(settings, name, default)


def pseudonymise() -> bool:
    """Replace every actor's identifier by a keyed pseudonym on ingestion."""
    value = os.environ.get("SOCLE_TRACES_PSEUDONYMISE")
    if value is not None:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(_get("SOCLE_TRACES_PSEUDONYMISE", False))


def pseudonym_key() -> bytes:
    """HMAC key of the pseudonyms: from the environment in production; derived from
    SECRET_KEY otherwise (so that a development instance is stable across restarts)."""
    key = os.environ.get("SOCLE_TRACES_PSEUDONYM_KEY") or _get("SOCLE_TRACES_PSEUDONYM_KEY", "")
    if key:
        return key.encode()
    return hashlib.sha256(b"socle.traces.pseudonym:" + settings.SECRET_KEY.encode()).digest()


def pseudonym_home_page() -> str:
    return _get("SOCLE_TRACES_PSEUDONYM_HOMEPAGE", "https://socle.education.gouv.fr/pseudonyme")


def retention_days() -> int | None:
    value = os.environ.get("SOCLE_TRACES_RETENTION_DAYS") or _get("SOCLE_TRACES_RETENTION_DAYS", None)
    return int(value) if value else None


def page_size() -> int:
    return int(_get("SOCLE_TRACES_PAGE_SIZE", 100))


def max_page_size() -> int:
    return int(_get("SOCLE_TRACES_MAX_PAGE_SIZE", 1000))


def max_body_bytes() -> int:
    """The largest request body the LRS reads (statements with their attachments, documents):
    beyond, 413 — refused on the Content-Length before anything is read."""
    return int(_get("SOCLE_XAPI_MAX_BODY_BYTES", 10_000_000))


def partial_batches_default() -> bool:
    """When True, a POST of several statements stores the valid ones and reports the invalid
    ones instead of rejecting the whole batch (clients can also ask per request)."""
    return bool(_get("SOCLE_TRACES_PARTIAL_BATCHES", False))


def authority_home_page() -> str:
    return _get("SOCLE_TRACES_AUTHORITY_HOMEPAGE", "https://socle.education.gouv.fr/xapi/clients")


def export_dir() -> str:
    return str(_get("SOCLE_TRACES_EXPORT_DIR", settings.VAR_DIR / "traces-export"))
