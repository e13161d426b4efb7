"""French full-text search with facets: PostgreSQL (the test database) and SQLite FTS5."""

import sqlite3

import pytest

from socle.ressources import search
from socle.ressources.models import Resource, Status

from .conftest import qualify_all

pytestmark = pytest.mark.django_db
GEOMETRY = "ark:/86527/geometrie-cycle3"
PHYSICS = "ark:/86527/physique-college"
LECTURE = "ark:/86527/lecture-cycle2"


@pytest.fixture
def catalogue(world, imported):
    qualify_all(world, [GEOMETRY, PHYSICS, LECTURE])


def arks(result):
    return [r.ark for r in result.resources]


def test_french_stemming_and_accents_on_postgresql(catalogue):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert arks(search.search("géométrie")) == [GEOMETRY]  # the notice says "géométriques", "géométrie"
    assert arks(search.search("geometrique")) == [GEOMETRY]  # no accent typed
    assert arks(search.search("expérience électrique")) == [PHYSICS]  # "expériences", "électriques"
    assert arks(search.search("lire histoire")) == [LECTURE]  # "lire", "histoires"
    assert arks(search.search("progrès élèves")) == [LECTURE]
    assert arks(search.search("activité pédagogique")) == [GEOMETRY]  # a vocabulary label
    assert search.search("astronomie").total == 0


def test_title_ranks_first(catalogue):
    # "laboratoire" in PHYSICS' title; make GEOMETRY mention it in its body only.
    geometry = Resource.objects.get(ark=GEOMETRY)
    geometry.description += " Un laboratoire de figures."
    geometry.save()
    search.reindex([geometry])
    assert arks(search.search("laboratoire")) == [PHYSICS, GEOMETRY]


def test_only_qualified_are_searched(world, imported):
    qualify_all(world, [GEOMETRY])
    assert arks(search.search("")) == [GEOMETRY]
    assert search.search("lire").total == 0
    assert arks(search.search("lire", statuses=[Status.DRAFT])) == [LECTURE]


def facet(result, name):
    return {v.value: (v.count, v.selected) for v in next(f for f in result.facets if f.name == name).values}


def test_facets_count_and_filter(catalogue):
    result = search.search("")
    assert result.total == 3
    assert facet(result, "cycle") == {"2": (1, False), "3": (1, False), "4": (2, False)}
    assert facet(result, "nature") == {"commun": (1, False), "edtech": (2, False)}
    assert facet(result, "results") == {"yes": (2, False), "no": (1, False)}
    assert facet(result, "concentration") == {"short": (1, False), "medium": (1, False), "long": (1, False)}
    assert facet(result, "level") == {
        "scolomfr-voc-022-num-016": (1, False),
        "scolomfr-voc-022-num-023": (1, False),
    }
    levels = next(f for f in result.facets if f.name == "level")
    assert [v.label for v in levels.values] == ["5e", "collège"]

    cycle4 = search.search("", {"cycle": ["4"]})
    assert sorted(arks(cycle4)) == [GEOMETRY, PHYSICS]
    # Disjunctive counts: the cycle facet still shows what choosing another cycle would add.
    assert facet(cycle4, "cycle") == {"2": (1, False), "3": (1, False), "4": (2, True)}
    assert facet(cycle4, "nature") == {"edtech": (2, False)}
    both = search.search("", {"cycle": ["4", "2"], "results": ["yes"]})
    assert sorted(arks(both)) == [GEOMETRY, LECTURE]
    with_text = search.search("laboratoire", {"usage": ["at_home"]})
    assert arks(with_text) == [PHYSICS]
    assert search.search("", {"domain": ["scolomfr-voc-015-num-991"]}).total == 1
    assert search.search("", {"unknown": ["x"]}).total == 3  # unknown facets are ignored


def test_pagination(catalogue):
    first = search.search("", per_page=2)
    second = search.search("", per_page=2, page=2)
    assert (first.total, first.pages, len(first.resources)) == (3, 2, 2)
    assert len(second.resources) == 1
    assert search.search("", per_page=2, page=99).page == 2


def test_fts5_path_on_sqlite():
    """The SQLite engine's functions on a real SQLite database (FTS5 compiled in)."""
    connection = sqlite3.connect(":memory:")
    cursor = connection.cursor()
    search.fts5_install(cursor)
    search.fts5_index(
        cursor,
        [
            (1, "Atelier de constructions géométriques", "exercices de géométrie plane, quadrilatères"),
            (2, "Laboratoire virtuel de physique-chimie", "expériences sur les circuits électriques"),
            (3, "Lire avec Lou", "histoires à lire, progrès des élèves, géométrie des lettres"),
        ],
    )
    assert search.fts5_match(cursor, "géométrie") == [1, 3]  # title match ranks first
    assert search.fts5_match(cursor, "geometrique") == [1, 3]
    assert search.fts5_match(cursor, "électrique expérience") == [2]
    assert search.fts5_match(cursor, "élève") == [3]
    assert search.fts5_match(cursor, 'AND OR "NEAR(') == []  # operators are quoted, not parsed
    assert search.fts5_match(cursor, "") == []
    search.fts5_index(cursor, [(3, "Lire avec Lou", "histoires")])  # re-index replaces
    assert search.fts5_match(cursor, "géométrie") == [1]
    search.fts5_remove(cursor, [1])
    assert search.fts5_match(cursor, "géométrie") == []


def test_stems():
    assert search.french_stems("Géométrie géométriques") == ["geometr", "geometr"]
    assert search.fts5_expression("les élèves de la classe") == '"elev"* AND "class"*'


SQLITE_SCRIPT = """
import io
import django
django.setup()
from django.db import connection
from socle.ressources import demo
from socle.ressources.search import search
demo.seed(io.StringIO())
demo.seed(io.StringIO())
print(connection.vendor)
print([r.ark for r in search("géométrie").resources])
print([r.ark for r in search("expérience electrique").resources])
print(search("", {"cycle": ["4"]}).total)
"""


def test_embedded_sqlite_default_end_to_end(tmp_path):
    """The embedded default: migrations create the FTS5 table, the demo seed indexes, search finds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'socle.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "socle.settings.dev",
        "PYTHONPATH": str(root / "src"),
    }
    run = dict(cwd=root, env=env, capture_output=True, text=True, timeout=600)
    migrate = subprocess.run([sys.executable, "-m", "socle.cli", "migrate", "-v0"], **run)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    result = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], **run)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-4:] == [
        "sqlite",
        "['ark:/86527/demo-geometrie']",
        "['ark:/86527/demo-laboratoire']",
        "7",
    ]
