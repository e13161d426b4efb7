"""Input limits shared by the importers. A limit turns a hostile or broken input into a clear
refusal instead of a process that eats the machine's memory or silently cuts data:

- a value longer than its field is a **rejected record**, never a truncated value;
- a physical line longer than `max_line_bytes` is a rejected record, skipped without being
  held in memory; a record (quoted field spanning lines) over `max_record_bytes` is fatal;
- an archive is refused when it declares or yields more than `max_archive_bytes`, or expands
  more than `max_archive_ratio` times its compressed size (zip bombs), or has too many members.

Defaults come from settings (`SOCLE_IMPORT_*`), so that an operator can raise them for a feed
they trust without a code change."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings

from .errors import Problem

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    max_line_bytes: int = 1 * MIB
    max_record_bytes: int = 4 * MIB
    # XML text of one element (an AAF attribute value).
    max_text_bytes: int = 1 * MIB
    max_archive_bytes: int = 1024 * MIB
    max_archive_ratio: int = 100
    # Below this many decompressed bytes a member may expand at any ratio (small files of
    # repeated values compress very well and are harmless).
    ratio_floor_bytes: int = 8 * MIB
    max_archive_members: int = 1000
    max_columns: int = 1000

    def but(self, **changes) -> Limits:
        return replace(self, **changes)


def default_limits() -> Limits:
    """The platform's limits: Limits() overridden by settings.SOCLE_IMPORT_LIMITS (a dict)."""
    return Limits(**getattr(settings, "SOCLE_IMPORT_LIMITS", {}))


def length_problem(field: str, value: str | None, max_chars: int | None) -> Problem | None:
    """A Problem if `value` is longer than `max_chars` (None: no limit). Never truncates."""
    if value is None or max_chars is None or len(value) <= max_chars:
        return None
    return Problem(field, value, f"longer than {max_chars} characters ({len(value)}): rejected, not cut")
