"""The register of open-data releases (`OpenDataRelease`, `ReleaseCell`): every export is
recorded with its date, levels, school years, rules, counts of published and suppressed cells
and file checksums — and, for the indicators about persons, every cell of the whole hierarchy
with its figures and whether it was suppressed, plus the figures of every school.

What readers hold is every release ever published. So a new release of a school year is built
against all the earlier ones (`earlier_states`): a cell suppressed once stays suppressed, and the
change since each earlier release (the schools that declared late or corrected their figures)
is itself protected like a table of its own. Published releases are immutable (the models
refuse any change or deletion)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max

from socle.pilotage.models import OpenDataRelease, ReleaseCell

from .audit import Earlier
from .disclosure import EMPTY, Figures

LOCK = 0x50C1E_0DA7A  # advisory lock key: one export at a time
TERRITORY_LEVELS = ("nation", "region", "academie", "departement")


@dataclass(frozen=True)
class CellRecord:
    vintage: str
    indicator_code: str
    version: int
    level: str
    territory_code: str
    numerator: int
    denominator: int
    hidden: bool
    sensitive: bool


@contextlib.contextmanager
def exclusive() -> Iterator[None]:
    """One export at a time: two releases of a school year built side by side would each be
    checked against the earlier ones but not against each other. A PostgreSQL session advisory
    lock; SQLite (one writer, the embedded default) needs none."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def next_number() -> int:
    return (OpenDataRelease.objects.aggregate(n=Max("number"))["n"] or 0) + 1


def releases(vintage: str | None = None) -> list[OpenDataRelease]:
    """The releases readers may hold (published, or prepared: a crash between swapping the files
    in and marking the release published must not make it forgotten), oldest first."""
    found = list(OpenDataRelease.objects.order_by("number"))
    if vintage is None:
        return found
    return [release for release in found if vintage in release.vintages]


def earlier_states(
    vintage: str, indicator: str, units_now: Mapping[str, tuple[int, int]], chains: Mapping[str, Mapping]
) -> list[Earlier]:
    """The states of `indicator`'s data that earlier releases of `vintage` published, oldest
    first, each with what readers saw of it and the change from it to `units_now` (the current
    figures of every school), as `Figures` per territory."""
    wanted = releases(vintage)
    if not wanted:
        return []
    rows = ReleaseCell.objects.filter(
        release__in=[r.pk for r in wanted], vintage=vintage, indicator_code=indicator
    ).values_list("release_id", "level", "territory_code", "numerator", "denominator", "hidden", "sensitive")
    by_release: dict[int, dict] = defaultdict(
        lambda: {"figures": {}, "hidden": set(), "sensitive": set(), "units": {}}
    )
    for release, level, code, numerator, denominator, hidden, sensitive in rows:
        entry = by_release[release]
        figures = (numerator or 0, denominator or 0)
        if level == "school":
            entry["units"][code] = figures
            continue
        entry["figures"][(level, code)] = figures
        if hidden:
            entry["hidden"].add((level, code))
        if sensitive:
            entry["sensitive"].add((level, code))
    states: dict[tuple, dict] = {}  # one per distinct state of the data, in order of appearance
    for release in wanted:
        entry = by_release.get(release.pk)
        if entry is None:
            continue  # a release that did not include this indicator
        signature = (frozenset(entry["figures"].items()), frozenset(entry["units"].items()))
        state = states.setdefault(signature, {**entry, "hidden": set(entry["hidden"]), "sensitive": set()})
        # Readers saw a cell if any release of that state published it.
        state["hidden"] &= entry["hidden"]
        state["sensitive"] |= entry["sensitive"]
    return [
        Earlier(
            figures=state["figures"],
            hidden=frozenset(state["hidden"]),
            sensitive=frozenset(state["sensitive"]),
            **dict(zip(("delta", "grown"), changes(state["units"], units_now, chains), strict=True)),
        )
        for state in states.values()
    ]


def changes(
    before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]], chains: Mapping[str, Mapping]
) -> tuple[dict[tuple[str, str], Figures], frozenset]:
    """The change between two states of the schools' figures, per territory: each school whose
    figures changed is a contributor, with the size of its change (a late declaration: its whole
    figures; a correction: the difference). Also the territories where every change is a growth
    (numerator, denominator and complement never went down)."""
    delta: dict[tuple[str, str], Figures] = defaultdict(lambda: EMPTY)
    shrunk: set = set()
    for uai in set(before) | set(after):
        old, new = before.get(uai, (0, 0)), after.get(uai, (0, 0))
        if old == new:
            continue
        change = Figures.unit(abs(new[0] - old[0]), abs(new[1] - old[1]))
        grew = new[0] >= old[0] and new[1] >= old[1] and new[1] - new[0] >= old[1] - old[0]
        chain = chains.get(uai, {})
        for level in TERRITORY_LEVELS:
            territory = "FR" if level == "nation" else chain.get(level)
            if territory:
                delta[(level, territory)] = delta[(level, territory)] + change
                if not grew:
                    shrunk.add((level, territory))
    return dict(delta), frozenset(set(delta) - shrunk)


@transaction.atomic
def record(
    *,
    number: int,
    created_at: dt.datetime,
    tables,
    files: dict[str, dict],
    directory: str,
    base_url: str,
    rows: int,
    published_cells: int,
    suppressed_cells: int,
) -> OpenDataRelease:
    """The release, prepared (readers may hold it from now on), with its cells."""
    rules = tables.rules
    release = OpenDataRelease.objects.create(
        number=number,
        created_at=created_at,
        vintages=list(tables.vintages),
        levels=list(tables.levels),
        threshold=rules.threshold,
        min_contributors=rules.min_contributors,
        dominance=rules.dominance,
        protection_interval=rules.interval,
        rows=rows,
        cells_published=published_cells,
        cells_suppressed=suppressed_cells,
        files=files,
        directory=directory,
        base_url=base_url,
        audit=tables.audit,
    )
    ReleaseCell.objects.bulk_create(
        (
            ReleaseCell(
                release=release,
                vintage=cell.vintage,
                indicator_code=cell.indicator_code,
                version=cell.version,
                level=cell.level,
                territory_code=cell.territory_code,
                numerator=cell.numerator,
                denominator=cell.denominator,
                hidden=cell.hidden,
                sensitive=cell.sensitive,
            )
            for cell in tables.register_cells
        ),
        batch_size=5000,
    )
    return release


def discard(release: OpenDataRelease) -> None:
    """A prepared release whose files never reached readers (the swap failed)."""
    release.delete()
