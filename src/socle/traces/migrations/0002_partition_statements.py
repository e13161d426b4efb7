"""PostgreSQL only: the statement table becomes a table partitioned by month of `stored`
(declarative partitioning). Nothing happens on SQLite."""

from django.db import migrations


def forwards(apps, schema_editor):
    from socle.traces.partitions import convert_to_partitioned

    convert_to_partitioned(schema_editor)


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("traces", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
