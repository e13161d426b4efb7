"""The disclosure audit: how closely can a reader bound a suppressed cell?

The rules of `disclosure` stop exact recomputation along the hierarchy. A reader can do more:
counts are non-negative, a numerator never exceeds its denominator, a school's size is public
(`upper`), and successive releases of the same school year are linked — the reader may well
know which schools declared late, hence which cells changed and in which direction. Each such
fact is a linear constraint; the tightest interval a reader can prove for a suppressed cell is
the minimum and the maximum of that cell under all of them: two linear programs (HiGHS, through
scipy). `audit` solves them for every suppressed cell of every state of the data that a release
published, and for every sensitive difference between two states; `protect` hides more cells
until every sensitive value keeps its protection interval (`Rules.protection`) and no suppressed
value is pinned.

The linear programs are split into independent components (cells tied by an equation with two
unknowns or more), so each is a handful of variables even at national scale."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from .disclosure import EMPTY, MEASURES, Figures, Group, Key, Rules, Suppression, suppress

EPSILON = 1e-6


@dataclass(frozen=True)
class State:
    """One state of an indicator's data, as the releases made from it published it."""

    figures: Mapping[Key, tuple[int, int]]  # (numerator, denominator) of every cell
    hidden: frozenset  # cells no release of this state published
    sensitive: frozenset  # cells the primary rules mark: their protection interval is checked


@dataclass(frozen=True)
class Finding:
    """A value a reader can narrow more than allowed."""

    state: int | tuple[int, int]  # a state, or (earlier, later) for the change between two
    key: Key
    measure: str  # numerator, denominator or complement
    value: int
    low: float
    high: float
    required: tuple[int, int]  # the protection interval the value needed
    binding: tuple[Key, ...]  # published cells of the last state whose equations bound it


@dataclass
class Earlier:
    """An earlier state of the data, published by earlier releases, and what changed since."""

    figures: Mapping[Key, tuple[int, int]]
    hidden: frozenset
    sensitive: frozenset
    delta: Mapping[Key, Figures]  # the change from this state to the current one (|Δ| per school)
    # Cells whose every change since this state is a growth (late declarations), as opposed to
    # corrections that may go either way; cells without delta did not change.
    grown: frozenset = frozenset()


@dataclass
class Protection:
    suppression: Suppression
    findings: list[Finding]  # left after the repairs: empty unless the budget ran out
    inherited: list[Finding]  # given away by earlier releases already (reported, not repairable)
    rounds: int
    linear_programs: int
    seconds: float
    extra: frozenset = field(default_factory=frozenset)  # cells hidden because of the audit


