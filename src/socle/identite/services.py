"""Identité's public interface: who a user is, what roles they hold, what they may do and see.

Every brick calls these functions; none reads Identité's models directly.

- `identity_of(user)`: the user's identity in ÉduConnect's vocabulary (for OIDC claims, CAS/SAML
  attributes, GAR's PRO/UAI/DIV).
- `pairwise_subject(user, audience)`: the keyed pseudonym a service sees (OIDC pairwise `sub`,
  CAS/SAML NameID, GAR IDO): stable per (person, audience), unlinkable across audiences.
- `roles_of(user)`: roles computed from the Référentiel at call time, never copied, so that an
  ended enrolment or staff function removes its role at once. The list is memoised on the user
  object, which lives for one request; `forget_roles(user)` drops it.
- `can(user, action, target)` and `visible(user, kind)`: the platform's single authorization
  service. The action vocabulary is in docs/identite.md ("Roles and authorization") and in
  `ACTIONS` below.
- `ensure(request, action, target)`: `can`, logging the refusal and raising PermissionDenied.
- `link_external_identity(account, provider, subject)`: the account side of FranceConnect & co.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from socle.referentiel import services as referentiel

from .conf import keyed_hash, pairwise_key
from .models import Account, AccountKind, AccountState, ExternalIdentity, TerritorialGrant, TerritoryKind

__all__ = [
    "ACTIONS",
    "ClassRef",
    "Identity",
    "Role",
    "RoleName",
    "account_of",
    "can",
    "ensure",
    "forget_roles",
    "identity_of",
    "ine_hash",
    "link_external_identity",
    "pairwise_subject",
    "pairwise_subject_of_person",
    "roles_of",
    "visible",
]


# --- Roles -------------------------------------------------------------------------------------
class RoleName:
    """The role vocabulary. School roles carry a UAI; territorial roles a territory code."""

    PUPIL = "pupil"
    GUARDIAN = "guardian"
    TEACHER = "teacher"  # with class_uid + subject_code: teacher of that class in that subject
    HEAD = "head"  # chef d'établissement, directeur d'école
    DEPUTY = "deputy"
    DOCUMENTALISTE = "documentaliste"
    VIE_SCOLAIRE = "vie_scolaire"
    RESPONSABLE_AFFECTATION = "responsable_affectation"
    ADMINISTRATIVE = "administrative"
    STAFF = "staff"  # any other staff function
    COMMUNE = "commune"
    DEPARTEMENT = "departement"
    REGION = "region"
    ACADEMIE = "academie"
    MINISTRY = "ministry"
    OPERATOR = "operator"
    PARTNER = "partner"


# Référentiel staff function → role name.
_FUNCTION_ROLES = {
    "direction": RoleName.HEAD,
    "adjoint": RoleName.DEPUTY,
    "enseignant": RoleName.TEACHER,
    "documentaliste": RoleName.DOCUMENTALISTE,
    "vie_scolaire": RoleName.VIE_SCOLAIRE,
    "responsable_affectation": RoleName.RESPONSABLE_AFFECTATION,
    "administratif": RoleName.ADMINISTRATIVE,
}
# Staff roles that see their whole school (every class, every pupil and guardian).
SCHOOL_WIDE_ROLES = frozenset(
    {RoleName.HEAD, RoleName.DEPUTY, RoleName.VIE_SCOLAIRE, RoleName.ADMINISTRATIVE}
)
# Staff roles that see the classes and pupils of their school, not the guardians.
SCHOOL_DIRECTORY_ROLES = frozenset({RoleName.DOCUMENTALISTE, RoleName.RESPONSABLE_AFFECTATION})
# Staff roles with administrative rights: TOTP is mandatory for them.
ADMINISTRATIVE_ROLES = frozenset(
    {RoleName.HEAD, RoleName.DEPUTY, RoleName.ADMINISTRATIVE, RoleName.OPERATOR}
    | {RoleName.COMMUNE, RoleName.DEPARTEMENT, RoleName.REGION, RoleName.ACADEMIE, RoleName.MINISTRY}
)
TERRITORIAL_ROLES = frozenset(
    {RoleName.COMMUNE, RoleName.DEPARTEMENT, RoleName.REGION, RoleName.ACADEMIE, RoleName.MINISTRY}
)


@dataclass(frozen=True)
class Role:
    """One role of a user. `uai` is set for school roles; `class_uid`/`subject_code` for a
    teacher of a class in a subject and for a pupil's class; `pupil_uid` for a guardian (one
    role per ward and school); `territory_code` for territorial roles."""

    name: str
    uai: str = ""
    class_uid: str = ""
    subject_code: str = ""
    pupil_uid: str = ""
    legal_guardian: bool = False
    territory_code: str = ""

    def __str__(self) -> str:
        parts = [self.name]
        for value in (self.uai, self.class_uid, self.subject_code, self.pupil_uid, self.territory_code):
            if value:
                parts.append(value)
        return ":".join(parts)


def account_of(user) -> Account | None:
    """The Account of `user`, or None (anonymous user, or a user without an account)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.account
    except Account.DoesNotExist:
        return None


