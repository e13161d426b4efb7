"""Bearer-token authentication, scopes and the single error shape shared by every brick's JSON API.

A brick builds its API with `SocleAPI` (a `NinjaAPI` that answers every error with
`{"error": {"code", "message", "field"}}`) and protects each route with `TokenAuth(scope)`:

    api = SocleAPI(title="Socle — Référentiel API v1", version="1", urls_namespace="referentiel-api")

    @api.get("/schools", auth=TokenAuth("referentiel:read"))
    def list_schools(request): ...

`request.auth` is then the `core.ApiToken`; `has_scope(request, "referentiel:read:persons")`
tells a view whether it may add optional personal fields.

Status codes follow RFC 6750: 401 with `WWW-Authenticate: Bearer …` when the token is missing,
unknown, expired or revoked; 403 with `error="insufficient_scope"` naming the missing scope.
APIs used by the pages' own users authenticate with `session_auth` (the Django session; the CSRF
token is checked on unsafe methods, but only once a user is logged in: a request without
credentials is a 401, never a CSRF 403). Every other error takes `api_errors`' one path."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from .api_errors import ApiError, ErrorDetail, ErrorOut, ErrorPathAPI, body_limit
from .models import ApiToken

__all__ = [
    "AUTH_ERRORS",
    "ApiError",
    "ErrorDetail",
    "ErrorOut",
    "SessionUserAuth",
    "SocleAPI",
    "TokenAuth",
    "audit_token_access",
    "body_limit",
    "has_scope",
    "scopes_extra",
    "session_auth",
]

REALM = "socle"
SECURITY_SCHEME = "TokenAuth"
# OpenAPI extension key carrying a route's required scopes; `SocleAPI` moves it into the
# operation's `security` requirement (OpenAPI 3.1 allows role names for non-OAuth schemes).
SCOPES_EXTENSION = "x-required-scopes"


def _challenge(error: str | None = None, description: str | None = None, scope: str | None = None) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def not_authenticated(message: str, *, invalid: bool) -> ApiError:
    description = "The access token is invalid, expired or revoked" if invalid else None
    header = _challenge("invalid_token", description) if invalid else _challenge()
    return ApiError(
        401, "invalid_token" if invalid else "not_authenticated", message, None, {"WWW-Authenticate": header}
    )


def insufficient_scope(scope: str) -> ApiError:
    return ApiError(
        403,
        "insufficient_scope",
        f"This token lacks the scope {scope!r} that this endpoint requires.",
        None,
        {"WWW-Authenticate": _challenge("insufficient_scope", scope=scope)},
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer soc_…` checked against `core.ApiToken` (SHA-256 digest), then the
    required scope. Scopes are independent strings: holding `referentiel:read:persons` does
    not imply `referentiel:read`."""

    openapi_description = (
        "Operator token issued by `socle api-token create --name N --scope S`, sent as "
        "`Authorization: Bearer soc_…`. Each operation lists the scopes it requires."
    )

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        header = request.headers.get(self.header, "")
        if not header:
            return None  # django-ninja then raises AuthenticationError: 401 "not_authenticated"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise not_authenticated("Expected an 'Authorization: Bearer <token>' header.", invalid=True)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = ApiToken.authenticate(token)
        if api_token is None:
            raise not_authenticated("The bearer token is unknown, expired or revoked.", invalid=True)
        if self.scope not in (api_token.scopes or []):
            raise insufficient_scope(self.scope)
        return api_token


class SessionUserAuth(SessionAuth):
    """The logged-in user of the Django session. Unlike django-ninja's `SessionAuth`, the CSRF
    token is only checked once a user is found: without a session the answer is 401 (log in),
    with a session but no CSRF token on an unsafe method it is 403 `csrf_failed`."""

    openapi_description = (
        "The Django session cookie of a logged-in user (log in at /identite/connexion/). "
        "POST, PUT and DELETE also need the CSRF token in the X-CSRFToken header."
    )

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # then AuthenticationError: 401
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise ApiError(
                403,
                "csrf_failed",
                "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.",
            )
        return user


session_auth = SessionUserAuth()


# The error responses every protected route declares, for the OpenAPI document.
AUTH_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


def has_scope(request: HttpRequest, scope: str) -> bool:
    token = getattr(request, "auth", None)
    return isinstance(token, ApiToken) and scope in (token.scopes or [])


def scopes_extra(*scopes: str) -> dict[str, Any]:
    """`openapi_extra` for a route: `SocleAPI` turns it into the security requirement."""
    return {SCOPES_EXTENSION: list(scopes)}


class _PreciseJSONEncoder(NinjaJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; `date_last_modified` is a sync
    watermark, so keep microseconds (ISO 8601 with its UTC offset)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            offset = o.utcoffset()
            if offset is not None and offset.seconds % 60:
                # A historical zone offset with seconds (LMT +00:09:21) is not RFC 3339.
                o = o.astimezone(dt.UTC)
            return o.isoformat()
        return super().default(o)


class PreciseJSONRenderer(JSONRenderer):
    encoder_class = _PreciseJSONEncoder


class SocleAPI(ErrorPathAPI):
    """A `NinjaAPI` with the platform's one error path (`api_errors`) and scope-aware OpenAPI
    security."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("renderer", PreciseJSONRenderer())
        super().__init__(*args, **kwargs)
        self.add_exception_handler(AuthenticationError, self._authentication_error)

    def _authentication_error(self, request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return self.error_response(
            request,
            not_authenticated(
                "Authentication required: send 'Authorization: Bearer <token>'.", invalid=False
            ),
        )

    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict):
                    continue
                scopes = operation.get(SCOPES_EXTENSION)
                if scopes is not None and operation.get("security"):
                    operation["security"] = [{SECURITY_SCHEME: list(scopes)}]
        return schema


def audit_token_access(request: HttpRequest, *, api: str, summary: str, **details: Any) -> None:
    """One auditlog ACCESS entry for a token-authenticated read of personal or closed data:
    which token (name, prefix, scopes), which endpoint and query, and what was read (`summary`,
    e.g. "12 person(s)", plus the brick's own `details`)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    token: ApiToken = request.auth  # type: ignore[attr-defined]
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(ApiToken),
        object_pk=str(token.pk),
        object_id=token.pk,
        object_repr=f"API token {token.name}",
        action=LogEntry.Action.ACCESS,
        changes_text=f"{request.method} {request.get_full_path()}: {summary}",
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        additional_data={
            "api": api,
            "token": token.name,
            "token_prefix": token.prefix,
            "method": request.method,
            "endpoint": request.path,
            "query": request.GET.urlencode(),
            "scopes": list(token.scopes or []),
            **details,
        },
    )
