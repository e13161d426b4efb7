"""JSON API of the médiacentre and the console d'affectation (the pages' twins), for the signed-in
user (Django session; unsafe methods need the CSRF token). OpenAPI at
/ressources/acces/api/openapi.json, documentation at /ressources/acces/api/docs.

The médiacentre listing keeps the GAR's shape: `{"listeRessources": {"ressource": [...]}}` with
idRessource, idType, nomRessource, idEditeur, nomEditeur, urlVignette, urlAccesRessource,
typePresentation, typePedagogique, typologieDocument, niveauEducatif, domaineEnseignement."""

from __future__ import annotations

from django.urls import reverse
from ninja import Field, Schema, Status

from socle.core.api_auth import ApiError, ErrorOut, SocleAPI, session_auth
from socle.core.api_types import DbId, pattern_str
from socle.identite import services as identite
from socle.referentiel import codes
from socle.referentiel import services as referentiel

from . import services
from .models import Assignment, TargetKind

api = SocleAPI(
    title="Socle — Ressources: médiacentre and console d'affectation",
    version="1",
    # nested in the app namespace of socle.ressources.gar.urls (ninja splits on ":")
    urls_namespace="ressources_gar:ressources-gar-api",
    description=(
        "The resources assigned to the signed-in user (GAR médiacentre shape) and the console "
        "d'affectation of the schools' responsables d'affectation. Session authentication."
    ),
)
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
Uai = pattern_str(codes.UAI_PATTERN, format="uai", description=codes.UAI_DESCRIPTION, checked=False)


class Vocabulary(Schema):
    code: str
    nom: str


class MediacentreResource(Schema):
    idRessource: str
    idType: str = "ark"
    nomRessource: str
    idEditeur: str
    nomEditeur: str
    urlVignette: str
    urlAccesRessource: str
    description: str
    uaiEtab: str
    typePresentation: Vocabulary | None = None
    typePedagogique: list[Vocabulary] = Field(default_factory=list)
    typologieDocument: list[Vocabulary] = Field(default_factory=list)
    niveauEducatif: list[Vocabulary] = Field(default_factory=list)
    domaineEnseignement: list[Vocabulary] = Field(default_factory=list)


class ResourceList(Schema):
    ressource: list[MediacentreResource]


class MediacentreOut(Schema):
    listeRessources: ResourceList


def launch_path(ark: str) -> str:
    return reverse("ressources_gar:launch", kwargs={"ark": ark})


@api.get("/mediacentre", response={200: MediacentreOut, **ERRORS}, auth=session_auth, tags=["médiacentre"])
def mediacentre(request):
    """The resources assigned to the signed-in user now. `urlAccesRessource` is Socle's launch
    URL (it checks the assignment, then sends the user to the provider)."""
    listing = [
        {
            "idRessource": entry.resource.ark,
            "nomRessource": entry.resource.title,
            "idEditeur": entry.resource.distributor_code,
            "nomEditeur": entry.resource.publisher,
            "urlVignette": entry.resource.thumbnail_url,
            "urlAccesRessource": request.build_absolute_uri(launch_path(entry.resource.ark)),
            "description": entry.resource.description,
            "uaiEtab": entry.uai,
            # The catalogue's summary carries no presentation type nor ScoLOMFR terms yet: the
            # fields are present (GAR shape) but empty rather than guessed.
            "typePresentation": None,
        }
        for entry in services.mediacentre(request.user)
    ]
    return {"listeRessources": {"ressource": listing}}


class UsageOut(Schema):
    audience: str
    used: int
    limit: int | None = Field(description="null: no limit of its own; -1: ILLIMITE")
    remaining: int | None


class AssignmentOut(Schema):
    id: int
    target_kind: str
    target_codes: list[str]
    target_label: str
    audiences: list[str]
    created_by: str
    created_at: str


class SubscriptionOut(Schema):
    idAbonnement: str
    idRessource: str
    libelleRessource: str
    typeAffectation: str
    transferable: bool
    debutValidite: str
    finValidite: str
    publicCible: list[str]
    usage: list[UsageOut]
    assignments: list[AssignmentOut]


def _assignment_out(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "target_kind": a.target_kind,
        "target_codes": a.target_codes,
        "target_label": a.target_label,
        "audiences": a.audiences,
        "created_by": a.created_by,
        "created_at": a.created_at.isoformat(),
    }