def _links(account: Account | None, at: dt.date | None = None):
    if account is None or account.person_uid is None:
        return None
    return referentiel.person_links(account.person_uid, at)


def _compute_roles(user, at: dt.date | None = None) -> list[Role]:
    account = account_of(user)
    roles: list[Role] = []
    if user.is_superuser:
        roles.append(Role(RoleName.OPERATOR))
    if account is None or account.state != AccountState.ACTIVE:
        return roles
    links = _links(account, at)
    if links is not None:
        for enrolment in links.enrolments:
            roles.append(
                Role(
                    RoleName.PUPIL,
                    uai=enrolment.class_group.etablissement.uai,
                    class_uid=str(enrolment.class_group.uid),
                )
            )
        for function in links.functions:
            name = _FUNCTION_ROLES.get(function.role, RoleName.STAFF)
            roles.append(Role(name, uai=function.etablissement.uai))
        for assignment in links.teaching:
            roles.append(
                Role(
                    RoleName.TEACHER,
                    uai=assignment.class_group.etablissement.uai,
                    class_uid=str(assignment.class_group.uid),
                    subject_code=assignment.matiere.code,
                )
            )
        schools_of_ward: dict[int, set[str]] = {}
        for enrolment in links.ward_enrolments:
            schools_of_ward.setdefault(enrolment.person_id, set()).add(
                enrolment.class_group.etablissement.uai
            )
        for ward in links.wards:
            for uai in sorted(schools_of_ward.get(ward.pupil_id, {""})):
                roles.append(
                    Role(
                        RoleName.GUARDIAN,
                        uai=uai,
                        pupil_uid=str(ward.pupil.uid),
                        legal_guardian=ward.legal_responsible,
                    )
                )
    today = at or timezone.localdate()
    for grant in account.territorial_grants.all():
        if grant.is_valid(today):
            roles.append(Role(grant.kind, territory_code=grant.code))
    if account.kind == AccountKind.OPERATOR and not user.is_superuser:
        roles.append(Role(RoleName.OPERATOR))
    if account.kind == AccountKind.PARTNER:
        roles.append(Role(RoleName.PARTNER))
    return list(dict.fromkeys(roles))  # de-duplicated, order kept


_CACHE_ATTR = "_socle_identite_roles"


def roles_of(user, at: dt.date | None = None) -> list[Role]:
    """The user's roles, computed from the Référentiel (enrolments, staff functions, teaching
    assignments, guardianships valid on `at`, default today) and from the territorial/operator
    grants. A pending or suspended account has no role (except a superuser's operator role).
    Memoised on the user object (one request) when `at` is None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if at is None:
        cached = user.__dict__.get(_CACHE_ATTR)
        if cached is not None:
            return list(cached)
    roles = _compute_roles(user, at)
    if at is None:
        user.__dict__[_CACHE_ATTR] = tuple(roles)
    return roles


def forget_roles(user) -> None:
    """Drop the roles memoised on `user` (after a change to the registry in the same request)."""
    if user is not None:
        user.__dict__.pop(_CACHE_ATTR, None)
        for attr in ("_socle_identite_visible",):
            user.__dict__.pop(attr, None)


def requires_second_factor(user) -> bool:
    """TOTP is mandatory for staff with administrative rights: Django staff and superusers,
    operators, heads, deputies and administrative staff of schools, territorial officers."""
    if user.is_staff or user.is_superuser:
        return True
    return any(role.name in ADMINISTRATIVE_ROLES for role in roles_of(user))


# --- Identity ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassRef:
    """A class or group: `div` is GAR's `code##label`."""

    uid: str
    code: str
    label: str
    uai: str
    kind: str  # "division" or "groupe"
    level: str = ""

    @property
    def div(self) -> str:
        return f"{self.code}##{self.label}"


