"""Vendor-specific full-text search structures (see socle.ressources.search).

PostgreSQL: a GIN index on `search_vector`. SQLite: the FTS5 virtual table. Declared here rather
than in Meta.indexes because a GinIndex cannot be created on SQLite."""

from django.db import migrations

FTS5_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ressources_resource_fts "
    "USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS ressources_resource_search_gin "
            "ON ressources_resource USING gin (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(FTS5_DDL)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ressources_resource_search_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS ressources_resource_fts")


class Migration(migrations.Migration):
    dependencies = [("ressources", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
