"""The key and relation tables (composite primary keys, no surrogate id: migration 0003) and the
fast ingestion path: the keys of a batch are claimed by a plain INSERT, and an id already taken
sends the batch down the careful path (re-send ignored, conflict 409, partial mode rejects)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from socle.traces import store
from socle.traces.models import Activity, Statement, StatementKey, StatementRelation

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = store.Client(
    tenant="default",
    scopes={"all"},
    authority={"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "keys"}},
)


def with_parent(**overrides) -> dict:
    return statement(context={"contextActivities": {"parent": {"id": "https://example.org/c"}}}, **overrides)


def store_raw(raw_items: list[dict], *, partial: bool = False) -> store.BatchResult:
    prepared, _rejected = store.prepare_batch(raw_items, "1.0.3", CLIENT, partial=partial)
    return store.store_statements(prepared, CLIENT, partial=partial)


class Claim(NamedTuple):
    plain: bool  # a plain INSERT of the keys (else ON CONFLICT DO NOTHING)
    in_transaction: bool  # inside BEGIN … COMMIT (else one autocommit statement)


@pytest.fixture
def claims(monkeypatch) -> list[Claim]:
    """Every claim of a batch's keys, in order."""
    calls: list[Claim] = []
    original = store._claim_and_insert

    def spy(tenant, items, *, plain=False):
        calls.append(Claim(plain, connection.in_atomic_block))
        return original(tenant, items, plain=plain)

    monkeypatch.setattr(store, "_claim_and_insert", spy)
    return calls


def plain(claims: list[Claim]) -> list[bool]:
    return [claim.plain for claim in claims]


def in_transaction(claims: list[Claim]) -> list[bool]:
    return [claim.in_transaction for claim in claims]


