"""Statistical disclosure control for additive territorial tables (pure Python, no Django).

A *cell* is one territory (any hashable key). For one indicator about persons (a *table*), each
cell carries `Figures`: its numerator (persons with the attribute: certified pupils, girls in
NSI…), its denominator (persons concerned), how many units (schools) contribute to it and the
largest unit's share. Cells are additive along a hierarchy: every `Group` states
`parent = Σ children`. A reader of the published files knows those equations and the published
cells, and can try to recompute or bound a suppressed cell from them — and, across successive
releases of the same school year, the difference between two releases (`deltas`: the schools
that declared late or corrected their figures, see `tables`).

Primary rules (`Rules`, French statistical practice; docs/pilotage-opendata.md cites the
sources). A cell is *sensitive* when, in any of its tables:

- frequency: it describes 0 < persons < threshold (default 10, never below 5);
- few persons have the attribute, or few lack it: 0 < numerator < threshold, or
  0 < denominator − numerator < threshold (191 certified out of 195 tells who the 4 are not);
- 0 % or 100 %: numerator = 0 or numerator = denominator (the attribute of every person of
  the cell is known);
- fewer than `min_contributors` schools (default 3) contribute: with one, the cell is that
  school's figure; with two, each school can compute the other's;
- dominance: one school makes more than 85 % of the numerator or of the denominator.

A cell describing nobody (0/0) is not sensitive: there is nobody to protect.

Secondary rules, iterated to a fixed point from the top of the hierarchy down:

2. No lone unknown: an equation with exactly one suppressed member (counting, per table, only
   members that describe somebody in it) gives that member away by subtraction, so another
   member is suppressed: the smallest published child large enough to protect it, else the
   largest one, or the parent when no child is left. A reader may know that a cell is empty (a
   département without lycée), so hiding an empty cell protects nothing.
3. No sensitive residual: when the parent is published, `parent − Σ published children` tells the
   reader the combined figures of the suppressed children — and, replacing a suppressed child by
   its own suppressed children (its published children are known), of a smaller group too. If
   either residual is sensitive by the primary rules (two suppressed siblings of 3 and 4 pupils,
   two schools together, a group with 0 % of girls), another cell is suppressed.

Why this prevents exact recomputation in a tree: isolating one unknown needs a combination of
equations in which every other unknown cancels; those equations form a sub-tree, each of its
leaf equations keeps at least one unknown of its own (rule 2 gives it two, it shares one), and
a sub-tree of two equations or more has two leaves — so two unknowns always remain.

Exact recomputation is not the only risk: a reader can *bound* a suppressed cell (non-negative
counts, numerator ≤ denominator, earlier releases). `Rules.protection` gives the interval a
sensitive cell must keep (τ-ARGUS's protection levels); `audit` checks it with linear
programming and the caller hides more cells until it holds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Key = Hashable

# The floors below which the rules cannot be configured (docs/pilotage-opendata.md).
MIN_THRESHOLD = 5
MIN_CONTRIBUTORS = 3


@dataclass(frozen=True)
class Figures:
    """What the rules need to know about one cell of one table. Additive: the figures of a group
    of cells are the sum of theirs (the largest unit of a group is the largest of its cells')."""

    numerator: int = 0
    denominator: int = 0
    contributors: int = 0  # units (schools) with somebody in the cell
    top_numerator: int = 0  # the largest single unit's numerator
    top_denominator: int = 0  # … and denominator

    @classmethod
    def unit(cls, numerator: int, denominator: int) -> Figures:
        """One school's figures."""
        someone = numerator > 0 or denominator > 0
        return cls(numerator, denominator, int(someone), numerator, denominator)

    @classmethod
    def of(cls, units: Iterable[tuple[int, int]]) -> Figures:
        total = cls()
        for numerator, denominator in units:
            total = total + cls.unit(numerator, denominator)
        return total

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.numerator + other.numerator,
            self.denominator + other.denominator,
            self.contributors + other.contributors,
            max(self.top_numerator, other.top_numerator),
            max(self.top_denominator, other.top_denominator),
        )

    @property
    def complement(self) -> int:
        """Persons without the attribute."""
        return self.denominator - self.numerator

    @property
    def empty(self) -> bool:
        """Describes nobody."""
        return self.numerator == 0 and self.denominator == 0

    def measures(self) -> tuple[int, int, int]:
        """The three counts a reader may try to learn: numerator, denominator, complement."""
        return (self.numerator, self.denominator, self.complement)


EMPTY = Figures()
MEASURES = ("numerator", "denominator", "complement")


