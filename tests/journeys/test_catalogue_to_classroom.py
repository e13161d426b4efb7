"""Journey 3 — from the catalogue to the classroom, on the `make run` demo: the demo provider's
CAS resource is qualified; the provider pushes a subscription for the collège through the
subscription web service; Mme Martin assigns it to 4e B in the console API; Léa finds it in her
médiacentre and launches it; the CAS sign-in (python-cas) releases only IDO, PRO, UAI, DIV and
the approved PRE; the resource then posts an xAPI statement to Traces with LRS Basic credentials
and the stored actor is the pseudonym, never Léa's name or e-mail."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import uuid
from urllib.parse import quote

import pytest
import requests
from django.core.management import call_command
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT

from socle.referentiel import services as referentiel
from socle.referentiel.models import Enrolment
from socle.ressources import services as catalogue
from socle.ressources.gar import services as access
from socle.ressources.gar.demo import DEMO_CAS_SERVICE, DEMO_SAML_ACS, DEMO_SAML_ENTITY_ID
from socle.ressources.gar.models import ResourceAccess
from tests.identite.test_cas import cas_client, obtain_ticket
from tests.identite.test_saml import SP

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTION_ID = "JOURNEE-3-COLLEGE"
XAPI = {"X-Experience-API-Version": "1.0.3"}


def subscription_xml(resource, uai: str, subscription_id: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<abonnement xmlns="http://www.atosworldline.com/wsabonnement/v1.0/">
  <idAbonnement>{subscription_id}</idAbonnement>
  <commentaireAbonnement>Journée 3</commentaireAbonnement>
  <idDistributeurCom>{resource.distributor_code}</idDistributeurCom>
  <idRessource>{resource.ark}</idRessource>
  <typeIdRessource>ark</typeIdRessource>
  <libelleRessource>{resource.title}</libelleRessource>
  <debutValidite>2020-09-01T00:00:00</debutValidite>
  <finValidite>2099-08-31T23:59:59</finValidite>
  <uaiEtab>{uai}</uaiEtab>
  <categorieAffectation>transferable</categorieAffectation>
  <typeAffectation>INDIV</typeAffectation>
  <nbLicenceEleve>40</nbLicenceEleve>
  <publicCible>ELEVE</publicCible>
</abonnement>"""


def push_subscription(live_server, resource, uai: str, subscription_id: str) -> None:
    """The provider's subscription web service call, with its bearer credential."""
    out = io.StringIO()
    call_command("gar_distributor", "--code", resource.distributor_code, "--token", stdout=out)
    token = re.search(r"Bearer token \(shown once\): (\S+)", out.getvalue()).group(1)
    pushed = requests.put(
        f"{live_server.url}/abonnements-ws/{subscription_id}",
        data=subscription_xml(resource, uai, subscription_id).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
        timeout=60,
    )
    assert pushed.status_code == 201, pushed.text


def assign_to_class(martin, uai: str, subscription_id: str, class_uid: str) -> None:
    console = f"/ressources/acces/api/console/{uai}"
    mine = {s["idAbonnement"] for s in martin.get(f"{console}/subscriptions").json()}
    assert subscription_id in mine
    assigned = martin.post(
        f"{console}/assignments",
        json={"idAbonnement": subscription_id, "target_kind": "classes", "target_codes": [class_uid]},
    )
    assert assigned.status_code == 201, assigned.text


