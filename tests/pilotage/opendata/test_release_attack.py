"""The attacker as a test (issue #20): on a realistic world built by the demo generators, every
release the command writes — the full export, every subset of the territorial levels, and a
second release after a late declaration — is attacked together with all the others by linear
programming (lp_attacker.py). For every suppressed sensitive cell, and for every sensitive
change between the two states of the data, the interval a reader can prove must contain the
protection interval (docs/pilotage-opendata.md): nothing pinned, no small cell bounded below the
threshold. The same attacker breaks the old behaviour (patterns computed per level subset, a
second release ignoring the first), so these tests can fail.

Combinations of releases: a reader who holds more releases has more constraints, so the
interval under any combination contains the interval under all of them together; attacking the
union of every release is therefore the strongest attack, and it is the one asserted (with each
state on its own besides)."""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from rdflib import Graph
from rdflib import namespace as ns

from socle.pilotage import demo, services
from socle.pilotage import facts as facts_module
from socle.pilotage.collecte import services as collecte
from socle.pilotage.models import ImmutableRelease, OpenDataRelease, ReleaseCell
from socle.pilotage.opendata import export as export_module
from socle.pilotage.opendata.disclosure import Figures, Group, Rules, suppress
from socle.referentiel import models as rm

from . import realistic_world
from .lp_attacker import Attacker, Release, read

THRESHOLD = 10
MIN_SCHOOLS = 3
INTERVAL = 0.10
TERRITORY_LEVELS = ("nation", "region", "academie", "departement")
PERSONS = (
    "teachers_pix_edu",
    "pix_6e_attestation",
    "pix_certification_3e",
    "pix_certification_terminale",
    "nsi_girls_share",
)


# --- The test's own statement of the rules (independent of the module) ----------------------------
def sensitive(units: list[tuple[int, int]]) -> bool:
    """A group of schools' figures may not be published (issue #20, "Primary rules")."""
    n, d = sum(u[0] for u in units), sum(u[1] for u in units)
    if n == 0 and d == 0:
        return False
    contributors = [u for u in units if u != (0, 0)]

    def small(x):
        return 0 < x < THRESHOLD

    dominant = any(u[1] > 0.85 * d or (n and u[0] > 0.85 * n) for u in contributors)
    return (
        small(d)
        or small(n)
        or small(d - n)
        or n == 0
        or n == d
        or len(contributors) < MIN_SCHOOLS
        or dominant
    )


def required(value: int) -> tuple[int, int]:
    """The protection interval of a sensitive count (τ-ARGUS protection levels, 10 %; a small
    value must be able to reach the threshold)."""
    margin = max(1, math.ceil(INTERVAL * abs(value)))
    lower = min(abs(value), margin)
    upper = margin if abs(value) >= THRESHOLD else max(margin, THRESHOLD - abs(value))
    return (value - lower, value + upper) if value >= 0 else (value - upper, value + lower)


@dataclass
class Truth:
    """The real figures of one state of the data."""

    cells: dict = field(default_factory=dict)  # (level, code, indicator) → (n, d)
    units: dict = field(default_factory=dict)  # (level, code, indicator) → [(n, d) per school]


def capture() -> Truth:
    truth = Truth()
    chains = services.school_territories()
    for indicator in PERSONS:
        for level in TERRITORY_LEVELS:
            for value in services.values(indicator, level=level):
                truth.cells[(level, value.territory_code, indicator)] = (
                    value.numerator or 0,
                    value.denominator or 0,
                )
        for value in services.values(indicator, level="school"):
            if value.numerator is None or value.denominator is None:
                continue
            chain = chains[value.territory_code]
            for level in TERRITORY_LEVELS:
                code = "FR" if level == "nation" else chain[level]
                truth.units[(level, code, indicator)] = [
                    *truth.units.get((level, code, indicator), []),
                    (value.territory_code, value.numerator, value.denominator),
                ]
    return truth


def hierarchy() -> list[tuple[tuple[str, str], tuple]]:
    """The public hierarchy, from the Référentiel's territories (the COG)."""
    groups = [
        (("nation", "FR"), tuple(("region", r.code) for r in rm.RegionAcademique.objects.order_by("code")))
    ]
    for region in rm.RegionAcademique.objects.order_by("code"):
        groups.append(
            (("region", region.code), tuple(("academie", a.code) for a in region.academies.order_by("code")))
        )
    for academie in rm.Academie.objects.order_by("code"):
        departements = academie.departements.order_by("code")
        groups.append((("academie", academie.code), tuple(("departement", d.code) for d in departements)))
    return groups


