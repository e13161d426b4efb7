"""OneRoster CSV export: exact headers, French profile, golden files, delta."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from socle.echanges.exporters.oneroster_csv import export_oneroster
from socle.echanges.models import AccessLogEntry
from socle.echanges.oneroster.spec import HEADERS

from .world import T1, deleted, mark_changed

GOLDEN = Path(__file__).parent / "golden"


def _read(directory: Path, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((directory / name).read_text(encoding="utf-8"))))


def test_bulk_export_matches_golden_files(world, tmp_path):
    result = export_oneroster(tmp_path / "bulk")
    golden = GOLDEN / "oneroster_bulk"
    produced = sorted(path.name for path in (tmp_path / "bulk").iterdir())
    assert produced == sorted(path.name for path in golden.iterdir())
    for name in produced:
        assert (tmp_path / "bulk" / name).read_bytes() == (golden / name).read_bytes(), name
    assert result.counts == {
        "orgs": 7,
        "academicSessions": 4,
        "courses": 3,
        "classes": 3,
        "users": 6,
        "roles": 6,
        "enrollments": 6,
        "demographics": 3,
    }


def test_headers_are_exactly_the_1_2_headers_then_metadata(world, tmp_path):
    export_oneroster(tmp_path)
    for entity, core in HEADERS.items():
        header = next(csv.reader(io.StringIO((tmp_path / f"{entity}.csv").read_text())))
        assert tuple(header[: len(core)]) == core
        assert all(column.startswith("metadata.fr.") for column in header[len(core) :])


def test_french_profile_org_tree_and_levels(world, tmp_path):
    export_oneroster(tmp_path)
    orgs = {row["sourcedId"]: row for row in _read(tmp_path, "orgs.csv")}
    school = orgs[str(world["college"].uid)]
    assert (school["type"], school["identifier"], school["parentSourcedId"]) == (
        "school",
        "0350001L",
        "fr-dep-35",
    )
    assert orgs["fr-dep-35"]["parentSourcedId"] == "fr-aca-14"
    assert orgs["fr-aca-14"]["type"] == "state"
    assert orgs["fr-aca-14"]["parentSourcedId"] == "fr"
    assert orgs["fr"]["type"] == "national"
    assert school["metadata.fr.educationPrioritaire"] == "REP"
    sessions = {row["sourcedId"]: row for row in _read(tmp_path, "academicSessions.csv")}
    assert sessions["fr-annee-2025-2026"]["schoolYear"] == "2026"
    assert sessions["fr-2025-2026-trimestre-1"]["type"] == "term"
    classes = {row["classCode"]: row for row in _read(tmp_path, "classes.csv")}
    assert (classes["6A"]["grades"], classes["6A"]["metadata.fr.niveau"]) == ("06", "6E")
    assert classes["CM1B"]["grades"] == "04"
    assert classes["LAT5"]["classType"] == "scheduled"
    demographics = _read(tmp_path, "demographics.csv")
    alice = next(row for row in demographics if row["sourcedId"] == str(world["alice"].uid))
    assert (alice["birthDate"], alice["sex"], alice["white"], alice["hispanicOrLatinoEthnicity"]) == (
        "2014-03-02",
        "female",
        "",
        "",
    )


def test_delta_lists_changes_since_t_with_status(world, tmp_path):
    mark_changed(world["bruno"], first_name="Bruno-Yves")
    deleted(world["latin"])
    export_oneroster(tmp_path, since=T1)
    manifest = dict(csv.reader(io.StringIO((tmp_path / "manifest.csv").read_text())))
    assert manifest["file.users"] == "delta"
    assert [(r["sourcedId"], r["status"], r["givenName"]) for r in _read(tmp_path, "users.csv")] == [
        (str(world["bruno"].uid), "active", "Bruno-Yves")
    ]
    assert [(r["classCode"], r["status"], r["dateLastModified"]) for r in _read(tmp_path, "classes.csv")] == [
        ("LAT5", "tobedeleted", "2025-10-15T12:30:15.123Z")
    ]
    assert _read(tmp_path, "orgs.csv") == []
    assert _read(tmp_path, "enrollments.csv") == []


def test_bulk_export_leaves_out_records_to_be_deleted(world, tmp_path):
    deleted(world["latin"])
    export_oneroster(tmp_path)
    assert "LAT5" not in {row["classCode"] for row in _read(tmp_path, "classes.csv")}


def test_zip_export_and_access_log(world, tmp_path):
    call_command("oneroster", "export", str(tmp_path / "out.zip"), stdout=io.StringIO())
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert sorted(archive.namelist())[0:3] == ["academicSessions.csv", "classes.csv", "courses.csv"]
        assert "manifest.csv" in archive.namelist()
    entry = AccessLogEntry.objects.get()
    assert (entry.channel, entry.operation, entry.record_count, entry.granted) == (
        "oneroster_csv",
        "OneRoster CSV bulk export",
        38,
        True,
    )


def test_export_command_since_and_its_errors(world, tmp_path):
    mark_changed(world["bruno"], first_name="Bruno-Yves")
    out = io.StringIO()
    call_command("oneroster", "export", str(tmp_path / "d"), "--since", "2025-10-15T12:30:15Z", stdout=out)
    assert out.getvalue().startswith("OneRoster delta export to ")
    assert "users 1," in out.getvalue()
    with pytest.raises(CommandError, match=r"--since 'yesterday': expected an ISO 8601 date-time"):
        call_command("oneroster", "export", str(tmp_path / "e"), "--since", "yesterday")


def test_import_command_reports(world, tmp_path):
    out = io.StringIO()
    call_command("oneroster", "import", str(GOLDEN / "oneroster_bulk"), stdout=out)
    text = out.getvalue()
    assert "OneRoster CSV import of" in text
    assert "users 6" in text and "enrollments 6" in text