@dataclass(frozen=True)
class Identity:
    """A user as the protocols release it. `affiliation` follows ÉduConnect's
    FrEduCtPersonAffiliation: eleve1d, eleve2d, resp1d, resp2d; for staff `enseignant` or
    `personnel`; otherwise `territorial`, `operateur`, `partenaire`. `ine_hash` is the keyed
    SHA-256 of the INE (never the INE); `birth_date` is set for pupils only; `email` for staff
    and guardians only."""

    account_uid: str
    username: str
    person_uid: uuid.UUID | None
    kind: str
    first_name: str
    last_name: str
    affiliation: str
    uais: tuple[str, ...] = ()
    level: str = ""
    classes: tuple[ClassRef, ...] = ()
    ine_hash: str = ""
    birth_date: dt.date | None = None
    email: str = ""
    roles: tuple[Role, ...] = field(default_factory=tuple)

    @property
    def divs(self) -> list[str]:
        """GAR's DIV values (`code##label`) of the pupil's divisions and groups."""
        return [ref.div for ref in self.classes]


def ine_hash(ine: str) -> str:
    """Keyed SHA-256 of an INE (ÉduConnect's FrEduCtEleveINEHash), hex; "" for no INE."""
    ine = (ine or "").strip().upper()
    return keyed_hash(pairwise_key(), "ine", ine) if ine else ""


def _first_degree(school) -> bool:
    return bool(getattr(school, "is_first_degree", False))


def identity_of(user) -> Identity | None:
    """The identity of `user`, or None for an anonymous user, a user without an account, or an
    account that is not active."""
    account = account_of(user)
    if account is None or account.state != AccountState.ACTIVE:
        return None
    roles = tuple(roles_of(user))
    links = _links(account)
    base = {
        "account_uid": str(account.uid),
        "username": user.get_username(),
        "person_uid": account.person_uid,
        "kind": account.kind,
        "roles": roles,
    }
    if links is None:
        affiliation = {
            AccountKind.TERRITORIAL: "territorial",
            AccountKind.OPERATOR: "operateur",
            AccountKind.PARTNER: "partenaire",
        }.get(account.kind, "personnel")
        return Identity(
            first_name=user.first_name,
            last_name=user.last_name,
            affiliation=affiliation,
            email=user.email,
            **base,
        )
    person = links.person
    uais: list[str] = []
    classes: list[ClassRef] = []
    level = ""
    email = ""
    birth_date = None
    ine = ""
    if account.kind == AccountKind.PUPIL:
        for enrolment in links.enrolments:
            group = enrolment.class_group
            uais.append(group.etablissement.uai)
            classes.append(
                ClassRef(
                    str(group.uid), group.code, group.name, group.etablissement.uai, group.kind, group.level
                )
            )
            if group.kind == "division" and group.level:
                level = group.level
        first_degree = any(_first_degree(e.class_group.etablissement) for e in links.enrolments)
        affiliation = "eleve1d" if first_degree else "eleve2d"
        birth_date = person.birth_date
        ine = ine_hash(person.ine or "")
    elif account.kind == AccountKind.GUARDIAN:
        schools = [e.class_group.etablissement for e in links.ward_enrolments]
        uais = [s.uai for s in schools]
        affiliation = "resp1d" if schools and all(_first_degree(s) for s in schools) else "resp2d"
        email = person.email
    else:
        uais = [f.etablissement.uai for f in links.functions]
        uais += [a.class_group.etablissement.uai for a in links.teaching]
        teaching = any(f.role == "enseignant" for f in links.functions) or bool(links.teaching)
        affiliation = "enseignant" if teaching else "personnel"
        email = person.email
    return Identity(
        first_name=person.first_name,
        last_name=person.last_name,
        affiliation=affiliation,
        uais=tuple(dict.fromkeys(uais)),
        level=level,
        classes=tuple(classes),
        ine_hash=ine,
        birth_date=birth_date,
        email=email,
        **base,
    )


