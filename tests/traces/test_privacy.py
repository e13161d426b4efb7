"""Privacy: pseudonymisation on ingestion, retention purge, erasure of an agent."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from socle.traces.models import Document, Statement, StatementRelation

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = {"mbox": "mailto:alice@example.org"}


def test_pseudonymisation_on_ingestion(lrs, settings):
    settings.SOCLE_TRACES_PSEUDONYMISE = True
    settings.SOCLE_TRACES_PSEUDONYM_KEY = "a-test-key"
    data = statement(context={"instructor": {"name": "Mme Martin", "mbox": "mailto:martin@example.org"}})
    assert lrs.post_statements(data).status == 200
    stored = lrs.request("GET", "statements", {"statementId": data["id"]}).json()
    assert "mbox" not in stored["actor"] and "name" not in stored["actor"]
    assert stored["actor"]["account"]["homePage"] == "https://socle.education.gouv.fr/pseudonyme"
    assert len(stored["actor"]["account"]["name"]) == 32
    assert "martin" not in json.dumps(stored).lower()
    assert "alice" not in json.dumps(stored).lower()
    # The pseudonym is stable and keyed: the same person as mbox or as SHA-1 maps to it, and a
    # query by the real address still finds the statement.
    import hashlib

    sha1 = hashlib.sha1(b"mailto:alice@example.org").hexdigest()  # noqa: S324 - xAPI mbox_sha1sum
    second = statement(actor={"mbox_sha1sum": sha1})
    assert lrs.post_statements(second).status == 200
    again = lrs.request("GET", "statements", {"statementId": second["id"]}).json()
    assert again["actor"]["account"] == stored["actor"]["account"]
    found = lrs.request("GET", "statements", {"agent": json.dumps(ALICE)}).json()["statements"]
    assert {s["id"] for s in found} == {data["id"], second["id"]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM traces_statement WHERE data::text LIKE %s", ["%alice@%"])
        assert cursor.fetchone()[0] == 0
    settings.SOCLE_TRACES_PSEUDONYM_KEY = "another-key"
    third = statement()
    lrs.post_statements(third)
    other = lrs.request("GET", "statements", {"statementId": third["id"]}).json()
    assert other["actor"]["account"]["name"] != stored["actor"]["account"]["name"]


def test_erasure_leaves_no_trace(lrs, capsys):
    about_alice = [
        statement(),
        statement(actor={"mbox": "mailto:bob@example.org"}, object={"objectType": "Agent", **ALICE}),
        statement(
            actor={"mbox": "mailto:bob@example.org"},
            context={"team": {"objectType": "Group", "member": [{"mbox": "mailto:alice@example.org"}]}},
        ),
    ]
    unrelated = statement(actor={"mbox": "mailto:bob@example.org"})
    assert lrs.post_statements([*about_alice, unrelated]).status == 200
    params = {"activityId": "https://example.org/a", "agent": json.dumps(ALICE), "stateId": "s"}
    assert lrs.request("PUT", "activities/state", params, {"x": 1}).status == 204
    assert (
        lrs.request(
            "PUT",
            "agents/profile",
            {"agent": json.dumps(ALICE), "profileId": "p"},
            {"x": 1},
            {"If-None-Match": "*"},
        ).status
        == 204
    )
    call_command("traces_erase_agent", "alice@example.org")
    assert "erased 3 statement(s) and 2 document(s)" in capsys.readouterr().out
    remaining = lrs.request("GET", "statements").json()["statements"]
    assert [s["id"] for s in remaining] == [unrelated["id"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM traces_statement WHERE data::text LIKE %s", ["%alice@%"])
        assert cursor.fetchone()[0] == 0
    assert not Document.objects.exists()
    assert not StatementRelation.objects.exclude(statement_id__in=Statement.objects.values("id")).exists()


def test_erasure_of_a_pseudonymised_agent(lrs, settings):
    settings.SOCLE_TRACES_PSEUDONYMISE = True
    assert lrs.post_statements(statement()).status == 200
    assert Statement.objects.count() == 1
    call_command("traces_erase_agent", json.dumps(ALICE))
    assert Statement.objects.count() == 0


def test_retention_purge(lrs, capsys):
    old, recent = statement(), statement()
    assert lrs.post_statements([old, recent]).status == 200
    Statement.objects.filter(statement_id=old["id"]).update(stored=timezone.now() - timedelta(days=400))
    call_command("traces_purge", "--days", "365")
    assert "deleted 1 statement(s)" in capsys.readouterr().out
    assert list(Statement.objects.values_list("statement_id", flat=True)) == [
        Statement.objects.get(statement_id=recent["id"]).statement_id
    ]
    assert lrs.request("GET", "statements", {"statementId": old["id"]}).status == 404
