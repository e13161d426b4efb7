"""The HTTP side of the LRS: one `XRequest` per call whatever its syntax (plain or the 1.0.x
alternate request syntax), version negotiation, authentication and responses with the
headers every xAPI response carries (version, CORS)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict

from . import conf
from .store import Client, XAPIError

ALTERNATE_HEADERS = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
}
METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, If-Match, If-None-Match, X-Experience-API-Version, "
        "X-Experience-API-Hash, Accept-Language, X-Socle-Batch-Mode"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through, Content-Type"
    ),
}


@dataclass
class XRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    version: str = "2.0.0"
    path: str = ""
    alternate: bool = False
    tenant: str = ""
    django_request: HttpRequest | None = None
    # The body is read only once the client is authenticated (`load_body`), never before.
    unread: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def full_content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json_body(self):
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise XAPIError(400, f"the request body is not valid JSON ({exc})") from exc


def negotiate_version(value: str | None) -> str:
    if value is None:
        raise XAPIError(400, "the X-Experience-API-Version header is required")
    value = value.strip()
    if re.fullmatch(r"1\.0(\.\d+)?", value):
        return "1.0.3"
    if re.fullmatch(r"2\.0(\.\d+)?", value):
        return "2.0.0"
    raise XAPIError(400, f"unsupported xAPI version {value!r} (this LRS speaks 1.0.x and 2.0.0)")


_last_version: dict[str, str] = {}


class VersionedError(XAPIError):
    def __init__(self, status: int, message: str, version: str) -> None:
        super().__init__(status, message)
        self.version = version


def build_request(request: HttpRequest, *, about: bool = False) -> XRequest:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in request.META.items()
        if key.startswith("HTTP_")
    }
    if "CONTENT_TYPE" in request.META:
        headers["content-type"] = request.META["CONTENT_TYPE"]
    if request.META.get("CONTENT_LENGTH"):
        headers["content-length"] = request.META["CONTENT_LENGTH"]
    query = dict(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    method = request.method.upper()
    _check_length(request)
    xreq = XRequest(
        method=method, params=query, headers=headers, body=b"", path=request.path, django_request=request
    )
    if "method" in query:
        # The alternate syntax carries the credentials in the body: it is read first (capped).
        xreq.body = read_body(request)
        _alternate_syntax(xreq)
    else:
        xreq.unread = True
    _check_params(xreq)
    if about:
        version = xreq.headers.get("x-experience-api-version")
        try:
            xreq.version = negotiate_version(version) if version else "2.0.0"
        except XAPIError:
            xreq.version = "2.0.0"
    else:
        auth_key = hashlib.sha256(xreq.headers.get("authorization", "").encode()).hexdigest()
        if xreq.headers.get("x-experience-api-version") is None:
            # The error is stamped with the version this client spoke last (else the newest).
            raise VersionedError(
                400, "the X-Experience-API-Version header is required", _last_version.get(auth_key, "2.0.0")
            )
        xreq.version = negotiate_version(xreq.headers.get("x-experience-api-version"))
        if len(_last_version) > 10000:
            _last_version.clear()
        _last_version[auth_key] = xreq.version
        if xreq.version.startswith("2") and xreq.alternate:
            raise XAPIError(400, "the alternate request syntax is not part of xAPI 2.0")
    return xreq


# --- Limits ------------------------------------------------------------------------------------
def _too_large() -> XAPIError:
    return XAPIError(
        413, f"the request body is larger than this LRS's limit of {conf.max_body_bytes()} bytes"
    )


def _check_length(request: HttpRequest) -> None:
    """Refuse on the announced Content-Length, before reading anything."""
    announced = request.META.get("CONTENT_LENGTH") or ""
    if not announced:
        return
    try:
        length = int(announced)
    except ValueError:
        length = -1
    if length < 0:
        raise XAPIError(400, "Content-Length must be a non-negative integer")
    if length > conf.max_body_bytes():
        raise _too_large()


def read_body(request: HttpRequest) -> bytes:
    """The body, read up to one byte over the limit whatever the client announced."""
    limit = conf.max_body_bytes()
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return body


def load_body(xreq: XRequest) -> None:
    if xreq.unread and xreq.django_request is not None:
        xreq.body = read_body(xreq.django_request)
        xreq.unread = False


def _check_params(xreq: XRequest) -> None:
    """No parameter may hold a NUL character: document ids, activity ids… go to text columns
    PostgreSQL refuses it in."""
    for name, value in xreq.params.items():
        if "\x00" in name or "\x00" in value:
            raise XAPIError(
                400, f"the {name.replace(chr(0), '?')} parameter must not contain the NUL character"
            )


def _alternate_syntax(xreq: XRequest) -> None:
    """xAPI 1.0.x, Communication 1.3: POST ?method=X with the headers, the content and the
    parameters as form fields."""
    if xreq.method != "POST":
        raise XAPIError(400, "the alternate request syntax must be sent as a POST")
    if set(xreq.params) != {"method"}:
        raise XAPIError(400, "the alternate request syntax allows no query parameter but 'method'")
    method = xreq.params["method"].upper()
    if method not in METHODS:
        raise XAPIError(400, f"unsupported method {method!r} in the alternate request syntax")
    if xreq.content_type != "application/x-www-form-urlencoded":
        if xreq.headers.get("x-experience-api-version", "").startswith("2"):
            raise XAPIError(400, "the alternate request syntax is not part of xAPI 2.0")
        raise XAPIError(400, "the alternate request syntax needs an application/x-www-form-urlencoded body")
    try:
        form = dict(parse_qsl(xreq.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise XAPIError(400, "the form body is not UTF-8") from exc
    headers = {}
    params = {}
    content = None
    for key, value in form.items():
        if key.lower() in ALTERNATE_HEADERS:
            headers[key.lower()] = value
        elif key == "content":
            content = value
        else:
            params[key] = value
    if method in ("PUT", "POST") and content is None:
        raise XAPIError(400, "the alternate request syntax needs the body in a 'content' form field")
    xreq.headers = {k: v for k, v in xreq.headers.items() if k not in ("content-type", "content-length")}
    xreq.headers.update(headers)
    if content is not None and "content-type" not in headers:
        xreq.headers["content-type"] = "application/json"
    xreq.method = method
    xreq.params = params
    xreq.body = (content or "").encode("utf-8")
    xreq.alternate = True


# --- Authentication ----------------------------------------------------------------------------
_cache: dict[str, tuple[float, str, Client]] = {}
_cache_lock = threading.Lock()
CACHE_SECONDS = 30.0


def authority_for(name: str, key: str) -> dict:
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": conf.authority_home_page(), "name": key},
    }


def authenticate(xreq: XRequest) -> Client:
    from .models import Credential

    header = xreq.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            key, _, secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise XAPIError(401, "malformed Basic credentials") from exc
        digest = Credential.digest(secret)
        now = time.monotonic()
        cached = _cache.get(key)
        if cached and cached[0] > now and cached[1] == digest:
            return cached[2]
        credential = Credential.objects.filter(key=key, is_active=True).first()
        if credential is None or credential.secret_digest != digest:
            raise XAPIError(401, "unknown key or wrong secret")
        client = Client(
            tenant=credential.tenant,
            scopes=set(credential.scopes),
            authority=authority_for(credential.name, credential.key),
            credential_id=credential.pk,
            name=credential.name,
        )
        with _cache_lock:
            _cache[key] = (now + CACHE_SECONDS, digest, client)
        return client
    if scheme == "bearer":
        from socle.core.models import ApiToken

        token = ApiToken.authenticate(value.strip())
        if token is None:
            client = _identite_token(xreq, header)
            if client is None:
                raise XAPIError(401, "unknown, expired or revoked bearer token")
            return client
        scopes = set()
        tenant = "default"
        for scope in token.scopes:
            if scope.startswith("xapi:tenant:"):
                tenant = scope[len("xapi:tenant:") :]
            elif scope.startswith("xapi:"):
                scopes.add(scope[len("xapi:") :])
        return Client(
            tenant=tenant,
            scopes=scopes,
            authority=authority_for(token.name, f"token:{token.prefix}"),
            credential_id=-token.pk,
            name=token.name,
        )
    raise XAPIError(401, "authentication required (HTTP Basic credentials or an OAuth 2 bearer token)")


def _identite_token(xreq: XRequest, header: str) -> Client | None:
    """An OAuth 2 access token issued by Identité (django-oauth-toolkit), checked through the
    toolkit's own validator. Its xAPI scopes are the token scopes prefixed `xapi:`; its tenant is
    the OAuth client (application) that obtained it."""
    try:
        from oauth2_provider.oauth2_backends import get_oauthlib_core
    except ImportError:  # Identité not installed: operator tokens only
        return None
    request = xreq.django_request
    if request is None:
        return None
    if xreq.unread:
        # The token travels in the header: the toolkit must not read (all of) the body as a form.
        request._post, request._files = QueryDict(), MultiValueDict()
    request.META["HTTP_AUTHORIZATION"] = header
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid or oauth_request.access_token is None:
        return None
    token = oauth_request.access_token
    scopes = {scope[len("xapi:") :] for scope in (token.scope or "").split() if scope.startswith("xapi:")}
    application = token.application
    client_id = application.client_id if application else "oauth"
    return Client(
        tenant=f"oauth:{client_id}",
        scopes=scopes,
        authority=authority_for(application.name if application else client_id, f"oauth:{client_id}"),
        credential_id=None,
        name=client_id,
    )


def forget_cached_credentials() -> None:
    with _cache_lock:
        _cache.clear()


# --- Responses ---------------------------------------------------------------------------------
def respond(
    status: int,
    body: bytes | str | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    version: str = "2.0.0",
) -> HttpResponse:
    if isinstance(body, str):
        body = body.encode()
    response = HttpResponse(
        body or b"", status=status, content_type=content_type if body is not None else None
    )
    if body is None:
        del response["Content-Type"]
    if status not in (204, 304):
        # Set here: the /xapi/ short path skips CommonMiddleware, and a client must know where
        # the answer ends even when the server closes without reading an unwanted body.
        response["Content-Length"] = str(len(response.content))
    response["X-Experience-API-Version"] = version
    for name, value in CORS_HEADERS.items():
        response[name] = value
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def json_response(
    status: int, data, headers: dict[str, str] | None = None, version: str = "2.0.0"
) -> HttpResponse:
    return respond(status, orjson.dumps(data), "application/json", headers, version)


def error_response(exc: XAPIError, version: str = "2.0.0") -> HttpResponse:
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="xapi"'
    return json_response(
        exc.status, {"error": {"code": exc.status, "message": exc.message}}, headers, version
    )
