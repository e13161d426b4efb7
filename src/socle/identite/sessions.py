"""The sessions a user sees on their account page ("my sessions") and can revoke."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import logout
from django.utils import timezone

from .models import UserSession
from .security import client_ip, ip_pseudonym, user_agent

LAST_SEEN_RESOLUTION = dt.timedelta(minutes=5)
# When the last sign-in through Identité's forms completed (epoch seconds, in the session):
# protocols that must know whether the credentials were just typed (CAS renew=true) compare
# against it.
AUTHENTICATED_AT = "identite_authenticated_at"


def session_hash(session_key: str) -> str:
    return hashlib.sha256(f"socle-session:{session_key}".encode()).hexdigest()


def record_session(request, user, *, second_factor: bool = False) -> UserSession | None:
    """Record the session just opened for `user` (called on login)."""
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    if not key:
        return None
    session, _ = UserSession.objects.update_or_create(
        session_key_hash=session_hash(key),
        defaults={
            "user": user,
            "user_agent": user_agent(request),
            "ip_pseudonym": ip_pseudonym(client_ip(request)),
            "last_seen_at": timezone.now(),
            "second_factor": second_factor,
            "revoked_at": None,
        },
    )
    return session


def current_session(request) -> UserSession | None:
    key = getattr(request, "session", None) and request.session.session_key
    if not key:
        return None
    return UserSession.objects.filter(session_key_hash=session_hash(key)).first()


def active_sessions(user):
    return UserSession.objects.filter(user=user, revoked_at__isnull=True).order_by("-last_seen_at")


def revoke(user, session_id: int) -> bool:
    """Revoke one of `user`'s sessions (it is logged out on its next request)."""
    return bool(
        UserSession.objects.filter(user=user, pk=session_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def end_session(request) -> None:
    key = getattr(request, "session", None) and request.session.session_key
    if key:
        UserSession.objects.filter(session_key_hash=session_hash(key), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


class SessionTrackingMiddleware:
    """After AuthenticationMiddleware: logs out a revoked session, records a session opened
    outside Identité's login (e.g. the admin's), and refreshes "last seen" every few minutes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            session = current_session(request)
            if session is None:
                record_session(request, user)
            elif session.revoked_at is not None or session.user_id != user.pk:
                logout(request)
            elif timezone.now() - session.last_seen_at > LAST_SEEN_RESOLUTION:
                UserSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())
        return self.get_response(request)
