"""socle.core.importing: the shared import machinery (report, transaction and dry run, per-source
lock, limits, streaming CSV, safe archives, the complete-feed rule)."""

import io
import os
import threading
import time
import zipfile

import psycopg
import pytest
from django.db import connection

from socle.core.importing import (
    Coverage,
    FatalImportError,
    ImportLocked,
    ImportReport,
    Limits,
    MassEndGuard,
    MassEndRefused,
    length_problem,
    open_archive,
    read_csv,
    run_import,
    source_lock,
)
from socle.core.importing.locks import _file_lock, advisory_key
from socle.core.models import ImportRejection, ImportRun


# --- Report, transaction, dry run ----------------------------------------------------------------
@pytest.mark.django_db
def test_rejections_are_all_stored_and_counts_printed():
    report = ImportReport("test", "feed.csv", actor_label="ops")

    def body(report):
        report.count("read", 3)
        for line in (2, 3):
            report.reject("feed.csv", line, "name", "x" * 300, "too long")
        report.count("created")

    run_import(report, body, lock="test")
    assert report.succeeded
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.outcome == ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS
    assert run.counts["read"] == 3 and run.counts["rejected"] == 2
    assert run.lock_key == "test"
    assert list(run.rejections.values_list("line", flat=True)) == [2, 3]
    lines = report.lines("Test import")
    assert lines[0] == f"Test import (run #{run.pk})"
    assert lines[1] == "read 3, created 1"
    # A long value is printed cut (the stored evidence keeps it whole).
    assert "… (300 characters)" in lines[-1]
    assert run.rejections.first().value == "x" * 300


@pytest.mark.django_db
def test_a_fatal_error_writes_nothing_and_prints_no_counts():
    report = ImportReport("test", "feed.csv")

    def body(report):
        ImportRun.objects.create(kind="written-inside", source_name="x")
        report.count("created", 12)
        report.reject("feed.csv", 2, "uai", "X", "bad")
        raise FatalImportError("feed.csv", 7, "broken quoting")

    run_import(report, body, lock="test")
    assert str(report.fatal) == "feed.csv: line 7: broken quoting"
    assert not ImportRun.objects.filter(kind="written-inside").exists()
    lines = report.lines("Test import")
    assert lines[1:3] == ["FATAL: feed.csv: line 7: broken quoting", "Nothing was written."]
    assert not any("created" in line for line in lines)
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "created" not in run.counts
    assert sorted(run.rejections.values_list("reason", flat=True)) == ["FATAL: broken quoting", "bad"]


@pytest.mark.django_db
def test_a_dry_run_rolls_back_but_keeps_its_report():
    report = ImportReport("test", "feed.csv")

    def body(report):
        ImportRun.objects.create(kind="written-inside", source_name="x")
        report.reject("feed.csv", 2, "uai", "X", "bad")
        report.count("created", 1)

    run_import(report, body, lock="test", dry_run=True)
    assert report.succeeded and report.dry_run
    assert not ImportRun.objects.filter(kind="written-inside").exists()
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.dry_run and run.counts["created"] == 1
    assert run.rejections.count() == 1
    assert "Dry run: everything was rolled back" in "\n".join(report.lines("t"))


@pytest.mark.django_db
def test_a_bug_is_recorded_then_raised():
    report = ImportReport("test", "feed.csv")

    def body(report):
        raise KeyError("oops")

    with pytest.raises(KeyError):
        run_import(report, body, lock="test")
    run = ImportRun.objects.get(pk=report.run.pk)
    assert run.outcome == ImportRun.Outcome.FAILED
    assert run.fatal_error == "feed.csv: internal error: KeyError('oops')"


# --- Per-source lock -----------------------------------------------------------------------------
def _other_session():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    )


