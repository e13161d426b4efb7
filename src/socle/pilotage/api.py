"""The steering API (django-ninja), mounted at /pilotage/api/ by `socle.pilotage.urls`.

OpenAPI document: /pilotage/api/openapi.json; interactive docs: /pilotage/api/docs.
Authentication: a bearer token (`pilotage:read`, `pilotage:declare`; declared on the collecte's
AppConfig) or the browser session of a logged-in user. Scoping follows Identité's roles, exactly
as on the pages: a token bound to an account (`ApiToken.created_by`) acts with that account's
roles; an operator token issued by `socle api-token create` (no account) sees everything within
its scopes but cannot declare, since a declaration must be attributed to a person.
Every response carrying closed data (a school's figures, non-national aggregates, declarations)
is written to the pilotage access log."""

# django-ninja declares query parameters as `Query(...)` defaults, its documented idiom.
# ruff: noqa: B008

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import WithJsonSchema

from socle.core.api_auth import (
    AUTH_ERRORS,
    ApiError,
    ErrorOut,
    SocleAPI,
    TokenAuth,
    scopes_extra,
    session_auth,
)
from socle.core.api_types import pattern_str
from socle.core.models import ApiToken
from socle.referentiel import codes
from socle.referentiel import services as referentiel

from . import services
from .collecte import access
from .collecte import services as collecte
from .collecte.models import (
    EQUIPMENT_FIELDS,
    PIX_FIELDS,
    AccessChannel,
    DeclarationKind,
    DeclarationSource,
    IndicatorAccess,
)

READ = "pilotage:read"
DECLARE = "pilotage:declare"
LEVELS = ("school", "commune", "departement", "academie", "region", "nation", "collectivite")
MAX_ITEMS = 5000
DEFAULT_PAGE = 1000
Level = Literal[LEVELS]  # type: ignore[valid-type]
# A school year of two consecutive years (collecte.check_vintage): listed, since a pattern
# cannot say "consecutive".
Vintage = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "enum": [f"{year}-{year + 1}" for year in range(2000, 2100)],
            "description": "School year, e.g. 2025-2026",
        }
    ),
]
Uai = pattern_str(codes.UAI_PATTERN, format="uai", description=codes.UAI_DESCRIPTION, checked=False)

api = SocleAPI(
    title="Socle — Pilotage API v1",
    version="1.0.0",
    description=(
        "Steering indicators of digital education (tableau de bord du numérique éducatif): the "
        "indicator catalogue, values by territory and school year, a school compared with its "
        "territories, and the equipment / Pix declarations of schools. Authenticate with "
        f"`Authorization: Bearer soc_…` (scopes `{READ}`, `{DECLARE}`) or a browser session. "
        "What a caller sees follows their roles (Identité). "
        'Errors: `{"error": {"code", "message", "field"}}`.'
    ),
    # Nested under the "pilotage" app namespace: the API is mounted from socle.pilotage.urls.
    urls_namespace="pilotage:pilotage-api",
)

read_auth = [TokenAuth(READ), session_auth]
declare_auth = [TokenAuth(DECLARE), session_auth]
READ_EXTRA = scopes_extra(READ)
DECLARE_EXTRA = scopes_extra(DECLARE)


# --- Principal and scope -----------------------------------------------------------------------
def _token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _user(request):
    token = _token(request)
    if token is not None:
        return token.created_by
    return request.user


def _scope(request) -> access.Scope:
    token = _token(request)
    if token is not None and token.created_by is None:
        return access.Scope(everything=True, home=access.NATION)
    scope = access.scope_of(_user(request))
    if scope.empty:
        raise ApiError(403, "forbidden", "Your roles give no access to steering data.")
    return scope


def _log(request, what: str, level: str, code: str = "") -> None:
    collecte.record_access(
        request, what=what, level=level, code=code, channel=AccessChannel.API, token=_token(request)
    )


def _log_many(request, what: str, level: str, codes: list[str]) -> None:
    """One access entry per territory, as `_log`, but in two queries whatever their number (one
    INSERT per territory cost ~5 000 queries for the communes): the first entry is recorded by
    the collecte (who, which token, path), the others copy it in one bulk INSERT."""
    first = collecte.record_access(
        request, what=what, level=level, code=codes[0], channel=AccessChannel.API, token=_token(request)
    )
    shared = {f.attname: getattr(first, f.attname) for f in IndicatorAccess._meta.concrete_fields}
    del shared[IndicatorAccess._meta.pk.attname], shared["code"]
    IndicatorAccess.objects.bulk_create(
        [IndicatorAccess(**shared, code=code) for code in codes[1:]], batch_size=1000
    )


# --- Schemas -----------------------------------------------------------------------------------
class IndicatorOut(Schema):
    code: str
    label: str
    definition: str
    unit: str
    numerator: str
    denominator: str
    source: str
    school_levels: list[str]
    version: int
    parameters: dict[str, Any]


class IndicatorList(Schema):
    count: int
    items: list[IndicatorOut]


