"""Ingestion and retrieval of statements: the part of the Statement Resource that touches the
database. Views parse HTTP; this module validates, stores (one transaction per request, bulk
inserts) and queries."""

from __future__ import annotations

import itertools
import operator
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from psycopg.types.json import Jsonb

from . import agents, conf, partitions
from .models import Activity, Attachment, Statement, StatementKey, StatementRelation
from .validation import SIGNATURE_USAGE, VOIDED_VERB, XAPIValidationError, validate_and_parse_timestamp


class XAPIError(Exception):
    """An HTTP error of the LRS: status code and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Client:
    """Who is calling: the tenant their statements belong to, their scopes, their authority."""

    tenant: str
    scopes: set[str]
    authority: dict
    credential_id: int | None = None
    name: str = ""

    def can(self, *scopes: str) -> bool:
        return bool(self.scopes & {"all", *scopes})


def format_stored(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_ms() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# --- Ingestion ---------------------------------------------------------------------------------
@dataclass
class Prepared:
    statement: dict  # as stored
    original: dict  # as received (for conflict comparison)
    statement_id: str
    row: dict = field(default_factory=dict)
    relations: list[tuple[str, str]] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)


_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")


def duration_key(duration):
    """Durations compare at 0.01 s precision (xAPI 2.0, 4.2.7)."""
    if not isinstance(duration, str):
        return duration
    return _SECONDS.sub(lambda m: f"{m.group(1)}.{m.group(2)[:2].ljust(2, '0')}S", duration)


def _comparable(statement: dict) -> dict:
    ignored = ("id", "stored", "authority", "version", "timestamp")
    result = {k: v for k, v in statement.items() if k not in ignored}
    if isinstance(result.get("result"), dict) and "duration" in result["result"]:
        result["result"] = {**result["result"], "duration": duration_key(result["result"]["duration"])}
    return result


def _activity_ids(value: Any) -> list[dict]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _collect(statement: dict, relations: set, activities: list, *, top: bool) -> None:
    """Related agents and activities of a statement or sub-statement. At top level the actor and
    object are indexed columns; inside a sub-statement they are relations."""
    actor = statement.get("actor") or {}
    for member in actor.get("member", []) or []:
        relations.add(("M", agents.agent_key(member)))
    if not top:
        key = agents.agent_key(actor)
        if key:
            relations.add(("A", key))
    obj = statement.get("object") or {}
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        activities.append(obj)
        if not top:
            relations.add(("V", obj["id"]))
    elif object_type in ("Agent", "Group"):
        for member in obj.get("member", []) or []:
            relations.add(("M", agents.agent_key(member)))
        if not top:
            key = agents.agent_key(obj)
            if key:
                relations.add(("A", key))
    elif object_type == "SubStatement":
        _collect(obj, relations, activities, top=False)
    context = statement.get("context") or {}
    for key in ("instructor", "team"):
        if key in context:
            agent_key = agents.agent_key(context[key])
            if agent_key:
                relations.add(("A", agent_key))
            for member in context[key].get("member", []) or []:
                relations.add(("A", agents.agent_key(member)))
    for item in context.get("contextAgents", []) or []:
        relations.add(("A", agents.agent_key(item["agent"])))
    for item in context.get("contextGroups", []) or []:
        group = item["group"]
        if agents.agent_key(group):
            relations.add(("A", agents.agent_key(group)))
        for member in group.get("member", []) or []:
            relations.add(("M", agents.agent_key(member)))
    for items in (context.get("contextActivities") or {}).values():
        for activity in _activity_ids(items):
            relations.add(("V", activity["id"]))
            activities.append(activity)


def _context_activities_as_lists(statement: dict) -> None:
    """The LRS returns a single context activity as an array of one (xAPI 1.0.3, 2.4.6.2)."""
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
        context = dict(context)
        context["contextActivities"] = {
            key: value if isinstance(value, list) else [value]
            for key, value in context["contextActivities"].items()
        }
        statement["context"] = context


@dataclass(frozen=True)
class Stamp:
    """What the LRS adds identically to every statement of one request, computed once."""

    stored: datetime
    stored_text: str
    pseudonymise: bool

    @classmethod
    def at(cls, stored: datetime) -> Stamp:
        return cls(stored=stored, stored_text=format_stored(stored), pseudonymise=conf.pseudonymise())


def prepare(raw: Any, version: str, client: Client, stamp: Stamp, path: str = "statement") -> Prepared:
    """Validate one received statement and build what is stored: the statement with the
    properties the LRS sets (id, stored, timestamp, authority, version), its indexed columns
    and its relation rows. `stamp` holds what the whole request shares (`Stamp.at(now_ms())`)."""
    timestamp = validate_and_parse_timestamp(raw, version, path)
    original = raw
    # A shallow copy: the properties below are set on the copy, nested objects are shared
    # with `original` and replaced (never modified in place) when they change.
    statement = agents.pseudonymise_statement(raw) if stamp.pseudonymise else dict(raw)
    statement_id = statement.get("id")
    # Validated as 8-4-4-4-12 hex digits: lower case is the canonical form.
    statement_id = statement_id.lower() if statement_id is not None else str(uuid.uuid4())
    statement["id"] = statement_id
    statement["stored"] = stamp.stored_text
    if timestamp is None:
        timestamp = stamp.stored
        statement["timestamp"] = stamp.stored_text
    statement["authority"] = client.authority
    _context_activities_as_lists(statement)
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "SubStatement":
        obj = statement["object"] = dict(obj)
        _context_activities_as_lists(obj)
    if "version" not in statement:
        statement["version"] = "2.0.0" if version[0] == "2" else "1.0.0"
    context = statement.get("context")
    relations: set[tuple[str, str]] = set()
    activities: list[dict] = []
    _collect(statement, relations, activities, top=True)
    # The authority is the credential (credential_id column): no relation row needed.
    verb_id = statement["verb"]["id"]
    return Prepared(
        statement=statement,
        original=original,
        statement_id=statement_id,
        row={
            "statement_id": statement_id,
            "stored": stamp.stored,
            "timestamp": timestamp,
            "verb_id": verb_id,
            "actor_key": agents.agent_key(statement["actor"]),
            "object_agent_key": agents.agent_key(obj) if object_type in ("Agent", "Group") else None,
            "activity_id": obj["id"] if object_type == "Activity" else None,
            "registration": context.get("registration") if context else None,
            "ref_target": obj["id"] if object_type == "StatementRef" else None,
            "is_voiding": verb_id == VOIDED_VERB,
            "has_attachments": bool(statement.get("attachments")),
            "credential_id": client.credential_id,
        },
        relations=sorted(relations),
        activities=activities,
    )


def merge_definition(current: dict, new: dict) -> dict:
    """Merge an activity definition into the stored one: language maps are merged (the newest
    wins per language), every other property is replaced."""
    merged = dict(current)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


_known_definitions: dict[tuple[str, str], dict] = {}


def _pending_definitions(tenant: str, activities: list[dict]) -> dict[str, dict]:
    """The activity definitions of a batch that may change what the LRS holds. Most statements
    repeat a definition the LRS already holds: those are left out without a query (per-process
    cache of what this process last read or wrote)."""
    definitions: dict[str, dict] = {}
    for activity in activities:
        definition = activity.get("definition")
        if definition is None:
            continue
        activity_id = activity["id"]
        if activity_id not in definitions:
            known = _known_definitions.get((tenant, activity_id))
            # Adds nothing to what is known (the usual case: the very same definition again).
            # Once an id is pending, its later occurrences are merged in, in batch order.
            if known is not None and (known == definition or merge_definition(known, definition) == known):
                continue
        definitions[activity_id] = merge_definition(definitions.get(activity_id, {}), definition)
    return definitions


def _cache_definitions(tenant: str, definitions: dict[str, dict]) -> None:
    """Remember what the LRS now holds for these activities (bounded per-process cache)."""
    if len(_known_definitions) > 50_000:
        _known_definitions.clear()
    for activity_id, definition in definitions.items():
        _known_definitions[(tenant, activity_id)] = definition


def _remember_definitions(tenant: str, definitions: dict[str, dict]) -> None:
    """After `definitions` were merged into the stored ones by ONE_STATEMENT_PLAIN_INSERT."""
    _cache_definitions(
        tenant,
        {
            activity_id: merge_definition(_known_definitions.get((tenant, activity_id)) or {}, definition)
            for activity_id, definition in definitions.items()
        },
    )


def _save_activities(tenant: str, activities: list[dict]) -> None:
    definitions = _pending_definitions(tenant, activities)
    if not definitions:
        return
    existing = {
        a.activity_id: a for a in Activity.objects.filter(tenant=tenant, activity_id__in=list(definitions))
    }
    to_create, to_update = [], []
    for activity_id, definition in definitions.items():
        if activity_id in existing:
            row = existing[activity_id]
            merged = merge_definition(row.definition, definition)
            if merged != row.definition:
                row.definition = merged
                to_update.append(row)
        else:
            to_create.append(Activity(tenant=tenant, activity_id=activity_id, definition=definition))
    if to_update:
        Activity.objects.bulk_update(to_update, ["definition"])
    if to_create:
        Activity.objects.bulk_create(to_create, ignore_conflicts=True)
    _cache_definitions(
        tenant, {row.activity_id: row.definition for row in [*existing.values(), *to_create, *to_update]}
    )


@dataclass
class BatchResult:
    ids: list[str]
    rejected: list[dict] = field(default_factory=list)


def store_statements(
    items: list[Prepared],
    client: Client,
    attachments: dict[str, tuple[str, bytes]] | None = None,
    *,
    partial: bool = False,
) -> BatchResult:
    """Store a batch in one transaction. Identical re-sends are ignored; a different statement
    with an existing id is a 409 conflict (or, in partial mode, a rejected item)."""
    tenant = client.tenant
    seen: set[str] = set()
    for item in items:
        if item.statement_id in seen:
            raise XAPIError(400, f"the batch contains the statement id {item.statement_id} twice")
        seen.add(item.statement_id)
    if not items:
        return BatchResult(ids=[])
    try:
        return _store(items, client, tenant, seen, attachments, partial)
    except IntegrityError as exc:  # a concurrent request stored the same id meanwhile
        raise XAPIError(409, "a statement with one of these ids was stored concurrently") from exc


class _IdTaken(Exception):
    """The plain key INSERT of the fast path met an id already stored (or being stored)."""


def _store(items, client, tenant, seen, attachments, partial) -> BatchResult:
    # Before the transaction: rolled back with it (409, retry below), the new partition would be
    # lost while remembered as created.
    partitions.ensure_partition(items[0].row["stored"])
    if connection.vendor != "postgresql" or any(item.row["is_voiding"] for item in items):
        with transaction.atomic():
            return _store_step_by_step(items, tenant, attachments, partial)
    # The common case is a batch of new ids: its keys are inserted by a plain INSERT (no
    # ON CONFLICT, whose speculative insertion costs CPU on every row). An id already stored (a
    # re-send, a conflict, a concurrent request) makes that INSERT fail: nothing of the batch is
    # kept (the statement, or the batch's transaction, is rolled back; a savepoint if the caller
    # is in a transaction) and the batch is stored again the careful way, which tells a re-send
    # from a conflict.
    try:
        if not attachments and not connection.in_atomic_block:
            # The commonest case of all: no attachment. Then the one SQL statement (which also
            # saves the activity definitions) is the whole write, and a single statement is
            # atomic on its own: sent in autocommit mode it needs no BEGIN and no COMMIT round
            # trip (3 → 1).
            _claim_and_insert(tenant, items, plain=True)
            return BatchResult(ids=[item.statement_id for item in items])
        with transaction.atomic():
            return _store_in_one_statement(items, tenant, attachments, partial, plain=True)
    except _IdTaken:
        pass
    with transaction.atomic():
        return _store_in_one_statement(items, tenant, attachments, partial, plain=False)


def locate(tenant: str, statement_ids) -> Q:
    """A filter on the statement table for these ids. The table has no index on statement_id:
    the key table gives each id's `stored`, and (tenant, stored) finds the row (pruned to its
    month) among the few stored at the same millisecond."""
    ids = list(statement_ids)
    stored = set(
        StatementKey.objects.filter(tenant=tenant, statement_id__in=ids).values_list("stored", flat=True)
    )
    return Q(tenant=tenant, statement_id__in=ids, stored__in=stored)


def _compare_with_stored(tenant, items, partial, rejected) -> list[Prepared]:
    """Of `items`, whose ids are already stored, the ones identical to what is stored are
    ignored; a different one is a 409 conflict (or a rejected item in partial mode). Returns
    the items whose stored statement could not be found (its key row only)."""
    existing = dict(
        Statement.objects.filter(locate(tenant, [item.statement_id for item in items])).values_list(
            "statement_id", "data"
        )
    )
    missing = []
    for item in items:
        found = existing.get(uuid.UUID(item.statement_id))
        if found is None:
            missing.append(item)
        elif _comparable(found) != _comparable(item.statement):
            message = f"a different statement with the id {item.statement_id} already exists"
            if not partial:
                raise XAPIError(409, message)
            rejected.append({"id": item.statement_id, "error": message})
    return missing


def _store_in_one_statement(items, tenant, attachments, partial, *, plain: bool = False) -> BatchResult:
    """PostgreSQL, no voiding statement in the batch (the common case): the ids are claimed and
    the new statements and their relation rows inserted by one SQL statement; only the ids that
    were already taken are then read back, to tell a re-send from a conflict. `plain`: claim
    with a plain INSERT, which raises _IdTaken (the transaction is then unusable) if one of the
    ids is taken."""
    rejected: list[dict] = []
    claimed = _claim_and_insert(tenant, items, plain=plain)
    unclaimed = [item for item in items if item.statement_id not in claimed]
    if unclaimed and _compare_with_stored(tenant, unclaimed, partial, rejected):
        # A key row without its statement: only a concurrent request can be in between.
        raise XAPIError(409, "a statement with one of these ids was stored concurrently")
    fresh = [item for item in items if item.statement_id in claimed]
    # The plain statement saved the activity definitions itself.
    return _finish(tenant, items, fresh, attachments, rejected, definitions_saved=plain)


def _store_step_by_step(items, tenant, attachments, partial) -> BatchResult:
    rejected: list[dict] = []
    # Claim the ids in the key table: one statement that inserts the new ones and tells
    # which already existed; only those are read back from the (partitioned) statement
    # table, pruned by their stored month. A concurrent request with the same id waits on
    # the unique index, then sees the first one's statement.
    claimed = _claim_keys(tenant, items)
    known = [item for item in items if item.statement_id not in claimed]
    missing = {item.statement_id for item in _compare_with_stored(tenant, known, partial, rejected)}
    fresh = [item for item in items if item.statement_id in claimed or item.statement_id in missing]
    # Voiding: the targets must not be voiding statements themselves.
    targets = {item.row["ref_target"] for item in fresh if item.row["is_voiding"]}
    if targets:
        voiding_targets = set(
            str(value)
            for value in Statement.objects.filter(locate(tenant, targets), is_voiding=True).values_list(
                "statement_id", flat=True
            )
        )
        voiding_targets |= {item.statement_id for item in fresh if item.row["is_voiding"]} & targets
        kept = []
        for item in fresh:
            if item.row["is_voiding"] and item.row["ref_target"] in voiding_targets:
                message = f"statement {item.statement_id} voids a voiding statement, which is not allowed"
                if not partial:
                    raise XAPIError(400, message)
                rejected.append({"id": item.statement_id, "error": message})
            else:
                kept.append(item)
        fresh = kept
    fresh_ids = {item.statement_id for item in fresh}
    released = [sid for sid in claimed if sid not in fresh_ids]
    if released:  # claimed, then refused (partial mode): free the ids again
        StatementKey.objects.filter(tenant=tenant, statement_id__in=released).delete()
    if fresh:
        _insert(tenant, fresh)
    if targets and fresh:
        Statement.objects.filter(
            locate(tenant, [item.row["ref_target"] for item in fresh if item.row["is_voiding"]]),
            is_voiding=False,
        ).update(voided=True)
    return _finish(tenant, items, fresh, attachments, rejected)


def _finish(tenant, items, fresh, attachments, rejected, *, definitions_saved=False) -> BatchResult:
    """Activity definitions and attachments of the statements just stored; the result."""
    if fresh and not definitions_saved:
        _save_activities(tenant, [activity for item in fresh for activity in item.activities])
    if fresh and attachments:
        needed = {
            a["sha2"]
            for item in fresh
            for a in item.statement.get("attachments", [])
            if a["sha2"] in attachments
        }
        known = set(
            Attachment.objects.filter(tenant=tenant, sha2__in=list(needed)).values_list("sha2", flat=True)
        )
        Attachment.objects.bulk_create(
            [
                Attachment(
                    tenant=tenant,
                    sha2=sha2,
                    content_type=attachments[sha2][0],
                    content=attachments[sha2][1],
                )
                for sha2 in needed - known
            ],
            ignore_conflicts=True,
        )
    rejected_ids = {r["id"] for r in rejected}
    return BatchResult(
        ids=[item.statement_id for item in items if item.statement_id not in rejected_ids], rejected=rejected
    )


# The statement table's columns, in the order COPY (`copy_values`) and the one-statement inserts
# write them.
COLUMNS = (
    "id",
    "tenant",
    "statement_id",
    "stored",
    "timestamp",
    "verb_id",
    "actor_key",
    "object_agent_key",
    "activity_id",
    "registration",
    "ref_target",
    "voided",
    "is_voiding",
    "credential_id",
    "has_attachments",
    "data",
)


# The whole batch travels as ONE JSON parameter that PostgreSQL unpacks (jsonb_array_elements):
# the claim of the ids in the key table, the statement rows and their relation rows are one
# statement, hence one round trip, and a single parameter keeps the prepared plan reusable
# whatever the batch size. The statement table has no unique index on the id (partitioned),
# so only the ids the key insert claimed are inserted. Keys are claimed in id order, so that two
# batches sharing ids wait on each other instead of deadlocking; rows get their ids in batch order
# (statements of one batch share `stored`, and (stored, id) orders the query results).
# ONE_STATEMENT_PLAIN_INSERT, the fast path, claims the keys with a plain INSERT (no ON CONFLICT):
# a taken id is an error (unique violation on the key table's primary key) that undoes the whole
# statement, so nothing else needs to depend on the claim: no join on `claimed`, no RETURNING, no
# sort of the statement rows. Their ids are drawn from the sequence as `input` is read (in batch
# order) and the relation rows take them from there. The main query reads `claimed`, so that the
# keys are inserted first: a batch with a taken id fails before writing any statement row.
#
# Each statement is a JSON array of the `_INPUT_FIELDS` of its row, then its relation rows, then
# the statement itself (`_input_row`). An array, not an object: PostgreSQL parses the parameter
# into jsonb while binding it, and keys cost as much to parse as values (the rows of a batch of
# 100 were 30 % smaller, the statement 0.9 ms faster, 13 %). What every row of a batch shares
# (tenant, `stored`, credential) is a parameter of its own, and `is_voiding` is false: batches
# with voiding statements take the step-by-step path.
_INPUT_FIELDS = (
    ("statement_id", "uuid"),
    ("timestamp", "timestamptz"),
    ("verb_id", "text"),
    ("actor_key", "text"),
    ("object_agent_key", "text"),
    ("activity_id", "text"),
    ("registration", "uuid"),
    ("ref_target", "uuid"),
    ("has_attachments", "boolean"),
)
_INPUT_ROWS = "\n".join(
    [
        "SELECT nextval('traces_statement_rowid_seq') AS row_id,",
        *(f'    (e.r ->> {n})::{cast} AS "{name}",' for n, (name, cast) in enumerate(_INPUT_FIELDS)),
        f"    e.r -> {len(_INPUT_FIELDS)} AS relations, e.r -> {len(_INPUT_FIELDS) + 1} AS data",
        "FROM jsonb_array_elements(%(rows)s::jsonb) AS e(r)",
    ]
)


_input_fields_of = operator.itemgetter(*(name for name, _ in _INPUT_FIELDS))


def _input_row(item: Prepared) -> list:
    return [*_input_fields_of(item.row), item.relations, item.statement]


_STATEMENT_COLUMNS = "(" + ", ".join(f'"{name}"' for name in COLUMNS) + ")"
# The values of COLUMNS, in that order, from a row of `input`.
_STATEMENT_VALUES = """i.row_id, %(tenant)s, i.statement_id, %(stored)s, i."timestamp", i.verb_id,
        i.actor_key, i.object_agent_key, i.activity_id, i.registration, i.ref_target, false, false,
        %(credential)s, i.has_attachments, i.data"""
# merge_definition in SQL: the new definition's properties replace the stored ones, except the
# language maps `name` and `description`, merged (the new one wins per language).
_MERGED_DEFINITION = " || ".join(
    [
        "traces_activity.definition || EXCLUDED.definition",
        *(
            f"CASE WHEN jsonb_typeof(traces_activity.definition -> '{key}') = 'object' "
            f"AND jsonb_typeof(EXCLUDED.definition -> '{key}') = 'object' "
            f"THEN jsonb_build_object('{key}', (traces_activity.definition -> '{key}') "
            f"|| (EXCLUDED.definition -> '{key}')) ELSE '{{}}'::jsonb END"
            for key in ("name", "description")
        ),
    ]
)


def _fill(template: str) -> str:
    """An SQL text below with its shared parts (constants of this module, no input)."""
    return (
        template.replace("{input_rows}", _INPUT_ROWS)
        .replace("{columns}", _STATEMENT_COLUMNS)
        .replace("{values}", _STATEMENT_VALUES)
        .replace("{merged}", f"({_MERGED_DEFINITION})")
    )


ONE_STATEMENT_INSERT = _fill("""
WITH input AS (
    {input_rows}
), claimed AS (
    INSERT INTO traces_statementkey (tenant, statement_id, stored)
    SELECT %(tenant)s, statement_id, %(stored)s FROM input ORDER BY statement_id
    ON CONFLICT DO NOTHING
    RETURNING statement_id
), inserted AS (
    INSERT INTO traces_statement {columns}
    SELECT {values}
    FROM input i JOIN claimed c ON c.statement_id = i.statement_id
    RETURNING id
), related AS (
    INSERT INTO traces_statementrelation (statement_id, kind, key)
    SELECT i.row_id, r.value ->> 0, r.value ->> 1
    FROM inserted s JOIN input i ON i.row_id = s.id,
        jsonb_array_elements(i.relations) AS r(value)
)
SELECT statement_id FROM claimed
""")
ONE_STATEMENT_PLAIN_INSERT = _fill("""
WITH input AS (
    {input_rows}
), claimed AS (
    INSERT INTO traces_statementkey (tenant, statement_id, stored)
    SELECT %(tenant)s, statement_id, %(stored)s FROM input ORDER BY statement_id
    RETURNING 1
), inserted AS (
    INSERT INTO traces_statement {columns}
    SELECT {values}
    FROM input i
), related AS (
    INSERT INTO traces_statementrelation (statement_id, kind, key)
    SELECT i.row_id, r.value ->> 0, r.value ->> 1
    FROM input i, jsonb_array_elements(i.relations) AS r(value)
), activities AS (
    INSERT INTO traces_activity (tenant, activity_id, definition)
    SELECT %(tenant)s, a.key, a.value FROM jsonb_each(%(definitions)s::jsonb) AS a ORDER BY a.key
    ON CONFLICT (tenant, activity_id) DO UPDATE SET definition = {merged}
    WHERE traces_activity.definition IS DISTINCT FROM {merged}
)
SELECT count(*) FROM claimed
""")
_KEY_PRIMARY_KEY = f"{StatementKey._meta.db_table}_pkey"


def _prepared_cursor() -> psycopg.Cursor:
    """A server-side-binding psycopg cursor (Django's binds on the client side) on Django's
    connection, for statements executed with `prepare=True`. Django turns psycopg's prepared
    statements off (`prepare_threshold` None); they are turned back on for explicit requests
    only (an unreachable threshold): Django's own cursors never prepare (client-side binding),
    and each ingestion statement is then parsed and planned once per connection instead of at
    every request (0.3 ms of parsing and about as much planning per batch, measured)."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = 1 << 30
    return psycopg.Cursor(raw)


def _claim_and_insert(tenant: str, items: list[Prepared], *, plain: bool = False) -> set[str]:
    """Run ONE_STATEMENT_INSERT (ONE_STATEMENT_PLAIN_INSERT if `plain`: then a taken id raises
    _IdTaken); return the ids it claimed (and stored). The caller has created the partition."""
    first = items[0].row
    params = {
        # Jsonb with orjson: psycopg sends orjson's bytes as they are (a `str` would be decoded
        # from orjson's UTF-8, then encoded again by psycopg: ≈ 0.2 ms per batch of 100).
        "rows": Jsonb([_input_row(item) for item in items], dumps=orjson.dumps),
        "tenant": tenant,
        "stored": first["stored"],  # one Stamp per request
        "credential": first["credential_id"],  # one client per request
    }
    if plain:
        definitions = _pending_definitions(
            tenant, [activity for item in items for activity in item.activities]
        )
        params["definitions"] = Jsonb(definitions, dumps=orjson.dumps)
    with connection.wrap_database_errors, _prepared_cursor() as cursor:
        try:
            sql = ONE_STATEMENT_PLAIN_INSERT if plain else ONE_STATEMENT_INSERT
            cursor.execute(sql, params, prepare=True)
        except psycopg.errors.UniqueViolation as exc:
            if plain and exc.diag.constraint_name == _KEY_PRIMARY_KEY:
                raise _IdTaken from exc
            raise
        if not plain:
            return {str(row[0]) for row in cursor.fetchall()}
    if definitions:
        if connection.in_atomic_block:  # known once the transaction commits
            transaction.on_commit(lambda: _remember_definitions(tenant, definitions))
        else:
            _remember_definitions(tenant, definitions)
    return {item.statement_id for item in items}  # all claimed (else _IdTaken)


def copy_values(tenant: str, item: Prepared) -> tuple:
    """The values of `COLUMNS` after `id` for one prepared statement, as COPY writes them (the
    benchmark's raw COPY ceiling writes exactly these rows too)."""
    row = item.row
    return (
        tenant,
        row["statement_id"],
        row["stored"],
        row["timestamp"],
        row["verb_id"],
        row["actor_key"],
        row["object_agent_key"],
        row["activity_id"],
        row["registration"],
        row["ref_target"],
        False,
        row["is_voiding"],
        row["credential_id"],
        row["has_attachments"],
        orjson.dumps(item.statement).decode(),
    )


def _claim_keys(tenant: str, items: list[Prepared]) -> set[str]:
    """Insert the key rows of ids not stored yet; return the ids that were claimed."""
    stored = items[0].row["stored"]
    ids = [item.statement_id for item in items]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO traces_statementkey (tenant, statement_id, stored) "
                "SELECT %s, sid, %s FROM unnest(%s::uuid[]) AS sid ORDER BY sid "
                "ON CONFLICT DO NOTHING RETURNING statement_id",
                [tenant, stored, ids],
            )
            return {str(row[0]) for row in cursor.fetchall()}
    taken = {
        str(value)
        for value in StatementKey.objects.filter(tenant=tenant, statement_id__in=ids).values_list(
            "statement_id", flat=True
        )
    }
    new = [statement_id for statement_id in ids if statement_id not in taken]
    StatementKey.objects.bulk_create(
        [StatementKey(tenant=tenant, statement_id=sid, stored=stored) for sid in new]
    )
    return set(new)


