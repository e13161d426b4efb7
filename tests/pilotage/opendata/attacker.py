"""The attacker of the disclosure tests: from the published cells and the `parent = Σ children`
equations, recompute suppressed cells — by repeated subtraction, by exact linear elimination
over the rationals, and by interval reasoning on non-negative counts. Written independently of
socle.pilotage.opendata.disclosure, so that the tests do not grade the module with its own
reasoning."""

from fractions import Fraction


def subtraction_attack(groups, figures, hidden):
    """Repeat 'parent minus published siblings' (or 'sum of the children') until no progress;
    returns the cells recomputed."""
    known = {key: value for key, value in figures.items() if key not in hidden}
    learnt = set()
    progress = True
    while progress:
        progress = False
        for group in groups:
            members = (group.parent, *group.children)
            unknown = [m for m in members if m not in known]
            if len(unknown) != 1:
                continue
            (target,) = unknown
            if target == group.parent:
                known[target] = sum(known[c] for c in group.children)
            else:
                known[target] = known[group.parent] - sum(known[c] for c in group.children if c != target)
            learnt.add(target)
            progress = True
    return learnt


def _equations(groups, unknowns):
    """The row-reduced equations restricted to the unknowns, and the unknowns' column index."""
    index = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for group in groups:
        row = [Fraction(0)] * len(unknowns)
        for key, coefficient in ((group.parent, 1), *((c, -1) for c in group.children)):
            if key in index:
                row[index[key]] += coefficient
        if any(row):
            rows.append(row)
    return index, _row_echelon(rows)


def _in_span(vector, basis):
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot]
            vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
    return not any(vector)


def linear_attack(groups, hidden):
    """Exact elimination over the rationals: a suppressed cell can be recomputed from the
    published ones iff its unit vector lies in the row space of the equations restricted to
    the unknowns. Returns the cells that can."""
    unknowns = sorted(hidden)
    index, basis = _equations(groups, unknowns)
    found = set()
    for key in unknowns:
        vector = [Fraction(0)] * len(unknowns)
        vector[index[key]] = Fraction(1)
        if _in_span(vector, basis):
            found.add(key)
    return found


def small_group_attack(groups, hidden, persons, threshold, max_size=4):
    """Sets of up to `max_size` suppressed cells whose *total* is determined by the published
    cells although it describes fewer than `threshold` persons (a small group learnt as a whole,
    possibly through several levels). Only cells below the threshold can be in such a set."""
    unknowns = sorted(hidden)
    index, basis = _equations(groups, unknowns)
    small = [key for key in unknowns if persons[key] < threshold]
    found = []

    def explore(start, chosen, total):
        if chosen:
            vector = [Fraction(0)] * len(unknowns)
            for key in chosen:
                vector[index[key]] = Fraction(1)
            if _in_span(vector, basis):
                found.append(tuple(chosen))
        if len(chosen) == max_size:
            return
        for i in range(start, len(small)):
            if total + persons[small[i]] < threshold:
                explore(i + 1, [*chosen, small[i]], total + persons[small[i]])

    explore(0, [], 0)
    return found


def _row_echelon(rows):
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        for pivot, base in basis:
            if row[pivot]:
                factor = row[pivot]
                row = [v - factor * b for v, b in zip(row, base, strict=True)]
        pivot = next((i for i, v in enumerate(row) if v), None)
        if pivot is None:
            continue
        row = [v / row[pivot] for v in row]
        # keep the basis reduced on the new pivot so later reductions stay exact
        basis = [(p, [b - base[pivot] * r for b, r in zip(base, row, strict=True)]) for p, base in basis]
        basis.append((pivot, row))
    return basis


def interval_attack(groups, figures, hidden):
    """Bounds on every suppressed count from the equations and non-negativity, tightened until
    stable. Returns {cell: (low, high)}."""
    total = max(figures.values(), default=0)
    bounds = {key: ((value, value) if key not in hidden else (0, total)) for key, value in figures.items()}
    changed = True
    while changed:
        changed = False
        for group in groups:
            lo_sum = sum(bounds[c][0] for c in group.children)
            hi_sum = sum(bounds[c][1] for c in group.children)
            updates = {group.parent: (lo_sum, hi_sum)}
            p_lo, p_hi = bounds[group.parent]
            for child in group.children:
                c_lo, c_hi = bounds[child]
                updates[child] = (p_lo - (hi_sum - c_hi), p_hi - (lo_sum - c_lo))
            for key, (lo, hi) in updates.items():
                old_lo, old_hi = bounds[key]
                new = (max(old_lo, lo), min(old_hi, hi))
                if new != (old_lo, old_hi):
                    bounds[key] = new
                    changed = True
    return {key: bounds[key] for key in hidden}
