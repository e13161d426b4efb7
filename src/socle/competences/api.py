"""Compétences numériques JSON API (django-ninja, OpenAPI at /competences/api/openapi.json, docs
at /competences/api/docs). Two audiences:

- **readers** (session cookie of a logged-in user, like the pages): the CRCN framework (public),
  the reader's own space, a pupil's results, a class's matrix with its suggestions — the same
  reads as the pages, authorised the same way (pupil, guardians, teachers of the pupil's classes,
  head of the pupil's school) and audited the same way (every staff read of a pupil's results);
- **a connected Pix-like provider** (bearer token with scope `competences:write`, issued by
  `socle competences-provider`, bound to a data-sharing agreement of socle.echanges): it sends
  profiles, 6e parcours, certifications and Pix+ Édu results of the pupils and teachers of the
  schools its agreement covers. Every call is checked against the agreement (valid, active,
  sharing "competences") and written to the agreements' access log, refused ones too.

Pupils are identified by INE or by their Référentiel public identifier (OneRoster sourcedId).
Errors have the platform's one shape `{"error": {"code", "message", "field"}}`: 401 not logged
in or no token, 403 not allowed (or outside the agreement), 404 unknown or not visible to you,
400/422 invalid input. A batch answers 200 with one result per item (accepted or the reason)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from ninja import Field, Schema
from ninja.security import SessionAuth

from socle.core.api_auth import AUTH_ERRORS, ApiError, ErrorOut, SocleAPI, TokenAuth, scopes_extra
from socle.echanges import services as agreements
from socle.referentiel import services as referentiel

from . import crcn, services
from .models import ProviderAccess, Source

WRITE_SCOPE = "competences:write"
# The agreements' field key a provider's agreement must share (docs/competences.md).
AGREEMENT_ENTITY = "competences"
CHANNEL = "competences_api"
MAX_BATCH = 1000


class SessionCSRFAuth(SessionAuth):
    openapi_description = "The Django session cookie of a logged-in user (log in at /identite/connexion/)."


class CompetencesAPI(SocleAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_exception_handler(PermissionDenied, self._forbidden)
        self.add_exception_handler(services.NotFound, self._missing)
        self.add_exception_handler(services.InvalidInput, self._invalid)

    def _forbidden(self, request, exc):
        return self.error_response(request, ApiError(403, "forbidden", str(exc) or "Not allowed."))

    def _missing(self, request, exc):
        return self.error_response(request, ApiError(404, "not_found", "Not found."))

    def _invalid(self, request, exc):
        return self.error_response(request, ApiError(422, "invalid_input", exc.message, exc.field))


api = CompetencesAPI(
    title="Socle — Compétences numériques API v1",
    version="1",
    urls_namespace="competences:competences-api",
    auth=SessionCSRFAuth(),
    description=__doc__,
)
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# --- Schemas -----------------------------------------------------------------------------------
class CompetenceOut(Schema):
    code: str
    label: str
    plain_label: str
    domain_code: str
    domain_label: str


class LevelOut(Schema):
    number: int
    palier: str
    certification_label: str
    plain_description: str


class FrameworkOut(Schema):
    code: str
    label: str
    source: str
    pix_per_level: int = crcn.PIX_PER_LEVEL
    max_pix: int = crcn.MAX_PIX
    competences: list[CompetenceOut]
    levels: list[LevelOut]


class PupilRef(Schema):
    uid: str
    first_name: str


class ClassRefOut(Schema):
    uid: str
    name: str
    uai: str
    level: str
    relation: str


class SpaceOut(Schema):
    family: list[PupilRef]
    classes: list[ClassRefOut]
    pix_plus_edu: str | None = None


class CompetenceResultOut(Schema):
    code: str
    label: str
    level: int | None
    pix: int | None
    palier: str
    next_level: int | None
    evidence: int


class CertificationOut(Schema):
    certified_at: dt.date
    pix_score: int
    palier: str
    status: str


class ProfileOut(Schema):
    pupil_uid: str
    first_name: str
    relation: str
    total_pix: int | None
    max_pix: int = crcn.MAX_PIX
    shared_at: dt.datetime | None
    competences: list[CompetenceResultOut]
    parcours_6e_done: list[int]
    attestation_6e: bool
    certification: CertificationOut | None


class MatrixRowOut(Schema):
    pupil_uid: str
    name: str
    levels: dict[str, int | None]
    total_pix: int | None


class DistributionOut(Schema):
    code: str
    by_level: dict[str, int]  # "0" … "4", "5+"
    no_result: int


class ResourceOut(Schema):
    ark: str
    title: str
    publisher: str


class SuggestionOut(Schema):
    code: str
    label: str
    threshold: int
    pupils: list[str]
    cycle: str
    resources: list[ResourceOut]
    explanation: str


class MatrixOut(Schema):
    class_uid: str
    name: str
    cycle: str
    threshold: int
    sex: str
    rows: list[MatrixRowOut]
    distribution: list[DistributionOut]
    suggestions: list[SuggestionOut]


# --- Reads -------------------------------------------------------------------------------------
@api.get("/framework", response=FrameworkOut, auth=None, summary="The CRCN (public reference data)")
def framework(request):
    current = services.current_framework()
    return FrameworkOut(
        code=current.code,
        label=current.label,
        source=current.source,
        competences=[CompetenceOut(**vars(c)) for c in services.framework_competences(current)],
        levels=[LevelOut(**vars(level)) for level in services.framework_levels(current)],
    )


@api.get("/me", response={200: SpaceOut, **READ_ERRORS}, summary="What the reader may open")
def me(request):
    pix_edu = services.pix_plus_edu_of(request.user)
    return SpaceOut(
        family=[PupilRef(uid=uid, first_name=name) for uid, name in services.family_pupils(request.user)],
        classes=[ClassRefOut(**vars(c)) for c in services.matrix_classes(request.user)],
        pix_plus_edu=pix_edu.level if pix_edu else None,
    )


@api.get(
    "/pupils/{pupil_uid}/profile",
    response={200: ProfileOut, **READ_ERRORS},
    summary="A pupil's results (audited when read by staff)",
)
def pupil_profile(request, pupil_uid: uuid.UUID):
    data = services.read_profile(request, str(pupil_uid), channel="api")
    certification = data.certification
    return ProfileOut(
        pupil_uid=data.pupil_uid,
        first_name=data.first_name,
        relation=data.relation,
        total_pix=data.total_pix,
        shared_at=data.shared_at,
        competences=[
            CompetenceResultOut(
                code=line.code,
                label=line.info.label,
                level=line.level,
                pix=line.pix,
                palier=line.palier,
                next_level=line.next_level,
                evidence=line.evidence,
            )
            for line in data.lines
        ],
        parcours_6e_done=data.parcours_done,
        attestation_6e=data.attestation,
        certification=(
            CertificationOut(
                certified_at=certification.certified_at,
                pix_score=certification.pix_score,
                palier=certification.palier,
                status=certification.status,
            )
            if certification
            else None
        ),
    )


def _explanation(suggestion) -> str:
    cycle = (
        "au lycée"
        if suggestion.cycle == "lycee"
        else (f"au cycle {suggestion.cycle}" if suggestion.cycle else "")
    )
    code = suggestion.competence.code
    pupils = f"{suggestion.count} élève{'s' if suggestion.count > 1 else ''}"
    head = f"{pupils} sous le niveau {suggestion.threshold} en {code} {suggestion.competence.label}"
    n = len(suggestion.resources)
    if not n:
        return f"{head} → aucune ressource qualifiée ne vise {code} {cycle}".rstrip()
    which = "cette ressource vise" if n == 1 else f"ces {n} ressources visent"
    return f"{head} → {which} {code} {cycle}".rstrip()


@api.get(
    "/classes/{class_uid}/matrix",
    response={200: MatrixOut, **READ_ERRORS},
    summary="A class as pupils × competences, its distribution and suggestions (audited)",
)
def class_matrix(request, class_uid: uuid.UUID, sexe: str = "", sous: int = services.DEFAULT_THRESHOLD):
    data = services.class_matrix(request, str(class_uid), sex=sexe, threshold=sous, channel="api")
    codes = [c.code for c in data.competences]
    labels = [str(b) if b < services.BUCKETS[-1] else f"{b}+" for b in services.BUCKETS]
    return MatrixOut(
        class_uid=data.class_info.uid,
        name=data.class_info.name,
        cycle=data.cycle,
        threshold=data.threshold,
        sex=data.sex,
        rows=[
            MatrixRowOut(
                pupil_uid=row.pupil_uid,
                name=row.name,
                levels=dict(zip(codes, row.levels, strict=True)),
                total_pix=row.total_pix,
            )
            for row in data.rows
        ],
        distribution=[
            DistributionOut(
                code=entry["competence"].code,
                by_level=dict(zip(labels, entry["counts"], strict=True)),
                no_result=entry["none"],
            )
            for entry in data.distribution
        ],
        suggestions=[
            SuggestionOut(
                code=s.competence.code,
                label=s.competence.label,
                threshold=s.threshold,
                pupils=s.pupils,
                cycle=s.cycle,
                resources=[ResourceOut(ark=r.ark, title=r.title, publisher=r.publisher) for r in s.resources],
                explanation=_explanation(s),
            )
            for s in data.suggestions
        ],
    )


# --- Connected provider ------------------------------------------------------------------------
class PersonIn(Schema):
    ine: str | None = Field(None, description="the pupil's INE")
    uid: uuid.UUID | None = Field(None, description="the Référentiel public identifier (OneRoster sourcedId)")


class CompetenceIn(Schema):
    code: str = Field(..., examples=["2.1"])
    level: int = Field(..., ge=0, le=crcn.MAX_LEVEL)
    pix: int = Field(..., ge=0, le=crcn.MAX_PIX_PER_COMPETENCE)


class ProfileIn(Schema):
    pupil: PersonIn
    shared_at: dt.datetime
    competences: list[CompetenceIn]
    certifiable: bool | None = None
    certifiable_competences: int | None = Field(None, ge=0, le=crcn.COMPETENCE_COUNT)


class ParcoursIn(Schema):
    pupil: PersonIn
    parcours: int = Field(..., ge=1, le=3)
    completed_at: dt.datetime


class CertificationIn(Schema):
    pupil: PersonIn
    certified_at: dt.date
    pix_score: int = Field(..., ge=0, le=crcn.MAX_PIX)
    palier: str = Field("", description="Novice 1 … Expert 2, or empty")
    status: str = Field("validated", description="validated, rejected or cancelled")


class PixPlusEduIn(Schema):
    teacher: PersonIn
    level: str = Field(..., description="initie, confirme, avance or expert")
    degree: str = Field(..., description="1d or 2d")
    obtained_at: dt.date


class ItemResult(Schema):
    index: int
    outcome: str  # created, updated, kept, rejected
    reason: str = ""


class BatchOut(Schema):
    accepted: int
    rejected: int
    results: list[ItemResult]


PROVIDER_ERRORS = {**AUTH_ERRORS, 404: ErrorOut, 422: ErrorOut}


class _Call:
    """One provider call: its agreement (checked) and the schools it covers."""

    def __init__(self, request, operation: str):
        self.request = request
        self.operation = operation
        access = ProviderAccess.objects.filter(token=request.auth).first()
        if access is None:
            raise ApiError(403, "no_agreement", "This token is not bound to a provider's agreement.")
        self.label = access.name
        try:
            self.agreement = agreements.find(access.agreement)
            self.grant = agreements.check(self.agreement)
        except agreements.AgreementRefused as refused:
            agreements.log_access(
                None, CHANNEL, self._what(), granted=False, reason=str(refused), consumer_label=access.name
            )
            raise ApiError(403, "agreement_refused", str(refused)) from refused
        if not self.grant.shares(AGREEMENT_ENTITY):
            reason = f"agreement {self.agreement.name!r} does not share {AGREEMENT_ENTITY!r} results"
            agreements.log_access(self.agreement, CHANNEL, self._what(), granted=False, reason=reason)
            raise ApiError(403, "agreement_refused", reason)
        self._schools = None

    def _what(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.operation})"

    def in_scope(self, uai: str) -> bool:
        if not uai:
            return False
        if self._schools is None:
            self._schools = set(self.grant.schools().values_list("uai", flat=True))
        return uai in self._schools

    def log(self, count: int, rejected: int) -> None:
        agreements.log_access(
            self.agreement,
            CHANNEL,
            self._what(),
            count,
            detail={"provider": self.label, "accepted": count, "rejected": rejected},
        )


def _pupil_uid(call: _Call, person: PersonIn) -> str:
    if bool(person.ine) == bool(person.uid):
        raise services.InvalidInput("pupil", "give exactly one of 'ine' or 'uid'")
    found = referentiel.placements_of_pupils(
        ines=[person.ine] if person.ine else [], uids=[person.uid] if person.uid else []
    )
    if not found:
        raise services.InvalidInput("pupil", "no pupil with this identifier in the Référentiel")
    placement = found[0]
    if not call.in_scope(placement.uai):
        raise services.InvalidInput("pupil", "this pupil's school is outside the provider's agreement")
    return str(placement.uid)


def _batch(request, items: list, operation: str, write) -> BatchOut:
    if len(items) > MAX_BATCH:
        raise ApiError(422, "batch_too_large", f"at most {MAX_BATCH} items per call, got {len(items)}")
    call = _Call(request, operation)
    results = []
    for index, item in enumerate(items):
        try:
            outcome = write(call, item)
        except services.InvalidInput as invalid:
            results.append(
                ItemResult(index=index, outcome="rejected", reason=f"{invalid.field}: {invalid.message}")
            )
        except services.NotFound:
            results.append(ItemResult(index=index, outcome="rejected", reason="unknown person"))
        else:
            results.append(ItemResult(index=index, outcome=outcome))
    rejected = sum(1 for r in results if r.outcome == "rejected")
    call.log(len(results) - rejected, rejected)
    return BatchOut(accepted=len(results) - rejected, rejected=rejected, results=results)


def _label(call: _Call) -> str:
    return call.label


@api.post(
    "/provider/profiles",
    response={200: BatchOut, **PROVIDER_ERRORS},
    auth=TokenAuth(WRITE_SCOPE),
    openapi_extra=scopes_extra(WRITE_SCOPE),
    summary="Send shared Pix profiles (level and pix per competence)",
)
def provider_profiles(request, items: list[ProfileIn]):
    def write(call, item: ProfileIn):
        uid = _pupil_uid(call, item.pupil)
        return services.record_profile(
            uid,
            {c.code: (c.level, c.pix) for c in item.competences},
            shared_at=item.shared_at,
            certifiable=item.certifiable,
            certifiable_competences=item.certifiable_competences,
            source=Source.PROVIDER_API,
            source_label=_label(call),
        )

    return _batch(request, items, "profiles", write)


@api.post(
    "/provider/parcours",
    response={200: BatchOut, **PROVIDER_ERRORS},
    auth=TokenAuth(WRITE_SCOPE),
    openapi_extra=scopes_extra(WRITE_SCOPE),
    summary="Send completed 6e parcours (the attestation needs the three)",
)
def provider_parcours(request, items: list[ParcoursIn]):
    def write(call, item: ParcoursIn):
        uid = _pupil_uid(call, item.pupil)
        return services.record_parcours(
            uid,
            item.parcours,
            completed_at=item.completed_at,
            source=Source.PROVIDER_API,
            source_label=_label(call),
        )

    return _batch(request, items, "parcours", write)


@api.post(
    "/provider/certifications",
    response={200: BatchOut, **PROVIDER_ERRORS},
    auth=TokenAuth(WRITE_SCOPE),
    openapi_extra=scopes_extra(WRITE_SCOPE),
    summary="Send Pix certification results (score and palier label)",
)
def provider_certifications(request, items: list[CertificationIn]):
    def write(call, item: CertificationIn):
        uid = _pupil_uid(call, item.pupil)
        return services.record_certification(
            uid,
            certified_at=item.certified_at,
            pix_score=item.pix_score,
            palier=item.palier,
            status=item.status,
            source=Source.PROVIDER_API,
            source_label=_label(call),
        )

    return _batch(request, items, "certifications", write)


@api.post(
    "/provider/pix-plus-edu",
    response={200: BatchOut, **PROVIDER_ERRORS},
    auth=TokenAuth(WRITE_SCOPE),
    openapi_extra=scopes_extra(WRITE_SCOPE),
    summary="Send teachers' Pix+ Édu certifications",
)
def provider_pix_plus_edu(request, items: list[PixPlusEduIn]):
    def write(call, item: PixPlusEduIn):
        if not item.teacher.uid or item.teacher.ine:
            raise services.InvalidInput("teacher", "a teacher is identified by 'uid' (teachers have no INE)")
        uid = str(item.teacher.uid)
        school = services.staff_school(uid)
        if not call.in_scope(school):
            raise services.InvalidInput(
                "teacher", "this teacher's school is outside the provider's agreement"
            )
        return services.record_pix_plus_edu(
            uid,
            level=item.level,
            degree=item.degree,
            obtained_at=item.obtained_at,
            source=Source.PROVIDER_API,
            source_label=_label(call),
        )

    return _batch(request, items, "pix-plus-edu", write)