@dataclass(frozen=True)
class Rules:
    """The primary rules and the protection interval. The floors are not configurable: a
    threshold below 5 persons or fewer than 3 contributing schools is refused."""

    threshold: int = 10
    min_contributors: int = 3
    dominance: float = 0.85
    interval: float = 0.10  # protection interval, share of the value on each side (MAN(10))

    def __post_init__(self) -> None:
        if self.threshold < MIN_THRESHOLD:
            raise ValueError(
                f"threshold {self.threshold}: statistical secrecy needs at least {MIN_THRESHOLD} persons "
                "behind a published figure (default 10)"
            )
        if self.min_contributors < MIN_CONTRIBUTORS:
            raise ValueError(
                f"minimum of contributing schools {self.min_contributors}: at least {MIN_CONTRIBUTORS} are "
                "needed (with two, each school can compute the other's figures)"
            )
        if not 0 < self.dominance < 1:
            raise ValueError(f"dominance share {self.dominance}: expected a share between 0 and 1")
        if not 0 < self.interval < 1:
            raise ValueError(f"protection interval {self.interval}: expected a share between 0 and 1")

    def reasons(self, figures: Figures) -> tuple[str, ...]:
        """Why a cell with these figures may not be published (empty when it may)."""
        n, d = figures.numerator, figures.denominator
        if figures.empty:
            return ()
        small = self.threshold
        found = []
        if 0 < d < small:
            found.append("effectif")
        if 0 < n < small:
            found.append("numerateur")
        if 0 < figures.complement < small:
            found.append("complement")
        if n == 0:
            found.append("zero")
        if n == d:
            found.append("totalite")
        if figures.contributors < self.min_contributors:
            found.append("contributeurs")
        dominant_denominator = d > 0 and figures.top_denominator > self.dominance * d
        dominant_numerator = n > 0 and figures.top_numerator > self.dominance * n
        if dominant_denominator or dominant_numerator:
            found.append("dominance")
        return tuple(found)

    def sensitive(self, figures: Figures) -> bool:
        return bool(self.reasons(figures))

    def protection(self, value: int) -> tuple[int, int]:
        """τ-ARGUS's lower and upper protection levels of a sensitive count: a reader of the
        published cells must not be able to narrow it to less than [value − lower, value + upper].
        `interval` of the value on each side (INSEE's rtauargus default MAN(10): 10 %), at least
        one person, never below zero; for a value under the threshold the upper side reaches
        the threshold, so that a reader cannot even tell that the cell is small."""
        margin = max(1, math.ceil(self.interval * value))
        lower = min(value, margin)
        upper = margin if value >= self.threshold else max(margin, self.threshold - value)
        return lower, upper


@dataclass(frozen=True)
class Group:
    """One additive equation: the parent's figures are the sum of its children's."""

    parent: Key
    children: tuple[Key, ...]


@dataclass(frozen=True)
class Suppression:
    """The outcome: which cells are hidden, and why (kept for the operator and the register,
    never published — telling primary from secondary cells would tell which cells are small)."""

    primary: frozenset
    secondary: frozenset
    reasons: Mapping[Key, tuple[str, ...]] = field(default_factory=dict)
    rounds: int = 0

    @property
    def suppressed(self) -> frozenset:
        return self.primary | self.secondary


Table = Mapping[Key, Figures]


def suppress(
    tables: Sequence[Table],
    groups: Iterable[Group],
    rules: Rules,
    *,
    hidden: Iterable[Key] = (),
) -> Suppression:
    """The cells to hide so that no published figure, nor any figure a reader can derive by
    subtraction along `groups`, is sensitive in any of the linked `tables` (one pattern for all).

    `hidden`: cells already suppressed (an earlier release of the same school year, a cell the
    audit asked for): they stay suppressed and count as secondary. A key missing from a table
    but named in a group describes nobody in it."""
    group_list = _top_down(_checked(list(groups)))
    keys = {key for group in group_list for key in (group.parent, *group.children)}
    for table in tables:
        keys |= set(table)
    figures = [{key: table.get(key, EMPTY) for key in keys} for table in tables]

    reasons: dict[Key, tuple[str, ...]] = {}
    for key in keys:
        found = tuple(dict.fromkeys(r for table in figures for r in rules.reasons(table[key])))
        if found:
            reasons[key] = found
    primary = set(reasons)
    suppressed = primary | set(hidden)
    below = {group.parent: group.children for group in group_list}
    rounds = 0
    changed = True
    while changed:
        changed = False
        rounds += 1
        for group in group_list:
            extra = _one_more(group, suppressed, figures, rules, below)
            if extra is not None:
                suppressed.add(extra)
                changed = True
    return Suppression(
        primary=frozenset(primary),
        secondary=frozenset(suppressed - primary),
        reasons=reasons,
        rounds=rounds,
    )


def _checked(groups: list[Group]) -> list[Group]:
    """The guarantee above holds for a hierarchy: refuse overlapping groups (a cell with two
    parents, or two groups for one parent), which would allow differencing between them."""
    parents: set = set()
    children: set = set()
    for group in groups:
        if group.parent in parents:
            raise ValueError(f"cell {group.parent!r} is the parent of two groups; merge them")
        parents.add(group.parent)
        for child in group.children:
            if child in children:
                raise ValueError(f"cell {child!r} is a child in two groups; the hierarchy must be a tree")
            if child == group.parent:
                raise ValueError(f"cell {child!r} is its own child")
            children.add(child)
    return groups


