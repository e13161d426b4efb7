"""PostgreSQL partitioning of the statement table by month of `stored`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from socle.traces import partitions
from socle.traces.models import Statement, StatementKey

from .conftest import statement

pytestmark = pytest.mark.django_db(transaction=True)


def explain(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_statements_land_in_monthly_partitions_and_queries_prune(lrs):
    assert partitions.is_partitioned()
    data = statement()
    assert lrs.post_statements(data).status == 200
    current = partitions.partition_name(partitions.month_start(datetime.now(UTC)))
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{current}"')  # noqa: S608
        assert cursor.fetchone()[0] == 1
    older = partitions.month_start(datetime.now(UTC) - timedelta(days=95))
    partitions.ensure_partition(older)
    since = partitions.month_start(datetime.now(UTC))
    plan = explain("SELECT id FROM traces_statement WHERE tenant = %s AND stored > %s", ["default", since])
    assert current in plan
    assert partitions.partition_name(older) not in plan  # pruned (only the default one cannot be)
    assert (
        lrs.request("GET", "statements", {"since": since.isoformat()}).json()["statements"][0]["id"]
        == data["id"]
    )


def test_retention_drops_whole_partitions(lrs, capsys):
    old, recent = statement(), statement()
    assert lrs.post_statements([old, recent]).status == 200
    three_months_ago = partitions.month_start(datetime.now(UTC) - timedelta(days=95))
    partitions.ensure_partition(three_months_ago)
    Statement.objects.filter(statement_id=old["id"]).update(stored=three_months_ago + timedelta(days=1))
    old_partition = partitions.partition_name(three_months_ago)
    assert old_partition in [name for name, _, _ in partitions.partitions()]
    call_command("traces_purge", "--days", "60")
    assert "deleted 1 statement(s)" in capsys.readouterr().out
    assert old_partition not in [name for name, _, _ in partitions.partitions()]
    assert list(StatementKey.objects.values_list("statement_id", flat=True)) == [
        StatementKey.objects.get(statement_id=recent["id"]).statement_id
    ]
    # The id of a purged statement is free again.
    assert lrs.post_statements(old).status == 200


def test_partitions_command(capsys, db):
    call_command("traces_partitions", "--months-ahead", "2")
    out = capsys.readouterr().out
    assert partitions.partition_name(partitions.month_start(datetime.now(UTC))) in out
