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
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from socle.core import csv_safe

from . import dcat, schemas
from .tables import ExportError, Tables, build, parse_levels

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 10
MARKER = "socle-pilotage-opendata"  # in datapackage.json: this directory is ours to replace
DCAT_FILE = "dcat.jsonld"
DEFAULT_PUBLISHER = "Ministère de l'Éducation nationale"
DEFAULT_PUBLISHER_URL = "https://www.education.gouv.fr/"
PACKAGE_FILE = "datapackage.json"


def default_threshold() -> int:
    return int(getattr(settings, "SOCLE_OPENDATA_MIN_PERSONS", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class ExportReport:
    directory: Path
    files: list[str]
    rows: int
    suppressed_rows: int
    primary_cells: int
    secondary_cells: int
    vintages: list[str]
    threshold: int


def export(
    directory: str | Path,
    *,
    vintages: list[str] | None = None,
    threshold: int | None = None,
    levels: tuple[str, ...] | None = None,
    base_url: str | None = None,
) -> ExportReport:
    target = Path(directory).resolve()
    _check_replaceable(target)
    threshold = default_threshold() if threshold is None else threshold
    tables = build(vintages, parse_levels(levels), threshold)
    if not tables.vintages:
        raise ExportError("nothing to export: no vintage has computed cells (run the Pilotage computation)")
    base = _base_url(base_url, target)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        files = _write_all(staging, tables, base)
        staging.chmod(0o755)  # mkdtemp makes it private; published files are world-readable
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    suppressed = sum(1 for row in tables.observations if row.statut == "secret statistique")
    logger.info(
        "open-data export to %s: %d rows, %d suppressed (threshold %d persons)",
        target,
        len(tables.observations),
        suppressed,
        threshold,
    )
    return ExportReport(
        directory=target,
        files=files,
        rows=len(tables.observations),
        suppressed_rows=suppressed,
        primary_cells=tables.primary,
        secondary_cells=tables.secondary,
        vintages=tables.vintages,
        threshold=threshold,
    )


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


def _write_all(staging: Path, tables: Tables, base_url: str) -> list[str]:
    resources = [
        (schemas.OBSERVATIONS, schemas.observation_schema(), tables.observations, "Valeurs par territoire"),
        (schemas.CATALOGUE, schemas.catalogue_schema(), tables.catalogue, "Catalogue des indicateurs"),
    ]
    distributions: list[dcat.Distribution] = []
    package_resources = []
    for name, schema, rows, title in resources:
        schema_file = f"{name}.schema.json"
        _write_json(staging / schema_file, schema)
        records = [asdict(row) for row in rows]
        columns = [field["name"] for field in schema["fields"]]
        csv_file, parquet_file = f"{name}.csv", f"{name}.parquet"
        write_csv(staging / csv_file, columns, records)
        write_parquet(staging / parquet_file, schema["fields"], records)
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
    modified = tables.computed_at or timezone.now()
    _write_json(
        staging / DCAT_FILE,
        dcat.dataset(
            base_url=base_url,
            vintages=tables.vintages,
            levels=[_level_title(level) for level in tables.levels],
            threshold=tables.threshold,
            distributions=distributions,
            publisher_name=getattr(settings, "SOCLE_OPENDATA_PUBLISHER", DEFAULT_PUBLISHER),
            publisher_url=getattr(settings, "SOCLE_OPENDATA_PUBLISHER_URL", DEFAULT_PUBLISHER_URL),
            contact_email=getattr(settings, "SOCLE_OPENDATA_CONTACT_EMAIL", ""),
            modified=modified,
        ),
    )
    return sorted(os.listdir(staging))


_LEVEL_TITLES = {
    "nation": "nation",
    "region": "région académique",
    "academie": "académie",
    "departement": "département",
}


def _level_title(level: str) -> str:
    return _LEVEL_TITLES[level]


def write_csv(path: Path, columns: list[str], records: list[dict]) -> None:
    """UTF-8, `;`-separated, header row, empty cell for a missing value (as data.education.gouv.fr
    publishes). Numbers are written with a dot, without thousands separator, floats in their
    shortest exact form (the CSV and the Parquet hold the same number). Text cells a spreadsheet
    would evaluate are neutralised (socle.core.csv_safe)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_safe.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([record[c] for c in columns])


def write_parquet(path: Path, fields: list[dict], records: list[dict]) -> None:
    schema = schemas.arrow_schema(fields)
    columns = {f["name"]: [record[f["name"]] for record in records] for f in fields}
    table = pa.Table.from_pydict(columns, schema=schema)
    pq.write_table(table, path)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
