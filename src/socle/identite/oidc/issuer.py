"""The identity provider's issuer: SOCLE_IDENTITY_ISSUER, or the origin of the request (so that
discovery lives at the root, `/.well-known/openid-configuration`, as OIDC Discovery requires)."""

from urllib.parse import urlsplit

from django.conf import settings
from oauth2_provider.settings import oauth2_settings


def issuer(request) -> str:
    configured = getattr(settings, "SOCLE_IDENTITY_ISSUER", "")
    if configured:
        return configured.rstrip("/")
    # DOT knows how to build an absolute URL from a Django or an oauthlib request.
    parts = urlsplit(oauth2_settings.oidc_issuer(request))
    return f"{parts.scheme}://{parts.netloc}"
