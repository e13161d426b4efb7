"""Token introspection (RFC 7662) for registered resource servers only.

django-oauth-toolkit's IntrospectTokenView answers any client that authenticates, falls back to a
bearer token, and releases the login name (`username`). Socle keeps its token lookup but puts its
own policy in front and around it:

- the caller is a `ResourceServer` (a confidential client registered for introspection),
  authenticated with its registered method: client_secret_basic, client_secret_post, or
  private_key_jwt (RFC 7523: a short-lived JWT signed with a key of its registered JWKS, `iss` =
  `sub` = its client id, `aud` = this endpoint or the issuer, a `jti` accepted once);
- a token issued to a client the server does not serve is `{"active": false}`, like an unknown one;
- an active answer carries the pairwise `sub` the token's client sees (so the API and its client
  agree on who the user is), `aud`, `client_id`, `scope`, `exp`, `iat`, `iss` — never `username`.

private_key_jwt is verified here with joserfc: django-oauth-toolkit has no client-assertion
support."""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import hashlib
import json
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password, identify_hasher
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from oauth2_provider import views as dot
from oauth2_provider.models import get_access_token_model

from .issuer import issuer
from .models import ResourceServer, ResourceServerAuthMethod, UsedClientAssertion, profile_of
from .validators import user_may_sign_in

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "PS256", "ES256"]
# Common client libraries sign for an hour (Authlib); longer would make the assertion a password.
ASSERTION_MAX_LIFETIME = dt.timedelta(hours=1, minutes=1)
AUTH_METHODS = [choice.value for choice in ResourceServerAuthMethod]


def load_jwks(text: str) -> KeySet:
    """The registered public keys; ValueError when they cannot be used."""
    try:
        data = json.loads(text or "")
        keys = KeySet.import_key_set(data)
    except (ValueError, TypeError, KeyError, JoseError) as error:
        raise ValueError(f"not a usable JSON Web Key Set: {error}") from error
    if not keys.keys or any(key.is_private for key in keys.keys):
        raise ValueError("a JSON Web Key Set of public keys is expected")
    return keys


def _server_for(client_id: str) -> ResourceServer | None:
    if not client_id:
        return None
    return (
        ResourceServer.objects.select_related("application")
        .filter(application__client_id=client_id, enabled=True)
        .first()
    )


def _secret_matches(provided: str, stored: str) -> bool:
    if not provided or not stored:
        return False
    try:
        identify_hasher(stored)
    except ValueError:  # a secret stored in clear (django-oauth-toolkit's hashing turned off)
        return constant_time_compare(provided, stored)
    return check_password(provided, stored)


def _basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _unverified_issuer(assertion: str) -> str:
    """The `iss` of a JWT before its signature is checked: only to find whose keys to use."""
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return ""
    value = claims.get("iss") if isinstance(claims, dict) else None
    return value if isinstance(value, str) else ""


def _accept_assertion(request, assertion: str) -> ResourceServer | None:
    client_id = request.POST.get("client_id") or _unverified_issuer(assertion)
    server = _server_for(client_id)
    if server is None or server.auth_method != ResourceServerAuthMethod.PRIVATE_KEY_JWT:
        return None
    try:
        token = jwt.decode(assertion, load_jwks(server.jwks), algorithms=ASSERTION_ALGORITHMS)
        endpoint = request.build_absolute_uri(request.path)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": client_id},
            sub={"essential": True, "value": client_id},
            aud={"essential": True, "values": [endpoint, issuer(request)]},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (ValueError, JoseError):
        return None
    now = timezone.now()
    expires = dt.datetime.fromtimestamp(int(token.claims["exp"]), tz=dt.UTC)
    if expires - now > ASSERTION_MAX_LIFETIME:
        return None
    UsedClientAssertion.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedClientAssertion.objects.create(
                client_id=client_id, jti=str(token.claims["jti"])[:255], expires_at=expires
            )
    except IntegrityError:
        return None  # replayed
    return server


def authenticate_resource_server(request) -> ResourceServer | None:
    """The registered resource server making this request, authenticated with its registered
    method, or None."""
    basic = _basic_credentials(request)
    if basic is not None:
        server = _server_for(basic[0])
        if (
            server is not None
            and server.auth_method == ResourceServerAuthMethod.CLIENT_SECRET_BASIC
            and _secret_matches(basic[1], server.application.client_secret)
        ):
            return server
        return None
    assertion = request.POST.get("client_assertion", "")
    if assertion:
        if request.POST.get("client_assertion_type") != ASSERTION_TYPE:
            return None
        return _accept_assertion(request, assertion)
    server = _server_for(request.POST.get("client_id", ""))
    if (
        server is not None
        and server.auth_method == ResourceServerAuthMethod.CLIENT_SECRET_POST
        and _secret_matches(request.POST.get("client_secret", ""), server.application.client_secret)
    ):
        return server
    return None


def _inactive() -> JsonResponse:
    return _json({"active": False})


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _timestamp(value: dt.datetime) -> int:
    return int(calendar.timegm(value.utctimetuple()))


@method_decorator(csrf_exempt, name="dispatch")  # a machine-to-machine endpoint, no cookies
class IntrospectTokenView(dot.IntrospectTokenView):
    """django-oauth-toolkit's view with Socle's caller policy and answer (module docstring)."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        server = authenticate_resource_server(request)
        if server is None:
            response = _json(
                {
                    "error": "invalid_client",
                    "error_description": "Only registered resource servers may introspect.",
                },
                status=401,
            )
            response["WWW-Authenticate"] = 'Basic realm="introspection"'
            return response
        request.resource_server = server
        # Past django-oauth-toolkit's client-or-bearer authentication: the caller is known.
        return View.dispatch(self, request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        value = request.POST.get("token")
        if not value:
            return _json({"error": "invalid_request", "error_description": "token is missing"}, status=400)
        checksum = hashlib.sha256(value.encode("utf-8")).hexdigest()
        token = (
            get_access_token_model()
            .objects.select_related("user", "application")
            .filter(token_checksum=checksum)
            .first()
        )
        server = request.resource_server
        if token is None or not token.is_valid() or token.application is None:
            return _inactive()
        if not server.served_clients.filter(pk=token.application_id).exists():
            return _inactive()  # not an audience this server serves: as if unknown
        data = {
            "active": True,
            "token_type": "Bearer",
            "scope": token.scope,
            "client_id": token.application.client_id,
            "aud": [token.application.client_id, *token.resource]
            if token.resource
            else token.application.client_id,
            "iss": issuer(request),
            "exp": _timestamp(token.expires),
            "iat": _timestamp(token.created),
        }
        if token.user is not None:
            if not user_may_sign_in(token.user):
                return _inactive()
            from socle.identite.services import pairwise_subject

            data["sub"] = pairwise_subject(token.user, profile_of(token.application).audience)
        return _json(data)
