"""Bad Annuaire files: every problem is reported exactly, per line or as one fatal error, and a
fatal error writes nothing but the report."""

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from socle.core.models import ImportRejection, ImportRun
from socle.referentiel.importers.annuaire import import_annuaire
from socle.referentiel.importers.annuaire_schema import COLUMNS_2023
from socle.referentiel.models import Commune, Etablissement

from .annuaire_helpers import row, write

pytestmark = pytest.mark.django_db

UAI = "Identifiant_de_l_etablissement"


def _written() -> tuple[int, int, int]:
    return Etablissement.objects.count(), Commune.objects.count(), LogEntry.objects.count()


def _assert_fatal(result, message: str, before: tuple[int, int, int]) -> ImportRun:
    assert str(result.fatal) == message
    assert _written() == before  # nothing written…
    run = ImportRun.objects.get(pk=result.run.pk)  # …but the report
    assert (run.outcome, run.fatal_error) == ("failed", message)
    fatal = run.rejections.get(reason__startswith="FATAL: ")
    assert f"{fatal.file}: line {fatal.line}: {fatal.reason.removeprefix('FATAL: ')}" == message
    assert result.report_lines()[1] == f"FATAL: {message}"
    return run


# --- Per-line rejections -----------------------------------------------------------------------
def test_bad_uais_are_rejected_with_line_column_value_and_reason(tmp_path):
    path = write(
        tmp_path,
        [row(1), row(2, **{UAI: "035002M"}), row(3, **{UAI: "0350003A"}), row(4)],
    )

    result = import_annuaire(path)

    assert result.fatal is None
    assert result.rejections == [
        "fr-en-annuaire.csv: line 3: Identifiant_de_l_etablissement '035002M': expected 7 characters "
        "(3 for the département, 4 digits) and a control letter, e.g. 0350122T",
        "fr-en-annuaire.csv: line 4: Identifiant_de_l_etablissement '0350003A': control letter 'A' "
        "does not match the number (expected 'N')",
    ]
    assert (result.counts["created"], result.counts["rejected"]) == (2, 2)
    stored = list(ImportRejection.objects.filter(run=result.run).values_list("line", "field", "value"))
    assert stored == [(3, UAI, "035002M"), (4, UAI, "0350003A")]
    assert ImportRun.objects.get(pk=result.run.pk).outcome == "partial"


def test_duplicate_uai_reports_both_lines(tmp_path):
    path = write(tmp_path, [row(1), row(2), row(1, Nom_etablissement="Doublon")])

    result = import_annuaire(path)

    assert result.rejections == [
        "fr-en-annuaire.csv: line 4: Identifiant_de_l_etablissement '0350001L': "
        "duplicate UAI: already on line 2"
    ]
    assert Etablissement.objects.get(uai="0350001L").name != "Doublon"  # the first line wins


def test_duplicate_uai_across_batches(tmp_path):
    path = write(tmp_path, [row(n) for n in range(1, 6)] + [row(2)])

    result = import_annuaire(path, batch_size=2)

    assert result.rejections == [
        "fr-en-annuaire.csv: line 7: Identifiant_de_l_etablissement '0350002M': "
        "duplicate UAI: already on line 3"
    ]
    assert result.counts["created"] == 5


def test_territory_date_and_number_problems(tmp_path):
    path = write(
        tmp_path,
        [
            row(1, Code_departement="099"),
            row(2, Code_academie="15"),
            row(3, date_ouverture="31/02/2020"),
            row(4, Nombre_d_eleves="12,5", latitude="north"),
            row(5, etat="SUSPENDU"),
            row(6),
        ],
    )

    result = import_annuaire(path)

    assert result.rejections == [
        "fr-en-annuaire.csv: line 2: Code_departement '099': unknown département",
        "fr-en-annuaire.csv: line 3: Code_academie '15': département 35 belongs to académie 14",
        "fr-en-annuaire.csv: line 4: date_ouverture '31/02/2020': expected a date such as 1965-10-01",
        "fr-en-annuaire.csv: line 5: latitude 'north': expected a number between -90 and 90",
        "fr-en-annuaire.csv: line 5: Nombre_d_eleves '12,5': expected a whole number of pupils",
        "fr-en-annuaire.csv: line 6: etat 'SUSPENDU': expected OUVERT, A OUVRIR, A FERMER or FERME",
    ]
    assert (result.counts["rejected"], result.counts["created"]) == (5, 1)
    assert ImportRejection.objects.filter(run=result.run).count() == 6


