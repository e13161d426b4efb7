"""Small worlds for the export tests: facts rows (one per school) for territories created in the
Référentiel, computed by the real DuckDB engine into the cells the export reads."""

from __future__ import annotations

import random

from socle.pilotage import facts as facts_module
from socle.pilotage import services
from socle.pilotage.engines.base import get_engine
from socle.referentiel import models as rm
from socle.referentiel.codes import make_uai

from ..conftest import _school

VINTAGE = "2025-2026"

# région → académie → département → (lycées, collèges).
TERRITORIES = {
    ("53", "Bretagne"): {
        ("14", "Rennes"): {
            ("22", "Côtes-d'Armor"): (3, 3),
            ("29", "Finistère"): (1, 1),  # one lycée: its NSI figures are that lycée's
            ("35", "Ille-et-Vilaine"): (4, 3),
            ("56", "Morbihan"): (2, 2),
        }
    },
    ("28", "Normandie"): {
        ("70", "Normandie"): {
            ("14", "Calvados"): (0, 1),
            ("27", "Eure"): (1, 0),
            ("50", "Manche"): (3, 2),
            ("61", "Orne"): (2, 1),
            ("76", "Seine-Maritime"): (5, 4),
        }
    },
    ("04", "La Réunion"): {("28", "La Réunion"): {("974", "La Réunion"): (1, 1)}},  # a lone chain
    ("11", "Île-de-France"): {
        ("01", "Paris"): {("75", "Paris"): (4, 4)},
        ("24", "Créteil"): {
            ("77", "Seine-et-Marne"): (3, 0),
            ("93", "Seine-Saint-Denis"): (3, 3),
            ("94", "Val-de-Marne"): (2, 0),
        },
    },
}


def create_territories(territories=TERRITORIES) -> None:
    for (region, region_name), academies in territories.items():
        r = rm.RegionAcademique.objects.create(code=region, name=region_name)
        for (academie, academie_name), departements in academies.items():
            a = rm.Academie.objects.create(code=academie, name=academie_name, region=r)
            for departement, departement_name in departements:
                rm.Departement.objects.create(code=departement, name=departement_name, academie=a)


def lycee(uai, departement, academie, region, rng: random.Random, declared=True) -> dict:
    pupils = rng.randint(250, 1200)
    tle = pupils // 3
    teachers = pupils // 12
    nsi = rng.choice([0, rng.randint(8, 50)])
    counts = dict(
        pupils=pupils, pupils_1re=pupils // 3, pupils_tle=tle, classes=pupils // 30, teachers=teachers,
        nsi_pupils=nsi, nsi_girls=round(nsi * rng.uniform(0.05, 0.3)), statements=pupils * 3,
    )  # fmt: skip
    if declared:
        counts.update(_declared(rng, pupils, teachers))
        counts["pupils_terminale_pix_certified"] = round(tle * rng.uniform(0.5, 0.95))
    return _school(
        uai, "lycee", _commune(departement), departement, academie, region, f"region:{region}", **counts
    )


def college(uai, departement, academie, region, rng: random.Random, declared=True) -> dict:
    pupils = rng.randint(250, 800)
    teachers = pupils // 15
    counts = dict(
        pupils=pupils, pupils_6e=pupils // 4, pupils_3e=pupils // 4, classes=pupils // 25, teachers=teachers,
        statements=pupils * 2,
    )  # fmt: skip
    if declared:
        counts.update(_declared(rng, pupils, teachers))
        counts["pupils_6e_pix_attestation"] = round(pupils // 4 * rng.uniform(0.6, 0.95))
        counts["pupils_3e_pix_certified"] = round(pupils // 4 * rng.uniform(0.5, 0.95))
    return _school(
        uai,
        "college",
        _commune(departement),
        departement,
        academie,
        region,
        f"departement:{departement}",
        **counts,
    )


def _commune(departement: str) -> str:
    return f"{departement}950"[:5]


def _declared(rng: random.Random, pupils: int, teachers: int) -> dict:
    classes = pupils // 28
    return dict(
        declared=1, computers_pupils=pupils * rng.randint(10, 40) // 100, projection_systems=classes,
        mobile_device_sets=rng.randint(0, 4), mobile_terminals=classes * 2, teaching_rooms=classes + 2,
        teaching_rooms_wifi=classes, wifi_switchable=1, bandwidth_class=rng.choice(["10_100", "100_1000"]),
        ent_available=1, teachers_pix_edu=round(teachers * rng.uniform(0.1, 0.4)),
    )  # fmt: skip


def facts_rows(territories=TERRITORIES, seed: int = 7, undeclared: frozenset = frozenset()) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    number = 0
    for (region, _), academies in territories.items():
        for (academie, _), departements in academies.items():
            for (departement, _), (lycees, colleges) in departements.items():
                for kind, count in (("lycee", lycees), ("college", colleges)):
                    for _ in range(count):
                        number += 1
                        uai = make_uai(f"{number:07d}")
                        maker = lycee if kind == "lycee" else college
                        rows.append(maker(uai, departement, academie, region, rng, uai not in undeclared))
    return rows


def compute(rows: list[dict], vintage: str = VINTAGE) -> None:
    """The indicators of `rows`, computed by DuckDB and stored as the Pilotage computation does."""
    services.sync_catalogue()
    for row in rows:
        row["vintage"] = vintage
    facts = facts_module.Facts(vintage, facts_module.to_table(rows), {"referentiel": "available"})
    runner = get_engine("duckdb")
    try:
        report = services.ComputationReport(engine=runner.name)
        services._recompute_all(runner, facts, services._definitions(None), report)
    finally:
        runner.close()
