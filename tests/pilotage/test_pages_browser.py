"""The steering pages in headless Chromium: axe-core clean (dashboard with its charts and map,
a school next to its territories, the declaration form with and without errors, the CSV import
with its error report), keyboard-reachable filters; and the screenshots of docs/screenshots/,
taken on the `make run` demo world (the tiny test world's figures — 3,000 computers per 100
pupils, more Pix+ Édu teachers than teachers — would misrepresent the pages)."""

# The fixtures imported from the collecte's conftest are used as arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from socle.pilotage.collecte import services as collecte
from tests.journeys.conftest import browser_login, demo  # noqa: F401
from tests.pilotage.collecte.conftest import client_for, steering, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"pilotage-{name}.png"), full_page=True)


def test_dashboard_is_axe_clean_with_charts_tables_and_map(page, axe_check, live_server, steering):
    log_in(page, live_server, steering.user("academie"))
    response = page.goto("/pilotage/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Tableau de bord du numérique éducatif"
    assert page.locator("svg[role=img]").count() == 3  # series, sub-territories, map
    for table in ("series-table", "children-table", "map-table"):
        assert page.locator(f"#{table} tbody tr").count() >= 1, table
    assert page.locator("a[download]").count() == 4  # one CSV per chart and the key figures
    page.get_by_label("Territoire", exact=True).select_option("departement:35")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**territory=departement*35**")
    assert "Ille-et-Vilaine" in page.locator("#children-table caption").inner_text()
    axe_check(page)


def test_school_page_of_the_head_is_axe_clean(page, axe_check, live_server, steering):
    log_in(page, live_server, steering.user("roux"))
    college = steering.schools["college"]
    assert page.goto(f"/pilotage/etablissements/{college.uai}/").status == 200
    assert college.name in page.locator("h1").inner_text()
    headers = page.locator("#comparison-table thead th").all_inner_texts()
    assert [h.split("\n")[0] for h in headers[1:]] == [
        "Établissement", "Commune", "Département", "Académie", "Région académique", "Nation",
    ]  # fmt: skip
    rows = page.locator("#comparison-table tbody tr")
    with_data = [i for i in range(rows.count()) if set(rows.nth(i).locator("td").all_inner_texts()) != {"—"}]
    assert 0 < page.locator("svg[role=img]").count() == len(with_data)  # one chart per line with data
    axe_check(page)
    assert page.goto(f"/pilotage/etablissements/{steering.schools['college_brest'].uai}/").status == 403


def test_declaration_form_errors_are_announced_and_axe_clean(page, axe_check, live_server, steering):
    log_in(page, live_server, steering.user("departement"))
    college = steering.schools["college"]
    page.goto(f"/pilotage/collecte/{college.uai}/equipement/")
    axe_check(page)
    page.get_by_label("Ordinateurs pour les élèves *").fill("-4")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    alert = page.get_by_role("alert")
    assert "La déclaration comporte des erreurs" in alert.inner_text()
    assert page.locator("#id_computers_pupils").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Erreur")
    axe_check(page)
    for name, value in (
        ("computers_pupils", "60"),
        ("projection_systems", "12"),
        ("mobile_device_sets", "2"),
        ("mobile_terminals", "30"),
        ("teaching_rooms", "20"),
        ("teaching_rooms_wifi", "15"),
    ):
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_wifi_switchable").select_option("true")
    page.get_by_label("Débit Internet *").select_option("ge1000")
    page.get_by_label("ENT disponible *").select_option("true")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    page.wait_for_url(f"**/pilotage/collecte/{college.uai}/")
    assert "Déclaration enregistrée" in page.get_by_role("status").inner_text()
    assert "1 Gbit/s ou plus" in page.content()
    axe_check(page)


def test_import_report_is_axe_clean(page, axe_check, live_server, steering, tmp_path):
    log_in(page, live_server, steering.user("departement"))
    page.goto("/pilotage/collecte/import/")
    axe_check(page)
    bad = tmp_path / "declarations.csv"
    bad.write_text(
        "uai;vintage;computers_pupils;projection_systems;mobile_device_sets;mobile_terminals;teaching_rooms;"
        "teaching_rooms_wifi;wifi_switchable;bandwidth_class;ent_available\n"
        f"{steering.schools['college'].uai};{steering.vintage};60;12;2;30;20;25;oui;fibre;oui\n"
        f"{steering.schools['ecole'].uai};{steering.vintage};8;4;1;15;4;4;oui;lt10;non\n",
        encoding="utf-8",
    )
    page.get_by_label("Fichier CSV").set_input_files(str(bad))
    page.get_by_role("button", name="Vérifier et importer").click()
    assert "2 erreurs, rien n’a été enregistré" in page.get_by_role("alert").inner_text()
    assert page.locator("#import-errors tbody tr").count() == 2
    axe_check(page)
    page.goto("/pilotage/collecte/")
    axe_check(page)


def demo_login(browser, live_server, demo, username):
    """A demo persona logged in through the real form, in a window as wide as the screenshots."""
    return browser_login(browser, live_server, demo, username, viewport={"width": 1280, "height": 900})


def percentages(text: str) -> list[float]:
    """Every "12,5 %" figure of a page's text, as numbers."""
    import re

    return [
        float(n.replace(",", ".").replace("\u202f", "")) for n in re.findall(r"(\d[\d\u202f]*,\d+)\s*%", text)
    ]


def test_screenshots_of_the_demo_world(browser, live_server, demo, axe_check, tmp_path):
    """docs/screenshots/pilotage-*.png: the académie's dashboard, the collège's page as its head
    M. Roux, the Pix form refusing an implausible count, the CSV import report — all on the
    demo world, whose rates must stay plausible (no percentage above 100)."""
    college = demo.college
    context, page = demo_login(browser, live_server, demo, "academie")
    assert page.goto("/pilotage/?territory=academie:14").status == 200
    text = page.locator("main").inner_text()
    assert all(0 <= value <= 100 for value in percentages(text)), text
    axe_check(page)
    shoot(page, "tableau-de-bord")
    context.close()

    context, page = demo_login(browser, live_server, demo, "roux")
    assert page.goto(f"/pilotage/etablissements/{college.uai}/").status == 200
    text = page.locator("main").inner_text()
    assert college.name in page.locator("h1").inner_text()
    assert all(0 <= value <= 100 for value in percentages(text)), text
    axe_check(page)
    shoot(page, "etablissement")
    context.close()

    vintage = demo.class_4b.school_year.code
    teachers = collecte.registry_populations([college.uai], vintage)[college.uai]["teachers"]
    context, page = demo_login(browser, live_server, demo, "departement")
    page.goto(f"/pilotage/collecte/{college.uai}/pix/")
    page.locator("#id_teachers_pix_edu").fill(str(teachers + 3))
    page.locator("#id_pupils_6e_pix_attestation").fill("40")
    page.get_by_role("button", name="Enregistrer la déclaration").click()
    assert "La déclaration comporte des erreurs" in page.get_by_role("alert").inner_text()
    expected = (
        f"{teachers + 3} enseignants attestés Pix+ Édu déclarés, mais l’établissement compte {teachers} "
        "enseignants au Référentiel"
    )
    assert expected in page.locator("main").inner_text()
    axe_check(page)
    shoot(page, "declaration")

    page.goto("/pilotage/collecte/import/")
    csv_file = tmp_path / "declarations.csv"
    csv_file.write_text(
        "uai;vintage;computers_pupils;projection_systems;mobile_device_sets;mobile_terminals;teaching_rooms;"
        "teaching_rooms_wifi;wifi_switchable;bandwidth_class;ent_available;teachers_pix_edu\n"
        f"{college.uai};{vintage};95;24;2;30;26;24;oui;100_1000;oui;{teachers + 3}\n"
        f"{demo.ecole.uai};{vintage};18;6;1;15;8;8;oui;fibre;oui;\n",  # the commune's école
        encoding="utf-8",
    )
    page.get_by_label("Fichier CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Vérifier et importer").click()
    assert "rien n’a été enregistré" in page.get_by_role("alert").inner_text()
    # The Pix+ Édu count of the collège; the école's UAI (not the département's) and its bandwidth.
    assert page.locator("#import-errors tbody tr").count() == 3
    axe_check(page)
    shoot(page, "import")
    context.close()
