"""The complete-feed rule, made safe: what a complete feed covered, and when absence may end
anything.

A complete feed ("Complet" AAF file, OneRoster bulk file, `--full` Annuaire) is the whole
truth for its scope: a record it no longer lists has ended. But a record that was **rejected**
is not absent — the feed did list it, we just could not take it — and a row that **could not be
read at all** might have been any record. So:

- `Coverage.saw(key)`: the feed lists this record (taken);
- `Coverage.kept(key, why)`: the feed lists it but its record was rejected: its links stay;
- `Coverage.unreadable(line, why)`: a row that names no record; then nothing of the scope may
  end by absence (`may_end_absent` is False) and the report says so.

`MassEndGuard` then stops an import that would end more than a share (default 20 %) of one
scope's links (a school's enrolments…) unless an operator confirmed it (`--confirm-mass-end`):
a truncated feed must not empty a school."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from django.conf import settings

from .errors import MassEndRefused


@dataclass
class Coverage:
    file: str
    seen: set = field(default_factory=set)
    kept_keys: set = field(default_factory=set)
    unreadable_lines: list[int] = field(default_factory=list)

    def saw(self, key: Hashable) -> None:
        self.seen.add(key)

    def kept(self, key: Hashable) -> None:
        self.kept_keys.add(key)

    def unreadable(self, line: int) -> None:
        self.unreadable_lines.append(line)

    @property
    def may_end_absent(self) -> bool:
        return not self.unreadable_lines

    def covers(self, key: Hashable) -> bool:
        """Whether the feed listed `key` (taken or rejected): such a record is never absent."""
        return key in self.seen or key in self.kept_keys

    def why_nothing_ended(self) -> str:
        lines = ", ".join(str(line) for line in self.unreadable_lines[:10])
        more = "…" if len(self.unreadable_lines) > 10 else ""
        return (
            f"{self.file}: line(s) {lines}{more} could not be read: they might be any record, so no "
            "link was ended for being absent from this file"
        )


def default_share() -> float:
    return float(getattr(settings, "SOCLE_IMPORT_MASS_END_SHARE", 0.2))


def default_minimum() -> int:
    return int(getattr(settings, "SOCLE_IMPORT_MASS_END_MIN", 5))


@dataclass
class MassEndGuard:
    """Refuses to end more than `share` of a scope's links, unless `confirmed`.

    Ending at most `minimum` links of a scope is never a mass end (a pupil leaving a class of a
    tiny school is not one)."""

    share: float = field(default_factory=default_share)
    minimum: int = field(default_factory=default_minimum)
    confirmed: bool = False

    def check(self, file: str, scope: str, what: str, ending: int, total: int) -> str | None:
        """Raise MassEndRefused if ending `ending` of `total` links of `scope` is a mass end;
        returns a notice when it is one but was confirmed."""
        if ending <= self.minimum or total == 0 or ending / total <= self.share:
            return None
        text = (
            f"would end {ending} of {total} {what} ({ending / total:.0%}) of {scope}, "
            f"more than the {self.share:.0%} allowed"
        )
        if self.confirmed:
            return f"{file}: {text}: confirmed (--confirm-mass-end)"
        raise MassEndRefused(
            file,
            0,
            f"{text}: nothing was written. Check that the file is complete; if these ends are "
            "expected, run the import again with --confirm-mass-end",
        )
