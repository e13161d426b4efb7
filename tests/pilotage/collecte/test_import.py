"""CSV import: the template round-trips; every rejected value is reported with its line,
column, value and expectation; a file with one bad line writes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.pilotage.collecte import importers
from socle.pilotage.collecte.importers import LineError
from socle.pilotage.collecte.models import Declaration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = ";".join(importers.COLUMNS)


def test_template_lists_every_column_and_imports_once_the_uai_is_set(world):
    template = importers.template_csv()
    header, _example = template.splitlines()
    assert header.split(";") == list(importers.COLUMNS)
    # The example's 4 attested teachers fit a real collège, not the test world's one teacher.
    text = template.replace("0350001A", world.schools["college"].uai).replace(";oui;4;140;", ";oui;1;140;")
    report = importers.import_declarations(world.user("departement"), text.encode(), "modele.csv")
    assert report.ok, report.errors
    assert report.lines == 1
    assert sorted(d.kind for d in report.created) == ["equipment", "pix"]
    assert Declaration.objects.filter(source="csv", declared_by_name="departement").count() == 2


def test_every_error_is_reported_and_nothing_is_written(world):
    college, ecole = world.schools["college"].uai, world.schools["ecole"].uai
    vintage = world.year.code
    good = f"{college};{vintage};60;12;2;30;20;15;oui;100_1000;non;;;;"
    lines = [
        HEADER,
        good,
        f"{ecole};{vintage};60;12;2;30;20;15;oui;100_1000;oui;;;;",  # not the département's
        f"0359999Z;{vintage};60;12;2;30;20;15;oui;100_1000;oui;;;;",  # malformed UAI
        f"{college};2025/2026;abc;12;2;30;20;25;peut-être;fibre;oui;;-3;;",
        f"{college};2024-2025;;;;;;;;;;;;;",  # nothing declared
        f"{college};{vintage};1;2",  # wrong number of cells
        good,  # duplicate of line 2
    ]
    report = importers.import_declarations(
        world.user("departement"), "\n".join(lines).encode("utf-8"), "f.csv"
    )
    assert not report.ok
    found = [(e.line, e.column, e.value) for e in report.errors]
    assert found == [
        (3, "uai", ecole),
        (4, "uai", "0359999Z"),
        (5, "vintage", "2025/2026"),
        (5, "computers_pupils", "abc"),
        (5, "wifi_switchable", "peut-être"),
        (5, "bandwidth_class", "fibre"),
        (5, "pupils_6e_pix_attestation", "-3"),
        (6, "", ""),
        (7, "", f"{college};{vintage};1;2"),
        (8, "uai", college),
    ]
    by_line = {(e.line, e.column): e.expected for e in report.errors}
    assert by_line[(3, "uai")] == "a school you may declare for (your collectivité's or yours)"
    assert by_line[(4, "uai")].startswith("a well-formed UAI")
    assert by_line[(5, "vintage")].startswith("a school year YYYY-YYYY")
    assert by_line[(5, "computers_pupils")] == "a whole number from 0 to 20000"
    assert by_line[(6, "")] == "equipment or Pix values"
    assert by_line[(7, "")] == "15 values (one per column)"
    assert by_line[(8, "uai")] == "one line per school and year (already on line 2)"
    assert Declaration.objects.count() == 0


def test_cross_field_rule_and_comma_separator(world):
    college = world.schools["college"].uai
    text = ",".join(importers.COLUMNS) + f"\n{college},{world.year.code},60,12,2,30,20,25,1,lt10,0,,,,\n"
    report = importers.import_declarations(world.user("roux"), text.encode(), "f.csv")
    assert report.errors == [
        LineError(2, "teaching_rooms_wifi", "25", "at most the number of teaching rooms (20)")
    ]


def test_header_and_encoding_errors(world):
    user = world.user("departement")
    report = importers.import_declarations(user, b"uai;annee;uai\n", "f.csv")
    assert [(e.line, e.column) for e in report.errors] == [(1, "vintage"), (1, "annee"), (1, "uai")]
    report = importers.import_declarations(user, HEADER.encode() + b"\n0350001L;2026-2027;\xe9\n", "f.csv")
    assert report.errors == [LineError(2, "", "b'\\xe9\\n'", "UTF-8 text")]
    report = importers.import_declarations(user, HEADER.encode() + b"\n", "f.csv")
    assert report.errors == [LineError(2, "", "", "at least one line of data")]
    pix_only = f"uai;vintage;teachers_pix_edu\n{world.schools['college'].uai};{world.year.code};1\n"
    report = importers.import_declarations(user, pix_only.encode("utf-8-sig"), "f.csv")
    assert report.ok and [d.kind for d in report.created] == ["pix"]


counts = st.integers(min_value=0, max_value=20_000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rooms=counts,
    data=st.data(),
    flags=st.tuples(st.booleans(), st.booleans()),
    bandwidth=st.sampled_from(["lt10", "10_100", "100_1000", "ge1000"]),
    separator=st.sampled_from([";", ","]),
)
def test_any_valid_line_round_trips(world, rooms, data, flags, bandwidth, separator):
    sets = data.draw(st.integers(min_value=0, max_value=50))
    values = {
        "computers_pupils": data.draw(counts),
        "projection_systems": data.draw(counts),
        "mobile_device_sets": sets,
        "mobile_terminals": data.draw(st.integers(min_value=sets, max_value=20_000)),
        "teaching_rooms": rooms,
        "teaching_rooms_wifi": data.draw(st.integers(min_value=0, max_value=rooms)),
        "wifi_switchable": flags[0],
        "bandwidth_class": bandwidth,
        "ent_available": flags[1],
    }
    cells = [world.schools["lycee"].uai, world.year.code] + [
        ("oui" if v else "non") if isinstance(v, bool) else str(v) for v in values.values()
    ]
    text = separator.join(["uai", "vintage", *values]) + "\r\n" + separator.join(cells) + "\r\n"
    report = importers.import_declarations(world.user("region"), text.encode(), "f.csv")
    assert report.ok, report.errors
    assert report.created[0].values() == values


def test_pix_counts_above_the_registry_populations_are_reported_by_line_and_column(world):
    college, ecole = world.schools["college"].uai, world.schools["ecole"].uai
    vintage = world.year.code
    text = "\n".join(
        [
            "uai;vintage;teachers_pix_edu;pupils_6e_pix_attestation;pupils_3e_pix_certified",
            f"{college};{vintage};1;;",  # one teacher in the Référentiel: fits
            f"{college};2001-2002;3;;",  # a school year the Référentiel does not know: accepted
            f"{ecole};{vintage};;;",
        ]
    )
    user = world.user("operateur")
    report = importers.import_declarations(user, text.encode(), "pix.csv")
    assert [(e.line, e.column) for e in report.errors] == [(4, "")]  # only the empty line
    text = text.replace(f"{college};{vintage};1;;", f"{college};{vintage};2;;") + "\n"
    text = text.replace(f"{ecole};{vintage};;;", "")
    report = importers.import_declarations(user, text.encode(), "pix.csv")
    assert report.errors == [
        LineError(
            2,
            "teachers_pix_edu",
            "2",
            "at most 1: 2 attested teachers declared, but the school has 1 teacher in the Référentiel",
        )
    ]
    assert Declaration.objects.count() == 0
