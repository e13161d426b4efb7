"""The Référentiel read API, version 1 (GET only), mounted at /api/referentiel/.

OpenAPI document: /api/referentiel/openapi.json; interactive docs: /api/referentiel/docs.
Every route needs an operator token with the `referentiel:read` scope; personal attributes
(INE, birth date, sex, e-mail and mobile phone) are added only for tokens that also hold
`referentiel:read:persons`. Every response that lists people is written to the audit log."""

# django-ninja declares query parameters as `Query(...)` defaults, its documented idiom.
# ruff: noqa: B008

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query

from socle.core.api_auth import (
    AUTH_ERRORS,
    ApiError,
    ErrorOut,
    SocleAPI,
    TokenAuth,
    audit_token_access,
    has_scope,
    scopes_extra,
)
from socle.core.api_types import IsoDate, IsoDateTime, pattern_str

from .. import codes, services
from ..models import ClassGroup, CollectiviteType, Level, SchoolState, SchoolType, Sector
from . import schemas as s
from .pagination import keyset_page

READ = "referentiel:read"
PERSONS = "referentiel:read:persons"

api = SocleAPI(
    title="Socle — Référentiel API v1",
    version="1.0.0",
    description=(
        "Read-only access to the national registry of territories, schools, classes and people. "
        "Authenticate with `Authorization: Bearer soc_…` (operator token). Scopes: "
        f"`{READ}` for everything; `{PERSONS}` adds pupils' INE, birth date and sex and "
        "contact channels. Lists are paginated by cursor: follow `next` until it is null. "
        'Errors: `{"error": {"code", "message", "field"}}`.'
    ),
    urls_namespace="referentiel-api",
)

read_auth = TokenAuth(READ)
READ_EXTRA = scopes_extra(READ)
LIMIT = Query(
    settings.SOCLE_API_DEFAULT_PAGE_SIZE,
    ge=1,
    le=settings.SOCLE_API_MAX_PAGE_SIZE,
    description=f"Page size (default {settings.SOCLE_API_DEFAULT_PAGE_SIZE}, "
    f"at most {settings.SOCLE_API_MAX_PAGE_SIZE}; more is a 400)",
)
CURSOR = Query(None, description="Opaque cursor from the previous page's `next` URL")
NOT_FOUND = {404: ErrorOut}
# Documented with its pattern and the "uai" format (control letter); checked by the views, which
# answer 400 `invalid_uai` with the reason.
Uai = pattern_str(codes.UAI_PATTERN, format="uai", description=codes.UAI_DESCRIPTION, checked=False)


def _tracked(obj: Any) -> dict[str, Any]:
    return {"status": obj.status, "date_last_modified": obj.date_last_modified}


def _code_name(code: str, name: str) -> dict[str, str] | None:
    return {"code": code, "name": name} if code or name else None


# --- Audit -------------------------------------------------------------------------------------
def audit_personal_read(request: HttpRequest, *, persons: int, subject: str, personal_fields: bool) -> None:
    """One auditlog ACCESS entry per response that lists people: which token, which endpoint,
    how many persons, whether the personal attributes were included."""
    audit_token_access(
        request,
        api="referentiel",
        summary=f"{persons} person(s)",
        subject=subject,
        persons=persons,
        personal_fields=personal_fields,
    )