def _insert(tenant: str, fresh: list[Prepared]) -> None:
    """Insert the statements and their relation rows: COPY on PostgreSQL (ids drawn from the
    sequence first, so that relation rows can be copied too), bulk INSERT elsewhere."""
    if connection.vendor != "postgresql":
        rows = [Statement(tenant=tenant, data=item.statement, **item.row) for item in fresh]
        Statement.objects.bulk_create(rows)
        StatementRelation.objects.bulk_create(
            [
                StatementRelation(statement_id=row.id, kind=kind, key=key)
                for row, item in zip(rows, fresh, strict=True)
                for kind, key in item.relations
            ]
        )
        return
    # The partition exists: _store created it before the transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('traces_statement', 'id')) FROM generate_series(1, %s)",
            [len(fresh)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        pg = cursor.cursor  # the psycopg cursor under Django's wrapper
        with pg.copy(f"COPY traces_statement ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row_id, item in zip(ids, fresh, strict=True):
                copy.write_row((row_id, *copy_values(tenant, item)))
        relations = [
            (row_id, kind, key)
            for row_id, item in zip(ids, fresh, strict=True)
            for kind, key in item.relations
        ]
        if relations:
            with pg.copy("COPY traces_statementrelation (statement_id, kind, key) FROM STDIN") as copy:
                for relation in relations:
                    copy.write_row(relation)


def prepare_batch(
    raw_items: list, version: str, client: Client, *, partial: bool
) -> tuple[list[Prepared], list]:
    stamp = Stamp.at(now_ms())
    prepared, rejected = [], []
    several = len(raw_items) > 1
    for index, raw in enumerate(raw_items):
        try:
            prepared.append(
                prepare(raw, version, client, stamp, f"statements[{index}]" if several else "statement")
            )
        except XAPIValidationError as exc:
            if not partial:
                raise XAPIError(400, str(exc)) from exc
            rejected.append(
                {"index": index, "id": raw.get("id") if isinstance(raw, dict) else None, "error": str(exc)}
            )
    return prepared, rejected


def signature_attachments(statement: dict) -> list[dict]:
    return [a for a in statement.get("attachments", []) if a.get("usageType") == SIGNATURE_USAGE]


# --- Retrieval ---------------------------------------------------------------------------------
def _any(alternatives: list[Q]) -> Q:
    q = alternatives[0]
    for alternative in alternatives[1:]:
        q |= alternative
    return q


def agent_alternatives(agent: dict, related: bool) -> list[Q]:
    """The ways a statement matches the agent parameter: by its indexed columns, and with
    related_agents by a relation row (kept apart: see Query.branches)."""
    if conf.pseudonymise():
        agent = agents.pseudonymise_agent(agent)
    key = agents.agent_key(agent)
    q = Q(actor_key=key) | Q(object_agent_key=key)
    if not related:
        return [q]
    account = agent.get("account") or {}
    if account.get("homePage") == conf.authority_home_page():  # an LRS client as authority
        from .models import Credential

        credential = Credential.objects.filter(key=account.get("name")).first()
        if credential is not None:
            q |= Q(credential_id=credential.pk)
    return [q, Exists(StatementRelation.objects.filter(statement_id=OuterRef("id"), kind="A", key=key))]


def agent_filter(agent: dict, related: bool) -> Q:
    return _any(agent_alternatives(agent, related))


def forget_caches() -> None:
    """Forget the per-process caches (tests flush the tables under them)."""
    _known_definitions.clear()


def activity_alternatives(activity_id: str, related: bool) -> list[Q]:
    q = Q(activity_id=activity_id)
    if not related:
        return [q]
    return [
        q,
        Exists(StatementRelation.objects.filter(statement_id=OuterRef("id"), kind="V", key=activity_id)),
    ]


def activity_filter(activity_id: str, related: bool) -> Q:
    return _any(activity_alternatives(activity_id, related))


@dataclass
class Query:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False

    def _parts(self) -> list[list[Q]]:
        """The conditions to AND, each a list of alternatives to OR."""
        parts = []
        if self.agent is not None:
            parts.append(agent_alternatives(self.agent, self.related_agents))
        if self.verb is not None:
            parts.append([Q(verb_id=self.verb)])
        if self.activity is not None:
            parts.append(activity_alternatives(self.activity, self.related_activities))
        if self.registration is not None:
            parts.append([Q(registration=self.registration)])
        return parts

    def filter_q(self) -> Q | None:
        parts = self._parts()
        if not parts:
            return None
        q = _any(parts[0])
        for part in parts[1:]:
            q &= _any(part)
        return q

    def branches(self) -> list[Q] | None:
        """The filter as a union of conjunctions (one per choice of alternative in each part).
        With related_agents/related_activities, an EXISTS on the relation table OR'ed with column
        tests makes PostgreSQL hash the relation lookup once per monthly partition (0.5 s on a key
        of 100 000 statements among 10 M); alone in its branch, the EXISTS is a semi-join that
        walks the `stored` order and stops at the page size. Each branch is one ordered top-N
        query; run_query merges them."""
        parts = self._parts()
        if not parts:
            return None
        result = []
        for choice in itertools.product(*parts):
            q = choice[0]
            for condition in choice[1:]:
                q &= condition
            result.append(q)
        return result


def run_query(
    client: Client, query: Query, cursor: dict | None, mine_only: bool
) -> tuple[list[Statement], dict | None]:
    """One page of results and the cursor of the next page (None at the end)."""
    limit = query.limit or conf.page_size()
    limit = min(limit, conf.max_page_size())
    base = Statement.objects.filter(tenant=client.tenant, voided=False)
    if mine_only:
        base = base.filter(credential_id=client.credential_id)
    if query.since is not None:
        base = base.filter(stored__gt=query.since)
    if query.until is not None:
        base = base.filter(stored__lte=query.until)
    cap = cursor["cap"] if cursor else None
    if cap is None:
        last = Statement.objects.order_by("-id").values_list("id", flat=True).first()
        cap = last or 0
    base = base.filter(id__lte=cap)
    if cursor:
        stored = datetime.fromisoformat(cursor["stored"])
        if query.ascending:
            base = base.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=cursor["id"]))
        else:
            base = base.filter(Q(stored__lt=stored) | Q(stored=stored, id__lt=cursor["id"]))
    order = ("stored", "id") if query.ascending else ("-stored", "-id")
    filter_q = query.filter_q()
    if filter_q is None:
        rows = list(base.order_by(*order)[: limit + 1])
    else:
        direct = [
            row for branch in query.branches() for row in base.filter(branch).order_by(*order)[: limit + 1]
        ]
        # The target's `stored` comes from the key table (no index on statement_id, see locate).
        target_stored = StatementKey.objects.filter(
            tenant=client.tenant, statement_id=OuterRef("ref_target")
        ).values("stored")[:1]
        targets = Statement.objects.filter(
            tenant=client.tenant, statement_id=OuterRef("ref_target"), stored=OuterRef("target_stored")
        ).filter(filter_q)
        referencing = (
            base.filter(ref_target__isnull=False)
            .annotate(target_stored=Subquery(target_stored))
            .filter(Exists(targets))
            .order_by(*order)[: limit + 1]
        )
        merged = {row.id: row for row in [*direct, *referencing]}
        rows = sorted(merged.values(), key=lambda r: (r.stored, r.id), reverse=not query.ascending)[
            : limit + 1
        ]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = {"stored": rows[-1].stored.isoformat(), "id": rows[-1].id, "cap": cap}
    return rows, next_cursor


