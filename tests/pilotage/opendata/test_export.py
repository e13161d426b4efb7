"""`socle opendata export`: files written from cells stored through Pilotage's model, checked
with real readers — the csv module, pyarrow, the `frictionless` validator for the Table Schemas
and rdflib's JSON-LD parser for the DCAT record — and attacked like the property tests do."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from frictionless import Package
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns

from socle.pilotage import services
from socle.pilotage.models import IndicatorValue
from socle.pilotage.opendata import export as export_module
from socle.pilotage.opendata.disclosure import Group
from socle.pilotage.opendata.tables import hierarchy
from socle.referentiel import models as rm

from .attacker import interval_attack, linear_attack, small_group_attack, subtraction_attack

VINTAGE = "2025-2026"
PUPILS = "computers_per_100_pupils"  # persons: pupils
TEACHERS = "teachers_pix_edu"  # persons: teachers
SPDX = Namespace("http://spdx.org/rdf/terms#")

# région → académie → département → (pupils, teachers) of the département's schools.
TERRITORIES = {
    ("53", "Bretagne"): {
        ("14", "Rennes"): {
            ("22", "Côtes-d'Armor"): (400, 40),
            ("29", "Finistère"): (5, 30),  # 5 pupils: primary secret
            ("35", "Ille-et-Vilaine"): (900, 90),
            ("56", "Morbihan"): (300, 35),
        }
    },
    ("28", "Normandie"): {
        ("70", "Normandie"): {
            ("14", "Calvados"): (4, 20),  # 4 + 3 pupils: together still a small group
            ("27", "Eure"): (3, 25),
            ("50", "Manche"): (200, 22),
            ("61", "Orne"): (150, 15),
            ("76", "Seine-Maritime"): (1000, 100),
        }
    },
    ("04", "La Réunion"): {("28", "La Réunion"): {("974", "La Réunion"): (6, 40)}},  # a lone small chain
    ("11", "Île-de-France"): {
        ("01", "Paris"): {("75", "Paris"): (800, 70)},
        ("24", "Créteil"): {
            ("77", "Seine-et-Marne"): (600, 50),
            ("93", "Seine-Saint-Denis"): (700, 60),
            ("94", "Val-de-Marne"): (650, 7),  # 7 teachers: secret in the teachers' table
        },
    },
}


def _cells() -> dict[tuple[str, str], tuple[int, int]]:
    """(level, code) → (pupils, teachers), parents summed from their départements."""
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    for (region, _), academies in TERRITORIES.items():
        for (academie, _), departements in academies.items():
            for (departement, _), counts in departements.items():
                cells[("departement", departement)] = counts
                for key in (("academie", academie), ("region", region), ("nation", "FR")):
                    before = cells.get(key, (0, 0))
                    cells[key] = (before[0] + counts[0], before[1] + counts[1])
    return cells


@pytest.fixture
def stored_cells(db):
    """The territories in the Référentiel and, per territory, one cell of a pupil-based and one
    of a teacher-based indicator, stored as the Pilotage computation stores them."""
    for (region, region_name), academies in TERRITORIES.items():
        r = rm.RegionAcademique.objects.create(code=region, name=region_name)
        for (academie, academie_name), departements in academies.items():
            a = rm.Academie.objects.create(code=academie, name=academie_name, region=r)
            for departement, departement_name in departements:
                rm.Departement.objects.create(code=departement, name=departement_name, academie=a)
    services.sync_catalogue()
    cells = _cells()
    rows = []
    for (level, code), (pupils, teachers) in cells.items():
        computers = pupils // 4
        certified = teachers // 3
        rows += [
            IndicatorValue(
                indicator_code=PUPILS, version=1, vintage=VINTAGE, level=level, territory_code=code,
                numerator=computers, denominator=pupils, value=computers * 100 / pupils,
                schools_with_data=3, schools_in_scope=4, coverage=0.75, persons=pupils,
            ),
            IndicatorValue(
                indicator_code=TEACHERS, version=1, vintage=VINTAGE, level=level, territory_code=code,
                numerator=certified, denominator=teachers, value=certified * 100 / teachers,
                schools_with_data=4, schools_in_scope=4, coverage=1.0, persons=teachers,
            ),
        ]  # fmt: skip
    IndicatorValue.objects.bulk_create(rows)
    return cells


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _export(tmp_path: Path, **options) -> Path:
    target = tmp_path / "opendata"
    export_module.export(target, vintages=[VINTAGE], threshold=10, **options)
    return target


def _key(row: dict) -> tuple[str, str]:
    level = {"region_academique": "region"}.get(row["niveau_territorial"], row["niveau_territorial"])
    return (level, row["code_territoire"])


def test_small_cells_and_their_protectors_are_secret(stored_cells, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    secret = {_key(row) for row in rows if row["statut"] == "secret statistique"}
    # One pattern for both indicators (they share territories and would otherwise leak).
    for key in secret:
        assert {row["statut"] for row in rows if _key(row) == key} == {"secret statistique"}
    # Primary: the small départements (pupils or teachers below 10) and the small Réunion chain.
    primary = {("departement", "29"), ("departement", "14"), ("departement", "27"), ("departement", "94")}
    primary |= {("departement", "974"), ("academie", "28"), ("region", "04")}
    assert primary <= secret
    # Secondary: Finistère takes Morbihan (its smallest sibling); Val-de-Marne's 7 teachers take
    # Seine-et-Marne; the Réunion region, alone in the nation's group, takes the smallest other
    # region, Normandie (1 539 persons), and its only académie with it. Calvados + Eure (7
    # pupils) need no third département: their parent is hidden, and what a reader can derive
    # from the nation (Réunion + Calvados + Eure = 13 pupils) is not a small group.
    secondary = {("departement", "56"), ("departement", "77"), ("region", "28"), ("academie", "70")}
    assert secret == primary | secondary
    assert ("nation", "FR") not in secret
    for row in rows:
        if row["statut"] == "secret statistique":
            figures = [row[c] for c in ("numerateur", "denominateur", "valeur", "taux_couverture")]
            assert figures == ["", "", "", ""]  # empty, never 0


def test_published_cells_are_the_stored_ones_and_never_small(stored_cells, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    stored = {
        (c.level, c.territory_code, c.indicator_code): c
        for c in IndicatorValue.objects.filter(vintage=VINTAGE)
    }
    published = [row for row in rows if row["statut"] == "diffusé"]
    assert published
    for row in published:
        cell = stored[(*_key(row), row["code_indicateur"])]
        assert int(row["numerateur"]) == cell.numerator
        assert int(row["denominateur"]) == cell.denominator
        assert float(row["valeur"]) == cell.value
        assert cell.persons >= 10
    assert len(rows) == len(stored)  # every cell of the exported levels has a row
    assert {row["niveau_territorial"] for row in rows} == {
        "nation",
        "region_academique",
        "academie",
        "departement",
    }
    assert (
        next(r for r in rows if _key(r) == ("departement", "35"))["libelle_territoire"] == "Ille-et-Vilaine"
    )


def test_the_attacker_recovers_nothing_from_the_files(stored_cells, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    groups = hierarchy(("nation", "region", "academie", "departement"))
    for indicator, persons_index in ((PUPILS, 0), (TEACHERS, 1)):
        mine = [row for row in rows if row["code_indicateur"] == indicator]
        hidden = {_key(row) for row in mine if row["statut"] == "secret statistique"}
        assert hidden
        persons = {key: counts[persons_index] for key, counts in stored_cells.items()}
        denominators = {_key(row): int(row["denominateur"] or -1) for row in mine}
        for key in hidden:
            denominators[key] = persons[key]  # the truth the attacker is after
        assert subtraction_attack(groups, denominators, hidden) == set()
        assert linear_attack(groups, hidden) == set()
        for key, (low, high) in interval_attack(groups, denominators, hidden).items():
            assert low < high, key
        assert small_group_attack(groups, hidden, persons, 10) == []
        for group in groups:  # suppressed siblings never add up to a small group
            if group.parent not in hidden:
                residual = sum(persons[c] for c in group.children if c in hidden)
                assert residual == 0 or residual >= 10


def test_csv_and_parquet_hold_the_same_table(stored_cells, tmp_path):
    target = _export(tmp_path)
    for name in ("indicateurs-territoriaux", "catalogue-indicateurs"):
        rows = _read_csv(target / f"{name}.csv")
        table = pq.read_table(target / f"{name}.parquet")
        assert table.column_names == list(rows[0])
        parquet_rows = table.to_pylist()
        assert len(parquet_rows) == len(rows)
        for text_row, typed_row in zip(rows, parquet_rows, strict=True):
            for column, text in text_row.items():
                value = typed_row[column]
                if text == "":
                    assert value is None, (name, column)
                elif isinstance(value, float):
                    assert float(text) == value
                else:
                    assert str(value) == text, (name, column)
    # French titles travel with the Parquet columns too.
    field = pq.read_schema(target / "indicateurs-territoriaux.parquet").field("statut")
    assert field.metadata[b"title"].decode() == "Statut de la valeur"


def test_table_schemas_validate_the_csv_files(stored_cells, tmp_path):
    target = _export(tmp_path)
    report = Package(str(target / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    schema = json.loads((target / "indicateurs-territoriaux.schema.json").read_text(encoding="utf-8"))
    assert schema["missingValues"] == [""]
    titles = {field["name"]: field["title"] for field in schema["fields"]}
    assert titles["annee_scolaire"] == "Année scolaire"
    assert all(field["description"] for field in schema["fields"])


def test_the_schema_check_has_teeth(stored_cells, tmp_path):
    target = _export(tmp_path)
    path = target / "indicateurs-territoriaux.csv"
    data = path.read_bytes()
    assert ";diffusé\r\n".encode() in data
    path.write_bytes(data.replace(";diffusé\r\n".encode(), ";publié\r\n".encode(), 1))
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash")  # the file changed on purpose: check the schema, not the hash
    (target / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = Package(str(target / "datapackage.json")).validate()
    assert not report.valid
    assert "constraint-error" in {error.type for error in report.tasks[0].errors}


def test_dcat_record_has_the_catalogue_properties(stored_cells, tmp_path):
    target = _export(tmp_path, base_url="https://data.example.fr/pilotage")
    graph = Graph().parse(target / "dcat.jsonld", format="json-ld")
    (dataset,) = graph.subjects(ns.RDF.type, ns.DCAT.Dataset)
    assert dataset == URIRef("https://data.example.fr/pilotage/#jeu-de-donnees")
    for prop in (
        ns.DCTERMS.title,
        ns.DCTERMS.description,
        ns.DCTERMS.modified,
        ns.DCTERMS.spatial,
        ns.DCAT.theme,
    ):
        assert graph.value(dataset, prop) is not None, prop
    assert str(graph.value(dataset, ns.DCTERMS.title)) == "Indicateurs territoriaux du numérique éducatif"
    assert graph.value(dataset, ns.DCTERMS.title).language == "fr"
    assert Literal("secret statistique", lang="fr") in set(graph.objects(dataset, ns.DCAT.keyword))
    licence = graph.value(dataset, ns.DCTERMS.license)
    assert licence == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publisher = graph.value(dataset, ns.DCTERMS.publisher)
    assert str(graph.value(publisher, ns.FOAF.name)) == "Ministère de l'Éducation nationale"
    period = graph.value(dataset, ns.DCTERMS.temporal)
    assert str(graph.value(period, ns.DCAT.startDate)) == "2025-09-01"
    assert str(graph.value(period, ns.DCAT.endDate)) == "2026-08-31"
    newest = max(IndicatorValue.objects.values_list("computed_at", flat=True))
    assert graph.value(dataset, ns.DCTERMS.modified).toPython() == newest.replace(microsecond=0)
    assert "10 personnes" in str(graph.value(dataset, ns.DCTERMS.description))

    distributions = list(graph.objects(dataset, ns.DCAT.distribution))
    assert len(distributions) == 4
    formats = set()
    for distribution in distributions:
        url = str(graph.value(distribution, ns.DCAT.downloadURL))
        assert url == str(graph.value(distribution, ns.DCAT.accessURL))
        local = target / url.removeprefix("https://data.example.fr/pilotage/")
        assert local.is_file()
        assert int(graph.value(distribution, ns.DCAT.byteSize)) == local.stat().st_size
        checksum = graph.value(distribution, SPDX.checksum)
        assert (
            str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(local.read_bytes()).hexdigest()
        )
        assert graph.value(distribution, ns.DCTERMS.license) == licence
        assert graph.value(distribution, ns.DCAT.mediaType) is not None
        schema_url = str(graph.value(distribution, ns.DCTERMS.conformsTo))
        assert (target / schema_url.rsplit("/", 1)[1]).is_file()
        formats.add(str(graph.value(distribution, ns.DCTERMS.format)).rsplit("/", 1)[1])
    assert formats == {"CSV", "PARQUET"}


def test_a_failed_export_leaves_the_previous_one_untouched(stored_cells, tmp_path, monkeypatch):
    target = _export(tmp_path)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "write_parquet", broken)  # fault injection, mid-export
    with pytest.raises(OSError, match="disk full"):
        export_module.export(target, vintages=[VINTAGE], threshold=10)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opendata"]  # no temporary leftovers


def test_a_failed_first_export_leaves_nothing(stored_cells, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("boom")

    monkeypatch.setattr(export_module, "write_csv", broken)
    with pytest.raises(OSError):
        export_module.export(tmp_path / "new", vintages=[VINTAGE], threshold=10)
    assert list(tmp_path.iterdir()) == []


def test_a_second_export_replaces_the_first(stored_cells, tmp_path):
    target = _export(tmp_path)
    export_module.export(target, vintages=[VINTAGE], threshold=1)
    rows = _read_csv(target / "indicateurs-territoriaux.csv")
    assert {row["statut"] for row in rows} == {"diffusé"}  # threshold 1: nothing is small
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opendata"]


def test_an_unrelated_directory_is_never_replaced(stored_cells, tmp_path):
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(CommandError, match="not a previous open-data export"):
        call_command("opendata", "export", str(target))
    assert (target / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_command_reports_and_reads_the_threshold_setting(stored_cells, tmp_path, settings, capsys):
    settings.SOCLE_OPENDATA_MIN_PERSONS = 500
    call_command("opendata", "export", str(tmp_path / "out"), "--levels", "nation,departement")
    out = capsys.readouterr().out
    assert "threshold 500 persons" in out
    assert "dcat.jsonld" in out
    rows = _read_csv(tmp_path / "out" / "indicateurs-territoriaux.csv")
    assert {row["niveau_territorial"] for row in rows} == {"nation", "departement"}
    # With 500 as the threshold several départements hold enough pupils, but no département
    # holds 500 teachers: the shared pattern hides every département; the nation (604
    # teachers) stays published, since the hidden départements together hold the whole nation.
    by_key = {(_key(r), r["code_indicateur"]): r["statut"] for r in rows}
    assert by_key[(("departement", "76"), PUPILS)] == "secret statistique"
    assert by_key[(("nation", "FR"), PUPILS)] == "diffusé"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--levels", "school"], "school not exportable"),
        (["--levels", "collectivite,nation"], "collectivite not exportable"),
        (["--vintage", "1999-2000"], "1999-2000: no computed cells; available: 2025-2026"),
        (["--threshold", "0"], "positive number of persons"),
    ],
)
def test_bad_options_are_clear_errors(stored_cells, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("opendata", "export", str(tmp_path / "out"), *arguments)
    assert not (tmp_path / "out").exists()


def test_every_computed_vintage_is_exported_by_default(stored_cells, tmp_path):
    earlier = [
        IndicatorValue(
            indicator_code=cell.indicator_code, version=1, vintage="2024-2025", level=cell.level,
            territory_code=cell.territory_code, numerator=cell.numerator, denominator=cell.denominator,
            value=cell.value, persons=cell.persons * 3,  # a year with more pupils: fewer secrets
        )
        for cell in IndicatorValue.objects.filter(vintage=VINTAGE)
    ]  # fmt: skip
    IndicatorValue.objects.bulk_create(earlier)
    call_command("opendata", "export", str(tmp_path / "all"))
    rows = _read_csv(tmp_path / "all" / "indicateurs-territoriaux.csv")
    by_year = {year: [r for r in rows if r["annee_scolaire"] == year] for year in ("2024-2025", VINTAGE)}
    assert len(by_year["2024-2025"]) == len(by_year[VINTAGE]) == len(rows) / 2
    secret = {
        y: {_key(r) for r in found if r["statut"] == "secret statistique"} for y, found in by_year.items()
    }
    assert ("departement", "29") in secret[VINTAGE]  # 5 pupils
    # Three times the persons: only Eure (9 pupils) is small, and Calvados (12) protects it.
    assert secret["2024-2025"] == {("departement", "27"), ("departement", "14")}
    graph = Graph().parse(tmp_path / "all" / "dcat.jsonld", format="json-ld")
    period = next(graph.objects(None, ns.DCTERMS.temporal))
    assert str(graph.value(period, ns.DCAT.startDate)) == "2024-09-01"
    assert str(graph.value(period, ns.DCAT.endDate)) == "2026-08-31"


def test_export_of_a_computed_world(pilotage_world, tmp_path):
    """End to end on cells computed by the Pilotage engine: a tiny world, so with the default
    threshold every cell is secret, and with a threshold of 1 every figure is the computed one."""
    target = tmp_path / "world"
    export_module.export(target, threshold=10)
    rows = _read_csv(target / "indicateurs-territoriaux.csv")
    assert rows and {row["statut"] for row in rows} == {"secret statistique"}
    export_module.export(target, threshold=1)
    rows = _read_csv(target / "indicateurs-territoriaux.csv")
    nation = {v.indicator_code: v for v in services.values(level="nation")}
    for row in rows:
        if row["niveau_territorial"] == "nation" and row["statut"] == "diffusé":
            assert float(row["valeur"]) == nation[row["code_indicateur"]].value
    catalogue = _read_csv(target / "catalogue-indicateurs.csv")
    assert [row["code_indicateur"] for row in catalogue] == [info.code for info in services.indicators()]
    assert Package(str(target / "datapackage.json")).validate().valid


def test_groups_follow_the_registry(stored_cells):
    groups = {group.parent: group.children for group in hierarchy(("nation", "academie"))}
    # Walked through the régions (04, 11, 28, 53), each académie once.
    assert groups == {("nation", "FR"): (("academie", "28"), ("academie", "01"), ("academie", "24"),
                                         ("academie", "70"), ("academie", "14"))}  # fmt: skip
    assert isinstance(hierarchy(("region", "academie"))[0], Group)


def test_national_hierarchy_with_many_small_departements(db, tmp_path):
    """The real territories seed (régions, académies, départements, overseas chains of one
    département per académie per région), three indicators with random counts — a third of
    the départements small — exported and attacked."""
    import random
    import time

    from socle.referentiel.territories import load_territories

    load_territories()
    services.sync_catalogue()
    draw = random.Random(7)
    codes = [PUPILS, TEACHERS, "pix_6e_attestation"]
    departements = [(d.code, d.academie_id, d.academie.region_id) for d in rm.Departement.objects.all()]
    sums: dict[tuple[str, str], list[int]] = {}
    for code, academie, region in departements:
        counts = [draw.choice([draw.randint(0, 12), draw.randint(10, 5000)]) for _ in codes]
        for key in (("departement", code), ("academie", academie), ("region", region), ("nation", "FR")):
            sums[key] = [a + b for a, b in zip(sums.get(key, [0] * len(codes)), counts, strict=True)]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator_code=indicator, version=1, vintage=VINTAGE, level=level, territory_code=territory,
            numerator=counts[i] // 2, denominator=counts[i], value=50.0 if counts[i] else None,
            schools_with_data=1, schools_in_scope=1, coverage=1.0, persons=counts[i],
        )
        for (level, territory), counts in sums.items()
        for i, indicator in enumerate(codes)
    )  # fmt: skip

    started = time.perf_counter()
    report = export_module.export(tmp_path / "fr", vintages=[VINTAGE], threshold=10)
    seconds = time.perf_counter() - started
    assert report.rows == len(sums) * len(codes)
    assert report.primary_cells > 20 and report.secondary_cells > 0
    assert seconds < 30, seconds  # one query per territory for the hierarchy; no quadratic step

    rows = _read_csv(tmp_path / "fr" / "indicateurs-territoriaux.csv")
    groups = hierarchy(("nation", "region", "academie", "departement"))
    hidden = {_key(row) for row in rows if row["statut"] == "secret statistique"}
    for i, indicator in enumerate(codes):
        persons = {key: counts[i] for key, counts in sums.items()}
        for group in groups:
            for key in (group.parent, *group.children):
                persons.setdefault(key, 0)
        unknown = {key for key in hidden if persons[key] > 0}  # empty cells are known to be empty
        assert linear_attack(groups, unknown) == set(), indicator
        assert small_group_attack(groups, unknown, persons, 10) == [], indicator
        for key, (low, high) in interval_attack(groups, persons, unknown).items():
            assert low < high, (indicator, key)
        published = [
            row for row in rows if row["code_indicateur"] == indicator and row["statut"] == "diffusé"
        ]
        assert all(persons[_key(row)] == 0 or persons[_key(row)] >= 10 for row in published)
    assert Package(str(tmp_path / "fr" / "datapackage.json")).validate().valid


def test_cells_of_a_retired_indicator_are_left_out(stored_cells, tmp_path):
    IndicatorValue.objects.create(
        indicator_code="retired_indicator", version=1, vintage=VINTAGE, level="nation", territory_code="FR",
        numerator=1, denominator=2, value=50.0, persons=3,
    )  # fmt: skip
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    assert "retired_indicator" not in {row["code_indicateur"] for row in rows}
    assert next(r for r in rows if _key(r) == ("nation", "FR"))["statut"] == "diffusé"