def test_resource_goes_from_catalogue_to_lea_and_her_traces_are_pseudonymous(live_server, demo, login):
    # The catalogue answers for qualified resources only (refused or submitted ones stay out).
    resource = catalogue.resource_by_sso_service("cas", DEMO_CAS_SERVICE)
    assert resource is not None
    assert resource.approved_attributes == {"PRE"}
    uai, class_uid = demo.college.uai, str(demo.class_4b.uid)
    martin, lea = login("martin"), login("lea")

    # Start from a collège without this resource: Mme Martin withdraws the demo's assignment.
    console = f"/ressources/acces/api/console/{uai}"
    subscriptions = martin.get(f"{console}/subscriptions").json()
    for sub in subscriptions:
        if sub["idRessource"] == resource.ark:
            for assignment in sub["assignments"]:
                assert martin.delete(f"{console}/assignments/{assignment['id']}").status_code in (200, 204)
    listed = lea.get("/ressources/acces/api/mediacentre").json()["listeRessources"]["ressource"]
    assert resource.ark not in {r["idRessource"] for r in listed}
    launch = f"/ressources/acces/lancer/{resource.ark}"
    assert lea.get(launch, allow_redirects=False).status_code == 403

    # The provider pushes a subscription through the web service; Mme Martin, responsable
    # d'affectation, assigns it to 4e B in the console API.
    push_subscription(live_server, resource, uai, SUBSCRIPTION_ID)
    assign_to_class(martin, uai, SUBSCRIPTION_ID, class_uid)
    usage = martin.get(f"{console}/subscriptions").json()
    used = next(s for s in usage if s["idAbonnement"] == SUBSCRIPTION_ID)["usage"]
    pupils = next(u for u in used if u["audience"] == "ELEVE")
    # One licence per pupil of 4e B, out of the 40 pushed.
    class_size = len(referentiel.pupils_of_class(demo.class_4b))
    assert (pupils["used"], pupils["limit"], pupils["remaining"]) == (class_size, 40, 40 - class_size)

    # Léa's médiacentre lists it; launching checks the assignment and sends her to the provider.
    listed = lea.get("/ressources/acces/api/mediacentre").json()["listeRessources"]["ressource"]
    entry = next(r for r in listed if r["idRessource"] == resource.ark)
    assert entry["uaiEtab"] == uai
    launched = lea.get(launch, allow_redirects=False)
    assert launched.status_code == 302 and launched.headers["Location"] == resource.launch_url

    # The provider signs her in by CAS: only IDO, PRO, UAI, DIV and the approved PRE.
    client = cas_client(live_server, launched.headers["Location"])
    ido, attributes, _pgt = client.verify_ticket(obtain_ticket(lea, client))
    protocol = ("authenticationDate", "isFromNewLogin", "longTermAuthenticationRequestTokenUsed")
    released = {k: v for k, v in attributes.items() if k not in protocol}
    assert set(released) == {"IDO", "PRO", "UAI", "DIV", "PRE"}
    assert released["IDO"] == ido == access.provider_subject(demo.user("lea"), resource.distributor_code)
    assert (released["PRO"], released["UAI"], released["PRE"]) == ("National_elv", uai, "Léa")
    div = released["DIV"] if isinstance(released["DIV"], list) else [released["DIV"]]
    assert f"{demo.class_4b.code}##{demo.class_4b.name}" in div

    # The accesses are logged under the pseudonym only (statistics for Pilotage).
    logged = ResourceAccess.objects.filter(ark=resource.ark, ido=ido, uai=uai)
    assert set(logged.values_list("channel", flat=True)) == {"launch", "cas"}

    # The resource reports her exercise to Traces with its LRS credentials, as the pseudonym.
    out = io.StringIO()
    call_command(
        "lrs_credentials",
        "create",
        "--name",
        "editeur-geometrie",
        "--scopes",
        "statements/write,statements/read",
        stdout=out,
    )
    key = re.search(r"key: (\S+)", out.getvalue()).group(1)
    secret = re.search(r"secret: (\S+)", out.getvalue()).group(1)
    statement_id = str(uuid.uuid4())
    statement = {
        "id": statement_id,
        "actor": {"objectType": "Agent", "account": {"homePage": resource.launch_url, "name": ido}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"fr-FR": "a terminé"}},
        "object": {"id": f"{resource.launch_url}exercices/triangles-1", "objectType": "Activity"},
        "result": {"score": {"scaled": 0.8}, "success": True},
    }
    posted = requests.post(
        f"{live_server.url}/xapi/statements", json=statement, auth=(key, secret), headers=XAPI, timeout=60
    )
    assert posted.status_code == 200, posted.text
    assert posted.json() == [statement_id]
    stored = requests.get(
        f"{live_server.url}/xapi/statements?statementId={quote(statement_id)}",
        auth=(key, secret),
        headers=XAPI,
        timeout=60,
    )
    assert stored.status_code == 200, stored.text
    actor = stored.json()["actor"]
    assert actor["account"]["name"] == ido
    text = stored.text.lower()
    lea_person = demo.persons["lea"]
    for private in (lea_person.last_name, lea_person.email, "lea", str(lea_person.uid)):
        if private:
            assert private.lower() not in text, private

    # Léa leaves 4e B (the registry's enrolment ends): she loses the access at once, at the
    # médiacentre and at the IdP alike.
    Enrolment.objects.filter(person__uid=lea_person.uid, class_group=demo.class_4b).update(
        end_date=dt.date.today() - dt.timedelta(days=1)
    )
    assert lea.get(launch, allow_redirects=False).status_code == 403
    refused = lea.get(cas_client(live_server, resource.launch_url).get_login_url(), allow_redirects=False)
    assert refused.status_code == 403
    assert "Cette ressource ne vous a pas été affectée" in refused.text