def test_a_short_line_in_the_middle_is_rejected_not_fatal(tmp_path):
    path = write(tmp_path, [row(1), row(2), row(3)])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = "0350002M;Ecole;Ecole"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")

    result = import_annuaire(path)

    assert result.fatal is None
    assert result.rejections == [
        f"fr-en-annuaire.csv: line 3: 3 fields where the header has {len(COLUMNS_2023)} "
        "(a stray or missing ';')"
    ]
    assert result.counts["created"] == 2


def test_unknown_extra_column_is_ignored_with_a_notice(tmp_path):
    result = import_annuaire(write(tmp_path, [row(1)], extra_columns=("Ma_colonne",)))

    assert result.fatal is None
    assert result.notices == ["fr-en-annuaire.csv: line 1: unknown column 'Ma_colonne' ignored"]
    assert result.counts["created"] == 1
    assert "unknown column 'Ma_colonne' ignored" in ImportRun.objects.get().counts["notices"][0]


def test_unknown_nature_is_imported_as_other_with_a_notice(tmp_path):
    result = import_annuaire(write(tmp_path, [row(1, code_nature="999", libelle_nature="NOUVEAUTE")]))

    assert Etablissement.objects.get().type == "autre"
    assert result.notices == [
        "fr-en-annuaire.csv: nature '999' (NOUVEAUTE) is unknown: 1 line(s) imported as type 'other', "
        "first on line 2"
    ]


# --- Fatal errors: nothing written but the report ----------------------------------------------
def test_missing_required_columns_is_fatal(tmp_path):
    import_annuaire(write(tmp_path, [row(1)], name="before.csv"))
    before = _written()
    path = write(tmp_path, [row(2), row(3)], drop_columns=("Code_commune", "etat"))

    result = import_annuaire(path)

    _assert_fatal(
        result,
        "fr-en-annuaire.csv: line 1: missing required column(s) Code_commune, etat "
        "(2023 or 2026 Annuaire schema expected)",
        before,
    )


def test_latin1_file_is_fatal_and_names_the_line(tmp_path):
    before = _written()
    ascii_only = {"Nom_etablissement": "Ecole Jules Ferry", "Adresse_1": "1 rue Haute"}
    lines = [
        row(1, **ascii_only),
        row(2, **ascii_only),
        row(3, **{**ascii_only, "Nom_etablissement": "Ecole élémentaire"}),
    ]
    path = write(tmp_path, lines, encoding="latin-1")

    result = import_annuaire(path)

    _assert_fatal(
        result,
        "fr-en-annuaire.csv: line 4: not valid UTF-8 (byte 0xe9 at position 16); the Annuaire is published "
        "in UTF-8: was the file re-saved in another encoding (Latin-1, Windows-1252)?",
        before,
    )


def test_truncated_file_is_fatal(tmp_path):
    before = _written()
    path = write(tmp_path, [row(n) for n in range(1, 5)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])  # cut in the middle of the last line

    result = import_annuaire(path)

    width = len(COLUMNS_2023)
    fields = data[: len(data) - 300].decode().splitlines()[-1].count(";") + 1
    _assert_fatal(
        result,
        f"fr-en-annuaire.csv: line 5: truncated file: the last line has {fields} fields, "
        f"the header has {width}",
        before,
    )


def test_fatal_error_keeps_the_rejections_found_before_it(tmp_path):
    path = write(tmp_path, [row(1, **{UAI: "bad"}), row(2)])
    path.write_bytes(path.read_bytes() + b"0350003N;Ecole \xe9\n")

    result = import_annuaire(path)

    assert str(result.fatal).startswith("fr-en-annuaire.csv: line 4: not valid UTF-8")
    assert _written() == (0, 0, 0)
    lines = list(ImportRejection.objects.filter(run=result.run).values_list("line", "field"))
    assert lines == [(2, UAI), (4, "")]


def test_empty_and_missing_files_are_fatal(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert (
        str(import_annuaire(empty).fatal)
        == "empty.csv: line 1: the file is empty (a header line is expected)"
    )
    missing = import_annuaire(tmp_path / "absent.csv")
    assert str(missing.fatal) == "absent.csv: cannot read the file: No such file or directory"
    assert ImportRun.objects.filter(outcome="failed").count() == 2


def test_command_exits_non_zero_on_fatal_error(tmp_path):
    path = write(tmp_path, [row(1)], drop_columns=("etat",))

    with pytest.raises(CommandError) as raised:
        call_command("import_annuaire", str(path))

    assert raised.value.returncode == 2
    assert str(raised.value) == (
        "fr-en-annuaire.csv: line 1: missing required column(s) etat (2023 or 2026 Annuaire schema expected)"
    )
    assert Etablissement.objects.count() == 0
