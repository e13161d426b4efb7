"""The report of one import run: one `core.ImportRun` row per run and one
`core.ImportRejection` per rejected record (file, line, field, value, reason) — every one of
them, never only the first — plus counts and notices for a human.

Rejections are written in batches inside the import's transaction. When that transaction is
rolled back (fatal error, dry run), the first MAX_KEPT of them, and the fatal error, are written
again afterwards so that the stored report survives."""

from __future__ import annotations

import getpass

from django.utils import timezone

from socle.core.models import ImportRejection, ImportRun

from .errors import FatalImportError, Problem, Rejection

FLUSH_EVERY = 1000
MAX_KEPT = 1000
MAX_PRINTED = 200
MAX_NOTICES = 1000
# A rejected value is stored as evidence, up to this many characters (the length is noted).
MAX_STORED_VALUE = 10_000


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _stored(value: str) -> str:
    if len(value) <= MAX_STORED_VALUE:
        return value
    return f"{value[:MAX_STORED_VALUE]}… (cut in this report: {len(value)} characters)"


class ImportReport:
    """What an import did: counts, notices, rejections, the fatal error if any.

    Create it before the import's transaction (its ImportRun row must survive a rollback), pass
    it to `run_import`, which calls `finish()`."""

    def __init__(self, kind: str, source_name: str, *, actor=None, actor_label: str = ""):
        if not actor_label:
            actor_label = actor.get_username() if actor is not None else os_user()
        self.kind = kind
        self.source_name = source_name
        self.actor_label = actor_label
        self.counts: dict[str, int] = {}
        self.notices: list[str] = []
        self.kept: list[Rejection] = []
        self.rejected = 0
        self.fatal: FatalImportError | None = None
        self.dry_run = False
        self.run = ImportRun.objects.create(
            kind=kind[:32], source_name=source_name[:500], actor=actor, actor_label=actor_label[:150]
        )
        self._pending: list[ImportRejection] = []

    # --- while importing -----------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def notice(self, text: str) -> None:
        if len(self.notices) < MAX_NOTICES:
            self.notices.append(text)

    def reject(self, file: str, line: int, field: str, value, reason: str) -> Rejection:
        rejection = Rejection(file, line, field, "" if value is None else str(value), reason)
        self.rejected += 1
        if len(self.kept) < MAX_KEPT:
            self.kept.append(rejection)
        self._pending.append(self._model(rejection))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()
        return rejection

    def reject_problem(self, file: str, line: int, problem: Problem) -> Rejection:
        return self.reject(file, line, problem.field, problem.value, problem.reason)

    def flush(self) -> None:
        """Write the pending rejections (inside the import's transaction)."""
        if self._pending:
            ImportRejection.objects.bulk_create(self._pending, batch_size=FLUSH_EVERY)
            self._pending = []

    def _model(self, rejection: Rejection) -> ImportRejection:
        return ImportRejection(
            run=self.run,
            file=rejection.file[:500],
            line=rejection.line,
            field=rejection.field[:100],
            value=_stored(rejection.value),
            reason=rejection.reason,
        )

    # --- after the transaction -----------------------------------------------------------------
    def finish(self, *, rolled_back: bool | None = None, extra_counts: dict | None = None) -> None:
        """Record the outcome; call after the import's transaction committed or rolled back."""
        run = self.run
        run.finished_at = timezone.now()
        run.dry_run = self.dry_run
        if rolled_back is None:
            rolled_back = self.fatal is not None or self.dry_run
        if rolled_back:
            # The rollback took the stored rejections with it: keep the first MAX_KEPT.
            self._pending = []
            again = [self._model(rejection) for rejection in self.kept]
            if self.fatal is not None:
                error = self.fatal
                again.append(
                    self._model(
                        Rejection(error.file, error.line, error.field, error.value, f"FATAL: {error.reason}")
                    )
                )
            ImportRejection.objects.bulk_create(again, batch_size=FLUSH_EVERY)
        else:
            self.flush()
        if self.fatal is not None:
            run.outcome = ImportRun.Outcome.FAILED
            run.fatal_error = str(self.fatal)
            # Nothing was written: no counts of work that never happened.
            run.counts = {"rejected": self.rejected, "notices": self.notices[:100]}
        else:
            run.outcome = (
                ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS if self.rejected else ImportRun.Outcome.SUCCEEDED
            )
            run.counts = {
                **self.counts,
                **(extra_counts or {}),
                "rejected": self.rejected,
                "notices": self.notices[:100],
            }
        run.save()

    @property
    def succeeded(self) -> bool:
        return self.fatal is None

    @property
    def rejections(self) -> list[str]:
        """The kept rejections as sentences (file: line N: field 'value': reason)."""
        return [str(rejection) for rejection in self.kept]

    def run_label(self) -> str:
        return f"run #{self.run.pk}" + (", dry run" if self.dry_run else "")

    def summary_lines(self) -> list[str]:
        """The counts line(s) of a successful run (importers may override)."""
        return [", ".join(f"{key} {value}" for key, value in self.counts.items()) or "nothing read"]

    def lines(self, title: str) -> list[str]:
        """The printed report. A fatal run prints no counts: nothing was written."""
        out = [f"{title} ({self.run_label()})"]
        if self.fatal is not None:
            out += [f"FATAL: {self.fatal}", "Nothing was written."]
        else:
            out += self.summary_lines()
            if self.dry_run:
                out.append("Dry run: everything was rolled back; the counts say what an import would do.")
        if self.notices:
            out.append(f"Notices ({len(self.notices)}):")
            out += [f"  {notice}" for notice in self.notices[:MAX_PRINTED]]
        if self.rejected:
            label = "Rejected before the fatal error" if self.fatal is not None else "Rejected records"
            out.append(f"{label} ({self.rejected}):")
            out += [f"  {rejection}" for rejection in self.kept[:MAX_PRINTED]]
            if self.rejected > MAX_PRINTED:
                more = self.rejected - MAX_PRINTED
                out.append(f"  … {more} more in the stored report ({self.run_label()})")
        return out
