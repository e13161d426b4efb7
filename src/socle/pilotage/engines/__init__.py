"""Engines that run the catalogue's Ibis expressions: DuckDB (embedded default), PostgreSQL,
Spark. The expressions are built once (`base.cells_expression`); an engine only moves the facts
in bulk (Arrow/Parquet or COPY) and executes."""

from .base import Engine, cells_expression, get_engine

__all__ = ["Engine", "cells_expression", "get_engine"]
