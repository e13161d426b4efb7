"""OAuth 2 client credentials for the OneRoster service: the clients are the agreement holders.

`authenticate(request) -> (agreement, scopes)` is the only thing the API asks; when the
Identité brick issues these tokens through its OIDC provider, only this module changes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from ..models import AccessToken, Agreement

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
CORE = "roster-core.readonly"
ROSTER = "roster.readonly"
DEMOGRAPHICS = "roster-demographics.readonly"
SCOPES = (CORE, ROSTER, DEMOGRAPHICS)
TOKEN_LIFETIME = dt.timedelta(hours=1)


class AuthError(Exception):
    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def short_scope(scope: str) -> str:
    return scope.removeprefix(SCOPE_PREFIX)


def full_scope(scope: str) -> str:
    return SCOPE_PREFIX + short_scope(scope)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_from_request(request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise AuthError(401, "invalid_client", "malformed Basic credentials") from error
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def issue_token(request) -> dict:
    """The token endpoint's answer for a client-credentials request (RFC 6749 §4.4)."""
    if request.POST.get("grant_type") != "client_credentials":
        raise AuthError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    client_id, secret = client_from_request(request)
    agreement = Agreement.objects.filter(client_id=client_id).first() if client_id else None
    if agreement is None or not agreement.check_secret(secret):
        raise AuthError(401, "invalid_client", "unknown client or wrong secret")
    requested = [short_scope(s) for s in request.POST.get("scope", "").split()] or list(
        agreement.oauth_scopes
    )
    unknown = [s for s in requested if s not in SCOPES]
    refused = [s for s in requested if s in SCOPES and s not in agreement.oauth_scopes]
    if unknown or refused:
        raise AuthError(
            400, "invalid_scope", f"scope not granted to this client: {' '.join(unknown + refused)}"
        )
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        agreement=agreement,
        digest=_digest(token),
        scopes=requested,
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "scope": " ".join(full_scope(s) for s in requested),
    }


def authenticate(request) -> tuple[Agreement, set[str]]:
    """The agreement and the scopes of the request's bearer token; AuthError otherwise."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise AuthError(401, "unauthorisedrequest", "a bearer token is required")
    token = AccessToken.objects.select_related("agreement").filter(digest=_digest(header[7:].strip())).first()
    if token is None or token.expires_at <= timezone.now():
        raise AuthError(401, "unauthorisedrequest", "unknown or expired token")
    return token.agreement, set(token.scopes)