# --- Territories -------------------------------------------------------------------------------
@api.get(
    "/territories/regions",
    response={200: s.RegionList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["territories"],
    summary="Régions académiques",
)
def list_regions(request: HttpRequest):
    items = [{"code": r.code, "name": r.name} for r in services.regions()]
    return {"count": len(items), "items": items}


@api.get(
    "/territories/academies",
    response={200: s.AcademieList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["territories"],
    summary="Académies",
)
def list_academies(request: HttpRequest, region: str | None = Query(None, description="INSEE region code")):
    items = [{"code": a.code, "name": a.name, "region": a.region_id} for a in services.academies(region)]
    return {"count": len(items), "items": items}


@api.get(
    "/territories/departements",
    response={200: s.DepartementList, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["territories"],
    summary="Départements",
)
def list_departements(
    request: HttpRequest,
    academie: str | None = Query(None, description="Académie code"),
    region: str | None = Query(None, description="INSEE region code"),
):
    items = [
        {"code": d.code, "name": d.name, "academie": d.academie_id, "region": d.academie.region_id}
        for d in services.departements(academie=academie, region=region)
    ]
    return {"count": len(items), "items": items}


# --- Schools -----------------------------------------------------------------------------------
def school_dict(school) -> dict[str, Any]:
    commune = school.commune
    return {
        "uid": school.uid,
        "uai": school.uai,
        "name": school.name,
        "type": school.type,
        "nature_code": school.nature_code,
        "nature_label": school.nature_label,
        "sector": school.sector,
        "private_contract_code": school.private_contract_code,
        "education_prioritaire": school.education_prioritaire,
        "state": school.state,
        "opened_on": school.opened_on,
        "closed_on": school.closed_on,
        "region": school.region_id,
        "academie": school.academie_id,
        "departement": school.departement_id,
        "commune": {"code": commune.code, "name": commune.name} if commune else None,
        "circonscription": _code_name(school.circonscription_code, school.circonscription_name),
        "bassin": _code_name(school.bassin_code, school.bassin_name),
        "collectivite": (
            {"type": school.collectivite_type, "code": school.collectivite_code}
            if school.collectivite_type or school.collectivite_code
            else None
        ),
        "address": school.address,
        "postal_code": school.postal_code,
        "phone": school.phone,
        "email": school.email,
        "website": school.website,
        "latitude": school.latitude,
        "longitude": school.longitude,
        "ministry": school.ministry,
        "pupil_count": school.pupil_count,
        **_tracked(school),
    }


EDUCATION_PRIORITAIRE = {"REP": "REP", "REP+": "REP+", "REP ": "REP+", "none": ""}


@api.get(
    "/schools",
    response={200: s.SchoolPage, **AUTH_ERRORS},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["schools"],
    summary="Schools, filtered by territory and type, ordered by UAI",
)
def list_schools(
    request: HttpRequest,
    region: str | None = Query(None, description="INSEE region code (région académique), e.g. 53"),
    academie: str | None = Query(None, description="Académie code, e.g. 14"),
    departement: str | None = Query(None, description="INSEE département code, e.g. 35, 2A, 971"),
    commune: str | None = Query(None, description="INSEE commune code, e.g. 35238"),
    type: SchoolType | None = Query(None, description="School type"),
    sector: Sector | None = Query(None),
    state: SchoolState | None = Query(None),
    education_prioritaire: str | None = Query(
        None, description="REP, REP+ (URL-encode the + as %2B) or none", pattern=r"^(REP|REP[+ ]|none)$"
    ),
    collectivite_type: CollectiviteType | None = Query(None, description="Owning collectivité's kind"),
    collectivite_code: str | None = Query(None, description="Owning collectivité's INSEE code"),
    q: str | None = Query(None, min_length=2, max_length=100, description="UAI, or part of the name"),
    modified_since: IsoDateTime | None = Query(None, description="Only schools changed at or after this"),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    qs = services.schools(
        region=region,
        academie=academie,
        departement=departement,
        commune=commune,
        type=type,
        sector=sector,
        state=state,
        education_prioritaire=EDUCATION_PRIORITAIRE[education_prioritaire] if education_prioritaire else None,
        collectivite_type=collectivite_type,
        collectivite_code=collectivite_code,
        q=q,
        modified_since=modified_since,
    )
    page = keyset_page(request, qs, ["uai"], limit, cursor)
    return {"count": page.count(qs), "next": page.next, "items": [school_dict(x) for x in page.items]}


def _school_or_error(uai: str):
    try:
        school = services.school_by_uai(uai)
    except ValueError as exc:
        raise ApiError(400, "invalid_uai", f"{uai!r} is not a valid UAI: {exc}", "uai") from exc
    if school is None:
        message = f"No school with UAI {uai.strip().upper()} in the Référentiel."
        raise ApiError(404, "not_found", message, "uai")
    return school


@api.get(
    "/schools/{uai}",
    response={200: s.SchoolOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["schools"],
    summary="One school by UAI",
)
def get_school(request: HttpRequest, uai: Uai):
    return school_dict(_school_or_error(uai))


# --- Classes -----------------------------------------------------------------------------------
def class_dict(cg: ClassGroup) -> dict[str, Any]:
    return {
        "uid": cg.uid,
        "code": cg.code,
        "name": cg.name,
        "kind": cg.kind,
        "level": cg.level,
        "mef": cg.mef_id,
        "school_uai": cg.etablissement.uai,
        "school_year": cg.school_year.code,
        **_tracked(cg),
    }


@api.get(
    "/schools/{uai}/classes",
    response={200: s.ClassPage, **AUTH_ERRORS, **NOT_FOUND},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["classes"],
    summary="Classes and groups of a school (default: the current school year)",
)
def list_classes(
    request: HttpRequest,
    uai: Uai,
    school_year: str | None = Query(
        None, pattern=r"^\d{4}-\d{4}$", description="School year code, e.g. 2025-2026 (default: current)"
    ),
    kind: ClassGroup.Kind | None = Query(None),
    level: Level | None = Query(None),
    modified_since: IsoDateTime | None = Query(None, description="Only classes changed at or after this"),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    school = _school_or_error(uai)
    if school_year:
        year = services.school_year_by_code(school_year)
        if year is None:
            message = f"No school year {school_year} in the Référentiel."
            raise ApiError(404, "not_found", message, "school_year")
    else:
        year = services.current_school_year()
    qs = services.classes_of_school(school, year, kind=kind, level=level, modified_since=modified_since)
    page = keyset_page(request, qs, ["code", "uid"], limit, cursor)
    return {
        "school_year": year.code if year else None,
        "count": page.count(qs),
        "next": page.next,
        "items": [class_dict(cg) for cg in page.items],
    }


def _class_or_404(uid: uuid.UUID) -> ClassGroup:
    cg = services.class_by_uid(uid)
    if cg is None:
        raise ApiError(404, "not_found", f"No class or group with uid {uid}.", "uid")
    return cg


@api.get(
    "/classes/{uid}",
    response={200: s.ClassOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=read_auth,
    openapi_extra=READ_EXTRA,
    tags=["classes"],
    summary="One class or group by uid",
)
def get_class(request: HttpRequest, uid: uuid.UUID):
    return class_dict(_class_or_404(uid))


def _person_base(person) -> dict[str, Any]:
    names = {"first_name": person.first_name, "last_name": person.last_name}
    return {"uid": person.uid, **names, **_tracked(person)}


def _subject(matiere) -> dict[str, str]:
    return {"code": matiere.code, "short_label": matiere.short_label, "label": matiere.label}


@api.get(
    "/classes/{uid}/members",
    response={200: s.MembersPage, **AUTH_ERRORS, **NOT_FOUND},
    auth=read_auth,
    openapi_extra={
        **READ_EXTRA,
        "description": (
            "Pupils enrolled on `at` (paginated, ordered by last name, first name, uid) and the "
            f"teachers with their subjects (complete on every page). `{PERSONS}` adds INE, birth "
            "date and sex. Each call is written to the audit log."
        ),
    },
    tags=["classes"],
    summary="Members of a class: pupils and teachers",
    by_alias=True,
    exclude_unset=True,
)
def class_members(
    request: HttpRequest,
    uid: uuid.UUID,
    at: IsoDate | None = Query(None, description="Membership on this date (default: today)"),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    cg = _class_or_404(uid)
    at = at or timezone.localdate()
    members = services.members_of_class(cg, at)
    personal = has_scope(request, PERSONS)
    page = keyset_page(request, members.pupils, ["last_name", "first_name", "uid"], limit, cursor)
    pupils = []
    for person in page.items:
        row = {**_person_base(person), "level": person.level or None}
        if personal:
            row.update(ine=person.ine, birth_date=person.birth_date, sex=person.sex or None)
        pupils.append(row)
    teachers = [
        {
            **_person_base(t.person),
            "subjects": [_subject(m) for m in t.subjects],
        }
        for t in members.teachers
    ]
    count = page.count(members.pupils)
    if pupils or teachers:
        audit_personal_read(
            request, persons=len(pupils) + len(teachers), subject=f"class:{cg.uid}", personal_fields=personal
        )
    return {
        "class": class_dict(cg),
        "at": at,
        "teachers": teachers,
        "count": count,
        "next": page.next,
        "pupils": pupils,
    }


# --- People ------------------------------------------------------------------------------------
@api.get(
    "/persons/{uid}",
    response={200: s.PersonOut, **AUTH_ERRORS, **NOT_FOUND},
    auth=read_auth,
    openapi_extra={
        **READ_EXTRA,
        "description": (
            "A person with their enrolments, staff functions, teaching, guardians and wards. "
            f"`{PERSONS}` adds INE, birth date, sex and the contact channels (theirs and their "
            "guardians'). Each call is written to the audit log."
        ),
    },
    tags=["persons"],
    summary="One person by uid",
    exclude_unset=True,
)
def get_person(request: HttpRequest, uid: uuid.UUID):
    person = services.person_by_uid(uid)
    if person is None:
        raise ApiError(404, "not_found", f"No person with uid {uid}.", "uid")
    personal = has_scope(request, PERSONS)
    body = _person_base(person)
    if personal:
        body.update(
            ine=person.ine,
            birth_date=person.birth_date,
            sex=person.sex or None,
            email=person.email or None,
            mobile_phone=person.mobile_phone or None,
        )
    body["enrolments"] = [
        {
            "uid": e.uid,
            "class_uid": e.class_group.uid,
            "class_code": e.class_group.code,
            "class_name": e.class_group.name,
            "kind": e.class_group.kind,
            "level": e.class_group.level,
            "school_uai": e.class_group.etablissement.uai,
            "school_year": e.class_group.school_year.code,
            "begin_date": e.begin_date,
            "end_date": e.end_date,
            **_tracked(e),
        }
        for e in services.enrolments_of(person)
    ]
    body["functions"] = [
        {
            "uid": f.uid,
            "school_uai": f.etablissement.uai,
            "role": f.role,
            "begin_date": f.begin_date,
            "end_date": f.end_date,
            **_tracked(f),
        }
        for f in services.functions_of(person)
    ]
    body["teaching"] = [
        {
            "uid": t.uid,
            "class_uid": t.class_group.uid,
            "class_code": t.class_group.code,
            "school_uai": t.class_group.etablissement.uai,
            "school_year": t.class_group.school_year.code,
            "subject": _subject(t.matiere),
            "begin_date": t.begin_date,
            "end_date": t.end_date,
            **_tracked(t),
        }
        for t in services.teaching_assignments_of(person)
    ]
    guardians = []
    for g in services.guardians_of(person):
        guardian = _person_base(g.guardian)
        if personal:
            guardian.update(email=g.guardian.email or None, mobile_phone=g.guardian.mobile_phone or None)
        guardians.append(
            {
                "uid": g.uid,
                "guardian": guardian,
                "relationship": g.relationship,
                "legal_responsible": g.legal_responsible,
                "begin_date": g.begin_date,
                "end_date": g.end_date,
                **_tracked(g),
            }
        )
    body["guardians"] = guardians
    body["wards"] = [
        {
            "uid": w.uid,
            "pupil": _person_base(w.pupil),
            "relationship": w.relationship,
            "legal_responsible": w.legal_responsible,
            "begin_date": w.begin_date,
            "end_date": w.end_date,
            **_tracked(w),
        }
        for w in services.wards_of(person)
    ]
    audit_personal_read(
        request,
        persons=1 + len(guardians) + len(body["wards"]),
        subject=f"person:{person.uid}",
        personal_fields=personal,
    )
    return body
