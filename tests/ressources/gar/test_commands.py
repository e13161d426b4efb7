"""`socle gar-distributor`: registering a distributor's certificate fingerprint and token."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from socle.ressources.gar.models import Distributor

pytestmark = pytest.mark.django_db


def test_gar_distributor_registers_fingerprints_and_prints_a_working_token():
    out = io.StringIO()
    fingerprint = "AB:" * 31 + "AB"
    call_command(
        "gar_distributor",
        code="EDMATHS",
        name="Éditions Maths",
        fingerprint=[fingerprint],
        token=True,
        stdout=out,
    )
    token = re.search(r"Bearer token \(shown once\): (gar_\S+)", out.getvalue()).group(1)
    distributor = Distributor.objects.get(code="EDMATHS")
    assert distributor.fingerprints() == {"ab" * 32}
    assert token not in (distributor.token_digest, distributor.token_prefix)
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/abonnements-ws/abonnements")
    assert response.status_code == 200
    with pytest.raises(CommandError, match="expected a hexadecimal SHA-256"):
        call_command("gar_distributor", code="EDMATHS", fingerprint=["not-hex"], stdout=io.StringIO())
