"""Compétences' public interface: the CRCN reference data, the results of a pupil as the reader
may see them, a class's matrix with its suggestions, the writes of a connected provider, and the
facts Pilotage reads. Pages (views.py), the API (api.py) and other bricks use only these.

Reads of individual results are authorised by `access.relation_to` (pupil, guardians, teachers
of the pupil's classes, head of the pupil's school) and every staff read is audited
(`audit.log_profile_reads`): the read functions take the `request` for that reason.

Errors: `NotFound` when the pupil or class does not exist *or is not visible to the reader* (a
stranger cannot tell them apart); `InvalidInput(field, message)` for bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.identite import services as identite
from socle.referentiel import services as referentiel
from socle.ressources import services as ressources
from socle.ressources.gar import services as gar
from socle.traces import services as traces

from . import access, crcn, reference
from .audit import log_profile_reads
from .models import Certification, CertificationStatus, Framework, ParcoursCompletion, PixPlusEdu, PixProfile

__all__ = [
    "CompetenceInfo",
    "InvalidInput",
    "NotFound",
    "class_matrix",
    "current_framework",
    "family_pupils",
    "framework_competences",
    "framework_levels",
    "has_attestation",
    "matrix_classes",
    "pilotage_facts",
    "pix_plus_edu_of",
    "read_profile",
    "record_certification",
    "record_parcours",
    "record_pix_plus_edu",
    "record_profile",
    "staff_school",
]

# A group worth a suggestion: at least this many pupils under the threshold in one competence.
GROUP_MIN = 3
DEFAULT_THRESHOLD = 2


class NotFound(Exception):
    """No such pupil or class, or not one the reader may see."""


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- Reference data ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CompetenceInfo:
    code: str
    label: str
    plain_label: str
    domain_code: str
    domain_label: str


@dataclass(frozen=True)
class LevelInfo:
    number: int
    palier: str
    certification_label: str
    plain_description: str


def current_framework() -> Framework:
    """The CRCN version in force (reloaded from `reference` if the database lost it)."""
    return reference.ensure_current()


def framework_competences(framework: Framework | None = None) -> list[CompetenceInfo]:
    """The 16 competences of the framework (default: the current one), in the CRCN's order."""
    framework = framework or current_framework()
    return [
        CompetenceInfo(c.code, c.label, c.plain_label, c.domain.code, c.domain.label)
        for c in framework.competences.select_related("domain").order_by("position")
    ]


def framework_levels(framework: Framework | None = None) -> list[LevelInfo]:
    framework = framework or current_framework()
    return [
        LevelInfo(level.number, level.palier, level.certification_label, level.plain_description)
        for level in framework.levels.order_by("number")
    ]


# --- A pupil's results -------------------------------------------------------------------------
@dataclass
class CompetenceLine:
    info: CompetenceInfo
    level: int | None  # None: not measured yet
    pix: int | None
    palier: str
    plain_level: str  # what the level reached means, in plain words
    next_level: int | None
    next_plain: str  # what the next level means
    evidence: int = 0  # xAPI statements of practice this school year

    @property
    def code(self) -> str:
        return self.info.code


@dataclass
class Profile:
    pupil_uid: str
    first_name: str
    last_name: str
    relation: str
    lines: list[CompetenceLine]
    total_pix: int | None
    shared_at: dt.datetime | None
    certifiable: bool | None
    parcours_done: list[int]
    attestation: bool
    certification: Certification | None
    evidence_total: int = 0
    max_pix: int = crcn.MAX_PIX

    @property
    def measured(self) -> bool:
        return self.total_pix is not None

    @property
    def strongest(self) -> list[CompetenceLine]:
        measured = [line for line in self.lines if line.level]
        top = max((line.level for line in measured), default=0)
        return [line for line in measured if line.level == top] if top else []


def _pupil(pupil_uid):
    try:
        uuid.UUID(str(pupil_uid))
    except ValueError as error:
        raise NotFound(pupil_uid) from error
    person = referentiel.person_by_uid(pupil_uid)
    if person is None:
        raise NotFound(pupil_uid)
    return person


def _evidence(pupil_uid: str, since: dt.date | None) -> dict[str, int]:
    """Statements of practice per competence: the LRS knows the pupil by the pseudonym each
    provider received (GAR's IDO), never by name."""
    codes = {resource.distributor_code for resource in ressources.qualified_resources()}
    names = [gar.provider_subject_of_person(pupil_uid, code) for code in sorted(codes)]
    per_code: Counter = Counter()
    for counts in traces.crcn_evidence(names, since=since).values():
        per_code.update(counts)
    return dict(per_code)


