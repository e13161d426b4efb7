"""Fixtures of the Traces tests: a live LRS (pytest-django's live_server on PostgreSQL), its
credentials, the real `tincan` xAPI client library, and a raw HTTP helper for what the
library does not expose (status codes of invalid requests, headers, multipart)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

import pytest
from tincan import RemoteLRS

from socle.traces.http import forget_cached_credentials
from socle.traces.models import Credential
from socle.traces.store import forget_caches


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class LRSClient:
    """Raw HTTP to the live LRS with one credential."""

    def __init__(self, base_url: str, key: str, secret: str, version: str = "1.0.3") -> None:
        self.base_url = base_url.rstrip("/") + "/xapi/"
        self.key = key
        self.secret = secret
        self.version = version
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def request(
        self, method, resource, params=None, body=None, headers=None, *, auth=True, version=True
    ) -> Raw:
        parsed = urlparse(self.base_url)
        path = parsed.path + resource
        if params:
            path += "?" + urlencode(params)
        all_headers = {}
        if version:
            all_headers["X-Experience-API-Version"] = self.version
        if auth:
            all_headers["Authorization"] = self.auth
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return Raw(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def post_statements(self, statements, headers=None) -> Raw:
        return self.request("POST", "statements", body=statements, headers=headers)

    def remote(self, version: str = "1.0.3") -> RemoteLRS:
        return RemoteLRS(endpoint=self.base_url, version=version, username=self.key, password=self.secret)


def make_credential(name: str, scopes: list[str], tenant: str = "default") -> tuple[str, str]:
    credential, secret = Credential.issue(name, scopes, tenant)
    return credential.key, secret


@pytest.fixture
def lrs(live_server) -> LRSClient:
    forget_cached_credentials()
    forget_caches()
    key, secret = make_credential("test-client", ["all"])
    return LRSClient(live_server.url, key, secret)


@pytest.fixture
def lrs_factory(live_server):
    forget_cached_credentials()
    forget_caches()

    def make(name: str, scopes: list[str], tenant: str = "default", version: str = "1.0.3") -> LRSClient:
        key, secret = make_credential(name, scopes, tenant)
        return LRSClient(live_server.url, key, secret, version)

    return make


def statement(**overrides) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed", "fr-FR": "a terminé"},
        },
        "object": {
            "objectType": "Activity",
            "id": "https://example.org/activities/fractions",
            "definition": {"name": {"en-US": "Fractions", "fr-FR": "Fractions (fr)"}},
        },
    }
    data.update(overrides)
    return data


def multipart_statement(content: bytes) -> tuple[dict, bytes, dict[str, str]]:
    """A statement with one attachment whose content travels in the request: the statement, the
    multipart/mixed body and its Content-Type header."""
    sha2 = hashlib.sha256(content).hexdigest()
    data = statement(
        attachments=[
            {
                "usageType": "https://example.org/usage/report",
                "display": {"fr-FR": "compte rendu"},
                "contentType": "text/plain",
                "length": len(content),
                "sha2": sha2,
            }
        ]
    )
    boundary = "xapi-boundary"
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(data)}\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--".encode()
    )
    return data, body, {"Content-Type": f"multipart/mixed; boundary={boundary}"}
