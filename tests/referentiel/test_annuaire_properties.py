"""Properties of the Annuaire importer: any UAI with its right control letter is accepted and
kept as is, any other letter is rejected; arbitrary junk never crashes an import and every
rejected line is reported."""

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.core.models import ImportRejection
from socle.referentiel.codes import UAI_KEY_ALPHABET, make_uai
from socle.referentiel.importers.annuaire import import_annuaire
from socle.referentiel.importers.annuaire_rows import RowParser, Territory
from socle.referentiel.importers.annuaire_schema import COLUMNS_2023, resolve_header
from socle.referentiel.importers.annuaire_synthetic import annuaire_department_code, departements, school_row

TERRITORIES = departements()
PARSER = RowParser(
    resolve_header(list(COLUMNS_2023), "x.csv"),
    {code: Territory(academie, region) for code, academie, region in TERRITORIES},
)


def _parse(row: dict):
    return PARSER.parse(2, [row[column] for column in COLUMNS_2023])


@given(territory=st.sampled_from(TERRITORIES), number=st.integers(0, 9999))
def test_a_uai_with_its_control_letter_round_trips(territory, number):
    departement, academie, region = territory
    row = school_row(departement, academie, region, number)

    parsed = _parse(row)

    assert parsed.problems == []
    assert parsed.uai == make_uai(f"{annuaire_department_code(departement)}{number:04d}")
    assert parsed.values["departement"] == departement


@given(
    territory=st.sampled_from(TERRITORIES),
    number=st.integers(0, 9999),
    letter=st.sampled_from(UAI_KEY_ALPHABET),
)
def test_any_other_control_letter_is_rejected(territory, number, letter):
    departement, academie, region = territory
    row = school_row(departement, academie, region, number)
    uai = row["Identifiant_de_l_etablissement"]
    row["Identifiant_de_l_etablissement"] = uai[:7] + letter

    problems = _parse(row).problems

    if letter == uai[7]:
        assert problems == []
    else:
        assert [(p.field, p.reason) for p in problems] == [
            (
                "Identifiant_de_l_etablissement",
                f"control letter {letter!r} does not match the number (expected {uai[7]!r})",
            )
        ]


junk_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
# A line is either a valid school with one column replaced by junk, or a list of junk fields.
perturbed_school = st.builds(
    lambda number, column, value: ("school", number, column, value),
    st.integers(1, 50),
    st.sampled_from(COLUMNS_2023),
    junk_text,
)
junk_line = st.builds(lambda fields: ("junk", fields), st.lists(junk_text, min_size=1, max_size=80))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(perturbed_school, junk_line), min_size=1, max_size=12))
def test_junk_never_crashes_and_every_rejected_line_is_reported(lines):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "junk.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\n")
            writer.writerow(COLUMNS_2023)
            for line in lines:
                if line[0] == "school":
                    _, number, column, value = line
                    row = school_row("35", "14", "53", number)
                    row[column] = value
                    writer.writerow([row[name] for name in COLUMNS_2023])
                else:
                    writer.writerow(line[1])

        result = import_annuaire(path)

    report = result.report_lines()
    assert report and report[0].startswith("Annuaire de l'éducation import of junk.csv")
    stored = ImportRejection.objects.filter(run=result.run)
    if result.fatal:
        assert report[1] == f"FATAL: {result.fatal}"
        assert stored.filter(reason__startswith="FATAL: ").count() == 1
        return
    counts = result.counts
    assert counts["read"] >= 1
    outcomes = (
        counts["created"] + counts["updated"] + counts["unchanged"] + counts["rejected"] + counts["merged"]
    )
    assert outcomes == counts["read"]
    assert stored.values("line").distinct().count() == counts["rejected"]
    assert len(result.rejections) == stored.count()
