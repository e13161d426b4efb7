"""Synthetic Annuaire de l'éducation files, in either published schema, for tests and
benchmarks. Every value is invented; UAIs carry a correct control letter; départements and
académies come from the committed territories seed so that the files import cleanly."""

import csv
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

from socle.referentiel.codes import make_uai

from .annuaire_schema import COLUMNS_2023, COLUMNS_2026

# Read directly (not through socle.referentiel.territories) so that files can be generated
# without setting Django up, e.g. by the benchmark's parent process.
SEED = Path(__file__).resolve().parents[1] / "seeds" / "territories.csv"

# (code_nature, libelle_nature, Type_etablissement, Ecole_maternelle) and a rough national mix.
NATURES = [
    (("101", "ECOLE MATERNELLE", "Ecole", "1"), 22),
    (("151", "ECOLE DE NIVEAU ELEMENTAIRE", "Ecole", "1"), 40),
    (("151", "ECOLE DE NIVEAU ELEMENTAIRE", "Ecole", "0"), 18),
    (("340", "COLLEGE", "Collège", "0"), 10),
    (("300", "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", "Lycée", "0"), 3),
    (("306", "LYCEE POLYVALENT", "Lycée", "0"), 2),
    (("320", "LYCEE PROFESSIONNEL", "Lycée", "0"), 3),
    (("240", "INSTITUT MEDICO-EDUCATIF", "Médico-social", "0"), 2),
]


def departements() -> list[tuple[str, str, str]]:
    """(département INSEE code, académie code, region code) of metropolitan France and the DROM."""
    with SEED.open(encoding="utf-8", newline="") as handle:
        rows = [
            (row["departement_code"], row["academie_code"], row["region_code"])
            for row in csv.DictReader(handle)
        ]
    return [row for row in rows if len(row[0]) == 2 or row[0] in {"971", "972", "973", "974", "976"}]


def annuaire_department_code(insee: str) -> str:
    """INSEE `35` → Annuaire `035`; `971` stays; `2A` → `02A`."""
    return insee.rjust(3, "0")


def school_row(
    departement: str,
    academie: str,
    region: str,
    number: int,
    nature=NATURES[1][0],
    public: bool = True,
    version: str = "2023",
    **overrides: str,
) -> dict[str, str]:
    """One line of the Annuaire as a column → value mapping."""
    dept3 = annuaire_department_code(departement)
    uai = make_uai(f"{dept3}{number:04d}")
    short = len(departement) == 2
    commune = f"{departement}{number % 300 + 1:03d}" if short else f"{departement}{number % 30 + 1:02d}"
    postal_prefix = "20" if departement in {"2A", "2B"} else departement
    postal = f"{postal_prefix}{number % 900 + 100:03d}" if short else f"{departement}{number % 90 + 10:02d}"
    code_nature, label, kind, maternelle = nature
    row = dict.fromkeys(COLUMNS_2023 if version == "2023" else COLUMNS_2026, "")
    row.update(
        {
            "Identifiant_de_l_etablissement": uai,
            "Nom_etablissement": f"{kind} {'publique' if public else 'privée'} n° {number}",
            "Type_etablissement": kind,
            "Statut_public_prive": "Public" if public else "Privé",
            "Adresse_1": f"{number % 97 + 1} rue de l'École",
            "Adresse_3": f"{postal} COMMUNE {commune}",
            "Code_commune": commune,
            "Nom_commune": f"Commune {commune}",
            "Code_departement": dept3,
            "Code_academie": academie,
            "Code_region": region,
            "Ecole_maternelle": maternelle,
            "Telephone": f"02{number:08d}",
            "Mail": f"ce.{uai}@ac-exemple.fr",
            "Type_contrat_prive": "SANS OBJET" if public else "CONTRAT D'ASSOCIATION TOUTES CLASSES",
            "Code_type_contrat_prive": "99" if public else "30",
            "nom_circonscription": f"Circonscription {departement}-{number % 12}",
            "latitude": f"{46 + (number % 400) / 100:.6f}",
            "longitude": f"{-1 + (number % 500) / 100:.6f}",
            "date_ouverture": f"{1960 + number % 60}-09-01",
            "date_maj_ligne": "2026-01-15",
            "etat": "OUVERT",
            "ministere_tutelle": "MINISTERE DE L'EDUCATION NATIONALE",
            "code_nature": code_nature,
            "libelle_nature": label,
            "code_bassin_formation": f"{departement}0{number % 9}",
            "libelle_bassin_formation": f"Bassin {number % 9}",
        }
    )
    if version == "2023":
        row["Code postal"] = postal
        row["Nombre_d_eleves"] = str(50 + number % 900)
        row["etablissement_multi_lignes"] = "0"
    else:
        row["Code_postal"] = postal
        row["code_circonscription"] = f"{dept3}C{number % 12:02d}"
        row["multi_uai"] = "0"
    row.update(overrides)
    return row


def national_rows(count: int, version: str = "2023", seed: int = 1) -> Iterator[dict[str, str]]:
    """`count` schools spread over every département, generated lazily."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    territories = departements()
    natures = [nature for nature, _ in NATURES]
    weights = [weight for _, weight in NATURES]
    per_departement = -(-count // len(territories))
    if per_departement > 9999:
        raise ValueError("at most 9 999 schools per département (4-digit UAI numbers)")
    produced = 0
    for number in range(1, per_departement + 1):
        for departement, academie, region in territories:
            if produced == count:
                return
            nature = rng.choices(natures, weights)[0]
            yield school_row(
                departement, academie, region, number, nature, public=rng.random() < 0.8, version=version
            )
            produced += 1


def write_annuaire(
    path: Path,
    rows: Iterable[dict[str, str]],
    version: str = "2023",
    extra_columns: tuple[str, ...] = (),
    drop_columns: tuple[str, ...] = (),
    encoding: str = "utf-8-sig",
) -> Path:
    """Write rows as the ministry does: ';'-separated, UTF-8 with a byte-order mark."""
    columns = [c for c in (COLUMNS_2023 if version == "2023" else COLUMNS_2026) if c not in drop_columns]
    columns += list(extra_columns)
    with Path(path).open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return Path(path)
