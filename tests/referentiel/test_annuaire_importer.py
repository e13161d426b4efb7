"""The Annuaire de l'éducation importer: real extract, both schemas, idempotence, closures, audit."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from socle.core.models import ImportRun
from socle.referentiel.importers.annuaire import import_annuaire
from socle.referentiel.importers.annuaire_synthetic import school_row
from socle.referentiel.models import Commune, Etablissement, SchoolState

from .annuaire_helpers import COLLEGE, LYCEE, row, write

pytestmark = pytest.mark.django_db

REAL_EXTRACT = "fr-en-annuaire-education_dep035_2023-06.csv"


def _counts(result) -> dict:
    keys = ("read", "created", "updated", "unchanged", "closed", "rejected", "merged")
    return {key: result.counts[key] for key in keys}


# --- The real 2023 extract ---------------------------------------------------------------------
def test_real_extract_loads(shared_data):
    result = import_annuaire(shared_data / REAL_EXTRACT, actor_label="tester")

    assert result.fatal is None
    assert result.version == "2023"
    # 996 lines; three establishments have two lines each (etablissement_multi_lignes = 1).
    assert _counts(result) == {
        "read": 996,
        "created": 993,
        "updated": 0,
        "unchanged": 0,
        "closed": 0,
        "rejected": 0,
        "merged": 3,
    }
    assert Etablissement.objects.count() == 993

    lucioles = Etablissement.objects.get(uai="0350122T")
    assert lucioles.name == "Ecole primaire publique les Lucioles"
    assert lucioles.type == "ecole_primaire"  # nature 151 with a maternelle section
    assert (lucioles.commune_id, lucioles.commune.name) == ("35016", "Baulon")
    assert (lucioles.departement_id, lucioles.academie_id, lucioles.region_id) == ("35", "14", "53")
    assert (lucioles.collectivite_type, lucioles.collectivite_code) == ("commune", "35016")
    assert lucioles.sector == "public"
    assert lucioles.address == "6 rue PHILIPPE, 35580 BAULON"
    assert lucioles.postal_code == "35580"
    assert lucioles.opened_on == datetime.date(1965, 10, 1)
    assert lucioles.pupil_count == 143
    assert lucioles.circonscription_name == "Circonscription d'inspection du 1er degré de Bruz"
    assert lucioles.latitude == pytest.approx(47.98614492070133)
    assert lucioles.source == "annuaire"

    # The line that is not an annexe describes a multi-line establishment.
    assert Etablissement.objects.get(uai="0350852L").name == "Collège Saint-Joseph"
    assert Etablissement.objects.get(uai="0350778F").name == "Lycée Assomption"
    assert Etablissement.objects.get(uai="0351383N").state == SchoolState.TO_CLOSE

    public_college = Etablissement.objects.filter(type="college", sector="public").first()
    assert (public_college.collectivite_type, public_college.collectivite_code) == ("departement", "35")
    public_lycee = Etablissement.objects.filter(type="lycee_gt", sector="public").first()
    assert (public_lycee.collectivite_type, public_lycee.collectivite_code) == ("region", "53")
    assert not Etablissement.objects.exclude(sector="public").exclude(collectivite_type="").exists()
    assert Etablissement.objects.filter(education_prioritaire="REP+").count() == 6
    assert Commune.objects.count() == 295

    run = ImportRun.objects.get(pk=result.run.pk)
    assert (run.kind, run.outcome, run.actor_label) == ("annuaire", "succeeded", "tester")
    assert run.counts["created"] == 993
    entries = LogEntry.objects.filter(additional_data__import_run=run.pk)
    assert entries.count() == 993
    assert entries.filter(action=LogEntry.Action.CREATE).count() == 993


def test_real_extract_reimport_changes_nothing(shared_data):
    import_annuaire(shared_data / REAL_EXTRACT)
    stamps = dict(Etablissement.objects.values_list("uai", "date_last_modified"))
    logs = LogEntry.objects.count()

    again = import_annuaire(shared_data / REAL_EXTRACT, full=True)

    assert _counts(again) == {
        "read": 996,
        "created": 0,
        "updated": 0,
        "unchanged": 993,
        "closed": 0,
        "rejected": 0,
        "merged": 3,
    }
    assert dict(Etablissement.objects.values_list("uai", "date_last_modified")) == stamps
    assert LogEntry.objects.count() == logs


# --- Synthetic files, both schemas -------------------------------------------------------------
def test_synthetic_2026_schema_loads(tmp_path):
    path = write(tmp_path, [row(1, "2026"), row(2, "2026", nature=COLLEGE)], version="2026")

    result = import_annuaire(path)

    assert result.fatal is None
    assert result.version == "2026"
    assert result.notices == []
    assert _counts(result)["created"] == 2
    ecole = Etablissement.objects.get(uai=row(1)["Identifiant_de_l_etablissement"])
    assert ecole.circonscription_code == "035C01"
    assert ecole.postal_code == row(1, "2026")["Code_postal"]
    assert ecole.pupil_count is None  # no such column in 2026
    college = Etablissement.objects.get(uai=row(2)["Identifiant_de_l_etablissement"])
    assert (college.type, college.collectivite_type, college.collectivite_code) == (
        "college",
        "departement",
        "35",
    )


def test_2026_file_keeps_the_pupil_count_from_a_2023_file(tmp_path):
    import_annuaire(write(tmp_path, [row(1)], name="2023.csv"))
    uai = row(1)["Identifiant_de_l_etablissement"]
    assert Etablissement.objects.get(uai=uai).pupil_count == 51

    result = import_annuaire(write(tmp_path, [row(1, "2026")], name="2026.csv", version="2026"))

    school = Etablissement.objects.get(uai=uai)
    assert school.pupil_count == 51
    assert school.circonscription_code == "035C01"
    assert _counts(result)["updated"] == 1  # the circonscription code is new information


def test_reimport_is_idempotent(tmp_path):
    path = write(tmp_path, [row(n) for n in range(1, 6)])
    first = import_annuaire(path)
    stamps = dict(Etablissement.objects.values_list("uai", "date_last_modified"))

    second = import_annuaire(path)

    assert _counts(first)["created"] == 5
    assert _counts(second) == {
        "read": 5,
        "created": 0,
        "updated": 0,
        "unchanged": 5,
        "closed": 0,
        "rejected": 0,
        "merged": 0,
    }
    assert dict(Etablissement.objects.values_list("uai", "date_last_modified")) == stamps


def test_a_changed_line_updates_its_school_and_is_audited(tmp_path):
    import_annuaire(write(tmp_path, [row(1), row(2)], name="a.csv"))
    uai = row(1)["Identifiant_de_l_etablissement"]
    before = Etablissement.objects.get(uai=uai)

    result = import_annuaire(
        write(tmp_path, [row(1, Nom_etablissement="Ecole Jules Ferry"), row(2)], name="b.csv")
    )

    assert (_counts(result)["updated"], _counts(result)["unchanged"]) == (1, 1)
    after = Etablissement.objects.get(uai=uai)
    assert after.name == "Ecole Jules Ferry"
    assert after.date_last_modified > before.date_last_modified
    entry = LogEntry.objects.get(action=LogEntry.Action.UPDATE, object_pk=str(after.pk))
    assert entry.changes == {"name": [before.name, "Ecole Jules Ferry"]}
    assert entry.additional_data == {"import_run": result.run.pk}


def test_ferme_closes_the_school(tmp_path):
    import_annuaire(write(tmp_path, [row(1), row(2)], name="a.csv"))

    result = import_annuaire(write(tmp_path, [row(1, etat="FERME"), row(2)], name="b.csv"))

    assert (_counts(result)["updated"], _counts(result)["closed"]) == (1, 1)
    school = Etablissement.objects.get(uai=row(1)["Identifiant_de_l_etablissement"])
    assert school.state == SchoolState.CLOSED
    assert school.closed_on == timezone.localdate()
    entry = LogEntry.objects.get(action=LogEntry.Action.UPDATE, object_pk=str(school.pk))
    assert entry.changes["state"] == ["open", "closed"]
    # Closed stays closed, and a re-import does not move the closing date.
    again = import_annuaire(write(tmp_path, [row(1, etat="FERME"), row(2)], name="c.csv"))
    assert _counts(again)["unchanged"] == 2


def test_full_closes_schools_absent_from_the_file(tmp_path):
    import_annuaire(write(tmp_path, [row(1), row(2), row(3)], name="a.csv"))
    # A school of another département (Morbihan, 56): not covered by a file of 35.
    morbihan = school_row("56", "14", "53", 4)
    import_annuaire(write(tmp_path, [morbihan], name="56.csv"))
    other_departement = Etablissement.objects.get(uai=morbihan["Identifiant_de_l_etablissement"])

    partial = import_annuaire(write(tmp_path, [row(1), row(2)], name="b.csv"))
    assert Etablissement.objects.get(uai=row(3)["Identifiant_de_l_etablissement"]).state == "open"
    assert _counts(partial)["closed"] == 0

    full = import_annuaire(write(tmp_path, [row(1), row(2)], name="c.csv"), full=True)

    assert _counts(full)["closed"] == 1
    assert full.counts["closed_absent"] == 1
    absent = Etablissement.objects.get(uai=row(3)["Identifiant_de_l_etablissement"])
    assert (absent.state, absent.closed_on) == (SchoolState.CLOSED, timezone.localdate())
    assert Etablissement.objects.get(pk=other_departement.pk).state == SchoolState.OPEN
    assert Etablissement.objects.count() == 4  # closed, never deleted
    assert LogEntry.objects.get(additional_data__import_run=full.run.pk).changes["state"] == [
        "open",
        "closed",
    ]


def test_dry_run_writes_nothing(tmp_path):
    result = import_annuaire(write(tmp_path, [row(1), row(2)]), dry_run=True)

    assert _counts(result)["created"] == 2
    assert result.run.pk is None
    assert Etablissement.objects.count() == 0
    assert ImportRun.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_collectivite_follows_the_school_type(tmp_path):
    import_annuaire(
        write(tmp_path, [row(1), row(2, nature=COLLEGE), row(3, nature=LYCEE), row(4, public=False)])
    )
    pairs = dict(
        Etablissement.objects.values_list("nature_code", "collectivite_type").filter(sector="public")
    )
    assert pairs == {"151": "commune", "340": "departement", "300": "region"}
    private = Etablissement.objects.get(sector="prive_sous_contrat")
    assert (private.collectivite_type, private.collectivite_code) == ("", "")


def test_command_prints_the_report(tmp_path, capsys):
    path = write(tmp_path, [row(1), row(2, Identifiant_de_l_etablissement="0350002A")])

    call_command("import_annuaire", str(path), "--actor", "ops")

    out = capsys.readouterr().out
    assert "read 2, created 1, updated 0, unchanged 0, closed 0, rejected 1, merged 0" in out
    assert (
        "fr-en-annuaire.csv: line 3: Identifiant_de_l_etablissement '0350002A': "
        "control letter 'A' does not match the number (expected 'M')"
    ) in out
    assert ImportRun.objects.get().actor_label == "ops"
