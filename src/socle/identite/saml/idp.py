"""The pysaml2 Server of the IdP, built from the settings, the key pair and the SP registry.
Rebuilt when the registry or the base URL changes, kept otherwise."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.attribute_converter import ac_factory
from saml2.config import IdPConfig
from saml2.mdstore import InMemoryMetaData
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from socle.identite.oidc.keys import saml_key_pair

from .models import ServiceProvider

log = logging.getLogger(__name__)
ATTRIBUTE_MAPS = Path(__file__).parent / "attributemaps"
_lock = threading.Lock()
_cache: dict[tuple, Server] = {}


def key_pair() -> tuple[Path, Path]:
    return saml_key_pair(
        Path(getattr(settings, "SOCLE_KEYS_DIR", settings.VAR_DIR / "keys")) / "saml",
        getattr(settings, "SOCLE_IDENTITE_GENERATE_KEYS", False),
    )


def entity_id(base_url: str) -> str:
    return f"{base_url}/saml/metadata"


def xmlsec_binary() -> str:
    path = shutil.which("xmlsec1")
    if not path:
        raise RuntimeError("xmlsec1 is required by the SAML IdP (Debian package xmlsec1)")
    return path


def config_dict(base_url: str, metadata: list[str]) -> dict:
    key_file, cert_file = key_pair()
    return {
        "entityid": entity_id(base_url),
        "xmlsec_binary": xmlsec_binary(),
        "attribute_map_dir": str(ATTRIBUTE_MAPS),
        "key_file": str(key_file),
        "cert_file": str(cert_file),
        "encryption_keypairs": [{"key_file": str(key_file), "cert_file": str(cert_file)}],
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "metadata": {"inline": metadata} if metadata else {},
        "service": {
            "idp": {
                "name": settings.SOCLE_SERVICE_NAME,
                "endpoints": {
                    "single_sign_on_service": [
                        (f"{base_url}/saml/sso/redirect", BINDING_HTTP_REDIRECT),
                        (f"{base_url}/saml/sso/post", BINDING_HTTP_POST),
                    ],
                    "single_logout_service": [
                        (f"{base_url}/saml/slo/redirect", BINDING_HTTP_REDIRECT),
                        (f"{base_url}/saml/slo/post", BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": False,
                "sign_response": True,
                "sign_assertion": True,
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "name_form": NAME_FORMAT_URI,
                        "attribute_restrictions": None,
                    }
                },
            }
        },
    }


def metadata_problem(xml: str, entity_id: str) -> str | None:
    """Why this SP metadata cannot be used (None when it can): parsed as pysaml2 will."""
    store = InMemoryMetaData(ac_factory(str(ATTRIBUTE_MAPS)), xml)
    try:
        store.load()
    except Exception as error:  # pysaml2 raises many kinds of errors on bad XML
        return f"unreadable metadata: {error}"
    if entity_id not in store:
        return f"the metadata does not describe {entity_id}"
    if "spsso_descriptor" not in store[entity_id]:
        return "the metadata has no SPSSODescriptor"
    return None


def _usable_metadata(providers) -> list[str]:
    usable = []
    for sp in providers:
        problem = metadata_problem(sp.metadata_xml, sp.entity_id)
        if problem:
            log.error("SAML SP %s skipped: %s", sp.entity_id, problem)
        else:
            usable.append(sp.metadata_xml)
    return usable


def server(base_url: str) -> Server:
    enabled = ServiceProvider.objects.filter(enabled=True)
    state = enabled.aggregate(count=Count("pk"), last=Max("updated_at"))
    cache_key = (base_url, state["count"], state["last"])
    with _lock:
        cached = _cache.get(cache_key)
        if cached is not None:
            return cached
        config = IdPConfig()
        # One SP's broken metadata must not take the others down: each is checked first.
        config.load(config_dict(base_url, _usable_metadata(enabled)))
        instance = Server(config=config)
        _cache.clear()
        _cache[cache_key] = instance
        return instance