def pairwise_subject(user, audience: str) -> str:
    """The pseudonymous subject of `user` for `audience` (a client id, a service URL, a
    resource's ark): HMAC-SHA256(SOCLE_PAIRWISE_KEY, person uid | audience), 64 hex characters.
    Stable for a person across re-created accounts; unlinkable across audiences without the key.
    Accounts without a person use their own account uid."""
    account = account_of(user)
    if account is None:
        raise ValueError("pairwise_subject needs an authenticated user with an account")
    if not audience:
        raise ValueError("pairwise_subject needs an audience")
    principal = f"person:{account.person_uid}" if account.person_uid else f"account:{account.uid}"
    return keyed_hash(pairwise_key(), "pairwise", f"{principal}|{audience}")


def pairwise_subject_of_person(person_uid, audience: str) -> str:
    """`pairwise_subject` of the account of the Référentiel person `person_uid` (the same value,
    whether or not the person has activated an account): lets a brick recognise the pseudonym a
    service knows a pupil by (e.g. the xAPI actor sent by a resource) without the pupil's login."""
    if not person_uid or not audience:
        raise ValueError("pairwise_subject_of_person needs a person uid and an audience")
    return keyed_hash(pairwise_key(), "pairwise", f"person:{person_uid}|{audience}")


# --- Authorization -----------------------------------------------------------------------------
ACTIONS: dict[str, str] = {
    "school.view": "see a school (its card, its classes' names)",
    "school.manage": "act as the school's management (head, deputy)",
    "school.indicators": "see a school's steering indicators",
    "school.equipment.declare": "declare a school's equipment (its collectivité de rattachement)",
    "school.resources.assign": "assign resource licences of the school (responsable d'affectation)",
    "class.view": "see a class",
    "class.roster": "see the pupils of a class",
    "class.message": "write to a class and its families",
    "class.marks": "enter marks for a class",
    "class.activation_letters": "print the activation letters of a class",
    "person.view": "see a person's registry record",
    "person.act_for": "act for a person (self, or a legal guardian for a pupil)",
    "platform.operate": "operate the platform (accounts, grants, imports)",
}

_CAN_SEE_EVERYTHING = frozenset({RoleName.OPERATOR})


def _target_kind(target: Any) -> str:
    meta = getattr(target, "_meta", None)
    name = getattr(meta, "model_name", "")
    return {"etablissement": "school", "classgroup": "class", "person": "person"}.get(name, name)


def _territorial_school_filter(roles: Iterable[Role]) -> Q | None:
    """The Q on schools for the territorial roles, or None if the user has none."""
    condition = None
    for role in roles:
        if role.name == RoleName.MINISTRY:
            part = ~Q(pk=None)  # every school (an empty Q() would vanish when combined)
        elif role.name == RoleName.ACADEMIE:
            part = Q(academie_id=role.territory_code)
        elif role.name in (RoleName.COMMUNE, RoleName.DEPARTEMENT, RoleName.REGION):
            part = Q(collectivite_type=role.name, collectivite_code=role.territory_code)
        else:
            continue
        condition = part if condition is None else condition | part
    return condition


def _school_uais(roles: Iterable[Role], names: Iterable[str] | None = None) -> set[str]:
    names = set(names) if names is not None else None
    return {r.uai for r in roles if r.uai and (names is None or r.name in names)}


