"""GAR-ENT export: golden files, XSD validation, tar.gz + md5, profiles, agreement."""

import datetime as dt
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import xmlschema
from django.core.management import CommandError, call_command

from socle.echanges.agreements import AgreementRefused
from socle.echanges.gar.export import XSD, GarExportError, export_gar
from socle.echanges.models import AccessLogEntry
from socle.referentiel.models import ClassGroup, StaffFunction

from .agreements_fixtures import make_agreement

GOLDEN = Path(__file__).parent / "golden" / "gar"
AT = dt.date(2025, 10, 1)


@pytest.fixture
def gar_agreement(world):
    StaffFunction.objects.create(
        person=world["teacher"],
        etablissement=world["college"],
        role="documentaliste",
        begin_date=dt.date(2025, 9, 1),
    )
    return make_agreement(
        name="GAR",
        consumer_kind="gar",
        allowed_fields=[
            "users.familyName",
            "users.givenName",
            "users.email",
            "demographics.birthDate",
            "demographics.sex",
        ],
        departements=["35", "94"],
    )


def test_gar_files_match_golden_and_validate(gar_agreement, tmp_path):
    result = export_gar(tmp_path, agreement=gar_agreement, at=AT)
    schema = xmlschema.XMLSchema(XSD)
    for kind in ("Eleve", "Enseignant", "Etab", "Groupe", "RespAff"):
        name = f"SOCLE_GAR-ENT_Complet_20251001_{kind}_0000.xml"
        produced = (tmp_path / name).read_text(encoding="utf-8")
        assert produced == (GOLDEN / name).read_text(encoding="utf-8"), name
        assert schema.is_valid(str(tmp_path / name))
    assert result.counts == {"Eleve": 5, "Enseignant": 2, "RespAff": 1, "Etab": 5, "Groupe": 11}
    with tarfile.open(result.archive) as tar:
        assert sorted(tar.getnames()) == sorted(
            f"SOCLE_GAR-ENT_Complet_20251001_{k}_0000.xml"
            for k in ("Eleve", "Enseignant", "Etab", "Groupe", "RespAff")
        )
    digest = hashlib.md5(result.archive.read_bytes(), usedforsecurity=False).hexdigest()
    assert result.md5_file.read_text() == f"{digest}  {result.archive.name}\n"
    entry = AccessLogEntry.objects.get(channel="gar")
    assert (entry.agreement, entry.record_count) == (gar_agreement, 24)


def test_profiles_are_derived_from_functions(gar_agreement, tmp_path):
    export_gar(tmp_path, agreement=gar_agreement, at=AT)
    teachers = (tmp_path / "SOCLE_GAR-ENT_Complet_20251001_Enseignant_0000.xml").read_text()
    assert teachers.count("<men:GARPersonProfil>National_doc</men:GARPersonProfil>") == 1
    assert teachers.count("<men:GARPersonProfil>National_ens</men:GARPersonProfil>") == 1
    assert teachers.count("<men:GARPersonProfil>National_dir</men:GARPersonProfil>") == 1
    groups = (tmp_path / "SOCLE_GAR-ENT_Complet_20251001_Groupe_0000.xml").read_text()
    assert "<men:GARGroupeStatut>GROUPE</men:GARGroupeStatut><men:GARGroupeDivAppartenance>6A" in groups


def test_fields_outside_the_agreement_are_not_sent(world, tmp_path):
    agreement = make_agreement(name="GAR minimal", allowed_fields=["users.familyName", "users.givenName"])
    export_gar(tmp_path, agreement=agreement, at=AT)
    text = "".join(p.read_text() for p in tmp_path.glob("*.xml"))
    assert (
        "GARPersonDateNaissance" not in text
        and "GARPersonMail" not in text
        and "GARPersonCivilite" not in text
    )
    assert "0940002S" not in text


def test_agreement_without_names_is_refused(world, tmp_path):
    agreement = make_agreement(name="GAR sans noms", allowed_fields=["users.givenName"])
    with pytest.raises(
        AgreementRefused, match=r"the GAR flow needs users\.familyName, outside the agreement"
    ):
        export_gar(tmp_path, agreement=agreement, at=AT)
    assert AccessLogEntry.objects.get().granted is False


def test_invalid_data_is_never_packaged(world, tmp_path):
    ClassGroup.objects.filter(code="6A").update(name="")
    with pytest.raises(GarExportError, match=r"Groupe_0000\.xml does not validate against gar-ent\.xsd"):
        export_gar(tmp_path, at=AT)
    assert not list(tmp_path.glob("*.tar.gz"))


def test_command(gar_agreement, tmp_path):
    out = io.StringIO()
    call_command("gar_export", str(tmp_path), "--agreement", "GAR", "--date", "2025-10-01", stdout=out)
    assert "SOCLE_GAR-ENT_Complet_20251001.tar.gz" in out.getvalue()
    gar_agreement.expires_on = dt.date(2025, 1, 1)
    gar_agreement.save()
    with pytest.raises(CommandError, match="refused"):
        call_command("gar_export", str(tmp_path), "--agreement", "GAR", "--date", "2025-10-01", stdout=out)
