"""The access policy registered with Identité's CAS and SAML IdPs (socle.identite.access_policies):
when the service signing a user in is a catalogue resource, the user needs an assignment, and the
provider receives exactly IDO, PRO, UAI, DIV (+ PRE/NOM if approved) — never the IdP's own
per-service release list. A provider cannot bypass the médiacentre by sending users straight to
the IdP."""

from __future__ import annotations

from socle.identite.access_policies import AccessDecision
from socle.ressources import services as catalogue

from . import services


def resource_access_policy(user, protocol: str, service_id: str) -> AccessDecision | None:
    if protocol not in ("cas", "saml"):
        return None
    resource = catalogue.resource_by_sso_service(protocol, service_id)
    if resource is None:
        return None  # not a resource: the IdP's own rules apply
    result = services.check_access(user, resource.ark)
    if not result.allowed:
        return AccessDecision(allowed=False, message=result.message)
    attributes = services.release_attributes(user, result)
    return AccessDecision(
        allowed=True,
        attributes=attributes,
        subject=attributes["IDO"][0],
        on_release=lambda: services.record_access(user, result, protocol),
    )
