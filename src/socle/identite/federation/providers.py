"""Upstream providers, from settings.SOCLE_FEDERATION_PROVIDERS:

    {"franceconnect": {"name": "FranceConnect", "issuer": "https://…", "client_id": "…",
                       "client_secret": "…", "scope": "openid given_name family_name birthdate",
                       "account_kinds": ["guardian"]}}

Endpoints and keys come from the issuer's discovery document (cached a few minutes)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.http import Http404

DISCOVERY_TTL_SECONDS = 300
_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict]] = {}
_jwks: dict[str, tuple[float, dict]] = {}


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str = "openid given_name family_name birthdate gender birthplace birthcountry"
    account_kinds: tuple[str, ...] = ("guardian",)
    extra: dict = field(default_factory=dict)

    def metadata(self) -> dict:
        return _cached(_discovery, self.issuer, f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")

    def jwks(self, refresh: bool = False) -> dict:
        uri = self.metadata()["jwks_uri"]
        if refresh:
            _jwks.pop(uri, None)
        return _cached(_jwks, uri, uri)


def _cached(store: dict, key: str, url: str) -> dict:
    with _lock:
        hit = store.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    data = response.json()
    with _lock:
        store[key] = (time.monotonic() + DISCOVERY_TTL_SECONDS, data)
    return data


def configured() -> dict[str, dict]:
    return getattr(settings, "SOCLE_FEDERATION_PROVIDERS", {}) or {}


def provider(slug: str) -> Provider:
    conf = configured().get(slug)
    if not conf or not conf.get("issuer") or not conf.get("client_id"):
        raise Http404("unknown identity provider")
    known = {"name", "issuer", "client_id", "client_secret", "scope", "account_kinds"}
    return Provider(
        slug=slug,
        name=conf.get("name", slug),
        issuer=conf["issuer"].rstrip("/"),
        client_id=conf["client_id"],
        client_secret=conf.get("client_secret", ""),
        scope=conf.get("scope", Provider.scope),
        account_kinds=tuple(conf.get("account_kinds", ("guardian",))),
        extra={k: v for k, v in conf.items() if k not in known},
    )
