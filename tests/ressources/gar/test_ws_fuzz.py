"""Hypothesis fuzzing of the subscription web service's XML, through the real Django stack on
PostgreSQL: subscription documents whose fields take odd values (dates at the edges of the
calendar and of the offsets, counts beyond 32 bits, digits of other scripts, long or empty text,
unknown, repeated or foreign-namespace elements), corrupted bytes, and filter documents. For
every request:

- never a 5xx: the answer is 200/201/204, or an error of the service in its XML (`<erreurs>`,
  each with a code and a message), with the documented status;
- never a partial write: a refused request leaves the subscriptions and their schools exactly as
  they were; an accepted one stores what the answer says."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.ressources.gar.models import Subscription, SubscriptionSchool
from socle.ressources.gar.wsxml import NS

from .conftest import CAS_ARK
from .test_ws import body, ws

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERROR_STATUSES = {400, 403, 404, 409, 413}

xml_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=30
)
offsets = st.sampled_from(["", "Z", "+00:00", "-14:00", "+14:00", "+15:59", "-23:59", "+23:58", "+24:00"])
dates = st.one_of(
    st.builds(
        lambda year, month, day, time, offset: f"{year:04d}-{month:02d}-{day:02d}{time}{offset}",
        st.integers(0, 10000),
        st.integers(0, 13),
        st.integers(0, 32),
        st.sampled_from(["", "T00:00:00", "T23:59:59", "T12:00:00.123456", "T24:00:00"]),
        offsets,
    ),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-02-29", "demain"]),
)
counts = st.one_of(
    st.integers(0, 10**30).map(str),
    st.sampled_from(["ILLIMITE", "illimite", "-1", "²", "٣", "1e3", " 12 ", "", "2147483647", "2147483648"]),
)
odd = st.one_of(xml_text, st.builds(lambda n: "x" * n, st.integers(40, 3000)), dates, counts)
FIELDS = {
    "idAbonnement": st.one_of(st.just("ABO-FUZZ"), odd),
    "commentaireAbonnement": odd,
    "idDistributeurCom": st.one_of(st.just("EDMATHS"), odd),
    "idRessource": st.one_of(st.just(CAS_ARK), odd),
    "typeIdRessource": st.one_of(st.just("ark"), odd),
    "libelleRessource": odd,
    "debutValidite": dates,
    "finValidite": dates,
    "anneeFinValidite": st.one_of(st.integers(0, 10**6).map(str), odd),
    "categorieAffectation": st.one_of(st.sampled_from(["transferable", "non transferable"]), odd),
    "typeAffectation": st.one_of(st.sampled_from(["ETABL", "INDIV"]), odd),
    "codeProjetRessource": odd,
    "nbLicenceGlobale": counts,
    "nbLicenceEnseignant": counts,
    "nbLicenceEleve": counts,
    "nbLicenceProfDoc": counts,
    "nbLicenceAutrePersonnel": counts,
    "publicCible": st.one_of(st.sampled_from(["ELEVE", "ENSEIGNANT", "AUTRE PERSONNEL", "PARENT"]), odd),
    "uaiEtab": st.one_of(st.sampled_from(["0350001L", "0350001X", "0350002N"]), odd),
}


@st.composite
def subscription_documents(draw) -> bytes:
    changes = draw(st.dictionaries(st.sampled_from(sorted(FIELDS)), st.none(), max_size=5))
    overrides = {}
    for name in changes:
        action = draw(st.sampled_from(["value", "value", "value", "drop", "repeat"]))
        if action == "drop":
            overrides[name] = None
        else:
            values = [escape(draw(FIELDS[name])) for _ in range(2 if action == "repeat" else 1)]
            overrides[name] = values
    document = body("0350001L", **{"idAbonnement": "ABO-FUZZ", **overrides}).decode()
    root = draw(st.sampled_from(["same", "same", "same", "none", "other", "unknown-child"]))
    if root == "none":
        document = document.replace(f' xmlns="{NS}"', "")
    elif root == "other":
        document = document.replace(NS, "http://example.org/autre/")
    elif root == "unknown-child":
        name = draw(st.sampled_from(["inconnu", "idAbonnement", "uaiEtab"]))
        document = document.replace(
            "</abonnement>", f'<x:{name} xmlns:x="http://example.org/x">1</x:{name}></abonnement>'
        )
    data = document.encode()
    if draw(st.integers(0, 9)) == 0:  # corrupted bytes
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(max_size=8)) + data[position + draw(st.integers(0, 5)) :]
    return data


def _snapshot() -> tuple:
    subscriptions = sorted(
        Subscription.objects.values_list(
            "subscription_id", "body_digest", "valid_from", "valid_until", "licences_pupil", "resource_label"
        )
    )
    schools = sorted(SubscriptionSchool.objects.values_list("subscription__subscription_id", "uai"))
    return subscriptions, schools


def _check_answer(response) -> None:
    status = response.status_code
    assert status < 500, (status, response.content[:300])
    if status >= 400:
        assert status in ERROR_STATUSES, status
        assert response["Content-Type"].startswith("application/xml")
        root = fromstring(response.content)
        assert root.tag == f"{{{NS}}}erreurs"
        for error in root:
            assert error.findtext(f"{{{NS}}}code") and error.findtext(f"{{{NS}}}message")


@FUZZ
@given(data=subscription_documents(), method=st.sampled_from(["PUT", "PUT", "POST"]))
def test_subscription_documents_never_fail_nor_half_write(world, catalogue, distributors, data, method):
    client = ws(distributors)
    if not Subscription.objects.filter(subscription_id="ABO-EXISTANT").exists():
        base = body("0350001L", idAbonnement="ABO-EXISTANT")
        assert (
            client.put("/abonnements-ws/ABO-EXISTANT", base, content_type="application/xml").status_code
            == 201
        )
    target = "ABO-FUZZ" if method == "PUT" else "ABO-EXISTANT"
    if method == "POST":
        data = data.replace(b"ABO-FUZZ", b"ABO-EXISTANT")
    before = _snapshot()
    response = client.generic(method, f"/abonnements-ws/{target}", data, content_type="application/xml")
    _check_answer(response)
    if response.status_code >= 400:
        assert _snapshot() == before
    else:
        stored = Subscription.objects.get(subscription_id=target)
        answer = fromstring(response.content)
        assert answer.findtext(f"{{{NS}}}abonnement/{{{NS}}}idAbonnement") == stored.subscription_id
        assert sorted(s.uai for s in stored.schools.all()) == sorted(
            e.text for e in answer.iter(f"{{{NS}}}uaiEtab")
        )
        Subscription.objects.filter(subscription_id="ABO-FUZZ").delete()


@FUZZ
@given(
    name=st.one_of(st.sampled_from(["idAbonnement", "idRessource", "uaiEtab", "typeAffectation"]), xml_text),
    value=odd,
    wrap=st.sampled_from([f'<filtres xmlns="{NS}">', "<filtres>", f'<autre xmlns="{NS}">']),
    params=st.dictionaries(st.sampled_from(["debut", "fin", "uaiEtab", "idRessource"]), odd, max_size=3),
)
def test_filter_documents_and_parameters_never_fail(
    world, catalogue, distributors, name, value, wrap, params
):
    document = (
        f"{wrap}<filtre><filtreNom>{escape(name)}</filtreNom>"
        f"<filtreValeur>{escape(value)}</filtreValeur></filtre>{'</' + wrap[1:].split()[0].rstrip('>') + '>'}"
    )
    response = ws(distributors).generic(
        "GET",
        "/abonnements-ws/abonnements",
        document.encode(),
        content_type="application/xml",
        QUERY_STRING="",
    )
    _check_answer(response)
    listed = ws(distributors).get("/abonnements-ws/abonnements", params)
    _check_answer(listed)
