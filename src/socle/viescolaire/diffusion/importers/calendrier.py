"""Import school holidays from the ministry's open data set "Calendrier scolaire"
(data.education.gouv.fr, `fr-en-calendrier-scolaire`), JSON export: a list of records with
`description`, `population`, `start_date`, `end_date`, `zones`, `annee_scolaire` (and
`location`, the académie, which several records share per zone).

`start_date`/`end_date` are instants (ISO 8601 with offset): the local day of `start_date` is
the first day without classes, the local day of `end_date` the day classes resume (so the last
day is the day before). Records for teachers only (`population` "Enseignants") are skipped;
records of zones Socle does not cover (Polynésie, Nouvelle-Calédonie…) are rejected with the
reason. Every rejected record is reported with its index, field and what was expected."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from ..models import HolidayPeriod, HolidayZone
from ..quiet_hours import PARIS

ZONES = {
    "zone a": HolidayZone.A,
    "zone b": HolidayZone.B,
    "zone c": HolidayZone.C,
    "corse": HolidayZone.CORSE,
    "guadeloupe": HolidayZone.GUADELOUPE,
    "guyane": HolidayZone.GUYANE,
    "martinique": HolidayZone.MARTINIQUE,
    "mayotte": HolidayZone.MAYOTTE,
    "réunion": HolidayZone.REUNION,
    "la réunion": HolidayZone.REUNION,
}
TEACHERS_ONLY = {"enseignants"}
SOURCE = "data.education.gouv.fr fr-en-calendrier-scolaire"


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[str] = field(default_factory=list)


def _local_day(value, where: str) -> dt.date:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: expected an ISO 8601 date-time, got {value!r}")
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"{where}: expected an ISO 8601 date-time, got {value!r}") from error
    if instant.tzinfo is None:
        return instant.date()
    return instant.astimezone(PARIS).date()


def import_records(records: list, source_name: str) -> Report:
    """Create or update HolidayPeriod rows (key: zone and first day); one transaction."""
    report = Report()
    if not isinstance(records, list):
        raise ValueError(f"{source_name}: expected a JSON list of records")
    with transaction.atomic():
        for index, record in enumerate(records):
            where = f"{source_name}: record {index}"
            if not isinstance(record, dict):
                report.rejected.append(f"{where}: expected an object")
                continue
            if str(record.get("population") or "").strip().lower() in TEACHERS_ONLY:
                report.skipped += 1
                continue
            zone_name = str(record.get("zones") or "").strip()
            zone = ZONES.get(zone_name.lower())
            if zone is None:
                report.rejected.append(
                    f"{where}: field zones: {zone_name!r} is not a zone Socle covers "
                    f"(expected one of {sorted(ZONES)})"
                )
                continue
            try:
                first = _local_day(record.get("start_date"), f"{where}: field start_date")
                resume = _local_day(record.get("end_date"), f"{where}: field end_date")
            except ValueError as error:
                report.rejected.append(str(error))
                continue
            last = resume - dt.timedelta(days=1) if resume > first else first
            label = str(record.get("description") or "").strip()[:100]
            year = str(record.get("annee_scolaire") or "").strip()[:9]
            if not label or not year:
                report.rejected.append(f"{where}: fields description and annee_scolaire are required")
                continue
            _period, created = HolidayPeriod.objects.update_or_create(
                zone=zone,
                first_day=first,
                defaults={"last_day": last, "label": label, "school_year": year, "source": SOURCE},
            )
            if created:
                report.created += 1
            else:
                report.updated += 1
    return report


def import_file(path: Path) -> Report:
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from error
    return import_records(records, str(path))
