"""`run_import`: the one way an import runs — lock, one transaction, dry run, report."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .errors import FatalImportError
from .locks import source_lock
from .report import ImportReport


class _DryRunRollback(Exception):
    """Raised at the end of a dry run's transaction to roll everything back."""


def run_import(
    report: ImportReport,
    body: Callable[[ImportReport], None],
    *,
    lock: str | None,
    file: str = "",
    dry_run: bool = False,
    wait: float | None = None,
) -> ImportReport:
    """Run `body(report)` under the source's lock, in one transaction, and record the outcome.

    - `FatalImportError` raised by `body` (or by the lock): everything is rolled back, the report
      says why, nothing else is written.
    - `dry_run`: `body` runs to the end, then everything is rolled back; the report keeps the
      counts (what the import would do) and the rejections.
    - Any other exception is a bug or a database failure: rolled back too, recorded as an
      internal error, then re-raised so that it is seen.

    Never raises for bad input: callers read `report.fatal`."""
    try:
        with (
            source_lock(lock, file=file or report.source_name, wait=wait, run=report.run)
            if lock
            else (_no_lock()) as waited
        ):
            if waited >= 1:
                report.notice(f"waited {waited:.1f} s for another import of the same source to finish")
            try:
                with transaction.atomic():
                    body(report)
                    report.flush()
                    if dry_run:
                        raise _DryRunRollback
            except _DryRunRollback:
                report.dry_run = True
    except FatalImportError as error:
        report.fatal = error
    except Exception as error:
        report.fatal = FatalImportError(file or report.source_name, 0, f"internal error: {error!r}")
        report.finish()
        raise
    report.finish()
    return report


class _no_lock:
    def __enter__(self) -> float:
        return 0.0

    def __exit__(self, *exc) -> None:
        return None