class DemoSamlResource(SP):
    """The demo SAML resource's service provider (pysaml2), under the entityID and ACS the demo
    registered in Identité. Its own key pair is new: the IdP needs none of it (the SP signs no
    request and wants no encryption), only the ACS it checks against the registration."""

    def __init__(self, live_server, tmp_path):
        super().__init__(live_server, tmp_path, "demo-labo")
        config = SPConfig()
        config.load(
            {
                "entityid": DEMO_SAML_ENTITY_ID,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": self.config.key_file,
                "cert_file": self.config.cert_file,
                "metadata": {"local": [str(tmp_path / "demo-labo" / "idp.xml")]},
                "allow_unknown_attributes": True,
                "service": {
                    "sp": {
                        "endpoints": {"assertion_consumer_service": [(DEMO_SAML_ACS, BINDING_HTTP_POST)]},
                        "want_response_signed": True,
                        "want_assertions_signed": True,
                        "authn_requests_signed": False,
                        "name_id_format": NAMEID_FORMAT_PERSISTENT,
                        "allow_unsolicited": False,
                    }
                },
            }
        )
        self.config, self.client = config, Saml2Client(config=config)
        self.entity_id, self.acs = DEMO_SAML_ENTITY_ID, DEMO_SAML_ACS


def test_demo_saml_resource_gets_only_ido_pro_uai_div(live_server, demo, login, tmp_path):
    """The demo provider's second resource, reached by SAML (pysaml2): no extra attribute is
    approved for it, so Léa's assertion carries IDO, PRO, UAI and DIV only, IDO being the same
    pseudonym as for the provider's CAS resource (one per provider, not per resource)."""
    resource = catalogue.resource_by_sso_service("saml", DEMO_SAML_ENTITY_ID)
    assert resource is not None and resource.approved_attributes == frozenset()
    martin, lea = login("martin"), login("lea")
    # The demo seed does not give the collège a subscription to this resource (see the report on
    # socle.ressources.gar.demo): the provider pushes one and Mme Martin assigns it to 4e B.
    push_subscription(live_server, resource, demo.college.uai, "JOURNEE-3-SAML")
    assign_to_class(martin, demo.college.uai, "JOURNEE-3-SAML", str(demo.class_4b.uid))
    listed = lea.get("/ressources/acces/api/mediacentre").json()["listeRessources"]["ressource"]
    assert resource.ark in {r["idRessource"] for r in listed}
    launched = lea.get(f"/ressources/acces/lancer/{resource.ark}", allow_redirects=False)
    assert launched.status_code == 302 and launched.headers["Location"] == resource.launch_url

    sp = DemoSamlResource(live_server, tmp_path)
    request_id, location = sp.start_redirect()
    response, raw, _relay = sp.finish(lea.get(location).text, request_id)
    ido = access.provider_subject(demo.user("lea"), resource.distributor_code)
    assert response.assertion.subject.name_id.text == ido
    assert set(response.ava) == {"IDO", "PRO", "UAI", "DIV"}
    assert response.ava["IDO"] == [ido] and response.ava["PRO"] == ["National_elv"]
    assert response.ava["UAI"] == [demo.college.uai]
    assert f"{demo.class_4b.code}##{demo.class_4b.name}" in response.ava["DIV"]
    lea_person = demo.persons["lea"]
    assert lea_person.first_name not in raw and lea_person.last_name not in raw
