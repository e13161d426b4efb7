"""`socle oneroster export [--since T] [--agreement A] DIR|ZIP`: the OneRoster 1.2 CSV files
(manifest.csv + the eight rostering files) of the French profile, bulk or delta.

Every export runs under a grant: an agreement (its schools and fields only) or, without one,
the operator's full export. Either way it is written to the access log."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from socle.core import csv_safe

from .. import agreements
from ..models import AccessLogEntry, Agreement
from ..oneroster.build import RosterBuilder, columns
from ..oneroster.spec import (
    MANIFEST_FILES,
    MANIFEST_HEADER,
    MANIFEST_VERSION,
    ONEROSTER_VERSION,
    ROSTERING_FILES,
)


@dataclass
class ExportResult:
    target: Path
    mode: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _csv_text(header: tuple[str, ...], rows) -> tuple[str, int]:
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([row[name] for name in header])
        count += 1
    return buffer.getvalue(), count


def build_files(
    *, since: dt.datetime | None = None, agreement: Agreement | None = None
) -> tuple[dict[str, str], dict[str, int], str]:
    """The files' text by name, the record count of each and the mode ("bulk" or "delta")."""
    grant = agreements.check(agreement)
    builder = RosterBuilder(grant, since=since)
    mode = "bulk" if since is None else "delta"
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    modes: dict[str, str] = {}
    for entity in ROSTERING_FILES:
        if not grant.shares(entity):
            modes[entity] = "absent"
            continue
        files[f"{entity}.csv"], counts[entity] = _csv_text(columns(entity), builder.emitted(entity))
        modes[entity] = mode
    manifest = [
        MANIFEST_HEADER,
        ("manifest.version", MANIFEST_VERSION),
        ("oneroster.version", ONEROSTER_VERSION),
        *((f"file.{name}", modes.get(name, "absent")) for name in MANIFEST_FILES),
        ("source.systemName", getattr(settings, "SOCLE_SERVICE_NAME", "Socle")),
        ("source.systemCode", "socle"),
    ]
    buffer = io.StringIO()
    csv_safe.writer(buffer, lineterminator="\r\n").writerows(manifest)
    files = {"manifest.csv": buffer.getvalue(), **files}
    return files, counts, mode


def export_oneroster(
    target, *, since: dt.datetime | None = None, agreement: Agreement | None = None
) -> ExportResult:
    """Write the files into directory `target` (created if needed) or into a .zip archive.
    Raises agreements.AgreementRefused (after logging the refusal) if the agreement is not valid."""
    target = Path(target)
    operation = "OneRoster CSV bulk export" if since is None else f"OneRoster CSV delta export since {since}"
    try:
        files, counts, mode = build_files(since=since, agreement=agreement)
    except agreements.AgreementRefused as refusal:
        agreements.log_access(
            agreement, AccessLogEntry.Channel.ONEROSTER_CSV, operation, granted=False, reason=str(refusal)
        )
        raise
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(name, text.encode("utf-8"))
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (target / name).write_bytes(text.encode("utf-8"))
    result = ExportResult(target, mode, counts)
    agreements.log_access(
        agreement,
        AccessLogEntry.Channel.ONEROSTER_CSV,
        operation,
        result.total,
        detail={"counts": counts, "target": str(target)},
    )
    return result