@dataclass
class Scenario:
    releases: list[Release]
    directories: dict[str, Path]
    truths: dict[int, Truth]
    late_uai: str
    subsets: list[tuple[str, ...]]
    groups: list
    report: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, then release 1 (every level), one release per subset of the territorial levels,
    a late declaration, and a last release of every level."""
    base = tmp_path_factory.mktemp("releases")
    with django_db_blocker.unblock(), transaction.atomic():
        realistic_world.build(seed=1)
        demo.seed(io.StringIO())
        vintage = services.default_vintage()
        truths = {1: capture()}
        releases, directories = [], {}

        def release(name, state, levels):
            target = base / name
            export_module.export(target, levels=levels)
            directories[name] = target
            releases.append(read(target, state))

        release("full", 1, ("nation", "region", "academie", "departement", "school"))
        subsets = [combo for size in range(1, 5) for combo in itertools.combinations(TERRITORY_LEVELS, size)]
        for combo in subsets:
            release("-".join(combo), 1, combo)
        # A lycée that had not declared declares late: its Pix and equipment figures.
        declared = {row["uai"] for row in collecte.latest_declarations(vintage)}
        rows = {row["uai"]: row for row in facts_module.extract(vintage).table.to_pylist()}
        late = next(
            uai for uai, row in sorted(rows.items())
            if row["school_level"] == "lycee" and uai not in declared and (row["pupils_tle"] or 0) > 0
        )  # fmt: skip
        collecte.write_many(
            None, [(late, vintage, kind, values) for kind, values in demo._declarations(rows[late])], "csv"
        )
        services.recompute(vintage, uais=[late])
        truths[2] = capture()
        release("late", 2, ("nation", "region", "academie", "departement", "school"))
        yield Scenario(releases, directories, truths, late, subsets, hierarchy())
        transaction.set_rollback(True)


def changes(truths: dict[int, Truth]) -> dict:
    """What the generous attacker knows of the change between the two states: which cells
    changed (those of the late school's chain), and that a late declaration only adds."""
    found = {}
    for key in set(truths[1].units) | set(truths[2].units):
        if sorted(truths[1].units.get(key, [])) != sorted(truths[2].units.get(key, [])):
            found[key] = "added"
    return {(1, 2): found}


def attack(attacker: Attacker, truths: dict[int, Truth], states=(1, 2)) -> dict:
    """Every suppressed cell of every state, and every change between the states: how narrowly
    the attacker bounds them. Returns the failures and the figures."""
    failures, widths, tested, pinned_secondary = [], [], 0, 0
    for state in states:
        if state not in truths:
            continue
        truth = truths[state]
        for key in sorted(attacker.hidden(state)):
            n, d = truth.cells.get(key, (0, 0))
            units = [(u[1], u[2]) for u in truth.units.get(key, [])]
            if (n, d) == (0, 0):
                continue
            if not sensitive(units):
                low, high = attacker.bounds(state, key, 1)
                pinned_secondary += high - low < 0.5
                continue
            for m, value in enumerate((n, d, d - n)):
                tested += 1
                low, high = attacker.bounds(state, key, m)
                lo_needed, hi_needed = required(value)
                widths.append(high - low)
                if high - low < 0.5 or low > lo_needed + 1e-6 or high < hi_needed - 1e-6:
                    failures.append((state, key, m, value, low, high, (lo_needed, hi_needed)))
    if 1 in truths and 2 in truths and 2 in states:
        for key in sorted(set(truths[1].units) | set(truths[2].units)):
            before = {u[0]: (u[1], u[2]) for u in truths[1].units.get(key, [])}
            after = {u[0]: (u[1], u[2]) for u in truths[2].units.get(key, [])}
            changed = [
                (
                    abs(after.get(s, (0, 0))[0] - before.get(s, (0, 0))[0]),
                    abs(after.get(s, (0, 0))[1] - before.get(s, (0, 0))[1]),
                )
                for s in set(before) | set(after)
                if after.get(s) != before.get(s)
            ]
            if not changed or not sensitive(changed):
                continue
            old, new = truths[1].cells.get(key, (0, 0)), truths[2].cells.get(key, (0, 0))
            for m, value in enumerate(
                (new[0] - old[0], new[1] - old[1], (new[1] - new[0]) - (old[1] - old[0]))
            ):
                tested += 1
                low, high = attacker.change_bounds(1, 2, key, m)
                lo_needed, hi_needed = required(value)
                widths.append(high - low)
                if high - low < 0.5 or low > lo_needed + 1e-6 or high < hi_needed - 1e-6:
                    failures.append(((1, 2), key, m, value, low, high, (lo_needed, hi_needed)))
    return {
        "failures": failures,
        "tested": tested,
        "pinned": sum(1 for f in failures if f[5] - f[4] < 0.5),
        "min_width": min(widths) if widths else None,
        "pinned_secondary": pinned_secondary,
        "linear_programs": attacker.linear_programs,
    }


# --- The tests ---------------------------------------------------------------------------------------
def test_the_world_is_realistic(scenario, db):
    """NSI around DEPP's figures, départements with one or two lycées, small lycées: what makes
    secrecy work."""
    truth = scenario.truths[1]
    nsi = truth.cells[("nation", "FR", "nsi_girls_share")]
    assert 0.12 < nsi[0] / nsi[1] < 0.25  # girls among NSI pupils (DEPP 2023: 19.3 % / 15.2 %)
    lycees = defaultdict(int)
    for chain in services.school_territories().values():
        if chain["school_level"] == "lycee":
            lycees[chain["departement"]] += 1
    assert sum(1 for count in lycees.values() if count <= 2) >= 8
    pupils = {
        v.territory_code: v.denominator for v in services.values("statements_per_pupil", level="school")
    }
    sizes = sorted(
        pupils[uai] for uai, c in services.school_territories().items() if c["school_level"] == "lycee"
    )
    assert sizes[0] < 450  # small lycées exist
    rows = [row for row in _rows(scenario.directories["full"]) if row["code_indicateur"] in PERSONS]
    assert sum(row["statut"] == "secret statistique" for row in rows) > 20  # suppression is exercised
    assert sum(row["statut"] == "diffusé" for row in rows) > 20  # … and something is published


def test_the_full_release_protects_every_sensitive_cell(scenario, db):
    attacker = Attacker(scenario.groups, scenario.releases[:1])
    result = attack(attacker, scenario.truths, states=(1,))
    scenario.report["full"] = result
    print("full release:", {k: v for k, v in result.items() if k != "failures"})
    assert result["tested"] > 50
    assert result["failures"] == []


def test_every_level_subset_publishes_a_restriction_of_the_one_pattern(scenario, db):
    full = {_key(row): row["statut"] for row in _rows(scenario.directories["full"])}
    for combo in scenario.subsets:
        rows = _rows(scenario.directories["-".join(combo)])
        assert {_key(row)[0] for row in rows} == set(combo)
        for row in rows:
            assert row["statut"] == full[_key(row)], (combo, _key(row))
    # Together they tell the attacker nothing more than the full release.
    attacker = Attacker(scenario.groups, [r for r in scenario.releases if r.state == 1])
    result = attack(attacker, scenario.truths, states=(1,))
    scenario.report["subsets"] = result
    print("full release and 15 level subsets:", {k: v for k, v in result.items() if k != "failures"})
    assert result["failures"] == []


def test_a_late_declaration_discloses_neither_the_school_nor_any_small_cell(scenario, db):
    attacker = Attacker(scenario.groups, scenario.releases, changes(scenario.truths))
    result = attack(attacker, scenario.truths)
    scenario.report["all"] = result
    print("every release, both states:", {k: v for k, v in result.items() if k != "failures"})
    assert result["failures"] == []
    # The late lycée's figures did change something, and the cells that would show it alone are
    # secret in the second release.
    truth = scenario.truths
    changed = [k for k in truth[2].cells if truth[2].cells[k] != truth[1].cells.get(k)]
    assert changed
    late = {_key(row): row["statut"] for row in _rows(scenario.directories["late"])}
    nation = late[("nation", "FR", "pix_certification_terminale")]
    assert nation == "secret statistique"  # the nation's change is the late lycée's declaration


def test_the_attacker_has_teeth(scenario, db):
    """The old behaviour: one pattern per level subset, computed on that subset alone, and a
    second release that ignores the first. The same attacker breaks both."""
    truth = scenario.truths[1]
    rules = Rules()
    naive = []
    for combo in [*scenario.subsets, TERRITORY_LEVELS]:
        groups = _groups_between(scenario.groups, combo)
        release = Release(state=1)
        for indicator in PERSONS:
            tables = [
                {
                    key[:2]: Figures.of((u[1], u[2]) for u in units)
                    for key, units in truth.units.items()
                    if key[2] == indicator
                }
            ]
            hidden = suppress(tables, [Group(p, c) for p, c in groups], rules).suppressed
            for (level, code, ind), figures in truth.cells.items():
                if ind == indicator and level in combo:
                    release.cells[(level, code, ind)] = None if (level, code) in hidden else figures
        naive.append(release)
    result = attack(Attacker(scenario.groups, naive), scenario.truths, states=(1,))
    assert result["failures"], "independent patterns per level subset should leak"
    # A second release ignoring the first: the late lycée's change shows at the nation.
    second = Release(state=2)
    for key, figures in scenario.truths[2].cells.items():
        second.cells[key] = figures
    first = next(r for r in naive if set(k[0] for k in r.cells) == set(TERRITORY_LEVELS))
    leaked = attack(Attacker(scenario.groups, [first, second], changes(scenario.truths)), scenario.truths)
    assert any(f[0] == (1, 2) for f in leaked["failures"])


def test_the_register_records_every_release_and_keeps_them_immutable(scenario, db):
    releases = list(OpenDataRelease.objects.order_by("number"))
    assert len(releases) == 1 + len(scenario.subsets) + 1
    assert all(r.state == OpenDataRelease.State.PUBLISHED and r.published_at for r in releases)
    first, last = releases[0], releases[-1]
    assert first.levels == ["nation", "region", "academie", "departement", "school"]
    assert (first.threshold, first.min_contributors) == (THRESHOLD, MIN_SCHOOLS)
    assert first.cells_suppressed > 0 and first.cells_published > 0
    for name, entry in last.files.items():
        path = scenario.directories["late"] / name
        assert path.stat().st_size == entry["bytes"]
    # Published: frozen, in code.
    first.threshold = 5
    with pytest.raises(ImmutableRelease):
        first.save()
    with pytest.raises(ImmutableRelease):
        first.delete()
    with pytest.raises(ImmutableRelease):
        OpenDataRelease.objects.filter(pk=first.pk).update(threshold=5)
    cell = ReleaseCell.objects.filter(release=first).first()
    cell.hidden = not cell.hidden
    with pytest.raises(ImmutableRelease):
        cell.save()
    with pytest.raises(ImmutableRelease):
        ReleaseCell.objects.filter(release=first).update(hidden=False)
    with pytest.raises(ImmutableRelease):
        ReleaseCell.objects.filter(release=first).delete()
    with pytest.raises(ImmutableRelease):
        ReleaseCell.objects.bulk_create([ReleaseCell(release=first, vintage="2025-2026", indicator_code="x",
                                                     level="nation", territory_code="FR")])  # fmt: skip
    assert OpenDataRelease.objects.get(pk=first.pk).threshold == THRESHOLD


def test_dcat_lists_every_release_with_its_date(scenario, db):
    graph = Graph().parse(scenario.directories["late"] / "dcat.jsonld", format="json-ld")
    (dataset,) = [
        s for s in graph.subjects(ns.RDF.type, ns.DCAT.Dataset) if str(s).endswith("#jeu-de-donnees")
    ]
    versions = list(graph.objects(dataset, ns.DCTERMS.hasVersion))
    releases = list(OpenDataRelease.objects.order_by("number"))
    assert len(versions) == len(releases)
    issued = sorted(graph.value(v, ns.DCTERMS.issued).toPython() for v in versions)
    assert issued == [r.created_at.replace(microsecond=0) for r in releases]
    assert str(graph.value(dataset, ns.OWL.versionInfo)) == str(releases[-1].number)
    assert graph.value(dataset, ns.DCTERMS.issued).toPython() == releases[0].created_at.replace(microsecond=0)


def test_the_command_lists_the_releases(scenario, db, capsys):
    call_command("opendata", "releases")
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 + len(scenario.subsets) + 1
    assert "published" in out and "threshold 10/3" in out


# --- helpers ---------------------------------------------------------------------------------------
def _rows(directory: Path) -> list[dict]:
    with (directory / "indicateurs-territoriaux.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _key(row: dict) -> tuple[str, str, str]:
    level = {"region_academique": "region"}.get(row["niveau_territorial"], row["niveau_territorial"])
    return (level, row["code_territoire"], row["code_indicateur"])


def _groups_between(groups, levels) -> list:
    """The equations a release of `levels` shows: each chosen level over the next chosen one."""
    children = {parent: kids for parent, kids in groups}
    found = []
    chosen = [level for level in TERRITORY_LEVELS if level in levels]
    for upper, lower in itertools.pairwise(chosen):
        parents = [("nation", "FR")]
        while parents and parents[0][0] != upper:
            parents = [c for p in parents for c in children.get(p, ())]
        for parent in parents:
            frontier = [parent]
            while frontier and frontier[0][0] != lower:
                frontier = [c for p in frontier for c in children.get(p, ())]
            found.append((parent, tuple(frontier)))
    return found
