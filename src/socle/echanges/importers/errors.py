"""The two kinds of problem an importer reports: fatal (nothing is written) and per record."""

from dataclasses import dataclass


class FatalImportError(Exception):
    """The input as a whole cannot be trusted: nothing is written but the report."""

    def __init__(self, file: str, line: int, reason: str, field: str = "", value: str = ""):
        self.file, self.line, self.reason, self.field, self.value = file, line, reason, field, value
        super().__init__(f"{file}: line {line}: {reason}" if line else f"{file}: {reason}")


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: line {self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field} {self.value!r}: {self.reason}"
        return f"{where}: {self.reason}"
