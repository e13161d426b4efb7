"""Hypothesis fuzzing of the ScoLOMFR importer: the fixture's three valid notices, mutated (any
element's text replaced by odd, long or empty text, elements dropped, doubled or renamed) or the
file's bytes cut and corrupted. Whatever the input, on PostgreSQL:

- `import_scolomfr` never raises: every problem is a rejection naming file, line and field;
- nothing is half written: the resources in the database are exactly those the report says were
  created or updated, a rejected notice leaves no row, a file that is not well-formed leaves none;
- nothing is lost: every notice read is either written or rejected."""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from socle.ressources.importers import import_scolomfr
from socle.ressources.models import Resource, VocabularyTerm
from socle.ressources.vocabularies import ensure_seed_terms

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
VALID = (FIXTURES / "notices_valid.xml").read_bytes()
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text an XML 1.0 document can carry (no surrogates, no control characters but tab/newlines).
xml_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"), max_size=40
)
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "𝔵", "a b"]), st.integers(150, 3000))
arks = st.one_of(
    st.builds(lambda n: "ark:/86527/" + "a" * n, st.integers(150, 400)),
    st.sampled_from(["ark:/86527/", "ark:/1/x", "ark:/86527/a b", "ARK:/86527/x"]),
)
urls = st.one_of(
    st.builds(lambda n: "https://editeur.example/" + "p" * n, st.integers(400, 2100)),
    st.sampled_from(["https://", "http://editeur.example/", "https://é.example/", "javascript:alert(1)"]),
)
term_ids = st.builds(
    lambda vocabulary, n: f"http://data.education.fr/voc/scolomfr/concept/scolomfr-voc-{vocabulary}-num-{n}",
    st.sampled_from(["005", "010", "015", "022", "999"]),
    st.integers(0, 10**80),
)
odd_values = st.one_of(
    xml_text,
    long_text,
    st.just(""),
    st.sampled_from(["0", "-1", "241", "true", "cas", "saml", "ELEVE", "lycee", "learner"]),
    st.integers(-(10**30), 10**30).map(str),
)
# The fields the importer maps, each with values of its own kind (and any odd value).
KEY_FIELDS = {
    "lom:general/lom:identifier/lom:entry": arks,
    "lom:general/lom:title/lom:string": long_text,
    "lom:general/lom:description/lom:string": long_text,
    "lom:general/lom:keyword/lom:string": long_text,
    "lom:lifeCycle/lom:contribute/lom:entity": st.builds(
        lambda org, siren: f"BEGIN:VCARD\nORG:{org}\nX-SIREN:{siren}\nEND:VCARD", long_text, odd_values
    ),
    "lom:rights/lom:description/lom:string": long_text,
    "lom:classification/lom:taxonPath/lom:taxon/lom:id": term_ids,
    "lom:classification/lom:taxonPath/lom:taxon/lom:entry/lom:string": long_text,
    "lom:classification/lom:description/lom:string": long_text,
    "lom:educational/lom:learningResourceType/lom:value": term_ids,
    "lom:educational/lom:intendedEndUserRole/lom:value": odd_values,
    "socle:characterisation/*": odd_values,
    "socle:access/socle:launchUrl": urls,
    "socle:access/socle:ssoService": urls,
    "socle:access/*": odd_values,
    "socle:doctrine/*": urls,
}
NAMESPACES = {"lom": LOM[1:-1], "socle": "https://socle.education.gouv.fr/xsd/ressources/1"}


def _leaves(root) -> list:
    return [element for element in root.iter() if isinstance(element.tag, str) and len(element) == 0]


def _key_leaves(root, path: str) -> list:
    found = []
    for notice in root.iterfind("lom:lom", NAMESPACES):
        found.extend(notice.xpath(path, namespaces=NAMESPACES))
    return found


@st.composite
def mutated_files(draw) -> bytes:
    root = etree.fromstring(VALID)
    # Mostly one mutation (a notice otherwise valid reaches the database), sometimes several.
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 6]))):
        path = draw(st.sampled_from(sorted(KEY_FIELDS))) if draw(st.integers(0, 9)) < 8 else None
        values = KEY_FIELDS[path] if path else odd_values
        leaves = (_key_leaves(root, path) if path else []) or _leaves(root)
        element = leaves[draw(st.integers(0, len(leaves) - 1))]
        action = draw(st.sampled_from(["text"] * 6 + ["drop", "double", "rename", "label"]))
        parent = element.getparent()
        if action == "text":
            element.text = draw(values)
        elif action == "drop" and parent is not None:
            parent.remove(element)
        elif action == "double" and parent is not None:
            copy = etree.fromstring(etree.tostring(element))
            copy.text = draw(odd_values)
            parent.append(copy)
        elif action == "rename":
            element.tag = f"{LOM}{draw(st.sampled_from(['entry', 'string', 'value', 'id', 'x-inconnu']))}"
        elif action == "label" and parent is not None:
            # A term with a new label: the importer may add it to the reference data.
            label = etree.SubElement(parent, f"{LOM}label")
            label.text = draw(odd_values)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@st.composite
def corrupted_files(draw) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        choice = draw(st.sampled_from(["cut", "insert", "flip"]))
        if choice == "cut":
            del data[position:]
        elif choice == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=20))
        elif data:
            data[min(position, len(data) - 1)] ^= draw(st.integers(1, 255))
    return bytes(data)


def _import_and_check(data: bytes, provider) -> None:
    ensure_seed_terms()  # the reference data every import starts from
    with transaction.atomic():
        before = set(Resource.objects.values_list("ark", flat=True))
        terms_before = VocabularyTerm.objects.count()
        report = import_scolomfr([("fuzz.xml", io.BytesIO(data))], provider)
        after = set(Resource.objects.values_list("ark", flat=True))
        assert after - before == set(report.created), (report.created, after - before)
        assert set(report.updated) <= before
        for rejection in report.rejected:
            assert rejection.file == "fuzz.xml" and rejection.field and rejection.reason
            if rejection.ark and rejection.ark not in report.created + report.updated:
                assert rejection.ark not in after - before, rejection
        if any(r.field == "file" for r in report.rejected):
            assert after == before and VocabularyTerm.objects.count() == terms_before
        if not report.rejected:
            assert report.created or report.updated
        for resource in Resource.objects.filter(ark__in=report.created + report.updated):
            assert resource.provider_id == provider.pk and resource.title and resource.launch_url
        transaction.set_rollback(True)


def _replaced(old: str, new: str) -> bytes:
    return VALID.replace(old.encode(), new.encode())


@FUZZ
@given(data=mutated_files())
# Values the columns cannot hold, always tried: an ark, a URL, a term code and a label too long.
@example(data=_replaced("ark:/86527/geometrie-cycle3", "ark:/86527/" + "a" * 300))
@example(data=_replaced("https://editeur-cas.demo.socle.test/geometrie/", "https://e.example/" + "p" * 600))
@example(data=_replaced("scolomfr-voc-015-num-9001", "scolomfr-voc-015-num-" + "9" * 80))
@example(data=_replaced("mathématiques (cycle 3)", "x" * 300))
def test_mutated_notices_are_written_or_rejected_never_half(provider, data):
    _import_and_check(data, provider)


@FUZZ
@given(data=corrupted_files())
def test_corrupted_files_are_rejected_whole_or_read(provider, data):
    _import_and_check(data, provider)