def _top_down(groups: list[Group]) -> list[Group]:
    """Groups from the root down, siblings by key: the same data always gives the same pattern,
    and a parent hidden early spares its children's group a residual check."""
    parent_of = {child: group.parent for group in groups for child in group.children}

    def depth(key: Key) -> int:
        level = 0
        start = key
        while key in parent_of:
            key = parent_of[key]
            level += 1
            if level > len(parent_of):
                raise ValueError(f"cell {start!r} is its own ancestor; the hierarchy must be a tree")
        return level

    return sorted(groups, key=lambda group: (depth(group.parent), repr(group.parent)))


def _one_more(
    group: Group,
    hidden: set,
    tables: list[dict[Key, Figures]],
    rules: Rules,
    below: Mapping[Key, tuple[Key, ...]],
) -> Key | None:
    """The member of `group` to suppress next, or None when the group is safe as it stands."""
    parent_published = group.parent not in hidden
    for table in tables:
        members = (group.parent, *group.children)
        hidden_here = [m for m in members if m in hidden and not table[m].empty]
        if not hidden_here:
            continue
        partners = [c for c in group.children if c not in hidden and not table[c].empty]
        if len(hidden_here) == 1:
            (lone,) = hidden_here
            need = _protection_need(table[lone], rules)
            return _choose(partners, tables, table, need, fallback=group.parent if parent_published else None)
        if not parent_published:
            continue
        for residual in _residuals(group.children, hidden, table, below):
            if rules.sensitive(residual):
                # Any published cell of the widest residual will do; the smallest that makes the
                # residual safe loses least.
                wider = partners + _published_below(group.children, hidden, table, below)
                return _choose_for_residual(wider, tables, table, residual, rules, fallback=group.parent)
    return None


def _protection_need(figures: Figures, rules: Rules) -> tuple[int, int, int]:
    """What a partner must add to a lone suppressed cell, per measure, for the cell's upper
    protection level (a partner of that size lets the cell range that far)."""
    if not rules.sensitive(figures):
        return (1, 1, 1)  # a secondary cell only needs not to be pinned
    return tuple(rules.protection(value)[1] for value in figures.measures())


def _choose(
    candidates: Sequence[Key],
    tables: list[dict[Key, Figures]],
    table: dict[Key, Figures],
    need: tuple[int, int, int],
    fallback: Key | None,
) -> Key | None:
    """The smallest candidate large enough to provide `need` in `table`, else the largest one;
    ties broken by key so that the same data always hides the same cells."""
    if not candidates:
        return fallback

    def enough(key: Key) -> bool:
        return all(v >= n for v, n in zip(table[key].measures(), need, strict=True))

    big_enough = [key for key in candidates if enough(key)]
    if big_enough:
        return min(big_enough, key=lambda key: (_size(key, tables), repr(key)))
    return max(candidates, key=lambda key: (_size(key, tables), repr(key)))


def _choose_for_residual(
    candidates: Sequence[Key],
    tables: list[dict[Key, Figures]],
    table: dict[Key, Figures],
    residual: Figures,
    rules: Rules,
    fallback: Key,
) -> Key:
    if not candidates:
        return fallback
    curing = [key for key in candidates if not rules.sensitive(residual + table[key])]
    if curing:
        return min(curing, key=lambda key: (_size(key, tables), repr(key)))
    return max(candidates, key=lambda key: (_size(key, tables), repr(key)))


def _size(key: Key, tables: list[dict[Key, Figures]]) -> int:
    """The information a suppression loses: persons described, over the linked tables."""
    return sum(table[key].denominator + table[key].numerator for table in tables)


def _residuals(
    children: Sequence[Key], hidden: set, table: dict[Key, Figures], below: Mapping[Key, tuple[Key, ...]]
) -> list[Figures]:
    """What `parent − Σ published children` tells a reader: the suppressed children's figures,
    and the same once every suppressed child with children of its own is replaced by its
    suppressed children (the reader can subtract its published children too)."""
    direct = EMPTY
    expanded = EMPTY
    for child in children:
        if child not in hidden:
            continue
        direct = direct + table[child]
        expanded = expanded + _expanded(child, hidden, table, below)
    return [direct] if expanded == direct else [direct, expanded]


def _expanded(
    key: Key, hidden: set, table: dict[Key, Figures], below: Mapping[Key, tuple[Key, ...]]
) -> Figures:
    if key not in below:
        return table[key]
    total = EMPTY
    for child in below[key]:
        if child in hidden:
            total = total + _expanded(child, hidden, table, below)
    return total


def _published_below(
    children: Sequence[Key], hidden: set, table: dict[Key, Figures], below: Mapping[Key, tuple[Key, ...]]
) -> list[Key]:
    """Published cells describing somebody under the suppressed `children`, down the expansion
    of rule 3: hiding one of them adds its figures to the expanded residual."""
    found: list[Key] = []
    for child in children:
        if child in hidden and child in below:
            found += [c for c in below[child] if c not in hidden and not table[c].empty]
            found += _published_below(below[child], hidden, table, below)
    return found
