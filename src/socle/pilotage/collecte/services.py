"""Collecte's public interface: who may declare, declaring, the declarations' history, the CSV
import, and `latest_declarations(vintage)` that the indicator computation (socle.pilotage) reads.

Validation lives here once (`parse_value`, `cross_check`) and serves the form, the CSV import
and the API alike. A declaration is written in a transaction with the supersession of the
previous one; the indicator recompute of that vintage is queued once the transaction commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from socle.identite import services as identite
from socle.referentiel import services as referentiel

from .models import (
    EQUIPMENT_FIELDS,
    FIELDS_BY_KIND,
    MAX_COUNT,
    PIX_FIELDS,
    AccessChannel,
    BandwidthClass,
    Declaration,
    DeclarationKind,
    DeclarationSource,
    IndicatorAccess,
)

__all__ = [
    "ACCESS_LOG_RETENTION_DAYS",
    "DeclarationRefused",
    "FieldProblem",
    "can_declare",
    "cross_check",
    "declarable_schools",
    "declare",
    "history",
    "latest_declarations",
    "parse_value",
    "population_problems",
    "purge_access_log",
    "record_access",
    "registry_populations",
]

# Audit entries of closed-data views are kept one year, then purged (`purge_access_log`).
ACCESS_LOG_RETENTION_DAYS = 365
BOOLEAN_FIELDS = frozenset({"wifi_switchable", "ent_available"})
CHOICE_FIELDS = {"bandwidth_class": tuple(BandwidthClass.values)}
COUNT_FIELDS = frozenset(EQUIPMENT_FIELDS + PIX_FIELDS) - BOOLEAN_FIELDS - set(CHOICE_FIELDS)
# Equipment is declared whole (a partial inventory would skew every ratio); Pix counts one by
# one, since a collège has no terminale and an école no Pix at all.
REQUIRED_FIELDS = {DeclarationKind.EQUIPMENT: EQUIPMENT_FIELDS, DeclarationKind.PIX: ()}
TRUE_WORDS = frozenset({"1", "true", "oui", "yes", "vrai", "o", "y"})
FALSE_WORDS = frozenset({"0", "false", "non", "no", "faux", "n"})


@dataclass(frozen=True)
class FieldProblem:
    """One invalid value: which field, what was given, what was expected."""

    field: str
    value: Any
    expected: str


class DeclarationRefused(Exception):
    """The declaration cannot be recorded: not authorised, unknown school, or invalid values."""

    def __init__(self, message: str, problems: Iterable[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


def find_school(uai: str):
    """The registry's school with this UAI, or None (unknown or malformed UAI)."""
    try:
        return referentiel.school_by_uai(uai)
    except ValueError:
        return None


# --- Authorization -----------------------------------------------------------------------------
def can_declare(user, school) -> bool:
    """The owning collectivité (commune → écoles, département → collèges, région → lycées) and
    the school's management may declare its equipment (Identité decides both)."""
    return identite.can(user, "school.equipment.declare", school) or identite.can(
        user, "school.manage", school
    )


def declarable_schools(user) -> QuerySet:
    """The schools `user` may declare for, ordered by name."""
    roles = identite.roles_of(user)
    names = {role.name for role in roles}
    schools = identite.visible(user, "school")
    if identite.RoleName.OPERATOR in names:
        return schools.order_by("name", "uai")
    condition = Q(pk=None)
    for role in roles:
        if role.name in (identite.RoleName.HEAD, identite.RoleName.DEPUTY):
            condition |= Q(uai=role.uai)
        elif role.name in (
            identite.RoleName.COMMUNE,
            identite.RoleName.DEPARTEMENT,
            identite.RoleName.REGION,
        ):
            condition |= Q(collectivite_type=role.name, collectivite_code=role.territory_code)
    return schools.filter(condition).order_by("name", "uai")


# --- Validation --------------------------------------------------------------------------------
VINTAGE_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


def check_vintage(vintage: Any) -> FieldProblem | None:
    text = str(vintage or "").strip()
    match = VINTAGE_PATTERN.match(text)
    if not match or int(match[2]) != int(match[1]) + 1 or not 2000 <= int(match[1]) <= 2100:
        return FieldProblem(
            "vintage", vintage, _("a school year YYYY-YYYY of two consecutive years, e.g. 2025-2026")
        )
    return None


