"""Synthetic, deterministic demo worlds for the Référentiel: schools, classes, pupils, families,
staff and teaching assignments. Nobody in them is a real person.

The world is cut into *clusters* (the schools of one commune, split when large). Each cluster is
built in memory from its own `random.Random` (seeded by the world and the cluster number), then
written in one transaction; memory stays flat whatever the scale. A cluster's first class carries
a marker uid drawn first from that RNG: a cluster whose marker is already in the database was
written by an earlier run of the same world and is skipped, so a run resumed after a crash never
duplicates anything."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from socle.referentiel.codes import UAI_KEY_ALPHABET, make_uai
from socle.referentiel.models import (
    CollectiviteType,
    EducationPrioritaire,
    Guardianship,
    SchoolType,
    Sector,
    StaffRole,
)

from . import personas as P
from . import specialites
from .names import ascii_slug, pools
from .reference import (
    BIRTH_YEAR,
    CLASS_SIZE,
    COMMUNE_ROOTS,
    COMMUNE_SUFFIXES,
    FIRST_DEGREE_TYPES,
    LATE_SHARE,
    LEVEL_LABEL,
    LEVELS_BY_TYPE,
    LYCEE_GT_LEVELS,
    LYCEE_PRO_LEVELS,
    MATHS,
    MINISTRY,
    NATURE,
    PATRONS,
    SCHOOL_YEAR_START,
    SUBJECT_HOURS,
    TEACHER_SERVICE_HOURS,
    size_band,
)

_NS = uuid.UUID("0b7d3f0e-45a2-4d8e-8f61-3c2a9e5d7b14")
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
# The commune of the tiny world (the first generated code of Ille-et-Vilaine).
TINY_COMMUNE_CODE = "35950"

# Share of pupils per stage (France: about 53 % in écoles, 28 % in collèges, 19 % in lycées) and
# the mean pupils of a generated school of each stage, from which school counts follow
# (≈ 2 900 écoles, 370 collèges, 250 lycées per million pupils).
STAGE_SHARE = {"ecole": 0.53, "college": 0.28, "lycee": 0.19}
STAGE_MEAN_PUPILS = {"ecole": 182, "college": 750, "lycee": 774}
MAX_SCHOOLS_PER_CLUSTER = 25


_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
_UUID_LOW_MASK = (1 << 80) - 1 & ~((0xF000 << 64) | (0xC000 << 48))


def new_uid(rng: random.Random, prefix: int = 0) -> str:
    """A UUID drawn from the seeded RNG, as 32 hex digits (what PostgreSQL and Django's UUIDField
    accept; `uuid.UUID(int=…)` per row would cost more than the row itself). It carries the
    version-4 and variant bits, but its first 48 bits are `prefix` (the cluster's, see
    ClusterBuilder): the rows of one cluster then land in one region of each uid index instead of
    all over it, which keeps bulk loads fast once the indexes outgrow the server's cache."""
    return f"{(prefix << 80) | (rng.getrandbits(80) & _UUID_LOW_MASK) | _UUID4_SET:032x}"


def stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


# --- INE ----------------------------------------------------------------------------------------
# The INE is 11 characters; the generator uses the RNIE form: 10 digits and a control letter.
# The official INE key algorithm is not public: the demo key is the UAI's (the 10-digit number
# modulo 23, read in the 23-letter alphabet without I, O and Q). Demo INEs are therefore
# recognisable and never those of real pupils' check scheme.
def ine_key(digits: str) -> str:
    return UAI_KEY_ALPHABET[int(digits) % 23]


def make_ine(number: int) -> str:
    digits = f"{number:010d}"
    return digits + ine_key(digits)


# Within a world, INEs are a bijection of (cluster number, pupil number): unique by construction,
# with no database look-up (up to 150 000 clusters per world). Two worlds may still meet
# (rarely), or meet real INEs: the loader then redraws the few taken ones (World.write_people).
_INE_MODULUS = 10**10
PUPILS_PER_CLUSTER_MAX = 65_536