def visible(user, kind: str) -> QuerySet:
    """What `user` may see, as a queryset of the Référentiel: `kind` is "school", "class" or
    "person". Operators see everything; nobody else sees beyond their roles:

    - school: schools of the user's school roles (pupil, guardian's wards, staff) and of their
      territorial roles (commune → its écoles, département → its collèges, région → its lycées,
      académie → every school of the académie, ministry → every school);
    - class: a teacher the classes they teach; head, deputy, vie scolaire, administrative,
      documentaliste, responsable d'affectation every class of their school; a pupil their
      classes; a guardian their wards' classes; territorial officers none (they see schools
      and aggregates, not classes);
    - person: oneself; a teacher the pupils of their classes and these pupils' guardians; head,
      deputy, vie scolaire, administrative every pupil, staff member and guardian of their
      school; documentaliste and responsable d'affectation the pupils and staff of their school;
      a guardian their wards; territorial officers only themselves.
    """
    roles = roles_of(user)
    names = {r.name for r in roles}
    operator = bool(names & _CAN_SEE_EVERYTHING)
    if kind == "school":
        qs = referentiel.schools()
        if operator:
            return qs
        condition = Q(uai__in=_school_uais(roles))
        territorial = _territorial_school_filter(roles)
        if territorial is not None:
            condition |= territorial
        return qs.filter(condition)
    if kind == "class":
        qs = referentiel.all_classes()
        if operator:
            return qs
        school_wide = _school_uais(roles, SCHOOL_WIDE_ROLES | SCHOOL_DIRECTORY_ROLES)
        own = {r.class_uid for r in roles if r.class_uid and r.name in (RoleName.PUPIL, RoleName.TEACHER)}
        condition = Q(etablissement__uai__in=school_wide) | Q(uid__in=own)
        wards = [r.pupil_uid for r in roles if r.name == RoleName.GUARDIAN]
        if wards:
            ward_classes = set()
            for ward_uid in wards:
                links = referentiel.person_links(ward_uid)
                if links is not None:
                    ward_classes |= {str(e.class_group.uid) for e in links.enrolments}
            condition |= Q(uid__in=ward_classes)
        return qs.filter(condition)
    if kind == "person":
        if operator:
            return referentiel.persons()
        account = account_of(user)
        self_uids = [account.person_uid] if account and account.person_uid else []
        wards = [r.pupil_uid for r in roles if r.name == RoleName.GUARDIAN]
        schools_full = referentiel.schools().filter(uai__in=_school_uais(roles, SCHOOL_WIDE_ROLES))
        schools_dir = referentiel.schools().filter(uai__in=_school_uais(roles, SCHOOL_DIRECTORY_ROLES))
        taught = referentiel.all_classes().filter(
            uid__in={r.class_uid for r in roles if r.name == RoleName.TEACHER and r.class_uid}
        )
        full = referentiel.persons_related(
            schools=schools_full, include_staff=True, include_guardians=True, person_uids=self_uids + wards
        )
        directory = referentiel.persons_related(schools=schools_dir, include_staff=True)
        teacher = referentiel.persons_related(classes=taught, include_guardians=True)
        return referentiel.persons().filter(
            Q(pk__in=full.values("pk")) | Q(pk__in=directory.values("pk")) | Q(pk__in=teacher.values("pk"))
        )
    raise ValueError(f"unknown kind {kind!r}: expected school, class or person")


def _school_of(target: Any, kind: str):
    if kind == "school":
        return target
    if kind == "class":
        return target.etablissement
    return None


