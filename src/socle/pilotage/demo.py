"""Demo data of Pilotage (`socle demo-bricks`, after the other bricks' seeds): equipment and Pix
declarations for the schools of the demo world, then the indicators computed on DuckDB.

Idempotent: a school that already has a declaration for the year is left alone, and the
computation rewrites the cells. Works on SQLite (the embedded default) and PostgreSQL. About one
school in six declares nothing, so that the dashboard shows missing data and its coverage."""

from __future__ import annotations

import hashlib

from socle.referentiel import services as referentiel

from . import facts as facts_module
from . import services

BANDWIDTHS = ("lt10", "10_100", "100_1000", "ge1000")


def _dice(uai: str, salt: str, sides: int) -> int:
    """A stable pseudo-random integer in [0, sides) for a school: the same demo every time."""
    return int(hashlib.sha256(f"{uai}:{salt}".encode()).hexdigest()[:8], 16) % sides


def _declarations(row: dict) -> list[tuple[str, dict]]:
    uai, pupils, classes = row["uai"], row["pupils"] or 0, max(row["classes"] or 0, 1)
    rooms = classes + 2
    equipment = {
        "computers_pupils": pupils * (8 + _dice(uai, "computers", 30)) // 100 + classes // 2,
        "projection_systems": classes - (_dice(uai, "projection", 3) == 0),
        "mobile_device_sets": _dice(uai, "sets", 4),
        "mobile_terminals": (classes * (6 + _dice(uai, "terminals", 8))) // 4,
        "teaching_rooms": rooms,
        "teaching_rooms_wifi": rooms - _dice(uai, "wifi", 3),
        "wifi_switchable": _dice(uai, "switchable", 4) != 0,
        "bandwidth_class": BANDWIDTHS[_dice(uai, "bandwidth", 4)],
        "ent_available": _dice(uai, "ent", 5) != 0,
    }
    declarations = [("equipment", equipment)]
    if row["school_level"] in ("college", "lycee"):
        teachers = row["teachers"] or 0
        pix = {
            "teachers_pix_edu": teachers * _dice(uai, "pixedu", 40) // 100,
            "pupils_6e_pix_attestation": None,
            "pupils_3e_pix_certified": None,
            "pupils_terminale_pix_certified": None,
        }
        if row["school_level"] == "college":
            pix["pupils_6e_pix_attestation"] = (row["pupils_6e"] or 0) * (60 + _dice(uai, "6e", 40)) // 100
            pix["pupils_3e_pix_certified"] = (row["pupils_3e"] or 0) * (50 + _dice(uai, "3e", 50)) // 100
        else:
            pix["pupils_terminale_pix_certified"] = (
                (row["pupils_tle"] or 0) * (50 + _dice(uai, "tle", 50)) // 100
            )
        declarations.append(("pix", pix))
    return declarations


def seed(stdout) -> None:
    services.sync_catalogue()
    year = referentiel.current_school_year()
    if year is None:
        stdout.write("Pilotage demo: no current school year in the Référentiel, nothing computed.")
        return
    from socle.pilotage.collecte import services as collecte

    facts = facts_module.extract(year.code)
    rows = []
    for row in facts.table.to_pylist():
        if row["school_level"] == "autre" or _dice(row["uai"], "declares", 6) == 0:
            continue
        if collecte.history(row["uai"], year.code).exists():
            continue
        rows += [(row["uai"], year.code, kind, values) for kind, values in _declarations(row)]
    if rows:
        collecte.write_many(None, rows, "csv")
    report = services.recompute(year.code, engine="duckdb")
    stdout.write(
        f"Pilotage demo: {len(rows)} declaration(s) written; {report.cells} indicator cells for "
        f"{report.schools} schools ({year.code}, {report.engine}, {report.seconds} s)."
    )
