"""`socle import-pix FILE`: the Pix Orga campaign exports, through `socle.core.importing`.

Two real layouts of Pix Orga's "Exporter les résultats" (1024pix/pix, api/src/prescription/
campaign/infrastructure/serializers/csv/), `;`-separated, every text quoted, UTF-8 with a BOM:

- **collecte de profils** (profiles collection): one row per participant — "Nom de
  l'organisation"; "ID Campagne"; "Code"; "Nom de la campagne"; "Nom du Participant"; "Prénom du
  Participant"; ["Classe"]; [the campaign's external id, e.g. "INE"]; "Envoi (O/N)"; "Date et
  heure de l'envoi (Europe/Paris)" (older exports: "Date de l'envoi"); "Nombre de pix total";
  "Certifiable (O/N)"; "Nombre de compétences certifiables"; then for each competence
  "Niveau pour la compétence <nom>" and "Nombre de pix pour la compétence <nom>". A participant
  who has not sent their profile has "Non" and "NA" everywhere: counted, not an error.
- **évaluation** (assessment) campaign, read only as one of the three 6e parcours
  (`--parcours-6e N`): "Partage (O/N)" and "Date du partage" say the parcours was completed.

Pupils are identified by the campaign's external id column: an INE (column "INE", "Numéro INE",
"Identifiant unique"…) or the Référentiel's public person identifier (column "Identifiant
Socle", a UUID, as OneRoster's sourcedId) — or by the column named with `--id-column`. Names
in the file are not read: the Référentiel already knows the pupil (data entered once).

Every bad row is rejected with its line, column and reason; a file whose header is not one of
these layouts is fatal (nothing written). The file is read as a stream and written in batches of
`batch_size` participants, so memory does not depend on the file's size."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import psycopg
from django.db import connection
from django.utils import timezone

from socle.core.importing import FatalImportError, ImportReport, Problem, length_problem, read_csv, run_import
from socle.referentiel import services as referentiel

from .. import crcn
from ..reference import ensure_current

KIND = "pix"  # core.ImportRun.kind, and the lock's name: one Pix import at a time
PARIS = ZoneInfo("Europe/Paris")
NOT_AVAILABLE = "NA"  # Pix's placeholder for a profile not sent
MAX_LABEL = 200

PROFILES = "profiles"
PARCOURS = "parcours"

# Recognised names of the identifying column (compared without accents, case or spacing).
INE_COLUMNS = (
    "ine",
    "numero ine",
    "n° ine",
    "no ine",
    "ine de l'eleve",
    "identifiant national eleve",
    "identifiant national",
    "identifiant unique",
)
UID_COLUMNS = ("identifiant socle", "identifiant referentiel", "sourcedid")

_LEVEL_PREFIX = "niveau pour la competence "
_PIX_PREFIX = "nombre de pix pour la competence "
_CODE_PREFIX = re.compile(r"^([1-5]\.[1-4])\s*[-–—:.]?\s*")


def norm(text: str) -> str:
    """A header or value compared the way a person reads it: no accents, no case, typographic
    apostrophes as ', runs of spaces as one."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'").replace("\u00a0", " ")
    return " ".join(text.casefold().split())


# --- Header ------------------------------------------------------------------------------------
@dataclass
class Layout:
    kind: str  # PROFILES or PARCOURS
    width: int
    names: list[str]  # the header as written (for messages)
    id_index: int
    campaign_code: int | None = None
    campaign_name: int | None = None
    shared: int = -1
    shared_at: int = -1
    total_pix: int | None = None
    certifiable: int | None = None
    certifiable_count: int | None = None
    # competence code → (level column, pix column)
    competences: dict[str, tuple[int, int]] = field(default_factory=dict)


def competence_names(competences: list[tuple[str, str]]) -> dict[str, str]:
    """Normalised competence name (with or without its code) → code."""
    names = {}
    for code, label in competences:
        names[norm(label)] = code
        names[norm(f"{code} {label}")] = code
    return names