def can(user, action: str, target: Any = None) -> bool:
    """Whether `user` may do `action` (see `ACTIONS`) on `target` (a Référentiel school, class
    or person; None for platform actions). Unknown actions are refused."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = roles_of(user)
    names = {r.name for r in roles}
    if RoleName.OPERATOR in names:
        return True
    if action == "platform.operate":
        return False
    if target is None:
        return False
    kind = _target_kind(target)
    school = _school_of(target, kind)
    uai = getattr(school, "uai", "")

    def has(*role_names: str, school_uai: str = uai) -> bool:
        return any(r.name in role_names and r.uai == school_uai for r in roles)

    if action == "school.view" and kind == "school":
        return visible(user, "school").filter(pk=target.pk).exists()
    if action == "school.manage" and kind == "school":
        return has(RoleName.HEAD, RoleName.DEPUTY)
    if action == "school.indicators" and kind == "school":
        if has(RoleName.HEAD, RoleName.DEPUTY):
            return True
        territorial = _territorial_school_filter(roles)
        return territorial is not None and referentiel.schools().filter(territorial, pk=target.pk).exists()
    if action == "school.equipment.declare" and kind == "school":
        return any(
            r.name in (RoleName.COMMUNE, RoleName.DEPARTEMENT, RoleName.REGION)
            and r.name == target.collectivite_type
            and r.territory_code == target.collectivite_code
            for r in roles
        )
    if action == "school.resources.assign" and kind == "school":
        return has(RoleName.RESPONSABLE_AFFECTATION, RoleName.HEAD)
    if kind == "class":
        class_uid = str(target.uid)
        teaches = any(r.name == RoleName.TEACHER and r.class_uid == class_uid for r in roles)
        if action == "class.view":
            return visible(user, "class").filter(pk=target.pk).exists()
        if action == "class.roster":
            return teaches or has(*SCHOOL_WIDE_ROLES, *SCHOOL_DIRECTORY_ROLES)
        if action == "class.message":
            return teaches or has(RoleName.HEAD, RoleName.DEPUTY, RoleName.VIE_SCOLAIRE)
        if action == "class.marks":
            return teaches
        if action == "class.activation_letters":
            return has(RoleName.HEAD, RoleName.DEPUTY, RoleName.ADMINISTRATIVE)
        return False
    if kind == "person":
        account = account_of(user)
        is_self = (
            account is not None
            and account.person_uid is not None
            and str(account.person_uid) == str(target.uid)
        )
        if action == "person.view":
            return is_self or visible(user, "person").filter(pk=target.pk).exists()
        if action == "person.act_for":
            return is_self or any(
                r.name == RoleName.GUARDIAN and r.legal_guardian and r.pupil_uid == str(target.uid)
                for r in roles
            )
    return False


def ensure(request, action: str, target: Any = None) -> None:
    """`can(request.user, …)`, or log an authorization failure and raise PermissionDenied."""
    if can(request.user, action, target):
        return
    from .security import log_event

    log_event(
        "authz_denied",
        request=request,
        user=request.user if request.user.is_authenticated else None,
        details={
            "action": action,
            "target": _target_kind(target),
            "target_uid": str(getattr(target, "uid", "")),
        },
    )
    raise PermissionDenied(action)


# --- External identities -----------------------------------------------------------------------
class ExternalIdentityConflict(Exception):
    """The external subject is already linked to another account."""


def link_external_identity(account: Account, provider: str, subject: str) -> ExternalIdentity:
    """Link `subject` at `provider` (e.g. "franceconnect") to `account`. Idempotent for the same
    account; replaces a previous subject of the same provider on that account; raises
    ExternalIdentityConflict if the subject belongs to another account."""
    if not provider or not subject:
        raise ValueError("provider and subject are required")
    existing = ExternalIdentity.objects.filter(provider=provider, subject=subject).first()
    if existing is not None:
        if existing.account_id != account.pk:
            raise ExternalIdentityConflict(provider)
        return existing
    try:
        with transaction.atomic():
            ExternalIdentity.objects.filter(account=account, provider=provider).delete()
            linked = ExternalIdentity.objects.create(account=account, provider=provider, subject=subject)
    except IntegrityError as error:
        raise ExternalIdentityConflict(provider) from error
    from .security import log_event

    log_event("external_linked", user=account.user, details={"provider": provider})
    return linked


def account_by_external_identity(provider: str, subject: str) -> Account | None:
    """The account linked to `subject` at `provider`, or None."""
    linked = ExternalIdentity.objects.select_related("account__user").filter(
        provider=provider, subject=subject
    )
    found = linked.first()
    if found is None:
        return None
    ExternalIdentity.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.account


def grant_territory(account: Account, kind: str, code: str = "", granted_by=None) -> TerritorialGrant:
    """Give `account` a territorial role (idempotent)."""
    if kind not in TerritoryKind.values:
        raise ValueError(f"unknown territory kind {kind!r}")
    if kind != TerritoryKind.MINISTRY and not code:
        raise ValueError("a territory code is required")
    grant, _ = TerritorialGrant.objects.get_or_create(
        account=account,
        kind=kind,
        code=code if kind != TerritoryKind.MINISTRY else "",
        defaults={"granted_by": granted_by},
    )
    return grant