def test_new_ids_take_the_plain_insert_and_taken_ids_the_careful_path(claims):
    store.forget_caches()
    assert not connection.in_atomic_block
    first = with_parent()
    assert store_raw([first]).ids == [first["id"]]
    assert plain(claims) == [True]
    # A re-send of `first` with new statements: the plain INSERT fails, the careful path stores
    # the new ones and ignores the identical re-send.
    fresh = [with_parent() for _ in range(3)]
    claims.clear()
    assert store_raw([first, *fresh]).ids == [first["id"], *[s["id"] for s in fresh]]
    assert plain(claims) == [True, False]
    assert Statement.objects.count() == StatementKey.objects.count() == StatementRelation.objects.count() == 4
    # A different statement under a taken id: 409, nothing of the batch stored.
    others = [with_parent() for _ in range(2)]
    changed = {**first, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    with pytest.raises(store.XAPIError) as error:
        store_raw([*others, changed])
    assert error.value.status == 409
    assert not StatementKey.objects.filter(statement_id__in=[s["id"] for s in others]).exists()
    assert Statement.objects.count() == StatementRelation.objects.count() == 4
    # Partial mode: the others are stored, the conflicting one is rejected.
    result = store_raw([*others, changed], partial=True)
    assert [r["id"] for r in result.rejected] == [first["id"]]
    assert Statement.objects.count() == StatementKey.objects.count() == StatementRelation.objects.count() == 6


def test_inside_a_callers_transaction_a_savepoint_guards_the_plain_insert(claims):
    store.forget_caches()
    first = with_parent()
    store_raw([first])
    claims.clear()
    with transaction.atomic():
        second = with_parent()
        assert store_raw([first, second]).ids == [first["id"], second["id"]]
        # The caller's transaction is still usable.
        assert Statement.objects.filter(statement_id=second["id"]).count() == 1
    assert plain(claims) == [True, False]
    assert StatementKey.objects.count() == 2


def test_concurrent_batches_with_overlapping_ids_all_succeed(lrs):
    for _ in range(3):
        shared = [with_parent() for _ in range(30)]
        batches = [
            shared + [with_parent() for _ in range(5)],
            list(reversed(shared)) + [with_parent() for _ in range(5)],
            shared[10:] + shared[:10],
            shared[::2] + shared[1::2],
        ]
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            statuses = list(pool.map(lambda batch: lrs.post_statements(batch).status, batches))
        assert statuses == [200] * len(batches)
        ids = [s["id"] for s in shared]
        assert Statement.objects.filter(statement_id__in=ids).count() == 30
        assert StatementRelation.objects.filter(statement__statement_id__in=ids).count() == 30
    assert StatementKey.objects.count() == Statement.objects.count() == 3 * 40


@pytest.fixture
def back_to_latest_migrations():
    """Tests that migrate backwards leave the database as they found it: fully migrated."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.usefixtures("back_to_latest_migrations")
def test_migration_0003_keeps_the_rows_of_the_key_and_relation_tables():
    before, after = ("traces", "0002_partition_statements"), ("traces", "0003_key_and_relation_primary_keys")
    MigrationExecutor(connection).migrate([before])
    try:
        stored = datetime(2026, 1, 5, tzinfo=UTC)
        ids = [uuid.uuid4() for _ in range(5)]
        with connection.cursor() as cursor:
            for number, statement_id in enumerate(ids):
                cursor.execute(
                    "INSERT INTO traces_statementkey (tenant, statement_id, stored) VALUES (%s, %s, %s)",
                    ["default", statement_id, stored],
                )
                cursor.execute(
                    "INSERT INTO traces_statementrelation (statement_id, kind, key) VALUES (%s, 'V', 'x'), "
                    "(%s, 'A', %s), (%s, 'A', %s)",  # the last one twice: identical rows are merged
                    [number, number, f"a{number}", number, f"a{number}"],
                )
    finally:
        MigrationExecutor(connection).migrate([after])
    assert set(StatementKey.objects.values_list("tenant", "statement_id", "stored")) == {
        ("default", statement_id, stored) for statement_id in ids
    }
    assert set(StatementRelation.objects.values_list("statement_id", "kind", "key")) == {
        row for number in range(5) for row in ((number, "V", "x"), (number, "A", f"a{number}"))
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename IN ('traces_statementkey', 'traces_statementrelation')"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {
        "traces_statementkey_pkey",
        "traces_statementrelation_pkey",
        "traces_statementrelation_statement_id_e58557ab",
    }
    assert "(tenant, statement_id)" in indexes["traces_statementkey_pkey"]
    assert "(kind, key, statement_id)" in indexes["traces_statementrelation_pkey"]


def test_a_batch_with_nothing_else_to_write_is_one_autocommit_statement(claims):
    store.forget_caches()
    # New ids, an activity definition the LRS does not hold yet: one SQL statement is the whole
    # write (the definition is saved by it too), sent outside any transaction.
    first = [with_parent(), with_parent()]
    store_raw(first)
    assert in_transaction(claims) == [False]
    assert Activity.objects.get().definition == first[0]["object"]["definition"]
    second = [with_parent(), with_parent(), with_parent()]
    assert store_raw(second).ids == [s["id"] for s in second]
    assert in_transaction(claims) == [False, False]
    assert Statement.objects.count() == StatementKey.objects.count() == StatementRelation.objects.count() == 5
    rows = list(Statement.objects.filter(statement_id__in=[s["id"] for s in second]).order_by("id"))
    # Row ids follow the batch order; each relation row points at its statement.
    assert [str(row.statement_id) for row in rows] == [s["id"] for s in second]
    assert {relation.statement_id for relation in StatementRelation.objects.all()} >= {row.id for row in rows}
    # An id already taken: the autocommit statement writes nothing, the careful path stores the rest.
    third = [with_parent(), second[0]]
    assert store_raw(third).ids == [third[0]["id"], second[0]["id"]]
    assert in_transaction(claims) == [False, False, False, True]
    assert Statement.objects.count() == StatementKey.objects.count() == StatementRelation.objects.count() == 6


def test_a_changed_definition_is_merged_in_batch_order():
    store.forget_caches()
    activity = "https://example.org/activities/fractions"

    def named(names: dict) -> dict:
        return statement(object={"objectType": "Activity", "id": activity, "definition": {"name": names}})

    store_raw([named({"en-US": "Fractions"})])
    # A new English name, then the old one again later in the same batch: the latest wins.
    store_raw([named({"en-US": "Fractions 2", "fr-FR": "Fractions"}), named({"en-US": "Fractions"})])
    assert Activity.objects.get(activity_id=activity).definition == {
        "name": {"en-US": "Fractions", "fr-FR": "Fractions"}
    }
    # Nothing new: no write, the merged definition stays.
    store_raw([named({"fr-FR": "Fractions"})])
    assert Activity.objects.get(activity_id=activity).definition["name"] == {
        "en-US": "Fractions",
        "fr-FR": "Fractions",
    }


def test_statements_are_found_by_id_without_an_index_on_it(lrs):
    """Migration 0004: no index on statement_id in the statement table; GET by id, voiding
    and StatementRef targets go through the key table's `stored`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'traces_statement'")
        assert "traces_stmt_sid" not in {row[0] for row in cursor.fetchall()}
    target = with_parent()
    assert lrs.post_statements([target]).status == 200
    assert lrs.request("GET", "statements", params={"statementId": target["id"]}).json()["id"] == target["id"]
    voiding = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": target["id"]},
    )
    assert lrs.post_statements([voiding]).status == 200
    assert Statement.objects.get(statement_id=target["id"]).voided
    assert lrs.request("GET", "statements", params={"statementId": target["id"]}).status == 404
    voided = lrs.request("GET", "statements", params={"voidedStatementId": target["id"]})
    assert voided.json()["id"] == target["id"]


