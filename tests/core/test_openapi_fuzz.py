"""Schemathesis against every OpenAPI document of the live test server.

For each of the six OpenAPI documents the platform serves, pytest-django's live server (the real
Django stack, on PostgreSQL) is fuzzed by schemathesis's pytest integration: every operation,
through the examples, coverage and fuzzing phases, with schema-valid and schema-violating data,
authenticated — an API token holding every scope, or the session (cookie and CSRF token) of
Mme Martin, teacher and responsable d'affectation of her collège — and every check on every
response: no server error; status, content type, headers and body as the document says;
schema-violating requests refused and schema-valid ones accepted; a request without its
credentials refused. `MAX_EXAMPLES` bounds each operation so that the six documents take a few
minutes on a loaded 2-core machine.

What the schemas state but a generator cannot guess is taught to it, never relaxed in the checks:
- the custom string format "uai" (the control letter a pattern cannot say) generates valid UAIs,
  the registry's and others;
- date-times and dates stay within the documented years 0001–9999 once in UTC, with a day's
  margin (RFC 3339 allows year 0000 and leap seconds, which no Python date can hold);
- a `cursor` is an opaque token the server issues: schema-valid cases go without one (a forged
  cursor is rightly a 400, tested with the pagination);
- NUL characters are not generated: where they go (any parameter, any string of any body) they
  are refused by the one error path, tested in test_api_errors.
A schema-valid request may still break a rule the schema cannot say (a due date in the past, a
target outside the subscription): that is a 422 `invalid_body`/`invalid_input`, accepted as the
answer to schema-valid data, like 401/403/404/409."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from hypothesis import strategies as st
from schemathesis.specs.openapi.formats import STRING_FORMATS

from socle.core.models import ApiToken
from socle.referentiel.codes import make_uai
from tests.identite.conftest import world  # noqa: F401 - fixture
from tests.ressources.gar.conftest import catalogue, distributors, subscribe  # noqa: F401 - fixtures

MAX_EXAMPLES = 10
DOCUMENTS = {
    "referentiel": ("/api/referentiel/openapi.json", "token"),
    "ressources": ("/api/ressources/openapi.json", "token"),
    "ressources-acces": ("/ressources/acces/api/openapi.json", "session"),
    "pilotage": ("/pilotage/api/openapi.json", "token"),
    "vie-scolaire": ("/vie-scolaire/api/openapi.json", "session"),
    "diffusion": ("/vie-scolaire/diffusion/api/openapi.json", "token"),
}
ALL_SCOPES = [
    "referentiel:read",
    "referentiel:read:persons",
    "ressources:read",
    "ressources:submit",
    "ressources:review",
    "pilotage:read",
    "pilotage:declare",
    "diffusion:read",
    "diffusion:manage",
]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "with-security-parameters": False,
            "allow-x00": False,
            "database": "none",
        },
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"],
            },
        },
        "phases": {"stateful": {"enabled": False}},
        # A loaded CI machine answers slowly; a timeout is not what is being tested.
        "request-timeout": 120,
    }
)
CASES: Counter = Counter()
EARLIEST, LATEST = dt.datetime(1, 1, 3, tzinfo=dt.UTC), dt.datetime(9999, 12, 29, tzinfo=dt.UTC)


def _datetimes():
    offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
    return st.builds(
        lambda moment, tz: moment.astimezone(tz).isoformat(),
        st.datetimes(EARLIEST.replace(tzinfo=None), LATEST.replace(tzinfo=None), timezones=st.just(dt.UTC)),
        offsets,
    )


@pytest.fixture
def formats(world):  # noqa: F811
    """The generators' knowledge of the documented formats, restored afterwards."""
    known = sorted(school.uai for school in world.schools.values())
    uais = st.sampled_from(known) | st.integers(0, 9_999_999).map(lambda n: make_uai(f"{n:07d}"))
    dates = st.dates(EARLIEST.date(), LATEST.date()).map(str)
    saved = {name: STRING_FORMATS.get(name) for name in ("uai", "date-time", "date")}
    for name, strategy in (("uai", uais), ("date-time", _datetimes()), ("date", dates)):
        schemathesis.openapi.format(name, strategy)
    yield
    for name, strategy in saved.items():
        if strategy is None:
            STRING_FORMATS.pop(name, None)
        else:
            STRING_FORMATS[name] = strategy


def _credentials(kind: str, world) -> dict:  # noqa: F811
    user = world.users["martin"]
    if kind == "token":
        _token, secret = ApiToken.issue("fuzz", ALL_SCOPES, created_by=user)
        return {"Authorization": f"Bearer {secret}"}
    client = Client()
    client.force_login(user)
    csrf = _get_new_csrf_string()
    return {
        "Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
        "X-CSRFToken": _mask_cipher_secret(csrf),
    }


@pytest.fixture(params=list(DOCUMENTS))
def api_schema(request, live_server, world, catalogue, distributors, formats):  # noqa: F811
    # schemathesis 4.32 renames the pytest node through `_nodeid`, which pytest 9.2 lacks.
    request.node._nodeid = request.node.nodeid
    path, kind = DOCUMENTS[request.param]
    subscribe(distributors["EDMATHS"][0], catalogue["cas"].ark, world.schools["college"].uai)
    request.node.credentials = _credentials(kind, world)
    request.node.document = request.param
    schema = schemathesis.openapi.from_url(live_server.url + path, config=CONFIG, timeout=120)

    @schema.hook
    def map_case(context, case):
        mode = case.meta.generation.mode if case.meta is not None else None
        if mode is not None and mode.name == "POSITIVE" and case.query and "cursor" in case.query:
            case.query = {k: v for k, v in case.query.items() if k != "cursor"}
        return case

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_openapi_document_holds_under_fuzzing(case, request):
    CASES[request.node.document] += 1
    case.call_and_validate(headers=request.node.credentials)