def has_attestation(parcours_done) -> bool:
    """The 6e attestation: the three parcours completed."""
    return set(crcn.PARCOURS_6E) <= set(parcours_done)


def _lines(profile: PixProfile | None, evidence: dict[str, int]) -> list[CompetenceLine]:
    levels = {info.number: info for info in framework_levels()}
    lines = []
    for info in framework_competences():
        level = profile.level_of(info.code) if profile else None
        pix = profile.pix_of(info.code) if profile else None
        reached = levels.get(level) if level else None
        upcoming = (level or 0) + 1 if (level or 0) < crcn.MAX_LEVEL else None
        lines.append(
            CompetenceLine(
                info=info,
                level=level,
                pix=pix,
                palier=reached.palier if reached else "",
                plain_level=reached.plain_description if reached else "",
                next_level=upcoming if level is not None else None,
                next_plain=levels[upcoming].plain_description if upcoming and level is not None else "",
                evidence=evidence.get(info.code, 0),
            )
        )
    return lines


def read_profile(request, pupil_uid, *, channel: str = "page") -> Profile:
    """The results of `pupil_uid` as `request.user` may see them; audits a staff read."""
    pupil = _pupil(pupil_uid)
    relation = access.relation_to(request.user, pupil)
    if relation is None:
        raise NotFound(pupil_uid)
    uid = str(pupil.uid)
    profile = PixProfile.objects.filter(person_uid=uid).first()
    year = referentiel.current_school_year()
    evidence = _evidence(uid, year.start_date if year else None)
    parcours = sorted(ParcoursCompletion.objects.filter(person_uid=uid).values_list("parcours", flat=True))
    certification = (
        Certification.objects.filter(person_uid=uid).exclude(status=CertificationStatus.CANCELLED).first()
    )
    if relation in access.STAFF:
        log_profile_reads(request, [(uid, relation)], channel=channel, context="profile")
    return Profile(
        pupil_uid=uid,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        relation=relation,
        lines=_lines(profile, evidence),
        total_pix=profile.total_pix if profile else None,
        shared_at=profile.shared_at if profile else None,
        certifiable=profile.certifiable if profile else None,
        parcours_done=parcours,
        attestation=has_attestation(parcours),
        certification=certification,
        evidence_total=sum(evidence.values()),
    )


def family_pupils(user) -> list[tuple[str, str]]:
    """(uid, first name) of the pupils whose results the user reads as family: themself if a
    pupil, their wards if a guardian; sorted by first name."""
    roles = identite.roles_of(user)
    uids: list[str] = []
    me = access.person_uid_of(user)
    if me and any(r.name == identite.RoleName.PUPIL for r in roles):
        uids.append(me)
    uids += [r.pupil_uid for r in roles if r.name == identite.RoleName.GUARDIAN]
    people = referentiel.persons().filter(uid__in=list(dict.fromkeys(uids)))
    return sorted(((str(p.uid), p.first_name) for p in people), key=lambda item: (item[1], item[0]))


def pix_plus_edu_of(user) -> PixPlusEdu | None:
    """The user's own Pix+ Édu certification, if recorded."""
    me = access.person_uid_of(user)
    return PixPlusEdu.objects.filter(person_uid=me).first() if me else None


# --- Classes: the matrix -----------------------------------------------------------------------
@dataclass(frozen=True)
class ClassInfo:
    uid: str
    name: str
    uai: str
    level: str
    relation: str


def matrix_classes(user) -> list[ClassInfo]:
    """The divisions and groups whose matrix the user may open: the classes they teach, every
    division of the school they head."""
    roles = identite.roles_of(user)
    found: dict[str, ClassInfo] = {}
    taught = [r.class_uid for r in roles if r.name == identite.RoleName.TEACHER and r.class_uid]
    for group in referentiel.all_classes().filter(uid__in=taught):
        found[str(group.uid)] = ClassInfo(
            str(group.uid), group.name, group.etablissement.uai, group.level, "teacher"
        )
    for uai in sorted({r.uai for r in roles if r.name == identite.RoleName.HEAD and r.uai}):
        school = referentiel.schools().filter(uai=uai).first()
        if school is None:
            continue
        for group in referentiel.classes_of_school(school, kind="division"):
            found.setdefault(str(group.uid), ClassInfo(str(group.uid), group.name, uai, group.level, "head"))
    return sorted(found.values(), key=lambda c: (c.uai, c.name, c.uid))


