"""AAF import: golden set, idempotence, Complet semantics, bad input with exact messages."""

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from socle.core.models import ImportRejection, ImportRun
from socle.echanges.importers.aaf import import_aaf
from socle.referentiel.models import (
    ClassGroup,
    Enrolment,
    Etablissement,
    Guardianship,
    Person,
    StaffFunction,
    TeachingAssignment,
)
from socle.referentiel.territories import load_territories

GOLDEN = Path(__file__).parent / "golden"
AAF = GOLDEN / "aaf"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>\n'


@pytest.fixture
def school(db):
    load_territories()
    return Etablissement.objects.create(
        uai="0350001L",
        name="Collège Anne de Bretagne",
        type="college",
        departement_id="35",
        academie_id="14",
        region_id="53",
    )


def snapshot() -> str:
    lines = []
    for p in Person.objects.order_by("aaf_jointure"):
        lines.append(
            f"person {p.aaf_jointure} {p.last_name}|{p.first_name}|{p.birth_date}|{p.sex}|{p.ine}|{p.email}|"
            f"{p.mobile_phone}"
        )
    for g in ClassGroup.objects.order_by("code"):
        lines.append(f"class {g.code} {g.kind} {g.name!r} {g.school_year.code}")
    for e in Enrolment.objects.order_by("person__aaf_jointure", "class_group__code"):
        lines.append(f"enrolment {e.person.aaf_jointure} {e.class_group.code} {e.begin_date} {e.end_date}")
    for f in StaffFunction.objects.order_by("person__aaf_jointure", "role"):
        lines.append(
            f"function {f.person.aaf_jointure} {f.role} {f.etablissement.uai} {f.begin_date} {f.end_date}"
        )
    for a in TeachingAssignment.objects.order_by("person__aaf_jointure", "class_group__code"):
        lines.append(f"teaches {a.person.aaf_jointure} {a.class_group.code} {a.matiere_id} {a.end_date}")
    for g in Guardianship.objects.order_by("guardian__aaf_jointure"):
        lines.append(
            f"guardian {g.guardian.aaf_jointure} of {g.pupil.aaf_jointure} "
            f"{g.relationship} {g.legal_responsible}"
        )
    return "\n".join(lines) + "\n"


def test_golden_aaf_set(school):
    report = import_aaf(sorted(AAF.iterdir()))
    assert report.succeeded and report.rejected == 0, report.lines("aaf")
    assert snapshot() == (GOLDEN / "aaf_expected.txt").read_text(encoding="utf-8")
    assert ImportRun.objects.get(pk=report.run.pk).outcome == ImportRun.Outcome.SUCCEEDED


def test_repeated_import_is_idempotent(school):
    import_aaf(sorted(AAF.iterdir()))
    before = snapshot()
    stamps = sorted(Person.objects.values_list("date_last_modified", flat=True))
    report = import_aaf(sorted(AAF.iterdir()))
    assert report.succeeded and report.rejected == 0
    assert snapshot() == before
    assert sorted(Person.objects.values_list("date_last_modified", flat=True)) == stamps
    assert report.counts["persons_unchanged"] == 5
    assert report.counts.get("enrolments_created", 0) == 0


def _write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(HEADER + body + "</ficAlimMENESR>\n", encoding="utf-8")
    return path


def test_complet_file_without_a_pupil_ends_enrolments_but_keeps_the_person(school, tmp_path):
    import_aaf(sorted(AAF.iterdir()))
    eleve = (AAF / "ENT_0350001L_Complet_20250915_Eleve_0000.xml").read_text(encoding="utf-8")
    start = eleve.index("  <addRequest>", eleve.index("<id>1002</id>") - 200)
    without_bruno = eleve[:start] + "</ficAlimMENESR>\n"
    path = tmp_path / "ENT_0350001L_Complet_20251002_Eleve_0000.xml"
    path.write_text(without_bruno, encoding="utf-8")
    report = import_aaf([path])
    assert report.succeeded and report.rejected == 0
    bruno = Person.objects.get(aaf_jointure="1002")
    assert [e.end_date for e in Enrolment.objects.filter(person=bruno)] == [dt.date(2025, 10, 1)]
    assert Enrolment.objects.filter(person__aaf_jointure="1001", end_date__isnull=True).count() == 2
    assert report.counts["enrolments_ended_absent"] == 1