def _competence_code(name: str, names: dict[str, str]) -> str | None:
    key = norm(name).rstrip(" .")
    if key in names:
        return names[key]
    match = _CODE_PREFIX.match(key)
    return match.group(1) if match and match.group(1) in names.values() else None


def parse_header(
    fields: list[str],
    file: str,
    competences: list[tuple[str, str]],
    *,
    parcours: int | None = None,
    id_column: str | None = None,
) -> tuple[Layout, list[str]]:
    """The layout of a Pix Orga export from its header line, and notices (ignored columns).
    Raises FatalImportError (line 1) naming what is missing or ambiguous."""
    keys = [norm(name) for name in fields]
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key and key in seen:
            raise FatalImportError(file, 1, f"column {fields[index]!r} appears twice in the header")
        seen[key] = index
    if not any(keys):
        raise FatalImportError(
            file, 1, "the header line is empty: a Pix Orga export starts with its column names"
        )

    def find(*candidates: str) -> int | None:
        return next((seen[c] for c in candidates if c in seen), None)

    is_profiles = "envoi (o/n)" in seen
    is_assessment = "partage (o/n)" in seen
    if is_profiles and parcours is not None:
        raise FatalImportError(
            file, 1, "--parcours-6e is for an assessment campaign export, this is a profiles collection"
        )
    if not is_profiles and not is_assessment:
        raise FatalImportError(
            file,
            1,
            "not a Pix Orga campaign export: expected the column 'Envoi (O/N)' (profiles collection) "
            "or 'Partage (O/N)' (assessment campaign)",
        )
    if is_assessment and parcours is None:
        raise FatalImportError(
            file,
            1,
            "an assessment campaign export is read only as a 6e parcours: give --parcours-6e 1, 2 or 3",
        )

    # The identifying column.
    if id_column:
        id_index = seen.get(norm(id_column))
        if id_index is None:
            raise FatalImportError(file, 1, f"no column {id_column!r} (given by --id-column) in the header")
    else:
        id_index = find(*INE_COLUMNS, *UID_COLUMNS)
        if id_index is None:
            raise FatalImportError(
                file,
                1,
                "no column identifies the pupils: the campaign's external id must be the INE (column "
                "'INE') or the Socle identifier (column 'Identifiant Socle'); name another column "
                "with --id-column",
            )
    layout = Layout(
        kind=PROFILES if is_profiles else PARCOURS,
        width=len(fields),
        names=list(fields),
        id_index=id_index,
        campaign_code=find("code", "code de la campagne", "code campagne"),
        campaign_name=find("nom de la campagne"),
    )
    notices: list[str] = []
    if is_assessment:
        layout.shared = seen["partage (o/n)"]
        shared_at = find("date du partage", "date et heure du partage (europe/paris)")
        if shared_at is None:
            raise FatalImportError(file, 1, "missing column 'Date du partage'")
        layout.shared_at = shared_at
        return layout, notices

    layout.shared = seen["envoi (o/n)"]
    shared_at = find("date et heure de l'envoi (europe/paris)", "date de l'envoi")
    total = find("nombre de pix total")
    missing = [
        name
        for name, index in (
            ("Date et heure de l'envoi (Europe/Paris)", shared_at),
            ("Nombre de pix total", total),
        )
        if index is None
    ]
    if missing:
        raise FatalImportError(file, 1, "missing column(s): " + ", ".join(repr(m) for m in missing))
    layout.shared_at, layout.total_pix = shared_at, total
    layout.certifiable = find("certifiable (o/n)")
    layout.certifiable_count = find("nombre de competences certifiables")
    names = competence_names(competences)
    levels: dict[str, int] = {}
    pix: dict[str, int] = {}
    for index, key in enumerate(keys):
        for prefix, target in ((_LEVEL_PREFIX, levels), (_PIX_PREFIX, pix)):
            if key.startswith(prefix):
                code = _competence_code(fields[index].strip()[len(prefix) :], names)
                if code is None:
                    notices.append(f"column {fields[index]!r} names no CRCN competence: ignored")
                elif code in target:
                    raise FatalImportError(file, 1, f"two columns for competence {code}: {fields[index]!r}")
                else:
                    target[code] = index
    expected = [code for code, _label in competences]
    absent = [code for code in expected if code not in levels or code not in pix]
    if absent:
        labels = dict(competences)
        described = ", ".join(f"{code} {labels[code]}" for code in absent)
        raise FatalImportError(
            file,
            1,
            f"missing the level or pix column of {len(absent)} competence(s): {described} "
            "(expected 'Niveau pour la compétence …' and 'Nombre de pix pour la compétence …')",
        )
    layout.competences = {code: (levels[code], pix[code]) for code in expected}
    return layout, notices


