"""The importer of the ministry's `fr-en-calendrier-scolaire` JSON export (synthetic records in
its shape: the real file is not copied into the project)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from socle.viescolaire.diffusion.models import HolidayPeriod

RECORDS = [
    {
        "description": "Vacances d'Hiver",
        "population": "-",
        "start_date": "2027-02-05T23:00:00+00:00",
        "end_date": "2027-02-21T23:00:00+00:00",
        "location": "Ajaccio",
        "zones": "Corse",
        "annee_scolaire": "2026-2027",
    },
    {  # the same period from another académie of the zone: one row
        "description": "Vacances d'Hiver",
        "population": "-",
        "start_date": "2027-02-05T23:00:00+00:00",
        "end_date": "2027-02-21T23:00:00+00:00",
        "location": "Bastia",
        "zones": "Corse",
        "annee_scolaire": "2026-2027",
    },
    {
        "description": "Pré-rentrée",
        "population": "Enseignants",
        "start_date": "2026-08-30T22:00:00+00:00",
        "end_date": "2026-08-31T22:00:00+00:00",
        "zones": "Zone A",
        "annee_scolaire": "2026-2027",
    },
    {
        "description": "Vacances",
        "population": "-",
        "start_date": "2027-02-06",
        "end_date": "x",
        "zones": "Zone B",
        "annee_scolaire": "2026-2027",
    },
    {
        "description": "Vacances",
        "population": "-",
        "start_date": "2027-02-06T00:00:00+01:00",
        "end_date": "2027-02-22T00:00:00+01:00",
        "zones": "Polynésie",
        "annee_scolaire": "2026-2027",
    },
]


def test_import_reports_every_rejected_record(db, tmp_path):
    path = tmp_path / "fr-en-calendrier-scolaire.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("diffusion_import_holidays", str(path), stdout=out, stderr=err)
    assert "1 created, 1 updated, 1 skipped (teachers only), 2 rejected" in out.getvalue()
    assert "record 3: field end_date: expected an ISO 8601 date-time, got 'x'" in err.getvalue()
    assert "record 4: field zones: 'Polynésie'" in err.getvalue()
    period = HolidayPeriod.objects.get(zone="Corse")
    # Saturday 6 February 2027 (local) is the first day; classes resume Monday 22 February.
    assert (period.first_day, period.last_day) == (dt.date(2027, 2, 6), dt.date(2027, 2, 21))
    call_command("diffusion_import_holidays", str(path), stdout=StringIO(), stderr=StringIO())
    assert HolidayPeriod.objects.filter(zone="Corse").count() == 1


def test_broken_json_names_the_line(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"zones": "Zone A",\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken.json: line \d+: not valid JSON"):
        call_command("diffusion_import_holidays", str(path))
