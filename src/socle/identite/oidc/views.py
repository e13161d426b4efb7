"""OIDC endpoints: django-oauth-toolkit's views with Socle's templates (consent, logout), and the
discovery document at the root with the issuer and what this provider really accepts."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from django.http import HttpResponseRedirect, JsonResponse
from oauth2_provider import views as dot
from oauth2_provider.models import get_application_model

from .issuer import issuer
from .models import profile_of
from .scopes_catalogue import CLAIM_SCOPE, SCOPES

Application = get_application_model()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _login_required_redirect(request):
    application = Application.objects.filter(client_id=request.GET.get("client_id", "")).first()
    redirect_uri = request.GET.get("redirect_uri", "")
    if application is None or not redirect_uri or not application.redirect_uri_allowed(redirect_uri):
        return None
    params = {"error": "login_required", "iss": issuer(request)}
    if "state" in request.GET:
        params["state"] = request.GET["state"]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(params)}")


class AuthorizationView(dot.AuthorizationView):
    """Requires a logged-in session (redirects to settings.LOGIN_URL); the consent screen is shown
    to third-party clients (first-party ones are marked "skip authorization" by the operator)."""

    template_name = "identite_oidc/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        # prompt=none (silent SSO) without a session: answer `login_required` to the client
        # instead of showing the login page (OIDC Core 3.1.2.6), once the client and its
        # redirect URI are known to be genuine.
        if not request.user.is_authenticated and "none" in request.GET.get("prompt", "").split():
            silent = _login_required_redirect(request)
            if silent is not None:
                return silent
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The consent form posts here, then redirects to the client: CSP's form-action also
        # governs that redirect, so the client's origin is allowed on this page only.
        origin = _origin(request.GET.get("redirect_uri", ""))
        if origin and response.status_code == 200:
            response._csp_update = {"form-action": [origin]}
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is not None:
            context["client_profile"] = profile_of(application)
        return context


class LogoutView(dot.RPInitiatedLogoutView):
    template_name = "identite_oidc/logout_confirm.html"


class DiscoveryView(dot.ConnectDiscoveryInfoView):
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            {
                "issuer": issuer(request),
                "scopes_supported": list(SCOPES),
                "claims_supported": list(CLAIM_SCOPE),
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "revocation_endpoint": request.build_absolute_uri("/oidc/revoke_token/"),
                "introspection_endpoint": request.build_absolute_uri("/oidc/introspect/"),
                # Registered resource servers only (socle.identite.oidc.introspection).
                "introspection_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "private_key_jwt",
                ],
                "introspection_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            }
        )
        result = JsonResponse(data)
        result["Access-Control-Allow-Origin"] = "*"
        return result