# --- Rows --------------------------------------------------------------------------------------
@dataclass
class Row:
    line: int
    identifier: str  # INE (upper case) or uid string
    by_ine: bool
    shared_at: dt.datetime
    campaign: str
    total_pix: int = 0
    certifiable: bool | None = None
    certifiable_count: int | None = None
    competences: dict[str, list[int]] = field(default_factory=dict)
    notice: str = ""


class NotShared(Exception):
    """The participant has not sent (shared) their results: nothing to import, not an error."""


_DATE_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)


def parse_datetime(value: str) -> dt.datetime | None:
    """A Pix export date ("02/03/2019 00:04", Europe/Paris; older exports "2019-03-01"), aware."""
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=PARIS)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def _yes_no(value: str) -> bool | None:
    key = norm(value)
    if key in ("oui", "o", "yes", "y"):
        return True
    if key in ("non", "n", "no"):
        return False
    return None


_LEVELS = {str(n): n for n in range(crcn.MAX_LEVEL + 1)}
_PIX = {str(n): n for n in range(crcn.MAX_PIX_PER_COMPETENCE + 1)}


def _integer(name: str, value: str, low: int, high: int) -> int | Problem:
    text = value.strip()
    # The usual case first, without a regular expression: this runs 34 times per row.
    if text.isascii() and text.isdigit() and len(text) <= 5:
        number = int(text)
        if low <= number <= high:
            return number
        return Problem(name, value, f"expected a number from {low} to {high}, got {number}")
    if text == NOT_AVAILABLE or not text:
        return Problem(
            name, value, f"expected a number from {low} to {high}, got {'NA' if text else 'nothing'}"
        )
    return Problem(name, value, f"expected a whole number from {low} to {high}")


def _identifier(layout: Layout, value: str) -> tuple[str, bool] | Problem:
    name = layout.names[layout.id_index]
    text = value.strip()
    if not text:
        return Problem(name, value, "empty: the pupil cannot be identified")
    if referentiel.is_plausible_ine(text.upper()):
        return text.upper(), True
    try:
        return str(uuid.UUID(text)), False
    except ValueError:
        return Problem(
            name,
            value,
            "expected an INE (11 characters: 9 digits, then a digit or letter, then a letter) or a "
            "Socle person identifier (UUID)",
        )


