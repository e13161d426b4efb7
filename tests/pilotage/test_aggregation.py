"""Aggregation against hand-computed figures (tests/pilotage/conftest.py HAND_FACTS) and, with
hypothesis, its laws: a territory is the sum of its parts, ratio = Σnum/Σden, coverage."""

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.pilotage import catalogue
from socle.pilotage import facts as facts_module
from socle.pilotage.engines.duckdb import DuckDBEngine

DEFINITIONS = [(d, d.parameters) for d in catalogue.DEFINITIONS]


@pytest.fixture(scope="module")
def duck():
    engine = DuckDBEngine(threads=1)
    yield engine
    engine.close()


@pytest.fixture
def cells(duck, hand_facts):
    rows = duck.compute(hand_facts, DEFINITIONS)
    return {(r["indicator"], r["level"], r["territory_code"]): r for r in rows}


def fig(cells, indicator, level, code):
    row = cells[(indicator, level, code)]
    return row["numerator"], row["denominator"], row["schools_with_data"], row["schools_in_scope"]


def test_computers_per_100_pupils_by_hand(cells):
    i = "computers_per_100_pupils"
    assert fig(cells, i, "school", "0350001A") == (20, 100, 1, 1)
    assert fig(cells, i, "commune", "35238") == (20 + 10, 100 + 50, 2, 2)
    assert fig(cells, i, "departement", "35") == (20 + 10 + 120, 100 + 50 + 400, 3, 3)
    # Collège D never declared: missing, not zero, and the académie's coverage shows it.
    assert fig(cells, i, "departement", "29") == (None, None, 0, 1)
    assert fig(cells, i, "academie", "14") == (150, 550, 3, 4)
    assert fig(cells, i, "region", "53") == (150, 550, 3, 4)
    assert fig(cells, i, "region", "11") == (500, 1000, 1, 1)
    assert fig(cells, i, "nation", "FR") == (650, 1550, 4, 5)
    assert fig(cells, i, "collectivite", "departement:035") == (120, 400, 1, 1)
    assert fig(cells, i, "collectivite", "commune:35238") == (30, 150, 2, 2)
    assert fig(cells, i, "collectivite", "departement:029") == (None, None, 0, 1)
    # The département's ratio is 150/550 = 27.3 per 100 pupils, not the mean of the school
    # ratios (20, 20, 30 → 23.3).
    assert cells[(i, "nation", "FR")]["persons"] == 100 + 50 + 400 + 1000


def test_other_indicators_by_hand(cells):
    assert fig(cells, "ecole_socle_compliance", "commune", "35238") == (1, 2, 2, 2)
    assert fig(cells, "ecole_socle_compliance", "nation", "FR") == (1, 2, 2, 2)
    assert ("ecole_socle_compliance", "departement", "29") not in cells  # no école in scope there
    assert fig(cells, "pix_6e_attestation", "departement", "35") == (80, 100, 1, 1)
    assert fig(cells, "pix_6e_attestation", "departement", "29") == (None, None, 0, 1)
    assert fig(cells, "pix_6e_attestation", "academie", "14") == (80, 100, 1, 2)
    assert cells[("pix_6e_attestation", "nation", "FR")]["persons"] == 100
    assert fig(cells, "pix_certification_3e", "nation", "FR") == (60, 90, 1, 2)
    assert fig(cells, "pix_certification_terminale", "region", "11") == (240, 300, 1, 1)
    assert fig(cells, "nsi_girls_share", "nation", "FR") == (8, 40, 1, 1)
    assert cells[("nsi_girls_share", "nation", "FR")]["persons"] == 40
    assert fig(cells, "statements_per_pupil", "nation", "FR") == (500 + 0 + 4000 + 300 + 1000, 1850, 5, 5)
    assert fig(cells, "resources_weekly_active_per_100_pupils", "nation", "FR") == (7900, 18500, 5, 5)
    assert fig(cells, "bandwidth_100mbps", "nation", "FR") == (2, 4, 4, 5)
    assert fig(cells, "wifi_coverage", "nation", "FR") == (4 + 1 + 15 + 40, 4 + 2 + 20 + 40, 4, 5)
    assert fig(cells, "teachers_pix_edu", "nation", "FR") == (2 + 0 + 12 + 20, 5 + 3 + 30 + 80, 4, 5)
    assert fig(cells, "projection_per_class", "nation", "FR") == (4 + 1 + 16 + 30, 4 + 2 + 16 + 30, 4, 5)
    assert fig(cells, "mobile_sets_per_1000_pupils", "nation", "FR") == (8, 1550, 4, 5)
    assert fig(cells, "ent_available", "nation", "FR") == (3, 4, 4, 5)


