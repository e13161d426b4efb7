"""ScoLOMFR import: mapping of the fixture notices, exact rejection messages, transactions."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from socle.ressources.importers import import_json, import_scolomfr
from socle.ressources.models import Resource, Status, VocabularyTerm

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_valid_notices_are_mapped(imported, provider):
    assert sorted(imported.created) == [
        "ark:/86527/geometrie-cycle3",
        "ark:/86527/lecture-cycle2",
        "ark:/86527/physique-college",
    ]
    geometry = Resource.objects.get(ark="ark:/86527/geometrie-cycle3")
    assert geometry.status == Status.DRAFT
    assert geometry.provider == provider
    assert geometry.title == "Atelier de constructions géométriques"
    assert geometry.publisher == "Éditions Exemple"
    assert (geometry.publisher_siren, geometry.publisher_isni) == ("123456782", "0000000121032683")
    assert geometry.keywords == ["figures planes", "compas"]
    assert geometry.licence == "Licence d'utilisation en établissement, par abonnement"
    assert geometry.accessibility.startswith("Conforme RGAA 4.1")
    assert geometry.cycles == ["3", "4"] and geometry.usages == ["in_class", "autonomous"]
    assert geometry.adaptive and geometry.exercises and geometry.teacher_results
    assert geometry.concentration_minutes == 15
    assert geometry.offer_nature == "edtech"  # the provider's nature by default
    assert geometry.audiences == ["ELEVE", "ENSEIGNANT"]  # from LOM intendedEndUserRole
    assert geometry.sso_protocol == "cas" and geometry.sso_service == "https://editeur-cas.demo.socle.test/"
    assert geometry.requested_attributes == ["PRE"] and geometry.approved_attributes == []
    assert sorted(t.code for t in geometry.terms.all()) == [
        "scolomfr-voc-005-num-041",
        "scolomfr-voc-010-num-027",
        "scolomfr-voc-015-num-9001",
        "scolomfr-voc-022-num-016",
        "scolomfr-voc-022-num-023",
    ]
    # A term absent from the reference data was added with the notice's label and its concept URI.
    new_term = VocabularyTerm.objects.get(code="scolomfr-voc-015-num-9001")
    assert new_term.label == "mathématiques (cycle 3)"
    assert new_term.uri == "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-015-num-9001"
    lecture = Resource.objects.get(ark="ark:/86527/lecture-cycle2")
    assert lecture.offer_nature == "commun" and lecture.publisher_isni == "0000000121032683"
    physics = Resource.objects.get(ark="ark:/86527/physique-college")
    assert physics.publisher == "Éditions Exemple"  # vCard ORG's first component
    assert physics.sso_protocol == "saml" and physics.requested_attributes == ["PRE", "NOM"]


def test_rejections_name_file_line_field_and_reason(provider):
    path = FIXTURES / "notices_invalid.xml"
    report = import_scolomfr([path], provider)
    assert report.created == ["ark:/86527/valide-dans-fichier-invalide"]
    assert [str(r) for r in report.rejected] == [
        f"{path}:7: identifier: expected an ark (ark:/NNNNN/name), got 'ressource-sans-ark'",
        f"{path}:16: publisher_siren: invalid SIREN '123456789': expected 9 digits with a valid key",
        f"{path}:28: concentration_minutes: expected a whole number of minutes between 1 and 240, "
        "got 'beaucoup'",
        f"{path}:32: sso_protocol: unknown value 'oidc': expected cas or saml",
        f"{path}:23: pedagogical_types: term scolomfr-voc-022-num-016 belongs to scolomfr-voc-022, "
        "expected scolomfr-voc-010",
        f"{path}:27: cycles: unknown value '5': expected one of 1, 2, 3, 4, lycee",
        f"{path}:31: launch_url: expected an https:// URL, got 'http://editeur.demo.socle.test/'",
        f"{path}:59: identifier: missing: a non-empty text is required",
        f"{path}:59: title: missing: a non-empty text is required",
        f"{path}:59: description: missing: a non-empty text is required",
        f"{path}:59: publisher: missing: a non-empty text is required",
        f"{path}:67: audiences: unknown value 'PARENT': expected one of AUTRE_PERSONNEL, DOCUMENTALISTE, "
        "ELEVE, ENSEIGNANT",
        f"{path}:59: audiences: at least one audience is required: ELEVE, ENSEIGNANT, DOCUMENTALISTE, "
        "AUTRE_PERSONNEL",
    ]
    assert Resource.objects.count() == 1


def test_malformed_file_is_rejected_whole(provider):
    good = (FIXTURES / "notices_valid.xml").read_bytes()
    broken = good.replace(b"</notices>", b"<lom:lom><unclosed></notices>")
    report = import_scolomfr([("broken.xml", io.BytesIO(broken))], provider)
    assert report.created == [] and Resource.objects.count() == 0
    assert len(report.rejected) == 1
    rejection = report.rejected[0]
    assert (rejection.file, rejection.field) == ("broken.xml", "file")
    assert rejection.reason.startswith("malformed XML: ") and rejection.reason.endswith(
        "; no notice of this file imported"
    )
    assert rejection.line > 150


def test_entities_are_not_expanded(provider):
    """A billion-laughs style DOCTYPE does not expand: the title stays without the entity."""
    xml = (FIXTURES / "notices_valid.xml").read_text()
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE notices [<!ENTITY a "AAAAAAAAAA">]>',
    ).replace("Lire avec Lou", "Lire avec Lou &a;")
    import_scolomfr([("entities.xml", io.BytesIO(xml.encode()))], provider)
    assert "AAAA" not in Resource.objects.get(ark="ark:/86527/lecture-cycle2").title


def test_file_without_notice_and_missing_file(provider, tmp_path):
    empty = tmp_path / "empty.xml"
    empty.write_text("<notices/>")
    report = import_scolomfr([empty, tmp_path / "absent.xml"], provider)
    assert [str(r) for r in report.rejected] == [
        f"{empty}:0: file: no <lom:lom> notice found (namespace http://ltsc.ieee.org/xsd/LOM)",
        f"{tmp_path / 'absent.xml'}:0: file: cannot be read: No such file or directory",
    ]


def test_reimport_updates_and_other_provider_is_refused(imported, provider, other_provider):
    again = import_scolomfr([FIXTURES / "notices_valid.xml"], provider)
    assert again.created == [] and len(again.updated) == 3
    stolen = import_scolomfr([FIXTURES / "notices_valid.xml"], other_provider)
    assert stolen.created == [] and stolen.updated == []
    assert {r.reason for r in stolen.rejected} == {
        f"{ark} is registered by another provider" for ark in imported.created
    }
    assert {r.field for r in stolen.rejected} == {"identifier"}


def test_qualified_notice_cannot_change(world, imported, provider):
    from .conftest import qualify_all

    qualify_all(world, ["ark:/86527/lecture-cycle2"])
    report = import_scolomfr([FIXTURES / "notices_valid.xml"], provider)
    assert [r.reason for r in report.rejected] == [
        "ark:/86527/lecture-cycle2 is qualified: a qualified notice cannot change (publish a new ark)"
    ]
    assert len(report.updated) == 2


def test_json_notice_and_unknown_term_without_label(provider):
    notice = {
        "ark": "ark:/86527/json-1",
        "title": "Quiz de géographie",
        "description": "Des cartes à compléter.",
        "publisher": "Éditions Exemple",
        "publisher_siren": "123456782",
        "levels": [
            {"uri": "http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-022-num-999", "label": ""}
        ],
        "launch_url": "https://editeur.demo.socle.test/quiz/",
        "sso_protocol": "saml",
        "sso_service": "https://editeur.demo.socle.test/quiz/sp",
        "audiences": ["ELEVE"],
        "adaptive": True,
    }
    report = import_json(notice, provider)
    assert [str(r) for r in report.rejected] == [
        "request:0: levels: unknown term scolomfr-voc-022-num-999 of scolomfr-voc-022: "
        "give its label to add it"
    ]
    notice["levels"] = [{"uri": "scolomfr-voc-022-num-023"}]  # a known term, bare code
    report = import_json(notice, provider)
    assert report.created == ["ark:/86527/json-1"]
    resource = Resource.objects.get(ark="ark:/86527/json-1")
    assert resource.adaptive and [t.label for t in resource.terms.all()] == ["5e"]


def test_command(provider, world, capsys):
    call_command(
        "import_scolomfr",
        str(FIXTURES / "notices_valid.xml"),
        provider="EDITEUR-EXEMPLE",
        submit_as="editeur",
    )
    assert "3 notice(s) created, 0 updated, 0 problem(s)" in capsys.readouterr().out
    assert Resource.objects.filter(status=Status.SUBMITTED).count() == 3
    with pytest.raises(CommandError, match="13 problem"):
        call_command("import_scolomfr", str(FIXTURES / "notices_invalid.xml"), provider="EDITEUR-EXEMPLE")
    assert "notices_invalid.xml:7: identifier: expected an ark" in capsys.readouterr().err
    with pytest.raises(CommandError, match="unknown provider 'NOPE'"):
        call_command("import_scolomfr", "x.xml", provider="NOPE")
    with pytest.raises(CommandError, match="'lea' is not a member of Éditions Exemple"):
        call_command("import_scolomfr", "x.xml", provider="EDITEUR-EXEMPLE", submit_as="lea")