def parse_row(layout: Layout, line: int, fields: list[str], *, now: dt.datetime | None = None) -> Row:
    """One participant's row as a Row; raises NotShared (profile not sent: nothing to import) or
    RowRejected (with the Problem: column, value, reason). Pure: no database."""
    if len(fields) != layout.width:
        raise RowRejected(
            Problem("", "", f"{len(fields)} field(s) on this line, the header has {layout.width}")
        )
    identifier = _identifier(layout, fields[layout.id_index])
    if isinstance(identifier, Problem):
        raise RowRejected(identifier)
    shared_name = layout.names[layout.shared]
    shared = _yes_no(fields[layout.shared])
    if shared is None:
        raise RowRejected(Problem(shared_name, fields[layout.shared], "expected 'Oui' or 'Non'"))
    if not shared:
        raise NotShared
    date_name = layout.names[layout.shared_at]
    shared_at = parse_datetime(fields[layout.shared_at])
    if shared_at is None:
        raise RowRejected(
            Problem(date_name, fields[layout.shared_at], "expected a date such as '02/03/2026 14:05'")
        )
    now = now or timezone.now()
    if shared_at > now + dt.timedelta(days=1):
        raise RowRejected(Problem(date_name, fields[layout.shared_at], "a date in the future"))
    campaign, campaign_index = "", None
    for index in (layout.campaign_code, layout.campaign_name):
        if index is not None and fields[index].strip():
            campaign, campaign_index = fields[index].strip(), index
            break
    too_long = (
        length_problem(layout.names[campaign_index], campaign, MAX_LABEL)
        if campaign_index is not None
        else None
    )
    if too_long:
        raise RowRejected(too_long)
    row = Row(line, identifier[0], identifier[1], shared_at, campaign)
    if layout.kind == PARCOURS:
        return row
    total = _integer(layout.names[layout.total_pix], fields[layout.total_pix], 0, crcn.MAX_PIX)
    if isinstance(total, Problem):
        raise RowRejected(total)
    row.total_pix = total
    if layout.certifiable is not None:
        value = fields[layout.certifiable]
        row.certifiable = _yes_no(value)
        if row.certifiable is None and value.strip():
            raise RowRejected(Problem(layout.names[layout.certifiable], value, "expected 'Oui' or 'Non'"))
    if layout.certifiable_count is not None and fields[layout.certifiable_count].strip():
        count = _integer(
            layout.names[layout.certifiable_count], fields[layout.certifiable_count], 0, crcn.COMPETENCE_COUNT
        )
        if isinstance(count, Problem):
            raise RowRejected(count)
        row.certifiable_count = count
    total_of_competences = 0
    for code, (level_index, pix_index) in layout.competences.items():
        # Fast path (a million rows × 16 competences): exact spellings of valid values only.
        level = _LEVELS.get(fields[level_index])
        pix = _PIX.get(fields[pix_index])
        if level is None or pix is None or level * crcn.PIX_PER_LEVEL > pix:
            level = _integer(layout.names[level_index], fields[level_index], 0, crcn.MAX_LEVEL)
            if isinstance(level, Problem):
                raise RowRejected(level)
            pix = _integer(layout.names[pix_index], fields[pix_index], 0, crcn.MAX_PIX_PER_COMPETENCE)
            if isinstance(pix, Problem):
                raise RowRejected(pix)
            problem = crcn.level_problem(level, pix)
            if problem:
                raise RowRejected(Problem(layout.names[level_index], fields[level_index], problem))
        row.competences[code] = [level, pix]
        total_of_competences += pix
    if total_of_competences != row.total_pix:
        row.notice = (
            f"line {line}: 'Nombre de pix total' is {row.total_pix}, the competences add up to "
            f"{total_of_competences}: the competences' pix are kept"
        )
        row.total_pix = total_of_competences
    return row


