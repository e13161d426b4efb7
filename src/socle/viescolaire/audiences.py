"""Who a user may write to: audiences (a class's pupils, guardians or teachers; a school's
families, staff or management) and single persons, resolved to person uids through the
Référentiel and bounded by Identité's authorization.

- A teacher writes to the classes they teach (Identité's `class.message`): pupils, their
  guardians, the class's other teachers.
- Head, deputy and vie scolaire write to every class of their school and to the whole school.
- A guardian writes to the teachers of their wards' classes and to the school's management.
- A pupil writes to the teachers of their classes.
- A single person may be chosen among the members of the audiences the user may address.

An audience key is a plain string so that the pages and the API share it:
`class:<uid>:pupils|guardians|teachers`, `school:<UAI>:families|staff|management`,
`person:<uid>`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.identite import services as identite
from socle.referentiel import services as referentiel

CLASS_AUDIENCES = ("pupils", "guardians", "teachers")
SCHOOL_AUDIENCES = ("families", "staff", "management")
# Staff functions of the Référentiel that make up a school's management for families.
MANAGEMENT_FUNCTIONS = ("direction", "adjoint", "vie_scolaire")
SCHOOL_WRITERS = (identite.RoleName.HEAD, identite.RoleName.DEPUTY, identite.RoleName.VIE_SCOLAIRE)


@dataclass(frozen=True)
class Audience:
    key: str
    label: str
    school_uai: str


class AudienceError(PermissionDenied):
    """The user may not write to this audience (or it does not exist)."""


def person_uid_of(user) -> str | None:
    account = identite.account_of(user)
    return str(account.person_uid) if account is not None and account.person_uid else None


def _class_label(kind: str, group) -> str:
    return {
        "pupils": _("Pupils of %(klass)s"),
        "guardians": _("Guardians of %(klass)s"),
        "teachers": _("Teachers of %(klass)s"),
    }[kind] % {"klass": group.name}


def _school_label(kind: str, school) -> str:
    return {
        "families": _("All families of %(school)s"),
        "staff": _("All staff of %(school)s"),
        "management": _("Management and vie scolaire of %(school)s"),
    }[kind] % {"school": school.name}


def audiences_for(user) -> list[Audience]:
    """The audiences `user` may write to, in a stable order (classes, then schools)."""
    roles = identite.roles_of(user)
    audiences: dict[str, Audience] = {}

    def add(key: str, label: str, uai: str) -> None:
        audiences.setdefault(key, Audience(key, label, uai))

    for group in identite.visible(user, "class"):
        if identite.can(user, "class.message", group):
            for kind in CLASS_AUDIENCES:
                add(f"class:{group.uid}:{kind}", _class_label(kind, group), group.etablissement.uai)
    writer_uais = {r.uai for r in roles if r.name in SCHOOL_WRITERS and r.uai}
    for school in referentiel.schools().filter(uai__in=writer_uais):
        for kind in SCHOOL_AUDIENCES:
            add(f"school:{school.uai}:{kind}", _school_label(kind, school), school.uai)
    pupil_classes = {r.class_uid for r in roles if r.name == identite.RoleName.PUPIL}
    ward_uids = [r.pupil_uid for r in roles if r.name == identite.RoleName.GUARDIAN]
    family_classes: dict[str, str] = {uid: "" for uid in pupil_classes}
    for ward_uid in ward_uids:
        links = referentiel.person_links(ward_uid)
        if links is None:
            continue
        for enrolment in links.enrolments:
            family_classes[str(enrolment.class_group.uid)] = links.person.first_name
            school = enrolment.class_group.etablissement
            add(f"school:{school.uai}:management", _school_label("management", school), school.uai)
    for class_uid, child in family_classes.items():
        group = referentiel.class_by_uid(class_uid)
        if group is None:
            continue
        label = _class_label("teachers", group)
        if child:
            label = f"{label} ({child})"
        add(f"class:{group.uid}:teachers", label, group.etablissement.uai)
    return sorted(audiences.values(), key=lambda a: (not a.key.startswith("class:"), a.label))


def _current(rows):
    today = timezone.localdate()
    return [
        row
        for row in rows
        if row.begin_date <= today
        and (row.end_date is None or row.end_date >= today)
        and row.status != "tobedeleted"
    ]


def members(audience_key: str) -> set[str]:
    """The person uids an audience key stands for today (no authorization check)."""
    kind, _sep, rest = audience_key.partition(":")
    ident, _sep, part = rest.partition(":")
    if kind == "person":
        return {str(uuid.UUID(ident))}
    if kind == "class":
        group = referentiel.class_by_uid(ident)
        if group is None:
            return set()
        pupils = referentiel.pupils_of_class(group)
        if part == "pupils":
            return {str(uid) for uid in pupils.values_list("uid", flat=True)}
        if part == "guardians":
            related = referentiel.persons_related(classes=[group], include_guardians=True)
            return {
                str(uid) for uid in related.exclude(pk__in=pupils.values("pk")).values_list("uid", flat=True)
            }
        if part == "teachers":
            return {str(t.person.uid) for t in referentiel.teachers_of_class(group)}
    if kind == "school":
        schools = referentiel.schools().filter(uai=ident)
        if not schools.exists():
            return set()
        pupils = referentiel.persons_related(schools=schools)
        if part == "families":
            related = referentiel.persons_related(schools=schools, include_guardians=True)
            return {
                str(uid) for uid in related.exclude(pk__in=pupils.values("pk")).values_list("uid", flat=True)
            }
        if part == "staff":
            related = referentiel.persons_related(schools=schools, include_staff=True)
            return {
                str(uid) for uid in related.exclude(pk__in=pupils.values("pk")).values_list("uid", flat=True)
            }
        if part == "management":
            functions = _current(referentiel.staff_functions_in_schools(schools))
            return {str(f.person.uid) for f in functions if f.role in MANAGEMENT_FUNCTIONS}
    raise AudienceError(f"unknown audience {audience_key!r}")


def reachable_persons(user) -> set[str]:
    """Every person uid `user` may write to individually: the members of their audiences."""
    reachable: set[str] = set()
    for audience in audiences_for(user):
        reachable |= members(audience.key)
    reachable.discard(person_uid_of(user) or "")
    return reachable


@dataclass
class Resolved:
    recipients: set[str]
    labels: list[str]
    school_uai: str


def resolve(user, keys: list[str]) -> Resolved:
    """The person uids of `keys` for `user`, or AudienceError naming the first key `user` may not
    address. Single persons must be members of one of the user's audiences. The author is never
    their own recipient."""
    if not keys:
        raise AudienceError(_("Choose at least one recipient."))
    allowed = {a.key: a for a in audiences_for(user)}
    recipients: set[str] = set()
    labels: list[str] = []
    uais: list[str] = []
    reachable: set[str] | None = None
    for key in keys:
        if key.startswith("person:"):
            try:
                uid = str(uuid.UUID(key.removeprefix("person:")))
            except ValueError as error:
                raise AudienceError(_("Unknown recipient %(key)s.") % {"key": key}) from error
            if reachable is None:
                reachable = reachable_persons(user)
            if uid not in reachable:
                raise AudienceError(_("You may not write to the recipient %(key)s.") % {"key": key})
            person = referentiel.person_by_uid(uid)
            recipients.add(uid)
            labels.append(f"{person.first_name} {person.last_name}")
            continue
        audience = allowed.get(key)
        if audience is None:
            raise AudienceError(_("You may not write to the recipient %(key)s.") % {"key": key})
        recipients |= members(key)
        labels.append(audience.label)
        uais.append(audience.school_uai)
    recipients.discard(person_uid_of(user) or "")
    if not recipients:
        raise AudienceError(_("These recipients have nobody in them today."))
    return Resolved(recipients, labels, uais[0] if uais else _school_of_persons(user, recipients))


def _school_of_persons(user, recipients: set[str]) -> str:
    """The school whose quiet hours apply to a message written to single persons: the author's
    school (staff, pupil) or, for a guardian, the school of their ward."""
    roles = identite.roles_of(user)
    for role in roles:
        if role.uai:
            return role.uai
    return ""
