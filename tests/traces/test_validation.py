"""The statement validator on its own: one case per rule family, each naming its JSON path."""

import pytest

from socle.traces.validation import XAPIValidationError, validate_statement

BASE = {
    "actor": {"mbox": "mailto:a@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "https://example.org/a"},
}


def with_(**changes):
    return {**BASE, **changes}


def test_a_minimal_statement_is_valid():
    assert validate_statement(BASE, "1.0.3") is BASE


@pytest.mark.parametrize(
    ("statement", "path"),
    [
        (with_(id="123"), "statement.id"),
        (with_(actor={"mbox": "mailto:a@example.org", "openid": "https://x.org"}), "statement.actor"),
        (with_(actor={"objectType": "Group"}), "statement.actor.member"),
        (with_(actor={"objectType": "agent", "mbox": "mailto:a@example.org"}), "statement.actor.objectType"),
        (
            with_(verb={"id": "http://x.org/v", "display": {"not a tag": "x"}}),
            "statement.verb.display.not a tag",
        ),
        (
            with_(object={"id": "https://x.org", "definition": {"choices": []}}),
            "statement.object.definition.choices",
        ),
        (with_(object={"objectType": "StatementRef", "id": "x"}), "statement.object.id"),
        (with_(result={"duration": "1 hour"}), "statement.result.duration"),
        (with_(result={"score": {"raw": 5, "min": 10, "max": 20}}), "statement.result.score.raw"),
        (with_(result={"success": "yes"}), "statement.result.success"),
        (with_(context={"registration": "nope"}), "statement.context.registration"),
        (
            with_(object={"objectType": "Agent", "mbox": "mailto:b@example.org"}, context={"platform": "x"}),
            "statement.context.platform",
        ),
        (with_(timestamp="2024-01-01T00:00:00-00:00"), "statement.timestamp"),
        (with_(timestamp="yesterday"), "statement.timestamp"),
        (with_(version="0.9"), "statement.version"),
        (with_(extra=1), "statement.extra"),
        (with_(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), "statement.object"),
        (with_(attachments=[{"usageType": "http://x.org"}]), "statement.attachments[0].display"),
        (with_(actor=None), "statement.actor"),
    ],
)
def test_invalid_statements_name_their_path(statement, path):
    with pytest.raises(XAPIValidationError) as error:
        validate_statement(statement, "1.0.3")
    assert error.value.path == path


def test_version_two_accepts_context_agents_only_in_2_0():
    statement = with_(
        context={"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@example.org"}}]}
    )
    assert validate_statement(statement, "2.0.0")
    with pytest.raises(XAPIValidationError):
        validate_statement(statement, "1.0.3")
    bad = with_(context={"contextAgents": [{"objectType": "contextAgent", "agent": {}, "relevantTypes": []}]})
    with pytest.raises(XAPIValidationError):
        validate_statement(bad, "2.0.0")
