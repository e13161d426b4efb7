"""The catalogue's public interface. Other bricks (the access part `socle.ressources.gar`, the
médiacentre) call only these functions, never the models.

- `qualified_resource(ark)`, `qualified_resources()`: what may be offered to schools (only
  qualified notices).
- `resource_by_sso_service(protocol, service)`: the qualified resource behind a CAS service URL
  or a SAML SP entityID (longest CAS prefix wins).
- `provider_by_distributor_code(code)`, `providers_of(user)`.
- `resources_for_crcn(code, cycle=…)`: the qualified resources whose notice declares a CRCN
  competence (keyword `CRCN 2.1`: ScoLOMFR has no CRCN vocabulary yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Provider, Resource, Status

__all__ = [
    "AUDIENCES",
    "RELEASABLE_ATTRIBUTES",
    "ProviderSummary",
    "ResourceSummary",
    "provider_by_distributor_code",
    "providers_of",
    "qualified_resource",
    "qualified_resources",
    "resource_by_sso_service",
    "resources_for_crcn",
]

# Extra attributes the ministry may approve for release to a resource (GAR: prénom, nom).
RELEASABLE_ATTRIBUTES = frozenset({"PRE", "NOM"})
# GAR publicCible values.
AUDIENCES = ("ELEVE", "ENSEIGNANT", "DOCUMENTALISTE", "AUTRE_PERSONNEL")


@dataclass(frozen=True)
class ResourceSummary:
    ark: str  # idRessource, e.g. "ark:/86527/ressource-1"
    title: str
    description: str
    publisher: str  # éditeur name
    distributor_code: str  # idDistributeurCom of the provider allowed to sell/subscribe it
    launch_url: str  # where the médiacentre sends the user (provider's entry URL)
    sso_protocol: str  # "cas" or "saml"
    sso_service: str  # CAS service URL prefix, or SAML SP entityID, registered in Identité
    approved_attributes: frozenset[str]  # extra attributes approved by the ministry ⊆ {"PRE","NOM"}
    thumbnail_url: str  # may be ""
    audiences: frozenset[str]  # publicCible: ELEVE, ENSEIGNANT, DOCUMENTALISTE, AUTRE_PERSONNEL


@dataclass(frozen=True)
class ProviderSummary:
    name: str
    siren: str
    distributor_code: str
    nature: str  # "commun", "public" or "edtech"


def _summary(resource: Resource) -> ResourceSummary:
    return ResourceSummary(
        ark=resource.ark,
        title=resource.title,
        description=resource.description,
        publisher=resource.publisher,
        distributor_code=resource.provider.distributor_code,
        launch_url=resource.launch_url,
        sso_protocol=resource.sso_protocol,
        sso_service=resource.sso_service,
        approved_attributes=frozenset(resource.approved_attributes) & RELEASABLE_ATTRIBUTES,
        thumbnail_url=resource.thumbnail_url,
        audiences=frozenset(resource.audiences),
    )


def _provider_summary(provider: Provider) -> ProviderSummary:
    return ProviderSummary(
        name=provider.name,
        siren=provider.siren,
        distributor_code=provider.distributor_code,
        nature=provider.nature,
    )


def _qualified():
    return Resource.objects.select_related("provider").filter(status=Status.QUALIFIED)


def qualified_resource(ark: str) -> ResourceSummary | None:
    """The qualified resource `ark`, or None (unknown, pending, refused)."""
    resource = _qualified().filter(ark=ark).first()
    return _summary(resource) if resource else None


def qualified_resources(distributor_code: str | None = None) -> list[ResourceSummary]:
    """Every qualified resource (of one distributor if given), by title."""
    qs = _qualified()
    if distributor_code is not None:
        qs = qs.filter(provider__distributor_code=distributor_code)
    return [_summary(r) for r in qs.order_by("title", "ark")]


def resource_by_sso_service(protocol: str, service: str) -> ResourceSummary | None:
    """The qualified resource reached through `service`: for SAML the SP entityID exactly; for
    CAS the registered service URL is a prefix of the requested service (longest prefix wins)."""
    if not service:
        return None
    qs = _qualified().filter(sso_protocol=protocol)
    if protocol == "saml":
        found = qs.filter(sso_service=service).first()
        return _summary(found) if found else None
    if protocol == "cas":
        candidates = [r for r in qs if r.sso_service and service.startswith(r.sso_service)]
        if not candidates:
            return None
        return _summary(max(candidates, key=lambda r: len(r.sso_service)))
    return None


def provider_by_distributor_code(code: str) -> ProviderSummary | None:
    provider = Provider.objects.filter(distributor_code=code).first()
    return _provider_summary(provider) if provider else None


def providers_of(user) -> list[ProviderSummary]:
    """The providers `user` is a member of."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [_provider_summary(p) for p in Provider.objects.filter(members=user)]


# A notice declares the CRCN competences it trains as keywords "CRCN 2.1" (also "CRCN:2.1",
# "crcn 2.1"): ScoLOMFR publishes no CRCN vocabulary, and LOM's classification purpose
# "competency" is not read by the importer yet. See docs/ressources.md.
_CRCN_KEYWORD = re.compile(r"^\s*crcn\s*[:\s]\s*([1-5]\.[1-4])\s*$", re.IGNORECASE)


def crcn_codes_of(keywords) -> list[str]:
    """The CRCN competence codes declared in a notice's keywords."""
    codes = []
    for keyword in keywords or []:
        match = _CRCN_KEYWORD.match(keyword) if isinstance(keyword, str) else None
        if match:
            codes.append(match.group(1))
    return list(dict.fromkeys(codes))


def resources_for_crcn(competence_code: str, *, cycle: str | None = None) -> list[ResourceSummary]:
    """The qualified resources whose notice declares CRCN competence `competence_code` ("2.1"),
    aimed at `cycle` ("3", "4", "lycee") when given (a notice without cycles is for every cycle),
    by title."""
    found = []
    for resource in _qualified().filter(keywords__icontains="crcn").order_by("title", "ark"):
        if competence_code not in crcn_codes_of(resource.keywords):
            continue
        if cycle and resource.cycles and cycle not in resource.cycles:
            continue
        found.append(_summary(resource))
    return found
