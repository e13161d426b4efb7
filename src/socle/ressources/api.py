"""The catalogue's JSON API (v1): the same features as the pages.

- `GET /search`: French full-text search with facets (scope `ressources:read`);
- `GET /resources/{ark}`: a qualified notice (scope `ressources:read`);
- `POST /notices` (JSON) and `POST /notices/scolomfr` (ScoLOMFR XML body): a provider's
  submission (scope `ressources:submit`, token linked to the provider);
- `GET /reviews` and `POST /reviews/{ark}`: the ministry's queue and decision
  (scope `ressources:review`).

Notices carry no personal data; decisions name their author (a person or an API token).
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja import Status as HttpStatus

from socle.core.api_auth import (
    AUTH_ERRORS,
    ApiError,
    ErrorOut,
    SocleAPI,
    TokenAuth,
    body_limit,
    scopes_extra,
)

from . import workflow
from .importers import ImportReport, import_json, import_scolomfr
from .models import Provider, Resource, Status
from .search import FACET_NAMES, search

READ, SUBMIT, REVIEW = "ressources:read", "ressources:submit", "ressources:review"

api = SocleAPI(
    title="Socle — Ressources API v1 (catalogue)",
    version="1.0.0",
    description=(
        "The catalogue of qualified digital resources: search (French full text, facets), "
        "notices, providers' submissions (ScoLOMFR XML or JSON) and the ministry's review. "
        "Authenticate with `Authorization: Bearer soc_…`. Scopes: "
        f"`{READ}`, `{SUBMIT}` (the token must be linked to a provider), `{REVIEW}`. "
        'Errors: `{"error": {"code", "message", "field"}}`.'
    ),
    urls_namespace="ressources-api",
)
NOT_FOUND = {404: ErrorOut}


# --- schemas -----------------------------------------------------------------------------------
class TermOut(Schema):
    vocabulary: str = Field(description="ScoLOMFR vocabulary, e.g. scolomfr-voc-022")
    code: str
    uri: str
    label: str


class ResourceOut(Schema):
    ark: str
    title: str
    description: str
    keywords: list[str]
    publisher: str
    publisher_siren: str
    publisher_isni: str
    distributor_code: str
    licence: str
    accessibility: str
    terms: list[TermOut]
    cycles: list[str]
    usages: list[str]
    adaptive: bool
    exercises: bool
    teacher_results: bool
    concentration_minutes: int | None
    offer_nature: str
    audiences: list[str]
    launch_url: str
    thumbnail_url: str
    sso_protocol: str
    status: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class FacetOut(Schema):
    name: str
    label: str
    values: list[FacetValueOut]


class SearchOut(Schema):
    query: str
    total: int
    page: int
    pages: int
    items: list[ResourceOut]
    facets: list[FacetOut]


class SearchParams(Schema):
    q: str = Field("", description="French free text; stemmed, accents ignored")
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(10, ge=1, le=100)
    cycle: list[str] = Field([], description="1, 2, 3, 4, lycee")
    usage: list[str] = Field([], description="in_class, at_home, autonomous, guided")
    nature: list[str] = Field([], description="commun, public, edtech")
    adaptive: list[str] = Field([], description="yes, no")
    exercises: list[str] = Field([], description="yes, no")
    results: list[str] = Field([], description="yes, no: the teacher sees the pupils' results")
    concentration: list[str] = Field([], description="short (≤10 min), medium (≤30), long")
    audience: list[str] = Field([], description="ELEVE, ENSEIGNANT, DOCUMENTALISTE, AUTRE_PERSONNEL")
    level: list[str] = Field([], description="scolomfr-voc-022 term codes")
    domain: list[str] = Field([], description="scolomfr-voc-015 term codes")
    type: list[str] = Field([], description="scolomfr-voc-010 term codes")
    document: list[str] = Field([], description="scolomfr-voc-005 term codes")


class TermIn(Schema):
    uri: str = Field(description="concept URI or term code")
    label: str = Field("", description="needed when the term is not yet in the reference data")


class NoticeIn(Schema):
    ark: str
    title: str
    description: str
    keywords: list[str] = []
    publisher: str
    publisher_siren: str = ""
    publisher_isni: str = ""
    licence: str = ""
    accessibility: str = ""
    document_types: list[TermIn] = []
    pedagogical_types: list[TermIn] = []
    domains: list[TermIn] = []
    levels: list[TermIn] = []
    cycles: list[str] = []
    usages: list[str] = []
    adaptive: bool = False
    exercises: bool = False
    teacher_results: bool = False
    concentration_minutes: int | None = None
    offer_nature: str = ""
    audiences: list[str] = []
    launch_url: str
    thumbnail_url: str = ""
    sso_protocol: str
    sso_service: str
    requested_attributes: list[str] = []
    rgaa_declaration_url: str = ""
    personal_data_terms_url: str = ""
    ecodesign_statement: str = ""


class RejectionOut(Schema):
    file: str
    line: int
    field: str
    reason: str
    ark: str


class ReportOut(Schema):
    created: list[str]
    updated: list[str]
    rejected: list[RejectionOut]


class DecisionIn(Schema):
    decision: Literal["qualify", "refuse"]
    checklist: dict[str, bool] = Field({}, description="rgaa, personal_data, sso, ecodesign → met?")
    reasons: str = ""
    approved_attributes: list[str] = Field([], description="PRE and/or NOM, among those requested")


class DecisionOut(Schema):
    ark: str
    status: str
    kind: str
    by: str
    at: str
    reasons: str
    checklist: dict[str, bool]
    approved_attributes: list[str]


class QueueItemOut(Schema):
    ark: str
    title: str
    provider: str
    submitted_at: str | None
    requested_attributes: list[str]


# --- helpers -----------------------------------------------------------------------------------
def resource_out(resource: Resource) -> dict:
    return {
        "ark": resource.ark,
        "title": resource.title,
        "description": resource.description,
        "keywords": resource.keywords,
        "publisher": resource.publisher,
        "publisher_siren": resource.publisher_siren,
        "publisher_isni": resource.publisher_isni,
        "distributor_code": resource.provider.distributor_code,
        "licence": resource.licence,
        "accessibility": resource.accessibility,
        "terms": [
            {"vocabulary": t.vocabulary, "code": t.code, "uri": t.uri, "label": t.label}
            for t in resource.terms.all()
        ],
        "cycles": resource.cycles,
        "usages": resource.usages,
        "adaptive": resource.adaptive,
        "exercises": resource.exercises,
        "teacher_results": resource.teacher_results,
        "concentration_minutes": resource.concentration_minutes,
        "offer_nature": resource.offer_nature,
        "audiences": resource.audiences,
        "launch_url": resource.launch_url,
        "thumbnail_url": resource.thumbnail_url,
        "sso_protocol": resource.sso_protocol,
        "status": resource.status,
    }


def _provider_of_token(request: HttpRequest) -> Provider:
    provider = Provider.objects.filter(api_tokens=request.auth).first()
    if provider is None:
        raise ApiError(403, "forbidden", "This token is not linked to a provider.")
    return provider


def _report(report: ImportReport):
    """200 when every notice was written, 422 with the report when some were rejected."""
    return HttpStatus(200 if report.ok else 422, report.as_dict())


# --- search and notices ------------------------------------------------------------------------
@api.get(
    "/search",
    response={200: SearchOut, **AUTH_ERRORS},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["catalogue"],
    summary="Search qualified resources (French full text, facets)",
)
def search_resources(request: HttpRequest, params: Query[SearchParams]):
    filters = {name: getattr(params, name) for name in FACET_NAMES}
    result = search(params.q, filters, page=params.page, per_page=params.per_page)
    return {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "items": [resource_out(r) for r in result.resources],
        "facets": [
            {"name": f.name, "label": f.label, "values": [v.__dict__ for v in f.values]}
            for f in result.facets
        ],
    }


@api.get(
    "/resources/{path:ark}",
    response={200: ResourceOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=TokenAuth(READ),
    openapi_extra=scopes_extra(READ),
    tags=["catalogue"],
    summary="A qualified resource's notice",
)
def get_resource(request: HttpRequest, ark: str):
    resource = Resource.objects.filter(ark=ark, status=Status.QUALIFIED).select_related("provider").first()
    if resource is None:
        raise ApiError(404, "not_found", f"No qualified resource {ark!r}.", "ark")
    return resource_out(resource)


# --- provider submissions ----------------------------------------------------------------------
@api.post(
    "/notices",
    response={200: ReportOut, 422: ReportOut, **AUTH_ERRORS},
    auth=TokenAuth(SUBMIT),
    openapi_extra=scopes_extra(SUBMIT),
    tags=["providers"],
    summary="Create or update a notice (JSON) and submit it for review",
)
def submit_json(request: HttpRequest, notice: NoticeIn, submit: bool = True):
    provider = _provider_of_token(request)
    data = notice.dict()
    for name in ("document_types", "pedagogical_types", "domains", "levels"):
        data[name] = [dict(t) for t in data[name]]
    report = import_json(data, provider, submit_as=workflow.ApiActor(request.auth) if submit else None)
    return _report(report)


@api.post(
    "/notices/scolomfr",
    response={200: ReportOut, 422: ReportOut, **AUTH_ERRORS},
    auth=TokenAuth(SUBMIT),
    openapi_extra={
        **scopes_extra(SUBMIT),
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "description": "ScoLOMFR notice(s)"}}
                for media in ("application/xml", "text/xml")
            },
        },
    },
    tags=["providers"],
    summary="Import ScoLOMFR XML notices (request body) and submit them for review",
)
@body_limit(10_000_000)
def submit_scolomfr(request: HttpRequest, submit: bool = True):
    import io

    provider = _provider_of_token(request)
    report = import_scolomfr(
        [("request", io.BytesIO(request.body))],
        provider,
        submit_as=workflow.ApiActor(request.auth) if submit else None,
    )
    return _report(report)


# --- review ------------------------------------------------------------------------------------
@api.get(
    "/reviews",
    response={200: list[QueueItemOut], **AUTH_ERRORS},
    auth=TokenAuth(REVIEW),
    openapi_extra=scopes_extra(REVIEW),
    tags=["review"],
    summary="Notices awaiting review, oldest first",
)
def list_reviews(request: HttpRequest):
    return [
        {
            "ark": r.ark,
            "title": r.title,
            "provider": r.provider.name,
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "requested_attributes": r.requested_attributes,
        }
        for r in workflow.review_queue()
    ]


@api.post(
    "/reviews/{path:ark}",
    response={200: DecisionOut, **AUTH_ERRORS, **NOT_FOUND, 409: ErrorOut, 422: ErrorOut},
    auth=TokenAuth(REVIEW),
    openapi_extra=scopes_extra(REVIEW),
    tags=["review"],
    summary="Qualify or refuse a submitted notice",
)
def decide(request: HttpRequest, ark: str, body: DecisionIn):
    resource = Resource.objects.filter(ark=ark).first()
    if resource is None:
        raise ApiError(404, "not_found", f"No notice {ark!r}.", "ark")
    try:
        with transaction.atomic():
            decision = workflow.review(
                resource,
                workflow.ApiActor(request.auth),
                qualify=body.decision == "qualify",
                checklist=body.checklist,
                reasons=body.reasons,
                approved_attributes=set(body.approved_attributes),
            )
    except workflow.WorkflowError as error:
        status = 409 if error.field == "status" else 422
        raise ApiError(
            status, "conflict" if status == 409 else "invalid_body", error.message, error.field
        ) from error
    return decision_out(decision)


def decision_out(decision) -> dict:
    return {
        "ark": decision.resource.ark,
        "status": decision.resource.status,
        "kind": decision.kind,
        "by": decision.by_name,
        "at": decision.at.isoformat(),
        "reasons": decision.reasons,
        "checklist": decision.checklist,
        "approved_attributes": decision.approved_attributes,
    }
