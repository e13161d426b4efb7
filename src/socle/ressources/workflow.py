"""Who may do what in the catalogue, and the qualification workflow.

Roles come from Identité (`roles_of`); membership of a provider organisation from
`Provider.members`. A provider submits its notices; the ministry (role ministry, or a platform
operator) reviews the doctrine checklist and qualifies or refuses with reasons, and approves the
extra attributes released to the resource. Every step is a `Decision` (who, when, reasons).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from socle.identite.services import RoleName, roles_of

from .models import Decision, Provider, Resource, Status
from .services import RELEASABLE_ATTRIBUTES

# The doctrine checklist a reviewer goes through (key → label).
CHECKLIST = {
    "rgaa": _("RGAA accessibility declaration published"),
    "personal_data": _("Personal-data terms compliant (GDPR, minimum data, no reuse)"),
    "sso": _("Access through Socle's single sign-on only (CAS or SAML), pseudonymous identifiers"),
    "ecodesign": _("Eco-design statement (RGESN) provided"),
}
REVIEWER_ROLES = frozenset({RoleName.MINISTRY, RoleName.OPERATOR})
# Who may browse the catalogue: school staff, territorial officers, the ministry, operators.
READER_ROLES = frozenset(
    {
        RoleName.TEACHER,
        RoleName.HEAD,
        RoleName.DEPUTY,
        RoleName.DOCUMENTALISTE,
        RoleName.VIE_SCOLAIRE,
        RoleName.RESPONSABLE_AFFECTATION,
        RoleName.ADMINISTRATIVE,
        RoleName.STAFF,
        RoleName.COMMUNE,
        RoleName.DEPARTEMENT,
        RoleName.REGION,
        RoleName.ACADEMIE,
        RoleName.MINISTRY,
        RoleName.OPERATOR,
    }
)


class ApiActor:
    """An API token acting in the workflow: for its provider (scope ressources:submit) or as a
    reviewer (scope ressources:review). Decisions record it by name."""

    is_authenticated = True
    first_name = last_name = ""

    def __init__(self, token) -> None:
        self.token = token

    def get_username(self) -> str:
        return f"API token {self.token.name}"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.token.scopes or [])


def _recorded_user(actor):
    """The user a Decision points to: the user, or the person who created the token."""
    return actor.token.created_by if isinstance(actor, ApiActor) else actor


class WorkflowError(Exception):
    """A workflow step that cannot be done (wrong state, missing reasons…); `field` names the
    input at fault. `message` is English (API, logs); `localized()` is for the pages."""

    def __init__(self, template: str, field: str | None = None, **params: str) -> None:
        self.template = template
        self.params = params
        self.message = template % params
        self.field = field
        super().__init__(self.message)

    def localized(self) -> str:
        return gettext(self.template) % self.params


def _role_names(user) -> set[str]:
    return {role.name for role in roles_of(user)}


def is_reviewer(user) -> bool:
    if isinstance(user, ApiActor):
        return user.has_scope("ressources:review")
    return bool(_role_names(user) & REVIEWER_ROLES)


def is_reader(user) -> bool:
    return bool(_role_names(user) & READER_ROLES)


def providers_for(user) -> QuerySet:
    if user is None or not getattr(user, "is_authenticated", False):
        return Provider.objects.none()
    return Provider.objects.filter(members=user)


def own_resources(user) -> QuerySet:
    """The notices of the providers `user` belongs to (every status)."""
    return Resource.objects.filter(provider__in=providers_for(user)).select_related("provider")


def can_view(user, resource: Resource) -> bool:
    """Readers see qualified notices; reviewers every submitted or decided one; a provider its own."""
    if resource.status == Status.QUALIFIED and is_reader(user):
        return True
    if is_reviewer(user) and resource.status != Status.DRAFT:
        return True
    return own_resources(user).filter(pk=resource.pk).exists()


def _name(user) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.get_username()


def submit(resource: Resource, user) -> Decision:
    """The provider submits a draft (or a corrected refused notice) for review."""
    if isinstance(user, ApiActor):
        allowed = (
            user.has_scope("ressources:submit")
            and resource.provider.api_tokens.filter(pk=user.token.pk).exists()
        )
    else:
        allowed = own_resources(user).filter(pk=resource.pk).exists()
    if not allowed:
        raise PermissionDenied("ressources.submit")
    if resource.status not in (Status.DRAFT, Status.REFUSED):
        raise WorkflowError(
            gettext_noop("a notice in state %(status)s cannot be submitted"), "status", status=resource.status
        )
    with transaction.atomic():
        resource.status = Status.SUBMITTED
        resource.submitted_at = timezone.now()
        resource.save(update_fields=["status", "submitted_at", "updated_at"])
        return Decision.objects.create(
            resource=resource, kind=Decision.Kind.SUBMITTED, by=_recorded_user(user), by_name=_name(user)
        )


def review_queue() -> QuerySet:
    return (
        Resource.objects.filter(status=Status.SUBMITTED)
        .select_related("provider")
        .order_by("submitted_at", "pk")
    )


def review(
    resource: Resource,
    user,
    *,
    qualify: bool,
    checklist: dict[str, bool],
    reasons: str = "",
    approved_attributes: set[str] | frozenset[str] = frozenset(),
) -> Decision:
    """Qualify or refuse a submitted notice. Qualifying needs every checklist item ticked;
    refusing needs reasons. Approved attributes must be among those the provider requested."""
    if not is_reviewer(user):
        raise PermissionDenied("ressources.review")
    if resource.status != Status.SUBMITTED:
        raise WorkflowError(
            gettext_noop("only a submitted notice can be reviewed (this one is %(status)s)"),
            "status",
            status=resource.status,
        )
    unknown = set(checklist) - set(CHECKLIST)
    if unknown:
        raise WorkflowError(
            gettext_noop("unknown checklist items: %(items)s"), "checklist", items=", ".join(sorted(unknown))
        )
    ticks = {key: bool(checklist.get(key, False)) for key in CHECKLIST}
    reasons = (reasons or "").strip()
    approved = set(approved_attributes)
    not_releasable = ", ".join(sorted(approved - RELEASABLE_ATTRIBUTES))
    if not_releasable:
        raise WorkflowError(
            gettext_noop("attributes %(attributes)s cannot be released (PRE, NOM only)"),
            "approved_attributes",
            attributes=not_releasable,
        )
    not_requested = ", ".join(sorted(approved - set(resource.requested_attributes)))
    if not_requested:
        raise WorkflowError(
            gettext_noop("attributes %(attributes)s were not requested"),
            "approved_attributes",
            attributes=not_requested,
        )
    if qualify:
        missing = [key for key, ticked in ticks.items() if not ticked]
        if missing:
            raise WorkflowError(
                gettext_noop("cannot qualify: checklist items not met: %(items)s"),
                "checklist",
                items=", ".join(missing),
            )
    elif not reasons:
        raise WorkflowError(gettext_noop("a refusal needs reasons"), "reasons")
    with transaction.atomic():
        resource.status = Status.QUALIFIED if qualify else Status.REFUSED
        resource.approved_attributes = sorted(approved) if qualify else []
        resource.save(update_fields=["status", "approved_attributes", "updated_at"])
        return Decision.objects.create(
            resource=resource,
            kind=Decision.Kind.QUALIFIED if qualify else Decision.Kind.REFUSED,
            by=_recorded_user(user),
            by_name=_name(user),
            reasons=reasons,
            checklist=ticks,
            approved_attributes=sorted(approved) if qualify else [],
        )
