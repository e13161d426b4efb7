"""Import of the Annuaire de l'éducation (data.education.gouv.fr) into the Référentiel.

One run = one database transaction: either every accepted line is written, or (fatal error)
nothing is, except the run's report (ImportRun + ImportRejection), written after the rollback.
Lines are read as a stream and written in batches, so memory does not grow with the file:
what must be remembered across batches (UAIs already seen, multi-line establishments) lives in
temporary tables of the same database session.

Entry point: `import_annuaire(path, full=..., dry_run=...)`; see docs/referentiel-import-annuaire.md."""

import datetime
import getpass
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from socle.core.models import ImportRejection, ImportRun
from socle.referentiel.models import Commune, Departement, Etablissement, SchoolState

from .annuaire_audit import AuditWriter
from .annuaire_errors import FatalImportError, Problem
from .annuaire_reader import read_records, with_last_flag
from .annuaire_rows import UAI, ParsedRow, RowParser, Territory
from .annuaire_schema import resolve_header

KIND = "annuaire"
BATCH_SIZE = 2000
# Temporary table names are built from a random hex suffix, never from input: the f-string SQL
# below (noqa: S608) carries no user data, every value goes through query parameters.
# The printed report and the stored notices are capped; every rejection is still stored.
MAX_REPORTED = 1000
FOREIGN_KEYS = {"commune", "departement", "academie", "region"}
COUNT_KEYS = ("read", "created", "updated", "unchanged", "closed", "rejected", "merged")


@dataclass
class ImportResult:
    run: ImportRun | None
    file: str
    version: str = ""
    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    notices: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    fatal: FatalImportError | None = None
    dry_run: bool = False

    @property
    def succeeded(self) -> bool:
        return self.fatal is None

    def report_lines(self) -> list[str]:
        counts = self.counts
        run = f"run #{self.run.pk}" if self.run and self.run.pk else "dry run, not recorded"
        lines = [f"Annuaire de l'éducation import of {self.file} (schema {self.version or '?'}; {run})"]
        if self.fatal:
            lines += [f"FATAL: {self.fatal}", "Nothing was written."]
        else:
            lines.append(
                ", ".join(f"{key} {counts.get(key, 0)}" for key in COUNT_KEYS)
                + f"; communes created {counts.get('communes_created', 0)}"
                + f", updated {counts.get('communes_updated', 0)}"
            )
            if counts.get("closed_absent"):
                lines.append(f"--full: {counts['closed_absent']} school(s) absent from the file closed")
            if self.dry_run:
                lines.append("Dry run: everything was rolled back.")
        if self.notices:
            lines.append(f"Notices ({len(self.notices)}):")
            lines += [f"  {notice}" for notice in self.notices]
        if self.rejections:
            total = counts.get("rejected", 0)
            lines.append(f"Rejected lines ({total}):")
            lines += [f"  {rejection}" for rejection in self.rejections]
            if counts.get("rejection_reports", 0) > len(self.rejections):
                lines.append(
                    f"  … {counts['rejection_reports'] - len(self.rejections)} more in the stored report"
                )
        return lines


class _DryRunRollback(Exception):
    pass