def test_delete_request_and_class_change(school, tmp_path):
    import_aaf(sorted(AAF.iterdir()))
    body = (
        "  <modifyRequest>\n    <identifier><id>1001</id></identifier>\n    <modifications>\n"
        '      <modification name="ENTEleveClasses" operation="replace">'
        "<value>7001$5B</value></modification>\n"
        "    </modifications>\n  </modifyRequest>\n"
        "  <deleteRequest>\n    <identifier><id>1002</id></identifier>\n  </deleteRequest>\n"
    )
    path = _write(tmp_path, "ENT_0350001L_Delta_20251104_Eleve_0000.xml", body)
    report = import_aaf([path])
    assert report.succeeded and report.rejected == 0, report.lines("delta")
    open_codes = sorted(
        Enrolment.objects.filter(person__aaf_jointure="1001", end_date__isnull=True).values_list(
            "class_group__code", flat=True
        )
    )
    assert open_codes == ["5B"]
    assert not Enrolment.objects.filter(person__aaf_jointure="1002", end_date__isnull=True).exists()
    assert Person.objects.filter(aaf_jointure="1002").exists()


BAD_ELEVE = """  <addRequest>
    <identifier><id>1101</id></identifier>
    <attributes>
      <attr name="sn"><value>DUPONT</value></attr>
      <attr name="givenName"><value>Jean</value></attr>
      <attr name="ENTPersonDateNaissance"><value>2014-03-02</value></attr>
    </attributes>
  </addRequest>
  <renameRequest>
    <identifier><id>1102</id></identifier>
  </renameRequest>
  <addRequest>
    <identifier><id>1103</id></identifier>
    <attributes>
      <attr name="sn"><value>DURAND</value></attr>
      <attr name="givenName"><value>Léa</value></attr>
      <attr name="ENTPersonDateNaissance"><value>31/02/2014</value></attr>
    </attributes>
  </addRequest>
  <addRequest>
    <identifier><id>1104</id></identifier>
    <attributes>
      <attr name="sn"><value>MOREAU</value></attr>
      <attr name="givenName"><value>Hugo</value></attr>
      <attr name="ENTEleveClasses"><value>9999$6A</value><value>6B</value></attr>
    </attributes>
  </addRequest>
  <addRequest>
    <identifier><id>1105</id></identifier>
    <attributes>
      <attr name="givenName"><value>Sans Nom</value></attr>
    </attributes>
  </addRequest>
  <deleteRequest>
    <identifier><id>4242</id></identifier>
  </deleteRequest>
"""


def test_bad_records_are_all_reported_with_file_line_and_reason(school, tmp_path):
    path = _write(tmp_path, "ENT_0350001L_Delta_20250915_Eleve_0000.xml", BAD_ELEVE)
    report = import_aaf([path])
    assert report.succeeded
    name = path.name
    assert [str(r) for r in report.kept] == [
        f"{name}: line 11: operation 'renameRequest': unknown operation: "
        "expected addRequest, modifyRequest or deleteRequest",
        f"{name}: line 3: ENTPersonDateNaissance '2014-03-02': expected a date dd/mm/yyyy",
        f"{name}: line 14: ENTPersonDateNaissance '31/02/2014': "
        "not a calendar date (day is out of range for month)",
        f"{name}: line 30: sn '': required",
        f"{name}: line 36: identifier/id '4242': deleteRequest for an unknown person",
        f"{name}: line 22: ENTEleveClasses '9999$6A': unknown structure '9999' (no EtabEducNat record)",
        f"{name}: line 22: ENTEleveClasses '6B': expected <structure>$<code>",
    ]
    assert ImportRejection.objects.filter(run=report.run).count() == 7
    assert list(Person.objects.values_list("aaf_jointure", flat=True)) == ["1104"]
    assert ImportRun.objects.get(pk=report.run.pk).outcome == ImportRun.Outcome.SUCCEEDED_WITH_REJECTIONS


