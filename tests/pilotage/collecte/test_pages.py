"""The collecte's pages through Django's client: the forms validate and record, the import
page reports every error, strangers are refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from socle.identite.models import SecurityEvent
from socle.pilotage.collecte import importers
from socle.pilotage.collecte.models import Declaration, IndicatorAccess

pytestmark = pytest.mark.django_db


def form_data(vintage, **changes):
    data = {
        "vintage": vintage,
        "computers_pupils": "60",
        "projection_systems": "12",
        "mobile_device_sets": "2",
        "mobile_terminals": "30",
        "teaching_rooms": "20",
        "teaching_rooms_wifi": "15",
        "wifi_switchable": "true",
        "bandwidth_class": "100_1000",
        "ent_available": "false",
    }
    data.update(changes)
    return data


def test_equipment_form_validates_then_records(world, client_for):
    client = client_for(world.user("departement"))
    uai = world.schools["college"].uai
    url = f"/pilotage/collecte/{uai}/equipement/"
    page = client.get(url)
    assert page.status_code == 200 and "Déclarer l’équipement" in page.content.decode()
    bad = client.post(url, form_data(world.year.code, teaching_rooms_wifi="30", computers_pupils="-2"))
    html = bad.content.decode()
    assert bad.status_code == 200
    assert 'aria-invalid="true"' in html and "id_computers_pupils-error" in html
    assert Declaration.objects.count() == 0
    bad = client.post(url, form_data(world.year.code, teaching_rooms_wifi="30"))
    assert "au plus le nombre de salles" in bad.content.decode()
    done = client.post(url, form_data(world.year.code))
    assert done.status_code == 302 and done["Location"] == f"/pilotage/collecte/{uai}/"
    declaration = Declaration.objects.get()
    assert (declaration.source, declaration.declared_by_name, declaration.ent_available) == (
        "form",
        "departement",
        False,
    )
    history = client.get(f"/pilotage/collecte/{uai}/").content.decode()
    assert "(formulaire)" in history and "en vigueur" in history
    assert IndicatorAccess.objects.filter(what="declarations", code=uai, username="departement").exists()


def test_pix_form_needs_one_count(world, client_for):
    client = client_for(world.user("roux"))
    url = f"/pilotage/collecte/{world.schools['college'].uai}/pix/"
    response = client.post(url, {"vintage": world.year.code})
    assert response.status_code == 200 and Declaration.objects.count() == 0
    response = client.post(url, {"vintage": world.year.code, "pupils_6e_pix_attestation": "41"})
    assert response.status_code == 302
    assert Declaration.objects.get().pupils_6e_pix_attestation == 41


def test_pix_form_refuses_more_attested_teachers_than_the_registry_has(world, client_for):
    client = client_for(world.user("roux"))
    url = f"/pilotage/collecte/{world.schools['college'].uai}/pix/"
    response = client.post(url, {"vintage": world.year.code, "teachers_pix_edu": "2"})
    assert response.status_code == 200 and Declaration.objects.count() == 0
    page = response.content.decode()
    assert (
        "Attendu : au plus 1 : 2 enseignants attestés Pix+ Édu déclarés, mais l’établissement compte "
        "1 enseignant au Référentiel." in page
    )
    assert 'id="id_teachers_pix_edu"' in page and 'aria-invalid="true"' in page


@pytest.mark.parametrize("name", ["martin", "commune", "academie", "lea"])
def test_others_cannot_declare_for_the_college(world, client_for, name):
    client = client_for(world.user(name))
    uai = world.schools["college"].uai
    assert client.get(f"/pilotage/collecte/{uai}/equipement/").status_code == 403
    assert client.post(f"/pilotage/collecte/{uai}/equipement/", form_data(world.year.code)).status_code == 403
    assert Declaration.objects.count() == 0
    assert SecurityEvent.objects.filter(kind="authz_denied").exists()


def test_index_lists_only_declarable_schools(world, client_for):
    html = client_for(world.user("departement")).get("/pilotage/collecte/").content.decode()
    assert "Collège Simone Veil" in html and "École Jacques Prévert" not in html
    assert client_for(world.user("martin")).get("/pilotage/collecte/").status_code == 403


def test_import_page_reports_errors_and_imports(world, client_for):
    client = client_for(world.user("departement"))
    template = client.get("/pilotage/collecte/modele.csv")
    assert template["Content-Type"].startswith("text/csv")
    assert template.content.decode().splitlines()[0] == ";".join(importers.COLUMNS)
    bad = template.content.decode().replace("0350001A", world.schools["ecole"].uai)
    response = client.post("/pilotage/collecte/import/", {"file": SimpleUploadedFile("d.csv", bad.encode())})
    html = response.content.decode()
    assert response.status_code == 200 and "rien n’a été enregistré" in html
    assert "import-errors" in html and world.schools["ecole"].uai in html
    good = template.content.decode().replace("0350001A", world.schools["college"].uai)
    good = good.replace(";oui;4;140;", ";oui;1;140;")  # the test world's college has 1 teacher
    response = client.post("/pilotage/collecte/import/", {"file": SimpleUploadedFile("d.csv", good.encode())})
    assert response.status_code == 302
    assert Declaration.objects.filter(source="csv").count() == 2
