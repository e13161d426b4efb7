"""The two kinds of problem an Annuaire import reports: fatal (nothing is written) and per-line
(the line is rejected, the import goes on)."""

from dataclasses import dataclass


class FatalImportError(Exception):
    """The file as a whole cannot be trusted: the import writes nothing but its report."""

    def __init__(self, file: str, line: int, reason: str, field: str = "", value: str = ""):
        self.file, self.line, self.reason, self.field, self.value = file, line, reason, field, value
        # Line 0: the file as a whole (it could not be opened at all).
        super().__init__(f"{file}: line {line}: {reason}" if line else f"{file}: {reason}")


@dataclass(frozen=True)
class Problem:
    """Why one line is rejected: the column and value at fault, and a sentence for a human."""

    field: str
    value: str
    reason: str

    def describe(self, file: str, line: int) -> str:
        if self.field:
            return f"{file}: line {line}: {self.field} {self.value!r}: {self.reason}"
        return f"{file}: line {line}: {self.reason}"
