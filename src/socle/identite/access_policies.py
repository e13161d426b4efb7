"""Access policies consulted by the CAS and SAML identity providers before they sign a user in
to a service, and again when they release the user's attributes.

Another brick (the resources' access part, `socle.ressources.gar`) registers a policy in its
`AppConfig.ready()`; the IdPs stay ignorant of licences and assignments. A policy is a callable
`policy(user, protocol, service_id)` where `protocol` is "cas" or "saml" and `service_id` the CAS
service URL or the SAML SP entityID. It returns None when the service is not its business, or an
`AccessDecision`:

- `allowed=False` with a `message` shown to the user (the IdP answers with its error page, or a
  CAS validation failure);
- `allowed=True` with `attributes`: the exact attribute set to release (replacing the service's
  own release list), optionally the `subject` (cas:user / SAML NameID) to use, and `on_release`,
  called once by the IdP when the attributes actually leave (CAS validation, SAML response), so
  that the policy can log the access without double counting.

The first policy that returns a decision wins (registration order)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    message: str = ""
    attributes: dict[str, list[str]] | None = None
    subject: str | None = None
    on_release: Callable[[], None] | None = field(default=None, compare=False)

    def released(self) -> None:
        """Tell the policy its attributes were released (the IdP calls this once)."""
        if self.on_release is not None:
            self.on_release()


Policy = Callable[..., AccessDecision | None]
_policies: list[Policy] = []
_lock = threading.Lock()


def register(policy: Policy) -> None:
    """Add `policy` (idempotent: registering the same callable twice keeps one)."""
    with _lock:
        if policy not in _policies:
            _policies.append(policy)


def unregister(policy: Policy) -> None:
    with _lock:
        if policy in _policies:
            _policies.remove(policy)


def decide(user, protocol: str, service_id: str) -> AccessDecision | None:
    """The decision of the first policy concerned by (`protocol`, `service_id`), or None when no
    policy claims the service (the IdP then applies its own registry settings only)."""
    for policy in list(_policies):
        decision = policy(user, protocol, service_id)
        if decision is not None:
            return decision
    return None
