"""Run by test_sqlite.py in a subprocess: the LRS on the embedded default (SQLite), end to end
through Django's test client. Prints one JSON line of observations."""

import base64
import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "socle.settings.dev"
import django

django.setup()
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from socle.traces.models import Credential, Statement  # noqa: E402

call_command("migrate", verbosity=0)
credential, secret = Credential.issue("smoke", ["all"])
headers = {
    "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode(),
    "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3",
}
client = Client(HTTP_HOST="127.0.0.1")
statement = {
    "actor": {"mbox": "mailto:a@example.org"},
    "verb": {"id": "http://example.org/verbs/read"},
    "object": {"id": "http://example.org/a", "definition": {"name": {"en": "A"}}},
    "context": {"contextActivities": {"parent": {"id": "http://example.org/p"}}},
}
out = {}
response = client.post("/xapi/statements", json.dumps([statement, statement]), "application/json", **headers)
out["post"] = response.status_code
params = {"activity": "http://example.org/p", "related_activities": "true", "limit": 1}
page = json.loads(client.get("/xapi/statements", params, **headers).content)
out["first_page"] = len(page["statements"])
out["second_page"] = len(json.loads(client.get(page["more"], **headers).content)["statements"])
agent = json.dumps({"mbox": "mailto:a@example.org"})
out["by_agent"] = len(
    json.loads(client.get("/xapi/statements", {"agent": agent}, **headers).content)["statements"]
)
# What PostgreSQL could not hold is refused on SQLite too (which would have stored it).
refusals = [
    {**statement, "timestamp": "9999-12-31T23:59:59-14:00"},
    {**statement, "actor": {"mbox": "mailto:a@example.org", "name": "N\u0000UL"}},
    {
        **statement,
        "result": {
            "extensions": {
                "http://example.org/x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
            }
        },
    },
    {**statement, "verb": {"id": "http://example.org/" + "v" * 2100}},
]
before = Statement.objects.count()
out["refused"] = [
    client.post("/xapi/statements", json.dumps(item), "application/json", **headers).status_code
    for item in refusals
]
out["stored_after_refusals"] = Statement.objects.count() - before
call_command("traces_erase_agent", "a@example.org", stdout=open(os.devnull, "w"))  # noqa: SIM115
out["after_erasure"] = Statement.objects.count()
sys.stdout.write(json.dumps(out) + "\n")
