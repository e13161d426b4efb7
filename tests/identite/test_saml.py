"""The SAML 2.0 IdP, driven by a pysaml2 service provider (saml2.client.Saml2Client) against the
live test server on PostgreSQL: metadata, SSO over HTTP-Redirect and HTTP-POST, response and
assertion signed with RSA-SHA256 and checked by the SP, persistent pairwise NameID, per-SP
attribute release with ÉduConnect names, encrypted assertions, SP-initiated single logout."""

from __future__ import annotations

import base64
import re
import shutil
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT

from socle.identite.oidc.keys import new_rsa_pem, self_signed_certificate
from socle.identite.saml.models import ServiceProvider
from socle.identite.services import pairwise_subject

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
EDUCONNECT = "urn:oid:1.3.6.1.4.1.20326.10.999.1."


def session_for(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    http = requests.Session()
    http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return http


def _key_pair(directory, name):
    key = new_rsa_pem()
    (directory / f"{name}.key").write_bytes(key)
    (directory / f"{name}.crt").write_bytes(self_signed_certificate(key, name))
    return str(directory / f"{name}.key"), str(directory / f"{name}.crt")


class SP:
    """A service provider application, as a third party would configure pysaml2."""

    def __init__(self, live_server, tmp_path, name="ressource", *, encryption_key=False):
        directory = tmp_path / name
        directory.mkdir()
        idp_metadata = directory / "idp.xml"
        response = requests.get(f"{live_server.url}/saml/metadata", timeout=30)
        assert response.status_code == 200
        idp_metadata.write_bytes(response.content)
        key_file, cert_file = _key_pair(directory, "sp")
        self.entity_id = f"{live_server.url}/sp/{name}/metadata"
        self.acs = f"{live_server.url}/sp/{name}/acs"
        self.slo = f"{live_server.url}/sp/{name}/slo"
        config = {
            "entityid": self.entity_id,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": key_file,
            "cert_file": cert_file,
            "metadata": {"local": [str(idp_metadata)]},
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(self.acs, BINDING_HTTP_POST)],
                        "single_logout_service": [(self.slo, BINDING_HTTP_REDIRECT)],
                    },
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "want_assertions_or_response_signed": True,
                    "authn_requests_signed": False,
                    "logout_requests_signed": True,
                    "name_id_format": NAMEID_FORMAT_PERSISTENT,
                    "allow_unsolicited": False,
                }
            },
        }
        if encryption_key:
            enc_key, enc_cert = _key_pair(directory, "sp-enc")
            config["encryption_keypairs"] = [{"key_file": enc_key, "cert_file": enc_cert}]
        self.config = SPConfig()
        self.config.load(config)
        self.client = Saml2Client(config=self.config)
        self.idp_entity_id = f"{live_server.url}/saml/metadata"
        self.live_server = live_server

    def metadata(self) -> str:
        return str(entity_descriptor(self.config))

    def register(
        self,
        attributes="FrEduCtId FrEduCtPersonAffiliation FrEduCtEleveUAI FrEduCtEleveNiveau givenName sn DIV",
        **extra,
    ):
        return ServiceProvider.objects.create(
            name="Ressource",
            entity_id=self.entity_id,
            metadata_xml=self.metadata(),
            released_attributes=attributes,
            **extra,
        )

    def start_redirect(self, relay_state="/apres"):
        request_id, info = self.client.prepare_for_authenticate(
            entityid=self.idp_entity_id, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
        )
        return request_id, dict(info["headers"])["Location"]

    def finish(self, html: str, request_id: str):
        action = re.search(r'<form method="post" action="([^"]+)" id="saml-post-binding">', html)
        assert action, html[:3000]
        assert unescape(action.group(1)) == self.acs
        fields = {
            k: unescape(v)
            for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        }
        fields.pop("csrfmiddlewaretoken", None)
        raw = base64.b64decode(fields["SAMLResponse"]).decode()
        parsed = self.client.parse_authn_request_response(
            fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/apres"}
        )
        return parsed, raw, fields.get("RelayState")


