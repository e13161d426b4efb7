"""State, Activity Profile and Agent Profile resources: tincan for the common calls, raw HTTP for
the concurrency rules."""

import json

import pytest
from tincan import Activity, Agent
from tincan.documents import ActivityProfileDocument, StateDocument

pytestmark = pytest.mark.django_db(transaction=True)

ACTIVITY = "https://example.org/activities/fractions"
AGENT = {"objectType": "Agent", "mbox": "mailto:alice@example.org"}


def test_state_with_tincan(lrs):
    remote = lrs.remote()
    agent = Agent(mbox="mailto:alice@example.org")
    activity = Activity(id=ACTIVITY)
    document = StateDocument(activity=activity, agent=agent, id="bookmark", content='{"page": 3}')
    document.content_type = "application/json"
    assert remote.save_state(document).success
    assert remote.save_state(
        StateDocument(activity=activity, agent=agent, id="other", content="plain text")
    ).success
    ids = remote.retrieve_state_ids(activity, agent)
    assert ids.success
    assert sorted(ids.content) == ["bookmark", "other"]
    fetched = remote.retrieve_state(activity, agent, "bookmark")
    assert fetched.success
    assert json.loads(fetched.content.content) == {"page": 3}
    # tincan does not read the ETag header back (it looks it up in a list of tuples): check it raw.
    raw = lrs.request(
        "GET", "activities/state", {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "bookmark"}
    )
    assert raw.headers["etag"].startswith('"') and raw.headers["etag"].endswith('"')
    assert remote.delete_state(fetched.content).success
    assert sorted(remote.retrieve_state_ids(activity, agent).content) == ["other"]
    assert remote.clear_state(activity, agent).success
    assert remote.retrieve_state_ids(activity, agent).content == []


def test_state_registration_and_merge(lrs):
    params = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "s"}
    registered = {**params, "registration": "8f1a7c94-3f5b-4a3e-9d1e-2c8b2d9e0a11"}
    assert lrs.request("PUT", "activities/state", registered, {"a": 1}).status == 204
    assert lrs.request("GET", "activities/state", params).status == 404
    assert lrs.request("POST", "activities/state", registered, {"b": 2}).status == 204
    assert lrs.request("GET", "activities/state", registered).json() == {"a": 1, "b": 2}
    # Merging into a document that is not JSON is refused.
    lrs.request("PUT", "activities/state", params, b"text", {"Content-Type": "text/plain"})
    assert lrs.request("POST", "activities/state", params, {"b": 2}).status == 400
    assert lrs.request("PUT", "activities/state", {**params, "agent": "{}"}, {"a": 1}).status == 400
    assert lrs.request("PUT", "activities/state", {**params, "activityId": "nope"}, {"a": 1}).status == 400


def test_activity_profile_with_tincan_and_concurrency(lrs):
    remote = lrs.remote()
    activity = Activity(id=ACTIVITY)
    params = {"activityId": ACTIVITY, "profileId": "settings"}
    # tincan sends no concurrency header when it creates a profile, which xAPI 1.0.3 refuses.
    profile = ActivityProfileDocument(activity=activity, id="settings", content='{"level": 1}')
    profile.content_type = "application/json"
    assert remote.save_activity_profile(profile).response.status == 400
    assert (
        lrs.request("PUT", "activities/profile", params, {"level": 1}, {"If-None-Match": "*"}).status == 204
    )
    fetched = remote.retrieve_activity_profile(activity, "settings")
    assert fetched.success
    assert json.loads(fetched.content.content) == {"level": 1}
    etag = lrs.request("GET", "activities/profile", params).headers["etag"]
    # With the ETag, tincan can replace it.
    profile.etag = etag
    profile.content = '{"level": 1, "saved": "tincan"}'
    assert remote.save_activity_profile(profile).success
    etag = lrs.request("GET", "activities/profile", params).headers["etag"].strip('"')
    # An existing profile cannot be overwritten blindly; a stale ETag fails; the right one wins.
    assert lrs.request("PUT", "activities/profile", params, {"level": 2}).status == 409
    assert (
        lrs.request("PUT", "activities/profile", params, {"level": 2}, {"If-Match": '"stale"'}).status == 412
    )
    assert (
        lrs.request("PUT", "activities/profile", params, {"level": 2}, {"If-None-Match": "*"}).status == 412
    )
    ok = lrs.request("PUT", "activities/profile", params, {"level": 2}, {"If-Match": f'"{etag}"'})
    assert ok.status == 204
    assert lrs.request("GET", "activities/profile", params).json() == {"level": 2}
    assert remote.retrieve_activity_profile_ids(activity).content == ["settings"]
    assert lrs.request("DELETE", "activities/profile", {"activityId": ACTIVITY}).status == 400


def test_agent_profile_with_tincan(lrs):
    remote = lrs.remote()
    agent = Agent(mbox="mailto:alice@example.org")
    created = lrs.request(
        "PUT",
        "agents/profile",
        {"agent": json.dumps(AGENT), "profileId": "preferences"},
        {"theme": "dark"},
        {"If-None-Match": "*"},
    )
    assert created.status == 204
    assert remote.retrieve_agent_profile_ids(agent).content == ["preferences"]
    fetched = remote.retrieve_agent_profile(agent, "preferences")
    assert json.loads(fetched.content.content) == {"theme": "dark"}
    params = {"agent": json.dumps(AGENT), "profileId": "preferences"}
    assert lrs.request("POST", "agents/profile", params, {"lang": "fr"}).status == 204
    assert lrs.request("GET", "agents/profile", params).json() == {"theme": "dark", "lang": "fr"}
    since = lrs.request(
        "GET", "agents/profile", {"agent": json.dumps(AGENT), "since": "2999-01-01T00:00:00Z"}
    )
    assert since.json() == []
    assert remote.delete_agent_profile(fetched.content).success
    assert lrs.request("GET", "agents/profile", params).status == 404