# --- The linear programs -------------------------------------------------------------------------
class _Variables:
    """Index of the unknowns: (state, key, 0 numerator / 1 denominator)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}

    def get(self, item: tuple) -> int:
        if item not in self.index:
            self.index[item] = len(self.index)
        return self.index[item]


def audit(
    groups: Sequence[Group],
    states: Sequence[State],
    rules: Rules,
    *,
    deltas: Mapping[tuple[int, int], frozenset] | None = None,
    movements: Mapping[tuple[int, int], Mapping[Key, str]] | None = None,
    upper: Mapping[Key, int] | None = None,
    counter: list[int] | None = None,
) -> list[Finding]:
    """Every value of `states` (and every sensitive change between two of them, `deltas`) that a
    reader can narrow more than `rules` allow. The last state is the one being released: the
    `binding` cells of a finding are published cells of that state.

    `movements[(v, w)]`: what a reader may know of the change between states v and w — every
    cell not listed is known to be unchanged (the reader may know which schools declared late),
    a cell listed as "added" only grew (numerator, denominator and complement: a late
    declaration), one listed as "changed" may have moved either way (a correction). Pairs of
    states not in `movements` are not linked. `upper`: public upper bounds of denominators."""
    deltas = deltas or {}
    movements = movements or {}
    upper = upper or {}
    last = len(states) - 1
    variables = _Variables()
    for s, state in enumerate(states):
        for key in state.hidden:
            variables.get((s, key, 0))
            variables.get((s, key, 1))

    def term(s: int, key: Key, m: int) -> tuple[int | None, float]:
        """(variable index, 0) for an unknown, (None, value) for a published figure."""
        if key in states[s].hidden:
            return variables.index[(s, key, m)], 0.0
        return None, float(states[s].figures.get(key, (0, 0))[m])

    equalities: list[tuple[dict[int, float], float, tuple | None]] = []  # (coefficients, rhs, tag)
    inequalities: list[tuple[dict[int, float], float]] = []  # coefficients · x ≤ rhs
    for s in range(len(states)):
        for group in groups:
            for m in (0, 1):
                row: dict[int, float] = defaultdict(float)
                rhs = 0.0
                for key, sign in ((group.parent, 1.0), *((c, -1.0) for c in group.children)):
                    index, value = term(s, key, m)
                    if index is None:
                        rhs -= sign * value
                    else:
                        row[index] += sign
                if row:
                    equalities.append((dict(row), rhs, (s, group)))
        for key in states[s].hidden:
            inequalities.append(
                ({variables.index[(s, key, 0)]: 1.0, variables.index[(s, key, 1)]: -1.0}, 0.0)
            )
    # What the reader may know of the changes between two states.
    for (v, w), moved in movements.items():
        for key in states[v].hidden | states[w].hidden:
            kind = moved.get(key, "unchanged")
            if kind == "changed":
                continue
            for parts in (((0, 1.0),), ((1, 1.0),), ((1, 1.0), (0, -1.0))):
                if kind == "unchanged" and len(parts) > 1:
                    continue  # implied by the two equalities
                row: dict[int, float] = defaultdict(float)
                rhs = 0.0
                for s, sign in ((w, 1.0), (v, -1.0)):
                    for m, coefficient in parts:
                        index, value = term(s, key, m)
                        if index is None:
                            rhs -= sign * coefficient * value
                        else:
                            row[index] += sign * coefficient
                row = {i: c for i, c in row.items() if c}
                if not row:
                    continue
                if kind == "unchanged":
                    equalities.append((row, rhs, None))
                else:  # added: the later value is at least the earlier one
                    inequalities.append(({i: -c for i, c in row.items()}, -rhs))

    root = _components(
        len(variables.index), [row for row, _r, _t in equalities] + [r for r, _ in inequalities]
    )
    members: dict[int, list[int]] = defaultdict(list)
    for index in range(len(variables.index)):
        members[root[index]].append(index)
    eq_rows: dict[int, list] = defaultdict(list)
    for row in equalities:
        eq_rows[root[next(iter(row[0]))]].append(row)
    ineq_rows: dict[int, list] = defaultdict(list)
    for row in inequalities:
        ineq_rows[root[next(iter(row[0]))]].append(row)
    bounds = [(0.0, None)] * len(variables.index)
    for (_s, key, _m), index in variables.index.items():
        if key in upper:
            bounds[index] = (0.0, float(upper[key]))

    def solve(objective: dict[int, float], sense: float) -> tuple[float, tuple]:
        """Minimum (sense 1) or maximum (sense -1) of objective · x, and the binding cells."""
        component = members[root[next(iter(objective))]]
        local = {g: i for i, g in enumerate(component)}
        eqs = eq_rows[root[component[0]]]
        ineqs = ineq_rows[root[component[0]]]
        c = np.zeros(len(local))
        for g, coefficient in objective.items():
            c[local[g]] = sense * coefficient
        if counter is not None:
            counter[0] += 1
        result = linprog(
            c,
            A_ub=_matrix([r for r, _ in ineqs], local) if ineqs else None,
            b_ub=np.array([b for _, b in ineqs]) if ineqs else None,
            A_eq=_matrix([r for r, _b, _t in eqs], local) if eqs else None,
            b_eq=np.array([b for _r, b, _t in eqs]) if eqs else None,
            bounds=[bounds[g] for g in component],
            method="highs",
        )
        if result.status == 3:  # unbounded: nothing limits the value on that side
            return -sense * float("inf"), ()
        if result.status != 0:
            raise RuntimeError(f"disclosure audit: linear program failed ({result.message})")
        binding: list[Key] = []
        if eqs:
            marginals = result.eqlin.marginals
            for (_row, _rhs, tag), marginal in zip(eqs, marginals, strict=True):
                if tag is not None and abs(marginal) > EPSILON and tag[0] == last:
                    group = tag[1]
                    binding += [k for k in (group.parent, *group.children) if k not in states[last].hidden]
        return sense * result.fun, tuple(dict.fromkeys(binding))

    def interval(objective: dict[int, float], constant: float) -> tuple[float, float, tuple]:
        if not objective:
            return constant, constant, ()
        low, bind_low = solve(objective, 1.0)
        high, bind_high = solve(objective, -1.0)
        return low + constant, high + constant, tuple(dict.fromkeys(bind_low + bind_high))

    findings: list[Finding] = []

    def measure_objective(s: int, key: Key, measure: int) -> tuple[dict[int, float], float]:
        """numerator (0), denominator (1) or complement (2 = d − n) of a cell in state s."""
        parts = {0: ((0, 1.0),), 1: ((1, 1.0),), 2: ((1, 1.0), (0, -1.0))}[measure]
        objective: dict[int, float] = defaultdict(float)
        constant = 0.0
        for m, sign in parts:
            index, value = term(s, key, m)
            if index is None:
                constant += sign * value
            else:
                objective[index] += sign
        return {i: c for i, c in objective.items() if c}, constant

    for s, state in enumerate(states):
        for key in sorted(state.hidden, key=repr):
            figures = state.figures.get(key, (0, 0))
            values = (figures[0], figures[1], figures[1] - figures[0])
            if values == (0, 0, 0) or key not in state.sensitive:
                # Describes nobody, or a secondary cell: its value is no secret in itself (it is
                # hidden to protect others, whose own intervals are what is checked).
                continue
            for measure in (0, 1, 2):
                objective, constant = measure_objective(s, key, measure)
                low, high, binding = interval(objective, constant)
                value = values[measure]
                lower, upper_level = rules.protection(value)
                required = (value - lower, value + upper_level)
                if low > required[0] + EPSILON or high < required[1] - EPSILON:
                    findings.append(Finding(s, key, MEASURES[measure], value, low, high, required, binding))
    for (v, w), keys in deltas.items():
        for key in sorted(keys, key=repr):
            before, after = states[v].figures.get(key, (0, 0)), states[w].figures.get(key, (0, 0))
            values = (
                after[0] - before[0],
                after[1] - before[1],
                (after[1] - after[0]) - (before[1] - before[0]),
            )
            for measure in (0, 1, 2):
                later, constant_w = measure_objective(w, key, measure)
                earlier, constant_v = measure_objective(v, key, measure)
                objective: dict[int, float] = defaultdict(float)
                for i, c in later.items():
                    objective[i] += c
                for i, c in earlier.items():
                    objective[i] -= c
                objective = {i: c for i, c in objective.items() if c}
                low, high, binding = interval(objective, constant_w - constant_v)
                value = values[measure]
                lower, upper_level = rules.protection(abs(value))
                required = (
                    (value - lower, value + upper_level)
                    if value >= 0
                    else (value - upper_level, value + lower)
                )
                if low > required[0] + EPSILON or high < required[1] - EPSILON:
                    if not binding and key not in states[w].hidden and w == last:
                        binding = (key,)
                    findings.append(
                        Finding((v, w), key, MEASURES[measure], value, low, high, required, binding)
                    )
    return findings


def _matrix(rows: list[dict[int, float]], local: dict[int, int]) -> csr_array:
    data, cols, indptr = [], [], [0]
    for row in rows:
        for g, coefficient in row.items():
            cols.append(local[g])
            data.append(coefficient)
        indptr.append(len(cols))
    return csr_array((np.array(data), np.array(cols), np.array(indptr)), shape=(len(rows), len(local)))


def _components(size: int, rows: list[dict[int, float]]) -> list[int]:
    """Variable → the representative of its connected component (linked through any constraint)."""
    parent = list(range(size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        members = list(row)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[a] = b
    return [find(i) for i in range(size)]


# --- Suppress, audit, repair ----------------------------------------------------------------------
def protect(
    groups: Sequence[Group],
    current: Mapping[Key, Figures],
    rules: Rules,
    *,
    earlier: Sequence[Earlier] = (),
    upper: Mapping[Key, int] | None = None,
    max_rounds: int = 200,
) -> Protection:
    """The suppression pattern of one indicator for a new release: the rules of `disclosure`
    over the current figures and over every change since an earlier release, cells hidden by
    earlier releases kept hidden, then the audit, hiding one more cell per finding until no
    value can be narrowed more than allowed."""
    started = time.perf_counter()
    group_list = list(groups)
    tables = [current, *[state.delta for state in earlier]]
    before = frozenset().union(*(state.hidden for state in earlier)) if earlier else frozenset()
    keys = {key for group in group_list for key in (group.parent, *group.children)} | set(current)
    figures_now = {
        key: (current.get(key, EMPTY).numerator, current.get(key, EMPTY).denominator) for key in keys
    }
    extra: set = set()
    counter = [0]
    rounds = 0
    inherited: list[Finding] | None = None
    last = len(earlier)
    movements: dict[tuple[int, int], dict] = {}
    for i, state in enumerate(earlier):
        changed = {k for k, f in state.delta.items() if not f.empty}
        movements[(i, last)] = {k: ("added" if k in state.grown else "changed") for k in changed}
        for j in range(i):
            # Between two earlier states, only what changed since neither is known not to move.
            other = {k for k, f in earlier[j].delta.items() if not f.empty}
            movements[(j, i)] = dict.fromkeys(changed | other, "changed")
    while True:
        rounds += 1
        result = suppress(tables, group_list, rules, hidden=before | extra)
        sensitive_now = frozenset(k for k in keys if rules.sensitive(current.get(k, EMPTY)))
        states = [State(e.figures, e.hidden, e.sensitive) for e in earlier]
        states.append(State(figures_now, result.suppressed, sensitive_now))
        deltas = {
            (i, last): frozenset(k for k, f in state.delta.items() if rules.sensitive(f))
            for i, state in enumerate(earlier)
        }
        findings = audit(
            group_list, states, rules, deltas=deltas, movements=movements, upper=upper, counter=counter
        )
        if findings and inherited is None:
            # What earlier releases already gave away (a cell published under a laxer rule, then
            # unchanged) no suppression now can take back: the same audit with nothing of this
            # release published tells which findings those are. They are reported, not repaired.
            blank = [*states[:-1], State(figures_now, frozenset(keys), sensitive_now)]
            inherited = audit(
                group_list, blank, rules, deltas=deltas, movements=movements, upper=upper, counter=counter
            )
        if inherited:
            old = {(f.state, f.key, f.measure) for f in inherited}
            findings = [f for f in findings if (f.state, f.key, f.measure) not in old]
        if not findings or rounds >= max_rounds:
            break
        chosen = _repairs(findings, result.suppressed, current, group_list)
        if not chosen:
            break
        extra |= chosen
    return Protection(
        suppression=result,
        findings=findings,
        inherited=inherited or [],
        rounds=rounds,
        linear_programs=counter[0],
        seconds=round(time.perf_counter() - started, 3),
        extra=frozenset(extra),
    )


def _repairs(
    findings: list[Finding], hidden: frozenset, current: Mapping[Key, Figures], groups: list[Group]
) -> set:
    """One cell to hide per finding: among the published cells whose equations bind it, the
    smallest large enough to close the gap, else the largest; a finding with no binding cell of
    the current release hides the published members of the equations around it."""
    chosen: set = set()
    for finding in findings:
        if chosen & set(finding.binding):
            continue
        candidates = [k for k in finding.binding if k not in hidden]
        if not candidates:
            candidates = [
                k
                for g in groups
                if finding.key in (g.parent, *g.children)
                for k in (g.parent, *g.children)
                if k not in hidden
            ]
        if not candidates:
            continue
        gap = max(finding.required[1] - finding.high, finding.low - finding.required[0], 1)
        index = MEASURES.index(finding.measure)

        def size(key: Key, index: int = index) -> int:
            return current.get(key, EMPTY).measures()[index]

        enough = [k for k in candidates if size(k) >= gap]
        pick = (
            min(enough, key=lambda k: (size(k), repr(k)))
            if enough
            else max(candidates, key=lambda k: (size(k), repr(k)))
        )
        chosen.add(pick)
    return chosen
