"""The public interface of subscriptions, assignments, médiacentre and access.

- Console d'affectation: `subscriptions_of_school`, `assign`, `withdraw`, `licence_usage`,
  `history`.
- Médiacentre: `mediacentre(user)` (the resources assigned to a user) and `check_access(user, ark)`.
- Access with minimal data: `release_attributes` (IDO/PRO/UAI/DIV, PRE/NOM only if approved),
  `provider_subject` (IDO: keyed pseudonym per user and provider), `record_access`.
- Usage statistics for Pilotage: `weekly_active_users(start, end)`, `access_counts(start, end)`.
- Retention: `purge_access_log()`.

Licences: an INDIV subscription gives one licence per person covered by the school's
assignments, counted per audience (nbLicenceEleve…) and in total (nbLicenceGlobale); ILLIMITE
means no limit. A person no longer covered gives back a transferable licence; a non-transferable
one stays consumed. ETABL subscriptions cover every member of the school in the publicCible
without assignment nor counting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.identite import services as identite
from socle.ressources import services as catalogue

from .coverage import TARGET_AUDIENCE, Member, covers, population
from .models import (
    AUDIENCES,
    UNLIMITED,
    Assignment,
    AssignmentEvent,
    AssignmentType,
    Licence,
    ResourceAccess,
    Subscription,
    TargetKind,
)

__all__ = [
    "AccessResult",
    "AssignmentError",
    "access_counts",
    "assign",
    "check_access",
    "history",
    "licence_usage",
    "mediacentre",
    "provider_subject",
    "purge_access_log",
    "purge_ended_licences",
    "record_access",
    "release_attributes",
    "subscriptions_of_school",
    "weekly_active_users",
    "withdraw",
]


def _audience_label(audience: str) -> str:
    return {
        "ELEVE": _("pupils"),
        "ENSEIGNANT": _("teachers"),
        "DOCUMENTALISTE": _("documentalistes"),
        "AUTRE_PERSONNEL": _("other staff"),
    }[audience]


class AssignmentError(Exception):
    """A refused assignment: `message` says why (in the user's language), `field` which input."""

    def __init__(self, message: str, field: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


# --- Console d'affectation ---------------------------------------------------------------------
def subscriptions_of_school(uai: str, at: dt.datetime | None = None):
    """The subscriptions of school `uai` valid at `at` (default now), by resource label."""
    at = at or timezone.now()
    return (
        Subscription.objects.filter(schools__uai=uai, valid_from__lte=at, valid_until__gte=at)
        .select_related("distributor")
        .order_by("resource_label", "subscription_id")
    )


@dataclass(frozen=True)
class Usage:
    audience: str  # an AUDIENCES value, or "GLOBAL"
    used: int
    limit: int | None  # None: no limit of its own; UNLIMITED: ILLIMITE

    @property
    def remaining(self) -> int | None:
        if self.limit is None or self.limit == UNLIMITED:
            return None
        return max(self.limit - self.used, 0)


def _consumed(subscription: Subscription) -> dict[str, int]:
    """Licences consumed per audience: active ones and released non-transferable ones (rows of
    released transferable licences are deleted, so every row counts)."""
    rows = Licence.objects.filter(subscription=subscription).values("audience").annotate(n=Count("pk"))
    return {row["audience"]: row["n"] for row in rows}


def licence_usage(subscription: Subscription) -> list[Usage]:
    consumed = _consumed(subscription)
    usages = [
        Usage(audience, consumed.get(audience, 0), subscription.limit_for(audience))
        for audience in AUDIENCES
        if audience in subscription.audiences
    ]
    usages.append(Usage("GLOBAL", sum(consumed.values()), subscription.licences_global))
    return usages


def _check_limits(subscription: Subscription, extra: dict[str, int]) -> None:
    """Raise AssignmentError when `extra` more licences per audience exceed a limit."""
    consumed = _consumed(subscription)
    for audience, more in extra.items():
        if not more:
            continue
        limit = subscription.limit_for(audience)
        if limit is None and subscription.licences_global is None:
            limit = 0  # an audience without any licence count has no licence at all
        if limit is not None and limit != UNLIMITED and consumed.get(audience, 0) + more > limit:
            left = max(limit - consumed.get(audience, 0), 0)
            raise AssignmentError(
                _(
                    "Not enough %(audience)s licences: %(needed)d more needed, %(left)d left "
                    "of %(limit)d in subscription %(id)s."
                )
                % {
                    "audience": _audience_label(audience),
                    "needed": more,
                    "left": left,
                    "limit": limit,
                    "id": subscription.subscription_id,
                },
                field="target",
                code="licences_exhausted",
            )
    limit = subscription.licences_global
    total_more = sum(extra.values())
    if limit is not None and limit != UNLIMITED and sum(consumed.values()) + total_more > limit:
        left = max(limit - sum(consumed.values()), 0)
        raise AssignmentError(
            _(
                "Not enough licences: %(needed)d more needed, %(left)d left of %(limit)d "
                "in subscription %(id)s."
            )
            % {"needed": total_more, "left": left, "limit": limit, "id": subscription.subscription_id},
            field="target",
            code="licences_exhausted",
        )


def _reconcile(subscription: Subscription, uai: str, members: dict) -> tuple[int, int]:
    """Bring the licences of (`subscription`, `uai`) in line with the assignments: release the
    licences of persons no longer covered, then grant the newly covered ones (checking the
    limits). Returns (granted, released). Call inside a transaction."""
    assignments = list(subscription.assignments.filter(uai=uai))
    covered = {
        uid: m
        for uid, m in members.items()
        if m.audience in subscription.audiences
        and any(covers(a.target_kind, a.target_codes, a.audiences, m) for a in assignments)
    }
    now = timezone.now()
    rows = {
        row.person_uid: row
        for row in Licence.objects.select_for_update().filter(subscription=subscription, uai=uai)
    }
    released = 0
    for uid, row in rows.items():
        if uid in covered or row.released_at is not None:
            continue
        released += 1
        if subscription.transferable:
            row.delete()  # back to the pool
        else:
            row.released_at = now
            row.save(update_fields=["released_at"])
    new: dict[str, int] = {}
    to_create: list[Licence] = []
    reactivated: list[Licence] = []
    for uid, m in covered.items():
        row = rows.get(uid)
        if row is None:
            new[m.audience] = new.get(m.audience, 0) + 1
            to_create.append(Licence(subscription=subscription, person_uid=uid, uai=uai, audience=m.audience))
        elif row.released_at is not None:
            reactivated.append(row)  # a released non-transferable licence is still theirs
    _check_limits(subscription, new)
    for row in reactivated:
        row.released_at = None
        row.save(update_fields=["released_at"])
    Licence.objects.bulk_create(to_create)
    return sum(new.values()) + len(reactivated), released


def _target(uai: str, kind: str, codes: list[str]) -> tuple[list[str], str]:
    """Check the target against the school's registry: (normalised codes, label)."""
    school = _school(uai)
    if kind not in TargetKind.values:
        raise AssignmentError(_("Unknown target kind %(kind)s.") % {"kind": kind}, field="target_kind")
    from socle.referentiel import services as referentiel

    if kind in (TargetKind.CLASSES, TargetKind.GROUP):
        if not codes:
            raise AssignmentError(_("Choose at least one class or group."), field="target_codes")
        wanted_kind = "groupe" if kind == TargetKind.GROUP else "division"
        found = {str(c.uid): c for c in referentiel.classes_of_school(school, kind=wanted_kind)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise AssignmentError(
                _("%(codes)s: not a %(kind)s of this school this year.")
                % {
                    "codes": ", ".join(unknown),
                    "kind": _("group") if wanted_kind == "groupe" else _("class"),
                },
                field="target_codes",
            )
        if kind == TargetKind.GROUP and len(codes) != 1:
            raise AssignmentError(_("Choose exactly one group."), field="target_codes")
        return sorted(set(codes)), ", ".join(sorted(found[c].name for c in set(codes)))
    if kind == TargetKind.LEVEL:
        levels = {c.level for c in referentiel.classes_of_school(school, kind="division") if c.level}
        if len(codes) != 1 or codes[0] not in levels:
            raise AssignmentError(
                _("Choose one level taught in this school (%(levels)s).")
                % {"levels": ", ".join(sorted(levels))},
                field="target_codes",
            )
        return codes, _("level %(level)s") % {"level": codes[0]}
    if kind == TargetKind.SUBJECT:
        subject = referentiel.subjects().filter(code__in=codes[:1]).first() if len(codes) == 1 else None
        if subject is None:
            raise AssignmentError(_("Choose one subject of the BCN nomenclature."), field="target_codes")
        return codes, _("teachers of %(subject)s") % {"subject": subject.label}
    return [], str(TargetKind(kind).label)


def _school(uai: str):
    from socle.referentiel import services as referentiel

    school = referentiel.school_by_uai(uai)
    if school is None:
        raise AssignmentError(_("Unknown school %(uai)s.") % {"uai": uai}, field="uai")
    return school


def assign(
    subscription: Subscription,
    uai: str,
    target_kind: str,
    target_codes: list[str] | None = None,
    audiences: list[str] | None = None,
    *,
    actor,
) -> Assignment:
    """Assign `subscription`'s licences in school `uai` to a target. `actor` must hold
    school.resources.assign on the school. Raises AssignmentError (no licence, bad target…);
    nothing is written then."""
    school = _school(uai)
    if not identite.can(actor, "school.resources.assign", school):
        raise AssignmentError(_("You are not a responsable d'affectation of this school."), code="forbidden")
    if not subscription.schools.filter(uai=uai).exists():
        raise AssignmentError(_("This subscription is not for this school."), field="subscription")
    if not subscription.is_valid_at():
        raise AssignmentError(_("This subscription is not valid today."), field="subscription")
    if subscription.assignment_type == AssignmentType.SCHOOL:
        raise AssignmentError(
            _("This subscription covers the whole school (ETABL): there is nothing to assign."),
            field="subscription",
        )
    codes, label = _target(uai, target_kind, list(target_codes or []))
    if target_kind in TARGET_AUDIENCE:
        audiences = [TARGET_AUDIENCE[target_kind]]
    elif target_kind == TargetKind.SUBJECT:
        audiences = ["ENSEIGNANT"]
    audiences = [a for a in (audiences or subscription.audiences) if a in subscription.audiences]
    if not audiences:
        raise AssignmentError(
            _("None of the chosen audiences is in the subscription's public (%(public)s).")
            % {"public": ", ".join(subscription.audiences)},
            field="audiences",
        )
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        assignment = Assignment.objects.create(
            subscription=subscription,
            uai=uai,
            target_kind=target_kind,
            target_codes=codes,
            target_label=label,
            audiences=audiences,
            created_by=actor.get_username(),
        )
        granted, released = _reconcile(subscription, uai, population(uai))
        AssignmentEvent.objects.create(
            subscription=subscription,
            uai=uai,
            action=AssignmentEvent.Action.ASSIGNED,
            target_label=label,
            actor=actor.get_username(),
            licences_granted=granted,
            licences_released=released,
        )
    return assignment


def withdraw(assignment: Assignment, *, actor) -> AssignmentEvent:
    """Withdraw an assignment; the licences of persons no longer covered are released
    (transferable ones return to the pool)."""
    school = _school(assignment.uai)
    if not identite.can(actor, "school.resources.assign", school):
        raise AssignmentError(_("You are not a responsable d'affectation of this school."), code="forbidden")
    subscription = assignment.subscription
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        label, uai = assignment.target_label, assignment.uai
        assignment.delete()
        granted, released = _reconcile(subscription, uai, population(uai))
        return AssignmentEvent.objects.create(
            subscription=subscription,
            uai=uai,
            action=AssignmentEvent.Action.WITHDRAWN,
            target_label=label,
            actor=actor.get_username(),
            licences_granted=granted,
            licences_released=released,
        )


def history(uai: str, limit: int = 50):
    return AssignmentEvent.objects.filter(uai=uai).select_related("subscription")[:limit]


# --- Access ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessResult:
    allowed: bool
    message: str = ""
    resource: catalogue.ResourceSummary | None = None
    subscription: Subscription | None = None
    uai: str = ""
    member: Member | None = None


def _user_uais(user) -> list[str]:
    return sorted({role.uai for role in identite.roles_of(user) if role.uai})


def _covered_by_assignment(subscription: Subscription, uai: str, m: Member) -> bool:
    if m.audience not in subscription.audiences:
        return False
    if subscription.assignment_type == AssignmentType.SCHOOL:
        return True
    return any(
        covers(a.target_kind, a.target_codes, a.audiences, m)
        for a in subscription.assignments.filter(uai=uai)
    )


def _grant_one(subscription: Subscription, uai: str, m: Member) -> str:
    """Make sure `m` holds a licence of an INDIV subscription; "" or the refusal message."""
    if subscription.assignment_type == AssignmentType.SCHOOL:
        return ""
    row = Licence.objects.filter(subscription=subscription, person_uid=m.person_uid).first()
    if row is not None:
        if row.released_at is not None:
            Licence.objects.filter(pk=row.pk).update(released_at=None)
        return ""
    try:
        with transaction.atomic():
            Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
            _check_limits(subscription, {m.audience: 1})
            Licence.objects.create(
                subscription=subscription, person_uid=m.person_uid, uai=uai, audience=m.audience
            )
    except AssignmentError as error:
        return error.message
    return ""


def check_access(user, ark: str, *, grant: bool = True) -> AccessResult:
    """Whether `user` may use resource `ark` now: a valid subscription of one of their schools,
    an assignment covering them (or an ETABL subscription) and a licence (taken from the pool
    when they were covered after the last reconciliation, if `grant`)."""
    resource = catalogue.qualified_resource(ark)
    if resource is None:
        return AccessResult(False, _("This resource is not in the catalogue."))
    account = identite.account_of(user)
    if account is None or account.person_uid is None or identite.identity_of(user) is None:
        return AccessResult(False, _("Your account is not linked to a school."), resource)
    uais = _user_uais(user)
    refusal = ""
    for subscription in Subscription.objects.filter(
        resource_ark=ark,
        schools__uai__in=uais,
        valid_from__lte=timezone.now(),
        valid_until__gte=timezone.now(),
    ).distinct():
        for uai in sorted(set(subscription.schools.values_list("uai", flat=True)) & set(uais)):
            m = population(uai, account.person_uid).get(account.person_uid)
            if m is None or not _covered_by_assignment(subscription, uai, m):
                continue
            refusal = _grant_one(subscription, uai, m) if grant else ""
            if not refusal:
                return AccessResult(True, "", resource, subscription, uai, m)
    if refusal:
        return AccessResult(False, refusal, resource)
    return AccessResult(
        False,
        _(
            "This resource has not been assigned to you. Ask your school's responsable "
            "d'affectation to assign it to you or to your class."
        ),
        resource,
    )


def provider_subject(user, distributor_code: str) -> str:
    """IDO: the keyed pseudonym of `user` for a provider — stable across the provider's
    resources and sessions, unlinkable across providers."""
    return identite.pairwise_subject(user, f"gar-provider:{distributor_code}")


def provider_subject_of_person(person_uid, distributor_code: str) -> str:
    """The IDO the provider knows the Référentiel person `person_uid` by (`provider_subject` of
    their account): lets a brick recognise the learner behind a provider's xAPI actor."""
    return identite.pairwise_subject_of_person(person_uid, f"gar-provider:{distributor_code}")


def release_attributes(user, result: AccessResult) -> dict[str, list[str]]:
    """The exact attributes released to the resource of an allowed `result`: IDO, PRO, UAI, DIV
    (the user's classes in that school), and PRE/NOM only if the ministry approved them."""
    resource, m = result.resource, result.member
    attributes = {
        "IDO": [provider_subject(user, resource.distributor_code)],
        "PRO": [m.profile],
        "UAI": [result.uai],
    }
    if m.audience == "ELEVE" and m.divs:
        attributes["DIV"] = list(m.divs)
    if resource.approved_attributes & {"PRE", "NOM"}:
        identity = identite.identity_of(user)
        if "PRE" in resource.approved_attributes and identity.first_name:
            attributes["PRE"] = [identity.first_name]
        if "NOM" in resource.approved_attributes and identity.last_name:
            attributes["NOM"] = [identity.last_name]
    return attributes


def record_access(user, result: AccessResult, channel: str) -> ResourceAccess:
    """Log one access with the provider's pseudonym only (no user id, no name)."""
    return ResourceAccess.objects.create(
        ark=result.resource.ark,
        provider=result.resource.distributor_code,
        ido=provider_subject(user, result.resource.distributor_code),
        uai=result.uai,
        profile=result.member.profile,
        channel=channel,
    )


# --- Médiacentre -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MediacentreEntry:
    resource: catalogue.ResourceSummary
    uai: str
    subscription_id: str


def mediacentre(user) -> list[MediacentreEntry]:
    """The resources assigned to `user` now (one entry per resource), by title."""
    account = identite.account_of(user)
    if account is None or account.person_uid is None:
        return []
    uais = _user_uais(user)
    now = timezone.now()
    entries: dict[str, MediacentreEntry] = {}
    members = {uai: population(uai, account.person_uid).get(account.person_uid) for uai in uais}
    subscriptions = (
        Subscription.objects.filter(schools__uai__in=uais, valid_from__lte=now, valid_until__gte=now)
        .distinct()
        .order_by("subscription_id")
    )
    for subscription in subscriptions:
        if subscription.resource_ark in entries:
            continue
        for uai in sorted(set(subscription.schools.values_list("uai", flat=True)) & set(uais)):
            m = members.get(uai)
            if m is not None and _covered_by_assignment(subscription, uai, m):
                resource = catalogue.qualified_resource(subscription.resource_ark)
                if resource is not None:
                    entries[resource.ark] = MediacentreEntry(resource, uai, subscription.subscription_id)
                break
    return sorted(entries.values(), key=lambda e: (e.resource.title.lower(), e.resource.ark))


# --- Statistics for Pilotage -------------------------------------------------------------------
def _window(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return ResourceAccess.objects.filter(at__gte=begin, at__lt=finish)


def weekly_active_users(start: dt.date, end: dt.date) -> list[tuple[str, str, int]]:
    """(uai, ISO week "2026-W48", distinct users) for the accesses between `start` and `end`
    (inclusive). A user is their IDO per provider: someone using two providers' resources
    counts twice in a week (pseudonyms are unlinkable by design)."""
    seen: dict[tuple[str, str], set[tuple[str, str]]] = {}
    tz = timezone.get_current_timezone()
    for uai, at, provider, ido in _window(start, end).values_list("uai", "at", "provider", "ido").iterator():
        year, week, _day = at.astimezone(tz).isocalendar()
        seen.setdefault((uai, f"{year}-W{week:02d}"), set()).add((provider, ido))
    return sorted((uai, week, len(users)) for (uai, week), users in seen.items())


def access_counts(
    start: dt.date, end: dt.date, *, uai: str | None = None, channels: tuple[str, ...] = ("cas", "saml")
) -> list[tuple[str, str, int]]:
    """(uai, ark, number of accesses) between `start` and `end` (inclusive). By default the
    sign-ins at the providers (CAS, SAML: one per actual use, whatever the entry point); pass
    channels=("launch",) for the launches from the médiacentre."""
    qs = _window(start, end).filter(channel__in=channels)
    if uai:
        qs = qs.filter(uai=uai)
    rows = qs.values("uai", "ark").annotate(n=Count("pk")).order_by("uai", "ark")
    return [(row["uai"], row["ark"], row["n"]) for row in rows]


# --- Retention ---------------------------------------------------------------------------------
def access_log_days() -> int:
    return int(getattr(settings, "SOCLE_GAR_ACCESS_LOG_DAYS", 400))


def purge_access_log(now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete access-log rows older than `days` (default SOCLE_GAR_ACCESS_LOG_DAYS, 400: a
    school year of statistics plus a margin). Returns the number deleted."""
    now = now or timezone.now()
    days = access_log_days() if days is None else days
    deleted, _ = ResourceAccess.objects.filter(at__lt=now - dt.timedelta(days=days)).delete()
    return deleted


def purge_ended_licences(now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the individual licences (who held which licence) of subscriptions ended more than
    `days` ago (default SOCLE_GAR_ACCESS_LOG_DAYS): the counts are no longer needed then."""
    now = now or timezone.now()
    days = access_log_days() if days is None else days
    deleted, _ = Licence.objects.filter(subscription__valid_until__lt=now - dt.timedelta(days=days)).delete()
    return deleted
