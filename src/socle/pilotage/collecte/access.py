"""Which steering data a user may see, derived from Identité's roles (closed data by role).

- operator, ministry analyst: every territory and school;
- académie officer: the académie, its départements and communes, their schools, and the région
  and nation aggregates for comparison;
- collectivité officer (commune, département, région): the collectivité's own schools (commune →
  écoles, département → collèges, région → lycées), its aggregate, and the aggregates of the
  territories that contain it;
- head or deputy: their school and the aggregates of its commune, département, académie, région
  and the nation;
- anyone else (teacher, pupil, guardian…): nothing.

School-level access agrees with Identité's `school.indicators` rule, which the school pages also
check through `identite.ensure`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from socle.identite import services as identite
from socle.referentiel import services as referentiel

R = identite.RoleName
NATION = ("nation", "FR")


@dataclass
class Scope:
    everything: bool = False
    territories: set[tuple[str, str]] = field(default_factory=set)
    school_condition: Q | None = None
    home: tuple[str, str] | None = None
    # Territories whose sub-territories (children) the user may browse.
    browsable: set[tuple[str, str]] = field(default_factory=set)
    academies: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.territories and self.school_condition is None

    def schools(self) -> QuerySet:
        qs = referentiel.schools()
        if self.everything:
            return qs
        if self.school_condition is None:
            return qs.none()
        return qs.filter(self.school_condition)

    def may_see(self, level: str, code: str) -> bool:
        if self.everything:
            return True
        if level == "school":
            return self.schools().filter(uai=code).exists()
        if (level, code) in self.territories:
            return True
        if level in ("departement", "commune") and self.academies:
            return _academie_of(level, code) in self.academies
        return False

    def may_browse(self, level: str, code: str) -> bool:
        return (
            self.everything
            or (level, code) in self.browsable
            or (
                level in ("academie", "departement", "commune")
                and _academie_of(level, code) in self.academies
            )
        )


def _academie_of(level: str, code: str) -> str | None:
    if level == "academie":
        return code
    if level == "departement":
        departement = referentiel.departements().filter(code=code).first()
        return departement.academie_id if departement else None
    if level == "commune":
        school = referentiel.schools().filter(commune_id=code).select_related("departement").first()
        return school.departement.academie_id if school and school.departement else None
    return None


def _containing(school) -> set[tuple[str, str]]:
    found = {NATION}
    for level, code in (
        ("commune", school.commune_id),
        ("departement", school.departement_id),
        ("academie", school.academie_id),
        ("region", school.region_id),
    ):
        if code:
            found.add((level, code))
    return found


def _collectivite_context(kind: str, code: str) -> set[tuple[str, str]]:
    """The aggregates containing a collectivité's territory."""
    found = {NATION, ("collectivite", f"{kind}:{code}"), (kind, code)}
    if kind == "commune":
        school = referentiel.schools().filter(commune_id=code).first()
        if school is not None:
            found |= _containing(school)
    elif kind == "departement":
        departement = referentiel.departements().filter(code=code).select_related("academie").first()
        if departement is not None:
            found |= {("academie", departement.academie_id), ("region", departement.academie.region_id)}
    return found


def scope_of(user) -> Scope:
    scope = Scope()
    roles = identite.roles_of(user)
    condition: Q | None = None

    def add(part: Q) -> None:
        nonlocal condition
        condition = part if condition is None else condition | part

    for role in roles:
        if role.name in (R.OPERATOR, R.MINISTRY):
            scope.everything = True
            scope.home = NATION
        elif role.name == R.ACADEMIE:
            add(Q(academie_id=role.territory_code))
            scope.academies.add(role.territory_code)
            scope.territories |= {("academie", role.territory_code), NATION}
            academie = referentiel.academies().filter(code=role.territory_code).first()
            if academie is not None:
                scope.territories.add(("region", academie.region_id))
            scope.browsable.add(("academie", role.territory_code))
            scope.home = scope.home or ("academie", role.territory_code)
        elif role.name in (R.COMMUNE, R.DEPARTEMENT, R.REGION):
            add(Q(collectivite_type=role.name, collectivite_code=role.territory_code))
            own = ("collectivite", f"{role.name}:{role.territory_code}")
            scope.territories |= _collectivite_context(role.name, role.territory_code)
            scope.browsable.add(own)
            scope.home = scope.home or own
        elif role.name in (R.HEAD, R.DEPUTY) and role.uai:
            add(Q(uai=role.uai))
            school = referentiel.schools().filter(uai=role.uai).first()
            if school is not None:
                scope.territories |= _containing(school)
            scope.home = scope.home or ("school", role.uai)
    scope.school_condition = condition
    return scope
