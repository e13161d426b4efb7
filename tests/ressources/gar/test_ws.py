"""The subscription web service over the real Django stack and PostgreSQL: verbs, idempotent
PUT, per-distributor authentication (bearer token, client certificate via the proxy's header),
the exact XML errors, the list with filters, the schools list and the assignment-count CSV."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client

from socle.identite.oidc.keys import new_rsa_pem, self_signed_certificate
from socle.ressources.gar import services
from socle.ressources.gar.models import UNLIMITED, Subscription
from socle.ressources.gar.wsxml import NS

from .conftest import CAS_ARK, SAML_ARK

pytestmark = pytest.mark.django_db


def body(uai, **overrides):
    fields = {
        "idAbonnement": "ABO-2026-0001",
        "commentaireAbonnement": "Collège Simone Veil, 2026-2027",
        "idDistributeurCom": "EDMATHS",
        "idRessource": CAS_ARK,
        "typeIdRessource": "ark",
        "libelleRessource": "Maths en ligne",
        "debutValidite": "2026-09-01T00:00:00",
        "finValidite": "2027-08-31T23:59:59",
        "uaiEtab": [uai],
        "categorieAffectation": "transferable",
        "typeAffectation": "INDIV",
        "nbLicenceEleve": "30",
        "nbLicenceEnseignant": "ILLIMITE",
        "publicCible": ["ELEVE", "ENSEIGNANT"],
    }
    fields.update(overrides)
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<abonnement xmlns="{NS}">']
    for name, value in fields.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"  <{name}>{item}</{name}>")
    lines.append("</abonnement>")
    return "\n".join(lines).encode()


def ws(distributors, code="EDMATHS"):
    return Client(headers={"Authorization": f"Bearer {distributors[code][1]}"})


def errors_of(response):
    root = fromstring(response.content)
    assert root.tag == f"{{{NS}}}erreurs", response.content
    return [
        (e.findtext(f"{{{NS}}}code"), e.findtext(f"{{{NS}}}champ"), e.findtext(f"{{{NS}}}message"))
        for e in root
    ]


def put(client, sub_id, content):
    return client.put(f"/abonnements-ws/{sub_id}", content, content_type="application/xml")


def test_create_is_idempotent_then_update_list_and_delete(world, catalogue, distributors):
    client = ws(distributors)
    uai = world.schools["college"].uai
    created = put(client, "ABO-2026-0001", body(uai))
    assert created.status_code == 201, created.content
    again = put(client, "ABO-2026-0001", body(uai))
    assert again.status_code == 200
    assert again.content == created.content
    assert Subscription.objects.count() == 1
    sub = Subscription.objects.get()
    assert (sub.licences_pupil, sub.licences_teacher, sub.licences_global) == (30, UNLIMITED, None)
    assert sub.transferable and sub.assignment_type == "INDIV" and sub.audiences == ["ELEVE", "ENSEIGNANT"]
    assert list(sub.schools.values_list("uai", flat=True)) == [uai]
    # PUT with other values is not an update
    conflict = put(client, "ABO-2026-0001", body(uai, nbLicenceEleve="40"))
    assert conflict.status_code == 409
    assert errors_of(conflict)[0][:2] == ("ABONNEMENT_EXISTANT", "idAbonnement")
    # POST updates
    other = world.schools["college_brest"].uai
    updated = client.post(
        "/abonnements-ws/ABO-2026-0001",
        body(uai, nbLicenceEleve="40", uaiEtab=[uai, other]),
        content_type="application/xml",
    )
    assert updated.status_code == 200, updated.content
    sub.refresh_from_db()
    assert sub.licences_pupil == 40
    assert sorted(sub.schools.values_list("uai", flat=True)) == sorted([uai, other])
    # list, filtered by body and by query
    listed = client.generic(
        "GET",
        "/abonnements-ws/abonnements?debut=0&fin=10",
        f'<filtres xmlns="{NS}"><filtre><filtreNom>uaiEtab</filtreNom>'
        f"<filtreValeur>{other}</filtreValeur></filtre></filtres>",
        content_type="application/xml",
    )
    root = fromstring(listed.content)
    assert root.get("total") == "1"
    assert root.find(f"{{{NS}}}abonnement/{{{NS}}}nbLicenceEnseignant").text == "ILLIMITE"
    assert (
        fromstring(client.get("/abonnements-ws/abonnements?idRessource=ark:/0/none").content).get("total")
        == "0"
    )
    # delete
    assert client.delete("/abonnements-ws/ABO-2026-0001").status_code == 204
    assert client.delete("/abonnements-ws/ABO-2026-0001").status_code == 404


def test_bad_subscription_xml_is_rejected_with_every_error_named(world, catalogue, distributors):
    client = ws(distributors)
    uai = world.schools["college"].uai
    long_id = "A" * 46
    response = put(
        client,
        "ABO-1",
        body(
            uai,
            idAbonnement=long_id,
            debutValidite="01/09/2026",
            uaiEtab=[uai, "0350001X"],
            nbLicenceEleve="beaucoup",
            nbLicenceProfDoc="3",
            publicCible=["ELEVE", "PARENT"],
            categorieAffectation="cessible",
            typeIdRessource="isbn",
        ),
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/xml")
    found = {(code, field): message for code, field, message in errors_of(response)}
    assert found[("CHAMP_TROP_LONG", "idAbonnement")] == (
        "line 3: idAbonnement has 46 characters, at most 45 allowed."
    )
    assert (
        "line 9: debutValidite '01/09/2026': expected an ISO 8601 date"
        in found[("CHAMP_INVALIDE", "debutValidite")]
    )
    assert found[("CHAMP_INVALIDE", "uaiEtab")] == (
        "line 12: uaiEtab '0350001X': expected a UAI (7 digits and a check letter)."
    )
    assert found[("CHAMP_INVALIDE", "nbLicenceEleve")].endswith(
        "nbLicenceEleve 'beaucoup': expected a number (0 to 2147483647) or ILLIMITE."
    )
    assert found[("LICENCE_HORS_PUBLIC", "nbLicenceProfDoc")].endswith(
        "nbLicenceProfDoc is given but DOCUMENTALISTE is not in publicCible."
    )
    assert "publicCible 'PARENT'" in found[("CHAMP_INVALIDE", "publicCible")]
    assert "'transferable' or 'non transferable'" in found[("CHAMP_INVALIDE", "categorieAffectation")]
    assert found[("CHAMP_INVALIDE", "typeIdRessource")].endswith("typeIdRessource 'isbn': expected 'ark'.")
    assert ("ID_INCOHERENT", "idAbonnement") in found
    assert not Subscription.objects.exists()


def test_missing_fields_malformed_xml_and_entities(world, catalogue, distributors):
    client = ws(distributors)
    uai = world.schools["college"].uai
    missing = put(
        client,
        "ABO-2",
        body(
            uai,
            idAbonnement="ABO-2",
            libelleRessource=None,
            publicCible=None,
            nbLicenceEleve=None,
            nbLicenceEnseignant=None,
        ),
    )
    found = {(c, f): m for c, f, m in errors_of(missing)}
    assert found[("CHAMP_OBLIGATOIRE", "libelleRessource")] == "libelleRessource is required."
    assert ("CHAMP_OBLIGATOIRE", "publicCible") in found
    malformed = put(client, "ABO-3", b"<abonnement><idAbonnement>ABO-3</abonnement>")
    [(code, _field, message)] = errors_of(malformed)
    assert code == "XML_INVALIDE" and message.startswith("line 1, column ")
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><abonnement>&x;</abonnement>'
    [(code, _field, _message)] = errors_of(put(client, "ABO-4", bomb))
    assert code == "XML_INTERDIT"
    indiv_without_counts = put(
        client, "ABO-5", body(uai, idAbonnement="ABO-5", nbLicenceEleve=None, nbLicenceEnseignant=None)
    )
    [(code, field, message)] = errors_of(indiv_without_counts)
    assert (code, field) == ("LICENCES_MANQUANTES", "nbLicenceEnseignant")
    assert "nbLicenceEnseignant, nbLicenceEleve missing" in message


def test_distributor_may_only_touch_its_own(world, catalogue, distributors):
    uai = world.schools["college"].uai
    maths, lire = ws(distributors, "EDMATHS"), ws(distributors, "EDLIRE")
    # EDLIRE cannot subscribe EDMATHS's resource, nor claim EDMATHS's code
    refused = put(lire, "ABO-X", body(uai, idAbonnement="ABO-X", idDistributeurCom="EDLIRE"))
    assert refused.status_code == 400
    assert [(c, f) for c, f, _m in errors_of(refused)] == [("RESSOURCE_NON_AUTORISEE", "idRessource")]
    wrong_code = put(lire, "ABO-Y", body(uai, idAbonnement="ABO-Y", idRessource=SAML_ARK))
    assert [(c, f) for c, f, _m in errors_of(wrong_code)] == [("DISTRIBUTEUR_INVALIDE", "idDistributeurCom")]
    unknown = put(maths, "ABO-Z", body(uai, idAbonnement="ABO-Z", idRessource="ark:/99999/inconnue"))
    assert [(c, f) for c, f, _m in errors_of(unknown)] == [("RESSOURCE_INCONNUE", "idRessource")]
    assert put(maths, "ABO-2026-0001", body(uai)).status_code == 201
    for response in (
        lire.delete("/abonnements-ws/ABO-2026-0001"),
        lire.post("/abonnements-ws/ABO-2026-0001", body(uai), content_type="application/xml"),
        put(lire, "ABO-2026-0001", body(uai, idDistributeurCom="EDLIRE", idRessource=SAML_ARK)),
    ):
        assert response.status_code == 403
        assert errors_of(response)[0][0] == "ABONNEMENT_AUTRE_DISTRIBUTEUR"
    assert fromstring(lire.get("/abonnements-ws/abonnements").content).get("total") == "0"
    assert fromstring(maths.get("/abonnements-ws/abonnements").content).get("total") == "1"


def test_authentication_by_token_or_client_certificate(world, catalogue, distributors, settings):
    anonymous = Client()
    response = anonymous.get("/abonnements-ws/abonnements")
    assert response.status_code == 401
    assert errors_of(response)[0][0] == "AUTHENTIFICATION"
    bad = Client(headers={"Authorization": "Bearer gar_nope"}).get("/abonnements-ws/abonnements")
    assert bad.status_code == 401
    key = new_rsa_pem()
    pem = self_signed_certificate(key, "edmaths-client")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    fingerprint = hashlib.sha256(x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)).hexdigest()
    distributor = distributors["EDMATHS"][0]
    distributor.certificate_fingerprints = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    distributor.save()
    by_header = Client(headers={"X-SSL-Client-Fingerprint": fingerprint})
    by_pem = Client(headers={"X-SSL-Client-Cert": quote(pem.decode())})
    # headers are ignored unless the deployment says a TLS proxy sets them
    settings.SOCLE_GAR_TRUST_CERT_HEADER = False
    assert by_header.get("/abonnements-ws/abonnements").status_code == 401
    settings.SOCLE_GAR_TRUST_CERT_HEADER = True
    assert by_header.get("/abonnements-ws/abonnements").status_code == 200
    assert by_pem.get("/abonnements-ws/abonnements").status_code == 200
    stranger = Client(headers={"X-SSL-Client-Fingerprint": "ab" * 32})
    assert stranger.get("/abonnements-ws/abonnements").status_code == 401


def test_rules_against_assignments_schools_list_and_counts_csv(world, catalogue, distributors):
    client = ws(distributors)
    uai = world.schools["college"].uai
    assert put(client, "ABO-2026-0001", body(uai)).status_code == 201
    subscription = Subscription.objects.get()
    subscription.valid_from = subscription.valid_from.replace(year=2025)
    subscription.save()
    services.assign(subscription, uai, "classes", [str(world.classes["4B"].uid)], actor=world.user("martin"))
    # 4e B: Léa (pupil) and Mme Martin (teacher)
    below = client.post(
        "/abonnements-ws/ABO-2026-0001",
        body(uai, nbLicenceEleve="0", uaiEtab=[world.schools["lycee"].uai]),
        content_type="application/xml",
    )
    found = {(c, f): m for c, f, m in errors_of(below)}
    assert found[("LICENCES_INSUFFISANTES", "nbLicenceEleve")] == (
        "nbLicenceEleve 0 is below the 1 licences already assigned."
    )
    assert ("ETABLISSEMENT_AFFECTE", "uaiEtab") in found
    delete = client.delete("/abonnements-ws/ABO-2026-0001")
    assert delete.status_code == 409 and errors_of(delete)[0][0] == "AFFECTATIONS_EXISTANTES"
    csv = client.get("/abonnements-ws/affectations/affectations.csv").content.decode().splitlines()
    assert csv[0] == (
        "UAI;idAbonnement;codeProjetRessource;idRessource;cumulAffectationEleve;cumulAffectationEnseignant;"
        "cumulAffectationDocumentaliste;cumulAffectationAutrePersonnel"
    )
    assert csv[1] == f"{uai};ABO-2026-0001;;{CAS_ARK};1;1;0;0"
    schools = fromstring(client.get(f"/abonnements-ws/etablissements/etablissements.xml?uai={uai}").content)
    assert [e.findtext(f"{{{NS}}}uai") for e in schools] == [uai]
    assert schools[0].findtext(f"{{{NS}}}nom") == "Collège Simone Veil"
