"""Traces' public interface for other bricks (read-only aggregates; no statement leaves here).

Convention for attributing a statement to a school: the statement carries the school's UAI in
the context extension `https://w3id.org/xapi/socle/uai` (set by the learning tool, which knows the
pupil's school from the GAR/ENT launch). The statement's authority or tenant is not used: one
LRS tenant (a resource provider) serves many schools, so it cannot say which one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform

from .models import Activity, Statement

UAI_EXTENSION = "https://w3id.org/xapi/socle/uai"
# Activity-definition extension naming the CRCN competences an activity exercises: a competence
# code ("2.1") or a list of them. See docs/traces.md, "CRCN competences of an activity".
CRCN_EXTENSION = "https://w3id.org/xapi/socle/crcn"
_CRCN_CODE = re.compile(r"^[1-5]\.[1-4]$")


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


def crcn_codes(definition: dict) -> list[str]:
    """The CRCN competence codes an activity definition declares (CRCN_EXTENSION), well-formed
    ones only, in order and without duplicates."""
    extensions = definition.get("extensions") if isinstance(definition, dict) else None
    value = extensions.get(CRCN_EXTENSION) if isinstance(extensions, dict) else None
    values = value if isinstance(value, list) else [value]
    codes = [v.strip() for v in values if isinstance(v, str) and _CRCN_CODE.match(v.strip())]
    return list(dict.fromkeys(codes))


def crcn_evidence(actor_names: Iterable[str], *, since: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Evidence of practice of CRCN competences: for each actor account name in `actor_names`
    (the pseudonym a resource knows the learner by, e.g. GAR's IDO), the number of statements
    per competence code whose activity's definition (as merged by the LRS) declares that
    competence through CRCN_EXTENSION. Voided and voiding statements do not count; `since`
    keeps the statements whose timestamp is on or after that date."""
    names = sorted({name for name in actor_names if name})
    if not names:
        return {}
    declared: dict[tuple[str, str], list[str]] = {}
    activities = Activity.objects.filter(definition__extensions__has_key=CRCN_EXTENSION)
    for tenant, activity_id, definition in activities.values_list("tenant", "activity_id", "definition"):
        codes = crcn_codes(definition)
        if codes:
            declared[(tenant, activity_id)] = codes
    if not declared:
        return {}
    by_tenant: dict[str, list[str]] = {}
    for tenant, activity_id in declared:
        by_tenant.setdefault(tenant, []).append(activity_id)
    which = Q(pk__in=[])
    for tenant, ids in by_tenant.items():
        which |= Q(tenant=tenant, activity_id__in=ids)
    name = KeyTextTransform("name", KeyTransform("account", KeyTransform("actor", "data")))
    rows = Statement.objects.filter(which, voided=False, is_voiding=False)
    if since is not None:
        rows = rows.filter(timestamp__date__gte=since)
    rows = (
        rows.annotate(actor_name=name)
        .filter(actor_name__in=names)
        .values("tenant", "activity_id", "actor_name")
        .annotate(n=Count("id"))
        .order_by()
    )
    evidence: dict[str, dict[str, int]] = {}
    for row in rows:
        per_code = evidence.setdefault(row["actor_name"], {})
        for code in declared.get((row["tenant"], row["activity_id"]), []):
            per_code[code] = per_code.get(code, 0) + row["n"]
    return evidence
