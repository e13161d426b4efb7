"""The OAuth2/OIDC request validator: pairwise `sub`, claims by scope (narrowed to what the
client's operator allows today), the root issuer, and no token for a suspended account."""

from __future__ import annotations

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
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and user_may_sign_in(
            request.user
        )

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and user_may_sign_in(request.user)
