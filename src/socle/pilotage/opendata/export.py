"""`socle opendata export DIR`: write the open-data files atomically.

Everything is written into a temporary directory next to DIR, then renamed onto DIR; a failure
at any point removes the temporary directory and leaves DIR as it was (absent, or the previous
export). DIR is only ever replaced when it is empty or holds a previous export (its
datapackage.json says so), so a typo cannot wipe an unrelated directory."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from socle.core import csv_safe

from . import dcat, register, schemas
from .disclosure import Rules
from .tables import ExportError, Tables, build, parse_levels

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 10
DEFAULT_MIN_SCHOOLS = 3
MARKER = "socle-pilotage-opendata"  # in datapackage.json: this directory is ours to replace
DCAT_FILE = "dcat.jsonld"
DEFAULT_PUBLISHER = "Ministère de l'Éducation nationale"
DEFAULT_PUBLISHER_URL = "https://www.education.gouv.fr/"
PACKAGE_FILE = "datapackage.json"


def default_threshold() -> int:
    return int(getattr(settings, "SOCLE_OPENDATA_MIN_PERSONS", DEFAULT_THRESHOLD))


def default_min_schools() -> int:
    return int(getattr(settings, "SOCLE_OPENDATA_MIN_SCHOOLS", DEFAULT_MIN_SCHOOLS))


def rules(threshold: int | None = None, min_schools: int | None = None) -> Rules:
    """The disclosure rules of a run: the options, else the settings, else the defaults; a
    value below the floors (5 persons, 3 schools) is a clear error, never a silent fix."""
    threshold = default_threshold() if threshold is None else threshold
    min_schools = default_min_schools() if min_schools is None else min_schools
    try:
        return Rules(threshold=threshold, min_contributors=min_schools)
    except ValueError as error:
        option = "--threshold" if "threshold" in str(error) else "--min-schools"
        raise ExportError(f"{option}: {error}") from error


@dataclass(frozen=True)
class ExportReport:
    directory: Path
    files: list[str]
    rows: int
    school_rows: int
    suppressed_rows: int
    primary_cells: int
    secondary_cells: int
    vintages: list[str]
    threshold: int
    min_schools: int
    release: int
    audit: dict


def export(
    directory: str | Path,
    *,
    vintages: list[str] | None = None,
    threshold: int | None = None,
    min_schools: int | None = None,
    levels: tuple[str, ...] | None = None,
    base_url: str | None = None,
) -> ExportReport:
    """Build, write and register one release. Exports run one at a time (`register.exclusive`):
    each is checked against every release recorded before it."""
    target = Path(directory).resolve()
    _check_replaceable(target)
    run_rules = rules(threshold, min_schools)
    wanted_levels = parse_levels(levels)
    with register.exclusive():
        tables = build(vintages, wanted_levels, run_rules)
        if not tables.vintages:
            raise ExportError(
                "nothing to export: no vintage has computed cells (run the Pilotage computation)"
            )
        base = _base_url(base_url, target)
        number, now = register.next_number(), timezone.now()
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            files, school_rows = _write_all(staging, tables, base, number, now)
            staging.chmod(0o755)  # mkdtemp makes it private; published files are world-readable
            suppressed = sum(1 for row in tables.observations if row.statut == "secret statistique")
            release = register.record(
                number=number,
                created_at=now,
                tables=tables,
                files={name: _file_record(staging / name) for name in files},
                directory=str(target),
                base_url=base,
                rows=len(tables.observations) + school_rows,
                published_cells=len(tables.observations) - suppressed,
                suppressed_cells=suppressed,
            )
            try:
                _swap(staging, target)
            except BaseException:
                register.discard(release)
                raise
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        release.publish()
    logger.info(
        "open-data release %d to %s: %d rows, %d suppressed (threshold %d persons, %d schools)",
        number,
        target,
        len(tables.observations),
        suppressed,
        run_rules.threshold,
        run_rules.min_contributors,
    )
    return ExportReport(
        directory=target,
        files=files,
        rows=len(tables.observations),
        school_rows=school_rows,
        suppressed_rows=suppressed,
        primary_cells=tables.primary,
        secondary_cells=tables.secondary,
        vintages=tables.vintages,
        threshold=run_rules.threshold,
        min_schools=run_rules.min_contributors,
        release=number,
        audit=tables.audit,
    )


def _file_record(path: Path) -> dict:
    return {"sha256": _sha256(path), "bytes": path.stat().st_size}


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ExportError(f"{target}: exists and is not a directory")
    if not any(target.iterdir()):
        return
    package = target / PACKAGE_FILE
    try:
        ours = json.loads(package.read_text(encoding="utf-8")).get("profile_socle") == MARKER
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise ExportError(
            f"{target}: not empty and not a previous open-data export (no {PACKAGE_FILE} written by "
            "socle); choose an empty or new directory"
        )


def _base_url(base_url: str | None, target: Path) -> str:
    """Where the files will be downloadable; defaults to the directory itself (file: URIs are
    honest until the operator publishes the files and passes --base-url)."""
    url = base_url or getattr(settings, "SOCLE_OPENDATA_BASE_URL", "") or target.as_uri()
    return url if url.endswith("/") else f"{url}/"


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    previous = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    target.rename(previous)
    try:
        staging.rename(target)
    except BaseException:
        previous.rename(target)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _write_all(staging: Path, tables: Tables, base_url: str, number: int, now) -> tuple[list[str], int]:
    """Every file of the release; returns their names and the number of school rows."""

    def once(rows):
        return lambda: [[asdict(row) for row in rows]]

    def schools():
        return ([asdict(row) for row in batch] for batch in tables.school_batches())

    resources = [
        (
            schemas.OBSERVATIONS,
            schemas.observation_schema(),
            once(tables.observations),
            "Valeurs par territoire",
        ),
    ]
    if "school" in tables.levels:
        resources.append((schemas.SCHOOLS, schemas.school_schema(), schools, "Valeurs par établissement"))
    resources.append(
        (schemas.CATALOGUE, schemas.catalogue_schema(), once(tables.catalogue), "Catalogue des indicateurs")
    )
    distributions: list[dcat.Distribution] = []
    package_resources = []
    school_rows = 0
    for name, schema, batches, title in resources:
        schema_file = f"{name}.schema.json"
        _write_json(staging / schema_file, schema)
        columns = [field["name"] for field in schema["fields"]]
        csv_file, parquet_file = f"{name}.csv", f"{name}.parquet"
        written = write_csv(staging / csv_file, columns, batches())
        write_parquet(staging / parquet_file, schema["fields"], batches())
        if name == schemas.SCHOOLS:
            school_rows = written
        for file_name, fmt in ((csv_file, "csv"), (parquet_file, "parquet")):
            path = staging / file_name
            distributions.append(
                dcat.Distribution(
                    file_name=file_name,
                    title=f"{title} ({fmt.upper()})",
                    format=fmt,
                    byte_size=path.stat().st_size,
                    sha256=_sha256(path),
                    schema_file=schema_file,
                )
            )
        package_resources.append(
            {
                "name": name,
                "profile": "tabular-data-resource",
                "title": title,
                "path": csv_file,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ";", "header": True},
                "schema": schema_file,
                "hash": f"sha256:{_sha256(staging / csv_file)}",
            }
        )
    _write_json(
        staging / PACKAGE_FILE,
        {
            "profile": "tabular-data-package",
            "profile_socle": MARKER,
            "name": "socle-pilotage-indicateurs-territoriaux",
            "title": "Indicateurs territoriaux du numérique éducatif",
            "licenses": [
                {
                    "name": "etalab-2.0",
                    "title": "Licence Ouverte / Open Licence version 2.0",
                    "path": dcat.LICENCE["@id"],
                }
            ],
            "resources": package_resources,
        },
    )
    # dct:modified is when the data last changed (the newest cell's computation), not the
    # export run: re-exporting unchanged data must not look like an update to harvesters.
    modified = tables.computed_at or now
    current = dcat.Release(
        number=number,
        issued=now,
        vintages=list(tables.vintages),
        levels=[_level_title(level) for level in tables.levels],
        threshold=tables.rules.threshold,
        min_schools=tables.rules.min_contributors,
        files={d.file_name: d.sha256 for d in distributions},
    )
    earlier = [
        dcat.Release(
            number=r.number,
            issued=r.created_at,
            vintages=list(r.vintages),
            levels=[_level_title(level) for level in r.levels],
            threshold=r.threshold,
            min_schools=r.min_contributors,
            files={
                name: entry["sha256"]
                for name, entry in r.files.items()
                if name.endswith((".csv", ".parquet"))
            },
        )
        for r in register.releases()
    ]
    _write_json(
        staging / DCAT_FILE,
        dcat.dataset(
            base_url=base_url,
            vintages=tables.vintages,
            levels=[_level_title(level) for level in tables.levels],
            rules=tables.rules,
            distributions=distributions,
            publisher_name=getattr(settings, "SOCLE_OPENDATA_PUBLISHER", DEFAULT_PUBLISHER),
            publisher_url=getattr(settings, "SOCLE_OPENDATA_PUBLISHER_URL", DEFAULT_PUBLISHER_URL),
            contact_email=getattr(settings, "SOCLE_OPENDATA_CONTACT_EMAIL", ""),
            modified=modified,
            releases=[*earlier, current],
        ),
    )
    return sorted(os.listdir(staging)), school_rows


_LEVEL_TITLES = {
    "nation": "nation",
    "region": "région académique",
    "academie": "académie",
    "departement": "département",
    "school": "établissement",
}


def _level_title(level: str) -> str:
    return _LEVEL_TITLES[level]


def write_csv(path: Path, columns: list[str], batches: Iterable[list[dict]]) -> int:
    """UTF-8, `;`-separated, header row, empty cell for a missing value (as data.education.gouv.fr
    publishes). Numbers are written with a dot, without thousands separator, floats in their
    shortest exact form (the CSV and the Parquet hold the same number). Text cells a spreadsheet
    would evaluate are neutralised (socle.core.csv_safe). Written batch by batch; returns the
    number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_safe.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for records in batches:
            for record in records:
                writer.writerow([record[c] for c in columns])
            count += len(records)
    return count


def write_parquet(path: Path, fields: list[dict], batches: Iterable[list[dict]]) -> None:
    """One row group per batch: memory holds one batch, not the file."""
    schema = schemas.arrow_schema(fields)
    with pq.ParquetWriter(path, schema) as writer:
        for records in batches:
            columns = {f["name"]: [record[f["name"]] for record in records] for f in fields}
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
