"""The statement table loses its index on (tenant, statement_id): StatementKey already maps an
id to its `stored`, and the (tenant, stored, id) index finds the row from there (store.locate).
One random index write less per stored statement.

IF EXISTS: a database migrated from scratch never has it on the partitioned table (migration
0002 rebuilds the table with the indexes `partitions.INDEXES` lists, which no longer include
it); one partitioned by an earlier version of 0002 has it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("traces", "0003_key_and_relation_primary_keys")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="statement", name="traces_stmt_sid")],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS traces_stmt_sid",
                    reverse_sql="CREATE INDEX traces_stmt_sid ON traces_statement (tenant, statement_id)",
                )
            ],
        )
    ]
