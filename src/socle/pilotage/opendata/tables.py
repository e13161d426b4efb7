"""The rows of the open-data files: cells read through `socle.pilotage.services`, the territorial
hierarchy between the exported levels, and the disclosure control applied to them.

Only territorial aggregates are exported (département, académie, région académique, nation):
- schools are left out: a school's pupils are known by name to its community (a class of 12, a
  school of 40), so even a cell above the threshold can reveal something about each of them
  when its rate is 0 % or 100 %; school figures stay behind authentication (Pilotage pages);
- communes are left out: many communes have one school, so a commune cell is a school cell;
- collectivités are left out: a conseil départemental's collèges are a subset of the same
  département's schools, so publishing both would let a reader subtract one from the other and
  isolate the remaining schools — a differencing attack that the hierarchy-based secondary
  suppression (which needs a tree) does not cover.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from socle.pilotage import services as pilotage
from socle.referentiel import services as referentiel

from .disclosure import Group, suppress

# Top to bottom; every exported level is a union of the level below (a tree).
EXPORTABLE_LEVELS = ("nation", "region", "academie", "departement")
DEFAULT_LEVELS = EXPORTABLE_LEVELS
# The level names of the published files (French, like the ministry's open data).
PUBLISHED_LEVEL = {
    "nation": "nation",
    "region": "region_academique",
    "academie": "academie",
    "departement": "departement",
}
NATION_CODE = "FR"

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


class ExportError(ValueError):
    """Bad export parameters, stated so that the operator can correct them."""


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
class CatalogueRow:
    code_indicateur: str
    libelle: str
    definition: str
    unite: str
    numerateur: str
    denominateur: str
    source: str
    niveaux_etablissement: str
    version: int


@dataclass(frozen=True)
class Tables:
    observations: list[ObservationRow]
    catalogue: list[CatalogueRow]
    vintages: list[str]
    levels: tuple[str, ...]
    threshold: int
    primary: int  # cells (territory × vintage) suppressed because they are small
    secondary: int  # cells suppressed to protect them
    computed_at: dt.datetime | None  # when the newest exported cell was computed


def parse_levels(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """`--levels departement,academie` → the exported levels, top to bottom."""
    if text is None:
        return DEFAULT_LEVELS
    names = [part.strip() for part in (text.split(",") if isinstance(text, str) else text) if part.strip()]
    unknown = [name for name in names if name not in EXPORTABLE_LEVELS]
    if unknown or not names:
        raise ExportError(
            f"--levels: {', '.join(unknown) or 'nothing given'} not exportable; expected a comma-separated "
            f"subset of {', '.join(EXPORTABLE_LEVELS)} (schools, communes and collectivités are never "
            "published as open data, see docs/pilotage-opendata.md)"
        )
    return tuple(level for level in EXPORTABLE_LEVELS if level in names)


def build(vintages: Iterable[str] | None, levels: Sequence[str], threshold: int) -> Tables:
    """Read the cells of `vintages` (default: every computed vintage) at `levels`, suppress
    the sensitive ones and return the rows to publish."""
    if threshold < 1:
        raise ExportError(f"--threshold must be a positive number of persons, got {threshold}")
    known = pilotage.vintages()
    wanted = sorted(set(vintages)) if vintages else sorted(known)
    missing = [v for v in wanted if v not in known]
    if missing:
        raise ExportError(
            f"--vintage {', '.join(missing)}: no computed cells; available: {', '.join(known) or 'none'} "
            "(run the Pilotage computation first)"
        )
    infos = pilotage.indicators()
    codes = [info.code for info in infos]
    units = {info.code: UNIT_LABELS.get(info.unit, info.unit) for info in infos}
    groups = hierarchy(levels)
    labels = territory_labels()
    observations: list[ObservationRow] = []
    primary = secondary = 0
    computed_at: dt.datetime | None = None
    for vintage in wanted:
        cells = {
            (level, value.territory_code, value.indicator_code): value
            for level in levels
            for value in pilotage.values(level=level, vintage=vintage)
            if value.indicator_code in units  # cells of a retired indicator are not published
        }
        territories = sorted({(level, code) for level, code, _indicator in cells})
        persons = {
            territory: tuple(_persons(cells.get((*territory, code))) for code in codes)
            for territory in territories
        }
        result = suppress(persons, groups, threshold)
        newest = max((value.computed_at for value in cells.values()), default=None)
        if newest is not None and (computed_at is None or newest > computed_at):
            computed_at = newest
        primary += len(result.primary)
        secondary += len(result.secondary)
        for (level, territory, indicator), value in sorted(cells.items(), key=_row_order(codes)):
            hidden = (level, territory) in result.suppressed
            observations.append(_observation(value, level, labels, units[indicator], hidden))
    catalogue = [
        CatalogueRow(
            code_indicateur=info.code,
            libelle=info.label,
            definition=info.definition,
            unite=UNIT_LABELS.get(info.unit, info.unit),
            numerateur=info.numerator,
            denominateur=info.denominator,
            source=info.source,
            niveaux_etablissement="|".join(info.school_levels),
            version=info.version,
        )
        for info in infos
    ]
    return Tables(observations, catalogue, wanted, tuple(levels), threshold, primary, secondary, computed_at)


def _persons(value) -> int:
    return value.persons if value is not None else 0


def _row_order(codes: list[str]):
    position = {code: i for i, code in enumerate(codes)}
    depth = {level: i for i, level in enumerate(EXPORTABLE_LEVELS)}
    return lambda item: (depth[item[0][0]], item[0][1], position.get(item[0][2], len(position)), item[0][2])


def _observation(value, level: str, labels: dict, unit: str, hidden: bool) -> ObservationRow:
    common = {
        "annee_scolaire": value.vintage,
        "niveau_territorial": PUBLISHED_LEVEL[level],
        "code_territoire": value.territory_code,
        "libelle_territoire": labels.get((level, value.territory_code), ""),
        "code_indicateur": value.indicator_code,
        "version_indicateur": value.version,
        "unite": unit,
    }
    if hidden:
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
        valeur=value.value,
        taux_couverture=value.coverage,
        etablissements_renseignes=value.schools_with_data,
        etablissements_concernes=value.schools_in_scope,
        statut=PUBLISHED if value.value is not None else NOT_AVAILABLE,
    )


def hierarchy(levels: Sequence[str]) -> list[Group]:
    """`parent = Σ children` groups between consecutive exported levels, from the Référentiel
    (via `pilotage.services.children`). Skipped levels are walked through: exporting nation and
    départements only gives one group, the nation over every département."""
    chosen = [level for level in EXPORTABLE_LEVELS if level in levels]
    groups: list[Group] = []
    for upper, lower in pairwise(chosen):
        for parent in _territories_at(upper):
            groups.append(Group(parent, tuple(_descendants(parent, lower))))
    return groups


def _territories_at(level: str) -> list[tuple[str, str]]:
    found = [("nation", NATION_CODE)]
    for step in EXPORTABLE_LEVELS[1:]:
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
