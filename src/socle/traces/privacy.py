"""RGPD operations: retention purge and the erasure of one agent (right to erasure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import agents, conf, partitions
from .models import Document, Statement, StatementKey, StatementRelation


@dataclass
class ErasureReport:
    statements: int
    documents: int


def agent_keys(agent: dict) -> set[str]:
    """Every key under which the LRS may hold this agent: as sent, and as pseudonymised; an mbox
    also under its SHA-1 form."""
    variants = [agent]
    if "mbox" in agent:
        variants.append({"mbox_sha1sum": agents.mbox_sha1sum(agent["mbox"])})
    keys = set()
    for variant in variants:
        keys.add(agents.agent_key(variant))
        keys.add(agents.agent_key(agents.pseudonymise_agent(variant)))
    keys.discard("")
    return keys


def erase_agent(agent: dict, tenant: str | None = None) -> ErasureReport:
    """Delete every statement in which the agent appears (actor, object, context, sub-statement,
    group member) and every document about them. Statements are deleted rather than edited:
    a statement is immutable, and one with the agent removed would be a different statement."""
    keys = agent_keys(agent)
    statements = Statement.objects.all() if tenant is None else Statement.objects.filter(tenant=tenant)
    related = StatementRelation.objects.filter(key__in=keys).values("statement_id")
    matching = statements.filter(Q(actor_key__in=keys) | Q(object_agent_key__in=keys) | Q(id__in=related))
    with transaction.atomic():
        ids = list(matching.values_list("id", flat=True))
        # Belt and braces: any statement whose JSON still mentions an identifier of the agent.
        needles = [value for key in ("mbox", "mbox_sha1sum", "openid") if (value := agent.get(key))]
        if isinstance(agent.get("account"), dict):
            needles.append(agent["account"].get("name", ""))
        for needle in filter(None, needles):
            if connection.vendor == "postgresql":
                ids += list(
                    statements.extra(where=["data::text LIKE %s"], params=[f"%{needle}%"]).values_list(
                        "id", flat=True
                    )
                )
        ids = sorted(set(ids))
        for start in range(0, len(ids), 5000):
            _delete_rows(ids[start : start + 5000])
        documents = Document.objects.filter(agent_key__in=keys)
        if tenant is not None:
            documents = documents.filter(tenant=tenant)
        document_count, _ = documents.delete()
    return ErasureReport(statements=len(ids), documents=document_count)


def _delete_rows(ids: list[int]) -> None:
    """Delete statement rows with their relation and key rows."""
    keys = list(Statement.objects.filter(id__in=ids).values_list("tenant", "statement_id"))
    StatementRelation.objects.filter(statement_id__in=ids).delete()
    Statement.objects.filter(id__in=ids).delete()
    by_tenant: dict[str, list] = {}
    for tenant, statement_id in keys:
        by_tenant.setdefault(tenant, []).append(statement_id)
    for tenant, statement_ids in by_tenant.items():
        StatementKey.objects.filter(tenant=tenant, statement_id__in=statement_ids).delete()


def purge_before(cutoff: datetime, batch: int = 10000) -> int:
    """Delete the statements stored before the cutoff: whole monthly partitions are dropped
    (PostgreSQL), the rest is deleted in batches."""
    total = partitions.drop_partitions_before(cutoff)
    while True:
        ids = list(
            Statement.objects.filter(stored__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch]
        )
        if not ids:
            return total
        with transaction.atomic():
            _delete_rows(ids)
        total += len(ids)


def retention_cutoff(days: int | None = None) -> datetime | None:
    days = days if days is not None else conf.retention_days()
    if days is None:
        return None
    return timezone.now() - timedelta(days=days)
