"""Keyset ("cursor") pagination over a queryset ordered by a unique key.

The cursor is an opaque URL-safe token holding the sort-key values of the last row of the
previous page; the next page is "rows strictly after that key". Unlike OFFSET, the cost of a
page does not grow with its depth, and rows inserted or deleted between two requests never make
a walk skip or repeat a row that was there throughout."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from socle.core.api_auth import ApiError


@dataclass
class Page:
    items: list[Any]
    next: str | None
    first: bool

    def count(self, queryset: QuerySet) -> int:
        """Rows of the whole walk: free when this first page is also the last (most classes),
        otherwise one COUNT query."""
        return len(self.items) if self.first and self.next is None else queryset.count()


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([None if v is None else str(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor issued by this API", "cursor") from exc
    if not isinstance(values, list) or len(values) != size or not all(isinstance(v, str) for v in values):
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor issued by this API", "cursor")
    return values


def after(keys: list[str], values: list[str]) -> Q:
    """Rows whose (keys…) tuple sorts strictly after (values…), every key ascending."""
    condition = Q(pk__in=[])
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__gt": values[i]})
        for previous, value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{previous: value})
        condition |= step
    return condition


def next_url(request: HttpRequest, cursor: str) -> str:
    params = request.GET.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(request.path) + "?" + urlencode(sorted(params.lists()), doseq=True)


def keyset_page(
    request: HttpRequest, queryset: QuerySet, keys: list[str], limit: int, cursor: str | None
) -> Page:
    """One page of `queryset` ordered by `keys` (ascending, the last one unique, none null)."""
    qs = queryset.order_by(*keys)
    try:
        if cursor:
            qs = qs.filter(after(keys, decode_cursor(cursor, len(keys))))
        rows = list(qs[: limit + 1])
    except (ValueError, TypeError, DjangoValidationError) as exc:  # a value the key cannot parse
        raise ApiError(400, "invalid_parameter", "cursor: not a cursor issued by this API", "cursor") from exc
    if len(rows) <= limit:
        return Page(rows, None, not cursor)
    rows = rows[:limit]
    return Page(rows, next_url(request, encode_cursor([_value(rows[-1], key) for key in keys])), not cursor)
