"""xAPI evidence: statements received by the LRS (posted with the real `tincan` client) whose
activity declares CRCN competences through the documented extension count as practice of those
competences on the pupil's profile — found through Traces' services, by the pseudonym the
resource knows the pupil by (GAR's IDO), never by name. Voided statements do not count."""

import io
import uuid

import pytest
from django.test import Client
from tincan import Activity, ActivityDefinition, Agent, AgentAccount, Statement, StatementRef, Verb

from socle.ressources import demo as ressources_demo
from socle.ressources.gar import services as gar
from socle.traces import services as traces
from tests.traces.conftest import lrs  # noqa: F401  (fixture)

from .conftest import class_profiles

pytestmark = pytest.mark.django_db(transaction=True)
LAUNCH = "https://editeur-cas.demo.socle.test/messagerie/"


def learner(person) -> Agent:
    ido = gar.provider_subject_of_person(person.uid, ressources_demo.DISTRIBUTOR_CODE)
    return Agent(account=AgentAccount(home_page=LAUNCH, name=ido))


def exercise(number: int, codes) -> Activity:
    extensions = {traces.CRCN_EXTENSION: codes} if codes else {"https://example.org/other": "x"}
    return Activity(
        id=f"{LAUNCH}exercices/{number}",
        definition=ActivityDefinition(name={"fr-FR": f"Exercice {number}"}, extensions=extensions),
    )


def completed(person, activity) -> Statement:
    return Statement(
        id=uuid.uuid4(),
        actor=learner(person),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/completed", display={"fr-FR": "a terminé"}),
        object=activity,
    )


def test_statements_declaring_crcn_competences_are_evidence_of_practice(cw, lrs):  # noqa: F811
    ressources_demo.seed(io.StringIO())
    class_profiles(cw)
    lea, zoe = cw.persons["lea"], cw.persons["zoe"]
    remote = lrs.remote()
    sent = [
        completed(lea, exercise(1, ["2.1", "2.3"])),
        completed(lea, exercise(2, "2.1")),
        completed(lea, exercise(3, None)),  # no CRCN declared
        completed(zoe, exercise(1, ["2.1", "2.3"])),  # another pupil
        completed(lea, exercise(4, ["4.2"])),  # voided below
    ]
    for statement in sent:
        assert remote.save_statement(statement).success
    voiding = Statement(
        actor=learner(lea),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/voided", display={"en-US": "voided"}),
        object=StatementRef(id=sent[4].id),
    )
    assert remote.save_statement(voiding).success
    client = Client()
    client.force_login(cw.user("lea"))
    body = client.get(f"/competences/api/pupils/{lea.uid}/profile").json()
    evidence = {c["code"]: c["evidence"] for c in body["competences"] if c["evidence"]}
    assert evidence == {"2.1": 2, "2.3": 1}
    # The same through Traces' service: by pseudonym, per competence.
    ido = learner(zoe).account.name
    assert traces.crcn_evidence([ido]) == {ido: {"2.1": 1, "2.3": 1}}
    assert traces.crcn_codes({"extensions": {traces.CRCN_EXTENSION: ["2.1", "9.9", 3, "2.1"]}}) == ["2.1"]
