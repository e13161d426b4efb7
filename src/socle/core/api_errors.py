"""The one error path of the platform's JSON APIs (every django-ninja API is a `SocleAPI`, which
is an `ErrorPathAPI`): whatever goes wrong, the answer is

    {"error": {"code": "…", "message": "…", "field": "…"}}

with the status that says what is wrong (docs/api.md lists them):

- 400 `invalid_parameter` (query or path parameter; a NUL character in any parameter),
  `invalid_json` (the body is not JSON, or nests deeper than `storable.MAX_JSON_DEPTH` levels),
  `bad_request` (an unreadable request);
- 401 no or bad credentials (even on a POST: credentials are looked at before any CSRF check);
- 403 not allowed (`csrf_failed` for a logged-in session without the CSRF token);
- 404 `not_found`, also for any unknown path inside an API's prefix (never Django's HTML page);
- 405 `method_not_allowed`, with `Allow`;
- 413 `payload_too_large`: the body is over the endpoint's limit. The limit is checked on the
  Content-Length before anything is read, and the body is then read up to the limit only;
- 415 `unsupported_media_type`: a body in a media type the endpoint does not take;
- 422 `invalid_body`: the JSON does not fit the endpoint's schema, or holds a value the
  database cannot (NUL character, integer beyond 64 bits — `storable.json_problem`).

Body limits: `SOCLE_API_MAX_BODY_BYTES` (default 1 MB) for every endpoint, `@body_limit(n)` on a
view for its own default, and `SOCLE_API_BODY_LIMITS = {"<api namespace>:<view name>": n}` to
override one endpoint in the settings (e.g. `"ressources-api:submit_scolomfr"`).

Each operation's OpenAPI entry lists every status it can answer (`document_error_statuses`)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import BODY_CONTENT_TYPES, REF_TEMPLATE
from ninja.parser import Parser

from .storable import MAX_JSON_DEPTH, json_problem

log = logging.getLogger(__name__)
DEFAULT_MAX_BODY_BYTES = 1_000_000
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class ApiError(Exception):
    """An error answered as `{"error": {"code": …, "message": …, "field": …}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    """The one error shape of every Socle API."""

    error: ErrorDetail


def body_limit(max_bytes: int):
    """A view's own default body limit (the settings can still override it)."""

    def decorate(view):
        view._socle_max_body = max_bytes
        return view

    return decorate


def _describe_validation_error(error: dict[str, Any]) -> tuple[str | None, str]:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body", "header")]
    field = ".".join(loc) or None
    message = error.get("msg", "invalid value")
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "less_than_equal" and "le" in ctx:
        message = f"must be at most {ctx['le']}"
    elif kind == "greater_than_equal" and "ge" in ctx:
        message = f"must be at least {ctx['ge']}"
    elif kind == "missing":
        message = "is required" if field else "a JSON body is required"
    elif kind == "enum" and "expected" in ctx:
        message = f"expected one of {ctx['expected']}"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind.endswith("_parsing") or kind.endswith("_type"):
        message = f"{message[0].lower()}{message[1:]}" if message else message
    received = error.get("input")
    if kind != "missing" and isinstance(received, str | int | float):
        message += f" (got {received!r:.80})"
    return field, message


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json_body(body: bytes) -> Any:
    """The JSON of a request body, or an `ApiError`: 400 when it is not JSON or nests too deep,
    422 (naming the field) when it holds a value the database cannot."""
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ApiError(
            400, "invalid_json", f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON ({exc})") from exc
    problem = json_problem(data, brackets=False)
    if problem is not None:
        path, reason = problem
        if "deeper" in reason:
            raise ApiError(400, "invalid_json", f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
        raise ApiError(422, "invalid_body", f"{path}: {reason}", path)
    return data


class SafeJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json_body(request.body)


def media_type(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()


class ErrorPathAPI(NinjaAPI):
    """A `NinjaAPI` whose every error takes the one path described in this module."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parser", SafeJSONParser())
        super().__init__(*args, **kwargs)
        self.add_exception_handler(ApiError, self._api_error)
        self.add_exception_handler(ValidationError, self._validation_error)
        self.add_exception_handler(HttpError, self._http_error)
        self.add_exception_handler(Http404, self._not_found)
        self.add_exception_handler(PermissionDenied, self._forbidden)
        self.add_exception_handler(RequestDataTooBig, self._too_big)
        self.add_exception_handler(UnreadablePostError, self._unreadable)
        self.add_exception_handler(SuspiciousOperation, self._suspicious)
        self.add_exception_handler(MultiPartParserError, self._suspicious)
        self.add_exception_handler(Exception, self._server_error)

    # --- Responses -----------------------------------------------------------------------------
    def error_response(self, request: HttpRequest, error: ApiError) -> HttpResponse:
        response = self.create_response(request, error.body(), status=error.status)
        for name, value in error.headers.items():
            response[name] = value
        return response

    def _api_error(self, request: HttpRequest, exc: ApiError) -> HttpResponse:
        return self.error_response(request, exc)

    def validation_error_from_error_contexts(self, error_contexts):
        """The fields named as the client wrote them: without the name of the view's body
        argument (`description`, not `notice.description`)."""
        validation_error = super().validation_error_from_error_contexts(error_contexts)
        singles = {getattr(c.model, "__read_from_single_attr__", None) for c in error_contexts} - {None}
        for error in validation_error.errors:
            loc = list(error.get("loc", ()))
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in singles:
                error["loc"] = (loc[0], *loc[2:])
        return validation_error

    def _validation_error(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = exc.errors or [{}]
        field, message = _describe_validation_error(errors[0])
        in_params = all((err.get("loc") or ("query",))[0] in ("query", "path", "header") for err in errors)
        status, code = (400, "invalid_parameter") if in_params else (422, "invalid_body")
        text = f"{field}: {message}" if field else message
        if len(errors) > 1:
            others = [_describe_validation_error(err)[0] or "?" for err in errors[1:]]
            text += f" (also invalid: {', '.join(others)})"
        return self.error_response(request, ApiError(status, code, text, field))

    def _http_error(self, request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):  # raised by the parser, wrapped by django-ninja
            return self.error_response(request, exc.__cause__)
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return self.error_response(request, ApiError(400, "invalid_json", "the body is not valid JSON"))
        code = {400: "bad_request", 403: "forbidden", 404: "not_found", 429: "throttled"}.get(
            exc.status_code, "error"
        )
        return self.error_response(request, ApiError(exc.status_code, code, str(exc)))

    def _not_found(self, request: HttpRequest, exc: Http404) -> HttpResponse:
        return self.error_response(request, ApiError(404, "not_found", str(exc) or "Not found."))

    def _forbidden(self, request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return self.error_response(request, ApiError(403, "forbidden", str(exc) or "Not allowed."))

    def _too_big(self, request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return self.error_response(request, too_large(self.body_limit_of_request(request)))

    def _unreadable(self, request: HttpRequest, exc: UnreadablePostError) -> HttpResponse:
        return self.error_response(
            request, ApiError(400, "bad_request", "the request body could not be read")
        )

    def _suspicious(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        return self.error_response(request, ApiError(400, "bad_request", str(exc) or "Bad request."))

    def _server_error(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged and signalled like any Django 500 (the test client re-raises it), but answered
        # in the API's shape rather than with an HTML page.
        log.error("Internal error on %s %s", request.method, request.path, exc_info=exc)
        got_request_exception.send(sender=None, request=request)
        return self.error_response(request, ApiError(500, "internal_error", "Internal error."))

    # --- Body limits, media types, parameters --------------------------------------------------
    def operation_key(self, operation) -> str:
        return f"{self.urls_namespace.split(':')[-1]}:{operation.view_func.__name__}"

    def body_limit_of(self, operation) -> int:
        overrides = getattr(settings, "SOCLE_API_BODY_LIMITS", {}) or {}
        key = self.operation_key(operation)
        if key in overrides:
            return int(overrides[key])
        own = getattr(operation.view_func, "_socle_max_body", None)
        if own is not None:
            return int(own)
        return int(getattr(settings, "SOCLE_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))

    def body_limit_of_request(self, request: HttpRequest) -> int:
        operation = getattr(request, "_socle_operation", None)
        if operation is not None:
            return self.body_limit_of(operation)
        return int(getattr(settings, "SOCLE_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))

    @staticmethod
    def accepted_media_types(operation) -> list[str]:
        declared = ((operation.openapi_extra or {}).get("requestBody") or {}).get("content") or {}
        types = list(declared)
        for model in operation.models:
            source = getattr(model, "__ninja_param_source__", None)
            if source in BODY_CONTENT_TYPES and BODY_CONTENT_TYPES[source] not in types:
                types.append(BODY_CONTENT_TYPES[source])
        return types

    def check_request(self, request: HttpRequest, operation, path_params: dict) -> ApiError | None:
        """What is refused before authentication, parsing or reading the body."""
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return ApiError(400, "invalid_parameter", f"{name}: must not contain the NUL character", name)
        for name, value in path_params.items():
            if isinstance(value, str) and "\x00" in value:
                return ApiError(400, "invalid_parameter", f"{name}: must not contain the NUL character", name)
        limit = self.body_limit_of(operation)
        announced = request.META.get("CONTENT_LENGTH") or ""
        if announced:
            try:
                length = int(announced)
            except ValueError:
                length = -1
            if length < 0:
                return ApiError(400, "bad_request", "Content-Length must be a non-negative integer")
            if length > limit:
                return too_large(limit)
        accepted = self.accepted_media_types(operation)
        if not any(kind in FORM_TYPES for kind in accepted):
            # Nothing reads this endpoint's body as a form (not even the CSRF check, which takes
            # the token from the X-CSRFToken header): a multipart body without boundary is not a
            # parse error waiting to happen.
            request._post, request._files = QueryDict(), MultiValueDict()
        if request.method not in BODY_METHODS and not announced:
            return None
        if not hasattr(request, "_body"):
            if getattr(request, "_read_started", False):
                return None
            # Read at most one byte over the limit, whatever the client announced.
            data = request.read(limit + 1)
            if len(data) > limit:
                return too_large(limit)
            request._body = data
            request._stream = io.BytesIO(data)
        if request._body and accepted:
            # A body sent to an endpoint that takes none is ignored (clients often send `{}`).
            kind = media_type(request)
            if kind not in accepted and not (kind.endswith("+json") and "application/json" in accepted):
                return ApiError(
                    415,
                    "unsupported_media_type",
                    f"the body must be sent as {' or '.join(accepted)}, not {kind or 'no Content-Type'!r}",
                )
        return None

    def _guard(self, operation):
        run = operation.run

        def guarded(request: HttpRequest, *args: Any, **kwargs: Any):
            request._socle_operation = operation
            problem = self.check_request(request, operation, kwargs)
            if problem is not None:
                return self.error_response(request, problem)
            return run(request, *args, **kwargs)

        return guarded

    def _operations(self):
        for bound_router in self._get_bound_routers():
            for path_view in bound_router.path_operations.values():
                yield from path_view.operations

    # --- URLs: the guard on every operation, JSON 404/405 ----------------------------------------
    def _get_urls(self):
        for operation in self._operations():
            if not getattr(operation, "_socle_guarded", False):
                operation.run = self._guard(operation)
                operation._socle_guarded = True
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = self._json_not_allowed(pattern.callback)
        urls.append(re_path(r"^", self._unknown_path))
        return urls

    def _json_not_allowed(self, view):
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any):
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                error = ApiError(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed here (allowed: {allowed})",
                    headers={"Allow": allowed},
                )
                return self.error_response(request, error)
            return response

        for name in ("csrf_exempt", "__name__", "__doc__"):
            if hasattr(view, name):
                setattr(wrapped, name, getattr(view, name))
        return wrapped

    def _unknown_path(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.error_response(
            request, ApiError(404, "not_found", f"No such endpoint: {request.path!r:.200}")
        )

    _unknown_path.csrf_exempt = True  # type: ignore[attr-defined]

    # --- OpenAPI -------------------------------------------------------------------------------
    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        document_error_statuses(self, schema)
        return schema


def too_large(limit: int) -> ApiError:
    return ApiError(
        413, "payload_too_large", f"the body is larger than this endpoint's limit of {limit} bytes"
    )


ERROR_DESCRIPTIONS = {
    400: "Malformed request: a parameter is invalid (`invalid_parameter`) or the body is not JSON "
    "(`invalid_json`)",
    401: "No credentials, or credentials that are unknown, expired or revoked",
    403: "Not allowed: a scope or a role is missing, or the CSRF token (session)",
    404: "Not found",
    413: "The body is larger than this endpoint's limit ({limit} bytes)",
    415: "The body is not in a media type this endpoint takes ({types})",
    422: "The body does not fit the schema, or holds a value that cannot be stored (`invalid_body`)",
}


def document_error_statuses(api: ErrorPathAPI, schema: dict) -> None:
    """Add to every operation the error statuses it can answer, in the one error shape: 400
    always (a parameter may hold a NUL character), 401 and 403 when it needs credentials, 404
    when its path has parameters, 413, 415 and 422 when it takes a body. A status the operation
    already documents with another schema (a report on 422…) becomes `anyOf` both."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
    for name, definition in error_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("ErrorOut", error_schema)
    ref = {"$ref": REF_TEMPLATE.format(model="ErrorOut")}
    operations = {}
    for operation in api._operations():
        operations[operation.operation_id or api.get_openapi_operation_id(operation)] = operation
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method not in ("get", "put", "post", "delete", "patch"):
                continue
            ninja_operation = operations.get(operation.get("operationId"))
            statuses = {400}
            if operation.get("security"):
                statuses |= {401, 403}
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                statuses.add(404)
            if operation.get("requestBody"):
                statuses |= {413, 415, 422}
            limit = (
                api.body_limit_of(ninja_operation) if ninja_operation is not None else DEFAULT_MAX_BODY_BYTES
            )
            types = ", ".join((operation.get("requestBody") or {}).get("content", {}) or ["application/json"])
            # django-ninja keys its own statuses with integers: one key per status, as strings.
            responses = {str(key): value for key, value in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in sorted(statuses):
                description = ERROR_DESCRIPTIONS[status].format(limit=limit, types=types)
                existing = responses.get(str(status))
                if existing is None:
                    responses[str(status)] = {
                        "description": description,
                        "content": {"application/json": {"schema": dict(ref)}},
                    }
                    continue
                content = existing.setdefault("content", {}).setdefault("application/json", {})
                current = content.get("schema")
                if current is None:
                    content["schema"] = dict(ref)
                elif current != ref and ref not in current.get("anyOf", []):
                    content["schema"] = {"anyOf": [current, dict(ref)]}
            if 413 in statuses:
                operation["x-max-body-bytes"] = limit
