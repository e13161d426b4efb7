"""Territory reference data: régions académiques, académies and départements, loaded from the
committed seed file. Communes are created by the importers (the Annuaire names them)."""

import csv
from pathlib import Path

from django.db import transaction

from .models import Academie, Departement, RegionAcademique

SEED = Path(__file__).parent / "seeds" / "territories.csv"


@transaction.atomic
def load_territories() -> dict[str, int]:
    """Create or update every région académique, académie and département. Idempotent: a
    second call changes nothing. Returns the number of rows of each kind in the seed."""
    regions: dict[str, str] = {}
    academies: dict[str, tuple[str, str]] = {}
    departements: dict[str, tuple[str, str]] = {}
    with SEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            regions[row["region_code"]] = row["region_name"]
            academies[row["academie_code"]] = (row["academie_name"], row["region_code"])
            departements[row["departement_code"]] = (row["departement_name"], row["academie_code"])

    _upsert(RegionAcademique, {code: {"name": name} for code, name in regions.items()})
    _upsert(
        Academie, {code: {"name": name, "region_id": region} for code, (name, region) in academies.items()}
    )
    _upsert(
        Departement,
        {code: {"name": name, "academie_id": academie} for code, (name, academie) in departements.items()},
    )
    return {"regions": len(regions), "academies": len(academies), "departements": len(departements)}


def _upsert(model, rows: dict[str, dict]) -> None:
    existing = model.objects.in_bulk(list(rows))
    to_create, to_update = [], []
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(code=code, **values))
        elif any(getattr(obj, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(obj, field, value)
            to_update.append(obj)
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, list(next(iter(rows.values()))))
