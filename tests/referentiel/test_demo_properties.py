"""Properties of the demo generator that hold for any seed, checked in memory (no database):
valid UAIs and INEs, ages consistent with levels, class sizes within bounds, one teacher per
class and subject, siblings sharing their guardians."""

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from socle.referentiel.codes import is_plausible_ine, uai_problem
from socle.referentiel.demo import specialites
from socle.referentiel.demo.generator import (
    ClusterBuilder,
    Dept,
    build_tiny,
    commune_codes,
    demo_ine_problem,
    make_ine,
    plan_departement,
    tiny_spec,
)
from socle.referentiel.demo.reference import BIRTH_YEAR, CLASS_SIZE, SUBJECT_HOURS, size_band

DEPTS = [Dept("35", "14", "53"), Dept("2A", "27", "94"), Dept("974", "28", "04")]


def check_cluster(cluster) -> None:
    people, divisions = cluster.people, cluster.divisions
    sizes = defaultdict(int)
    for person, division in cluster.enrolments:
        level = divisions[division][4]
        birth = people[person][4]
        assert birth.year in (BIRTH_YEAR[level], BIRTH_YEAR[level] - 1)
        assert is_plausible_ine(people[person][3]) and demo_ine_problem(people[person][3]) is None
        sizes[division] += 1
    for d, division in enumerate(divisions):
        _mean, low, high = CLASS_SIZE[size_band(division[4])]
        assert low <= sizes[d] <= high
    taught = defaultdict(list)
    for _teacher, d, matiere in cluster.teaching:
        taught[d].append(matiere)
    for d, division in enumerate(divisions):
        assert sorted(taught[d]) == sorted(code for code, _h in SUBJECT_HOURS[division[4]])
    guardians = defaultdict(set)
    children = defaultdict(set)
    for guardian, pupil, _rel in cluster.guardianships:
        guardians[pupil].add(guardian)
        children[guardian].add(pupil)
    assert set(guardians) == set(cluster.pupils)
    for kids in children.values():
        assert len({frozenset(guardians[k]) for k in kids}) == 1
        assert len({people[k][1] for k in kids}) == 1
    assert len({people[p][3] for p in cluster.pupils}) == len(cluster.pupils)
    check_groups(cluster)


def check_groups(cluster) -> None:
    """NSI groups: pupils of the same school and level, each in at most one group of the level,
    taught NSI by one teacher; no group outside the lycées with a general track."""
    division_of = {person: d for person, d in cluster.enrolments}
    members = defaultdict(list)
    for person, g in cluster.group_enrolments:
        members[g].append(person)
    assert set(members) == set(range(len(cluster.groups)))
    seen = set()
    for g, (_uid, school, _code, _name, level) in enumerate(cluster.groups):
        assert cluster.spec.schools[school].type in ("lycee_gt", "lycee_polyvalent")
        assert level in specialites.NSI_SHARE
        assert 1 <= len(members[g]) <= specialites.MAX_GROUP_SIZE
        for person in members[g]:
            _duid, d_school, _dcode, _dname, d_level = cluster.divisions[division_of[person]]
            assert (d_school, d_level) == (school, level) and person not in seen
            seen.add(person)
    assert sorted(g for _t, g, m in cluster.group_teaching if m == specialites.NSI) == list(
        range(len(cluster.groups))
    )


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63), dept=st.sampled_from(DEPTS))
def test_any_seed_gives_a_plausible_world(seed, dept):
    specs = plan_departement(f"test:{seed}", dept, 4000, 0, {}, commune_codes(dept.code))
    for spec in specs:
        assert all(uai_problem(school.uai) is None for school in spec.schools)
        assert all(school.commune_code.startswith(dept.code) for school in spec.schools)
        check_cluster(ClusterBuilder(f"test:{seed}", spec).build())


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_any_seed_gives_the_tiny_personas(seed):
    spec = tiny_spec(DEPTS[0], seed, "35950")
    cluster = build_tiny(ClusterBuilder(f"tiny:{seed}", spec), seed)
    check_cluster(cluster)
    names = {(p[2], p[1]) for p in cluster.people}
    assert {("Léa", "Moreau"), ("Inès", "Moreau"), ("Karim", "Moreau"), ("Claire", "Martin")} <= names


def test_same_key_builds_the_same_cluster_and_another_key_another():
    spec = plan_departement("k", DEPTS[0], 3000, 0, {}, commune_codes("35"))[0]
    a, b = ClusterBuilder("k", spec).build(), ClusterBuilder("k", spec).build()
    c = ClusterBuilder("other", spec).build()
    assert a.people == b.people and a.teaching == b.teaching and a.guardianships == b.guardianships
    assert a.marker != c.marker and a.people[:20] != c.people[:20]


def test_nsi_shares_follow_the_depp_figures():
    """Over many lycées, NSI pupils are ~10 % of 1re and ~4 % of terminale, girls ~19 % and
    ~15 % of them (DEPP, rentrée 2023), and about 64 % of the lycées offer it."""
    import random

    offered = 0
    counts = defaultdict(lambda: defaultdict(int))
    lycees = 2000
    for n in range(lycees):
        rng = random.Random(f"shares:{n}")
        pupils = {level: [(i, "F" if i % 2 else "M") for i in range(200)] for level in specialites.NSI_SHARE}
        groups = specialites.nsi_groups(rng, pupils)
        offered += bool(groups)
        for level, _code, _name, members in groups:
            counts[level]["nsi"] += len(members)
            counts[level]["girls"] += sum(1 for i in members if i % 2)
    assert 0.60 < offered / lycees < 0.68
    for level, share in specialites.NSI_SHARE.items():
        assert abs(counts[level]["nsi"] / (200 * lycees) - share) < 0.15 * share, level
        girls = counts[level]["girls"] / counts[level]["nsi"]
        assert abs(girls - specialites.NSI_GIRLS_SHARE[level]) < 0.02, level


@given(number=st.integers(min_value=0, max_value=10**10 - 1))
def test_demo_ine_key(number):
    ine = make_ine(number)
    assert len(ine) == 11 and demo_ine_problem(ine) is None and is_plausible_ine(ine)
    wrong = ine[:10] + ("A" if ine[10] != "A" else "B")
    assert demo_ine_problem(wrong) is not None