class ValueOut(Schema):
    indicator_code: str
    version: int
    vintage: str
    level: str
    territory_code: str
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    coverage: float | None = None
    schools_with_data: int | None = None
    schools_in_scope: int | None = None
    persons: int | None = None
    computed_at: dt.datetime | None = None


class ValueList(Schema):
    count: int
    next: str | None = None
    items: list[ValueOut]


class ComparisonOut(Schema):
    uai: str
    vintage: str | None
    indicators: dict[str, dict[str, Any]]


class DeclarationIn(Schema):
    uai: str
    vintage: Vintage
    kind: Literal["equipment", "pix"]
    values: dict[str, Any]


class DeclarationOut(Schema):
    id: int
    uai: str
    vintage: str
    kind: str
    declared_at: dt.datetime
    declared_by: str
    source: str
    current: bool
    supersedes: int | None
    values: dict[str, Any]


class DeclarationList(Schema):
    count: int
    items: list[DeclarationOut]


def as_dict(obj: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return obj
    return {name: getattr(obj, name) for name in dir(obj) if not name.startswith("_")}


def declaration_dict(declaration) -> dict[str, Any]:
    return {
        "id": declaration.pk,
        "uai": declaration.uai,
        "vintage": declaration.vintage,
        "kind": declaration.kind,
        "declared_at": declaration.declared_at,
        "declared_by": declaration.declared_by_name,
        "source": declaration.source,
        "current": declaration.is_current,
        "supersedes": declaration.supersedes_id,
        "values": declaration.values(),
    }


# --- Routes ------------------------------------------------------------------------------------
@api.get(
    "/indicators",
    response={200: IndicatorList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["indicators"],
    summary="The indicator catalogue: code, label, written definition, unit, levels, version",
)
def list_indicators(request: HttpRequest):
    _scope(request)
    items = [as_dict(info) for info in services.indicators()]
    return {"count": len(items), "items": items}


@api.get(
    "/values",
    response={200: ValueList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["indicators"],
    summary="Indicator values of one level, optionally for some territories, one indicator, one year",
    description=(
        "Cells ordered by indicator code then territory code, **paginated by cursor**: at most "
        f"`limit` items per page (default {DEFAULT_PAGE}, at most {MAX_ITEMS}); when more remain, "
        "`next` is the absolute URL of the following page (same parameters plus `cursor`), "
        "otherwise null. `count` is the number of items in this page. A cursor is opaque: only "
        "pass back one this API issued. Each page's territories are written to the access log "
        "(one entry per territory, in one insert)."
    ),
)
def list_values(
    request: HttpRequest,
    level: Level = Query(..., description="One of " + ", ".join(LEVELS)),
    code: list[str] | None = Query(
        None, description="Territory codes (UAI, INSEE code, 'FR', 'departement:35'…)"
    ),
    indicator: str | None = Query(None, description="Indicator code"),
    vintage: Vintage | None = Query(
        None, description="School year, e.g. 2025-2026 (default: the current one)"
    ),
    limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_ITEMS, description=f"Page size (1–{MAX_ITEMS})"),
    cursor: str | None = Query(None, description="The `cursor` of a `next` link, to read the next page"),
):
    if level not in LEVELS:
        raise ApiError(
            400, "invalid_parameter", f"level: expected one of {', '.join(LEVELS)} (got {level!r})", "level"
        )
    if vintage and (problem := collecte.check_vintage(vintage)):
        raise ApiError(
            400, "invalid_parameter", f"vintage: expected {problem.expected} (got {vintage!r})", "vintage"
        )
    scope = _scope(request)
    codes = list(code or [])
    if codes:
        refused = [c for c in codes if not scope.may_see(level, c)]
        if refused:
            raise ApiError(
                403, "forbidden", f"Your roles give no access to {level} {', '.join(refused)}.", "code"
            )
    elif not scope.everything:
        codes = _allowed_codes(scope, level)
        if not codes:
            return {"count": 0, "items": []}
    after = _decode_cursor(cursor) if cursor else None
    # One row more than the page tells whether a next page exists, without a COUNT.
    found = services.values_page(
        indicator, level=level, codes=codes or None, vintage=vintage, after=after, limit=limit + 1
    )
    next_link = None
    if len(found) > limit:
        found = found[:limit]
        last = found[-1]
        next_link = _next_url(request, _encode_cursor(last.indicator_code, last.territory_code))
    items = [as_dict(value) for value in found]
    if level != "nation":
        _log_many(request, "values", level, sorted({item["territory_code"] for item in items}) or [""])
    return {"count": len(items), "next": next_link, "items": items}


def _encode_cursor(indicator_code: str, territory_code: str) -> str:
    raw = json.dumps([indicator_code, territory_code], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor issued by this API", "cursor") from exc
    if not (isinstance(values, list) and len(values) == 2 and all(isinstance(v, str) for v in values)):
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor issued by this API", "cursor")
    return values[0], values[1]


def _next_url(request: HttpRequest, cursor: str) -> str:
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.lists()), doseq=True)


def _allowed_codes(scope: access.Scope, level: str) -> list[str]:
    if level == "school":
        return list(scope.schools().values_list("uai", flat=True)[:MAX_ITEMS])
    codes = {code for lvl, code in scope.territories if lvl == level}
    if level == "departement" and scope.academies:
        codes |= set(
            referentiel.departements().filter(academie__in=scope.academies).values_list("code", flat=True)
        )
    return sorted(codes)


@api.get(
    "/schools/{uai}/comparison",
    response={200: ComparisonOut, 404: ErrorOut, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["indicators"],
    summary="A school's indicators next to its commune, département, académie, région and the nation",
)
def school_comparison(request: HttpRequest, uai: Uai, vintage: Vintage | None = Query(None)):
    scope = _scope(request)
    school = collecte.find_school(uai)
    if school is None:
        raise ApiError(404, "not_found", f"No school with UAI {uai!r}.", "uai")
    if not scope.may_see("school", school.uai):
        raise ApiError(403, "forbidden", f"Your roles give no access to school {school.uai}.", "uai")
    _log(request, "school_comparison", "school", school.uai)
    indicators = services.school_comparison(school.uai, vintage)
    return {"uai": school.uai, "vintage": vintage, "indicators": indicators}


@api.get(
    "/declarations",
    response={200: DeclarationList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["declarations"],
    summary="Declarations (current and superseded) of the schools one may see, newest first",
)
def list_declarations(
    request: HttpRequest,
    uai: str | None = Query(None, description="One school's UAI"),
    vintage: Vintage | None = Query(None, description="School year, e.g. 2025-2026"),
    current: bool = Query(False, description="Only the current declarations (not superseded)"),
):
    scope = _scope(request)
    from .collecte.models import Declaration

    declarations = Declaration.objects.select_related("superseded_by").order_by("-declared_at", "-pk")
    if uai:
        uai = uai.upper()
        if not scope.may_see("school", uai) and not _may_declare(request, uai):
            raise ApiError(403, "forbidden", f"Your roles give no access to school {uai}.", "uai")
        declarations = declarations.filter(uai=uai)
    elif not scope.everything:
        declarations = declarations.filter(uai__in=scope.schools().values("uai"))
    if vintage:
        declarations = declarations.filter(vintage=vintage)
    if current:
        declarations = declarations.filter(superseded_by__isnull=True)
    items = [declaration_dict(d) for d in declarations[:MAX_ITEMS]]
    _log(request, "declarations", "school", uai or "")
    return {"count": len(items), "items": items}


def _may_declare(request, uai: str) -> bool:
    school = collecte.find_school(uai)
    user = _user(request)
    return school is not None and user is not None and collecte.can_declare(user, school)


@api.post(
    "/declarations",
    response={201: DeclarationOut, 404: ErrorOut, 422: ErrorOut, **AUTH_ERRORS},
    auth=declare_auth,
    openapi_extra=DECLARE_EXTRA,
    tags=["declarations"],
    summary="Declare a school's equipment or Pix counts (supersedes the current declaration)",
    description=(
        "`kind` is `equipment` (values: " + ", ".join(EQUIPMENT_FIELDS) + ", all required) or `pix` "
        "(values: " + ", ".join(PIX_FIELDS) + ", at least one). Booleans as true/false; "
        "bandwidth_class one of lt10, 10_100, 100_1000, ge1000."
    ),
)
def create_declaration(request: HttpRequest, payload: DeclarationIn):
    user = _user(request)
    token = _token(request)
    if user is None:
        raise ApiError(
            403, "forbidden", "This token is not bound to an account: a declaration must be attributed."
        )
    school = collecte.find_school(payload.uai)
    if school is None:
        raise ApiError(404, "not_found", f"No school with UAI {payload.uai!r}.", "uai")
    if payload.kind not in DeclarationKind.values:
        raise ApiError(422, "invalid_body", f"kind: expected equipment or pix (got {payload.kind!r})", "kind")
    if not collecte.can_declare(user, school):
        raise ApiError(403, "forbidden", f"You may not declare for school {school.uai}.", "uai")
    unknown = sorted(
        set(payload.values) - set(EQUIPMENT_FIELDS if payload.kind == "equipment" else PIX_FIELDS)
    )
    if unknown:
        raise ApiError(
            422, "invalid_body", f"values: unknown field(s) {', '.join(unknown)}", f"values.{unknown[0]}"
        )
    try:
        declaration = collecte.declare(
            user,
            school,
            payload.vintage,
            payload.kind,
            payload.values,
            source=DeclarationSource.API,
            token_name=token.name if token else "",
        )
    except collecte.DeclarationRefused as refusal:
        problems = refusal.problems
        message = "; ".join(f"{p.field}: expected {p.expected} (got {p.value!r})" for p in problems) or str(
            refusal
        )
        field = None
        if problems:
            field = problems[0].field if problems[0].field == "vintage" else f"values.{problems[0].field}"
        raise ApiError(422, "invalid_body", message, field) from refusal
    return Status(201, declaration_dict(declaration))
