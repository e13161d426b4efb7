"""Property tests of the disclosure control: random hierarchies with random counts are suppressed,
then an attacker who knows every published cell and every `parent = Σ children` equation tries
to recompute the suppressed ones — by repeated subtraction, by exact linear elimination and by
interval reasoning on non-negative counts. It must fail for every suppressed cell."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socle.pilotage.opendata.disclosure import Group, suppress

from .attacker import interval_attack, linear_attack, small_group_attack, subtraction_attack

# --- Random hierarchies ------------------------------------------------------------------------


@st.composite
def hierarchies(draw):
    """A tree of territories (nation → … → leaves) with, per linked table, random leaf counts
    summed upwards; small counts are frequent so that suppression has work to do."""
    tables = draw(st.integers(1, 3))
    depth = draw(st.integers(1, 4))
    groups: list[Group] = []
    leaves: list[str] = []
    frontier = ["N"]
    for level in range(depth):
        next_frontier = []
        for parent in frontier:
            fanout = draw(st.integers(1, 4))
            children = tuple(f"{parent}.{i}" for i in range(fanout))
            groups.append(Group(parent, children))
            next_frontier.extend(children)
        frontier = next_frontier
        if level == depth - 1:
            leaves = frontier
    count = st.one_of(st.integers(0, 12), st.integers(0, 400))
    persons: dict[str, tuple[int, ...]] = {}
    numerators: dict[str, tuple[int, ...]] = {}
    for leaf in leaves:
        persons[leaf] = tuple(draw(count) for _ in range(tables))
        numerators[leaf] = tuple(draw(st.integers(0, p)) for p in persons[leaf])
    for group in reversed(groups):  # bottom-up: parents are sums of their children
        persons[group.parent] = tuple(sum(persons[c][t] for c in group.children) for t in range(tables))
        numerators[group.parent] = tuple(sum(numerators[c][t] for c in group.children) for t in range(tables))
    threshold = draw(st.integers(2, 15))
    return groups, persons, numerators, threshold


def _table(figures, table):
    return {key: vector[table] for key, vector in figures.items()}


# --- Properties --------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(hierarchies())
def test_no_published_cell_describes_a_small_group(case):
    groups, persons, _, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for key, vector in persons.items():
        if key not in hidden:
            assert all(p == 0 or p >= threshold for p in vector), (key, vector, threshold)


@PROPERTY_SETTINGS
@given(hierarchies())
def test_primary_cells_are_exactly_the_small_ones(case):
    groups, persons, _, threshold = case
    result = suppress(persons, groups, threshold)
    small = {key for key, vector in persons.items() if any(0 < p < threshold for p in vector)}
    assert result.primary == small
    assert not (result.primary & result.secondary)


def _unknown_in(table, persons, hidden):
    """The attacker is generous to himself: he is assumed to know every cell that describes
    nobody in a table (a département without lycée), suppressed or not."""
    return {key for key in hidden if persons[key][table] > 0}


@PROPERTY_SETTINGS
@given(hierarchies())
def test_subtraction_recovers_no_suppressed_cell(case):
    groups, persons, numerators, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for table in range(len(next(iter(persons.values())))):
        unknown = _unknown_in(table, persons, hidden)
        for figures in (_table(persons, table), _table(numerators, table)):
            assert subtraction_attack(groups, figures, unknown) == set()


@PROPERTY_SETTINGS
@given(hierarchies())
def test_exact_linear_elimination_recovers_no_suppressed_cell(case):
    groups, persons, _, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for table in range(len(next(iter(persons.values())))):
        assert linear_attack(groups, _unknown_in(table, persons, hidden)) == set()


@PROPERTY_SETTINGS
@given(hierarchies())
def test_interval_reasoning_pins_no_suppressed_cell(case):
    groups, persons, _, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for table in range(len(next(iter(persons.values())))):
        figures = _table(persons, table)
        for key, (low, high) in interval_attack(groups, figures, _unknown_in(table, persons, hidden)).items():
            assert low <= figures[key] <= high  # the attacker is sound …
            assert low < high, (key, figures[key], low, high)  # … but cannot pin the cell


@PROPERTY_SETTINGS
@given(hierarchies())
def test_suppressed_siblings_never_add_up_to_a_small_group(case):
    groups, persons, _, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for group in groups:
        if group.parent in hidden:
            continue
        for table in range(len(persons[group.parent])):
            residual = sum(persons[c][table] for c in group.children if c in hidden)
            assert residual == 0 or residual >= threshold


@PROPERTY_SETTINGS
@given(hierarchies())
def test_no_small_group_total_can_be_derived_across_levels(case):
    groups, persons, _, threshold = case
    hidden = suppress(persons, groups, threshold).suppressed
    for table in range(len(next(iter(persons.values())))):
        figures = _table(persons, table)
        unknown = _unknown_in(table, persons, hidden)
        assert small_group_attack(groups, unknown, figures, threshold) == []


@PROPERTY_SETTINGS
@given(hierarchies())
def test_suppression_is_deterministic_and_leaves_published_cells_alone(case):
    groups, persons, _, threshold = case
    first = suppress(persons, groups, threshold)
    again = suppress(dict(reversed(list(persons.items()))), list(reversed(groups)), threshold)
    assert first.suppressed <= set(persons)
    # the input is not modified: the published figures are the ones given
    assert all(isinstance(v, tuple) for v in persons.values())
    assert (first.primary, first.secondary) == (again.primary, again.secondary)


# --- Worked examples ---------------------------------------------------------------------------


def test_a_lone_small_child_takes_its_smallest_sibling_with_it():
    groups = [Group("A", ("D1", "D2", "D3"))]
    result = suppress({"A": 75, "D1": 4, "D2": 30, "D3": 41}, groups, threshold=10)
    assert result.primary == {"D1"}
    assert result.secondary == {"D2"}


def test_two_small_siblings_adding_up_below_the_threshold_take_a_third():
    groups = [Group("A", ("D1", "D2", "D3", "D4"))]
    result = suppress({"A": 107, "D1": 3, "D2": 4, "D3": 40, "D4": 60}, groups, threshold=10)
    assert result.primary == {"D1", "D2"}
    assert result.secondary == {"D3"}  # 3 + 4 = 7 would be learnt from A − D3 − D4


def test_a_suppressed_parent_is_protected_in_its_own_parents_group():
    groups = [Group("R", ("A1", "A2")), Group("A1", ("D1", "D2"))]
    result = suppress({"R": 120, "A1": 20, "A2": 100, "D1": 4, "D2": 16}, groups, threshold=10)
    # D1 is small → D2 goes too (A1 = D1 + D2 describes 20 persons and stays published) …
    assert result.suppressed == {"D1", "D2"}
    # … but a small A1 must take its sibling A2 with it, or R − A2 would give it away.
    small_parent = suppress({"R": 108, "A1": 8, "A2": 100, "D1": 4, "D2": 4}, groups, threshold=10)
    assert small_parent.suppressed == {"A1", "A2", "D1", "D2"}


def test_a_single_child_group_hides_parent_and_child_together():
    groups = [Group("R", ("A",)), Group("N", ("R", "S"))]
    result = suppress({"N": 105, "R": 5, "A": 5, "S": 100}, groups, threshold=10)
    assert result.suppressed == {"R", "A", "S"}


def test_nobody_is_not_a_secret():
    result = suppress({"A": 50, "D1": 0, "D2": 50}, [Group("A", ("D1", "D2"))], threshold=10)
    assert result.suppressed == frozenset()


def test_overlapping_groups_are_refused():
    with pytest.raises(ValueError, match="child in two groups"):
        suppress({}, [Group("A", ("X", "Y")), Group("B", ("Y", "Z"))], threshold=10)


def test_cycles_are_refused():
    with pytest.raises(ValueError, match="own ancestor"):
        suppress({"A": 5}, [Group("A", ("B",)), Group("B", ("A",))], threshold=10)


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        suppress({"A": 1}, [], threshold=0)


def test_a_small_group_spread_over_two_levels_is_protected():
    """Réunion (1 person) is alone in the nation's group; Normandie is hidden to protect it, and
    its two tiny départements (4 and 3) are hidden anyway: the reader would learn that
    N − R53 − D50 − D61 = D974 + D14 + D27 = 8 persons, so one more cell must go — the smallest
    published one of that sum, Orne (150), rather than a whole région."""
    groups = [
        Group("N", ("R04", "R28", "R53")),
        Group("R04", ("D974",)),
        Group("R28", ("D14", "D27", "D50", "D61")),
    ]
    persons = {"N": 1059, "R04": 1, "D974": 1, "R28": 357, "D14": 4, "D27": 3, "D50": 200, "D61": 150}
    persons["R53"] = 701
    hidden = suppress(persons, groups, threshold=10).suppressed
    assert {"R04", "D974", "R28", "D14", "D27"} <= hidden
    assert hidden == {"R04", "D974", "R28", "D14", "D27", "D61"}
    assert small_group_attack(groups, hidden, persons, 10) == []
    found = set(small_group_attack(groups, hidden - {"D61"}, persons, 10))
    assert found == {("D14", "D27", "D974"), ("D14", "D27", "R04")}  # R04 is D974


def test_the_attacker_has_teeth():
    """Primary suppression alone is broken by every attack: the tests above can fail."""
    groups = [Group("N", ("R1", "R2")), Group("R1", ("D1", "D2", "D3"))]
    persons = {"N": 160, "R1": 60, "R2": 100, "D1": 4, "D2": 3, "D3": 53}
    naive = {"D1", "D2"}
    assert linear_attack(groups, naive | {"R1"}) == {"R1"}  # N − R2
    assert linear_attack(groups, naive | {"R1", "R2"}) == set()
    assert subtraction_attack(groups, persons, {"D1"}) == {"D1"}
    assert linear_attack(groups, {"D1"}) == {"D1"}
    bounds = interval_attack(groups, persons, naive)
    assert bounds["D1"] == bounds["D2"] == (0, 7)  # R1 − D3: a group of 7 persons is learnt
    assert interval_attack(groups, persons, {"D1", "D3"})["D1"] == (0, 57)
