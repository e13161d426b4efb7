"""What the databases can hold, checked before anything is written (SQLite and PostgreSQL alike).

Every input path (JSON APIs, xAPI, the GAR subscription web service, importers) refuses at
validation, with the field's name, the values one of the two databases would reject or could
not give back:

- a NUL character (U+0000): PostgreSQL text and jsonb cannot hold it (SQLite can);
- an integer beyond the column: 64-bit (`bigint`) at most, 32-bit for `IntegerField` columns
  (SQLite stores any 64-bit integer in any integer column, PostgreSQL refuses);
- a date-time outside years 1–9999 once converted to UTC, with a day's margin so that any
  time-zone conversion when it is read back stays representable (PostgreSQL stores years up
  to 294276 but Python, hence Django, cannot read them back);
- JSON nested deeper than `MAX_JSON_DEPTH` (the encoders and the recursive code that walks the
  documents have stack limits; no document of the platform needs more than a few levels);
- a text too long for the B-tree index over its column (PostgreSQL refuses index entries over
  ~2.7 kB; values of indexed columns are bounded by the brick, see `MAX_INDEXED_BYTES`).

Pure functions, no database access: the same answer whatever the backend."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

MAX_JSON_DEPTH = 32
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
# A single value in a B-tree index entry: well under PostgreSQL's 2704-byte limit per entry,
# leaving room for the other columns of the index.
MAX_INDEXED_BYTES = 2000
_EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
_LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def datetime_problem(value: dt.datetime) -> str | None:
    """None when `value` (aware; a naive value is read as UTC) can be stored and read back."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    try:
        utc = aware.astimezone(dt.UTC)
    except OverflowError:
        return "is outside the years 0001–9999 once converted to UTC"
    if not _EARLIEST <= utc <= _LATEST:
        return "is outside the years 0001–9999 once converted to UTC"
    return None


def date_problem(value: dt.date) -> str | None:
    if not _EARLIEST.date() <= value <= _LATEST.date():
        return "is outside the years 0001–9999"
    return None


def int_problem(value: int, *, bits: int = 64) -> str | None:
    low, high = (INT32_MIN, INT32_MAX) if bits == 32 else (BIGINT_MIN, BIGINT_MAX)
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return None


def text_problem(value: str, *, max_bytes: int | None = None) -> str | None:
    if "\x00" in value:
        return "must not contain the NUL character (U+0000)"
    if max_bytes is not None and len(value) * 4 > max_bytes and len(value.encode()) > max_bytes:
        return f"must be at most {max_bytes} bytes long (UTF-8)"
    return None


def _join(path: str, key: Any, brackets: bool) -> str:
    if isinstance(key, int) and brackets:
        return f"{path}[{key}]" if path else f"[{key}]"
    return f"{path}.{key}" if path else str(key)


def json_problem(
    value: Any,
    path: str = "",
    *,
    max_depth: int = MAX_JSON_DEPTH,
    brackets: bool = True,
    numbers: bool = True,
) -> tuple[str, str] | None:
    """The first value of a parsed JSON document that cannot be stored, as (path, reason):
    nesting deeper than `max_depth`, a NUL in a string or a key, an integer beyond 64 bits, a
    number too large for a double. Iterative: a document nested 100 000 deep is answered, not a
    RecursionError. Paths are `a.b[0]` (`a.b.0` with `brackets=False`, as the JSON APIs name
    fields). `numbers=False` leaves numbers alone (jsonb holds any JSON number)."""
    stack: list[tuple[Any, str, int]] = [(value, path, 1)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return where or "(document)", f"nests deeper than {max_depth} levels"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key:
                    where_key = _join(where, key.replace("\x00", "\\u0000"), brackets)
                    return where_key, "a key must not contain the NUL character (U+0000)"
                stack.append((child, _join(where, key, brackets), depth + 1))
        elif isinstance(item, str):
            if "\x00" in item:
                return where or "(document)", "must not contain the NUL character (U+0000)"
        elif isinstance(item, bool) or not numbers:
            continue
        elif isinstance(item, int):
            if not BIGINT_MIN <= item <= BIGINT_MAX:
                return where or "(document)", f"must be between {BIGINT_MIN} and {BIGINT_MAX}"
        elif isinstance(item, float) and not math.isfinite(item):
            return where or "(document)", "is too large a number"
    return None


def _deeper(value: Any, remaining: int) -> bool:
    # Recursion is bounded by `remaining` (≤ MAX_JSON_DEPTH levels), never by the input.
    if remaining == 0:
        return True
    children = value.values() if type(value) is dict else value
    for child in children:
        kind = type(child)
        if (kind is dict or kind is list) and _deeper(child, remaining - 1):
            return True
    return False


def json_depth_exceeds(value: Any, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` nests arrays/objects deeper than `max_depth` (a scalar nests 0 levels).
    Called for every xAPI extension value, so kept cheap (≈ 1 µs for a small object)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return False
    return _deeper(value, max_depth)