def test_metadata_publishes_both_sso_bindings_and_the_signing_certificate(live_server):
    body = requests.get(f"{live_server.url}/saml/metadata", timeout=30).text
    assert f'entityID="{live_server.url}/saml/metadata"' in body
    redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    assert f'Binding="{redirect}" Location="{live_server.url}/saml/sso/redirect"' in body
    assert (
        f'Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{live_server.url}/saml/sso/post"'
        in body
    )
    assert "SingleLogoutService" in body and "X509Certificate" in body
    assert "PRIVATE KEY" not in body


def test_sso_redirect_binding_signed_response_pairwise_nameid_and_attributes(live_server, world, tmp_path):
    sp = SP(live_server, tmp_path)
    sp.register(encrypt_assertions=False)
    lea = world.user("lea")
    request_id, location = sp.start_redirect()
    assert location.startswith(f"{live_server.url}/saml/sso/redirect?SAMLRequest=")
    page = session_for(lea).get(location, timeout=30)
    assert page.status_code == 200
    assert f"form-action 'self' {live_server.url}" in page.headers["Content-Security-Policy"]
    response, raw, relay_state = sp.finish(page.text, request_id)
    assert relay_state == "/apres"
    # signed twice with RSA-SHA256 (pysaml2 verified both signatures against the metadata)
    assert raw.count(f'Algorithm="{RSA_SHA256}"') == 2
    assert "EncryptedAssertion" not in raw
    name_id = response.assertion.subject.name_id
    assert name_id.format == NAMEID_FORMAT_PERSISTENT
    assert name_id.text == pairwise_subject(lea, sp.entity_id)
    ava = response.ava
    # an SP without ÉduConnect's attribute map sees the OIDs (FrEduCtPersonAffiliation = …1.7)
    assert ava[f"{EDUCONNECT}7"] == ["eleve2d"]
    assert ava[f"{EDUCONNECT}72"] == [world.schools["college"].uai]
    assert ava[f"{EDUCONNECT}73"] == ["4E"]
    assert ava["givenName"] == ["Léa"] and ava["sn"] == ["Moreau"]
    assert sorted(ava["DIV"]) == ["4B##4e B", "4LAT##Latin 4e"]
    assert ava[f"{EDUCONNECT}57"] == [name_id.text]  # FrEduCtId
    assert 'FriendlyName="FrEduCtPersonAffiliation"' in raw
    # not in the release list: not sent (INE hash …1.64, mail)
    assert f"{EDUCONNECT}64" not in ava and "mail" not in ava and "0.9.2342.19200300.100.1.3" not in raw


def test_sso_post_binding_and_encrypted_assertion(live_server, world, tmp_path):
    sp = SP(live_server, tmp_path, "chiffre", encryption_key=True)
    sp.register(attributes="FrEduCtPersonAffiliation FrEduCtEleveINEHash")
    assert 'use="encryption"' in sp.metadata()
    request_id, request = sp.client.create_authn_request(
        f"{live_server.url}/saml/sso/post", binding=BINDING_HTTP_POST
    )
    saml_request = base64.b64encode(str(request).encode()).decode()
    page = session_for(world.user("lea")).post(
        f"{live_server.url}/saml/sso/post", data={"SAMLRequest": saml_request, "RelayState": "rs"}, timeout=30
    )
    assert page.status_code == 200, page.text[:2000]
    response, raw, relay_state = sp.finish(page.text, request_id)
    assert "EncryptedAssertion" in raw and "FrEduCtPersonAffiliation" not in raw  # nothing in clear
    assert relay_state == "rs"
    assert response.ava[f"{EDUCONNECT}7"] == ["eleve2d"]
    assert re.fullmatch(r"[0-9a-f]{64}", response.ava[f"{EDUCONNECT}64"][0])