# --- Formats -----------------------------------------------------------------------------------
def ids_agent(agent: dict) -> dict:
    result = {}
    if "objectType" in agent:
        result["objectType"] = agent["objectType"]
    for key in agents.IFIS:
        if key in agent:
            result[key] = agent[key]
            break
    else:
        if "member" in agent:
            result["member"] = [ids_agent(m) for m in agent["member"]]
    return result


def ids_activity(activity: dict) -> dict:
    return {"id": activity["id"]}


def format_ids(statement: dict) -> dict:
    result = dict(statement)
    result["actor"] = ids_agent(statement["actor"])
    result["verb"] = {"id": statement["verb"]["id"]}
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        result["object"] = ids_activity(obj)
    elif object_type in ("Agent", "Group"):
        result["object"] = ids_agent(obj)
    elif object_type == "SubStatement":
        result["object"] = format_ids(obj)
    if "authority" in statement:
        result["authority"] = ids_agent(statement["authority"])
    context = statement.get("context")
    if context:
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = ids_agent(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                key: [ids_activity(a) for a in _activity_ids(value)]
                for key, value in context["contextActivities"].items()
            }
        if "contextAgents" in context:
            context["contextAgents"] = [
                {**c, "agent": ids_agent(c["agent"])} for c in context["contextAgents"]
            ]
        if "contextGroups" in context:
            context["contextGroups"] = [
                {**c, "group": ids_agent(c["group"])} for c in context["contextGroups"]
            ]
        result["context"] = context
    return result


