"""PostgreSQL: the facts are moved by COPY (CSV written by Arrow, streamed through psycopg) into an
unlogged staging table, then the Ibis expression runs there through Ibis's postgres backend on
the same database as Django."""

from __future__ import annotations

import io
import secrets
from urllib.parse import urlparse

import ibis
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from ibis.expr.types import Table

from ..schema import FACTS_SCHEMA
from .base import Engine


def _django_dsn() -> str:
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise ValueError("the postgres engine needs a PostgreSQL database (DATABASE_URL=postgres://…)")
    parts = {
        "host": db.get("HOST") or "localhost",
        "port": db.get("PORT") or 5432,
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value != "")


def _pg_type(field: pa.Field) -> str:
    return "bigint" if pa.types.is_integer(field.type) else "text"


class PostgresEngine(Engine):
    name = "postgres"

    def __init__(self, dsn: str | None = None):
        self.dsn = dsn or _django_dsn()
        self.table_name = f"pilotage_facts_{secrets.token_hex(4)}"
        self.raw = psycopg.connect(self.dsn, autocommit=True)
        if dsn and "://" in dsn:
            self.con = ibis.connect(dsn)
        else:
            info = self.raw.info
            url = urlparse(f"postgres://{info.user}@{info.host}:{info.port}/{info.dbname}")
            self.con = ibis.postgres.connect(
                host=url.hostname,
                port=url.port,
                user=url.username,
                password=info.password or None,
                database=info.dbname,
            )

    def load(self, facts: pa.Table) -> Table:
        columns = ", ".join(f'"{f.name}" {_pg_type(f)}' for f in FACTS_SCHEMA)
        names = ", ".join(f'"{name}"' for name in FACTS_SCHEMA.names)
        with self.raw.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{self.table_name}"')
            cur.execute(f'CREATE UNLOGGED TABLE "{self.table_name}" ({columns})')
            # Arrow writes the CSV in C; COPY reads it as a stream (an empty field is NULL).
            buffer = io.BytesIO()
            pacsv.write_csv(
                facts.select(FACTS_SCHEMA.names), buffer, pacsv.WriteOptions(include_header=False)
            )
            with cur.copy(f'COPY "{self.table_name}" ({names}) FROM STDIN WITH (FORMAT csv)') as copy:
                copy.write(buffer.getbuffer())
            cur.execute(f'ANALYZE "{self.table_name}"')
        return self.con.table(self.table_name)

    def execute(self, expression: Table) -> pa.Table:
        return self.con.to_pyarrow(expression)

    def close(self) -> None:
        with self.raw.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{self.table_name}"')
        self.raw.close()
        self.con.disconnect()
