"""The LRS under granian, the WSGI server docs/traces.md recommends for /xapi/ (HTTP parsed in
Rust, the body handed to Django as a stream): a real server process on the test database,
driven by the `tincan` client and raw HTTP, for the request shapes where servers differ
(JSON batches, multipart bodies, HEAD)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from tincan import Agent

from .conftest import LRSClient, make_credential, multipart_statement, statement

pytestmark = pytest.mark.django_db(transaction=True)
SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def granian_url(transactional_db):
    if connection.vendor != "postgresql":
        pytest.fail("the Traces tests run on PostgreSQL (make test starts it)")
    database = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socle.settings.test",
        "DATABASE_URL": "postgres://{}:{}@{}:{}/{}".format(
            *(quote(str(database[key] or ""), safe="") for key in ("USER", "PASSWORD", "HOST", "PORT")),
            quote(database["NAME"], safe=""),
        ),
        "PYTHONPATH": str(SRC),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("granian")),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "2",
            "--no-access-log",
            "socle.wsgi:application",
        ],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, "granian exited at start"
                assert time.monotonic() < deadline, "granian did not listen within 60 s"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def granian_lrs(granian_url) -> LRSClient:
    key, secret = make_credential("granian-client", ["all"])
    return LRSClient(granian_url, key, secret)


def test_batches_are_stored_and_queried_through_granian(granian_lrs):
    statements = [statement(actor={"mbox": f"mailto:pupil{index}@example.org"}) for index in range(50)]
    posted = granian_lrs.post_statements(statements)
    assert posted.status == 200, posted.body
    assert posted.json() == [s["id"] for s in statements]
    found = granian_lrs.remote().query_statements({"agent": Agent(mbox="mailto:pupil7@example.org")})
    assert found.success, found.data
    assert [str(s.id) for s in found.content.statements] == [statements[7]["id"]]
    head = granian_lrs.request("HEAD", "statements", {"statementId": statements[0]["id"]})
    assert head.status == 200
    assert head.body == b""
    assert "x-experience-api-consistent-through" in head.headers


def test_multipart_attachments_through_granian(granian_lrs):
    content = b"compte rendu " * 5000  # larger than one socket read
    data, body, headers = multipart_statement(content)
    posted = granian_lrs.request("POST", "statements", body=body, headers=headers)
    assert posted.status == 200, posted.body
    fetched = granian_lrs.request("GET", "statements", {"statementId": data["id"], "attachments": "true"})
    assert fetched.status == 200
    assert fetched.headers["content-type"].startswith("multipart/mixed")
    assert content in fetched.body