def varied_statements() -> list[dict]:
    """One statement per shape of the indexed columns: an agent or group as the object, a
    StatementRef, a SubStatement, a registration, an attachment by URL, no timestamp, an offset."""
    agent = {"objectType": "Agent", "mbox": "mailto:bob@example.org"}
    return [
        with_parent(object=agent, timestamp="2026-03-02T10:15:00.250+02:00"),
        with_parent(object={"objectType": "Group", "member": [agent]}),
        statement(object={"objectType": "StatementRef", "id": str(uuid.uuid4())}),
        statement(
            object={
                "objectType": "SubStatement",
                "actor": agent,
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                "object": {"objectType": "Activity", "id": "https://example.org/inner"},
            }
        ),
        statement(
            context={
                "registration": str(uuid.uuid4()).upper(),
                "contextActivities": {"grouping": [{"id": "https://example.org/g"}]},
            }
        ),
        statement(
            attachments=[
                {
                    "usageType": "https://example.org/usage/report",
                    "display": {"en-US": "report"},
                    "contentType": "application/pdf",
                    "length": 12,
                    "sha2": "0" * 64,
                    "fileUrl": "https://example.org/report.pdf",
                }
            ]
        ),
        with_parent(timestamp="2026-03-02T10:15:00Z"),
    ]


COLUMN_NAMES = [name for name in store.COLUMNS if name not in ("id", "tenant", "voided", "data")]


def stored_columns(statement_ids: list[str]) -> list[dict]:
    rows = Statement.objects.filter(statement_id__in=statement_ids).order_by("id")
    rows = rows.values(*COLUMN_NAMES, "data")
    return [{**row, "statement_id": str(row["statement_id"])} for row in rows]


def expected_columns(item: store.Prepared) -> dict:
    def as_stored(name: str, value):
        if value is not None and name in ("registration", "ref_target"):
            return uuid.UUID(value)
        return value

    return {
        **{name: as_stored(name, item.row[name]) for name in COLUMN_NAMES},
        "statement_id": item.statement_id,
        "data": item.statement,
    }


def test_both_one_statement_paths_store_every_column_as_prepared(claims):
    """The batch travels as JSON arrays of the row's fields plus parameters for what the rows
    share: each column must arrive as `prepare` computed it, on the plain path and on the careful one."""
    store.forget_caches()
    first, *others = varied_statements()
    prepared, _ = store.prepare_batch([first], "1.0.3", CLIENT, partial=False)
    store.store_statements(prepared, CLIENT)
    # `first` again (already stored) with the others: the careful path stores the others.
    batch, _ = store.prepare_batch([first, *others], "1.0.3", CLIENT, partial=False)
    store.store_statements(batch, CLIENT)
    assert plain(claims) == [True, True, False]
    assert stored_columns([item.statement_id for item in batch]) == [
        expected_columns(item) for item in [prepared[0], *batch[1:]]
    ]
    # The shapes really differ: every nullable column is set on some row and NULL on another.
    for name in ("object_agent_key", "activity_id", "registration", "ref_target"):
        assert {item.row[name] is None for item in batch} == {True, False}, name
    assert {item.row["has_attachments"] for item in batch} == {True, False}
    # Each statement kept its own timestamp, and the one sent without gets `stored`.
    assert [item.row["timestamp"] == item.row["stored"] for item in batch].count(True) == 5
    fresh = [with_parent() for _ in range(2)]
    plain_batch, _ = store.prepare_batch(fresh, "1.0.3", CLIENT, partial=False)
    store.store_statements(plain_batch, CLIENT)
    assert plain(claims)[-1] is True
    assert stored_columns([s["id"] for s in fresh]) == [expected_columns(item) for item in plain_batch]


def test_the_ingestion_statements_are_prepared_once_per_connection():
    """Django turns psycopg's prepared statements off; the LRS turns them back on for its own
    ingestion statements only, so PostgreSQL parses and plans them once per connection."""
    store.forget_caches()
    connection.close()  # a new session: nothing prepared yet

    def prepared_statements() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    store_raw([with_parent()])
    first = store_raw([with_parent() for _ in range(3)])
    ingestion = [text for text in prepared_statements() if "traces_statementkey" in text]
    assert len(ingestion) == 1 and "RETURNING 1" in ingestion[0]  # the plain statement
    # A taken id: the careful statement is prepared as well, then reused.
    store_raw([with_parent(), {**with_parent(), "id": first.ids[0]}])
    store_raw([with_parent(), {**with_parent(), "id": first.ids[1]}])
    ingestion = [text for text in prepared_statements() if "traces_statementkey" in text]
    assert len(ingestion) == 2
    # Nothing else was prepared: Django's own queries bind on the client side.
    assert len(prepared_statements()) == 2
