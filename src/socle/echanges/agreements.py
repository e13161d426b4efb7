"""Enforcement of data-sharing agreements: is the agreement valid today, which schools does it
cover, which fields may be emitted, and the access log.

Field keys are "<entity>.<field>" in OneRoster's vocabulary ("users.email",
"demographics.birthDate", "users.metadata.fr.niveau") or "<entity>.*"; the GAR export uses the
same keys (docs/echanges-agreements.md maps its elements onto them). `sourcedId`, `status` and
`dateLastModified` identify a record and are always emitted for an entity that is shared at all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from socle.referentiel import services

from .models import AccessLogEntry, Agreement

ALWAYS = frozenset({"sourcedId", "status", "dateLastModified"})


class AgreementRefused(Exception):
    """The agreement does not allow this read (expired, inactive, outside its scope)."""


@dataclass(frozen=True)
class Grant:
    """What one read may emit: the agreement (None for an operator's own full export) and its
    field filter."""

    agreement: Agreement | None

    @property
    def label(self) -> str:
        return self.agreement.name if self.agreement else "operator (full export)"

    def allows(self, entity: str, field: str) -> bool:
        if field in ALWAYS or self.agreement is None:
            return self.shares(entity)
        allowed = self.agreement.allowed_fields
        return f"{entity}.*" in allowed or f"{entity}.{field}" in allowed

    def shares(self, entity: str) -> bool:
        """True if at least one field of `entity` may be emitted."""
        if self.agreement is None:
            return True
        prefix = f"{entity}."
        return any(key.startswith(prefix) for key in self.agreement.allowed_fields)

    def filter_row(self, entity: str, row: dict) -> dict:
        """The row with every field outside the agreement blanked (CSV keeps its columns)."""
        return {key: (value if self.allows(entity, key) else "") for key, value in row.items()}

    def schools(self) -> QuerySet:
        if self.agreement is None:
            return services.schools_in_territory(national=True)
        agreement = self.agreement
        return services.schools_in_territory(
            national=agreement.national,
            regions=agreement.regions,
            academies=agreement.academies,
            departements=agreement.departements,
            uais=agreement.schools,
        )


def check(agreement: Agreement | None, at: dt.date | None = None) -> Grant:
    """The grant of a valid agreement; raises AgreementRefused with the reason otherwise."""
    if agreement is None:
        return Grant(None)
    at = at or timezone.localdate()
    if not agreement.is_active:
        raise AgreementRefused(f"agreement {agreement.name!r} is suspended")
    if agreement.starts_on and at < agreement.starts_on:
        raise AgreementRefused(f"agreement {agreement.name!r} starts on {agreement.starts_on:%Y-%m-%d}")
    if at > agreement.expires_on:
        raise AgreementRefused(f"agreement {agreement.name!r} expired on {agreement.expires_on:%Y-%m-%d}")
    return Grant(agreement)


def log_access(
    agreement: Agreement | None,
    channel: str,
    operation: str,
    record_count: int = 0,
    *,
    granted: bool = True,
    reason: str = "",
    detail: dict | None = None,
    consumer_label: str | None = None,
) -> AccessLogEntry:
    label = consumer_label or (agreement.name if agreement else "operator (full export)")
    return AccessLogEntry.objects.create(
        agreement=agreement,
        consumer_label=label[:200],
        channel=channel,
        operation=operation[:300],
        record_count=record_count,
        granted=granted,
        reason=reason,
        detail=detail or {},
    )


def find(name_or_client_id: str) -> Agreement:
    """An agreement by client id, or by exact name; raises AgreementRefused if none."""
    agreement = (
        Agreement.objects.filter(client_id=name_or_client_id).first()
        or Agreement.objects.filter(name=name_or_client_id).first()
    )
    if agreement is None:
        raise AgreementRefused(f"no agreement named or with client id {name_or_client_id!r}")
    return agreement
