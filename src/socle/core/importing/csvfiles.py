"""Streaming CSV reading that knows physical line numbers and bounds memory.

The input is read as bytes, one physical line at a time, each line decoded on its own: a
Latin-1 byte is reported on the line where it is, not somewhere in a chunk. Memory does not
depend on the file size:

- a physical line longer than `limits.max_line_bytes` is not kept: its record comes back as
  an unreadable record (`CsvRecord.problem`), and reading goes on with the next record;
- a record (a quoted field spanning lines) longer than `limits.max_record_bytes` is fatal:
  its end cannot be known, so no later line can be trusted;
- bad encoding and broken quoting are fatal (file, line).

Blank lines and lines whose every field is empty come back as records too (`is_empty`): the
importer rejects them with a reason rather than skipping them silently."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import FatalImportError, Problem
from .limits import Limits, default_limits

BOM = b"\xef\xbb\xbf"
CHUNK = 64 * 1024


@dataclass(slots=True)
class CsvRecord:
    line: int  # physical line where the record starts (the header is line 1)
    fields: list[str]
    # Set when the record could not be read (a line over the size limit): `fields` is empty.
    problem: Problem | None = None

    @property
    def is_empty(self) -> bool:
        """A blank line, or a line of empty fields (",,,,"): a row that says nothing."""
        return self.problem is None and not any(field.strip() for field in self.fields)


def _raise_field_size_limit(limit: int) -> None:
    # csv's per-field limit is process-wide; the line limit is the real bound here.
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


class _Lines:
    """Iterator of decoded physical lines for csv.reader, enforcing the size limits."""

    def __init__(self, handle: BinaryIO, file: str, limits: Limits, encoding_hint: str):
        self.handle = handle
        self.file = file
        self.limits = limits
        self.encoding_hint = encoding_hint
        self.number = 0
        self.record_bytes = 0
        self.too_long: list[int] = []  # physical lines of the current record over the limit

    def __iter__(self):
        return self

    def __next__(self) -> str:
        limit = self.limits.max_line_bytes
        raw = self.handle.readline(limit + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if self.number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        if len(raw) > limit and not raw.endswith(b"\n"):
            # Skip the rest of the physical line without keeping it.
            size = len(raw)
            while True:
                chunk = self.handle.readline(CHUNK)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
            self.too_long.append(size)
            raw = b"\n"
        self.record_bytes += len(raw)
        if self.record_bytes > self.limits.max_record_bytes:
            raise FatalImportError(
                self.file,
                self.number,
                f"a record runs over more than {self.limits.max_record_bytes} bytes "
                "(a quoted field that is never closed?): the rest of the file cannot be read",
            )
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = raw[error.start : error.start + 1].hex()
            raise FatalImportError(
                self.file,
                self.number,
                f"not valid UTF-8 (byte 0x{byte} at position {error.start + 1})" + self.encoding_hint,
            ) from None


def read_csv(
    source: Path | str | BinaryIO,
    file: str,
    *,
    delimiter: str = ",",
    limits: Limits | None = None,
    encoding_hint: str = "",
) -> Iterator[CsvRecord]:
    """Yield every record of a UTF-8 CSV (header included, as line 1), with its line number.

    `source` is a path or a binary stream (e.g. a member of an archive opened with
    `open_archive`). `encoding_hint` is appended to the bad-encoding message."""
    limits = limits or default_limits()
    _raise_field_size_limit(limits.max_record_bytes)
    if isinstance(source, str | Path):
        try:
            handle = Path(source).open("rb")  # noqa: SIM115 (closed by the `with` below)
        except OSError as error:
            raise FatalImportError(file, 0, f"cannot read the file: {error.strerror or error}") from None
    else:
        handle = source
    with handle if isinstance(source, str | Path) else _kept_open(handle):
        lines = _Lines(handle, file, limits, encoding_hint)
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)
        previous_end = 0
        while True:
            lines.record_bytes = 0
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise FatalImportError(file, reader.line_num, f"malformed CSV: {error}") from None
            except OSError as error:
                raise FatalImportError(file, previous_end + 1, f"cannot read the file: {error}") from None
            start, previous_end = previous_end + 1, reader.line_num
            if lines.too_long:
                size = max(lines.too_long)
                lines.too_long = []
                yield CsvRecord(
                    start,
                    [],
                    Problem(
                        "",
                        "",
                        f"line longer than {limits.max_line_bytes} bytes ({size}): not read",
                    ),
                )
                continue
            yield CsvRecord(start, fields)


class _kept_open:
    """Context manager that leaves a stream given by the caller open."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc):
        return None


def text_stream(data: bytes) -> BinaryIO:
    """A bytes object as a binary stream for `read_csv` (tests, small inputs)."""
    return io.BytesIO(data)
