"""Compétences numériques on the `make run` demo: the demo's Pix Orga export (generated for the
demo world and imported by `socle import-pix`'s importer) shows Léa's profile to Léa and to Karim,
Mme Martin's class matrix with its explained suggestions, and the Pix indicators measured from
the imported results in M. Roux's dashboard — through the live server, logged in as each persona."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils.html import strip_tags

from socle.competences import demo as competences_demo
from socle.competences import services as competences
from socle.referentiel import services as referentiel

pytestmark = pytest.mark.django_db(transaction=True)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(strip_tags(html.replace("<", " <"))))


def test_lea_karim_martin_and_roux_see_the_imported_pix_results(demo, login):
    lea_uid = demo.persons["lea"].uid
    total = sum(pix for _level, pix in competences_demo.LEA.values())

    # Léa lands on her own profile, in words she understands.
    lea = login("lea")
    landing = lea.get("/competences/", allow_redirects=False)
    assert landing.status_code == 302 and landing.headers["Location"] == f"/competences/eleves/{lea_uid}/"
    mine = text(lea.get(f"/competences/eleves/{lea_uid}/").text)
    assert "Mes compétences numériques" in mine and f"Tu as {total} pix sur 1024." in mine
    assert "Échanger en ligne avec les autres (messages, visio) de façon adaptée" in mine
    assert "Tes points forts : Écrire et mettre en forme des textes à l’ordinateur." in mine

    # Karim sees it for Léa (and Inès has her own page, without results: she is in CM1).
    karim = login("karim")
    home = text(karim.get("/competences/").text)
    assert "Compétences numériques de Léa" in home and "Compétences numériques de Inès" in home
    hers = text(karim.get(f"/competences/eleves/{lea_uid}/").text)
    assert "Compétences numériques de Léa Moreau" in hers and f"{total} pix sur 1024." in hers
    assert karim.get(f"/competences/classes/{demo.class_4b.uid}/").status_code == 404

    # Mme Martin: 4e B as a matrix, with the suggestions explained; she decides.
    martin = login("martin")
    matrix = martin.get(f"/competences/api/classes/{demo.class_4b.uid}/matrix").json()
    by_code = {s["code"]: s for s in matrix["suggestions"]}
    assert "2.1" in by_code and "Moreau Léa" in by_code["2.1"]["pupils"]
    count = len(by_code["2.1"]["pupils"])
    assert by_code["2.1"]["explanation"] == (
        f"{count} élèves sous le niveau 2 en 2.1 Interagir → ces 4 ressources visent 2.1 au cycle 4"
    )
    page = text(martin.get(f"/competences/classes/{demo.class_4b.uid}/").text)
    explained = f"{count} élèves sous le niveau 2 en 2.1 Interagir → ces 4 ressources qualifiées visent 2.1"
    assert f"{explained} au cycle 4" in page
    assert "Rien n’est attribué automatiquement" in page

    # M. Roux: the indicators of his collège, measured from the imported results.
    year = referentiel.current_school_year().code
    measured = competences.pilotage_facts(year)[demo.college.uai]
    roux = login("roux")
    answer = roux.get(f"/pilotage/api/schools/{demo.college.uai}/comparison", params={"vintage": year})
    assert answer.status_code == 200, answer.text
    indicators = answer.json()["indicators"]
    assert indicators["pix_6e_attestation"]["school"]["numerator"] == measured["pupils_6e_pix_attestation"]
    assert indicators["pix_certification_3e"]["school"]["numerator"] == measured["pupils_3e_pix_certified"]
    assert indicators["pix_certified_girls_share"]["school"]["numerator"] == measured["pix_certified_girls"]
    dashboard = text(roux.get(f"/pilotage/etablissements/{demo.college.uai}/").text)
    assert "Élèves de 6e ayant l'attestation Pix 6e" in dashboard
    assert "Part des filles parmi les élèves certifiés Pix (3e et terminale)" in dashboard
