"""The services a user has connected to ("my connected services"): the protocol subpackages
(OIDC consents, CAS/SAML service sessions) register a provider here; the account page lists
what every provider returns and calls it back to revoke."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectedService:
    key: str  # unique across providers, e.g. "oidc:<client_id>"
    name: str
    protocol: str  # "OpenID Connect", "CAS", "SAML"
    since: dt.datetime | None = None
    last_used: dt.datetime | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Provider:
    list: Callable[[object], list[ConnectedService]]
    revoke: Callable[[object, str], bool]


_providers: dict[str, _Provider] = {}


def register_provider(
    name: str,
    list_services: Callable[[object], list[ConnectedService]],
    revoke: Callable[[object, str], bool],
) -> None:
    """Register a source of connected services (call from an AppConfig.ready). `revoke(user,
    key)` withdraws consent and tokens for that service and returns whether anything changed."""
    _providers[name] = _Provider(list_services, revoke)


def connected_services(user) -> list[ConnectedService]:
    services: list[ConnectedService] = []
    for provider in _providers.values():
        services.extend(provider.list(user))
    return sorted(services, key=lambda s: (s.name.lower(), s.key))


def revoke_service(user, key: str) -> bool:
    for provider in _providers.values():
        if any(service.key == key for service in provider.list(user)):
            return bool(provider.revoke(user, key))
    return False
