"""Authentication, xAPI scopes and tenants."""

import json

import pytest
from django.core.management import call_command

from socle.core.models import ApiToken

from .conftest import LRSClient, statement

pytestmark = pytest.mark.django_db(transaction=True)


def test_credentials_are_required(lrs):
    assert lrs.request("GET", "statements", auth=False).status == 401
    wrong = LRSClient(lrs.base_url.removesuffix("xapi/"), lrs.key, "not-the-secret")
    response = wrong.request("GET", "statements")
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert lrs.request("GET", "about", auth=False).status == 200


def test_scopes(lrs_factory):
    writer = lrs_factory("writer", ["statements/write"])
    reader = lrs_factory("reader", ["statements/read"])
    state_only = lrs_factory("state", ["state"])
    data = statement()
    assert writer.post_statements(data).status == 200
    assert writer.request("GET", "statements").status == 403
    assert reader.post_statements(statement()).status == 403
    assert reader.request("GET", "statements", {"statementId": data["id"]}).status == 200
    params = {"activityId": "https://example.org/a", "agent": json.dumps({"mbox": "mailto:a@example.org"})}
    assert state_only.request("PUT", "activities/state", {**params, "stateId": "s"}, {"a": 1}).status == 204
    assert (
        state_only.request(
            "PUT", "activities/profile", {"activityId": "https://example.org/a", "profileId": "p"}, {"a": 1}
        ).status
        == 403
    )


def test_read_mine_only_sees_own_statements(lrs_factory):
    first = lrs_factory("first", ["statements/write", "statements/read/mine"])
    second = lrs_factory("second", ["statements/write", "statements/read/mine"])
    mine, theirs = statement(), statement()
    assert first.post_statements(mine).status == 200
    assert second.post_statements(theirs).status == 200
    ids = [s["id"] for s in first.request("GET", "statements").json()["statements"]]
    assert ids == [mine["id"]]
    assert first.request("GET", "statements", {"statementId": theirs["id"]}).status == 404


def test_tenants_are_isolated(lrs_factory):
    academy = lrs_factory("academy", ["all"], tenant="academie-lyon")
    publisher = lrs_factory("publisher", ["all"], tenant="editeur-x")
    data = statement()
    assert academy.post_statements(data).status == 200
    assert publisher.request("GET", "statements", {"statementId": data["id"]}).status == 404
    assert publisher.request("GET", "statements").json()["statements"] == []
    # The same id in another tenant is another statement, not a conflict.
    assert publisher.post_statements({**data, "verb": {"id": "https://example.org/v"}}).status == 200
    params = {"activityId": "https://example.org/a", "profileId": "p"}
    assert (
        academy.request("PUT", "activities/profile", params, {"a": 1}, {"If-None-Match": "*"}).status == 204
    )
    assert publisher.request("GET", "activities/profile", params).status == 404


def test_bearer_tokens(lrs):
    _, token = ApiToken.issue("lms", ["xapi:statements/write", "xapi:statements/read", "xapi:tenant:lms"])
    bearer = {"Authorization": f"Bearer {token}"}
    data = statement()
    assert lrs.request("POST", "statements", body=data, headers=bearer).status == 200
    fetched = lrs.request("GET", "statements", {"statementId": data["id"]}, headers=bearer)
    assert fetched.status == 200
    assert fetched.json()["authority"]["name"] == "lms"
    # Another tenant than the Basic credential's.
    assert lrs.request("GET", "statements", {"statementId": data["id"]}).status == 404
    assert lrs.request("GET", "statements", headers={"Authorization": "Bearer nope"}).status == 401


def test_credentials_command(capsys, lrs):
    call_command("lrs_credentials", "create", "--name", "cli", "--scopes", "statements/write,statements/read")
    out = capsys.readouterr().out
    key = out.split("key: ")[1].split()[0]
    secret = out.split("secret: ")[1].split()[0]
    client = LRSClient(lrs.base_url.removesuffix("xapi/"), key, secret)
    assert client.post_statements(statement()).status == 200
    call_command("lrs_credentials", "revoke", "--name", "cli")
    assert client.post_statements(statement()).status == 401


def test_identite_oauth_access_tokens(lrs):
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    application = get_application_model().objects.create(
        name="ENT Lyon",
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    get_access_token_model().objects.create(
        token="identite-access-token-for-tests",
        application=application,
        expires=timezone.now() + timedelta(minutes=5),
        scope="xapi:statements/write xapi:statements/read",
    )
    bearer = {"Authorization": "Bearer identite-access-token-for-tests"}
    data = statement()
    assert lrs.request("POST", "statements", body=data, headers=bearer).status == 200
    fetched = lrs.request("GET", "statements", {"statementId": data["id"]}, headers=bearer)
    assert fetched.status == 200
    assert fetched.json()["authority"]["account"]["name"] == f"oauth:{application.client_id}"
    # The OAuth client is its own tenant; a token without the xAPI scope may not write.
    assert lrs.request("GET", "statements", {"statementId": data["id"]}).status == 404
    get_access_token_model().objects.create(
        token="identite-token-without-xapi",
        application=application,
        expires=timezone.now() + timedelta(minutes=5),
        scope="openid",
    )
    no_scope = {"Authorization": "Bearer identite-token-without-xapi"}
    assert lrs.request("POST", "statements", body=statement(), headers=no_scope).status == 403
