"""Property tests of the disclosure control: random hierarchies of schools are suppressed, then an
attacker who knows every published cell and every `parent = Σ children` equation tries to
recompute or bound the suppressed ones — by repeated subtraction, by exact linear elimination,
by interval reasoning and by linear programming (lp_attacker.py). The rules are checked against
their own statement, and the worked examples of docs/pilotage-opendata.md are here."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.pilotage.opendata.audit import Earlier, protect
from socle.pilotage.opendata.disclosure import Figures, Group, Rules, suppress

from .attacker import interval_attack, linear_attack, subtraction_attack
from .lp_attacker import Attacker, Release

RULES = Rules()


# --- Random hierarchies ------------------------------------------------------------------------
@st.composite
def hierarchies(draw):
    """A tree of territories (N → … → leaves); each leaf holds 0-4 schools with random persons
    (small counts are frequent so that the rules have work to do) and a random share of them
    with the attribute. Parents are sums of their children."""
    depth = draw(st.integers(1, 3))
    groups: list[Group] = []
    frontier = ["N"]
    for _level in range(depth):
        next_frontier = []
        for parent in frontier:
            children = tuple(f"{parent}.{i}" for i in range(draw(st.integers(1, 4))))
            groups.append(Group(parent, children))
            next_frontier.extend(children)
        frontier = next_frontier
    units: dict[str, list[tuple[int, int]]] = {}
    persons = st.one_of(st.integers(0, 15), st.integers(0, 300))
    for leaf in frontier:
        units[leaf] = []
        for _ in range(draw(st.integers(0, 4))):
            d = draw(persons)
            units[leaf].append((draw(st.integers(0, d)), d))
    figures = {leaf: Figures.of(u) for leaf, u in units.items()}
    for group in reversed(groups):
        total = Figures()
        for child in group.children:
            total = total + figures[child]
        figures[group.parent] = total
    return groups, figures


def _measure(figures, m):
    return {key: f.measures()[m] for key, f in figures.items()}


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- Properties --------------------------------------------------------------------------------
@PROPERTY
@given(hierarchies())
def test_the_primary_cells_are_exactly_the_sensitive_ones_and_none_is_published(case):
    groups, figures = case
    result = suppress([figures], groups, RULES)
    assert result.primary == {key for key, f in figures.items() if RULES.sensitive(f)}
    assert not (result.primary & result.secondary)
    for key, f in figures.items():
        if key not in result.suppressed:
            assert not RULES.sensitive(f), (key, f)


@PROPERTY
@given(hierarchies())
def test_no_suppressed_cell_can_be_recomputed(case):
    groups, figures = case
    hidden = suppress([figures], groups, RULES).suppressed
    unknown = {key for key in hidden if not figures[key].empty}  # empty cells are knowable
    assert linear_attack(groups, unknown) == set()
    for m in (0, 1):
        values = _measure(figures, m)
        assert subtraction_attack(groups, values, unknown) == set()
        # The interval attacker starts from [0, the largest value it is given]: give it a cap
        # it cannot get from the truth (an all-zero numerator would otherwise look pinned).
        capped = {**values, "cap": 10**6}
        for key, (low, high) in interval_attack(groups, capped, unknown).items():
            assert low <= values[key] <= high  # the attacker is sound …
            assert low < high, (key, values[key])  # … but pins nothing


@PROPERTY
@given(hierarchies())
def test_the_residual_of_a_published_parent_is_never_sensitive(case):
    groups, figures = case
    hidden = suppress([figures], groups, RULES).suppressed
    for group in groups:
        if group.parent in hidden:
            continue
        residual = Figures()
        for child in group.children:
            if child in hidden:
                residual = residual + figures[child]
        assert not RULES.sensitive(residual), (group, residual)


def _release(figures, hidden, state=1) -> Release:
    release = Release(state)
    for key, f in figures.items():
        release.cells[("t", key, "x")] = None if key in hidden else (f.numerator, f.denominator)
    return release


def _attacker_groups(groups):
    return [(("t", g.parent), tuple(("t", c) for c in g.children)) for g in groups]


def _required(value: int) -> tuple[int, int]:
    margin = max(1, math.ceil(0.1 * abs(value)))
    lower = min(abs(value), margin)
    upper = margin if abs(value) >= 10 else max(margin, 10 - abs(value))
    return (value - lower, value + upper) if value >= 0 else (value - upper, value + lower)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchies())
def test_after_the_audit_no_sensitive_cell_is_bounded_too_closely(case):
    """The attacker's linear programs (written apart from the module's audit) find every
    sensitive suppressed value with at least its protection interval."""
    groups, figures = case
    protection = protect(groups, figures, RULES)
    assert protection.findings == []
    hidden = protection.suppression.suppressed
    attacker = Attacker(_attacker_groups(groups), [_release(figures, hidden)])
    for key in sorted(hidden):
        f = figures[key]
        if f.empty or not RULES.sensitive(f):
            continue
        for m, value in enumerate(f.measures()):
            low, high = attacker.bounds(1, ("t", key, "x"), m)
            need = _required(value)
            assert low <= need[0] + 1e-6 and high >= need[1] - 1e-6, (key, m, value, low, high)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchies(), st.data())
def test_a_second_release_does_not_disclose_what_changed(case, data):
    """One school of a leaf declares late (it was missing from the first release): the second
    release, built against the first, leaves the change as protected as a cell."""
    groups, figures = case
    leaves = [key for key in figures if key not in {g.parent for g in groups}]
    leaf = data.draw(st.sampled_from(leaves))
    late_d = data.draw(st.integers(1, 200))
    late = (data.draw(st.integers(0, late_d)), late_d)
    parent_of = {c: g.parent for g in groups for c in g.children}
    chain = [leaf]
    while chain[-1] in parent_of:
        chain.append(parent_of[chain[-1]])
    after = dict(figures)
    for key in chain:
        after[key] = figures[key] + Figures.unit(*late)
    first = protect(groups, figures, RULES)
    earlier = Earlier(
        figures={k: (f.numerator, f.denominator) for k, f in figures.items()},
        hidden=first.suppression.suppressed,
        sensitive=frozenset(k for k, f in figures.items() if RULES.sensitive(f)),
        delta={key: Figures.unit(*late) for key in chain},
        grown=frozenset(chain),
    )
    second = protect(groups, after, RULES, earlier=[earlier])
    assert second.findings == []
    assert first.suppression.suppressed <= second.suppression.suppressed  # monotone
    changed = {("t", key, "x"): "added" for key in chain}
    attacker = Attacker(
        _attacker_groups(groups),
        [
            _release(figures, first.suppression.suppressed, 1),
            _release(after, second.suppression.suppressed, 2),
        ],
        {(1, 2): changed},
    )
    change = Figures.unit(*late)
    if not RULES.sensitive(change):
        return
    for key in chain:
        for m, value in enumerate(change.measures()):
            low, high = attacker.change_bounds(1, 2, ("t", key, "x"), m)
            need = _required(value)
            assert low <= need[0] + 1e-6 and high >= need[1] - 1e-6, (key, m, value, low, high)


@PROPERTY
@given(hierarchies())
def test_suppression_is_deterministic(case):
    groups, figures = case
    first = suppress([figures], groups, RULES)
    again = suppress([dict(reversed(list(figures.items())))], list(reversed(groups)), RULES)
    assert (first.primary, first.secondary) == (again.primary, again.secondary)


# --- The primary rules, one by one ---------------------------------------------------------------
SCHOOLS = [(30, 100), (40, 110), (35, 120)]  # three schools, nothing small


@pytest.mark.parametrize(
    ("units", "reasons"),
    [
        (SCHOOLS, ()),
        ([(3, 8)], ("effectif", "numerateur", "complement", "contributeurs", "dominance")),
        ([(2, 100), (30, 100), (30, 100)], ()),  # small in one school, not in the total
        ([(5, 100), (1, 100), (2, 100)], ("numerateur",)),  # 8 girls among 300 NSI pupils
        ([(95, 100), (98, 100), (99, 100)], ("complement",)),  # 292/300: the 8 others are known
        ([(0, 100), (0, 110), (0, 120)], ("zero",)),  # 0 %: nobody has it, everybody is known
        ([(100, 100), (110, 110), (120, 120)], ("totalite",)),  # 100 %
        ([(30, 100), (40, 110)], ("contributeurs",)),  # two schools: each computes the other
        ([(300, 1000), (10, 40), (12, 40)], ("dominance",)),  # one school is 93 % of the persons
        ([(0, 0), (0, 0)], ()),  # nobody: nothing to protect
    ],
)
def test_primary_rules(units, reasons):
    assert RULES.reasons(Figures.of(units)) == reasons


def test_the_floors_cannot_be_lowered():
    with pytest.raises(ValueError, match="at least 5 persons"):
        Rules(threshold=1)
    with pytest.raises(ValueError, match="at least 5 persons"):
        Rules(threshold=4)
    with pytest.raises(ValueError, match="at least 3 are needed"):
        Rules(min_contributors=2)
    assert Rules(threshold=5).threshold == 5
    assert Rules(threshold=20, min_contributors=5).sensitive(Figures.of([(30, 100)] * 4))


def test_the_protection_interval():
    assert RULES.protection(3) == (1, 7)  # up to the threshold: a reader cannot tell it is small
    assert RULES.protection(0) == (0, 10)  # a 0 %: a reader cannot tell that nobody has it
    assert RULES.protection(250) == (25, 25)  # 10 % on each side (τ-ARGUS MAN(10))


# --- Worked examples (docs/pilotage-opendata.md) ---------------------------------------------------
def _fig(*units):
    return Figures.of(units)


def test_a_lone_sensitive_child_takes_a_sibling_large_enough_to_protect_it():
    """D1 is one lycée (300 NSI pupils, 100 girls): sensitive, one school. Its smallest sibling
    D2 (three small lycées, 25 NSI pupils) would let a reader bound D1 to [300, 325], less than
    the 10 % (30 pupils) its protection interval asks: D3 is the smallest sibling large enough."""
    groups = [Group("A", ("D1", "D2", "D3", "D4"))]
    figures = {
        "D1": _fig((100, 300)),
        "D2": _fig((4, 8), (4, 8), (3, 9)),
        "D3": _fig((15, 50), (12, 50), (13, 50)),
        "D4": _fig((60, 200), (70, 210), (80, 220)),
    }
    figures["A"] = figures["D1"] + figures["D2"] + figures["D3"] + figures["D4"]
    result = suppress([figures], groups, RULES)
    assert result.primary == {"D1"}
    assert result.secondary == {"D3"}
    attacker = Attacker(
        [(("t", "A"), tuple(("t", d) for d in ("D1", "D2", "D3", "D4")))],
        [_release(figures, result.suppressed)],
    )
    assert attacker.bounds(1, ("t", "D1", "x"), 1) == (0, 450)


def test_two_schools_together_are_no_group():
    """Two suppressed départements with one lycée each would be published as a pair by
    A − D3 − D4: each lycée could compute the other's. A third is hidden."""
    groups = [Group("A", ("D1", "D2", "D3", "D4"))]
    figures = {
        "D1": _fig((12, 60)),
        "D2": _fig((15, 70)),
        "D3": _fig((20, 100), (25, 110), (30, 120)),
        "D4": _fig((40, 200), (45, 210), (50, 220)),
    }
    figures["A"] = figures["D1"] + figures["D2"] + figures["D3"] + figures["D4"]
    result = suppress([figures], groups, RULES)
    assert result.primary == {"D1", "D2"}
    assert result.secondary == {"D3"}