def pick_language(language_map: dict, languages: list[str]) -> dict:
    if not isinstance(language_map, dict) or not language_map:
        return language_map
    lowered = {key.lower(): key for key in language_map}
    for language in languages:
        language = language.lower()
        if language in lowered:
            key = lowered[language]
            return {key: language_map[key]}
        for candidate_lower, key in lowered.items():
            if candidate_lower.split("-")[0] == language.split("-")[0]:
                return {key: language_map[key]}
    if "und" in language_map:
        return {"und": language_map["und"]}
    key = next(iter(language_map))
    return {key: language_map[key]}


def canonical_definition(definition: dict, languages: list[str]) -> dict:
    result = dict(definition)
    for key in ("name", "description"):
        if key in result:
            result[key] = pick_language(result[key], languages)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(result.get(key), list):
            result[key] = [
                {**c, "description": pick_language(c["description"], languages)} if "description" in c else c
                for c in result[key]
            ]
    return result


def _canonical_activity(activity: dict, languages: list[str]) -> dict:
    if "definition" in activity:
        return {**activity, "definition": canonical_definition(activity["definition"], languages)}
    return activity


def format_canonical(statement: dict, languages: list[str]) -> dict:
    result = dict(statement)
    verb = dict(statement["verb"])
    if "display" in verb:
        verb["display"] = pick_language(verb["display"], languages)
    result["verb"] = verb
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        result["object"] = _canonical_activity(obj, languages)
    elif object_type == "SubStatement":
        result["object"] = format_canonical(obj, languages)
    context = statement.get("context")
    if context and "contextActivities" in context:
        context = dict(context)
        context["contextActivities"] = {
            key: (
                [_canonical_activity(a, languages) for a in value]
                if isinstance(value, list)
                else _canonical_activity(value, languages)
            )
            for key, value in context["contextActivities"].items()
        }
        result["context"] = context
    if "attachments" in statement:
        result["attachments"] = [
            {
                **a,
                **({"display": pick_language(a["display"], languages)} if "display" in a else {}),
                **({"description": pick_language(a["description"], languages)} if "description" in a else {}),
            }
            for a in statement["attachments"]
        ]
    return result


def render(statement: dict, fmt: str, languages: list[str]) -> dict:
    if fmt == "ids":
        return format_ids(statement)
    if fmt == "canonical":
        return format_canonical(statement, languages)
    return statement