def world_ine(world_key: str, cluster_index: int, pupil_number: int) -> str:
    # The pupil number is scrambled within the cluster's block of 65 536 numbers (an odd
    # multiplier is a bijection modulo 2**16), so that a cluster's INEs stay in one index region.
    base = (stable_int("ine:" + world_key) + cluster_index * PUPILS_PER_CLUSTER_MAX) % _INE_MODULUS
    return make_ine((base + (pupil_number * 40_503) % PUPILS_PER_CLUSTER_MAX) % _INE_MODULUS)


def demo_ine_problem(value: str) -> str | None:
    if len(value) != 11 or not value[:10].isdigit() or not value[10].isalpha():
        return "expected 10 digits and a control letter"
    if value[10] != ine_key(value[:10]):
        return "control letter does not match"
    return None


# --- Communes and UAIs ---------------------------------------------------------------------------
def commune_codes(dept: str) -> list[str]:
    """INSEE codes for generated communes, from the top of the département's range, which real
    communes do not reach: 950-999 in metropolitan départements (the largest real number is
    62907, Pas-de-Calais) and x90-x99 in the 3-digit overseas ones (real ones end below x70)."""
    if len(dept) == 2:
        return [f"{dept}{n}" for n in range(950, 1000)]
    return [f"{dept}{n}" for n in range(90, 100)]