def _school(request, uai: str):
    try:
        school = referentiel.school_by_uai(uai)
    except ValueError as error:
        raise ApiError(400, "invalid_uai", f"{uai!r:.40} is not a valid UAI: {error}", "uai") from error
    if school is None:
        raise ApiError(404, "not_found", f"No school with UAI {uai!r}.", "uai")
    if not identite.can(request.user, "school.resources.assign", school):
        raise ApiError(403, "forbidden", "You are not a responsable d'affectation of this school.", "uai")
    return school


@api.get(
    "/console/{uai}/subscriptions",
    response={200: list[SubscriptionOut], **ERRORS},
    auth=session_auth,
    tags=["console"],
)
def console_subscriptions(request, uai: Uai):
    """The school's valid subscriptions with their licence usage and assignments."""
    school = _school(request, uai)
    out = []
    for sub in services.subscriptions_of_school(school.uai):
        out.append(
            {
                "idAbonnement": sub.subscription_id,
                "idRessource": sub.resource_ark,
                "libelleRessource": sub.resource_label,
                "typeAffectation": sub.assignment_type,
                "transferable": sub.transferable,
                "debutValidite": sub.valid_from.isoformat(),
                "finValidite": sub.valid_until.isoformat(),
                "publicCible": sub.audiences,
                "usage": [
                    {"audience": u.audience, "used": u.used, "limit": u.limit, "remaining": u.remaining}
                    for u in services.licence_usage(sub)
                ],
                "assignments": [_assignment_out(a) for a in sub.assignments.filter(uai=school.uai)],
            }
        )
    return out


class AssignIn(Schema):
    idAbonnement: str
    target_kind: TargetKind
    target_codes: list[str] = Field(
        default_factory=list, description="class/group uids, a level code (4E) or a subject code (BCN)"
    )
    audiences: list[str] | None = None


@api.post(
    "/console/{uai}/assignments",
    response={201: AssignmentOut, 409: ErrorOut, 422: ErrorOut, **ERRORS},
    auth=session_auth,
    tags=["console"],
)
def console_assign(request, uai: Uai, payload: AssignIn):
    """Assign a subscription's licences to a target; 409 `licences_exhausted` when the licences
    left do not cover the target, 422 when the target does not fit the subscription."""
    school = _school(request, uai)
    subscription = (
        services.subscriptions_of_school(school.uai).filter(subscription_id=payload.idAbonnement).first()
    )
    if subscription is None:
        raise ApiError(
            404, "not_found", f"No valid subscription {payload.idAbonnement!r} here.", "idAbonnement"
        )
    try:
        assignment = services.assign(
            subscription,
            school.uai,
            payload.target_kind.value,
            payload.target_codes,
            payload.audiences,
            actor=request.user,
        )
    except services.AssignmentError as error:
        status = 409 if error.code == "licences_exhausted" else 422
        raise ApiError(status, error.code, error.message, error.field or None) from error
    return Status(201, _assignment_out(assignment))


@api.delete(
    "/console/{uai}/assignments/{assignment_id}",
    response={200: dict, **ERRORS},
    auth=session_auth,
    tags=["console"],
)
def console_withdraw(request, uai: Uai, assignment_id: DbId):
    school = _school(request, uai)
    assignment = Assignment.objects.filter(pk=assignment_id, uai=school.uai).first()
    if assignment is None:
        raise ApiError(404, "not_found", f"No assignment {assignment_id} in this school.", "assignment_id")
    event = services.withdraw(assignment, actor=request.user)
    return {"withdrawn": event.target_label, "licences_released": event.licences_released}


class EventOut(Schema):
    idAbonnement: str
    action: str
    target_label: str
    actor: str
    licences_granted: int
    licences_released: int
    at: str


@api.get(
    "/console/{uai}/history", response={200: list[EventOut], **ERRORS}, auth=session_auth, tags=["console"]
)
def console_history(request, uai: Uai):
    school = _school(request, uai)
    return [
        {
            "idAbonnement": e.subscription.subscription_id,
            "action": e.action,
            "target_label": e.target_label,
            "actor": e.actor,
            "licences_granted": e.licences_granted,
            "licences_released": e.licences_released,
            "at": e.at.isoformat(),
        }
        for e in services.history(school.uai)
    ]
