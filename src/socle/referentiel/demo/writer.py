"""Bulk writers of the demo generator: PostgreSQL COPY (psycopg 3) or Django's bulk_create.

Rows are tuples in the order of the `cols` given, without the TrackedModel bookkeeping columns
(source, status, date_last_modified), which the writer appends. Primary keys that other rows
refer to (Person, ClassGroup, Etablissement) are reserved up front with `reserve()` so that the
generator can write every table of a chunk without reading anything back."""

import abc
import time
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from socle.core.models import RecordStatus, TrackedModel

SOURCE = "demo"
RESERVE_LOCK = 0x50C1E_DE30  # advisory lock key of id reservations


class Writer(abc.ABC):
    """Writes generated rows: COPY on PostgreSQL, bulk_create elsewhere (subclasses below)."""

    def __init__(self, source: str = SOURCE):
        self.now = timezone.now()
        self.tracked_tail = (source, RecordStatus.ACTIVE.value, self.now)
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def _tail(self, model) -> tuple:
        return self.tracked_tail if issubclass(model, TrackedModel) else ()

    def _columns(self, model, cols: Sequence[str]) -> list[str]:
        extra = ["source", "status", "date_last_modified"] if issubclass(model, TrackedModel) else []
        return [*cols, *extra]

    def _count(self, model, n: int, started: float) -> None:
        key = model._meta.label
        self.counts[key] = self.counts.get(key, 0) + n
        self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started

    @abc.abstractmethod
    def reserve(self, model, n: int) -> list[int]:
        """Reserve `n` primary keys of `model`'s table, in order."""

    @abc.abstractmethod
    def write(self, model, cols: Sequence[str], rows: Iterable[tuple]) -> None:
        """Write `rows` (values for `cols`, then the tracked-record tail) into `model`'s table."""


class CopyWriter(Writer):
    """PostgreSQL: COPY … FROM STDIN through the psycopg 3 cursor under Django's connection."""

    def reserve(self, model, n: int) -> list[int]:
        """A block of n consecutive ids, taken from the table's sequence in one statement (one
        nextval() per row costs ~25 µs each on a busy server). An insert by another session in
        the microseconds between nextval() and setval() would make this cluster's COPY fail on
        the primary key: the run then stops as failed and re-running it resumes."""
        if n == 0:
            return []
        with connection.cursor() as cursor:
            # Demo writers (parallel workers) take turns through a session advisory lock.
            cursor.execute("SELECT pg_advisory_lock(%s)", [RESERVE_LOCK])
            try:
                cursor.execute(
                    "SELECT setval(seq, nextval(seq) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS seq",
                    [n, model._meta.db_table],
                )
                last = cursor.fetchone()[0]
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RESERVE_LOCK])
        return list(range(last - n + 1, last + 1))

    def write(self, model, cols: Sequence[str], rows: Iterable[tuple]) -> None:
        # Rows are formatted here in COPY's text format and sent in large blocks: cheaper than
        # adapting each value through psycopg's write_row().
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self._columns(model, cols))
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        tail = "".join("\t" + _text(v) for v in self._tail(model)) + "\n"
        n, started = 0, time.perf_counter()
        # wrap_database_errors: psycopg's errors become Django's (IntegrityError…), as elsewhere.
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            lines: list[str] = []
            for row in rows:
                lines.append("\t".join(map(_text, row)) + tail)
                if len(lines) >= 10_000:
                    copy.write("".join(lines))
                    n += len(lines)
                    lines.clear()
            if lines:
                copy.write("".join(lines))
                n += len(lines)
        self._count(model, n, started)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    return str(value)  # int, date, aware datetime, UUID: their str() is valid PostgreSQL input


class OrmWriter(Writer):
    """Any database (SQLite for `make run`): bulk_create in batches, ids allocated above the
    current maximum (one writer at a time on an embedded database)."""

    def __init__(self, source: str = SOURCE):
        super().__init__(source)
        self._next_id: dict[type, int] = {}

    def reserve(self, model, n: int) -> list[int]:
        if model not in self._next_id:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self._next_id[model] = last + 1
        start = self._next_id[model]
        self._next_id[model] = start + n
        return list(range(start, start + n))

    def write(self, model, cols: Sequence[str], rows: Iterable[tuple]) -> None:
        names = self._columns(model, cols)
        tail = self._tail(model)
        started = time.perf_counter()
        objs = [model(**dict(zip(names, row + tail, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=2000)
        self._count(model, len(objs), started)


def make_writer(kind: str = "auto") -> Writer:
    if kind == "auto":
        kind = "copy" if connection.vendor == "postgresql" else "orm"
    if kind == "copy":
        if connection.vendor != "postgresql":
            raise ValueError("the COPY writer needs PostgreSQL")
        return CopyWriter()
    return OrmWriter()