def commune_name(code: str) -> str:
    if code == TINY_COMMUNE_CODE:
        return P.COMMUNE_NAME
    n = int(code[-3:]) if code[-3:].isdigit() else stable_int(code)
    n += stable_int(code[:-3]) % 7
    return COMMUNE_ROOTS[n % len(COMMUNE_ROOTS)] + COMMUNE_SUFFIXES[(n // len(COMMUNE_ROOTS)) % 10]


def uai_prefix(dept: str) -> str:
    return "0" + dept if len(dept) == 2 else dept


def uai_candidates(dept: str, world_key: str) -> Iterator[str]:
    """UAIs for generated schools: numbers 5000-9999 of the département, from a start that
    depends on the world, so that worlds rarely compete for the same numbers; the caller skips
    any UAI already in the registry."""
    prefix = uai_prefix(dept)
    start = stable_int(world_key + dept) % 5000
    for i in range(5000):
        yield make_uai(f"{prefix}{5000 + (start + i) % 5000:04d}")


# --- Specifications --------------------------------------------------------------------------
@dataclass(frozen=True)
class Dept:
    code: str
    academie: str
    region: str


@dataclass
class SchoolSpec:
    uid: uuid.UUID
    type: str
    levels: list[tuple[str, int]]  # (level, number of divisions)
    dept: Dept
    commune_code: str | None
    existing_id: int | None = None  # a school already in the registry (e.g. from the Annuaire)
    uai: str = ""
    name: str = ""
    sector: str = Sector.PUBLIC
    education_prioritaire: str = EducationPrioritaire.NONE
    role: str = ""  # tiny world: "college", "ecole", "lycee"

    def etablissement_row(self, pk: int, pupils: int) -> tuple:
        nature = NATURE.get(self.type, ("", "", ""))
        if self.type in FIRST_DEGREE_TYPES:
            coll = (CollectiviteType.COMMUNE.value, self.commune_code or "")
        elif self.type == SchoolType.COLLEGE:
            coll = (CollectiviteType.DEPARTEMENT.value, self.dept.code)
        else:
            coll = (CollectiviteType.REGION.value, self.dept.region)
        contract = "30" if self.sector == Sector.PRIVATE_UNDER_CONTRACT else ""
        phone = f"01 99 00 {stable_int(self.uai) % 100:02d} {stable_int(self.uai[::-1]) % 100:02d}"
        return (
            pk,
            self.uid,
            self.uai,
            self.name,
            self.type,
            nature[0],
            nature[1],
            self.sector,
            contract,
            self.education_prioritaire,
            "open",
            dt.date(1975, 9, 1),
            None,
            self.commune_code,
            self.dept.code,
            self.dept.academie,
            self.dept.region,
            "",
            "",
            "",
            "",
            coll[0],
            coll[1],
            "",
            "",
            phone,
            f"ce.{self.uai.lower()}@example.org",
            "",
            None,
            None,
            MINISTRY,
            pupils,
        )


ETABLISSEMENT_COLS = [
    "id",
    "uid",
    "uai",
    "name",
    "type",
    "nature_code",
    "nature_label",
    "sector",
    "private_contract_code",
    "education_prioritaire",
    "state",
    "opened_on",
    "closed_on",
    "commune_id",
    "departement_id",
    "academie_id",
    "region_id",
    "circonscription_code",
    "circonscription_name",
    "bassin_code",
    "bassin_name",
    "collectivite_type",
    "collectivite_code",
    "address",
    "postal_code",
    "phone",
    "email",
    "website",
    "latitude",
    "longitude",
    "ministry",
    "pupil_count",
]


@dataclass
class ClusterSpec:
    index: int
    commune_code: str | None
    schools: list[SchoolSpec]


@dataclass
class Cluster:
    """A cluster built in memory. People are lists [uid, last, first, ine, birth, sex, email,
    mobile]; other rows refer to people, divisions and schools by their index here."""

    spec: ClusterSpec
    marker: str
    divisions: list[list] = field(default_factory=list)  # [uid, school_idx, code, name, level]
    people: list[list] = field(default_factory=list)
    pupils: list[int] = field(default_factory=list)
    enrolments: list[tuple[int, int]] = field(default_factory=list)  # (person, division)
    guardianships: list[tuple[int, int, str]] = field(default_factory=list)  # (guardian, pupil, rel)
    functions: list[list] = field(default_factory=list)  # [person, school, role, begin]
    teaching: list[list] = field(default_factory=list)  # [person, division, matiere]
    # Groups (kind "groupe": the NSI speciality, see specialites.py) are kept apart from the
    # divisions: a pupil belongs to one division and possibly to groups.
    groups: list[list] = field(default_factory=list)  # [uid, school_idx, code, name, level]
    group_enrolments: list[tuple[int, int]] = field(default_factory=list)  # (person, group)
    group_teaching: list[list] = field(default_factory=list)  # [person, group, matiere]

    def school_pupils(self) -> list[int]:
        counts = [0] * len(self.spec.schools)
        for _person, div in self.enrolments:
            counts[self.divisions[div][1]] += 1
        return counts


# --- Building a cluster ------------------------------------------------------------------------
@cache
def _days_of(year: int) -> tuple[dt.date, ...]:
    first = dt.date(year, 1, 1)
    return tuple(first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days))


def _birth_date(rng: random.Random, level: str) -> dt.date:
    """Born in the level's calendar year, or (LATE_SHARE of pupils) the year before."""
    days = _days_of(BIRTH_YEAR[level] - (1 if rng.random() < LATE_SHARE else 0))
    return days[int(rng.random() * len(days))]


def _class_size(rng: random.Random, level: str) -> int:
    mean, low, high = CLASS_SIZE[size_band(level)]
    return max(low, min(high, round(rng.gauss(mean, 2.5))))


def _mobile(rng: random.Random) -> str:
    # 06 39 98 xx xx: a range ARCEP reserves for fiction; no real subscriber has these numbers.
    r = rng.random
    return f"06 39 98 {int(r() * 100):02d} {int(r() * 100):02d}"


def _pick(rng: random.Random, pool: tuple[str, ...]) -> str:
    return pool[int(rng.random() * len(pool))]


def _family_size(rng: random.Random) -> int:
    r = rng.random()
    return 1 if r < 0.40 else 2 if r < 0.78 else 3 if r < 0.94 else 4


class ClusterBuilder:
    def __init__(self, world_key: str, spec: ClusterSpec):
        self.rng = random.Random(f"{world_key}:cluster:{spec.index}")  # noqa: S311 (seeded, not for security)
        self.names = pools()
        self.spec = spec
        self.world_key = world_key
        # 48 bits: 24 from the world, 24 from the cluster number (see new_uid).
        self.uid_prefix = (stable_int("uid:" + world_key) & 0xFFFFFF) << 24 | (spec.index & 0xFFFFFF)
        self.cluster = Cluster(spec=spec, marker=self.uid())

    def uid(self) -> str:
        return new_uid(self.rng, self.uid_prefix)

    # people ---------------------------------------------------------------------------------
    def _person(self, last, first, sex, *, ine=None, birth=None, email="", mobile="") -> int:
        people = self.cluster.people
        people.append([self.uid(), last, first, ine, birth, sex, email, mobile])
        return len(people) - 1

    def _adult(self, sex: str, last: str | None = None, domain: str = "example.org", contact=True) -> int:
        rng = self.rng
        first = _pick(rng, self.names["adult_" + sex])
        last = last or _pick(rng, self.names["last"])
        email = mobile = ""
        if contact:
            if rng.random() < 0.92:
                email = f"{ascii_slug(first)}.{ascii_slug(last)}{int(rng.random() * 100)}@{domain}"
            if domain == "example.org" and rng.random() < 0.95:
                mobile = _mobile(rng)
        return self._person(last, first, sex, email=email, mobile=mobile)

    def build(self, on_pupils: Callable[[ClusterBuilder], set[int]] | None = None) -> Cluster:
        rng, cluster = self.rng, self.cluster
        # Divisions and pupils (first names, sex, birth dates; surnames come with families).
        for s_idx, school in enumerate(self.spec.schools):
            for level, count in school.levels:
                prefix, label = LEVEL_LABEL[level]
                for k in range(count):
                    uid = cluster.marker if not cluster.divisions else self.uid()
                    code = f"{prefix}{LETTERS[k]}"
                    cluster.divisions.append([uid, s_idx, code, f"{label} {LETTERS[k]}", level])
                    d_idx = len(cluster.divisions) - 1
                    for _ in range(_class_size(rng, level)):
                        sex = "F" if rng.random() < 0.5 else "M"
                        first = _pick(rng, self.names["child_" + sex])
                        p = self._person(None, first, sex, birth=_birth_date(rng, level))
                        cluster.pupils.append(p)
                        cluster.enrolments.append((p, d_idx))
        reserved = on_pupils(self) if on_pupils else set()
        self._families([p for p in cluster.pupils if p not in reserved])
        if len(cluster.pupils) > PUPILS_PER_CLUSTER_MAX:
            raise ValueError("cluster too large for its INE numbering")
        for number, p in enumerate(cluster.pupils):
            cluster.people[p][3] = world_ine(self.world_key, self.spec.index, number)
        for s_idx, school in enumerate(self.spec.schools):
            self._staff(s_idx, school)
        for s_idx, school in enumerate(self.spec.schools):
            self._speciality_groups(s_idx, school)
        return cluster

    def _speciality_groups(self, s_idx: int, school: SchoolSpec) -> None:
        """NSI groups of a lycée with a general track, drawn from their own seeded stream."""
        if school.type not in (SchoolType.LYCEE_GT, SchoolType.LYCEE_POLYVALENT):
            return
        cluster = self.cluster
        rng = random.Random(f"{self.world_key}:nsi:{self.spec.index}:{s_idx}")  # noqa: S311 (seeded)
        by_level: dict[str, list[tuple[int, str]]] = {}
        for person, d in cluster.enrolments:
            _uid, school_idx, _code, _name, level = cluster.divisions[d]
            if school_idx == s_idx and level in specialites.NSI_SHARE:
                by_level.setdefault(level, []).append((person, cluster.people[person][5]))
        groups = specialites.nsi_groups(rng, by_level)
        if not groups:
            return
        teacher = self._adult("F" if rng.random() < 0.25 else "M", domain="example.net")
        cluster.functions.append([teacher, s_idx, StaffRole.TEACHER.value, SCHOOL_YEAR_START])
        for level, code, name, pupils in groups:
            cluster.groups.append([self.uid(), s_idx, code, name, level])
            g_idx = len(cluster.groups) - 1
            cluster.group_enrolments.extend((p, g_idx) for p in pupils)
            cluster.group_teaching.append([teacher, g_idx, specialites.NSI])

    def draw_ine(self, seen: set[str]) -> str:
        """A random INE not in `seen` (to replace one found taken in the registry)."""
        while True:
            ine = make_ine(int(self.rng.random() * 10**10))
            if ine not in seen:
                seen.add(ine)
                return ine

    def _families(self, pupils: list[int]) -> None:
        """Siblings (1-4 children, possibly in different schools of the cluster's commune) share
        their surname and their legal guardians."""
        rng = self.rng
        order = list(pupils)
        rng.shuffle(order)
        i = 0
        while i < len(order):
            children = order[i : i + _family_size(rng)]
            i += len(children)
            self.family(children)

    def family(self, children: list[int], guardians: list[tuple[int, str]] | None = None) -> None:
        rng, people = self.rng, self.cluster.people
        if guardians is None:
            surname = _pick(rng, self.names["last"])
            r = rng.random()
            guardians = []
            if r < 0.78:  # mother and father
                mother_name = surname if rng.random() < 0.7 else _pick(rng, self.names["last"])
                guardians.append((self._adult("F", mother_name), Guardianship.Relationship.MOTHER))
                guardians.append((self._adult("M", surname), Guardianship.Relationship.FATHER))
            elif r < 0.90:
                guardians.append((self._adult("F", surname), Guardianship.Relationship.MOTHER))
            elif r < 0.97:
                guardians.append((self._adult("M", surname), Guardianship.Relationship.FATHER))
            else:
                relationship = rng.choice(
                    [Guardianship.Relationship.TUTOR, Guardianship.Relationship.OTHER_FAMILY]
                )
                guardians.append((self._adult(rng.choice("FM")), relationship))
            for child in children:
                people[child][1] = surname
        for child in children:
            for guardian, relationship in guardians:
                self.cluster.guardianships.append((guardian, child, str(relationship)))

    # staff ----------------------------------------------------------------------------------
    def _staff(self, s_idx: int, school: SchoolSpec) -> None:
        rng, cluster = self.rng, self.cluster
        functions = cluster.functions
        divisions = [d for d, div in enumerate(cluster.divisions) if div[1] == s_idx]
        start = SCHOOL_YEAR_START
        head = self._adult(rng.choice("FM"), domain="example.net")
        functions.append([head, s_idx, StaffRole.HEAD.value, dt.date(2020 + rng.randrange(6), 9, 1)])
        if school.type in FIRST_DEGREE_TYPES:
            # One professeur des écoles per class; in small écoles the director has a class too.
            for n, d in enumerate(divisions):
                teacher = (
                    head
                    if n == 0 and len(divisions) <= 8
                    else self._adult("F" if rng.random() < 0.83 else "M", domain="example.net")
                )
                functions.append([teacher, s_idx, StaffRole.TEACHER.value, start])
                for matiere, _hours in SUBJECT_HOURS[cluster.divisions[d][4]]:
                    cluster.teaching.append([teacher, d, matiere])
            functions.append([head, s_idx, StaffRole.RESPONSABLE_AFFECTATION.value, start])
            return
        pupils = sum(1 for _p, d in cluster.enrolments if cluster.divisions[d][1] == s_idx)
        if pupils > 400:
            functions.append([self._adult(rng.choice("FM"), domain="example.net"), s_idx, "adjoint", start])
        for _ in range(max(1, round(pupils / 450))):
            functions.append(
                [self._adult(rng.choice("FM"), domain="example.net"), s_idx, "vie_scolaire", start]
            )
        documentalistes = [
            self._adult(rng.choice("FM"), domain="example.net") for _ in range(1 + pupils // 1000)
        ]
        for doc in documentalistes:
            functions.append([doc, s_idx, StaffRole.DOCUMENTALISTE.value, start])
        functions.append([documentalistes[0], s_idx, StaffRole.RESPONSABLE_AFFECTATION.value, start])
        functions.append([self._adult(rng.choice("FM"), domain="example.net"), s_idx, "administratif", start])
        # Teachers per subject: each takes classes in order until their weekly service is full.
        by_subject: dict[str, list[tuple[int, float]]] = {}
        for d in divisions:
            for matiere, hours in SUBJECT_HOURS[cluster.divisions[d][4]]:
                by_subject.setdefault(matiere, []).append((d, hours))
        for matiere, classes in by_subject.items():
            teacher, load = None, 0.0
            for d, hours in classes:
                if teacher is None or load + hours > TEACHER_SERVICE_HOURS:
                    teacher = self._adult("F" if rng.random() < 0.6 else "M", domain="example.net")
                    functions.append([teacher, s_idx, StaffRole.TEACHER.value, start])
                    load = 0.0
                load += hours
                cluster.teaching.append([teacher, d, matiere])


# --- The tiny world: the journeys' personas ------------------------------------------------------


def tiny_spec(dept: Dept, seed: int, commune_code: str) -> ClusterSpec:
    """The three schools of the tiny world (their UAIs are given by the caller)."""
    college = SchoolSpec(
        uid=uuid.uuid5(_NS, f"tiny:{seed}:college"),
        type=SchoolType.COLLEGE,
        levels=[(lvl, 2) for lvl in LEVELS_BY_TYPE[SchoolType.COLLEGE]],
        dept=dept,
        commune_code=commune_code,
        name=P.COLLEGE_NAME,
        role="college",
    )
    ecole = SchoolSpec(
        uid=uuid.uuid5(_NS, f"tiny:{seed}:ecole"),
        type=SchoolType.ECOLE_PRIMAIRE,
        levels=[(lvl, 1) for lvl in LEVELS_BY_TYPE[SchoolType.ECOLE_PRIMAIRE]],
        dept=dept,
        commune_code=commune_code,
        name=P.ECOLE_NAME,
        role="ecole",
    )
    lycee = SchoolSpec(
        uid=uuid.uuid5(_NS, f"tiny:{seed}:lycee"),
        type=SchoolType.LYCEE_GT,
        levels=[(lvl, 1) for lvl in LYCEE_GT_LEVELS],
        dept=dept,
        commune_code=commune_code,
        name=P.LYCEE_NAME,
        role="lycee",
    )
    return ClusterSpec(index=0, commune_code=commune_code, schools=[college, ecole, lycee])


def build_tiny(builder: ClusterBuilder, seed: int) -> Cluster:
    spec, cluster = builder.spec, builder.cluster
    roles = {school.role: i for i, school in enumerate(spec.schools)}

    def division(school_role: str, code: str) -> int:
        return next(
            d for d, div in enumerate(cluster.divisions) if div[1] == roles[school_role] and div[2] == code
        )

    def first_pupil(d: int) -> int:
        return next(p for p, div in cluster.enrolments if div == d)

    def rename(p: int, username: str, sex: str, birth: dt.date | None = None) -> None:
        first, last = P.PERSONAS_BY_USERNAME[username].display_name.split(" ", 1)
        row = cluster.people[p]
        row[0], row[1], row[2], row[5] = P.persona_uid(username, seed), last, first, sex
        if birth:
            row[4] = birth
        if row[6]:
            row[6] = f"{ascii_slug(first)}.{ascii_slug(last)}@{row[6].split('@')[1]}"

    def personas(b: ClusterBuilder) -> set[int]:
        lea, ines = first_pupil(division("college", "4B")), first_pupil(division("ecole", "CM1A"))
        rename(lea, "lea", "F", dt.date(2012, 3, 14))
        rename(ines, "ines", "F", dt.date(2016, 6, 2))
        karim = b._adult("M", "Moreau")
        rename(karim, "karim", "M")
        cluster.people[karim][6] = "karim.moreau@example.org"
        cluster.people[karim][7] = "06 39 98 00 01"
        mother = b._adult("F", "Moreau")
        b.family(
            [lea, ines],
            [(mother, Guardianship.Relationship.MOTHER), (karim, Guardianship.Relationship.FATHER)],
        )
        cluster.people[lea][1] = cluster.people[ines][1] = "Moreau"
        return {lea, ines}

    builder.build(on_pupils=personas)
    # M. Roux heads the collège, Mme Diallo the école.
    for function in cluster.functions:
        if function[2] == StaffRole.HEAD and function[1] == roles["college"]:
            rename(function[0], "roux", "M")
        if function[2] == StaffRole.HEAD and function[1] == roles["ecole"]:
            rename(function[0], "diallo", "F")
    # Mme Martin: the mathematics teacher of 4e B, who also has 3e A, and is the collège's
    # responsable d'affectation.
    d4b, d3a = division("college", "4B"), division("college", "3A")
    martin = next(t for t, d, m in cluster.teaching if d == d4b and m == MATHS)
    for row in cluster.teaching:
        if row[1] == d3a and row[2] == MATHS:
            row[0] = martin
    for function in cluster.functions:
        if function[2] == StaffRole.RESPONSABLE_AFFECTATION and function[1] == roles["college"]:
            function[0] = martin
    rename(martin, "martin", "F")
    return cluster


# --- Planning generated worlds ----------------------------------------------------------------
def _pick_levels(rng: random.Random, school_type: str) -> list[tuple[str, int]]:
    """Divisions per level of a generated school (a little uneven from one level to the next)."""

    def jitter(base: int) -> int:
        return base if base <= 2 else max(1, base + rng.choice((-1, 0, 0, 1)))

    if school_type == SchoolType.ECOLE_MATERNELLE:
        base = rng.choice((1, 2, 2, 3))
    elif school_type == SchoolType.ECOLE_ELEMENTAIRE:
        base = rng.choice((1, 1, 2, 2, 3))
    elif school_type == SchoolType.ECOLE_PRIMAIRE:
        base = 1 if rng.random() < 0.9 else 2
    elif school_type == SchoolType.COLLEGE:
        base = rng.randint(4, 11)
    elif school_type == SchoolType.LYCEE_GT:
        # About one lycée in five is small (2-5 divisions a level, ~200-450 pupils): rural and
        # private lycées are, and they are the ones statistical secrecy has to protect.
        base = rng.randint(2, 5) if rng.random() < 0.2 else rng.randint(6, 14)
    elif school_type == SchoolType.LYCEE_PRO:
        base = rng.randint(3, 7)
    else:  # polyvalent: a general and a professional track
        gt, pro = rng.randint(4, 10), rng.randint(1, 4)
        return [(lvl, jitter(gt)) for lvl in LYCEE_GT_LEVELS] + [
            (lvl, jitter(pro)) for lvl in LYCEE_PRO_LEVELS
        ]
    return [(lvl, jitter(base)) for lvl in LEVELS_BY_TYPE[school_type]]


def _draw_type(rng: random.Random, stage: str) -> str:
    r = rng.random()
    if stage == "ecole":
        return (
            SchoolType.ECOLE_MATERNELLE
            if r < 0.25
            else SchoolType.ECOLE_ELEMENTAIRE
            if r < 0.60
            else SchoolType.ECOLE_PRIMAIRE
        )
    if stage == "college":
        return SchoolType.COLLEGE
    return (
        SchoolType.LYCEE_GT if r < 0.6 else SchoolType.LYCEE_PRO if r < 0.8 else SchoolType.LYCEE_POLYVALENT
    )


def _school_name(rng: random.Random, school_type: str) -> str:
    return f"{NATURE[school_type][2]} {rng.choice(PATRONS)}"


class UaiPool:
    """Hands out UAIs for generated schools of one département, skipping those already in the
    registry unless they belong to the same world (same deterministic school uid)."""

    def __init__(self, dept: str, world_key: str, existing: dict[str, uuid.UUID]):
        self.candidates = uai_candidates(dept, world_key)
        self.existing = existing

    def take(self, uid: uuid.UUID) -> str:
        for uai in self.candidates:
            owner = self.existing.get(uai)
            if owner is None or owner == uid:
                return uai
        raise RuntimeError("no free UAI left in the département's demo range (5000-9999)")


def plan_departement(
    world_key: str,
    dept: Dept,
    target_pupils: int,
    first_index: int,
    existing_uais: dict[str, uuid.UUID],
    free_communes: list[str],
    counts: dict[str, int] | None = None,
) -> list[ClusterSpec]:
    """Generated schools of one département, grouped by commune (a commune with many schools is
    split into clusters of at most MAX_SCHOOLS_PER_CLUSTER)."""
    rng = random.Random(f"{world_key}:plan:{dept.code}")  # noqa: S311 (seeded, not for security)
    if counts is None:
        counts = {
            stage: max(1, round(target_pupils * STAGE_SHARE[stage] / STAGE_MEAN_PUPILS[stage]))
            for stage in STAGE_SHARE
        }
    n_schools = sum(counts.values())
    n_communes = max(1, min(len(free_communes), math.ceil(n_schools / 12)))
    communes = free_communes[:n_communes]
    weights = [1 / (i + 1) ** 0.6 for i in range(n_communes)]
    uais = UaiPool(dept.code, world_key, existing_uais)
    by_commune: dict[str, list[SchoolSpec]] = {code: [] for code in communes}
    n = 0
    for stage in ("lycee", "college", "ecole"):
        for _ in range(counts[stage]):
            school_type = _draw_type(rng, stage)
            commune = rng.choices(communes, weights)[0]
            uid = uuid.uuid5(_NS, f"{world_key}:etab:{dept.code}:{n}")
            n += 1
            private = rng.random() < (0.13 if stage == "ecole" else 0.21)
            ep = EducationPrioritaire.NONE
            if not private and stage != "lycee":
                r = rng.random()
                ep = (
                    EducationPrioritaire.REP_PLUS
                    if r < 0.06
                    else EducationPrioritaire.REP
                    if r < 0.18
                    else ep
                )
            by_commune[commune].append(
                SchoolSpec(
                    uid=uid,
                    type=school_type,
                    levels=_pick_levels(rng, school_type),
                    dept=dept,
                    commune_code=commune,
                    uai=uais.take(uid),
                    name=_school_name(rng, school_type),
                    sector=Sector.PRIVATE_UNDER_CONTRACT if private else Sector.PUBLIC,
                    education_prioritaire=ep,
                )
            )
    clusters = []
    index = first_index
    for commune, schools in by_commune.items():
        if not schools:
            continue
        parts = math.ceil(len(schools) / MAX_SCHOOLS_PER_CLUSTER)
        for part in range(parts):
            clusters.append(ClusterSpec(index=index, commune_code=commune, schools=schools[part::parts]))
            index += 1
    return clusters


def plan_real_schools(
    rng: random.Random, schools: list[dict], depts: dict[str, Dept], factor: float | None
) -> list[tuple[str | None, SchoolSpec]]:
    """Specs for schools already in the registry. Divisions per level follow the Annuaire's pupil
    count (times `factor` when a target pupil count is given), or a typical size if unknown."""
    out = []
    for row in schools:
        school_type = row["type"]
        levels = LEVELS_BY_TYPE[school_type]
        if row["pupil_count"] or factor:
            pupils = (row["pupil_count"] or STAGE_MEAN_PUPILS[_stage(school_type)]) * (factor or 1.0)
            if school_type == SchoolType.LYCEE_POLYVALENT:
                gt, pro = pupils * 0.7 / 3, pupils * 0.3 / 3
                spec_levels = [(lvl, max(1, round(gt / 30))) for lvl in LYCEE_GT_LEVELS] + [
                    (lvl, max(1, round(pro / 24))) for lvl in LYCEE_PRO_LEVELS
                ]
            else:
                per_level = pupils / len(levels)
                spec_levels = [
                    (lvl, max(1, round(per_level / CLASS_SIZE[size_band(lvl)][0]))) for lvl in levels
                ]
        else:
            spec_levels = _pick_levels(rng, school_type)
        dept = depts[row["departement_id"]]
        out.append(
            (
                row["commune_id"],
                SchoolSpec(
                    uid=row["uid"],
                    type=school_type,
                    levels=spec_levels,
                    dept=dept,
                    commune_code=row["commune_id"],
                    existing_id=row["id"],
                    uai=row["uai"],
                    name=row["name"],
                    sector=row["sector"],
                ),
            )
        )
    return out


def _stage(school_type: str) -> str:
    if school_type in FIRST_DEGREE_TYPES:
        return "ecole"
    return "college" if school_type == SchoolType.COLLEGE else "lycee"


def group_real(specs: list[tuple[str | None, SchoolSpec]], first_index: int) -> list[ClusterSpec]:
    by_commune: dict[tuple[str, str | None], list[SchoolSpec]] = {}
    for commune, spec in specs:
        by_commune.setdefault((spec.dept.code, commune), []).append(spec)
    clusters, index = [], first_index
    for (_dept, commune), schools in sorted(by_commune.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        parts = math.ceil(len(schools) / MAX_SCHOOLS_PER_CLUSTER)
        for part in range(parts):
            clusters.append(ClusterSpec(index=index, commune_code=commune, schools=schools[part::parts]))
            index += 1
    return clusters
