"""The security log and the helpers around it: client IP, pseudonyms, user agents."""

from __future__ import annotations

import ipaddress
import logging

from django.utils import timezone

from .conf import keyed_hash, log_pseudonym_key
from .models import SecurityEvent

logger = logging.getLogger("socle.identite.security")


def client_ip(request) -> str | None:
    """The client's address as the server saw it (REMOTE_ADDR). Behind a reverse proxy, the
    proxy must set REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips); a client-supplied
    X-Forwarded-For is never trusted here."""
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def ip_pseudonym(ip: str | None) -> str:
    """A keyed pseudonym of an IP address (16 hex characters), "" for none."""
    return keyed_hash(log_pseudonym_key(), "ip", ip)[:16] if ip else ""


def identifier_hash(identifier: str) -> str:
    """A keyed hash of an attempted identifier (username, e-mail, phone): failed attempts on the
    same identifier can be correlated without keeping what was typed."""
    value = (identifier or "").strip().lower()
    return keyed_hash(log_pseudonym_key(), "identifier", value) if value else ""


def user_agent(request) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200]


def log_event(kind: str, *, request=None, user=None, identifier: str = "", details: dict | None = None):
    """Record a security event (and emit it on the `socle.identite.security` logger, without
    personal data, for the operator's log pipeline)."""
    if kind not in SecurityEvent.Kind.values:
        raise ValueError(f"unknown security event kind {kind!r}")
    if user is not None and not getattr(user, "pk", None):
        user = None
    event = SecurityEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        user=user,
        identifier_hash=identifier_hash(identifier),
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        path=(request.path[:200] if request is not None else ""),
        details=details or {},
    )
    logger.info("security_event kind=%s user=%s", kind, getattr(user, "pk", "-"))
    return event