@dataclass
class MatrixRow:
    pupil_uid: str
    name: str
    sex: str
    levels: list[int | None]  # in the order of `Matrix.competences`
    total_pix: int | None


@dataclass
class Suggestion:
    competence: CompetenceInfo
    pupils: list[str]  # names of the pupils under the threshold
    threshold: int
    cycle: str
    resources: list  # ressources.ResourceSummary

    @property
    def count(self) -> int:
        return len(self.pupils)


@dataclass
class Matrix:
    class_info: ClassInfo
    cycle: str
    competences: list[CompetenceInfo]
    rows: list[MatrixRow]
    threshold: int
    sex: str
    # per competence: counts of pupils by level 0..8, plus None for "not measured"
    distribution: list[dict] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def measured(self) -> int:
        return sum(1 for row in self.rows if row.total_pix is not None)


BUCKETS = (0, 1, 2, 3, 4, 5)  # the last one is "5 and more": levels 1–5 are school's target


def _bucket(level: int) -> int:
    return min(level, BUCKETS[-1])


def class_matrix(
    request, class_uid, *, sex: str = "", threshold: int = DEFAULT_THRESHOLD, channel: str = "page"
) -> Matrix:
    """The class `class_uid` as a matrix pupil × competence, its distribution per competence,
    and the explained suggestions of qualified resources for the competences where at least
    GROUP_MIN pupils are under `threshold`. `sex` "F" or "M" keeps girls or boys only. Every
    pupil shown is audited as a staff read."""
    try:
        uuid.UUID(str(class_uid))
    except ValueError as error:
        raise NotFound(class_uid) from error
    group = referentiel.class_by_uid(class_uid)
    relation = access.class_relation(request.user, group)
    if relation is None:
        raise NotFound(class_uid)
    if sex not in ("", "F", "M"):
        raise InvalidInput("sexe", _("Choose girls, boys or everybody."))
    if not 1 <= threshold <= crcn.MAX_LEVEL:
        raise InvalidInput("sous", _("The level is between 1 and 8."))
    info = ClassInfo(str(group.uid), group.name, group.etablissement.uai, group.level, relation)
    pupils = list(referentiel.pupils_of_class(group))
    if sex:
        pupils = [p for p in pupils if p.sex == sex]
    # A group (not a division) has no level of its own: its pupils' divisions give the cycle.
    levels_of_pupils = {p.level for p in pupils if getattr(p, "level", "")}
    cycle = crcn.cycle_of(group.level) or (
        crcn.cycle_of(levels_of_pupils.pop()) if len(levels_of_pupils) == 1 else ""
    )
    competences = framework_competences()
    profiles = {
        str(p.person_uid): p for p in PixProfile.objects.filter(person_uid__in=[p.uid for p in pupils])
    }
    rows = []
    for pupil in pupils:
        profile = profiles.get(str(pupil.uid))
        rows.append(
            MatrixRow(
                pupil_uid=str(pupil.uid),
                name=f"{pupil.last_name} {pupil.first_name}",
                sex=pupil.sex,
                levels=[profile.level_of(c.code) if profile else None for c in competences],
                total_pix=profile.total_pix if profile else None,
            )
        )
    matrix = Matrix(info, cycle, competences, rows, threshold, sex)
    for index, competence in enumerate(competences):
        counts: Counter = Counter()
        for row in rows:
            level = row.levels[index]
            counts["none" if level is None else _bucket(level)] += 1
        matrix.distribution.append(
            {"competence": competence, "counts": [counts[b] for b in BUCKETS], "none": counts["none"]}
        )
        weak = [row.name for row in rows if row.levels[index] is not None and row.levels[index] < threshold]
        if len(weak) >= GROUP_MIN:
            resources = ressources.resources_for_crcn(competence.code, cycle=cycle or None)
            matrix.suggestions.append(Suggestion(competence, weak, threshold, cycle, resources))
    log_profile_reads(
        request, [(row.pupil_uid, relation) for row in rows], channel=channel, context=f"class {info.uid}"
    )
    return matrix


# --- Writes (importer, connected provider) ----------------------------------------------------
def _placement(person_uid: str):
    found = referentiel.placements_of_pupils(uids=[person_uid])
    return found[0] if found else None


