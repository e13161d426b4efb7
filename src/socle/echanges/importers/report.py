"""Run reports of the exchange-format importers, in the Référentiel's importer conventions: one
`core.ImportRun` per run and one `core.ImportRejection` per rejected record (file, line, field,
value, reason) — every one of them, never only the first.

Rejections are written in batches inside the import transaction; if the run fails (fatal
error, everything rolled back) the first MAX_KEPT of them and the fatal error are written again
after the rollback so that the report survives."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from django.utils import timezone

from socle.core.models import ImportRejection, ImportRun

from .errors import FatalImportError, Rejection

__all__ = ["FatalImportError", "Rejection", "Report"]

FLUSH_EVERY = 1000
MAX_KEPT = 1000
MAX_PRINTED = 200


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class Report:
    kind: str
    source_name: str
    actor_label: str = ""
    counts: dict = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    kept: list[Rejection] = field(default_factory=list)
    fatal: FatalImportError | None = None
    rejected: int = 0

    def __post_init__(self):
        self.actor_label = self.actor_label or os_user()
        self.run = ImportRun.objects.create(
            kind=self.kind, source_name=self.source_name[:500], actor_label=self.actor_label[:150]
        )
        self._pending: list[ImportRejection] = []

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def reject(self, file: str, line: int, field_name: str, value, reason: str) -> None:
        rejection = Rejection(file, line, field_name, "" if value is None else str(value), reason)
        self.rejected += 1
        if len(self.kept) < MAX_KEPT:
            self.kept.append(rejection)
        self._pending.append(self._model(rejection))
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def _model(self, rejection: Rejection) -> ImportRejection:
        return ImportRejection(
            run=self.run,
            file=rejection.file[:500],
            line=rejection.line,
            field=rejection.field[:100],
            value=rejection.value,
            reason=rejection.reason,
        )

    def flush(self) -> None:
        ImportRejection.objects.bulk_create(self._pending)
        self._pending = []

    def finish(self) -> None:
        """Record the outcome; call after the import transaction committed or rolled back."""
        run = self.run
        run.finished_at = timezone.now()
        if self.fatal is not None:
            self._pending = []
            error = self.fatal
            ImportRejection.objects.bulk_create(
                [
                    *(self._model(rejection) for rejection in self.kept),
                    self._model(
                        Rejection(error.file, error.line, error.field, error.value, f"FATAL: {error.reason}")
                    ),
                ]
            )
            run.outcome = ImportRun.Outcome.FAILED
            run.fatal_error = str(error)
        else:
            self.flush()
            run.outcome = (
                ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS if self.rejected else ImportRun.Outcome.SUCCEEDED
            )
        run.counts = {**self.counts, "rejected": self.rejected, "notices": self.notices[:100]}
        run.save()

    @property
    def succeeded(self) -> bool:
        return self.fatal is None

    def lines(self, title: str) -> list[str]:
        out = [f"{title} (run #{self.run.pk})"]
        if self.fatal:
            out += [f"FATAL: {self.fatal}", "Nothing was written."]
        out.append(
            ", ".join(f"{key} {value}" for key, value in sorted(self.counts.items())) or "nothing read"
        )
        out += [f"Notice: {notice}" for notice in self.notices[:MAX_PRINTED]]
        if self.rejected:
            out.append(f"Rejected records ({self.rejected}):")
            out += [f"  {rejection}" for rejection in self.kept[:MAX_PRINTED]]
            if self.rejected > MAX_PRINTED:
                out.append(
                    f"  … {self.rejected - MAX_PRINTED} more in the stored report (run #{self.run.pk})"
                )
        return out