def test_compliance_threshold_is_a_parameter(duck, hand_facts):
    definition = catalogue.BY_CODE["ecole_socle_compliance"]
    rows = duck.compute(hand_facts, [(definition, {"terminals_per_4_classes": 12})], levels=["nation"])
    # École A: 10 terminals for 4 classes was enough at 10 per 4 classes, not at 12.
    assert [(r["numerator"], r["denominator"]) for r in rows] == [(0, 2)]


# --- Properties --------------------------------------------------------------------------------
TREE = {  # commune → (département, académie, région)
    "35238": ("35", "14", "53"),
    "35999": ("35", "14", "53"),
    "29019": ("29", "14", "53"),
    "94028": ("94", "24", "11"),
}
maybe_count = st.one_of(st.none(), st.integers(0, 500))


@st.composite
def school_rows(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        commune = draw(st.sampled_from(sorted(TREE)))
        departement, academie, region = TREE[commune]
        declared = draw(st.booleans())
        row = facts_module.empty_row(f"{i:07d}X", "2025-2026")
        row.update(
            school_level=draw(st.sampled_from(["ecole", "college", "lycee", "autre"])),
            commune=commune,
            departement=departement,
            academie=academie,
            region=region,
            collectivite=draw(st.sampled_from([None, f"departement:0{departement}", "region:53"])),
            pupils=draw(st.integers(0, 2000)),
            pupils_6e=draw(maybe_count),
            classes=draw(st.integers(0, 40)),
            teachers=draw(st.integers(0, 100)),
            declared=int(declared),
            computers_pupils=draw(maybe_count) if declared else None,
            pupils_6e_pix_attestation=draw(maybe_count) if declared else None,
            statements=draw(maybe_count),
        )
        rows.append(row)
    return rows


PROPERTY_INDICATORS = [
    (catalogue.BY_CODE[code], catalogue.BY_CODE[code].parameters)
    for code in ("computers_per_100_pupils", "pix_6e_attestation", "statements_per_pupil")
]
PARENT = {"commune": 0, "departement": 1, "academie": 2, "region": 3}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=school_rows())
def test_territory_is_the_sum_of_its_parts(duck, rows):
    cells = duck.compute(facts_module.to_table(rows), PROPERTY_INDICATORS)
    by_key = {(c["indicator"], c["level"], c["territory_code"]): c for c in cells}
    schools = [c for c in cells if c["level"] == "school"]
    levels_of = {row["uai"]: row for row in rows}

    # Each territory = Σ of its schools (numerator, denominator, counts), computed here in Python.
    expected = defaultdict(lambda: {"num": None, "den": None, "with": 0, "scope": 0, "persons": 0})
    for cell in schools:
        row = levels_of[cell["territory_code"]]
        keys = [
            ("commune", row["commune"]),
            ("departement", row["departement"]),
            ("academie", row["academie"]),
        ]
        keys += [("region", row["region"]), ("nation", "FR")]
        if row["collectivite"]:
            keys.append(("collectivite", row["collectivite"]))
        for level, code in keys:
            e = expected[(cell["indicator"], level, code)]
            e["scope"] += 1
            e["persons"] += cell["persons"]
            if cell["schools_with_data"]:
                e["with"] += 1
                e["num"] = (e["num"] or 0) + cell["numerator"]
                e["den"] = (e["den"] or 0) + cell["denominator"]
    non_school = {k: c for k, c in by_key.items() if k[1] != "school"}
    assert set(non_school) == set(expected)
    for key, e in expected.items():
        cell = by_key[key]
        assert (cell["numerator"], cell["denominator"]) == (e["num"], e["den"]), key
        assert (cell["schools_with_data"], cell["schools_in_scope"]) == (e["with"], e["scope"]), key
        assert cell["persons"] == e["persons"]
        # Missing data is missing: no school with data ⇔ no numerator.
        assert (cell["numerator"] is None) == (cell["schools_with_data"] == 0)
        assert 0 <= cell["schools_with_data"] <= cell["schools_in_scope"]

    # The nation is also the sum of its régions, each région the sum of its académies.
    for indicator, _p in [(d.code, p) for d, p in PROPERTY_INDICATORS]:
        nation = by_key.get((indicator, "nation", "FR"))
        if nation is None:
            continue
        regions = [c for (i, level, _), c in by_key.items() if i == indicator and level == "region"]
        assert sum(c["schools_in_scope"] for c in regions) == nation["schools_in_scope"]
        assert sum(c["denominator"] or 0 for c in regions) == (nation["denominator"] or 0)
