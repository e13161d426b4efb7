"""The engine-independent part: from the facts table to one row per cell.

Aggregation rule (the same at every level): a school is *in scope* of an indicator when its
school level is one the indicator applies to; it *has data* when both its numerator and its
denominator are known. A territory's numerator and denominator are the sums over its schools
with data (NULL when none has data), its coverage is schools with data / schools in scope.
The ratio is computed afterwards from the two sums (never an average of school ratios)."""

from __future__ import annotations

import abc
from collections.abc import Iterable

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from ..catalogue import Definition

# Level → the facts column that names the territory (None: the nation, code "FR").
LEVEL_COLUMNS = (
    ("school", "uai"),
    ("commune", "commune"),
    ("departement", "departement"),
    ("academie", "academie"),
    ("region", "region"),
    ("nation", None),
    ("collectivite", "collectivite"),
)


MEASURES = ("num", "den", "with", "scope", "persons")


def _measures(facts: Table, definitions: list[tuple[Definition, dict]]) -> dict:
    """Per indicator, the per-school expressions: numerator and denominator of the schools in
    scope with data, and 1/0 flags for "with data" and "in scope"."""
    measures = {}
    for index, (definition, parameters) in enumerate(definitions):
        numerator = definition.numerator(facts, parameters).cast("int64")
        denominator = definition.denominator(facts, parameters).cast("int64")
        in_scope = facts.school_level.isin(list(definition.school_levels))
        counted = in_scope & numerator.notnull() & denominator.notnull()
        measures[index] = {
            "num": ibis.ifelse(counted, numerator, ibis.null("int64")),
            "den": ibis.ifelse(counted, denominator, ibis.null("int64")),
            "with": ibis.ifelse(counted, 1, 0).cast("int64"),
            "scope": ibis.ifelse(in_scope, 1, 0).cast("int64"),
            "persons": ibis.ifelse(counted, definition.persons(facts, parameters), 0).cast("int64"),
        }
    return measures


def cells_expression(
    facts: Table, definitions: Iterable[tuple[Definition, dict]], levels: Iterable[str] | None = None
) -> Table:
    """The Ibis expression of every cell, wide: one row per (level, territory, vintage) with, for
    indicator number i, columns `m{i}_num`, `m{i}_den`, `m{i}_with`, `m{i}_scope`, `m{i}_persons`.

    One scan and one aggregation per level whatever the number of indicators (a union of one
    query per indicator made Spark plan ~100 stages). `normalise` turns it into cells."""
    definitions = list(definitions)
    if not definitions:
        raise ValueError("no indicator to compute")
    measures = _measures(facts, definitions)
    prepared = facts.select(
        "vintage",
        *(column for _level, column in LEVEL_COLUMNS if column),
        **{f"m{i}_{name}": expr for i, exprs in measures.items() for name, expr in exprs.items()},
    )
    wanted = set(levels) if levels is not None else None
    tables = []
    for level, column in LEVEL_COLUMNS:
        if wanted is not None and level not in wanted:
            continue
        code = prepared[column] if column else ibis.literal("FR", "string")
        keyed = prepared.mutate(territory_code=code)
        if column:
            keyed = keyed.filter(keyed.territory_code.notnull() & (keyed.territory_code != ""))
        sums = {f"m{i}_{name}": keyed[f"m{i}_{name}"].sum() for i in measures for name in MEASURES}
        tables.append(
            keyed.group_by(["vintage", "territory_code"])
            .aggregate(**sums)
            .mutate(level=ibis.literal(level, "string"))
            .select("level", "territory_code", "vintage", *sums)
        )
    return tables[0].union(*tables[1:]) if len(tables) > 1 else tables[0]


def _as_int(value) -> int | None:
    return None if value is None else int(value)


def normalise(result: pa.Table, definitions: list[tuple[Definition, dict]]) -> list[dict]:
    """The wide result as one row per cell with exact Python integers (engines differ in the
    sum's type: HUGEINT/DECIMAL/BIGINT), sorted so that two engines' outputs compare equal.
    A territory with no school in scope of an indicator has no cell for it."""
    rows = []
    for wide in result.to_pylist():
        for i, (definition, _parameters) in enumerate(definitions):
            in_scope = int(wide[f"m{i}_scope"] or 0)
            if not in_scope:
                continue
            rows.append(
                {
                    "indicator": definition.code,
                    "vintage": wide["vintage"],
                    "level": wide["level"],
                    "territory_code": wide["territory_code"],
                    "numerator": _as_int(wide[f"m{i}_num"]),
                    "denominator": _as_int(wide[f"m{i}_den"]),
                    "schools_with_data": int(wide[f"m{i}_with"] or 0),
                    "schools_in_scope": in_scope,
                    "persons": int(wide[f"m{i}_persons"] or 0),
                }
            )
    rows.sort(key=lambda r: (r["indicator"], r["vintage"], r["level"], r["territory_code"]))
    return rows


class Engine(abc.ABC):
    """Moves a facts table into an engine and runs an Ibis expression there."""

    name: str

    @abc.abstractmethod
    def load(self, facts: pa.Table) -> Table:
        """Make `facts` available to the engine in bulk; return it as an Ibis table."""

    @abc.abstractmethod
    def execute(self, expression: Table) -> pa.Table:
        """Run `expression` and return the result as Arrow."""

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing
        """Release what `load` created."""

    def compute(
        self,
        facts: pa.Table,
        definitions: Iterable[tuple[Definition, dict]],
        levels: Iterable[str] | None = None,
    ) -> list[dict]:
        """Every cell of `definitions` over `facts`, as normalised rows."""
        definitions = list(definitions)
        table = self.load(facts)
        return normalise(self.execute(cells_expression(table, definitions, levels)), definitions)


def get_engine(name: str, **options) -> Engine:
    if name == "duckdb":
        from .duckdb import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "postgres":
        from .postgres import PostgresEngine

        return PostgresEngine(**options)
    if name == "spark":
        from .spark import SparkEngine

        return SparkEngine(**options)
    raise ValueError(f"unknown engine {name!r}: expected 'duckdb', 'postgres' or 'spark'")
