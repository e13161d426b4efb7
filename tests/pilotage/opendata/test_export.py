"""`socle opendata export`: files written from cells computed by the Pilotage engine, checked
with real readers — the csv module, pyarrow, the `frictionless` validator for the Table Schemas
and rdflib's JSON-LD parser for the DCAT record — and attacked (see also
test_release_attack.py for the linear-programming attack on a realistic world)."""

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
from socle.pilotage.models import IndicatorValue, OpenDataRelease
from socle.pilotage.opendata import export as export_module
from socle.pilotage.opendata.disclosure import Group
from socle.pilotage.opendata.tables import SCHOOL_LEVEL_INDICATORS, hierarchy

from .attacker import interval_attack, linear_attack, subtraction_attack
from .world import VINTAGE, compute, create_territories, facts_rows

NSI = "nsi_girls_share"
TEACHERS = "teachers_pix_edu"
COMPUTERS = "computers_per_100_pupils"
SPDX = Namespace("http://spdx.org/rdf/terms#")
SECRET = "secret statistique"


@pytest.fixture
def stored_world(db):
    """The territories in the Référentiel and the indicators of 54 lycées and collèges computed
    by the engine, as the Pilotage computation stores them."""
    create_territories()
    rows = facts_rows()
    compute(rows)
    return rows


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _export(tmp_path: Path, name: str = "opendata", **options) -> Path:
    target = tmp_path / name
    export_module.export(target, vintages=[VINTAGE], **options)
    return target


def _key(row: dict) -> tuple[str, str]:
    level = {"region_academique": "region"}.get(row["niveau_territorial"], row["niveau_territorial"])
    return (level, row["code_territoire"])


def _cells(indicator: str) -> dict[tuple[str, str], IndicatorValue]:
    return {
        (c.level, c.territory_code): c
        for c in IndicatorValue.objects.filter(vintage=VINTAGE, indicator_code=indicator).exclude(
            level="school"
        )
    }


