"""`socle oneroster validate DIR|ZIP`: check a OneRoster 1.2 CSV package — manifest, headers,
vocabularies, value formats, duplicate sourcedIds and referential integrity — and report every
problem, never only the first. The importer reads packages through the same code."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from socle.referentiel.codes import uai_problem

from .spec import (
    BOOLEAN_COLUMNS,
    DATE_COLUMNS,
    DATE_RE,
    DATETIME_COLUMNS,
    DATETIME_RE,
    GRADES,
    HEADERS,
    LIST_COLUMNS,
    MANIFEST_FILES,
    MANIFEST_HEADER,
    MANIFEST_MODES,
    MANIFEST_VERSION,
    METADATA_PREFIX,
    ONEROSTER_VERSION,
    REFERENCES,
    REQUIRED,
    ROSTERING_FILES,
    STATUSES,
    VOCABULARIES,
    YEAR_COLUMNS,
    YEAR_RE,
)


@dataclass(frozen=True)
class Issue:
    """One problem: file, line (0 = the file as a whole), column, value and a sentence. A fatal
    issue makes the whole package unusable (manifest, header, encoding)."""

    file: str
    line: int
    field: str
    value: str
    reason: str
    fatal: bool = False

    def __str__(self) -> str:
        where = f"{self.file}: line {self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field} {self.value!r}: {self.reason}"
        return f"{where}: {self.reason}"


@dataclass
class Package:
    """A read package: manifest properties, and per rostering file its (line, row) pairs."""

    manifest: dict[str, str] = field(default_factory=dict)
    tables: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # (file, line) of every row with at least one issue: the importer rejects those rows.
    bad_rows: set[tuple[str, int]] = field(default_factory=set)

    @property
    def fatal(self) -> bool:
        return any(issue.fatal for issue in self.issues)

    def mode(self, entity: str) -> str:
        return self.manifest.get(f"file.{entity}", "absent")

    def add(self, file, line, field_name, value, reason, fatal=False) -> None:
        self.issues.append(Issue(file, line, field_name, value, reason, fatal))
        if line and not fatal:
            self.bad_rows.add((file, line))


class _Source:
    def __init__(self, path: Path):
        self.path = path
        self.archive = zipfile.ZipFile(path) if path.suffix.lower() == ".zip" else None

    def names(self) -> set[str]:
        if self.archive:
            return {Path(name).name for name in self.archive.namelist() if not name.endswith("/")}
        return {child.name for child in self.path.iterdir() if child.is_file()}

    def read(self, name: str) -> bytes | None:
        if self.archive:
            for member in self.archive.namelist():
                if Path(member).name == name:
                    return self.archive.read(member)
            return None
        candidate = self.path / name
        return candidate.read_bytes() if candidate.is_file() else None


def _decode(package: Package, name: str, data: bytes) -> list[list[str]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        package.add(
            name, line, "", "", f"not UTF-8 (byte {error.start}): OneRoster CSV files are UTF-8", True
        )
        return None
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        package.add(name, 0, "", "", f"malformed CSV: {error}", True)
        return None


def read_package(source) -> Package:
    """Read and check a package (directory or .zip). Never raises for bad content."""
    path = Path(source)
    package = Package()
    if not path.exists():
        package.add(str(path), 0, "", "", "no such directory or file", True)
        return package
    try:
        src = _Source(path)
    except zipfile.BadZipFile:
        package.add(path.name, 0, "", "", "not a zip archive", True)
        return package
    _read_manifest(package, src)
    if package.fatal:
        return package
    present = src.names()
    for entity in ROSTERING_FILES:
        name = f"{entity}.csv"
        mode = package.mode(entity)
        if mode == "absent":
            if name in present:
                package.add(name, 0, "", "", f"present but manifest.csv says file.{entity} is 'absent'")
            continue
        data = src.read(name)
        if data is None:
            package.add(name, 0, "", "", f"missing: manifest.csv says file.{entity} is {mode!r}", True)
            continue
        rows = _decode(package, name, data)
        if rows is not None:
            _check_table(package, entity, name, rows, mode)
    if not package.fatal:
        _check_references(package)
    return package


def _read_manifest(package: Package, src: _Source) -> None:
    name = "manifest.csv"
    data = src.read(name)
    if data is None:
        package.add(name, 0, "", "", "missing: a OneRoster package starts with manifest.csv", True)
        return
    rows = _decode(package, name, data)
    if rows is None:
        return
    if not rows or tuple(rows[0]) != MANIFEST_HEADER:
        found = ",".join(rows[0]) if rows else ""
        package.add(name, 1, "header", found, "expected exactly 'propertyName,value'", True)
        return
    expected = {"manifest.version", "oneroster.version", *(f"file.{n}" for n in MANIFEST_FILES)}
    optional = {"source.systemName", "source.systemCode"}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            package.add(name, line, "", ",".join(row), f"expected 2 columns, found {len(row)}", True)
            continue
        prop, value = row
        if prop in package.manifest:
            package.add(name, line, prop, value, "duplicate property", True)
            continue
        if prop not in expected and prop not in optional:
            package.add(name, line, prop, value, "unknown property", True)
            continue
        package.manifest[prop] = value
        if prop == "manifest.version" and value != MANIFEST_VERSION:
            package.add(name, line, prop, value, f"expected {MANIFEST_VERSION!r}", True)
        elif prop == "oneroster.version" and value != ONEROSTER_VERSION:
            package.add(name, line, prop, value, f"expected {ONEROSTER_VERSION!r}", True)
        elif prop.startswith("file.") and value not in MANIFEST_MODES:
            package.add(name, line, prop, value, "expected one of absent, bulk, delta", True)
    for prop in sorted(expected - set(package.manifest)):
        package.add(name, 0, "", "", f"missing line {prop!r}", True)
    for entity in MANIFEST_FILES:
        if entity not in HEADERS and package.manifest.get(f"file.{entity}", "absent") != "absent":
            package.add(
                name,
                0,
                f"file.{entity}",
                package.manifest[f"file.{entity}"],
                "not a rostering file: not read by Socle",
            )


def _check_table(package: Package, entity: str, name: str, rows: list[list[str]], mode: str) -> None:
    core = HEADERS[entity]
    if not rows:
        package.add(name, 1, "header", "", "empty file: the header line is missing", True)
        return
    header = rows[0]
    for index, column in enumerate(core):
        found = header[index] if index < len(header) else ""
        if found != column:
            package.add(name, 1, "header", found, f"column {index + 1} must be {column!r}", True)
            return
    for column in header[len(core) :]:
        if not column.startswith(METADATA_PREFIX):
            package.add(
                name,
                1,
                "header",
                column,
                f"extension columns after the {len(core)} core columns must start with 'metadata.'",
                True,
            )
            return
    table: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, values in enumerate(rows[1:], start=2):
        if not any(values):
            continue
        if len(values) != len(header):
            package.add(name, line, "", "", f"expected {len(header)} columns, found {len(values)}")
            continue
        row = dict(zip(header, values, strict=True))
        _check_row(package, entity, name, line, row, mode)
        sourced_id = row["sourcedId"]
        if sourced_id in seen:
            package.add(
                name, line, "sourcedId", sourced_id, f"duplicate sourcedId (first on line {seen[sourced_id]})"
            )
        elif sourced_id:
            seen[sourced_id] = line
        table.append((line, row))
    package.tables[entity] = table


def _check_row(package: Package, entity: str, name: str, line: int, row: dict, mode: str) -> None:
    def bad(column: str, reason: str) -> None:
        package.add(name, line, column, row[column], reason)

    if not row["sourcedId"]:
        bad("sourcedId", "required")
    if mode == "delta":
        for column in ("status", "dateLastModified"):
            if not row[column]:
                bad(column, "required in a delta file")
    if row["status"] and row["status"] not in STATUSES:
        bad("status", "unknown value: expected one of active, tobedeleted")
    for column in REQUIRED[entity]:
        if not row[column]:
            bad(column, "required")
    for (file_entity, column), vocabulary in VOCABULARIES.items():
        if file_entity == entity and row[column] and row[column] not in vocabulary:
            bad(column, f"unknown value: expected one of {', '.join(vocabulary)}")
    for column in HEADERS[entity]:
        value = row[column]
        if not value:
            continue
        if column in DATETIME_COLUMNS and not DATETIME_RE.match(value):
            bad(column, "expected an ISO 8601 date-time in UTC, e.g. 2025-09-01T08:00:00.000Z")
        elif column in DATE_COLUMNS and not _is_date(value):
            bad(column, "expected a date YYYY-MM-DD")
        elif (entity, column) in BOOLEAN_COLUMNS and value not in ("true", "false"):
            bad(column, "expected true or false")
        elif (entity, column) in YEAR_COLUMNS and not YEAR_RE.match(value):
            bad(column, "expected a 4-digit year (the school year's end year)")
        elif column == "grades":
            unknown = [grade for grade in value.split(",") if grade.strip() not in GRADES]
            if unknown:
                package.add(name, line, column, value, f"unknown grade {unknown[0]!r}: expected CEDS codes")
    if entity == "orgs" and row["type"] == "school" and row["identifier"]:
        problem = uai_problem(row["identifier"])
        if problem:
            bad("identifier", f"not a UAI: {problem}")
    if (
        entity == "academicSessions"
        and _is_date(row["startDate"])
        and _is_date(row["endDate"])
        and row["endDate"] < row["startDate"]
    ):
        bad("endDate", "before startDate")


def _is_date(value: str) -> bool:
    import datetime as dt

    if not DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_references(package: Package) -> None:
    ids = {entity: {row["sourcedId"] for _, row in rows} for entity, rows in package.tables.items()}
    for (entity, column), targets in REFERENCES.items():
        if entity not in package.tables:
            continue
        name = f"{entity}.csv"
        for target in targets:
            # A delta file may point to records the receiver already holds: checked at import.
            if package.mode(entity) != "bulk" or package.mode(target) != "bulk":
                continue
            known = ids.get(target, set())
            for line, row in package.tables[entity]:
                value = row[column]
                if not value:
                    continue
                refs = [ref.strip() for ref in value.split(",")] if column in LIST_COLUMNS else [value]
                for ref in refs:
                    if ref not in known:
                        package.add(
                            name, line, column, ref, f"dangling reference: no such sourcedId in {target}.csv"
                        )


def summary_by_file(package: Package) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for issue in package.issues:
        counts[issue.file] += 1
    return dict(counts)