def test_malformed_xml_is_fatal_and_writes_nothing(school, tmp_path):
    good = tmp_path / "ENT_0350001L_Complet_20250915_MatEducNat_0000.xml"
    shutil.copy(AAF / good.name, good)
    bad = tmp_path / "ENT_0350001L_Complet_20250915_Eleve_0000.xml"
    bad.write_text(HEADER + "  <addRequest>\n    <identifier><id>1</id>\n  </addRequest>\n</ficAlimMENESR>\n")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_aaf", str(good), str(bad), stdout=out)
    assert f"FATAL: {bad.name}: line 5: malformed XML: mismatched tag (column 5)" in out.getvalue()
    assert "Nothing was written." in out.getvalue()
    from socle.referentiel.models import Matiere

    assert Matiere.objects.count() == 0
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.FAILED
    assert run.rejections.get().reason == "FATAL: malformed XML: mismatched tag (column 5)"


def test_entity_expansion_and_xxe_are_refused(school, tmp_path):
    for body in (
        '<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
        "<ficAlimMENESR>&lol2;</ficAlimMENESR>",
        '<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<ficAlimMENESR>&xxe;</ficAlimMENESR>',
    ):
        path = tmp_path / "ENT_0350001L_Complet_20250915_Eleve_0000.xml"
        path.write_text('<?xml version="1.0"?>\n' + body)
        report = import_aaf([path])
        assert str(report.fatal) == (
            f"{path.name}: line 2: forbidden XML construct (EntitiesForbidden): "
            "entity declarations and external references are refused (XXE and entity-expansion protection)"
        )


def test_bad_file_name_and_unknown_school(school, tmp_path):
    path = tmp_path / "eleves.xml"
    path.write_text(HEADER + "</ficAlimMENESR>")
    assert str(import_aaf([path]).fatal) == (
        "eleves.xml: file name does not follow ENT_<UAI>_<Complet|Delta>_<yyyymmdd>_<Type>_<nnnn>.xml"
    )
    path = _write(tmp_path, "ENT_0350002X_Complet_20250915_Eleve_0000.xml", "")
    assert str(import_aaf([path]).fatal) == (
        f"{path.name}: school 0350002X is unknown to the Référentiel: import the Annuaire first"
    )


def test_guardian_link_errors(school, tmp_path):
    import_aaf(sorted(AAF.iterdir()))
    body = """  <addRequest>
    <identifier><id>2002</id></identifier>
    <attributes>
      <attr name="sn"><value>LE GALL</value></attr>
      <attr name="givenName"><value>Yann</value></attr>
      <attr name="ENTAuxPersRelEleveEleve"><value>1002$20$1$1$1$1</value><value>1999$20$1$1$1$1</value>
        <value>1002$77$1$1$1$1</value><value>1002$20</value></attr>
    </attributes>
  </addRequest>
"""
    path = _write(tmp_path, "ENT_0350001L_Delta_20251001_PersRelEleve_0000.xml", body)
    report = import_aaf([path])
    assert [str(r) for r in report.kept] == [
        f"{path.name}: line 3: ENTAuxPersRelEleveEleve '1999$20$1$1$1$1': "
        "unknown pupil '1999' (no Eleve record)",
        f"{path.name}: line 3: ENTAuxPersRelEleveEleve '1002$77$1$1$1$1': unknown kinship code '77'",
        f"{path.name}: line 3: ENTAuxPersRelEleveEleve '1002$20': expected 6 '$'-separated fields "
        "(pupil$kinship$financial$legal$contact$payment), found 2",
    ]
    link = Guardianship.objects.get(guardian__aaf_jointure="2002")
    assert (link.pupil.aaf_jointure, link.relationship, link.legal_responsible) == ("1002", "pere", True)
