"""Streaming reader of the Annuaire CSV that knows physical line numbers.

The file is read as bytes, one physical line at a time, and each line is decoded on its own:
a Latin-1 byte is then reported on the line where it is, not somewhere in an 8 KiB chunk.
Memory stays constant whatever the size of the file."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .annuaire_errors import FatalImportError

BOM = b"\xef\xbb\xbf"


@dataclass
class Record:
    line: int  # physical line where the record starts (header = line 1)
    fields: list[str]


def _decoded_lines(handle, file: str) -> Iterator[str]:
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = raw[error.start : error.start + 1].hex()
            raise FatalImportError(
                file,
                number,
                f"not valid UTF-8 (byte 0x{byte} at position {error.start + 1}); the Annuaire is "
                "published in UTF-8: was the file re-saved in another encoding (Latin-1, Windows-1252)?",
            ) from None


def read_records(path: Path, file: str) -> Iterator[Record]:
    """Yield the header (line 1) then every non-blank record. Fatal errors: unreadable file,
    bad encoding, broken quoting."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise FatalImportError(file, 0, f"cannot read the file: {error.strerror or error}") from None
    with handle:
        lines = _decoded_lines(handle, file)
        reader = csv.reader(lines, delimiter=";", quotechar='"', strict=True)
        previous_end = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FatalImportError(file, reader.line_num, f"malformed CSV: {error}") from None
            except OSError as error:
                raise FatalImportError(file, previous_end + 1, f"cannot read the file: {error}") from None
            start, previous_end = previous_end + 1, reader.line_num
            if fields or start == 1:
                yield Record(start, fields)


def with_last_flag(records: Iterator[Record]) -> Iterator[tuple[Record, bool]]:
    """Pair each record with whether it is the last one: a short last record means a truncated
    file (fatal), a short record elsewhere is one bad line (rejected)."""
    pending = None
    for record in records:
        if pending is not None:
            yield pending, False
        pending = record
    if pending is not None:
        yield pending, True