@pytest.mark.django_db
def test_a_second_import_of_the_same_source_is_refused_with_the_holder_named():
    holder = ImportRun.objects.create(kind="annuaire", source_name="first.csv", actor_label="alice")
    ImportRun.objects.filter(pk=holder.pk).update(lock_key="annuaire")
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [advisory_key("annuaire")])
        report = ImportReport("annuaire", "second.csv")
        ran = []
        run_import(report, lambda r: ran.append(1), lock="annuaire", file="second.csv", wait=0)
        assert ran == []
        assert isinstance(report.fatal, ImportLocked)
        assert str(report.fatal).startswith(
            f"second.csv: refused: run #{holder.pk} (annuaire, first.csv, started "
        )
        assert "by alice) of the same source (annuaire) is running" in str(report.fatal)
        assert "--wait SECONDS" in str(report.fatal)
        # Another source is not blocked.
        assert run_import(ImportReport("aaf", "x"), lambda r: None, lock="aaf").succeeded


@pytest.mark.django_db
def test_a_second_import_waits_for_the_first_one():
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [advisory_key("annuaire")])
        timer = threading.Timer(0.6, lambda: other.execute("SELECT pg_advisory_unlock_all()"))
        timer.start()
        started = time.monotonic()
        with source_lock("annuaire", wait=10) as waited:
            assert 0.4 < waited < 5
        assert time.monotonic() - started < 5
        timer.join()
        with pytest.raises(ImportLocked, match=r"refused after waiting 0\.3 s"):
            other.execute("SELECT pg_advisory_lock(%s)", [advisory_key("annuaire")])
            with source_lock("annuaire", wait=0.3):
                pass


def test_the_file_lock_used_without_postgresql_excludes_a_second_holder(tmp_path, settings):
    settings.SOCLE_IMPORT_LOCK_DIR = str(tmp_path)
    with _file_lock("annuaire") as first, _file_lock("annuaire") as second:
        assert first() is True
        assert second() is False
    with _file_lock("annuaire") as again:
        assert again() is True


# --- Limits --------------------------------------------------------------------------------------
def test_a_too_long_value_is_a_problem_never_a_cut():
    assert length_problem("sn", "a" * 100, 100) is None
    problem = length_problem("sn", "a" * 101, 100)
    assert (problem.field, problem.reason) == ("sn", "longer than 100 characters (101): rejected, not cut")
    assert problem.value == "a" * 101


# --- Streaming CSV ---------------------------------------------------------------------------------
def _records(data: bytes, **kwargs):
    records = read_csv(io.BytesIO(data), "f.csv", **kwargs)
    return [(r.line, r.fields, r.problem.reason if r.problem else None) for r in records]


def test_csv_records_carry_the_line_where_they_start():
    data = b'\xef\xbb\xbfa,b\n1,"two\nlines"\n\n,,\n3,x\n'
    assert _records(data) == [
        (1, ["a", "b"], None),
        (2, ["1", "two\nlines"], None),
        (4, [], None),
        (5, ["", "", ""], None),
        (6, ["3", "x"], None),
    ]
    records = list(read_csv(io.BytesIO(data), "f.csv"))
    assert [r.is_empty for r in records] == [False, False, True, True, False]


def test_a_huge_line_is_an_unreadable_record_and_reading_goes_on():
    limits = Limits(max_line_bytes=100, max_record_bytes=1000)
    data = b"a,b\n" + b"x" * 10_000 + b"\n1,2\n"
    assert _records(data, limits=limits) == [
        (1, ["a", "b"], None),
        (2, [], "line longer than 100 bytes (10001): not read"),
        (3, ["1", "2"], None),
    ]


def test_an_unterminated_quote_is_fatal_without_reading_the_whole_file():
    limits = Limits(max_line_bytes=100, max_record_bytes=1000)
    data = b'a,b\n1,"never closed\n' + b"x,y\n" * 10_000
    with pytest.raises(FatalImportError, match=r"f.csv: line 2\d\d: a record runs over more than 1000 bytes"):
        _records(data, limits=limits)


def test_bad_encoding_is_fatal_on_its_line():
    with pytest.raises(FatalImportError) as error:
        _records("a\nb\nrésumé\n".encode("latin-1"), encoding_hint="; was it saved as Latin-1?")
    assert str(error.value) == (
        "f.csv: line 3: not valid UTF-8 (byte 0xe9 at position 2); was it saved as Latin-1?"
    )


