"""Closed data by role on the steering pages: who sees which schools and territories, that a
teacher sees nothing, and that every view of closed data is logged."""

# The fixtures imported from the collecte's conftest are used as arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

import pytest

from socle.identite.models import SecurityEvent
from socle.pilotage.collecte.models import IndicatorAccess
from tests.pilotage.collecte.conftest import client_for, steering, world  # noqa: F401

pytestmark = pytest.mark.django_db


def listed(client) -> str:
    return client.get("/pilotage/etablissements/").content.decode()


def test_departement_officer_sees_its_colleges_not_the_ecoles(steering, client_for):
    client = client_for(steering.user("departement"))
    html = listed(client)
    assert "Collège Simone Veil" in html
    for other in ("École Jacques Prévert", "Lycée Marie Curie", "Collège de Brest", "Collège de Créteil"):
        assert other not in html
    college, ecole = steering.schools["college"].uai, steering.schools["ecole"].uai
    assert client.get(f"/pilotage/etablissements/{college}/").status_code == 200
    assert client.get(f"/pilotage/etablissements/{ecole}/").status_code == 403
    assert client.get(f"/pilotage/etablissements/{steering.schools['college_brest'].uai}/").status_code == 403
    dashboard = client.get("/pilotage/")
    assert dashboard.status_code == 200
    assert dashboard.context["selection"].code == "departement:35"
    assert {row["code"] for row in dashboard.context["children"]} == {college}
    # Another département's aggregates are not its business.
    assert client.get("/pilotage/", {"territory": "departement:29"}).status_code == 403
    assert client.get("/pilotage/", {"territory": "departement:35"}).status_code == 200
    assert SecurityEvent.objects.filter(kind="authz_denied", user=steering.user("departement")).exists()


def test_head_sees_only_his_school_and_its_territories(steering, client_for):
    client = client_for(steering.user("roux"))
    college = steering.schools["college"]
    html = listed(client)
    assert "Collège Simone Veil" in html and "Collège de Brest" not in html
    page = client.get(f"/pilotage/etablissements/{college.uai}/")
    assert page.status_code == 200
    rows = {row["code"]: row["values"] for row in page.context["rows"]}
    assert any(values[0] is not None for values in rows.values())  # the school's own figures
    assert any(values[5] is not None for values in rows.values())  # the nation's
    headers = [h["name"] for h in page.context["headers"]]
    assert headers[2] == "Ille-et-Vilaine (35)" and headers[3] == "Rennes"
    for key in ("ecole", "lycee", "college_brest"):
        assert client.get(f"/pilotage/etablissements/{steering.schools[key].uai}/").status_code == 403
    for territory in ("commune:35999", "departement:35", "academie:14", "region:53", "nation:FR"):
        assert client.get("/pilotage/", {"territory": territory}).status_code == 200, territory
    for territory in ("departement:29", "academie:24", "collectivite:departement:35", "commune:35238"):
        assert client.get("/pilotage/", {"territory": territory}).status_code == 403, territory
    assert client.get("/pilotage/").context["selection"].code == "35"  # starts from the département
    # Within the département, the head sees no other school listed.
    dashboard = client.get("/pilotage/", {"territory": "commune:35999"})
    assert [row["code"] for row in dashboard.context["children"]] == [college.uai]


@pytest.mark.parametrize("name", ["martin", "lea", "karim", "editeur"])
def test_teacher_pupil_guardian_partner_see_nothing(steering, client_for, name):
    client = client_for(steering.user(name))
    college = steering.schools["college"].uai
    for url in (
        "/pilotage/",
        "/pilotage/etablissements/",
        f"/pilotage/etablissements/{college}/",
        "/pilotage/export/figures.csv",
        f"/pilotage/export/school.csv?uai={college}",
    ):
        assert client.get(url).status_code == 403, url
    assert not IndicatorAccess.objects.exists()


def test_anonymous_is_sent_to_login(steering, client):
    response = client.get("/pilotage/")
    assert response.status_code == 302 and "connexion" in response["Location"]


def test_academie_and_ministry(steering, client_for):
    academie = client_for(steering.user("academie"))
    html = listed(academie)
    for name in ("Collège Simone Veil", "École Jacques Prévert", "Lycée Marie Curie", "Collège de Brest"):
        assert name in html
    assert "Collège de Créteil" not in html
    assert academie.get("/pilotage/", {"territory": "departement:29"}).status_code == 200
    assert academie.get("/pilotage/", {"territory": "academie:24"}).status_code == 403
    dashboard = academie.get("/pilotage/")
    assert dashboard.context["selection"].code == "14"
    assert {row["code"] for row in dashboard.context["children"]} == {"29", "35"}
    assert {row["code"] for row in dashboard.context["map_rows"]} == {"29", "35"}
    ministry = client_for(steering.user("ministere"))
    assert ministry.get("/pilotage/", {"territory": "departement:94"}).status_code == 200
    assert (
        ministry.get(f"/pilotage/etablissements/{steering.schools['college_creteil'].uai}/").status_code
        == 200
    )
    assert {row["code"] for row in ministry.get("/pilotage/").context["map_rows"]} == {"29", "35", "94"}


