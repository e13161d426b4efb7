"""A realistic world for the open-data attack, built with the demo generator itself
(socle.referentiel.demo: NSI as a speciality chosen by ~10 % of 1re and ~4 % of terminale
pupils, ~19 % / ~15 % of them girls, offered in ~64 % of lycées; one lycée in five small) and the
Pilotage demo declarations (socle.pilotage.demo: five schools in six declare equipment and Pix).

Five régions académiques of the real territory seed — Bretagne, Corse, Normandie,
Île-de-France (three académies) and La Réunion — seven académies, twenty départements, each
with one to four lycées (drawn from the seed: départements with one or two lycées are the
common case, as in Lozère, Creuse or Corse), one or two collèges and an école. Deterministic:
the same seed builds the same world."""

from __future__ import annotations

import random

from socle.referentiel.demo.generator import Dept, plan_departement
from socle.referentiel.demo.loader import Options, World, reference_data
from socle.referentiel.demo.writer import make_writer
from socle.referentiel.models import Departement
from socle.referentiel.territories import load_territories

DEPARTEMENTS = [
    "22", "29", "35", "56",  # Bretagne, académie de Rennes
    "2A", "2B",  # Corse
    "14", "27", "50", "61", "76",  # Normandie
    "75", "77", "93", "94", "78", "91", "92", "95",  # Île-de-France: Paris, Créteil, Versailles
    "974",  # La Réunion
]  # fmt: skip
LYCEES = [1, 1, 1, 1, 2, 2, 2, 3, 4]  # drawn per département


def build(seed: int = 1) -> dict[str, int]:
    """Load the world; returns the number of lycées planned per département."""
    load_territories()
    school_year = reference_data()
    rng = random.Random(f"opendata-world:{seed}")
    opts = Options(scale="academie", seed=seed, log=lambda _message: None)
    world = World(opts, f"opendata-attack seed={seed}", make_writer(), school_year)
    lycees: dict[str, int] = {}
    index = 0
    for departement in Departement.objects.filter(code__in=DEPARTEMENTS).select_related("academie"):
        dept = Dept(departement.code, departement.academie_id, departement.academie.region_id)
        lycees[dept.code] = rng.choice(LYCEES)
        counts = {"lycee": lycees[dept.code], "college": rng.choice([1, 2]), "ecole": 1}
        specs = plan_departement(
            world.key, dept, 0, index, world.existing_uais(dept), world.free_communes(dept), counts
        )
        index += len(specs)
        for spec in specs:
            world.load_cluster(spec, tiny=False)
    return lycees
