"""Pilotage's public interface: the indicator catalogue, the computed cells, the territorial
hierarchy and the computation itself. Pages, the API (socle.pilotage views/api) and the open
data export (socle.pilotage.opendata) read only through these functions.

A cell is an indicator for one territory and one school year ("vintage", e.g. "2025-2026").
Levels: school (UAI), commune (INSEE code), departement, academie, region (région académique),
nation ("FR") and collectivite (the owning local authority, "departement:035", "region:53",
"commune:35238"). Every cell keeps Σ numerator and Σ denominator over its schools with data,
its coverage (schools with data / schools in scope) and the number of persons it is computed
from (for disclosure control)."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from socle.referentiel import services as referentiel

from . import catalogue
from . import facts as facts_module
from .engines.base import LEVEL_COLUMNS, Engine, get_engine
from .models import FactsSnapshot, Indicator, IndicatorValue, IndicatorVersion, Level

LEVELS = [level for level, _column in LEVEL_COLUMNS]
COMPARISON_LEVELS = ("school", "commune", "departement", "academie", "region", "nation")
# Snapshot field naming each level's territory (the school itself is `uai`).
_SNAPSHOT_FIELD = {
    "commune": "commune",
    "departement": "departement",
    "academie": "academie",
    "region": "region",
    "collectivite": "collectivite",
}


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    label: str
    definition: str
    unit: str
    numerator: str
    denominator: str
    source: str
    school_levels: list[str]
    version: int
    parameters: dict


@dataclass(frozen=True)
class Value:
    indicator_code: str
    version: int
    vintage: str
    level: str
    territory_code: str
    numerator: int | None
    denominator: int | None
    value: float | None
    coverage: float | None
    schools_with_data: int
    schools_in_scope: int
    persons: int
    computed_at: dt.datetime


@dataclass
class ComputationReport:
    engine: str
    vintages: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    mode: str = "full"  # "full" or "incremental"
    schools: int = 0  # schools whose facts were (re)computed
    cells: int = 0  # cells written
    seconds: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)  # source → "available" or why not


# --- Catalogue ---------------------------------------------------------------------------------
@transaction.atomic
def sync_catalogue() -> list[str]:
    """Create or update the Indicator rows from the code catalogue; record version 1 of each new
    indicator and a new version when the code's version number went up. Returns the codes whose
    version changed (their history must be recomputed)."""
    changed = []
    for position, definition in enumerate(catalogue.DEFINITIONS):
        indicator, created = Indicator.objects.update_or_create(
            code=definition.code,
            defaults={
                "label": definition.label,
                "definition": definition.definition,
                "unit": definition.unit,
                "numerator": definition.numerator_label,
                "denominator": definition.denominator_label,
                "source": definition.source,
                "school_levels": list(definition.school_levels),
                "position": position,
            },
        )
        latest = indicator.versions.aggregate(v=Max("version"))["v"] or 0
        if latest < definition.version:
            IndicatorVersion.objects.create(
                indicator=indicator,
                version=definition.version,
                definition=definition.definition,
                parameters=definition.parameters,
            )
            indicator.current_version = definition.version
            indicator.save(update_fields=["current_version"])
            if not created:
                changed.append(definition.code)
    return changed


def _info(indicator: Indicator, version: IndicatorVersion) -> IndicatorInfo:
    return IndicatorInfo(
        code=indicator.code,
        label=indicator.label,
        definition=version.definition,
        unit=indicator.unit,
        numerator=indicator.numerator,
        denominator=indicator.denominator,
        source=indicator.source,
        school_levels=list(indicator.school_levels),
        version=version.version,
        parameters=dict(version.parameters),
    )


def _current_versions() -> dict[str, IndicatorVersion]:
    if not Indicator.objects.exists():
        sync_catalogue()
    versions = IndicatorVersion.objects.select_related("indicator").order_by("indicator__position", "version")
    return {v.indicator.code: v for v in versions if v.version == v.indicator.current_version}


def indicators() -> list[IndicatorInfo]:
    """The catalogue, in display order, each with the definition and parameters in force."""
    return [_info(version.indicator, version) for version in _current_versions().values()]


def indicator(code: str) -> IndicatorInfo | None:
    return next((info for info in indicators() if info.code == code), None)


def redefine(
    code: str,
    *,
    parameters: dict | None = None,
    definition: str | None = None,
    engine: str | Engine = "duckdb",
) -> IndicatorVersion:
    """Record a new version of indicator `code` (new parameters and/or written definition) and
    recompute its history: every vintage that has cells of it, with the new version."""
    if code not in catalogue.BY_CODE:
        raise ValueError(f"unknown indicator {code!r}")
    current = _current_versions()[code]
    new_parameters = {**current.parameters, **(parameters or {})}
    unknown = set(new_parameters) - set(catalogue.BY_CODE[code].parameters)
    if unknown:
        raise ValueError(f"indicator {code!r} has no parameter {', '.join(sorted(unknown))}")
    with transaction.atomic():
        version = IndicatorVersion.objects.create(
            indicator=current.indicator,
            version=current.version + 1,
            definition=definition or current.definition,
            parameters=new_parameters,
        )
        Indicator.objects.filter(pk=current.indicator.pk).update(current_version=version.version)
    vintages = IndicatorValue.objects.filter(indicator_code=code).values_list("vintage", flat=True)
    for vintage in sorted(set(vintages)):
        recompute(vintage, engine=engine, indicators=[code])
    return version


def _definitions(codes: Iterable[str] | None) -> list[tuple[catalogue.Definition, dict, int]]:
    versions = _current_versions()
    wanted = list(codes) if codes is not None else list(versions)
    unknown = [code for code in wanted if code not in versions]
    if unknown:
        raise ValueError(f"unknown indicator(s): {', '.join(unknown)}")
    return [(catalogue.BY_CODE[code], versions[code].parameters, versions[code].version) for code in wanted]


# --- Reading cells -----------------------------------------------------------------------------
def _as_value(cell: IndicatorValue) -> Value:
    return Value(
        indicator_code=cell.indicator_code,
        version=cell.version,
        vintage=cell.vintage,
        level=cell.level,
        territory_code=cell.territory_code,
        numerator=cell.numerator,
        denominator=cell.denominator,
        value=cell.value,
        coverage=cell.coverage,
        schools_with_data=cell.schools_with_data,
        schools_in_scope=cell.schools_in_scope,
        persons=cell.persons,
        computed_at=cell.computed_at,
    )


def default_vintage() -> str | None:
    """The current school year's code, failing that the latest vintage computed."""
    year = referentiel.current_school_year()
    if year is not None:
        return year.code
    return IndicatorValue.objects.aggregate(v=Max("vintage"))["v"]


