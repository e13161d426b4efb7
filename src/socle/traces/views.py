"""The xAPI resources under /xapi/: one dispatcher per resource, plain Django views (the xAPI
protocol itself is the documented API)."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import orjson
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import agents, conf, multipart, store
from .http import (
    XRequest,
    authenticate,
    build_request,
    error_response,
    json_response,
    load_body,
    respond,
)
from .models import Activity, Attachment, Document, Statement
from .store import Client, XAPIError
from .validation import (
    MAX_JSON_DEPTH,
    XAPIValidationError,
    check_actor,
    check_agent,
    check_iri,
    is_uuid,
    json_depth_exceeds,
    parse_timestamp,
)

logger = logging.getLogger(__name__)
# A document id is part of the documents' unique index, beside the activity IRI (at most
# validation.MAX_IRI_BYTES): both must fit in one PostgreSQL B-tree entry.
MAX_DOCUMENT_ID_BYTES = 400
MAX_CONTENT_TYPE = 255  # the column
ABOUT_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
CURSOR_SALT = "socle.traces.more"


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def xapi_view(resource: str, handlers: dict, *, about: bool = False):
    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            return respond(204)
        version = "2.0.0"
        try:
            xreq = build_request(request, about=about)
            version = xreq.version
            method = "GET" if xreq.method == "HEAD" else xreq.method
            handler = handlers.get(method)
            if handler is None:
                raise XAPIError(405, f"{xreq.method} is not allowed on the {resource} resource")
            client = None if about else authenticate(xreq)
            load_body(xreq)  # after the credentials: nobody unknown makes the LRS read a body
            response = handler(xreq, client)
            if xreq.method == "HEAD":
                response.content = b""
            return response
        except XAPIError as exc:
            response = error_response(exc, getattr(exc, "version", version))
        except XAPIValidationError as exc:
            response = error_response(XAPIError(400, str(exc)), version)
        if resource == "statements":
            response["X-Experience-API-Consistent-Through"] = store.format_stored(timezone.now())
        return response

    return view


@csrf_exempt
def unknown_path(request: HttpRequest) -> HttpResponse:
    """Any other path under /xapi/: xAPI's error object, not an HTML page."""
    if request.method == "OPTIONS":
        return respond(204)
    return error_response(XAPIError(404, f"no xAPI resource at {request.path!r:.200}"))


# --- Parameters --------------------------------------------------------------------------------
def check_params(xreq: XRequest, allowed: set[str]) -> None:
    unknown = set(xreq.params) - allowed
    if unknown:
        raise XAPIError(400, f"unexpected parameter(s): {', '.join(sorted(unknown))}")


def param_agent(xreq: XRequest, name: str = "agent", *, groups: bool = True) -> dict:
    raw = xreq.params.get(name)
    if raw is None:
        raise XAPIError(400, f"the {name} parameter is required")
    try:
        agent = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise XAPIError(400, f"the {name} parameter is not valid JSON") from exc
    try:
        if groups:
            check_actor(agent, name)
        else:
            check_agent(agent, name)
    except XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc
    return agent


def param_iri(xreq: XRequest, name: str, *, required: bool = True) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        if required:
            raise XAPIError(400, f"the {name} parameter is required")
        return None
    try:
        return check_iri(value, name)
    except XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc


def param_uuid(xreq: XRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    if not is_uuid(value):
        raise XAPIError(400, f"the {name} parameter must be a UUID")
    return str(uuid.UUID(value))


def param_bool(xreq: XRequest, name: str) -> bool:
    value = xreq.params.get(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise XAPIError(400, f"the {name} parameter must be true or false")
    return value.lower() == "true"


def param_time(xreq: XRequest, name: str) -> datetime | None:
    value = xreq.params.get(name)
    if value is None:
        return None
    try:
        return parse_timestamp(value, name)
    except XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc


def accept_languages(xreq: XRequest) -> list[str]:
    header = xreq.headers.get("accept-language", "")
    languages = []
    for index, item in enumerate(header.split(",")):
        tag, _, q = item.strip().partition(";q=")
        if tag and tag != "*":
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            languages.append((-weight, index, tag.strip()))
    return [tag for _, _, tag in sorted(languages)]


def require_scope(client: Client, *scopes: str) -> None:
    if not client.can(*scopes):
        raise XAPIError(403, f"this client lacks the scope {' or '.join(scopes)}")


# --- About -------------------------------------------------------------------------------------
def about_get(xreq: XRequest, client: None) -> HttpResponse:
    return json_response(
        200,
        {
            "version": ABOUT_VERSIONS,
            "extensions": {"https://socle.education.gouv.fr/xapi/lrs": {"name": "Socle Traces"}},
        },
        version=xreq.version,
    )


# --- Statements --------------------------------------------------------------------------------
def _parse_statement_body(xreq: XRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The statements of a PUT/POST and the attachments sent with them, by SHA-2."""
    content_type = xreq.content_type
    attachments: dict[str, tuple[str, bytes]] = {}
    if content_type == "multipart/mixed":
        parts = multipart.parse(xreq.body, xreq.full_content_type)
        if not parts:
            raise XAPIError(400, "empty multipart request")
        first = parts[0]
        if first.content_type.split(";")[0].strip().lower() != "application/json":
            raise XAPIError(400, "the first part of a multipart request must be application/json")
        try:
            data = orjson.loads(first.body)
        except orjson.JSONDecodeError as exc:
            raise XAPIError(400, f"the statement part is not valid JSON ({exc})") from exc
        for index, part in enumerate(parts[1:], start=1):
            digest = part.headers.get("x-experience-api-hash")
            if not digest:
                raise XAPIError(400, f"multipart part {index} has no X-Experience-API-Hash header")
            if part.headers.get("content-transfer-encoding", "").lower() != "binary":
                raise XAPIError(400, f"multipart part {index} must have Content-Transfer-Encoding: binary")
            if multipart.sha2(part.body, digest) != digest.lower():
                raise XAPIError(400, f"multipart part {index}: its content does not match its hash")
            if len(part.content_type) > MAX_CONTENT_TYPE:
                raise XAPIError(
                    400, f"multipart part {index}: its Content-Type is over {MAX_CONTENT_TYPE} characters"
                )
            attachments[digest] = (part.content_type, part.body)
        return data, attachments
    if content_type != "application/json":
        raise XAPIError(
            400, f"statements must be sent as application/json or multipart/mixed, not {content_type!r}"
        )
    return xreq.json_body(), attachments


def _check_attachments(prepared: list[store.Prepared], attachments: dict, version: str) -> None:
    used = set()
    for index, item in enumerate(prepared):
        path = f"statements[{index}]"
        for attachment in item.statement.get("attachments", []):
            sha2 = attachment["sha2"]
            if sha2 in attachments:
                used.add(sha2)
                if attachment["usageType"] == store.SIGNATURE_USAGE:
                    if attachment["contentType"] != "application/octet-stream":
                        raise XAPIError(
                            400, f"{path}: a signature attachment must be application/octet-stream"
                        )
                    multipart.verify_signature(attachments[sha2][1], item.original, path)
            elif "fileUrl" not in attachment:
                raise XAPIError(
                    400, f"{path}: attachment {sha2} has neither a fileUrl nor a part in the request"
                )
            elif attachment["usageType"] == store.SIGNATURE_USAGE:
                raise XAPIError(400, f"{path}: a signature attachment must be sent in the request")
    extra = set(attachments) - used
    if extra:
        raise XAPIError(
            400, f"multipart part(s) {', '.join(sorted(extra))} match no attachment of the statements"
        )


def statements_put(xreq: XRequest, client: Client) -> HttpResponse:
    require_scope(client, "statements/write")
    check_params(xreq, {"statementId"})
    statement_id = xreq.params.get("statementId")
    if statement_id is None:
        raise XAPIError(400, "PUT /statements needs the statementId parameter")
    if not is_uuid(statement_id):
        raise XAPIError(400, "the statementId parameter must be a UUID")
    data, attachments = _parse_statement_body(xreq)
    if not isinstance(data, dict):
        raise XAPIError(400, "PUT /statements takes a single statement object")
    if is_uuid(data.get("id")) and uuid.UUID(data["id"]) != uuid.UUID(statement_id):
        raise XAPIError(400, "the statement id differs from the statementId parameter")
    data = {**data, "id": data.get("id", statement_id)}
    prepared, _ = store.prepare_batch([data], xreq.version, client, partial=False)
    _check_attachments(prepared, attachments, xreq.version)
    store.store_statements(prepared, client, attachments)
    return respond(204, version=xreq.version)


def statements_post(xreq: XRequest, client: Client) -> HttpResponse:
    check_params(xreq, set())
    require_scope(client, "statements/write")
    if xreq.content_type == "application/x-www-form-urlencoded" and not xreq.alternate:
        raise XAPIError(400, "form-encoded statements are only accepted in the alternate request syntax")
    data, attachments = _parse_statement_body(xreq)
    items = data if isinstance(data, list) else [data]
    partial = xreq.headers.get("x-socle-batch-mode", "").lower() == "partial" or (
        conf.partial_batches_default() and isinstance(data, list)
    )
    prepared, rejected = store.prepare_batch(items, xreq.version, client, partial=partial)
    _check_attachments(prepared, attachments, xreq.version)
    result = store.store_statements(prepared, client, attachments, partial=partial)
    if partial:
        return json_response(
            200, {"stored": result.ids, "rejected": rejected + result.rejected}, version=xreq.version
        )
    return json_response(200, result.ids, version=xreq.version)


QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}


def _statements_response(
    xreq: XRequest, statements: list[dict], body: Any, attachments: bool, last: datetime | None
):
    headers = {
        "X-Experience-API-Consistent-Through": store.format_stored(timezone.now()),
        "Last-Modified": http_date(last or timezone.now()),
    }
    payload = orjson.dumps(body)
    if not attachments:
        return respond(200, payload, "application/json", headers, xreq.version)
    wanted = []
    for statement in statements:
        for attachment in statement.get("attachments", []):
            if "sha2" in attachment and attachment["sha2"] not in wanted:
                wanted.append(attachment["sha2"])
    rows = {a.sha2: a for a in Attachment.objects.filter(tenant=xreq.tenant, sha2__in=wanted)}
    parts = [({"Content-Type": "application/json"}, payload)]
    for sha2 in wanted:
        if sha2 in rows:
            parts.append(
                (
                    {
                        "Content-Type": rows[sha2].content_type or "application/octet-stream",
                        "Content-Transfer-Encoding": "binary",
                        "X-Experience-API-Hash": sha2,
                    },
                    bytes(rows[sha2].content),
                )
            )
    body_bytes, content_type = multipart.build(parts)
    return respond(200, body_bytes, content_type, headers, xreq.version)


def statements_get(xreq: XRequest, client: Client) -> HttpResponse:
    if not client.can("statements/read", "statements/read/mine", "all/read"):
        raise XAPIError(403, "this client lacks the scope statements/read")
    mine_only = not client.can("statements/read", "all/read")
    xreq.tenant = client.tenant
    params = xreq.params
    cursor = None
    if "more" in params:
        check_params(xreq, {"more"})
        try:
            saved = signing.loads(params["more"], salt=CURSOR_SALT + client.tenant)
        except signing.BadSignature as exc:
            raise XAPIError(400, "invalid or foreign 'more' cursor") from exc
        params = saved["params"]
        cursor = saved["cursor"]
        xreq.params = params
    fmt = params.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise XAPIError(400, "the format parameter must be ids, exact or canonical")
    with_attachments = param_bool(xreq, "attachments")
    languages = accept_languages(xreq)
    single_id = params.get("statementId")
    voided_id = params.get("voidedStatementId")
    if single_id is not None or voided_id is not None:
        check_params(xreq, {"statementId", "voidedStatementId", "format", "attachments"})
        if single_id is not None and voided_id is not None:
            raise XAPIError(400, "statementId and voidedStatementId cannot be used together")
        wanted = single_id if single_id is not None else voided_id
        if not is_uuid(wanted):
            raise XAPIError(400, "the statement id must be a UUID")
        rows = Statement.objects.filter(store.locate(client.tenant, [wanted]), voided=voided_id is not None)
        if mine_only:
            rows = rows.filter(credential_id=client.credential_id)
        row = rows.first()
        if row is None:
            raise XAPIError(404, f"no statement {wanted}" + (" (voided)" if voided_id else ""))
        statement = store.render(row.data, fmt, languages)
        return _statements_response(xreq, [row.data], statement, with_attachments, row.stored)
    check_params(xreq, QUERY_PARAMS)
    query = store.Query(
        agent=param_agent(xreq) if "agent" in params else None,
        verb=param_iri(xreq, "verb", required=False),
        activity=param_iri(xreq, "activity", required=False),
        registration=param_uuid(xreq, "registration"),
        related_activities=param_bool(xreq, "related_activities"),
        related_agents=param_bool(xreq, "related_agents"),
        since=param_time(xreq, "since"),
        until=param_time(xreq, "until"),
        ascending=param_bool(xreq, "ascending"),
    )
    limit = params.get("limit", "0")
    if not re.fullmatch(r"[0-9]+", limit):
        raise XAPIError(400, "the limit parameter must be a non-negative integer")
    query.limit = int(limit) if len(limit) <= 18 else 10**18  # any limit is capped at the maximum
    rows, next_cursor = store.run_query(client, query, cursor, mine_only)
    more = ""
    if next_cursor is not None:
        token = signing.dumps(
            {"params": params, "cursor": next_cursor}, salt=CURSOR_SALT + client.tenant, compress=True
        )
        more = f"{xreq.path}?more={token}"
    statements = [store.render(row.data, fmt, languages) for row in rows]
    last = max((row.stored for row in rows), default=None)
    return _statements_response(
        xreq, [row.data for row in rows], {"statements": statements, "more": more}, with_attachments, last
    )


# --- Documents ---------------------------------------------------------------------------------
def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an ETag, not a security hash


def _etags(value: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in value.split(",")]


def _check_preconditions(xreq: XRequest, doc: Document | None, *, profile: bool, state: bool = False) -> None:
    if_match = xreq.headers.get("if-match")
    if_none_match = xreq.headers.get("if-none-match")
    if if_match is not None:
        tags = _etags(if_match)
        if doc is None or ("*" not in tags and doc.etag not in tags):
            raise XAPIError(412, "If-Match does not match the current document")
    if if_none_match is not None:
        tags = _etags(if_none_match)
        if doc is not None and ("*" in tags or doc.etag in tags):
            raise XAPIError(412, "If-None-Match matches the current document")
    if profile and xreq.method == "PUT" and doc is None and if_match is None and if_none_match is None:
        raise XAPIError(400, "a profile PUT needs If-Match or If-None-Match (If-None-Match: * to create it)")
    # xAPI 2.0 extends the "no blind overwrite" rule to the State Resource.
    guarded = profile or (state and xreq.version.startswith("2"))
    if guarded and xreq.method == "PUT" and doc is not None and if_match is None and if_none_match is None:
        raise XAPIError(
            409,
            "this document exists: send If-Match with its ETag to replace it "
            "(or If-None-Match: * to create only)",
        )


class DocumentResource:
    def __init__(self, kind: str, id_param: str, *, activity: bool, agent: bool, registration: bool) -> None:
        self.kind = kind
        self.id_param = id_param
        self.activity = activity
        self.agent = agent
        self.registration = registration
        self.scope = "state" if kind == Document.STATE else "profile"

    def allowed_params(self) -> set[str]:
        params = {self.id_param, "since"}
        if self.activity:
            params.add("activityId")
        if self.agent:
            params.add("agent")
        if self.registration:
            params.add("registration")
        return params

    def locate(self, xreq: XRequest, client: Client) -> dict:
        check_params(xreq, self.allowed_params())
        where = {"tenant": client.tenant, "kind": self.kind}
        if self.activity:
            where["activity_id"] = param_iri(xreq, "activityId")
        if self.agent:
            agent = param_agent(xreq, groups=True)
            if conf.pseudonymise():
                agent = agents.pseudonymise_agent(agent)
            where["agent_key"] = agents.agent_key(agent)
        if self.registration:
            where["registration"] = param_uuid(xreq, "registration") or ""
        return where

    def get(self, xreq: XRequest, client: Client) -> HttpResponse:
        require_scope(client, self.scope, "all/read")
        where = self.locate(xreq, client)
        doc_id = xreq.params.get(self.id_param)
        if doc_id is not None:
            _check_doc_id(self.id_param, doc_id)
            if "since" in xreq.params:
                raise XAPIError(400, f"since cannot be used with {self.id_param}")
            doc = Document.objects.filter(**where, doc_id=doc_id).first()
            if doc is None:
                raise XAPIError(404, f"no document {doc_id!r}")
            return respond(
                200,
                bytes(doc.content),
                doc.content_type or "application/octet-stream",
                {"ETag": f'"{doc.etag}"', "Last-Modified": http_date(doc.updated)},
                xreq.version,
            )
        docs = Document.objects.filter(**where)
        since = param_time(xreq, "since")
        if since is not None:
            docs = docs.filter(updated__gt=since)
        ids = list(docs.order_by("updated", "id").values_list("doc_id", flat=True))
        last = docs.order_by("-updated").values_list("updated", flat=True).first()
        return json_response(200, ids, {"Last-Modified": http_date(last or timezone.now())}, xreq.version)

    def _doc_id(self, xreq: XRequest) -> str:
        doc_id = xreq.params.get(self.id_param)
        if doc_id is None:
            raise XAPIError(400, f"the {self.id_param} parameter is required")
        _check_doc_id(self.id_param, doc_id)
        if "since" in xreq.params:
            raise XAPIError(400, "since is only allowed on GET")
        return doc_id

    def put(self, xreq: XRequest, client: Client) -> HttpResponse:
        return self._write(xreq, client, merge=False)

    def post(self, xreq: XRequest, client: Client) -> HttpResponse:
        return self._write(xreq, client, merge=True)

    def _write(self, xreq: XRequest, client: Client, *, merge: bool) -> HttpResponse:
        require_scope(client, self.scope)
        where = self.locate(xreq, client)
        doc_id = self._doc_id(xreq)
        content_type = xreq.full_content_type or "application/octet-stream"
        if len(content_type) > MAX_CONTENT_TYPE:
            raise XAPIError(400, f"the Content-Type header is over {MAX_CONTENT_TYPE} characters")
        is_json = xreq.content_type == "application/json"
        body = xreq.body
        new_value = None
        if is_json or merge:
            try:
                new_value = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                if merge or is_json:
                    raise XAPIError(400, f"the document is not valid JSON ({exc})") from exc
        if merge and not isinstance(new_value, dict):
            raise XAPIError(400, "POST merges JSON objects: the document must be a JSON object")
        if merge and json_depth_exceeds(new_value, MAX_JSON_DEPTH):
            raise XAPIError(
                400, f"the document nests deeper than {MAX_JSON_DEPTH} levels: it cannot be merged"
            )
        with transaction.atomic():
            doc = Document.objects.select_for_update().filter(**where, doc_id=doc_id).first()
            is_state = self.kind == Document.STATE
            _check_preconditions(xreq, doc, profile=not is_state, state=is_state)
            if merge and doc is not None:
                if doc.content_type.split(";")[0].strip().lower() != "application/json":
                    raise XAPIError(400, "the stored document is not JSON: it cannot be merged")
                try:
                    current = orjson.loads(bytes(doc.content))
                except orjson.JSONDecodeError as exc:
                    raise XAPIError(400, "the stored document is not a JSON object") from exc
                if not isinstance(current, dict):
                    raise XAPIError(400, "the stored document is not a JSON object")
                if json_depth_exceeds(current, MAX_JSON_DEPTH):
                    raise XAPIError(
                        400,
                        f"the stored document nests deeper than {MAX_JSON_DEPTH} levels: it cannot be merged",
                    )
                body = orjson.dumps({**current, **new_value})
                content_type = "application/json"
            elif merge:
                content_type = "application/json"
            if doc is None:
                doc = Document(**where, doc_id=doc_id)
            doc.content = body
            doc.content_type = content_type
            doc.etag = etag_of(body)
            doc.updated = timezone.now()
            doc.save()
        return respond(204, headers={"ETag": f'"{doc.etag}"'}, version=xreq.version)

    def delete(self, xreq: XRequest, client: Client) -> HttpResponse:
        require_scope(client, self.scope)
        where = self.locate(xreq, client)
        if "since" in xreq.params:
            raise XAPIError(400, "since is only allowed on GET")
        doc_id = xreq.params.get(self.id_param)
        if doc_id is not None:
            _check_doc_id(self.id_param, doc_id)
        with transaction.atomic():
            if doc_id is None:
                if self.kind != Document.STATE:
                    raise XAPIError(400, f"the {self.id_param} parameter is required")
                Document.objects.filter(**where).delete()
            else:
                doc = Document.objects.select_for_update().filter(**where, doc_id=doc_id).first()
                _check_preconditions(xreq, doc, profile=False)
                if doc is not None:
                    doc.delete()
        return respond(204, version=xreq.version)

    def handlers(self) -> dict:
        return {"GET": self.get, "PUT": self.put, "POST": self.post, "DELETE": self.delete}


def _check_doc_id(name: str, doc_id: str) -> None:
    if len(doc_id) * 4 > MAX_DOCUMENT_ID_BYTES and len(doc_id.encode()) > MAX_DOCUMENT_ID_BYTES:
        raise XAPIError(
            400, f"the {name} parameter must be at most {MAX_DOCUMENT_ID_BYTES} bytes long (UTF-8)"
        )


STATE = DocumentResource(Document.STATE, "stateId", activity=True, agent=True, registration=True)
ACTIVITY_PROFILE = DocumentResource(
    Document.ACTIVITY_PROFILE, "profileId", activity=True, agent=False, registration=False
)
AGENT_PROFILE = DocumentResource(
    Document.AGENT_PROFILE, "profileId", activity=False, agent=True, registration=False
)


# --- Agents, Activities ------------------------------------------------------------------------
def agents_get(xreq: XRequest, client: Client) -> HttpResponse:
    check_params(xreq, {"agent"})
    agent = param_agent(xreq, groups=True)
    if conf.pseudonymise():
        agent = agents.pseudonymise_agent(agent)
    return json_response(200, agents.person(agent), version=xreq.version)


def activities_get(xreq: XRequest, client: Client) -> HttpResponse:
    check_params(xreq, {"activityId"})
    activity_id = param_iri(xreq, "activityId")
    row = Activity.objects.filter(tenant=client.tenant, activity_id=activity_id).first()
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if row is not None and row.definition:
        activity["definition"] = row.definition
    return json_response(200, activity, version=xreq.version)


about = xapi_view("about", {"GET": about_get}, about=True)
statements = xapi_view("statements", {"GET": statements_get, "PUT": statements_put, "POST": statements_post})
state = xapi_view("state", STATE.handlers())
activity_profile = xapi_view("activity profile", ACTIVITY_PROFILE.handlers())
agent_profile = xapi_view("agent profile", AGENT_PROFILE.handlers())
agents_view = xapi_view("agents", {"GET": agents_get})
activities_view = xapi_view("activities", {"GET": activities_get})
