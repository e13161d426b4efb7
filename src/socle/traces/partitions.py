"""Monthly partitions of the statement table on PostgreSQL (declarative partitioning by range of
`stored`). `since`/`until` queries prune to the months they cover and retention drops whole
months. Partitions are created ahead by `socle traces-partitions` (cron) and, as a safety net,
by the ingestion itself for the current month; rows outside every partition land in
`traces_statement_default`. Nothing here runs on SQLite."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)
PARENT = "traces_statement"
DEFAULT = "traces_statement_default"
_NAME = re.compile(r"^traces_statement_p(\d{4})(\d{2})$")
_known: set[str] = set()
# The indexes of the statement table, as the models declare them (the partial ones skip the rows
# where their column is NULL: fewer index writes per statement).
INDEXES = {
    "traces_stmt_stored": "(tenant, stored, id)",
    "traces_stmt_actor": "(tenant, actor_key, stored)",
    "traces_stmt_objagent": "(tenant, object_agent_key, stored) WHERE object_agent_key IS NOT NULL",
    "traces_stmt_verb": "(tenant, verb_id, stored)",
    "traces_stmt_activity": "(tenant, activity_id, stored)",
    "traces_stmt_reg": "(tenant, registration, stored) WHERE registration IS NOT NULL",
    "traces_stmt_ref": "(tenant, ref_target) WHERE ref_target IS NOT NULL",
}


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"{PARENT}_p{start:%Y%m}"


def is_partitioned(cursor=None) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as own:
        (cursor or own).execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = (cursor or own).fetchone()
    return bool(row) and row[0] == "p"


def partitions() -> list[tuple[str, datetime, datetime]]:
    """The monthly partitions (name, start, end), oldest first (the default one excluded)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    result = []
    for name in names:
        match = _NAME.match(name)
        if match:
            start = datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC)
            result.append((name, start, next_month(start)))
    return sorted(result, key=lambda item: item[1])


def ensure_partition(moment: datetime) -> None:
    """Create the partition of the month of `moment` if it does not exist (idempotent)."""
    start = month_start(moment)
    name = partition_name(start)
    if name in _known or connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is None:
                if not is_partitioned(cursor):
                    return
                cursor.execute(
                    f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF {PARENT} FOR VALUES FROM (%s) TO (%s)',
                    [start, next_month(start)],
                )
        _known.add(name)
    except DatabaseError as exc:  # e.g. rows of that month already in the default partition
        logger.warning("could not create partition %s: %s", name, exc)


def ensure_partitions(first: datetime, last: datetime) -> int:
    """Create the partitions of every month from `first` to `last` included."""
    created = 0
    start = month_start(first)
    while start <= last:
        before = partition_name(start) in _known
        ensure_partition(start)
        created += not before
        start = next_month(start)
    return created


def drop_partitions_before(cutoff: datetime) -> int:
    """Drop the monthly partitions that end before the cutoff, with the relation and key rows
    of their statements; returns the number of statements dropped."""
    from .models import StatementKey

    dropped = 0
    for name, _start, end in partitions():
        if end > cutoff:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 - names from pg_class
            dropped += cursor.fetchone()[0]
            cursor.execute(
                f'DELETE FROM traces_statementrelation r USING "{name}" s WHERE r.statement_id = s.id'  # noqa: S608
            )
            cursor.execute(
                f'DELETE FROM {StatementKey._meta.db_table} k USING "{name}" s '  # noqa: S608
                "WHERE k.tenant = s.tenant AND k.statement_id = s.statement_id"
            )
            cursor.execute(f'DROP TABLE "{name}"')
        _known.discard(name)
    return dropped


def convert_to_partitioned(schema_editor) -> None:
    """Migration step: turn the plain statement table into a table partitioned by month of
    `stored`, keeping its rows, its id sequence and its index names."""
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    old = f"{PARENT}_unpartitioned"
    execute(f"ALTER TABLE {PARENT} RENAME TO {old}")
    execute(f"ALTER TABLE {old} RENAME CONSTRAINT {PARENT}_pkey TO {old}_pkey")
    for index in INDEXES:
        execute(f"DROP INDEX IF EXISTS {index}")
    execute(f"CREATE TABLE {PARENT} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE (stored)")
    execute(f"CREATE SEQUENCE {PARENT}_rowid_seq OWNED BY {PARENT}.id")
    execute(f"ALTER TABLE {PARENT} ALTER COLUMN id SET DEFAULT nextval('{PARENT}_rowid_seq')")
    execute(f"ALTER TABLE {PARENT} ADD PRIMARY KEY (id, stored)")
    for index, columns in INDEXES.items():
        execute(f"CREATE INDEX {index} ON {PARENT} {columns}")
    execute(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT min(stored), max(stored), max(id) FROM {old}")  # noqa: S608 - constant
        first, last, max_id = cursor.fetchone()
        now = datetime.now(UTC)
        start = month_start(min(first or now, now))
        end = max(last or now, now)
        end = next_month(next_month(month_start(end)))  # two months ahead
        while start <= end:
            name = partition_name(start)
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF {PARENT} FOR VALUES FROM (%s) TO (%s)',
                [start, next_month(start)],
            )
            start = next_month(start)
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {old}")  # noqa: S608
        cursor.execute(f"SELECT setval('{PARENT}_rowid_seq', %s, %s)", [max_id or 1, max_id is not None])
        copy_keys = f"INSERT INTO traces_statementkey (tenant, statement_id, stored) SELECT tenant, statement_id, stored FROM {old} ON CONFLICT DO NOTHING"  # noqa: E501, S608
        cursor.execute(copy_keys)
    execute(f"DROP TABLE {old}")
