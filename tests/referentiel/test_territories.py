import pytest

from socle.referentiel.models import Academie, Departement, RegionAcademique
from socle.referentiel.territories import load_territories

pytestmark = pytest.mark.django_db


def test_load_territories_seeds_the_ministry_codes():
    counts = load_territories()
    assert counts == {"regions": 20, "academies": 37, "departements": 109}
    assert Academie.objects.get(code="14").name == "Rennes"
    assert Academie.objects.get(code="24").name == "Créteil"
    assert Academie.objects.get(code="70").name == "Normandie"
    assert Departement.objects.get(code="35").academie_id == "14"
    assert Departement.objects.get(code="2A").academie.name == "Corse"
    assert Departement.objects.get(code="971").academie.region.name == "Guadeloupe"
    assert RegionAcademique.objects.get(code="11").academies.count() == 3


def test_load_territories_is_idempotent_and_repairs_changed_rows():
    load_territories()
    Academie.objects.filter(code="14").update(name="Renamed")
    load_territories()
    assert Academie.objects.get(code="14").name == "Rennes"
    assert Departement.objects.count() == 109


def test_seed_matches_the_shared_transcription(shared_data):
    import csv

    load_territories()
    pairs = {
        (row["code_academie"], row["code_departement"])
        for row in csv.DictReader((shared_data / "academies_departements.csv").open(encoding="utf-8"))
        if row["code_departement"] != "20"  # Corsica's pre-1976 code, replaced by 2A/2B
    }
    assert pairs == set(Departement.objects.values_list("academie_id", "code"))
