"""CSV import of declarations: one line per school and school year, equipment and Pix columns.

Every line is checked before anything is written; a file with a single rejected line writes
nothing, and the report lists every rejected value with its line, column, the value read and
what was expected. The standard library's csv module reads the file (it handles quoting and
both separators); the checks are the collecte's own (`services.parse_value`/`cross_check`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from socle.core import csv_safe
from socle.referentiel import services as referentiel

from . import services
from .models import EQUIPMENT_FIELDS, PIX_FIELDS, DeclarationKind, DeclarationSource

COLUMNS = ("uai", "vintage", *EQUIPMENT_FIELDS, *PIX_FIELDS)
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class LineError:
    line: int  # 1 = the header line
    column: str
    value: str
    expected: str


@dataclass
class ImportReport:
    filename: str
    lines: int = 0
    errors: list[LineError] = field(default_factory=list)
    created: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_csv() -> str:
    """The downloadable template: the header and one example line."""
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    example = {
        "uai": "0350001A",
        "vintage": services.current_vintage(),
        "computers_pupils": "120",
        "projection_systems": "30",
        "mobile_device_sets": "2",
        "mobile_terminals": "30",
        "teaching_rooms": "32",
        "teaching_rooms_wifi": "28",
        "wifi_switchable": "oui",
        "bandwidth_class": "100_1000",
        "ent_available": "oui",
        "teachers_pix_edu": "4",
        "pupils_6e_pix_attestation": "140",
        "pupils_3e_pix_certified": "",
        "pupils_terminale_pix_certified": "",
    }
    writer.writerow([example[name] for name in COLUMNS])
    return out.getvalue()


def _decode(data: bytes, report: ImportReport) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.errors.append(LineError(line, "", repr(data[error.start : error.start + 4]), _("UTF-8 text")))
        return None


def import_declarations(user, data: bytes, filename: str = "upload.csv") -> ImportReport:
    """Check every line of `data` and, if all are valid, write them in one transaction."""
    report = ImportReport(filename)
    if len(data) > MAX_BYTES:
        report.errors.append(
            LineError(0, "", f"{len(data)} bytes", _("a file of at most %(max)s bytes") % {"max": MAX_BYTES})
        )
        return report
    text = _decode(data, report)
    if text is None:
        return report
    if not text.strip():
        report.errors.append(
            LineError(1, "", "", _("a header line: %(columns)s") % {"columns": ";".join(COLUMNS)})
        )
        return report
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in ("uai", "vintage") if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    duplicates = {name for name in header if header.count(name) > 1}
    for name in missing:
        report.errors.append(LineError(1, name, "", _("a column %(name)s") % {"name": name}))
    for name in unknown:
        report.errors.append(
            LineError(1, name, name, _("a known column: %(columns)s") % {"columns": ", ".join(COLUMNS)})
        )
    for name in sorted(duplicates):
        report.errors.append(LineError(1, name, name, _("each column once")))
    if report.errors:
        return report

    rows: list[tuple[str, str, str, dict]] = []
    row_lines: list[int] = []  # the CSV line of each row, for the errors found after the loop
    seen: dict[tuple[str, str], int] = {}
    schools_cache: dict[str, object] = {}
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        report.lines += 1
        if len(cells) != len(header):
            report.errors.append(
                LineError(
                    line_number,
                    "",
                    delimiter.join(cells),
                    _("%(count)s values (one per column)") % {"count": len(header)},
                )
            )
            continue
        raw = dict(zip(header, (cell.strip() for cell in cells), strict=True))
        for row in _check_line(user, line_number, raw, header, seen, schools_cache, report):
            rows.append(row)
            row_lines.append(line_number)
    _check_populations(rows, row_lines, report)
    if report.lines == 0:
        report.errors.append(LineError(2, "", "", _("at least one line of data")))
    if report.errors:
        return report
    report.created = services.write_many(user, rows, DeclarationSource.CSV)
    return report


def _check_line(user, line_number, raw, header, seen, schools_cache, report) -> list:
    errors_before = len(report.errors)
    uai = raw["uai"].upper()
    school = schools_cache.get(uai)
    problem = None
    if school is None:
        try:
            school = schools_cache[uai] = referentiel.school_by_uai(uai)
        except ValueError as error:
            problem = _("a well-formed UAI (%(problem)s)") % {"problem": error}
    if problem or school is None:
        expected = problem or _("the UAI of a school of the registry")
        report.errors.append(LineError(line_number, "uai", raw["uai"], expected))
    elif not services.can_declare(user, school):
        report.errors.append(
            LineError(
                line_number,
                "uai",
                raw["uai"],
                _("a school you may declare for (your collectivité's or yours)"),
            )
        )
    if problem := services.check_vintage(raw["vintage"]):
        report.errors.append(LineError(line_number, "vintage", raw["vintage"], problem.expected))
    key = (uai, raw["vintage"])
    if key in seen:
        report.errors.append(
            LineError(
                line_number,
                "uai",
                raw["uai"],
                _("one line per school and year (already on line %(line)s)") % {"line": seen[key]},
            )
        )
    else:
        seen[key] = line_number
    rows = []
    kinds = [
        (kind, names)
        for kind, names in ((DeclarationKind.EQUIPMENT, EQUIPMENT_FIELDS), (DeclarationKind.PIX, PIX_FIELDS))
        if any(raw.get(name) for name in names if name in header)
    ]
    if not kinds:
        report.errors.append(LineError(line_number, "", "", _("equipment or Pix values")))
    for kind, names in kinds:
        values, problems = services.clean(kind, {name: raw.get(name) for name in names})
        for problem in problems:
            value = raw.get(problem.field)
            report.errors.append(
                LineError(line_number, problem.field, "" if value is None else value, problem.expected)
            )
        rows.append((uai, raw["vintage"], kind, values))
    return rows if len(report.errors) == errors_before else []


def _check_populations(rows: list[tuple[str, str, str, dict]], row_lines: list[int], report) -> None:
    """Pix counts above the Référentiel's populations, checked once the lines are read so that
    the populations are counted in one query per school year rather than per line."""
    by_vintage: dict[str, set[str]] = {}
    for uai, vintage, kind, _values in rows:
        if kind == DeclarationKind.PIX:
            by_vintage.setdefault(vintage, set()).add(uai)
    populations = {v: services.registry_populations(uais, v) for v, uais in by_vintage.items()}
    for (uai, vintage, kind, values), line_number in zip(rows, row_lines, strict=True):
        if kind != DeclarationKind.PIX:
            continue
        for problem in services.population_problems(values, populations[vintage][uai]):
            report.errors.append(LineError(line_number, problem.field, str(problem.value), problem.expected))
    report.errors.sort(key=lambda error: error.line)
