"""The OAuth2/OIDC request validator: pairwise `sub`, claims by scope (narrowed to what the
client's operator allows today), the root issuer, no token for a suspended account, and the
revocation of what a replayed authorization code issued (RFC 6749 §4.1.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from .identity import attributes_of, subject_for
from .issuer import issuer
from .models import profile_of
from .scopes_catalogue import CLAIM_SCOPE


def user_may_sign_in(user) -> bool:
    if user is None or not user.is_active:
        return False
    account = getattr(user, "account", None) if hasattr(user, "account") else None
    state = getattr(account, "state", None)
    return state in (None, "active")


class SocleOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPE

    def get_additional_claims(self, request):
        # Request-aware signature: claims are computed per request in get_claim_dict.
        return {}

    def get_claim_dict(self, request):
        profile = profile_of(request.client)
        claims = {"sub": subject_for(request.user, profile.audience)}
        claims.update(attributes_of(request.user))
        return claims

    def get_discovery_claims(self, request):
        return list(CLAIM_SCOPE)

    def get_oidc_claims(self, token, token_handler, request):
        allowed = set(profile_of(request.client).scopes)
        claims = super().get_oidc_claims(token, token_handler, request)
        return {name: value for name, value in claims.items() if CLAIM_SCOPE.get(name) in allowed}

    def get_oidc_issuer_endpoint(self, request):
        return issuer(request)

    # prompt=none (OIDC Core 3.1.2.1). Anonymous requests are answered `login_required` by the
    # authorization view before reaching here, so a session exists.
    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        # No consent screen can be shown: only clients that need none (first-party) pass;
        # the others get `consent_required` and must come back without prompt=none.
        return bool(request.client and request.client.skip_authorization)

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            revoke_if_replayed(code)
            return False
        return user_may_sign_in(request.user)

    def _save_bearer_token(self, token, request, *args, **kwargs):
        super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and getattr(request, "code", None):
            remember_redemption(request.code, token, request)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and user_may_sign_in(request.user)


def _code_hash(code: str) -> str:
    return hashlib.sha256(f"socle-authorization-code:{code}".encode()).hexdigest()


def _checksum(raw: str | None) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest() if raw else ""


def remember_redemption(code: str, token: dict, request) -> None:
    """Record what the exchange of `code` issued (inside django-oauth-toolkit's transaction)."""
    from .models import RedeemedCode

    access = AccessToken.objects.filter(token_checksum=_checksum(token.get("access_token"))).first()
    refresh = RefreshToken.objects.filter(token_checksum=_checksum(token.get("refresh_token"))).first()
    RedeemedCode.objects.create(
        code_hash=_code_hash(code),
        application=request.client,
        user=request.user if getattr(request.user, "pk", None) else None,
        access_token_id=access.pk if access else None,
        token_family=refresh.token_family if refresh else None,
    )
    if secrets.randbelow(100) == 0:  # now and then, forget codes older than any refresh token
        lifetime = settings.OAUTH2_PROVIDER.get("REFRESH_TOKEN_EXPIRE_SECONDS", 30 * 24 * 3600)
        RedeemedCode.objects.filter(redeemed_at__lt=timezone.now() - dt.timedelta(seconds=lifetime)).delete()


def revoke_if_replayed(code: str) -> bool:
    """If `code` was exchanged before, revoke what that exchange issued and log it."""
    from socle.identite.security import log_event

    from .models import RedeemedCode

    redeemed = (
        RedeemedCode.objects.select_related("application", "user").filter(code_hash=_code_hash(code)).first()
    )
    if redeemed is None:
        return False
    if redeemed.token_family:
        RefreshToken.revoke_family(redeemed.token_family)
    if redeemed.access_token_id:
        AccessToken.objects.filter(pk=redeemed.access_token_id).delete()
    log_event(
        "oauth_code_replay",
        user=redeemed.user,
        details={"client_id": redeemed.application.client_id},
    )
    return True