class RowRejected(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem


# --- Writing -----------------------------------------------------------------------------------
def _sniff_delimiter(path: Path) -> str:
    """Pix writes ';'. A file re-saved by a spreadsheet may use ','."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(64 * 1024)
    except OSError:
        return ";"  # read_csv reports the unreadable file
    return "," if first.count(b",") > first.count(b";") else ";"


def _db_values(model, names: list[str], values: list) -> list:
    return [
        model._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in zip(names, values, strict=True)
    ]


def _upsert(model, names: list[str], rows: list[list], *, conflict: str, newer: str) -> None:
    """INSERT … ON CONFLICT (conflict) DO UPDATE … WHERE the stored `newer` is not more recent
    (PostgreSQL and SQLite ≥ 3.24 alike): an older result never replaces a newer one, whoever
    wrote it (this import, another file, the provider API)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in names]
    quoted = [connection.ops.quote_name(f.column) for f in fields]
    updates = ", ".join(
        f"{q} = excluded.{q}" for q, f in zip(quoted, fields, strict=True) if f.column != conflict
    )
    newer_column = connection.ops.quote_name(model._meta.get_field(newer).column)
    on_conflict = (
        f"ON CONFLICT ({connection.ops.quote_name(conflict)}) DO UPDATE SET {updates} "
        f"WHERE {table}.{newer_column} <= excluded.{newer_column}"
    )
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        # One parameter per column (an array), whatever the batch size: no statement of
        # thousands of placeholders to build and parse. Identifiers come from the model.
        types = ["text" if f.get_internal_type() == "JSONField" else f.db_type(connection) for f in fields]
        arrays = ", ".join(f"%b::{t}[]" for t in types)
        aliases = [f"c{i}" for i in range(len(fields))]
        selected = ", ".join(
            f"{a}::jsonb" if f.get_internal_type() == "JSONField" else a
            for a, f in zip(aliases, fields, strict=True)
        )
        columns = [[row[i] for row in rows] for i in range(len(fields))]
        for i, field in enumerate(fields):
            if field.get_internal_type() == "JSONField":
                columns[i] = [orjson.dumps(v).decode() for v in columns[i]]
        # A server-side-binding cursor on Django's connection (same transaction): the arrays
        # go as binary parameters instead of being quoted into the SQL text.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) SELECT {selected} "  # noqa: S608
                f"FROM unnest({arrays}) AS u({', '.join(aliases)}) {on_conflict}",
                columns,
            )
        return
    with connection.cursor() as cursor:
        placeholder = "(" + ", ".join(["%s"] * len(names)) + ")"
        chunk = max(1, min(500, 30000 // len(names)))
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join([placeholder] * len(part))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {values} {on_conflict}",  # noqa: S608
                [value for row in part for value in _db_values(model, names, row)],
            )


class PixImporter:
    """Reads one export; `report` gets counts, notices and every rejection."""

    def __init__(self, report: ImportReport, path: Path, *, parcours: int | None, id_column: str | None,
                 batch_size: int):  # fmt: skip
        self.report = report
        self.path = path
        self.file = path.name
        self.parcours = parcours
        self.id_column = id_column
        self.batch_size = batch_size
        self.framework = ensure_current()
        self.competences = list(self.framework.competences.order_by("position").values_list("code", "label"))
        self.now = timezone.now()

    def run(self) -> None:
        records = read_csv(
            self.path,
            self.file,
            delimiter=_sniff_delimiter(self.path),
            encoding_hint=" — Pix Orga exports are UTF-8; re-export the file rather than re-saving it",
        )
        header = next(records, None)
        if header is None:
            raise FatalImportError(
                self.file, 1, "the file is empty: a Pix Orga export starts with its header line"
            )
        if header.problem:
            raise FatalImportError(self.file, 1, header.problem.reason)
        self.layout, notices = parse_header(
            header.fields, self.file, self.competences, parcours=self.parcours, id_column=self.id_column
        )
        for notice in notices:
            self.report.notice(notice)
        batch: list[Row] = []
        for record in records:
            self.report.count("rows read")
            if record.problem is not None:
                self.report.reject_problem(self.file, record.line, record.problem)
                continue
            if record.is_empty:
                self.report.reject(self.file, record.line, "", "", "empty line")
                continue
            try:
                row = parse_row(self.layout, record.line, record.fields, now=self.now)
            except NotShared:
                self.report.count("not sent (nothing to import)")
                continue
            except RowRejected as rejected:
                self.report.reject_problem(self.file, record.line, rejected.problem)
                continue
            if row.notice:
                self.report.notice(row.notice)
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._write(batch)
                batch = []
        self._write(batch)

    def _resolve(self, batch: list[Row]) -> dict[tuple[bool, str], referentiel.PupilPlacement]:
        ines = [row.identifier for row in batch if row.by_ine]
        uids = [row.identifier for row in batch if not row.by_ine]
        found = {}
        for placement in referentiel.placements_of_pupils(ines=ines, uids=uids):
            if placement.ine:
                found[(True, placement.ine)] = placement
            found[(False, str(placement.uid))] = placement
        return found

    def _write(self, batch: list[Row]) -> None:
        if not batch:
            return
        placements = self._resolve(batch)
        latest: dict[str, tuple[Row, referentiel.PupilPlacement]] = {}
        id_name = self.layout.names[self.layout.id_index]
        for row in batch:
            placement = placements.get((row.by_ine, row.identifier))
            if placement is None:
                reason = (
                    "no pupil with this INE in the Référentiel"
                    if row.by_ine
                    else "no person with this identifier in the Référentiel"
                )
                self.report.reject(self.file, row.line, id_name, row.identifier, reason)
                continue
            key = str(placement.uid)
            kept = latest.get(key)
            if kept is not None:
                self.report.count("earlier rows of the same participant (latest kept)")
                if kept[0].shared_at > row.shared_at:
                    continue
            latest[key] = (row, placement)
        if self.layout.kind == PROFILES:
            self._write_profiles(latest)
        else:
            self._write_parcours(latest)

    def _existing(self, model, uids: list[str], **filters) -> dict[str, dt.datetime]:
        date = "shared_at" if model.__name__ == "PixProfile" else "completed_at"
        rows = model.objects.filter(person_uid__in=uids, **filters).values_list("person_uid", date)
        return {str(uid): when for uid, when in rows}

    def _write_profiles(self, latest) -> None:
        from ..models import PixProfile, Source

        existing = self._existing(PixProfile, list(latest))
        names = [
            "person_uid", "framework", "competences", "total_pix", "certifiable", "certifiable_competences",
            "shared_at", "school_uai", "school_year", "class_level", "source", "source_label", "updated_at",
        ]  # fmt: skip
        values = []
        for uid, (row, placement) in latest.items():
            before = existing.get(uid)
            if before is None:
                self.report.count("profiles created")
            elif before <= row.shared_at:
                self.report.count("profiles updated")
            else:
                self.report.count("older than the stored profile (kept)")
                continue
            if not placement.uai:
                self.report.count("pupils not enrolled in a class today (stored without a school)")
            values.append(
                [
                    uuid.UUID(uid), self.framework.pk, row.competences,
                    row.total_pix, row.certifiable, row.certifiable_count, row.shared_at, placement.uai,
                    placement.school_year, placement.class_level, Source.PIX_ORGA, row.campaign, self.now,
                ]
            )  # fmt: skip
        names_for_prep = [("framework_id" if n == "framework" else n) for n in names]
        _upsert(PixProfile, names_for_prep, values, conflict="person_uid", newer="shared_at")

    def _write_parcours(self, latest) -> None:
        from ..models import ParcoursCompletion, Source

        existing = self._existing(ParcoursCompletion, list(latest), parcours=self.parcours)
        names = [
            "person_uid", "parcours", "completed_at", "school_uai", "school_year", "class_level",
            "source", "source_label",
        ]  # fmt: skip
        values = []
        for uid, (row, placement) in latest.items():
            before = existing.get(uid)
            if before is None:
                self.report.count(f"parcours {self.parcours} completions recorded")
            else:
                self.report.count(f"parcours {self.parcours} already recorded")
                continue
            values.append(
                [
                    uuid.UUID(uid), self.parcours, row.shared_at, placement.uai, placement.school_year,
                    placement.class_level, Source.PIX_ORGA, row.campaign,
                ]
            )  # fmt: skip
        if values:
            ParcoursCompletion.objects.bulk_create(
                [ParcoursCompletion(**dict(zip(names, value, strict=True))) for value in values],
                ignore_conflicts=True,
            )


def import_pix(
    path,
    *,
    dry_run: bool = False,
    wait: float | None = None,
    actor=None,
    actor_label: str = "",
    parcours_6e: int | None = None,
    id_column: str | None = None,
    batch_size: int = 1000,
) -> ImportReport:
    """Import one Pix Orga export. Never raises for bad input: read `report.fatal`."""
    path = Path(path)
    report = ImportReport(KIND, str(path), actor=actor, actor_label=actor_label)
    if parcours_6e is not None and parcours_6e not in crcn.PARCOURS_6E:
        report.fatal = FatalImportError(path.name, 0, f"--parcours-6e is 1, 2 or 3, got {parcours_6e}")
        report.finish()
        return report

    def body(report: ImportReport) -> None:
        PixImporter(report, path, parcours=parcours_6e, id_column=id_column, batch_size=batch_size).run()

    return run_import(report, body, lock=KIND, file=path.name, dry_run=dry_run, wait=wait)
