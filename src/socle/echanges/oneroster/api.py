"""OneRoster 1.2 rostering service (REST, read only) under /ims/oneroster/rostering/v1p2/.

Every GET endpoint of the rostering service, with `limit`/`offset`, `sort`/`orderBy`, `filter`
(see filters.py), `fields`, the `X-Total-Count` and `Link` headers and the spec's error payload
(imsx_StatusInfo, with the 1.2 code-minor vocabulary: unauthorisedrequest, forbidden,
unknownobject, invaliddata, invalid_filter_field, invalid_selection_field). Access: a bearer
token from the token endpoint (auth.py) whose agreement gives the schools in scope and the fields
that may be emitted; every call, refused ones too, is written to the access log.

Bad requests are said, never guessed around: a date filter whose value is no date, an empty
field selection, a limit over `MAX_LIMIT` are 400s; a nested endpoint under an unknown parent
(or one outside the agreement) is a 404; any other path or method gets the same payload."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import agreements
from ..models import AccessLogEntry
from . import auth
from .build import RosterBuilder
from .filters import FilterError, parse
from .spec import DATE_COLUMNS, DATETIME_COLUMNS

BASE = "/ims/oneroster/rostering/v1p2"
TOKEN_MAX_BODY = 10_000
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ALL_RECORDS = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# entity → (collection key, single key, JSON key → CSV column for references)
ENTITIES = {
    "orgs": ("orgs", "org"),
    "academicSessions": ("academicSessions", "academicSession"),
    "courses": ("courses", "course"),
    "classes": ("classes", "class"),
    "users": ("users", "user"),
    "enrollments": ("enrollments", "enrollment"),
    "demographics": ("demographics", "demographics"),
}
REFERENCES = {
    "orgs": {"parent": ("parentSourcedId", "orgs", "org")},
    "academicSessions": {"parent": ("parentSourcedId", "academicSessions", "academicSession")},
    "courses": {
        "schoolYear": ("schoolYearSourcedId", "academicSessions", "academicSession"),
        "org": ("orgSourcedId", "orgs", "org"),
    },
    "classes": {
        "course": ("courseSourcedId", "courses", "course"),
        "school": ("schoolSourcedId", "orgs", "org"),
        "terms": ("termSourcedIds", "academicSessions", "academicSession"),
    },
    "users": {
        "agents": ("agentSourcedIds", "users", "user"),
        "primaryOrg": ("primaryOrgSourcedId", "orgs", "org"),
    },
    "enrollments": {
        "user": ("userSourcedId", "users", "user"),
        "class": ("classSourcedId", "classes", "class"),
        "school": ("schoolSourcedId", "orgs", "org"),
    },
    "demographics": {},
}
LISTS = {"grades", "subjects", "subjectCodes", "periods"}
MULTI_REFS = {"terms", "agents"}
BOOLEANS = {("users", "enabledUser"), ("enrollments", "primary")}


# --- errors ------------------------------------------------------------------------------------
def error_response(status: int, minor: str, description: str, headers: dict | None = None) -> JsonResponse:
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    response = JsonResponse(body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


class ApiError(Exception):
    def __init__(self, status: int, minor: str, description: str):
        super().__init__(description)
        self.status, self.minor, self.description = status, minor, description


# --- token endpoint ----------------------------------------------------------------------------
@csrf_exempt
@require_POST
def token(request):
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > TOKEN_MAX_BODY:
            # A token request is a few form fields: refused before reading (RFC 6749's error shape).
            request._post, request._files = QueryDict(), MultiValueDict()
            raise auth.AuthError(413, "invalid_request", f"the request body is over {TOKEN_MAX_BODY} bytes")
        answer = auth.issue_token(request)
    except (ValueError, MultiPartParserError) as error:  # a Content-Length or a form that cannot be read
        return JsonResponse({"error": "invalid_request", "error_description": str(error)[:200]}, status=400)
    except auth.AuthError as error:
        agreements.log_access(
            None,
            AccessLogEntry.Channel.TOKEN,
            "POST token",
            granted=False,
            reason=error.description,
            consumer_label=_client_label(request),
        )
        response = JsonResponse(
            {"error": error.code, "error_description": error.description}, status=error.status
        )
        if error.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="oneroster"'
        return response
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


def _client_label(request) -> str:
    """Who asked, for the access log — whatever the request holds (malformed credentials too)."""
    try:
        return auth.client_from_request(request)[0][:200] or "unknown client"
    except (auth.AuthError, ValueError, MultiPartParserError):
        return "unknown client"


# --- JSON rendering ----------------------------------------------------------------------------
class Rendering:
    def __init__(self, builder: RosterBuilder, grant: agreements.Grant, request):
        self.builder = builder
        self.grant = grant
        self.root = request.build_absolute_uri(BASE)
        self._rows: dict[str, list[dict]] = {}
        self._objects: dict[str, list[dict]] = {}

    def rows(self, entity: str) -> list[dict]:
        if entity not in self._rows:
            self._rows[entity] = [self.grant.filter_row(entity, row) for row in self.builder.rows(entity)]
        return self._rows[entity]

    def ref(self, collection: str, kind: str, sourced_id: str) -> dict:
        return {"href": f"{self.root}/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}

    def objects(self, entity: str) -> list[dict]:
        if entity not in self._objects:
            self._objects[entity] = [self.render(entity, row) for row in self.rows(entity)]
        return self._objects[entity]

    def render(self, entity: str, row: dict) -> dict:
        refs = REFERENCES[entity]
        ref_columns = {column for column, _, _ in refs.values()}
        obj: dict = {}
        metadata = {}
        for column, value in row.items():
            if column.startswith("metadata."):
                if value:
                    metadata[column.removeprefix("metadata.")] = value
            elif column in ref_columns or column == "userIds":
                continue
            elif (entity, column) in BOOLEANS:
                if value:
                    obj[column] = value == "true"
            elif column in LISTS:
                if value:
                    obj[column] = value.split(",")
            elif value or column in ("sourcedId", "status", "dateLastModified"):
                obj[column] = value
        obj["metadata"] = metadata
        for key, (column, collection, kind) in refs.items():
            value = row.get(column, "")
            if key in MULTI_REFS:
                if value:
                    obj[key] = [self.ref(collection, kind, v) for v in value.split(",")]
            elif value:
                obj[key] = self.ref(collection, kind, value)
        if entity == "users":
            if row.get("userIds"):
                obj["userIds"] = [
                    dict(zip(("type", "identifier"), item.strip("{}").split(":", 1), strict=False))
                    for item in row["userIds"].split(",")
                ]
            if self.grant.allows("users", "roles"):
                obj["roles"] = [
                    {
                        "roleType": role["roleType"],
                        "role": role["role"],
                        "org": self.ref("orgs", "org", role["orgSourcedId"]),
                        **({"beginDate": role["beginDate"]} if role["beginDate"] else {}),
                        **({"endDate": role["endDate"]} if role["endDate"] else {}),
                    }
                    for role in self.roles_of(row["sourcedId"])
                ]
        if entity in ("orgs", "academicSessions") and row.get("parentSourcedId") is not None:
            children = self.children(entity).get(row["sourcedId"], [])
            if children:
                kind = ENTITIES[entity][1]
                obj["children"] = [self.ref(entity, kind, child) for child in children]
        return obj

    def roles_of(self, user_id: str) -> list[dict]:
        if "_roles" not in self._rows:
            index: dict[str, list[dict]] = {}
            for role in self.builder.rows("roles"):
                index.setdefault(role["userSourcedId"], []).append(role)
            self._rows["_roles"] = index  # type: ignore[assignment]
        return self._rows["_roles"].get(user_id, [])  # type: ignore[union-attr]

    def children(self, entity: str) -> dict[str, list[str]]:
        key = f"_children_{entity}"
        if key not in self._rows:
            index: dict[str, list[str]] = {}
            for row in self.rows(entity):
                if row.get("parentSourcedId"):
                    index.setdefault(row["parentSourcedId"], []).append(row["sourcedId"])
            self._rows[key] = index  # type: ignore[assignment]
        return self._rows[key]  # type: ignore[return-value]

    def role_users(self, role: str) -> set[str]:
        _needs(self, "roles")
        return {r["userSourcedId"] for r in self.builder.rows("roles") if r["role"] == role}


# --- routing -----------------------------------------------------------------------------------
# Each route: regex → (entity, scope level, selector(rendering, **ids) -> list of objects or None)
def _by_id(objects, sourced_id):
    for obj in objects:
        if obj["sourcedId"] == sourced_id:
            return obj
    return None


def _needs(r: Rendering, entity: str) -> None:
    """Relations read from `entity` may only be followed if the agreement shares it."""
    if not r.grant.shares(entity):
        raise ApiError(403, "forbidden", f"{entity} are outside the agreement {r.grant.label!r}")


def _classes_of_user(r: Rendering, user_id: str) -> list[dict]:
    _needs(r, "enrollments")
    ids = {e["classSourcedId"] for e in r.builder.rows("enrollments") if e["userSourcedId"] == user_id}
    return [c for c in r.objects("classes") if c["sourcedId"] in ids]


def _users_of_class(r: Rendering, class_id: str, role: str) -> list[dict]:
    _needs(r, "enrollments")
    ids = {
        e["userSourcedId"]
        for e in r.builder.rows("enrollments")
        if e["classSourcedId"] == class_id and e["role"] == role
    }
    return [u for u in r.objects("users") if u["sourcedId"] in ids]


def _school_users(r: Rendering, school_id: str, role: str) -> list[dict]:
    _needs(r, "roles")
    ids = {
        x["userSourcedId"]
        for x in r.builder.rows("roles")
        if x["orgSourcedId"] == school_id and x["role"] == role
    }
    return [u for u in r.objects("users") if u["sourcedId"] in ids]


def _ref_is(obj: dict, key: str, sourced_id: str) -> bool:
    value = obj.get(key)
    if isinstance(value, list):
        return any(item.get("sourcedId") == sourced_id for item in value)
    return isinstance(value, dict) and value.get("sourcedId") == sourced_id


def _school_class_check(r, school_id, class_id):
    group = _by_id(r.objects("classes"), class_id)
    return group is not None and _ref_is(group, "school", school_id)


CORE, ROSTER, DEMO = auth.CORE, auth.ROSTER, auth.DEMOGRAPHICS
ID = r"(?P<id>[^/]+)"
CID = r"(?P<cid>[^/]+)"
ROUTES: list[tuple[re.Pattern, str, str, object]] = [
    (r"orgs", "orgs", CORE, lambda r: r.objects("orgs")),
    (r"schools", "orgs", CORE, lambda r: [o for o in r.objects("orgs") if o.get("type") == "school"]),
    (r"academicSessions", "academicSessions", CORE, lambda r: r.objects("academicSessions")),
    (
        r"terms",
        "academicSessions",
        CORE,
        lambda r: [s for s in r.objects("academicSessions") if s.get("type") == "term"],
    ),
    (
        r"gradingPeriods",
        "academicSessions",
        CORE,
        lambda r: [s for s in r.objects("academicSessions") if s.get("type") == "gradingPeriod"],
    ),
    (r"classes", "classes", CORE, lambda r: r.objects("classes")),
    (r"courses", "courses", CORE, lambda r: r.objects("courses")),
    (r"users", "users", CORE, lambda r: r.objects("users")),
    (
        r"students",
        "users",
        CORE,
        lambda r: [u for u in r.objects("users") if u["sourcedId"] in r.role_users("student")],
    ),
    (
        r"teachers",
        "users",
        CORE,
        lambda r: [u for u in r.objects("users") if u["sourcedId"] in r.role_users("teacher")],
    ),
    (r"enrollments", "enrollments", CORE, lambda r: r.objects("enrollments")),
    (r"demographics", "demographics", DEMO, lambda r: r.objects("demographics")),
    # nested
    (
        rf"terms/{ID}/classes",
        "classes",
        ROSTER,
        lambda r, id: [c for c in r.objects("classes") if _ref_is(c, "terms", id)],
    ),
    (
        rf"terms/{ID}/gradingPeriods",
        "academicSessions",
        ROSTER,
        lambda r, id: [
            s
            for s in r.objects("academicSessions")
            if s.get("type") == "gradingPeriod" and _ref_is(s, "parent", id)
        ],
    ),
    (rf"classes/{ID}/students", "users", ROSTER, lambda r, id: _users_of_class(r, id, "student")),
    (rf"classes/{ID}/teachers", "users", ROSTER, lambda r, id: _users_of_class(r, id, "teacher")),
    (
        rf"courses/{ID}/classes",
        "classes",
        ROSTER,
        lambda r, id: [c for c in r.objects("classes") if _ref_is(c, "course", id)],
    ),
    (
        rf"schools/{ID}/classes",
        "classes",
        ROSTER,
        lambda r, id: [c for c in r.objects("classes") if _ref_is(c, "school", id)],
    ),
    (
        rf"schools/{ID}/courses",
        "courses",
        ROSTER,
        lambda r, id: [c for c in r.objects("courses") if _ref_is(c, "org", id)],
    ),
    (
        rf"schools/{ID}/enrollments",
        "enrollments",
        ROSTER,
        lambda r, id: [e for e in r.objects("enrollments") if _ref_is(e, "school", id)],
    ),
    (rf"schools/{ID}/students", "users", ROSTER, lambda r, id: _school_users(r, id, "student")),
    (rf"schools/{ID}/teachers", "users", ROSTER, lambda r, id: _school_users(r, id, "teacher")),
    (
        rf"schools/{ID}/terms",
        "academicSessions",
        ROSTER,
        lambda r, id: [s for s in r.objects("academicSessions") if s.get("type") == "term"],
    ),
    (
        rf"schools/{ID}/classes/{CID}/enrollments",
        "enrollments",
        ROSTER,
        lambda r, id, cid: (
            [e for e in r.objects("enrollments") if _ref_is(e, "class", cid)]
            if _school_class_check(r, id, cid)
            else None
        ),
    ),
    (
        rf"schools/{ID}/classes/{CID}/students",
        "users",
        ROSTER,
        lambda r, id, cid: _users_of_class(r, cid, "student") if _school_class_check(r, id, cid) else None,
    ),
    (
        rf"schools/{ID}/classes/{CID}/teachers",
        "users",
        ROSTER,
        lambda r, id, cid: _users_of_class(r, cid, "teacher") if _school_class_check(r, id, cid) else None,
    ),
    (rf"students/{ID}/classes", "classes", ROSTER, lambda r, id: _classes_of_user(r, id)),
    (rf"teachers/{ID}/classes", "classes", ROSTER, lambda r, id: _classes_of_user(r, id)),
    (rf"users/{ID}/classes", "classes", ROSTER, lambda r, id: _classes_of_user(r, id)),
]
COMPILED = [
    # \Z, not $: "$" also matches before a final newline ("users\n" from a URL's %0A).
    (re.compile(f"^{pattern}/?\\Z"), entity, scope, selector)
    for pattern, entity, scope, selector in ROUTES
]
SINGLE = re.compile(
    r"^(?P<collection>orgs|schools|academicSessions|terms|gradingPeriods|classes|courses|users|students|teachers"
    r"|enrollments|demographics)/(?P<id>[^/]+)/?\Z"
)


def _scope_ok(required: str, scopes: set[str]) -> bool:
    if required == DEMO:
        return DEMO in scopes
    if required == CORE:
        return bool(scopes & {CORE, ROSTER})
    return ROSTER in scopes


@csrf_exempt
def rostering(request, subpath: str):
    operation = f"{request.method} {request.get_full_path()}"[:300]
    agreement = None
    try:
        if request.method not in ("GET", "HEAD"):
            raise ApiError(405, "invaliddata", f"{request.method} is not allowed: the service is read-only")
        try:
            agreement, scopes = auth.authenticate(request)
        except auth.AuthError as error:
            raise ApiError(401, "unauthorisedrequest", error.description) from error
        try:
            grant = agreements.check(agreement)
        except agreements.AgreementRefused as refusal:
            raise ApiError(403, "forbidden", str(refusal)) from refusal
        response, count = _answer(request, subpath, grant, scopes)
    except ApiError as error:
        agreements.log_access(
            agreement,
            AccessLogEntry.Channel.ONEROSTER_API,
            operation,
            granted=False,
            reason=error.description,
            consumer_label=None if agreement else "unauthenticated client",
        )
        headers = {"WWW-Authenticate": 'Bearer realm="oneroster"'} if error.status == 401 else {}
        if error.status == 405:
            headers = {"Allow": "GET, HEAD"}
        return error_response(error.status, error.minor, error.description, headers)
    agreements.log_access(agreement, AccessLogEntry.Channel.ONEROSTER_API, operation, count)
    return response


def _answer(request, subpath: str, grant, scopes) -> tuple[HttpResponse, int]:
    subpath = subpath.strip("/")
    single = SINGLE.match(subpath)
    route = None
    kwargs = {}
    if single:
        collection = single["collection"]
        for regex, entity, scope, selector in COMPILED:
            if regex.match(collection):
                route = (entity, scope, selector)
                break
    else:
        for regex, entity, scope, selector in COMPILED:
            match = regex.match(subpath)
            if match:
                route = (entity, scope, selector)
                kwargs = match.groupdict()
                break
    if route is None:
        raise ApiError(404, "unknownobject", f"no such endpoint: {BASE}/{subpath!r:.200}")
    entity, scope, selector = route
    if not _scope_ok(scope, scopes):
        needed = auth.full_scope(scope if scope != CORE else ROSTER)
        raise ApiError(403, "forbidden", f"this endpoint needs the scope {needed}")
    if not grant.shares(entity):
        raise ApiError(403, "forbidden", f"{entity} are outside the agreement {grant.label!r}")
    rendering = Rendering(RosterBuilder(grant, since=ALL_RECORDS), grant, request)
    if "id" in kwargs:
        _parent_or_404(rendering, grant, subpath.split("/", 1)[0], kwargs["id"])
    objects = selector(rendering, **kwargs)
    if objects is None:
        raise ApiError(404, "unknownobject", f"no such object: {subpath}")
    many_key, one_key = ENTITIES[entity]
    if single:
        found = _by_id(objects, single["id"])
        if found is None:
            raise ApiError(404, "unknownobject", f"no {one_key} with sourcedId {single['id']!r}")
        found = _select_fields(request, entity, grant, found)
        return JsonResponse({one_key: found}), 1
    objects = _filter_sort(request, entity, grant, objects)
    total = len(objects)
    limit, offset = _paging(request)
    page = [_select_fields(request, entity, grant, obj) for obj in objects[offset : offset + limit]]
    response = HttpResponse(json.dumps({many_key: page}, ensure_ascii=False), content_type="application/json")
    response["X-Total-Count"] = str(total)
    links = _links(request, limit, offset, total)
    if links:
        response["Link"] = ", ".join(links)
    return response, len(page)


def _parent_or_404(rendering: Rendering, grant, collection: str, sourced_id: str) -> None:
    """`schools/{id}/…`, `classes/{id}/…`: the parent must exist within the agreement (an
    unknown school's students are not an empty list). Checked through the collection's own
    endpoint, so `students/{id}` must be a student and `terms/{id}` a term."""
    for regex, entity, _scope, selector in COMPILED:
        if regex.match(collection):
            if not grant.shares(entity):
                return  # the relation's own rule answers (403 outside the agreement)
            if _by_id(selector(rendering), sourced_id) is None:
                kind = ENTITIES[entity][1]
                raise ApiError(404, "unknownobject", f"no {kind} with sourcedId {sourced_id!r:.100} here")
            return


def _check_dates(expression) -> None:
    """A comparison on a date field needs a date (an ISO 8601 date-time for dateLastModified,
    a date or a date-time; a date for the others): text order is what is compared."""
    for group in expression.groups:
        for comparison in group:
            if comparison.op == "~":
                continue
            if comparison.field in DATETIME_COLUMNS:
                try:
                    dt.datetime.fromisoformat(comparison.value)
                except ValueError as error:
                    raise ApiError(
                        400,
                        "invalid_filter_field",
                        f"filter: {comparison.field} takes an ISO 8601 date or date-time, "
                        f"got {comparison.value!r:.60}",
                    ) from error
            elif comparison.field in DATE_COLUMNS:
                try:
                    dt.date.fromisoformat(comparison.value)
                except ValueError as error:
                    raise ApiError(
                        400,
                        "invalid_filter_field",
                        f"filter: {comparison.field} takes an ISO 8601 date (YYYY-MM-DD), "
                        f"got {comparison.value!r:.60}",
                    ) from error


def _column_of(entity: str, field: str) -> str:
    for key, (column, _, _) in REFERENCES[entity].items():
        if key == field:
            return column
    return field


def _check_field(entity: str, grant, field: str, minor: str) -> None:
    from .build import columns

    known = set(columns(entity)) | set(REFERENCES[entity]) | {"metadata", "roles", "children"}
    if field not in known and not field.startswith("metadata."):
        raise ApiError(400, minor, f"unknown field {field!r} for {entity}")
    if not grant.allows(entity, _column_of(entity, field)):
        raise ApiError(400, minor, f"field {field!r} is outside the agreement {grant.label!r}")


def _filter_sort(request, entity, grant, objects):
    text = request.GET.get("filter")
    if text:
        try:
            expression = parse(text)
        except FilterError as error:
            raise ApiError(400, "invalid_filter_field", f"filter: {error}") from error
        for field in expression.fields:
            _check_field(entity, grant, field, "invalid_filter_field")
        _check_dates(expression)
        objects = [obj for obj in objects if expression.test(obj)]
    sort = request.GET.get("sort")
    order = request.GET.get("orderBy", "asc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "invaliddata", "orderBy: expected asc or desc")
    if sort:
        _check_field(entity, grant, sort, "invaliddata")
        objects = sorted(objects, key=lambda obj: _sort_key(obj.get(sort)), reverse=order == "desc")
    elif order == "desc":
        objects = list(reversed(objects))
    return objects


def _sort_key(value):
    if isinstance(value, dict):
        return value.get("sourcedId", "")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _select_fields(request, entity, grant, obj: dict) -> dict:
    fields = request.GET.get("fields")
    if not fields:
        return obj
    names = [name.strip() for name in fields.split(",") if name.strip()]
    if not names:
        raise ApiError(400, "invalid_selection_field", f"fields: no field named in {fields!r:.60}")
    for name in names:
        _check_field(entity, grant, name, "invalid_selection_field")
    return {name: obj[name] for name in names if name in obj}


def _paging(request) -> tuple[int, int]:
    limit = request.GET.get("limit", str(DEFAULT_LIMIT))
    offset = request.GET.get("offset", "0")
    if not (re.fullmatch(r"[0-9]{1,18}", limit) and re.fullmatch(r"[0-9]{1,18}", offset)):
        raise ApiError(400, "invaliddata", "limit and offset must be non-negative integers")
    if int(limit) < 1:
        raise ApiError(400, "invaliddata", "limit must be at least 1")
    if int(limit) > MAX_LIMIT:
        # Said, not silently clamped: a client stepping its offset by the limit it asked for
        # would skip records.
        raise ApiError(400, "invaliddata", f"limit must be at most {MAX_LIMIT}: page with offset")
    return int(limit), int(offset)


def _links(request, limit, offset, total) -> list[str]:
    base = request.build_absolute_uri(request.path)
    params = {k: v for k, v in request.GET.items() if k not in ("limit", "offset")}

    def url(new_offset: int) -> str:
        return f"{base}?{urlencode({**params, 'limit': limit, 'offset': new_offset})}"

    links = []
    last = max(0, (total - 1) // limit * limit)
    if offset + limit < total:
        links.append(f'<{url(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
    links.append(f'<{url(0)}>; rel="first"')
    links.append(f'<{url(last)}>; rel="last"')
    return links


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """Any other path under /ims/oneroster/: the spec's payload, not an HTML page."""
    return error_response(404, "unknownobject", f"no such endpoint: {request.path!r:.200}")
