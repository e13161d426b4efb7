"""The catalogue's pages through Django's test client: access rules, search, submission, review."""

import pytest
from django.urls import reverse

from socle.ressources.models import Resource, Status

from .conftest import FIXTURES, qualify_all

pytestmark = pytest.mark.django_db
GEOMETRY = "ark:/86527/geometrie-cycle3"
LECTURE = "ark:/86527/lecture-cycle2"


def login(client, world, name):
    client.force_login(world.users[name])
    return client


def test_search_page_access_and_results(client, world, imported):
    qualify_all(world, [GEOMETRY])
    url = reverse("ressources:search")
    assert client.get(url).status_code == 302  # login first
    login(client, world, "lea")
    assert client.get(url).status_code == 403  # pupils do not browse the catalogue
    login(client, world, "editeur")
    assert client.get(url)["Location"] == reverse("ressources:provider")  # a provider's entry point
    login(client, world, "ministere")
    assert reverse("ressources:review_queue") in client.get(url).content.decode()
    login(client, world, "martin")
    response = client.get(url, {"q": "géométrie", "cycle": "3"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert reverse("ressources:review_queue") not in response.content.decode()
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 ressource trouvée" in body
    assert "Atelier de constructions géométriques" in body
    assert 'name="cycle" value="3" checked' in body
    detail = client.get(reverse("ressources:detail", kwargs={"ark": GEOMETRY}))
    assert detail.status_code == 200 and "Conforme RGAA 4.1" in detail.content.decode()
    # A draft is invisible to a teacher: 404, not 403, so that it does not leak.
    assert client.get(reverse("ressources:detail", kwargs={"ark": LECTURE})).status_code == 404


def test_provider_uploads_and_submits(client, world, provider):
    url = reverse("ressources:provider")
    login(client, world, "martin")
    assert client.get(url).status_code == 403
    login(client, world, "editeur")
    with (FIXTURES / "notices_invalid.xml").open("rb") as upload:
        response = client.post(url, {"provider": "EDITEUR-EXEMPLE", "file": upload, "submit": "on"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "ligne 7, champ identifier : ark attendu (ark:/NNNNN/nom)" in body
    assert Resource.objects.get().status == Status.SUBMITTED  # the valid notice of that file
    with (FIXTURES / "notices_valid.xml").open("rb") as upload:
        response = client.post(url, {"provider": "EDITEUR-EXEMPLE", "file": upload})
    assert response.status_code == 302
    assert Resource.objects.filter(status=Status.DRAFT).count() == 3
    response = client.post(reverse("ressources:provider_submit", kwargs={"ark": GEOMETRY}))
    assert response.status_code == 302
    assert Resource.objects.get(ark=GEOMETRY).status == Status.SUBMITTED
    page = client.get(url).content.decode()
    assert page.count("<tr>") == 5  # header + 4 notices


def test_review_page(client, world, imported):
    resource = Resource.objects.get(ark=GEOMETRY)
    from socle.ressources import workflow

    workflow.submit(resource, world.user("editeur"))
    url = reverse("ressources:review", kwargs={"ark": GEOMETRY})
    login(client, world, "martin")
    assert client.get(reverse("ressources:review_queue")).status_code == 403
    assert client.post(url, {"decision": "qualify"}).status_code == 403
    login(client, world, "ministere")
    queue = client.get(reverse("ressources:review_queue")).content.decode()
    assert "Atelier de constructions géométriques" in queue
    response = client.post(url, {"decision": "qualify", "checklist": ["rgaa", "sso"]})
    assert response.status_code == 200
    assert (
        "qualification impossible : critères non remplis : personal_data, ecodesign"
        in response.content.decode()
    )
    response = client.post(url, {"decision": "refuse"})
    assert "un refus doit être motivé" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(
        url,
        {
            "decision": "qualify",
            "checklist": ["rgaa", "sso", "personal_data", "ecodesign"],
            "approved_attributes": ["PRE"],
        },
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Status.QUALIFIED and resource.approved_attributes == ["PRE"]
    assert client.get(url).status_code == 302  # no longer awaiting review
