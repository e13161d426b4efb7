"""The rows of the open-data files: cells read through `socle.pilotage.services`, the territorial
hierarchy, and the disclosure control applied to them.

Two kinds of indicators (docs/pilotage-opendata.md, "Which indicator goes where"):

- **about schools** (`SCHOOL_LEVEL_INDICATORS`: equipment, connectivity, ENT, the socle
  numérique, aggregate use of resources and of learning traces): what a school has or how much
  it uses a service, not a fact about identifiable persons. Published for every school (with its
  UAI), as data.education.gouv.fr publishes school-level tables, and at every territorial
  level, without secrecy: a territory is the sum of schools that are published anyway.
- **about persons** (everything else, including any indicator added later until it is
  classified): teachers with Pix+ Édu, pupils certified or attested, girls in NSI. Published at
  territorial levels only (département, académie, région académique, nation), under the rules
  of `disclosure`, one suppression pattern per indicator computed on the whole hierarchy and
  checked against every earlier release of the school year (`audit`).

Not published: communes (many have one school, so a commune cell is a school cell) and
collectivités (a conseil départemental's collèges are a subset of the département's schools:
publishing both isolates the other schools by difference, which a tree-based suppression does
not cover) — for the indicators about persons; for the others the school level says it all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from socle.pilotage import services as pilotage
from socle.referentiel import services as referentiel

from . import register
from .audit import protect
from .disclosure import EMPTY, Figures, Group, Rules

# Top to bottom; every territorial level is a union of the level below (a tree).
TERRITORY_LEVELS = ("nation", "region", "academie", "departement")
EXPORTABLE_LEVELS = (*TERRITORY_LEVELS, "school")
DEFAULT_LEVELS = EXPORTABLE_LEVELS
# The level names of the published files (French, like the ministry's open data).
PUBLISHED_LEVEL = {
    "nation": "nation",
    "region": "region_academique",
    "academie": "academie",
    "departement": "departement",
    "school": "etablissement",
}
NATION_CODE = "FR"

# Indicators about schools, not persons: published per school (UAI) and without secrecy.
SCHOOL_LEVEL_INDICATORS = frozenset(
    {
        "computers_per_100_pupils",
        "projection_per_class",
        "mobile_sets_per_1000_pupils",
        "wifi_coverage",
        "bandwidth_100mbps",
        "ent_available",
        "ecole_socle_compliance",
        "resources_weekly_active_per_100_pupils",
        "statements_per_pupil",
    }
)
# Rates over persons are published with one decimal, as DEPP tables are: the counts beside them
# are exact, so the rounding hides nothing; it only avoids a spurious precision.
PERSON_RATE_DECIMALS = 1

PUBLISHED = "diffusé"
SECRET = "secret statistique"  # noqa: S105 (a status label, not a password)
NOT_AVAILABLE = "non renseigné"
STATUSES = (PUBLISHED, SECRET, NOT_AVAILABLE)

UNIT_LABELS = {
    "%": "%",
    "per 100 pupils": "pour 100 élèves",
    "per 1 000 pupils": "pour 1 000 élèves",
    "ratio": "ratio",
    "count": "nombre",
}
PLACEMENT = {True: "etablissement", False: "territoire"}


class ExportError(ValueError):
    """Bad export parameters, stated so that the operator can correct them."""


def about_schools(code: str) -> bool:
    return code in SCHOOL_LEVEL_INDICATORS


@dataclass(frozen=True)
class ObservationRow:
    annee_scolaire: str
    niveau_territorial: str
    code_territoire: str
    libelle_territoire: str
    code_indicateur: str
    version_indicateur: int
    unite: str
    numerateur: int | None
    denominateur: int | None
    valeur: float | None
    taux_couverture: float | None
    etablissements_renseignes: int | None
    etablissements_concernes: int | None
    statut: str


@dataclass(frozen=True)
class SchoolRow:
    annee_scolaire: str
    uai: str
    nom_etablissement: str | None
    niveau_etablissement: str | None
    code_commune: str | None
    code_departement: str | None
    code_academie: str | None
    code_region_academique: str | None
    code_indicateur: str
    version_indicateur: int
    unite: str
    numerateur: int | None
    denominateur: int | None
    valeur: float | None
    statut: str


@dataclass(frozen=True)
class CatalogueRow:
    code_indicateur: str
    libelle: str
    definition: str
    unite: str
    numerateur: str
    denominateur: str
    source: str
    niveaux_etablissement: str
    niveau_diffusion: str
    version: int


@dataclass
class Tables:
    observations: list[ObservationRow]
    # The school file is streamed (60 000 schools × the indicators about schools): what to read,
    # (vintage, indicator, unit), and what to read it with; see `school_batches`.
    school_sources: list[tuple[str, str, str]]
    catalogue: list[CatalogueRow]
    vintages: list[str]
    levels: tuple[str, ...]
    rules: Rules
    primary: int  # cells (territory × indicator × vintage) suppressed because they are sensitive
    secondary: int  # cells suppressed to protect them (or because an earlier release did)
    computed_at: dt.datetime | None  # when the newest exported cell was computed
    # What the register keeps of this release (see register.record).
    register_cells: list[register.CellRecord] = field(default_factory=list)
    audit: dict = field(default_factory=dict)
    chains: dict[str, dict] = field(default_factory=dict)  # vintage → the schools' territories
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # UAI → (name, commune)

    def school_batches(self):
        """The rows of the school file, one list per school year and indicator: read from the
        cells when the file is written, never all held at once."""
        for vintage, code, unit in self.school_sources:
            cells = pilotage.values(code, level="school", vintage=vintage)
            yield _school_rows(cells, self.chains[vintage], unit, self.names)


def parse_levels(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """`--levels departement,academie` → the exported levels, top to bottom."""
    if text is None:
        return DEFAULT_LEVELS
    names = [part.strip() for part in (text.split(",") if isinstance(text, str) else text) if part.strip()]
    unknown = [name for name in names if name not in EXPORTABLE_LEVELS]
    if unknown or not names:
        raise ExportError(
            f"--levels: {', '.join(unknown) or 'nothing given'} not exportable; expected a comma-separated "
            f"subset of {', '.join(EXPORTABLE_LEVELS)} (communes and collectivités are never published as "
            "open data, see docs/pilotage-opendata.md)"
        )
    return tuple(level for level in EXPORTABLE_LEVELS if level in names)


def build(vintages: Iterable[str] | None, levels: Sequence[str], rules: Rules) -> Tables:
    """Read the cells of `vintages` (default: every computed vintage), suppress the sensitive
    ones (on the whole hierarchy, against every earlier release) and return the rows to publish
    at `levels`."""
    known = pilotage.vintages()
    wanted = sorted(set(vintages)) if vintages else sorted(known)
    missing = [v for v in wanted if v not in known]
    if missing:
        raise ExportError(
            f"--vintage {', '.join(missing)}: no computed cells; available: {', '.join(known) or 'none'} "
            "(run the Pilotage computation first)"
        )
    infos = pilotage.indicators()
    units = {info.code: UNIT_LABELS.get(info.unit, info.unit) for info in infos}
    codes = [info.code for info in infos]
    groups = hierarchy(TERRITORY_LEVELS)
    labels = territory_labels()
    tables = Tables([], [], [], wanted, tuple(levels), rules, 0, 0, None)
    tables.names = _school_names() if "school" in levels else {}
    for vintage in wanted:
        _build_vintage(tables, vintage, codes, units, groups, labels)
    tables.catalogue = [
        CatalogueRow(
            code_indicateur=info.code,
            libelle=info.label,
            definition=info.definition,
            unite=UNIT_LABELS.get(info.unit, info.unit),
            numerateur=info.numerator,
            denominateur=info.denominator,
            source=info.source,
            niveaux_etablissement="|".join(info.school_levels),
            niveau_diffusion=PLACEMENT[about_schools(info.code)],
            version=info.version,
        )
        for info in infos
    ]
    return tables


def _build_vintage(
    tables: Tables,
    vintage: str,
    codes: list[str],
    units: dict[str, str],
    groups: list[Group],
    labels: dict,
) -> None:
    levels = tables.levels
    chains = tables.chains[vintage] = pilotage.school_territories(vintage)
    cells = {
        (level, value.territory_code, value.indicator_code): value
        for level in TERRITORY_LEVELS
        for value in pilotage.values(level=level, vintage=vintage)
        if value.indicator_code in units  # cells of a retired indicator are not published
    }
    for value in cells.values():
        if tables.computed_at is None or value.computed_at > tables.computed_at:
            tables.computed_at = value.computed_at
    hidden: dict[str, frozenset] = {}
    audit_report = {}
    for code in codes:
        if about_schools(code):
            if "school" in levels:
                tables.school_sources.append((vintage, code, units[code]))
            continue
        school_cells = pilotage.values(code, level="school", vintage=vintage)
        current, unit_figures = _figures(code, school_cells, chains, cells)
        earlier = register.earlier_states(vintage, code, unit_figures, chains)
        protection = protect(groups, current, tables.rules, earlier=earlier)
        if protection.findings:
            raise ExportError(
                f"{vintage} {code}: the disclosure audit could not protect every sensitive cell "
                f"({len(protection.findings)} left after {protection.rounds} rounds); nothing was written"
            )
        result = protection.suppression
        hidden[code] = result.suppressed
        audit_report[code] = {
            "rounds": protection.rounds,
            "linear_programs": protection.linear_programs,
            "seconds": protection.seconds,
            "hidden_by_the_audit": len(protection.extra),
            "hidden_by_earlier_releases": len(frozenset().union(*(state.hidden for state in earlier))),
            "already_published_by_earlier_releases": sorted(
                {f"{level}:{territory}" for (level, territory) in (f.key for f in protection.inherited)}
            ),
        }
        for (level, territory), figures in current.items():
            tables.register_cells.append(
                register.CellRecord(
                    vintage, code, _version(cells, level, territory, code), level, territory,
                    figures.numerator, figures.denominator,
                    (level, territory) in result.suppressed, bool(tables.rules.reasons(figures)),
                )
            )  # fmt: skip
        for uai, (numerator, denominator) in unit_figures.items():
            tables.register_cells.append(
                register.CellRecord(vintage, code, 1, "school", uai, numerator, denominator, True, False)
            )
        for level, territory in current:
            if level not in levels or (level, territory, code) not in cells:
                continue
            if (level, territory) in result.primary:
                tables.primary += 1
            elif (level, territory) in result.suppressed:
                tables.secondary += 1
    tables.audit[vintage] = audit_report
    for (level, territory, indicator), value in sorted(cells.items(), key=_row_order(codes)):
        if level not in levels:
            continue
        secret = (level, territory) in hidden.get(indicator, frozenset())
        person = not about_schools(indicator)
        tables.observations.append(_observation(value, level, labels, units[indicator], secret, person))


def _version(cells: dict, level: str, territory: str, code: str) -> int:
    value = cells.get((level, territory, code))
    return value.version if value is not None else 1


def _figures(code: str, school_cells, chains: dict, cells: dict) -> tuple[dict, dict]:
    """The figures of every territory for one indicator about persons, summed from its schools
    with data (how many contribute and the largest one are what the rules need), checked
    against the computed territorial cells."""
    unit_figures: dict[str, tuple[int, int]] = {}
    current: dict[tuple[str, str], Figures] = defaultdict(lambda: EMPTY)
    for value in school_cells:
        if value.numerator is None or value.denominator is None or not value.schools_with_data:
            continue
        chain = chains.get(value.territory_code)
        if chain is None:
            continue
        unit_figures[value.territory_code] = (value.numerator, value.denominator)
        figures = Figures.unit(value.numerator, value.denominator)
        for level in TERRITORY_LEVELS:
            territory = NATION_CODE if level == "nation" else chain.get(level)
            if territory:
                current[(level, territory)] = current[(level, territory)] + figures
    for (level, territory, indicator), value in cells.items():
        if indicator != code:
            continue
        figures = current.get((level, territory), EMPTY)
        computed = (value.numerator or 0, value.denominator or 0)
        if computed != (figures.numerator, figures.denominator):
            raise ExportError(
                f"{value.vintage} {code} {level} {territory}: the territory's cell ({computed}) is not the "
                f"sum of its schools' ({figures.numerator}, {figures.denominator}); recompute the indicators "
                "(socle compute-indicators) before exporting"
            )
        current.setdefault((level, territory), EMPTY)
    return dict(current), unit_figures


def _row_order(codes: list[str]):
    position = {code: i for i, code in enumerate(codes)}
    depth = {level: i for i, level in enumerate(TERRITORY_LEVELS)}
    return lambda item: (depth[item[0][0]], item[0][1], position.get(item[0][2], len(position)), item[0][2])


def _rounded(value: float | None, person: bool) -> float | None:
    if value is None or not person:
        return value
    return round(value, PERSON_RATE_DECIMALS)


def _observation(value, level: str, labels: dict, unit: str, secret: bool, person: bool) -> ObservationRow:
    common = {
        "annee_scolaire": value.vintage,
        "niveau_territorial": PUBLISHED_LEVEL[level],
        "code_territoire": value.territory_code,
        "libelle_territoire": labels.get((level, value.territory_code), ""),
        "code_indicateur": value.indicator_code,
        "version_indicateur": value.version,
        "unite": unit,
    }
    if secret:
        # Empty, never 0: a 0 would be a (false) published figure.
        return ObservationRow(
            **common,
            numerateur=None,
            denominateur=None,
            valeur=None,
            taux_couverture=None,
            etablissements_renseignes=None,
            etablissements_concernes=None,
            statut=SECRET,
        )
    return ObservationRow(
        **common,
        numerateur=value.numerator,
        denominateur=value.denominator,
        valeur=_rounded(value.value, person),
        taux_couverture=value.coverage,
        etablissements_renseignes=value.schools_with_data,
        etablissements_concernes=value.schools_in_scope,
        statut=_status(value),
    )


def _status(value) -> str:
    """ "non renseigné" only when no school provided the data: a school reporting 0/0 (a lycée
    without any NSI pupil) provided it, and its figures (0 and 0, no rate) are published."""
    return PUBLISHED if value.schools_with_data else NOT_AVAILABLE


def _school_rows(school_cells, chains: dict, unit: str, names: dict[str, tuple[str, str]]) -> list[SchoolRow]:
    rows = []
    for value in school_cells:
        chain = chains.get(value.territory_code, {})
        name, commune = names.get(value.territory_code, ("", ""))
        rows.append(
            SchoolRow(
                annee_scolaire=value.vintage,
                uai=value.territory_code,
                # Unknown is empty (None), never "": CSV and Parquet must say the same thing.
                nom_etablissement=name or None,
                niveau_etablissement=chain.get("school_level") or None,
                code_commune=commune or None,
                code_departement=chain.get("departement") or None,
                code_academie=chain.get("academie") or None,
                code_region_academique=chain.get("region") or None,
                code_indicateur=value.indicator_code,
                version_indicateur=value.version,
                unite=unit,
                numerateur=value.numerator,
                denominateur=value.denominator,
                valeur=value.value,
                statut=_status(value),
            )
        )
    return rows


def _school_names() -> dict[str, tuple[str, str]]:
    """UAI → (name, commune code), read once per export."""
    return {
        uai: (name, commune or "")
        for uai, name, commune in referentiel.schools().values_list("uai", "name", "commune_id")
    }


def hierarchy(levels: Sequence[str]) -> list[Group]:
    """`parent = Σ children` groups between consecutive territorial levels, from the
    Référentiel (via `pilotage.services.children`). Skipped levels are walked through: nation
    and départements only give one group, the nation over every département."""
    chosen = [level for level in TERRITORY_LEVELS if level in levels]
    groups: list[Group] = []
    for upper, lower in pairwise(chosen):
        for parent in _territories_at(upper):
            groups.append(Group(parent, tuple(_descendants(parent, lower))))
    return groups


def _territories_at(level: str) -> list[tuple[str, str]]:
    found = [("nation", NATION_CODE)]
    for step in TERRITORY_LEVELS[1:]:
        if found and found[0][0] == level:
            break
        found = [child for parent in found for child in pilotage.children(*parent) if child[0] == step]
    return found


def _descendants(territory: tuple[str, str], level: str) -> list[tuple[str, str]]:
    frontier = [territory]
    while frontier and frontier[0][0] != level:
        frontier = [child for parent in frontier for child in pilotage.children(*parent)]
    return frontier


def territory_labels() -> dict[tuple[str, str], str]:
    labels: dict[tuple[str, str], str] = defaultdict(str)
    labels[("nation", NATION_CODE)] = "France"
    labels.update({("region", r.code): r.name for r in referentiel.regions()})
    labels.update({("academie", a.code): a.name for a in referentiel.academies()})
    labels.update({("departement", d.code): d.name for d in referentiel.departements()})
    return dict(labels)
