"""Data-sharing agreements: scope, fields and expiry enforced on the CSV export; access log."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from socle.echanges.agreements import AgreementRefused
from socle.echanges.exporters.oneroster_csv import export_oneroster
from socle.echanges.models import AccessLogEntry

from .agreements_fixtures import make_agreement


def _rows(directory, name):
    return list(csv.DictReader(io.StringIO((directory / name).read_text(encoding="utf-8"))))


def test_export_keeps_to_the_agreement_schools_and_fields(world, tmp_path):
    agreement = make_agreement()
    result = export_oneroster(tmp_path, agreement=agreement)
    schools = [row["identifier"] for row in _rows(tmp_path, "orgs.csv") if row["type"] == "school"]
    assert schools == ["0350001L"]
    users = _rows(tmp_path, "users.csv")
    assert {row["givenName"] for row in users} == {"Alice", "Bruno", "Claire", "Denis", "Emma"}
    assert all(row["email"] == "" and row["identifier"] == "" and row["sms"] == "" for row in users)
    assert all(row["metadata.fr.niveau"] == "" for row in users)
    assert not (tmp_path / "demographics.csv").exists()
    manifest = dict(csv.reader(io.StringIO((tmp_path / "manifest.csv").read_text())))
    assert manifest["file.demographics"] == "absent"
    assert "Chloé" not in (tmp_path / "users.csv").read_text(encoding="utf-8")
    assert "1234567890A" not in "".join(path.read_text(encoding="utf-8") for path in tmp_path.iterdir())
    entry = AccessLogEntry.objects.get()
    assert (entry.agreement, entry.consumer_label, entry.record_count) == (
        agreement,
        "ENT Bretagne",
        result.total,
    )
    assert entry.detail["counts"]["users"] == 5


def test_expired_agreement_is_refused_and_logged(world, tmp_path):
    agreement = make_agreement(expires_on=dt.date(2020, 6, 30))
    with pytest.raises(AgreementRefused, match="expired on 2020-06-30"):
        export_oneroster(tmp_path, agreement=agreement)
    assert list(tmp_path.iterdir()) == []
    entry = AccessLogEntry.objects.get()
    assert (entry.granted, entry.reason) == (False, "agreement 'ENT Bretagne' expired on 2020-06-30")


def test_suspended_agreement_through_the_command(world, tmp_path):
    make_agreement(is_active=False)
    with pytest.raises(CommandError, match="refused: agreement 'ENT Bretagne' is suspended"):
        call_command(
            "oneroster", "export", str(tmp_path / "x"), "--agreement", "ENT Bretagne", stdout=io.StringIO()
        )


def test_school_scope_by_uai(world, tmp_path):
    agreement = make_agreement(departements=[], schools=["0940002S"], allowed_fields=["orgs.*", "users.*"])
    export_oneroster(tmp_path, agreement=agreement)
    assert [r["identifier"] for r in _rows(tmp_path, "orgs.csv") if r["type"] == "school"] == ["0940002S"]
    assert [r["givenName"] for r in _rows(tmp_path, "users.csv")] == ["Chloé"]
    assert not (tmp_path / "classes.csv").exists()
