"""The NSI speciality ("numérique et sciences informatiques") in the generated lycées: chosen by
a minority of the général pupils of 1re and terminale, far more often by boys, and not offered
everywhere. It is taught to *groups* (kind "groupe") drawn from the level's divisions, as in a
real lycée, so that the pupils of a division are not all NSI pupils.

Shares (DEPP data, rentrée 2023, as relayed by the Labo Société Numérique,
labo.societenumerique.gouv.fr, "L'enseignement de spécialité NSI … souffre d'un manque
d'attrait"): NSI is followed by 10.1 % of the pupils of 1re générale (38 091) and 4.3 % of
terminale générale (17 612); girls are 19.3 % of NSI pupils in 1re and 15.2 % in terminale.
64 % of lycées offered NSI in 2022 (Société informatique de France, from the same data). Within a
lycée that offers it, the share of the level is therefore the national share / 0.64.

Kept apart from the generator's main random stream (its own seeded Random), so that adding the
groups does not change the rest of a world."""

from __future__ import annotations

import random

from socle.referentiel.models import Level

NSI = "071300"  # MATIERE_CODES["NSI"]
NSI_OFFER_SHARE = 0.64
NSI_SHARE = {Level.PREMIERE: 0.101, Level.TERMINALE: 0.043}
NSI_GIRLS_SHARE = {Level.PREMIERE: 0.193, Level.TERMINALE: 0.152}
NSI_HOURS = {Level.PREMIERE: 4, Level.TERMINALE: 6}
GROUP_LABEL = {Level.PREMIERE: ("NSI1", "1re NSI"), Level.TERMINALE: ("NSIT", "Tle NSI")}
MAX_GROUP_SIZE = 30


def probability(level: str, sex: str) -> float:
    """Chance that a pupil of `level` and `sex` follows NSI in a lycée that offers it (the demo
    world has as many girls as boys: each sex's share is scaled from the level's)."""
    share = NSI_SHARE[level] / NSI_OFFER_SHARE
    girls = NSI_GIRLS_SHARE[level]
    return share * (girls if sex == "F" else 1 - girls) / 0.5


def nsi_groups(rng: random.Random, pupils_by_level: dict[str, list[tuple[int, str]]]) -> list[tuple]:
    """The NSI groups of one lycée: [(level, code, name, [pupil, …]), …], empty when the lycée
    does not offer NSI. `pupils_by_level` maps 1re and terminale to (pupil, sex) pairs."""
    if not pupils_by_level or rng.random() >= NSI_OFFER_SHARE:
        return []
    groups = []
    for level in (Level.PREMIERE, Level.TERMINALE):
        chosen = [p for p, sex in pupils_by_level.get(level, []) if rng.random() < probability(level, sex)]
        if not chosen:
            continue
        parts = -(-len(chosen) // MAX_GROUP_SIZE)
        prefix, label = GROUP_LABEL[level]
        for k in range(parts):
            suffix = "ABCDEFGH"[k] if parts > 1 else ""
            groups.append((level, prefix + suffix, f"{label} {suffix}".strip(), chosen[k::parts]))
    return groups
