"""OneRoster CSV validate and import: bad input with exact messages, import semantics."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from socle.core.models import ImportRejection, ImportRun
from socle.echanges.exporters.oneroster_csv import export_oneroster
from socle.echanges.importers.oneroster_csv import import_oneroster
from socle.echanges.oneroster.validate import read_package
from socle.referentiel.models import (
    ClassGroup,
    Enrolment,
    Guardianship,
    Person,
    StaffFunction,
    TeachingAssignment,
)

from .registry import empty_registry

GOLDEN = Path(__file__).parent / "golden" / "oneroster_bulk"
CLASS_6A = "00000000-0000-0000-0000-00000000000b"


@pytest.fixture
def package(tmp_path) -> Path:
    target = tmp_path / "pkg"
    shutil.copytree(GOLDEN, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert old in text
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text.replace(old, new, count))


def problems(path) -> list[str]:
    return [str(issue) for issue in read_package(path).issues]


def test_golden_package_is_valid(db):
    assert problems(GOLDEN) == []


def test_missing_manifest_line(db, package):
    edit(package / "manifest.csv", "file.users,bulk\r\n", "")
    assert problems(package) == ["manifest.csv: missing line 'file.users'"]


def test_missing_manifest(db, package):
    (package / "manifest.csv").unlink()
    assert problems(package) == ["manifest.csv: missing: a OneRoster package starts with manifest.csv"]


def test_unknown_and_duplicate_manifest_properties(db, package):
    edit(
        package / "manifest.csv",
        "source.systemCode,socle",
        "source.systemCode,socle\r\nfile.users,bulk\r\nfoo,bar",
    )
    assert problems(package) == [
        "manifest.csv: line 27: file.users 'bulk': duplicate property",
        "manifest.csv: line 28: foo 'bar': unknown property",
    ]


def test_unknown_vocabulary(db, package):
    edit(package / "classes.csv", ",homeroom,", ",lecture,")
    assert problems(package) == [
        "classes.csv: line 2: classType 'lecture': unknown value: expected one of homeroom, scheduled"
    ]


def test_wrong_date_and_datetime(db, package):
    edit(package / "enrollments.csv", "student,,2025-09-01", "student,,2025-13-01")
    edit(package / "users.csv", "2025-09-01T08:00:00.000Z", "01/09/2025 08:00")
    assert problems(package) == [
        "users.csv: line 2: dateLastModified '01/09/2025 08:00': expected an ISO 8601 date-time in UTC, "
        "e.g. 2025-09-01T08:00:00.000Z",
        "enrollments.csv: line 2: beginDate '2025-13-01': expected a date YYYY-MM-DD",
    ]


def test_dangling_reference_and_duplicate_sourced_id(db, package):
    edit(package / "enrollments.csv", f",{CLASS_6A},", ",no-such-class,")
    text = (package / "roles.csv").read_text()
    (package / "roles.csv").write_text(text + text.splitlines()[1] + "\r\n")
    assert problems(package) == [
        "roles.csv: line 8: sourcedId '00000000-0000-0000-0000-000000000fa1': "
        "duplicate sourcedId (first on line 2)",
        "enrollments.csv: line 2: classSourcedId 'no-such-class': dangling reference: no such sourcedId in "
        "classes.csv",
    ]


def test_wrong_header(db, package):
    edit(package / "users.csv", "username,userIds", "userName,userIds")
    assert problems(package) == ["users.csv: line 1: header 'userName': column 5 must be 'username'"]


def test_bad_uai_and_missing_required(db, package):
    edit(package / "orgs.csv", ",school,0350001L,", ",school,0350001B,")
    edit(package / "users.csv", ",Bruno,Le Gall,", ",,Le Gall,")
    assert problems(package) == [
        "orgs.csv: line 2: identifier '0350001B': not a UAI: control letter 'B' does not match the number "
        "(expected 'L')",
        "users.csv: line 3: givenName '': required",
    ]


def test_validate_command_prints_every_problem(db, package):
    edit(package / "classes.csv", ",homeroom,", ",lecture,")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("oneroster", "validate", str(package), stdout=out)
    assert "classes.csv: line 2: classType 'lecture'" in out.getvalue()
    out = io.StringIO()
    call_command("oneroster", "validate", str(GOLDEN), stdout=out)
    assert "valid OneRoster 1.2 package (38 records)" in out.getvalue()


def test_import_into_empty_registry_reproduces_the_export(world, tmp_path):
    empty_registry()
    report = import_oneroster(GOLDEN)
    assert report.succeeded and report.rejected == 0, report.lines("import")
    alice = Person.objects.get(ine="1234567890A")
    assert (alice.aaf_jointure, alice.sex, str(alice.birth_date)) == ("1001", "F", "2014-03-02")
    assert Guardianship.objects.get(pupil=alice).relationship == "mere"
    assert TeachingAssignment.objects.filter(matiere_id="020700").count() == 1
    assert StaffFunction.objects.get(role="direction").person.last_name == "Roux"
    export_oneroster(tmp_path / "again")
    for path in GOLDEN.iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_import_twice_is_idempotent(world):
    empty_registry()
    import_oneroster(GOLDEN)
    counts = (Person.objects.count(), Enrolment.objects.count(), ClassGroup.objects.count())
    report = import_oneroster(GOLDEN)
    assert report.succeeded and report.rejected == 0
    assert (Person.objects.count(), Enrolment.objects.count(), ClassGroup.objects.count()) == counts


def test_bad_rows_are_rejected_and_reported_others_imported(db, package):
    edit(package / "enrollments.csv", f",{CLASS_6A},", ",no-such-class,")
    report = import_oneroster(package)
    assert report.succeeded
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.outcome == ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS
    rejection = ImportRejection.objects.get(run=run)
    assert (rejection.file, rejection.line, rejection.field, rejection.value) == (
        "enrollments.csv",
        2,
        "classSourcedId",
        "no-such-class",
    )
    assert rejection.reason == "dangling reference: no such sourcedId in classes.csv"
    assert Enrolment.objects.count() == 3


def test_fatal_problem_writes_nothing(db, package):
    edit(package / "manifest.csv", "oneroster.version,1.2", "oneroster.version,1.1")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("oneroster", "import", str(package), stdout=out)
    assert Person.objects.count() == 0
    assert "FATAL: manifest.csv: line 3: expected '1.2'" in out.getvalue()
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.FAILED


def test_delta_import_marks_records_to_be_deleted(world, tmp_path):
    delta = tmp_path / "delta"
    delta.mkdir()
    shutil.copy(GOLDEN / "manifest.csv", delta)
    edit(delta / "manifest.csv", "file.enrollments,bulk", "file.enrollments,delta")
    for entity in ("orgs", "academicSessions", "courses", "classes", "users", "roles", "demographics"):
        edit(delta / "manifest.csv", f"file.{entity},bulk", f"file.{entity},absent")
    header = (GOLDEN / "enrollments.csv").read_text().splitlines()[0]
    row = (GOLDEN / "enrollments.csv").read_text().splitlines()[2]
    row = row.replace(",active,2025-09-01T08:00:00.000Z,", ",tobedeleted,2025-11-02T10:00:00.000Z,")
    (delta / "enrollments.csv").write_text(f"{header}\r\n{row}\r\n")
    report = import_oneroster(delta)
    assert report.succeeded and report.rejected == 0, report.lines("delta")
    bruno = world["bruno"]
    enrolment = Enrolment.objects.get(person=bruno)
    assert enrolment.status == "tobedeleted"
    assert enrolment.date_last_modified.isoformat() == "2025-11-02T10:00:00+00:00"
    assert Enrolment.objects.filter(status="active").count() == 3


def test_bulk_import_retires_what_the_file_no_longer_lists(world):
    extra = Enrolment.objects.create(
        person=world["bruno"], class_group=world["latin"], begin_date=world["year"].start_date
    )
    person_count = Person.objects.count()
    report = import_oneroster(GOLDEN)
    assert report.succeeded and report.rejected == 0
    extra.refresh_from_db()
    assert extra.status == "tobedeleted"
    assert report.counts["enrolments_retired"] == 1
    assert Enrolment.objects.filter(status="active").count() == 4
    assert Person.objects.count() == person_count


def test_zip_package_validates_and_imports(world, tmp_path):
    export_oneroster(tmp_path / "roster.zip")
    assert problems(tmp_path / "roster.zip") == []
    empty_registry()
    report = import_oneroster(tmp_path / "roster.zip")
    assert report.succeeded and report.rejected == 0
    assert Person.objects.count() == 6


def test_not_a_zip_and_not_utf8(db, tmp_path, package):
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    assert problems(tmp_path / "bad.zip") == ["bad.zip: not a zip archive"]
    (package / "users.csv").write_bytes(
        (package / "users.csv").read_bytes().replace(b"Chlo\xc3\xa9", b"Chlo\xe9")
    )
    assert problems(package) == ["users.csv: line 4: not UTF-8 (byte 869): OneRoster CSV files are UTF-8"]