# --- What is secret -----------------------------------------------------------------------------
def test_cells_about_persons_follow_the_primary_rules(stored_world, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    for indicator in (NSI, TEACHERS, "pix_certification_terminale", "pix_6e_attestation"):
        cells = _cells(indicator)
        for row in rows:
            if row["code_indicateur"] != indicator or row["statut"] != "diffusé":
                continue
            n, d = int(row["numerateur"]), int(row["denominateur"])
            if d == 0:
                continue  # 0/0: nobody described
            # Published: at least 10 persons, 10 with and 10 without the attribute, 3 schools.
            assert d >= 10 and n >= 10 and d - n >= 10, (indicator, row)
            assert cells[_key(row)].schools_with_data >= 3, (indicator, row)
    # Finistère has one lycée: its NSI figures would be that lycée's.
    finistere = next(r for r in rows if _key(r) == ("departement", "29") and r["code_indicateur"] == NSI)
    assert finistere["statut"] == SECRET
    assert finistere["numerateur"] == finistere["denominateur"] == finistere["valeur"] == ""  # never 0


def test_indicators_about_schools_are_published_everywhere_and_per_school(stored_world, tmp_path):
    target = _export(tmp_path)
    rows = _read_csv(target / "indicateurs-territoriaux.csv")
    about_schools = [r for r in rows if r["code_indicateur"] in SCHOOL_LEVEL_INDICATORS]
    assert about_schools and {r["statut"] for r in about_schools} <= {"diffusé", "non renseigné"}
    schools = _read_csv(target / "indicateurs-etablissements.csv")
    assert {r["code_indicateur"] for r in schools} <= SCHOOL_LEVEL_INDICATORS
    assert len({r["uai"] for r in schools}) == len(stored_world)
    # Territory = Σ of its schools (the school file adds nothing a reader could not sum).
    computers = [r for r in schools if r["code_indicateur"] == COMPUTERS and r["statut"] == "diffusé"]
    in_29 = sum(int(r["numerateur"]) for r in computers if r["code_departement"] == "29")
    row = next(r for r in rows if _key(r) == ("departement", "29") and r["code_indicateur"] == COMPUTERS)
    assert int(row["numerateur"]) == in_29
    # Person-based figures never appear per school.
    assert not {r["code_indicateur"] for r in schools} & {NSI, TEACHERS}


def test_the_catalogue_says_where_each_indicator_is_published(stored_world, tmp_path):
    catalogue = {r["code_indicateur"]: r["niveau_diffusion"] for r in _read_csv(
        _export(tmp_path) / "catalogue-indicateurs.csv"
    )}  # fmt: skip
    assert catalogue[COMPUTERS] == "etablissement"
    assert catalogue["resources_weekly_active_per_100_pupils"] == "etablissement"
    assert catalogue[NSI] == catalogue[TEACHERS] == "territoire"
    assert {code for code, where in catalogue.items() if where == "etablissement"} == SCHOOL_LEVEL_INDICATORS


def test_rates_about_persons_are_rounded_and_figures_are_the_computed_ones(stored_world, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    published = [r for r in rows if r["statut"] == "diffusé" and r["valeur"]]
    assert published
    for row in published:
        cell = _cells(row["code_indicateur"])[_key(row)]
        assert (int(row["numerateur"]), int(row["denominateur"])) == (cell.numerator, cell.denominator)
        if row["code_indicateur"] in SCHOOL_LEVEL_INDICATORS:
            assert float(row["valeur"]) == cell.value
        else:
            assert float(row["valeur"]) == round(cell.value, 1)
    assert (
        next(r for r in rows if _key(r) == ("departement", "35"))["libelle_territoire"] == "Ille-et-Vilaine"
    )


def test_a_school_reporting_nobody_is_not_missing_data(db, tmp_path):
    """0 NSI pupils in every lycée of a département is data (0/0, published), not "non renseigné"."""
    create_territories()
    rows = facts_rows()
    for row in rows:
        if row["departement"] == "22" and row["school_level"] == "lycee":
            row["nsi_pupils"] = row["nsi_girls"] = 0
    compute(rows)
    out = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    row = next(r for r in out if _key(r) == ("departement", "22") and r["code_indicateur"] == NSI)
    assert (row["statut"], row["numerateur"], row["denominateur"], row["valeur"]) == ("diffusé", "0", "0", "")
    assert row["etablissements_renseignes"] == "3"


def test_the_attacker_recovers_nothing_from_the_files(stored_world, tmp_path):
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    groups = hierarchy(("nation", "region", "academie", "departement"))
    for indicator in (NSI, TEACHERS, "pix_certification_3e"):
        cells = _cells(indicator)
        mine = [row for row in rows if row["code_indicateur"] == indicator]
        hidden = {_key(row) for row in mine if row["statut"] == SECRET and cells[_key(row)].denominator}
        assert hidden, indicator
        denominators = {key: cells[key].denominator or 0 for key in cells}
        for group in groups:
            for key in (group.parent, *group.children):
                denominators.setdefault(key, 0)
        assert subtraction_attack(groups, denominators, hidden) == set()
        assert linear_attack(groups, hidden) == set()
        for key, (low, high) in interval_attack(groups, denominators, hidden).items():
            assert low < high, key


# --- Files ------------------------------------------------------------------------------------------
def test_csv_and_parquet_hold_the_same_tables(stored_world, tmp_path):
    target = _export(tmp_path)
    for name in ("indicateurs-territoriaux", "indicateurs-etablissements", "catalogue-indicateurs"):
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
    field = pq.read_schema(target / "indicateurs-territoriaux.parquet").field("statut")
    assert field.metadata[b"title"].decode() == "Statut de la valeur"


def test_table_schemas_validate_the_csv_files(stored_world, tmp_path):
    target = _export(tmp_path)
    report = Package(str(target / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    schema = json.loads((target / "indicateurs-etablissements.schema.json").read_text(encoding="utf-8"))
    assert schema["primaryKey"] == ["annee_scolaire", "uai", "code_indicateur"]
    assert all(field["description"] for field in schema["fields"])


def test_the_schema_check_has_teeth(stored_world, tmp_path):
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


def test_dcat_record_has_the_catalogue_properties_and_the_releases(stored_world, tmp_path):
    _export(tmp_path, name="first", levels=("departement",))
    target = _export(tmp_path, base_url="https://data.example.fr/pilotage")
    graph = Graph().parse(target / "dcat.jsonld", format="json-ld")
    dataset = URIRef("https://data.example.fr/pilotage/#jeu-de-donnees")
    assert (dataset, ns.RDF.type, ns.DCAT.Dataset) in graph
    for prop in (
        ns.DCTERMS.title,
        ns.DCTERMS.description,
        ns.DCTERMS.modified,
        ns.DCTERMS.spatial,
        ns.DCAT.theme,
    ):
        assert graph.value(dataset, prop) is not None, prop
    assert str(graph.value(dataset, ns.DCTERMS.title)) == "Indicateurs territoriaux du numérique éducatif"
    assert Literal("secret statistique", lang="fr") in set(graph.objects(dataset, ns.DCAT.keyword))
    licence = graph.value(dataset, ns.DCTERMS.license)
    assert licence == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publisher = graph.value(dataset, ns.DCTERMS.publisher)
    assert str(graph.value(publisher, ns.FOAF.name)) == "Ministère de l'Éducation nationale"
    period = graph.value(dataset, ns.DCTERMS.temporal)
    assert str(graph.value(period, ns.DCAT.startDate)) == "2025-09-01"
    newest = max(IndicatorValue.objects.values_list("computed_at", flat=True))
    assert graph.value(dataset, ns.DCTERMS.modified).toPython() == newest.replace(microsecond=0)
    description = str(graph.value(dataset, ns.DCTERMS.description))
    assert "moins de 10 personnes" in description and "moins de 3 établissements" in description
    # The register: both releases, with their dates and the files of each.
    releases = list(OpenDataRelease.objects.order_by("number"))
    versions = sorted(graph.objects(dataset, ns.DCTERMS.hasVersion), key=str)
    assert [str(graph.value(v, ns.OWL.versionInfo)) for v in versions] == ["1", "2"]
    for version, release in zip(versions, releases, strict=True):
        assert graph.value(version, ns.DCTERMS.issued).toPython() == release.created_at.replace(microsecond=0)
    assert "département" in str(graph.value(versions[0], ns.DCTERMS.description))

    distributions = list(graph.objects(dataset, ns.DCAT.distribution))
    assert len(distributions) == 6
    for distribution in distributions:
        url = str(graph.value(distribution, ns.DCAT.downloadURL))
        local = target / url.removeprefix("https://data.example.fr/pilotage/")
        assert int(graph.value(distribution, ns.DCAT.byteSize)) == local.stat().st_size
        checksum = graph.value(distribution, SPDX.checksum)
        assert (
            str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(local.read_bytes()).hexdigest()
        )
        assert graph.value(distribution, ns.DCTERMS.license) == licence


# --- Atomicity, register, options ----------------------------------------------------------------------
def test_a_failed_export_leaves_the_previous_one_and_the_register_untouched(
    stored_world, tmp_path, monkeypatch
):
    target = _export(tmp_path)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "write_parquet", broken)  # fault injection, mid-export
    with pytest.raises(OSError, match="disk full"):
        export_module.export(target, vintages=[VINTAGE])
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opendata"]  # no temporary leftovers
    assert list(OpenDataRelease.objects.values_list("number", flat=True)) == [1]


def test_a_failed_swap_discards_the_prepared_release(stored_world, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("rename refused")

    monkeypatch.setattr(export_module, "_swap", broken)
    with pytest.raises(OSError):
        export_module.export(tmp_path / "new", vintages=[VINTAGE])
    assert list(tmp_path.iterdir()) == []
    assert not OpenDataRelease.objects.exists()


def test_a_second_export_replaces_the_first_and_is_a_second_release(stored_world, tmp_path):
    target = _export(tmp_path)
    export_module.export(target, vintages=[VINTAGE], threshold=20)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opendata"]
    first, second = OpenDataRelease.objects.order_by("number")
    assert (first.threshold, second.threshold) == (10, 20)
    assert second.cells_suppressed >= first.cells_suppressed  # a cell once secret stays secret
    assert (
        second.files["indicateurs-territoriaux.csv"]["sha256"]
        == hashlib.sha256((target / "indicateurs-territoriaux.csv").read_bytes()).hexdigest()
    )


def test_a_cell_secret_once_stays_secret(stored_world, tmp_path):
    first = _read_csv(_export(tmp_path, name="a", threshold=30) / "indicateurs-territoriaux.csv")
    second = _read_csv(_export(tmp_path, name="b", threshold=10) / "indicateurs-territoriaux.csv")
    secret = {(_key(r), r["code_indicateur"]) for r in first if r["statut"] == SECRET}
    again = {(_key(r), r["code_indicateur"]) for r in second if r["statut"] == SECRET}
    assert secret <= again
    fresh = _read_csv(_export(tmp_path, name="c", threshold=10) / "indicateurs-territoriaux.csv")
    assert {(_key(r), r["code_indicateur"]) for r in fresh if r["statut"] == SECRET} == again


def test_an_unrelated_directory_is_never_replaced(stored_world, tmp_path):
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(CommandError, match="not a previous open-data export"):
        call_command("opendata", "export", str(target))
    assert (target / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_command_reports_and_reads_the_settings(stored_world, tmp_path, settings, capsys):
    settings.SOCLE_OPENDATA_MIN_PERSONS = 40
    settings.SOCLE_OPENDATA_MIN_SCHOOLS = 4
    call_command("opendata", "export", str(tmp_path / "out"), "--levels", "nation,departement")
    out = capsys.readouterr().out
    assert "Release 1" in out and "threshold 40 persons, 4 schools" in out
    assert "dcat.jsonld" in out and "indicateurs-etablissements.csv" not in out
    rows = _read_csv(tmp_path / "out" / "indicateurs-territoriaux.csv")
    assert {row["niveau_territorial"] for row in rows} == {"nation", "departement"}
    published = [
        r
        for r in rows
        if r["code_indicateur"] == NSI and r["statut"] == "diffusé" and r["denominateur"] != "0"
    ]
    assert all(int(r["numerateur"]) >= 40 for r in published)
    release = OpenDataRelease.objects.get()
    assert (release.threshold, release.min_contributors, release.levels) == (40, 4, ["nation", "departement"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--levels", "commune"], "commune not exportable"),
        (["--levels", "collectivite,nation"], "collectivite not exportable"),
        (["--vintage", "1999-2000"], "1999-2000: no computed cells; available: 2025-2026"),
        (["--threshold", "1"], "--threshold: threshold 1: statistical secrecy needs at least 5 persons"),
        (["--threshold", "4"], "at least 5 persons"),
        (["--threshold", "0"], "at least 5 persons"),
        (["--min-schools", "2"], "--min-schools: minimum of contributing schools 2: at least 3"),
    ],
)
def test_bad_options_are_clear_errors(stored_world, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("opendata", "export", str(tmp_path / "out"), *arguments)
    assert not (tmp_path / "out").exists()
    assert not OpenDataRelease.objects.exists()


def test_a_setting_below_the_floor_is_refused_too(stored_world, tmp_path, settings):
    settings.SOCLE_OPENDATA_MIN_PERSONS = 1
    with pytest.raises(CommandError, match="at least 5 persons"):
        call_command("opendata", "export", str(tmp_path / "out"))


def test_every_computed_vintage_is_exported_by_default(stored_world, tmp_path):
    compute(facts_rows(seed=8), vintage="2024-2025")
    call_command("opendata", "export", str(tmp_path / "all"))
    rows = _read_csv(tmp_path / "all" / "indicateurs-territoriaux.csv")
    assert {r["annee_scolaire"] for r in rows} == {"2024-2025", VINTAGE}
    graph = Graph().parse(tmp_path / "all" / "dcat.jsonld", format="json-ld")
    period = next(graph.objects(None, ns.DCTERMS.temporal))
    assert str(graph.value(period, ns.DCAT.startDate)) == "2024-09-01"
    assert str(graph.value(period, ns.DCAT.endDate)) == "2026-08-31"


def test_export_of_a_world_computed_from_the_registry(pilotage_world, tmp_path):
    """End to end on the registry world of the Pilotage tests: three schools, so every cell
    about persons is secret, and the cells about schools are published as computed."""
    target = tmp_path / "world"
    export_module.export(target)
    rows = _read_csv(target / "indicateurs-territoriaux.csv")
    persons = [r for r in rows if r["code_indicateur"] not in SCHOOL_LEVEL_INDICATORS]
    assert persons
    assert not [r for r in persons if r["statut"] == "diffusé" and r["denominateur"] != "0"]
    assert SECRET in {r["statut"] for r in persons}
    nation = {v.indicator_code: v for v in services.values(level="nation")}
    for row in rows:
        about_schools = row["code_indicateur"] in SCHOOL_LEVEL_INDICATORS
        if row["niveau_territorial"] == "nation" and about_schools and row["valeur"]:
            assert float(row["valeur"]) == nation[row["code_indicateur"]].value
    catalogue = _read_csv(target / "catalogue-indicateurs.csv")
    assert [row["code_indicateur"] for row in catalogue] == [info.code for info in services.indicators()]
    assert Package(str(target / "datapackage.json")).validate().valid


def test_groups_follow_the_registry(stored_world):
    groups = {group.parent: group.children for group in hierarchy(("nation", "academie"))}
    assert groups == {("nation", "FR"): (("academie", "28"), ("academie", "01"), ("academie", "24"),
                                         ("academie", "70"), ("academie", "14"))}  # fmt: skip
    assert isinstance(hierarchy(("region", "academie"))[0], Group)


def test_cells_of_a_retired_indicator_are_left_out(stored_world, tmp_path):
    IndicatorValue.objects.create(
        indicator_code="retired_indicator", version=1, vintage=VINTAGE, level="nation", territory_code="FR",
        numerator=1, denominator=2, value=50.0, persons=3,
    )  # fmt: skip
    rows = _read_csv(_export(tmp_path) / "indicateurs-territoriaux.csv")
    assert "retired_indicator" not in {row["code_indicateur"] for row in rows}


def test_stale_cells_are_refused(stored_world, tmp_path):
    """A territorial cell that is not the sum of its schools (a computation interrupted, a
    hand edit) would make the suppression reason on wrong figures: refused, nothing written."""
    IndicatorValue.objects.filter(indicator_code=NSI, level="nation").update(numerator=1)
    with pytest.raises(export_module.ExportError, match="not the sum of its schools"):
        _export(tmp_path)
    assert not (tmp_path / "opendata").exists()
