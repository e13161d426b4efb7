"""DuckDB, in process: the embedded default. The facts go in as an Arrow table (zero copy) or
are read from Parquet files."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from .base import Engine


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None):
        config = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = ibis.duckdb.connect(**config)

    def load(self, facts: pa.Table | str | Path) -> Table:
        if isinstance(facts, str | Path):
            return self.con.read_parquet(str(facts), table_name="facts")
        return self.con.create_table("facts", facts, overwrite=True)

    def table_from_parquet(self, path: str | Path, name: str) -> Table:
        return self.con.read_parquet(str(path), table_name=name)

    def execute(self, expression: Table) -> pa.Table:
        return self.con.to_pyarrow(expression)

    def close(self) -> None:
        self.con.disconnect()
