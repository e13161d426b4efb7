"""The attacker of the open-data releases, with linear programming (scipy's HiGHS).

Written independently of socle.pilotage.opendata (it reads the published CSV files, not the
module's state), so that the tests do not grade the module with its own reasoning. It knows:

- every published cell of every release (the territorial file, and the school file for the
  sizes of schools);
- the public hierarchy (nation → régions académiques → académies → départements), hence
  `parent = Σ children` for every numerator and denominator, in every state of the data;
- that counts are non-negative and a numerator never exceeds its denominator;
- cross-indicator links: NSI pupils and terminale pupils of a territory are at most the pupils of
  its lycées; 6e and 3e pupils together at most the pupils of its collèges (school sizes are in
  the school file);
- which releases show the same state of the data, and — generously — which cells changed between
  two states (a reader may know which school declared late: every cell outside its chain is
  unchanged) and that a late declaration only adds (numerators, denominators and complements
  do not go down).

For a cell (or the change of a cell between two states) it returns the smallest and largest
values compatible with all of that: two linear programs."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_array

LEVELS = {
    "nation": "nation",
    "region_academique": "region",
    "academie": "academie",
    "departement": "departement",
}
# Indicators tied by a public bound, and the school level whose pupils bound them.
LINKS = [
    (("nsi_girls_share",), "lycee"),
    (("pix_certification_terminale",), "lycee"),
    (("pix_6e_attestation", "pix_certification_3e"), "college"),
    (("teachers_pix_edu",), None),
]


@dataclass
class Release:
    """What one release published: (level, code, indicator) → (numerator, denominator), None
    for a secret cell; every row of the file is there (a missing row: no school in scope)."""

    state: int
    cells: dict[tuple[str, str, str], tuple[int, int] | None] = field(default_factory=dict)
    pupils: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (level, code, school level)


def read(directory: Path, state: int) -> Release:
    release = Release(state)
    with (directory / "indicateurs-territoriaux.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            key = (LEVELS[row["niveau_territorial"]], row["code_territoire"], row["code_indicateur"])
            if row["statut"] == "secret statistique":
                release.cells[key] = None
            else:
                release.cells[key] = (int(row["numerateur"] or 0), int(row["denominateur"] or 0))
    schools = directory / "indicateurs-etablissements.csv"
    if schools.exists():
        with schools.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                if row["code_indicateur"] != "statements_per_pupil" or not row["denominateur"]:
                    continue
                pupils = int(row["denominateur"])
                for level, code in (
                    ("nation", "FR"),
                    ("region", row["code_region_academique"]),
                    ("academie", row["code_academie"]),
                    ("departement", row["code_departement"]),
                ):
                    slot = (level, code, row["niveau_etablissement"])
                    release.pupils[slot] = release.pupils.get(slot, 0) + pupils
    return release


class Attacker:
    def __init__(
        self,
        groups: Iterable[tuple[tuple[str, str], tuple[tuple[str, str], ...]]],
        releases: list[Release],
        changes: Mapping[tuple[int, int], Mapping[tuple[str, str, str], str]] | None = None,
    ):
        """`changes[(v, w)][(level, code, indicator)]` is "added" (it only grew between states
        v < w) or "changed" (it may have moved either way); any cell not listed is known to be
        unchanged."""
        self.groups = [(parent, tuple(children)) for parent, children in groups]
        self.releases = releases
        self.states = sorted({r.state for r in releases})
        self.changes = changes or {}
        self.pupils: dict = {}
        for release in releases:
            self.pupils.update(release.pupils)
        self.rows = {key for r in releases for key in r.cells}  # cells that exist
        self.known: dict[tuple, int] = {}  # (state, level, code, indicator, m) → value
        for release in releases:
            for (level, code, indicator), figures in release.cells.items():
                if figures is not None:
                    for m in (0, 1):
                        self.known[(release.state, level, code, indicator, m)] = figures[m]
        self.linear_programs = 0
        self._models: dict = {}

    def hidden(self, state: int) -> set[tuple[str, str, str]]:
        """Cells with a row but no published figures in any release of `state`."""
        return {
            key
            for key in self.rows
            if (state, *key, 0) not in self.known
            and any(r.state == state and key in r.cells for r in self.releases)
        }

    # --- the linear program of one set of linked indicators -------------------------------------
    def _model(self, indicators: tuple[str, ...]):
        if indicators in self._models:
            return self._models[indicators]
        link_level = next((level for group, level in LINKS if set(indicators) <= set(group)), None)
        variables: dict[tuple, int] = {}

        def var(item):
            if item not in variables:
                variables[item] = len(variables)
            return variables[item]

        def term(state, territory, indicator, m):
            """(index, 0) for an unknown, (None, value) for a known figure (0 with no row)."""
            key = (*territory, indicator)
            if key not in self.rows:
                return None, 0.0
            if (state, *key, m) in self.known:
                return None, float(self.known[(state, *key, m)])
            return var((state, *key, m)), 0.0

        eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []

        def add(terms, rhs, kind):
            row, constant = defaultdict(float), 0.0
            for (index, value), coefficient in terms:
                if index is None:
                    constant += coefficient * value
                else:
                    row[index] += coefficient
            row = {i: c for i, c in row.items() if c}
            if not row:
                return
            (eq_rows if kind == "eq" else ub_rows).append(row)
            (eq_rhs if kind == "eq" else ub_rhs).append(rhs - constant)

        for state in self.states:
            for indicator in indicators:
                for parent, children in self.groups:
                    for m in (0, 1):
                        terms = [(term(state, parent, indicator, m), 1.0)]
                        terms += [(term(state, child, indicator, m), -1.0) for child in children]
                        add(terms, 0.0, "eq")
                for key in self.rows:
                    if key[2] == indicator:
                        territory = key[:2]
                        add(
                            [
                                (term(state, territory, indicator, 0), 1.0),
                                (term(state, territory, indicator, 1), -1.0),
                            ],
                            0.0,
                            "ub",
                        )
            if link_level is not None:
                for territory in {key[:2] for key in self.rows if key[2] in indicators}:
                    bound = self.pupils.get((*territory, link_level))
                    if bound is not None:
                        add([(term(state, territory, i, 1), 1.0) for i in indicators], float(bound), "ub")
        for (v, w), changed in self.changes.items():
            for key in self.rows:
                if key[2] not in indicators:
                    continue
                kind = changed.get(key, "unchanged")
                if kind == "changed":
                    continue
                for parts in (((0, 1.0),), ((1, 1.0),), ((1, 1.0), (0, -1.0))):
                    terms = [(term(w, key[:2], key[2], m), c) for m, c in parts]
                    terms += [(term(v, key[:2], key[2], m), -c) for m, c in parts]
                    if kind == "unchanged":
                        add(terms, 0.0, "eq")
                    else:  # added: w − v ≥ 0
                        add([(t, -c) for t, c in terms], 0.0, "ub")
        model = (
            variables,
            _matrix(eq_rows, len(variables)),
            np.array(eq_rhs),
            _matrix(ub_rows, len(variables)),
            np.array(ub_rhs),
        )
        self._models[indicators] = model
        return model

    def _range(self, indicators, objective_terms) -> tuple[float, float]:
        variables, a_eq, b_eq, a_ub, b_ub = self._model(indicators)
        c = np.zeros(len(variables))
        constant = 0.0
        for item, coefficient in objective_terms:
            if item in self.known or item[1:4] not in self.rows:
                constant += coefficient * self.known.get(item, 0)
            else:
                c[variables[item]] += coefficient
        if not c.any():
            return constant, constant
        found = []
        for sense in (1.0, -1.0):
            self.linear_programs += 1
            result = linprog(
                sense * c,
                A_eq=a_eq if b_eq.size else None,
                b_eq=b_eq if b_eq.size else None,
                A_ub=a_ub if b_ub.size else None,
                b_ub=b_ub if b_ub.size else None,
                bounds=(0, None),
                method="highs",
            )
            if result.status == 3:
                found.append(-sense * np.inf)
            else:
                assert result.status == 0, result.message
                found.append(sense * result.fun)
        return found[0] + constant, found[1] + constant

    def _link(self, indicator: str) -> tuple[str, ...]:
        return next((group for group, _level in LINKS if indicator in group), (indicator,))

    @staticmethod
    def _measure(state, key, m):
        """numerator (0), denominator (1), complement (2) as (item, coefficient) terms."""
        items = {0: ((0, 1.0),), 1: ((1, 1.0),), 2: ((1, 1.0), (0, -1.0))}[m]
        return [((state, *key, part), coefficient) for part, coefficient in items]

    def bounds(self, state: int, key: tuple[str, str, str], m: int) -> tuple[float, float]:
        return self._range(self._link(key[2]), self._measure(state, key, m))

    def change_bounds(self, v: int, w: int, key: tuple[str, str, str], m: int) -> tuple[float, float]:
        terms = self._measure(w, key, m) + [(item, -c) for item, c in self._measure(v, key, m)]
        return self._range(self._link(key[2]), terms)


def _matrix(rows: list[dict[int, float]], width: int):
    matrix = lil_array((len(rows), width))
    for i, row in enumerate(rows):
        for j, coefficient in row.items():
            matrix[i, j] = coefficient
    return matrix.tocsr()