# --- Safe archives ---------------------------------------------------------------------------------
def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_an_archive_that_expands_too_much_is_refused(tmp_path):
    path = _zip(tmp_path / "bomb.zip", {"users.csv": b"," * 5_000_000})
    limits = Limits(ratio_floor_bytes=100_000, max_archive_ratio=100)
    with pytest.raises(FatalImportError, match=r"bomb.zip: archive refused: member 'users.csv' declares"):
        open_archive(path, limits=limits)


def test_an_archive_whose_headers_lie_is_stopped_while_reading(tmp_path):
    path = _zip(tmp_path / "liar.zip", {"users.csv": b"," * 5_000_000})
    # Make the central directory and local header claim a tiny size.
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).infolist()[0]
    real = info.file_size.to_bytes(4, "little")
    data = data.replace(real, (1000).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    limits = Limits(ratio_floor_bytes=100_000, max_archive_ratio=100)
    archive = open_archive(path, limits=limits)
    with pytest.raises(FatalImportError, match=r"refused as a zip bomb|is corrupt"):
        for _ in read_csv(archive.open("users.csv"), "users.csv", limits=limits):
            pass


def test_archive_members_are_read_as_streams(tmp_path):
    path = _zip(tmp_path / "ok.zip", {"dir/orgs.csv": b"a,b\n1,2\n", "manifest.csv": b"p,v\n"})
    archive = open_archive(path)
    assert sorted(archive.names()) == ["manifest.csv", "orgs.csv"]
    assert [r.fields for r in read_csv(archive.open("orgs.csv"), "orgs.csv")] == [["a", "b"], ["1", "2"]]
    assert archive.open("users.csv") is None
    with pytest.raises(FatalImportError, match="not a readable zip archive"):
        open_archive(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_bytes(os.urandom(100))
    with pytest.raises(FatalImportError, match=r"junk\.zip: not a readable zip archive"):
        open_archive(tmp_path / "junk.zip")


# --- The complete-feed rule ------------------------------------------------------------------------
def test_coverage_never_counts_a_rejected_or_unreadable_record_as_absent():
    coverage = Coverage("f.xml")
    coverage.saw("a")
    coverage.kept("b")
    assert coverage.covers("a") and coverage.covers("b") and not coverage.covers("c")
    assert coverage.may_end_absent
    coverage.unreadable(12)
    assert not coverage.may_end_absent
    assert coverage.why_nothing_ended().startswith("f.xml: line(s) 12 could not be read")


def test_mass_end_guard():
    guard = MassEndGuard(share=0.2, minimum=5)
    assert guard.check("f", "school 0350001L", "enrolments", 5, 6) is None  # at most `minimum`
    assert guard.check("f", "school 0350001L", "enrolments", 20, 100) is None  # exactly 20 %
    with pytest.raises(MassEndRefused) as refused:
        guard.check("f", "school 0350001L", "enrolments", 21, 100)
    assert str(refused.value) == (
        "f: would end 21 of 100 enrolments (21%) of school 0350001L, more than the 20% allowed: nothing "
        "was written. Check that the file is complete; if these ends are expected, run the import again "
        "with --confirm-mass-end"
    )
    confirmed = MassEndGuard(share=0.2, minimum=5, confirmed=True)
    assert confirmed.check("f", "s", "enrolments", 50, 100).endswith("confirmed (--confirm-mass-end)")


@pytest.mark.django_db
def test_rejections_of_a_rolled_back_run_are_written_again():
    report = ImportReport("test", "f")

    def body(report):
        for line in range(2, 2005):
            report.reject("f", line, "", "", "bad")
        raise FatalImportError("f", 3000, "stop")

    run_import(report, body, lock=None)
    # The first 1000 and the fatal error survive the rollback.
    assert ImportRejection.objects.filter(run=report.run).count() == 1001
    assert report.rejected == 2003
