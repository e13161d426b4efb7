"""The catalogue, its versioned definitions (a new version recomputes history), and the read
services the pages, the API and the open-data export use."""

import datetime as dt

import pytest

from socle.pilotage import catalogue, services
from socle.pilotage.models import Indicator, IndicatorValue, IndicatorVersion, Unit
from socle.referentiel import models as rm

REQUIRED = {
    "computers_per_100_pupils",
    "projection_per_class",
    "mobile_sets_per_1000_pupils",
    "wifi_coverage",
    "bandwidth_100mbps",
    "ent_available",
    "ecole_socle_compliance",
    "teachers_pix_edu",
    "pix_6e_attestation",
    "pix_certification_3e",
    "pix_certification_terminale",
    "nsi_girls_share",
    "resources_weekly_active_per_100_pupils",
    "statements_per_pupil",
    "pix_certified_girls_share",
}
# Version 2: measured Pix results (socle.competences) replace the declared counts.
VERSIONS = {
    "teachers_pix_edu": 2,
    "pix_6e_attestation": 2,
    "pix_certification_3e": 2,
    "pix_certification_terminale": 2,
}


def test_catalogue_lists_every_required_indicator_with_its_definition(db):
    infos = services.indicators()
    assert {info.code for info in infos} == REQUIRED
    for info in infos:
        assert info.unit in Unit.values
        assert info.label and info.definition and info.numerator and info.denominator and info.source
        assert set(info.school_levels) <= {"ecole", "college", "lycee"} and info.school_levels
        assert info.version == VERSIONS.get(info.code, 1)
    assert services.indicator("ecole_socle_compliance").school_levels == ["ecole"]
    assert services.indicator("ecole_socle_compliance").parameters == {"terminals_per_4_classes": 10}
    assert services.indicator("nope") is None


def test_sync_is_idempotent(db):
    services.sync_catalogue()
    assert services.sync_catalogue() == []
    assert IndicatorVersion.objects.count() == len(catalogue.DEFINITIONS)


def test_values_ratio_and_coverage(pilotage_world):
    w = pilotage_world
    ecole = w.schools["ecole"].uai
    [cell] = services.values("computers_per_100_pupils", level="school", codes=[ecole])
    # 3 computers for 6 pupils → 50 per 100 pupils.
    assert (cell.numerator, cell.denominator, cell.value, cell.coverage) == (3, 6, 50.0, 1.0)
    [nation] = services.values("computers_per_100_pupils", level="nation")
    # École 3/6 and collège 2/5 declared, the lycée did not: Σnum/Σden = 5/11, coverage 2/3.
    assert (nation.numerator, nation.denominator) == (5, 11)
    assert nation.value == pytest.approx(500 / 11)
    assert (nation.schools_with_data, nation.schools_in_scope) == (2, 3)
    assert nation.coverage == pytest.approx(2 / 3)
    [lycee] = services.values("computers_per_100_pupils", level="school", codes=[w.schools["lycee"].uai])
    assert lycee.value is None and lycee.numerator is None and lycee.coverage == 0.0
    [nsi] = services.values("nsi_girls_share", level="nation")
    assert (nsi.numerator, nsi.denominator, nsi.persons) == (2, 3, 3)
    with pytest.raises(ValueError, match="unknown level"):
        services.values(level="canton")


def test_school_comparison(pilotage_world):
    uai = pilotage_world.schools["college"].uai
    comparison = services.school_comparison(uai)
    assert set(comparison) == REQUIRED
    computers = comparison["computers_per_100_pupils"]
    assert set(computers) == {"school", "commune", "departement", "academie", "region", "nation"}
    assert (computers["school"].numerator, computers["school"].denominator) == (2, 5)
    # The commune (Rennes) has the école and the collège.
    assert (computers["commune"].numerator, computers["commune"].denominator) == (5, 11)
    assert computers["region"].territory_code == "53" and computers["nation"].territory_code == "FR"
    # A collège indicator is not computed for the école: the comparison says None there.
    assert comparison["ecole_socle_compliance"]["school"] is None
    with pytest.raises(ValueError):
        services.school_comparison("0000000A")


def test_children_follow_the_territorial_hierarchy(pilotage_world):
    w = pilotage_world
    assert services.children("nation", "FR") == [("region", "11"), ("region", "53")]
    assert services.children("region", "53") == [("academie", "14")]
    assert services.children("academie", "14") == [("departement", "35")]
    assert services.children("departement", "35") == [("commune", "35238")]
    assert services.children("commune", "35238") == sorted(
        [("school", w.schools["ecole"].uai), ("school", w.schools["college"].uai)]
    )
    assert services.children("collectivite", "departement:035") == [("school", w.schools["college"].uai)]
    assert services.children("school", w.schools["ecole"].uai) == []
    with pytest.raises(ValueError, match="expected '<type>:<code>'"):
        services.children("collectivite", "035")


def _previous_year_with_the_ecole(w):
    """The école's previous school year: same two classes, same equipment declared."""
    from socle.pilotage.collecte.models import Declaration

    start = w.year.start_date - dt.timedelta(days=365)
    previous = rm.SchoolYear.objects.create(
        code=f"{start.year}-{start.year + 1}",
        start_date=start,
        end_date=w.year.start_date - dt.timedelta(days=1),
    )
    for code in ("CP-P", "CE1-P"):
        rm.ClassGroup.objects.create(
            etablissement=w.schools["ecole"], school_year=previous, code=code, name=code, level="CP"
        )
    Declaration.objects.create(
        uai=w.schools["ecole"].uai, vintage=previous.code, kind="equipment", declared_by_name="fixture",
        source="csv", computers_pupils=3, projection_systems=2, mobile_device_sets=1, mobile_terminals=5,
        teaching_rooms=2, teaching_rooms_wifi=2, wifi_switchable=True, bandwidth_class="10_100",
        ent_available=True,
    )  # fmt: skip
    return previous


def test_changing_a_definition_recomputes_history(pilotage_world):
    w = pilotage_world
    previous = _previous_year_with_the_ecole(w)
    services.recompute(previous.code)
    code, ecole = "ecole_socle_compliance", w.schools["ecole"].uai
    for vintage in (w.year.code, previous.code):
        [cell] = services.values(code, level="school", codes=[ecole], vintage=vintage)
        # 2 classes, 5 terminals: 5 × 4 = 20 ≥ 2 × 10, compliant at 10 terminals per 4 classes.
        assert (cell.numerator, cell.denominator, cell.version) == (1, 1, 1)

    version = services.redefine(code, parameters={"terminals_per_4_classes": 12})

    assert version.version == 2 and version.parameters == {"terminals_per_4_classes": 12}
    assert Indicator.objects.get(code=code).current_version == 2
    assert services.indicator(code).version == 2
    for vintage in (w.year.code, previous.code):
        [cell] = services.values(code, level="school", codes=[ecole], vintage=vintage)
        assert (cell.numerator, cell.denominator, cell.version) == (0, 1, 2), vintage
        [nation] = services.values(code, level="nation", vintage=vintage)
        assert (nation.numerator, nation.version) == (0, 2)
    # Other indicators keep their version.
    others = IndicatorValue.objects.exclude(indicator_code=code).values_list("indicator_code", "version")
    assert {(c, v) for c, v in others} == {(c, VERSIONS.get(c, 1)) for c, _v in others}
    with pytest.raises(ValueError, match="has no parameter"):
        services.redefine(code, parameters={"typo": 1})
    with pytest.raises(ValueError, match="unknown indicator"):
        services.redefine("nope")
