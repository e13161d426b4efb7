"""The two kinds of problem an importer reports: fatal (the input as a whole cannot be trusted:
nothing is written but the report) and per record (the record is rejected, the import goes on)."""

from __future__ import annotations

from dataclasses import dataclass


class FatalImportError(Exception):
    """The input as a whole cannot be trusted: the import writes nothing but its report.

    `line` 0 means the file as a whole (it could not be opened, its name is wrong…)."""

    def __init__(self, file: str, line: int, reason: str, field: str = "", value: str = ""):
        self.file, self.line, self.reason, self.field, self.value = file, line, reason, field, value
        super().__init__(f"{file}: line {line}: {reason}" if line else f"{file}: {reason}")


class ImportLocked(FatalImportError):
    """Another import of the same source holds its lock (and did not release it in time)."""


class MassEndRefused(FatalImportError):
    """The import would end too large a share of a school's links: it stops, nothing is written,
    until an operator confirms (`--confirm-mass-end`)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a record (or one of its values) is rejected, before its place in the file is known:
    the field and value at fault, and a sentence for a human. Pure parsers return these."""

    field: str
    value: str
    reason: str

    def at(self, file: str, line: int) -> Rejection:
        return Rejection(file, line, self.field, self.value, self.reason)

    def describe(self, file: str, line: int) -> str:
        return str(self.at(file, line))


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected record (or value): file, line, field, value and reason — all kept."""

    file: str
    line: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: line {self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field} {_shown(self.value)!r}: {self.reason}"
        return f"{where}: {self.reason}"


SHOWN_CHARS = 200


def _shown(value: str) -> str:
    """A value as printed in a report: a 10 MB value is stored in full but printed cut."""
    if len(value) <= SHOWN_CHARS:
        return value
    return f"{value[:SHOWN_CHARS]}… ({len(value)} characters)"