def import_annuaire(
    path,
    *,
    full: bool = False,
    dry_run: bool = False,
    actor=None,
    actor_label: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import one Annuaire CSV file. Never raises for a bad file: the result says what went
    wrong (`result.fatal`) and the ImportRun records it."""
    path = Path(path)
    if actor_label is None:
        actor_label = actor.get_username() if actor is not None else _os_user()
    importer = _AnnuaireImport(path, full=full, actor=actor, actor_label=actor_label, batch_size=batch_size)
    if not dry_run:
        return importer.run_and_record()
    # A dry run does everything, report included, then rolls it all back.
    try:
        with transaction.atomic():
            result = importer.run_and_record()
            result.dry_run = True
            raise _DryRunRollback
    except _DryRunRollback:
        result.run.pk = None
        return result


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _AnnuaireImport:
    def __init__(self, path: Path, *, full: bool, actor, actor_label: str, batch_size: int):
        self.path = path
        self.file = path.name
        self.full = full
        self.batch_size = batch_size
        self.run = ImportRun(
            kind=KIND, source_name=str(path)[:500], actor=actor, actor_label=actor_label[:150]
        )
        self.result = ImportResult(run=self.run, file=self.file)
        self.counts = self.result.counts
        self.counts.update(communes_created=0, communes_updated=0, rejection_reports=0)
        self.pending_rejections: list[ImportRejection] = []
        self.rejected_seen: list[tuple[str, int, bool]] = []
        self.reported: list[tuple[int, Problem]] = []  # the first MAX_REPORTED, for the printed report
        self.unknown_natures: dict[str, list] = {}
        self.covered_departements: set[str] = set()
        suffix = uuid.uuid4().hex[:10]
        self.seen_table = f"annuaire_seen_{suffix}"
        self.staging_table = f"annuaire_multi_{suffix}"

    # --- Run lifecycle -------------------------------------------------------------------------
    def run_and_record(self) -> ImportResult:
        self.run.save()
        try:
            with transaction.atomic():
                self.execute()
        except FatalImportError as error:
            self.result.fatal = error
        except Exception as error:
            # A bug or a database failure: still rolled back; record it, then let it surface.
            self.result.fatal = FatalImportError(self.file, 0, f"internal error: {error!r}")
            self._drop_temporary_tables()
            self._record_outcome()
            raise
        self._drop_temporary_tables()
        self._record_outcome()
        return self.result

    def _record_outcome(self) -> None:
        run, result = self.run, self.result
        run.finished_at = timezone.now()
        if result.fatal:
            run.outcome = ImportRun.Outcome.FAILED
            run.fatal_error = str(result.fatal)
            # The rolled-back transaction took the stored rejections with it: keep the fatal
            # error and the rejections reported so far (capped), so the report stays complete.
            error = result.fatal
            ImportRejection.objects.bulk_create(
                [
                    *(self._rejection(line, problem) for line, problem in self.reported),
                    self._rejection(error.line, Problem(error.field, error.value, f"FATAL: {error.reason}")),
                ]
            )
        elif self.counts["rejected"]:
            run.outcome = ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS
        else:
            run.outcome = ImportRun.Outcome.SUCCEEDED
        run.counts = {**self.counts, "schema": result.version, "full": self.full, "notices": result.notices}
        run.save()

    # --- The import proper (inside the transaction) ---------------------------------------------
    def execute(self) -> None:
        from socle.referentiel.territories import load_territories

        load_territories()
        territories = {
            code: Territory(academie, region)
            for code, academie, region in Departement.objects.values_list(
                "code", "academie_id", "academie__region_id"
            )
        }
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.audit = AuditWriter(Etablissement, self.run, self.now)

        records = with_last_flag(read_records(self.path, self.file))
        first = next(records, None)
        if first is None:
            raise FatalImportError(self.file, 1, "the file is empty (a header line is expected)")
        header = resolve_header(first[0].fields, self.file)
        self.result.version = header.version
        self.result.notices.extend(header.notices)
        self.managed_fields = header.managed_fields
        self.parser = RowParser(header, territories)
        self._create_temporary_tables()

        batch: list[ParsedRow] = []
        staged: list[tuple] = []
        for record, is_last in records:
            if is_last and len(record.fields) != header.width:
                raise FatalImportError(
                    self.file,
                    record.line,
                    f"truncated file: the last line has {len(record.fields)} fields, "
                    f"the header has {header.width}",
                )
            self.counts["read"] += 1
            row = self.parser.parse(record.line, record.fields)
            if row.problems:
                self._reject_parsed(row)
                continue
            if row.multi_line:
                # Decided at the end, once every line of the establishment has been read.
                staged.append((row.uai, record.line, row.is_annexe, json.dumps(record.fields)))
                if len(staged) >= self.batch_size:
                    self._stage(staged)
                    staged = []
                continue
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._process(batch)
                batch = []
        self._process(batch)
        self._remember(self.rejected_seen)
        self._flush_rejections()
        self._stage(staged)
        self._process_multi_line_establishments()
        if self.full:
            self._close_absent()
        for code, (label, count, line) in sorted(self.unknown_natures.items()):
            self._notice(
                f"{self.file}: nature {code!r} ({label}) is unknown: {count} line(s) imported "
                f"as type 'other', first on line {line}"
            )

    # --- Temporary tables: what must be remembered across batches -------------------------------
    def _create_temporary_tables(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.seen_table} "
                "(uai varchar(8) NOT NULL, line integer NOT NULL, accepted boolean NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX {self.seen_table}_uai ON {self.seen_table} (uai)")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.staging_table} (uai varchar(8) NOT NULL, "
                "line integer NOT NULL, is_annexe boolean NOT NULL, fields text NOT NULL)"
            )

    def _drop_temporary_tables(self) -> None:
        # Rolled back with the transaction after a fatal error; dropped here otherwise.
        with connection.cursor() as cursor:
            for table in (self.seen_table, self.staging_table):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _remember(self, seen: list[tuple[str, int, bool]]) -> None:
        if seen:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.seen_table} (uai, line, accepted) VALUES (%s, %s, %s)",  # noqa: S608
                    seen,
                )

    def _first_lines(self, uais: list[str]) -> dict[str, int]:
        if not uais:
            return {}
        placeholders = ", ".join(["%s"] * len(uais))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT uai, MIN(line) FROM {self.seen_table} "  # noqa: S608
                f"WHERE accepted AND uai IN ({placeholders}) GROUP BY uai",
                uais,
            )
            return dict(cursor.fetchall())

    def _stage(self, staged: list[tuple]) -> None:
        if staged:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.staging_table} (uai, line, is_annexe, fields) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s)",
                    staged,
                )

    def _process_multi_line_establishments(self) -> None:
        """An establishment with several sites has one line per site, all with the same UAI
        (etablissement_multi_lignes / multi_uai = 1). The first line that is not an annexe
        describes the establishment; the others are noted, not imported."""
        offset, batch, current = 0, [], None
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT uai, line, fields FROM {self.staging_table} "  # noqa: S608
                    "ORDER BY uai, is_annexe, line LIMIT %s OFFSET %s",
                    [self.batch_size, offset],
                )
                page = cursor.fetchall()
            if not page:
                break
            offset += len(page)
            for uai, line, fields in page:
                if current is not None and current[0] == uai:
                    self.counts["merged"] += 1
                    self._notice(
                        f"{self.file}: line {line}: {uai} is another line of a multi-line "
                        f"establishment (line {current[1]} kept), not imported"
                    )
                    continue
                current = (uai, line)
                batch.append(self.parser.parse(line, json.loads(fields)))
            if len(batch) >= self.batch_size:
                self._process(batch)
                batch = []
        self._process(batch)

    # --- One batch ------------------------------------------------------------------------------
    def _process(self, rows: list[ParsedRow]) -> None:
        if not rows:
            return
        seen, self.rejected_seen = self.rejected_seen, []
        candidates: list[ParsedRow] = []
        for row in rows:
            if row.problems:
                self._reject_parsed(row)
            else:
                candidates.append(row)
        earlier = self._first_lines([row.uai for row in candidates])
        accepted: list[ParsedRow] = []
        for row in candidates:
            first = earlier.get(row.uai)
            if first is not None:
                self._reject(row.line, [Problem(UAI, row.uai, f"duplicate UAI: already on line {first}")])
                seen.append((row.uai, row.line, False))
                continue
            earlier[row.uai] = row.line
            seen.append((row.uai, row.line, True))
            accepted.append(row)
            if row.unknown_nature:
                code, label = row.unknown_nature
                entry = self.unknown_natures.setdefault(code, [label, 0, row.line])
                entry[1] += 1
        self._remember(seen)
        self._upsert_communes(accepted)
        self._upsert_schools(accepted)
        self.audit.flush()
        self._flush_rejections()

    def _reject_parsed(self, row: ParsedRow) -> None:
        self._reject(row.line, row.problems)
        if len(row.uai) == 8 and UAI not in {problem.field for problem in row.problems}:
            # Present in the file though rejected: --full must not close it.
            self.rejected_seen.append((row.uai, row.line, False))

    def _upsert_communes(self, rows: list[ParsedRow]) -> None:
        wanted = {row.commune[0]: row.commune for row in rows if row.commune}
        existing = Commune.objects.in_bulk(list(wanted))
        to_create, to_update = [], []
        for code, (_, name, departement) in wanted.items():
            commune = existing.get(code)
            if commune is None:
                to_create.append(Commune(code=code, name=name, departement_id=departement))
            elif (commune.name, commune.departement_id) != (name, departement):
                commune.name, commune.departement_id = name, departement
                to_update.append(commune)
        Commune.objects.bulk_create(to_create)
        Commune.objects.bulk_update(to_update, ["name", "departement"])
        self.counts["communes_created"] += len(to_create)
        self.counts["communes_updated"] += len(to_update)

    def _upsert_schools(self, rows: list[ParsedRow]) -> None:
        existing = Etablissement.objects.in_bulk([row.uai for row in rows], field_name="uai")
        fields = self.managed_fields
        to_create, to_update, changed_fields = [], [], set()
        for row in rows:
            self.covered_departements.add(row.values["departement"])
            school = existing.get(row.uai)
            values = {**row.values, "closed_on": self._closed_on(school, row.values["state"])}
            if school is None:
                school = Etablissement(uai=row.uai, date_last_modified=self.now)
                for name in fields:
                    setattr(school, _attname(name), values[name])
                to_create.append(school)
                continue
            changes = {}
            for name in fields:
                old, new = getattr(school, _attname(name)), values[name]
                if old != new:
                    changes[name] = (old, new)
                    setattr(school, _attname(name), new)
            if not changes:
                self.counts["unchanged"] += 1
                continue
            if "state" in changes and values["state"] == SchoolState.CLOSED:
                self.counts["closed"] += 1
            school.date_last_modified = self.now
            to_update.append(school)
            changed_fields.update(changes)
            self.audit.updated(school, changes)
        Etablissement.objects.bulk_create(to_create)
        for school in to_create:
            self.audit.created(school, fields)
        if to_update:
            Etablissement.objects.bulk_update(
                to_update, [*sorted(changed_fields), "date_last_modified"], batch_size=500
            )
        self.counts["created"] += len(to_create)
        self.counts["updated"] += len(to_update)

    def _closed_on(self, school: Etablissement | None, state: str) -> datetime.date | None:
        """The closing date is the day the closure is first recorded; a planned date (to_close)
        entered by hand is kept; an open school has none."""
        current = school.closed_on if school is not None else None
        if state == SchoolState.CLOSED:
            return current or self.today
        if state == SchoolState.TO_CLOSE:
            return current
        return None

    def _close_absent(self) -> None:
        """--full: the file is the whole truth for its départements; a school of those
        départements that it does not list is closed (never deleted)."""
        if not self.covered_departements:
            return
        codes = sorted(self.covered_departements)
        placeholders = ", ".join(["%s"] * len(codes))
        table = Etablissement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id FROM {table} e WHERE e.departement_id IN ({placeholders}) "  # noqa: S608
                f"AND e.state <> %s AND NOT EXISTS (SELECT 1 FROM {self.seen_table} s WHERE s.uai = e.uai) "
                "ORDER BY e.id",
                [*codes, SchoolState.CLOSED],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        for start in range(0, len(ids), self.batch_size):
            schools = Etablissement.objects.in_bulk(ids[start : start + self.batch_size]).values()
            for school in schools:
                changes = {"state": (school.state, SchoolState.CLOSED)}
                closed_on = self._closed_on(school, SchoolState.CLOSED)
                if closed_on != school.closed_on:
                    changes["closed_on"] = (school.closed_on, closed_on)
                school.state, school.closed_on, school.date_last_modified = (
                    SchoolState.CLOSED,
                    closed_on,
                    self.now,
                )
                self.audit.updated(school, changes)
            Etablissement.objects.bulk_update(schools, ["state", "closed_on", "date_last_modified"])
            self.audit.flush()
        self.counts["closed"] += len(ids)
        self.counts["closed_absent"] = len(ids)

    # --- Report ---------------------------------------------------------------------------------
    def _reject(self, line: int, problems: list[Problem]) -> None:
        self.counts["rejected"] += 1
        for problem in problems:
            self.counts["rejection_reports"] += 1
            self.pending_rejections.append(self._rejection(line, problem))
            if len(self.reported) < MAX_REPORTED:
                self.reported.append((line, problem))
                self.result.rejections.append(problem.describe(self.file, line))

    def _rejection(self, line: int, problem: Problem) -> ImportRejection:
        return ImportRejection(
            run=self.run,
            file=self.file,
            line=line,
            field=problem.field[:100],
            value=problem.value,
            reason=problem.reason,
        )

    def _flush_rejections(self) -> None:
        ImportRejection.objects.bulk_create(self.pending_rejections, batch_size=1000)
        self.pending_rejections = []

    def _notice(self, text: str) -> None:
        if len(self.result.notices) < MAX_REPORTED:
            self.result.notices.append(text)


def _attname(name: str) -> str:
    return f"{name}_id" if name in FOREIGN_KEYS else name
