"""Who may read a pupil's digital-skills results: the pupil, their guardians, the teachers of
their current classes and the head of their current school — nobody else (not an operator,
not a documentaliste, not a teacher of another class, not a provider). The relation is computed
at request time from Identité's roles (themselves computed from the Référentiel), so that a
pupil who changes class or school is at once out of the former teachers' and head's sight.

Staff reads also pass Identité's `can(user, "person.view", pupil)`: the platform's single
authorization service must agree, this module only narrows it."""

from __future__ import annotations

from socle.identite import services as identite
from socle.referentiel import services as referentiel

SELF = "self"
GUARDIAN = "guardian"
TEACHER = "teacher"
HEAD = "head"
FAMILY = frozenset({SELF, GUARDIAN})
STAFF = frozenset({TEACHER, HEAD})


def person_uid_of(user) -> str | None:
    account = identite.account_of(user)
    return str(account.person_uid) if account is not None and account.person_uid else None


def relation_to(user, pupil) -> str | None:
    """How `user` may read the results of `pupil` (a Référentiel Person): SELF, GUARDIAN,
    TEACHER, HEAD, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active or pupil is None:
        return None
    pupil_uid = str(pupil.uid)
    roles = identite.roles_of(user)
    if person_uid_of(user) == pupil_uid and any(r.name == identite.RoleName.PUPIL for r in roles):
        return SELF
    if any(r.name == identite.RoleName.GUARDIAN and r.pupil_uid == pupil_uid for r in roles):
        return GUARDIAN
    staff = {r.name for r in roles} & {identite.RoleName.TEACHER, identite.RoleName.HEAD}
    if not staff:
        return None
    links = referentiel.person_links(pupil_uid)
    if links is None or not links.enrolments:
        return None
    classes = {str(e.class_group.uid) for e in links.enrolments}
    schools = {e.class_group.etablissement.uai for e in links.enrolments}
    relation = None
    if any(r.name == identite.RoleName.TEACHER and r.class_uid in classes for r in roles):
        relation = TEACHER
    elif any(r.name == identite.RoleName.HEAD and r.uai in schools for r in roles):
        relation = HEAD
    if relation and identite.can(user, "person.view", pupil):
        return relation
    return None


def class_relation(user, class_group) -> str | None:
    """TEACHER if `user` teaches `class_group`, HEAD if they head its school, else None."""
    if class_group is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    roles = identite.roles_of(user)
    class_uid = str(class_group.uid)
    relation = None
    if any(r.name == identite.RoleName.TEACHER and r.class_uid == class_uid for r in roles):
        relation = TEACHER
    elif any(r.name == identite.RoleName.HEAD and r.uai == class_group.etablissement.uai for r in roles):
        relation = HEAD
    if relation and identite.can(user, "class.roster", class_group):
        return relation
    return None