def test_every_closed_data_view_is_logged(steering, client_for):
    client = client_for(steering.user("roux"))
    college = steering.schools["college"].uai
    client.get(f"/pilotage/etablissements/{college}/")
    client.get("/pilotage/", {"territory": "departement:35"})
    client.get(f"/pilotage/export/school.csv?uai={college}")
    client.get("/pilotage/export/series.csv", {"territory": "academie:14"})
    logged = list(
        IndicatorAccess.objects.order_by("at").values_list("username", "channel", "what", "level", "code")
    )
    assert logged == [
        ("roux", "page", "school_comparison", "school", college),
        ("roux", "page", "dashboard", "departement", "35"),
        ("roux", "csv", "school_comparison", "school", college),
        ("roux", "csv", "csv_series", "academie", "14"),
    ]


def test_csv_downloads_match_the_tables(steering, client_for):
    client = client_for(steering.user("academie"))
    query = {"territory": "academie:14", "indicator": "equip_computers_per_100"}
    dashboard = client.get("/pilotage/", query)
    if dashboard.status_code != 200:  # the indicator code is the catalogue's: take its first one
        query.pop("indicator")
        dashboard = client.get("/pilotage/", query)
    selection = dashboard.context["selection"]
    query["indicator"] = selection.indicator
    children = client.get("/pilotage/export/children.csv", query)
    assert children["Content-Type"].startswith("text/csv")
    lines = children.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "level;code;label;indicator;value;coverage"
    assert len(lines) - 1 == len(dashboard.context["children"])
    series = client.get("/pilotage/export/series.csv", query).content.decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in series[1:]] == [steering.previous_vintage, steering.vintage]
    figures = client.get("/pilotage/export/figures.csv", query).content.decode("utf-8-sig").splitlines()
    assert len(figures) - 1 == len(dashboard.context["figures"])
    school = client.get(f"/pilotage/export/school.csv?uai={steering.schools['college'].uai}")
    header = school.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert header[2:] == [f"school:{steering.schools['college'].uai}", "commune:35999", "departement:35",
                          "academie:14", "region:53", "nation:FR"]  # fmt: skip


def _queries_of(client, path, params=None) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries), [q["sql"] for q in queries]


def test_ministry_dashboard_queries_do_not_grow_with_the_territories(steering, client_for):
    """Labels are fetched in bulk (one query per level), vintages without a DISTINCT over every
    cell and read once, tile positions cached: more départements cost no more queries."""
    from socle.referentiel.models import Departement

    ministry = client_for(steering.user("ministere"))
    ministry.get("/pilotage/")  # warm the session, the catalogue and the tile positions
    before, sql = _queries_of(ministry, "/pilotage/")
    assert not any("DISTINCT" in q and "pilotage_indicatorvalue" in q for q in sql)
    assert not any("AVG(" in q.upper() for q in sql)  # tile positions come from the cache
    academie = Departement.objects.get(code="35").academie
    for code in ("22", "56", "44"):
        Departement.objects.create(code=code, name=f"Département {code}", academie=academie)
    after, _sql = _queries_of(ministry, "/pilotage/")
    page = ministry.get("/pilotage/")
    assert "Département 56 (56)" in page.content.decode()
    assert after == before


def test_territory_labels_one_query_per_level(steering, django_assert_max_num_queries):
    from socle.pilotage import views

    college = steering.schools["college"]
    pairs = [
        ("nation", "FR"),
        ("departement", "35"),
        ("departement", "29"),
        ("academie", "14"),
        ("school", college.uai),
        ("commune", college.commune_id),
        ("collectivite", "departement:35"),
        ("departement", "999"),  # unknown: its code stands for the label
    ]
    with django_assert_max_num_queries(4):  # departement, academie, school, commune
        labels = views.territory_labels(pairs)
    assert labels[("nation", "FR")] == "France"
    assert labels[("departement", "35")].endswith("(35)") and labels[("departement", "35")] != "35 (35)"
    assert labels[("school", college.uai)] == f"{college.name} ({college.uai})"
    assert labels[("departement", "999")] == "999 (999)"
    assert labels[("collectivite", "departement:35")].endswith(labels[("departement", "35")])
    for pair in pairs:
        assert views.territory_label(*pair) == labels[pair]


def test_vintages_are_probed_not_scanned(steering, django_assert_max_num_queries):
    from socle.pilotage import services
    from socle.pilotage.models import IndicatorValue

    expected = sorted(set(IndicatorValue.objects.values_list("vintage", flat=True)), reverse=True)
    assert expected == [steering.vintage, steering.previous_vintage]
    with django_assert_max_num_queries(len(expected) + 1):
        assert services.vintages() == expected


def test_tile_positions_are_computed_once_then_cached(steering, django_assert_num_queries):
    from django.core.cache import cache

    from socle.pilotage import views

    cache.clear()
    with django_assert_num_queries(1):  # one aggregate grouped by département
        first = views.tile_positions("departement")
    with django_assert_num_queries(0):
        assert views.tile_positions("departement") == first
    assert set(first) <= {"29", "35", "94"}
