"""`socle import-pix`: the Pix Orga profiles-collection export (real column layout), every bad
row with its line, column and reason, nothing applied on a fatal error, dry run, per-source lock,
the 6e parcours (assessment exports), and the command's output."""

import datetime as dt
import io

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from socle.competences import pixfiles
from socle.competences.importers.pix_orga import import_pix
from socle.competences.models import ParcoursCompletion, PixProfile
from socle.core.importing import ImportLocked
from socle.core.importing.locks import advisory_key
from socle.core.models import ImportRejection, ImportRun

from .conftest import LEA, PARIS, SHARED, competences, participant, write_export

pytestmark = pytest.mark.django_db


def profile(w, key):
    return PixProfile.objects.filter(person_uid=w.persons[key].uid).first()


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_good_file_stores_each_pupils_profile(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA), participant(cw, "zoe")])
    assert path.read_bytes().startswith(b'\xef\xbb\xbf"Nom de l\'organisation";"ID Campagne";"Code";')
    report = import_pix(path)
    assert report.fatal is None and report.rejected == 0
    lea = profile(cw, "lea")
    assert lea.level_of("2.1") == 1 and lea.pix_of("3.1") == 35
    assert lea.total_pix == sum(pix for _level, pix in LEA.values())
    assert (lea.school_uai, lea.class_level, lea.source_label) == (cw.schools["college"].uai, "4E", "SOCLE4B")
    assert lea.school_year == cw.year.code and lea.shared_at == SHARED
    assert report.counts["profiles created"] == 2 and report.counts["rows read"] == 2
    run = ImportRun.objects.get(pk=report.run.pk)
    assert (run.kind, run.outcome, run.lock_key) == ("pix", "succeeded", "pix")


def test_a_participant_who_has_not_sent_is_counted_not_rejected(cw, tmp_path):
    rows = [participant(cw, "lea", LEA), participant(cw, "zoe", shared_at=None)]
    report = import_pix(write_export(tmp_path / "export.csv", rows))
    assert report.rejected == 0 and report.counts["not sent (nothing to import)"] == 1
    assert profile(cw, "zoe") is None and profile(cw, "lea") is not None


def test_pupils_identified_by_socle_identifier_and_named_column(cw, tmp_path):
    rows = [participant(cw, "lea", LEA, identifier=str(cw.persons["lea"].uid))]
    assert import_pix(write_export(tmp_path / "a.csv", rows, id_label="Identifiant Socle")).rejected == 0
    assert profile(cw, "lea").level_of("3.1") == 4
    rows = [participant(cw, "zoe", identifier=cw.persons["zoe"].ine)]
    report = import_pix(write_export(tmp_path / "b.csv", rows, id_label="Matricule"), id_column="matricule")
    assert report.fatal is None and profile(cw, "zoe") is not None


def test_an_older_export_never_replaces_a_newer_profile(cw, tmp_path):
    import_pix(write_export(tmp_path / "new.csv", [participant(cw, "lea", LEA)]))
    older = {code: (0, 0) for code in pixfiles.CODES}
    rows = [participant(cw, "lea", older, shared_at=SHARED - dt.timedelta(days=30))]
    report = import_pix(write_export(tmp_path / "old.csv", rows))
    assert report.counts["older than the stored profile (kept)"] == 1
    assert profile(cw, "lea").level_of("3.1") == 4
    # Within one file, the latest sending of a participant wins.
    rows = [
        participant(cw, "zoe", LEA, shared_at=SHARED + dt.timedelta(days=2)),
        participant(cw, "zoe", older, shared_at=SHARED + dt.timedelta(days=1)),
    ]
    report = import_pix(write_export(tmp_path / "twice.csv", rows))
    assert report.counts["earlier rows of the same participant (latest kept)"] == 1
    assert profile(cw, "zoe").level_of("3.1") == 4


def test_dry_run_reports_and_writes_nothing(cw, tmp_path):
    report = import_pix(write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)]), dry_run=True)
    assert report.dry_run and report.counts["profiles created"] == 1
    assert not PixProfile.objects.exists()
    assert ImportRun.objects.get(pk=report.run.pk).dry_run is True
    assert "Dry run: everything was rolled back" in "\n".join(report.lines("Pix Orga import"))


def test_a_comma_separated_resave_is_read(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)])
    text = path.read_text(encoding="utf-8").replace(";", ",")
    path.write_text(text, encoding="utf-8")
    assert import_pix(path).rejected == 0 and profile(cw, "lea") is not None


def test_a_total_that_is_not_the_sum_is_noted_and_the_competences_kept(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)])
    lines = lines_of(path)
    total = sum(pix for _level, pix in LEA.values())
    lines[1] = lines[1].replace(
        f'"Oui";"12/01/2026 14:05";{total};', f'"Oui";"12/01/2026 14:05";{total + 5};'
    )
    path.write_text("".join(lines), encoding="utf-8")
    report = import_pix(path)
    assert report.rejected == 0
    assert report.notices == [
        f"line 2: 'Nombre de pix total' is {total + 5}, the competences add up to {total}: "
        "the competences' pix are kept"
    ]
    assert profile(cw, "lea").total_pix == total