def test_a_single_child_chain_hides_parent_and_child_together():
    groups = [Group("R", ("A",)), Group("N", ("R", "S"))]
    figures = {"A": _fig((2, 12)), "S": _fig((30, 100), (40, 110), (35, 120))}
    figures["R"] = figures["A"]
    figures["N"] = figures["R"] + figures["S"]
    assert suppress([figures], groups, RULES).suppressed == {"R", "A", "S"}


def test_nobody_is_not_a_secret():
    figures = {"D1": _fig((0, 0)), "D2": _fig(*SCHOOLS)}
    figures["A"] = figures["D2"]
    assert suppress([figures], [Group("A", ("D1", "D2"))], RULES).suppressed == frozenset()


def test_a_late_declaration_hides_its_chain_up_to_the_nation():
    """Nothing else changed between the two releases: the nation's change is the late school's
    declaration, and so is its académie's and département's. The only way not to publish it is
    to leave all of them secret in the second release."""
    groups = [Group("N", ("A1", "A2")), Group("A1", ("D1", "D2", "D3")), Group("A2", ("D4", "D5", "D6"))]
    big = [(30, 100), (40, 110), (35, 120)]
    figures = {d: _fig(*big) for d in ("D1", "D2", "D3", "D4", "D5", "D6")}
    figures["A1"] = figures["D1"] + figures["D2"] + figures["D3"]
    figures["A2"] = figures["D4"] + figures["D5"] + figures["D6"]
    figures["N"] = figures["A1"] + figures["A2"]
    first = protect(groups, figures, RULES)
    assert first.suppression.suppressed == frozenset()
    late = Figures.unit(60, 150)
    after = {k: (f + late if k in ("D1", "A1", "N") else f) for k, f in figures.items()}
    earlier = Earlier(
        figures={k: (f.numerator, f.denominator) for k, f in figures.items()},
        hidden=frozenset(),
        sensitive=frozenset(),
        delta={k: late for k in ("D1", "A1", "N")},
        grown=frozenset({"D1", "A1", "N"}),
    )
    second = protect(groups, after, RULES, earlier=[earlier])
    assert {"D1", "A1", "N"} <= second.suppression.suppressed
    assert second.findings == []


def test_the_attacker_has_teeth():
    """Primary suppression alone is broken by every attack: the tests above can fail."""
    groups = [Group("N", ("R1", "R2")), Group("R1", ("D1", "D2", "D3"))]
    persons = {"N": 160, "R1": 60, "R2": 100, "D1": 4, "D2": 3, "D3": 53}
    naive = {"D1", "D2"}
    assert linear_attack(groups, naive | {"R1"}) == {"R1"}  # N − R2
    assert subtraction_attack(groups, persons, {"D1"}) == {"D1"}
    bounds = interval_attack(groups, persons, naive)
    assert bounds["D1"] == bounds["D2"] == (0, 7)  # R1 − D3: a group of 7 persons is learnt
    figures = {"D1": _fig((1, 4)), "D2": _fig((1, 3)), "D3": _fig((20, 53), (0, 0), (0, 0))}
    attacker = Attacker(
        [(("t", "R1"), (("t", "D1"), ("t", "D2"), ("t", "D3")))],
        [_release({**figures, "R1": figures["D1"] + figures["D2"] + figures["D3"]}, naive)],
    )
    low, high = attacker.bounds(1, ("t", "D1", "x"), 1)
    assert (low, high) == (0, 7)  # below the threshold: the LP attacker catches it