def _check_competences(competences: dict) -> dict[str, list[int]]:
    codes = {info.code for info in framework_competences()}
    cleaned: dict[str, list[int]] = {}
    for code, value in competences.items():
        if code not in codes:
            raise InvalidInput("competences", f"{code!r} is not a competence of the CRCN (1.1 … 5.2)")
        level, pix = value
        problem = crcn.level_problem(int(level), int(pix))
        if problem:
            raise InvalidInput("competences", f"{code}: {problem}")
        cleaned[code] = [int(level), int(pix)]
    if not cleaned:
        raise InvalidInput("competences", "at least one competence is expected")
    return cleaned


def record_profile(
    person_uid: str,
    competences: dict,
    *,
    shared_at: dt.datetime,
    source: str,
    source_label: str = "",
    certifiable: bool | None = None,
    certifiable_competences: int | None = None,
) -> str:
    """Store a shared Pix profile (competence code → (level, pix)); merges into the stored one
    when it is not older. Returns "created", "updated" or "kept" (an older profile)."""
    cleaned = _check_competences(competences)
    placement = _placement(person_uid)
    if placement is None:
        raise NotFound(person_uid)
    with transaction.atomic():
        current = PixProfile.objects.select_for_update().filter(person_uid=person_uid).first()
        if current is not None and current.shared_at > shared_at:
            return "kept"
        merged = {**(current.competences if current else {}), **cleaned}
        values = {
            "framework": current_framework(),
            "competences": merged,
            "total_pix": sum(pix for _level, pix in merged.values()),
            "certifiable": certifiable,
            "certifiable_competences": certifiable_competences,
            "shared_at": shared_at,
            "school_uai": placement.uai,
            "school_year": placement.school_year,
            "class_level": placement.class_level,
            "source": source,
            "source_label": source_label[:200],
            "updated_at": timezone.now(),
        }
        PixProfile.objects.update_or_create(person_uid=person_uid, defaults=values)
    return "updated" if current else "created"


def record_parcours(
    person_uid: str, parcours: int, *, completed_at: dt.datetime, source: str, source_label: str = ""
) -> str:
    if parcours not in crcn.PARCOURS_6E:
        raise InvalidInput("parcours", "a 6e parcours is 1, 2 or 3")
    placement = _placement(person_uid)
    if placement is None:
        raise NotFound(person_uid)
    _, created = ParcoursCompletion.objects.get_or_create(
        person_uid=person_uid,
        parcours=parcours,
        defaults={
            "completed_at": completed_at,
            "school_uai": placement.uai,
            "school_year": placement.school_year,
            "class_level": placement.class_level,
            "source": source,
            "source_label": source_label[:200],
        },
    )
    return "created" if created else "kept"


def record_certification(
    person_uid: str,
    *,
    certified_at: dt.date,
    pix_score: int,
    palier: str,
    status: str,
    source: str,
    source_label: str = "",
) -> str:
    if not 0 <= pix_score <= crcn.MAX_PIX:
        raise InvalidInput("pix_score", f"a certification scores from 0 to {crcn.MAX_PIX} pix")
    if palier and palier not in crcn.CERTIFICATION_LABELS:
        raise InvalidInput("palier", "expected one of " + ", ".join(crcn.CERTIFICATION_LABELS))
    if status not in CertificationStatus.values:
        raise InvalidInput("status", "expected one of " + ", ".join(CertificationStatus.values))
    placement = _placement(person_uid)
    if placement is None:
        raise NotFound(person_uid)
    year = placement.school_year or _school_year_of(certified_at)
    _, created = Certification.objects.update_or_create(
        person_uid=person_uid,
        school_year=year,
        defaults={
            "certified_at": certified_at,
            "pix_score": pix_score,
            "palier": palier,
            "status": status,
            "school_uai": placement.uai,
            "class_level": placement.class_level,
            "source": source,
            "source_label": source_label[:200],
        },
    )
    return "created" if created else "updated"


