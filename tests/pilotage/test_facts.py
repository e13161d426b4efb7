"""Facts extraction: every count comes from the other bricks' services (Référentiel, the
collecte's declarations, the LRS), and a source that is absent shows as missing, not as zero."""

import pytest

from socle.pilotage import facts as facts_module
from socle.pilotage import services


def _rows(facts):
    return {row["uai"]: row for row in facts.table.to_pylist()}


def test_extraction_counts_registry_declarations_and_statements(pilotage_world):
    w = pilotage_world
    facts = facts_module.extract(w.year.code)
    rows = _rows(facts)
    ecole, college, lycee = (rows[w.schools[key].uai] for key in ("ecole", "college", "lycee"))

    assert (ecole["school_level"], college["school_level"], lycee["school_level"]) == (
        "ecole",
        "college",
        "lycee",
    )
    assert (ecole["pupils"], ecole["classes"], ecole["teachers"]) == (6, 2, 2)
    assert (college["pupils"], college["pupils_6e"], college["pupils_3e"], college["teachers"]) == (
        5,
        3,
        2,
        2,
    )
    # The NSI group is a group, not a division: it adds no class and no pupil.
    assert (lycee["pupils"], lycee["pupils_1re"], lycee["pupils_tle"], lycee["classes"]) == (6, 4, 2, 2)
    assert (lycee["nsi_pupils"], lycee["nsi_girls"]) == (3, 2)
    assert lycee["teachers"] == 2
    assert ecole["nsi_pupils"] is None  # not a lycée: the NSI share does not apply

    assert (ecole["commune"], ecole["departement"], ecole["academie"], ecole["region"]) == (
        "35238",
        "35",
        "14",
        "53",
    )
    assert ecole["collectivite"] == "commune:35238"
    assert college["collectivite"] == "departement:035"

    assert (ecole["declared"], ecole["computers_pupils"], ecole["wifi_switchable"]) == (1, 3, 1)
    assert ecole["bandwidth_class"] == "10_100"
    assert (
        college["wifi_switchable"],
        college["pupils_6e_pix_attestation"],
        college["teachers_pix_edu"],
    ) == (0, 2, 1)
    assert lycee["declared"] == 0 and lycee["computers_pupils"] is None and lycee["bandwidth_class"] is None

    assert (college["statements"], ecole["statements"]) == (12, 0)
    assert facts.sources["traces"] == "available"
    assert facts.sources["declarations"] == "available"


def test_gar_usage_is_missing_until_its_service_exists(pilotage_registry):
    facts = facts_module.extract()
    if facts.sources["gar"] == "available":  # the Ressources brick provides it: counts are numbers
        assert all(row["gar_user_weeks"] is not None for row in facts.table.to_pylist())
    else:
        assert facts.sources["gar"].startswith("source not available")
        assert all(row["gar_user_weeks"] is None for row in facts.table.to_pylist())


def test_extraction_of_some_schools_only(pilotage_registry):
    uai = pilotage_registry.schools["lycee"].uai
    facts = facts_module.extract(uais=[uai])
    assert [row["uai"] for row in facts.table.to_pylist()] == [uai]


def test_unknown_vintage_is_a_clear_error(pilotage_registry):
    with pytest.raises(ValueError, match="unknown school year '1999-2000'"):
        facts_module.extract("1999-2000")


def test_recompute_reports_sources_and_cells(pilotage_world):
    report = pilotage_world.report
    assert report.engine == "duckdb" and report.mode == "full"
    assert report.schools == 3
    assert report.cells > 0
    assert set(report.sources) == {"referentiel", "declarations", "gar", "traces", "competences"}
    cells = services.values(
        "statements_per_pupil", level="school", codes=[pilotage_world.schools["college"].uai]
    )
    assert [(c.numerator, c.denominator) for c in cells] == [(12, 5)]


def test_statements_without_the_uai_extension_or_voided_are_not_counted(pilotage_world, client):
    from socle.traces import services as traces
    from socle.traces.models import Statement

    w = pilotage_world
    uai = w.schools["college"].uai
    counts = traces.statements_by_school(w.year.start_date, w.year.end_date)
    assert counts == {uai: 12}
    Statement.objects.filter(pk=Statement.objects.order_by("pk").first().pk).update(voided=True)
    assert traces.statements_by_school(w.year.start_date, w.year.end_date) == {uai: 11}
    # Outside the school year: nothing.
    assert traces.statements_by_school(w.year.end_date, w.year.end_date) == {}
