"""Small synthetic Annuaire files for the importer tests (Ille-et-Vilaine, académie de Rennes)."""

from pathlib import Path

from socle.referentiel.importers.annuaire_synthetic import NATURES, school_row, write_annuaire

ECOLE = NATURES[1][0]
COLLEGE = NATURES[3][0]
LYCEE = NATURES[4][0]


def row(number: int, version: str = "2023", nature=ECOLE, public: bool = True, **overrides) -> dict:
    """A school of département 35 (académie 14, région 53); UAI 035nnnnX."""
    return school_row("35", "14", "53", number, nature, public=public, version=version, **overrides)


def write(tmp_path: Path, rows, name: str = "fr-en-annuaire.csv", **options) -> Path:
    return write_annuaire(tmp_path / name, rows, **options)
