"""Incremental recomputation: only the changed school's row and its territorial chain are
rewritten, and the result is exactly what a full recomputation gives."""

from socle.pilotage import services
from socle.pilotage.collecte.models import Declaration
from socle.pilotage.models import IndicatorValue

FIELDS = ("indicator_code", "level", "territory_code", "numerator", "denominator", "schools_with_data",
          "schools_in_scope", "persons", "value", "coverage", "version")  # fmt: skip


def snapshot(vintage):
    return sorted(IndicatorValue.objects.filter(vintage=vintage).values_list(*FIELDS))


def declare_lycee(w):
    Declaration.objects.create(
        uai=w.schools["lycee"].uai, vintage=w.year.code, kind="equipment", declared_by_name="fixture",
        source="csv", computers_pupils=4, projection_systems=2, mobile_device_sets=1, mobile_terminals=8,
        teaching_rooms=3, teaching_rooms_wifi=3, wifi_switchable=True, bandwidth_class="ge1000",
        ent_available=False,
    )  # fmt: skip


def test_incremental_recompute_touches_only_the_changed_school_and_equals_a_full_one(pilotage_world):
    w = pilotage_world
    vintage = w.year.code
    college_cell = IndicatorValue.objects.get(
        vintage=vintage, level="school", territory_code=w.schools["college"].uai,
        indicator_code="computers_per_100_pupils",
    )  # fmt: skip
    declare_lycee(w)

    report = services.recompute(vintage, incremental=True)

    assert report.mode == "incremental" and report.schools == 1
    # The collège's own cell was not rewritten.
    college_after = IndicatorValue.objects.get(pk=college_cell.pk)
    assert college_after.computed_at == college_cell.computed_at
    [nation] = services.values("computers_per_100_pupils", level="nation", vintage=vintage)
    assert (nation.numerator, nation.denominator, nation.schools_with_data) == (3 + 2 + 4, 6 + 5 + 6, 3)
    incremental = snapshot(vintage)

    services.recompute(vintage)  # full
    assert snapshot(vintage) == incremental


def test_recompute_named_schools(pilotage_world):
    w = pilotage_world
    declare_lycee(w)
    report = services.recompute(w.year.code, uais=[w.schools["lycee"].uai])
    assert report.mode == "incremental" and report.schools == 1
    [region] = services.values("computers_per_100_pupils", level="region", codes=["11"], vintage=w.year.code)
    assert (region.numerator, region.denominator) == (4, 6)
    partial = snapshot(w.year.code)
    services.recompute(w.year.code)
    assert snapshot(w.year.code) == partial


def test_nothing_changed_nothing_recomputed(pilotage_world):
    report = services.recompute(pilotage_world.year.code, incremental=True)
    assert report.schools == 0


def test_a_school_that_moves_leaves_its_old_territories(pilotage_world):
    """The collège is re-attached to another commune: both the old and the new commune (and
    their collectivités) are re-aggregated."""
    from socle.referentiel import models as rm

    w = pilotage_world
    vintage = w.year.code
    college = w.schools["college"]
    other = rm.Commune.objects.create(code="35047", name="Bruz", departement=college.departement)
    rm.Etablissement.objects.filter(pk=college.pk).update(commune=other, collectivite_code="035")

    services.recompute(vintage, incremental=True)

    [old] = services.values("computers_per_100_pupils", level="commune", codes=["35238"], vintage=vintage)
    [new] = services.values("computers_per_100_pupils", level="commune", codes=["35047"], vintage=vintage)
    assert (old.numerator, old.denominator, old.schools_in_scope) == (3, 6, 1)  # the école alone
    assert (new.numerator, new.denominator, new.schools_in_scope) == (2, 5, 1)
    incremental = snapshot(vintage)
    services.recompute(vintage)
    assert snapshot(vintage) == incremental