def current_vintage() -> str:
    year = referentiel.current_school_year()
    if year is not None and VINTAGE_PATTERN.match(year.code):
        return year.code
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def parse_value(name: str, raw: Any) -> Any:
    """The typed value of field `name` from a string (CSV, form) or a JSON value (API); None
    for empty. Raises ValueError whose message says what was expected."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if name in BOOLEAN_FIELDS:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("yes or no (oui/non, true/false, 1/0)"))
    if name in CHOICE_FIELDS:
        word = str(raw).strip().lower()
        if word not in CHOICE_FIELDS[name]:
            raise ValueError(_("one of %(choices)s") % {"choices": ", ".join(CHOICE_FIELDS[name])})
        return word
    if name in COUNT_FIELDS:
        if isinstance(raw, bool | float):
            raise ValueError(_("a whole number from 0 to %(max)s") % {"max": MAX_COUNT})
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise ValueError(_("a whole number from 0 to %(max)s") % {"max": MAX_COUNT}) from None
        if not 0 <= number <= MAX_COUNT:
            raise ValueError(_("a whole number from 0 to %(max)s") % {"max": MAX_COUNT})
        return number
    raise ValueError(f"unknown field {name!r}")


def cross_check(kind: str, values: dict[str, Any]) -> list[FieldProblem]:
    """Rules between fields, once each value is well-typed."""
    problems = [
        FieldProblem(name, None, _("a value (the equipment inventory is declared whole)"))
        for name in REQUIRED_FIELDS[kind]
        if values.get(name) is None
    ]
    if kind == DeclarationKind.PIX and all(values.get(name) is None for name in PIX_FIELDS):
        problems.append(FieldProblem(PIX_FIELDS[0], None, _("at least one Pix count")))
    rooms, wifi = values.get("teaching_rooms"), values.get("teaching_rooms_wifi")
    if rooms is not None and wifi is not None and wifi > rooms:
        problems.append(
            FieldProblem(
                "teaching_rooms_wifi",
                wifi,
                _("at most the number of teaching rooms (%(rooms)s)") % {"rooms": rooms},
            )
        )
    sets, terminals = values.get("mobile_device_sets"), values.get("mobile_terminals")
    if sets and terminals is not None and terminals < sets:
        problems.append(
            FieldProblem(
                "mobile_terminals",
                terminals,
                _("at least one terminal per mobile set (%(sets)s)") % {"sets": sets},
            )
        )
    return problems


# A declared Pix count is a subset of a population the Référentiel knows: the school's teachers
# (distinct persons with a teaching assignment that year) or its pupils of one level (distinct
# pupils enrolled in a division of that level). Counted as socle.pilotage.facts counts them, so
# that a rate computed from an accepted declaration never exceeds 100 %.
POPULATION_OF_FIELD = {
    "teachers_pix_edu": "teachers",
    "pupils_6e_pix_attestation": "6E",
    "pupils_3e_pix_certified": "3E",
    "pupils_terminale_pix_certified": "TLE",
}


def registry_populations(uais: Iterable[str], vintage: str) -> dict[str, dict[str, int]]:
    """For each school of `uais`, the Référentiel's populations of school year `vintage`:
    {"teachers": n, "6E": n, "3E": n, "TLE": n}, only those above zero. Empty when the
    Référentiel does not know the school year."""
    year = referentiel.school_year_by_code(vintage)
    uais = sorted(set(uais))
    populations: dict[str, dict[str, int]] = {uai: {} for uai in uais}
    if year is None or not uais:
        return populations
    schools = referentiel.schools_in_territory(uais=uais)
    uai = "class_group__etablissement__uai"
    # `.order_by()`: the services order on a unique key, which would split every GROUP BY.
    teaching = (
        referentiel.teaching_assignments_in_schools(schools)
        .filter(class_group__school_year=year)
        .exclude(status="tobedeleted")
        .order_by()
    )
    for entry in teaching.values(uai).annotate(n=Count("person", distinct=True)):
        populations[entry[uai]]["teachers"] = entry["n"]
    levels = [POPULATION_OF_FIELD[name] for name in POPULATION_OF_FIELD if name != "teachers_pix_edu"]
    divisions = (
        referentiel.enrolments_in_schools(schools)
        .filter(class_group__school_year=year, class_group__kind="division", class_group__level__in=levels)
        .exclude(status="tobedeleted")
        .order_by()
    )
    for entry in divisions.values(uai, "class_group__level").annotate(n=Count("person", distinct=True)):
        populations[entry[uai]][entry["class_group__level"]] = entry["n"]
    return populations


def _population_expected(name: str, declared: int, population: int) -> str:
    if name == "teachers_pix_edu":
        text = ngettext(
            "at most %(population)s: %(declared)s attested teachers declared, but the school has "
            "%(population)s teacher in the Référentiel",
            "at most %(population)s: %(declared)s attested teachers declared, but the school has "
            "%(population)s teachers in the Référentiel",
            population,
        )
    elif name == "pupils_6e_pix_attestation":
        text = ngettext(
            "at most %(population)s: %(declared)s pupils of 6e with a Pix attestation declared, but the "
            "school has %(population)s pupil in 6e in the Référentiel",
            "at most %(population)s: %(declared)s pupils of 6e with a Pix attestation declared, but the "
            "school has %(population)s pupils in 6e in the Référentiel",
            population,
        )
    elif name == "pupils_3e_pix_certified":
        text = ngettext(
            "at most %(population)s: %(declared)s pupils of 3e certified by Pix declared, but the "
            "school has %(population)s pupil in 3e in the Référentiel",
            "at most %(population)s: %(declared)s pupils of 3e certified by Pix declared, but the "
            "school has %(population)s pupils in 3e in the Référentiel",
            population,
        )
    else:
        text = ngettext(
            "at most %(population)s: %(declared)s pupils of terminale certified by Pix declared, but "
            "the school has %(population)s pupil in terminale in the Référentiel",
            "at most %(population)s: %(declared)s pupils of terminale certified by Pix declared, but "
            "the school has %(population)s pupils in terminale in the Référentiel",
            population,
        )
    return text % {"declared": declared, "population": population}


def population_problems(values: dict[str, Any], populations: dict[str, int]) -> list[FieldProblem]:
    """The Pix counts of `values` that exceed the school's population in the Référentiel.

    A population the Référentiel does not have (no teaching assignment, no pupil of that level
    for the year) is not checked: the registry is fed by the academic imports, which may come
    after the collectivité's declaration, and a zero there means "not imported yet" as often as
    "none". Refusing then would block an honest declaration; the indicator shows it as missing
    denominator instead."""
    problems = []
    for name, population_key in POPULATION_OF_FIELD.items():
        declared, population = values.get(name), populations.get(population_key)
        if declared is not None and population and declared > population:
            problems.append(FieldProblem(name, declared, _population_expected(name, declared, population)))
    return problems


def check_against_registry(uai: str, vintage: str, kind: str, values: dict[str, Any]) -> list[FieldProblem]:
    """`population_problems` of one declaration of school `uai` (only Pix counts are subsets)."""
    if kind != DeclarationKind.PIX:
        return []
    return population_problems(values, registry_populations([uai], vintage)[uai])


def clean(kind: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Parse every field of `kind` from `raw`, then cross-check: (values, problems)."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name in FIELDS_BY_KIND[kind]:
        try:
            values[name] = parse_value(name, raw.get(name))
        except ValueError as error:
            problems.append(FieldProblem(name, raw.get(name), str(error)))
    if not problems:
        problems = cross_check(kind, values)
    return values, problems


# --- Declaring ---------------------------------------------------------------------------------
def _enqueue_recompute(vintage: str, uais: list[str]) -> None:
    from .tasks import recompute_schools

    recompute_schools.enqueue(vintage, sorted(set(uais)))


def declare(
    user,
    school,
    vintage: str,
    kind: str,
    raw: dict[str, Any],
    *,
    source: str = DeclarationSource.FORM,
    token_name: str = "",
) -> Declaration:
    """Record a declaration of `kind` for `school` and `vintage` by `user`, superseding the
    current one. Raises DeclarationRefused (not allowed, invalid vintage or values)."""
    if kind not in DeclarationKind.values:
        raise DeclarationRefused(f"unknown declaration kind {kind!r}: expected equipment or pix")
    if not can_declare(user, school):
        raise DeclarationRefused(f"not allowed to declare for school {school.uai}")
    problems = []
    if problem := check_vintage(vintage):
        problems.append(problem)
    values, value_problems = clean(kind, raw)
    problems += value_problems
    if not problems:
        problems = check_against_registry(school.uai, vintage.strip(), kind, values)
    if problems:
        raise DeclarationRefused("invalid declaration", problems)
    with transaction.atomic():
        declaration = _write(user, school.uai, vintage.strip(), kind, values, source, token_name)
        transaction.on_commit(lambda: _enqueue_recompute(declaration.vintage, [declaration.uai]))
    return declaration


def _write(user, uai, vintage, kind, values, source, token_name) -> Declaration:
    """Insert one declaration; must run inside a transaction. The previous current declaration
    is locked so that two simultaneous declarations cannot both supersede it."""
    previous = (
        Declaration.objects.select_for_update(of=("self",))
        .filter(uai=uai, vintage=vintage, kind=kind, superseded_by__isnull=True)
        .order_by("-declared_at", "-pk")
        .first()
    )
    name = user.get_username() if user is not None else ("" if token_name else "system")
    if token_name:
        name = f"{name} (API token {token_name})" if name else f"API token {token_name}"
    declaration = Declaration.objects.create(
        uai=uai,
        vintage=vintage,
        kind=kind,
        declared_by=user if getattr(user, "pk", None) else None,
        declared_by_name=name[:150],
        source=source,
        supersedes=previous,
        **values,
    )
    return declaration


def write_many(user, rows: list[tuple[str, str, str, dict]], source: str) -> list[Declaration]:
    """Write pre-validated (uai, vintage, kind, values) rows all at once or not at all, then
    queue one recompute per school year for all the schools written."""
    with transaction.atomic():
        written = [
            _write(user, uai, vintage, kind, values, source, "") for uai, vintage, kind, values in rows
        ]
        by_vintage: dict[str, list[str]] = {}
        for declaration in written:
            by_vintage.setdefault(declaration.vintage, []).append(declaration.uai)
        for vintage, uais in by_vintage.items():
            transaction.on_commit(lambda v=vintage, u=uais: _enqueue_recompute(v, u))
    return written


def history(uai: str, vintage: str | None = None) -> QuerySet:
    """Every declaration of a school, newest first (current and superseded)."""
    declarations = Declaration.objects.filter(uai=uai).select_related("superseded_by")
    if vintage:
        declarations = declarations.filter(vintage=vintage)
    return declarations.order_by("-declared_at", "-pk")


def current_declarations(uais: Iterable[str], vintage: str) -> dict[tuple[str, str], Declaration]:
    found = Declaration.objects.filter(uai__in=list(uais), vintage=vintage, superseded_by__isnull=True)
    return {(d.uai, d.kind): d for d in found}


def latest_declarations(vintage: str) -> Iterator[dict]:
    """One dict per school that declared anything for `vintage`: the latest equipment
    declaration merged with the latest Pix declaration. `declared_at` is the most recent of
    the two; fields of a kind never declared are None."""
    current = (
        Declaration.objects.filter(vintage=vintage, superseded_by__isnull=True)
        .order_by("uai", "kind")
        .iterator(chunk_size=2000)
    )
    merged: dict | None = None
    for declaration in current:
        if merged is not None and merged["uai"] != declaration.uai:
            yield merged
            merged = None
        if merged is None:
            merged = {"uai": declaration.uai, "vintage": vintage, "declared_at": declaration.declared_at}
            merged.update(dict.fromkeys(EQUIPMENT_FIELDS + PIX_FIELDS))
        merged["declared_at"] = max(merged["declared_at"], declaration.declared_at)
        merged.update(declaration.values())
        if merged["bandwidth_class"] == "":
            merged["bandwidth_class"] = None
    if merged is not None:
        yield merged


# --- Audit of closed-data views ----------------------------------------------------------------
def record_access(
    request, *, what: str, level: str, code: str = "", channel: str = AccessChannel.PAGE, token=None
) -> IndicatorAccess:
    """Log that the requester viewed closed steering data about `level`/`code`."""
    user = getattr(request, "user", None)
    if token is not None and getattr(token, "created_by", None) is not None:
        user = token.created_by
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return IndicatorAccess.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        token_name=getattr(token, "name", "") if token is not None else "",
        channel=channel,
        what=what,
        level=level,
        code=code or "",
        path=request.get_full_path()[:200],
    )


def purge_access_log(now=None) -> int:
    """Delete access entries older than the retention period; the number deleted."""
    limit = (now or timezone.now()) - timezone.timedelta(days=ACCESS_LOG_RETENTION_DAYS)
    deleted, _ = IndicatorAccess.objects.filter(at__lt=limit).delete()
    return deleted
