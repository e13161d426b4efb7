"""Operators see agreements and the access log (read-only) in the admin."""

from django.contrib.auth import get_user_model

from socle.echanges.agreements import log_access

from .agreements_fixtures import make_agreement


def test_operator_reads_the_access_log(db, client):
    agreement = make_agreement()
    log_access(agreement, "oneroster_api", "GET /ims/oneroster/rostering/v1p2/users", 42)
    admin = get_user_model().objects.create_superuser("operator", "op@example.org", "a-long-password-1234")
    client.force_login(admin)
    page = client.get("/admin/echanges/accesslogentry/")
    assert page.status_code == 200
    assert "GET /ims/oneroster/rostering/v1p2/users" in page.content.decode()
    entry_id = agreement.access_log.get().pk
    assert client.post(f"/admin/echanges/accesslogentry/{entry_id}/delete/").status_code == 403
    assert client.get("/admin/echanges/agreement/").status_code == 200
