"""`socle.core.importing`: the shared machinery of every importer (Annuaire, AAF, OneRoster, and
the bricks to come: Pix, equipment inventories…). An importer converts its format; this
package makes every import behave the same way for the operator:

- **one run = one transaction** under a **per-source lock**: a second import of the same source
  waits (`wait` seconds) then refuses with a clear message — never two writers at once;
- a **fatal error** (`FatalImportError`: the input as a whole cannot be trusted) writes nothing
  but the report, and the printed report shows no counts of work that never happened;
- every **rejected record** is reported with file, line, field, value and reason
  (`ImportReport.reject`), never only the first, and stored (`core.ImportRejection`);
- a **dry run** does everything, then rolls everything back; its report says what would change;
- **limits** (`Limits`): a value too long for its field is a rejected record, never cut; a huge
  line is a rejected row read in constant memory; an archive that expands too much is refused;
- the **complete-feed rule** (`Coverage`, `MassEndGuard`): a rejected or unreadable record is
  never "absent", and a run that would end too large a share of a scope's links stops until an
  operator confirms (`--confirm-mass-end`).

How a new importer uses it::

    from socle.core.importing import (
        FatalImportError, ImportReport, add_import_arguments, read_csv, run_import,
    )

    KIND = "pix"  # ImportRun.kind, and the lock's name: one Pix import at a time

    def import_pix(path, *, dry_run=False, wait=None, actor=None, actor_label="") -> ImportReport:
        report = ImportReport(KIND, str(path), actor=actor, actor_label=actor_label)

        def body(report: ImportReport) -> None:   # runs inside the transaction
            records = read_csv(path, path.name, delimiter=";")
            header = next(records, None)
            if header is None or header.problem:
                raise FatalImportError(path.name, 1, "a header line is expected")
            for record in records:
                if record.problem or record.is_empty:       # unreadable or blank: rejected
                    problem = record.problem
                    report.reject(path.name, record.line, "", "",
                                  problem.reason if problem else "empty line")
                    continue
                ...  # convert; `report.reject(file, line, field, value, reason)` per bad record
                report.count("results")

        return run_import(report, body, lock=KIND, file=path.name, dry_run=dry_run, wait=wait)

    # management command: add_import_arguments(parser) gives --dry-run, --wait, --actor and
    # --confirm-mass-end; print report.lines(title); raise CommandError(str(report.fatal),
    # returncode=2) when report.fatal.

`run_import` never raises for bad input: the caller reads `report.fatal`. Archives:
`open_archive(path)` then `read_csv(archive.open("results.csv"), "results.csv")`. Field
lengths: `length_problem(field, value, max_chars)` returns a Problem to reject, never a cut
value. Bricks that write the Référentiel go through `socle.referentiel.ingest`, which applies
the complete-feed rule itself."""

from .archives import SafeArchive, open_archive
from .coverage import Coverage, MassEndGuard
from .csvfiles import CsvRecord, read_csv
from .errors import FatalImportError, ImportLocked, MassEndRefused, Problem, Rejection
from .limits import Limits, default_limits, length_problem
from .locks import source_lock
from .report import ImportReport
from .runner import run_import

__all__ = [
    "Coverage",
    "CsvRecord",
    "FatalImportError",
    "ImportLocked",
    "ImportReport",
    "Limits",
    "MassEndGuard",
    "MassEndRefused",
    "Problem",
    "Rejection",
    "SafeArchive",
    "add_import_arguments",
    "default_limits",
    "length_problem",
    "open_archive",
    "read_csv",
    "run_import",
    "source_lock",
]


def add_import_arguments(parser, *, mass_end: bool = True) -> None:
    """The options every import command shares: --dry-run, --wait, --actor (and
    --confirm-mass-end for complete feeds that may end links)."""
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    parser.add_argument(
        "--wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="if another import of the same source is running, wait this long for it, then refuse "
        "(default: settings.SOCLE_IMPORT_LOCK_WAIT, 0 = refuse at once)",
    )
    parser.add_argument("--actor", default="", help="who runs the import (default: the OS user)")
    if mass_end:
        parser.add_argument(
            "--confirm-mass-end",
            action="store_true",
            help="allow ending more than SOCLE_IMPORT_MASS_END_SHARE (default 20 %%) of a school's links",
        )