def vintages() -> list[str]:
    """Every vintage that has cells, most recent first.

    Why not SELECT DISTINCT: at national scale it reads every cell (100–200 ms over 1.15 M).
    This is a "loose index scan": one MAX(vintage) below the previous one per vintage, each an
    index probe on `pilotage_cell_indicator` (vintage first), so the cost grows with the number of
    school years (a handful), not with the cells. Portable ORM, so it also runs on SQLite."""
    found: list[str] = []
    cells = IndicatorValue.objects.all()
    while (latest := cells.aggregate(v=Max("vintage"))["v"]) is not None:
        found.append(latest)
        cells = IndicatorValue.objects.filter(vintage__lt=latest)
    return found


def values(
    indicator_code: str | None = None,
    *,
    level: str,
    codes: Iterable[str] | None = None,
    vintage: str | None = None,
) -> list[Value]:
    """The cells of one level (optionally one indicator, some territory codes) for `vintage`
    (default: `default_vintage()`), ordered by indicator then territory code."""
    return values_page(indicator_code, level=level, codes=codes, vintage=vintage)


def values_page(
    indicator_code: str | None = None,
    *,
    level: str,
    codes: Iterable[str] | None = None,
    vintage: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[Value]:
    """Like `values`, but at most `limit` cells, those sorting strictly after the
    (indicator_code, territory_code) pair `after`: keyset pagination. The limit is applied in the
    query (LIMIT), so a page never loads more rows than it returns."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    qs = IndicatorValue.objects.filter(level=level, vintage=vintage or default_vintage())
    if indicator_code is not None:
        qs = qs.filter(indicator_code=indicator_code)
    if codes is not None:
        qs = qs.filter(territory_code__in=list(codes))
    if after is not None:
        # (indicator, territory) is unique within one level and vintage (pilotage_unique_cell).
        qs = qs.filter(
            Q(indicator_code__gt=after[0]) | Q(indicator_code=after[0], territory_code__gt=after[1])
        )
    qs = qs.order_by("indicator_code", "territory_code")
    if limit is not None:
        qs = qs[:limit]
    return [_as_value(cell) for cell in qs]


def territory_chain(uai: str, vintage: str | None = None) -> dict[str, str] | None:
    """The territories a school belongs to: {level: code} for every level, or None when the
    school is unknown. Taken from the last computation of `vintage`, else from the registry."""
    snapshot = FactsSnapshot.objects.filter(uai=uai, vintage=vintage or default_vintage()).first()
    if snapshot is not None:
        chain = {level: getattr(snapshot, name) for level, name in _SNAPSHOT_FIELD.items()}
    else:
        try:
            school = referentiel.school_by_uai(uai)
        except ValueError:
            return None
        if school is None:
            return None
        chain = {
            "commune": school.commune_id or "",
            "departement": school.departement_id,
            "academie": school.academie_id,
            "region": school.region_id,
            "collectivite": (
                f"{school.collectivite_type}:{school.collectivite_code}" if school.collectivite_code else ""
            ),
        }
    return {"school": uai, **chain, "nation": "FR"}


def school_territories(vintage: str | None = None) -> dict[str, dict[str, str]]:
    """Every school of the last computation of `vintage`: {uai: {"school_level", "departement",
    "academie", "region"}} in one query (the open-data export aggregates school cells with it)."""
    snapshots = FactsSnapshot.objects.filter(vintage=vintage or default_vintage())
    return {
        uai: {"school_level": level, "departement": departement, "academie": academie, "region": region}
        for uai, level, departement, academie, region in snapshots.values_list(
            "uai", "school_level", "departement", "academie", "region"
        )
    }


def school_comparison(uai: str, vintage: str | None = None) -> dict[str, dict[str, Value | None]]:
    """For each indicator: the school's cell next to its commune's, département's, académie's,
    région académique's and the nation's ({level: Value or None})."""
    vintage = vintage or default_vintage()
    chain = territory_chain(uai, vintage)
    if chain is None:
        raise ValueError(f"unknown school {uai!r}")
    result: dict[str, dict[str, Value | None]] = {
        info.code: dict.fromkeys(COMPARISON_LEVELS) for info in indicators()
    }
    wanted = [(level, chain[level]) for level in COMPARISON_LEVELS if chain.get(level)]
    cells = IndicatorValue.objects.filter(vintage=vintage, level__in=[level for level, _ in wanted])
    for cell in cells.filter(territory_code__in=[code for _, code in wanted]):
        if chain.get(cell.level) == cell.territory_code and cell.indicator_code in result:
            result[cell.indicator_code][cell.level] = _as_value(cell)
    return result


def children(level: str, code: str) -> list[tuple[str, str]]:
    """The territories directly below (`level`, `code`): nation → régions académiques →
    académies → départements → communes → schools; a collectivité → its schools. From the
    Référentiel, ordered by code."""
    if level == Level.NATION:
        return [("region", r.code) for r in referentiel.regions()]
    if level == Level.REGION:
        return [("academie", a.code) for a in referentiel.academies(region=code)]
    if level == Level.ACADEMIE:
        return [("departement", d.code) for d in referentiel.departements(academie=code)]
    if level == Level.DEPARTEMENT:
        communes = referentiel.schools(departement=code).exclude(commune=None)
        found = sorted(set(communes.values_list("commune_id", flat=True)))
        return [("commune", commune) for commune in found]
    if level == Level.COMMUNE:
        return [("school", uai) for uai in referentiel.schools(commune=code).values_list("uai", flat=True)]
    if level == Level.COLLECTIVITE:
        kind, _, number = code.partition(":")
        if not kind or not number:
            raise ValueError(f"collectivité code {code!r}: expected '<type>:<code>', e.g. 'departement:035'")
        schools = referentiel.schools(collectivite_type=kind, collectivite_code=number)
        return [("school", uai) for uai in schools.values_list("uai", flat=True)]
    if level == Level.SCHOOL:
        return []
    raise ValueError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")


# --- Computation -------------------------------------------------------------------------------
def _cell(row: dict, version: int, scale: int, engine: str, now: dt.datetime) -> IndicatorValue:
    numerator, denominator = row["numerator"], row["denominator"]
    in_scope = row["schools_in_scope"]
    return IndicatorValue(
        indicator_code=row["indicator"],
        version=version,
        vintage=row["vintage"],
        level=row["level"],
        territory_code=row["territory_code"],
        numerator=numerator,
        denominator=denominator,
        value=numerator * scale / denominator if numerator is not None and denominator else None,
        schools_with_data=row["schools_with_data"],
        schools_in_scope=in_scope,
        coverage=row["schools_with_data"] / in_scope if in_scope else None,
        persons=row["persons"],
        engine=engine,
        computed_at=now,
    )


def _snapshots(facts: facts_module.Facts, rows: list[dict]) -> list[FactsSnapshot]:
    return [
        FactsSnapshot(
            vintage=facts.vintage,
            uai=row["uai"],
            digest=facts_module.row_digest(row),
            school_level=row["school_level"] or "",
            commune=row["commune"] or "",
            departement=row["departement"] or "",
            academie=row["academie"] or "",
            region=row["region"] or "",
            collectivite=row["collectivite"] or "",
        )
        for row in rows
    ]


def recompute(
    vintage: str | None = None,
    engine: str | Engine = "duckdb",
    indicators: Iterable[str] | None = None,
    *,
    uais: Iterable[str] | None = None,
    incremental: bool = False,
) -> ComputationReport:
    """Compute the cells of `indicators` (default: all) for `vintage` (default: the current
    school year) on `engine` ("duckdb", "postgres", "spark" or an Engine instance, which is then
    left open for reuse) and write them in bulk.

    - Full (default): every school and every level.
    - `uais`: only these schools' facts are extracted and computed; the territories they belong
      (and belonged) to are re-aggregated from the stored school cells (exact, because every
      cell is Σ numerator / Σ denominator).
    - `incremental=True`: all facts are extracted, but only the schools whose facts changed
      since the last computation (fingerprints in FactsSnapshot) are recomputed, as above.
    """
    started = time.perf_counter()
    sync_catalogue()
    definitions = _definitions(indicators)
    codes = [definition.code for definition, _p, _v in definitions]
    vintage = vintage or default_vintage()
    if vintage is None:
        raise ValueError("no school year: create one in the Référentiel or pass a vintage")
    owns_engine = isinstance(engine, str)
    runner = get_engine(engine) if owns_engine else engine
    report = ComputationReport(engine=runner.name, vintages=[vintage], indicators=codes)
    try:
        if uais is None and incremental and FactsSnapshot.objects.filter(vintage=vintage).exists():
            facts = facts_module.extract(vintage)
            report.sources = facts.sources
            known = dict(FactsSnapshot.objects.filter(vintage=vintage).values_list("uai", "digest"))
            rows = facts.table.to_pylist()
            current = {row["uai"] for row in rows}
            changed = [row for row in rows if known.get(row["uai"]) != facts_module.row_digest(row)]
            gone = sorted(set(known) - current)
            facts = facts_module.Facts(facts.vintage, facts_module.to_table(changed), facts.sources)
            _recompute_schools(runner, facts, changed, gone, definitions, report)
        elif uais is not None:
            wanted = sorted({uai.strip().upper() for uai in uais})
            facts = facts_module.extract(vintage, wanted)
            report.sources = facts.sources
            rows = facts.table.to_pylist()
            gone = sorted(set(wanted) - {row["uai"] for row in rows})
            _recompute_schools(runner, facts, rows, gone, definitions, report)
        else:
            facts = facts_module.extract(vintage)
            report.sources = facts.sources
            _recompute_all(runner, facts, definitions, report)
    finally:
        if owns_engine:
            runner.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def compute_cells(runner: Engine, facts_table, definitions, levels=None) -> list[dict]:
    """Run the catalogue on `runner` over a facts table (Arrow or Parquet path): normalised
    rows, nothing written. Used by the computation and by the benchmark."""
    return runner.compute(facts_table, [(d, p) for d, p, _v in definitions], levels)


def _lock(codes) -> None:
    """Serialise writers of the same indicators (e.g. the collecte's post-declaration task and
    a nightly run): without it, two delete-then-insert transactions would collide on the
    unique cell key. No-op on SQLite, which serialises writes anyway."""
    list(Indicator.objects.select_for_update().filter(code__in=list(codes)).order_by("pk"))


def _recompute_all(runner: Engine, facts, definitions, report: ComputationReport) -> None:
    rows = facts.table.to_pylist()
    cells = compute_cells(runner, facts.table, definitions) if rows else []
    now = timezone.now()
    meta = {d.code: (v, d.scale) for d, _p, v in definitions}
    objects = [_cell(row, *meta[row["indicator"]], runner.name, now) for row in cells]
    with transaction.atomic():
        _lock(meta)
        IndicatorValue.objects.filter(vintage=facts.vintage, indicator_code__in=list(meta)).delete()
        IndicatorValue.objects.bulk_create(objects, batch_size=2000)
        FactsSnapshot.objects.filter(vintage=facts.vintage).delete()
        FactsSnapshot.objects.bulk_create(_snapshots(facts, rows), batch_size=2000)
    report.schools, report.cells = len(rows), len(objects)


def _recompute_schools(runner: Engine, facts, rows, gone, definitions, report: ComputationReport) -> None:
    report.mode = "incremental"
    vintage = facts.vintage
    uais = [row["uai"] for row in rows]
    meta = {d.code: (v, d.scale) for d, _p, v in definitions}
    previous = FactsSnapshot.objects.filter(vintage=vintage, uai__in=uais + list(gone))
    affected: set[tuple[str, str]] = set()
    for snapshot in previous:
        affected |= {(level, getattr(snapshot, name)) for level, name in _SNAPSHOT_FIELD.items()}
    for row in rows:
        affected |= {(level, row[name]) for level, name in _SNAPSHOT_FIELD.items()}
    affected = {(level, code) for level, code in affected if code}
    cells = compute_cells(runner, facts.table, definitions, levels=["school"]) if rows else []
    now = timezone.now()
    school_cells = [_cell(row, *meta[row["indicator"]], runner.name, now) for row in cells]
    with transaction.atomic():
        _lock(meta)
        IndicatorValue.objects.filter(
            vintage=vintage,
            level="school",
            territory_code__in=uais + list(gone),
            indicator_code__in=list(meta),
        ).delete()
        IndicatorValue.objects.bulk_create(school_cells, batch_size=2000)
        FactsSnapshot.objects.filter(vintage=vintage, uai__in=uais + list(gone)).delete()
        FactsSnapshot.objects.bulk_create(_snapshots(facts, rows), batch_size=2000)
        written = _reaggregate(vintage, meta, [*sorted(affected), ("nation", "FR")], runner.name, now)
    report.schools, report.cells = len(rows) + len(gone), len(school_cells) + written


def _reaggregate(vintage: str, meta: dict, territories, engine: str, now) -> int:
    """Rebuild the cells of `territories` from the stored school cells (Σ numerators, Σ
    denominators, schools with data, schools in scope, persons)."""
    written = 0
    codes = list(meta)
    for level, code in territories:
        school_cells = IndicatorValue.objects.filter(
            vintage=vintage, level="school", indicator_code__in=codes
        )
        if level != "nation":
            members = FactsSnapshot.objects.filter(vintage=vintage, **{_SNAPSHOT_FIELD[level]: code})
            school_cells = school_cells.filter(territory_code__in=members.values("uai"))
        sums = (
            school_cells.values("indicator_code")
            .annotate(
                numerator=Sum("numerator"),
                denominator=Sum("denominator"),
                schools_with_data=Sum("schools_with_data"),
                schools_in_scope=Count("id"),
                persons=Sum("persons"),
            )
            .order_by()
        )
        found = {row["indicator_code"]: row for row in sums}
        IndicatorValue.objects.filter(
            vintage=vintage, level=level, territory_code=code, indicator_code__in=codes
        ).delete()
        objects = []
        for indicator_code, row in found.items():
            row = {
                **row,
                "indicator": indicator_code,
                "vintage": vintage,
                "level": level,
                "territory_code": code,
                "persons": row["persons"] or 0,
                "schools_with_data": row["schools_with_data"] or 0,
            }
            objects.append(_cell(row, *meta[indicator_code], engine, now))
        IndicatorValue.objects.bulk_create(objects)
        written += len(objects)
    return written


def cells_by_territory(vintage: str, level: str) -> dict[str, list[Value]]:
    """Every cell of one level for `vintage`, grouped by territory code."""
    grouped: dict[str, list[Value]] = defaultdict(list)
    for cell in IndicatorValue.objects.filter(vintage=vintage, level=level).order_by("territory_code"):
        grouped[cell.territory_code].append(_as_value(cell))
    return dict(grouped)