def test_two_sps_get_different_persistent_ids(live_server, world, tmp_path):
    first, second = SP(live_server, tmp_path, "un"), SP(live_server, tmp_path, "deux")
    first.register(encrypt_assertions=False)
    second.register(encrypt_assertions=False)
    http = session_for(world.user("lea"))
    ids = []
    for sp in (first, second):
        request_id, location = sp.start_redirect()
        response, _raw, _rs = sp.finish(http.get(location, timeout=30).text, request_id)
        ids.append(response.assertion.subject.name_id.text)
    assert ids[0] != ids[1]


def test_unknown_sp_is_refused_and_anonymous_users_log_in_first(live_server, world, tmp_path):
    sp = SP(live_server, tmp_path)
    _request_id, location = sp.start_redirect()
    refused = session_for(world.user("lea")).get(location, timeout=30)
    assert refused.status_code == 403 and "SAMLResponse" not in refused.text
    sp.register(encrypt_assertions=False)
    anonymous = requests.get(location, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    from django.shortcuts import resolve_url

    login = urlsplit(anonymous.headers["Location"])
    assert login.path == resolve_url(settings.LOGIN_URL)
    assert parse_qs(login.query)["next"][0].startswith("/saml/sso/resume?key=")


def test_tampered_response_is_rejected_by_the_sp(live_server, world, tmp_path):
    sp = SP(live_server, tmp_path)
    sp.register(encrypt_assertions=False)
    request_id, location = sp.start_redirect()
    html = session_for(world.user("lea")).get(location, timeout=30).text
    value = re.search(r'name="SAMLResponse" value="([^"]*)"', html).group(1)
    xml = base64.b64decode(unescape(value)).decode().replace("eleve2d", "resp2d__")
    forged = html.replace(value, base64.b64encode(xml.encode()).decode())
    with pytest.raises(Exception, match=r"(?i)signature"):
        sp.finish(forged, request_id)


def test_sp_initiated_single_logout(live_server, world, tmp_path):
    sp = SP(live_server, tmp_path)
    sp.register(encrypt_assertions=False)
    http = session_for(world.user("lea"))
    request_id, location = sp.start_redirect()
    response, _raw, _rs = sp.finish(http.get(location, timeout=30).text, request_id)
    results = sp.client.global_logout(response.assertion.subject.name_id)
    binding, http_args = results[sp.idp_entity_id]
    assert binding == BINDING_HTTP_REDIRECT
    logout_url = dict(http_args["headers"])["Location"]
    answer = http.get(logout_url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith(sp.slo)
    query = parse_qs(urlsplit(back).query)
    assert query["SigAlg"] == [RSA_SHA256]
    logout_response = sp.client.parse_logout_request_response(query["SAMLResponse"][0], BINDING_HTTP_REDIRECT)
    assert logout_response.status_ok()
    # the IdP session is over: a new sign-in goes to the login page
    _request_id, location = sp.start_redirect()
    assert http.get(location, allow_redirects=False, timeout=30).status_code == 302


def test_broken_sp_metadata_is_refused_and_does_not_break_the_others(live_server, world, tmp_path):
    from django.core.exceptions import ValidationError

    broken = ServiceProvider(name="Cassé", entity_id="https://casse.example/sp", metadata_xml="<pas du xml")
    with pytest.raises(ValidationError):
        broken.full_clean()
    broken.save()  # saved anyway (e.g. by a script): skipped, never fatal
    sp = SP(live_server, tmp_path)
    wrong_entity = ServiceProvider(
        name="Autre", entity_id="https://autre.example/sp", metadata_xml=sp.metadata()
    )
    with pytest.raises(ValidationError):
        wrong_entity.full_clean()
    sp.register(encrypt_assertions=False)
    request_id, location = sp.start_redirect()
    response, _raw, _rs = sp.finish(session_for(world.user("lea")).get(location, timeout=30).text, request_id)
    assert response.assertion.subject.name_id.text == pairwise_subject(world.user("lea"), sp.entity_id)
