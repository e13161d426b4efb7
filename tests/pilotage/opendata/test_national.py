"""The whole real hierarchy (the territories seed: 20 régions académiques including overseas,
37 académies, 109 départements) with lycées and collèges drawn per département — many with one
or two, a few with ten — exported and attacked by linear programming. Prints the figures of
docs/pilotage-opendata.md ("Figures")."""

from __future__ import annotations

import random
import time

from socle.pilotage.opendata import export as export_module
from socle.referentiel import models as rm
from socle.referentiel.territories import load_territories

from .lp_attacker import Attacker, read
from .test_release_attack import Truth, attack, hierarchy
from .world import VINTAGE, college, compute, lycee

PERSONS = (
    "teachers_pix_edu",
    "pix_6e_attestation",
    "pix_certification_3e",
    "pix_certification_terminale",
    "nsi_girls_share",
)


def test_national_hierarchy(db, tmp_path):
    from socle.pilotage import services

    load_territories()
    rng = random.Random(20)
    rows, number = [], 0
    for departement in rm.Departement.objects.select_related("academie").order_by("code"):
        for kind, choices in (("lycee", [0, 1, 1, 2, 2, 3, 4, 6, 10]), ("college", [0, 1, 2, 3, 5, 8])):
            for _ in range(rng.choice(choices)):
                number += 1
                maker = lycee if kind == "lycee" else college
                rows.append(
                    maker(
                        f"{number:07d}X", departement.code, departement.academie_id,
                        departement.academie.region_id, rng, declared=rng.random() > 0.15,
                    )
                )  # fmt: skip
    compute(rows)
    started = time.perf_counter()
    report = export_module.export(tmp_path / "fr", vintages=[VINTAGE])
    seconds = time.perf_counter() - started
    assert report.primary_cells > 50 and report.secondary_cells > 0

    truth = Truth()
    chains = services.school_territories(VINTAGE)
    for indicator in PERSONS:
        for level in ("nation", "region", "academie", "departement"):
            for value in services.values(indicator, level=level, vintage=VINTAGE):
                truth.cells[(level, value.territory_code, indicator)] = (
                    value.numerator or 0,
                    value.denominator or 0,
                )
        for value in services.values(indicator, level="school", vintage=VINTAGE):
            if value.numerator is None or value.denominator is None:
                continue
            chain = chains[value.territory_code]
            for level in ("nation", "region", "academie", "departement"):
                code = "FR" if level == "nation" else chain[level]
                truth.units.setdefault((level, code, indicator), []).append(
                    (value.territory_code, value.numerator, value.denominator)
                )
    started = time.perf_counter()
    attacker = Attacker(hierarchy(), [read(tmp_path / "fr", 1)])
    result = attack(attacker, {1: truth}, states=(1,))
    attack_seconds = time.perf_counter() - started
    audit = report.audit[VINTAGE]
    programs = sum(a["linear_programs"] for a in audit.values())
    audit_seconds = sum(a["seconds"] for a in audit.values())
    print(
        f"national: {len(rows)} schools, {report.rows} territorial rows, {report.suppressed_rows} secret "
        f"({report.primary_cells} sensitive, {report.secondary_cells} secondary); export {seconds:.1f} s, "
        f"audit {programs} LPs in {audit_seconds:.1f} s, "
        f"{sum(a['hidden_by_the_audit'] for a in audit.values())} cells hidden by the audit; attacker: "
        f"{result['tested']} values tested, {result['pinned']} pinned, min width {result['min_width']}, "
        f"{result['linear_programs']} LPs in {attack_seconds:.1f} s"
    )
    assert result["tested"] > 100
    assert result["failures"] == []