# --- Every bad row, with its line, column and reason --------------------------------------------
def _bad_row(path, line_number, old, new):
    lines = lines_of(path)
    assert old in lines[line_number - 1], (old, lines[line_number - 1])
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_every_rejected_row_is_reported_with_line_column_and_reason(cw, tmp_path, settings):
    keys = ["lea", "zoe", "jade", "hugo", "malo", "tom", "noe", "ines"]
    path = write_export(tmp_path / "export.csv", [participant(cw, key, LEA) for key in keys])
    # 1 header + 8 rows; each row below gets one defect (Léa's stays good).
    _bad_row(path, 3, '"123456789AF"', '""')  # Zoé: no identifier
    _bad_row(path, 4, '"123456789AG"', '"ABC"')  # Jade: not an INE nor a UUID
    _bad_row(path, 5, '"123456789AH"', '"999999999ZZ"')  # Hugo: unknown INE
    _bad_row(path, 6, '"Oui"', '"Peut-être"')  # Malo
    _bad_row(path, 7, '"12/01/2026 14:05"', '"31/02/2026 14:05"')  # Tom: no such date
    _bad_row(path, 8, ";1;9;", ";9;9;")  # Noé: 2.1 level 9 (the first "1;9" is 2.1)
    lines = lines_of(path)
    lines[8] = lines[8].replace(";4;35;", ";4;10;")  # Inès: 3.1 level 4 with 10 pix
    lines.insert(5, "\n")  # a blank line 6, the later rows move down one line
    lines.append('"Collège";4242;"SOCLE4B"\n')  # a short line
    path.write_text("".join(lines), encoding="utf-8")
    report = import_pix(path)
    assert report.fatal is None
    assert report.rejections == [
        "export.csv: line 3: INE '': empty: the pupil cannot be identified",
        "export.csv: line 4: INE 'ABC': expected an INE (11 characters: 9 digits, then a digit or letter, "
        "then a letter) or a Socle person identifier (UUID)",
        "export.csv: line 6: empty line",
        "export.csv: line 7: Envoi (O/N) 'Peut-être': expected 'Oui' or 'Non'",
        "export.csv: line 8: Date et heure de l'envoi (Europe/Paris) '31/02/2026 14:05': expected a date "
        "such as '02/03/2026 14:05'",
        "export.csv: line 9: Niveau pour la compétence Interagir '9': expected a number from 0 to 8, got 9",
        "export.csv: line 10: Niveau pour la compétence Développer des documents textuels '4': level 4 "
        "needs at least 32 pix (8 per level), got 10",
        "export.csv: line 11: 3 field(s) on this line, the header has 45",
        # Identifiers are resolved per batch, after the rows are read.
        "export.csv: line 5: INE '999999999ZZ': no pupil with this INE in the Référentiel",
    ]
    stored = list(ImportRejection.objects.filter(run=report.run).values_list("line", "field", "reason"))
    assert (6, "", "empty line") in stored and len(stored) == 9
    assert list(PixProfile.objects.values_list("person_uid", flat=True)) == [cw.persons["lea"].uid]
    assert ImportRun.objects.get(pk=report.run.pk).outcome == "partial"


def test_na_where_a_sent_profile_needs_a_number_is_rejected(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)])
    _bad_row(path, 2, ";4;35;", ';"NA";35;')
    report = import_pix(path)
    assert report.rejections == [
        "export.csv: line 2: Niveau pour la compétence Développer des documents textuels 'NA': expected a "
        "number from 0 to 8, got NA"
    ]


def test_a_date_in_the_future_is_rejected(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)])
    future = (dt.datetime.now(tz=PARIS) + dt.timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
    _bad_row(path, 2, '"12/01/2026 14:05"', f'"{future}"')
    assert import_pix(path).rejections == [
        f"export.csv: line 2: Date et heure de l'envoi (Europe/Paris) '{future}': a date in the future"
    ]


# --- Fatal: nothing written but the report ------------------------------------------------------
def test_an_empty_file_is_fatal(cw, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"")
    report = import_pix(path)
    assert str(report.fatal) == (
        "export.csv: line 1: the file is empty: a Pix Orga export starts with its header line"
    )
    assert ImportRun.objects.get(pk=report.run.pk).outcome == "failed"
    assert "Nothing was written." in report.lines("Pix Orga import")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "Appellation officielle;Identifiant_de_l_etablissement\n",
            "not a Pix Orga campaign export: expected the column 'Envoi (O/N)' (profiles collection) or "
            "'Partage (O/N)' (assessment campaign)",
        ),
        (
            '"Nom du Participant";"Envoi (O/N)";"Nombre de pix total"\n',
            "no column identifies the pupils: the campaign's external id must be the INE (column 'INE') "
            "or the Socle identifier (column 'Identifiant Socle'); name another column with --id-column",
        ),
        ('"INE";"Envoi (O/N)";"INE"\n', "column 'INE' appears twice in the header"),
        (
            '"INE";"Partage (O/N)";"Date du partage";"% de progression"\n',
            "an assessment campaign export is read only as a 6e parcours: give --parcours-6e 1, 2 or 3",
        ),
        (
            '"INE";"Envoi (O/N)";"Date et heure de l\'envoi (Europe/Paris)"\n',
            "missing column(s): 'Nombre de pix total'",
        ),
    ],
)
def test_a_header_that_is_not_a_pix_export_is_fatal(cw, tmp_path, header, message):
    path = tmp_path / "export.csv"
    path.write_text(header + '"123456789AB";"Oui";"12/01/2026 14:05"\n', encoding="utf-8")
    report = import_pix(path)
    assert str(report.fatal) == f"export.csv: line 1: {message}"
    assert not PixProfile.objects.exists()


