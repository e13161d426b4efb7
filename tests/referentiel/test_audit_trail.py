"""Every registry record carries source / status / date_last_modified, and every interactive
change is in the audit trail with who, when and what."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone

from socle.core.models import RecordStatus
from socle.referentiel.models import Etablissement, SchoolType
from socle.referentiel.territories import load_territories

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    load_territories()
    return Etablissement.objects.create(
        uai="0350122T",
        name="École primaire publique les Lucioles",
        type=SchoolType.ECOLE_PRIMAIRE,
        departement_id="35",
        academie_id="14",
        region_id="53",
    )


def test_new_records_are_active_with_a_modification_time(school):
    assert school.status == RecordStatus.ACTIVE
    assert school.source == "manual"
    assert timezone.now() - school.date_last_modified < dt.timedelta(seconds=5)


def test_saving_moves_date_last_modified_even_with_update_fields(school):
    before = school.date_last_modified
    school.name = "École des Lucioles"
    school.save(update_fields=["name"])
    school.refresh_from_db()
    assert school.date_last_modified > before
    assert school.name == "École des Lucioles"


def test_admin_edit_is_audited_with_actor_and_field_diff(school, client):
    operator = get_user_model().objects.create_superuser(
        "operateur", "op@example.org", "a-long-passphrase-2026"
    )
    client.force_login(operator)
    url = f"/admin/referentiel/etablissement/{school.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(name="École des Lucioles", commune="")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    entry = LogEntry.objects.get_for_object(school).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == operator
    assert entry.changes_dict["name"] == ["École primaire publique les Lucioles", "École des Lucioles"]
