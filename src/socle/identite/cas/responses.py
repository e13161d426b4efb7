"""CAS 2.0/3.0 service responses (namespace http://www.yale.edu/tp/cas) and the SAML 2.0
LogoutRequest of back-channel single logout."""

from __future__ import annotations

import datetime as dt
import secrets
from xml.etree import ElementTree as ET

CAS_NS = "http://www.yale.edu/tp/cas"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
ET.register_namespace("cas", CAS_NS)


def _cas(tag: str) -> str:
    return f"{{{CAS_NS}}}{tag}"


def _serialize(root) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def success(user: str, attributes: dict[str, list[str]] | None = None) -> bytes:
    root = ET.Element(_cas("serviceResponse"))
    ok = ET.SubElement(root, _cas("authenticationSuccess"))
    ET.SubElement(ok, _cas("user")).text = user
    if attributes is not None:
        holder = ET.SubElement(ok, _cas("attributes"))
        for name, values in attributes.items():
            for value in values:
                ET.SubElement(holder, _cas(name)).text = value
    return _serialize(root)


def failure(code: str, message: str) -> bytes:
    root = ET.Element(_cas("serviceResponse"))
    ET.SubElement(root, _cas("authenticationFailure"), {"code": code}).text = message
    return _serialize(root)


def utc_instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def logout_request(session_index: str, name_id: str = "@NOT_USED@") -> str:
    """The LogoutRequest a CAS server POSTs (form field `logoutRequest`) to each service."""
    ET.register_namespace("samlp", SAMLP_NS)
    ET.register_namespace("saml", SAML_NS)
    root = ET.Element(
        f"{{{SAMLP_NS}}}LogoutRequest",
        {
            "ID": "LR-" + secrets.token_hex(16),
            "Version": "2.0",
            "IssueInstant": utc_instant(dt.datetime.now(dt.UTC)),
        },
    )
    ET.SubElement(root, f"{{{SAML_NS}}}NameID").text = name_id
    ET.SubElement(root, f"{{{SAMLP_NS}}}SessionIndex").text = session_index
    return ET.tostring(root, encoding="unicode")
