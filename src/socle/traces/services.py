"""Traces' public interface for other bricks (read-only aggregates; no statement leaves here).

Convention for attributing a statement to a school: the statement carries the school's UAI in
the context extension `https://w3id.org/xapi/socle/uai` (set by the learning tool, which knows the
pupil's school from the GAR/ENT launch). The statement's authority or tenant is not used: one
LRS tenant (a resource provider) serves many schools, so it cannot say which one."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from .models import Statement

UAI_EXTENSION = "https://w3id.org/xapi/socle/uai"


def statements_by_school(start: dt.date, end: dt.date) -> dict[str, int]:
    """Number of statements per UAI whose `timestamp` falls between `start` and `end`
    (inclusive dates), not voided and not voiding statements themselves. Statements without
    the UAI extension are not counted."""
    uai = KeyTextTransform(UAI_EXTENSION, KeyTransform("extensions", KeyTransform("context", "data")))
    rows = (
        Statement.objects.filter(
            timestamp__date__gte=start, timestamp__date__lte=end, voided=False, is_voiding=False
        )
        .annotate(uai=uai)
        .filter(uai__isnull=False)
        .values("uai")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        if row["uai"]:
            uai = row["uai"].strip().upper()  # "0350001a " and "0350001A" are one school
            counts[uai] = counts.get(uai, 0) + row["n"]
    return counts