def _school_year_of(day: dt.date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def staff_school(person_uid: str) -> str:
    """The school of a member of staff (their first current function or teaching), or ""."""
    links = referentiel.person_links(person_uid)
    if links is None:
        return ""
    uais = [f.etablissement.uai for f in links.functions] + [
        a.class_group.etablissement.uai for a in links.teaching
    ]
    return uais[0] if uais else ""


def record_pix_plus_edu(
    person_uid: str, *, level: str, degree: str, obtained_at: dt.date, source: str, source_label: str = ""
) -> str:
    if level not in crcn.PIX_EDU_LEVELS:
        raise InvalidInput("level", "expected one of " + ", ".join(crcn.PIX_EDU_LEVELS))
    if degree not in crcn.PIX_EDU_DEGREES:
        raise InvalidInput("degree", "expected 1d or 2d")
    if referentiel.person_by_uid(person_uid) is None:
        raise NotFound(person_uid)
    current = PixPlusEdu.objects.filter(person_uid=person_uid).first()
    if current is not None and crcn.PIX_EDU_LEVELS.index(current.level) > crcn.PIX_EDU_LEVELS.index(level):
        return "kept"
    PixPlusEdu.objects.update_or_create(
        person_uid=person_uid,
        defaults={
            "level": level,
            "degree": degree,
            "obtained_at": obtained_at,
            "school_uai": staff_school(person_uid),
            "school_year": _school_year_of(obtained_at),
            "source": source,
            "source_label": source_label[:200],
        },
    )
    return "updated" if current else "created"


# --- Pilotage ----------------------------------------------------------------------------------
def pilotage_facts(school_year: str) -> dict[str, dict[str, int]]:
    """Per UAI, what the Pix results of `school_year` say, for Pilotage's facts table:

    - `pupils_6e_pix_attestation`: 6e pupils with the three parcours completed this year, and
      `pix_attestation_measured` = 1 where the school has any parcours result this year;
    - `pupils_3e_pix_certified`, `pupils_terminale_pix_certified`: validated certifications of
      3e and terminale pupils this year; `pix_certified` (both) and `pix_certified_girls`;
      `pix_certification_measured` = 1 where the school has any certification this year;
    - `teachers_pix_edu`: holders of Pix+ Édu teaching at the school, `pix_edu_measured` = 1.

    A school absent from the result has no measured data: Pilotage keeps its declaration."""
    facts: dict[str, dict[str, int]] = defaultdict(dict)
    done: dict[str, set[int]] = defaultdict(set)
    placed: dict[str, tuple[str, str]] = {}
    completions = ParcoursCompletion.objects.filter(school_year=school_year).order_by("completed_at")
    for uid, parcours, uai, level in completions.values_list(
        "person_uid", "parcours", "school_uai", "class_level"
    ):
        if not uai:
            continue
        facts[uai]["pix_attestation_measured"] = 1
        facts[uai].setdefault("pupils_6e_pix_attestation", 0)
        done[str(uid)].add(parcours)
        placed[str(uid)] = (uai, level)
    for uid, parcours in done.items():
        uai, level = placed[uid]
        if has_attestation(parcours) and level == "6E":
            facts[uai]["pupils_6e_pix_attestation"] += 1
    certifications = Certification.objects.filter(school_year=school_year).exclude(school_uai="")
    certified_uids = []
    for uai in certifications.values_list("school_uai", flat=True).distinct():
        row = facts[uai]
        row["pix_certification_measured"] = 1
        for name in (
            "pupils_3e_pix_certified",
            "pupils_terminale_pix_certified",
            "pix_certified",
            "pix_certified_girls",
        ):
            row.setdefault(name, 0)
    validated = certifications.filter(status=CertificationStatus.VALIDATED, class_level__in=["3E", "TLE"])
    by_uid = {}
    for uid, uai, level in validated.values_list("person_uid", "school_uai", "class_level"):
        key = "pupils_3e_pix_certified" if level == "3E" else "pupils_terminale_pix_certified"
        facts[uai][key] += 1
        facts[uai]["pix_certified"] += 1
        by_uid[str(uid)] = uai
        certified_uids.append(uid)
    for start in range(0, len(certified_uids), 5000):
        chunk = certified_uids[start : start + 5000]
        for person in referentiel.persons().filter(uid__in=chunk, sex="F").values_list("uid", flat=True):
            facts[by_uid[str(person)]]["pix_certified_girls"] += 1
    holders = (
        PixPlusEdu.objects.exclude(school_uai="").values("school_uai").annotate(n=Count("id")).order_by()
    )
    for entry in holders:
        facts[entry["school_uai"]]["teachers_pix_edu"] = entry["n"]
        facts[entry["school_uai"]]["pix_edu_measured"] = 1
    return dict(facts)