def test_a_missing_competence_is_fatal(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA)])
    lines = lines_of(path)
    lines[0] = lines[0].replace(
        "Niveau pour la compétence Construire un environnement numérique", "Niveau pour la compétence ???"
    )
    path.write_text("".join(lines), encoding="utf-8")
    report = import_pix(path)
    assert str(report.fatal) == (
        "export.csv: line 1: missing the level or pix column of 1 competence(s): 5.2 Construire un "
        "environnement numérique (expected 'Niveau pour la compétence …' and 'Nombre de pix pour la "
        "compétence …')"
    )


def test_a_fatal_error_after_written_batches_leaves_nothing(cw, tmp_path):
    rows = [participant(cw, key, LEA) for key in ("lea", "zoe", "jade")]
    path = write_export(tmp_path / "export.csv", rows)
    data = path.read_bytes().replace(b'"Jade"', b'"J\xe9de"')  # Latin-1 on line 4
    path.write_bytes(data)
    report = import_pix(path, batch_size=1)  # Léa and Zoé are written before line 4 is read
    assert str(report.fatal).startswith("export.csv: line 4: not valid UTF-8 (byte 0xe9 at position")
    assert str(report.fatal).endswith(
        "Pix Orga exports are UTF-8; re-export the file rather than re-saving it"
    )
    assert not PixProfile.objects.exists()
    assert ImportRejection.objects.filter(
        run=report.run, reason__startswith="FATAL: not valid UTF-8"
    ).exists()


def test_a_second_import_waits_for_the_lock_then_refuses_naming_the_holder(cw, tmp_path):
    holder = ImportRun.objects.create(kind="pix", source_name="first.csv", actor_label="alice")
    ImportRun.objects.filter(pk=holder.pk).update(lock_key="pix")
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [advisory_key("pix")])
        path = write_export(tmp_path / "second.csv", [participant(cw, "lea", LEA)])
        report = import_pix(path, wait=0.2)
        assert isinstance(report.fatal, ImportLocked)
        assert f"run #{holder.pk} (pix, first.csv" in str(report.fatal)
    assert not PixProfile.objects.exists()


# --- The 6e parcours ------------------------------------------------------------------------------
def test_a_6e_parcours_export_records_who_completed_it(cw, tmp_path):
    rows = [participant(cw, "lea", shared_at=SHARED), participant(cw, "zoe", shared_at=None)]
    path = tmp_path / "parcours.csv"
    with path.open("w", encoding="utf-8") as handle:
        pixfiles.write_assessment_export(
            handle, rows, organization="Collège", campaign_id=7, code="SIX1", name="P1", target_profile="P1"
        )
    report = import_pix(path, parcours_6e=1)
    assert report.fatal is None, report.lines("x")
    assert report.counts == {
        "rows read": 2,
        "not sent (nothing to import)": 1,
        "parcours 1 completions recorded": 1,
    }
    done = ParcoursCompletion.objects.get()
    assert (str(done.person_uid), done.parcours, done.completed_at) == (str(cw.persons["lea"].uid), 1, SHARED)
    # A profiles export is not a parcours.
    profiles = write_export(tmp_path / "profiles.csv", [participant(cw, "lea", LEA)])
    assert "--parcours-6e is for an assessment campaign export" in str(
        import_pix(profiles, parcours_6e=2).fatal
    )


# --- The command ----------------------------------------------------------------------------------
def test_the_command_prints_the_report_and_fails_on_a_fatal_error(cw, tmp_path):
    path = write_export(tmp_path / "export.csv", [participant(cw, "lea", LEA), participant(cw, "zoe")])
    out = io.StringIO()
    call_command("import_pix", str(path), stdout=out)
    assert "Pix Orga import (run #" in out.getvalue()
    assert "rows read 2, profiles created 2" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("hello\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_pix", str(bad), stdout=io.StringIO())
    assert error.value.returncode == 2
    assert "not a Pix Orga campaign export" in str(error.value)


def test_competence_columns_follow_the_framework(cw):
    header = pixfiles.profiles_header(competences())
    assert header[8:11] == ["Envoi (O/N)", "Date et heure de l'envoi (Europe/Paris)", "Nombre de pix total"]
    assert header[13:15] == [
        "Niveau pour la compétence Mener une recherche et une veille d’information",
        "Nombre de pix pour la compétence Mener une recherche et une veille d’information",
    ]
    assert len(header) == 13 + 32
